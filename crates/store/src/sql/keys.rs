//! API keys, webhook delivery state and the run figures health and metrics read.

use super::feed::LAST_FEED_SEQ;
use super::{DbRow, SqlStore, now_ms, timestamp};
use crate::{ApiKey, Deliveries, RunTotals, StoreError, WebhookState};
use sqlx::{AssertSqlSafe, Row};

impl SqlStore {
    pub async fn insert_api_key(
        &self,
        name: &str,
        prefix: &str,
        hash: &str,
        scopes: &[String],
    ) -> Result<ApiKey, StoreError> {
        // In a transaction of its own: SQLite hands a RETURNING row back
        // before the statement commits, and a commit that then fails (a
        // full disk) would be lost with the rest of the statement's result.
        let mut tx = self.begin_bookkeeping().await?;
        let row = sqlx::query(
            "INSERT INTO api_keys (name, prefix, hash, scopes, created_ms) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, name, prefix, scopes, created_ms, revoked_ms, last_used_ms",
        )
        .bind(name)
        .bind(prefix)
        .bind(hash)
        .bind(scopes.join(" "))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        key_from_row(&row)
    }

    pub async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, prefix, scopes, created_ms, revoked_ms, last_used_ms FROM api_keys
             WHERE hash = $1 AND revoked_ms IS NULL",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(key) = row.map(|r| key_from_row(&r)).transpose()? else { return Ok(None) };
        // Noted at most once a minute: a busy client must not turn reads into
        // writes. A note that cannot be written (a full disk) does not refuse
        // the request: reads go on while writes fail.
        let now = now_ms();
        if key.last_used_at.is_none_or(|t| now - t.as_millisecond() > 60_000) {
            let noted = async {
                sqlx::query("UPDATE api_keys SET last_used_ms = $2 WHERE id = $1")
                    .bind(key.id)
                    .bind(now)
                    .execute(&mut *self.writing().await?)
                    .await
            };
            if let Err(error) = noted.await {
                tracing::warn!(%error, key = %key.prefix, "cannot note when the API key was last used");
            }
        }
        Ok(Some(key))
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, scopes, created_ms, revoked_ms, last_used_ms FROM api_keys ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    pub async fn revoke_api_key(&self, id: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_keys SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL")
            .bind(id)
            .bind(now_ms())
            .execute(&mut *self.writing().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delivery_states(&self, of: Deliveries) -> Result<Vec<WebhookState>, StoreError> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM {} ORDER BY name", of.table());
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(webhook_from_row).collect()
    }

    pub async fn delivery_state(&self, of: Deliveries, name: &str) -> Result<WebhookState, StoreError> {
        let sql = format!(
            "INSERT INTO {} (name, delivered_seq) VALUES ($1, {LAST_FEED_SEQ}) ON CONFLICT (name) DO NOTHING",
            of.table()
        );
        sqlx::query(AssertSqlSafe(sql)).bind(name).execute(&mut *self.writing().await?).await?;
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM {} WHERE name = $1", of.table());
        let row = sqlx::query(AssertSqlSafe(sql)).bind(name).fetch_one(&self.pool).await?;
        webhook_from_row(&row)
    }

    pub async fn delivered(&self, of: Deliveries, name: &str, seq: i64, count: i64) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET delivered_seq = $2, attempts = 0, last_error = NULL, last_attempt_ms = $3,
             delivered_total = delivered_total + $4 WHERE name = $1",
            of.table()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(name)
            .bind(seq)
            .bind(now_ms())
            .bind(count)
            .execute(&mut *self.writing().await?)
            .await?;
        Ok(())
    }

    pub async fn delivery_failed(&self, of: Deliveries, name: &str, error: &str) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET attempts = attempts + 1, last_error = $2, last_attempt_ms = $3 WHERE name = $1",
            of.table()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(name)
            .bind(error)
            .bind(now_ms())
            .execute(&mut *self.writing().await?)
            .await?;
        Ok(())
    }

    pub async fn rewind_delivery(&self, of: Deliveries, name: &str, to_seq: i64) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {} (name, delivered_seq) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET delivered_seq = excluded.delivered_seq",
            of.table()
        );
        sqlx::query(AssertSqlSafe(sql)).bind(name).bind(to_seq).execute(&mut *self.writing().await?).await?;
        Ok(())
    }

    pub async fn run_totals(&self) -> Result<Vec<RunTotals>, StoreError> {
        let rows = sqlx::query(
            "SELECT shop, CAST(SUM(CASE WHEN outcome = 'ok' THEN 1 ELSE 0 END) AS BIGINT) AS ok,
                    CAST(SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS BIGINT) AS failed,
                    CAST(SUM(api_calls) AS BIGINT) AS calls, MAX(CASE WHEN outcome = 'ok' THEN ended_ms END) AS last_ok
             FROM sync_runs GROUP BY shop ORDER BY shop",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RunTotals {
                    shop: r.try_get("shop")?,
                    runs_ok: r.try_get("ok")?,
                    runs_failed: r.try_get("failed")?,
                    api_calls: r.try_get("calls")?,
                    last_ok_at: r.try_get::<Option<i64>, _>("last_ok")?.map(timestamp),
                })
            })
            .collect()
    }

    pub async fn shop_order_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT shop, COUNT(*) AS n FROM orders GROUP BY shop").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("shop")?, r.try_get("n")?))).collect()
    }

    pub async fn order_gauges(&self) -> Result<Vec<(String, String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT platform, shop, status, COUNT(*) AS n FROM orders GROUP BY platform, shop, status
             ORDER BY platform, shop, status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("platform")?, r.try_get("shop")?, r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }
}

fn key_from_row(row: &DbRow) -> Result<ApiKey, StoreError> {
    let scopes: String = row.try_get("scopes")?;
    Ok(ApiKey {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        scopes: scopes.split_whitespace().map(str::to_string).collect(),
        created_at: timestamp(row.try_get("created_ms")?),
        revoked_at: row.try_get::<Option<i64>, _>("revoked_ms")?.map(timestamp),
        last_used_at: row.try_get::<Option<i64>, _>("last_used_ms")?.map(timestamp),
    })
}

/// What `webhook_from_row` reads.
const WEBHOOK_COLUMNS: &str = "name, delivered_seq, attempts, last_error, delivered_total";

fn webhook_from_row(row: &DbRow) -> Result<WebhookState, StoreError> {
    Ok(WebhookState {
        name: row.try_get("name")?,
        delivered_seq: row.try_get("delivered_seq")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        delivered_total: row.try_get("delivered_total")?,
    })
}
