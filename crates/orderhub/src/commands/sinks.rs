//! `orderhub sinks`: each configured broker sink's progress (the last event
//! published and confirmed, its lag, its last failure);
//! `orderhub sinks replay --sink NAME --from SEQ`: publish again from an
//! event on (a running `serve` picks the new progress up within 5 s).

use super::{find_sink, load_config, open_store};
use crate::Context;
use crate::output::{print_json, table};
use orderhub_store::Deliveries;
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct SinksArgs {
    #[command(subcommand)]
    command: Option<SinksCommand>,
}

#[derive(clap::Subcommand, Debug)]
enum SinksCommand {
    /// Publish every event from SEQ on again (consumers dedupe on the message id).
    Replay {
        /// The sink's name.
        #[arg(long)]
        sink: String,
        /// The first event to publish again (`orderhub sinks` shows the numbers).
        #[arg(long)]
        from: i64,
    },
}

pub async fn run(context: &Context, args: SinksArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let store = open_store(&config.database_url).await?;
    if let Some(SinksCommand::Replay { sink, from }) = args.command {
        find_sink(&config, context, &sink)?;
        anyhow::ensure!(from >= 1, "--from {from}: event numbers start at 1");
        store.rewind_delivery(Deliveries::Sinks, &sink, from - 1).await?;
        println!("sink {sink} publishes again from event {from} (a running serve picks it up within 5 s)");
        return Ok(());
    }
    let last = store.last_event_seq().await?;
    let mut rows = Vec::new();
    for sink in &config.sinks {
        let state = store.delivery_state(Deliveries::Sinks, &sink.name).await?;
        rows.push(json!({
            "name": sink.name,
            "published_seq": state.delivered_seq,
            "published_total": state.delivered_total,
            "lag": last - state.delivered_seq,
            "failed_attempts": state.attempts,
            "last_error": state.last_error,
        }));
    }
    if context.json {
        print_json(&json!({"sinks": rows, "last_event_seq": last}));
        return Ok(());
    }
    if rows.is_empty() {
        println!("no sinks are configured ([[sinks]] in {})", context.config_path.display());
        return Ok(());
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            ["name", "published_seq", "lag", "failed_attempts", "last_error"].iter().map(|k| text(&r[k])).collect()
        })
        .collect();
    print!("{}", table(&["sink", "published through", "lag", "failed attempts", "last error"], &lines));
    Ok(())
}
