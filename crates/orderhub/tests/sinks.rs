//! The change feed published onto the machine's real brokers: NATS with
//! JetStream (127.0.0.1:4222) and RabbitMQ (127.0.0.1:5672, guest/guest).
//! A sync of the sandbox publishes every event once, in sequence order, to
//! both; with `serve` killed (SIGKILL) ten times while it publishes,
//! JetStream still holds each event exactly once (its duplicate window drops
//! the repeats by `Nats-Msg-Id`) and RabbitMQ's consumer, deduping on
//! `message_id`, sees each once and in order.
//!
//! Skipped loudly without the brokers (failed with `CI=true`).

mod common;

use common::{assert_success, run_orderhub, spawn_sandbox, start_serve, stdout};
use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const NATS: &str = "nats://127.0.0.1:4222";
const RABBITMQ: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Whether both brokers answer; otherwise the test is skipped, loudly (or
/// fails under CI).
async fn brokers_up() -> bool {
    let up = async |address: &str| tokio::net::TcpStream::connect(address).await.is_ok();
    if up("127.0.0.1:4222").await && up("127.0.0.1:5672").await {
        return true;
    }
    assert!(std::env::var("CI").is_err(), "NATS (4222) and RabbitMQ (5672) must run under CI: .ci/run starts them");
    eprintln!("SKIPPED: no NATS on 127.0.0.1:4222 or no RabbitMQ on 127.0.0.1:5672");
    false
}

/// A name no other test run shares (streams, subjects, exchanges, queues).
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// A RabbitMQ queue bound to every routing key of `exchange`, read into a list.
struct RabbitReader {
    received: std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>,
    _connection: lapin::Connection,
}

impl RabbitReader {
    async fn bind(exchange: &str) -> RabbitReader {
        let connection = lapin::Connection::connect(RABBITMQ, Default::default()).await.unwrap();
        let channel = connection.create_channel().await.unwrap();
        let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
        channel
            .exchange_declare(exchange.into(), lapin::ExchangeKind::Topic, durable, FieldTable::default())
            .await
            .unwrap();
        let queue = unique("oh_queue");
        let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..Default::default() };
        channel.queue_declare(queue.as_str().into(), options, FieldTable::default()).await.unwrap();
        channel
            .queue_bind(
                queue.as_str().into(),
                exchange.into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        let consume = BasicConsumeOptions { no_ack: true, ..Default::default() };
        let mut consumer = channel
            .basic_consume(queue.as_str().into(), "orderhub-test".into(), consume, FieldTable::default())
            .await
            .unwrap();
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let into = received.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let id = delivery.properties.message_id().as_ref().map(|id| id.to_string()).unwrap_or_default();
                into.lock().unwrap().push((id, serde_json::from_slice(&delivery.data).unwrap()));
            }
        });
        RabbitReader { received, _connection: connection }
    }

    fn received(&self) -> Vec<(String, Value)> {
        self.received.lock().unwrap().clone()
    }
}

/// Every message of a JetStream stream, in stream order: its `Nats-Msg-Id`,
/// its `Orderhub-Seq` header, and its body.
async fn stream_messages(stream: &str) -> Vec<(String, i64, Value)> {
    let client = async_nats::connect(NATS).await.unwrap();
    let jetstream = async_nats::jetstream::new(client);
    let mut stream = jetstream.get_stream(stream).await.unwrap();
    let count = stream.info().await.unwrap().state.messages;
    let mut messages = Vec::new();
    for sequence in 1..=count {
        let message = stream.get_raw_message(sequence).await.unwrap();
        let header = |name: &str| message.headers.get(name).map(|v| v.as_str().to_string()).unwrap_or_default();
        let seq: i64 = header("Orderhub-Seq").parse().unwrap();
        let id = message.headers.get(async_nats::header::NATS_MESSAGE_ID).map(|v| v.as_str().to_string());
        messages.push((id.unwrap_or_default(), seq, serde_json::from_slice(&message.payload).unwrap()));
    }
    messages
}

