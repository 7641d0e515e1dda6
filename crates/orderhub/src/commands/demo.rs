//! `orderhub demo`: the sandbox, a sync into a fresh SQLite store, a summary, and the API.

use super::sandbox;
use super::serve::{build_hub, serve_until_stopped, start_background};
use super::sync::sync_and_report;
use super::{AlreadyReported, open_store};
use crate::Context;
use crate::config;
use crate::output::{print_json, table};
use anyhow::Context as _;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Orders each simulated platform holds (Shoptima, Wshoto, Westmonth, Damaijia and VanMall shops).
    #[arg(long, default_value_t = 1000)]
    orders: u64,
    /// Seed of the order generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The demo's own database file; it is emptied at the start of every demo.
    #[arg(long, default_value = "orderhub-demo.db")]
    database: PathBuf,
    /// Where the API listens (a free port is used if this one is taken).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Print the summary and exit instead of serving the API.
    #[arg(long)]
    no_serve: bool,
    /// While serving: orders per second, per platform, that move along their
    /// lifecycle on the simulated platforms, synced every 30 seconds.
    #[arg(long, default_value_t = 0)]
    churn: usize,
    /// Faults the simulated platforms answer with, as `orderhub sandbox --faults`
    /// (e.g. `5xx@10%`): the demo's sync retries through them.
    #[arg(long, value_name = "SPEC")]
    faults: Option<String>,
}

pub async fn run(context: &Context, args: DemoArgs) -> anyhow::Result<()> {
    empty_database(&args.database)?;
    let faults = sandbox::fault_plan(args.faults.as_deref())?;
    let sandbox = sandbox::start(args.orders, args.seed, 0, false).await?;
    sandbox.add_faults(&faults);
    let database_url = format!("sqlite://{}", args.database.display());
    let config_path = PathBuf::from("orderhub-demo.toml");
    let text = sandbox::config_text(&sandbox, &database_url, &args.listen) + &expired_shop(&sandbox);
    let config = config::parse(&config_path, &text, &|_| None)?;
    std::fs::write(&config_path, &text).with_context(|| format!("cannot write {}", config_path.display()))?;

    let store = open_store(&config.database_url).await?;
    let started = Instant::now();
    fetch_lookup_only(context, &store, &config, &sandbox).await?;
    // The shop broken on purpose is first synced by the scheduler, as a real
    // shop whose token expired would be.
    let working: Vec<_> = config.shops.iter().filter(|shop| shop.key() != EXPIRED_SHOP).cloned().collect();
    let outcome = sync_and_report(&store, &working, context.json).await?;
    let elapsed = started.elapsed();
    if let Err(error) = outcome {
        return Err(AlreadyReported(format!("the demo sync failed: {error}")).into());
    }
    report(context, &store, sandbox.order_count(), &database_url, elapsed, &config_path).await?;
    if args.no_serve {
        return Ok(());
    }
    // The sandbox lives as long as this function: it keeps serving while the API does.
    let _churn = sandbox.spawn_churn(args.churn);
    let hub = build_hub(&store, &config.shops)?;
    hub.spawn_schedulers();
    start_background(&hub, &config);
    if !context.json {
        println!(
            "shop {EXPIRED_SHOP} signs in with a token the platform refuses, on purpose: the dashboard's \
             Attention page shows it paused, with what to do"
        );
    }
    // The demo's own key: everything, PII included (the buyers are made up).
    let (key, _) = orderhub_server::auth::create_key(&store, "demo", orderhub_server::auth::Scope::Admin, true).await?;
    println!("API key for this demo (admin, pii): {key}");
    let _sandbox = sandbox;
    serve_until_stopped(hub, &config, &args.listen, true, Some(&key)).await
}

/// The key of the demo's shop whose token the platform refuses.
const EXPIRED_SHOP: &str = "belment-expired";

/// A second shop on the Shoptima simulator whose token the platform
/// refuses: what a person sees when a shop's token expires (the shop
/// paused, an attention item, an alert where one is configured).
fn expired_shop(sandbox: &orderhub_sandbox::Sandbox) -> String {
    let Some(shoptima) = sandbox.shops.iter().find(|shop| shop.platform == "shoptima") else {
        return String::new();
    };
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    format!(
        "\n# Broken on purpose: the platform refuses this token.\n[[shops]]\nkey = {}\nplatform = \"shoptima\"\n\
         base_url = {}\ntoken = \"an-expired-token\"\nsync_from = {}\nsync_every = \"30s\"\n",
        quote(EXPIRED_SHOP),
        quote(&shoptima.base_url),
        quote(&sandbox.earliest.to_string()),
    )
}

/// Removes the demo's database and its log, so that every demo starts empty.
fn empty_database(database: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = database.to_path_buf().into_os_string();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot empty the demo database {}", Path::new(&path).display()));
            }
        }
    }
    Ok(())
}

/// A platform with no list API (VanMall) gets its orders by number (a
/// store's order notifications, or `orderhub fetch`): the demo hands over
/// every number of its simulator once.
async fn fetch_lookup_only(
    context: &Context,
    store: &orderhub_store::Store,
    config: &config::Config,
    sandbox: &orderhub_sandbox::Sandbox,
) -> anyhow::Result<()> {
    for (shop, simulator) in sandbox.shops.iter().zip(&sandbox.simulators) {
        let Some(numbers) = simulator.lookup_only_numbers() else { continue };
        let Some(configured) = config.shops.iter().find(|s| s.key() == shop.key) else { continue };
        let sync = super::shop_sync(configured)?;
        let (stats, _) = orderhub_sync::fetch_orders(store, sync.connector.as_ref(), &numbers, sync.retry).await?;
        if !context.json {
            let fetched = stats.new + stats.changed + stats.unchanged;
            let label = orderhub_connectors::registry::entry(shop.platform).map_or(shop.platform, |e| e.label);
            println!("fetched {fetched} {label} orders by number ({label} has no list API)");
        }
    }
    Ok(())
}

/// What the demo's sync stored: orders per shop and status, against the
/// simulators' `truth`.
async fn report(
    context: &Context,
    store: &orderhub_store::Store,
    truth: usize,
    database_url: &str,
    elapsed: std::time::Duration,
    config_path: &Path,
) -> anyhow::Result<()> {
    let stored = store.order_count().await?;
    let events = store.event_count().await?;
    let linked = store.linked_purchases().await?;
    let counts = store.status_counts().await?;
    if context.json {
        print_json(&json!({
            "orders_on_platforms": truth,
            "orders_stored": stored,
            "events": events,
            "purchases_linked": linked,
            "seconds": elapsed.as_secs_f64(),
            "by_status": counts,
            "database": database_url,
        }));
        return Ok(());
    }
    println!();
    let rows: Vec<Vec<String>> =
        counts.iter().map(|c| vec![c.shop.clone(), c.status.clone(), c.count.to_string()]).collect();
    print!("{}", table(&["shop", "status", "orders"], &rows));
    println!(
        "\n{stored} of {truth} orders stored in {database_url} ({events} events), {:.0} orders/s",
        stored as f64 / elapsed.as_secs_f64().max(1e-9)
    );
    println!("{linked} purchases at the supplier linked to the shop orders they fulfil (docs/suppliers.md)");
    println!("look around: orderhub --config {} orders list", config_path.display());
    Ok(())
}
