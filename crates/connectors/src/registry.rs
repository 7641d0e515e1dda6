//! Platform key → connector. Adding a platform adds its folder and one line in
//! [`connect`].

use crate::{Connector, ConnectorError, Secret, damaijia, shoptima, vanmall, westmonth, wshoto};
use jiff::tz::TimeZone;
use orderhub_model::Platform;
use std::time::Duration;

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
    Ok(match settings.platform {
        Platform::Shoptima => Box::new(shoptima::ShoptimaConnector::new(settings)?),
        Platform::Wshoto => Box::new(wshoto::WshotoConnector::new(settings)?),
        Platform::Westmonth => Box::new(westmonth::WestmonthConnector::new(settings)?),
        Platform::Damaijia => Box::new(damaijia::DamaijiaConnector::new(settings)?),
        Platform::Vanmall => Box::new(vanmall::VanmallConnector::new(settings)?),
    })
}
