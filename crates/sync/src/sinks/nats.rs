//! NATS JetStream: each event published to its subject with `Nats-Msg-Id`
//! = `<sink>:<seq>` and acknowledged by the stream (stored) before the
//! sink's progress moves.

use super::{Message, route_filter};
use async_nats::jetstream::{self, message::PublishMessage, stream};
use orderhub_connectors::Secret;
use std::time::Duration;

/// How long a connection or an acknowledgement may take.
const WAIT: Duration = Duration::from_secs(10);

/// How the sink proves who it is, beyond what its URL says.
pub(super) struct NatsAuth<'a> {
    pub token: Option<&'a Secret>,
    pub credentials: Option<&'a std::path::Path>,
}

pub(super) struct NatsPublisher {
    jetstream: jetstream::Context,
}

impl NatsPublisher {
    /// Connects, and makes sure the stream exists over the template's subjects
    /// (an existing stream is used as it is configured).
    pub(super) async fn connect(
        url: &Secret,
        auth: NatsAuth<'_>,
        stream: &str,
        subject: &str,
    ) -> Result<NatsPublisher, String> {
        let mut options = async_nats::ConnectOptions::new()
            .name("orderhub")
            .connection_timeout(WAIT)
            .request_timeout(Some(WAIT))
            // One try here: the sink's own loop backs off and reconnects.
            .max_reconnects(Some(1));
        if let Some(token) = auth.token {
            options = options.token(token.expose().to_string());
        }
        if let Some(path) = auth.credentials {
            options = options
                .credentials_file(path)
                .await
                .map_err(|e| format!("the NATS credentials file {}: {e}", path.display()))?;
        }
        // The URL may carry a user and password: it is never in an error.
        let client =
            options.connect(url.expose()).await.map_err(|e| format!("cannot connect to NATS: {}", e.kind()))?;
        let jetstream = jetstream::new(client);
        let config =
            stream::Config { name: stream.to_string(), subjects: vec![route_filter(subject)], ..Default::default() };
        jetstream
            .get_or_create_stream(config)
            .await
            .map_err(|e| format!("JetStream stream {stream:?} cannot be used: {e}"))?;
        Ok(NatsPublisher { jetstream })
    }

    /// Publishes the messages in order, then waits for each acknowledgement.
    pub(super) async fn publish(&mut self, messages: &[Message]) -> Result<(), String> {
        let mut acks = Vec::with_capacity(messages.len());
        for message in messages {
            let mut headers = async_nats::HeaderMap::new();
            for (name, value) in &message.headers {
                headers.insert(*name, value.as_str());
            }
            let publish =
                PublishMessage::build().payload(message.body.clone().into()).headers(headers).message_id(&message.id);
            let ack = self
                .jetstream
                .send_publish(message.route.clone(), publish)
                .await
                .map_err(|e| format!("publishing event {} to NATS: {e}", message.seq))?;
            acks.push((message.seq, ack));
        }
        for (seq, ack) in acks {
            ack.await.map_err(|e| format!("NATS did not store event {seq}: {e}"))?;
        }
        Ok(())
    }

    /// Deletes a stream (the benchmark's own).
    pub(super) async fn remove_stream(&self, stream: &str) -> Result<(), String> {
        self.jetstream.delete_stream(stream).await.map(drop).map_err(|e| e.to_string())
    }
}
