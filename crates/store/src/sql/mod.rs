//! The store's SQL: one implementation, compiled once for each database.
//!
//! `sqlite.rs` and `postgres.rs` each include this module (`#[path]`), after
//! defining what differs between the two: the database type (`Db`, `DbRow`),
//! how a writing transaction starts (`begin_write`), and two bits of SQL
//! (`day_of_ms`, `index_hint`). Everything else (every statement, every rule
//! the store keeps) is written once, here, in SQL both databases run
//! unchanged: `$N` parameters (sqlx's SQLite takes them too), `COALESCE`,
//! `ON CONFLICT … DO UPDATE`, `RETURNING`, row-value comparisons, and every
//! integer a 64-bit one. A generic function over `sqlx::Database` would say the
//! same with a wall of trait bounds; two concrete copies made by the compiler
//! keep each one's types and errors plain.

#[cfg(test)]
use super::EXPLAIN;
use super::{
    BY_KEY_HINT, Db, DbRow, MIGRATIONS, PACK_DOCUMENTS, SHORT_WRITES_TAKE_THE_LOCK, after_copy, begin_write, day_of_ms,
    document_value, feed_counter_after_copy, index_hint, insert_rows, integrity, next_feed_seq,
};
use crate::documents::{Dictionaries, Dictionary, Document, Stored, classify};
use crate::prepared::{OrderRows, search_terms};
use crate::write_queue::{Turn, WriteQueue};
use crate::{
    BadRecord, CursorUpdate, OrderDocument, OrderFilter, RunProgress, StatusCount, StoreError, StoredEvent, SyncRun,
    WriteStats,
};
use jiff::Timestamp;
use orderhub_model::{Change, Order, diff};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::{Pool, QueryBuilder, Row, SqlStr, Transaction};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The order store on one database: a pool and the statements.
#[derive(Debug, Clone)]
pub(crate) struct SqlStore {
    /// Reads; on PostgreSQL also writes of a single statement.
    pub(crate) pool: Pool<Db>,
    /// Writes (`begin_writing`, `writing`). On SQLite its own one connection,
    /// which every write of the process takes in turn (`crate::write_queue`):
    /// writes take turns anyway, and one connection keeps its page cache warm,
    /// where a pool would hand each transaction whichever connection is idle,
    /// each with a cache the others' writes made stale. On PostgreSQL the pool.
    pub(crate) writer: Pool<Db>,
    /// On SQLite, after how many pages of log a batch's commit on the
    /// writing connection checkpoints it (`sqlite::WRITER_CHECKPOINT_BYTES`);
    /// a short write there never does (`SqlStore::checkpoint_after`).
    pub(crate) writer_checkpoint_pages: Option<i64>,
    /// The dictionaries documents are packed against (`crate::documents`).
    pub(crate) dictionaries: Arc<Dictionaries>,
    /// This process's writers waiting for the write lock, by kind.
    pub(crate) queue: Arc<WriteQueue>,
    /// On SQLite, the task that checkpoints the log (`sqlite::checkpoint`),
    /// held for its drop.
    pub(crate) _background: Option<Arc<BackgroundTask>>,
}

/// A task that lives as long as its store: it ends by itself once the store
/// is closed, and is aborted when the store's last clone is dropped
/// unclosed, so that it never keeps a dropped store's pool open.
#[derive(Debug)]
pub(crate) struct BackgroundTask(pub(crate) tokio::task::AbortHandle);

impl Drop for BackgroundTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The database's migrations (`MIGRATIONS` of `sqlite.rs` or `postgres.rs`), embedded.
pub(crate) fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(version, description.into(), MigrationType::Simple, SqlStr::from_static(sql), false)
            })
            .collect(),
    )
}

/// The migrations up to and including `version`: a store as an older
/// orderhub left it, for tests of the migrations after it.
#[cfg(test)]
pub(crate) fn migrator_through(version: i64) -> Migrator {
    let mut migrator = migrator();
    migrator.migrations =
        migrator.migrations.iter().filter(|m| m.version <= version).cloned().collect::<Vec<_>>().into();
    migrator
}

/// Whether a pooled connection may be handed out again; one that is not is
/// closed, and the pool opens a new one.
///
/// Why: a COMMIT that fails for want of disk space leaves SQLite's
/// transaction rolled back but sqlx's count of open transactions at one, as
/// the ROLLBACK that follows fails too ("no transaction is active"). Handed
/// out again, that connection refused every transaction ("attempted to call
/// begin_with at non-zero transaction depth") until the process restarted,
/// long after space was freed.
pub(crate) fn fit_for_use(conn: &<Db as sqlx::Database>::Connection) -> bool {
    use sqlx::Connection;
    let fit = !conn.is_in_transaction();
    if !fit {
        tracing::warn!("a database connection left inside a failed transaction is closed and replaced");
    }
    fit
}

pub(crate) fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

