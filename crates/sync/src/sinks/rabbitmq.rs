//! RabbitMQ (AMQP 0-9-1): each event published to a durable topic exchange
//! as a persistent message with `message_id` = `<sink>:<seq>`, on a channel
//! in confirm mode, and confirmed by the broker before the sink's progress
//! moves. Consumers bind their own queues and dedupe on `message_id`.

use super::Message;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind};
use orderhub_connectors::Secret;

/// AMQP's delivery mode for a message the broker keeps on disk.
const PERSISTENT: u8 = 2;

pub(super) struct RabbitPublisher {
    exchange: String,
    channel: Channel,
    /// Held so that the connection lives as long as its channel.
    _connection: Connection,
}

impl RabbitPublisher {
    /// Connects, opens a channel in confirm mode and declares the exchange
    /// (durable, topic).
    pub(super) async fn connect(url: &Secret, exchange: &str) -> Result<RabbitPublisher, String> {
        // The URL carries the password: errors say what failed, not where.
        let connection = Connection::connect(url.expose(), ConnectionProperties::default())
            .await
            .map_err(|e| format!("cannot connect to RabbitMQ: {}", without_url(&e.to_string(), url)))?;
        let channel = connection.create_channel().await.map_err(|e| format!("RabbitMQ channel: {e}"))?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| format!("RabbitMQ publisher confirms: {e}"))?;
        let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
        channel
            .exchange_declare(ShortString::from(exchange), ExchangeKind::Topic, durable, FieldTable::default())
            .await
            .map_err(|e| format!("RabbitMQ exchange {exchange:?} cannot be used: {e}"))?;
        Ok(RabbitPublisher { exchange: exchange.to_string(), channel, _connection: connection })
    }

    /// Publishes the messages in order, then waits for each confirmation.
    pub(super) async fn publish(&mut self, messages: &[Message]) -> Result<(), String> {
        let mut confirms = Vec::with_capacity(messages.len());
        for message in messages {
            let mut headers = FieldTable::default();
            for (name, value) in &message.headers {
                headers.insert(ShortString::from(*name), AMQPValue::LongString(LongString::from(value.as_bytes())));
            }
            let properties = BasicProperties::default()
                .with_message_id(ShortString::from(message.id.as_str()))
                .with_content_type(ShortString::from("application/json"))
                .with_delivery_mode(PERSISTENT)
                .with_headers(headers);
            let confirm = self
                .channel
                .basic_publish(
                    ShortString::from(self.exchange.as_str()),
                    ShortString::from(message.route.as_str()),
                    BasicPublishOptions::default(),
                    &message.body,
                    properties,
                )
                .await
                .map_err(|e| format!("publishing event {} to RabbitMQ: {e}", message.seq))?;
            confirms.push((message.seq, confirm));
        }
        for (seq, confirm) in confirms {
            match confirm.await.map_err(|e| format!("RabbitMQ did not confirm event {seq}: {e}"))? {
                Confirmation::Ack(_) => {}
                Confirmation::Nack(_) => return Err(format!("RabbitMQ refused event {seq} (nack)")),
                Confirmation::NotRequested => return Err("RabbitMQ confirms are off on the channel".into()),
            }
        }
        Ok(())
    }
}

impl RabbitPublisher {
    /// Deletes an exchange (the benchmark's own).
    pub(super) async fn remove_exchange(&self, exchange: &str) -> Result<(), String> {
        let options = lapin::options::ExchangeDeleteOptions::default();
        self.channel.exchange_delete(ShortString::from(exchange), options).await.map_err(|e| e.to_string())
    }
}

/// An error's text with the URL (and the password in it) taken out.
fn without_url(text: &str, url: &Secret) -> String {
    text.replace(url.expose(), "<url>")
}
