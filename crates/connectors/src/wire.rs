//! Lenient readers for what platforms actually send.
//!
//! Documents say "string" and send numbers, send `null`, `""` or `0` for "not
//! set", and send money as JSON numbers whose text (`6.00`) must not pass through
//! `f64`. These serde helpers accept every such form and keep exact values:
//! `serde_json` is built with `arbitrary_precision`, so a JSON number's text is
//! kept as sent and parsed straight into a `Decimal` or an id string.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::de::{DeserializeOwned, Error};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Mutex;

/// One JSON scalar as sent, read without building a `serde_json::Value`.
///
/// Why not `Value`: with `arbitrary_precision` a `Value` keeps every number
/// as a `String`, so each integer field cost two allocations (the `Value`'s
/// and its `to_string`) and a parse; perf put those readers at about a tenth
/// of a Damaijia sync's reading. Here an integer arrives as an integer, a
/// string borrowed from the answer where it has no escapes, and only a
/// number that needs its exact text (a decimal, a 22-digit id) as text.
enum Scalar<'de> {
    Null,
    Text(Cow<'de, str>),
    /// A whole number that fits 64 bits.
    Unsigned(u64),
    Signed(i64),
    /// Any other number, as its exact text (`6.00`, `1e2`, `1234567890123456789012`).
    Number(String),
    Bool(bool),
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// The key under which `serde_json` with `arbitrary_precision` hands a
/// number's text to `visit_map` (its `number::TOKEN`).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct ScalarVisitor;

impl<'de> serde::de::Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string, number, boolean or null")
    }
    fn visit_unit<E: Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Unsigned(v))
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Signed(v))
    }
    /// Only from a reader without exact numbers (never `serde_json` here):
    /// the float's shortest text, as a `Value` would have given.
    fn visit_f64<E: Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Number(v.to_string()))
    }
    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(v.into()))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(v.to_owned().into()))
    }
    fn visit_string<E: Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(v.into()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Scalar<'de>, A::Error> {
        Err(A::Error::custom("got a list"))
    }
    /// An exact number (see [`NUMBER_TOKEN`]), or an object, which no scalar is.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        match map.next_key::<NumberKey>()? {
            Some(NumberKey(true)) => Ok(Scalar::Number(map.next_value()?)),
            _ => Err(A::Error::custom("got an object")),
        }
    }
}

/// Whether a map's first key is [`NUMBER_TOKEN`], read without allocating it.
struct NumberKey(bool);

impl<'de> Deserialize<'de> for NumberKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = NumberKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: Error>(self, key: &str) -> Result<NumberKey, E> {
                Ok(NumberKey(key == NUMBER_TOKEN))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de> Scalar<'de> {
    /// The scalar's text (borrowed where it was), `None` for `null` and blank
    /// text. A boolean is text only to [`opt_text`]; here it is an error
    /// saying what was `expected`.
    fn text<E: Error>(self, expected: &str) -> Result<Option<Cow<'de, str>>, E> {
        Ok(match self {
            Scalar::Null => None,
            Scalar::Text(s) if s.trim().is_empty() => None,
            Scalar::Text(s) => Some(s),
            Scalar::Unsigned(n) => Some(n.to_string().into()),
            Scalar::Signed(n) => Some(n.to_string().into()),
            Scalar::Number(n) => Some(n.into()),
            Scalar::Bool(b) => return Err(E::custom(format!("expected {expected}, got {b}"))),
        })
    }
}

/// Text from a string, number or boolean; `null` and `""` read as `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Scalar::deserialize(d).map_err(|e| D::Error::custom(format!("expected text, {e}")))? {
        Scalar::Bool(b) => Ok(Some(b.to_string())),
        other => Ok(other.text("text")?.map(Cow::into_owned)),
    }
}

/// Money from a decimal string or a JSON number, exactly; `null` and `""` read as `None`.
pub fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match Scalar::deserialize(d).map_err(|e| D::Error::custom(format!("expected an amount, {e}")))? {
        Scalar::Unsigned(n) => Ok(Some(Decimal::from(n))),
        Scalar::Signed(n) => Ok(Some(Decimal::from(n))),
        other => other.text("an amount")?.map(|text| parse_money(&text)).transpose().map_err(D::Error::custom),
    }
}

/// Parses an amount's text exactly (`"16.55"`, `"6.00"`, `"1e2"`).
pub fn parse_money(text: &str) -> Result<Decimal, String> {
    let text = text.trim();
    Decimal::from_str_exact(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| format!("{text:?} is not an amount"))
}

