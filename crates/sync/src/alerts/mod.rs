//! Alerts: the attention list's new items sent to where the team already
//! talks (a WeCom, DingTalk or Feishu group robot, or any URL), as digests.
//!
//! Each configured alert is sent by one worker at a time (the lease
//! `alert:<name>`). It waits until the oldest item it has not sent has been
//! open for the alert's digest window, then sends every item it has not
//! sent in one message (counts, the first few, a link), so a burst of 500
//! late orders is one message. The items sent are recorded in the store
//! once the service took the message: an item is alerted once, whichever
//! worker sends it; a worker killed between the service's answer and the
//! record sends that digest again (at least once, never lost). A failed
//! send is tried again with backoff, in its own task: syncing never waits
//! for it.

mod message;

pub use message::{AlertRequest, LISTED, accepted, dingtalk_sign, feishu_sign, request};

use crate::Hub;
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::Secret;
use orderhub_store::{AttentionItem, Severity};
use std::sync::Arc;
use std::time::Duration;

/// Items one digest holds at most; more are sent in the next, at once.
const MOST_IN_A_DIGEST: i64 = 1_000;

/// The longest wait between two tries of a failing alert.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// How often an idle alert looks for new items.
const POLL: Duration = Duration::from_secs(1);

/// Which service an alert goes to: its message format and signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// 企业微信群机器人: markdown, no signature.
    WeCom,
    /// 钉钉自定义机器人: markdown, signed in the URL when a secret is set.
    DingTalk,
    /// 飞书自定义机器人: text, signed in the body when a secret is set.
    Feishu,
    /// Any URL: orderhub's JSON (`items` as the API shows them), signed as
    /// the webhooks are when a secret is set.
    Webhook,
}

impl Service {
    pub fn parse(name: &str) -> Option<Service> {
        Some(match name {
            "wecom" => Service::WeCom,
            "dingtalk" => Service::DingTalk,
            "feishu" => Service::Feishu,
            "webhook" => Service::Webhook,
            _ => return None,
        })
    }
}

/// The language of an alert's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

/// One configured alert (`[[alerts]]`).
#[derive(Debug, Clone)]
pub struct Alert {
    /// Its name: the key of what it has sent.
    pub name: String,
    pub service: Service,
    /// The robot's URL (its key is in it: a secret).
    pub url: Secret,
    /// DingTalk's or Feishu's signing secret, or the webhook's HMAC key.
    pub secret: Option<Secret>,
    /// The kinds it sends; every kind when empty.
    pub kinds: Vec<String>,
    /// The severities it sends.
    pub severities: Vec<Severity>,
    /// How long the oldest unsent item waits for others to join its message.
    pub digest: Duration,
    pub language: Language,
    /// The dashboard's address as the team reaches it (`server.public_url`):
    /// messages link to it when set.
    pub public_url: Option<String>,
    /// How long one send may take.
    pub timeout: Duration,
}

/// What one look at an alert's items did.
enum Step {
    /// A digest went out with this many items.
    Sent(usize),
    /// Nothing is due yet: look again after this long.
    Wait(Duration),
}

impl Hub {
    /// Sends `alert` until the hub shuts down, then gives its lease back.
    pub fn spawn_alert(self: &Arc<Self>, alert: Alert) {
        let hub = self.clone();
        let lease = format!("alert:{}", alert.name);
        self.spawn_under_lease(lease, async move { hub.alert_forever(&alert).await });
    }

    async fn alert_forever(&self, alert: &Alert) {
        orderhub_connectors::http::install_crypto_provider();
        let client = match reqwest::Client::builder().timeout(alert.timeout).build() {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(alert = %alert.name, %error, "cannot build the alert's HTTP client");
                return;
            }
        };
        let lease = format!("alert:{}", alert.name);
        let mut failures = 0u32;
        loop {
            match self.store.acquire_lease(&lease, &self.worker, crate::hub::lease_ms()).await {
                Ok(None) => {}
                Ok(Some(_)) => {
                    // Another worker sends it.
                    tokio::time::sleep(crate::hub::LEASE / 3).await;
                    continue;
                }
                Err(error) => {
                    tracing::warn!(alert = %alert.name, %error, "cannot take the alert's lease");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            }
            let wait = match self.alert_once(&client, alert).await {
                Ok(Step::Sent(count)) => {
                    failures = 0;
                    tracing::info!(alert = %alert.name, items = count, "alert sent");
                    Duration::ZERO
                }
                Ok(Step::Wait(wait)) => wait,
                Err(error) => {
                    failures += 1;
                    let backoff = Duration::from_secs(1 << failures.min(9)).min(MAX_BACKOFF);
                    tracing::warn!(alert = %alert.name, %error, failures, retry_in_s = backoff.as_secs(), "alert not sent");
                    backoff
                }
            };
            // The lease is renewed at least every third of its life.
            tokio::time::sleep(wait.min(crate::hub::LEASE / 3)).await;
        }
    }

    /// Sends the items not sent yet (or sent as warnings and critical now)
    /// once the first of them to be raised has waited its digest window.
    async fn alert_once(&self, client: &reqwest::Client, alert: &Alert) -> Result<Step, String> {
        let items = self
            .store
            .unalerted_items(&alert.name, &alert.kinds, &alert.severities, MOST_IN_A_DIGEST)
            .await
            .map_err(|e| format!("cannot read the attention list: {e}"))?;
        let Some(first) = items.iter().map(|item| item.raised_at).min() else { return Ok(Step::Wait(POLL)) };
        let window = SignedDuration::try_from(alert.digest).unwrap_or(SignedDuration::ZERO);
        let due = first.checked_add(window).unwrap_or(first);
        let now = Timestamp::now();
        if now < due {
            let left = Duration::try_from(due.duration_since(now)).unwrap_or(POLL);
            return Ok(Step::Wait(left.min(POLL)));
        }
        send(client, alert, &items, now.as_millisecond()).await?;
        self.store
            .mark_alerted(&alert.name, &items)
            .await
            .map_err(|e| format!("cannot record the alert as sent: {e}"))?;
        Ok(Step::Sent(items.len()))
    }
}

/// Sends one digest; the service's refusal in its own words.
async fn send(client: &reqwest::Client, alert: &Alert, items: &[AttentionItem], now_ms: i64) -> Result<(), String> {
    let request = request(alert, items, now_ms);
    let mut post = client.post(&request.url).json(&request.body);
    for (name, value) in &request.headers {
        post = post.header(*name, value);
    }
    // reqwest's error names the URL, whose key is a secret: only its kind is told.
    let answer =
        post.send().await.map_err(|e| format!("cannot reach the {:?} robot ({})", alert.service, kind_of(&e)))?;
    let status = answer.status();
    let text = answer.text().await.map_err(|e| format!("the answer was cut off ({})", kind_of(&e)))?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", text.chars().take(300).collect::<String>()));
    }
    let body: serde_json::Value = match alert.service {
        Service::Webhook => serde_json::Value::Null,
        _ => serde_json::from_str(&text).map_err(|_| format!("an answer that is not JSON: {text:.300}"))?,
    };
    accepted(alert.service, &body)
}

fn kind_of(error: &reqwest::Error) -> &'static str {
    match () {
        _ if error.is_timeout() => "timed out",
        _ if error.is_connect() => "connection failed",
        _ => "request failed",
    }
}
