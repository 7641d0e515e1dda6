//! `orderhub sandbox`: run the platform simulators on loopback.

use crate::Context;
use crate::output::print_json;
use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use orderhub_sandbox::{
    DamaijiaConfig, DamaijiaSim, Running, ShoptimaConfig, ShoptimaSim, VanmallConfig, VanmallSim, WestmonthConfig,
    WestmonthSim, WshotoConfig, WshotoSim, serve,
};
use serde_json::json;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Orders each simulator holds.
    #[arg(long, default_value_t = 1000)]
    orders: u64,
    /// Seed of the order generator: the same seed makes the same orders.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Port of the first simulator (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Write a configuration whose shops point at the simulators to this file.
    #[arg(long)]
    write_config: Option<PathBuf>,
    /// The `database.url` to put in the written configuration.
    #[arg(long, default_value = "sqlite://orderhub.db")]
    database: String,
    /// Orders per second, per platform, that move one step along their
    /// lifecycle (paid, shipped, completed, refund asked), as on a live shop.
    #[arg(long, default_value_t = 0)]
    churn: usize,
    /// Faults the simulators answer with, e.g. `5xx@5%,timeout:2000@1%` or
    /// `damaijia=busy@10%,shoptima.list=page_cap:50` (see docs/sandbox.md).
    #[arg(long, value_name = "SPEC")]
    faults: Option<String>,
    /// Serve each document's example orders, verbatim, instead of generated
    /// ones (`--orders` and `--seed` are then unused; churn leaves them alone).
    #[arg(long)]
    examples: bool,
}

/// Reads a `--faults` plan, naming the option in the error.
pub fn fault_plan(spec: Option<&str>) -> anyhow::Result<Vec<orderhub_sandbox::FaultRule>> {
    let Some(spec) = spec else { return Ok(Vec::new()) };
    orderhub_sandbox::parse_plan(spec, &orderhub_sandbox::SIM_SPECS)
        .map_err(|e| anyhow::anyhow!("--faults: {e} (the syntax is in docs/sandbox.md)"))
}

/// A shop served by a simulator.
#[derive(Debug, Clone)]
pub struct SandboxShop {
    pub key: &'static str,
    pub platform: &'static str,
    pub base_url: String,
    pub token: String,
    /// Damaijia only: the Douyin shop_id.
    pub remote_shop_id: Option<String>,
}

/// The running simulators; they stop when this is dropped.
pub struct Sandbox {
    pub shops: Vec<SandboxShop>,
    pub shoptima: ShoptimaSim,
    pub wshoto: WshotoSim,
    pub westmonth: WestmonthSim,
    pub damaijia: DamaijiaSim,
    pub vanmall: VanmallSim,
    /// Where the generated orders start: a safe `sync_from`.
    pub earliest: Timestamp,
    _running: Vec<Running>,
}

/// Starts every simulator on loopback: the first on `port` (0: any free
/// port), the next on `port + 1`, and so on.
pub async fn start(orders: u64, seed: u64, port: u16) -> anyhow::Result<Sandbox> {
    start_with(orders, seed, port, false).await
}