impl SqlStore {
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        // A database never migrated has no table of migrations yet.
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&self.pool)
            .await
            .unwrap_or_default();
        migrator().run(&self.pool).await?;
        self.run_upkeep().await?;
        Ok(MIGRATIONS.iter().map(|m| m.0).filter(|v| !applied.contains(v)).collect())
    }

    pub async fn begin_batch(&self) -> Result<OpenBatch, StoreError> {
        Ok(OpenBatch {
            tx: self.begin_writing(Turn::Batch).await?,
            dictionaries: self.dictionaries.clone(),
            dictionaries_written: HashSet::new(),
            next_key: None,
        })
    }

    /// A writing transaction (`begin_write`: it holds the write lock), this
    /// writer counted in `queue` until it has the lock, so that an open
    /// batch gives the lock up for it (`crate::write_queue`).
    pub(crate) async fn begin_writing(&self, turn: Turn) -> Result<Transaction<'static, Db>, sqlx::Error> {
        let mut tx = {
            let _waiting = self.queue.wait(turn);
            begin_write(&self.writer).await?
        };
        self.checkpoint_after(&mut tx, turn).await?;
        Ok(tx)
    }

    /// Sets whether the writing connection checkpoints the log after a
    /// commit of `turn`: a batch past the threshold does, a short write
    /// never. Why: SQLite checkpoints after any commit that leaves the log
    /// past the connection's threshold, and a run's last row, written after
    /// its batches, copied the whole log before it returned (about 0.2 s at
    /// the end of a 100,000-order Damaijia sync, and 70 MB more written in
    /// `orderhub bench`); the log is the checkpointing task's to copy then.
    async fn checkpoint_after(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
        turn: Turn,
    ) -> Result<(), sqlx::Error> {
        let Some(pages) = self.writer_checkpoint_pages else { return Ok(()) };
        let pages = if turn == Turn::Batch { pages } else { 0 };
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA wal_autocheckpoint = {pages}"))).execute(conn).await?;
        Ok(())
    }

    /// A short transaction that numbers no events (a run's row, a lease, a
    /// key): on SQLite the writing connection's, in turn with every write;
    /// on PostgreSQL without the write lock, which only keeps event
    /// numbers in commit order (`postgres::begin_write`), so such a
    /// transaction never waits for another worker's batch.
    pub(crate) async fn begin_bookkeeping(&self) -> Result<Transaction<'static, Db>, sqlx::Error> {
        if SHORT_WRITES_TAKE_THE_LOCK { self.begin_writing(Turn::Short).await } else { self.pool.begin().await }
    }

    /// The connection for a write outside a transaction: on SQLite the
    /// writing connection, taken in turn with every other write of the
    /// process (a statement on a reading connection would instead race the
    /// writer through SQLite's busy handler, which is no queue, and could
    /// lose for seconds); on PostgreSQL any connection of the pool.
    pub(crate) async fn writing(&self) -> Result<PoolConnection<Db>, sqlx::Error> {
        if !SHORT_WRITES_TAKE_THE_LOCK {
            return self.pool.acquire().await;
        }
        let mut conn = {
            let _waiting = self.queue.wait(Turn::Short);
            self.writer.acquire().await?
        };
        self.checkpoint_after(&mut conn, Turn::Short).await?;
        Ok(conn)
    }

    pub async fn orders_by_id(&self, ids: &[String]) -> Result<HashMap<String, Order>, StoreError> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(ORDERS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Db>::new("SELECT id, document FROM orders WHERE id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id.as_str());
            }
            query.push(")");
            let rows = query.build().fetch_all(&self.pool).await?;
            self.learn_dictionaries(&rows).await?;
            for row in rows {
                found.insert(row.try_get("id")?, self.order_from_row(&row)?);
            }
        }
        Ok(found)
    }

    pub async fn order_numbers(&self, shop: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT order_number FROM orders WHERE shop = $1 ORDER BY order_number")
            .bind(shop)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn order_document(&self, id: &str) -> Result<Option<OrderDocument>, StoreError> {
        let sql = SqlStr::from_static("SELECT id, document FROM orders WHERE id = $1");
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        self.learn_dictionaries(row.as_slice()).await?;
        row.map(|row| self.document_from_row(&row)).transpose()
    }

    pub async fn orders(&self, filter: &OrderFilter) -> Result<Vec<Order>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, document FROM orders
             WHERE ($1 IS NULL OR platform = $1) AND ($2 IS NULL OR shop = $2) AND ($3 IS NULL OR status = $3)
               AND ($5 IS NULL OR order_number = $5)
             ORDER BY created_ms DESC, key DESC LIMIT $4",
        )
        .bind(&filter.platform)
        .bind(&filter.shop)
        .bind(&filter.status)
        .bind(filter.limit.unwrap_or(i64::MAX))
        .bind(&filter.order_number)
        .fetch_all(&self.pool)
        .await?;
        self.learn_dictionaries(&rows).await?;
        rows.iter().map(|row| self.order_from_row(row)).collect()
    }

    pub async fn for_each_order<E: From<StoreError>>(
        &self,
        filter: &OrderFilter,
        mut each: impl FnMut(Order) -> Result<(), E>,
    ) -> Result<u64, E> {
        let (mut after, mut count) = (String::new(), 0u64);
        loop {
            let rows = sqlx::query(
                "SELECT id, document FROM orders
                 WHERE id > $1 AND ($2 IS NULL OR platform = $2) AND ($3 IS NULL OR shop = $3)
                   AND ($4 IS NULL OR status = $4) AND ($5 IS NULL OR order_number = $5)
                 ORDER BY id LIMIT 500",
            )
            .bind(&after)
            .bind(&filter.platform)
            .bind(&filter.shop)
            .bind(&filter.status)
            .bind(&filter.order_number)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::from)?;
            let Some(last) = rows.last() else { return Ok(count) };
            after = last.try_get("id").map_err(StoreError::from)?;
            self.learn_dictionaries(&rows).await?;
            for row in &rows {
                each(self.order_from_row(row)?)?;
                count += 1;
            }
        }
    }

    pub async fn open_order_numbers(&self, shop: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT order_number FROM orders WHERE shop = $1 AND status NOT IN ('completed', 'cancelled')
             ORDER BY order_number",
        )
        .bind(shop)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn order_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&self.pool).await?)
    }

    pub async fn status_counts(&self) -> Result<Vec<StatusCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT shop, platform, status, COUNT(*) AS n FROM orders GROUP BY shop, platform, status
             ORDER BY shop, platform, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusCount {
                    shop: r.try_get("shop")?,
                    platform: r.try_get("platform")?,
                    status: r.try_get("status")?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }

    pub async fn events(&self, order_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, o.id AS order_id, e.kind, e.changes, e.recorded_ms
             FROM order_events e JOIN orders o ON o.key = e.order_key WHERE o.id = $1 ORDER BY e.seq",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    pub async fn event_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM order_events").fetch_one(&self.pool).await?)
    }

    pub async fn cursor(&self, shop: &str, stream: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT cursor FROM sync_cursors WHERE shop = $1 AND stream = $2")
            .bind(shop)
            .bind(stream)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn bad_orders(&self, shop: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT order_number, error FROM bad_orders WHERE shop = $1 ORDER BY order_number")
            .bind(shop)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("order_number")?, r.try_get("error")?))).collect()
    }

    pub async fn pause_shop(&self, shop: &str, reason: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO shop_state (shop, paused_reason, paused_ms) VALUES ($1, $2, $3)
             ON CONFLICT (shop) DO UPDATE SET paused_reason = excluded.paused_reason, paused_ms = excluded.paused_ms",
        )
        .bind(shop)
        .bind(reason)
        .bind(now_ms())
        .execute(&mut *self.writing().await?)
        .await?;
        Ok(())
    }

    pub async fn resume_shop(&self, shop: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM shop_state WHERE shop = $1").bind(shop).execute(&mut *self.writing().await?).await?;
        Ok(())
    }

    pub async fn paused(&self, shop: &str) -> Result<Option<(String, jiff::Timestamp)>, StoreError> {
        let row = sqlx::query(
            "SELECT paused_reason, paused_ms FROM shop_state WHERE shop = $1 AND paused_reason IS NOT NULL",
        )
        .bind(shop)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("paused_reason")?, timestamp(r.try_get("paused_ms")?)))).transpose()
    }

    pub async fn start_run(&self, shop: &str) -> Result<i64, StoreError> {
        let now = now_ms();
        let mut tx = self.begin_bookkeeping().await?;
        close_interrupted_runs(&mut tx, now).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sync_runs (shop, started_ms, outcome) VALUES ($1, $2, 'running') RETURNING id",
        )
        .bind(shop)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO leases (name, holder, expires_ms) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms",
        )
        .bind(run_lease(id))
        .bind(shop)
        .bind(now + crate::RUN_LEASE_MS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn renew_run(&self, id: i64, progress: Option<&RunProgress>) -> Result<(), StoreError> {
        let mut writing = self.writing().await?;
        sqlx::query("UPDATE leases SET expires_ms = $2 WHERE name = $1")
            .bind(run_lease(id))
            .bind(now_ms() + crate::RUN_LEASE_MS)
            .execute(&mut *writing)
            .await?;
        if let Some(progress) = progress {
            let text = serde_json::to_string(progress).expect("a run's progress serialises");
            sqlx::query("UPDATE sync_runs SET progress = $2 WHERE id = $1")
                .bind(id)
                .bind(text)
                .execute(&mut *writing)
                .await?;
        }
        Ok(())
    }

    pub async fn finish_run(&self, run: &SyncRun) -> Result<(), StoreError> {
        let mut tx = self.begin_bookkeeping().await?;
        sqlx::query(
            "UPDATE sync_runs SET ended_ms = $2, outcome = $3, pages = $4, api_calls = $5, orders_new = $6,
             orders_changed = $7, orders_unchanged = $8, orders_bad = $9, error = $10, progress = NULL WHERE id = $1",
        )
        .bind(run.id)
        .bind(run.ended_at.unwrap_or_else(Timestamp::now).as_millisecond())
        .bind(&run.outcome)
        .bind(run.pages as i64)
        .bind(run.api_calls as i64)
        .bind(run.orders.new as i64)
        .bind(run.orders.changed as i64)
        .bind(run.orders.unchanged as i64)
        .bind(run.orders.bad as i64)
        .bind(&run.error)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM leases WHERE name = $1").bind(run_lease(run.id)).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn close_interrupted_runs(&self) -> Result<u64, StoreError> {
        let mut tx = self.begin_bookkeeping().await?;
        let closed = close_interrupted_runs(&mut tx, now_ms()).await?;
        tx.commit().await?;
        Ok(closed)
    }

    pub async fn runs(&self, shop: Option<&str>, limit: i64) -> Result<Vec<SyncRun>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, shop, started_ms, ended_ms, outcome, pages, api_calls, orders_new, orders_changed,
                    orders_unchanged, orders_bad, error, progress
             FROM sync_runs WHERE ($1 IS NULL OR shop = $1) ORDER BY id DESC LIMIT $2",
        )
        .bind(shop)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let count = |column: &str| -> Result<u64, StoreError> { Ok(r.try_get::<i64, _>(column)? as u64) };
                Ok(SyncRun {
                    id: r.try_get("id")?,
                    shop: r.try_get("shop")?,
                    started_at: Some(timestamp(r.try_get("started_ms")?)),
                    ended_at: r.try_get::<Option<i64>, _>("ended_ms")?.map(timestamp),
                    outcome: r.try_get("outcome")?,
                    pages: count("pages")?,
                    api_calls: count("api_calls")?,
                    orders: WriteStats {
                        new: count("orders_new")?,
                        changed: count("orders_changed")?,
                        unchanged: count("orders_unchanged")?,
                        stale: 0,
                        bad: count("orders_bad")?,
                    },
                    error: r.try_get("error")?,
                    // Written by this program; unreadable only if edited by hand.
                    progress: r.try_get::<Option<String>, _>("progress")?.and_then(|t| serde_json::from_str(&t).ok()),
                })
            })
            .collect()
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// The lease a running sync run holds while its process lives (`Store::start_run`).
fn run_lease(id: i64) -> String {
    format!("run:{id}")
}

