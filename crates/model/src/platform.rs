//! A platform, by its key. Which platforms exist is the connectors'
//! registry's to say (`orderhub_connectors::registry`): the model only
//! carries the key, so that adding a platform touches nothing here.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// A sales platform, by the key used in configuration and in hub ids
/// (`shoptima`). Copied freely: it is the key's one interned text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform(&'static str);

impl Platform {
    /// The platform of a key written in the code (a connector's own).
    pub const fn new(key: &'static str) -> Platform {
        Platform(key)
    }

    /// The platform of `key`, whichever it is, its text kept once per
    /// process. Only keys read from the store, or checked against the
    /// registry first, come here: each distinct key is kept for good.
    pub fn intern(key: &str) -> Platform {
        static KEYS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let mut keys = KEYS.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match keys.get(key) {
            Some(&kept) => Platform(kept),
            None => {
                let kept: &'static str = Box::leak(key.to_string().into_boxed_str());
                keys.insert(kept);
                Platform(kept)
            }
        }
    }

    /// The key used in configuration files and hub ids.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Platform, D::Error> {
        let key = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Platform::intern(&key))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Platform {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A platform key: `GET /api/v1/platforms` lists the platforms this hub knows."))
            .examples([serde_json::json!("shoptima")])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Platform {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_kept_once_and_reads_back_as_itself() {
        let a = Platform::intern("wshoto");
        let b: Platform = serde_json::from_str("\"wshoto\"").unwrap();
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()), "one text per key");
        assert_eq!(a, Platform::new("wshoto"));
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"wshoto\"");
        assert_eq!(a.to_string(), "wshoto");
        assert_eq!(format!("{a:?}"), "wshoto");
    }
}
