//! The platforms orderhub knows: each one's key, label, colour, what it can
//! do and how to connect to a shop of it. Everything that lists platforms
//! (configuration, the API, the dashboard, the sandbox's shops) reads this.
//! Adding a platform adds its folder, with its [`PlatformEntry`], and one
//! line in [`BUILT_IN`]; a platform compiled elsewhere (a test's) is added
//! at run time with [`register`].

use crate::{Capabilities, Connector, ConnectorError, Secret, damaijia, shoptima, vanmall, westmonth, wshoto};
use jiff::tz::TimeZone;
use orderhub_model::Platform;
use std::sync::RwLock;
use std::time::Duration;

/// What orderhub knows of one platform.
pub struct PlatformEntry {
    pub platform: Platform,
    /// Its name as people know it.
    pub label: &'static str,
    /// Its colour in the dashboard's charts (CSS).
    pub colour: &'static str,
    /// What its orders are to the seller: sales (a sales channel) or
    /// purchases (a supplier the seller buys from, as Westmonth is).
    pub role: orderhub_model::Role,
    /// What it can do with a shop's default settings.
    pub capabilities: Capabilities,
    /// Where a shop must give the platform's own shop id (`remote_shop_id`):
    /// what it is, as in "a damaijia shop needs the Douyin shop_id".
    pub remote_shop_id: Option<&'static str>,
    /// A connector for one shop.
    pub connect: fn(ShopSettings) -> Result<Box<dyn Connector>, ConnectorError>,
}

/// The platforms built in, in the order the documentation lists them.
pub static BUILT_IN: [&PlatformEntry; 5] =
    [&westmonth::ENTRY, &wshoto::ENTRY, &vanmall::ENTRY, &shoptima::ENTRY, &damaijia::ENTRY];

/// Platforms added at run time, after the built-in ones.
static ADDED: RwLock<Vec<&'static PlatformEntry>> = RwLock::new(Vec::new());

/// Adds a platform compiled outside this crate (a test's); a second entry
/// with the key of a known one is ignored.
pub fn register(entry: &'static PlatformEntry) {
    let mut added = ADDED.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !BUILT_IN.iter().chain(added.iter()).any(|known| known.platform == entry.platform) {
        added.push(entry);
    }
}

/// Every platform orderhub knows.
pub fn platforms() -> Vec<&'static PlatformEntry> {
    let added = ADDED.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    BUILT_IN.iter().copied().chain(added.iter().copied()).collect()
}

/// The platform of `key`, if orderhub knows it.
pub fn entry(key: &str) -> Option<&'static PlatformEntry> {
    platforms().into_iter().find(|entry| entry.platform.as_str() == key)
}

/// The platform of `key`, checked against the known ones.
pub fn platform(key: &str) -> Result<Platform, UnknownPlatform> {
    entry(key).map(|entry| entry.platform).ok_or_else(|| UnknownPlatform(key.to_string()))
}

/// A platform key that orderhub does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown platform {0:?}: expected one of {known}", known = known_keys())]
pub struct UnknownPlatform(pub String);

/// The known platforms' keys, for messages: `westmonth, wshoto, …`.
pub fn known_keys() -> String {
    platforms().iter().map(|entry| entry.platform.as_str()).collect::<Vec<_>>().join(", ")
}

/// Everything a connector needs to talk to one shop, already validated.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    /// The configured shop key.
    pub shop: String,
    pub platform: Platform,
    /// Everything before the document's endpoint path.
    pub base_url: String,
    pub token: Secret,
    /// The word before the token in the `Authorization` header, where the
    /// platform's document leaves it open (Shoptima); empty sends the bare token.
    pub auth_scheme: Option<String>,
    /// The zone of the platform's wall-clock times.
    pub timezone: TimeZone,
    /// Damaijia only: the Douyin `shop_id`.
    pub remote_shop_id: Option<String>,
    /// Where the shop's sync starts; Damaijia requires a creation-time lower
    /// bound on every list request and takes it from here.
    pub sync_from: Option<jiff::Timestamp>,
    /// Page size to ask for; `None` asks for the platform's largest.
    pub page_size: Option<u32>,
    /// Per-request time limit.
    pub timeout: Duration,
    /// At most this many requests per this span, e.g. `(10, 1s)`; `None` for no limit.
    pub rate_limit: Option<(u32, Duration)>,
}

/// The connector for a shop's platform.
pub fn connect(settings: ShopSettings) -> Result<Box<dyn Connector>, ConnectorError> {
    let platform = settings.platform;
    match entry(platform.as_str()) {
        Some(entry) => (entry.connect)(settings),
        None => Err(ConnectorError::Config(UnknownPlatform(platform.to_string()).to_string())),
    }
}
