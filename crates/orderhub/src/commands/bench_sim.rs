//! `orderhub bench-sim`: how fast each simulator serves list pages, so that we
//! know it is never the bottleneck when the sync is measured.
//!
//! Each simulator holds `--orders` generated orders and is served by a tokio
//! runtime on one thread (one core); a client on the other core pages through
//! the whole listing at the platform's largest page size over loopback HTTP,
//! reading every page as JSON. Figures: orders served per second, pages, time
//! to generate the orders, and the process's memory once they are held.

use crate::Context;
use crate::output::print_json;
use anyhow::Context as _;
use orderhub_sandbox::{PageOf, SimSettings, SimulatorEntry};
use serde_json::{Value, json};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct BenchSimArgs {
    /// Orders each simulator holds.
    #[arg(long, default_value_t = 1_000_000)]
    orders: u64,
    /// Seed of the order generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only this platform (one of the simulators that list orders).
    #[arg(long)]
    platform: Option<String>,
}

/// The simulators with a listing to page through.
fn listing_simulators() -> Vec<&'static SimulatorEntry> {
    orderhub_sandbox::simulators().into_iter().filter(|entry| entry.paging.is_some()).collect()
}

pub async fn run(context: &Context, args: BenchSimArgs) -> anyhow::Result<()> {
    let simulators = listing_simulators();
    if let Some(p) = &args.platform {
        let names: Vec<&str> = simulators.iter().map(|entry| entry.spec.name).collect();
        anyhow::ensure!(names.contains(&p.as_str()), "--platform {p:?}: one of {}", names.join(", "));
    }
    let mut results = Vec::new();
    for entry in simulators.into_iter().filter(|e| args.platform.as_deref().is_none_or(|w| w == e.spec.name)) {
        let result = bench_one(entry, args.orders, args.seed).await?;
        if !context.json {
            println!(
                "{:<10} {:>9} orders served in {:>6.2} s: {:>7.0} orders/s ({} pages; generated in {:.1} s; {:.0} MB held)",
                entry.spec.name,
                result["orders_served"],
                result["seconds"].as_f64().unwrap_or(0.0),
                result["orders_per_second"].as_f64().unwrap_or(0.0),
                result["pages"],
                result["generate_seconds"].as_f64().unwrap_or(0.0),
                result["memory_mb"].as_f64().unwrap_or(0.0),
            );
        }
        results.push(result);
    }
    if context.json {
        print_json(&json!({"orders_per_platform": args.orders, "results": results}));
    }
    Ok(())
}

/// Generates, serves on one thread, pages through everything; then drops it all.
async fn bench_one(entry: &'static SimulatorEntry, orders: u64, seed: u64) -> anyhow::Result<Value> {
    let started = Instant::now();
    let settings = SimSettings { orders, seed, anchor: orderhub_sandbox::unix_now(), examples: false };
    let simulator = (entry.start)(&settings);
    let router = simulator.simulator.router();
    let (token, shop_id) = (simulator.token.clone(), simulator.remote_shop_id.clone().unwrap_or_default());
    let generate_seconds = started.elapsed().as_secs_f64();
    let memory_mb = super::bench::memory_mb("VmRSS:");

    // The simulator on a runtime of its own, on one thread.
    let (address_tx, address_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let base_path = entry.base_path;
    let server = std::thread::spawn(move || -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async move {
            let running = orderhub_sandbox::serve(router, "127.0.0.1:0".parse()?, base_path).await?;
            let _ = address_tx.send(running.base_url.clone());
            let _ = stop_rx.await;
            drop(running);
            Ok(())
        })
    });
    let base_url = address_rx.await.context("the simulator did not start")?;
    orderhub_connectors::http::install_crypto_provider();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let (served, pages) = page_through(&client, entry, &base_url, &token, &shop_id).await?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    drop(simulator);
    server.join().map_err(|_| anyhow::anyhow!("the simulator's thread panicked"))??;
    Ok(json!({
        "platform": entry.spec.name,
        "orders": orders,
        "orders_served": served,
        "pages": pages,
        "seconds": seconds,
        "orders_per_second": served as f64 / seconds.max(1e-9),
        "generate_seconds": generate_seconds,
        "memory_mb": memory_mb,
    }))
}

/// Reads every page of the simulator's whole listing; returns (orders, pages).
/// Orders are skipped over, not built, so that the client (on the other core)
/// costs little beside the simulator it measures.
async fn page_through(
    client: &reqwest::Client,
    entry: &SimulatorEntry,
    base_url: &str,
    token: &str,
    shop_id: &str,
) -> anyhow::Result<(u64, u64)> {
    let platform = entry.spec.name;
    let paging = entry.paging.expect("only simulators with a listing are paged");
    let until = orderhub_sandbox::unix_now() + 86_400;
    let (mut served, mut pages) = (0u64, 0u64);
    for page in 1u64.. {
        let asked = (paging.request)(&PageOf { page, token, remote_shop_id: shop_id, until });
        let url = format!("{base_url}{}", asked.path);
        let mut request = if asked.post { client.post(url) } else { client.get(url) };
        for (name, value) in asked.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &asked.body {
            request = request.json(body);
        }
        let body = request.send().await?.error_for_status()?.bytes().await?;
        let listed = (paging.count)(&body, served)
            .map_err(|e| anyhow::anyhow!("{platform}: page {page} is not the expected JSON: {e}"))?;
        anyhow::ensure!(listed.orders > 0 || served == 0, "{platform}: page {page} came back empty");
        served += listed.orders as u64;
        pages += 1;
        if !listed.more || listed.orders == 0 {
            break;
        }
    }
    Ok((served, pages))
}
