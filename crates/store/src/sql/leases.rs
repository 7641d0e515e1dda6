//! Leases: which worker does a piece of work, until when.

use super::{SqlStore, now_ms};
use crate::StoreError;

impl SqlStore {
    pub async fn acquire_lease(&self, name: &str, holder: &str, ttl_ms: i64) -> Result<Option<String>, StoreError> {
        let now = now_ms();
        // One statement: the insert, or the takeover of a lapsed lease, or the
        // renewal of our own, is atomic on both databases. No row back means
        // another holder's lease is live.
        // In a transaction of its own: SQLite hands a RETURNING row back
        // before the statement commits, so a failed commit would pass unseen.
        let mut tx = self.begin_bookkeeping().await?;
        let taken: Option<String> = sqlx::query_scalar(
            "INSERT INTO leases (name, holder, expires_ms) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
             WHERE leases.holder = excluded.holder OR leases.expires_ms < $4
             RETURNING holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now + ttl_ms)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        if taken.is_some() {
            return Ok(None);
        }
        let current: Option<String> = sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(Some(current.unwrap_or_default()))
    }

    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>, StoreError> {
        let holder = sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1 AND expires_ms >= $2")
            .bind(name)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?;
        Ok(holder)
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&mut *self.writing().await?)
            .await?;
        Ok(())
    }
}

impl SqlStore {
    /// Writes a row and deletes it in one transaction: both pages go to the
    /// disk at the commit, so it fails where any write would.
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_bookkeeping().await?;
        let name = "orderhub:probe-write";
        sqlx::query("INSERT INTO leases (name, holder, expires_ms) VALUES ($1, '', 0) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM leases WHERE name = $1").bind(name).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
