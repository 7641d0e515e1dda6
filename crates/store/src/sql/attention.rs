//! The attention list: items kept in step with the causes found now, and
//! the facts causes are found from.

use super::{Db, DbRow, SqlStore, Turn, next_feed_seq, now_ms, timestamp};
use crate::StoreError;
use crate::attention::{
    AttentionCause, AttentionFilter, AttentionItem, DueShipment, PausedShop, Reconciled, Severity, SyncAge, UnreadOrder,
};
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Transaction};
use std::collections::HashMap;

const COLUMNS: &str = "id, cause, kind, severity, shop, platform, order_id, reason, action, opened_ms, raised_ms, \
                       cleared_ms, dismissed_ms, dismissed_by, note";

/// The change feed's kind for an item that opened.
const OPENED: &str = "attention.opened";
/// The change feed's kind for an item that closed: its cause cleared, or a person dismissed it.
const CLOSED: &str = "attention.closed";

/// Puts `item`, as it is now, in the change feed as an event of `kind`.
async fn record_event(tx: &mut Transaction<'static, Db>, kind: &str, item: &AttentionItem) -> Result<(), StoreError> {
    let seq = next_feed_seq(tx).await?;
    sqlx::query("INSERT INTO attention_events (seq, item_id, kind, item, recorded_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(seq)
        .bind(item.id)
        .bind(kind)
        .bind(serde_json::to_string(item).expect("an item serialises"))
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl SqlStore {
    pub async fn reconcile_attention(
        &self,
        causes: &[AttentionCause],
        kinds: &[&str],
    ) -> Result<Reconciled, StoreError> {
        let mut tx = self.begin_writing(Turn::Short).await?;
        let now = now_ms();
        let sql = format!("SELECT {COLUMNS} FROM attention WHERE cleared_ms IS NULL");
        let live: Vec<AttentionItem> = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(item_from_row)
            .collect::<Result<_, _>>()?;
        let live: HashMap<&str, &AttentionItem> = live.iter().map(|item| (item.cause.as_str(), item)).collect();
        let mut done = Reconciled::default();
        for cause in causes {
            match live.get(cause.cause.as_str()) {
                Some(item) if item.severity == cause.severity && item.reason == cause.reason => {}
                // The same cause, worse or in other words (a later refusal's message): the item says so.
                Some(item) => {
                    let raised = if item.severity == cause.severity { item.raised_at.as_millisecond() } else { now };
                    sqlx::query(
                        "UPDATE attention SET severity = $2, reason = $3, action = $4, raised_ms = $5 WHERE id = $1",
                    )
                    .bind(item.id)
                    .bind(cause.severity.as_str())
                    .bind(&cause.reason)
                    .bind(&cause.action)
                    .bind(raised)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    // Another worker may have opened it since the read: then nothing comes back.
                    let sql = format!(
                        "INSERT INTO attention (cause, kind, severity, shop, platform, order_id, reason, action,
                                                opened_ms, raised_ms)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                         ON CONFLICT (cause) WHERE cleared_ms IS NULL DO NOTHING RETURNING {COLUMNS}"
                    );
                    let row = sqlx::query(AssertSqlSafe(sql))
                        .bind(&cause.cause)
                        .bind(cause.kind)
                        .bind(cause.severity.as_str())
                        .bind(&cause.shop)
                        .bind(&cause.platform)
                        .bind(&cause.order_id)
                        .bind(&cause.reason)
                        .bind(&cause.action)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(item) = row.as_ref().map(item_from_row).transpose()? {
                        record_event(&mut tx, OPENED, &item).await?;
                        done.opened.push(item);
                    }
                }
            }
        }
        let found: std::collections::HashSet<&str> = causes.iter().map(|c| c.cause.as_str()).collect();
        for item in
            live.values().filter(|item| kinds.contains(&item.kind.as_str()) && !found.contains(item.cause.as_str()))
        {
            let sql = format!(
                "UPDATE attention SET cleared_ms = $2 WHERE id = $1 AND cleared_ms IS NULL RETURNING {COLUMNS}"
            );
            let row = sqlx::query(AssertSqlSafe(sql)).bind(item.id).bind(now).fetch_optional(&mut *tx).await?;
            // An item a person dismissed was in the feed as closed then.
            if let Some(item) = row.as_ref().map(item_from_row).transpose()? {
                if item.dismissed_at.is_none() {
                    record_event(&mut tx, CLOSED, &item).await?;
                }
                done.closed.push(item);
            }
        }
        tx.commit().await?;
        Ok(done)
    }

    pub async fn attention_items(&self, filter: &AttentionFilter) -> Result<Vec<AttentionItem>, StoreError> {
        let mut sql = QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM attention WHERE 1 = 1"));
        if let Some(kind) = &filter.kind {
            sql.push(" AND kind = ").push_bind(kind.clone());
        }
        if let Some(shop) = &filter.shop {
            sql.push(" AND shop = ").push_bind(shop.clone());
        }
        if let Some(severity) = filter.severity {
            sql.push(" AND severity = ").push_bind(severity.as_str());
        }
        match filter.open {
            Some(true) => _ = sql.push(" AND cleared_ms IS NULL AND dismissed_ms IS NULL"),
            Some(false) => _ = sql.push(" AND (cleared_ms IS NOT NULL OR dismissed_ms IS NOT NULL)"),
            None => {}
        }
        if let Some(before) = filter.before_id {
            sql.push(" AND id < ").push_bind(before);
        }
        sql.push(" ORDER BY id DESC LIMIT ").push_bind(filter.limit);
        sql.build().fetch_all(&self.pool).await?.iter().map(item_from_row).collect()
    }

    pub async fn attention_item(&self, id: i64) -> Result<Option<AttentionItem>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM attention WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(item_from_row).transpose()
    }

    pub async fn dismiss_attention(&self, id: i64, by: &str, note: &str) -> Result<Option<AttentionItem>, StoreError> {
        let sql = format!(
            "UPDATE attention SET dismissed_ms = $2, dismissed_by = $3, note = $4
             WHERE id = $1 AND cleared_ms IS NULL AND dismissed_ms IS NULL RETURNING {COLUMNS}"
        );
        let mut tx = self.begin_writing(Turn::Short).await?;
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .bind(now_ms())
            .bind(by)
            .bind(note)
            .fetch_optional(&mut *tx)
            .await?;
        let item = row.as_ref().map(item_from_row).transpose()?;
        if let Some(item) = &item {
            record_event(&mut tx, CLOSED, item).await?;
        }
        tx.commit().await?;
        Ok(item)
    }

    pub async fn open_attention_counts(&self) -> Result<Vec<(String, Severity, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, severity, COUNT(*) AS n FROM attention WHERE cleared_ms IS NULL AND dismissed_ms IS NULL
             GROUP BY kind, severity ORDER BY kind, severity",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("kind")?, Severity::parse(&r.try_get::<String, _>("severity")?), r.try_get("n")?)))
            .collect()
    }

    pub async fn unalerted_items(
        &self,
        alert: &str,
        kinds: &[String],
        severities: &[Severity],
        limit: i64,
    ) -> Result<Vec<AttentionItem>, StoreError> {
        let mut sql = QueryBuilder::<Db>::new(format!(
            "SELECT {COLUMNS} FROM attention a WHERE a.cleared_ms IS NULL AND a.dismissed_ms IS NULL
             AND NOT EXISTS (SELECT 1 FROM alert_sent s WHERE s.alert = "
        ));
        // Sent already: at its severity now, or as critical (an item that
        // turned critical after its warning was sent is sent again).
        sql.push_bind(alert.to_string())
            .push(" AND s.item_id = a.id AND (s.severity = a.severity OR s.severity = 'critical'))");
        if !kinds.is_empty() {
            sql.push(" AND a.kind IN (");
            let mut list = sql.separated(", ");
            for kind in kinds {
                list.push_bind(kind.clone());
            }
            sql.push(")");
        }
        sql.push(" AND a.severity IN (");
        let mut list = sql.separated(", ");
        for severity in severities {
            list.push_bind(severity.as_str());
        }
        sql.push(") ORDER BY a.id LIMIT ").push_bind(limit);
        sql.build().fetch_all(&self.pool).await?.iter().map(item_from_row).collect()
    }

    pub async fn mark_alerted(&self, alert: &str, items: &[AttentionItem]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        // One statement for a digest's items (at most 1,000: 4,000 parameters).
        let now = now_ms();
        let mut sql = QueryBuilder::<Db>::new("INSERT INTO alert_sent (alert, item_id, sent_ms, severity) ");
        sql.push_values(items, |mut row, item| {
            row.push_bind(alert.to_string()).push_bind(item.id).push_bind(now).push_bind(item.severity.as_str());
        });
        sql.push(
            " ON CONFLICT (alert, item_id) DO UPDATE SET sent_ms = excluded.sent_ms, severity = excluded.severity",
        );
        sql.build().execute(&mut *self.writing().await?).await?;
        Ok(())
    }

    pub async fn paused_shops(&self) -> Result<Vec<PausedShop>, StoreError> {
        let rows = sqlx::query(
            "SELECT shop, paused_reason, paused_ms FROM shop_state WHERE paused_reason IS NOT NULL ORDER BY shop",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PausedShop {
                    shop: r.try_get("shop")?,
                    reason: r.try_get("paused_reason")?,
                    since: timestamp(r.try_get::<Option<i64>, _>("paused_ms")?.unwrap_or(0)),
                })
            })
            .collect()
    }

    pub async fn sync_age(&self, shop: &str) -> Result<SyncAge, StoreError> {
        // Both through the runs' (shop, id) index: the newest runs first, the first run at once.
        let last_ok: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT ended_ms FROM sync_runs WHERE shop = $1 AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
        )
        .bind(shop)
        .fetch_optional(&self.pool)
        .await?;
        let first: Option<i64> =
            sqlx::query_scalar("SELECT started_ms FROM sync_runs WHERE shop = $1 ORDER BY id LIMIT 1")
                .bind(shop)
                .fetch_optional(&self.pool)
                .await?;
        let newest = sqlx::query("SELECT outcome, error FROM sync_runs WHERE shop = $1 ORDER BY id DESC LIMIT 1")
            .bind(shop)
            .fetch_optional(&self.pool)
            .await?;
        let last_error = match newest {
            Some(row) if row.try_get::<String, _>("outcome")? == "failed" => row.try_get("error")?,
            _ => None,
        };
        Ok(SyncAge { last_ok_at: last_ok.flatten().map(timestamp), first_run_at: first.map(timestamp), last_error })
    }

    pub async fn due_shipments(&self, by: jiff::Timestamp, limit: i64) -> Result<Vec<DueShipment>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, shop, order_number, ship_by_ms FROM orders
             WHERE ship_by_ms IS NOT NULL AND ship_by_ms <= $1 AND status = 'awaiting_shipment'
             ORDER BY ship_by_ms, id LIMIT $2",
        )
        .bind(by.as_millisecond())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DueShipment {
                    order_id: r.try_get("id")?,
                    shop: r.try_get("shop")?,
                    order_number: r.try_get("order_number")?,
                    ship_by: timestamp(r.try_get("ship_by_ms")?),
                })
            })
            .collect()
    }

    pub async fn unread_orders(&self) -> Result<Vec<UnreadOrder>, StoreError> {
        // Read since: the order was stored (new or changed) after the payload that could not be read.
        let rows = sqlx::query(
            "SELECT b.shop, b.order_number, b.error, b.recorded_ms FROM bad_orders b
             WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.order_number = b.order_number AND o.shop = b.shop
                               AND o.last_changed_ms >= b.recorded_ms)
             ORDER BY b.shop, b.order_number",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnreadOrder {
                    shop: r.try_get("shop")?,
                    order_number: r.try_get("order_number")?,
                    error: r.try_get("error")?,
                    recorded_at: timestamp(r.try_get("recorded_ms")?),
                })
            })
            .collect()
    }
}

fn item_from_row(row: &DbRow) -> Result<AttentionItem, StoreError> {
    let at = |column: &str| -> Result<Option<jiff::Timestamp>, StoreError> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(timestamp))
    };
    Ok(AttentionItem {
        id: row.try_get("id")?,
        cause: row.try_get("cause")?,
        kind: row.try_get("kind")?,
        severity: Severity::parse(&row.try_get::<String, _>("severity")?),
        shop: row.try_get("shop")?,
        platform: row.try_get("platform")?,
        order_id: row.try_get("order_id")?,
        reason: row.try_get("reason")?,
        action: row.try_get("action")?,
        opened_at: timestamp(row.try_get("opened_ms")?),
        raised_at: timestamp(row.try_get::<Option<i64>, _>("raised_ms")?.unwrap_or(row.try_get("opened_ms")?)),
        cleared_at: at("cleared_ms")?,
        dismissed_at: at("dismissed_ms")?,
        dismissed_by: row.try_get("dismissed_by")?,
        note: row.try_get("note")?,
    })
}
