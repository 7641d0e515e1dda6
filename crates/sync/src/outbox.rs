//! The write-back worker: executes the outbox's jobs (shipments, status and
//! address changes) against the platforms, with retries, exactly once.
//!
//! A job is stored before anything is sent (the API answers 202 with it), then
//! claimed with a lease. A worker that dies leaves the job `running` until the
//! lease runs out; whoever takes it next, and any retry after an answer that
//! did not arrive whole, first reads the order back from the platform: a
//! shipment the platform already shows is recorded as done, not sent again.

use crate::Hub;
use orderhub_connectors::{AddressUpdate, ConnectorError, ErrorKind, ShipmentOutcome, ShipmentRequest};
use orderhub_store::{OutboxJob, OutboxKind, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How long a worker holds a job before another may take it over.
pub const JOB_LEASE: Duration = Duration::from_secs(60);
/// Attempts before a job that keeps failing transiently is given up.
pub const MAX_ATTEMPTS: i64 = 10;

/// A shipment request, as the API takes it.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// The carrier's tracking number, 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub tracking_number: String,
    /// The carrier's code as the platform knows it (Shoptima: `shipping_channel_code`, e.g. `SF`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub carrier_code: String,
    #[serde(default)]
    pub carrier_name: Option<String>,
}

/// A status change, as the API takes it: one of the platform's own codes.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// One of the shop's `capabilities.status_codes` (`GET /api/v1/shops`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 20))]
    pub platform_status: String,
}

impl Hub {
    /// Tells the outbox worker a job was queued.
    pub fn wake_outbox(&self) {
        self.outbox_queued.notify_one();
    }

    /// Runs the outbox's jobs as they come due, until the hub shuts down.
    pub fn spawn_outbox_worker(self: &Arc<Self>, poll: Duration) {
        let hub = self.clone();
        self.spawn_tracked(async move {
            loop {
                if let Err(error) = hub.run_due_jobs().await {
                    tracing::error!(%error, "outbox worker cannot read the store");
                }
                tokio::select! {
                    _ = hub.outbox_queued.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                    () = hub.stopping() => return,
                }
            }
        });
    }

    /// Runs jobs until none is due or the hub shuts down; returns how many
    /// ran. A job in hand when the hub shuts down goes back to the queue at
    /// once: whoever takes it next reads the order back from the platform
    /// first (its attempts say it was tried), so it is never sent twice.
    pub async fn run_due_jobs(&self) -> Result<usize, StoreError> {
        let mut ran = 0;
        let stopping = self.stopping();
        tokio::pin!(stopping);
        loop {
            let claimed = tokio::select! {
                claimed = self.store.claim_job(JOB_LEASE.as_millis() as i64) => claimed?,
                () = &mut stopping => return Ok(ran),
            };
            let Some(job) = claimed else { return Ok(ran) };
            let (id, shop) = (job.id, job.shop.clone());
            tokio::select! {
                done = self.execute(job) => {
                    done?;
                    self.attention_due.notify_one();
                }
                () = &mut stopping => {
                    let why = "the worker stopped while the job ran; the next attempt reads the order back first";
                    if self.store.return_job(id, why).await? {
                        tracing::info!(job = id, %shop, "write-back returned to the queue: the worker is stopping");
                    }
                    return Ok(ran);
                }
            }
            ran += 1;
        }
    }

