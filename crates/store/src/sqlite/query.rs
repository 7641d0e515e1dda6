//! Order listings for the API: filters, search and keyset paging.

use super::{Store, order_from_row};
use crate::{OrderListPage, OrderQuery, OrderSort, SortKey, StoreError};
use sqlx::{QueryBuilder, Row, Sqlite};

impl Store {
    /// One page of the orders matching `query`, in its sort order, starting
    /// right after `query.after`.
    pub async fn list_orders(&self, query: &OrderQuery) -> Result<OrderListPage, StoreError> {
        let (column, descending) = match query.sort {
            OrderSort::CreatedDesc => ("created_ms", true),
            OrderSort::CreatedAsc => ("created_ms", false),
            OrderSort::UpdatedAsc => ("updated_ms", false),
        };
        let mut sql =
            QueryBuilder::<Sqlite>::new(format!("SELECT id, document, {column} AS sort_ms FROM orders WHERE 1 = 1"));
        let exact = [
            ("platform", &query.platform),
            ("shop", &query.shop),
            ("status", &query.status),
            ("payment_status", &query.payment_status),
            ("fulfillment_status", &query.fulfillment_status),
            ("refund_status", &query.refund_status),
            ("order_number", &query.order_number),
        ];
        for (name, value) in exact {
            if let Some(value) = value {
                sql.push(format!(" AND {name} = ")).push_bind(value.clone());
            }
        }
        let ranges = [
            ("created_ms", ">=", query.created_from),
            ("created_ms", "<", query.created_to),
            ("updated_ms", ">=", query.updated_from),
            ("updated_ms", "<", query.updated_to),
        ];
        for (name, op, bound) in ranges {
            if let Some(bound) = bound {
                sql.push(format!(" AND {name} {op} ")).push_bind(bound.as_millisecond());
            }
        }
        if let Some(sku) = &query.sku {
            sql.push(" AND id IN (SELECT order_id FROM order_items WHERE sku = ").push_bind(sku.clone()).push(")");
        }
        if let Some(q) = query.q.as_deref().map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty()) {
            // A prefix range over the terms' primary key: every term that starts with `q`.
            let end = format!("{q}\u{10FFFF}");
            sql.push(" AND id IN (SELECT order_id FROM order_terms WHERE term >= ")
                .push_bind(q)
                .push(" AND term < ")
                .push_bind(end)
                .push(")");
        }
        if let Some(after) = &query.after {
            let op = if descending { "<" } else { ">" };
            sql.push(format!(" AND ({column}, id) {op} ("))
                .push_bind(after.time_ms)
                .push(", ")
                .push_bind(after.id.clone())
                .push(")");
        }
        let direction = if descending { "DESC" } else { "ASC" };
        // One more than asked tells whether there is a next page.
        sql.push(format!(" ORDER BY {column} {direction}, id {direction} LIMIT ")).push_bind(query.limit + 1);
        let mut rows = sql.build().fetch_all(&self.pool).await?;
        let more = rows.len() as i64 > query.limit;
        rows.truncate(query.limit.max(0) as usize);
        let next = match rows.last() {
            Some(last) if more => Some(SortKey { time_ms: last.try_get("sort_ms")?, id: last.try_get("id")? }),
            _ => None,
        };
        let orders = rows.iter().map(order_from_row).collect::<Result<_, _>>()?;
        Ok(OrderListPage { orders, next })
    }

    /// Orders created per UTC day and platform since `since`: (day as
    /// `YYYY-MM-DD`, platform, count), oldest day first.
    pub async fn orders_per_day(&self, since: jiff::Timestamp) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT date(created_ms / 1000, 'unixepoch') AS day, platform, COUNT(*) AS n FROM orders
             WHERE created_ms >= ?1 GROUP BY day, platform ORDER BY day, platform",
        )
        .bind(since.as_millisecond())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("day")?, r.try_get("platform")?, r.try_get("n")?))).collect()
    }
}