/// [`start`], serving the documents' example orders when `examples` is set.
pub async fn start_with(orders: u64, seed: u64, port: u16, examples: bool) -> anyhow::Result<Sandbox> {
    let bind = |n: u16| SocketAddr::from((Ipv4Addr::LOCALHOST, if port == 0 { 0 } else { port + n }));
    let listen_error = |n: u16| format!("cannot listen on {}", bind(n));

    let shoptima_config = ShoptimaConfig { orders, seed, examples, ..ShoptimaConfig::default() };
    let shoptima = ShoptimaSim::new(&shoptima_config);
    let shoptima_running = serve(shoptima.router(), bind(0), "/api/v1").await.with_context(|| listen_error(0))?;

    let wshoto_config =
        WshotoConfig { orders, seed, anchor: shoptima_config.anchor, examples, ..WshotoConfig::default() };
    let wshoto = WshotoSim::new(&wshoto_config);
    let wshoto_running = serve(wshoto.router(), bind(1), "").await.with_context(|| listen_error(1))?;

    let westmonth_config =
        WestmonthConfig { orders, seed, anchor: shoptima_config.anchor, examples, ..WestmonthConfig::default() };
    let westmonth = WestmonthSim::new(&westmonth_config);
    let westmonth_running = serve(westmonth.router(), bind(2), "").await.with_context(|| listen_error(2))?;

    let damaijia_config =
        DamaijiaConfig { orders, seed, anchor: shoptima_config.anchor, examples, ..DamaijiaConfig::default() };
    let damaijia = DamaijiaSim::new(&damaijia_config);
    let damaijia_running = serve(damaijia.router(), bind(3), "").await.with_context(|| listen_error(3))?;

    let vanmall_config =
        VanmallConfig { orders, seed, anchor: shoptima_config.anchor, examples, ..VanmallConfig::default() };
    let vanmall = VanmallSim::new(&vanmall_config);
    let vanmall_running = serve(vanmall.router(), bind(4), "").await.with_context(|| listen_error(4))?;

    let span = [
        shoptima_config.span_seconds,
        wshoto_config.span_seconds,
        westmonth_config.span_seconds,
        damaijia_config.span_seconds,
        vanmall_config.span_seconds,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let earliest = if examples {
        // The documents' examples are from 2020 to 2025.
        "2000-01-01T00:00:00Z".parse()?
    } else {
        Timestamp::from_second(shoptima_config.anchor - span)?.checked_sub(SignedDuration::from_hours(24))?
    };
    let shops = vec![
        SandboxShop {
            key: "belment",
            platform: "shoptima",
            base_url: shoptima_running.base_url.clone(),
            token: shoptima_config.token.clone(),
            remote_shop_id: None,
        },
        SandboxShop {
            key: "fengxi",
            platform: "wshoto",
            base_url: wshoto_running.base_url.clone(),
            token: wshoto_config.access_token.clone(),
            remote_shop_id: None,
        },
        SandboxShop {
            key: "westmoon",
            platform: "westmonth",
            base_url: westmonth_running.base_url.clone(),
            token: westmonth_config.token.clone(),
            remote_shop_id: None,
        },
        SandboxShop {
            key: "taoyitao",
            platform: "damaijia",
            base_url: damaijia_running.base_url.clone(),
            token: damaijia_config.token.clone(),
            remote_shop_id: Some(damaijia_config.shop_id.clone()),
        },
        SandboxShop {
            key: "fecshop",
            platform: "vanmall",
            base_url: vanmall_running.base_url.clone(),
            token: vanmall_config.token.clone(),
            remote_shop_id: None,
        },
    ];
    Ok(Sandbox {
        shops,
        shoptima,
        wshoto,
        westmonth,
        damaijia,
        vanmall,
        earliest,
        _running: vec![shoptima_running, wshoto_running, westmonth_running, damaijia_running, vanmall_running],
    })
}

impl Sandbox {
    /// Adds a fault plan's rules to every simulator they are meant for.
    pub fn add_faults(&self, rules: &[orderhub_sandbox::FaultRule]) {
        self.shoptima.faults().add(rules);
        self.wshoto.faults().add(rules);
        self.westmonth.faults().add(rules);
        self.damaijia.faults().add(rules);
        self.vanmall.faults().add(rules);
    }

    /// Moves `per_second` orders of every platform along their lifecycle each
    /// second, until the sandbox is dropped.
    pub fn spawn_churn(&self, per_second: usize) -> Option<tokio::task::JoinHandle<()>> {
        if per_second == 0 {
            return None;
        }
        let (shoptima, wshoto, westmonth, damaijia, vanmall) = (
            self.shoptima.clone(),
            self.wshoto.clone(),
            self.westmonth.clone(),
            self.damaijia.clone(),
            self.vanmall.clone(),
        );
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                ticks.tick().await;
                let round = orderhub_sandbox::next_churn_round();
                shoptima.churn(per_second, round);
                wshoto.churn(per_second, round);
                westmonth.churn(per_second, round);
                damaijia.churn(per_second, round);
                vanmall.churn(per_second, round);
            }
        }))
    }

    /// Orders on every simulated platform now.
    pub fn order_count(&self) -> usize {
        self.shoptima.truth().len()
            + self.wshoto.truth().len()
            + self.westmonth.truth().len()
            + self.damaijia.truth().len()
            + self.vanmall.truth().len()
    }
}

/// A configuration file whose shops point at the sandbox.
pub fn config_text(sandbox: &Sandbox, database_url: &str, listen: &str) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut text = format!(
        "# Written by `orderhub sandbox`: every shop points at a local simulator.\n\n\
         [database]\nurl = {}\n\n[server]\nlisten = {}\n",
        quote(database_url),
        quote(listen)
    );
    for shop in &sandbox.shops {
        text.push_str(&format!(
            "\n[[shops]]\nkey = {}\nplatform = {}\nbase_url = {}\ntoken = {}  # the simulator's token, not a real one\nsync_from = {}\nsync_every = \"30s\"\n",
            quote(shop.key),
            quote(shop.platform),
            quote(&shop.base_url),
            quote(&shop.token),
            quote(&sandbox.earliest.to_string()),
        ));
        if let Some(remote) = &shop.remote_shop_id {
            text.push_str(&format!("remote_shop_id = {}\n", quote(remote)));
        }
    }
    text
}

/// Writes `text` to `path` whole or not at all: to a file beside it, then
/// renamed over it, so that whoever waits for the configuration (a script, a
/// test) never reads half of it.
fn write_whole(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

pub async fn run(context: &Context, args: SandboxArgs) -> anyhow::Result<()> {
    let faults = fault_plan(args.faults.as_deref())?;
    let sandbox = start_with(args.orders, args.seed, args.port, args.examples).await?;
    sandbox.add_faults(&faults);
    let _churn = sandbox.spawn_churn(args.churn);
    if let Some(path) = &args.write_config {
        write_whole(path, &config_text(&sandbox, &args.database, "127.0.0.1:8080"))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if context.json {
        let shops: Vec<_> = sandbox
            .shops
            .iter()
            .map(|s| json!({"key": s.key, "platform": s.platform, "base_url": s.base_url}))
            .collect();
        print_json(&json!({"shops": shops, "orders_per_platform": args.orders, "seed": args.seed}));
    } else {
        let holding = if args.examples {
            "the document's example orders".to_string()
        } else {
            format!("{} orders, seed {}", args.orders, args.seed)
        };
        for shop in &sandbox.shops {
            println!("{:<10} {:<10} {}  ({holding})", shop.platform, shop.key, shop.base_url);
        }
        if let Some(path) = &args.write_config {
            println!("wrote {}: try `orderhub --config {} sync --once`", path.display(), path.display());
        }
        println!("simulators are running; Ctrl-C stops them");
    }
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    Ok(())
}
