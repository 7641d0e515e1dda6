//! Reading and writing whole rows for `Store::copy_to` (see `crate::copy`).

use super::{Db, SqlStore, Turn, after_copy, feed_counter_after_copy, unpack_document};
use crate::StoreError;
use crate::copy::{Kind, ROWS_PER_PAGE, Table, Value};
use sqlx::{QueryBuilder, Row};

impl SqlStore {
    /// Up to `ROWS_PER_PAGE` rows of `table` after the key `after` (from the
    /// start when `None`), in key order.
    pub(crate) async fn read_rows(
        &self,
        table: &Table,
        after: Option<&[Value]>,
    ) -> Result<Vec<Vec<Value>>, StoreError> {
        let columns: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
        let key = table.key.join(", ");
        let mut sql = QueryBuilder::<Db>::new(format!("SELECT {} FROM {} WHERE 1 = 1", columns.join(", "), table.name));
        if let Some(after) = after {
            sql.push(format!(" AND ({key}) > ("));
            let mut values = sql.separated(", ");
            for value in after {
                match value {
                    Value::Int(i) => values.push_bind(*i),
                    Value::Text(t) => values.push_bind(t.clone()),
                    Value::Null => values.push("NULL"),
                };
            }
            sql.push(")");
        }
        sql.push(format!(" ORDER BY {key} LIMIT {ROWS_PER_PAGE}"));
        let rows = sql.build().fetch_all(&self.pool).await?;
        if table.columns.iter().any(|&(_, kind)| kind == Kind::Document) {
            self.learn_dictionaries(&rows).await?;
        }
        rows.iter()
            .map(|row| {
                table
                    .columns
                    .iter()
                    .map(|&(name, kind)| {
                        Ok(match kind {
                            Kind::Int => row.try_get::<Option<i64>, _>(name)?.map_or(Value::Null, Value::Int),
                            Kind::Text => row.try_get::<Option<String>, _>(name)?.map_or(Value::Null, Value::Text),
                            Kind::Document => Value::Text(unpack_document(&self.dictionaries, row)?.into_owned()),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// Inserts `rows` into `table` as they are, in one transaction.
    pub(crate) async fn write_rows(&self, table: &Table, rows: &[Vec<Value>]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let columns: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
        let mut sql = QueryBuilder::<Db>::new(format!("INSERT INTO {} ({}) ", table.name, columns.join(", ")));
        sql.push_values(rows, |mut out, row| {
            for (value, &(_, kind)) in row.iter().zip(table.columns) {
                match (value, kind) {
                    (Value::Int(i), _) => out.push_bind(*i),
                    (Value::Text(t), _) => out.push_bind(t.clone()),
                    (Value::Null, Kind::Int) => out.push_bind(None::<i64>),
                    (Value::Null, Kind::Text | Kind::Document) => out.push_bind(None::<String>),
                };
            }
        });
        let mut tx = self.begin_writing(Turn::Batch).await?;
        sql.build().execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Rows in `table`.
    pub(crate) async fn count_rows(&self, table: &Table) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM {}", table.name);
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&self.pool).await?)
    }

    /// After rows were written with their ids: new rows continue after them.
    pub(crate) async fn copied(&self, table: &Table) -> Result<(), StoreError> {
        if let Some(column) = table.identity {
            after_copy(&self.pool, table.name, column).await?;
        }
        // Attention events are numbered from the order events' counter.
        if table.name == "attention_events" {
            feed_counter_after_copy(&self.pool).await?;
        }
        Ok(())
    }
}
