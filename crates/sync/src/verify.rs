//! Reconciliation: does the store hold every order the platform holds, in its
//! latest state? Reads the platform without writing (unless asked to repair)
//! and reports every missing and every stale order by number.

use crate::SyncError;
use crate::engine::{RetryPolicy, list_with_retry, retrying};
use crate::lanes::Lanes;
use jiff::Timestamp;
use orderhub_connectors::{Connector, ListQuery};
use orderhub_model::{Order, diff};
use orderhub_store::{BadRecord, Store, WriteStats};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;

/// What a reconciliation of one shop found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub shop: String,
    /// Orders the platform reported in the range.
    pub on_platform: u64,
    /// Order numbers the platform has and the store does not.
    pub missing: Vec<String>,
    /// Order numbers the store holds in an older state than the platform's.
    pub stale: Vec<String>,
    /// Order numbers the store holds that the platform no longer finds (lookup platforms only).
    pub gone: Vec<String>,
    /// Payloads that could not be normalised (not counted as missing).
    pub bad: u64,
    /// What `--repair` wrote; `None` when not repairing.
    pub repaired: Option<WriteStats>,
    pub api_calls: u64,
}

impl VerifyReport {
    /// True when the store equals the platform for the range.
    pub fn clean(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty()
    }
}

/// What the platform holds for a range.
#[derive(Default)]
struct PlatformOrders {
    /// Each order once, by hub id (the newest where a shifting listing
    /// showed one twice).
    listed: HashMap<String, Order>,
    /// What could not be read.
    bad: Vec<BadRecord>,
    /// Stored order numbers the platform no longer finds (lookups only).
    gone: Vec<String>,
}

impl PlatformOrders {
    fn absorb(&mut self, result: Result<Order, orderhub_connectors::BadOrder>) {
        match result {
            Ok(order) => {
                if self.listed.get(&order.id).is_none_or(|seen| seen.updated_at <= order.updated_at) {
                    self.listed.insert(order.id.clone(), order);
                }
            }
            Err(b) => self.bad.push(BadRecord { order_number: b.order_number, error: b.error, raw: b.raw }),
        }
    }
}

/// Reads what the platform holds in `[from, to]`: every page of every
/// partition, or for a platform with no list every stored order by number.
async fn read_platform(
    store: &Store,
    connector: &dyn Connector,
    (from, to): (Timestamp, Timestamp),
    retry: RetryPolicy,
) -> Result<PlatformOrders, SyncError> {
    let key = connector.shop().to_string();
    let platform_error = |source| SyncError::Platform { shop: key.clone(), source };
    let retries = AtomicU64::new(0);
    let mut found = PlatformOrders::default();
    let capabilities = connector.capabilities();
    if capabilities.list_by.is_some() {
        // Page after page: one lane, which a busy answer calms like a sync's.
        let lanes = Lanes::new(1);
        for partition in 0..capabilities.partitions.len() {
            for page in 1.. {
                let query = ListQuery { from, to, partition, page };
                let answer =
                    list_with_retry(connector, query, retry, &retries, &lanes).await.map_err(platform_error)?;
                let last = answer.last_page();
                answer.orders.into_iter().for_each(|order| found.absorb(order));
                if last {
                    break;
                }
            }
        }
        return Ok(found);
    }
    let numbers = store.order_numbers(&key).await.map_err(|source| SyncError::Store { shop: key.clone(), source })?;
    // Retried a lookup request's worth of numbers at a time: one failure
    // in thousands of requests must not start the whole lookup over.
    let batch = capabilities.fetch_batch.max(1) as usize;
    for numbers in numbers.chunks(batch) {
        let lookup = || connector.fetch_many(numbers);
        let answers = retrying(connector, retry, &retries, "lookup", lookup, |_| ()).await.map_err(platform_error)?;
        for (number, answer) in numbers.iter().zip(answers) {
            match answer {
                Some(result) => found.absorb(result),
                None => found.gone.push(number.clone()),
            }
        }
    }
    Ok(found)
}

/// Reconciles one shop for orders in `[from, to]` (creation or update time, as
/// the platform lists them). Platforms with no list are checked by looking up
/// every stored order by number. With `repair`, missing and stale orders are
/// written as the platform has them. Transient failures (and answers cut off
/// in transit) are retried as a sync retries them, under `retry`.
pub async fn verify_shop(
    store: &Store,
    connector: &dyn Connector,
    (from, to): (Timestamp, Timestamp),
    repair: bool,
    retry: RetryPolicy,
) -> Result<VerifyReport, SyncError> {
    let key = connector.shop().to_string();
    let store_error = |source| SyncError::Store { shop: key.clone(), source };
    let calls_before = connector.api_calls();
    let mut report = VerifyReport { shop: key.clone(), ..VerifyReport::default() };
    let PlatformOrders { listed, bad, gone } = read_platform(store, connector, (from, to), retry).await?;
    report.gone = gone;
    report.on_platform = listed.len() as u64;
    report.bad = bad.len() as u64;
    let ids: Vec<String> = listed.keys().cloned().collect();
    let stored = store.orders_by_id(&ids).await.map_err(store_error)?;
    let mut to_write = Vec::new();
    for (id, order) in listed {
        match stored.get(&id) {
            None => {
                report.missing.push(order.order_number.clone());
                to_write.push(order);
            }
            Some(held) => {
                let newer_on_platform = match (held.updated_at, order.updated_at) {
                    (Some(h), Some(p)) => p >= h,
                    _ => true,
                };
                if newer_on_platform && differs(held, &order) {
                    report.stale.push(order.order_number.clone());
                    to_write.push(order);
                }
            }
        }
    }
    report.missing.sort();
    report.stale.sort();
    report.gone.sort();
    if repair {
        let stats = store.write_batch(&key, &to_write, &bad, None).await.map_err(store_error)?;
        report.repaired = Some(stats);
    }
    report.api_calls = connector.api_calls() - calls_before;
    Ok(report)
}

/// Whether the platform's copy says something else than the held order: in
/// any field but the payload, and in links only by the numbers the platform
/// names (the shop order a number resolves to, and the links back, are the
/// store's: `docs/suppliers.md`).
fn differs(held: &Order, listed: &Order) -> bool {
    diff(held, listed).iter().any(|change| match change.field.as_str() {
        "raw" => false,
        "links" => !held.fulfils().eq(listed.fulfils()),
        _ => true,
    })
}
