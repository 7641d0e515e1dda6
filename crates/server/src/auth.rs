//! API keys: creating them, checking them on every `/api` request, and what
//! a key without the `pii` scope may not see.
//!
//! A key is `ohk_` and 64 hex digits (256 random bits). Only its SHA-256 is
//! stored; a fast hash is enough for keys this long (nobody guesses them), and
//! it lets a request find its key with one indexed read.

use crate::ApiError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use orderhub_store::{ApiKey, Store, StoreError};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;

/// What a key may do. `read` ⊂ `write` ⊂ `admin`; `pii` is separate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Read orders, events, shops, runs.
    Read,
    /// Also ship, change orders on platforms, fetch and sync shops.
    Write,
    /// Also list keys and webhook state.
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        [Scope::Read, Scope::Write, Scope::Admin].into_iter().find(|s| s.as_str() == text)
    }
}

/// Who is calling: their key's highest scope and whether it sees PII.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: i64,
    pub key_name: String,
    pub scope: Scope,
    pub pii: bool,
}

impl Caller {
    /// Refuses with 403 unless the key has `scope` (or a higher one).
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scope >= scope {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "this needs a key with the {} scope; key {:?} has {}: create one with `orderhub keys create --scope {}`",
            scope.as_str(),
            self.key_name,
            self.scope.as_str(),
            scope.as_str()
        )))
    }
}

/// A new key and what to store of it: (key, prefix, hash).
pub fn new_key() -> (String, String, String) {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).expect("the system's random source works");
    let key = format!("ohk_{}", hex(&bytes));
    let prefix = key[..12].to_string();
    let hash = hash_key(&key);
    (key, prefix, hash)
}

/// The stored form of a key.
pub fn hash_key(key: &str) -> String {
    hex(digest(&SHA256, key.as_bytes()).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a key with `scope` (and `pii`): returns the key, shown once, and
/// its stored record.
pub async fn create_key(store: &Store, name: &str, scope: Scope, pii: bool) -> Result<(String, ApiKey), StoreError> {
    let (key, prefix, hash) = new_key();
    let mut scopes = vec![scope.as_str().to_string()];
    if pii {
        scopes.push("pii".into());
    }
    let record = store.insert_api_key(name, &prefix, &hash, &scopes).await?;
    Ok((key, record))
}

/// Middleware over `/api`: finds the caller's key (`Authorization: Bearer
/// KEY`, or `X-Api-Key: KEY`) and puts the [`Caller`] in the request.
pub async fn authenticate(State(store): State<Store>, mut request: Request, next: Next) -> Result<Response, ApiError> {
    let headers = request.headers();
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .map(str::trim);
    let Some(presented) = presented.filter(|k| !k.is_empty()) else {
        return Err(ApiError::Unauthorized(
            "this route needs an API key: send `Authorization: Bearer <key>`; create a key with \
             `orderhub keys create --scope read`"
                .into(),
        ));
    };
    let Some(key) = store.api_key_by_hash(&hash_key(presented)).await? else {
        return Err(ApiError::Unauthorized(
            "the API key is not known or was revoked: `orderhub keys list` shows the keys; create one with \
             `orderhub keys create`"
                .into(),
        ));
    };
    let scope = key.scopes.iter().filter_map(|s| Scope::parse(s)).max().unwrap_or(Scope::Read);
    let caller = Caller { key_id: key.id, pii: key.scopes.iter().any(|s| s == "pii"), key_name: key.name, scope };
    request.extensions_mut().insert(caller);
    Ok(next.run(request).await)
}

/// What stands in for the platform payload when the caller may not see PII:
/// payloads carry buyer data in platform-specific places, so none is shown.
const RAW_WITHHELD: &str = "withheld: the platform payload holds buyer data; it needs a key with the pii scope";

/// Masks a canonical order's JSON text for a caller without the `pii`
/// scope: buyer and receiver name, phone, email and street address are
/// masked; the raw payload is withheld. Country, province and city stay
/// (operations need them, and they identify nobody).
///
/// Only the two parties are read into trees; every other field is copied as
/// the text it is, in its order, and the payload (most of a document's
/// bytes) is skipped over, never read into a tree.
pub fn mask_document(json: &str) -> Result<String, serde_json::Error> {
    let fields: TopLevelFields<'_> = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len().min(4096));
    out.push('{');
    for (index, (name, value)) in fields.0.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(name)?);
        out.push(':');
        match name.as_str() {
            "customer" | "shipping_address" => {
                let mut party: Value = serde_json::from_str(value.get())?;
                mask_party(&mut party);
                out.push_str(&serde_json::to_string(&party)?);
            }
            "raw" => out.push_str(&serde_json::to_string(RAW_WITHHELD)?),
            _ => out.push_str(value.get()),
        }
    }
    out.push('}');
    Ok(out)
}

