//! The store's one error type.

/// A failure of the store. Database URLs in messages have their password removed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open the database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    /// The URL names a database this build does not support.
    #[error("unsupported database URL {url}: {reason}")]
    Unsupported { url: String, reason: String },
    /// Applying the schema migrations failed.
    #[error("cannot migrate the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite refused a row the sync inserted through its C API (`sqlite/bulk.rs`):
    /// its result code (<https://sqlite.org/rescode.html>) and message.
    #[error("database error: {message} (SQLite result code {code})")]
    Sqlite { code: i32, message: String },
    /// A copy between stores could not be done as asked (`orderhub copy`).
    #[error("copy: {0}")]
    Copy(String),
    /// A stored row could not be read back (written by an incompatible version?).
    #[error("stored order {id} cannot be read: {detail}")]
    Corrupt { id: String, detail: String },
}

/// The URL with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &credentials[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(super::redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact_url("sqlite://orderhub.db"), "sqlite://orderhub.db");
    }
}
