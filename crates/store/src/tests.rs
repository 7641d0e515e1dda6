//! The store's contract: every test runs unchanged on a fresh SQLite file and
//! on a fresh PostgreSQL database (see [`crate::testing`]).

use super::*;
use crate::testing::TestDatabase;
use jiff::Timestamp;
use orderhub_model::Order;
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, LineItem, OrderStatus, PaymentStatus, Platform, PlatformStatus,
    RefundStatus, Shipment, hub_id,
};
use serde_json::json;

/// Runs each named test on both databases: `sqlite::NAME` and `postgres::NAME`.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(&crate::testing::TestDatabase::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = crate::testing::TestDatabase::postgres(stringify!($name)).await {
                        super::$name(&db).await;
                    }
                }
            )*
        }
    };
}

contract!(
    an_order_round_trips_exactly_with_its_raw_payload,
    events_are_written_for_new_and_changed_orders_only,
    prepared_orders_are_stored_as_orders_written_directly,
    a_payload_change_the_mapping_does_not_read_is_kept_without_an_event,
    an_order_twice_in_one_batch_is_stored_once_at_its_newest,
    an_older_version_never_replaces_a_newer_one,
    cursor_and_bad_orders_commit_with_the_batch,
    an_open_batch_commits_its_writes_together_or_not_at_all,
    an_open_batch_knows_while_another_writer_waits_for_it,
    reopening_keeps_everything_and_export_pages_past_500,
    runs_are_recorded,
    a_run_whose_process_died_is_closed_as_interrupted,
    concurrent_batches_from_several_shops_all_commit,
    a_shop_is_paused_with_its_reason_and_resumed,
    lookups_by_id_number_and_state,
    counts_and_gauges,
    the_feed_is_in_commit_order_across_concurrent_writers,
    api_keys_are_stored_by_hash_and_revoked,
    webhook_state_starts_at_the_newest_event,
    the_outbox_refuses_repeats_and_hands_each_job_out_once,
    listings_filter_search_and_page_by_keyset,
    ties_of_the_sort_time_are_served_once_in_the_order_they_were_first_stored,
    orders_per_day_are_utc_days,
    migrating_twice_applies_nothing_the_second_time,
    a_lease_has_one_holder_until_it_lapses,
    a_copy_from_sqlite_is_identical_and_numbering_continues,
    orders_stored_before_integer_keys_keep_their_items_terms_and_events,
    ciphertext_is_not_a_search_term_and_the_migration_drops_stored_ones,
);

#[path = "tests/attention.rs"]
mod attention;
#[path = "tests/links.rs"]
mod links;

fn order(number: &str, updated: i64) -> Order {
    Order {
        id: hub_id(Platform::new("shoptima"), "belment", number),
        platform: Platform::new("shoptima"),
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
        ship_by: None,
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
        role: orderhub_model::Role::Sale,
        links: Vec::new(),
        raw: serde_json::from_str(r#"{"order_num": "X", "price": 6.00, "big": 123456789012345678901234567890}"#)
            .unwrap(),
    }
}

async fn an_order_round_trips_exactly_with_its_raw_payload(db: &TestDatabase) {
    let store = db.open().await;
    let original = order("A-1", 100);
    store.write_batch("belment", std::slice::from_ref(&original), &[], None).await.unwrap();
    let back = store.order(&original.id).await.unwrap().unwrap();
    assert_eq!(back, original);
    assert_eq!(back.raw.get(), r#"{"order_num":"X","price":6.00,"big":123456789012345678901234567890}"#);
    assert_eq!(back.items[0].unit_price.to_string(), "8.275");
}

async fn events_are_written_for_new_and_changed_orders_only(db: &TestDatabase) {
    let store = db.open().await;
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

/// Orders made ready by `Store::prepare` (their rows' texts made before the
/// write, as a sync makes them on its reading side) are stored exactly as
/// orders written directly: the same document, items, search terms and
/// events, for a new order and for a changed one.
async fn prepared_orders_are_stored_as_orders_written_directly(db: &TestDatabase) {
    let store = db.open().await;
    let version = |number: &str, updated: i64, tracking: &str| {
        let mut order = order(number, updated);
        order.items.push(LineItem {
            line_id: "2".into(),
            sku: Some("CUP-1".into()),
            quantity: 1,
            unit_price: "0.10".parse().unwrap(),
            total: "0.1".parse().unwrap(),
            ..order.items[0].clone()
        });
        order.shipments.push(Shipment {
            tracking_number: tracking.into(),
            carrier_code: None,
            carrier_name: None,
            shipped_at: None,
        });
        order
    };
    let write_prepared = |order: Order| {
        let store = store.clone();
        async move {
            let mut prepared = store.prepare(vec![order]);
            let mut batch = store.begin_batch().await.unwrap();
            let stats = batch.write_prepared("belment", &mut prepared, &[]).await.unwrap();
            batch.commit("belment", None).await.unwrap();
            stats
        }
    };
    let direct = version("A-1", 100, "SF1");
    store.write_batch("belment", std::slice::from_ref(&direct), &[], None).await.unwrap();
    let prepared = version("A-2", 100, "SF1");
    assert_eq!(write_prepared(prepared.clone()).await.new, 1);

    assert_eq!(store.order(&prepared.id).await.unwrap().unwrap(), prepared);
    let (direct_events, prepared_events) =
        (store.events(&direct.id).await.unwrap(), store.events(&prepared.id).await.unwrap());
    let created = json!([
        {"field": "status", "from": null, "to": "awaiting_shipment"},
        {"field": "payment_status", "from": null, "to": "paid"},
        {"field": "fulfillment_status", "from": null, "to": "unfulfilled"},
        {"field": "refund_status", "from": null, "to": "none"},
        {"field": "total", "from": null, "to": "22.54"},
    ]);
    assert_eq!(serde_json::to_value(&direct_events[0].changes).unwrap(), created);
    assert_eq!(serde_json::to_value(&prepared_events[0].changes).unwrap(), created);
    let found = |q: Option<&str>, sku: Option<&str>| {
        let store = store.clone();
        let query = OrderQuery {
            q: q.map(String::from),
            buyer_terms: true,
            sku: sku.map(String::from),
            sort: OrderSort::CreatedAsc,
            limit: 10,
            ..OrderQuery::default()
        };
        async move {
            let mut numbers: Vec<String> =
                store.list_orders(&query).await.unwrap().orders.into_iter().map(|o| o.order_number).collect();
            numbers.sort();
            numbers
        }
    };
    for q in ["sf1", "KAI JIANG", "a-"] {
        assert_eq!(found(Some(q), None).await, ["A-1", "A-2"], "q={q}");
    }
    assert_eq!(found(Some("a-2"), None).await, ["A-2"]);
    assert_eq!(found(None, Some("CUP-1")).await, ["A-1", "A-2"]);
    let items = item_rows(db).await;
    let lines = |id: &str| items.iter().filter(|i| i.0 == id).map(|i| i.1.clone()).collect::<Vec<_>>();
    assert_eq!(lines(&direct.id), lines(&prepared.id));
    assert_eq!(
        lines(&prepared.id),
        [
            ("1".to_string(), Some("10000007559556972".to_string()), "8.275".to_string(), "16.55".to_string()),
            ("2".to_string(), Some("CUP-1".to_string()), "0.10".to_string(), "0.1".to_string()),
        ]
    );

    // A newer version through the same path: a `changed` event, and the
    // search terms follow the order.
    let mut moved = version("A-2", 200, "YT9");
    moved.status = OrderStatus::Shipped;
    assert_eq!(write_prepared(moved.clone()).await.changed, 1);
    assert_eq!(store.order(&moved.id).await.unwrap().unwrap(), moved);
    let events = store.events(&moved.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["created", "changed"]);
    let fields: Vec<_> = events[1].changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["status", "updated_at", "shipments"]);
    assert_eq!(found(Some("sf1"), None).await, ["A-1"]);
    assert_eq!(found(Some("yt9"), None).await, ["A-2"]);
    let items = item_rows(db).await;
    let lines_now = items.iter().filter(|i| i.0 == moved.id).map(|i| i.1.clone()).collect::<Vec<_>>();
    assert_eq!(lines(&direct.id), lines_now, "a change that leaves the lines keeps their rows");

    // Its lines change: the item rows follow them (one dropped, one changed).
    let mut relined = moved.clone();
    relined.updated_at = Some(Timestamp::from_second(300).unwrap());
    relined.items.truncate(1);
    relined.items[0].sku = Some("CUP-9".into());
    assert_eq!(write_prepared(relined.clone()).await.changed, 1);
    let rows: Vec<_> = item_rows(db).await.into_iter().filter(|i| i.0 == relined.id).map(|i| (i.1.0, i.1.1)).collect();
    assert_eq!(rows, [(relined.items[0].line_id.clone(), Some("CUP-9".to_string()))]);
}

/// Every stored line: (order id, (line id, sku, unit price, total)), by order and line.
async fn item_rows(db: &TestDatabase) -> Vec<(String, (String, Option<String>, String, String))> {
    use sqlx::Connection;
    const ITEMS: &str = "SELECT o.id, i.line_id, i.sku, i.unit_price, i.total
        FROM order_items i JOIN orders o ON o.key = i.order_key ORDER BY o.id, i.line_id";
    type Row = (String, String, Option<String>, String, String);
    let rows: Vec<Row> = match db.kind {
        DatabaseKind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_as(ITEMS).fetch_all(&mut conn).await.unwrap()
        }
        DatabaseKind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_as(ITEMS).fetch_all(&mut conn).await.unwrap()
        }
    };
    rows.into_iter().map(|(id, line, sku, price, total)| (id, (line, sku, price, total))).collect()
}

