//! `orderhub bench-api`: latency of the API's typical list queries over a
//! large SQLite store, measured over real HTTP on loopback.
//!
//! It fills a store with `--orders` made-up orders (five platforms, two shops
//! each, the status mix of a live shop, buyers with names, phones and emails,
//! one to four lines from a pool of SKUs, tracking numbers on shipped orders,
//! a platform payload of realistic size), serves the API on a free port and
//! times each kind of query (`--requests` of each, one at a time), printing
//! p50, p99 and max. A store from an earlier run (`--database`) is reused.

use super::AlreadyReported;
use crate::Context;
use crate::output::print_json;
use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, LineItem, Order, OrderStatus, PaymentStatus, Platform,
    PlatformStatus, RefundStatus, Shipment, hub_id,
};
use orderhub_server::auth::{Scope, create_key};
use orderhub_store::Store;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct BenchApiArgs {
    /// Orders in the store.
    #[arg(long, default_value_t = 1_000_000)]
    orders: u64,
    /// Requests timed per kind of query.
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// The store's file; reused when it already holds `--orders` orders.
    #[arg(long)]
    database: Option<PathBuf>,
}

/// The made-up store's shops: two on each platform the sandbox simulates
/// (its shop, and a second one), in the sandbox's order.
fn shops() -> &'static [(Platform, &'static str)] {
    static SHOPS: std::sync::OnceLock<Vec<(Platform, &'static str)>> = std::sync::OnceLock::new();
    SHOPS.get_or_init(|| {
        let mut shops = Vec::new();
        for entry in orderhub_sandbox::simulators() {
            let platform = Platform::intern(entry.spec.name);
            let second: &'static str = Box::leak(format!("{}-2", entry.shop_key).into_boxed_str());
            shops.extend([(platform, entry.shop_key), (platform, second)]);
        }
        shops
    })
}
const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "Smith", "Garcia"];
const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "Ann", "Lee"];
/// Orders created over this many days before the newest.
const SPAN_DAYS: i64 = 180;

/// A small deterministic generator (SplitMix64): the same store every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn phone(i: u64) -> String {
    format!("13{:09}", (i * 7_919) % 1_000_000_000)
}

fn number(i: u64) -> String {
    format!("OH{:08}", i)
}

fn tracking(i: u64) -> String {
    format!("SF{:010}", i * 31 + 7)
}

/// The `i`-th made-up order, created at `created`.
fn made_up_order(i: u64, newest: Timestamp, rng: &mut Rng) -> Order {
    let (platform, shop) = shops()[(i % shops().len() as u64) as usize];
    let created = newest - SignedDuration::from_secs((rng.below(SPAN_DAYS as u64 * 86_400)) as i64);
    let roll = rng.below(100);
    let (status, payment, fulfillment, code) = match roll {
        0..=9 => (OrderStatus::PendingPayment, PaymentStatus::Unpaid, FulfillmentStatus::Unfulfilled, "0"),
        10..=39 => (OrderStatus::AwaitingShipment, PaymentStatus::Paid, FulfillmentStatus::Unfulfilled, "1"),
        40..=69 => (OrderStatus::Shipped, PaymentStatus::Paid, FulfillmentStatus::Fulfilled, "2"),
        70..=91 => (OrderStatus::Completed, PaymentStatus::Paid, FulfillmentStatus::Fulfilled, "3"),
        _ => (OrderStatus::Cancelled, PaymentStatus::Refunded, FulfillmentStatus::Unfulfilled, "4"),
    };
    let updated = created + SignedDuration::from_secs(rng.below(5 * 86_400) as i64);
    let name = format!(
        "{}{}",
        SURNAMES[rng.below(SURNAMES.len() as u64) as usize],
        GIVEN[rng.below(GIVEN.len() as u64) as usize]
    );
    let (items, subtotal) = made_up_items(i, rng);
    let shipping = Decimal::new(rng.below(2_000) as i64, 2);
    let shipped = matches!(status, OrderStatus::Shipped | OrderStatus::Completed);
    let order_number = number(i);
    let raw = json!({
        "order_num": order_number, "status": code, "buyer_name": name, "buyer_phone": phone(i),
        "email": format!("buyer{i}@example.com"), "province": "广东省", "city": "深圳市", "district": "南山区",
        "address": format!("科技园 {} 号", i % 997), "postcode": "518000", "currency": "CNY",
        "order_time": created.as_second(), "update_time": updated.as_second(),
        "tracking_number": if shipped { Some(tracking(i)) } else { None },
        "items": items.iter().map(|it| json!({"sku": it.sku, "qty": it.quantity, "price": it.unit_price.to_string()})).collect::<Vec<_>>(),
        "remark": "请尽快发货", "source": "app", "is_refund": 0, "pay_type": "alipay",
    });
    Order {
        id: hub_id(platform, shop, &order_number),
        platform,
        shop: shop.into(),
        platform_order_id: Some(format!("{}", 4_000_000_000_000_000_000u64 + i)),
        status,
        payment_status: payment,
        fulfillment_status: fulfillment,
        refund_status: if status == OrderStatus::Cancelled { RefundStatus::Full } else { RefundStatus::None },
        platform_status: PlatformStatus { code: code.into(), label: String::new() },
        currency: Some("CNY".into()),
        subtotal,
        shipping,
        discount: Decimal::ZERO,
        total: subtotal + shipping,
        paid: if payment == PaymentStatus::Paid { subtotal + shipping } else { Decimal::ZERO },
        created_at: Some(created),
        updated_at: Some(updated),
        paid_at: (payment != PaymentStatus::Unpaid).then_some(created),
        shipped_at: shipped.then_some(updated),
        cancelled_at: None,
        completed_at: None,
        ship_by: None,
        customer: Customer {
            id: Some(format!("u{}", i / 3)),
            name: Some(name.clone()),
            email: Some(format!("buyer{i}@example.com")),
            phone: Some(phone(i)),
        },
        shipping_address: made_up_address(i, name),
        items,
        shipments: if shipped {
            vec![Shipment {
                tracking_number: tracking(i),
                carrier_code: Some("SF".into()),
                carrier_name: None,
                shipped_at: Some(updated),
            }]
        } else {
            vec![]
        },
        role: orderhub_model::Role::Sale,
        links: vec![],
        raw: raw.into(),
        order_number,
    }
}

