//! Kill -9 in the middle of a sync, again and again: every restart resumes
//! from what was committed, and the end state equals the platform's truth with
//! no order stored twice. (Progress is committed only with the data.)

mod common;

use common::{Harness, TOKEN, assert_success};
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_then_restart_loses_and_duplicates_nothing() {
    kill_and_restart(4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_with_sixteen_requests_in_flight_loses_and_duplicates_nothing() {
    kill_and_restart(16).await;
}

async fn kill_and_restart(max_in_flight: usize) {
    let h = Harness::start(6000, 23).await;
    let config = h.write_config(TOKEN, &h.base_url);
    // Ten requests a second, so that a sync outlasts the kills: unthrottled,
    // it often finished first. Pages of 25: the listing (240 pages) is read
    // in spans, several pages in flight.
    let text = std::fs::read_to_string(&config).unwrap();
    let shop = format!("rate_limit = \"10/s\"\npage_size = 25\nmax_in_flight = {max_in_flight}\n");
    std::fs::write(&config, format!("{text}{shop}")).unwrap();
    let mut killed = 0;
    let mut partial = Vec::new();
    // Twenty kills at random points (a fixed seed, so a failure can be re-run)
    // from start-up into the sync; the sync of 6,000 orders outlasts them
    // (rate-limited above: about 24 seconds). A rate-limited sync commits
    // its pages each second, so the later kills find part of them stored.
    let mut rng = orderhub_sandbox::Rng::new(20_261_124);
    for _ in 0..20 {
        let delay = rng.range(50, 2500) as u64;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderhub"))
            .args(["sync", "--once"])
            .current_dir(h.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().unwrap().is_none() {
            child.start_kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().await.unwrap();
        let stored = h.store().await.order_count().await.unwrap();
        partial.push(stored);
    }
    assert!(killed >= 15, "the sync was killed mid-run most of the twenty times ({killed})");
    assert!(
        partial.iter().any(|n| *n > 0 && *n < 6000),
        "some kills hit a sync that had committed part of its pages: {partial:?}"
    );

    // A run that is left to finish, and one more.
    assert_success(&h.orderhub(&["sync", "--once"]).await);
    assert_success(&h.orderhub(&["sync", "--once"]).await);

    let truth: HashSet<String> = h.sim.truth().iter().map(|o| o["order_num"].as_str().unwrap().to_string()).collect();
    let exported = h.export().await;
    let numbers: Vec<String> = exported.iter().map(|o| o["order_number"].as_str().unwrap().to_string()).collect();
    let distinct: HashSet<String> = numbers.iter().cloned().collect();
    assert_eq!(numbers.len(), distinct.len(), "no order stored twice");
    assert_eq!(distinct, truth, "every order, and only those");
    let store = h.store().await;
    assert_eq!(store.event_count().await.unwrap(), truth.len() as i64, "one created event per order, no repeats");
}