async fn a_payload_change_the_mapping_does_not_read_is_kept_without_an_event(db: &TestDatabase) {
    let store = db.open().await;
    let first = order("A-1", 100);
    store.write_batch("belment", std::slice::from_ref(&first), &[], None).await.unwrap();
    let mut same = first.clone();
    let mut payload = same.raw.to_value();
    payload["remind_payment"] = json!(1);
    same.raw = payload.into();
    let stats = store.write_batch("belment", std::slice::from_ref(&same), &[], None).await.unwrap();
    assert_eq!((stats.changed, stats.unchanged), (0, 1));
    assert_eq!(store.event_count().await.unwrap(), 1);
    assert_eq!(store.order(&first.id).await.unwrap().unwrap().raw.to_value()["remind_payment"], json!(1));
}

async fn an_order_twice_in_one_batch_is_stored_once_at_its_newest(db: &TestDatabase) {
    let store = db.open().await;
    let mut newer = order("A-1", 200);
    newer.status = OrderStatus::Shipped;
    let stats = store.write_batch("belment", &[newer.clone(), order("A-1", 100)], &[], None).await.unwrap();
    assert_eq!(stats.new, 1);
    assert_eq!(store.order_count().await.unwrap(), 1);
    assert_eq!(store.event_count().await.unwrap(), 1);
    assert_eq!(store.order(&newer.id).await.unwrap().unwrap().status, OrderStatus::Shipped);
}

async fn an_older_version_never_replaces_a_newer_one(db: &TestDatabase) {
    let store = db.open().await;
    let mut newer = order("A-1", 200);
    newer.status = OrderStatus::Shipped;
    store.write_batch("belment", &[newer.clone()], &[], None).await.unwrap();
    let stats = store.write_batch("belment", &[order("A-1", 100)], &[], None).await.unwrap();
    assert_eq!(stats.stale, 1);
    assert_eq!(store.order(&newer.id).await.unwrap().unwrap().status, OrderStatus::Shipped);
    assert_eq!(store.event_count().await.unwrap(), 1);
}

async fn cursor_and_bad_orders_commit_with_the_batch(db: &TestDatabase) {
    let store = db.open().await;
    assert_eq!(store.cursor("belment", "s").await.unwrap(), None);
    let bad = BadRecord { order_number: Some("B-1".into()), error: "no order_num".into(), raw: json!({"x": 1}) };
    let cursor = CursorUpdate { stream: "s".into(), cursor: "1700000000".into() };
    let stats = store.write_batch("belment", &[order("A-1", 1)], &[bad], Some(&cursor)).await.unwrap();
    assert_eq!(stats.bad, 1);
    assert_eq!(store.cursor("belment", "s").await.unwrap().as_deref(), Some("1700000000"));
    assert_eq!(store.bad_orders("belment").await.unwrap(), vec![("B-1".to_string(), "no order_num".to_string())]);
}

async fn an_open_batch_commits_its_writes_together_or_not_at_all(db: &TestDatabase) {
    let store = db.open().await;
    let cursor = CursorUpdate { stream: "s".into(), cursor: "1700000000".into() };
    let mut batch = store.begin_batch().await.unwrap();
    let first = batch.write("belment", &[order("A-1", 1), order("A-2", 1)], &[]).await.unwrap();
    assert_eq!(first.new, 2);
    // A later write in the same transaction sees the earlier ones: stored once.
    let second = batch.write("belment", &[order("A-2", 1), order("A-3", 1)], &[]).await.unwrap();
    assert_eq!((second.new, second.unchanged), (1, 1));
    // Nothing is visible to other connections before the commit.
    assert_eq!(store.order_count().await.unwrap(), 0);
    batch.commit("belment", Some(&cursor)).await.unwrap();
    assert_eq!(store.order_count().await.unwrap(), 3);
    assert_eq!(store.event_count().await.unwrap(), 3);
    assert_eq!(store.cursor("belment", "s").await.unwrap().as_deref(), Some("1700000000"));

    // Dropped uncommitted: rolled back, and the write lock is free again.
    let mut batch = store.begin_batch().await.unwrap();
    batch.write("belment", &[order("A-4", 1)], &[]).await.unwrap();
    drop(batch);
    let stats = store.write_batch("belment", &[order("A-5", 1)], &[], None).await.unwrap();
    assert_eq!(stats.new, 1);
    assert!(store.order(&order("A-4", 1).id).await.unwrap().is_none());
    assert_eq!(store.order_count().await.unwrap(), 4);
}

/// A batch holds the write lock; a writer of the same store that waits for
/// it is seen by the batch (which a sync commits early for), and gets the
/// lock once the batch commits.
async fn an_open_batch_knows_while_another_writer_waits_for_it(db: &TestDatabase) {
    let store = db.open().await;
    let queue = store.write_queue();
    let mut batch = store.begin_batch().await.unwrap();
    batch.write("belment", &[order("A-1", 1)], &[]).await.unwrap();
    assert!(!queue.waiting().any());
    let other = {
        let store = store.clone();
        tokio::spawn(async move { store.write_batch("other", &[order("B-1", 1)], &[], None).await })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while queue.waiting().batches == 0 {
        assert!(std::time::Instant::now() < deadline, "the waiting writer was never seen");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!other.is_finished(), "the other writer waits for the lock");
    batch.commit("belment", None).await.unwrap();
    assert_eq!(other.await.unwrap().unwrap().new, 1);
    let batch = store.begin_batch().await.unwrap();
    assert!(!queue.waiting().any(), "a writer that got the lock is no longer counted");
    batch.commit("belment", None).await.unwrap();
    assert_eq!(store.order_count().await.unwrap(), 2);
}

async fn reopening_keeps_everything_and_export_pages_past_500(db: &TestDatabase) {
    let store = db.open().await;
    let orders: Vec<Order> = (0..1234).map(|i| order(&format!("N-{i:05}"), 1)).collect();
    store.write_batch("belment", &orders, &[], None).await.unwrap();
    store.close().await;

    let store = db.open().await;
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

async fn runs_are_recorded(db: &TestDatabase) {
    let store = db.open().await;
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

/// A run's lease lapses when its process dies (here: set in the past, as
/// fifteen seconds without renewal would); the next run's start closes it
/// as interrupted, while a run that renews its lease stays running.
async fn a_run_whose_process_died_is_closed_as_interrupted(db: &TestDatabase) {
    let store = db.open().await;
    let killed = store.start_run("belment").await.unwrap();
    let alive = store.start_run("fengxi").await.unwrap();
    let progress = RunProgress { read: 1_200, expected: Some(5_000), spans_done: 2, spans: 8, eta_seconds: Some(31) };
    store.renew_run(alive, Some(&progress)).await.unwrap();
    execute_raw(db, &format!("UPDATE leases SET expires_ms = 1 WHERE name = 'run:{killed}'")).await;
    assert_eq!(store.runs(Some("belment"), 1).await.unwrap()[0].outcome, "running", "nothing closes it until asked");
    let next = store.start_run("belment").await.unwrap();
    let runs = store.runs(None, 10).await.unwrap();
    let outcome = |id: i64| runs.iter().find(|r| r.id == id).map(|r| (r.outcome.clone(), r.ended_at.is_some()));
    assert_eq!(outcome(killed), Some(("interrupted".to_string(), true)));
    assert_eq!(outcome(alive), Some(("running".to_string(), false)));
    assert_eq!(runs.iter().find(|r| r.id == alive).unwrap().progress, Some(progress), "how far it has come");
    assert_eq!(outcome(next), Some(("running".to_string(), false)));
    assert!(runs.iter().find(|r| r.id == killed).unwrap().error.as_deref().is_some_and(|e| e.contains("killed")));
    // Finished runs give their lease back; nothing is left to close.
    for id in [alive, next] {
        store.finish_run(&SyncRun { id, outcome: "ok".into(), ..SyncRun::default() }).await.unwrap();
    }
    assert_eq!(store.close_interrupted_runs().await.unwrap(), 0);
    let runs = store.runs(None, 10).await.unwrap();
    assert_eq!(runs.iter().filter(|r| r.outcome == "ok").count(), 2);
    assert!(runs.iter().all(|r| r.progress.is_none()), "a run that ended has no progress to show");
}

/// SQLite's answers as the store classifies them: a lock held by another
/// process is busy (tried again, never a shop's failure); a full database
/// is the store unavailable (reported on /healthz, recovered from); a
/// constraint is neither.
#[tokio::test]
async fn sqlite_errors_are_told_apart() {
    use sqlx::ConnectOptions;
    let db = TestDatabase::sqlite();
    let store = db.open().await;
    store.start_run("belment").await.unwrap();
    let options: sqlx::sqlite::SqliteConnectOptions = db.url.parse().unwrap();
    let mut holder = options.clone().connect().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
    let mut other = options.busy_timeout(std::time::Duration::ZERO).connect().await.unwrap();
    let busy = sqlx::query("DELETE FROM sync_runs").execute(&mut other).await.unwrap_err();
    let busy = StoreError::from(busy);
    assert!(busy.is_busy() && !busy.is_unavailable(), "{busy}");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();

    sqlx::query("PRAGMA max_page_count = 1").execute(&mut other).await.unwrap_or_default();
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&mut other).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {pages}"))).execute(&mut other).await.unwrap();
    // The file may not grow: the free pages it has fill up first.
    let filler = "x".repeat(100_000);
    let mut full = None;
    for n in 0..1_000 {
        let insert =
            "INSERT INTO bad_orders (shop, order_number, error, raw, recorded_ms) VALUES ('s', $1, 'e', $2, 0)";
        if let Err(error) = sqlx::query(insert).bind(n.to_string()).bind(&filler).execute(&mut other).await {
            full = Some(StoreError::from(error));
            break;
        }
    }
    let full = full.expect("the database filled up");
    assert!(full.is_unavailable() && !full.is_busy(), "{full}");

    let duplicate = sqlx::query("INSERT INTO leases (name, holder, expires_ms) VALUES ('x', 'a', 0), ('x', 'b', 0)")
        .execute(&mut other)
        .await
        .unwrap_err();
    let duplicate = StoreError::from(duplicate);
    assert!(!duplicate.is_unavailable() && !duplicate.is_busy(), "{duplicate}");
}

#[tokio::test]
async fn a_password_in_the_query_of_a_database_url_is_never_shown() {
    let url = "postgres://orderhub@127.0.0.1:1/orders?connect_timeout=1&password=hunter2";
    let err = Store::open(url).await.unwrap_err().to_string();
    assert!(!err.contains("hunter2") && err.contains("password=***"), "{err}");
}

#[tokio::test]
async fn an_unknown_database_url_is_refused_with_what_to_do() {
    let err = Store::open("mysql://u:pw@localhost/db").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("sqlite://orderhub.db") && text.contains("postgres://") && !text.contains("pw"), "{text}");
}

#[tokio::test]
async fn an_unreachable_postgres_names_the_url_without_its_password() {
    // Port 1: nothing listens there, the connection is refused at once.
    let err = Store::open("postgres://u:secret-pw@127.0.0.1:1/db").await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("postgres://u:***@127.0.0.1:1/db") && !text.contains("secret-pw"), "{text}");
}