/// The `i`-th made-up order's 1–4 lines, and their sum.
fn made_up_items(i: u64, rng: &mut Rng) -> (Vec<LineItem>, Decimal) {
    let lines = 1 + rng.below(4);
    let mut items = Vec::new();
    let mut subtotal = Decimal::ZERO;
    for line in 0..lines {
        let cents = 500 + rng.below(20_000) as i64;
        let price = Decimal::new(cents, 2);
        let quantity = 1 + rng.below(3) as u32;
        let total = price * Decimal::from(quantity);
        subtotal += total;
        items.push(LineItem {
            line_id: line.to_string(),
            sku: Some(format!("SKU-{:05}", rng.below(5_000))),
            product_id: Some(format!("{}", 10_000_000 + rng.below(90_000_000))),
            sku_id: None,
            title: Some(format!("商品 {line} / product {line}")),
            variant: Some("M / black".into()),
            quantity,
            unit_price: price,
            total,
            image_url: Some(format!("https://img.example.com/{i}/{line}.jpg")),
        });
    }
    (items, subtotal)
}

/// The `i`-th made-up order's address, for the buyer `name`.
fn made_up_address(i: u64, name: String) -> Address {
    Address {
        name: Some(name),
        phone: Some(phone(i)),
        country_code: Some("CN".into()),
        province: Some("广东省".into()),
        city: Some("深圳市".into()),
        district: Some("南山区".into()),
        address1: Some(format!("科技园 {} 号", i % 997)),
        postal_code: Some("518000".into()),
        ..Address::default()
    }
}

/// Fills the store with `count` orders, 1,000 per transaction.
async fn fill(store: &Store, count: u64, newest: Timestamp) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut rng = Rng(7);
    let mut batch = Vec::with_capacity(1_000);
    for i in 0..count {
        batch.push(made_up_order(i, newest, &mut rng));
        if batch.len() == 1_000 || i + 1 == count {
            store.write_batch("bench", &batch, &[], None).await?;
            batch.clear();
        }
        if (i + 1) % 100_000 == 0 {
            eprintln!("  {} orders stored ({:.0}/s)", i + 1, (i + 1) as f64 / started.elapsed().as_secs_f64());
        }
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// p50, p99 and max of `samples`, in milliseconds.
fn percentiles(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(at(0.50)), ms(at(0.99)), ms(*samples.last().expect("samples")))
}

/// One kind of query timed: its name and how to make one at random.
struct QueryKind {
    name: &'static str,
    path: Box<dyn Fn(&mut Rng) -> String>,
}

/// How long a kind of query took.
struct Timing {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// Orders or events an answer held, on average.
    rows_per_answer: Option<f64>,
}