/// A JSON object's fields in their order, each value as its text.
struct TopLevelFields<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'de> serde::Deserialize<'de> for TopLevelFields<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = TopLevelFields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(32);
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(TopLevelFields(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// Masks the `customer` and `shipping_address` values of changes (events).
pub fn mask_changes(changes: &mut Value) {
    let Some(list) = changes.as_array_mut() else { return };
    for change in list {
        let field = change.get("field").and_then(Value::as_str).unwrap_or_default();
        if field == "customer" || field == "shipping_address" {
            for side in ["from", "to"] {
                if let Some(value) = change.get_mut(side) {
                    mask_party(value);
                }
            }
        }
    }
}

/// A write-back job as a caller without the `pii` scope may see it: an
/// address change's phone, email and street masked as an order's are.
pub fn mask_job(job: &mut orderhub_store::OutboxJob) {
    mask_party(&mut job.request);
}

fn mask_party(party: &mut Value) {
    let Some(fields) = party.as_object_mut() else { return };
    for (name, value) in fields.iter_mut() {
        let Value::String(text) = value else { continue };
        let masked = match name.as_str() {
            "phone" => mask_phone(text),
            "email" => mask_email(text),
            "name" | "address1" | "address2" | "postal_code" | "company" => mask_text(text),
            _ => continue,
        };
        *value = Value::String(masked);
    }
}

/// `13812345678` → `138****5678`; short numbers are masked whole.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (&chars[..3], &chars[chars.len() - 4..]);
    format!("{}{}{}", head.iter().collect::<String>(), "*".repeat(chars.len() - 7), tail.iter().collect::<String>())
}

/// `jane.doe@example.com` → `j***@example.com`.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => mask_text(email),
    }
}

/// The first character and `***`: `张三` → `张***`.
fn mask_text(text: &str) -> String {
    match text.chars().next() {
        Some(first) => format!("{first}***"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_what_identifies_a_buyer() {
        let order = json!({
            "customer": {"id": "9", "name": "张三", "email": "jane.doe@example.com", "phone": "13812345678"},
            "shipping_address": {"name": "Jane", "phone": "+1 408 555 0100", "city": "San Jose",
                                 "address1": "1 Main St", "postal_code": "95131", "country_code": "US"},
            "raw": {"buyer_phone": "13812345678"}
        });
        let order: Value = serde_json::from_str(&mask_document(&order.to_string()).unwrap()).unwrap();
        assert_eq!(order["customer"]["name"], "张***");
        assert_eq!(order["customer"]["email"], "j***@example.com");
        assert_eq!(order["customer"]["phone"], "138****5678");
        assert_eq!(order["customer"]["id"], "9");
        assert_eq!(order["shipping_address"]["phone"], "+1 ********0100");
        assert_eq!(order["shipping_address"]["address1"], "1***");
        assert_eq!(order["shipping_address"]["city"], "San Jose");
        assert_eq!(order["raw"], RAW_WITHHELD);
        assert!(!order.to_string().contains("13812345678"), "{order}");
    }

    #[test]
    fn keys_are_long_random_and_stored_hashed() {
        let (a, prefix, hash) = new_key();
        let (b, _, _) = new_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 68);
        assert!(a.starts_with(&prefix));
        assert_eq!(hash, hash_key(&a));
        assert!(!hash.contains(&a[4..]));
    }
}
