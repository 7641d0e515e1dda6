//! `orderhub backup` while a sync writes, and `orderhub restore`: each
//! backup is the store as of one commit (its counts equal the source's at
//! that moment, read through the gap-free event log), checks out on its own,
//! and a restored store syncs back level with the platforms. A restore is
//! refused while `serve` has the store open.

mod common;

use common::{assert_success, orderhub_command, run_orderhub, spawn_sandbox, start_serve, stderr, stdout};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_taken_mid_sync_are_whole_and_restore_syncs_level() {
    let dir = tempfile::tempdir().unwrap();
    let (_sandbox, sandbox) =
        spawn_sandbox(dir.path(), &["--orders", "2000", "--seed", "11", "--faults", "slow:40"], None).await;
    // Pages of 20, one request at a time, 40 ms an answer: the first sync
    // takes seconds, and the backups below are taken while it writes.
    let mut config = sandbox.clone();
    for shop in config["shops"].as_array_mut().unwrap() {
        let shop = shop.as_table_mut().unwrap();
        shop.insert("page_size".into(), 20.into());
        shop.insert("max_in_flight".into(), 1.into());
    }
    std::fs::write(dir.path().join("backup.toml"), toml::to_string(&config).unwrap()).unwrap();
    let orderhub = async |args: &[&str]| run_orderhub(dir.path(), &[&["--config", "backup.toml"], args].concat()).await;

    let mut sync = orderhub_command(dir.path(), &["--config", "backup.toml", "sync", "--once"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut backups = Vec::new();
    for n in 0..4 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let file = format!("b{n}.db");
        let out = orderhub(&["backup", "--to", &file, "--json"]).await;
        assert_success(&out);
        let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
        backups.push((file, report["backup"].clone()));
    }
    assert!(sync.wait().await.unwrap().success());

    // Each backup holds exactly what the source had committed through its
    // last event: as many events, and one order per `created` event.
    let source = orderhub_store::Store::open(&format!("sqlite://{}", dir.path().join("s.db").display())).await.unwrap();
    let events = source.events_after(0, 1_000_000).await.unwrap();
    let total = source.order_count().await.unwrap();
    source.close().await;
    let mut mid_sync = 0;
    for (file, report) in &backups {
        let through = report["last_event_seq"].as_i64().unwrap();
        let before: Vec<_> = events.iter().filter(|e| e.seq <= through).collect();
        assert_eq!(report["events"].as_i64().unwrap(), before.len() as i64, "{file}: {report}");
        let created = before.iter().filter(|e| e.kind == "created").count() as i64;
        assert_eq!(report["orders"].as_i64().unwrap(), created, "{file}: {report}");
        mid_sync += usize::from(created > 0 && created < total);
        let out = orderhub_command(dir.path(), &["--config", "backup.toml", "verify", "--store", "--json"])
            .env("ORDERHUB_DATABASE_URL", format!("sqlite://{}", dir.path().join(file).display()))
            .output()
            .await
            .unwrap();
        assert_success(&out);
        let check: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(check["integrity"], "ok", "{file}");
        assert_eq!(check["orders"], report["orders"], "{file}: the backup opens with what it reported");
        assert_eq!(check["last_event_seq"], report["last_event_seq"], "{file}");
    }
    assert!(mid_sync >= 2, "at least two backups taken mid-sync: {backups:?} of {total}");
    let out = orderhub(&["backup", "--to", "b0.db"]).await;
    assert_eq!(out.status.code(), Some(1), "a backup never overwrites a file");
    assert!(stderr(&out).contains("b0.db exists"), "{}", stderr(&out));

    // A restore is refused while serve has the store open; nothing changes.
    let (mut serve, _) = start_serve(dir.path(), &["--config", "backup.toml"]).await;
    let (file, report) = backups.iter().find(|(_, r)| r["orders"].as_i64().unwrap() < total).unwrap();
    let out = orderhub(&["restore", "--from", file]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("has the store") && stderr(&out).contains("--force"), "{}", stderr(&out));
    // SAFETY: kill(2) on the child's own process id; it only sends a signal.
    assert_eq!(unsafe { libc::kill(serve.id().unwrap() as i32, libc::SIGTERM) }, 0);
    assert!(serve.wait().await.unwrap().success());

    let out = orderhub(&["restore", "--from", file, "--json"]).await;
    assert_success(&out);
    let restored: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(restored["check"]["orders"], report["orders"], "{restored}");

    // The next sync brings the restored store level with the platforms:
    // every order once, none missing or stale.
    assert_success(&orderhub(&["sync", "--once"]).await);
    let out = orderhub(&["verify", "--from", "2000-01-01T00:00:00Z"]).await;
    assert_success(&out);
    let out = orderhub(&["verify", "--store", "--json"]).await;
    assert_success(&out);
    let check: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(check["orders"].as_i64().unwrap(), total);
    assert_eq!(check["orders_not_created_once"], 0);
}
