//! `orderhub copy --from URL --to URL`: move a whole store to another
//! database (SQLite to PostgreSQL, typically) without losing anything:
//! orders, events, cursors, runs, write-back jobs, API keys, webhook progress.
//!
//! The target is migrated first and must be empty; each table's rows are
//! counted on both sides afterwards. Stop every `orderhub serve` on the source
//! while it runs, then point `database.url` at the target.

use crate::Context;
use crate::output::{print_json, table};
use anyhow::Context as _;
use orderhub_store::{Store, redact_url};
use serde_json::json;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct CopyArgs {
    /// The store to copy (`sqlite://PATH` or `postgres://…`).
    #[arg(long)]
    from: String,
    /// The empty database to copy into; its tables are created.
    #[arg(long)]
    to: String,
}

pub async fn run(context: &Context, args: CopyArgs) -> anyhow::Result<()> {
    let (from, to) = (redact_url(&args.from), redact_url(&args.to));
    let source = Store::open(&args.from).await.with_context(|| format!("the source store {from}"))?;
    let target = Store::open(&args.to).await.with_context(|| format!("the target store {to}"))?;
    let started = Instant::now();
    let progress = |table: &str, rows: u64| {
        if !context.json && rows.is_multiple_of(50_000) {
            eprintln!("{table}: {rows} rows");
        }
    };
    let report = source.copy_to(&target, &progress).await.with_context(|| format!("copying {from} to {to}"))?;
    let seconds = started.elapsed().as_secs_f64();
    source.close().await;
    target.close().await;
    if context.json {
        print_json(&json!({"from": from, "to": to, "seconds": seconds, "tables": report.tables}));
    } else {
        let rows: Vec<Vec<String>> = report.tables.iter().map(|(t, n)| vec![t.clone(), n.to_string()]).collect();
        print!("{}", table(&["table", "rows"], &rows));
        println!("copied {from} to {to} in {seconds:.1}s; every table's rows counted equal on both sides");
    }
    Ok(())
}
