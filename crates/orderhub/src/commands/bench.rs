//! `orderhub bench`: measure a full sync from the sandbox into a fresh SQLite
//! store (or an empty PostgreSQL database, `--database`): orders/s, API calls
//! against the minimum, and peak memory.
//!
//! The simulators run in a child process (`orderhub sandbox`), so the memory
//! figure is orderhub's own, not the simulated platform's.

use super::{open_store, shop_sync};
use crate::Context;
use crate::config;
use crate::output::print_json;
use anyhow::Context as _;
use orderhub_sync::sync_shop;
use serde_json::json;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Orders on each simulated platform.
    #[arg(long, default_value_t = 100_000)]
    orders: u64,
    /// Seed of the order generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Sync into this database instead of a fresh SQLite file, e.g. an empty
    /// PostgreSQL database (`postgres://USER@HOST/DB`); it must hold no orders.
    #[arg(long)]
    database: Option<String>,
    /// Every answer of the simulated platforms this late, as a platform
    /// across the internet answers (`200ms`, `1s`): the sandbox's `slow`
    /// fault on every request. Beside orders/s the benchmark then prints the
    /// effective concurrency: API calls × latency ÷ elapsed time.
    #[arg(long, value_parser = parse_latency, value_name = "DURATION")]
    latency: Option<Duration>,
    /// Each shop's `max_in_flight` (list requests at once, 1 to 32); default 4.
    #[arg(long, value_name = "COUNT", value_parser = clap::value_parser!(u16).range(1..=orderhub_sync::MAX_IN_FLIGHT as i64))]
    max_in_flight: Option<u16>,
    /// Each shop's `rate_limit` (`10/s`, `600/m`); default none. The report
    /// then shows requests per second against it.
    #[arg(long, value_parser = parse_rate_arg, value_name = "RATE")]
    rate_limit: Option<(u32, Duration)>,
}

fn parse_rate_arg(text: &str) -> Result<(u32, Duration), String> {
    config::parse_rate(text).ok_or_else(|| format!("{text:?} is not a rate: use requests per s, m or h, e.g. 10/s"))
}

/// `200ms`, `1s` or `1.5s`: a latency of at least a millisecond.
fn parse_latency(text: &str) -> Result<Duration, String> {
    let refused = || format!("{text:?} is not a latency: use milliseconds or seconds, e.g. 200ms or 1s");
    let millis = match text.trim().strip_suffix("ms") {
        Some(ms) => ms.trim().parse::<u64>().map_err(|_| refused())?,
        None => {
            let seconds = text.trim().strip_suffix('s').ok_or_else(refused)?;
            let seconds: f64 = seconds.trim().parse().map_err(|_| refused())?;
            (seconds * 1000.0).round() as u64
        }
    };
    if millis == 0 || millis > 60_000 {
        return Err(format!("{text:?}: a latency from 1ms to 60s"));
    }
    Ok(Duration::from_millis(millis))
}

