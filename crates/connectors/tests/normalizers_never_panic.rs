//! Property tests: every normaliser, fed a document's example order with any
//! of its fields replaced by what platforms really send in their place (null,
//! "", 0, "0", huge or negative numbers, unknown codes, arbitrary text, empty
//! arrays and objects), returns an order or an error, and never panics.

use jiff::tz::TimeZone;
use orderhub_connectors::{damaijia, shoptima, vanmall, westmonth, wshoto};
use proptest::prelude::*;
use serde_json::{Value, json};

fn example(path: &str, pointer: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let text = text.replace(",\n        ],", "\n        ]").replace(",\n        ]", "\n        ]");
    let value: Value = serde_json::from_str(&text).unwrap();
    value.pointer(pointer).unwrap().clone()
}

/// Every JSON pointer to a value inside `value`, containers included.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{prefix}/{}", key.replace('~', "~0").replace('/', "~1"));
                out.push(path.clone());
                pointers(child, path, out);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                let path = format!("{prefix}/{i}");
                out.push(path.clone());
                pointers(child, path, out);
            }
        }
        _ => {}
    }
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("")),
        Just(json!(0)),
        Just(json!("0")),
        Just(json!(-1)),
        Just(json!(999)),
        Just(json!(1.5)),
        Just(json!("0000-00-00 00:00:00")),
        Just(serde_json::from_str::<Value>("123456789012345678901234567890").unwrap()),
        Just(json!([])),
        Just(json!({})),
        Just(json!(true)),
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(|n| json!(n)),
    ]
}

/// The example with up to eight of its values replaced.
fn mutated(base: Value) -> impl Strategy<Value = Value> {
    let mut paths = Vec::new();
    pointers(&base, String::new(), &mut paths);
    let count = paths.len();
    proptest::collection::vec((0..count, replacement()), 0..8).prop_map(move |changes| {
        let mut order = base.clone();
        for (index, value) in changes {
            if let Some(slot) = order.pointer_mut(&paths[index]) {
                *slot = value;
            }
        }
        order
    })
}

/// The order as the connector receives it: JSON text.
fn raw(order: &serde_json::Value) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(order).unwrap()
}

fn shanghai() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn shoptima_never_panics(order in mutated(example("shoptima/list-success.json", "/data/data/0"))) {
        let _ = shoptima::normalize("s", &raw(&order));
    }

    #[test]
    fn shoptima_detail_never_panics(order in mutated(example("shoptima/detail-success.json", "/data"))) {
        let _ = shoptima::normalize("s", &raw(&order));
    }

    #[test]
    fn wshoto_never_panics(order in mutated(example("wshoto/list-success.json", "/data/records/0"))) {
        let _ = wshoto::normalize("s", &raw(&order));
    }

    #[test]
    fn westmonth_never_panics(order in mutated(example("westmonth/status-success.json", "/data/data/0"))) {
        let _ = westmonth::normalize("s", &shanghai(), &raw(&order));
    }

    #[test]
    fn damaijia_never_panics(order in mutated(example("damaijia/search-success.json", "/data/shop_order_list/0"))) {
        let _ = damaijia::normalize("s", &raw(&order));
    }

    #[test]
    fn vanmall_never_panics(order in mutated(example("vanmall/order-info-success.json", "/data/order_info"))) {
        let _ = vanmall::normalize("s", &shanghai(), &raw(&order));
    }
}

#[test]
fn unknown_status_codes_are_kept_verbatim() {
    let mut order = example("shoptima/list-success.json", "/data/data/0");
    order["status"] = json!(42);
    let normalized = shoptima::normalize("s", &raw(&order)).unwrap();
    assert_eq!(
        (normalized.platform_status.code.as_str(), normalized.platform_status.label.as_str()),
        ("42", "unknown")
    );
    let mut order = example("wshoto/list-success.json", "/data/records/0");
    order["status"] = json!(9);
    assert_eq!(wshoto::normalize("s", &raw(&order)).unwrap().platform_status.code, "9");
    let mut order = example("damaijia/search-success.json", "/data/shop_order_list/0");
    order["order_status"] = json!(77);
    assert_eq!(damaijia::normalize("s", &raw(&order)).unwrap().platform_status.code, "77");
    let mut order = example("westmonth/status-success.json", "/data/data/0");
    order["status"] = json!("on_the_moon");
    assert_eq!(westmonth::normalize("s", &shanghai(), &raw(&order)).unwrap().platform_status.code, "on_the_moon");
}
