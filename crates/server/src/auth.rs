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

/// A write-back job as a caller without the `pii` scope may see it: an
/// address change's phone, email and street masked as an order's are.
pub fn mask_job(job: &mut orderhub_store::OutboxJob) {
    orderhub_model::masking::mask_party(&mut job.request);
}

#[cfg(test)]
mod tests {
    use super::*;

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