pub async fn run(context: &Context, args: BenchArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("orderhub-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database = args.database.clone().unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let mut sandbox = Sandbox::start(&args, &database, &dir.join("bench.toml")).await?;
    let mut config = config::load(&dir.join("bench.toml"))?;
    for shop in &mut config.shops {
        if let Some(count) = args.max_in_flight {
            shop.max_in_flight = usize::from(count);
        }
        if args.rate_limit.is_some() {
            shop.settings.rate_limit = args.rate_limit;
        }
    }
    let store = open_store(&config.database_url).await?;
    let held = store.order_count().await?;
    anyhow::ensure!(
        held == 0,
        "--database holds {held} orders: the benchmark measures a full sync into an empty store"
    );
    let mut results = Vec::new();
    let mut skipped = Vec::new();
    for shop in &config.shops {
        match bench_shop(&store, shop, sandbox.proc_name.as_deref(), args.latency).await? {
            Some(result) => results.push(result),
            // Nothing to list: its orders come in by number, one request each.
            None => skipped.push(shop.settings.platform.to_string()),
        }
    }
    let peak_mb = peak_memory_mb();
    let written_mb = written_mb();
    sandbox.child.kill().await.ok();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    if context.json {
        let database = args.database.as_deref().map(orderhub_store::redact_url);
        print_json(&json!({
            "database": database,
            "shops": results,
            "not_listed": skipped,
            "peak_memory_mb": peak_mb,
            "written_mb": written_mb,
        }));
        return Ok(());
    }
    let into = match &args.database {
        None => "a fresh SQLite store".to_string(),
        Some(url) => format!("the empty store {}", orderhub_store::redact_url(url)),
    };
    let late = args.latency.map(|l| format!(", every answer {} ms late", l.as_millis())).unwrap_or_default();
    let in_flight = args.max_in_flight.map_or(orderhub_sync::DEFAULT_IN_FLIGHT, usize::from);
    let limit = args.rate_limit.map(|(n, span)| format!(", at most {n} requests per {span:?}")).unwrap_or_default();
    println!(
        "full sync from the sandbox into {into}, {} orders per platform{late}, max_in_flight {in_flight}{limit}",
        args.orders
    );
    results.iter().for_each(print_result);
    for platform in &skipped {
        println!("{platform:<10} has no list API (orders come in by number): not part of this benchmark");
    }
    match peak_mb {
        Some(mb) => println!("peak memory of orderhub (VmHWM): {mb:.1} MB"),
        None => println!("peak memory: not available on this system"),
    }
    if let Some(mb) = written_mb {
        println!("written by orderhub (write calls, all files): {mb:.0} MB");
    }
    Ok(())
}

/// `orderhub sandbox` in a child process, once it has written its configuration.
struct Sandbox {
    child: tokio::process::Child,
    /// Its name under /proc, for its CPU time.
    proc_name: Option<String>,
}

impl Sandbox {
    async fn start(args: &BenchArgs, database: &str, config_path: &std::path::Path) -> anyhow::Result<Sandbox> {
        let mut child = tokio::process::Command::new(std::env::current_exe()?)
            .args(["sandbox", "--orders", &args.orders.to_string(), "--seed", &args.seed.to_string()])
            .args(args.latency.map(|latency| format!("--faults=slow:{}", latency.as_millis())))
            .args(["--database", database, "--write-config"])
            .arg(config_path)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start `orderhub sandbox`")?;
        let deadline = Instant::now() + Duration::from_secs(600);
        while !config_path.exists() {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("`orderhub sandbox` exited early: {status}");
            }
            anyhow::ensure!(Instant::now() < deadline, "the sandbox did not start within 10 minutes");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let proc_name = child.id().map(|pid| pid.to_string());
        Ok(Sandbox { child, proc_name })
    }
}

/// Syncs `shop` once and says how it went; `None` for a platform with no
/// list to sync.
async fn bench_shop(
    store: &orderhub_store::Store,
    shop: &config::ShopConfig,
    sandbox_proc: Option<&str>,
    latency: Option<Duration>,
) -> anyhow::Result<Option<serde_json::Value>> {
    let sync = shop_sync(shop)?;
    let capabilities = sync.connector.capabilities();
    if capabilities.list_by.is_none() {
        return Ok(None);
    }
    let started = Instant::now();
    let cpu_before = cpu_seconds("self");
    let sandbox_cpu_before = sandbox_proc.and_then(cpu_seconds);
    let report = sync_shop(store, &sync, &|_| {}).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_before.zip(cpu_seconds("self")).map(|(before, after)| after - before);
    let sandbox_cpu = sandbox_cpu_before.zip(sandbox_proc.and_then(cpu_seconds)).map(|(before, after)| after - before);
    let stored = report.orders.new + report.orders.changed + report.orders.unchanged;
    // Fewest calls: every partition's orders in full pages, at least one call each.
    let minimum = (stored.div_ceil(u64::from(capabilities.max_page_size))).max(1) as f64;
    Ok(Some(json!({
        "shop": shop.key(),
        "platform": shop.settings.platform,
        "orders": stored,
        "seconds": seconds,
        "orders_per_second": stored as f64 / seconds,
        "api_calls": report.api_calls,
        "requests_per_second": report.api_calls as f64 / seconds,
        "api_calls_minimum": minimum,
        "api_calls_ratio": report.api_calls as f64 / minimum,
        "cpu_seconds": cpu,
        "cpu_microseconds_per_order": cpu.map(|cpu| cpu * 1e6 / stored.max(1) as f64),
        "sandbox_cpu_seconds": sandbox_cpu,
        // Requests in flight on average: each call spent `latency` waiting.
        "effective_concurrency": latency.map(|l| report.api_calls as f64 * l.as_secs_f64() / seconds),
    })))
}

/// One shop's lines of the text report.
fn print_result(r: &serde_json::Value) {
    println!(
        "{:<10} {:>8} orders in {:>7.2}s = {:>8.0} orders/s; API calls {} (minimum {}, {:.3}×), {:.2} requests/s",
        r["platform"].as_str().unwrap_or("?"),
        r["orders"],
        r["seconds"].as_f64().unwrap_or(0.0),
        r["orders_per_second"].as_f64().unwrap_or(0.0),
        r["api_calls"],
        r["api_calls_minimum"],
        r["api_calls_ratio"].as_f64().unwrap_or(0.0),
        r["requests_per_second"].as_f64().unwrap_or(0.0),
    );
    if let Some(concurrency) = r["effective_concurrency"].as_f64() {
        println!("{:<10} effective concurrency {concurrency:.2} (API calls × latency ÷ elapsed)", "");
    }
    if let (Some(cpu), Some(per_order)) = (r["cpu_seconds"].as_f64(), r["cpu_microseconds_per_order"].as_f64()) {
        let sandbox = r["sandbox_cpu_seconds"].as_f64().map(|s| format!(", the sandbox {s:.2} s")).unwrap_or_default();
        println!("{:<10} CPU: orderhub {cpu:.2} s ({per_order:.0} µs an order){sandbox}", "");
    }
}

/// CPU time (user and system, every thread) that process `pid` (or `self`)
/// has used, from /proc (Linux). Beside orders/s because the sandbox, the
/// reader and the writer share two cores: it tells orderhub's share from the
/// simulator's, and it leaves out the time a thread waited for a core. (It
/// still moves with the machine's speed: 74–118 µs an order for one
/// Damaijia build.)
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The process's name, in parentheses, may hold spaces: count fields from
    // after it. There the state is field 3 of proc(5), utime 14, stime 15.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 1..)?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf only reads a constant of the system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| ticks / per_second as f64)
}

