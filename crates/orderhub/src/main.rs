//! `orderhub`: every order from every sales platform in one place.
//!
//! This crate is the command-line binary that wires the others together: it
//! reads the configuration (`config`), opens the store, builds each shop's
//! connector, and runs one command from `commands/` (one file per command). It
//! holds no business rules of its own: parsing platforms is the connectors',
//! syncing the sync engine's, SQL the store's.
//!
//! Exit codes: 0 success, 1 a command failed (a platform, the store), 2 bad
//! configuration or usage.

mod allocator;
mod commands;
mod config;
mod output;
mod store_lock;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// orderhub pulls every order from your shops on several sales platforms into
/// one store, keeps them in sync, and pushes shipments back.
#[derive(Parser, Debug)]
#[command(name = "orderhub", version, propagate_version = true)]
struct Cli {
    /// Configuration file (TOML).
    #[arg(long, global = true, env = "ORDERHUB_CONFIG", default_value = "orderhub.toml")]
    config: PathBuf,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Log more to stderr (-v: info, -vv: debug; `serve` logs at info
    /// already). RUST_LOG overrides, e.g. `RUST_LOG=warn`.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// How log lines on stderr look: `text` for people, `json` (one object a
    /// line) for log shippers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the sandbox, sync it into a fresh SQLite store, print a summary and serve the API.
    Demo(commands::demo::DemoArgs),
    /// Run the platform simulators alone (and write a config that points at them).
    Sandbox(commands::sandbox::SandboxArgs),
    /// Pull orders from the configured shops into the store.
    Sync(commands::sync::SyncArgs),
    /// Pull given orders by their numbers.
    Fetch(commands::fetch::FetchArgs),
    /// Read the stored orders.
    #[command(subcommand)]
    Orders(commands::orders::OrdersCommand),
    /// Report a shipment (tracking number) to the platform.
    Ship(commands::ship::ShipArgs),
    /// Each shop's platform, last sync run, and pause (with what to do).
    Shops(commands::shops::ShopsArgs),
    /// Create, list and revoke the API's keys.
    Keys(commands::keys::KeysArgs),
    /// Each broker sink's progress; `sinks replay` publishes again from an event.
    Sinks(commands::sinks::SinksArgs),
    /// Show the sync-run history.
    Runs(commands::runs::RunsArgs),
    /// What needs a person (paused or stalled shops, refused write-backs, unreadable orders); `attention dismiss`.
    Attention(commands::attention::AttentionArgs),
    /// Bring the store's schema up to date (every command also does, first).
    Migrate(commands::migrate::MigrateArgs),
    /// Copy a SQLite store into a new file while it is in use.
    Backup(commands::backup::BackupArgs),
    /// Put a backup made by `orderhub backup` in place of the SQLite store.
    Restore(commands::restore::RestoreArgs),
    /// Copy the whole store into an empty database (SQLite to PostgreSQL, say).
    Copy(commands::copy::CopyArgs),
    /// Serve the HTTP API and sync every shop on its schedule.
    Serve(commands::serve::ServeArgs),
    /// Check the configuration, the database and each shop (token, reach, clock); exit 1 if any fails.
    Doctor(commands::doctor::DoctorArgs),
    /// Reconcile the store against the platform: report missing or stale orders.
    Verify(commands::verify::VerifyArgs),
    /// Measure a full sync from the sandbox: orders/s, API calls, peak memory.
    Bench(commands::bench::BenchArgs),
    /// Measure the API's query latency over a large store: p50 and p99 per kind of query.
    BenchApi(commands::bench_api::BenchApiArgs),
    /// Measure how many events a second a sink publishes, confirmed, to NATS or RabbitMQ.
    BenchSinks(commands::bench_sinks::BenchSinksArgs),
    /// Measure how fast each simulator serves list pages (one core, over HTTP).
    BenchSim(commands::bench_sim::BenchSimArgs),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

/// What a command needs besides its own arguments.
pub struct Context {
    pub config_path: PathBuf,
    pub json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_) | Command::Demo(_) | Command::Sandbox(_)) {
        stop_quietly_when_stdout_closes();
    }
    // A server's log is its record of what it did: one line per sync run,
    // write-back and pause, at info. Other commands print their own results.
    let serving = matches!(cli.command, Command::Serve(_));
    init_logging(cli.verbose + u8::from(serving), cli.log_format);
    let context = Context { config_path: cli.config, json: cli.json };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo(args) => commands::demo::run(&context, args).await,
            Command::Sandbox(args) => commands::sandbox::run(&context, args).await,
            Command::Sync(args) => commands::sync::run(&context, args).await,
            Command::Fetch(args) => commands::fetch::run(&context, args).await,
            Command::Orders(command) => commands::orders::run(&context, command).await,
            Command::Ship(args) => commands::ship::run(&context, args).await,
            Command::Shops(args) => commands::shops::run(&context, args).await,
            Command::Keys(args) => commands::keys::run(&context, args).await,
            Command::Sinks(args) => commands::sinks::run(&context, args).await,
            Command::Runs(args) => commands::runs::run(&context, args).await,
            Command::Attention(args) => commands::attention::run(&context, args).await,
            Command::Migrate(args) => commands::migrate::run(&context, args).await,
            Command::Backup(args) => commands::backup::run(&context, args).await,
            Command::Restore(args) => commands::restore::run(&context, args).await,
            Command::Copy(args) => commands::copy::run(&context, args).await,
            Command::Serve(args) => commands::serve::run(&context, args).await,
            Command::Doctor(args) => commands::doctor::run(&context, args).await,
            Command::Verify(args) => commands::verify::run(&context, args).await,
            Command::Bench(args) => commands::bench::run(&context, args).await,
            Command::BenchApi(args) => commands::bench_api::run(&context, args).await,
            Command::BenchSim(args) => commands::bench_sim::run(&context, args).await,
            Command::BenchSinks(args) => commands::bench_sinks::run(&context, args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.downcast_ref::<commands::AlreadyReported>().is_some() => ExitCode::from(1),
        Err(error) => {
            let code = if error.downcast_ref::<config::ConfigError>().is_some() { 2 } else { 1 };
            eprintln!("error: {}", one_line(&error));
            ExitCode::from(code)
        }
    }
}

/// An error and its causes on one line, each said once: an error whose
/// message already holds its cause's (`shop "x": <the platform's error>`)
/// is not followed by that cause again.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line = format!("{line}: {cause}");
        }
    }
    line
}

/// A command whose output is piped into a reader that stops early
/// (`orderhub orders list --json | head`) ends as Unix tools do, by SIGPIPE,
/// silently. Rust ignores SIGPIPE, so a write to the closed pipe fails and
/// `println!` panics with a backtrace ("failed printing to stdout: Broken
/// pipe"). What a command stores is stored before it prints, and a store
/// survives a kill at any point (the crash tests), so stopping there loses
/// nothing. The servers keep Rust's default: they print only at start, and
/// should not die with a closed terminal.
fn stop_quietly_when_stdout_closes() {
    #[cfg(unix)]
    // SAFETY: at the start of `main`, before any thread is started;
    // setting a signal's disposition to its default has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_logging(verbose: u8, format: LogFormat) {
    let default = match verbose {
        0 => "warn",
        1 => "info,sqlx=warn",
        _ => "debug,sqlx=info,hyper=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())).init(),
        LogFormat::Json => logs.json().with_ansi(false).flatten_event(true).init(),
    }
}
