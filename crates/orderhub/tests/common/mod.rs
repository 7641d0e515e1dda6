//! Test harness: a Shoptima simulator on 127.0.0.1:0 in the test process, the
//! real `orderhub` binary run as a child process, and a fresh SQLite file in a
//! temporary directory per test.

#![allow(dead_code)]

use orderhub_sandbox::{Running, ShoptimaConfig, ShoptimaSim, serve};
use std::path::{Path, PathBuf};
use std::process::Output;

pub const TOKEN: &str = "sim-token-5f2a9";

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub sim: ShoptimaSim,
    pub base_url: String,
    _running: Running,
}

impl Harness {
    /// A simulator holding `orders` generated orders, and an empty work directory.
    pub async fn start(orders: u64, seed: u64) -> Harness {
        let config = ShoptimaConfig { token: TOKEN.into(), orders, seed, ..ShoptimaConfig::default() };
        let sim = ShoptimaSim::new(&config);
        let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "/api/v1").await.unwrap();
        Harness { dir: tempfile::tempdir().unwrap(), sim, base_url: running.base_url.clone(), _running: running }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("orders.db")
    }

    pub fn db_url(&self) -> String {
        format!("sqlite://{}", self.db_path().display())
    }

    /// Writes `orderhub.toml` in the work directory with one Shoptima shop.
    pub fn write_config(&self, token: &str, base_url: &str) -> PathBuf {
        let path = self.dir.path().join("orderhub.toml");
        let text = format!(
            "[database]\nurl = \"{}\"\n\n[[shops]]\nkey = \"belment\"\nplatform = \"shoptima\"\nbase_url = \"{base_url}\"\n\
             token = \"{token}\"\nsync_from = \"2000-01-01T00:00:00Z\"\ntimeout = \"5s\"\n",
            self.db_url()
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs `orderhub ARGS...` in the work directory.
    pub async fn orderhub(&self, args: &[&str]) -> Output {
        run_orderhub(self.dir.path(), args).await
    }

    /// Every exported order (`orders export --format jsonl`), by order number.
    pub async fn export(&self) -> Vec<serde_json::Value> {
        let out = self.orderhub(&["orders", "export", "--format", "jsonl"]).await;
        assert_success(&out);
        String::from_utf8(out.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    pub async fn store(&self) -> orderhub_store::Store {
        orderhub_store::Store::open(&self.db_url()).await.unwrap()
    }
}

pub async fn run_orderhub(dir: &Path, args: &[&str]) -> Output {
    orderhub_command(dir, args).output().await.unwrap()
}

/// `orderhub ARGS...` in `dir`, not yet started, without the caller's
/// `RUST_LOG` or `ORDERHUB_CONFIG`: for a test that sets up its own stdio.
pub fn orderhub_command(dir: &Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"));
    command.args(args).current_dir(dir).env_remove("RUST_LOG").env_remove("ORDERHUB_CONFIG");
    command
}

/// `orderhub sync --once --json` in `dir`, asserted to succeed: the first
/// shop's report (`orders.new`, `orders.changed`, `api_calls`, …).
pub async fn sync_once(dir: &Path) -> serde_json::Value {
    let out = run_orderhub(dir, &["sync", "--once", "--json"]).await;
    assert_success(&out);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    report["shops"][0]["report"].clone()
}

/// Unix seconds as the canonical RFC 3339 instant; `0` or absent is null.
pub fn unix_instant(unix: &serde_json::Value) -> serde_json::Value {
    match unix.as_i64() {
        None | Some(0) => serde_json::Value::Null,
        Some(s) => serde_json::json!(jiff::Timestamp::from_second(s).unwrap().to_string()),
    }
}

/// A China wall-clock string (`yyyy-MM-dd HH:mm:ss`) as the canonical instant;
/// `""`, `0` or absent is null.
pub fn china_instant(text: &serde_json::Value) -> serde_json::Value {
    match text.as_str() {
        None | Some("") => serde_json::Value::Null,
        Some(text) => {
            let civil = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text).unwrap();
            let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
            serde_json::json!(civil.to_zoned(zone).unwrap().timestamp().to_string())
        }
    }
}

/// An amount from a decimal string or a JSON number's text; null is zero.
pub fn amount(value: &serde_json::Value) -> rust_decimal::Decimal {
    match value {
        serde_json::Value::Null => rust_decimal::Decimal::ZERO,
        serde_json::Value::String(s) => s.parse().unwrap(),
        serde_json::Value::Number(n) => n.to_string().parse().unwrap(),
        other => panic!("not an amount: {other}"),
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "orderhub failed: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Runs `orderhub sandbox ARGS --write-config sandbox.toml` in `dir` until
/// dropped, its shops storing into `database` (default: a SQLite file in
/// `dir`); returns it and the configuration it wrote.
pub async fn spawn_sandbox(
    dir: &std::path::Path,
    args: &[&str],
    database: Option<&str>,
) -> (tokio::process::Child, toml::Table) {
    let config = dir.join("sandbox.toml");
    let database = database.map_or_else(|| format!("sqlite://{}", dir.join("s.db").display()), str::to_string);
    let sandbox = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .arg("sandbox")
        .args(args)
        .args(["--database", &database, "--write-config"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if config.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let text = std::fs::read_to_string(&config).unwrap();
    (sandbox, toml::from_str(&text).unwrap())
}

/// `orderhub ARGS... serve --listen 127.0.0.1:0` in `dir`, until dropped; the
/// child and its API's base URL (`http://127.0.0.1:PORT`), read from the
/// `API at` line it prints. Its output is drained afterwards, so that it never
/// blocks on a full pipe.
pub async fn start_serve(dir: &Path, args: &[&str]) -> (tokio::process::Child, String) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .args(args)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        // `serve` logs a line per sync run, and the tests break platforms,
        // disks and workers on purpose: its log stays out of the tests'
        // output unless ORDERHUB_TEST_SERVE_LOG asks for it (`warn`, `info`).
        .env("RUST_LOG", std::env::var("ORDERHUB_TEST_SERVE_LOG").unwrap_or_else(|_| "off".into()))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next_line().await.unwrap().expect("serve printed no address");
        if let Some(rest) = line.strip_prefix("API at ") {
            break rest.split("/api/").next().unwrap().to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base)
}