/// The sandbox and a configuration with a NATS and a RabbitMQ sink.
struct Setup {
    dir: tempfile::TempDir,
    _sandbox: tokio::process::Child,
    stream: String,
    exchange: String,
}

async fn setup(orders: u64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, mut config) =
        spawn_sandbox(dir.path(), &["--orders", &orders.to_string(), "--seed", "17"], None).await;
    let (stream, exchange) = (unique("OH_ORDERS"), unique("oh.orders"));
    let subject = format!("{}.{{platform}}.{{shop}}", stream.to_lowercase());
    let sinks: toml::Value = toml::from_str(&format!(
        "[[sinks]]\nname = \"erp-nats\"\nkind = \"nats\"\nurl = \"{NATS}\"\nstream = \"{stream}\"\nsubject = \"{subject}\"\n\
         [[sinks]]\nname = \"wms-rabbit\"\nkind = \"rabbitmq\"\nurl = \"{RABBITMQ}\"\nexchange = \"{exchange}\"\n\
         include_order = true\n"
    ))
    .unwrap();
    config.insert("sinks".into(), sinks["sinks"].clone());
    std::fs::write(dir.path().join("sinks.toml"), toml::to_string(&config).unwrap()).unwrap();
    Setup { dir, _sandbox: sandbox, stream, exchange }
}