async fn concurrent_batches_from_several_shops_all_commit(db: &TestDatabase) {
    let store = db.open().await;
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

async fn a_shop_is_paused_with_its_reason_and_resumed(db: &TestDatabase) {
    let store = db.open().await;
    assert_eq!(store.paused("belment").await.unwrap(), None);
    store.pause_shop("belment", "quota spent").await.unwrap();
    store.pause_shop("belment", "quota spent again").await.unwrap();
    assert_eq!(store.paused("belment").await.unwrap().unwrap().0, "quota spent again");
    store.resume_shop("belment").await.unwrap();
    assert_eq!(store.paused("belment").await.unwrap(), None);
}

/// An order of another shop and platform, created at `created` (unix seconds).
fn other_order(platform: Platform, shop: &str, number: &str, created: i64) -> Order {
    let mut o = order(number, created + 10);
    o.id = hub_id(platform, shop, number);
    o.platform = platform;
    o.shop = shop.into();
    o.created_at = Some(Timestamp::from_second(created).unwrap());
    o
}

async fn lookups_by_id_number_and_state(db: &TestDatabase) {
    let store = db.open().await;
    let mut done = order("A-2", 1);
    done.status = OrderStatus::Completed;
    let mut cancelled = order("A-3", 1);
    cancelled.status = OrderStatus::Cancelled;
    store.write_batch("belment", &[order("A-1", 1), done, cancelled], &[], None).await.unwrap();
    let ids = vec![order("A-1", 1).id, order("A-2", 1).id, "shoptima:belment:none".to_string()];
    let found = store.orders_by_id(&ids).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[&ids[1]].status, OrderStatus::Completed);
    assert_eq!(store.order_numbers("belment").await.unwrap(), ["A-1", "A-2", "A-3"]);
    assert_eq!(store.open_order_numbers("belment").await.unwrap(), ["A-1"]);
    assert!(store.order("shoptima:belment:none").await.unwrap().is_none());
    let filter = OrderFilter { order_number: Some("A-3".into()), ..OrderFilter::default() };
    assert_eq!(store.orders(&filter).await.unwrap()[0].status, OrderStatus::Cancelled);
}

async fn counts_and_gauges(db: &TestDatabase) {
    let store = db.open().await;
    let mut shipped = other_order(Platform::new("wshoto"), "fengxi", "W-1", 1_700_000_000);
    shipped.status = OrderStatus::Shipped;
    let batch = [order("A-1", 1), order("A-2", 1), shipped];
    store.write_batch("belment", &batch, &[], None).await.unwrap();
    let counts: Vec<_> =
        store.status_counts().await.unwrap().into_iter().map(|c| (c.shop, c.status, c.count)).collect();
    assert_eq!(
        counts,
        [("belment".into(), "awaiting_shipment".into(), 2), ("fengxi".into(), "shipped".into(), 1)]
            as [(String, String, i64); 2]
    );
    let mut shops = store.shop_order_counts().await.unwrap();
    shops.sort();
    assert_eq!(shops, [("belment".to_string(), 2), ("fengxi".to_string(), 1)]);
    let gauges = store.order_gauges().await.unwrap();
    assert_eq!(gauges[1], ("wshoto".to_string(), "fengxi".to_string(), "shipped".to_string(), 1));

    for (outcome, calls) in [("ok", 3), ("failed", 4), ("ok", 5)] {
        let id = store.start_run("belment").await.unwrap();
        let run =
            SyncRun { id, shop: "belment".into(), outcome: outcome.into(), api_calls: calls, ..SyncRun::default() };
        store.finish_run(&run).await.unwrap();
    }
    let totals = store.run_totals().await.unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!((totals[0].runs_ok, totals[0].runs_failed, totals[0].api_calls), (2, 1, 12));
    assert!(totals[0].last_ok_at.is_some());
    assert_eq!(store.runs(None, 2).await.unwrap().len(), 2);
}

async fn the_feed_is_in_commit_order_across_concurrent_writers(db: &TestDatabase) {
    let store = db.open().await;
    assert_eq!(store.last_event_seq().await.unwrap(), 0);
    let mut tasks = Vec::new();
    for writer in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for batch in 0..5 {
                let orders: Vec<Order> = (0..20).map(|i| order(&format!("F{writer}-{batch}-{i}"), 1)).collect();
                store.write_batch("belment", &orders, &[], None).await.unwrap();
            }
        }));
    }
    // A reader following the feed while they write sees every event once, in order.
    let mut seen: Vec<i64> = Vec::new();
    let mut after = 0;
    while seen.len() < 400 {
        let page = store.events_after(after, 50).await.unwrap();
        for event in &page {
            assert!(event.seq > after, "seq {} after {after}", event.seq);
            assert_eq!(
                (event.kind.as_str(), event.shop.as_str(), event.platform.as_deref()),
                ("created", "belment", Some("shoptima"))
            );
            after = event.seq;
            seen.push(event.seq);
        }
        if page.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(seen.len(), 400);
    assert_eq!(store.last_event_seq().await.unwrap(), after);
    assert!(store.events_after(after, 50).await.unwrap().is_empty());
}

async fn api_keys_are_stored_by_hash_and_revoked(db: &TestDatabase) {
    let store = db.open().await;
    let scopes = vec!["read".to_string(), "pii".to_string()];
    let key = store.insert_api_key("ops", "oh_ab12", "hash-1", &scopes).await.unwrap();
    assert_eq!((key.name.as_str(), key.prefix.as_str(), key.scopes.clone()), ("ops", "oh_ab12", scopes));
    assert!(key.last_used_at.is_none() && key.revoked_at.is_none());
    let found = store.api_key_by_hash("hash-1").await.unwrap().unwrap();
    assert_eq!(found.id, key.id);
    assert!(store.api_key_by_hash("hash-2").await.unwrap().is_none());
    assert!(store.api_keys().await.unwrap()[0].last_used_at.is_some(), "use is noted");
    assert!(store.revoke_api_key(key.id).await.unwrap());
    assert!(!store.revoke_api_key(key.id).await.unwrap(), "revoked once");
    assert!(store.api_key_by_hash("hash-1").await.unwrap().is_none());
    assert!(store.api_keys().await.unwrap()[0].revoked_at.is_some());
}

