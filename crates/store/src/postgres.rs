//! PostgreSQL, for many shops and several `orderhub serve` workers on one
//! database. What differs from SQLite is here; the statements are in `sql/`.

use crate::StoreError;
use crate::error::redact_url;
use sqlx::ConnectOptions as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Pool, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub(crate) type Db = sqlx::Postgres;
pub(crate) type DbRow = sqlx::postgres::PgRow;

#[path = "sql/mod.rs"]
mod sql;
#[cfg(test)]
pub(crate) use sql::migrator_through;
pub(crate) use sql::{OpenBatch, SqlStore};

/// The migrations, embedded: (version, description, SQL). PostgreSQL's start
/// at the schema SQLite's 0001–0005 end at.
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/postgres/0001_init.sql")),
    (2, "leases", include_str!("../migrations/postgres/0002_leases.sql")),
    (3, "order keys", include_str!("../migrations/postgres/0003_order_keys.sql")),
    (4, "no ciphertext terms", include_str!("../migrations/postgres/0004_no_ciphertext_terms.sql")),
    (5, "key sort indexes", include_str!("../migrations/postgres/0005_key_sort_indexes.sql")),
    (6, "documents lz4", include_str!("../migrations/postgres/0006_documents_lz4.sql")),
    (7, "buyer terms", include_str!("../migrations/postgres/0007_buyer_terms.sql")),
    (8, "running runs", include_str!("../migrations/postgres/0008_running_runs.sql")),
    (9, "run progress", include_str!("../migrations/postgres/0009_run_progress.sql")),
    (10, "sink state", include_str!("../migrations/postgres/0010_sink_state.sql")),
    (11, "attention", include_str!("../migrations/postgres/0011_attention.sql")),
    (12, "attention feed", include_str!("../migrations/postgres/0012_attention_feed.sql")),
    (13, "order links", include_str!("../migrations/postgres/0013_order_links.sql")),
];

/// Documents stay JSON text: PostgreSQL compresses large values itself
/// (TOAST), and its writers are not one thread copying pages.
const PACK_DOCUMENTS: bool = false;

/// How the sync's inserts begin (SQLite's differ: see there).
const INSERT_INTO: &str = "INSERT INTO";

/// The `document` column's value: its JSON text.
fn document_value(row: &DbRow) -> Result<&[u8], sqlx::Error> {
    use sqlx::Row;
    row.try_get::<&str, _>("document").map(str::as_bytes)
}

/// The advisory lock every writing transaction holds until it commits (an
/// arbitrary constant: "orderhub" in ASCII, folded into 63 bits).
const WRITE_LOCK: i64 = 0x6f72_6465_7268_7562;

/// Whether a write outside a transaction takes the write lock in turn
/// (`SqlStore::writing`): on PostgreSQL only transactions that number
/// events take it; a statement alone runs beside them.
pub(crate) const SHORT_WRITES_TAKE_THE_LOCK: bool = false;

/// Connects to the database at `url` (`postgres://USER@HOST/DB`), applying the
/// migrations when `migrate` is set. The database must exist.
pub(crate) async fn open(url: &str, migrate: bool) -> Result<SqlStore, StoreError> {
    let open_error = |source| StoreError::Open { url: redact_url(url), source };
    let options = PgConnectOptions::from_str(url)
        .map_err(open_error)?
        .log_slow_statements(log::LevelFilter::Warn, crate::SLOW_STATEMENT);
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .before_acquire(|conn, _| Box::pin(async move { Ok(sql::fit_for_use(conn)) }))
        .connect_with(options)
        .await
        .map_err(open_error)?;
    if migrate {
        sql::migrator().run(&pool).await?;
    }
    Ok(SqlStore {
        writer: pool.clone(),
        writer_checkpoint_pages: None,
        pool,
        dictionaries: Default::default(),
        queue: Default::default(),
        _background: None,
    })
}

/// A transaction that writes, holding the store's write lock until it ends.
///
/// Why one lock: events are numbered by an identity column when inserted, and
/// the change feed and webhooks read them in that order, trusting that a
/// number once seen is never followed by a smaller one committing later. With
/// writers committing in any order that would not hold, so writers take turns
/// (as SQLite's do). The outbox's claim relies on the same turn-taking.
pub(crate) async fn begin_write(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
    Ok(tx)
}

/// Writes a sync's rows (see `sql::write_orders`) with multi-row
/// statements, a few hundred rows each. (SQLite's go through its C API.)
pub(crate) async fn insert_rows(tx: &mut Transaction<'static, Db>, rows: &[sql::Rows<'_>]) -> Result<(), StoreError> {
    use sql::Cell;
    for table in rows {
        let width = table.columns.len();
        for chunk in table.cells.chunks(sql::ORDERS_PER_STATEMENT * width) {
            let mut query =
                sqlx::QueryBuilder::<Db>::new(format!("{INSERT_INTO} {} ({}) ", table.table, table.columns.join(", ")));
            query.push_values(chunk.chunks(width), |mut row, cells| {
                for cell in cells {
                    match *cell {
                        Cell::Null => row.push_bind(None::<&str>),
                        Cell::NullInt => row.push_bind(None::<i64>),
                        Cell::Int(value) => row.push_bind(value),
                        Cell::Text(value) => row.push_bind(value),
                        Cell::Blob(value) => row.push_bind(value),
                    };
                }
            });
            query.push(format!(" {}", table.on_conflict));
            query.build().execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// PostgreSQL checks its own pages (checksums, WAL); reaching it is the check here.
pub(crate) async fn integrity(pool: &Pool<Db>) -> Result<String, sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok("ok".into())
}

/// The next number of the change feed for an event that is not an order's
/// (an attention item opened or closed): from the order events' own
/// sequence. Inside a writing transaction (which holds the write lock), so
/// numbers are commit order.
pub(crate) async fn next_feed_seq(tx: &mut Transaction<'static, Db>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('order_events', 'seq'))").fetch_one(&mut **tx).await
}

/// After attention events were copied in with their numbers: the order
/// events' sequence continues after them too.
pub(crate) async fn feed_counter_after_copy(pool: &Pool<Db>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('order_events', 'seq'),
                GREATEST((SELECT COALESCE(MAX(seq), 0) FROM order_events),
                         (SELECT COALESCE(MAX(seq), 0) FROM attention_events)) + 1, false)",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// After rows were copied in with their own ids: the identity column's
/// sequence continues after the largest, so that new rows do not collide.
pub(crate) async fn after_copy(pool: &Pool<Db>, table: &str, column: &str) -> Result<(), sqlx::Error> {
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
    Ok(())
}

/// SQL for the UTC day (`YYYY-MM-DD`) of a unix-milliseconds column.
pub(crate) fn day_of_ms(column: &str) -> String {
    format!("to_char(to_timestamp({column} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
}

/// How a test asks for a statement's plan, and the column of its lines.
#[cfg(test)]
pub(crate) const EXPLAIN: (&str, &str) = ("EXPLAIN ", "QUERY PLAN");

/// PostgreSQL's planner chooses from statistics; it takes no hints.
pub(crate) const BY_KEY_HINT: &str = "";

/// PostgreSQL's planner chooses from statistics; it takes no hints.
pub(crate) fn index_hint(_index: &str) -> String {
    String::new()
}
