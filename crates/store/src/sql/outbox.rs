//! The write-back outbox: requests stored first, then executed by a worker.

use super::{DbRow, SqlStore, Turn, now_ms, timestamp};
use crate::{Enqueued, NewOutboxJob, OutboxJob, OutboxKind, StoreError};
use sqlx::{AssertSqlSafe, Row};

const COLUMNS: &str = "id, idempotency_key, kind, order_id, shop, request, state, attempts, next_attempt_ms, \
                       outcome, error, created_ms, updated_ms";

impl SqlStore {
    pub async fn enqueue(&self, job: &NewOutboxJob) -> Result<Enqueued, StoreError> {
        let mut tx = self.begin_writing(Turn::Short).await?;
        if let Some(key) = &job.idempotency_key {
            let sql = format!("SELECT {COLUMNS} FROM outbox WHERE idempotency_key = $1");
            if let Some(row) = sqlx::query(AssertSqlSafe(sql)).bind(key).fetch_optional(&mut *tx).await? {
                return Ok(Enqueued::Repeat(job_from_row(&row, false)?));
            }
        }
        if job.kind == OutboxKind::Ship {
            let sql =
                format!("SELECT {COLUMNS} FROM outbox WHERE order_id = $1 AND kind = 'ship' AND state <> 'failed'");
            if let Some(row) = sqlx::query(AssertSqlSafe(sql)).bind(&job.order_id).fetch_optional(&mut *tx).await? {
                return Ok(Enqueued::AlreadyShipped(job_from_row(&row, false)?));
            }
        }
        let now = now_ms();
        let sql = format!(
            "INSERT INTO outbox (idempotency_key, kind, order_id, shop, request, state, next_attempt_ms, created_ms,
             updated_ms) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $6) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(&job.idempotency_key)
            .bind(job.kind.as_str())
            .bind(&job.order_id)
            .bind(&job.shop)
            .bind(job.request.to_string())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Enqueued::New(job_from_row(&row, false)?))
    }

    /// The newest failed job of each order and kind that no later job of
    /// the same order and kind has done since.
    pub async fn failed_writebacks(&self) -> Result<Vec<OutboxJob>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o WHERE o.state = 'failed'
               AND NOT EXISTS (SELECT 1 FROM outbox l WHERE l.order_id = o.order_id AND l.kind = o.kind
                               AND l.id > o.id AND l.state IN ('done', 'failed'))
             ORDER BY o.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
        rows.iter().map(|row| job_from_row(row, false)).collect()
    }

    pub async fn claim_job(&self, lease_ms: i64) -> Result<Option<OutboxJob>, StoreError> {
        let mut tx = self.begin_writing(Turn::Short).await?;
        let now = now_ms();
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o
             WHERE ((o.state = 'pending' AND o.next_attempt_ms <= $1) OR (o.state = 'running' AND o.lease_until_ms < $1))
               AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_id = o.order_id AND p.id < o.id
                               AND p.state IN ('pending', 'running'))
             ORDER BY o.id LIMIT 1"
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql)).bind(now).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        let was_running = row.try_get::<String, _>("state")? == "running";
        let mut job = job_from_row(&row, was_running)?;
        sqlx::query(
            "UPDATE outbox SET state = 'running', attempts = attempts + 1, lease_until_ms = $2, updated_ms = $3
             WHERE id = $1",
        )
        .bind(job.id)
        .bind(now + lease_ms)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        job.state = "running".into();
        job.attempts += 1;
        Ok(Some(job))
    }

    pub async fn finish_job(
        &self,
        id: i64,
        state: &str,
        outcome: Option<&serde_json::Value>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET state = $2, outcome = $3, error = $4, lease_until_ms = NULL, updated_ms = $5
             WHERE id = $1",
        )
        .bind(id)
        .bind(state)
        .bind(outcome.map(|o| o.to_string()))
        .bind(error)
        .bind(now_ms())
        .execute(&mut *self.writing().await?)
        .await?;
        Ok(())
    }

    pub async fn retry_job(&self, id: i64, delay_ms: i64, error: &str) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "UPDATE outbox SET state = 'pending', next_attempt_ms = $2, error = $3, lease_until_ms = NULL,
             updated_ms = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(now + delay_ms)
        .bind(error)
        .bind(now)
        .execute(&mut *self.writing().await?)
        .await?;
        Ok(())
    }

    pub async fn return_job(&self, id: i64, error: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let returned = sqlx::query(
            "UPDATE outbox SET state = 'pending', next_attempt_ms = $2, error = $3, lease_until_ms = NULL,
             updated_ms = $2 WHERE id = $1 AND state = 'running'",
        )
        .bind(id)
        .bind(now)
        .bind(error)
        .execute(&mut *self.writing().await?)
        .await?;
        Ok(returned.rows_affected() == 1)
    }

    pub async fn job(&self, id: i64) -> Result<Option<OutboxJob>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.pool).await?;
        row.map(|r| job_from_row(&r, false)).transpose()
    }

    pub async fn jobs_of_order(&self, order_id: &str) -> Result<Vec<OutboxJob>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE order_id = $1 ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(order_id).fetch_all(&self.pool).await?;
        rows.iter().map(|r| job_from_row(r, false)).collect()
    }

    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state ORDER BY state")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
    }
}

fn job_from_row(row: &DbRow, interrupted: bool) -> Result<OutboxJob, StoreError> {
    let id: i64 = row.try_get("id")?;
    let corrupt = |detail: String| StoreError::Corrupt { id: format!("outbox job {id}"), detail };
    let json = |text: &str| serde_json::from_str(text).map_err(|e| corrupt(format!("{e}")));
    let kind: String = row.try_get("kind")?;
    Ok(OutboxJob {
        id,
        kind: OutboxKind::parse(&kind).ok_or_else(|| corrupt(format!("unknown kind {kind:?}")))?,
        order_id: row.try_get("order_id")?,
        shop: row.try_get("shop")?,
        request: json(&row.try_get::<String, _>("request")?)?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        idempotency_key: row.try_get("idempotency_key")?,
        outcome: row.try_get::<Option<String>, _>("outcome")?.map(|t| json(&t)).transpose()?,
        error: row.try_get("error")?,
        created_at: timestamp(row.try_get("created_ms")?),
        updated_at: timestamp(row.try_get("updated_ms")?),
        next_attempt_at: timestamp(row.try_get("next_attempt_ms")?),
        interrupted,
    })
}
