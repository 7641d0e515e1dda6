//! Buyer data as a reader without the right to see it gets it: names,
//! phones, emails and street addresses masked, the platform payload
//! withheld. The API masks for keys without the `pii` scope, and the change
//! feed's sinks for brokers not marked `pii`.

use serde_json::Value;

/// What stands in for the platform payload when the caller may not see PII:
/// payloads carry buyer data in platform-specific places, so none is shown.
pub const RAW_WITHHELD: &str = "withheld: the platform payload holds buyer data; it needs a key with the pii scope";

/// Masks a canonical order's JSON text for a caller without the `pii`
/// scope: buyer and receiver name, phone, email and street address are
/// masked; the raw payload is withheld. Country, province and city stay
/// (operations need them, and they identify nobody).
///
/// Only the two parties are read into trees; every other field is copied as
/// the text it is, in its order, and the payload (most of a document's
/// bytes) is skipped over, never read into a tree.
pub fn mask_document(json: &str) -> Result<String, serde_json::Error> {
    let fields: TopLevelFields<'_> = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len().min(4096));
    out.push('{');
    for (index, (name, value)) in fields.0.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(name)?);
        out.push(':');
        match name.as_str() {
            "customer" | "shipping_address" => {
                let mut party: Value = serde_json::from_str(value.get())?;
                mask_party(&mut party);
                out.push_str(&serde_json::to_string(&party)?);
            }
            "raw" => out.push_str(&serde_json::to_string(RAW_WITHHELD)?),
            _ => out.push_str(value.get()),
        }
    }
    out.push('}');
    Ok(out)
}

/// A JSON object's fields in their order, each value as its text.
struct TopLevelFields<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'de> serde::Deserialize<'de> for TopLevelFields<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = TopLevelFields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(32);
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(TopLevelFields(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// Masks the `customer` and `shipping_address` values of changes (events).
pub fn mask_changes(changes: &mut Value) {
    let Some(list) = changes.as_array_mut() else { return };
    for change in list {
        let field = change.get("field").and_then(Value::as_str).unwrap_or_default();
        if field == "customer" || field == "shipping_address" {
            for side in ["from", "to"] {
                if let Some(value) = change.get_mut(side) {
                    mask_party(value);
                }
            }
        }
    }
}

pub fn mask_party(party: &mut Value) {
    let Some(fields) = party.as_object_mut() else { return };
    for (name, value) in fields.iter_mut() {
        let Value::String(text) = value else { continue };
        let masked = match name.as_str() {
            "phone" => mask_phone(text),
            "email" => mask_email(text),
            "name" | "address1" | "address2" | "postal_code" | "company" => mask_text(text),
            _ => continue,
        };
        *value = Value::String(masked);
    }
}

/// `13812345678` → `138****5678`; short numbers are masked whole.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let (head, tail) = (&chars[..3], &chars[chars.len() - 4..]);
    format!("{}{}{}", head.iter().collect::<String>(), "*".repeat(chars.len() - 7), tail.iter().collect::<String>())
}

/// `jane.doe@example.com` → `j***@example.com`.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => mask_text(email),
    }
}

/// The first character and `***`: `张三` → `张***`.
fn mask_text(text: &str) -> String {
    match text.chars().next() {
        Some(first) => format!("{first}***"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_what_identifies_a_buyer() {
        let order = json!({
            "customer": {"id": "9", "name": "张三", "email": "jane.doe@example.com", "phone": "13812345678"},
            "shipping_address": {"name": "Jane", "phone": "+1 408 555 0100", "city": "San Jose",
                                 "address1": "1 Main St", "postal_code": "95131", "country_code": "US"},
            "raw": {"buyer_phone": "13812345678"}
        });
        let order: Value = serde_json::from_str(&mask_document(&order.to_string()).unwrap()).unwrap();
        assert_eq!(order["customer"]["name"], "张***");
        assert_eq!(order["customer"]["email"], "j***@example.com");
        assert_eq!(order["customer"]["phone"], "138****5678");
        assert_eq!(order["customer"]["id"], "9");
        assert_eq!(order["shipping_address"]["phone"], "+1 ********0100");
        assert_eq!(order["shipping_address"]["address1"], "1***");
        assert_eq!(order["shipping_address"]["city"], "San Jose");
        assert_eq!(order["raw"], RAW_WITHHELD);
        assert!(!order.to_string().contains("13812345678"), "{order}");
    }
}
