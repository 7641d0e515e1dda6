//! A sync's rows (new and changed orders, their terms, items and events),
//! written through SQLite's C API on the writing connection: for each table
//! a prepared statement of [`ROWS_PER_STATEMENT`] rows, its texts and blobs
//! bound in place.
//!
//! Why not sqlx's statements, as everything else: every bound value went
//! through two copies (sqlx's own, then SQLite's, as `SQLITE_TRANSIENT`) and
//! two allocations, and each statement was a round trip between the writing
//! task and sqlx's database thread. In a 30,000-order Damaijia sync the
//! writing task waited 1.10–1.15 s on statements whose SQLite work took
//! 0.87 s of that thread's time, and building them took 0.3 s more.
//! Here the rows are written straight
//! from the orders' memory, on the writing task's thread, while sqlx's
//! thread waits on its lock.
//!
//! The statements are the ones the rest of the store would write
//! (`INSERT OR FAIL INTO table (columns) VALUES (...) on_conflict`), in the
//! same transaction, which sqlx began and commits.

use super::sql::{Cell, Rows};
use super::{Db, INSERT_INTO};
use crate::StoreError;
use libsqlite3_sys as ffi;
use sqlx::Transaction;
use std::ffi::{CStr, c_int};
use std::ptr::{self, NonNull};

/// Inserts every row of `rows`, table after table, in the open transaction.
pub(crate) async fn insert_rows(tx: &mut Transaction<'static, Db>, rows: &[Rows<'_>]) -> Result<(), StoreError> {
    if rows.iter().all(|table| table.cells.is_empty()) {
        return Ok(());
    }
    // Held until this returns: sqlx's thread does nothing with the
    // connection meanwhile, and nothing here awaits.
    let mut locked = tx.lock_handle().await?;
    let db = locked.as_raw_handle();
    for table in rows.iter().filter(|table| !table.cells.is_empty()) {
        let width = table.columns.len();
        let statement_of = |rows: usize| {
            let values = format!("({})", vec!["?"; width].join(", "));
            let sql = format!(
                "{INSERT_INTO} {} ({}) VALUES {} {}",
                table.table,
                table.columns.join(", "),
                vec![values; rows].join(", "),
                table.on_conflict
            );
            Statement::prepare(db, &sql)
        };
        let per_statement = ROWS_PER_STATEMENT.min(table.cells.len() / width);
        let mut chunks = table.cells.chunks_exact(per_statement * width);
        let full = statement_of(per_statement)?;
        for chunk in &mut chunks {
            full.insert(chunk)?;
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            statement_of(rest.len() / width)?.insert(rest)?;
        }
    }
    Ok(())
}

/// Rows inserted by one statement (`INSERT … VALUES (…), (…), …`); the
/// rows a table has beyond a multiple of it go in one statement of their own.
///
/// Why several: each statement opens a cursor on the table and on each of
/// its indexes (eight for `orders`) and closes them when it ends, so one
/// row a statement paid that for every row. Why not a page's hundred in one:
/// SQLite compiles a statement of a hundred rows (1,600 parameters for
/// `orders`) for every page, as the statements are prepared page by page.
/// The writer's instructions for a 20,000-order Damaijia sync (callgrind):
/// 2.02 G with one row a statement, 1.78 G with 8, 1.80 G with 16, 1.89 G
/// with 32, 2.20 G with a page's all.
const ROWS_PER_STATEMENT: usize = 8;

/// A prepared statement of the connection `db`, finalized when dropped.
struct Statement {
    db: NonNull<ffi::sqlite3>,
    raw: NonNull<ffi::sqlite3_stmt>,
}

impl Statement {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Statement, StoreError> {
        let mut raw = ptr::null_mut();
        let length = c_int::try_from(sql.len()).expect("a statement shorter than 2 GB");
        // SAFETY: `db` is an open connection this task holds the lock of
        // (`insert_rows`); `sql` is valid for `length` bytes.
        let code =
            unsafe { ffi::sqlite3_prepare_v2(db.as_ptr(), sql.as_ptr().cast(), length, &mut raw, ptr::null_mut()) };
        if code != ffi::SQLITE_OK {
            return Err(error(db, code));
        }
        let raw = NonNull::new(raw).expect("an INSERT statement is not empty");
        Ok(Statement { db, raw })
    }

