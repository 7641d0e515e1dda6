//! `orderhub sandbox`: run the platform simulators on loopback.

use crate::Context;
use crate::output::print_json;
use anyhow::Context as _;
use orderhub_sandbox::Sandbox;
use serde_json::json;
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
    orderhub_sandbox::parse_plan(spec, &orderhub_sandbox::sim_specs())
        .map_err(|e| anyhow::anyhow!("--faults: {e} (the syntax is in docs/sandbox.md)"))
}

/// Starts every simulator of the registry on loopback (see
/// [`Sandbox::start`]), with what went wrong said in full.
pub async fn start(orders: u64, seed: u64, port: u16, examples: bool) -> anyhow::Result<Sandbox> {
    Sandbox::start(orders, seed, port, examples).await.context("cannot start the simulators")
}

/// A configuration file whose shops point at the sandbox.
pub fn config_text(sandbox: &Sandbox, database_url: &str, listen: &str) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut text = format!(
        "{}: every shop points at a local simulator.\n\n\
         [database]\nurl = {}\n\n[server]\nlisten = {}\n",
        crate::config::WRITTEN_BY_SANDBOX,
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
    let sandbox = start(args.orders, args.seed, args.port, args.examples).await?;
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
