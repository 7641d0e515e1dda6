//! Outbound webhooks: the change feed pushed to configured URLs.
//!
//! Each webhook receives every event after the one it last acknowledged, in
//! commit order, in batches of up to 100: `POST` with the body
//! `{"events": [...]}` (the shape of `GET /api/v1/events`) and the headers
//! `X-Orderhub-Timestamp` (unix seconds) and `X-Orderhub-Signature`
//! (`sha256=` and the hex HMAC-SHA256, keyed with the webhook's secret, of the
//! timestamp, a `.`, and the body). A batch counts as delivered on any 2xx;
//! otherwise the same batch is sent again with backoff, so events of one
//! order (of every order) arrive in order. Delivery state is in the store:
//! a restart resumes where it stopped.

use crate::Hub;
use orderhub_connectors::Secret;
use ring::hmac;
use std::sync::Arc;
use std::time::Duration;

/// Events per delivery.
pub const BATCH: i64 = 100;

/// One configured webhook.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Its name: the key of its delivery state.
    pub name: String,
    pub url: String,
    pub secret: Secret,
    /// How long one delivery may take.
    pub timeout: Duration,
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut context = hmac::Context::with_key(&key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    let tag = context.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Hub {
    /// Delivers to `webhook` until the hub shuts down, then gives its lease
    /// back (a batch in flight is sent again by the next deliverer: delivery
    /// is at least once, and receivers dedupe on `seq`).
    pub fn spawn_webhook(self: &Arc<Self>, webhook: Webhook) {
        let hub = self.clone();
        let lease = format!("webhook:{}", webhook.name);
        self.spawn_under_lease(lease, async move { hub.deliver_forever(&webhook).await });
    }

    async fn deliver_forever(&self, webhook: &Webhook) {
        let hub = self;
        orderhub_connectors::http::install_crypto_provider();
        let client = match reqwest::Client::builder().timeout(webhook.timeout).build() {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(webhook = %webhook.name, error = %e, "cannot build the webhook HTTP client");
                return;
            }
        };
        // While this worker holds the webhook's lease it is the only
        // deliverer, so it keeps the progress in memory and only writes it
        // to the store; it reads it again whenever it (re)gains the lease,
        // as another worker may have delivered in between.
        let lease = format!("webhook:{}", webhook.name);
        let mut held_since: Option<std::time::Instant> = None;
        let mut delivered = 0;
        let mut failures = 0u32;
        loop {
            if held_since.is_none_or(|at| at.elapsed() > crate::hub::LEASE / 3) {
                match hub.store.acquire_lease(&lease, &hub.worker, crate::hub::lease_ms()).await {
                    Ok(None) if held_since.is_some() => held_since = Some(std::time::Instant::now()),
                    Ok(None) => match hub.store.webhook_state(&webhook.name).await {
                        Ok(state) => {
                            delivered = state.delivered_seq;
                            held_since = Some(std::time::Instant::now());
                        }
                        Err(e) => {
                            tracing::error!(webhook = %webhook.name, error = %e, "cannot read the webhook's progress");
                            tokio::time::sleep(Duration::from_secs(5)).await;
                            continue;
                        }
                    },
                    Ok(Some(_)) => {
                        // Another worker delivers it.
                        held_since = None;
                        tokio::time::sleep(crate::hub::LEASE / 3).await;
                        continue;
                    }
                    Err(e) => {
                        tracing::error!(webhook = %webhook.name, error = %e, "cannot take the webhook's lease");
                        held_since = None;
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        continue;
                    }
                }
            }
            match hub.deliver_once(&client, webhook, &mut delivered).await {
                Ok(0) => {
                    failures = 0;
                    tokio::select! {
                        _ = hub.store.changed() => {}
                        _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    }
                }
                Ok(_) => failures = 0,
                Err(error) => {
                    failures += 1;
                    let wait = Duration::from_millis(500u64 << failures.min(7)).min(Duration::from_secs(60));
                    tracing::warn!(webhook = %webhook.name, %error, ?wait, "webhook delivery failed; will retry");
                    if let Err(e) = hub.store.webhook_failed(&webhook.name, &error).await {
                        tracing::error!(error = %e, "cannot record a webhook failure");
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Sends the batch after `delivered`, if any, and moves `delivered` past
    /// it; returns how many events it held.
    async fn deliver_once(
        &self,
        client: &reqwest::Client,
        webhook: &Webhook,
        delivered: &mut i64,
    ) -> Result<usize, String> {
        let events = self.store.events_after(*delivered, BATCH).await.map_err(|e| e.to_string())?;
        let Some(last) = events.last().map(|e| e.seq) else { return Ok(0) };
        let body = serde_json::to_vec(&serde_json::json!({ "events": events })).expect("events serialise");
        let timestamp = jiff::Timestamp::now().as_second();
        let answer = client
            .post(&webhook.url)
            .header("content-type", "application/json")
            .header("x-orderhub-timestamp", timestamp.to_string())
            .header("x-orderhub-signature", signature(webhook.secret.expose(), timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("cannot reach the webhook: {}", e.without_url()))?;
        if !answer.status().is_success() {
            return Err(format!("the webhook answered HTTP {}", answer.status().as_u16()));
        }
        self.store.webhook_delivered(&webhook.name, last, events.len() as i64).await.map_err(|e| e.to_string())?;
        *delivered = last;
        Ok(events.len())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231 test case 2 ("Jefe", "what do ya want for nothing?"), split
        // as timestamp-less input to check the HMAC itself.
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"Jefe");
        let tag = ring::hmac::sign(&key, b"what do ya want for nothing?");
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(super::signature("Jefe", 1, b"x"), {
            let tag = ring::hmac::sign(&key, b"1.x");
            format!("sha256={}", tag.as_ref().iter().map(|b| format!("{b:02x}")).collect::<String>())
        });
    }
}
