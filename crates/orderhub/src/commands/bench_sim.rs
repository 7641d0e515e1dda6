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
use orderhub_sandbox::{
    DamaijiaConfig, DamaijiaSim, ShoptimaConfig, ShoptimaSim, WestmonthConfig, WestmonthSim, WshotoConfig, WshotoSim,
};
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
    /// Only this platform (shoptima, wshoto, westmonth, damaijia).
    #[arg(long)]
    platform: Option<String>,
}

const PLATFORMS: [&str; 4] = ["shoptima", "wshoto", "westmonth", "damaijia"];

pub async fn run(context: &Context, args: BenchSimArgs) -> anyhow::Result<()> {
    if let Some(p) = &args.platform {
        anyhow::ensure!(PLATFORMS.contains(&p.as_str()), "--platform {p:?}: one of {}", PLATFORMS.join(", "));
    }
    let mut results = Vec::new();
    for platform in PLATFORMS.iter().filter(|p| args.platform.as_deref().is_none_or(|w| w == **p)) {
        let result = bench_one(platform, args.orders, args.seed).await?;
        if !context.json {
            println!(
                "{:<10} {:>9} orders served in {:>6.2} s: {:>7.0} orders/s ({} pages; generated in {:.1} s; {:.0} MB held)",
                platform,
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
async fn bench_one(platform: &str, orders: u64, seed: u64) -> anyhow::Result<Value> {
    let started = Instant::now();
    let anchor = orderhub_sandbox::unix_now();
    let (router, base_path, token, shop_id) = match platform {
        "shoptima" => {
            let config = ShoptimaConfig { orders, seed, anchor, ..ShoptimaConfig::default() };
            (ShoptimaSim::new(&config).router(), "/api/v1", config.token, String::new())
        }
        "wshoto" => {
            let config = WshotoConfig { orders, seed, anchor, ..WshotoConfig::default() };
            (WshotoSim::new(&config).router(), "", config.access_token, String::new())
        }
        "westmonth" => {
            let config = WestmonthConfig { orders, seed, anchor, ..WestmonthConfig::default() };
            (WestmonthSim::new(&config).router(), "", config.token, String::new())
        }
        _ => {
            let config = DamaijiaConfig { orders, seed, anchor, ..DamaijiaConfig::default() };
            (DamaijiaSim::new(&config).router(), "", config.token, config.shop_id)
        }
    };
    let generate_seconds = started.elapsed().as_secs_f64();
    let memory_mb = super::bench::memory_mb("VmRSS:");

    // The simulator on a runtime of its own, on one thread.
    let (address_tx, address_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
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
    let (served, pages) = page_through(&client, platform, &base_url, &token, &shop_id).await?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop_tx.send(());
    server.join().map_err(|_| anyhow::anyhow!("the simulator's thread panicked"))??;
    Ok(json!({
        "platform": platform,
        "orders": orders,
        "orders_served": served,
        "pages": pages,
        "seconds": seconds,
        "orders_per_second": served as f64 / seconds.max(1e-9),
        "generate_seconds": generate_seconds,
        "memory_mb": memory_mb,
    }))
}

/// What the client reads of a page: how many orders, and whether more follow.
/// Orders are skipped over, not built, so that the client (on the other core)
/// costs little beside the simulator it measures.
#[derive(serde::Deserialize)]
struct PageCounts {
    data: PageData,
}

#[derive(serde::Deserialize)]
struct PageData {
    /// Shoptima and Westmonth.
    #[serde(default)]
    data: Vec<serde::de::IgnoredAny>,
    /// Wshoto.
    #[serde(default)]
    records: Vec<serde::de::IgnoredAny>,
    /// Damaijia.
    #[serde(default)]
    shop_order_list: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    next_page_url: Option<String>,
    #[serde(default)]
    total: Option<u64>,
}

/// Reads every page of the platform's whole listing; returns (orders, pages).
async fn page_through(
    client: &reqwest::Client,
    platform: &str,
    base_url: &str,
    token: &str,
    shop_id: &str,
) -> anyhow::Result<(u64, u64)> {
    let far = orderhub_sandbox::unix_now() + 86_400;
    let (mut served, mut pages) = (0u64, 0u64);
    for page in 1u64.. {
        let request = match platform {
            "shoptima" => client
                .get(format!("{base_url}/order?time_type=2&rows=120&page={page}"))
                .header("authorization", format!("Bearer {token}")),
            "wshoto" => client.get(format!("{base_url}/openapi/mall/order/list?access_token={token}")).json(&json!({
                "type": 3, "start_time": 0, "end_time": far, "current_index": page, "page_size": 100,
            })),
            "westmonth" => client.post(format!("{base_url}/openapi/v2/order/status")).header("authorization", token).json(
                &json!({"type": 4, "start_time": "2000-01-01 00:00:00", "end_time": "2100-01-01 00:00:00", "page": page, "per_page": 100}),
            ),
            _ => client
                .post(format!("{base_url}/vv/external/requestDyErp/order-searchList"))
                .header("authorization", token)
                .json(&json!({"shop_id": shop_id, "params": {
                    "create_time_start": 0, "update_time_start": 0, "update_time_end": far,
                    "order_by": "update_time", "order_asc": true, "page": page - 1, "size": 100,
                }})),
        };
        let body = request.send().await?.error_for_status()?.bytes().await?;
        let answer: PageCounts = serde_json::from_slice(&body)
            .with_context(|| format!("{platform}: page {page} is not the expected JSON"))?;
        let data = answer.data;
        let orders = [&data.data, &data.records, &data.shop_order_list].iter().map(|l| l.len()).sum::<usize>();
        let more = match (data.next_page_url.is_some(), data.total) {
            (true, _) => true,
            (false, Some(total)) if platform != "shoptima" && platform != "westmonth" => {
                served + (orders as u64) < total
            }
            _ => false,
        };
        anyhow::ensure!(orders > 0 || served == 0, "{platform}: page {page} came back empty");
        served += orders as u64;
        pages += 1;
        if !more || orders == 0 {
            break;
        }
    }
    Ok((served, pages))
}
