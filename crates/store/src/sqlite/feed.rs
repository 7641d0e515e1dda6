//! The change feed: every order event in commit order.

use super::{Store, changes_of, timestamp};
use crate::{FeedEvent, StoreError};
use sqlx::Row;

impl Store {
    /// Up to `limit` events with a sequence number above `after`, oldest first.
    ///
    /// SQLite commits one writer at a time and numbers events inside the
    /// writing transaction, so sequence order is commit order: a reader that
    /// has seen `seq` never later finds a smaller one appear.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<FeedEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.order_id, e.kind, e.changes, e.recorded_ms, o.platform, o.shop, o.order_number
             FROM order_events e JOIN orders o ON o.id = e.order_id
             WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2",
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

    /// The newest event's sequence number, 0 when there is none.
    pub async fn last_event_seq(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT IFNULL(MAX(seq), 0) FROM order_events").fetch_one(&self.pool).await?)
    }

    /// Completes when orders may have changed in this process's store (a batch
    /// with new or changed orders was committed). Writers in other processes
    /// do not wake it: callers also poll.
    /// The future is registered when created, so a commit between creating
    /// it and awaiting it is not missed.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changes.notified()
    }
}
