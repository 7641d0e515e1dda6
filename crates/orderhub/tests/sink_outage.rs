//! A broker that goes away stops its sink only. A private NATS server
//! (JetStream, file storage), and the machine's RabbitMQ (`rabbitmqctl
//! stop_app`), are each stopped for 30 s while `serve` publishes to them.
//! The sync finishes meanwhile, the sink reports the failure, and once the
//! broker is back publishing goes on from where it stopped: the stream, and
//! a durable queue bound to the exchange (deduped on `message_id`), hold
//! every event once, in order.
//!
//! Needs `nats-server`, and RabbitMQ with `rabbitmqctl` (Debian's packages;
//! `.ci/run` installs them); skipped loudly without them, failed so under CI.
//! This is the only test that stops the machine's RabbitMQ; test binaries
//! run one after another, so the other sink tests never see it down.

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

/// The sandbox and `outage.toml` with `sink` as its one sink. Every answer
/// is 100 ms late and read a page of ten at a time: the sync takes about
/// ten seconds, so the outage (stopping RabbitMQ itself takes seconds)
/// comes while both the sync and the publishing go on.
async fn setup(dir: &Path, sink: &str) -> tokio::process::Child {
    let (sandbox, mut config) =
        spawn_sandbox(dir, &["--orders", "1000", "--seed", "29", "--faults", "slow:100"], None).await;
    for shop in config["shops"].as_array_mut().unwrap() {
        let shop = shop.as_table_mut().unwrap();
        shop.insert("page_size".into(), 10.into());
        shop.insert("max_in_flight".into(), 1.into());
    }
    let sinks: toml::Value = toml::from_str(sink).unwrap();
    config.insert("sinks".into(), sinks["sinks"].clone());
    std::fs::write(dir.join("outage.toml"), toml::to_string(&config).unwrap()).unwrap();
    sandbox
}

/// Waits until the sink published something; stops the broker with `stop`;
/// checks, 30 s later, that the sync finished without it and the sink says
/// what is wrong (`broker` in its error); starts it with `start`; and
/// returns the number of events once the sink has caught up.
async fn outage(dir: &Path, broker: &str, stop: impl AsyncFnOnce(), start: impl AsyncFnOnce()) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink_report(dir).await["sinks"][0]["published_seq"].as_i64().unwrap() == 0 {
        assert!(Instant::now() < deadline, "nothing published");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop().await;
    let stopped = Instant::now();
    let published_when_stopped = sink_report(dir).await["sinks"][0]["published_seq"].as_i64().unwrap();
    let store = orderhub_store::Store::open(&format!("sqlite://{}", dir.join("s.db").display())).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(25);
    while store.order_count().await.unwrap() < 4000 {
        assert!(Instant::now() < deadline, "the sync waited for the broker");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(30).saturating_sub(stopped.elapsed())).await;
    let during = sink_report(dir).await;
    let sink = &during["sinks"][0];
    assert!(sink["lag"].as_i64().unwrap() > 0, "{during}");
    assert_eq!(
        sink["published_seq"], published_when_stopped,
        "nothing is published while the broker is down: {during}"
    );
    assert!(sink["failed_attempts"].as_i64().unwrap() > 0, "{during}");
    assert!(sink["last_error"].as_str().unwrap().contains(broker), "{during}");
    start().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let report = sink_report(dir).await;
        if report["sinks"][0]["lag"] == 0 {
            return report["last_event_seq"].as_i64().unwrap();
        }
        assert!(Instant::now() < deadline, "not resumed within 60 s: {report}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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
    let sink = format!(
        "[[sinks]]\nname = \"erp\"\nkind = \"nats\"\nurl = \"nats://127.0.0.1:{port}\"\nstream = \"OUTAGE\"\n\
         subject = \"outage.{{platform}}.{{shop}}\"\n"
    );
    let _sandbox = setup(dir.path(), &sink).await;
    let (_serve, _) = start_serve(dir.path(), &["--config", "outage.toml"]).await;
    let stop = async || {
        nats.start_kill().unwrap();
        nats.wait().await.unwrap();
    };
    let mut restarted = None;
    let start = async || restarted = Some(nats_server(port, &store_dir));
    let events = outage(dir.path(), "NATS", stop, start).await;
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

const RABBITMQ: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Starts the machine's RabbitMQ again when dropped, however the test ends:
/// the other tests, and the next CI run, need it.
struct RabbitRestarted;

impl Drop for RabbitRestarted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("rabbitmqctl").arg("start_app").output();
    }
}

