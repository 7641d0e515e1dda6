//! `orderhub shops`: each configured shop's platform, last sync run and pause.

use super::{load_config, open_store};
use crate::Context;
use crate::output::{print_json, table};
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct ShopsArgs {}

pub async fn run(context: &Context, _args: ShopsArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let store = open_store(&config.database_url).await?;
    let mut shops = Vec::new();
    for shop in &config.shops {
        let last = store.runs(Some(shop.key()), 1).await?.into_iter().next();
        let paused = store.paused(shop.key()).await?;
        shops.push(json!({
            "key": shop.key(),
            "platform": shop.settings.platform,
            "last_run": last,
            "paused": paused.as_ref().map(|(reason, since)| json!({"reason": reason, "since": since})),
        }));
    }
    if context.json {
        print_json(&shops);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = shops
        .iter()
        .map(|s| {
            let last = &s["last_run"];
            vec![
                s["key"].as_str().unwrap_or_default().to_string(),
                s["platform"].as_str().unwrap_or_default().to_string(),
                last["outcome"].as_str().unwrap_or("never").to_string(),
                last["ended_at"].as_str().unwrap_or("-").to_string(),
                state(s),
            ]
        })
        .collect();
    print!("{}", table(&["shop", "platform", "last run", "ended (UTC)", "state"], &rows));
    if shops.iter().any(|s| !s["paused"].is_null()) {
        println!(
            "paused shops are synced again by `orderhub sync --once` (after fixing the cause), or tried hourly by `serve`"
        );
    }
    Ok(())
}

/// What a person needs to know of a shop now: paused (and why), syncing,
/// never synced, or active.
fn state(shop: &serde_json::Value) -> String {
    if let Some(reason) = shop["paused"]["reason"].as_str() {
        return format!("PAUSED: {reason}");
    }
    match shop["last_run"]["outcome"].as_str() {
        None => "never synced".into(),
        Some("running") => "syncing".into(),
        Some(_) => "active".into(),
    }
}
