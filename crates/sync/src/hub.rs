//! The hub: every configured shop with its connector, and the background work
//! a long-running `orderhub serve` does over them (scheduled syncs, the
//! write-back outbox, webhooks). The API asks it to sync, fetch and queue
//! write-backs; it makes sure one shop is never synced twice at once.
//!
//! Several `orderhub serve` processes may share one database (PostgreSQL):
//! each is a worker with its own name, and a shop's sync (or a webhook's
//! deliveries) is done by whichever worker holds its lease in the store. A
//! worker renews its lease while it works. A worker that stops cleanly
//! ([`Hub::shutdown`]) gives its leases back at once; one that dies leaves
//! them to lapse after [`LEASE`]. A worker refused a shop because another
//! holds it watches the lease ([`TAKE_OVER_POLL`]) and takes the shop over
//! as soon as it is free and its run did not end.

use crate::{ShopSync, SyncError, SyncReport, due_for_scheduled_sync, fetch_orders, sync_shop_until};
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{Connector, ErrorKind};
use orderhub_store::{Store, WriteStats};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify, watch};
use tokio::task::JoinHandle;

/// A paused shop (refused token, spent quota) is tried again this often.
pub const RETRY_PAUSED_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// How long a worker's lease on a shop or a webhook lasts unless renewed: the
/// longest a dead worker's work waits before another worker takes it over.
/// Leases are renewed every third of it.
pub const LEASE: Duration = Duration::from_secs(15);

/// How often a worker refused a shop (another worker holds its lease) looks
/// whether that lease was given back or lapsed, to take the shop over.
pub const TAKE_OVER_POLL: Duration = Duration::from_secs(1);

pub(crate) fn lease_ms() -> i64 {
    LEASE.as_millis() as i64
}

/// One shop of the hub.
pub struct HubShop {
    pub sync: ShopSync,
    /// How often the scheduler syncs it.
    pub sync_every: Duration,
    /// Held while the shop syncs: the scheduler and the API share it.
    running: Mutex<()>,
}

impl HubShop {
    pub fn key(&self) -> &str {
        self.sync.connector.shop()
    }

    pub fn connector(&self) -> &dyn Connector {
        self.sync.connector.as_ref()
    }

    /// True while a sync of this shop runs.
    pub fn is_syncing(&self) -> bool {
        self.running.try_lock().is_err()
    }
}

/// Every shop over one store.
pub struct Hub {
    pub store: Store,
    /// This worker's name in the store's leases: host, process and start time.
    pub worker: String,
    shops: Vec<HubShop>,
    /// Wakes the outbox worker when a job is queued.
    pub(crate) outbox_queued: Notify,
    /// Wakes the attention sweep when a cause may have come or gone (a sync
    /// run or a write-back ended), so that items open and close at once.
    pub(crate) attention_due: Notify,
    /// Set once when the process stops: every background task ends.
    stopping: watch::Sender<bool>,
    /// The background tasks, which [`Hub::shutdown`] waits for.
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

/// Why the hub did not start a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartSync {
    Started,
    AlreadyRunning,
    NoSuchShop,
}

