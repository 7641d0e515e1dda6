//! Work a migration leaves to Rust: rewriting what SQL cannot read (packed
//! documents), once, when the store opens after the migration.

use super::{Db, SqlStore, Turn};
use crate::StoreError;
use crate::prepared::search_terms;
use sqlx::{QueryBuilder, Row};

/// Orders rewritten per transaction.
const ORDERS_PER_STEP: i64 = 500;

impl SqlStore {
    /// Runs the tasks migrations left in `store_upkeep`, each removed once done.
    pub(crate) async fn run_upkeep(&self) -> Result<(), StoreError> {
        let tasks: Vec<String> = sqlx::query_scalar("SELECT task FROM store_upkeep").fetch_all(&self.pool).await?;
        for task in tasks {
            match task.as_str() {
                "split_buyer_terms" => self.rewrite_search_terms().await?,
                other => tracing::warn!(task = other, "an upkeep task this version does not know is left alone"),
            }
            let mut conn = self.writing().await?;
            sqlx::query("DELETE FROM store_upkeep WHERE task = $1").bind(&task).execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Writes every order's search terms anew from its document (migration
    /// 0013 on SQLite, 0007 on PostgreSQL: buyers' terms apart).
    async fn rewrite_search_terms(&self) -> Result<(), StoreError> {
        tracing::info!("rewriting the orders' search terms once (buyers' terms apart)");
        let (mut after, mut rewritten) = (i64::MIN, 0u64);
        loop {
            let rows = sqlx::query("SELECT key, id, document FROM orders WHERE key > $1 ORDER BY key LIMIT $2")
                .bind(after)
                .bind(ORDERS_PER_STEP)
                .fetch_all(&self.pool)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("key")?;
            self.learn_dictionaries(&rows).await?;
            let mut keys = Vec::with_capacity(rows.len());
            let mut terms = Vec::new();
            for row in &rows {
                let key: i64 = row.try_get("key")?;
                keys.push(key);
                terms.extend(search_terms(&self.order_from_row(row)?).into_iter().map(|term| (term, key)));
            }
            let mut tx = self.begin_writing(Turn::Batch).await?;
            let mut delete = QueryBuilder::<Db>::new("DELETE FROM order_terms WHERE order_key IN (");
            let mut list = delete.separated(", ");
            for key in &keys {
                list.push_bind(*key);
            }
            delete.push(")");
            delete.build().execute(&mut *tx).await?;
            for chunk in terms.chunks(400) {
                let mut insert = QueryBuilder::<Db>::new("INSERT INTO order_terms (term, order_key) ");
                insert.push_values(chunk, |mut row, (term, key)| {
                    row.push_bind(term.clone()).push_bind(*key);
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            rewritten += rows.len() as u64;
        }
        tracing::info!(orders = rewritten, "search terms rewritten");
        Ok(())
    }
}

impl SqlStore {
    /// How many migrations the database has applied (none: no table yet).
    pub(crate) async fn applied_migrations(&self) -> Result<i64, StoreError> {
        let applied =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(&self.pool).await;
        match applied {
            Ok(applied) => Ok(applied),
            Err(sqlx::Error::Database(_)) => Ok(0),
            Err(error) => Err(error.into()),
        }
    }

    /// The store checked against its own rules (`crate::backup::StoreCheck`).
    pub(crate) async fn check(&self) -> Result<crate::StoreCheck, StoreError> {
        let integrity = super::integrity(&self.pool).await?;
        let row = sqlx::query(crate::backup::CHECK).fetch_one(&self.pool).await?;
        let count = |column: &str| row.try_get::<i64, _>(column);
        Ok(crate::StoreCheck {
            integrity,
            orders: count("orders")?,
            events: count("events")?,
            last_event_seq: count("last_seq")?,
            orders_not_created_once: count("not_created_once")?,
            events_without_order: count("orphan_events")?,
            items_without_order: count("orphan_items")?,
        })
    }
}
