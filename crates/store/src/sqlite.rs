//! SQLite, the embedded default: a file created on first use, one writer at a
//! time. What differs from PostgreSQL is here; the statements are in `sql/`.

use crate::StoreError;
use crate::error::redact_url;
use sqlx::ConnectOptions as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub(crate) type Db = sqlx::Sqlite;
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;

mod bulk;
#[path = "sql/mod.rs"]
mod sql;
pub(crate) use bulk::insert_rows;
#[cfg(test)]
pub(crate) use sql::migrator_through;
pub(crate) use sql::{OpenBatch, SqlStore};

/// The migrations, embedded: (version, description, SQL).
pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/sqlite/0001_init.sql")),
    (2, "shop state", include_str!("../migrations/sqlite/0002_shop_state.sql")),
    (3, "api", include_str!("../migrations/sqlite/0003_api.sql")),
    (4, "covering indexes", include_str!("../migrations/sqlite/0004_covering.sql")),
    (5, "platform index", include_str!("../migrations/sqlite/0005_platform_index.sql")),
    (6, "leases", include_str!("../migrations/sqlite/0006_leases.sql")),
    (7, "document dictionaries", include_str!("../migrations/sqlite/0007_document_dictionaries.sql")),
    (8, "items deferred key", include_str!("../migrations/sqlite/0008_items_deferred_key.sql")),
    (9, "order keys", include_str!("../migrations/sqlite/0009_order_keys.sql")),
    (10, "no ciphertext terms", include_str!("../migrations/sqlite/0010_no_ciphertext_terms.sql")),
    (11, "key sort indexes", include_str!("../migrations/sqlite/0011_key_sort_indexes.sql")),
    (12, "no shop created index", include_str!("../migrations/sqlite/0012_no_shop_created_index.sql")),
    (13, "buyer terms", include_str!("../migrations/sqlite/0013_buyer_terms.sql")),
    (14, "running runs", include_str!("../migrations/sqlite/0014_running_runs.sql")),
    (15, "run progress", include_str!("../migrations/sqlite/0015_run_progress.sql")),
    (16, "sink state", include_str!("../migrations/sqlite/0016_sink_state.sql")),
    (17, "attention", include_str!("../migrations/sqlite/0017_attention.sql")),
    (18, "attention feed", include_str!("../migrations/sqlite/0018_attention_feed.sql")),
    (19, "order links", include_str!("../migrations/sqlite/0019_order_links.sql")),
];

/// Documents are stored packed against their platform's dictionary
/// (`crate::documents`): on SQLite the one writer copies every byte of them
/// into the log and back, and packed they are an eighth to an eleventh of
/// the bytes.
const PACK_DOCUMENTS: bool = true;

/// How the sync's inserts begin. `OR FAIL`: a constraint that fails stops the
/// statement with an error but keeps the rows it already inserted, so SQLite
/// need not copy each page the statement changes into a statement journal
/// first (with the default, `ABORT`, a multi-row insert inside a longer
/// transaction must be undone alone, and perf put that copying at a tenth of
/// orderhub's CPU in a Damaijia sync). Nothing is lost by it: any error fails the whole
/// transaction, which is rolled back. Upserts that update (`ON CONFLICT DO
/// UPDATE`) still take a journal; the sync writes new orders without one.
const INSERT_INTO: &str = "INSERT OR FAIL INTO";

/// The `document` column's value: JSON text, or a packed document (a BLOB).
fn document_value(row: &DbRow) -> Result<&[u8], sqlx::Error> {
    use sqlx::Row;
    row.try_get("document")
}

/// The reading connections, at most (the API's requests and single
/// statements; writing transactions have their own connection).
pub(crate) const READERS: u32 = 4;

/// Page cache of each reading connection (SQLite's default is 2 MiB); the
/// API's reads were measured with it. It was the
/// writer's too until the writer got its own, below (Shoptima 3,075 → 4,011
/// orders/s when it was raised to 32 MiB).
const CACHE: &str = "-32768";