    /// Binds `row` (one cell for each `?`) and runs the statement.
    fn insert(&self, row: &[Cell<'_>]) -> Result<(), StoreError> {
        self.bind(row)?;
        let statement = self.raw.as_ptr();
        // SAFETY: as in `bind`. The error is read before the reset (which
        // keeps the code but may change the message), and the statement is
        // reset whatever the step gave, so that it can be bound again or
        // finalized.
        unsafe {
            let code = ffi::sqlite3_step(statement);
            let failed = (code != ffi::SQLITE_DONE).then(|| error(self.db, code));
            ffi::sqlite3_reset(statement);
            failed.map_or(Ok(()), Err)
        }
    }

    /// Binds `row`: one cell for each `?`, in order.
    fn bind(&self, row: &[Cell<'_>]) -> Result<(), StoreError> {
        let statement = self.raw.as_ptr();
        for (index, cell) in row.iter().enumerate() {
            let at = c_int::try_from(index + 1).expect("fewer columns than 2^31");
            // SAFETY: `statement` is prepared and not being stepped. Texts
            // and blobs are bound without a copy (SQLITE_STATIC): `row`
            // outlives the step that follows, and every parameter is bound
            // again before the next one, so SQLite never reads a stale pointer.
            let code = unsafe {
                match *cell {
                    Cell::Null | Cell::NullInt => ffi::sqlite3_bind_null(statement, at),
                    Cell::Int(value) => ffi::sqlite3_bind_int64(statement, at, value),
                    Cell::Text(value) => ffi::sqlite3_bind_text64(
                        statement,
                        at,
                        value.as_ptr().cast(),
                        value.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Cell::Blob(value) => ffi::sqlite3_bind_blob64(
                        statement,
                        at,
                        value.as_ptr().cast(),
                        value.len() as u64,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if code != ffi::SQLITE_OK {
                return Err(error(self.db, code));
            }
        }
        Ok(())
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared by `prepare` and finalized only here. Its
        // parameters point into rows that are still alive.
        unsafe {
            ffi::sqlite3_clear_bindings(self.raw.as_ptr());
            ffi::sqlite3_finalize(self.raw.as_ptr());
        }
    }
}

/// SQLite's error for `code`, with the connection's message for it.
fn error(db: NonNull<ffi::sqlite3>, code: c_int) -> StoreError {
    // SAFETY: `db` is open; the message is copied before any other call on it.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }.to_string_lossy().into_owned();
    StoreError::Sqlite { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

    async fn migrated() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new().filename(dir.path().join("bulk.db")).create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        super::super::sql::migrator().run(&pool).await.unwrap();
        (dir, pool)
    }

    #[tokio::test]
    async fn rows_are_stored_byte_for_byte() {
        let (_dir, pool) = migrated().await;
        let mut tx = pool.begin().await.unwrap();
        let mut terms = Rows::new("order_terms", &["term", "order_key"], "ON CONFLICT DO NOTHING");
        terms.push([Cell::Text("zoë 周 \u{1F600}"), Cell::Int(7)]);
        terms.push([Cell::Text("zoë 周 \u{1F600}"), Cell::Int(7)]); // the same key: skipped by the clause
        terms.push([Cell::Text(""), Cell::Int(i64::MAX)]);
        let packed = [0u8, 0xff, 0x28, 0xb5, 0x2f, 0xfd, 0];
        let mut dictionaries = Rows::new("document_dictionaries", &["id", "platform", "content", "created_ms"], "");
        dictionaries.push([Cell::Int(-5), Cell::Text("damaijia"), Cell::Blob(&packed), Cell::Int(1)]);
        insert_rows(&mut tx, &[terms, dictionaries]).await.unwrap();
        tx.commit().await.unwrap();

        let terms: Vec<(String, i64)> =
            sqlx::query_as("SELECT term, order_key FROM order_terms ORDER BY term").fetch_all(&pool).await.unwrap();
        assert_eq!(terms, [(String::new(), i64::MAX), ("zoë 周 \u{1F600}".to_string(), 7)]);
        let stored: (i64, String, Vec<u8>, i64) =
            sqlx::query_as("SELECT id, platform, content, created_ms FROM document_dictionaries")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(stored, (-5, "damaijia".to_string(), packed.to_vec(), 1));
    }

    #[tokio::test]
    async fn a_refused_row_is_an_error_with_sqlite_s_code_and_the_transaction_keeps_nothing() {
        let (_dir, pool) = migrated().await;
        let mut tx = pool.begin().await.unwrap();
        let mut terms = Rows::new("order_terms", &["term", "order_key"], "");
        terms.push([Cell::Text("kept until the rollback"), Cell::Int(1)]);
        terms.push([Cell::Null, Cell::Int(2)]);
        terms.push([Cell::Text("never reached"), Cell::Int(3)]);
        let error = insert_rows(&mut tx, &[terms]).await.unwrap_err();
        // SQLITE_CONSTRAINT_NOTNULL, with the column in the message.
        assert!(
            matches!(&error, StoreError::Sqlite { code: 1299, message } if message.contains("order_terms.term")),
            "{error}"
        );
        // The connection goes on working, and the rollback takes the first row back.
        let seen: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM order_terms").fetch_one(&mut *tx).await.unwrap();
        assert_eq!(seen, 1);
        tx.rollback().await.unwrap();
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM order_terms").fetch_one(&pool).await.unwrap();
        assert_eq!(stored, 0);
    }

    /// Rows of a table go in statements of `ROWS_PER_STATEMENT`, and the
    /// rest in one of its own: every row is stored, once, with its values.
    #[tokio::test]
    async fn rows_beyond_a_statement_s_are_stored_each_once() {
        let (_dir, pool) = migrated().await;
        for count in [1, ROWS_PER_STATEMENT - 1, ROWS_PER_STATEMENT, 2 * ROWS_PER_STATEMENT + 3] {
            let texts: Vec<String> = (0..count).map(|i| format!("term {i:03}")).collect();
            let mut terms = Rows::new("order_terms", &["term", "order_key"], "");
            for (i, text) in texts.iter().enumerate() {
                terms.push([Cell::Text(text), Cell::Int(i as i64 * 10)]);
            }
            let mut tx = pool.begin().await.unwrap();
            insert_rows(&mut tx, &[terms]).await.unwrap();
            let stored: Vec<(String, i64)> = sqlx::query_as("SELECT term, order_key FROM order_terms ORDER BY term")
                .fetch_all(&mut *tx)
                .await
                .unwrap();
            let expected: Vec<(String, i64)> =
                texts.iter().enumerate().map(|(i, text)| (text.clone(), i as i64 * 10)).collect();
            assert_eq!(stored, expected, "{count} rows");
            tx.rollback().await.unwrap();
        }
    }

    /// A lookup finds each stored order by its id, with its key, its
    /// document's bytes as stored (text or packed) and its update time
    /// (NULL read as none), and nothing for an id that is not stored.
    #[tokio::test]
    async fn stored_versions_are_looked_up_by_id() {
        let (_dir, pool) = migrated().await;
        let packed: &[u8] = &[1, 0, 0xff, 0x28, 0xb5, 0x2f, 0xfd, 0];
        let mut tx = pool.begin().await.unwrap();
        let mut orders = Rows::new(
            "orders",
            &[
                "key",
                "id",
                "platform",
                "shop",
                "order_number",
                "status",
                "payment_status",
                "fulfillment_status",
                "refund_status",
                "total",
                "updated_ms",
                "document",
                "first_seen_ms",
                "last_changed_ms",
            ],
            "",
        );
        for (key, id, document, updated) in [
            (7, "shoptima:a:1", Cell::Text("{\"周\":1}"), Cell::Int(1_700_000_000_123)),
            (8, "damaijia:b:2", Cell::Blob(packed), Cell::Null),
        ] {
            let fixed = ["shoptima", "s", "n", "cancelled", "unpaid", "unfulfilled", "none", "0"].map(Cell::Text);
            let row = [Cell::Int(key), Cell::Text(id)].into_iter().chain(fixed).chain([updated, document]);
            orders.push(row.chain([Cell::Int(0), Cell::Int(0)]));
        }
        insert_rows(&mut tx, &[orders]).await.unwrap();

        let found =
            super::super::sql::lookup_orders(&mut tx, &["damaijia:b:2", "nowhere:x:9", "shoptima:a:1"]).await.unwrap();
        let found: Vec<(i64, String, Vec<u8>, Option<i64>)> =
            found.into_iter().map(|v| (v.key, v.id, v.document, v.updated_ms)).collect();
        assert_eq!(
            found,
            [
                (8, "damaijia:b:2".to_string(), packed.to_vec(), None),
                (7, "shoptima:a:1".to_string(), "{\"周\":1}".as_bytes().to_vec(), Some(1_700_000_000_123)),
            ]
        );
        assert!(super::super::sql::lookup_orders(&mut tx, &[]).await.unwrap().is_empty());
    }
}
