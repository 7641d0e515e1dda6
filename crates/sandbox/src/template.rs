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

/// A slot's value, written as JSON without building a `Value` for it: a
/// page of 100 Damaijia orders filled 50 slots an order, and as `Value`s
/// (maps of their own for the nested objects) they were most of the
/// simulator's time serving a page (perf: allocation, hashing and copying).
#[derive(Debug)]
pub enum Fill<'a> {
    /// A JSON number.
    Int(i64),
    /// A JSON string (escaped as JSON requires).
    Str(&'a str),
    /// JSON text already written (a nested template's, an object or a list).
    Raw(&'a [u8]),
}

impl From<i64> for Fill<'_> {
    fn from(value: i64) -> Self {
        Fill::Int(value)
    }
}

impl<'a> From<&'a str> for Fill<'a> {
    fn from(value: &'a str) -> Self {
        Fill::Str(value)
    }
}

/// Writes `text` as a JSON string. Most of the simulator's strings need no
/// escape and are copied as they are; serde_json's writer, which looks at
/// every byte in turn, was a fifth of the time the simulator took to serve
/// a page of Damaijia orders (perf).
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    // Counted, not searched for: a count has no early exit and vectorises.
    let escapes = bytes.iter().map(|&b| usize::from(b < 0x20 || b == b'"' || b == b'\\')).sum::<usize>();
    if escapes == 0 {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, text).expect("a string serialises");
    }
}

/// Writes `value` as a JSON number.
pub fn write_int(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
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
                    match fills[*n] {
                        Fill::Int(value) => write_int(out, value),
                        Fill::Str(text) => write_str(out, text),
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

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let texts = ["", "plain", "中文 文字", "a\"b", "back\\slash", "\u{1}\n\t\u{1f}", "é\u{7f}"];
        // Every character below 0x80, alone and after prefixes of 1 to 17 bytes.
        let every = (0u8..0x80).flat_map(|b| (0..=17).map(move |at| format!("{}{}", "p".repeat(at), char::from(b))));
        for text in texts.iter().map(|t| t.to_string()).chain(every) {
            let text = text.as_str();
            let mut out = Vec::new();
            write_str(&mut out, text);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn unfilled_keys_keep_the_examples_values_and_order() {
        let example: Value = serde_json::from_str(r#"{"a": 1, "b": {"x": [1, 2]}, "c": "three", "d": 6.00}"#).unwrap();
        let template = JsonTemplate::new(&example, &["c", "a"]);
        let mut out = Vec::new();
        template.write(&mut out, &["new \"one\"".into(), Fill::Raw(b"[7]")]);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":[7],"b":{"x":[1,2]},"c":"new \"one\"","d":6.00}"#);
        out = Vec::new();
        template.write(&mut out, &[Fill::Str(""), Fill::Int(-12)]);
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a":-12,"b":{"x":[1,2]},"c":"","d":6.00}"#);
    }
}
