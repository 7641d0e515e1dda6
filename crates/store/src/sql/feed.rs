//! The change feed: every order event and every attention event, in commit
//! order. The two live in their own tables and share one counter (see
//! `next_feed_seq`), so a page of the feed is the two read after the same
//! number and merged.

use super::{SqlStore, event_from_row, timestamp};
use crate::{AttentionItem, FeedEvent, StoreError};
use sqlx::Row;

/// The newest number of the feed, 0 when it is empty.
pub(crate) const LAST_FEED_SEQ: &str = "(SELECT COALESCE(MAX(seq), 0) FROM (
         SELECT MAX(seq) AS seq FROM order_events UNION ALL SELECT MAX(seq) AS seq FROM attention_events) AS last)";

impl SqlStore {
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<FeedEvent>, StoreError> {
        let mut events = self.order_events_after(after, limit).await?;
        events.extend(self.attention_events_after(after, limit).await?);
        events.sort_unstable_by_key(|event| event.seq);
        events.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(events)
    }

    async fn order_events_after(&self, after: i64, limit: i64) -> Result<Vec<FeedEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, o.id AS order_id, e.kind, e.changes, e.recorded_ms, o.platform, o.shop, o.order_number
             FROM order_events e JOIN orders o ON o.key = e.order_key
             WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let event = event_from_row(row)?;
                Ok(FeedEvent {
                    seq: event.seq,
                    platform: row.try_get("platform")?,
                    shop: row.try_get("shop")?,
                    order_number: row.try_get("order_number")?,
                    kind: event.kind,
                    changes: event.changes,
                    recorded_at: event.recorded_at,
                    order_id: Some(event.order_id),
                    attention: None,
                })
            })
            .collect()
    }

    async fn attention_events_after(&self, after: i64, limit: i64) -> Result<Vec<FeedEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, item_id, kind, item, recorded_ms FROM attention_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let text: String = row.try_get("item")?;
                let item: AttentionItem = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                    id: format!("attention item {}", row.try_get::<i64, _>("item_id").unwrap_or_default()),
                    detail: format!("attention event: {e}"),
                })?;
                Ok(FeedEvent {
                    seq: row.try_get("seq")?,
                    order_id: item.order_id.clone(),
                    platform: item.platform.clone(),
                    shop: item.shop.clone().unwrap_or_default(),
                    order_number: None,
                    kind: row.try_get("kind")?,
                    changes: Vec::new(),
                    recorded_at: timestamp(row.try_get("recorded_ms")?),
                    attention: Some(item),
                })
            })
            .collect()
    }

    pub async fn last_event_seq(&self) -> Result<i64, StoreError> {
        let sql = format!("SELECT {LAST_FEED_SEQ}");
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool).await?)
    }
}