impl Hub {
    /// A hub over `shops`: each with its sync settings and schedule.
    pub fn new(store: Store, shops: Vec<(ShopSync, Duration)>) -> Arc<Hub> {
        let shops =
            shops.into_iter().map(|(sync, sync_every)| HubShop { sync, sync_every, running: Mutex::new(()) }).collect();
        Arc::new(Hub {
            store,
            shops,
            worker: worker_name(),
            outbox_queued: Notify::new(),
            attention_due: Notify::new(),
            stopping: watch::Sender::new(false),
            tasks: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Completes once [`Hub::shutdown`] is called.
    pub fn stopping(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stopping = self.stopping.subscribe();
        async move {
            let _ = stopping.wait_for(|stopping| *stopping).await;
        }
    }

    /// Runs a background task of the hub, which [`Hub::shutdown`] waits for.
    pub(crate) fn spawn_tracked(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().expect("the task list lock is never poisoned");
        tasks.retain(|task| !task.is_finished());
        tasks.push(tokio::spawn(task));
    }

    /// Runs `work` (which takes and renews the store's lease `lease` while it
    /// works: a webhook's deliveries, a sink's publishing, an alert) until
    /// it ends or the hub shuts down, then gives the lease back, so that
    /// another worker takes the work over at once instead of after it lapses.
    pub(crate) fn spawn_under_lease(self: &Arc<Self>, lease: String, work: impl Future<Output = ()> + Send + 'static) {
        let hub = self.clone();
        self.spawn_tracked(async move {
            tokio::select! {
                () = work => {}
                () = hub.stopping() => {}
            }
            if let Err(error) = hub.store.release_lease(&lease, &hub.worker).await {
                tracing::warn!(%lease, %error, "cannot give the lease back; it lapses by itself");
            }
        });
    }

    /// Stops the hub's work and gives it back: schedulers and deliveries
    /// end, a running sync stops between pages (its page transaction rolls
    /// back, its run is recorded `interrupted`), write-back jobs in hand go
    /// back to the queue, and every lease is released, so that another
    /// worker takes over at once. Waits for that at most `limit`; `false`
    /// when some task did not end in time (its leases then lapse).
    pub async fn shutdown(&self, limit: Duration) -> bool {
        self.stopping.send_replace(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().expect("the task list lock is never poisoned"));
        tokio::time::timeout(limit, futures_util::future::join_all(tasks)).await.is_ok()
    }

    pub fn shops(&self) -> &[HubShop] {
        &self.shops
    }

    pub fn shop(&self, key: &str) -> Option<&HubShop> {
        self.shops.iter().find(|s| s.key() == key)
    }

    /// The shop with this key, or why there is none.
    fn configured(&self, key: &str) -> Result<&HubShop, SyncError> {
        self.shop(key).ok_or_else(|| SyncError::Unsupported {
            shop: key.to_string(),
            reason: "no such shop is configured".into(),
        })
    }

    /// Syncs a shop now, waiting for a sync of it in this process that is
    /// already running to end first; refused (`SyncError::Elsewhere`) while
    /// another worker on the same database holds the shop's lease, and
    /// stopped (`SyncError::Stopped`) when the hub shuts down. Logs one line
    /// for the run.
    pub async fn sync_now(&self, key: &str) -> Result<SyncReport, SyncError> {
        let shop = self.configured(key)?;
        let _running = shop.running.lock().await;
        let started = std::time::Instant::now();
        let run = sync_shop_until(&self.store, &shop.sync, &|_| {}, self.stopping());
        let result = under_shop_lease(&self.store, key, &self.worker, run).await;
        log_run(key, &result, started.elapsed());
        self.attention_due.notify_one();
        result
    }

    /// Starts a sync of a shop in the background, unless one is running.
    pub fn start_sync(self: &Arc<Self>, key: &str) -> StartSync {
        let Some(shop) = self.shop(key) else { return StartSync::NoSuchShop };
        if shop.is_syncing() {
            return StartSync::AlreadyRunning;
        }
        let (hub, key) = (self.clone(), key.to_string());
        self.spawn_tracked(async move {
            let _ = hub.sync_now(&key).await;
        });
        StartSync::Started
    }

    /// Fetches orders by number into the store; returns the numbers the
    /// platform does not know.
    pub async fn fetch(&self, key: &str, numbers: &[String]) -> Result<(WriteStats, Vec<String>), SyncError> {
        let shop = self.configured(key)?;
        fetch_orders(&self.store, shop.connector(), numbers, shop.sync.retry).await
    }

    /// Syncs every shop now and then every `sync_every`, until the hub
    /// shuts down. A paused shop is skipped, but tried once an hour.
    pub fn spawn_schedulers(self: &Arc<Self>) {
        for index in 0..self.shops.len() {
            let hub = self.clone();
            self.spawn_tracked(async move { hub.schedule(index).await });
        }
    }

    async fn schedule(&self, index: usize) {
        let shop = &self.shops[index];
        let mut ticks = tokio::time::interval(shop.sync_every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = self.stopping() => return,
            }
            match due_for_scheduled_sync(&self.store, shop.key(), RETRY_PAUSED_AFTER).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => {
                    tracing::error!(%error, "cannot read the shop's state");
                    continue;
                }
            }
            let mut refused_at = Timestamp::now();
            while let Err(SyncError::Elsewhere { .. }) = self.sync_now(shop.key()).await {
                match self.wait_for_holder(shop.key(), refused_at).await {
                    Holder::Finished | Holder::Stopping => break,
                    Holder::Gone => refused_at = Timestamp::now(),
                }
            }
        }
    }

    /// Watches the lease of a shop another worker syncs until it is free:
    /// `Finished` when that worker's run ended (ok or failed: the schedule
    /// was kept), `Gone` when it stopped or died mid-run (take it over).
    async fn wait_for_holder(&self, key: &str, refused_at: Timestamp) -> Holder {
        let lease = format!("shop:{key}");
        loop {
            tokio::select! {
                () = tokio::time::sleep(TAKE_OVER_POLL) => {}
                () = self.stopping() => return Holder::Stopping,
            }
            match self.store.lease_holder(&lease).await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(shop = key, %error, "cannot read the shop's lease");
                    continue;
                }
            }
            let last = self.store.runs(Some(key), 1).await.ok().and_then(|runs| runs.into_iter().next());
            let kept = last.is_some_and(|run| {
                matches!(run.outcome.as_str(), "ok" | "failed") && run.ended_at.is_some_and(|at| at >= refused_at)
            });
            return if kept { Holder::Finished } else { Holder::Gone };
        }
    }
}

