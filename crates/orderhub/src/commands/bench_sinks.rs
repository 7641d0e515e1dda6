//! `orderhub bench-sinks`: how many events a second a sink publishes with
//! every batch confirmed, to NATS JetStream or RabbitMQ. The events are the
//! store's last `--events` (fill one first with `orderhub bench --orders
//! 25000 --database sqlite://bench.db`: 100,000 events); they go to a stream
//! or exchange made for the run and removed after it.

use crate::Context;
use crate::output::print_json;
use anyhow::Context as _;
use orderhub_connectors::Secret;
use orderhub_sync::{Broker, bench_sink};
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct BenchSinksArgs {
    /// The store whose events are published.
    #[arg(long)]
    database: String,
    /// Publish to this NATS server (JetStream on).
    #[arg(long, conflicts_with = "rabbitmq", required_unless_present = "rabbitmq")]
    nats: Option<String>,
    /// Publish to this RabbitMQ (`amqp://guest:guest@127.0.0.1:5672/%2f`).
    #[arg(long)]
    rabbitmq: Option<String>,
    /// How many of the store's last events.
    #[arg(long, default_value_t = 100_000)]
    events: i64,
}

pub async fn run(context: &Context, args: BenchSinksArgs) -> anyhow::Result<()> {
    let store = orderhub_store::Store::open(&args.database).await.context("the store to publish from")?;
    let broker = match (args.nats, args.rabbitmq) {
        (Some(url), _) => Broker::Nats {
            url: Secret::new(url),
            stream: String::new(),
            subject: String::new(),
            token: None,
            credentials: None,
        },
        (None, Some(url)) => Broker::RabbitMq {
            url: Secret::new(url),
            exchange: String::new(),
            routing_key: "orders.{platform}.{shop}".into(),
        },
        (None, None) => unreachable!("clap requires one"),
    };
    let kind = if matches!(broker, Broker::Nats { .. }) { "nats" } else { "rabbitmq" };
    let report = bench_sink(&store, broker, args.events).await.map_err(anyhow::Error::msg)?;
    store.close().await;
    if context.json {
        print_json(&json!({"broker": kind, "report": report}));
    } else {
        println!(
            "{kind}: published {} events in {:.2}s, {:.0} events/s, every batch of {} confirmed",
            report.events,
            report.seconds,
            report.events_per_second,
            orderhub_sync::SINK_BATCH
        );
    }
    Ok(())
}
