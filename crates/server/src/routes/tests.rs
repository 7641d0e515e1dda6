//! The API over real HTTP on port 0, against a fresh SQLite store.

use super::*;
use orderhub_model::{
    Address, Customer, Decimal, FulfillmentStatus, Order, PaymentStatus, PlatformStatus, RefundStatus, hub_id,
};

fn order(number: &str, status: OrderStatus) -> Order {
    Order {
        id: hub_id(Platform::Shoptima, "belment", number),
        platform: Platform::Shoptima,
        shop: "belment".into(),
        order_number: number.into(),
        platform_order_id: None,
        status,
        payment_status: PaymentStatus::Paid,
        fulfillment_status: FulfillmentStatus::Unfulfilled,
        refund_status: RefundStatus::None,
        platform_status: PlatformStatus { code: "1".into(), label: "成功支付".into() },
        currency: Some("USD".into()),
        subtotal: "1.10".parse().unwrap(),
        shipping: Decimal::ZERO,
        discount: Decimal::ZERO,
        total: "1.10".parse().unwrap(),
        paid: "1.10".parse().unwrap(),
        created_at: Some("2024-01-01T00:00:00Z".parse().unwrap()),
        updated_at: None,
        paid_at: None,
        shipped_at: None,
        cancelled_at: None,
        completed_at: None,
        customer: Customer { name: Some("<script>".into()), ..Customer::default() },
        shipping_address: Address::default(),
        items: vec![],
        shipments: vec![],
        raw: json!({"order_num": number}),
    }
}

async fn start() -> (tempfile::TempDir, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("api.db").display())).await.unwrap();
    let orders = [order("A-1", OrderStatus::AwaitingShipment), order("<b>A-2</b>", OrderStatus::Shipped)];
    store.write_batch("belment", &orders, &[], None).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(crate::serve(listener, store, std::future::pending()));
    (dir, base)
}

async fn get(url: String) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn orders_are_listed_filtered_and_shown() {
    let (_dir, base) = start().await;
    let (status, body) = get(format!("{base}/api/v1/orders")).await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["orders"].as_array().unwrap().len(), 2);
    assert_eq!(body["orders"][0]["total"], "1.10");

    let (_, body) = get(format!("{base}/api/v1/orders?status=shipped")).await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["orders"].as_array().unwrap().len(), 1);

    let (status, body) = get(format!("{base}/api/v1/orders/shoptima:belment:A-1")).await;
    assert_eq!(status, 200);
    let order: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(order["raw"], json!({"order_num": "A-1"}));

    let (status, body) = get(format!("{base}/api/v1/orders/shoptima:belment:A-1/events")).await;
    assert_eq!(status, 200);
    let events: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(events["events"][0]["kind"], "created");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_message() {
    let (_dir, base) = start().await;
    for (path, expected) in [
        ("/api/v1/orders?status=lost", 400),
        ("/api/v1/orders?limit=501", 400),
        ("/api/v1/orders?limit=x", 400),
        ("/api/v1/orders?platform=shopify", 400),
        ("/api/v1/orders/nope", 404),
        ("/api/v1/orders/nope/events", 404),
        ("/api/v2/anything", 404),
    ] {
        let (status, body) = get(format!("{base}{path}")).await;
        assert_eq!(status, expected, "{path}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}: {body}");
    }
}

#[tokio::test]
async fn the_home_page_escapes_what_platforms_send() {
    let (_dir, base) = start().await;
    let (status, html) = get(format!("{base}/")).await;
    assert_eq!(status, 200);
    assert!(html.contains("2 orders stored"));
    assert!(html.contains("&lt;b&gt;A-2&lt;/b&gt;") && !html.contains("<b>A-2</b>"));
    let (_, health) = get(format!("{base}/healthz")).await;
    assert_eq!(health, r#"{"status":"ok"}"#);
}
