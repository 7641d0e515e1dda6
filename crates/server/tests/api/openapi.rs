//! `GET /openapi.json`: generated from the handlers, covering every route.

use crate::{Api, order, read};
use serde_json::Value;

#[tokio::test]
async fn the_openapi_document_covers_every_route_and_the_canonical_order() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::start(&dir, vec![]).await;
    let (status, doc) = read(api.client().get(format!("{}/openapi.json", api.base)).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let routes = [
        ("get", "/api/v1/orders"),
        ("get", "/api/v1/orders/{id}"),
        ("get", "/api/v1/orders/{id}/events"),
        ("post", "/api/v1/orders/{id}/shipments"),
        ("post", "/api/v1/orders/{id}/status"),
        ("post", "/api/v1/orders/{id}/address"),
        ("get", "/api/v1/orders/{id}/writebacks"),
        ("get", "/api/v1/outbox/{job}"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/platforms"),
        ("get", "/api/v1/shops"),
        ("post", "/api/v1/shops/{key}/sync"),
        ("post", "/api/v1/shops/{key}/fetch"),
        ("post", "/api/v1/shops/{key}/check"),
        ("get", "/api/v1/sync/runs"),
        ("get", "/api/v1/keys"),
        ("get", "/api/v1/webhooks"),
        ("get", "/api/v1/sinks"),
        ("get", "/api/v1/stats"),
        ("get", "/api/v1/attention"),
        ("get", "/api/v1/attention/{id}"),
        ("post", "/api/v1/attention/{id}/dismiss"),
        ("get", "/healthz"),
        ("get", "/metrics"),
        ("get", "/openapi.json"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, routes.len(), "documented operations: {:?}", paths.keys().collect::<Vec<_>>());
    for (method, path) in routes {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not documented");
        let responses = operation["responses"].as_object().unwrap();
        if path.starts_with("/api/") {
            assert!(responses.contains_key("401"), "{method} {path} does not document 401");
            assert_eq!(operation["security"][0]["api_key"], serde_json::json!([]), "{method} {path}");
        }
    }
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    // Operation ids are unique (clients are generated from them).
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|p| p.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().expect("every operation has an id"))
        .collect();
    ids.sort_unstable();
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids repeat: {ids:?}");

    // The Order schema names every field an order has, in the contract's order.
    let schema = &doc["components"]["schemas"]["Order"];
    let documented: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    let sample = serde_json::to_value(order("A-1", 1_700_000_000, 1_700_000_000)).unwrap();
    let fields: Vec<&String> = sample.as_object().unwrap().keys().collect();
    assert_eq!(documented, fields);
    // Money is a string, never a number; times are date-time strings.
    assert_eq!(schema["properties"]["total"]["type"], "string");
    let created = &schema["properties"]["created_at"];
    assert!(created.to_string().contains("date-time"), "{created}");
    for name in ["OutboxJob", "FeedEvent", "StoredEvent", "ShipRequest", "AddressUpdate", "ShopHealth", "ErrorBody"] {
        assert!(doc["components"]["schemas"][name].is_object(), "no schema {name}");
    }
    let status: Vec<Value> = doc["components"]["schemas"]["OrderStatus"]["enum"].as_array().unwrap().clone();
    assert_eq!(status.len(), 5);
}