/// The sum of the amounts present, written with as many decimals as the most
/// precise of them, so that `"0.00" + 0` reads `"0.00"`, not `"0"`.
pub fn money_sum(amounts: &[Option<Decimal>]) -> Decimal {
    let present = amounts.iter().flatten();
    let scale = present.clone().map(Decimal::scale).max().unwrap_or(2);
    with_scale(present.sum(), scale)
}

pub fn with_scale(mut amount: Decimal, scale: u32) -> Decimal {
    if amount.scale() < scale {
        amount.rescale(scale);
    }
    amount
}

/// Money from a formatted amount as the platform displays it (`"¥45.00"`,
/// `"$1,299.00"`): the currency sign and thousands separators are dropped, the
/// digits kept exactly. `null` and `""` read as `None`.
pub fn opt_formatted_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let scalar = Scalar::deserialize(d).map_err(|e| D::Error::custom(format!("expected an amount, {e}")))?;
    let Some(text) = scalar.text::<D::Error>("an amount")? else { return Ok(None) };
    let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
    if digits.is_empty() {
        return Ok(None);
    }
    parse_money(&digits).map(Some).map_err(|_| D::Error::custom(format!("{text:?} is not an amount")))
}

/// A wall-clock time `yyyy-MM-dd HH:mm:ss` read in `zone`. `""`, `"0"` and
/// `"0000-00-00 00:00:00"` mean "not set".
pub fn wall_clock(text: Option<&str>, zone: &jiff::tz::TimeZone) -> Result<Option<Timestamp>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty() && *t != "0" && !t.starts_with("0000-00-00")) else {
        return Ok(None);
    };
    let civil = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text)
        .map_err(|_| format!("{text:?} is not a time in the form yyyy-MM-dd HH:mm:ss"))?;
    // A time that does not exist or exists twice (a daylight-saving change) is
    // read the way most systems do: the earlier offset.
    let zoned = civil.to_zoned(zone.clone()).map_err(|e| format!("{text:?}: {e}"))?;
    Ok(Some(zoned.timestamp()))
}

/// An instant as a wall-clock string `yyyy-MM-dd HH:mm:ss` in `zone`.
pub fn to_wall_clock(instant: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    instant.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// An amount in fen (1/100 yuan, an integer) as yuan: `1000` reads `10.00`.
pub fn opt_fen<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Ok(opt_integer(d)?.map(|fen| Decimal::new(fen, 2)))
}

/// A whole number from a JSON number or a numeric string; `null` and `""` read as `None`.
pub fn opt_integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let text = match Scalar::deserialize(d).map_err(|e| D::Error::custom(format!("expected a whole number, {e}")))? {
        Scalar::Signed(n) => return Ok(Some(n)),
        Scalar::Unsigned(n) => return i64::try_from(n).map(Some).map_err(|_| D::Error::custom(out_of_range(n))),
        other => match other.text("a whole number")? {
            Some(text) => text,
            None => return Ok(None),
        },
    };
    let digits = text.trim();
    i64::from_str(digits).map(Some).map_err(|error| {
        D::Error::custom(match error.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => out_of_range(digits),
            _ => format!("{text:?} is not a whole number"),
        })
    })
}

/// A whole number beyond what orderhub keeps as one (a signed 64-bit
/// integer): said as such, not as "not a whole number", which it is.
fn out_of_range(number: impl std::fmt::Display) -> String {
    format!("{number} is out of range: whole numbers here run from {} to {}", i64::MIN, i64::MAX)
}

/// A unix time in seconds, from a number or a numeric string. `null`, `""` and
/// `0` mean "not set" and read as `None`.
pub fn opt_unix_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    match opt_integer(d)? {
        None | Some(0) => Ok(None),
        Some(seconds) => Timestamp::from_second(seconds)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("{seconds} is not a unix time in seconds"))),
    }
}

/// A list that may be sent as `null`.
pub fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A piece of an answer kept as its JSON text: an envelope's `data` until the
/// envelope's status says what it is, and each order of a page, which becomes
/// the order's `raw` as it is.
pub type RawJson = Box<serde_json::value::RawValue>;

/// Parses JSON, accepting a comma before `]` or `}`: some platform documents'
/// own example answers have one, so the platform may send it too.
pub fn parse_json_lenient(body: &[u8]) -> Result<Value, serde_json::Error> {
    parse_lenient(body)
}

