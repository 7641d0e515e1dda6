//! Order listings for the API: filters, search and keyset paging.

use super::{BY_KEY_HINT, Db, SqlStore, day_of_ms, index_hint};
use crate::prepared::{BUYER_TERM, searchable};
use crate::{DocumentPage, OrderQuery, OrderSort, SortKey, StoreError};
use orderhub_model::OrderStatus;
use sqlx::{QueryBuilder, Row};

/// From this many matching search terms on, a search reads the sort index.
const MANY_MATCHES: i64 = 1_000;

impl SqlStore {
    pub async fn list_documents(&self, query: &OrderQuery) -> Result<DocumentPage, StoreError> {
        let mut sql = self.listing(query, "").await?;
        let mut rows = sql.build().fetch_all(&self.pool).await?;
        let more = rows.len() as i64 > query.limit;
        rows.truncate(query.limit.max(0) as usize);
        let next = match rows.last() {
            Some(last) if more => Some(SortKey { time_ms: last.try_get("sort_ms")?, key: last.try_get("key")? }),
            _ => None,
        };
        self.learn_dictionaries(&rows).await?;
        let documents = rows.iter().map(|row| self.document_from_row(row)).collect::<Result<_, _>>()?;
        Ok(DocumentPage { documents, next })
    }

    /// How the database reads the listing of `query`: the lines of its plan.
    #[cfg(test)]
    pub(crate) async fn listing_plan(&self, query: &OrderQuery) -> Result<Vec<String>, StoreError> {
        let (explain, column) = super::EXPLAIN;
        let mut sql = self.listing(query, explain).await?;
        let rows = sql.build().fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|row| row.try_get::<String, _>(column)).collect::<Result<_, _>>()?)
    }

    /// The statement of a listing, after `prefix`.
    async fn listing(&self, query: &OrderQuery, prefix: &str) -> Result<QueryBuilder<Db>, StoreError> {
        let (column, descending) = match query.sort {
            OrderSort::CreatedDesc => ("created_ms", true),
            OrderSort::CreatedAsc => ("created_ms", false),
            OrderSort::UpdatedAsc => ("updated_ms", false),
        };
        let q = query.q.as_deref().map(searchable).filter(|q| !q.is_empty());
        // Prefix ranges over the terms' primary key: every term that starts
        // with `q`, and the buyers' terms that do where the caller may see them.
        let mut starts: Vec<String> = Vec::new();
        if let Some(q) = q {
            if query.buyer_terms {
                starts.push(format!("{BUYER_TERM}{q}"));
            }
            starts.push(q);
        }
        let q_ranges: Vec<(String, String)> = starts
            .into_iter()
            .map(|start| {
                let end = format!("{start}\u{10FFFF}");
                (start, end)
            })
            .collect();
        // A search that matches few orders is best read from its terms and
        // sorted; one that matches many (a common name) from the sort index,
        // checking each order against the terms, until the page is full.
        let mut from = "orders".to_string();
        if query.order_number.is_some() {
            // A number is one order per shop, found by its term's keys: not
            // through an index of another filter (a shop's millions of orders).
            from = format!("orders {BY_KEY_HINT}");
        } else if !q_ranges.is_empty() {
            let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM (");
            push_terms_in_ranges(&mut count, "1", &q_ranges);
            count.push(" LIMIT ").push_bind(MANY_MATCHES).push(") AS t");
            let matches: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
            if matches >= MANY_MATCHES {
                from = format!("orders {}", index_hint(&format!("orders_{}", column.trim_end_matches("_ms"))));
            }
        }
        // Orders with a SKU are found through the items; their sort keys are
        // then read from the covering (key, created, updated) index, not
        // the rows, which hold kilobytes of document each.
        if query.sku.is_some() && from == "orders" {
            from = format!("orders {}", index_hint("orders_key_times"));
        }
        // A shop's orders by creation time, whatever their status, are read
        // as one run of the (shop, status, created) index per status, merged:
        // SQLite has no (shop, created) index (migration 0012 says why).
        let by_status: Vec<Option<&str>> =
            if query.shop.is_some() && query.status.is_none() && column == "created_ms" && from == "orders" {
                OrderStatus::ALL.iter().map(|status| Some(status.as_str())).collect()
            } else {
                vec![None]
            };
        let direction = if descending { "DESC" } else { "ASC" };
        // The page's keys are chosen first and only their documents read: the
        // sort never carries the documents (kilobytes each) of orders it drops.
        let mut sql =
            QueryBuilder::<Db>::new(format!("{prefix}SELECT o.id, o.document, page.sort_ms, page.key FROM ("));
        for (arm, status) in by_status.iter().enumerate() {
            if arm > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(format!("SELECT key, {column} AS sort_ms FROM {from} WHERE 1 = 1"));
            push_filters(&mut sql, query, column, descending, *status, &q_ranges);
        }
        // Ties of the sort time are broken by the order's integer key: on
        // SQLite every index ends in it (migration 0011 says why not the id).
        // One more than asked tells whether there is a next page.
        // Merged runs are ordered by their results' names.
        let time = if by_status.len() > 1 { "sort_ms" } else { column };
        sql.push(format!(" ORDER BY {time} {direction}, key {direction} LIMIT ")).push_bind(query.limit + 1);
        sql.push(format!(
            ") AS page JOIN orders o ON o.key = page.key ORDER BY page.sort_ms {direction}, page.key {direction}"
        ));
        Ok(sql)
    }

    pub async fn orders_per_day(&self, since: jiff::Timestamp) -> Result<Vec<(String, String, i64)>, StoreError> {
        let sql = format!(
            "SELECT {} AS day, platform, COUNT(*) AS n FROM orders
             WHERE created_ms >= $1 GROUP BY day, platform ORDER BY day, platform",
            day_of_ms("created_ms")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since.as_millisecond()).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("day")?, r.try_get("platform")?, r.try_get("n")?))).collect()
    }
}

