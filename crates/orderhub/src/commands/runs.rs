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
            vec![
                r.id.to_string(),
                r.shop.clone(),
                r.started_at.map(|t| t.strftime("%Y-%m-%d %H:%M:%SZ").to_string()).unwrap_or_default(),
                took,
                r.outcome.clone(),
                format!("{}/{}/{}/{}", r.orders.new, r.orders.changed, r.orders.unchanged, r.orders.bad),
                r.api_calls.to_string(),
                r.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(&["run", "shop", "started", "took", "outcome", "new/changed/same/bad", "api calls", "error"], &rows)
    );
    Ok(())
}
