//! `orderhub demo`, as the README runs it, with nothing configured.

mod common;

use common::{assert_success, run_orderhub, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_syncs_the_sandbox_into_a_fresh_store_and_can_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = run_orderhub(dir.path(), &["demo", "--no-serve", "--orders", "300"]).await;
        assert_success(&out);
        let text = stdout(&out);
        assert!(text.contains("1500 of 1500 orders stored in sqlite://orderhub-demo.db (1500 events)"), "{text}");
    }
    // The config it leaves behind reads the demo's store.
    let out =
        run_orderhub(dir.path(), &["--config", "orderhub-demo.toml", "orders", "list", "--limit", "3", "--json"]).await;
    assert_success(&out);
    let orders: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(orders.as_array().unwrap().len(), 3);
}
