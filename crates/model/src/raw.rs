//! The platform's payload for one order, kept as the JSON text it was sent as.
//!
//! Why text and not a `serde_json::Value` tree: the payload is stored and served
//! whole, and read field by field only by the connector that normalises it.
//! As a tree it cost a sync more than anything else it did per order (an
//! allocation per field, a hash per key, a clone, then serialising it back);
//! as text it is one allocation, copied into the stored document as it is.
//! Text also keeps what a tree could lose: numbers' exact digits, key order,
//! and a key sent twice.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// One order's payload, as the platform sent it (whitespace between tokens
/// removed, every value's text kept). Serialises as the JSON it holds.
#[derive(Clone, Serialize)]
#[serde(transparent)]
pub struct RawPayload(Box<RawValue>);

impl<'de> Deserialize<'de> for RawPayload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawPayload, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(RawPayload::new)
    }
}

impl RawPayload {
    /// Keeps `json`, which serde_json has already checked is one JSON value.
    pub fn new(json: Box<RawValue>) -> RawPayload {
        match compact(json.get()).map(RawValue::from_string) {
            Some(Ok(compact)) => RawPayload(compact),
            _ => RawPayload(json),
        }
    }

    /// The payload's JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The payload as a tree, to read a field of it.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).expect("a RawPayload holds one JSON value")
    }
}

impl From<&RawValue> for RawPayload {
    fn from(json: &RawValue) -> RawPayload {
        RawPayload::new(json.to_owned())
    }
}

impl From<Value> for RawPayload {
    fn from(value: Value) -> RawPayload {
        RawPayload(serde_json::value::to_raw_value(&value).expect("a Value always serialises"))
    }
}

/// Two payloads are equal when their JSON text is: the same values written the
/// same way. (A platform that reorders keys has changed its payload.)
impl PartialEq for RawPayload {
    fn eq(&self, other: &RawPayload) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for RawPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.get())
    }
}

/// Follows JSON text byte by byte and tells which bytes are outside
/// strings: where whitespace and punctuation are the text's own structure.
/// For byte-level passes over JSON that a parser would be too slow for (and
/// that must also work on text a strict parser refuses).
#[derive(Debug, Default)]
pub struct JsonScan {
    in_string: bool,
    escaped: bool,
}

impl JsonScan {
    /// Takes the next byte; true when it is outside a string (a quote that
    /// opens or closes one counts as inside).
    pub fn outside_string(&mut self, byte: u8) -> bool {
        match (self.in_string, self.escaped, byte) {
            (true, true, _) => self.escaped = false,
            (true, false, b'\\') => self.escaped = true,
            (true, false, b'"') => self.in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => self.in_string = true,
            (false, _, _) => return true,
        }
        false
    }
}

/// `json` without the whitespace between its tokens (strings untouched), or
/// `None` when it has none: what a platform's server sends usually has none,
/// and then this is one pass over the bytes with no allocation.
fn compact(json: &str) -> Option<String> {
    let bytes = json.as_bytes();
    let mut scan = JsonScan::default();
    let mut out: Option<Vec<u8>> = None;
    for (i, &byte) in bytes.iter().enumerate() {
        let drop = scan.outside_string(byte) && matches!(byte, b' ' | b'\n' | b'\r' | b'\t');
        match (&mut out, drop) {
            (None, true) => out = Some(bytes[..i].to_vec()),
            (Some(out), false) => out.push(byte),
            _ => {}
        }
    }
    // Only ASCII whitespace outside strings is dropped, so the text stays UTF-8.
    out.map(|out| String::from_utf8(out).expect("UTF-8 less ASCII whitespace is UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(json: &str) -> RawPayload {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_text_is_kept_digit_for_digit() {
        let raw = payload(r#"{"price": 6.00, "big": 123456789012345678901234567890, "id": 1e2, "k": 1, "k": 2}"#);
        assert_eq!(raw.get(), r#"{"price":6.00,"big":123456789012345678901234567890,"id":1e2,"k":1,"k":2}"#);
        #[derive(Serialize)]
        struct Doc<'a> {
            raw: &'a RawPayload,
        }
        assert_eq!(serde_json::to_string(&Doc { raw: &raw }).unwrap(), format!(r#"{{"raw":{}}}"#, raw.get()));
    }

    #[test]
    fn whitespace_inside_strings_is_kept_and_between_tokens_dropped() {
        let raw = payload("{\n  \"name\" : \"a \\\" b\\t\",\n  \"list\": [ 1 , 2 ]\n}");
        assert_eq!(raw.get(), r#"{"name":"a \" b\t","list":[1,2]}"#);
        assert_eq!(raw, payload(r#"{"name":"a \" b\t","list":[1,2]}"#));
        assert_ne!(raw, payload(r#"{"list":[1,2],"name":"a \" b\t"}"#));
    }

    #[test]
    fn a_tree_round_trips() {
        let value = serde_json::json!({"order_num": "A-1", "n": 3});
        let raw = RawPayload::from(value.clone());
        assert_eq!(raw.to_value(), value);
        let back: RawPayload = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(back.to_value(), value);
    }
}
