//! Publishing throughput (`orderhub bench-sinks`): the store's last events
//! published to a broker through a sink's own code path, batches confirmed,
//! into a stream or exchange made for the run and removed after it.

use super::{Broker, Publisher, Sink};
use crate::Hub;
use orderhub_store::{Deliveries, Store};
use std::time::{Duration, Instant};

/// What a publishing run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SinkBench {
    pub events: i64,
    pub seconds: f64,
    pub events_per_second: f64,
}

/// Publishes the store's last `events` events to `broker` (its stream or
/// exchange, made fresh for the run), as a sink does, and times it.
pub async fn bench_sink(store: &Store, broker: Broker, events: i64) -> Result<SinkBench, String> {
    let run = format!("bench_{}", jiff::Timestamp::now().as_millisecond());
    let broker = match broker {
        Broker::Nats { url, token, credentials, .. } => Broker::Nats {
            url,
            token,
            credentials,
            stream: run.to_uppercase(),
            subject: format!("{run}.{{platform}}.{{shop}}"),
        },
        Broker::RabbitMq { url, routing_key, .. } => Broker::RabbitMq { url, exchange: run.clone(), routing_key },
    };
    let sink = Sink { name: run.clone(), broker, include_order: false, pii: false };
    let last = store.last_event_seq().await.map_err(|e| e.to_string())?;
    let from = (last - events).max(0);
    store.rewind_delivery(Deliveries::Sinks, &sink.name, from).await.map_err(|e| e.to_string())?;
    let hub = Hub::new(store.clone(), Vec::new());
    let (mut publisher, mut published) = (None, from);
    let started = Instant::now();
    while hub.publish_once(&sink, &mut publisher, &mut published).await? > 0 {}
    let seconds = started.elapsed().as_secs_f64();
    if let Some(publisher) = publisher {
        remove_target(publisher, &sink).await;
    }
    let events = published - from;
    Ok(SinkBench { events, seconds, events_per_second: events as f64 / seconds.max(f64::EPSILON) })
}

/// Removes the stream or exchange the run made; a failure is only logged.
async fn remove_target(publisher: Publisher, sink: &Sink) {
    let removed = tokio::time::timeout(Duration::from_secs(10), async {
        match (publisher, &sink.broker) {
            (Publisher::Nats(nats), Broker::Nats { stream, .. }) => nats.remove_stream(stream).await,
            (Publisher::RabbitMq(rabbit), Broker::RabbitMq { exchange, .. }) => rabbit.remove_exchange(exchange).await,
            _ => Ok(()),
        }
    })
    .await;
    if !matches!(removed, Ok(Ok(()))) {
        tracing::warn!(sink = %sink.name, "the benchmark's stream or exchange was not removed: {removed:?}");
    }
}
