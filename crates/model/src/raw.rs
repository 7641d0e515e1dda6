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
        match compact(json.get()) {
            Some(compact) => RawPayload(parsed_text(compact.into_boxed_str())),
            None => RawPayload(json),
        }
    }

    /// Keeps `json`, the text of exactly one JSON value that serde_json has
    /// just parsed (into a struct, say), without checking it a second time.
    ///
    /// Why: for a page of thousands of kilobyte-long orders, checking each
    /// order's text again (`RawValue::from_string`) is a pass over every byte
    /// that finds nothing (`orderhub_connectors::json_walk` says more). Text
    /// that is not one JSON value would not be unsafe to hold, but it would
    /// be served as JSON; hence "parsed", not merely UTF-8.
    pub fn from_parsed(json: &str) -> RawPayload {
        let text: Box<str> = match compact(json) {
            Some(compact) => compact.into_boxed_str(),
            None => json.into(),
        };
        RawPayload(parsed_text(text))
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
        RawPayload::from_parsed(json.get())
    }
}

/// `text`, one JSON value serde_json has parsed (or such a value with the
/// whitespace between its tokens taken out), as a `RawValue`, without the
/// pass over every byte that `RawValue::from_string` makes to check it.
fn parsed_text(text: Box<str>) -> Box<RawValue> {
    // SAFETY: `RawValue` is `#[repr(transparent)]` over `str` (serde_json
    // 1.x, `src/raw.rs`), and serde_json turns a `Box<str>` into a
    // `Box<RawValue>` by this same cast. The assertion below guards the one
    // thing a change could break unnoticed: that both are pointers to
    // unsized text of the same size.
    const _: () = assert!(std::mem::size_of::<Box<RawValue>>() == std::mem::size_of::<Box<str>>());
    unsafe { Box::from_raw(Box::into_raw(text) as *mut RawValue) }
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
/// and then nothing is allocated.
///
/// `json` is one JSON value (serde_json checked it). Most payloads are
/// told apart as compact by two vectorised searches (`spaced_between_tokens`);
/// the others are followed string by string, each skipped to its closing
/// quote with `memchr`. Following every payload byte by byte (`JsonScan`)
/// was 5% of a Damaijia sync (perf).
fn compact(json: &str) -> Option<String> {
    let bytes = json.as_bytes();
    if !spaced_between_tokens(bytes) {
        return None;
    }
    let mut out: Option<Vec<u8>> = None;
    // `bytes[kept_from..at]` is kept and not yet copied to `out`.
    let mut kept_from = 0;
    let mut at = 0;
    while at < bytes.len() {
        // Outside a string: up to the next string's opening quote.
        let quote = memchr::memchr(b'"', &bytes[at..]).map_or(bytes.len(), |q| at + q);
        for (i, &byte) in bytes.iter().enumerate().take(quote).skip(at) {
            if matches!(byte, b' ' | b'\n' | b'\r' | b'\t') {
                let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                out.extend_from_slice(&bytes[kept_from..i]);
                kept_from = i + 1;
            }
        }
        // Inside the string: to the quote that closes it (one not escaped).
        at = quote + 1;
        while at < bytes.len() {
            match memchr::memchr2(b'"', b'\\', &bytes[at..]) {
                Some(q) if bytes[at + q] == b'\\' => at += q + 2,
                Some(q) => {
                    at += q + 1;
                    break;
                }
                None => at = bytes.len(),
            }
        }
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[kept_from..]);
    // Only ASCII whitespace outside strings is dropped, so the text stays UTF-8.
    Some(String::from_utf8(out).expect("UTF-8 less ASCII whitespace is UTF-8"))
}

/// Whether `json` may hold whitespace between its tokens: a whitespace byte
/// at either end or next to `{ } [ ] , :`. In JSON two values are never
/// adjacent, so every run of whitespace between tokens has one of those on
/// a side, and "no" is certain. "Yes" may be whitespace inside a string
/// (`"Street, City"`), which the caller's exact pass then keeps.
fn spaced_between_tokens(bytes: &[u8]) -> bool {
    let structural = |i: usize| matches!(bytes.get(i), Some(b'{' | b'}' | b'[' | b']' | b',' | b':'));
    let mut spaces = memchr::memchr3_iter(b' ', b'\n', b'\t', bytes).chain(memchr::memchr_iter(b'\r', bytes));
    spaces.any(|i| i == 0 || i + 1 == bytes.len() || structural(i - 1) || structural(i + 1))
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
    fn text_already_parsed_is_kept_as_a_checked_payload_would_be() {
        for json in [
            r#"{"price":6.00,"big":123456789012345678901234567890,"name":"周 \"x\""}"#,
            "{\n  \"name\" : \"a \\\" b\\t\",\n  \"list\": [ 1 , 2 ]\n}",
            "[]",
            "7",
        ] {
            let parsed = RawPayload::from_parsed(json);
            assert_eq!(parsed, payload(json), "{json}");
            assert_eq!(serde_json::to_string(&parsed).unwrap(), serde_json::to_string(&payload(json)).unwrap());
            assert_eq!(format!("{parsed:?}"), payload(json).get());
        }
    }

    #[test]
    fn whitespace_inside_strings_is_kept_and_between_tokens_dropped() {
        let raw = payload("{\n  \"name\" : \"a \\\" b\\t\",\n  \"list\": [ 1 , 2 ]\n}");
        assert_eq!(raw.get(), r#"{"name":"a \" b\t","list":[1,2]}"#);
        assert_eq!(raw, payload(r#"{"name":"a \" b\t","list":[1,2]}"#));
        assert_ne!(raw, payload(r#"{"list":[1,2],"name":"a \" b\t"}"#));
    }

    /// What `compact` must do, byte by byte (the way it was first written).
    fn compact_byte_by_byte(json: &str) -> String {
        let mut scan = JsonScan::default();
        let kept = json.bytes().filter(|&b| !(scan.outside_string(b) && matches!(b, b' ' | b'\n' | b'\r' | b'\t')));
        String::from_utf8(kept.collect()).unwrap()
    }

    /// JSON text with whitespace between tokens, and strings holding
    /// whitespace, escaped quotes, escaped backslashes and non-ASCII text.
    fn spaced_json() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let space = prop::sample::select(vec!["", " ", "\n  ", "\t", "\r\n"]);
        let text = prop::sample::select(vec![
            "",
            "a b",
            "\\\"",
            "\\\\",
            "x\\\\\\\"y",
            "北京 朝阳",
            "\\t",
            "\\u0022 z",
            "Street, City",
            "a :b",
            "[ x ]",
        ]);
        let value = prop_oneof![
            text.clone().prop_map(|t| format!("\"{t}\"")),
            Just("-12.50".to_string()),
            Just("true".to_string()),
            Just("null".to_string()),
        ];
        // Each field with the space before its key, around its colon and after its value.
        let entry = (space.clone(), text, space.clone(), space.clone(), value, space);
        prop::collection::vec(entry, 0..8).prop_map(|entries| {
            let fields: Vec<String> = entries
                .into_iter()
                .map(|(s1, key, s2, s3, value, s4)| format!("{s1}\"{key}\"{s2}:{s3}{value}{s4}"))
                .collect();
            format!("{{{}}}", fields.join(","))
        })
    }

    proptest::proptest! {
        #[test]
        fn compacting_drops_exactly_the_whitespace_outside_strings(json in spaced_json()) {
            let value: serde_json::Value = serde_json::from_str(&json).expect("the strategy writes JSON");
            let compacted = compact(&json).unwrap_or_else(|| json.clone());
            proptest::prop_assert_eq!(&compacted, &compact_byte_by_byte(&json));
            let again: serde_json::Value = serde_json::from_str(&compacted).expect("still JSON");
            proptest::prop_assert_eq!(again, value);
        }
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