/// Marks as `interrupted` every run still `running` whose lease lapsed:
/// its process was killed or lost its store. The number of runs closed.
async fn close_interrupted_runs(tx: &mut Transaction<'static, Db>, now: i64) -> Result<u64, StoreError> {
    let closed = sqlx::query(
        "UPDATE sync_runs SET outcome = 'interrupted', ended_ms = $1,
             error = 'the run stopped without ending: its process was killed or lost the store'
         WHERE outcome = 'running'
           AND NOT EXISTS (SELECT 1 FROM leases WHERE leases.name = 'run:' || sync_runs.id AND leases.expires_ms >= $1)",
    )
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM leases WHERE name LIKE 'run:%' AND expires_ms < $1").bind(now).execute(&mut **tx).await?;
    Ok(closed.rows_affected())
}

/// A writing transaction open across several writes: see `Store::begin_batch`.
#[derive(Debug)]
pub(crate) struct OpenBatch {
    tx: Transaction<'static, Db>,
    dictionaries: Arc<Dictionaries>,
    /// Dictionaries this transaction has written (see `pack_documents`).
    dictionaries_written: HashSet<i64>,
    /// The key the next new order gets, once this transaction has looked it
    /// up (see `write_orders`).
    next_key: Option<i64>,
}

impl OpenBatch {
    /// Writes `orders` and `bad`; `rows`, when given, are the orders' rows,
    /// in order (`SqlStore::prepare`), else they are made here the same way.
    pub async fn write(
        &mut self,
        shop: &str,
        orders: &[Order],
        rows: Option<&mut [OrderRows]>,
        bad: &[BadRecord],
    ) -> Result<WriteStats, StoreError> {
        let now = now_ms();
        let mut made: Vec<OrderRows>;
        let rows = match rows {
            Some(rows) => rows,
            None => {
                made = prepare_rows(&self.dictionaries, orders);
                &mut made[..]
            }
        };
        let kept = latest_of_each(orders);
        let mut each: Vec<Option<&mut OrderRows>> = rows.iter_mut().map(Some).collect();
        let mut rows: Vec<&mut OrderRows> =
            kept.iter().map(|&i| each[i].take().expect("an order is kept once")).collect();
        let kept: Vec<&Order> = kept.into_iter().map(|i| &orders[i]).collect();
        let mut packing = Packing { dictionaries: &self.dictionaries, written: &mut self.dictionaries_written };
        let mut stats = write_orders(&mut self.tx, &mut packing, &mut self.next_key, &kept, &mut rows, now).await?;
        for record in bad {
            sqlx::query(
                "INSERT INTO bad_orders (shop, order_number, error, raw, recorded_ms) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (shop, order_number) DO UPDATE SET error = excluded.error, raw = excluded.raw,
                 recorded_ms = excluded.recorded_ms",
            )
            .bind(shop)
            .bind(record.order_number.as_deref().unwrap_or(""))
            .bind(&record.error)
            .bind(record.raw.to_string())
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
            stats.bad += 1;
        }
        Ok(stats)
    }