async fn webhook_state_starts_at_the_newest_event(db: &TestDatabase) {
    let store = db.open().await;
    store.write_batch("belment", &[order("A-1", 1), order("A-2", 1)], &[], None).await.unwrap();
    let state = store.webhook_state("erp").await.unwrap();
    assert_eq!(
        (state.delivered_seq, state.attempts, state.delivered_total),
        (store.last_event_seq().await.unwrap(), 0, 0)
    );
    store.webhook_failed("erp", "connection refused").await.unwrap();
    store.webhook_failed("erp", "connection refused").await.unwrap();
    let state = store.webhook_state("erp").await.unwrap();
    assert_eq!((state.attempts, state.last_error.as_deref()), (2, Some("connection refused")));
    store.webhook_delivered("erp", state.delivered_seq + 7, 7).await.unwrap();
    let after = store.webhook_state("erp").await.unwrap();
    assert_eq!(
        (after.delivered_seq, after.attempts, after.last_error, after.delivered_total),
        (state.delivered_seq + 7, 0, None, 7)
    );
}

async fn the_outbox_refuses_repeats_and_hands_each_job_out_once(db: &TestDatabase) {
    let store = db.open().await;
    let ship = |order_id: &str, key: Option<&str>| NewOutboxJob {
        kind: OutboxKind::Ship,
        order_id: order_id.into(),
        shop: "belment".into(),
        request: json!({"tracking_number": "SF1", "carrier_code": "SF"}),
        idempotency_key: key.map(str::to_string),
    };
    let Enqueued::New(first) = store.enqueue(&ship("o1", Some("k1"))).await.unwrap() else { panic!("new") };
    assert_eq!((first.state.as_str(), first.attempts), ("pending", 0));
    assert!(matches!(store.enqueue(&ship("o9", Some("k1"))).await.unwrap(), Enqueued::Repeat(j) if j.id == first.id));
    assert!(matches!(store.enqueue(&ship("o1", None)).await.unwrap(), Enqueued::AlreadyShipped(j) if j.id == first.id));
    let status = NewOutboxJob { kind: OutboxKind::Status, request: json!({"status": "cancelled"}), ..ship("o1", None) };
    let Enqueued::New(second) = store.enqueue(&status).await.unwrap() else { panic!("new") };
    let Enqueued::New(other) = store.enqueue(&ship("o2", None)).await.unwrap() else { panic!("new") };

    // Eight workers claim at once: every due job is handed out exactly once, and
    // o1's second job waits for its first.
    let claims = futures_claims(&store, 8).await;
    let mut ids: Vec<i64> = claims.iter().map(|j| j.id).collect();
    ids.sort();
    assert_eq!(ids, [first.id, other.id]);
    store.finish_job(first.id, "done", Some(&json!({"ok": true})), None).await.unwrap();
    store.retry_job(other.id, 60_000, "platform busy").await.unwrap();
    let claims = futures_claims(&store, 8).await;
    assert_eq!(claims.iter().map(|j| j.id).collect::<Vec<_>>(), [second.id]);
    assert_eq!(claims[0].attempts, 1);

    let done = store.job(first.id).await.unwrap().unwrap();
    assert_eq!((done.state.as_str(), done.outcome.clone()), ("done", Some(json!({"ok": true}))));
    let retried = store.job(other.id).await.unwrap().unwrap();
    assert_eq!((retried.state.as_str(), retried.error.as_deref()), ("pending", Some("platform busy")));
    assert!(retried.next_attempt_at > Timestamp::now());
    assert_eq!(
        store.jobs_of_order("o1").await.unwrap().iter().map(|j| j.id).collect::<Vec<_>>(),
        [first.id, second.id]
    );
    let mut counts = store.outbox_counts().await.unwrap();
    counts.sort();
    assert_eq!(counts, [("done".to_string(), 1), ("pending".to_string(), 1), ("running".to_string(), 1)]);

    // A job whose worker's lease ran out comes back, marked interrupted.
    let Enqueued::New(third) = store.enqueue(&ship("o3", None)).await.unwrap() else { panic!("new") };
    let taken = store.claim_job(1).await.unwrap().unwrap();
    assert_eq!((taken.id, taken.interrupted), (third.id, false));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let again = store.claim_job(60_000).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts, again.interrupted), (third.id, 2, true));
    assert!(store.claim_job(60_000).await.unwrap().is_none());
}

/// `workers` claims made at the same time; the jobs they got.
async fn futures_claims(store: &Store, workers: usize) -> Vec<OutboxJob> {
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.claim_job(60_000).await.unwrap() })
        })
        .collect();
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    claimed
}

