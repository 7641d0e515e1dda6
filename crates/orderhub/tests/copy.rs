//! `orderhub copy`: a store synced into SQLite, copied to PostgreSQL, exports
//! the same orders, byte for byte, and keeps its sync history and cursors (a
//! sync on the copy finds nothing new).
//!
//! Skipped loudly without a reachable PostgreSQL (failed with `CI=true`).

mod common;

use common::{assert_success, run_orderhub, spawn_sandbox, stdout};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synced_sqlite_store_copied_to_postgres_exports_the_same_orders() {
    let Some(pg) = orderhub_store::testing::TestDatabase::postgres("a_synced_sqlite_store_copied_to_postgres…").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("s.db").display());
    let (_sandbox, _) = spawn_sandbox(dir.path(), &["--orders", "300", "--seed", "9"], Some(&sqlite)).await;
    assert_success(&run_orderhub(dir.path(), &["--config", "sandbox.toml", "sync", "--once"]).await);

    let out = run_orderhub(dir.path(), &["copy", "--from", &sqlite, "--to", &pg.url, "--json"]).await;
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let orders = report["tables"].as_array().unwrap().iter().find(|t| t[0] == "orders").unwrap()[1].as_u64();
    assert_eq!(orders, Some(4 * 300), "the four listing platforms' orders");

    let sandbox_text = std::fs::read_to_string(dir.path().join("sandbox.toml")).unwrap();
    std::fs::write(dir.path().join("pg.toml"), sandbox_text.replace(&sqlite, &pg.url)).unwrap();
    let export = async |config: &str| {
        let out = run_orderhub(dir.path(), &["--config", config, "orders", "export", "--format", "jsonl"]).await;
        assert_success(&out);
        stdout(&out)
    };
    let (from_sqlite, from_postgres) = (export("sandbox.toml").await, export("pg.toml").await);
    assert_eq!(from_sqlite.lines().count(), 4 * 300);
    assert!(from_sqlite == from_postgres, "the exports differ");
    let runs = async |config: &str| stdout(&run_orderhub(dir.path(), &["--config", config, "runs", "--json"]).await);
    assert_eq!(runs("sandbox.toml").await, runs("pg.toml").await);

    // The cursors came along: syncing the copy reads only what changed since.
    let out = run_orderhub(dir.path(), &["--config", "pg.toml", "sync", "--once", "--json"]).await;
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for shop in report["shops"].as_array().unwrap() {
        assert_eq!(shop["report"]["orders"]["new"], 0, "{shop}");
    }
}