/// The API over the bench store, serving on a free port.
struct BenchServer {
    base: String,
    key: String,
    client: reqwest::Client,
}

impl BenchServer {
    async fn start(store: &Store) -> anyhow::Result<BenchServer> {
        let (key, _) = create_key(store, "bench", Scope::Read, true).await?;
        let hub = orderhub_sync::Hub::new(store.clone(), vec![]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let state = orderhub_server::AppState::new(hub, vec![]);
        tokio::spawn(orderhub_server::serve(listener, state, std::future::pending()));
        orderhub_connectors::http::install_crypto_provider();
        Ok(BenchServer { base, key, client: reqwest::Client::builder().build()? })
    }

    /// GETs `path`: its body, and how long it took.
    async fn get(&self, path: &str) -> anyhow::Result<(Vec<u8>, Duration)> {
        let started = Instant::now();
        let answer = self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.key).send().await?;
        let status = answer.status();
        let body = answer.bytes().await?;
        let took = started.elapsed();
        anyhow::ensure!(status.is_success(), "{path}: HTTP {status}: {}", String::from_utf8_lossy(&body));
        Ok((body.to_vec(), took))
    }

    /// Times `requests` queries of `kind`, one at a time.
    async fn time(&self, kind: &QueryKind, requests: usize, rng: &mut Rng) -> anyhow::Result<Timing> {
        let mut samples = Vec::with_capacity(requests);
        let mut rows = 0usize;
        for _ in 0..requests {
            let (body, took) = self.get(&(kind.path)(rng)).await?;
            samples.push(took);
            // Orders and events carry one `order_number` each.
            let mark = b"\"order_number\":";
            rows += body.windows(mark.len()).filter(|w| w == mark).count();
        }
        let (p50_ms, p99_ms, max_ms) = percentiles(&mut samples);
        Ok(Timing { p50_ms, p99_ms, max_ms, rows_per_answer: Some(rows as f64 / requests as f64) })
    }

    /// Times deep paging: following the cursor through 40 pages of 100.
    async fn time_paging(&self) -> anyhow::Result<Timing> {
        let mut samples = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..40 {
            let path = match &cursor {
                Some(c) => format!("/api/v1/orders?shop=belment&limit=100&cursor={c}"),
                None => "/api/v1/orders?shop=belment&limit=100".to_string(),
            };
            let (body, took) = self.get(&path).await?;
            samples.push(took);
            let page: serde_json::Value = serde_json::from_slice(&body)?;
            cursor = page["next_cursor"].as_str().map(str::to_string);
            if cursor.is_none() {
                break;
            }
        }
        let (p50_ms, p99_ms, max_ms) = percentiles(&mut samples);
        Ok(Timing { p50_ms, p99_ms, max_ms, rows_per_answer: None })
    }
}

/// The store to query: `args.database` (or a file in the temporary
/// directory), filled with `args.orders` made-up orders unless it holds
/// them already. Returns the rate it was filled at, if it was.
async fn bench_store(args: &BenchApiArgs) -> anyhow::Result<(Store, Option<f64>)> {
    let path = args.database.clone().unwrap_or_else(|| std::env::temp_dir().join("orderhub-bench-api.db"));
    let store = Store::open(&format!("sqlite://{}", path.display())).await.context("the bench store")?;
    let held = store.order_count().await? as u64;
    let fill_rate = if held == args.orders {
        eprintln!("reusing {} with {held} orders", path.display());
        None
    } else if held == 0 {
        eprintln!("filling {} with {} orders…", path.display(), args.orders);
        Some(fill(&store, args.orders, Timestamp::now()).await?)
    } else {
        return Err(AlreadyReported(format!(
            "{} holds {held} orders, not {}: remove it or pass another --database",
            path.display(),
            args.orders
        ))
        .into());
    };
    Ok((store, fill_rate))
}

