//! One file per command; shared plumbing here.

pub mod attention;
pub mod backup;
pub mod bench;
pub mod bench_api;
pub mod bench_sim;
pub mod bench_sinks;
pub mod copy;
pub mod demo;
pub mod doctor;
pub mod fetch;
pub mod keys;
pub mod migrate;
pub mod orders;
pub mod restore;
pub mod runs;
pub mod sandbox;
pub mod serve;
pub mod ship;
pub mod shops;
pub mod sinks;
pub mod sync;
pub mod verify;

use crate::config::{self, Config, ConfigError, ShopConfig};
use crate::{Context, store_lock};
use anyhow::Context as _;
use jiff::SignedDuration;
use orderhub_store::Store;
use orderhub_sync::ShopSync;

/// An error already printed to stderr; `main` only sets the exit code.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AlreadyReported(pub String);

/// Reads the configuration named by `--config`.
pub fn load_config(context: &Context) -> Result<Config, ConfigError> {
    config::load(&context.config_path)
}

/// Opens the store named by the configuration, holding its SQLite file's
/// shared lock (`store_lock`) until the process ends.
pub async fn open_store(url: &str) -> anyhow::Result<Store> {
    if let Some(path) = store_lock::sqlite_path(url) {
        static HELD: std::sync::Mutex<Vec<store_lock::StoreLock>> = std::sync::Mutex::new(Vec::new());
        match store_lock::shared(&path) {
            Ok(store_lock::Locked::Held(lock)) => HELD.lock().expect("never poisoned").push(lock),
            Ok(store_lock::Locked::Busy) => anyhow::bail!(
                "the order store {}: a restore into it is running; try again when `orderhub restore` ends",
                path.display()
            ),
            // A directory that is not writable, say: the store's own open says more.
            Err(error) => tracing::debug!(%error, "cannot take the store's lock"),
        }
    }
    Store::open(url).await.context("the order store")
}

/// The configured shop with this key, or a usage error listing the keys.
pub fn find_shop<'a>(config: &'a Config, context: &Context, key: &str) -> Result<&'a ShopConfig, ConfigError> {
    config.shops.iter().find(|s| s.key() == key).ok_or_else(|| {
        let keys: Vec<&str> = config.shops.iter().map(ShopConfig::key).collect();
        ConfigError {
            place: context.config_path.display().to_string(),
            key: None,
            message: if keys.is_empty() {
                format!("no shop {key:?}: no shops are configured")
            } else {
                format!("no shop {key:?}: configured shops are {}", keys.join(", "))
            },
        }
    })
}

/// The configured sink with this name, or a usage error listing the names.
pub fn find_sink<'a>(
    config: &'a Config,
    context: &Context,
    name: &str,
) -> Result<&'a orderhub_sync::Sink, ConfigError> {
    config.sinks.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = config.sinks.iter().map(|s| s.name.as_str()).collect();
        ConfigError {
            place: context.config_path.display().to_string(),
            key: None,
            message: format!("no sink {name:?}: configured sinks are [{}]", names.join(", ")),
        }
    })
}

/// A shop's connector and sync settings.
pub fn shop_sync(shop: &ShopConfig) -> anyhow::Result<ShopSync> {
    let connector: std::sync::Arc<dyn orderhub_connectors::Connector> =
        orderhub_connectors::connect(shop.settings.clone())?.into();
    let connector = match shop.ship_deadline {
        Some(deadline) => orderhub_sync::WithDeadlines::wrap(connector, deadline),
        None => connector,
    };
    Ok(ShopSync {
        connector,
        ship_deadline: shop.ship_deadline,
        sync_from: shop.sync_from,
        refresh_window: shop.refresh_window,
        overlap: SignedDuration::from_mins(10),
        retry: orderhub_sync::RetryPolicy::default(),
        max_in_flight: shop.max_in_flight,
    })
}
