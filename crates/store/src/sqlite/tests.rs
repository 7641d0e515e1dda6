//! The store's rules, on a fresh SQLite file per test.

use super::*;
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, LineItem, OrderStatus, PaymentStatus, Platform, PlatformStatus,
    RefundStatus, Shipment, hub_id,
};
use serde_json::json;

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("nested-is-fine.db").display());
    let store = Store::open(&url).await.unwrap();
    (dir, store)
}

fn order(number: &str, updated: i64) -> Order {
    Order {
        id: hub_id(Platform::Shoptima, "belment", number),
        platform: Platform::Shoptima,
        shop: "belment".into(),
        order_number: number.into(),
        platform_order_id: None,
        status: OrderStatus::AwaitingShipment,
        payment_status: PaymentStatus::Paid,
        fulfillment_status: FulfillmentStatus::Unfulfilled,
        refund_status: RefundStatus::None,
        platform_status: PlatformStatus { code: "1".into(), label: "成功支付".into() },
        currency: Some("USD".into()),
        subtotal: "16.55".parse().unwrap(),
        shipping: "5.99".parse().unwrap(),
        discount: Decimal::ZERO,
        total: "22.54".parse().unwrap(),
        paid: "22.54".parse().unwrap(),
        created_at: Some(Timestamp::from_second(1_590_081_530).unwrap()),
        updated_at: Some(Timestamp::from_second(updated).unwrap()),
        paid_at: None,
        shipped_at: None,
        cancelled_at: None,
        completed_at: None,
        customer: Customer { name: Some("kai jiang".into()), ..Customer::default() },
        shipping_address: Address { country_code: Some("HK".into()), ..Address::default() },
        items: vec![LineItem {
            line_id: "1".into(),
            sku: Some("10000007559556972".into()),
            product_id: None,
            sku_id: Some("12345678901234567890".into()),
            title: Some("Mask".into()),
            variant: None,
            quantity: 2,
            unit_price: "8.275".parse().unwrap(),
            total: "16.55".parse().unwrap(),
            image_url: None,
        }],
        shipments: vec![],
        raw: serde_json::from_str(r#"{"order_num": "X", "price": 6.00, "big": 123456789012345678901234567890}"#)
            .unwrap(),
    }
}

#[tokio::test]
async fn an_order_round_trips_exactly_with_its_raw_payload() {
    let (_dir, store) = fresh().await;
    let original = order("A-1", 100);
    store.write_batch("belment", std::slice::from_ref(&original), &[], None).await.unwrap();
    let back = store.order(&original.id).await.unwrap().unwrap();
    assert_eq!(back, original);
    assert_eq!(back.raw.to_string(), r#"{"order_num":"X","price":6.00,"big":123456789012345678901234567890}"#);
    assert_eq!(back.items[0].unit_price.to_string(), "8.275");
}

#[tokio::test]
async fn events_are_written_for_new_and_changed_orders_only() {
    let (_dir, store) = fresh().await;
    let first = order("A-1", 100);
    let stats = store.write_batch("belment", &[first.clone(), order("A-2", 100)], &[], None).await.unwrap();
    assert_eq!((stats.new, stats.changed, stats.unchanged), (2, 0, 0));
    assert_eq!(store.event_count().await.unwrap(), 2);

    let stats = store.write_batch("belment", std::slice::from_ref(&first), &[], None).await.unwrap();
    assert_eq!((stats.new, stats.changed, stats.unchanged), (0, 0, 1));
    assert_eq!(store.event_count().await.unwrap(), 2, "an unchanged order writes no event");

    let mut shipped = order("A-1", 200);
    shipped.status = OrderStatus::Shipped;
    shipped.shipments.push(Shipment {
        tracking_number: "SF1".into(),
        carrier_code: Some("SF".into()),
        carrier_name: None,
        shipped_at: None,
    });
    let stats = store.write_batch("belment", std::slice::from_ref(&shipped), &[], None).await.unwrap();
    assert_eq!(stats.changed, 1);
    let events = store.events(&first.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["created", "changed"]);
    let fields: Vec<_> = events[1].changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["status", "updated_at", "shipments"]);
    assert_eq!(events[1].changes[0].to, json!("shipped"));
    assert!(events[0].seq < events[1].seq);
}

#[tokio::test]
async fn a_payload_change_the_mapping_does_not_read_is_kept_without_an_event() {
    let (_dir, store) = fresh().await;
    let first = order("A-1", 100);
    store.write_batch("belment", std::slice::from_ref(&first), &[], None).await.unwrap();
    let mut same = first.clone();
    same.raw["remind_payment"] = json!(1);
    let stats = store.write_batch("belment", std::slice::from_ref(&same), &[], None).await.unwrap();
    assert_eq!((stats.changed, stats.unchanged), (0, 1));
    assert_eq!(store.event_count().await.unwrap(), 1);
    assert_eq!(store.order(&first.id).await.unwrap().unwrap().raw["remind_payment"], json!(1));
}

#[tokio::test]
async fn an_order_twice_in_one_batch_is_stored_once_at_its_newest() {
    let (_dir, store) = fresh().await;
    let mut newer = order("A-1", 200);
    newer.status = OrderStatus::Shipped;
    let stats = store.write_batch("belment", &[newer.clone(), order("A-1", 100)], &[], None).await.unwrap();
    assert_eq!(stats.new, 1);
    assert_eq!(store.order_count().await.unwrap(), 1);
    assert_eq!(store.event_count().await.unwrap(), 1);
    assert_eq!(store.order(&newer.id).await.unwrap().unwrap().status, OrderStatus::Shipped);
}

#[tokio::test]
async fn an_older_version_never_replaces_a_newer_one() {
    let (_dir, store) = fresh().await;
    let mut newer = order("A-1", 200);
    newer.status = OrderStatus::Shipped;
    store.write_batch("belment", &[newer.clone()], &[], None).await.unwrap();
    let stats = store.write_batch("belment", &[order("A-1", 100)], &[], None).await.unwrap();
    assert_eq!(stats.stale, 1);
    assert_eq!(store.order(&newer.id).await.unwrap().unwrap().status, OrderStatus::Shipped);
    assert_eq!(store.event_count().await.unwrap(), 1);
}

#[tokio::test]
async fn cursor_and_bad_orders_commit_with_the_batch() {
    let (_dir, store) = fresh().await;
    assert_eq!(store.cursor("belment", "s").await.unwrap(), None);
    let bad = BadRecord { order_number: Some("B-1".into()), error: "no order_num".into(), raw: json!({"x": 1}) };
    let cursor = CursorUpdate { stream: "s".into(), cursor: "1700000000".into() };
    let stats = store.write_batch("belment", &[order("A-1", 1)], &[bad], Some(&cursor)).await.unwrap();
    assert_eq!(stats.bad, 1);
    assert_eq!(store.cursor("belment", "s").await.unwrap().as_deref(), Some("1700000000"));
    assert_eq!(store.bad_orders("belment").await.unwrap(), vec![("B-1".to_string(), "no order_num".to_string())]);
}

#[tokio::test]
async fn reopening_keeps_everything_and_export_pages_past_500() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("o.db").display());
    let store = Store::open(&url).await.unwrap();
    let orders: Vec<Order> = (0..1234).map(|i| order(&format!("N-{i:05}"), 1)).collect();
    store.write_batch("belment", &orders, &[], None).await.unwrap();
    store.close().await;

    let store = Store::open(&url).await.unwrap();
    let mut seen = Vec::new();
    let count = store
        .for_each_order(&OrderFilter::default(), |o| {
            seen.push(o.order_number);
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    assert_eq!(count, 1234);
    let mut expected: Vec<String> = orders.iter().map(|o| o.order_number.clone()).collect();
    expected.sort();
    assert_eq!(seen, expected);
    let filter = OrderFilter { status: Some("shipped".into()), ..OrderFilter::default() };
    assert!(store.orders(&filter).await.unwrap().is_empty());
    let filter = OrderFilter { limit: Some(3), ..OrderFilter::default() };
    assert_eq!(store.orders(&filter).await.unwrap().len(), 3);
}

#[tokio::test]
async fn runs_are_recorded() {
    let (_dir, store) = fresh().await;
    let id = store.start_run("belment").await.unwrap();
    let run = SyncRun {
        id,
        shop: "belment".into(),
        outcome: "ok".into(),
        pages: 3,
        api_calls: 4,
        orders: WriteStats { new: 5, ..WriteStats::default() },
        ..SyncRun::default()
    };
    store.finish_run(&run).await.unwrap();
    let runs = store.runs(Some("belment"), 10).await.unwrap();
    assert_eq!((runs[0].outcome.as_str(), runs[0].pages, runs[0].orders.new), ("ok", 3, 5));
    assert!(runs[0].ended_at.is_some());
}

#[tokio::test]
async fn a_non_sqlite_url_is_refused_with_what_to_do() {
    let err = Store::open("postgres://u:pw@localhost/db").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("sqlite://orderhub.db") && !text.contains("pw"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_from_several_shops_all_commit() {
    let (_dir, store) = fresh().await;
    let mut tasks = Vec::new();
    for writer in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for batch in 0..10 {
                let orders: Vec<Order> = (0..50).map(|i| order(&format!("W{writer}-{batch}-{i}"), 1)).collect();
                // Each batch reads (existing rows) before it writes: the pattern that
                // deadlocks deferred transactions.
                store.write_batch("belment", &orders, &[], None).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.order_count().await.unwrap(), 4 * 10 * 50);
}

#[tokio::test]
async fn a_shop_is_paused_with_its_reason_and_resumed() {
    let (_dir, store) = fresh().await;
    assert_eq!(store.paused("belment").await.unwrap(), None);
    store.pause_shop("belment", "quota spent").await.unwrap();
    store.pause_shop("belment", "quota spent again").await.unwrap();
    assert_eq!(store.paused("belment").await.unwrap().unwrap().0, "quota spent again");
    store.resume_shop("belment").await.unwrap();
    assert_eq!(store.paused("belment").await.unwrap(), None);
}