/// The kinds of query timed, aimed at times before `newest` and at the
/// made-up orders' numbers, phones, names and SKUs.
fn query_kinds(newest: Timestamp, orders: u64) -> Vec<QueryKind> {
    let statuses = ["awaiting_shipment", "shipped", "pending_payment", "completed"];
    let day = move |rng: &mut Rng| newest - SignedDuration::from_hours(24 * rng.below(SPAN_DAYS as u64) as i64);
    let shop = |rng: &mut Rng| shops()[rng.below(shops().len() as u64) as usize];
    let kind = |name, path: Box<dyn Fn(&mut Rng) -> String>| QueryKind { name, path };
    vec![
        kind(
            "by shop and status (50, newest first)",
            Box::new(move |rng| {
                let (_, shop) = shop(rng);
                format!("/api/v1/orders?shop={shop}&status={}&limit=50", statuses[rng.below(4) as usize])
            }),
        ),
        kind(
            "by updated range (one day, 50, by update)",
            Box::new(move |rng| {
                let from = day(rng);
                let to = from + SignedDuration::from_hours(24);
                format!("/api/v1/orders?updated_from={from}&updated_to={to}&sort=updated&limit=50")
            }),
        ),
        kind(
            "by created range and platform (one week, 50)",
            Box::new(move |rng| {
                let from = day(rng);
                let (platform, _) = shop(rng);
                let to = from + SignedDuration::from_hours(24 * 7);
                format!("/api/v1/orders?platform={platform}&created_from={from}&created_to={to}&limit=50")
            }),
        ),
        kind("q = a buyer's phone", Box::new(move |rng| format!("/api/v1/orders?q={}", phone(rng.below(orders))))),
        kind(
            "by shop and exact order number",
            Box::new(move |rng| {
                let (_, shop) = shop(rng);
                format!("/api/v1/orders?shop={shop}&order_number={}", number(rng.below(orders)))
            }),
        ),
        kind(
            "q = an order number prefix (10 of them)",
            Box::new(move |rng| format!("/api/v1/orders?q={}", &number(rng.below(orders))[..9])),
        ),
        kind("q = a tracking number", Box::new(move |rng| format!("/api/v1/orders?q={}", tracking(rng.below(orders))))),
        kind(
            "q = a buyer name (50)",
            Box::new(|rng| {
                let (surname, given) = (SURNAMES[rng.below(12) as usize], GIVEN[rng.below(10) as usize]);
                format!("/api/v1/orders?q={surname}{given}&limit=50")
            }),
        ),
        kind("sku (50)", Box::new(|rng| format!("/api/v1/orders?sku=SKU-{:05}&limit=50", rng.below(5_000)))),
        kind(
            "one order by id",
            Box::new(move |rng| {
                let i = rng.below(orders);
                let (platform, shop) = shops()[(i % shops().len() as u64) as usize];
                format!("/api/v1/orders/{}", hub_id(platform, shop, &number(i)))
            }),
        ),
        kind(
            "change feed page (100)",
            Box::new(move |rng| format!("/api/v1/events?after={}&limit=100", rng.below(orders))),
        ),
    ]
}

pub async fn run(context: &Context, args: BenchApiArgs) -> anyhow::Result<()> {
    let (store, fill_rate) = bench_store(&args).await?;
    // The newest order is "now" when the store is made; the queries aim at
    // times relative to it, so a reused store is queried alike.
    let newest = store
        .list_orders(&orderhub_store::OrderQuery { limit: 1, ..Default::default() })
        .await?
        .orders
        .first()
        .and_then(|o| o.created_at)
        .unwrap_or_else(Timestamp::now);
    let server = BenchServer::start(&store).await?;
    let mut rng = Rng(99);
    let mut timings = Vec::new();
    for kind in query_kinds(newest, args.orders) {
        let timing = server.time(&kind, args.requests, &mut rng).await?;
        if !context.json {
            print_timing(kind.name, &timing);
        }
        timings.push((kind.name, timing));
    }
    let paging = ("cursor paging, 40 pages of 100 (one shop)", server.time_paging().await?);
    if context.json {
        let queries: Vec<serde_json::Value> = timings
            .iter()
            .chain([&paging])
            .map(|(name, t)| {
                let mut timing = json!({"query": name, "p50_ms": t.p50_ms, "p99_ms": t.p99_ms, "max_ms": t.max_ms});
                if let Some(rows) = t.rows_per_answer {
                    timing["rows_per_answer"] = json!(rows);
                }
                timing
            })
            .collect();
        print_json(&json!({"orders": args.orders, "requests_per_query": args.requests,
                           "fill_orders_per_second": fill_rate, "queries": queries}));
    } else {
        print_timing(paging.0, &paging.1);
        if let Some(rate) = fill_rate {
            println!("store filled at {rate:.0} orders/s ({} orders)", args.orders);
        }
        println!("{} orders, {} requests per query, one at a time over HTTP on loopback", args.orders, args.requests);
    }
    Ok(())
}

fn print_timing(name: &str, t: &Timing) {
    let rows = t.rows_per_answer.map(|rows| format!("   {rows:.1} rows")).unwrap_or_default();
    println!("{name:<46} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms{rows}", t.p50_ms, t.p99_ms, t.max_ms);
}
