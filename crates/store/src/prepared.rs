//! An order made ready to be written ([`OrderRows`]): everything its rows
//! hold that the order alone decides.
//!
//! Why apart from the write: a sync makes these on its reading side
//! (`Store::prepare`), on both cores, while the writer stores the page
//! before; the writer, one thread that the sync waits for, then only looks
//! orders up and inserts rows. Made in the writer, the texts of a page's
//! amounts, its search terms and its `created` events were about an eighth
//! of the writer's instructions in a Shoptima sync.

use crate::documents::Document;
use orderhub_model::{Change, ENCRYPTED_PREFIX, Order};
use serde_json::Value;

/// An order's stored document and the other texts of its rows.
#[derive(Debug)]
pub(crate) struct OrderRows {
    /// The `document` column.
    pub document: Document,
    /// The `total` column: the order's total as text.
    pub total: String,
    /// Each line's unit price and total as text (`order_items`), in order.
    pub prices: Vec<(String, String)>,
    /// Its search terms (`order_terms`): see [`search_terms`].
    pub terms: Vec<String>,
    /// What its `created` event says (`order_events.changes`), should the
    /// order be new: the fields an event records, each from nothing to its
    /// value, as JSON.
    pub created: String,
}

impl OrderRows {
    /// The rows of `order`, whose document is `document`.
    pub(crate) fn new(order: &Order, document: Document) -> OrderRows {
        let total = order.total.to_string();
        let created =
            |field: &str, to: String| Change { field: field.into(), from: Value::Null, to: Value::String(to) };
        let changes = [
            created("status", order.status.to_string()),
            created("payment_status", order.payment_status.to_string()),
            created("fulfillment_status", order.fulfillment_status.to_string()),
            created("refund_status", order.refund_status.to_string()),
            created("total", total.clone()),
        ];
        OrderRows {
            document,
            prices: order.items.iter().map(|item| (item.unit_price.to_string(), item.total.to_string())).collect(),
            terms: search_terms(order),
            created: serde_json::to_string(&changes).expect("changes serialise"),
            total,
        }
    }
}

/// The words `q` finds an order by, lower-cased, sorted, each once (see
/// `order_terms`): its number, its platform id and its tracking numbers as
/// they are, and the buyer's and receiver's name, phone and email behind
/// [`BUYER_TERM`], so that only a search allowed to see buyers reaches them
/// (`OrderQuery::buyer_terms`): a key without `pii` must not learn a masked
/// phone one digit at a time from which searches find the order.
///
/// Ciphertext in place of a buyer's name or phone (`ENCRYPTED_PREFIX`) is
/// not a word anyone searches by: every Douyin ciphertext starts alike, so
/// as terms they made `q=ydk4` match every such order, and they were two
/// of a Damaijia order's 3.45 terms, at 71 bytes each, written at random
/// places of the terms' index.
pub(crate) fn search_terms(order: &Order) -> Vec<String> {
    let public = [Some(order.order_number.as_str()), order.platform_order_id.as_deref()]
        .into_iter()
        .flatten()
        .chain(order.shipments.iter().map(|s| s.tracking_number.as_str()));
    let buyer = [
        order.customer.name.as_deref(),
        order.customer.phone.as_deref(),
        order.customer.email.as_deref(),
        order.shipping_address.name.as_deref(),
        order.shipping_address.phone.as_deref(),
    ]
    .into_iter()
    .flatten();
    let word = |text: &str| {
        Some(text.trim()).filter(|t| !t.is_empty() && !t.starts_with(ENCRYPTED_PREFIX)).map(str::to_lowercase)
    };
    let mut terms: Vec<String> =
        public.filter_map(word).chain(buyer.filter_map(word).map(|term| format!("{BUYER_TERM}{term}"))).collect();
    terms.sort();
    terms.dedup();
    terms
}

/// What a buyer's search term starts with: a control character, which no
/// search text holds (`searchable`), so a search without buyers never
/// reaches these terms, and one with them finds them as a second range.
pub(crate) const BUYER_TERM: char = '\u{1}';

/// A search text as the terms are written: trimmed, lower-cased, and
/// without control characters (none of which a term holds but the mark of
/// a buyer's term).
pub(crate) fn searchable(q: &str) -> String {
    q.trim().chars().filter(|c| !c.is_control()).collect::<String>().to_lowercase()
}