/// `SELECT column FROM order_terms WHERE term >= A AND term < B UNION ALL …`:
/// the terms in any of `ranges` (which do not overlap).
///
/// Why not one `WHERE … OR …`: SQLite answers that by gathering every
/// match into a row set first, where each range of a `UNION ALL` is read in
/// its index as it goes. The list API's `q=138` (a pii key: a phone prefix
/// and the public terms) served 1,050 requests/s with `OR` and 1,560 with
/// one range; the two statements of its listing took 0.13 and 0.75 ms with
/// `OR`, 0.03 and 0.54 ms with `UNION ALL`.
fn push_terms_in_ranges(sql: &mut QueryBuilder<Db>, column: &str, ranges: &[(String, String)]) {
    for (i, (from, to)) in ranges.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(format!("SELECT {column} FROM order_terms WHERE term >= "));
        sql.push_bind(from.clone()).push(" AND term < ").push_bind(to.clone());
    }
}

/// The conditions of a listing's `WHERE` after `1 = 1`: its filters, with
/// `status` in place of the query's own when given, and the keyset cursor.
fn push_filters(
    sql: &mut QueryBuilder<Db>,
    query: &OrderQuery,
    column: &str,
    descending: bool,
    status: Option<&str>,
    q_ranges: &[(String, String)],
) {
    let exact = [
        ("platform", query.platform.as_deref()),
        ("shop", query.shop.as_deref()),
        ("status", status.or(query.status.as_deref())),
        ("payment_status", query.payment_status.as_deref()),
        ("fulfillment_status", query.fulfillment_status.as_deref()),
        ("refund_status", query.refund_status.as_deref()),
        ("order_number", query.order_number.as_deref()),
    ];
    for (name, value) in exact {
        if let Some(value) = value {
            sql.push(format!(" AND {name} = ")).push_bind(value.to_string());
        }
    }
    if let Some(platforms) = &query.platforms {
        sql.push(" AND platform IN (");
        let mut list = sql.separated(", ");
        // An empty list matches nothing: `IN ('')` (no platform's key is empty).
        for platform in platforms.iter().map(String::as_str).chain(platforms.is_empty().then_some("")) {
            list.push_bind(platform.to_string());
        }
        sql.push(")");
    }
    // No index by order number: a number is one of its order's search
    // terms (lower-cased and trimmed), and the terms' key finds it.
    if let Some(number) = &query.order_number {
        sql.push(" AND key IN (SELECT order_key FROM order_terms WHERE term = ")
            .push_bind(number.trim().to_lowercase())
            .push(")");
    }
    let ranges = [
        ("created_ms", ">=", query.created_from),
        ("created_ms", "<", query.created_to),
        ("updated_ms", ">=", query.updated_from),
        ("updated_ms", "<", query.updated_to),
        ("ship_by_ms", "<", query.ship_by_before),
    ];
    for (name, op, bound) in ranges {
        if let Some(bound) = bound {
            sql.push(format!(" AND {name} {op} ")).push_bind(bound.as_millisecond());
        }
    }
    if let Some(linked) = query.linked {
        sql.push(if linked { " AND (" } else { " AND NOT (" });
        sql.push(
            "key IN (SELECT order_key FROM order_links WHERE linked_id IS NOT NULL)
             OR id IN (SELECT linked_id FROM order_links WHERE linked_id IS NOT NULL))",
        );
    }
    if let Some(shop) = &query.fulfilled_by {
        sql.push(
            " AND id IN (SELECT l.linked_id FROM order_links l JOIN orders p ON p.key = l.order_key WHERE p.shop = ",
        )
        .push_bind(shop.clone())
        .push(")");
    }
    if let Some(sku) = &query.sku {
        sql.push(" AND key IN (SELECT order_key FROM order_items WHERE sku = ").push_bind(sku.clone()).push(")");
    }
    if !q_ranges.is_empty() {
        sql.push(" AND key IN (");
        push_terms_in_ranges(sql, "order_key", q_ranges);
        sql.push(")");
    }
    if let Some(after) = &query.after {
        let op = if descending { "<" } else { ">" };
        sql.push(format!(" AND ({column}, key) {op} ("))
            .push_bind(after.time_ms)
            .push(", ")
            .push_bind(after.key)
            .push(")");
    }
}
