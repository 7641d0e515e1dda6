//! The change feed: every order event in commit order.

use super::{SqlStore, changes_of, timestamp};
use crate::{FeedEvent, StoreError};
use sqlx::Row;

impl SqlStore {
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<FeedEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.order_id, e.kind, e.changes, e.recorded_ms, o.platform, o.shop, o.order_number
             FROM order_events e JOIN orders o ON o.id = e.order_id
             WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let order_id: String = row.try_get("order_id")?;
                let changes = changes_of(row, &order_id)?;
                Ok(FeedEvent {
                    seq: row.try_get("seq")?,
                    platform: row.try_get("platform")?,
                    shop: row.try_get("shop")?,
                    order_number: row.try_get("order_number")?,
                    kind: row.try_get("kind")?,
                    changes,
                    recorded_at: timestamp(row.try_get("recorded_ms")?),
                    order_id,
                })
            })
            .collect()
    }

    pub async fn last_event_seq(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM order_events").fetch_one(&self.pool).await?)
    }
}
