//! Opaque page cursors for order listings.
//!
//! A cursor holds the listing's sort order, the place of the last order served
//! (sort time and the store's key of the order) and a fingerprint of the
//! filters, hex-encoded so that it is one URL-safe token. Clients treat it as
//! opaque; the server refuses one that it did not make or that belongs to a
//! listing with other filters.
//!
//! `v2`: ties of the sort time are broken by the order's integer key. `v1`
//! cursors (from orderhub before integer order keys) carried the hub id; they
//! are refused with their own message, since the listing they continue is
//! no longer ordered by id.

use crate::ApiError;
use orderhub_store::{OrderSort, SortKey};

/// Encodes where the next page starts.
pub fn encode(sort: OrderSort, key: &SortKey, fingerprint: u64) -> String {
    hex(&format!("v2\n{}\n{}\n{:016x}\n{}", sort.as_str(), key.time_ms, fingerprint, key.key))
}

/// `text`'s bytes, two hex digits each.
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a cursor made by [`encode`] for a listing with this sort and filters.
pub fn decode(cursor: &str, sort: OrderSort, fingerprint: u64) -> Result<SortKey, ApiError> {
    let bad = || {
        ApiError::BadRequest(format!(
            "cursor {:?} is not one this API gave out: use `next_cursor` from the previous page, or start again \
             without `cursor`",
            cursor.chars().take(80).collect::<String>()
        ))
    };
    if !cursor.len().is_multiple_of(2) || cursor.len() > 4096 {
        return Err(bad());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| cursor.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    if text.starts_with("v1\n") {
        return Err(ApiError::BadRequest(
            "this cursor comes from an older orderhub, whose listings were ordered differently: start again \
             without `cursor`"
                .into(),
        ));
    }
    let mut parts = text.splitn(5, '\n');
    let (Some("v2"), Some(sort_name), Some(time), Some(print), Some(key)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let time_ms = time.parse::<i64>().map_err(|_| bad())?;
    let key = key.parse::<i64>().map_err(|_| bad())?;
    if sort_name != sort.as_str() || print != format!("{fingerprint:016x}") {
        return Err(ApiError::BadRequest(
            "this cursor belongs to a listing with other filters or another sort: send the same filters as the \
             first page, or start again without `cursor`"
                .into(),
        ));
    }
    Ok(SortKey { time_ms, key })
}

/// A stable 64-bit fingerprint (FNV-1a) of the filter parameters.
pub fn fingerprint(params: &[(&str, &str)]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, value) in params {
        for byte in name.bytes().chain([0]).chain(value.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let key = SortKey { time_ms: 1_700_000_000_123, key: 9_007_199_254_740_993 };
        let cursor = encode(OrderSort::UpdatedAsc, &key, 42);
        assert_eq!(decode(&cursor, OrderSort::UpdatedAsc, 42).unwrap(), key);
        assert!(decode(&cursor, OrderSort::CreatedDesc, 42).is_err());
        assert!(decode(&cursor, OrderSort::UpdatedAsc, 43).is_err());
        assert!(decode("zz", OrderSort::UpdatedAsc, 42).is_err());
        assert!(decode(&cursor[2..], OrderSort::UpdatedAsc, 42).is_err());
        assert_ne!(fingerprint(&[("shop", "a")]), fingerprint(&[("sho", "pa")]));
        // A key that is not a whole number: not a cursor this API made.
        let forged = hex("v2\nupdated\n1\n000000000000002a\nx1");
        assert!(decode(&forged, OrderSort::UpdatedAsc, 42).unwrap_err().to_string().contains("not one this API"));
    }

    #[test]
    fn a_cursor_of_an_older_orderhub_says_so() {
        // What orderhub made before listings broke ties by key (sort time and hub id).
        let old = hex("v1\nupdated\n1700000000123\n000000000000002a\nshoptima:belment:A1");
        let error = decode(&old, OrderSort::UpdatedAsc, 42).unwrap_err().to_string();
        assert!(error.contains("older orderhub") && error.contains("without `cursor`"), "{error}");
    }
}