/// Reads an answer straight into `T` (no `Value` tree on the way), accepting
/// trailing commas as [`parse_json_lenient`] does.
pub fn parse_lenient<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(first) => {
            let cleaned = strip_trailing_commas(body);
            serde_json::from_slice(&cleaned).map_err(|_| first)
        }
    }
}

/// Reads an answer's envelope; the error says whether the body is not JSON
/// at all or JSON that is not the envelope.
pub fn parse_envelope<T: DeserializeOwned>(http_status: u16, body: &[u8]) -> Result<T, String> {
    parse_lenient(body).map_err(|e| match e.is_data() {
        true => format!("HTTP {http_status}, not the answer's envelope: {e}"),
        false => format!("HTTP {http_status}, body is not JSON: {e}"),
    })
}

/// An envelope's `data`, `null` when there was none.
pub fn data_or_null(data: Option<RawJson>) -> RawJson {
    data.unwrap_or_else(|| serde_json::value::RawValue::NULL.to_owned())
}

/// Reads a piece kept as text (see [`RawJson`]) into `T`.
pub fn read_raw<T: DeserializeOwned>(raw: &serde_json::value::RawValue) -> Result<T, serde_json::Error> {
    serde_json::from_str(raw.get())
}

fn strip_trailing_commas(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut scan = orderhub_model::JsonScan::default();
    for (i, &byte) in body.iter().enumerate() {
        if scan.outside_string(byte) && byte == b',' {
            let next = body[i + 1..].iter().find(|b| !b.is_ascii_whitespace());
            if matches!(next, Some(b']') | Some(b'}')) {
                continue;
            }
        }
        out.push(byte);
    }
    out
}