/// The writing connection's page cache. A sync's transaction spans pages of
/// orders (up to 20,000 orders), and the index pages it dirties stay in this
/// cache until the commit; beyond it SQLite spills them to the log and
/// writes them again later. 64 MiB: Damaijia 2,550 → 2,765–2,861 orders/s
/// and Westmonth 3,184–3,375 → 3,514–4,484 at 30,000 orders, for 35 MB more
/// peak memory (79.1 → 114.7 MB).
const WRITER_CACHE: &str = "-65536";

/// Where the writing connection keeps its statement journals: in memory.
/// A statement that may fail half-way (an insert that checks a unique key or
/// a foreign key, inside a longer transaction) first copies every page it
/// will change into a statement journal, so that its failure can be undone
/// alone. As files (SQLite's default, under /var/tmp) those copies were
/// most of what a sync wrote: 5.6–6.0 GB of `write` calls for 30,000 orders
/// per platform, against 0.9 GB with them in memory, and peak memory did not
/// change (a statement's journal holds the pages of that one statement).
/// The sync's inserts now take none
/// (`INSERT_INTO`); its upserts of changed orders still do.
const WRITER_TEMP_STORE: &str = "memory";

/// The page size of a store SQLite creates (its default is 4 KiB). A store
/// made before keeps the size it was made with: SQLite changes it only by
/// rewriting the whole file (VACUUM), which `open` does not do.
///
/// Why 16 KiB: a sync inserts into a dozen B-trees at random places, and at
/// each commit SQLite writes every page it changed to the log, 24 bytes of
/// frame header and then the page, as two calls, and the checkpoint copies
/// them on. A transaction of 20,000 orders changes most leaf pages of each
/// index whatever their size, so the bytes are about the same, but with
/// pages four times larger there are a quarter as many frames, calls and
/// cached pages (the trees' depth did not change: three levels for the
/// orders' indexes at 300,000 orders, at either size). Damaijia's sync of
/// 100,000 orders into a store of 300,000, six pairs run in turn, was faster
/// with 16 KiB pages in five (5.43–7.76 s against 6.14–8.68 s), its system
/// CPU 0.98–1.64 s against 1.78–2.40 s; the API's queries, on stores they
/// had already read, stayed within the machine's noise.
pub(crate) const PAGE_SIZE: u32 = 16 * 1024;

/// Whether a write outside a transaction takes the write lock in turn
/// (`SqlStore::writing`): on SQLite every write does, one writer at a time.
pub(crate) const SHORT_WRITES_TAKE_THE_LOCK: bool = true;

/// Opens (creating if missing) the database at `url` (`sqlite://PATH` or
/// `sqlite::memory:`), applying the migrations when `migrate` is set.
pub(crate) async fn open(url: &str, migrate: bool) -> Result<SqlStore, StoreError> {
    let open_error = |source| StoreError::Open { url: redact_url(url), source };
    let options = SqliteConnectOptions::from_str(url)
        .map_err(open_error)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .page_size(PAGE_SIZE)
        .pragma("cache_size", CACHE)
        .pragma("wal_autocheckpoint", READER_CHECKPOINT_PAGES)
        .log_slow_statements(log::LevelFilter::Warn, crate::SLOW_STATEMENT);
    let pool = SqlitePoolOptions::new()
        .max_connections(READERS)
        .before_acquire(|conn, _| Box::pin(async move { Ok(sql::fit_for_use(conn)) }))
        .connect_with(options.clone())
        .await
        .map_err(open_error)?;
    if migrate {
        sql::migrator().run(&pool).await?;
    }
    // The threshold is in pages, and a store keeps the page size it was made with.
    let page_size: i64 = sqlx::query_scalar("PRAGMA page_size").fetch_one(&pool).await?;
    let checkpoint_pages = WRITER_CHECKPOINT_BYTES / page_size.max(512);
    let writer_options = options
        .pragma("cache_size", WRITER_CACHE)
        .pragma("temp_store", WRITER_TEMP_STORE)
        .pragma("wal_autocheckpoint", checkpoint_pages.to_string())
        .pragma("journal_size_limit", WRITER_LOG_LIMIT);
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .before_acquire(|conn, _| Box::pin(async move { Ok(sql::fit_for_use(conn)) }))
        .connect_with(writer_options)
        .await
        .map_err(open_error)?;
    let checkpoints = tokio::spawn(checkpoint(pool.clone())).abort_handle();
    let background = Some(Arc::new(sql::BackgroundTask(checkpoints)));
    Ok(SqlStore {
        pool,
        writer,
        writer_checkpoint_pages: Some(checkpoint_pages),
        dictionaries: Default::default(),
        queue: Default::default(),
        _background: background,
    })
}

