//! `orderhub runs [--shop K]`: the sync-run history.

use super::{load_config, open_store};
use crate::Context;
use crate::output::{print_json, table};

#[derive(clap::Args, Debug)]
pub struct RunsArgs {
    /// Only this shop.
    #[arg(long)]
    shop: Option<String>,
    /// At most this many runs, newest first.
    #[arg(long, default_value_t = 20)]
    limit: i64,
}

pub async fn run(context: &Context, args: RunsArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let store = open_store(&config.database_url).await?;
    let runs = store.runs(args.shop.as_deref(), args.limit.max(1)).await?;
    if context.json {
        print_json(&runs);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let took = match (r.started_at, r.ended_at) {
                (Some(s), Some(e)) => format!("{:.2}s", (e.as_millisecond() - s.as_millisecond()) as f64 / 1000.0),
                _ => "-".into(),
            };
            // A running run says how far it has come instead of an error.
            let note = match (&r.error, &r.progress) {
                (Some(error), _) => error.clone(),
                (None, Some(progress)) if r.outcome == "running" => progress_note(progress),
                _ => String::new(),
            };
            vec![
                r.id.to_string(),
                r.shop.clone(),
                r.started_at.map(|t| t.strftime("%Y-%m-%d %H:%M:%SZ").to_string()).unwrap_or_default(),
                took,
                r.outcome.clone(),
                format!("{}/{}/{}/{}", r.orders.new, r.orders.changed, r.orders.unchanged, r.orders.bad),
                r.api_calls.to_string(),
                note,
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &["run", "shop", "started", "took", "outcome", "new/changed/same/bad", "api calls", "error or progress"],
            &rows
        )
    );
    Ok(())
}

/// "spans 3/8, 12000/20000 orders, about 40s left".
fn progress_note(progress: &orderhub_store::RunProgress) -> String {
    let mut parts = Vec::new();
    if progress.spans > 1 {
        parts.push(format!("spans {}/{}", progress.spans_done, progress.spans));
    }
    parts.push(match progress.expected {
        Some(expected) => format!("{}/{expected} orders", progress.read),
        None => format!("{} orders", progress.read),
    });
    if let Some(seconds) = progress.eta_seconds {
        parts.push(format!("about {seconds}s left"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::progress_note;
    use orderhub_store::RunProgress;

    #[test]
    fn a_running_run_says_how_far_it_has_come() {
        let progress =
            RunProgress { read: 12_000, expected: Some(20_000), spans_done: 3, spans: 8, eta_seconds: Some(40) };
        assert_eq!(progress_note(&progress), "spans 3/8, 12000/20000 orders, about 40s left");
        let whole = RunProgress { read: 120, expected: None, spans_done: 0, spans: 1, eta_seconds: None };
        assert_eq!(progress_note(&whole), "120 orders");
    }
}
