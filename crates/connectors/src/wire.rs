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
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Mutex;

/// Text from a string, number or boolean; `null` and `""` read as `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => return Err(D::Error::custom(format!("expected text, got {other}"))),
    })
}

/// Money from a decimal string or a JSON number, exactly; `null` and `""` read as `None`.
pub fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let text = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        other => return Err(D::Error::custom(format!("expected an amount, got {other}"))),
    };
    parse_money(&text).map(Some).map_err(D::Error::custom)
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
    let text = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        other => return Err(D::Error::custom(format!("expected an amount, got {other}"))),
    };
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
    let text = match Value::deserialize(d)? {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        other => return Err(D::Error::custom(format!("expected a whole number, got {other}"))),
    };
    i64::from_str(text.trim()).map(Some).map_err(|_| D::Error::custom(format!("{text:?} is not a whole number")))
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
