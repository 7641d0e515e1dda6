//! What needs a person: the causes the store's facts show now, in the words
//! a person reads, and the sweep that keeps the attention list in step with
//! them ([`sweep`]).
//!
//! Causes are found afresh from the store on every sweep, never remembered
//! in the process: an item opens once however often its cause is seen,
//! survives restarts, and closes by itself once its cause is gone (the shop
//! syncs again, a later write-back succeeds, the order is read). Several
//! workers may sweep one database; the store opens a cause's item once.

use jiff::{SignedDuration, Timestamp};
use orderhub_store::{AttentionCause, OutboxJob, Reconciled, Severity, Store, StoreError};
use std::collections::HashSet;
use std::time::Duration;

mod links;

pub use links::DANGLING_AFTER;

/// The kinds of cause the sweep finds (and so closes when gone).
pub const KINDS: &[&str] =
    &[SHOP_PAUSED, SHOP_STALLED, WRITEBACK_FAILED, UNREADABLE_ORDER, SHIP_DEADLINE, LINK_UNRESOLVED];

/// A shop paused by an error a person has to fix (a refused token, a spent
/// quota, a shop not authorised), with the platform's own message.
pub const SHOP_PAUSED: &str = "shop_paused";
/// A shop with no good sync for longer than [`STALLED_AFTER`] of its `sync_every`.
pub const SHOP_STALLED: &str = "shop_stalled";
/// A write-back (shipment, status, address) the platform refused, or whose
/// retries ran out, with no later one of its order and kind done since.
pub const WRITEBACK_FAILED: &str = "writeback_failed";
/// An order the platform sent that could not be read (its payload is kept),
/// not read since.
pub const UNREADABLE_ORDER: &str = "unreadable_order";

/// A supplier's purchase naming a shop order that two stored orders answer
/// to, or that none has an hour after it arrived ([`DANGLING_AFTER`]).
pub const LINK_UNRESOLVED: &str = "link_unresolved";

/// An order awaiting shipment within its shop's `ship_warn_before` of its
/// deadline (a warning), or past it (critical).
pub const SHIP_DEADLINE: &str = "ship_deadline";

/// Deadlines looked at in one sweep, soonest first: a shop with more late
/// orders than this gets the rest in the sweeps after their first ship.
const MOST_DEADLINES: i64 = 5_000;

/// A shop is stalled once its last good sync is this many of its
/// `sync_every` ago: one late run is a slow platform, three are a shop
/// that stopped.
pub const STALLED_AFTER: u32 = 3;

/// How often a worker sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// A configured shop, as the sweep needs it.
#[derive(Debug, Clone, Copy)]
pub struct SweptShop<'a> {
    pub key: &'a str,
    /// Its platform: what its items (and their events in the change feed) say.
    pub platform: &'a str,
    pub sync_every: Duration,
    /// When its orders must ship; `None`: no deadline.
    pub deadline: Option<crate::ShipDeadline>,
}