    pub async fn commit(mut self, shop: &str, cursor: Option<&CursorUpdate>) -> Result<(), StoreError> {
        if let Some(cursor) = cursor {
            sqlx::query(
                "INSERT INTO sync_cursors (shop, stream, cursor, updated_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (shop, stream) DO UPDATE SET cursor = excluded.cursor, updated_ms = excluded.updated_ms",
            )
            .bind(shop)
            .bind(&cursor.stream)
            .bind(&cursor.cursor)
            .bind(now_ms())
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// A time as a sort key: unix milliseconds, 0 when there is none.
fn sort_time(time: Option<Timestamp>) -> i64 {
    time.map_or(0, |t| t.as_millisecond())
}

/// An `order_events` row (seq, order_id, kind, changes, recorded_ms).
fn event_from_row(row: &DbRow) -> Result<StoredEvent, StoreError> {
    let order_id: String = row.try_get("order_id")?;
    Ok(StoredEvent {
        seq: row.try_get("seq")?,
        kind: row.try_get("kind")?,
        changes: changes_of(row, &order_id)?,
        recorded_at: timestamp(row.try_get("recorded_ms")?),
        order_id,
    })
}

/// An event row's `changes`, parsed.
fn changes_of(row: &DbRow, order_id: &str) -> Result<Vec<Change>, StoreError> {
    let text: String = row.try_get("changes")?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt { id: order_id.to_string(), detail: format!("event changes: {e}") })
}

fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The canonical order as stored: its JSON, exactly as the API emits it
/// (`orderhub_model::write_json`, which writes what serde_json would).
///
/// Written into a buffer sized for it up front: grown from empty, a
/// Damaijia document (8.7 KB, 6.8 KB of it the payload) was copied by seven
/// reallocations on the way (perf: 1.7% of a sync's CPU). The canonical
/// fields took at most 1 KB an item and 1 KB more in the sandbox's orders;
/// a larger order grows the buffer as it needs.
fn document_of(order: &Order) -> String {
    let mut json = Vec::with_capacity(order.raw.get().len() + 1024 * (order.items.len() + 1));
    orderhub_model::write_json(order, &mut json);
    // SAFETY: `write_json` writes UTF-8 only: the order's texts as they are
    // (or escaped in ASCII), and ASCII around them.
    unsafe { String::from_utf8_unchecked(json) }
}

impl SqlStore {
    /// Makes every dictionary the documents of `rows` were packed against
    /// readable: those this process has not seen are read, in one query.
    async fn learn_dictionaries(&self, rows: &[DbRow]) -> Result<(), StoreError> {
        let values = rows.iter().map(document_value).collect::<Result<Vec<_>, _>>()?;
        let missing = unknown_dictionaries(&self.dictionaries, values);
        if !missing.is_empty() {
            let mut conn = self.pool.acquire().await?;
            read_dictionaries(&mut conn, &self.dictionaries, &missing).await?;
        }
        Ok(())
    }

    /// The rows of `orders` (`OrderRows`), their documents packed against
    /// their platforms' dictionaries where this process holds them (see
    /// `Store::prepare`).
    pub(crate) fn prepare(&self, orders: &[Order]) -> Vec<OrderRows> {
        prepare_rows(&self.dictionaries, orders)
    }

    fn order_from_row(&self, row: &DbRow) -> Result<Order, StoreError> {
        let document = unpack_document(&self.dictionaries, row)?;
        parse_document(row, &document)
    }

    fn document_from_row(&self, row: &DbRow) -> Result<OrderDocument, StoreError> {
        let json = unpack_document(&self.dictionaries, row)?.into_owned();
        Ok(OrderDocument { id: row.try_get("id")?, json })
    }
}

/// The rows of `orders`, their documents packed against their platforms'
/// dictionaries where `dictionaries` holds them; the others are packed by
/// the write (`pack_documents`), which may have to make the dictionary.
fn prepare_rows(dictionaries: &Dictionaries, orders: &[Order]) -> Vec<OrderRows> {
    let mut documents: Vec<Document> =
        orders.iter().map(|order| Document { text: document_of(order), packed: None }).collect();
    if PACK_DOCUMENTS {
        for platform in platforms_of(orders.iter()) {
            if let Some(dictionary) = dictionaries.for_platform(platform) {
                pack_platform(&dictionary, orders.iter().zip(documents.iter_mut()));
            }
        }
    }
    orders.iter().zip(documents).map(|(order, document)| OrderRows::new(order, document)).collect()
}

/// The dictionaries the stored `values` (of the `document` column) were
/// packed against that this process has not read yet.
fn unknown_dictionaries<'r>(dictionaries: &Dictionaries, values: impl IntoIterator<Item = &'r [u8]>) -> Vec<i64> {
    let mut missing: Vec<i64> = Vec::new();
    if !PACK_DOCUMENTS {
        return missing;
    }
    for value in values {
        if let Ok(Stored::Packed { dictionary, .. }) = classify(value)
            && !dictionaries.knows(dictionary)
            && !missing.contains(&dictionary)
        {
            missing.push(dictionary);
        }
    }
    missing
}

/// Reads the dictionaries `ids` into `dictionaries`, on `conn` (a transaction
/// sees those it wrote itself).
async fn read_dictionaries(
    conn: &mut <Db as sqlx::Database>::Connection,
    dictionaries: &Dictionaries,
    ids: &[i64],
) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<Db>::new("SELECT id, content FROM document_dictionaries WHERE id IN (");
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    query.push(")");
    for row in query.build().fetch_all(&mut *conn).await? {
        let content: Vec<u8> = row.try_get("content")?;
        dictionaries.learn(row.try_get("id")?, &content);
    }
    Ok(())
}

