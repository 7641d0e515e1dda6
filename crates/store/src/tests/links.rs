//! Links between a supplier's orders and the shop orders they fulfil, on
//! both databases: resolved whichever side is written first, shown in both
//! documents with one event each, stable when the platforms send the orders
//! again, and never guessed.

use super::*;
use orderhub_model::{LinkRelation, OrderLink, Role};

contract!(a_link_resolves_whichever_side_is_written_first, a_number_two_sales_answer_to_or_none_does_stays_unresolved,);

/// A purchase at the supplier naming shop order `names`, as its connector reads it.
fn purchase(number: &str, names: &str) -> Order {
    let mut order = order(number, 1_700_000_000);
    order.platform = Platform::new("westmonth");
    order.shop = "westmoon".into();
    order.id = hub_id(order.platform, "westmoon", number);
    order.role = Role::Purchase;
    order.links = vec![OrderLink { relation: LinkRelation::Fulfils, order_number: names.into(), order_id: None }];
    order
}

fn link(relation: LinkRelation, number: &str, id: Option<&str>) -> Vec<OrderLink> {
    vec![OrderLink { relation, order_number: number.into(), order_id: id.map(str::to_string) }]
}

async fn stored(store: &Store, id: &str) -> Order {
    store.order(id).await.unwrap().unwrap()
}

/// The kinds of an order's events, and which fields its `changed` ones changed.
async fn timeline(store: &Store, id: &str) -> Vec<String> {
    let events = store.events(id).await.unwrap();
    events
        .iter()
        .map(|e| match e.kind.as_str() {
            "changed" => {
                format!("changed {}", e.changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>().join(","))
            }
            kind => kind.to_string(),
        })
        .collect()
}

async fn a_link_resolves_whichever_side_is_written_first(db: &TestDatabase) {
    let store = db.open().await;
    // Supplier first: the purchase waits unresolved, the sale finds it.
    let p1 = purchase("P-1", "S-1");
    store.write_batch("westmoon", std::slice::from_ref(&p1), &[], None).await.unwrap();
    assert_eq!(stored(&store, &p1.id).await.links, link(LinkRelation::Fulfils, "S-1", None));
    let s1 = order("S-1", 1_700_000_000);
    let stats = store.write_batch("belment", std::slice::from_ref(&s1), &[], None).await.unwrap();
    assert_eq!((stats.new, stats.changed), (1, 0), "the purchase it links is not counted as the shop's");
    assert_eq!(stored(&store, &p1.id).await.links, link(LinkRelation::Fulfils, "S-1", Some(&s1.id)));
    assert_eq!(stored(&store, &s1.id).await.links, link(LinkRelation::FulfilledBy, "P-1", Some(&p1.id)));
    assert_eq!(timeline(&store, &p1.id).await, ["created", "changed links"]);
    assert_eq!(timeline(&store, &s1.id).await, ["created"], "created with its link");

    // Shop first: the sale waits, the purchase finds it.
    let s2 = order("S-2", 1_700_000_000);
    store.write_batch("belment", std::slice::from_ref(&s2), &[], None).await.unwrap();
    let p2 = purchase("P-2", "S-2");
    store.write_batch("westmoon", std::slice::from_ref(&p2), &[], None).await.unwrap();
    assert_eq!(stored(&store, &p2.id).await.links, link(LinkRelation::Fulfils, "S-2", Some(&s2.id)));
    assert_eq!(stored(&store, &s2.id).await.links, link(LinkRelation::FulfilledBy, "P-2", Some(&p2.id)));
    assert_eq!(timeline(&store, &s2.id).await, ["created", "changed links"]);
    assert_eq!(timeline(&store, &p2.id).await, ["created"]);

    // The platforms send all four again, without what the hub resolved: nothing changed.
    let events = store.last_event_seq().await.unwrap();
    let again = store.write_batch("westmoon", &[p1.clone(), p2.clone()], &[], None).await.unwrap();
    let also = store.write_batch("belment", &[s1.clone(), s2.clone()], &[], None).await.unwrap();
    assert_eq!((again.unchanged, also.unchanged), (2, 2));
    assert_eq!(store.last_event_seq().await.unwrap(), events, "no event for a link already made");

    // A second purchase for the same sale: the sale lists both.
    let p3 = purchase("P-3", "S-1");
    store.write_batch("westmoon", std::slice::from_ref(&p3), &[], None).await.unwrap();
    let both: Vec<OrderLink> =
        [link(LinkRelation::FulfilledBy, "P-1", Some(&p1.id)), link(LinkRelation::FulfilledBy, "P-3", Some(&p3.id))]
            .concat();
    assert_eq!(stored(&store, &s1.id).await.links, both);
}

async fn a_number_two_sales_answer_to_or_none_does_stays_unresolved(db: &TestDatabase) {
    let store = db.open().await;
    let here = order("S-9", 1_700_000_000);
    let mut there = order("S-9", 1_700_000_000);
    there.shop = "fengxi".into();
    there.id = hub_id(there.platform, "fengxi", "S-9");
    store.write_batch("belment", std::slice::from_ref(&here), &[], None).await.unwrap();
    store.write_batch("fengxi", std::slice::from_ref(&there), &[], None).await.unwrap();
    let ambiguous = purchase("P-9", "S-9");
    let dangling = purchase("P-0", "NO-SUCH-ORDER");
    store.write_batch("westmoon", &[ambiguous.clone(), dangling.clone()], &[], None).await.unwrap();
    assert_eq!(stored(&store, &ambiguous.id).await.links, link(LinkRelation::Fulfils, "S-9", None));
    assert_eq!(stored(&store, &dangling.id).await.links, link(LinkRelation::Fulfils, "NO-SUCH-ORDER", None));
    assert!(stored(&store, &here.id).await.links.is_empty() && stored(&store, &there.id).await.links.is_empty());
    assert_eq!(timeline(&store, &here.id).await, ["created"]);

    // Both are listed for a person, the ambiguous one with its candidates.
    let unresolved = store.unresolved_links(100).await.unwrap();
    let told: Vec<(&str, &str, Vec<&str>)> = unresolved
        .iter()
        .map(|l| (l.purchase_id.as_str(), l.number.as_str(), l.candidates.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        told,
        [
            (dangling.id.as_str(), "NO-SUCH-ORDER", vec![]),
            (ambiguous.id.as_str(), "S-9", vec![here.id.as_str(), there.id.as_str()]),
        ]
    );
    assert_eq!(unresolved[0].shop, "westmoon");
    // The shop order the dangling one names arrives: it is linked, and no longer listed.
    let named = order("NO-SUCH-ORDER", 1_700_000_000);
    store.write_batch("belment", std::slice::from_ref(&named), &[], None).await.unwrap();
    assert_eq!(stored(&store, &dangling.id).await.links[0].order_id.as_deref(), Some(named.id.as_str()));
    let left: Vec<String> = store.unresolved_links(100).await.unwrap().into_iter().map(|l| l.purchase_id).collect();
    assert_eq!(left, std::slice::from_ref(&ambiguous.id));
}