/// `rabbitmqctl ARGS`, asserted to succeed.
async fn rabbitmqctl(args: &[&str]) {
    let out = tokio::process::Command::new("rabbitmqctl").args(args).output().await.unwrap();
    assert!(out.status.success(), "rabbitmqctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rabbitmq_outage_of_30_s_stops_only_the_sink_which_resumes_where_it_stopped() {
    use futures_util::StreamExt;
    use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;
    let ready = std::process::Command::new("rabbitmqctl").arg("status").output().is_ok_and(|o| o.status.success())
        && listening(5672).await;
    if !ready {
        assert!(std::env::var("CI").is_err(), "RabbitMQ and rabbitmqctl must be there under CI: .ci/run starts them");
        eprintln!("SKIPPED: no RabbitMQ on 127.0.0.1:5672 with rabbitmqctl");
        return;
    }
    orderhub_connectors::http::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let (exchange, queue) = (format!("oh.outage.{nanos}"), format!("oh_outage_{nanos}"));
    // A durable queue, bound before anything is published: persistent
    // messages wait in it through the broker's stop.
    {
        let connection = lapin::Connection::connect(RABBITMQ, Default::default()).await.unwrap();
        let channel = connection.create_channel().await.unwrap();
        let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
        channel
            .exchange_declare(exchange.as_str().into(), lapin::ExchangeKind::Topic, durable, FieldTable::default())
            .await
            .unwrap();
        let options = QueueDeclareOptions { durable: true, ..Default::default() };
        channel.queue_declare(queue.as_str().into(), options, FieldTable::default()).await.unwrap();
        let bind = QueueBindOptions::default();
        channel
            .queue_bind(queue.as_str().into(), exchange.as_str().into(), "#".into(), bind, FieldTable::default())
            .await
            .unwrap();
        connection.close(0, "bound".into()).await.unwrap();
    }
    let sink =
        format!("[[sinks]]\nname = \"wms\"\nkind = \"rabbitmq\"\nurl = \"{RABBITMQ}\"\nexchange = \"{exchange}\"\n");
    let _sandbox = setup(dir.path(), &sink).await;
    let (_serve, _) = start_serve(dir.path(), &["--config", "outage.toml"]).await;
    let _restarted = RabbitRestarted;
    let events = outage(
        dir.path(),
        "RabbitMQ",
        async || rabbitmqctl(&["stop_app"]).await,
        async || rabbitmqctl(&["start_app"]).await,
    )
    .await;

    // The queue holds every event; deduped on message_id, each once, in order.
    let connection = lapin::Connection::connect(RABBITMQ, Default::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let consume = BasicConsumeOptions { no_ack: true, ..Default::default() };
    let mut consumer =
        channel.basic_consume(queue.as_str().into(), "outage".into(), consume, FieldTable::default()).await.unwrap();
    let (mut ids, mut seqs) = (std::collections::HashSet::new(), Vec::new());
    while (seqs.len() as i64) < events {
        let delivery = tokio::time::timeout(Duration::from_secs(30), consumer.next()).await.expect("the queue ran dry");
        let delivery = delivery.unwrap().unwrap();
        let id = delivery.properties.message_id().as_ref().unwrap().to_string();
        let body: Value = serde_json::from_slice(&delivery.data).unwrap();
        assert_eq!(id, format!("wms:{}", body["seq"]));
        if ids.insert(id) {
            seqs.push(body["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(seqs, (1..=events).collect::<Vec<_>>(), "every event once, in order, across the outage");
    let _ = channel.queue_delete(queue.as_str().into(), Default::default()).await;
    let _ = channel.exchange_delete(exchange.as_str().into(), Default::default()).await;
}
