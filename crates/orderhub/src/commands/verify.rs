//! `orderhub verify [--shop K] [--from T] [--to T] [--repair]`: reconcile the
//! store against the platform and report every missing or stale order.
//! `orderhub verify --store`: check the store alone against its own rules
//! (a backup, say), without asking any platform.

use super::{AlreadyReported, find_shop, load_config, open_store, shop_sync};
use crate::Context;
use crate::config::{ConfigError, ShopConfig};
use crate::output::{print_json, table};
use jiff::Timestamp;
use orderhub_sync::verify_shop;

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// Only this shop (default: every configured shop).
    #[arg(long)]
    shop: Option<String>,
    /// Start of the range, RFC 3339 (default: the shop's `sync_from`).
    #[arg(long)]
    from: Option<String>,
    /// End of the range, RFC 3339 (default: now).
    #[arg(long)]
    to: Option<String>,
    /// Store what is missing or stale, as the platform has it.
    #[arg(long)]
    repair: bool,
    /// Check only the store against its own rules (the database's integrity,
    /// each order created once in the event log, nothing that refers to an
    /// order it does not hold); no platform is asked.
    #[arg(long, conflicts_with_all = ["shop", "from", "to", "repair"])]
    store: bool,
}

fn instant(flag: &str, text: &Option<String>) -> Result<Option<Timestamp>, ConfigError> {
    text.as_deref()
        .map(|t| {
            t.parse::<Timestamp>().map_err(|_| ConfigError {
                place: "command line".into(),
                key: None,
                message: format!("{flag} {t:?} is not an RFC 3339 instant: use e.g. 2024-01-01T00:00:00Z"),
            })
        })
        .transpose()
}

/// Numbers as a short list for people: the first 20, then how many more.
fn some(numbers: &[String]) -> String {
    let mut text = numbers.iter().take(20).cloned().collect::<Vec<_>>().join(", ");
    if numbers.len() > 20 {
        text.push_str(&format!(" … and {} more (see --json)", numbers.len() - 20));
    }
    text
}

pub async fn run(context: &Context, args: VerifyArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    if args.store {
        return check_store(context, &config.database_url).await;
    }
    let (from, to) = (instant("--from", &args.from)?, instant("--to", &args.to)?);
    let shops: Vec<ShopConfig> = match &args.shop {
        Some(key) => vec![find_shop(&config, context, key)?.clone()],
        None => config.shops.clone(),
    };
    let store = open_store(&config.database_url).await?;
    // Every shop at once, as `sync` does: each waits on its own platform.
    let mut checks = tokio::task::JoinSet::new();
    for (position, shop) in shops.iter().enumerate() {
        let sync = shop_sync(shop)?;
        let range = (from.unwrap_or(shop.sync_from), to.unwrap_or_else(Timestamp::now));
        let (store, repair) = (store.clone(), args.repair);
        checks.spawn(async move {
            let result = verify_shop(&store, sync.connector.as_ref(), range, repair, sync.retry).await;
            (position, result)
        });
    }
    let mut results = checks.join_all().await;
    results.sort_by_key(|(position, _)| *position);
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for (_, result) in results {
        match result {
            Ok(report) => reports.push(report),
            Err(error) => failures.push(error.to_string()),
        }
    }
    if context.json {
        print_json(&serde_json::json!({"shops": reports, "errors": failures}));
    } else {
        let rows: Vec<Vec<String>> = reports
            .iter()
            .map(|r| {
                vec![
                    r.shop.clone(),
                    r.on_platform.to_string(),
                    r.missing.len().to_string(),
                    r.stale.len().to_string(),
                    r.gone.len().to_string(),
                    r.repaired.map(|s| format!("{} new, {} changed", s.new, s.changed)).unwrap_or_else(|| "-".into()),
                    r.api_calls.to_string(),
                ]
            })
            .collect();
        print!("{}", table(&["shop", "on platform", "missing", "stale", "gone", "repaired", "api calls"], &rows));
        for r in &reports {
            if !r.missing.is_empty() {
                println!("{}: missing {}", r.shop, some(&r.missing));
            }
            if !r.stale.is_empty() {
                println!("{}: stale {}", r.shop, some(&r.stale));
            }
            if !r.gone.is_empty() {
                println!("{}: no longer on the platform {}", r.shop, some(&r.gone));
            }
        }
    }
    for error in &failures {
        eprintln!("error: {error}");
    }
    let gaps = reports.iter().filter(|r| !r.clean() && r.repaired.is_none()).count();
    if !failures.is_empty() || gaps > 0 {
        if gaps > 0 {
            eprintln!(
                "error: {gaps} shop(s) have missing or stale orders: run `orderhub verify --repair` or `orderhub sync`"
            );
        }
        return Err(AlreadyReported(format!("{} failed, {gaps} with gaps", failures.len())).into());
    }
    Ok(())
}

async fn check_store(context: &Context, url: &str) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    let check = store.check().await?;
    store.close().await;
    if context.json {
        print_json(&check);
    } else {
        println!(
            "integrity: {}\norders: {}\nevents: {} (through event {})\norders not created exactly once: {}\n\
             events of orders not held: {}\nitems of orders not held: {}",
            check.integrity,
            check.orders,
            check.events,
            check.last_event_seq,
            check.orders_not_created_once,
            check.events_without_order,
            check.items_without_order
        );
    }
    if !check.consistent() {
        eprintln!("error: the store breaks its own rules (above); restore a backup (`orderhub restore`)");
        return Err(AlreadyReported("inconsistent store".into()).into());
    }
    Ok(())
}
