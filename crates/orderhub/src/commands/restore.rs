//! `orderhub restore --from FILE [--force]`: put a backup made by `orderhub
//! backup` in place of the configured SQLite store.
//!
//! Refused while any orderhub process has the store open (`serve`, `sync`:
//! `store_lock`), unless `--force`; a server forced past keeps caches of
//! the store as it was and must be restarted. The backup is checked before
//! anything is replaced (it opens, SQLite's quick check passes, its schema
//! is one this build knows), and the restored store is checked after. The
//! next `sync` goes on from the backup's cursors, so the orders and changes
//! made since the backup come back from the platforms.

use super::{load_config, open_store};
use crate::output::print_json;
use crate::{Context, store_lock};
use anyhow::Context as _;
use serde_json::json;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// The backup to put back (a file `orderhub backup` wrote).
    #[arg(long)]
    from: PathBuf,
    /// Restore even while another orderhub process has the store open
    /// (restart it afterwards).
    #[arg(long)]
    force: bool,
}

pub async fn run(context: &Context, args: RestoreArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let Some(path) = store_lock::sqlite_path(&config.database_url) else {
        anyhow::bail!(
            "restore puts SQLite backups back, and database.url is not a SQLite file; \
             restore PostgreSQL with pg_restore or psql (README: Backups)"
        );
    };
    if !args.from.is_file() {
        anyhow::bail!("{} is not a file; name a backup that `orderhub backup --to` wrote", args.from.display());
    }
    let lock = store_lock::exclusive(&path).with_context(|| format!("the lock beside {}", path.display()))?;
    let lock_held = match lock {
        store_lock::Locked::Held(lock) => Some(lock),
        store_lock::Locked::Busy if args.force => {
            eprintln!("warning: another orderhub process has the store open; restart it after the restore");
            None
        }
        store_lock::Locked::Busy => anyhow::bail!(
            "another orderhub process (serve, sync, …) has the store {} open: stop it first, or pass --force \
             and restart it afterwards",
            path.display()
        ),
    };
    orderhub_store::restore_sqlite(&args.from, &config.database_url)
        .await
        .with_context(|| format!("restoring {} into {}", args.from.display(), path.display()))?;
    drop(lock_held);
    let store = open_store(&config.database_url).await?;
    let check = store.check().await?;
    store.close().await;
    if context.json {
        print_json(&json!({"from": args.from, "store": path, "check": check}));
    } else {
        println!(
            "restored {} into {}: {} orders, {} events (through event {}); the store checks out: {}",
            args.from.display(),
            path.display(),
            check.orders,
            check.events,
            check.last_event_seq,
            if check.consistent() { "yes" } else { "NO" }
        );
        println!("the next `orderhub sync` brings in what the platforms hold since the backup");
    }
    anyhow::ensure!(check.consistent(), "the restored store does not check out: {check:?}");
    Ok(())
}