async fn listings_filter_search_and_page_by_keyset(db: &TestDatabase) {
    let store = db.open().await;
    let mut orders: Vec<Order> = (0..30)
        .map(|i| other_order(Platform::new("shoptima"), "belment", &format!("P-{i:03}"), 1_700_000_000 + i))
        .collect();
    orders[7].customer.phone = Some("13800138000".into());
    orders[8].customer.name = Some("Zoë Ärger".into());
    orders[9].items[0].sku = Some("SKU-RED".into());
    orders[10].status = OrderStatus::Shipped;
    orders[11].shipments.push(Shipment {
        tracking_number: "SF1234567".into(),
        carrier_code: None,
        carrier_name: None,
        shipped_at: None,
    });
    orders.push(other_order(Platform::new("wshoto"), "fengxi", "W-1", 1_700_000_100));
    store.write_batch("belment", &orders, &[], None).await.unwrap();

    // Newest first, three pages of 12, 12 and 7, each order once.
    let mut query = OrderQuery { limit: 12, ..OrderQuery::default() };
    let mut seen = Vec::new();
    loop {
        let page = store.list_orders(&query).await.unwrap();
        seen.extend(page.orders.iter().map(|o| o.order_number.clone()));
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let mut expected: Vec<String> = orders.iter().map(|o| o.order_number.clone()).collect();
    expected.sort_by_key(|n| std::cmp::Reverse(orders.iter().find(|o| &o.order_number == n).unwrap().created_at));
    assert_eq!(seen, expected);

    let list = |query: OrderQuery| {
        let store = store.clone();
        async move {
            let query = OrderQuery { limit: if query.limit == 0 { 100 } else { query.limit }, ..query };
            store.list_orders(&query).await.unwrap().orders.into_iter().map(|o| o.order_number).collect::<Vec<_>>()
        }
    };
    let q = |text: &str| OrderQuery { q: Some(text.into()), buyer_terms: true, ..OrderQuery::default() };
    assert_eq!(list(q("138001")).await, ["P-007"], "a phone prefix");
    // Without buyers (a key without pii), a buyer's phone or name finds
    // nothing, and what is not a buyer's is found as before.
    let public = |text: &str| OrderQuery { q: Some(text.into()), ..OrderQuery::default() };
    assert!(list(public("138001")).await.is_empty(), "a phone, without buyers");
    assert!(list(public("zoË")).await.is_empty(), "a name, without buyers");
    assert!(list(public("\u{1}138001")).await.is_empty(), "the buyers' mark cannot be asked for");
    assert_eq!(list(public("sf1234")).await, ["P-011"], "a tracking number, without buyers");
    assert_eq!(list(q("zoË")).await, ["P-008"], "any case, non-ASCII");
    assert_eq!(list(q("sf1234")).await, ["P-011"], "a tracking number");
    assert_eq!(list(q("p-02")).await.len(), 10, "order numbers P-020..P-029");
    assert!(list(q("nobody")).await.is_empty());
    assert_eq!(list(OrderQuery { sku: Some("SKU-RED".into()), ..OrderQuery::default() }).await, ["P-009"]);
    assert_eq!(list(OrderQuery { status: Some("shipped".into()), ..OrderQuery::default() }).await, ["P-010"]);
    assert_eq!(list(OrderQuery { platform: Some("wshoto".into()), ..OrderQuery::default() }).await, ["W-1"]);
    // The number filter is exact (read through the lower-cased terms).
    let number = |n: &str| OrderQuery { order_number: Some(n.into()), ..OrderQuery::default() };
    assert_eq!(list(number("P-007")).await, ["P-007"]);
    assert!(list(number("p-007")).await.is_empty(), "another case is another number");
    assert!(list(number("P-00")).await.is_empty(), "not a prefix");
    assert_eq!(list(OrderQuery { q: Some("p-00".into()), ..number("P-003") }).await, ["P-003"]);
    let from = Timestamp::from_second(1_700_000_003).unwrap();
    let to = Timestamp::from_second(1_700_000_005).unwrap();
    let range = OrderQuery {
        created_from: Some(from),
        created_to: Some(to),
        sort: OrderSort::CreatedAsc,
        ..OrderQuery::default()
    };
    assert_eq!(list(range).await, ["P-003", "P-004"], "from inclusive, to exclusive");
    let updated = OrderQuery { sort: OrderSort::UpdatedAsc, limit: 2, ..OrderQuery::default() };
    assert_eq!(list(updated).await, ["P-000", "P-001"]);
}

async fn ties_of_the_sort_time_are_served_once_in_the_order_they_were_first_stored(db: &TestDatabase) {
    let store = db.open().await;
    // 90 orders of one creation second and one update second, first stored
    // from the highest number down, one at a time: the store's keys then
    // run against the order numbers (and the ids), so a listing that broke
    // ties by id would serve them the other way round.
    let tied: Vec<Order> = (0..90)
        .rev()
        .map(|i| other_order(Platform::new("shoptima"), "belment", &format!("T-{i:03}"), 1_700_000_000))
        .collect();
    for order in &tied {
        store.write_batch("belment", std::slice::from_ref(order), &[], None).await.unwrap();
    }
    let before = other_order(Platform::new("shoptima"), "belment", "E-1", 1_699_999_999);
    let after = other_order(Platform::new("shoptima"), "belment", "L-1", 1_700_000_001);
    store.write_batch("belment", &[after, before], &[], None).await.unwrap();
    // A tied order changes (same times, a later payload): its place stays.
    let mut changed = tied[40].clone();
    changed.status = OrderStatus::Shipped;
    changed.updated_at = Some(changed.updated_at.unwrap() + jiff::SignedDuration::from_millis(1));
    store.write_batch("belment", &[changed], &[], None).await.unwrap();

    let mut ascending: Vec<String> = ["E-1".to_string()].into();
    ascending.extend(tied.iter().map(|o| o.order_number.clone()));
    ascending.push("L-1".into());
    let filters: [(&str, OrderQuery); 5] = [
        ("none", OrderQuery::default()),
        ("shop", OrderQuery { shop: Some("belment".into()), ..OrderQuery::default() }),
        ("platform", OrderQuery { platform: Some("shoptima".into()), ..OrderQuery::default() }),
        ("status", OrderQuery { status: Some("awaiting_shipment".into()), ..OrderQuery::default() }),
        (
            "shop and status",
            OrderQuery { shop: Some("belment".into()), status: Some("awaiting_shipment".into()), ..Default::default() },
        ),
    ];
    for sort in [OrderSort::CreatedDesc, OrderSort::CreatedAsc, OrderSort::UpdatedAsc] {
        for (name, filter) in &filters {
            let mut expected = ascending.clone();
            if filter.status.is_some() {
                expected.retain(|n| n != &tied[40].order_number);
            }
            if sort == OrderSort::UpdatedAsc {
                // The changed order was updated a millisecond after the others of its second.
                if filter.status.is_none() {
                    expected.retain(|n| n != &tied[40].order_number);
                    expected.insert(expected.len() - 1, tied[40].order_number.clone());
                }
            } else if sort == OrderSort::CreatedDesc {
                expected.reverse();
            }
            // Pages of 7: page boundaries fall inside the tie again and again.
            let mut query = OrderQuery { sort, limit: 7, ..filter.clone() };
            let mut seen = Vec::new();
            loop {
                let page = store.list_orders(&query).await.unwrap();
                seen.extend(page.orders.into_iter().map(|o| o.order_number));
                match page.next {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{sort:?}, filter {name}");
            // On SQLite every index ends in the rowid, which is the key: a
            // sort index is in the listing's order, and a page is read from
            // it from the cursor on, not sorted. (Updates of one shop, one
            // platform or one status have no index of their own, as before.)
            let next_page =
                OrderQuery { sort, limit: 50, after: Some(SortKey { time_ms: 0, key: 0 }), ..filter.clone() };
            // PostgreSQL plans by its statistics of the tables' sizes, which
            // these few orders do not represent: its plan is only read.
            let plan = store.listing_plan(&next_page).await.unwrap();
            if db.kind == DatabaseKind::Sqlite && (sort != OrderSort::UpdatedAsc || *name == "none") {
                let from_an_index = plan.iter().any(|line| line.contains("COVERING INDEX orders_"));
                let sorted = plan.iter().any(|line| line.contains("TEMP B-TREE"));
                assert!(from_an_index && !sorted, "{sort:?}, filter {name}: {plan:?}");
            }
            // A shop's orders by creation time: one run of (shop, status,
            // created) per status, merged (SQLite has no (shop, created) index).
            if db.kind == DatabaseKind::Sqlite && *name == "shop" && sort != OrderSort::UpdatedAsc {
                let runs =
                    plan.iter().filter(|line| line.contains("COVERING INDEX orders_shop_status_created")).count();
                let merged = plan.iter().any(|line| line.contains("MERGE (UNION ALL)"));
                assert!(runs == OrderStatus::ALL.len() && merged, "{sort:?}: {plan:?}");
            }
        }
    }
}

async fn orders_per_day_are_utc_days(db: &TestDatabase) {
    let store = db.open().await;
    // 2023-11-14 23:59:59 UTC and 2023-11-15 00:00:00 UTC: two days, wherever the server is.
    let batch = [
        other_order(Platform::new("shoptima"), "belment", "D-1", 1_700_006_399),
        other_order(Platform::new("shoptima"), "belment", "D-2", 1_700_006_400),
        other_order(Platform::new("wshoto"), "fengxi", "D-3", 1_700_006_401),
    ];
    store.write_batch("belment", &batch, &[], None).await.unwrap();
    let days = store.orders_per_day(Timestamp::from_second(1_700_000_000).unwrap()).await.unwrap();
    assert_eq!(
        days,
        [
            ("2023-11-14".to_string(), "shoptima".to_string(), 1),
            ("2023-11-15".to_string(), "shoptima".to_string(), 1),
            ("2023-11-15".to_string(), "wshoto".to_string(), 1),
        ]
    );
}

async fn migrating_twice_applies_nothing_the_second_time(db: &TestDatabase) {
    let store = Store::open_unmigrated(&db.url).await.unwrap();
    let applied = store.migrate().await.unwrap();
    assert!(!applied.is_empty() && applied.windows(2).all(|w| w[0] < w[1]), "{applied:?}");
    assert_eq!(store.migrate().await.unwrap(), Vec::<i64>::new());
    assert_eq!(store.order_count().await.unwrap(), 0);
    assert_eq!(store.kind(), db.kind);
}

async fn a_lease_has_one_holder_until_it_lapses(db: &TestDatabase) {
    let store = db.open().await;
    // Eight workers ask at once: exactly one gets it, the others learn who has it.
    let tasks: Vec<_> = (0..8)
        .map(|worker| {
            let store = store.clone();
            tokio::spawn(async move {
                (worker, store.acquire_lease("shop:belment", &format!("w{worker}"), 60_000).await.unwrap())
            })
        })
        .collect();
    let mut granted = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (worker, None) => granted.push(format!("w{worker}")),
            (_, Some(holder)) => refused.push(holder),
        }
    }
    assert_eq!(granted.len(), 1, "{granted:?}");
    let holder = granted[0].clone();
    assert!(refused.len() == 7 && refused.iter().all(|h| *h == holder), "{refused:?}");

    assert_eq!(store.acquire_lease("shop:belment", &holder, 60_000).await.unwrap(), None, "renewed");
    assert_eq!(store.acquire_lease("shop:fengxi", "other", 60_000).await.unwrap(), None, "leases are per name");
    store.release_lease("shop:belment", "other").await.unwrap();
    assert_eq!(store.acquire_lease("shop:belment", "other", 60_000).await.unwrap(), Some(holder.clone()));
    store.release_lease("shop:belment", &holder).await.unwrap();
    assert_eq!(store.acquire_lease("shop:belment", "other", 1).await.unwrap(), None, "free once released");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        store.acquire_lease("shop:belment", &holder, 60_000).await.unwrap(),
        None,
        "a lapsed lease is taken over"
    );
}

