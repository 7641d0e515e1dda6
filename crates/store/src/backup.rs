//! Backups of a SQLite store, their restore, and the store's own
//! consistency check (what `orderhub backup`, `restore` and `verify --store`
//! run).
//!
//! A backup is `VACUUM INTO`: one read transaction, so the copy is the
//! store as of one commit, however busy its writers are (WAL mode lets them
//! go on meanwhile), compacted, and a store of its own that opens as it is.
//! A restore copies a backup back with SQLite's online backup API
//! (<https://sqlite.org/backup.html>), page by page under SQLite's own locks,
//! so that the target's log and any reader of it stay coherent.
//!
//! PostgreSQL has its own tools for both (`pg_dump`, `pg_restore`); the
//! check runs on either database.

use crate::{DatabaseKind, StoreError};
use sqlx::sqlite::{Sqlite, SqliteConnection};
use sqlx::{Connection as _, Pool, Row as _};
use std::path::Path;
use std::time::Duration;

/// What a backup holds, read from the copy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupReport {
    pub orders: i64,
    pub events: i64,
    /// The last event's number: the backup holds every change up to it and none after.
    pub last_event_seq: i64,
    pub bytes: u64,
}

/// The store checked against its own rules, without any platform.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoreCheck {
    /// SQLite's `PRAGMA quick_check` ("ok"), or what PostgreSQL vouches for.
    pub integrity: String,
    pub orders: i64,
    pub events: i64,
    pub last_event_seq: i64,
    /// Orders with no `created` event, or more than one.
    pub orders_not_created_once: i64,
    /// Events of orders the store does not hold.
    pub events_without_order: i64,
    /// Items of orders the store does not hold.
    pub items_without_order: i64,
}

impl StoreCheck {
    /// Whether the store keeps every rule.
    pub fn consistent(&self) -> bool {
        self.integrity == "ok"
            && self.orders_not_created_once == 0
            && self.events_without_order == 0
            && self.items_without_order == 0
    }
}

/// Copies the SQLite store of `pool` into a new file at `path`, while it
/// may be in use, and says what the copy holds.
pub(crate) async fn backup_sqlite(pool: &Pool<Sqlite>, path: &Path) -> Result<BackupReport, StoreError> {
    if path.exists() {
        return Err(StoreError::Backup(format!("{} exists; a backup is written to a new file", path.display())));
    }
    let target = path.to_str().ok_or_else(|| StoreError::Backup(format!("{} is not UTF-8", path.display())))?;
    // VACUUM INTO reads in one transaction of its own: the copy is the store
    // as of one commit. Its counts are read from the copy, so they describe
    // that commit.
    sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await?;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    let mut copy = SqliteConnection::connect_with(&options).await?;
    let (orders, events, last_event_seq) = snapshot_counts(&mut copy).await?;
    copy.close().await?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { orders, events, last_event_seq, bytes })
}

/// The check's counts, in one statement (one snapshot) on both databases.
pub(crate) const CHECK: &str = "SELECT
    (SELECT COUNT(*) FROM orders) AS orders,
    (SELECT COUNT(*) FROM order_events) AS events,
    (SELECT COALESCE(MAX(seq), 0) FROM order_events) AS last_seq,
    (SELECT COUNT(*) FROM orders o
      WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_key = o.key AND e.kind = 'created'))
    + (SELECT COUNT(*) FROM order_events WHERE kind = 'created')
    - (SELECT COUNT(DISTINCT order_key) FROM order_events WHERE kind = 'created') AS not_created_once,
    (SELECT COUNT(*) FROM order_events e WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.key = e.order_key))
      AS orphan_events,
    (SELECT COUNT(*) FROM order_items i WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.key = i.order_key))
      AS orphan_items";

async fn snapshot_counts(connection: &mut SqliteConnection) -> Result<(i64, i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM order_events) AS events,
                (SELECT COALESCE(MAX(seq), 0) FROM order_events) AS last_seq",
    )
    .fetch_one(&mut *connection)
    .await?;
    Ok((row.try_get("orders")?, row.try_get("events")?, row.try_get("last_seq")?))
}