/// What became of the worker that held a shop's lease.
enum Holder {
    Finished,
    Gone,
    Stopping,
}

/// One log line per sync run: the shop, how it ended, what it stored, its
/// calls and its duration; a pause says so, with the platform's reason.
fn log_run(shop: &str, result: &Result<SyncReport, SyncError>, took: Duration) {
    let ms = took.as_millis() as u64;
    match result {
        Ok(report) => tracing::info!(
            shop,
            result = "ok",
            new = report.orders.new,
            changed = report.orders.changed,
            unchanged = report.orders.unchanged,
            bad = report.orders.bad,
            calls = report.api_calls,
            ms,
            "sync run"
        ),
        Err(SyncError::Elsewhere { holder, .. }) => tracing::debug!(shop, %holder, "another worker syncs the shop"),
        Err(SyncError::Stopped { .. }) => tracing::info!(shop, result = "stopped", ms, "sync run"),
        Err(error) => match error.connector_error().map(|e| e.kind()) {
            Some(ErrorKind::Auth | ErrorKind::Quota) => tracing::warn!(
                shop,
                result = "paused",
                %error,
                "sync run; the shop is paused until it is fixed (retried hourly; `orderhub shops` says why)"
            ),
            _ => tracing::error!(shop, result = "failed", %error, ms, "sync run; retried at the next interval"),
        },
    }
}

/// Runs `work` (a sync of `shop`) holding the shop's lease for `worker`,
/// renewed while it runs and released after; refused with
/// `SyncError::Elsewhere` while another worker holds it.
///
/// `orderhub sync` on the command line does not come through here: a run
/// killed mid-sync would leave its lease behind, and the next run (a user
/// restarting it at once) would be refused for up to [`LEASE`].
pub async fn under_shop_lease<T>(
    store: &Store,
    shop: &str,
    worker: &str,
    work: impl std::future::Future<Output = Result<T, SyncError>>,
) -> Result<T, SyncError> {
    let lease = format!("shop:{shop}");
    let store_error = |source| SyncError::Store { shop: shop.to_string(), source };
    if let Some(holder) = store.acquire_lease(&lease, worker, lease_ms()).await.map_err(store_error)? {
        return Err(SyncError::Elsewhere { shop: shop.to_string(), holder });
    }
    let renew = async {
        loop {
            tokio::time::sleep(LEASE / 3).await;
            match store.acquire_lease(&lease, worker, lease_ms()).await {
                Ok(None) => {}
                Ok(Some(holder)) => tracing::warn!(shop, %holder, "lost the shop's lease mid-sync"),
                Err(error) => tracing::warn!(shop, %error, "cannot renew the shop's lease"),
            }
        }
    };
    let result = tokio::select! {
        result = work => result,
        never = renew => match never {},
    };
    if let Err(error) = store.release_lease(&lease, worker).await {
        tracing::warn!(shop, %error, "cannot release the shop's lease; it lapses by itself");
    }
    result
}

/// A name for this worker that no other process on any machine shares: the
/// host's name, the process id and the start time.
pub fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "orderhub".into());
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{host}-{}-{started}", std::process::id())
}