/// Everything a store holds that a copy must carry, as comparable text.
async fn everything_in(store: &Store) -> Vec<String> {
    let mut all = Vec::new();
    store
        .for_each_order(&OrderFilter::default(), |o| {
            all.push(serde_json::to_string(&o).unwrap());
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    for e in store.events_after(0, 1_000_000).await.unwrap() {
        let item = serde_json::to_string(&e.attention).unwrap();
        all.push(format!("{} {:?} {} {:?} {} {item}", e.seq, e.order_id, e.kind, e.changes, e.recorded_at));
    }
    all.push(format!("{:?}", store.cursor("belment", "s").await.unwrap()));
    all.push(format!("{:?}", store.bad_orders("belment").await.unwrap()));
    all.push(format!("{:?}", store.paused("belment").await.unwrap()));
    all.push(serde_json::to_string(&store.runs(None, 100).await.unwrap()).unwrap());
    all.push(serde_json::to_string(&store.jobs_of_order(&order("C-1", 1).id).await.unwrap()).unwrap());
    all.push(serde_json::to_string(&store.api_keys().await.unwrap()).unwrap());
    all.push(serde_json::to_string(&store.webhook_state("erp").await.unwrap()).unwrap());
    let q = OrderQuery {
        q: Some("kai".into()),
        buyer_terms: true,
        sku: Some("10000007559556972".into()),
        limit: 5000,
        ..OrderQuery::default()
    };
    all.push(format!("{}", store.list_orders(&q).await.unwrap().orders.len()));
    all
}

async fn a_copy_from_sqlite_is_identical_and_numbering_continues(db: &TestDatabase) {
    let source_db = TestDatabase::sqlite();
    let source = source_db.open().await;
    let orders: Vec<Order> = (0..1234).map(|i| order(&format!("C-{i}"), 100)).collect();
    let cursor = CursorUpdate { stream: "s".into(), cursor: "1700000000".into() };
    let bad = BadRecord { order_number: Some("B-1".into()), error: "no order_num".into(), raw: json!({"x": 1}) };
    source.write_batch("belment", &orders, &[bad], Some(&cursor)).await.unwrap();
    let mut shipped = order("C-1", 200);
    shipped.status = OrderStatus::Shipped;
    source.write_batch("belment", &[shipped], &[], None).await.unwrap();
    let run = source.start_run("belment").await.unwrap();
    source
        .finish_run(&SyncRun { id: run, shop: "belment".into(), outcome: "ok".into(), ..SyncRun::default() })
        .await
        .unwrap();
    source.pause_shop("belment", "quota spent").await.unwrap();
    let job = NewOutboxJob {
        kind: OutboxKind::Ship,
        order_id: order("C-1", 1).id,
        shop: "belment".into(),
        request: json!({"tracking_number": "SF1"}),
        idempotency_key: Some("k1".into()),
    };
    source.enqueue(&job).await.unwrap();
    source.insert_api_key("ops", "ohk_ab", "hash-1", &["read".to_string()]).await.unwrap();
    source.webhook_state("erp").await.unwrap();
    source.webhook_delivered("erp", 3, 3).await.unwrap();
    // The feed's newest number is an attention event's.
    let paused = AttentionCause {
        cause: "shop_paused:belment".into(),
        kind: "shop_paused",
        severity: Severity::Critical,
        shop: Some("belment".into()),
        platform: Some("shoptima".into()),
        order_id: None,
        reason: "quota spent".into(),
        action: "wait".into(),
    };
    source.reconcile_attention(&[paused], &["shop_paused"]).await.unwrap();

    let target = db.open().await;
    let report = source.copy_to(&target, &|_, _| {}).await.unwrap();
    let rows: std::collections::HashMap<String, u64> = report.tables.into_iter().collect();
    assert_eq!((rows["orders"], rows["order_events"], rows["outbox"]), (1234, 1235, 1));
    assert_eq!((rows["attention"], rows["attention_events"]), (1, 1));
    assert_eq!(everything_in(&source).await, everything_in(&target).await);

    // New rows continue after the copied ones, not over them.
    let last = target.last_event_seq().await.unwrap();
    target.write_batch("belment", &[order("C-new", 1)], &[], None).await.unwrap();
    assert!(target.last_event_seq().await.unwrap() > last);
    assert!(target.start_run("belment").await.unwrap() > run);
    let Enqueued::New(next) =
        target.enqueue(&NewOutboxJob { idempotency_key: None, order_id: "o2".into(), ..job }).await.unwrap()
    else {
        panic!("new job")
    };
    assert!(next.id > 1);
    // A second copy into the same (now full) store is refused.
    let err = source.copy_to(&target, &|_, _| {}).await.unwrap_err().to_string();
    assert!(err.contains("already holds") && err.contains("empty database"), "{err}");
}

/// SQLite stores documents packed against a dictionary (`crate::documents`);
/// these tests read the column itself, beside what the store reads back.
mod packed_documents {
    use super::*;
    use sqlx::{Connection, SqliteConnection};

    /// (blob values, text values, bytes) of the `document` column.
    async fn document_column(db: &TestDatabase) -> (i64, i64, i64) {
        let mut conn = SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(
            "SELECT COALESCE(SUM(typeof(document) = 'blob'), 0), COALESCE(SUM(typeof(document) = 'text'), 0),
                    COALESCE(SUM(length(CAST(document AS BLOB))), 0) FROM orders",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
    }

    fn orders(prefix: &str, count: usize) -> Vec<Order> {
        (0..count).map(|i| order(&format!("{prefix}-{i}"), 100)).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn documents_are_stored_packed_and_read_back_exactly_by_a_fresh_store() {
        let db = TestDatabase::sqlite();
        let store = db.open().await;
        // Too few orders of a platform to make its dictionary from: stored as text.
        let first = orders("T", 1);
        store.write_batch("belment", &first, &[], None).await.unwrap();
        assert_eq!(document_column(&db).await, (0, 1, serde_json::to_string(&first[0]).unwrap().len() as i64));

        let many = orders("P", 40);
        store.write_batch("belment", &many, &[], None).await.unwrap();
        let (blobs, texts, stored) = document_column(&db).await;
        assert_eq!((blobs, texts), (40, 1));
        let text: usize = many.iter().chain(&first).map(|o| serde_json::to_string(o).unwrap().len()).sum();
        assert!(stored * 4 < text as i64, "packed {stored} bytes of {text}");

        // Another process (a store opened afresh) reads the dictionary from
        // the database and every order back as it was written.
        store.close().await;
        let store = db.open().await;
        for written in many.iter().chain(&first) {
            assert_eq!(&store.order(&written.id).await.unwrap().unwrap(), written);
        }
        assert_eq!(store.orders(&OrderFilter::default()).await.unwrap().len(), 41);
        // The same orders again are unchanged (text and packed alike): no
        // event, nothing rewritten.
        let stats = store.write_batch("belment", &[many.clone(), first.clone()].concat(), &[], None).await.unwrap();
        assert_eq!((stats.new, stats.changed, stats.unchanged), (0, 0, 41));
        assert_eq!(store.event_count().await.unwrap(), 41);
        // A changed order is packed, and its change recorded.
        let mut shipped = first[0].clone();
        shipped.status = OrderStatus::Shipped;
        shipped.updated_at = Some(Timestamp::from_second(200).unwrap());
        assert_eq!(store.write_batch("belment", &[shipped.clone()], &[], None).await.unwrap().changed, 1);
        assert_eq!(document_column(&db).await.0, 41);
        assert_eq!(store.order(&shipped.id).await.unwrap().unwrap(), shipped);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dictionary_made_in_a_rolled_back_batch_is_stored_by_the_next_one_that_uses_it() {
        let db = TestDatabase::sqlite();
        let store = db.open().await;
        let mut batch = store.begin_batch().await.unwrap();
        batch.write("belment", &orders("R", 40), &[]).await.unwrap();
        drop(batch); // rolled back, the dictionary it made with it
        let late = orders("L", 1);
        store.write_batch("belment", &late, &[], None).await.unwrap();
        // Packed against the dictionary this process still holds...
        assert_eq!(document_column(&db).await.0, 1);
        // ...which the database holds too: a fresh store reads it.
        store.close().await;
        let store = db.open().await;
        assert_eq!(store.order(&late[0].id).await.unwrap().unwrap(), late[0]);
    }
}

/// SQLite's writing connection: what it leaves to others, and the schema
/// that lets its inserts go without statement journals.
/// Rows as a store before integer order keys wrote them (SQLite migration 8,
/// PostgreSQL 2): two orders, their items and terms, and three events.
/// `seq` gives the events' numbers explicitly (SQLite), or leaves them to
/// the database (PostgreSQL, whose identity would not count explicit ones).
fn rows_before_order_keys(a: &Order, b: &Order, explicit_seq: bool) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let order_row = |o: &Order| {
        format!(
            "({}, 'shoptima', 'belment', {}, 'awaiting_shipment', 'paid', 'unfulfilled', 'none', 'USD', '22.54', \
             {}, {}, {}, 1, 1)",
            quote(&o.id),
            quote(&o.order_number),
            o.created_at.unwrap().as_millisecond(),
            o.updated_at.unwrap().as_millisecond(),
            quote(&serde_json::to_string(o).unwrap())
        )
    };
    let seq = |n: i64| if explicit_seq { format!("{n}, ") } else { String::new() };
    let seq_column = if explicit_seq { "seq, " } else { "" };
    format!(
        "INSERT INTO orders (id, platform, shop, order_number, status, payment_status, fulfillment_status,
             refund_status, currency, total, created_ms, updated_ms, document, first_seen_ms, last_changed_ms)
         VALUES {}, {};
         INSERT INTO order_items (order_id, line_id, sku, product_id, sku_id, title, quantity, unit_price, total)
         VALUES ({a_id}, '1', 'SKU-A', NULL, NULL, 'Mask', 2, '8.275', '16.55'),
                ({b_id}, '1', 'SKU-B', NULL, NULL, 'Cup', 1, '3.00', '3.00');
         INSERT INTO order_terms (term, order_id) VALUES ('m-1', {a_id}), ('m-2', {b_id}), ('kai jiang', {a_id});
         INSERT INTO order_events ({seq_column}order_id, kind, changes, recorded_ms)
         VALUES ({}{a_id}, 'created', '[]', 1), ({}{b_id}, 'created', '[]', 2), ({}{a_id}, 'changed', '[]', 3);",
        order_row(a),
        order_row(b),
        seq(5),
        seq(6),
        seq(7),
        a_id = quote(&a.id),
        b_id = quote(&b.id),
    )
}

async fn orders_stored_before_integer_keys_keep_their_items_terms_and_events(db: &TestDatabase) {
    let (a, b) = (order("M-1", 100), order("M-2", 100));
    match db.kind {
        DatabaseKind::Sqlite => {
            let options: sqlx::sqlite::SqliteConnectOptions = db.url.parse().unwrap();
            let pool = sqlx::SqlitePool::connect_with(options.create_if_missing(true)).await.unwrap();
            crate::sqlite::migrator_through(8).run(&pool).await.unwrap();
            let rows = rows_before_order_keys(&a, &b, true);
            sqlx::raw_sql(sqlx::AssertSqlSafe(rows)).execute(&pool).await.unwrap();
            // Numbers already handed out beyond the last event stay used.
            sqlx::query("UPDATE sqlite_sequence SET seq = 20 WHERE name = 'order_events'")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        }
        DatabaseKind::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            crate::postgres::migrator_through(2).run(&pool).await.unwrap();
            let rows = rows_before_order_keys(&a, &b, false);
            sqlx::raw_sql(sqlx::AssertSqlSafe(rows)).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
    let store = db.open().await;
    assert_eq!(store.order(&a.id).await.unwrap().as_ref(), Some(&a));
    assert_eq!(store.order(&b.id).await.unwrap().as_ref(), Some(&b));
    let list = |query: OrderQuery| {
        let store = store.clone();
        async move {
            let query = OrderQuery { limit: 10, ..query };
            store.list_orders(&query).await.unwrap().orders.into_iter().map(|o| o.order_number).collect::<Vec<_>>()
        }
    };
    let sku = |s: &str| OrderQuery { sku: Some(s.into()), ..OrderQuery::default() };
    assert_eq!(list(sku("SKU-B")).await, ["M-2"], "items follow their order");
    let kai = |buyer_terms| OrderQuery { q: Some("kai".into()), buyer_terms, ..OrderQuery::default() };
    // The terms are written anew from the documents when the store opens
    // (migration 0013/0007): both orders' buyer is "kai jiang", though the
    // old rows gave only M-1 the term; a buyer's name is kept apart.
    let mut found = list(kai(true)).await;
    found.sort();
    assert_eq!(found, ["M-1", "M-2"], "terms too, from the documents");
    assert!(list(kai(false)).await.is_empty(), "a buyer's name, rewritten apart when the store opened");
    let m1 = OrderQuery { q: Some("m-1".into()), ..OrderQuery::default() };
    assert_eq!(list(m1).await, ["M-1"], "an order number, without buyers");
    assert_eq!(list(OrderQuery { order_number: Some("M-2".into()), ..OrderQuery::default() }).await, ["M-2"]);
    let seqs = |events: Vec<StoredEvent>| events.iter().map(|e| (e.seq, e.kind.clone())).collect::<Vec<_>>();
    let old = match db.kind {
        DatabaseKind::Sqlite => [5, 6, 7],
        DatabaseKind::Postgres => [1, 2, 3],
    };
    assert_eq!(
        seqs(store.events(&a.id).await.unwrap()),
        [(old[0], "created".to_string()), (old[2], "changed".to_string())],
        "events keep their numbers and orders"
    );
    assert_eq!(seqs(store.events(&b.id).await.unwrap()), [(old[1], "created".to_string())]);

    // Written after the migration: a change to an old order, and a new order.
    let mut changed = a.clone();
    changed.status = OrderStatus::Shipped;
    changed.updated_at = Some(Timestamp::from_second(200).unwrap());
    let mut new = order("M-3", 100);
    new.items[0].sku = Some("SKU-B".into());
    let stats = store.write_batch("belment", &[changed.clone(), new], &[], None).await.unwrap();
    assert_eq!((stats.new, stats.changed), (1, 1), "{stats:?}");
    let next = store.events(&a.id).await.unwrap().last().unwrap().seq;
    match db.kind {
        DatabaseKind::Sqlite => assert_eq!(next, 21, "numbering carries on after the old counter"),
        DatabaseKind::Postgres => assert!(next > 3, "numbering carries on: {next}"),
    }
    assert_eq!(list(sku("SKU-B")).await, ["M-3", "M-2"], "newest first, then by id");
    // The changed order's lines are its new version's (the document's SKU), not the old rows'.
    assert!(list(sku("SKU-A")).await.is_empty());
    assert_eq!(list(sku("10000007559556972")).await, ["M-1"]);
    assert_eq!(store.order(&a.id).await.unwrap(), Some(changed));
    assert_eq!(store.order_count().await.unwrap(), 3);
}

mod sqlite_writer {
    use super::*;
    use sqlx::{Connection, SqliteConnection};

    /// The SQL of the store's SQLite migration `version`.
    fn migration(version: i64) -> &'static str {
        crate::sqlite::MIGRATIONS.iter().find(|m| m.0 == version).expect("a migration of that version").2
    }

    async fn connect(db: &TestDatabase) -> SqliteConnection {
        let options: sqlx::sqlite::SqliteConnectOptions = db.url.parse().unwrap();
        SqliteConnection::connect_with(&options.create_if_missing(true).foreign_keys(true)).await.unwrap()
    }

    #[tokio::test]
    async fn the_items_rebuilt_with_a_deferred_key_keep_every_row_and_the_key() {
        let db = TestDatabase::sqlite();
        let mut conn = connect(&db).await;
        for version in 1..8 {
            sqlx::raw_sql(sqlx::AssertSqlSafe(migration(version))).execute(&mut conn).await.unwrap();
        }
        sqlx::raw_sql(
            "INSERT INTO orders (id, platform, shop, order_number, status, payment_status, fulfillment_status,
                 refund_status, total, document, first_seen_ms, last_changed_ms)
             VALUES ('s:b:1', 's', 'b', '1', 'paid', 'paid', 'unfulfilled', 'none', '3.00', '{}', 0, 0);
             INSERT INTO order_items VALUES ('s:b:1', 'L1', 'SKU-1', 'P1', 'K1', 'Cup', 2, '1.50', '3.00'),
                                            ('s:b:1', 'L2', NULL, NULL, NULL, NULL, 1, '0.00', '0.00');",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(migration(8))).execute(&mut conn).await.unwrap();

        let items: Vec<(String, String, Option<String>, i64, String)> =
            sqlx::query_as("SELECT order_id, line_id, sku, quantity, total FROM order_items ORDER BY line_id")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(
            items,
            [
                ("s:b:1".into(), "L1".into(), Some("SKU-1".into()), 2, "3.00".into()),
                ("s:b:1".into(), "L2".into(), None, 1, "0.00".into())
            ]
        );
        let sku_index: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE name = 'order_items_sku_order'")
                .fetch_optional(&mut conn)
                .await
                .unwrap();
        assert!(sku_index.is_some(), "the SKU index is made again");

        // An item without its order is refused at commit, not at its insert,
        // and the transaction with it.
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("INSERT INTO order_items VALUES ('s:b:404', 'L1', NULL, NULL, NULL, NULL, 1, '1', '1')")
            .execute(&mut *tx)
            .await
            .expect("checked at commit");
        let refused = tx.commit().await.expect_err("no such order").to_string();
        assert!(refused.contains("FOREIGN KEY"), "{refused}");
        // Deleting an order still deletes its items.
        sqlx::query("DELETE FROM orders WHERE id = 's:b:1'").execute(&mut conn).await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM order_items").fetch_one(&mut conn).await.unwrap();
        assert_eq!(left, 0);
    }

    async fn page_size(db: &TestDatabase) -> i64 {
        let mut conn = connect(db).await;
        sqlx::query_scalar("PRAGMA page_size").fetch_one(&mut conn).await.unwrap()
    }

    #[tokio::test]
    async fn a_new_store_has_large_pages_and_an_older_one_keeps_its_own() {
        let new = TestDatabase::sqlite();
        new.open().await.close().await;
        assert_eq!(page_size(&new).await, i64::from(crate::sqlite::PAGE_SIZE));
        assert_eq!(crate::sqlite::PAGE_SIZE, 16 * 1024);

        // A store made with SQLite's default pages, holding an order: opened
        // by this version, it keeps its pages (a new size would need the
        // whole file rewritten) and everything in it, and takes new orders.
        let old = TestDatabase::sqlite();
        let mut conn = connect(&old).await;
        sqlx::raw_sql("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL").execute(&mut conn).await.unwrap();
        crate::sqlite::migrator_through(i64::MAX).run(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        let store = old.open().await;
        store.write_batch("belment", &[order("OLD-1", 100)], &[], None).await.unwrap();
        store.close().await;
        assert_eq!(page_size(&old).await, 4096);
        // Its writer's checkpoint threshold is the same 256 MiB, in its own pages.
        let opened = crate::sqlite::open(&old.url, true).await.unwrap();
        let pages: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&opened.writer).await.unwrap();
        assert_eq!(pages, 65_536);
        opened.close().await;
        let store = old.open().await;
        store.write_batch("belment", &[order("OLD-2", 100)], &[], None).await.unwrap();
        assert_eq!(store.order(&order("OLD-1", 100).id).await.unwrap(), Some(order("OLD-1", 100)));
        assert_eq!(store.order_count().await.unwrap(), 2);
        store.close().await;
        assert_eq!(page_size(&old).await, 4096);
    }

    #[tokio::test]
    async fn a_statement_written_on_a_reading_connection_leaves_the_log_to_the_checkpoints() {
        let db = TestDatabase::sqlite();
        let store = crate::sqlite::open(&db.url, true).await.unwrap();
        // Every reading connection the pool may hand out, held at once.
        let mut reading = Vec::new();
        for _ in 0..crate::sqlite::READERS {
            reading.push(store.pool.acquire().await.unwrap());
        }
        for conn in &mut reading {
            let pages: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&mut **conn).await.unwrap();
            assert_eq!(pages, 0, "a reading connection's commit does not copy the log");
        }
        drop(reading);
        // The writer still copies a log grown past 256 MiB, in pages of this store's size.
        let writer: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&store.writer).await.unwrap();
        assert_eq!(writer * i64::from(crate::sqlite::PAGE_SIZE), 256 * 1024 * 1024);
        // A short write on the writing connection (a run's row) leaves the
        // log to the checkpoints; a batch after it copies it past 256 MiB again.
        let threshold = |store: &crate::sqlite::SqlStore| {
            let writer = store.writer.clone();
            async move {
                let pages: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint").fetch_one(&writer).await.unwrap();
                pages * i64::from(crate::sqlite::PAGE_SIZE)
            }
        };
        store.start_run("belment").await.unwrap();
        assert_eq!(threshold(&store).await, 0, "after a short write");
        store.begin_batch().await.unwrap().commit("belment", None).await.unwrap();
        assert_eq!(threshold(&store).await, 256 * 1024 * 1024, "after a batch");
        store.close().await;
    }

    /// Every run's start looks for the runs still running: through their
    /// own index, not the whole history.
    #[tokio::test]
    async fn the_runs_still_running_are_found_without_reading_the_history() {
        let db = TestDatabase::sqlite();
        let store = crate::sqlite::open(&db.url, true).await.unwrap();
        let rows = sqlx::query(
            "EXPLAIN QUERY PLAN SELECT id FROM sync_runs WHERE outcome = 'running'
               AND NOT EXISTS (SELECT 1 FROM leases WHERE leases.name = 'run:' || sync_runs.id)",
        )
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| sqlx::Row::get::<String, _>(r, "detail")).collect();
        assert!(plan.iter().any(|line| line.contains("INDEX sync_runs_running")), "{plan:?}");
        store.close().await;
    }

    /// The database file's size: what checkpoints have copied into it.
    fn file_size(db: &TestDatabase) -> u64 {
        let path = db.url.strip_prefix("sqlite://").expect("a SQLite file");
        std::fs::metadata(path).unwrap().len()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_copied_into_the_file_while_the_store_stays_open() {
        let db = TestDatabase::sqlite();
        let store = db.open().await;
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        let before = file_size(&db);
        // Far fewer pages than the writer's own checkpoint waits for: only
        // the background checkpoint copies them.
        let orders: Vec<Order> = (0..300).map(|i| order(&format!("W-{i}"), 100)).collect();
        store.write_batch("belment", &orders, &[], None).await.unwrap();
        let mut after = file_size(&db);
        for _ in 0..40 {
            if after > before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            after = file_size(&db);
        }
        assert!(after > before, "the file stayed at {before} bytes while the store was open");
        assert_eq!(store.order_count().await.unwrap(), 300);
    }
}

/// Runs `sql` (several statements) on the test database itself, outside the store.
async fn execute_raw(db: &TestDatabase, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db.kind {
        DatabaseKind::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        DatabaseKind::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

/// The numbers of the orders `q` finds (up to 10), buyers included.
async fn found_by_q(store: &Store, q: &str) -> Vec<String> {
    let query = OrderQuery { q: Some(q.into()), buyer_terms: true, limit: 10, ..OrderQuery::default() };
    store.list_orders(&query).await.unwrap().orders.into_iter().map(|o| o.order_number).collect()
}

async fn ciphertext_is_not_a_search_term_and_the_migration_drops_stored_ones(db: &TestDatabase) {
    let store = db.open().await;
    // A Douyin buyer as Damaijia sends it: ciphertext, marked, in place of the plain values.
    let mut encrypted = order("D-1", 100);
    encrypted.customer.name = Some("encrypted:#Ydk4#elPWeijvSo9vR5rZ==*CgkIARCtHCABKAES#1##".into());
    encrypted.customer.phone = Some("encrypted:$sKhj9rlLyadKWJ3SqSgis$dweLsyO6AK==$1$$".into());
    encrypted.shipping_address.name = encrypted.customer.name.clone();
    encrypted.shipping_address.phone = encrypted.customer.phone.clone();
    let mut plain = order("D-2", 100);
    plain.customer.phone = Some("13800138000".into());
    store.write_batch("belment", &[encrypted.clone(), plain], &[], None).await.unwrap();
    let list = |q: &'static str| found_by_q(&store, q);
    // Every Douyin ciphertext starts alike: as terms they matched every such order.
    for q in ["ydk4", "#ydk4#", "encrypted", "encrypted:$skhj9rl", "skhj9rl"] {
        assert!(list(q).await.is_empty(), "{q}");
    }
    assert_eq!(list("d-1").await, ["D-1"], "its number still finds it");
    assert_eq!(list("138001").await, ["D-2"], "a plain phone is still a term");
    // The ciphertext is kept in the order as sent.
    assert_eq!(store.order(&encrypted.id).await.unwrap().unwrap().customer, encrypted.customer);

    // The buyer's plain name arrives later: it becomes a term.
    let mut named = encrypted.clone();
    named.customer.name = Some("Li Lei".into());
    named.updated_at = Some(Timestamp::from_second(200).unwrap());
    store.write_batch("belment", &[named], &[], None).await.unwrap();
    assert_eq!(list("li le").await, ["D-1"]);

    // Terms a store kept before: the migration removes them, and no other term.
    // The migration is made to run again, as on a store it has not reached.
    let version = match db.kind {
        DatabaseKind::Sqlite => 10,
        DatabaseKind::Postgres => 4,
    };
    execute_raw(
        db,
        &format!(
            "INSERT INTO order_terms (term, order_key) SELECT 'encrypted:#ydk4#elpweijvso9vr5rz==', key FROM orders WHERE order_number = 'D-1';
             INSERT INTO order_terms (term, order_key) SELECT 'encrypted;kept', key FROM orders WHERE order_number = 'D-1';
             INSERT INTO order_terms (term, order_key) SELECT 'encrypte', key FROM orders WHERE order_number = 'D-1';
             DELETE FROM _sqlx_migrations WHERE version = {version};"
        ),
    )
    .await;
    assert_eq!(list("ydk4").await, Vec::<String>::new(), "a prefix search starts at the term's start");
    assert_eq!(list("encrypted:").await, ["D-1"], "the old term, before the migration");
    drop(store);
    let store = db.open().await;
    let list = |q: &'static str| found_by_q(&store, q);
    assert!(list("encrypted:").await.is_empty());
    assert_eq!(list("encrypted;").await, ["D-1"], "terms just past the range stay");
    assert_eq!(list("encrypte").await, ["D-1"]);
    assert_eq!(list("li lei").await, ["D-1"]);
}

/// PostgreSQL only: documents are compressed with lz4 where the server was
/// built with it, with pglz (its default) where not (migration 0006).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_compresses_documents_with_lz4_where_the_server_can() {
    let Some(db) = TestDatabase::postgres("postgres_compresses_documents_with_lz4…").await else { return };
    let store = db.open().await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    // The setting takes only the methods the server was built with.
    let server_has_lz4 = sqlx::query("SET default_toast_compression = 'lz4'").execute(&pool).await.is_ok();
    let column: String = sqlx::query_scalar(
        "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'document'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        column,
        if server_has_lz4 { "l" } else { "" },
        "the column's method (lz4 on this server: {server_has_lz4})"
    );

    // A document of tens of kilobytes (a Damaijia order is 8.6 KB): compressed
    // as stored, with the column's method, and read back whole.
    let mut large = order("LZ-1", 100);
    large.raw = json!({"order_num": "LZ-1", "remark": "不要辣 no spice please. ".repeat(2_000)}).into();
    store.write_batch("belment", std::slice::from_ref(&large), &[], None).await.unwrap();
    let method: Option<String> = sqlx::query_scalar("SELECT pg_column_compression(document) FROM orders WHERE id = $1")
        .bind(&large.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(method.as_deref(), Some(if server_has_lz4 { "lz4" } else { "pglz" }));
    assert_eq!(store.order(&large.id).await.unwrap().as_ref(), Some(&large));
    pool.close().await;
}
