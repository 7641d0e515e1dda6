//! Broker sinks: the change feed published onto the message brokers that
//! downstream systems already run, NATS JetStream (`nats.rs`) and RabbitMQ
//! (`rabbitmq.rs`).
//!
//! A sink publishes the event log in sequence order, a batch at a time: every
//! message of a batch is published, then every broker confirmation awaited,
//! and only then does the sink's progress move (`Store::delivered`). One
//! worker publishes a sink at a time (its lease `sink:<name>`). A crash
//! between the broker's confirmation and the stored progress publishes the
//! batch again: each message carries the id `<sink>:<seq>`, which JetStream
//! drops as a duplicate within its window (`Nats-Msg-Id`) and RabbitMQ
//! consumers dedupe on (`message_id`). A broker that is down stops its sink
//! only, which backs off and tries again; the sync never waits for it.

mod bench;
mod nats;
mod rabbitmq;

pub use bench::{SinkBench, bench_sink};

use crate::Hub;
use orderhub_connectors::Secret;
use orderhub_store::{Deliveries, FeedEvent, StoreError};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Events published per batch (confirmations are awaited per batch).
pub const BATCH: i64 = 500;

/// A configured sink.
#[derive(Debug, Clone)]
pub struct Sink {
    /// Its name: the key of its progress, and the first half of every message id.
    pub name: String,
    pub broker: Broker,
    /// Each message carries the order's canonical document as of publishing.
    pub include_order: bool,
    /// Buyer data unmasked; otherwise masked as for an API key without `pii`.
    pub pii: bool,
}

/// Where a sink publishes.
#[derive(Debug, Clone)]
pub enum Broker {
    /// NATS JetStream: `subject` is a template (`orderhub.orders.{platform}.{shop}`);
    /// the stream is created, over the template's subjects, when missing.
    Nats {
        url: Secret,
        stream: String,
        subject: String,
        token: Option<Secret>,
        /// A `.creds` file (a user's JWT and NKey seed), for servers with decentralised auth.
        credentials: Option<std::path::PathBuf>,
    },
    /// RabbitMQ (AMQP 0-9-1): a durable topic exchange, persistent messages,
    /// publisher confirms; `routing_key` is a template like NATS's subject.
    RabbitMq { url: Secret, exchange: String, routing_key: String },
}

/// One event as a broker message.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub seq: i64,
    /// `<sink>:<seq>`: the same id on every publish of this event.
    pub id: String,
    /// The subject (NATS) or routing key (RabbitMQ), from the template.
    pub route: String,
    pub body: Vec<u8>,
    /// `Orderhub-Seq`, `-Kind`, `-Platform`, `-Shop`, `-Order-Id`.
    pub headers: Vec<(&'static str, String)>,
}

/// A connection to a sink's broker, ready to publish.
enum Publisher {
    Nats(nats::NatsPublisher),
    RabbitMq(rabbitmq::RabbitPublisher),
}

impl Publisher {
    async fn connect(broker: &Broker) -> Result<Publisher, String> {
        match broker {
            Broker::Nats { url, stream, subject, token, credentials } => {
                let auth = nats::NatsAuth { token: token.as_ref(), credentials: credentials.as_deref() };
                nats::NatsPublisher::connect(url, auth, stream, subject).await.map(Publisher::Nats)
            }
            Broker::RabbitMq { url, exchange, .. } => {
                rabbitmq::RabbitPublisher::connect(url, exchange).await.map(Publisher::RabbitMq)
            }
        }
    }

    /// Publishes every message and waits for the broker to confirm each.
    async fn publish(&mut self, messages: &[Message]) -> Result<(), String> {
        match self {
            Publisher::Nats(nats) => nats.publish(messages).await,
            Publisher::RabbitMq(rabbit) => rabbit.publish(messages).await,
        }
    }
}

impl Sink {
    /// The subject or routing-key template.
    fn route_template(&self) -> &str {
        match &self.broker {
            Broker::Nats { subject, .. } => subject,
            Broker::RabbitMq { routing_key, .. } => routing_key,
        }
    }
}

/// `{platform}`, `{shop}`, `{kind}` in a subject template, each value made
/// one token (`.`, `*`, `>` and spaces split or widen subjects and routing
/// keys, so they become `_`).
pub(crate) fn route(template: &str, event: &FeedEvent) -> String {
    let token = |value: &str| value.replace(['.', '*', '>', ' ', '#'], "_");
    // An attention item of a shop not configured has no platform.
    template
        .replace("{platform}", &token(event.platform.as_deref().unwrap_or("none")))
        .replace("{shop}", &token(&event.shop))
        .replace("{kind}", &token(&event.kind))
}

/// The subjects a template can make: each placeholder a wildcard token.
pub(crate) fn route_filter(template: &str) -> String {
    ["{platform}", "{shop}", "{kind}"].iter().fold(template.to_string(), |subject, p| subject.replace(p, "*"))
}

impl Hub {
    /// Publishes to `sink` until the hub shuts down, then gives its lease back.
    pub fn spawn_sink(self: &Arc<Self>, sink: Sink) {
        let hub = self.clone();
        let lease = format!("sink:{}", sink.name);
        self.spawn_under_lease(lease, async move { hub.publish_forever(&sink).await });
    }