/// The JSON text of a row's document (its dictionary learnt first).
fn unpack_document<'r>(dictionaries: &Dictionaries, row: &'r DbRow) -> Result<Cow<'r, str>, StoreError> {
    dictionaries
        .unpack(document_value(row)?)
        .map_err(|detail| StoreError::Corrupt { id: row.try_get("id").unwrap_or_default(), detail })
}

/// What `write_orders` packs documents with: the store's dictionaries, and
/// those the open transaction has written.
struct Packing<'a> {
    dictionaries: &'a Dictionaries,
    written: &'a mut HashSet<i64>,
}

/// The platforms of `orders`, each once.
fn platforms_of<'a, O: std::borrow::Borrow<Order> + 'a>(orders: impl Iterator<Item = &'a O>) -> Vec<&'a str> {
    let mut platforms: Vec<&str> = orders.map(|order| order.borrow().platform.as_str()).collect();
    platforms.sort_unstable();
    platforms.dedup();
    platforms
}

/// Packs the documents of `dictionary`'s platform's orders against it (those
/// not packed against it already): each order with its document.
fn pack_platform<'a, O: std::borrow::Borrow<Order> + 'a>(
    dictionary: &Dictionary,
    orders: impl Iterator<Item = (&'a O, &'a mut Document)>,
) {
    let mut packer = dictionary.packer();
    for (order, document) in orders {
        if order.borrow().platform.as_str() == dictionary.platform && document.dictionary() != Some(dictionary.id) {
            document.packed = Some(packer.pack(&document.text));
        }
    }
}

/// Packs the documents of `rows` (those of `orders`, in order) where documents are
/// packed, each against its platform's dictionary. A platform without one
/// gets one: the one another process stored, or one made of these documents
/// (when there are enough; until then they are stored as text). Every
/// dictionary used is written in this transaction (a no-op when stored), so
/// no packed document is ever committed without its dictionary, even when
/// the transaction that first made the dictionary was rolled back.
async fn pack_documents(
    tx: &mut Transaction<'static, Db>,
    packing: &mut Packing<'_>,
    orders: &[&Order],
    rows: &mut [&mut OrderRows],
) -> Result<(), StoreError> {
    if !PACK_DOCUMENTS {
        return Ok(());
    }
    for platform in platforms_of(orders.iter().copied()) {
        let mut dictionary = packing.dictionaries.for_platform(platform);
        if dictionary.is_none() {
            let stored = sqlx::query(
                "SELECT content FROM document_dictionaries WHERE platform = $1 ORDER BY created_ms DESC, id DESC LIMIT 1",
            )
            .bind(platform)
            .fetch_optional(&mut **tx)
            .await?;
            dictionary = match stored {
                Some(row) => Some(Dictionary::new(platform, row.try_get("content")?)),
                None => Dictionary::from_samples(
                    platform,
                    orders
                        .iter()
                        .zip(rows.iter())
                        .filter(|(o, _)| o.platform.as_str() == platform)
                        .map(|(_, r)| r.document.text.as_str()),
                ),
            }
            .map(Arc::new);
            if let Some(dictionary) = &dictionary {
                packing.dictionaries.adopt(dictionary.clone());
            }
        }
        let Some(dictionary) = dictionary else { continue };
        if packing.written.insert(dictionary.id) {
            sqlx::query(
                "INSERT INTO document_dictionaries (id, platform, content, created_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(dictionary.id)
            .bind(platform)
            .bind(dictionary.content.as_slice())
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
        }
        pack_platform(&dictionary, orders.iter().copied().zip(rows.iter_mut().map(|r| &mut r.document)));
    }
    Ok(())
}

fn parse_document(row: &DbRow, document: &str) -> Result<Order, StoreError> {
    serde_json::from_str(document).map_err(|e| StoreError::Corrupt {
        id: row.try_get("id").unwrap_or_default(),
        detail: format!("document: {e}"),
    })
}

/// One version of each order: where a page holds an order twice (a listing
/// that shifted while paged), the newer by platform update time, else the later.
/// (Their indexes in `orders`.)
fn latest_of_each(orders: &[Order]) -> Vec<usize> {
    let mut at: HashMap<&str, usize> = HashMap::with_capacity(orders.len());
    let mut kept: Vec<usize> = Vec::with_capacity(orders.len());
    for (index, order) in orders.iter().enumerate() {
        match at.get(order.id.as_str()) {
            Some(&k) if orders[kept[k]].updated_at > order.updated_at => {}
            Some(&k) => kept[k] = index,
            None => {
                at.insert(&order.id, kept.len());
                kept.push(index);
            }
        }
    }
    kept
}

/// A stored order as a write finds it (`lookup_orders`): what deciding how
/// to write an incoming version of it takes.
pub(crate) struct StoredVersion {
    pub key: i64,
    pub id: String,
    /// The `document` column's value: JSON text, or packed (`crate::documents`).
    pub document: Vec<u8>,
    /// The platform's update time, unix milliseconds (0: none).
    pub updated_ms: Option<i64>,
}

impl StoredVersion {
    /// A row of `key, id, document, updated_ms` from `orders`.
    fn from_row(row: &DbRow) -> Result<StoredVersion, StoreError> {
        Ok(StoredVersion {
            key: row.try_get("key")?,
            id: row.try_get("id")?,
            document: document_value(row)?.to_vec(),
            updated_ms: row.try_get("updated_ms")?,
        })
    }

    /// The stored order (its document's dictionary learnt first).
    fn order(&self, dictionaries: &Dictionaries) -> Result<Order, StoreError> {
        let corrupt = |detail| StoreError::Corrupt { id: self.id.clone(), detail };
        let text = dictionaries.unpack(&self.document).map_err(corrupt)?;
        serde_json::from_str(&text).map_err(|e| corrupt(format!("document: {e}")))
    }
}

/// What writing one order must do.
enum Write<'a> {
    /// A new order, with its rows.
    Insert(&'a Order, &'a OrderRows),
    /// A changed order.
    Update(ChangedOrder<'a>),
    /// Only the payload changed, in fields the mapping does not read.
    RawOnly(&'a Order, &'a Document),
}

/// A stored order that changed: its key, the incoming version and its rows,
/// and what the stored version it replaces had.
struct ChangedOrder<'a> {
    key: i64,
    order: &'a Order,
    rows: &'a OrderRows,
    replaced: Replaced,
}

/// What a changed order's write replaces: its changes (as the event's JSON)
/// and the stored version's search terms (those no longer found are deleted).
struct Replaced {
    changes: String,
    terms: Vec<String>,
}

/// A new or changed order with its key: what its rows are made of.
struct KeyedWrite<'a> {
    key: i64,
    order: &'a Order,
    rows: &'a OrderRows,
    /// `None` for a new order.
    replaced: Option<Replaced>,
}