/// `orderhub sinks --json`, by sink name: its lag behind the newest event.
async fn lags(dir: &std::path::Path) -> (i64, HashMap<String, i64>) {
    let out = run_orderhub(dir, &["--config", "sinks.toml", "sinks", "--json"]).await;
    assert_success(&out);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let lags = report["sinks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["lag"].as_i64().unwrap()));
    (report["last_event_seq"].as_i64().unwrap(), lags.collect())
}

/// Checks what both brokers hold against the store's feed: `events` events,
/// each once and in sequence order.
async fn check_published(setup: &Setup, rabbit: &RabbitReader, events: i64) {
    let nats = stream_messages(&setup.stream).await;
    let seqs: Vec<i64> = nats.iter().map(|(_, seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=events).collect::<Vec<_>>(), "JetStream holds each event once, in order");
    // Each message is the store's event of its number, as the feed has it.
    let store =
        orderhub_store::Store::open(&format!("sqlite://{}", setup.dir.path().join("s.db").display())).await.unwrap();
    let feed = store.events_after(0, 1_000_000).await.unwrap();
    store.close().await;
    assert_eq!(feed.len() as i64, events);
    for ((id, seq, body), event) in nats.iter().zip(&feed) {
        assert_eq!(id, &format!("erp-nats:{seq}"));
        assert_eq!((body["seq"].as_i64(), *seq), (Some(event.seq), event.seq));
        assert_eq!(
            (body["order_id"].as_str(), body["kind"].as_str()),
            (event.order_id.as_deref(), Some(event.kind.as_str()))
        );
        assert_eq!(body["changes"].as_array().map(Vec::len), Some(event.changes.len()), "{body}");
        assert!(body.get("order").is_none(), "include_order is off for this sink");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen: Vec<(String, Value)> = Vec::new();
    while Instant::now() < deadline {
        seen = rabbit.received();
        let mut ids: Vec<&String> = seen.iter().map(|(id, _)| id).collect();
        ids.dedup();
        if ids.len() as i64 >= events {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Deduped on message_id, as the docs tell consumers to: each once, in order.
    let mut firsts: Vec<i64> = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (id, body) in &seen {
        if ids.insert(id.clone()) {
            assert_eq!(id, &format!("wms-rabbit:{}", body["seq"]));
            assert!(body["order"]["id"] == body["order_id"], "include_order: {body}");
            assert!(!body["order"]["raw"].is_object(), "not pii: the payload is withheld");
            firsts.push(body["seq"].as_i64().unwrap());
        }
    }
    assert_eq!(firsts, (1..=events).collect::<Vec<_>>(), "RabbitMQ delivered each event, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_publishes_every_event_once_in_order_to_nats_and_rabbitmq() {
    if !brokers_up().await {
        return;
    }
    orderhub_connectors::http::install_crypto_provider();
    let setup = setup(300).await;
    let rabbit = RabbitReader::bind(&setup.exchange).await;
    let (_serve, _) = start_serve(setup.dir.path(), &["--config", "sinks.toml"]).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let events = loop {
        let (last, lags) = lags(setup.dir.path()).await;
        if last >= 1200 && lags.values().all(|lag| *lag == 0) {
            break last;
        }
        assert!(Instant::now() < deadline, "not published within 60 s: {last} events, lags {lags:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    check_published(&setup, &rabbit, events).await;
    let out = run_orderhub(setup.dir.path(), &["--config", "sinks.toml", "sinks"]).await;
    assert!(stdout(&out).contains("erp-nats") && stdout(&out).contains("wms-rabbit"), "{}", stdout(&out));

    // A replay publishes the last ten events again, with their own ids, to
    // the running serve's sink (which reads the progress at its next lease renewal).
    let received = rabbit.received().len();
    let from = (events - 9).to_string();
    let out = run_orderhub(
        setup.dir.path(),
        &["--config", "sinks.toml", "sinks", "replay", "--sink", "wms-rabbit", "--from", &from],
    )
    .await;
    assert_success(&out);
    let deadline = Instant::now() + Duration::from_secs(20);
    while rabbit.received().len() < received + 10 {
        assert!(Instant::now() < deadline, "the replay did not arrive: {} messages", rabbit.received().len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let again: Vec<String> = rabbit.received()[received..].iter().map(|(id, _)| id.clone()).collect();
    let expected: Vec<String> = (events - 9..=events).map(|seq| format!("wms-rabbit:{seq}")).collect();
    assert_eq!(again, expected);
    let out =
        run_orderhub(setup.dir.path(), &["--config", "sinks.toml", "sinks", "replay", "--sink", "nope", "--from", "1"])
            .await;
    assert_eq!(out.status.code(), Some(2), "an unknown sink is a usage error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_ten_times_while_publishing_loses_and_repeats_nothing_downstream() {
    if !brokers_up().await {
        return;
    }
    orderhub_connectors::http::install_crypto_provider();
    let setup = setup(1500).await;
    let rabbit = RabbitReader::bind(&setup.exchange).await;
    let store =
        orderhub_store::Store::open(&format!("sqlite://{}", setup.dir.path().join("s.db").display())).await.unwrap();
    let published = async || {
        let states = store.delivery_states(orderhub_store::Deliveries::Sinks).await.unwrap();
        states.iter().map(|s| s.delivered_seq).min().unwrap_or(0)
    };
    let mut kills = 0;
    while kills < 10 {
        let before = published().await;
        let (mut serve, _) = start_serve(setup.dir.path(), &["--config", "sinks.toml"]).await;
        // Killed once it has published something more (after the dead
        // worker's leases lapsed), in the middle of what comes next.
        let deadline = Instant::now() + Duration::from_secs(60);
        while published().await == before {
            assert!(Instant::now() < deadline, "no progress after kill {kills}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        serve.start_kill().unwrap();
        serve.wait().await.unwrap();
        kills += 1;
        let last = store.last_event_seq().await.unwrap();
        assert!(kills < 10 || published().await < last, "publishing ended before the tenth kill; publish more events");
    }
    let (_serve, _) = start_serve(setup.dir.path(), &["--config", "sinks.toml"]).await;
    let deadline = Instant::now() + Duration::from_secs(90);
    let events = loop {
        let (last, lags) = lags(setup.dir.path()).await;
        if last >= 6000 && lags.values().all(|lag| *lag == 0) {
            break last;
        }
        assert!(Instant::now() < deadline, "not published within 90 s of the last start: {last}, {lags:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    check_published(&setup, &rabbit, events).await;
}
