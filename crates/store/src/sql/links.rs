//! Links between a supplier's orders and the shop orders they fulfil,
//! resolved as orders are written, inside the write transaction.
//!
//! A purchase (an order of a supplier platform) names the shop order it
//! fulfils by number (`fulfils`, unresolved from the connector). Whichever
//! side is written first, the write that brings the other finds it: the
//! purchase's link gets the shop order's id, and the shop order gets a
//! `fulfilled_by` link back. Both are written as the orders' new versions,
//! so each shows the link in its document and one `changed` event (or in
//! its `created` version). A number that two stored sales answer to is not
//! guessed: the link stays unresolved.
//!
//! Why in the write: it holds the store's write lock, so the two sides see
//! each other whichever of two workers writes them; and a platform's next
//! copy of an order (which never carries what the hub resolved) is linked
//! the same way before it is compared, so it reads as unchanged.
//!
//! `order_links` holds each purchase's named numbers, so that a shop order
//! written later finds the purchases that name it.

use super::{Db, ORDERS_PER_STATEMENT, SqlStore, StoredVersion, read_dictionaries, timestamp, unknown_dictionaries};
use crate::documents::Dictionaries;
use crate::{StoreError, UnresolvedLink};
use orderhub_model::{LinkRelation, Order, OrderLink, Role};
use sqlx::{QueryBuilder, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An order whose links the write changes: a batch order (its index) or a
/// stored order the batch's orders link to (`None`).
pub(crate) struct Relinked {
    pub index: Option<usize>,
    pub order: Order,
}

/// The orders of `batch`, and the stored orders they link to, whose links
/// differ from what they are once resolved against the store.
pub(crate) async fn relink(
    tx: &mut Transaction<'static, Db>,
    dictionaries: &Dictionaries,
    batch: &[&Order],
) -> Result<Vec<Relinked>, StoreError> {
    if !has_purchases(tx, batch).await? {
        return Ok(Vec::new());
    }
    // The purchases that name the batch's sales (or what its purchases name).
    let mut asked: BTreeSet<String> = BTreeSet::new();
    for order in batch {
        match order.role {
            Role::Purchase => asked.extend(order.fulfils().map(str::to_string)),
            Role::Sale => asked.extend(numbers_of(order).map(str::to_string)),
        }
    }
    let in_batch: HashMap<&str, usize> = batch.iter().enumerate().map(|(i, o)| (o.id.as_str(), i)).collect();
    let mut purchases = stored_purchases(tx, dictionaries, &asked).await?;
    // Every sale that answers to a named number: one is a link, two are not.
    let named: BTreeSet<String> = batch
        .iter()
        .copied()
        .chain(purchases.iter())
        .filter(|o| o.role == Role::Purchase)
        .flat_map(|o| o.fulfils().map(str::to_string))
        .collect();
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let sales = stored_sales(tx, dictionaries, &named).await?;
    // A sale found may answer to another number too (its platform id), which other purchases name.
    let more: BTreeSet<String> =
        sales.iter().flat_map(|o| numbers_of(o).map(str::to_string)).filter(|n| !asked.contains(n)).collect();
    if !more.is_empty() {
        purchases.extend(stored_purchases(tx, dictionaries, &more).await?);
    }
    let mut stored: BTreeMap<String, Order> = BTreeMap::new();
    for order in sales.into_iter().chain(purchases) {
        if !in_batch.contains_key(order.id.as_str()) {
            stored.insert(order.id.clone(), order);
        }
    }
    let universe: Vec<&Order> = batch.iter().copied().chain(stored.values()).collect();
    let resolved = Resolution::of(&universe);
    let mut relinked = Vec::new();
    for order in universe {
        let links = resolved.links_of(order);
        if links != order.links {
            let index = in_batch.get(order.id.as_str()).copied();
            relinked.push(Relinked { index, order: Order { links, ..order.clone() } });
        }
    }
    Ok(relinked)
}

/// Whether there is any purchase to link: one in the batch, or one stored.
async fn has_purchases(tx: &mut Transaction<'static, Db>, batch: &[&Order]) -> Result<bool, StoreError> {
    if batch.iter().any(|order| order.role == Role::Purchase) {
        return Ok(true);
    }
    Ok(sqlx::query_scalar::<_, i64>("SELECT order_key FROM order_links LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// The numbers a sale answers to: its number, and its platform id where that differs.
fn numbers_of(order: &Order) -> impl Iterator<Item = &str> {
    std::iter::once(order.order_number.as_str()).chain(order.platform_order_id.as_deref())
}

/// Which sale each named number stands for, and which purchases name each sale.
struct Resolution<'a> {
    /// Number → the sales that answer to it.
    sales: HashMap<&'a str, BTreeSet<&'a str>>,
    /// Sale id → the purchases that fulfil it (unambiguously).
    fulfilled_by: BTreeMap<&'a str, BTreeSet<(&'a str, &'a str)>>,
}

impl<'a> Resolution<'a> {
    fn of(orders: &[&'a Order]) -> Self {
        let mut sales: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for order in orders.iter().filter(|o| o.role == Role::Sale) {
            for number in numbers_of(order) {
                sales.entry(number).or_default().insert(order.id.as_str());
            }
        }
        let mut resolution = Resolution { sales, fulfilled_by: BTreeMap::new() };
        for order in orders.iter().filter(|o| o.role == Role::Purchase) {
            for number in order.fulfils() {
                if let Some(sale) = resolution.sale(number) {
                    let by = (order.order_number.as_str(), order.id.as_str());
                    resolution.fulfilled_by.entry(sale).or_default().insert(by);
                }
            }
        }
        resolution
    }

    /// The one sale `number` names, if exactly one answers to it.
    fn sale(&self, number: &str) -> Option<&'a str> {
        match self.sales.get(number) {
            Some(ids) if ids.len() == 1 => ids.first().copied(),
            _ => None,
        }
    }

    /// `order`'s links, resolved: a purchase's `fulfils` with the sale's id
    /// (or none), a sale's `fulfilled_by` for each purchase naming it.
    fn links_of(&self, order: &Order) -> Vec<OrderLink> {
        match order.role {
            Role::Purchase => order
                .links
                .iter()
                .map(|link| match link.relation {
                    LinkRelation::Fulfils => {
                        OrderLink { order_id: self.sale(&link.order_number).map(str::to_string), ..link.clone() }
                    }
                    LinkRelation::FulfilledBy => link.clone(),
                })
                .collect(),
            Role::Sale => self
                .fulfilled_by
                .get(order.id.as_str())
                .into_iter()
                .flatten()
                .map(|(number, id)| OrderLink {
                    relation: LinkRelation::FulfilledBy,
                    order_number: number.to_string(),
                    order_id: Some(id.to_string()),
                })
                .collect(),
        }
    }
}

/// Stored sales that answer to any of `numbers` (found by their search
/// terms, which hold each order's number and platform id).
async fn stored_sales(
    tx: &mut Transaction<'static, Db>,
    dictionaries: &Dictionaries,
    numbers: &BTreeSet<String>,
) -> Result<Vec<Order>, StoreError> {
    let terms: BTreeSet<String> = numbers.iter().map(|n| n.trim().to_lowercase()).collect();
    let select = "SELECT key, id, document, updated_ms FROM orders WHERE key IN \
                  (SELECT order_key FROM order_terms WHERE term IN (";
    let found = stored_orders(tx, dictionaries, select, &terms).await?;
    Ok(found
        .into_iter()
        .filter(|order| order.role == Role::Sale && numbers_of(order).any(|n| numbers.contains(n)))
        .collect())
}

/// Stored purchases that name any of `numbers`.
async fn stored_purchases(
    tx: &mut Transaction<'static, Db>,
    dictionaries: &Dictionaries,
    numbers: &BTreeSet<String>,
) -> Result<Vec<Order>, StoreError> {
    let select = "SELECT key, id, document, updated_ms FROM orders WHERE key IN \
                  (SELECT order_key FROM order_links WHERE number IN (";
    let found = stored_orders(tx, dictionaries, select, numbers).await?;
    Ok(found.into_iter().filter(|order| order.role == Role::Purchase).collect())
}

/// The orders `select` (ending in `IN (`) finds for `values`, a chunk at a time.
async fn stored_orders(
    tx: &mut Transaction<'static, Db>,
    dictionaries: &Dictionaries,
    select: &str,
    values: &BTreeSet<String>,
) -> Result<Vec<Order>, StoreError> {
    let values: Vec<&String> = values.iter().collect();
    let mut versions = Vec::new();
    for chunk in values.chunks(ORDERS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Db>::new(select);
        let mut list = query.separated(", ");
        for value in chunk {
            list.push_bind(value.as_str());
        }
        query.push("))");
        for row in query.build().fetch_all(&mut **tx).await? {
            versions.push(StoredVersion::from_row(&row)?);
        }
    }
    let missing = unknown_dictionaries(dictionaries, versions.iter().map(|v| v.document.as_slice()));
    if !missing.is_empty() {
        read_dictionaries(tx, dictionaries, &missing).await?;
    }
    versions.iter().map(|version| version.order(dictionaries)).collect()
}

/// Keeps `order_links` in step with the written orders (`written`: each
/// one's key, the order, and whether it replaced a stored version): a
/// changed purchase's rows are replaced, a new one's added, each with the
/// shop order its link resolved to.
pub(crate) async fn write_link_rows(
    tx: &mut Transaction<'static, Db>,
    written: &[(i64, &Order, bool)],
) -> Result<(), StoreError> {
    let replaced: Vec<i64> =
        written.iter().filter(|(_, o, changed)| *changed && o.role == Role::Purchase).map(|w| w.0).collect();
    for chunk in replaced.chunks(ORDERS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Db>::new("DELETE FROM order_links WHERE order_key IN (");
        let mut keys = query.separated(", ");
        for key in chunk {
            keys.push_bind(*key);
        }
        query.push(")");
        query.build().execute(&mut **tx).await?;
    }
    let mut rows: BTreeMap<(&str, i64), Option<&str>> = BTreeMap::new();
    for (key, order, _) in written {
        for link in order.links.iter().filter(|l| l.relation == LinkRelation::Fulfils) {
            rows.insert((link.order_number.as_str(), *key), link.order_id.as_deref());
        }
    }
    let rows: Vec<((&str, i64), Option<&str>)> = rows.into_iter().collect();
    for chunk in rows.chunks(ORDERS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Db>::new("INSERT INTO order_links (number, order_key, linked_id) ");
        query.push_values(chunk, |mut row, ((number, key), linked)| {
            row.push_bind(*number).push_bind(*key).push_bind(*linked);
        });
        query.build().execute(&mut **tx).await?;
    }
    Ok(())
}

impl SqlStore {
    pub async fn linked_purchases(&self) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(DISTINCT order_key) FROM order_links WHERE linked_id IS NOT NULL";
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }

    pub async fn unresolved_links(&self, limit: i64) -> Result<Vec<UnresolvedLink>, StoreError> {
        // Candidates: the other stored orders whose number is the named one
        // (found by their search terms; the exact number is checked here).
        let rows = sqlx::query(
            "SELECT l.number, p.id AS purchase_id, p.shop, p.first_seen_ms, s.id AS candidate, s.order_number
             FROM (SELECT * FROM order_links WHERE linked_id IS NULL ORDER BY order_key, number LIMIT $1) l
             JOIN orders p ON p.key = l.order_key
             LEFT JOIN order_terms t ON t.term = LOWER(l.number) AND t.order_key <> p.key
             LEFT JOIN orders s ON s.key = t.order_key
             ORDER BY p.id, l.number, s.id",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut links: Vec<UnresolvedLink> = Vec::new();
        for row in &rows {
            let (purchase_id, number): (String, String) = (row.try_get("purchase_id")?, row.try_get("number")?);
            if links.last().is_none_or(|l| l.purchase_id != purchase_id || l.number != number) {
                links.push(UnresolvedLink {
                    purchase_id,
                    shop: row.try_get("shop")?,
                    since: timestamp(row.try_get("first_seen_ms")?),
                    candidates: Vec::new(),
                    number: number.clone(),
                });
            }
            let candidate: Option<String> = row.try_get("candidate")?;
            let candidate_number: Option<String> = row.try_get("order_number")?;
            if let Some(candidate) = candidate.filter(|_| candidate_number.as_deref() == Some(number.as_str())) {
                links.last_mut().expect("pushed above").candidates.push(candidate);
            }
        }
        Ok(links)
    }
}
