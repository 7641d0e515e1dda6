//! The SQLite store. All of the SQL is here.

use crate::error::redact_url;
use crate::{BadRecord, CursorUpdate, OrderFilter, StatusCount, StoreError, StoredEvent, SyncRun, WriteStats};
use jiff::Timestamp;
use orderhub_model::{Change, Order, diff};
use serde_json::Value;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlStr, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// The migrations, embedded: (version, description, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "init", include_str!("../migrations/sqlite/0001_init.sql"))];

/// The order store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

impl Store {
    /// Opens (creating if missing) the database at `url` and brings its schema
    /// up to date. `url` is `sqlite://PATH` or `sqlite::memory:`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        if !url.starts_with("sqlite:") {
            return Err(StoreError::Unsupported {
                url: redact_url(url),
                reason: "this build stores orders in SQLite: use database.url = \"sqlite://orderhub.db\"".into(),
            });
        }
        let open_error = |source| StoreError::Open { url: redact_url(url), source };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(open_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(open_error)?;
        let migrations = MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(version, description.into(), MigrationType::Simple, SqlStr::from_static(sql), false)
            })
            .collect();
        Migrator::with_migrations(migrations).run(&pool).await?;
        Ok(Store { pool })
    }

    /// Writes a page of orders, the bad payloads that came with it and the cursor
    /// that covers it, all in one transaction.
    pub async fn write_batch(
        &self,
        shop: &str,
        orders: &[Order],
        bad: &[BadRecord],
        cursor: Option<&CursorUpdate>,
    ) -> Result<WriteStats, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut stats = WriteStats::default();
        let now = now_ms();
        for order in orders {
            write_order(&mut tx, order, now, &mut stats).await?;
        }
        for record in bad {
            sqlx::query(
                "INSERT INTO bad_orders (shop, order_number, error, raw, recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (shop, order_number) DO UPDATE SET error = excluded.error, raw = excluded.raw,
                 recorded_ms = excluded.recorded_ms",
            )
            .bind(shop)
            .bind(record.order_number.as_deref().unwrap_or(""))
            .bind(&record.error)
            .bind(record.raw.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            stats.bad += 1;
        }
        if let Some(cursor) = cursor {
            sqlx::query(
                "INSERT INTO sync_cursors (shop, stream, cursor, updated_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (shop, stream) DO UPDATE SET cursor = excluded.cursor, updated_ms = excluded.updated_ms",
            )
            .bind(shop)
            .bind(&cursor.stream)
            .bind(&cursor.cursor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(stats)
    }

    /// One order by hub id.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let sql = SqlStr::from_static("SELECT id, document, raw FROM orders WHERE id = ?1");
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(|row| order_from_row(&row)).transpose()
    }

    /// Orders matching `filter`, newest first.
    pub async fn orders(&self, filter: &OrderFilter) -> Result<Vec<Order>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, document, raw FROM orders
             WHERE (?1 IS NULL OR platform = ?1) AND (?2 IS NULL OR shop = ?2) AND (?3 IS NULL OR status = ?3)
               AND (?5 IS NULL OR order_number = ?5)
             ORDER BY created_ms DESC, id DESC LIMIT ?4",
        )
        .bind(&filter.platform)
        .bind(&filter.shop)
        .bind(&filter.status)
        .bind(filter.limit.unwrap_or(i64::MAX))
        .bind(&filter.order_number)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Calls `each` for every order matching `filter` (its `limit` aside), in hub
    /// id order, reading 500 at a time so that memory stays flat however many
    /// orders there are.
    pub async fn for_each_order<E: From<StoreError>>(
        &self,
        filter: &OrderFilter,
        mut each: impl FnMut(Order) -> Result<(), E>,
    ) -> Result<u64, E> {
        let (mut after, mut count) = (String::new(), 0u64);
        loop {
            let rows = sqlx::query(
                "SELECT id, document, raw FROM orders
                 WHERE id > ?1 AND (?2 IS NULL OR platform = ?2) AND (?3 IS NULL OR shop = ?3)
                   AND (?4 IS NULL OR status = ?4) AND (?5 IS NULL OR order_number = ?5)
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
            for row in &rows {
                each(order_from_row(row)?)?;
                count += 1;
            }
        }
    }

    /// Number of orders stored.
    pub async fn order_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&self.pool).await?)
    }

    /// Orders per shop and status.
    pub async fn status_counts(&self) -> Result<Vec<StatusCount>, StoreError> {
        let rows = sqlx::query("SELECT shop, status, COUNT(*) AS n FROM orders GROUP BY shop, status ORDER BY shop, status")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(StatusCount { shop: r.try_get("shop")?, status: r.try_get("status")?, count: r.try_get("n")? }))
            .collect()
    }

    /// An order's timeline, oldest first.
    pub async fn events(&self, order_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, order_id, kind, changes, recorded_ms FROM order_events WHERE order_id = ?1 ORDER BY seq",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let order_id: String = row.try_get("order_id")?;
                let changes: String = row.try_get("changes")?;
                let changes: Vec<Change> = serde_json::from_str(&changes)
                    .map_err(|e| StoreError::Corrupt { id: order_id.clone(), detail: format!("event changes: {e}") })?;
                Ok(StoredEvent {
                    seq: row.try_get("seq")?,
                    kind: row.try_get("kind")?,
                    changes,
                    recorded_at: timestamp(row.try_get("recorded_ms")?),
                    order_id,
                })
            })
            .collect()
    }

    /// Events in the whole store.
    pub async fn event_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM order_events").fetch_one(&self.pool).await?)
    }

    /// The committed cursor of one stream of one shop.
    pub async fn cursor(&self, shop: &str, stream: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT cursor FROM sync_cursors WHERE shop = ?1 AND stream = ?2")
            .bind(shop)
            .bind(stream)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Bad payloads recorded for a shop: (order number, error).
    pub async fn bad_orders(&self, shop: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT order_number, error FROM bad_orders WHERE shop = ?1 ORDER BY order_number")
            .bind(shop)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("order_number")?, r.try_get("error")?))).collect()
    }

    /// Records the start of a sync run; returns its id.
    pub async fn start_run(&self, shop: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO sync_runs (shop, started_ms, outcome) VALUES (?1, ?2, 'running') RETURNING id",
        )
        .bind(shop)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records how a sync run ended.
    pub async fn finish_run(&self, run: &SyncRun) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sync_runs SET ended_ms = ?2, outcome = ?3, pages = ?4, api_calls = ?5, orders_new = ?6,
             orders_changed = ?7, orders_unchanged = ?8, orders_bad = ?9, error = ?10 WHERE id = ?1",
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest runs, newest first, of one shop or of all.
    pub async fn runs(&self, shop: Option<&str>, limit: i64) -> Result<Vec<SyncRun>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, shop, started_ms, ended_ms, outcome, pages, api_calls, orders_new, orders_changed,
                    orders_unchanged, orders_bad, error
             FROM sync_runs WHERE (?1 IS NULL OR shop = ?1) ORDER BY id DESC LIMIT ?2",
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
                })
            })
            .collect()
    }

    /// Closes the pool, flushing the write-ahead log.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The canonical document without `raw`, which has a column of its own.
