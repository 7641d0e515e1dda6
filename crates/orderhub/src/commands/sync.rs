//! `orderhub sync [--shop K] [--once]`: pull orders into the store.

use super::{AlreadyReported, find_shop, load_config, open_store, shop_sync};
use crate::Context;
use crate::config::ShopConfig;
use crate::output::{print_json, seconds, table};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use orderhub_store::Store;
use orderhub_sync::{Progress, SyncError, SyncReport, sync_shop};
use serde_json::json;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// Only this shop (default: every configured shop).
    #[arg(long)]
    shop: Option<String>,
    /// Sync once and exit (every shop, paused ones included), instead of syncing
    /// on the shortest `sync_every` (paused shops then wait an hour between tries).
    #[arg(long)]
    once: bool,
}

pub async fn run(context: &Context, args: SyncArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let shops: Vec<ShopConfig> = match &args.shop {
        Some(key) => vec![find_shop(&config, context, key)?.clone()],
        None => config.shops.clone(),
    };
    if shops.is_empty() {
        anyhow::bail!(
            "{}: no shops are configured: add a [[shops]] table (see README.md)",
            context.config_path.display()
        );
    }
    let store = open_store(&config.database_url).await?;
    if args.once {
        // Asked for by a person: every shop runs, paused or not.
        return sync_and_report(&store, &shops, context.json).await?;
    }
    loop {
        let mut due = Vec::new();
        for shop in &shops {
            if orderhub_sync::due_for_scheduled_sync(&store, shop.key(), orderhub_sync::RETRY_PAUSED_AFTER).await? {
                due.push(shop.clone());
            }
        }
        let outcome = sync_and_report(&store, &due, context.json).await?;
        if let Err(error) = outcome {
            tracing::warn!(%error, "some shops failed; they are tried again at the next interval");
        }
        let pause = shops.iter().map(|s| s.sync_every).min().unwrap_or(Duration::from_secs(300));
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// Syncs the shops at once, prints one line per shop (or JSON), and returns an
/// error when any shop failed (its cause already printed).
pub async fn sync_and_report(store: &Store, shops: &[ShopConfig], json: bool) -> anyhow::Result<anyhow::Result<()>> {
    let started = Instant::now();
    let results = sync_all(store, shops, !json && std::io::stderr().is_terminal()).await?;
    let elapsed = started.elapsed();
    let simulated = |key: &str| shops.iter().any(|shop| shop.key() == key && shop.simulated);
    let failed: Vec<String> =
        results.iter().filter_map(|(key, r)| r.as_ref().err().map(|e| explained(e, simulated(key)))).collect();
    if json {
        let shops: Vec<_> = results
            .iter()
            .map(|(shop, r)| match r {
                Ok(report) => json!({"shop": shop, "ok": true, "report": report}),
                Err(e) => json!({"shop": shop, "ok": false, "error": e.to_string()}),
            })
            .collect();
        print_json(&json!({"elapsed_seconds": elapsed.as_secs_f64(), "shops": shops}));
    } else {
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|(shop, r)| match r {
                Ok(rep) => vec![
                    shop.clone(),
                    "ok".into(),
                    rep.orders.new.to_string(),
                    rep.orders.changed.to_string(),
                    rep.orders.unchanged.to_string(),
                    rep.orders.bad.to_string(),
                    rep.pages.to_string(),
                    rep.api_calls.to_string(),
                ],
                Err(_) => vec![
                    shop.clone(),
                    "FAILED".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                ],
            })
            .collect();
        print!("{}", table(&["shop", "result", "new", "changed", "unchanged", "bad", "pages", "api calls"], &rows));
        let total = results.len();
        println!("synced {} of {total} shop{} in {}", total - failed.len(), plural(total), seconds(elapsed));
    }
    for error in &failed {
        eprintln!("error: {error}");
    }
    Ok(if failed.is_empty() {
        Ok(())
    } else {
        Err(AlreadyReported(format!("{} of {} shop(s) failed", failed.len(), results.len())).into())
    })
}

/// Syncs every shop concurrently; a failing shop does not stop the others.
pub async fn sync_all(
    store: &Store,
    shops: &[ShopConfig],
    show_progress: bool,
) -> anyhow::Result<Vec<(String, Result<SyncReport, SyncError>)>> {
    let bars = MultiProgress::with_draw_target(if show_progress {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let style = ProgressStyle::with_template("{prefix:>12} {bar:30} {pos}/{len} orders ({per_sec}, {eta} left) {msg}")
        .expect("valid template");
    let mut tasks = tokio::task::JoinSet::new();
    for shop in shops {
        let sync = shop_sync(shop)?;
        let store = store.clone();
        let bar = bars.add(ProgressBar::new(0).with_style(style.clone()).with_prefix(shop.key().to_string()));
        let key = shop.key().to_string();
        tasks.spawn(async move {
            let progress = |at: &Progress<'_>| {
                if let Some(total) = at.expected {
                    bar.set_length(total.max(at.read));
                }
                bar.set_position(at.read);
                // A long window is read in spans at the same time: say how many are done.
                if at.spans > 1 {
                    bar.set_message(format!("spans {}/{}", at.spans_done, at.spans));
                }
            };
            let result = sync_shop(&store, &sync, &progress).await;
            bar.finish_with_message(if result.is_ok() { "done" } else { "failed" });
            (key, result)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        results.push(joined?);
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(results)
}

/// "s" after a count other than one.
fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// A failed shop's error as printed: where the shop is a simulator that
/// cannot be reached, what that most likely means.
fn explained(error: &SyncError, simulated: bool) -> String {
    let unreachable = matches!(error.connector_error(), Some(orderhub_connectors::ConnectorError::Unreachable { .. }));
    if simulated && unreachable {
        format!(
            "{error} (this configuration points at the sandbox's simulators, which run only while \
             `orderhub demo` or `orderhub sandbox` runs: start one again)"
        )
    } else {
        error.to_string()
    }
}
