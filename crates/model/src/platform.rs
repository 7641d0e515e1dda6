//! The platforms orderhub speaks to. Adding one adds a variant here and a folder
//! in the connectors crate.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A sales platform, by the key used in configuration and in hub ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Westmonth (西月) open API v2.
    Westmonth,
    /// Wshoto (微盛) mall open API.
    Wshoto,
    /// VanMall (Fecmall-based store) open API.
    Vanmall,
    /// Shoptima open API v1.
    Shoptima,
    /// Damaijia (大麦家) relay for Douyin shops.
    Damaijia,
}

impl Platform {
    /// Every platform, in the order the documentation lists them.
    pub const ALL: [Platform; 5] =
        [Platform::Westmonth, Platform::Wshoto, Platform::Vanmall, Platform::Shoptima, Platform::Damaijia];

    /// The key used in configuration files and hub ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Westmonth => "westmonth",
            Platform::Wshoto => "wshoto",
            Platform::Vanmall => "vanmall",
            Platform::Shoptima => "shoptima",
            Platform::Damaijia => "damaijia",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A platform key that orderhub does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown platform {0:?}: expected one of westmonth, wshoto, vanmall, shoptima, damaijia")]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| UnknownPlatform(s.to_string()))
    }
}
