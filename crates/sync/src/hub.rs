//! The hub: every configured shop with its connector, and the background work
//! a long-running `orderhub serve` does over them (scheduled syncs, the
//! write-back outbox, webhooks). The API asks it to sync, fetch and queue
//! write-backs; it makes sure one shop is never synced twice at once.

use crate::{ShopSync, SyncError, SyncReport, due_for_scheduled_sync, fetch_orders, sync_shop};
use jiff::SignedDuration;
use orderhub_connectors::Connector;
use orderhub_store::{Store, WriteStats};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

/// A paused shop (refused token, spent quota) is tried again this often.
pub const RETRY_PAUSED_AFTER: SignedDuration = SignedDuration::from_hours(1);

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
    shops: Vec<HubShop>,
    /// Wakes the outbox worker when a job is queued.
    pub(crate) outbox_queued: Notify,
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
        Arc::new(Hub { store, shops, outbox_queued: Notify::new() })
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

    /// Syncs a shop now, waiting for a sync of it that is already running to
    /// end first.
    pub async fn sync_now(&self, key: &str) -> Result<SyncReport, SyncError> {
        let shop = self.configured(key)?;
        let _running = shop.running.lock().await;
        sync_shop(&self.store, &shop.sync, &|_, _, _| {}).await
    }

    /// Starts a sync of a shop in the background, unless one is running.
    pub fn start_sync(self: &Arc<Self>, key: &str) -> StartSync {
        let Some(shop) = self.shop(key) else { return StartSync::NoSuchShop };
        if shop.is_syncing() {
            return StartSync::AlreadyRunning;
        }
        let (hub, key) = (self.clone(), key.to_string());
        tokio::spawn(async move {
            if let Err(error) = hub.sync_now(&key).await {
                tracing::error!(%error, "requested sync failed");
            }
        });
        StartSync::Started
    }

    /// Fetches orders by number into the store; returns the numbers the
    /// platform does not know.
    pub async fn fetch(&self, key: &str, numbers: &[String]) -> Result<(WriteStats, Vec<String>), SyncError> {
        let shop = self.configured(key)?;
        fetch_orders(&self.store, shop.connector(), numbers, shop.sync.retry).await
    }

    /// Syncs every shop now and then every `sync_every`, until the process
    /// ends. A paused shop is skipped, but tried once an hour.
    pub fn spawn_schedulers(self: &Arc<Self>) {
        for index in 0..self.shops.len() {
            let hub = self.clone();
            tokio::spawn(async move {
                let shop = &hub.shops[index];
                let mut ticks = tokio::time::interval(shop.sync_every);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    match due_for_scheduled_sync(&hub.store, shop.key(), RETRY_PAUSED_AFTER).await {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(error) => {
                            tracing::error!(%error, "cannot read the shop's state");
                            continue;
                        }
                    }
                    match hub.sync_now(shop.key()).await {
                        Ok(report) => tracing::info!(
                            shop = %shop.key(), new = report.orders.new, changed = report.orders.changed, "synced"
                        ),
                        Err(error) => tracing::error!(%error, "sync failed; retrying at the next interval"),
                    }
                }
            });
        }
    }
}