/// Finds the causes there are now and reconciles the attention list with
/// them: what opened and what closed.
pub async fn sweep(store: &Store, shops: &[SweptShop<'_>], now: Timestamp) -> Result<Reconciled, StoreError> {
    let causes = find_causes(store, shops, now).await?;
    store.reconcile_attention(&causes, KINDS).await
}

/// Every cause the store's facts show at `now`.
pub async fn find_causes(
    store: &Store,
    shops: &[SweptShop<'_>],
    now: Timestamp,
) -> Result<Vec<AttentionCause>, StoreError> {
    let paused = store.paused_shops().await?;
    let mut causes: Vec<AttentionCause> = paused.iter().map(|p| shop_paused(&p.shop, &p.reason, p.since)).collect();
    let paused: HashSet<&str> = paused.iter().map(|p| p.shop.as_str()).collect();
    for shop in shops.iter().filter(|shop| !paused.contains(shop.key)) {
        let age = store.sync_age(shop.key).await?;
        causes.extend(shop_stalled(shop, &age, now));
    }
    causes.extend(store.failed_writebacks().await?.iter().map(writeback_failed));
    causes.extend(store.unread_orders().await?.iter().map(unreadable_order));
    causes.extend(deadlines(store, shops, now).await?);
    let unresolved = store.unresolved_links(links::MOST_LINKS).await?;
    causes.extend(unresolved.iter().filter_map(|link| links::link_unresolved(link, now)));
    for cause in &mut causes {
        let shop = shops.iter().find(|shop| cause.shop.as_deref() == Some(shop.key));
        cause.platform = shop.map(|shop| shop.platform.to_string());
    }
    Ok(causes)
}

/// The orders of shops with a deadline that are within their warning of it, or past it.
async fn deadlines(store: &Store, shops: &[SweptShop<'_>], now: Timestamp) -> Result<Vec<AttentionCause>, StoreError> {
    let Some(longest) = shops.iter().filter_map(|shop| shop.deadline).map(|d| d.warn_before).max() else {
        return Ok(Vec::new());
    };
    let by = now.checked_add(longest).unwrap_or(now);
    let due = store.due_shipments(by, MOST_DEADLINES).await?;
    Ok(due
        .iter()
        .filter_map(|order| {
            let deadline = shops.iter().find(|shop| shop.key == order.shop)?.deadline?;
            let warn_from = order.ship_by.checked_sub(deadline.warn_before).unwrap_or(order.ship_by);
            (warn_from <= now).then(|| ship_deadline(order, now))
        })
        .collect())
}

/// One order's deadline: the words say when, never how long from now, so
/// that an item reads the same sweep after sweep until it turns late.
fn ship_deadline(order: &orderhub_store::DueShipment, now: Timestamp) -> AttentionCause {
    let (severity, when) = match order.ship_by <= now {
        true => (Severity::Critical, format!("is late: it had to ship by {:.0}", order.ship_by)),
        false => (Severity::Warning, format!("must ship by {:.0}", order.ship_by)),
    };
    AttentionCause {
        cause: format!("{SHIP_DEADLINE}:{}", order.order_id),
        kind: SHIP_DEADLINE,
        severity,
        shop: Some(order.shop.clone()),
        platform: None,
        order_id: Some(order.order_id.clone()),
        reason: format!("Order {} of shop {} {when}.", order.order_number, order.shop),
        action: "Ship it and report the tracking number (the order's page, `orderhub ship`, or the API); the item \
                 closes once the platform shows it shipped or cancelled."
            .to_string(),
    }
}

fn shop_paused(shop: &str, reason: &str, since: Timestamp) -> AttentionCause {
    AttentionCause {
        cause: format!("{SHOP_PAUSED}:{shop}"),
        kind: SHOP_PAUSED,
        severity: Severity::Critical,
        shop: Some(shop.to_string()),
        platform: None,
        order_id: None,
        reason: format!("Shop {shop} stopped syncing at {since:.0}: {reason}. No new orders arrive from it."),
        action: format!(
            "Fix what the platform says (renew the token, wait for the quota, authorise the shop), then sync it \
             (`orderhub sync --shop {shop}` or the dashboard's Sync button); it is also tried once an hour."
        ),
    }
}

/// A shop whose last good sync is [`STALLED_AFTER`] of its `sync_every` ago,
/// or that has tried that long without one.
fn shop_stalled(shop: &SweptShop<'_>, age: &orderhub_store::SyncAge, now: Timestamp) -> Option<AttentionCause> {
    let every = SignedDuration::try_from(shop.sync_every).unwrap_or(SignedDuration::MAX);
    let limit = every.checked_mul(STALLED_AFTER as i32).unwrap_or(SignedDuration::MAX);
    let (since, what) = match (age.last_ok_at, age.first_run_at) {
        (Some(ok), _) => (ok, format!("last synced {} ago, at {ok:.0}", words(now.duration_since(ok)))),
        (None, Some(first)) => (first, format!("has not synced once since it first tried, at {first:.0}")),
        (None, None) => return None,
    };
    if now.duration_since(since) <= limit {
        return None;
    }
    let key = shop.key;
    let last_error = age.last_error.as_deref().map(|e| format!(" The last run failed: {e}.")).unwrap_or_default();
    Some(AttentionCause {
        cause: format!("{SHOP_STALLED}:{key}"),
        kind: SHOP_STALLED,
        severity: Severity::Warning,
        shop: Some(key.to_string()),
        platform: None,
        order_id: None,
        reason: format!("Shop {key} {what}; it syncs every {}.{last_error}", words(every)),
        action: format!(
            "Look at its runs (`orderhub runs --shop {key}`) and check it (`orderhub doctor` or the dashboard's \
             Check button): the platform may be down or slow, or no worker is running."
        ),
    })
}

fn writeback_failed(job: &OutboxJob) -> AttentionCause {
    let kind = job.kind.as_str();
    let answer = job.error.as_deref().unwrap_or("no answer recorded");
    AttentionCause {
        cause: format!("{WRITEBACK_FAILED}:{}:{kind}", job.order_id),
        kind: WRITEBACK_FAILED,
        severity: if kind == "ship" { Severity::Critical } else { Severity::Warning },
        shop: Some(job.shop.clone()),
        platform: None,
        order_id: Some(job.order_id.clone()),
        reason: format!("The {kind} write-back of order {} failed (job {}): {answer}", job.order_id, job.id),
        action: "Correct what the platform refused (a carrier code, a tracking number, the order's state) and send \
                 it again from the order's page or the API; it closes once one succeeds."
            .to_string(),
    }
}

fn unreadable_order(order: &orderhub_store::UnreadOrder) -> AttentionCause {
    let shop = &order.shop;
    let number = if order.order_number.is_empty() { "(no number)" } else { order.order_number.as_str() };
    AttentionCause {
        cause: format!("{UNREADABLE_ORDER}:{shop}:{}", order.order_number),
        kind: UNREADABLE_ORDER,
        severity: Severity::Warning,
        shop: Some(shop.clone()),
        platform: None,
        order_id: None,
        reason: format!(
            "Order {number} of shop {shop} could not be read at {:.0}: {}. Its payload is kept.",
            order.recorded_at, order.error
        ),
        action: format!(
            "It is read again by the next sync that lists it, or now with `orderhub fetch --shop {shop} {number}`; \
             if the platform keeps sending it this way, report the payload (kept in the store's bad_orders)."
        ),
    }
}

impl crate::Hub {
    /// Sweeps the attention list now over the hub's shops.
    pub async fn sweep_attention(&self) -> Result<Reconciled, StoreError> {
        let shops: Vec<SweptShop<'_>> = self
            .shops()
            .iter()
            .map(|shop| SweptShop {
                key: shop.key(),
                platform: shop.sync.connector.platform().as_str(),
                sync_every: shop.sync_every,
                deadline: shop.sync.ship_deadline,
            })
            .collect();
        sweep(&self.store, &shops, Timestamp::now()).await
    }

    /// Sweeps every [`SWEEP_EVERY`], and as soon as a sync run or a
    /// write-back ends, until the hub shuts down, logging each item opened
    /// and closed. A failed sweep (the store unavailable) is logged and
    /// tried again at the next.
    pub fn spawn_attention_sweeper(self: &std::sync::Arc<Self>) {
        let hub = self.clone();
        self.spawn_tracked(async move {
            let mut ticks = tokio::time::interval(SWEEP_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    () = hub.attention_due.notified() => {}
                    () = hub.stopping() => return,
                }
                match hub.sweep_attention().await {
                    Ok(done) => log_reconciled(&done),
                    Err(error) => tracing::warn!(%error, "the attention sweep failed; it runs again shortly"),
                }
            }
        });
    }
}

fn log_reconciled(done: &Reconciled) {
    for item in &done.opened {
        tracing::warn!(id = item.id, kind = %item.kind, shop = item.shop.as_deref().unwrap_or(""), reason = %item.reason, "needs attention");
    }
    for item in &done.closed {
        tracing::info!(id = item.id, kind = %item.kind, shop = item.shop.as_deref().unwrap_or(""), "attention item closed: its cause cleared");
    }
}

/// A span in words a person reads: `3 d 4 h`, `2 h 5 min`, `40 s`.
pub fn words(span: SignedDuration) -> String {
    let seconds = span.as_secs().max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60);
    match () {
        _ if days > 0 => format!("{days} d {hours} h"),
        _ if hours > 0 => format!("{hours} h {minutes} min"),
        _ if minutes > 0 => format!("{minutes} min"),
        _ => format!("{seconds} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_as_words() {
        assert_eq!(words(SignedDuration::from_secs(40)), "40 s");
        assert_eq!(words(SignedDuration::from_secs(125)), "2 min");
        assert_eq!(words(SignedDuration::from_secs(2 * 3600 + 300)), "2 h 5 min");
        assert_eq!(words(SignedDuration::from_secs(3 * 86_400 + 4 * 3600)), "3 d 4 h");
    }

    #[test]
    fn a_shop_is_stalled_after_three_of_its_intervals() {
        let now: Timestamp = "2026-12-07T12:00:00Z".parse().unwrap();
        let shop =
            SweptShop { key: "belment", platform: "shoptima", sync_every: Duration::from_secs(60), deadline: None };
        let ago = |secs| Some(now.checked_sub(SignedDuration::from_secs(secs)).unwrap());
        let age = |ok, first| orderhub_store::SyncAge { last_ok_at: ok, first_run_at: first, last_error: None };
        assert_eq!(shop_stalled(&shop, &age(ago(180), ago(9_999)), now), None);
        let stalled = shop_stalled(&shop, &age(ago(181), ago(9_999)), now).unwrap();
        assert_eq!((stalled.cause.as_str(), stalled.severity), ("shop_stalled:belment", Severity::Warning));
        assert!(stalled.reason.contains("last synced 3 min ago"), "{}", stalled.reason);
        // Never synced: stalled once it has tried for that long; a shop never tried is not.
        assert!(shop_stalled(&shop, &age(None, ago(181)), now).unwrap().reason.contains("has not synced once"));
        assert_eq!(shop_stalled(&shop, &age(None, ago(100)), now), None);
        assert_eq!(shop_stalled(&shop, &age(None, None), now), None);
    }
}