fn document_of(order: &Order) -> String {
    let mut doc = serde_json::to_value(order).expect("an Order always serialises");
    if let Value::Object(map) = &mut doc {
        map.shift_remove("raw");
    }
    doc.to_string()
}

fn order_from_row(row: &SqliteRow) -> Result<Order, StoreError> {
    let id: String = row.try_get("id")?;
    let document: String = row.try_get("document")?;
    let raw: String = row.try_get("raw")?;
    let corrupt = |detail: String| StoreError::Corrupt { id: id.clone(), detail };
    let mut doc: Value = serde_json::from_str(&document).map_err(|e| corrupt(format!("document: {e}")))?;
    let raw: Value = serde_json::from_str(&raw).map_err(|e| corrupt(format!("raw: {e}")))?;
    if let Value::Object(map) = &mut doc {
        map.insert("raw".into(), raw);
    }
    serde_json::from_value(doc).map_err(|e| corrupt(format!("document: {e}")))
}

/// Inserts, updates or skips one order, and logs its event.
async fn write_order(
    tx: &mut Transaction<'static, sqlx::Sqlite>,
    order: &Order,
    now: i64,
    stats: &mut WriteStats,
) -> Result<(), StoreError> {
    let existing = sqlx::query("SELECT id, document, raw, updated_ms FROM orders WHERE id = ?1")
        .bind(&order.id)
        .fetch_optional(&mut **tx)
        .await?;
    let (kind, changes) = match existing {
        None => {
            let summary = ["status", "payment_status", "fulfillment_status", "refund_status", "total"];
            let doc = serde_json::to_value(order).expect("an Order always serialises");
            let changes: Vec<Change> = summary
                .iter()
                .map(|field| Change { field: (*field).into(), from: Value::Null, to: doc[*field].clone() })
                .collect();
            ("created", changes)
        }
        Some(row) => {
            let stored_updated: Option<i64> = row.try_get("updated_ms")?;
            let incoming_updated = order.updated_at.map(|t| t.as_millisecond());
            if let (Some(stored), Some(incoming)) = (stored_updated, incoming_updated)
                && incoming < stored
            {
                stats.stale += 1;
                return Ok(());
            }
            let changes = diff(&order_from_row(&row)?, order);
            if changes.is_empty() {
                stats.unchanged += 1;
                return Ok(());
            }
            // Only payload fields the mapping does not read changed (or the same
            // order came from another endpoint, e.g. detail instead of list): keep
            // the new payload, but the canonical order did not change, so no event.
            if changes.iter().all(|c| c.field == "raw") {
                sqlx::query("UPDATE orders SET raw = ?2 WHERE id = ?1")
                    .bind(&order.id)
                    .bind(order.raw.to_string())
                    .execute(&mut **tx)
                    .await?;
                stats.unchanged += 1;
                return Ok(());
            }
            ("changed", changes)
        }
    };

    sqlx::query(
        "INSERT INTO orders (id, platform, shop, order_number, status, payment_status, fulfillment_status,
             refund_status, currency, total, created_ms, updated_ms, document, raw, first_seen_ms, last_changed_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, payment_status = excluded.payment_status,
             fulfillment_status = excluded.fulfillment_status, refund_status = excluded.refund_status,
             currency = excluded.currency, total = excluded.total, created_ms = excluded.created_ms,
             updated_ms = excluded.updated_ms, document = excluded.document, raw = excluded.raw,
             last_changed_ms = excluded.last_changed_ms",
    )
    .bind(&order.id)
    .bind(order.platform.as_str())
    .bind(&order.shop)
    .bind(&order.order_number)
    .bind(order.status.as_str())
    .bind(order.payment_status.as_str())
    .bind(order.fulfillment_status.as_str())
    .bind(order.refund_status.as_str())
    .bind(&order.currency)
    .bind(order.total.to_string())
    .bind(order.created_at.map(|t| t.as_millisecond()))
    .bind(order.updated_at.map(|t| t.as_millisecond()))
    .bind(document_of(order))
    .bind(order.raw.to_string())
    .bind(now)
    .execute(&mut **tx)
    .await?;

    // The items table indexes lines for queries (by sku); the document keeps
    // every line as sent, so a platform repeating a line id loses nothing.
    sqlx::query("DELETE FROM order_items WHERE order_id = ?1").bind(&order.id).execute(&mut **tx).await?;
    for item in &order.items {
        sqlx::query(
            "INSERT INTO order_items (order_id, line_id, sku, product_id, sku_id, title, quantity, unit_price, total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (order_id, line_id) DO NOTHING",
        )
        .bind(&order.id)
        .bind(&item.line_id)
        .bind(&item.sku)
        .bind(&item.product_id)
        .bind(&item.sku_id)
        .bind(&item.title)
        .bind(i64::from(item.quantity))
        .bind(item.unit_price.to_string())
        .bind(item.total.to_string())
        .execute(&mut **tx)
        .await?;
    }

    sqlx::query("INSERT INTO order_events (order_id, kind, changes, recorded_ms) VALUES (?1, ?2, ?3, ?4)")
        .bind(&order.id)
        .bind(kind)
        .bind(serde_json::to_string(&changes).expect("changes serialise"))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    match kind {
        "created" => stats.new += 1,
        _ => stats.changed += 1,
    }
    Ok(())
}

#[cfg(test)]
mod tests;
