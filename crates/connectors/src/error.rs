//! The one error type of the connectors, classified for the sync engine.

use orderhub_model::Platform;

/// What the caller should do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Try again later: network failure, timeout, 5xx, a platform's "busy" code.
    Transient,
    /// The credentials were refused: pause the shop until a person fixes them.
    Auth,
    /// The quota is spent or the app lacks a permission: pause the shop.
    Quota,
    /// The platform says our request is wrong: a bug or bad input, not retried.
    BadRequest,
    /// The answer could not be read (not JSON, truncated, wrong shape).
    Malformed,
    /// The shop's settings cannot work (bad URL, missing token).
    Config,
}

/// A failure talking to a platform. Messages never hold a token: URLs are
/// stripped from transport errors and secrets never enter a message.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The request did not get an answer (connect refused, DNS, timeout, reset).
    #[error("{platform}: cannot reach {host}: {detail}")]
    Unreachable { platform: Platform, host: String, detail: String },
    /// The platform answered with an HTTP status that means "try later".
    #[error("{platform}: HTTP {status} from the platform{}", fmt_message(.message))]
    ServerError { platform: Platform, status: u16, message: String },
    /// The platform refused the credentials.
    #[error("{platform}: the platform refused the token (HTTP {status}{}): check the shop's `token` (or `token_env`) and `auth_scheme`", fmt_code_message(.code, .message))]
    Unauthorized { platform: Platform, status: u16, code: Option<String>, message: String },
    /// The platform answered with an error in its own envelope.
    #[error("{platform}: platform error {code}: {message}{}", fmt_meaning(.meaning))]
    Platform { platform: Platform, kind: ErrorKind, code: String, message: String, meaning: &'static str },
    /// The answer was not what the document describes.
    #[error("{platform}: unreadable answer from {endpoint}: {detail}")]
    Malformed { platform: Platform, endpoint: &'static str, detail: String },
    /// The shop's settings cannot work.
    #[error("{0}")]
    Config(String),
}

fn fmt_message(message: &str) -> String {
    if message.is_empty() { String::new() } else { format!(": {message}") }
}

fn fmt_code_message(code: &Option<String>, message: &str) -> String {
    let mut out = String::new();
    if let Some(code) = code {
        out.push_str(&format!(", code {code}"));
    }
    if !message.is_empty() {
        out.push_str(&format!(", \"{message}\""));
    }
    out
}

fn fmt_meaning(meaning: &str) -> String {
    if meaning.is_empty() { String::new() } else { format!(" ({meaning})") }
}

impl ConnectorError {
    /// How the caller should treat this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConnectorError::Unreachable { .. } | ConnectorError::ServerError { .. } => ErrorKind::Transient,
            ConnectorError::Unauthorized { .. } => ErrorKind::Auth,
            ConnectorError::Platform { kind, .. } => *kind,
            ConnectorError::Malformed { .. } => ErrorKind::Malformed,
            ConnectorError::Config(_) => ErrorKind::Config,
        }
    }
}