/// Puts the SQLite backup at `from` in place of the store at `to_url`
/// (created if missing). Every page of the target is replaced; a process
/// that has the target open sees the restored store at its next read.
/// The backup is checked first: it must open, pass SQLite's quick check and
/// carry no migration this build does not know.
pub async fn restore_sqlite(from: &Path, to_url: &str) -> Result<(), StoreError> {
    if DatabaseKind::of(to_url)? != DatabaseKind::Sqlite {
        return Err(StoreError::Unsupported {
            url: crate::redact_url(to_url),
            reason: "restore puts SQLite backups back; restore PostgreSQL with pg_restore or psql".into(),
        });
    }
    let source_options = sqlx::sqlite::SqliteConnectOptions::new().filename(from).read_only(true);
    let mut source = SqliteConnection::connect_with(&source_options)
        .await
        .map_err(|e| StoreError::Backup(format!("{} cannot be opened as SQLite: {e}", from.display())))?;
    let check: Vec<String> = sqlx::query_scalar("PRAGMA quick_check").fetch_all(&mut source).await?;
    if check != ["ok"] {
        return Err(StoreError::Backup(format!("{} is damaged: {}", from.display(), check.join("; "))));
    }
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&mut source)
        .await
        .map_err(|_| StoreError::Backup(format!("{} is not an orderhub store", from.display())))?;
    let known = crate::sqlite::MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
    if applied.unwrap_or(0) > known {
        return Err(StoreError::Backup(format!(
            "{} was made by a newer orderhub (schema {}; this one knows up to {known})",
            from.display(),
            applied.unwrap_or(0)
        )));
    }
    let target_options: sqlx::sqlite::SqliteConnectOptions = to_url.parse()?;
    let mut target = SqliteConnection::connect_with(&target_options.create_if_missing(true)).await?;
    copy_pages(&mut source, &mut target).await?;
    target.close().await?;
    source.close().await?;
    Ok(())
}

/// SQLite's online backup from `source` into `target`, all pages in one
/// step, waiting while another connection holds the target's lock.
async fn copy_pages(source: &mut SqliteConnection, target: &mut SqliteConnection) -> Result<(), StoreError> {
    use libsqlite3_sys as ffi;
    let mut source = source.lock_handle().await?;
    let mut target = target.lock_handle().await?;
    let (source, target) = (source.as_raw_handle(), target.as_raw_handle());
    let main = c"main";
    // SAFETY: both handles are open connections, locked for this call (no
    // other use of them meanwhile); the backup object is finished below
    // before either lock is released.
    let backup = unsafe { ffi::sqlite3_backup_init(target.as_ptr(), main.as_ptr(), source.as_ptr(), main.as_ptr()) };
    if backup.is_null() {
        return Err(sqlite_error(target.as_ptr()));
    }
    let mut waited = Duration::ZERO;
    let stepped = loop {
        // SAFETY: `backup` is the live object made above.
        let code = unsafe { ffi::sqlite3_backup_step(backup, -1) };
        match code {
            ffi::SQLITE_DONE => break ffi::SQLITE_OK,
            ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED if waited < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(50));
                waited += Duration::from_millis(50);
            }
            other => break other,
        }
    };
    // SAFETY: finishes the object made above, once.
    let finished = unsafe { ffi::sqlite3_backup_finish(backup) };
    if stepped != ffi::SQLITE_OK || finished != ffi::SQLITE_OK {
        return Err(sqlite_error(target.as_ptr()));
    }
    Ok(())
}

fn sqlite_error(db: *mut libsqlite3_sys::sqlite3) -> StoreError {
    // SAFETY: `db` is an open connection; its message is copied at once.
    let (code, message) = unsafe {
        let message = std::ffi::CStr::from_ptr(libsqlite3_sys::sqlite3_errmsg(db)).to_string_lossy().into_owned();
        (libsqlite3_sys::sqlite3_extended_errcode(db), message)
    };
    StoreError::Sqlite { code, message }
}
