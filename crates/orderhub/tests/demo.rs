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
        // One event per order, and one more per link made: on the order of
        // the two written first (the other is created with it).
        let linked: u64 = text
            .lines()
            .find_map(|line| {
                line.strip_suffix(
                    " purchases at the supplier linked to the shop orders they fulfil (docs/suppliers.md)",
                )
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count of links: {text}"));
        assert!(linked > 50, "the supplier's purchases name the shops' orders: {linked}");
        let events = 1500 + linked;
        assert!(
            text.contains(&format!("1500 of 1500 orders stored in sqlite://orderhub-demo.db ({events} events)")),
            "{text}"
        );
    }
    // The config it leaves behind reads the demo's store.
    let out =
        run_orderhub(dir.path(), &["--config", "orderhub-demo.toml", "orders", "list", "--limit", "3", "--json"]).await;
    assert_success(&out);
    let orders: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(orders.as_array().unwrap().len(), 3);
}
