//! A broker that goes away stops its sink only: a private NATS server
//! (JetStream, file storage) is stopped for 30 s while `serve` publishes to
//! it. The sync finishes meanwhile, the sink reports the failure, and once
//! the server is back publishing goes on from where it stopped: the stream
//! holds every event once, in order.
//!
//! Needs `nats-server` (Debian's package; `.ci/run` installs it); skipped
//! loudly without it, failed so under CI.

mod common;

use common::{assert_success, run_orderhub, spawn_sandbox, start_serve, stdout};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// `nats-server -js` on `port`, keeping its streams in `dir`, until dropped.
fn nats_server(port: u16, dir: &Path) -> tokio::process::Child {
    tokio::process::Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn listening(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
}

async fn sink_report(dir: &Path) -> Value {
    let out = run_orderhub(dir, &["--config", "outage.toml", "sinks", "--json"]).await;
    assert_success(&out);
    serde_json::from_str::<Value>(&stdout(&out)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_outage_of_30_s_stops_only_the_sink_which_resumes_where_it_stopped() {
    if std::process::Command::new("nats-server").arg("--version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "nats-server must be installed under CI: .ci/run installs it");
        eprintln!("SKIPPED: no nats-server (Debian's package nats-server)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let store_dir = dir.path().join("jetstream");
    let mut nats = nats_server(port, &store_dir);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !listening(port).await {
        assert!(Instant::now() < deadline, "nats-server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every answer of the platforms 30 ms late: the sync takes seconds, and
    // the outage comes while both it and the publishing go on.
    let (_sandbox, mut config) =
        spawn_sandbox(dir.path(), &["--orders", "1000", "--seed", "29", "--faults", "slow:30"], None).await;
    let sinks: toml::Value = toml::from_str(&format!(
        "[[sinks]]\nname = \"erp\"\nkind = \"nats\"\nurl = \"nats://127.0.0.1:{port}\"\nstream = \"OUTAGE\"\n\
         subject = \"outage.{{platform}}.{{shop}}\"\n"
    ))
    .unwrap();
    config.insert("sinks".into(), sinks["sinks"].clone());
    std::fs::write(dir.path().join("outage.toml"), toml::to_string(&config).unwrap()).unwrap();
    let (_serve, _) = start_serve(dir.path(), &["--config", "outage.toml"]).await;

    // The broker goes away once the sink has published something.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink_report(dir.path()).await["sinks"][0]["published_seq"].as_i64().unwrap() == 0 {
        assert!(Instant::now() < deadline, "nothing published");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    nats.start_kill().unwrap();
    nats.wait().await.unwrap();
    let stopped = Instant::now();
    let store = orderhub_store::Store::open(&format!("sqlite://{}", dir.path().join("s.db").display())).await.unwrap();

    // The sync goes on without it; the sink says what is wrong.
    let deadline = Instant::now() + Duration::from_secs(25);
    while store.order_count().await.unwrap() < 4000 {
        assert!(Instant::now() < deadline, "the sync waited for the broker");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(stopped.elapsed())).await;
    let during = sink_report(dir.path()).await;
    let sink = &during["sinks"][0];
    assert!(sink["lag"].as_i64().unwrap() > 0, "{during}");
    assert!(sink["failed_attempts"].as_i64().unwrap() > 0, "{during}");
    assert!(sink["last_error"].as_str().unwrap().contains("NATS"), "{during}");

    // Back after 30 s: publishing resumes where it stopped.
    let _nats = nats_server(port, &store_dir);
    let deadline = Instant::now() + Duration::from_secs(60);
    let events = loop {
        let report = sink_report(dir.path()).await;
        if report["sinks"][0]["lag"] == 0 {
            break report["last_event_seq"].as_i64().unwrap();
        }
        assert!(Instant::now() < deadline, "not resumed within 60 s: {report}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let client = async_nats::connect(format!("nats://127.0.0.1:{port}")).await.unwrap();
    let mut stream = async_nats::jetstream::new(client).get_stream("OUTAGE").await.unwrap();
    let count = stream.info().await.unwrap().state.messages;
    let mut seqs = Vec::new();
    for sequence in 1..=count {
        let message = stream.get_raw_message(sequence).await.unwrap();
        seqs.push(message.headers.get("Orderhub-Seq").unwrap().as_str().parse::<i64>().unwrap());
    }
    assert_eq!(seqs, (1..=events).collect::<Vec<_>>(), "every event once, in order, across the outage");
}
