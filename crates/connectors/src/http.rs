//! The HTTP toolkit every platform client uses: one reqwest client per shop,
//! transport errors turned into [`ConnectorError`]s without URLs (a URL may hold a
//! token in its query), and a count of the requests sent.

use crate::ConnectorError;
use orderhub_model::Platform;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// A platform's answer: its HTTP status and body, unread.
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// A reqwest client bound to one platform, counting what it sends and keeping
/// to the shop's rate limit.
#[derive(Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    platform: Platform,
    calls: AtomicU64,
    limiter: Option<governor::DefaultDirectRateLimiter>,
    /// The platform's clock minus ours, in ms, from the last answer's `Date` header.
    clock_offset_ms: AtomicI64,
    clock_known: AtomicBool,
}

/// Makes ring the process's TLS crypto provider. reqwest is built without one
/// (the default, aws-lc, doubles the build time), and panics at `Client::build`
/// when none is installed. Calling it again does nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl HttpClient {
    /// A client whose every request gives up after `timeout`, sending at most
    /// `rate_limit.0` requests per `rate_limit.1`, evenly spaced.
    pub fn new(
        platform: Platform,
        timeout: Duration,
        rate_limit: Option<(u32, Duration)>,
    ) -> Result<Self, ConnectorError> {
        let limiter = match rate_limit {
            None => None,
            Some((count, span)) => {
                let count = std::num::NonZeroU32::new(count).ok_or_else(|| {
                    ConnectorError::Config(format!("{platform}: a rate limit needs at least one request"))
                })?;
                // No burst: a platform's "10 per second" holds in every
                // second, and a burst of 10 followed by one every 100 ms
                // sends 20 in the first.
                let quota = governor::Quota::with_period(span / count.get()).ok_or_else(|| {
                    ConnectorError::Config(format!("{platform}: a rate limit needs a span above zero"))
                })?;
                Some(governor::RateLimiter::direct(quota))
            }
        };
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("orderhub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ConnectorError::Config(format!("{platform}: cannot build the HTTP client: {}", e.without_url()))
            })?;
        Ok(HttpClient {
            client,
            platform,
            calls: AtomicU64::new(0),
            limiter,
            clock_offset_ms: AtomicI64::new(0),
            clock_known: AtomicBool::new(false),
        })
    }

    /// Starts a request; finish it with [`HttpClient::send`].
    pub fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.client.request(method, url)
    }

    /// Sends the request and reads the whole body. Any HTTP status is an answer;
    /// only a missing or cut-off answer is an error here.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<HttpAnswer, ConnectorError> {
        let request = request
            .build()
            .map_err(|e| ConnectorError::Config(format!("{}: bad request: {}", self.platform, e.without_url())))?;
        let host = match request.url().port() {
            Some(port) => format!("{}:{port}", request.url().host_str().unwrap_or("?")),
            None => request.url().host_str().unwrap_or("?").to_string(),
        };
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let unreachable = |e: reqwest::Error| ConnectorError::Unreachable {
            platform: self.platform,
            host: host.clone(),
            detail: describe(e),
        };
        let mut response = self.client.execute(request).await.map_err(unreachable)?;
        self.note_platform_clock(response.headers());
        let status = response.status().as_u16();
        // The body's chunks copied once, into a buffer of the size the answer
        // announces (`bytes()` joined them into one buffer first, then it was
        // copied again: two copies of a 650 KB Damaijia page).
        let announced = response.content_length().unwrap_or(0).min(Self::LARGEST_PRESIZED_BODY);
        let mut body = Vec::with_capacity(announced as usize);
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            body.extend_from_slice(&chunk);
        }
        Ok(HttpAnswer { status, body })
    }

    /// The most an answer's announced length reserves up front; a longer body
    /// grows its buffer as it comes (a header is no reason to allocate without bound).
    const LARGEST_PRESIZED_BODY: u64 = 16 * 1024 * 1024;

    /// Learns the platform's clock from an answer's `Date` header. The header
    /// has whole seconds, so the platform's time is taken as its middle second.
    fn note_platform_clock(&self, headers: &reqwest::header::HeaderMap) {
        let Some(date) = headers.get(reqwest::header::DATE).and_then(|d| d.to_str().ok()) else { return };
        let Ok(platform) = jiff::fmt::rfc2822::parse(date) else { return };
        let offset = platform.timestamp().as_millisecond() + 500 - jiff::Timestamp::now().as_millisecond();
        self.clock_offset_ms.store(offset, Ordering::Relaxed);
        self.clock_known.store(true, Ordering::Relaxed);
    }

    /// How far the platform's clock runs ahead of ours (negative: behind), as
    /// its last answer told; `None` before any answer with a `Date` header.
    pub fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        self.clock_known
            .load(Ordering::Relaxed)
            .then(|| jiff::SignedDuration::from_millis(self.clock_offset_ms.load(Ordering::Relaxed)))
    }

    /// Requests sent so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

/// A transport error as one line: what happened and its root cause, with no URL.
fn describe(error: reqwest::Error) -> String {
    // The URL may carry a token in its query (Wshoto's access_token).
    let error = error.without_url();
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut off"
    } else {
        "request failed"
    };
    let mut root: &dyn std::error::Error = &error;
    while let Some(next) = root.source() {
        root = next;
    }
    let root = root.to_string();
    if root.is_empty() || root == error.to_string() { what.to_string() } else { format!("{what}: {root}") }
}

/// HTTP 429 and 5xx: the platform is busy or failing; try again later.
pub fn retryable_status(platform: Platform, status: u16) -> Result<(), ConnectorError> {
    if status == 429 || status >= 500 {
        return Err(ConnectorError::ServerError { platform, status, message: String::new() });
    }
    Ok(())
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters pass).
pub fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A header value carrying a credential: marked sensitive, so that it is left
/// out of `Debug` output, and refused with a clear error (never echoing it)
/// when it holds characters a header cannot carry.
pub fn secret_header(shop: &str, value: &str) -> Result<reqwest::header::HeaderValue, ConnectorError> {
    let mut header = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
        ConnectorError::Config(format!("shop {shop:?}: the token holds characters an HTTP header cannot carry"))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// Checks a configured `base_url`: an absolute http(s) URL with a host and no
/// query or fragment. Returns what is wrong, in words for a person.
pub fn check_base_url(base_url: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(base_url).map_err(|e| format!("{base_url:?} is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{base_url:?} must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{base_url:?} has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{base_url:?} must not have a query or fragment: give everything before the endpoint path"
        ));
    }
    Ok(())
}

/// Joins a configured `base_url` and a document's endpoint path with one slash.
pub fn join_url(base_url: &str, path: &str) -> String {
    format!("{}/{}", base_url.trim_end_matches('/'), path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(encode_path_segment("asda-20200521-004"), "asda-20200521-004");
        assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn base_urls_are_checked() {
        assert!(check_base_url("https://open.shoptima.shop/api/v1").is_ok());
        assert!(check_base_url("open.shoptima.shop").is_err());
        assert!(check_base_url("ftp://x").is_err());
        assert!(check_base_url("http://x/api?token=1").is_err());
    }

    #[test]
    fn urls_join_with_one_slash() {
        assert_eq!(join_url("http://h/api/v1/", "/order"), "http://h/api/v1/order");
        assert_eq!(join_url("http://h/api/v1", "order"), "http://h/api/v1/order");
    }
}