/// The stored versions of the orders `ids` (those that are stored), in the
/// open transaction: one statement for up to `ORDERS_PER_STATEMENT` ids.
///
/// Through SQLite's C API, as the inserts are, it took 1% fewer
/// instructions and no less time (callgrind, a 20,000-order Damaijia sync).
pub(crate) async fn lookup_orders(
    tx: &mut Transaction<'static, Db>,
    ids: &[&str],
) -> Result<Vec<StoredVersion>, StoreError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(ORDERS_PER_STATEMENT) {
        let mut query = sqlx::QueryBuilder::<Db>::new("SELECT key, id, document, updated_ms FROM orders WHERE id IN (");
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        query.push(")");
        for row in query.build().fetch_all(&mut **tx).await? {
            found.push(StoredVersion::from_row(&row)?);
        }
    }
    Ok(found)
}

/// SQLite takes at most 32766 bound values per statement and PostgreSQL 65535;
/// chunks stay well below both.
pub(super) const ORDERS_PER_STATEMENT: usize = 500;

/// Inserts, updates or skips each order and logs its events. `rows` are
/// those of `orders`, in order; their documents are packed here where they
/// were not yet (a platform's first page, whose documents make its dictionary).
/// New orders get their keys here (`assign_keys`).
async fn write_orders(
    tx: &mut Transaction<'static, Db>,
    packing: &mut Packing<'_>,
    next_key: &mut Option<i64>,
    orders: &[&Order],
    rows: &mut [&mut OrderRows],
    now: i64,
) -> Result<WriteStats, StoreError> {
    let mut stats = WriteStats::default();
    // Orders whose links the store resolves differently from the incoming
    // (or stored) version are written in that version instead (`links`).
    let batch_len = orders.len();
    let (places, relinked_orders): (Vec<Option<usize>>, Vec<Order>) =
        links::relink(tx, packing.dictionaries, orders).await?.into_iter().map(|r| (r.index, r.order)).unzip();
    let mut relinked_rows = prepare_rows(packing.dictionaries, &relinked_orders);
    let mut orders: Vec<&Order> = orders.to_vec();
    let mut rows: Vec<&mut OrderRows> = rows.iter_mut().map(|rows| &mut **rows).collect();
    for ((place, order), order_rows) in places.iter().zip(&relinked_orders).zip(relinked_rows.iter_mut()) {
        match *place {
            Some(index) => (orders[index], rows[index]) = (order, order_rows),
            None => {
                orders.push(order);
                rows.push(order_rows);
            }
        }
    }
    let stored = stored_versions(tx, packing.dictionaries, &orders).await?;
    pack_documents(tx, packing, &orders, &mut rows).await?;
    let rows: Vec<&OrderRows> = rows.iter().map(|rows| &**rows).collect();
    let mut writes = Vec::with_capacity(orders.len());
    // Stored orders rewritten for their links are another batch's (often
    // another shop's): they are not counted in this one's figures.
    let (mut others, mut others_changed) = (WriteStats::default(), 0);
    for (index, (&order, &rows)) in orders.iter().zip(&rows).enumerate() {
        let counted = if index < batch_len { &mut stats } else { &mut others };
        if let Some(write) = decide(order, rows, stored.get(&order.id), packing.dictionaries, counted)? {
            others_changed += usize::from(index >= batch_len && matches!(write, Write::Update(_)));
            writes.push(write);
        }
    }
    let keyed = assign_keys(tx, next_key, writes, &mut stats).await?;
    stats.changed -= others_changed as u64;
    delete_replaced_rows(tx, &keyed).await?;
    insert_rows(tx, &rows_of(&keyed, now)).await?;
    let written: Vec<(i64, &Order, bool)> = keyed.iter().map(|w| (w.key, w.order, w.replaced.is_some())).collect();
    links::write_link_rows(tx, &written).await?;
    Ok(stats)
}

/// The stored versions of `orders`, by id, with the dictionaries their
/// documents were packed against read.
async fn stored_versions(
    tx: &mut Transaction<'static, Db>,
    dictionaries: &Dictionaries,
    orders: &[&Order],
) -> Result<HashMap<String, StoredVersion>, StoreError> {
    let ids: Vec<&str> = orders.iter().map(|order| order.id.as_str()).collect();
    let stored: HashMap<String, StoredVersion> =
        lookup_orders(tx, &ids).await?.into_iter().map(|version| (version.id.clone(), version)).collect();
    let missing = unknown_dictionaries(dictionaries, stored.values().map(|v| v.document.as_slice()));
    if !missing.is_empty() {
        read_dictionaries(tx, dictionaries, &missing).await?;
    }
    Ok(stored)
}

