//! `orderhub backup --to FILE`: a consistent copy of the SQLite store, made
//! while `serve` or `sync` keep writing to it.
//!
//! The copy is one snapshot (`VACUUM INTO` in one read transaction): every
//! order and event committed before it, none after, and it opens as a store
//! of its own. PostgreSQL is backed up with `pg_dump` (README: Backups).

use super::{load_config, open_store};
use crate::Context;
use crate::output::print_json;
use anyhow::Context as _;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// The new file to write the copy to (it must not exist).
    #[arg(long)]
    to: PathBuf,
}

pub async fn run(context: &Context, args: BackupArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let store = open_store(&config.database_url).await?;
    let started = Instant::now();
    let report = store.backup_to(&args.to).await.with_context(|| format!("backup to {}", args.to.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    if context.json {
        print_json(&json!({"to": args.to, "seconds": seconds, "backup": report}));
    } else {
        println!(
            "backed up {} orders and {} events (through event {}) to {} ({:.1} MB) in {seconds:.1}s",
            report.orders,
            report.events,
            report.last_event_seq,
            args.to.display(),
            report.bytes as f64 / 1e6
        );
        println!(
            "check it with: ORDERHUB_DATABASE_URL=sqlite://{} orderhub verify --store; put it back with: orderhub restore --from {}",
            args.to.display(),
            args.to.display()
        );
    }
    Ok(())
}
