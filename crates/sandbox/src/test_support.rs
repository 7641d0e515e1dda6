//! Helpers shared by the simulators' tests.

use serde_json::Value;
use std::collections::HashSet;

/// Asserts the same keys, recursively, and the same JSON types where both sides
/// are not null: how a simulator's answer is compared with a document's example.
pub(crate) fn assert_same_shape(path: &str, ours: &Value, documented: &Value) {
    match (ours, documented) {
        (Value::Object(a), Value::Object(b)) => {
            let ka: HashSet<_> = a.keys().collect();
            let kb: HashSet<_> = b.keys().collect();
            assert_eq!(ka, kb, "keys differ at {path}");
            for (key, value) in b {
                assert_same_shape(&format!("{path}.{key}"), &a[key], value);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                assert_same_shape(&format!("{path}[0]"), x, y);
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (a, b) => {
            assert_eq!(std::mem::discriminant(a), std::mem::discriminant(b), "JSON type differs at {path}: {a} vs {b}")
        }
    }
}

/// A document example from `fixtures/<platform>/<name>.json`.
pub(crate) fn fixture(platform: &str, name: &str) -> Value {
    let path = format!("{}/../../fixtures/{platform}/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}