    async fn execute(&self, job: OutboxJob) -> Result<(), StoreError> {
        let store = &self.store;
        let Some(shop) = self.shop(&job.shop) else {
            return store.finish_job(job.id, "failed", None, Some("the shop is no longer configured")).await;
        };
        let Some(order) = store.order(&job.order_id).await? else {
            return store.finish_job(job.id, "failed", None, Some("the order is no longer stored")).await;
        };
        let connector = shop.connector();
        let number = order.order_number.clone();
        let answer = match job.kind {
            OutboxKind::Ship => {
                let request: ShipRequest = match serde_json::from_value(job.request.clone()) {
                    Ok(request) => request,
                    Err(e) => {
                        return store.finish_job(job.id, "failed", None, Some(&format!("bad request: {e}"))).await;
                    }
                };
                // Sent before and the answer lost (a dead worker, a timeout, a
                // cut-off answer)? The platform may have shipped it: look first.
                if (job.interrupted || job.attempts > 1)
                    && let Ok(Some(Ok(current))) = connector.fetch(&number).await
                    && current.shipments.iter().any(|s| s.tracking_number == request.tracking_number)
                {
                    let outcome = json!({"accepted": true, "confirmed_by": "the order as the platform shows it now"});
                    store.finish_job(job.id, "done", Some(&outcome), None).await?;
                    self.refresh(&job, &number).await;
                    return Ok(());
                }
                let shipment = ShipmentRequest {
                    order_number: number.clone(),
                    tracking_number: request.tracking_number,
                    carrier_code: request.carrier_code,
                };
                connector.ship(std::slice::from_ref(&shipment)).await.map(|answers| {
                    answers.into_iter().next().unwrap_or(ShipmentOutcome {
                        order_number: number.clone(),
                        accepted: false,
                        code: String::new(),
                        message: "the platform answered for no order".into(),
                    })
                })
            }
            OutboxKind::Status => match serde_json::from_value::<StatusRequest>(job.request.clone()) {
                Ok(request) => connector.update_status(std::slice::from_ref(&number), &request.platform_status).await,
                Err(e) => return store.finish_job(job.id, "failed", None, Some(&format!("bad request: {e}"))).await,
            },
            OutboxKind::Address => match serde_json::from_value::<AddressUpdate>(job.request.clone()) {
                Ok(update) => connector.update_address(&number, &update).await,
                Err(e) => return store.finish_job(job.id, "failed", None, Some(&format!("bad request: {e}"))).await,
            },
        };
        match answer {
            Ok(outcome) => {
                let recorded = json!({"accepted": outcome.accepted, "code": outcome.code, "message": outcome.message});
                if outcome.accepted {
                    store.finish_job(job.id, "done", Some(&recorded), None).await?;
                    tracing::info!(job = job.id, shop = %job.shop, order = %number, kind = job.kind.as_str(), "write-back done");
                    self.refresh(&job, &number).await;
                } else {
                    let error = format!("the platform refused: code {:?}, {:?}", outcome.code, outcome.message);
                    tracing::warn!(job = job.id, shop = %job.shop, order = %number, kind = job.kind.as_str(), %error, "write-back refused");
                    store.finish_job(job.id, "failed", Some(&recorded), Some(&error)).await?;
                }
                Ok(())
            }
            Err(error) => self.failed_attempt(&job, &error).await,
        }
    }

    /// A failed attempt: retried later when the failure may pass, else final.
    async fn failed_attempt(&self, job: &OutboxJob, error: &ConnectorError) -> Result<(), StoreError> {
        let message = error.to_string();
        let passing =
            matches!(error.kind(), ErrorKind::Transient | ErrorKind::Malformed | ErrorKind::Auth | ErrorKind::Quota);
        if passing && job.attempts < MAX_ATTEMPTS {
            tracing::warn!(job = job.id, attempt = job.attempts, error = %message, "write-back failed; will retry");
            self.store.retry_job(job.id, retry_delay(job.id, job.attempts).as_millis() as i64, &message).await
        } else {
            tracing::error!(job = job.id, error = %message, "write-back failed for good");
            self.store.finish_job(job.id, "failed", Some(&Value::Null), Some(&message)).await
        }
    }

    /// Reads the order back so the store shows what the platform now holds.
    /// A failure is only logged: the next sync brings it anyway.
    async fn refresh(&self, job: &OutboxJob, number: &str) {
        let Some(shop) = self.shop(&job.shop) else { return };
        if let Err(error) =
            crate::fetch_orders(&self.store, shop.connector(), &[number.to_string()], shop.sync.retry).await
        {
            tracing::warn!(job = job.id, %error, "could not read the order back after a write-back");
        }
    }
}

/// Exponential backoff from 1 s to 5 min, with ±25% jitter (derived from the
/// job id so that jobs failing together do not retry together).
fn retry_delay(job_id: i64, attempts: i64) -> Duration {
    let base = 1000u64.saturating_mul(1 << attempts.clamp(1, 12).saturating_sub(1)).min(300_000);
    let spread = (job_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(attempts as u64) % 51;
    Duration::from_millis(base * (75 + spread) / 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_back_off_to_five_minutes() {
        let first = super::retry_delay(7, 1).as_millis();
        assert!((750..=1250).contains(&first), "{first}");
        let fourth = super::retry_delay(7, 4).as_millis();
        assert!((6000..=10000).contains(&fourth), "{fourth}");
        assert!(super::retry_delay(7, 30).as_millis() <= 375_000);
    }
}