static SEEN_UNKNOWN: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Logs a value the mapping does not know, once per process for each
/// (platform, field, value). The value itself stays in `platform_status`/`raw`.
pub fn warn_unknown_once(platform: &str, field: &str, value: &str) {
    let key = format!("{platform}\u{1f}{field}\u{1f}{value}");
    let mut seen = SEEN_UNKNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.get_or_insert_with(HashSet::new).insert(key) {
        tracing::warn!(platform, field, value, "unknown value: kept verbatim, mapped to the nearest canonical value");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_money")]
        money: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_unix_seconds")]
        time: Option<Timestamp>,
        #[serde(default, deserialize_with = "opt_text")]
        id: Option<String>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn money_keeps_its_exact_text() {
        assert_eq!(probe(r#"{"money": 6.00}"#).money.unwrap().to_string(), "6.00");
        assert_eq!(probe(r#"{"money": "16.55"}"#).money.unwrap().to_string(), "16.55");
        assert_eq!(probe(r#"{"money": 0.1}"#).money.unwrap().to_string(), "0.1");
        assert_eq!(probe(r#"{"money": null}"#).money, None);
    }

    #[derive(Debug, Deserialize)]
    struct Whole {
        #[serde(default, deserialize_with = "opt_integer")]
        n: Option<i64>,
    }

    fn read<T: DeserializeOwned>(json: &str) -> Result<T, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn every_form_a_platform_sends_reads_the_same() {
        let whole = |json: &str| read::<Whole>(json).map(|w| w.n);
        for (json, n) in [
            (r#"{"n": 1590081530}"#, Some(1_590_081_530)),
            (r#"{"n": "1590081530"}"#, Some(1_590_081_530)),
            (r#"{"n": " 42 "}"#, Some(42)),
            (r#"{"n": -7}"#, Some(-7)),
            (r#"{"n": "-7"}"#, Some(-7)),
            (r#"{"n": ""}"#, None),
            (r#"{"n": null}"#, None),
        ] {
            assert_eq!(whole(json), Ok(n), "{json}");
        }
        let text = |json: &str| read::<Probe>(json).map(|p| p.id);
        assert_eq!(text(r#"{"id": 3489373605366769084}"#), Ok(Some("3489373605366769084".into())));
        assert_eq!(text(r#"{"id": -12}"#), Ok(Some("-12".into())));
        assert_eq!(text(r#"{"id": true}"#), Ok(Some("true".into())));
        // Escapes are unescaped (the text is no longer a slice of the answer).
        assert_eq!(text(r#"{"id": "A\"1\u00e9"}"#), Ok(Some("A\"1é".into())));
        assert_eq!(text(r#"{"id": "  "}"#), Ok(None));
        assert_eq!(read::<Probe>(r#"{"money": 6}"#).unwrap().money.unwrap().to_string(), "6");
        assert_eq!(read::<Probe>(r#"{"money": "1e2"}"#).unwrap().money.unwrap().to_string(), "100");
        assert_eq!(read::<Probe>(r#"{"money": " "}"#).unwrap().money, None);
        // Read from a `Value` rather than from text, the same.
        let value = serde_json::json!({"money": "16.55", "id": 7, "time": 1590081530});
        let probe: Probe = serde_json::from_value(value).unwrap();
        assert_eq!((probe.money.unwrap().to_string(), probe.id.as_deref()), ("16.55".into(), Some("7")));
        assert_eq!(probe.time.unwrap().as_second(), 1_590_081_530);
    }

    #[test]
    fn what_no_reading_fits_is_an_error_that_says_what_came() {
        let error = |json: &str| read::<Probe>(json).map(|_| ()).unwrap_err();
        assert!(error(r#"{"id": [1]}"#).starts_with("expected text, got a list"), "{}", error(r#"{"id": [1]}"#));
        assert!(error(r#"{"id": {"a": 1}}"#).starts_with("expected text, got an object"));
        assert!(error(r#"{"money": true}"#).starts_with("expected an amount, got true"));
        assert!(error(r#"{"money": "12,5x"}"#).contains("is not an amount"));
        let whole = |json: &str| read::<Whole>(json).unwrap_err();
        assert!(whole(r#"{"n": 1.5}"#).starts_with("\"1.5\" is not a whole number"), "{}", whole(r#"{"n": 1.5}"#));
        let out_of_range = "9223372036854775808 is out of range: whole numbers here run from -9223372036854775808 to 9223372036854775807";
        assert!(
            whole(r#"{"n": 9223372036854775808}"#).starts_with(out_of_range),
            "{}",
            whole(r#"{"n": 9223372036854775808}"#)
        );
        assert!(whole(r#"{"n": "9223372036854775808"}"#).starts_with(out_of_range));
        assert!(whole(r#"{"n": "-9223372036854775809"}"#).starts_with("-9223372036854775809 is out of range"));
        assert!(whole(r#"{"n": "12a"}"#).starts_with("\"12a\" is not a whole number"));
        assert!(whole(r#"{"n": false}"#).starts_with("expected a whole number, got false"));
    }

    #[test]
    fn zero_empty_and_null_times_are_unset() {
        for json in [r#"{"time": 0}"#, r#"{"time": "0"}"#, r#"{"time": ""}"#, r#"{"time": null}"#, "{}"] {
            assert_eq!(probe(json).time, None, "{json}");
        }
        assert_eq!(probe(r#"{"time": "1590081530"}"#).time.unwrap().to_string(), "2020-05-21T17:18:50Z");
    }

    #[test]
    fn wall_clock_times_are_read_in_the_shops_zone() {
        let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let t = wall_clock(Some("2025-05-07 16:13:53"), &shanghai).unwrap().unwrap();
        assert_eq!(t.to_string(), "2025-05-07T08:13:53Z");
        assert_eq!(to_wall_clock(t, &shanghai), "2025-05-07 16:13:53");
        for unset in ["", "0", "0000-00-00 00:00:00"] {
            assert_eq!(wall_clock(Some(unset), &shanghai).unwrap(), None);
        }
        assert!(wall_clock(Some("07/05/2025"), &shanghai).is_err());
    }

    #[test]
    fn formatted_amounts_keep_their_digits() {
        #[derive(Deserialize)]
        struct F {
            #[serde(deserialize_with = "opt_formatted_money")]
            a: Option<Decimal>,
        }
        let read = |json: &str| serde_json::from_str::<F>(json).unwrap().a.map(|d| d.to_string());
        assert_eq!(read(r#"{"a": "¥45.00"}"#).as_deref(), Some("45.00"));
        assert_eq!(read(r#"{"a": "$1,299.50"}"#).as_deref(), Some("1299.50"));
        assert_eq!(read(r#"{"a": ""}"#), None);
    }

    #[test]
    fn big_ids_keep_every_digit() {
        assert_eq!(probe(r#"{"id": 1234567890123456789012}"#).id.unwrap(), "1234567890123456789012");
    }

    #[test]
    fn trailing_commas_are_accepted_outside_strings() {
        let v = parse_json_lenient(br#"{"a": [1, 2, ], "b": "x,]", }"#).unwrap();
        assert_eq!(v["a"].as_array().unwrap().len(), 2);
        assert_eq!(v["b"], "x,]");
        assert!(parse_json_lenient(b"{\"a\": ").is_err());
    }
}
