//! JSON written from a document's example object with some fields filled in
//! per order, without building a `Value` tree per order.
//!
//! Simulators built on a document's example (Damaijia) answer with the
//! example's keys, in its order and with its JSON types, and only some values
//! changed. Cloning the example's `Value` and overwriting fields costs hundreds
//! of allocations per order; this writes the unchanged parts as text prepared
//! once, and serialises only the filled-in values.

use serde_json::Value;

/// An example object prepared for writing: its keys in order, each either the
/// example's own value (as text) or a slot filled per call.
#[derive(Debug)]
pub struct JsonTemplate {
    segments: Vec<Segment>,
    slots: usize,
}

#[derive(Debug)]
enum Segment {
    /// `"key":value` text (with the leading comma where one is due).
    Text(String),
    /// `"key":` text, then slot N's value.
    Slot(String, usize),
}

/// A slot's value: a JSON value, or JSON text already written (a nested template's).
#[derive(Debug)]
pub enum Fill {
    Json(Value),
    Raw(Vec<u8>),
}

impl From<Value> for Fill {
    fn from(value: Value) -> Self {
        Fill::Json(value)
    }
}

impl JsonTemplate {
    /// `object`'s keys, in order; the values of the keys named in `slots` are
    /// filled per call, in that order. Panics when a slot is not a key of the
    /// example: that is a mistake in the simulator, not in any input.
    pub fn new(object: &Value, slots: &[&str]) -> Self {
        let map = object.as_object().expect("a template is a JSON object");
        for slot in slots {
            assert!(map.contains_key(*slot), "{slot:?} is not a key of the example");
        }
        let mut segments = Vec::with_capacity(map.len());
        for (i, (key, value)) in map.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let key_text = serde_json::to_string(key).expect("a key serialises");
            match slots.iter().position(|s| s == key) {
                Some(n) => segments.push(Segment::Slot(format!("{comma}{key_text}:"), n)),
                None => {
                    let value = serde_json::to_string(value).expect("a value serialises");
                    segments.push(Segment::Text(format!("{comma}{key_text}:{value}")));
                }
            }
        }
        JsonTemplate { segments, slots: slots.len() }
    }

    /// Writes the object with `fills[n]` as slot n's value.
    pub fn write(&self, out: &mut Vec<u8>, fills: &[Fill]) {
        assert_eq!(fills.len(), self.slots, "one value per slot");
        out.push(b'{');
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => out.extend_from_slice(text.as_bytes()),
                Segment::Slot(key, n) => {
                    out.extend_from_slice(key.as_bytes());
                    match &fills[*n] {
                        Fill::Json(value) => serde_json::to_writer(&mut *out, value).expect("a Value serialises"),
                        Fill::Raw(text) => out.extend_from_slice(text),
                    }
                }
            }
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unfilled_keys_keep_the_examples_values_and_order() {
        let example: Value = serde_json::from_str(r#"{"a": 1, "b": {"x": [1, 2]}, "c": "three", "d": 6.00}"#).unwrap();
        let template = JsonTemplate::new(&example, &["c", "a"]);
        let mut out = Vec::new();
        template.write(&mut out, &[json!("new").into(), Fill::Raw(b"[7]".to_vec())]);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":[7],"b":{"x":[1,2]},"c":"new","d":6.00}"#);
    }
}
