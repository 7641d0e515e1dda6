//! Opaque page cursors for order listings.
//!
//! A cursor holds the listing's sort order, the place of the last order served
//! (sort time and id) and a fingerprint of the filters, hex-encoded so that it
//! is one URL-safe token. Clients treat it as opaque; the server refuses one
//! that it did not make or that belongs to a listing with other filters.

use crate::ApiError;
use orderhub_store::{OrderSort, SortKey};

/// Encodes where the next page starts.
pub fn encode(sort: OrderSort, key: &SortKey, fingerprint: u64) -> String {
    let text = format!("v1\n{}\n{}\n{:016x}\n{}", sort.as_str(), key.time_ms, fingerprint, key.id);
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
    let mut parts = text.splitn(5, '\n');
    let (Some("v1"), Some(sort_name), Some(time), Some(print), Some(id)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let time_ms = time.parse::<i64>().map_err(|_| bad())?;
    if sort_name != sort.as_str() || print != format!("{fingerprint:016x}") {
        return Err(ApiError::BadRequest(
            "this cursor belongs to a listing with other filters or another sort: send the same filters as the \
             first page, or start again without `cursor`"
                .into(),
        ));
    }
    Ok(SortKey { time_ms, id: id.to_string() })
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
        let key = SortKey { time_ms: 1_700_000_000_123, id: "shoptima:belment:A\n1".into() };
        let cursor = encode(OrderSort::UpdatedAsc, &key, 42);
        assert_eq!(decode(&cursor, OrderSort::UpdatedAsc, 42).unwrap(), key);
        assert!(decode(&cursor, OrderSort::CreatedDesc, 42).is_err());
        assert!(decode(&cursor, OrderSort::UpdatedAsc, 43).is_err());
        assert!(decode("zz", OrderSort::UpdatedAsc, 42).is_err());
        assert!(decode(&cursor[2..], OrderSort::UpdatedAsc, 42).is_err());
        assert_ne!(fingerprint(&[("shop", "a")]), fingerprint(&[("sho", "pa")]));
    }
}