/// The process's peak resident set size, from /proc (Linux).
fn peak_memory_mb() -> Option<f64> {
    memory_mb("VmHWM:")
}

/// What this process has handed to `write` calls so far, in MB (`wchar` of
/// /proc/self/io, Linux): the database, its log and SQLite's temporary files
/// alike (and the few bytes of HTTP requests), so it shows how many times
/// over the store writes what it keeps.
fn written_mb() -> Option<f64> {
    Some(proc_self_figure("io", "wchar:")? / 1e6)
}

/// A memory figure of this process from /proc/self/status (Linux), in MB:
/// `VmHWM:` the peak resident set, `VmRSS:` the resident set now.
pub fn memory_mb(field: &str) -> Option<f64> {
    Some(proc_self_figure("status", field)? / 1024.0)
}

/// The number after `field` in /proc/self/`file` (Linux), in the file's unit.
fn proc_self_figure(file: &str, field: &str) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/self/{file}")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_counts_what_this_process_computes() {
        let before = cpu_seconds("self").expect("/proc/self/stat is readable");
        let started = Instant::now();
        let mut x: u64 = 1;
        // Computes until the count shows 0.2 s of CPU, however long a loaded
        // machine takes to give it that; a count that never moves fails.
        let mut used = 0.0;
        while used < 0.2 {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
            used = cpu_seconds("self").unwrap() - before;
            assert!(started.elapsed() < Duration::from_secs(120), "the CPU count did not move: {used} s");
        }
        let wall = started.elapsed().as_secs_f64();
        // Counted at tick resolution (10 ms): the process (other tests run
        // beside this one) can use no more than every core for as long.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        assert!(used <= wall * cores + 0.02, "{used} s of CPU in {wall} s on {cores} cores");
        assert_eq!(cpu_seconds("0"), None, "no process 0 in /proc");
    }

    #[test]
    fn a_latency_is_milliseconds_or_seconds() {
        assert_eq!(parse_latency("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_latency("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_latency("1.5s"), Ok(Duration::from_millis(1500)));
        for refused in ["0ms", "fast", "200", "2m", "61s"] {
            assert!(parse_latency(refused).is_err(), "{refused}");
        }
    }
}
