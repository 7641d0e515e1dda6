//! `orderhub migrate`: bring the store's schema up to date, explicitly.
//!
//! Every command that opens the store also migrates it, so a newcomer never
//! has to; this one is for operators who apply schema changes as a step of
//! their own (before starting a new version of several `serve` workers on one
//! PostgreSQL database, say). Concurrent migrations are safe: each database's
//! migrations run under its own lock.

use super::load_config;
use crate::Context;
use crate::output::print_json;
use anyhow::Context as _;
use orderhub_store::Store;
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct MigrateArgs {}

pub async fn run(context: &Context, _args: MigrateArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let url = orderhub_store::redact_url(&config.database_url);
    let store = Store::open_unmigrated(&config.database_url).await.context("the order store")?;
    let applied = store.migrate().await.with_context(|| format!("migrating {url}"))?;
    store.close().await;
    if context.json {
        print_json(&json!({"database": url, "applied": applied}));
    } else if applied.is_empty() {
        println!("{url}: the schema is up to date");
    } else {
        let versions: Vec<String> = applied.iter().map(i64::to_string).collect();
        println!("{url}: applied migration(s) {}", versions.join(", "));
    }
    Ok(())
}
