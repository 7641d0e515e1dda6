//! The change feed: every order event in commit order.

use super::{SqlStore, event_from_row};
use crate::{FeedEvent, StoreError};
use sqlx::Row;

impl SqlStore {
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<FeedEvent>, StoreError> {
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
                    order_id: event.order_id,
                })
            })
            .collect()
    }

    pub async fn last_event_seq(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM order_events").fetch_one(&self.pool).await?)
    }
}