/// What writing `order` must do given its stored version, if any: `None`
/// when nothing (an older version than stored, or the same order), counted
/// in `stats`.
fn decide<'a>(
    order: &'a Order,
    rows: &'a OrderRows,
    stored: Option<&StoredVersion>,
    dictionaries: &Dictionaries,
    stats: &mut WriteStats,
) -> Result<Option<Write<'a>>, StoreError> {
    let Some(version) = stored else { return Ok(Some(Write::Insert(order, rows))) };
    // 0 stands for "no update time" (sort keys are never NULL).
    if let (Some(stored), Some(incoming)) = (version.updated_ms, order.updated_at.map(|t| t.as_millisecond()))
        && stored > 0
        && incoming < stored
    {
        stats.stale += 1;
        return Ok(None);
    }
    // The same stored value is the same JSON text (packing is
    // deterministic), so the same order: the common case costs one comparison.
    if version.document == rows.document.stored() {
        stats.unchanged += 1;
        return Ok(None);
    }
    let stored_order = version.order(dictionaries)?;
    let changes = diff(&stored_order, order);
    if changes.is_empty() {
        stats.unchanged += 1;
        return Ok(None);
    }
    if changes.iter().all(|c| c.field == "raw") {
        // The same order from another endpoint (detail instead of list), or a
        // payload field the mapping does not read: keep the payload, no event.
        stats.unchanged += 1;
        return Ok(Some(Write::RawOnly(order, &rows.document)));
    }
    let changes = serde_json::to_string(&changes).expect("changes serialise");
    let replaced = Replaced { changes, terms: search_terms(&stored_order) };
    Ok(Some(Write::Update(ChangedOrder { key: version.key, order, rows, replaced })))
}

/// Writes the payload-only changes, and gives every new order its key:
/// the new and changed orders in the order they came.
///
/// Keys count on from the largest stored (`next_key`, looked up once per
/// transaction): the transaction holds the store's write lock (SQLite's, or
/// PostgreSQL's advisory lock), so no other writer adds an order meanwhile.
/// Why not let the database number them and return the keys (`RETURNING`):
/// on SQLite each returned row crosses from the database thread to the
/// writing task on its own, and a page's hundred rows tripled the writing
/// thread's context switches (6,363 to 21,556 in a 30,000-order Damaijia sync).
async fn assign_keys<'a>(
    tx: &mut Transaction<'static, Db>,
    next_key: &mut Option<i64>,
    writes: Vec<Write<'a>>,
    stats: &mut WriteStats,
) -> Result<Vec<KeyedWrite<'a>>, StoreError> {
    if next_key.is_none() && writes.iter().any(|write| matches!(write, Write::Insert(..))) {
        let largest: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(key), 0) FROM orders").fetch_one(&mut **tx).await?;
        *next_key = Some(largest + 1);
    }
    let mut keyed = Vec::with_capacity(writes.len());
    for write in writes {
        match write {
            Write::Insert(order, rows) => {
                stats.new += 1;
                let key = next_key.as_mut().expect("looked up above");
                keyed.push(KeyedWrite { key: *key, order, rows, replaced: None });
                *key += 1;
            }
            Write::Update(ChangedOrder { key, order, rows, replaced }) => {
                stats.changed += 1;
                keyed.push(KeyedWrite { key, order, rows, replaced: Some(replaced) });
            }
            Write::RawOnly(order, document) => {
                let query = sqlx::query("UPDATE orders SET document = $2 WHERE id = $1").bind(&order.id);
                let query = match &document.packed {
                    Some(packed) => query.bind(packed.as_slice()),
                    None => query.bind(document.text.as_str()),
                };
                query.execute(&mut **tx).await?;
            }
        }
    }
    Ok(keyed)
}