    async fn publish_forever(&self, sink: &Sink) {
        let lease = format!("sink:{}", sink.name);
        let (mut publisher, mut published, mut held_since) = (None::<Publisher>, 0, None::<std::time::Instant>);
        let mut failures = 0u32;
        loop {
            if held_since.is_none_or(|at| at.elapsed() > crate::hub::LEASE / 3) {
                match self.store.acquire_lease(&lease, &self.worker, crate::hub::lease_ms()).await {
                    // The progress is read again at every renewal: another
                    // worker may have published since this one last held the
                    // lease, and `orderhub sinks replay` may have rewound it.
                    Ok(None) => match self.store.delivery_state(Deliveries::Sinks, &sink.name).await {
                        Ok(state) => (published, held_since) = (state.delivered_seq, Some(std::time::Instant::now())),
                        Err(error) => {
                            tracing::error!(sink = %sink.name, %error, "cannot read the sink's progress");
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            continue;
                        }
                    },
                    Ok(Some(_)) => {
                        (held_since, publisher) = (None, None);
                        tokio::time::sleep(crate::hub::LEASE / 3).await;
                        continue;
                    }
                    Err(error) => {
                        tracing::error!(sink = %sink.name, %error, "cannot take the sink's lease");
                        held_since = None;
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        continue;
                    }
                }
            }
            match self.publish_once(sink, &mut publisher, &mut published).await {
                Ok(0) => {
                    failures = 0;
                    tokio::select! {
                        _ = self.store.changed() => {}
                        _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    }
                }
                Ok(_) => failures = 0,
                Err(error) => {
                    publisher = None;
                    failures += 1;
                    let wait = Duration::from_millis(250u64 << failures.min(7)).min(Duration::from_secs(30));
                    tracing::warn!(sink = %sink.name, %error, ?wait, "publishing to the broker failed; will retry");
                    if let Err(e) = self.store.delivery_failed(Deliveries::Sinks, &sink.name, &error).await {
                        tracing::error!(error = %e, "cannot record a sink failure");
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Publishes the batch after `published`, if any, and moves `published`
    /// past it once the broker confirmed every message; returns how many.
    async fn publish_once(
        &self,
        sink: &Sink,
        publisher: &mut Option<Publisher>,
        published: &mut i64,
    ) -> Result<usize, String> {
        let events = self.store.events_after(*published, BATCH).await.map_err(|e| e.to_string())?;
        let Some(last) = events.last().map(|e| e.seq) else { return Ok(0) };
        let messages = self.messages(sink, &events).await.map_err(|e| e.to_string())?;
        if publisher.is_none() {
            *publisher = Some(Publisher::connect(&sink.broker).await?);
        }
        publisher.as_mut().expect("connected above").publish(&messages).await?;
        let count = messages.len() as i64;
        self.store.delivered(Deliveries::Sinks, &sink.name, last, count).await.map_err(|e| e.to_string())?;
        *published = last;
        Ok(messages.len())
    }

    /// The events as messages: the feed's event JSON, with the order's
    /// document when the sink asks for it, masked unless it is `pii`.
    async fn messages(&self, sink: &Sink, events: &[FeedEvent]) -> Result<Vec<Message>, StoreError> {
        let mut messages = Vec::with_capacity(events.len());
        for event in events {
            let mut body = serde_json::to_value(event).expect("an event serialises");
            if !sink.pii {
                orderhub_model::masking::mask_changes(&mut body["changes"]);
            }
            if sink.include_order
                && let Some(order_id) = &event.order_id
            {
                body["order"] = match self.store.order_document(order_id).await? {
                    Some(document) if sink.pii => serde_json::from_str(&document.json).unwrap_or(Value::Null),
                    Some(document) => orderhub_model::masking::mask_document(&document.json)
                        .ok()
                        .and_then(|masked| serde_json::from_str(&masked).ok())
                        .unwrap_or(Value::Null),
                    None => Value::Null,
                };
            }
            messages.push(Message {
                seq: event.seq,
                id: format!("{}:{}", sink.name, event.seq),
                route: route(sink.route_template(), event),
                body: serde_json::to_vec(&body).expect("a message serialises"),
                headers: [
                    ("Orderhub-Seq", Some(event.seq.to_string())),
                    ("Orderhub-Kind", Some(event.kind.clone())),
                    ("Orderhub-Platform", event.platform.clone()),
                    ("Orderhub-Shop", Some(event.shop.clone())),
                    ("Orderhub-Order-Id", event.order_id.clone()),
                ]
                .into_iter()
                .filter_map(|(name, value)| Some((name, value?)))
                .collect(),
            });
        }
        Ok(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_make_one_token_per_value_and_their_filter_covers_them() {
        let event = FeedEvent {
            seq: 7,
            order_id: Some("shoptima:belment.us:A1".into()),
            platform: Some("shoptima".into()),
            shop: "belment.us".into(),
            order_number: Some("A1".into()),
            kind: "created".into(),
            changes: vec![],
            recorded_at: jiff::Timestamp::UNIX_EPOCH,
            attention: None,
        };
        let template = "orderhub.orders.{platform}.{shop}";
        assert_eq!(route(template, &event), "orderhub.orders.shoptima.belment_us");
        assert_eq!(route_filter(template), "orderhub.orders.*.*");
        assert_eq!(route("orders.{kind}", &event), "orders.created");
        let paused = FeedEvent { kind: "attention.opened".into(), platform: None, order_id: None, ..event };
        assert_eq!(route("orderhub.{kind}.{platform}.{shop}", &paused), "orderhub.attention_opened.none.belment_us");
    }
}