/// The writing connection checkpoints the log itself only after a commit
/// that leaves this many bytes (256 MiB) of pages in it; the copying is otherwise
/// done by `checkpoint`, on another connection. Why at all: the log starts
/// over only when a transaction begins after a checkpoint that copied all
/// of it, and a sync begins its next transaction at once, before the other
/// connection's next checkpoint. Checkpointed only there, the log of a
/// long sync grew by everything it wrote (134 MB for 30,000 Damaijia
/// orders). The writer's checkpoint copies what the other has not yet:
/// perf still found more of the copying on the writer (64 samples against
/// 24), yet its commits for 30,000 Damaijia orders took 370–395 ms in all
/// instead of 557–621.
///
/// Why 256 MiB and not 32: a sync's transactions of up to 10,000 orders (then)
/// are tens of MB of log each (the log reached 65 MB at 32 MiB), so at 32
/// MiB the writer's commits kept finding the threshold passed and copied
/// the transaction themselves while the sync waited. At 256 MiB the other
/// connection has copied the older transactions by the time the writer's
/// turn comes. Timed inside the writer, a Damaijia sync of 100,000
/// orders spent 0.98–1.03 s committing at 32 MiB and 0.52–0.56 s at 256;
/// the log then peaked at 281 MB instead of 65.
/// [`WRITER_LOG_LIMIT`] gives the space back.
///
/// In bytes, not pages: stores differ in page size (16 KiB for new ones,
/// 4 KiB for older ones), and one number of pages would be four times the
/// log in one as in the other.
const WRITER_CHECKPOINT_BYTES: i64 = 256 * 1024 * 1024;

/// The reading connections never checkpoint the log after a commit of
/// their own (SQLite's default: after any commit that leaves 1,000 pages in
/// it). They write nothing: every write of the process takes the writing
/// connection (`SqlStore::writing`). Should one write, its commit must not
/// find tens of thousands of pages in the log and copy them before it
/// returns, as the row that ended a sync's run did when it was written on a
/// reading connection: 105–222 ms at the end of each shop's sync in
/// `orderhub bench`. The log is copied by `checkpoint`
/// and by the writer's batches past [`WRITER_CHECKPOINT_BYTES`]; an explicit
/// checkpoint (as `checkpoint`'s) is not affected by this setting.
const READER_CHECKPOINT_PAGES: &str = "0";

/// When the log starts over, SQLite keeps its file at the size it reached
/// and writes over it; beyond this many bytes (64 MiB) it truncates it, so a
/// long-running `orderhub serve` does not keep a sync's peak on disk (it
/// held 64 MiB after syncs that took it to 325 MB).
const WRITER_LOG_LIMIT: &str = "67108864";

/// How often the log is checkpointed (see `checkpoint`).
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies the log's new pages into the database file, every
/// [`CHECKPOINT_EVERY`], on a reading connection, for as long as the store
/// is open.
///
/// Why not on the writing connection, as SQLite does by default (after any
/// commit that leaves 1,000 pages in the log): there the copying was 4–6% of
/// orderhub's CPU in a Damaijia sync (perf), done by the writer between its transactions, and the
/// writer is what a sync waits for. On a reading connection it is done on
/// another thread while the writer writes. A passive checkpoint never waits
/// for a reader or the writer; it copies what it can, and the log starts
/// over once a checkpoint has copied all of it.
async fn checkpoint(pool: Pool<Db>) {
    // The first one period after opening: a command that only reads and
    // exits at once has nothing to copy and should not start by copying.
    let first = tokio::time::Instant::now() + CHECKPOINT_EVERY;
    let mut every = tokio::time::interval_at(first, CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            if pool.is_closed() {
                return;
            }
            tracing::warn!(%error, "the log could not be checkpointed; trying again");
        }
    }
}