/// Deletes what changed orders' rows replace: all their items (the items
/// table indexes lines for queries; the document keeps every line as sent,
/// so a platform repeating a line id loses nothing), and the search terms
/// their new versions no longer have (deleted by their key; see `order_terms`).
async fn delete_replaced_rows(tx: &mut Transaction<'static, Db>, keyed: &[KeyedWrite<'_>]) -> Result<(), StoreError> {
    let changed: Vec<(i64, &OrderRows, &Replaced)> =
        keyed.iter().filter_map(|w| Some((w.key, w.rows, w.replaced.as_ref()?))).collect();
    for chunk in changed.chunks(ORDERS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Db>::new("DELETE FROM order_items WHERE order_key IN (");
        let mut keys = query.separated(", ");
        for (key, ..) in chunk {
            keys.push_bind(*key);
        }
        query.push(")");
        query.build().execute(&mut **tx).await?;
    }
    let stale_terms: Vec<(i64, &str)> = changed
        .iter()
        .flat_map(|(key, rows, replaced)| {
            replaced.terms.iter().filter(|t| !rows.terms.contains(t)).map(|t| (*key, t.as_str()))
        })
        .collect();
    for chunk in stale_terms.chunks(ORDERS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Db>::new("DELETE FROM order_terms WHERE (term, order_key) IN (VALUES ");
        let mut pairs = query.separated(", ");
        for (key, term) in chunk {
            pairs.push("(").push_bind_unseparated(*term).push_unseparated(", ");
            pairs.push_bind_unseparated(*key).push_unseparated(")");
        }
        query.push(")");
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Every row of the keyed writes, table by table, for `insert_rows`: new
/// orders, changed orders (an upsert that always updates: each was found
/// stored; their keys stay as they are), then the terms, items and events
/// of both.
///
/// New orders are inserted, not upserted: they were looked up in this
/// transaction, so none is stored yet, and a plain insert needs no
/// statement journal on SQLite (see `INSERT_INTO`).
fn rows_of<'a>(keyed: &'a [KeyedWrite<'a>], now: i64) -> [Rows<'a>; 5] {
    let mut new_orders = Rows::new("orders", ORDER_COLUMNS, "");
    let mut changed_orders = Rows::new("orders", &ORDER_COLUMNS[1..], CHANGED_ORDER);
    let mut events = Rows::new("order_events", &["order_key", "kind", "changes", "recorded_ms"], "");
    // Events in the order the writes came: a new order's `created`, made
    // with its rows; a changed order's `changed`, with what changed.
    for write in keyed {
        let (kind, changes) = match &write.replaced {
            None => {
                new_orders.push(std::iter::once(Cell::Int(write.key)).chain(order_cells(write.order, write.rows, now)));
                ("created", write.rows.created.as_str())
            }
            Some(replaced) => {
                changed_orders.push(order_cells(write.order, write.rows, now));
                ("changed", replaced.changes.as_str())
            }
        };
        events.push([Cell::Int(write.key), Cell::Text(kind), Cell::Text(changes), Cell::Int(now)]);
    }
    [new_orders, changed_orders, term_rows(keyed), item_rows(keyed), events]
}

/// The search terms to insert: a new order's all, a changed order's that
/// its replaced version did not have; in term order, so that neighbouring
/// inserts land on the same B-tree pages.
fn term_rows<'a>(keyed: &'a [KeyedWrite<'a>]) -> Rows<'a> {
    let mut new_terms: Vec<(i64, &str)> = Vec::new();
    for write in keyed {
        let old = write.replaced.as_ref().map_or(&[][..], |replaced| &replaced.terms);
        new_terms.extend(write.rows.terms.iter().filter(|t| !old.contains(t)).map(|t| (write.key, t.as_str())));
    }
    new_terms.sort_unstable_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
    let mut rows = Rows::new("order_terms", &["term", "order_key"], "ON CONFLICT DO NOTHING");
    for (key, term) in new_terms {
        rows.push([Cell::Text(term), Cell::Int(key)]);
    }
    rows
}

/// The item rows of new and changed orders (a changed order's old ones are
/// deleted by `delete_replaced_rows`).
fn item_rows<'a>(keyed: &'a [KeyedWrite<'a>]) -> Rows<'a> {
    let mut rows = Rows::new(
        "order_items",
        &["order_key", "line_id", "sku", "product_id", "sku_id", "title", "quantity", "unit_price", "total"],
        "ON CONFLICT (order_key, line_id) DO NOTHING",
    );
    for write in keyed {
        for (item, (unit_price, total)) in write.order.items.iter().zip(&write.rows.prices) {
            rows.push([
                Cell::Int(write.key),
                Cell::Text(&item.line_id),
                item.sku.as_deref().into(),
                item.product_id.as_deref().into(),
                item.sku_id.as_deref().into(),
                item.title.as_deref().into(),
                Cell::Int(i64::from(item.quantity)),
                Cell::Text(unit_price),
                Cell::Text(total),
            ]);
        }
    }
    rows
}

/// The columns of a new order's row, in the order `write_orders` gives them.
const ORDER_COLUMNS: &[&str] = &[
    "key",
    "id",
    "platform",
    "shop",
    "order_number",
    "status",
    "payment_status",
    "fulfillment_status",
    "refund_status",
    "currency",
    "total",
    "created_ms",
    "updated_ms",
    "document",
    "first_seen_ms",
    "last_changed_ms",
    "ship_by_ms",
];

/// What a changed order's row does: it replaces the stored one's columns
/// (not its key, nor when it was first seen).
const CHANGED_ORDER: &str = "ON CONFLICT (id) DO UPDATE SET status = excluded.status,
     payment_status = excluded.payment_status, fulfillment_status = excluded.fulfillment_status,
     refund_status = excluded.refund_status, currency = excluded.currency, total = excluded.total,
     created_ms = excluded.created_ms, updated_ms = excluded.updated_ms, document = excluded.document,
     last_changed_ms = excluded.last_changed_ms, ship_by_ms = excluded.ship_by_ms";

/// An order's row after its key, as `ORDER_COLUMNS` names them.
fn order_cells<'a>(order: &'a Order, rows: &'a OrderRows, now: i64) -> [Cell<'a>; 16] {
    [
        Cell::Text(&order.id),
        Cell::Text(order.platform.as_str()),
        Cell::Text(&order.shop),
        Cell::Text(&order.order_number),
        Cell::Text(order.status.as_str()),
        Cell::Text(order.payment_status.as_str()),
        Cell::Text(order.fulfillment_status.as_str()),
        Cell::Text(order.refund_status.as_str()),
        order.currency.as_deref().into(),
        Cell::Text(&rows.total),
        Cell::Int(sort_time(order.created_at)),
        Cell::Int(sort_time(order.updated_at)),
        match &rows.document.packed {
            Some(packed) => Cell::Blob(packed),
            None => Cell::Text(&rows.document.text),
        },
        Cell::Int(now),
        Cell::Int(now),
        order.ship_by.map_or(Cell::NullInt, |at| Cell::Int(at.as_millisecond())),
    ]
}

/// One value of a row for `insert_rows`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// NULL, in a text column (PostgreSQL types the parameter as text).
    Null,
    /// NULL, in an integer column.
    NullInt,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(text: Option<&'a str>) -> Self {
        text.map_or(Cell::Null, Cell::Text)
    }
}

/// New rows of one table, for `insert_rows`: `columns.len()` cells a row.
pub(crate) struct Rows<'a> {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    /// What follows the values: an `ON CONFLICT` clause, or nothing.
    pub on_conflict: &'static str,
    pub cells: Vec<Cell<'a>>,
}

impl<'a> Rows<'a> {
    pub(crate) fn new(table: &'static str, columns: &'static [&'static str], on_conflict: &'static str) -> Self {
        Rows { table, columns, on_conflict, cells: Vec::new() }
    }

    pub(crate) fn push(&mut self, row: impl IntoIterator<Item = Cell<'a>>) {
        let before = self.cells.len();
        self.cells.extend(row);
        debug_assert_eq!(self.cells.len() - before, self.columns.len(), "a row of {}", self.table);
    }
}

mod attention;
mod copy;
mod feed;
mod keys;
mod leases;
mod links;
mod outbox;
mod query;
mod upkeep;
