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
    /// A backup or restore could not be done as asked: the reason and what to do.
    #[error("{0}")]
    Backup(String),
    /// A copy between stores could not be done as asked (`orderhub copy`).
    #[error("copy: {0}")]
    Copy(String),
    /// A stored row could not be read back (written by an incompatible version?).
    #[error("stored order {id} cannot be read: {detail}")]
    Corrupt { id: String, detail: String },
}

impl StoreError {
    /// Whether the database itself failed, not the data: a full disk, an
    /// I/O error, a file made read-only, a connection lost or none to be
    /// had. Such a failure clears when its cause does; the store's
    /// connections start over and writes resume (`crate::health`).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(error) => sqlx_unavailable(error),
            StoreError::Sqlite { code, .. } => sqlite_unavailable(*code),
            StoreError::Open { .. } => true,
            _ => false,
        }
    }

    /// Whether another writer held the database's lock for longer than the
    /// store waits (SQLite's `SQLITE_BUSY`, a writer of another process):
    /// the same write succeeds when tried again.
    pub fn is_busy(&self) -> bool {
        matches!(self.sqlite_code().map(|c| c & 0xff), Some(SQLITE_BUSY | SQLITE_LOCKED))
    }

    /// SQLite's result code, when SQLite refused.
    fn sqlite_code(&self) -> Option<i32> {
        match self {
            StoreError::Database(error) => sqlite_code(error),
            StoreError::Sqlite { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// SQLite's (extended) result code of a sqlx error, when SQLite refused.
fn sqlite_code(error: &sqlx::Error) -> Option<i32> {
    let sqlx::Error::Database(db) = error else { return None };
    use sqlx::error::DatabaseError;
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()?.code()?.parse().ok()
}

const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

/// SQLite's primary result codes of a database that cannot be written
/// (<https://sqlite.org/rescode.html>): READONLY 8, IOERR 10, CORRUPT 11,
/// FULL 13, CANTOPEN 14, NOTADB 26.
fn sqlite_unavailable(code: i32) -> bool {
    matches!(code & 0xff, 8 | 10 | 11 | 13 | 14 | 26)
}

fn sqlx_unavailable(error: &sqlx::Error) -> bool {
    if let Some(code) = sqlite_code(error) {
        return sqlite_unavailable(code);
    }
    match error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed | sqlx::Error::Tls(_) => true,
        // PostgreSQL's SQLSTATE classes: 08 connection exception, 53
        // insufficient resources (53100 disk full), 57P0x the server
        // shutting down, 58 system error (I/O).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P0") || code.starts_with("58")
        }),
        _ => false,
    }
}

/// The URL with any password replaced by `***`: the one after the user
/// name, and any query parameter whose name says password (`?password=`,
/// `sslpassword=`, as PostgreSQL's URLs allow).
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut redacted = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &base[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!("{}{}:***{}", &base[..scheme_end + 3], &credentials[..colon], &base[at..]),
                None => base.to_string(),
            }
        }
        _ => base.to_string(),
    };
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((name, _)) if name.to_ascii_lowercase().contains("password") => format!("{name}=***"),
                _ => parameter.to_string(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&parameters.join("&"));
    }
    redacted
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(super::redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact_url("sqlite://orderhub.db"), "sqlite://orderhub.db");
        assert_eq!(
            super::redact_url("postgres://u@h/db?sslmode=require&password=secret&PassWord=x"),
            "postgres://u@h/db?sslmode=require&password=***&PassWord=***"
        );
        assert_eq!(super::redact_url("postgres://u:a@b@h/db?sslpassword=s"), "postgres://u:***@h/db?sslpassword=***");
    }
}