/// A transaction that writes. IMMEDIATE takes the write lock up front: a
/// deferred transaction that reads first and then writes fails at once with
/// "database is locked" when another writer got in between, instead of waiting.
pub(crate) async fn begin_write(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// SQLite's own check of the file (`PRAGMA quick_check`): "ok", or what is wrong.
pub(crate) async fn integrity(pool: &Pool<Db>) -> Result<String, sqlx::Error> {
    let answers: Vec<String> = sqlx::query_scalar("PRAGMA quick_check").fetch_all(pool).await?;
    Ok(answers.join("; "))
}

/// After rows were copied in with their own ids: nothing to do, SQLite's
/// AUTOINCREMENT continues after the largest id in the table.
pub(crate) async fn after_copy(_pool: &Pool<Db>, _table: &str, _column: &str) -> Result<(), sqlx::Error> {
    Ok(())
}

/// Makes sure `order_events` has its AUTOINCREMENT counter (a store that
/// never numbered an event has none yet) and that it is past every
/// attention event's number.
const FEED_COUNTER: &str = "INSERT INTO sqlite_sequence (name, seq)
     SELECT 'order_events', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'order_events')";
const FEED_COUNTER_PAST_ATTENTION: &str = "UPDATE sqlite_sequence
     SET seq = MAX(seq, (SELECT COALESCE(MAX(seq), 0) FROM order_events), (SELECT COALESCE(MAX(seq), 0) FROM attention_events))
     WHERE name = 'order_events'";

/// The next number of the change feed for an event that is not an order's
/// (an attention item opened or closed): the order events' AUTOINCREMENT
/// counter moved on by one, so the order events written after it are
/// numbered after it. Inside a writing transaction, so numbers are commit
/// order. (The counter is past every attention event: they are numbered
/// here, and a copy moves it past those it brings, `feed_counter_after_copy`.)
pub(crate) async fn next_feed_seq(tx: &mut Transaction<'static, Db>) -> Result<i64, sqlx::Error> {
    sqlx::query(FEED_COUNTER).execute(&mut **tx).await?;
    sqlx::query_scalar("UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = 'order_events' RETURNING seq")
        .fetch_one(&mut **tx)
        .await
}

/// After attention events were copied in with their numbers: the order
/// events' counter continues after them too.
pub(crate) async fn feed_counter_after_copy(pool: &Pool<Db>) -> Result<(), sqlx::Error> {
    let mut tx = begin_write(pool).await?;
    sqlx::query(FEED_COUNTER).execute(&mut *tx).await?;
    sqlx::query(FEED_COUNTER_PAST_ATTENTION).execute(&mut *tx).await?;
    tx.commit().await
}

/// SQL for the UTC day (`YYYY-MM-DD`) of a unix-milliseconds column.
pub(crate) fn day_of_ms(column: &str) -> String {
    format!("date({column} / 1000, 'unixepoch')")
}

/// How a test asks for a statement's plan, and the column of its lines.
#[cfg(test)]
pub(crate) const EXPLAIN: (&str, &str) = ("EXPLAIN QUERY PLAN ", "detail");

/// Makes the planner find rows by their key (`key IN (...)`) rather than
/// through an index of another filter: SQLite still looks rows up by rowid
/// under NOT INDEXED.
pub(crate) const BY_KEY_HINT: &str = "NOT INDEXED";

/// Makes the planner read `index`: SQLite's planner, without statistics,
/// otherwise picks the primary key for searches that match many orders.
pub(crate) fn index_hint(index: &str) -> String {
    format!("INDEXED BY {index}")
}
