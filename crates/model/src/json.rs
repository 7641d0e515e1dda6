//! [`write_json`]: an order's JSON, written by hand, byte for byte what
//! serde_json writes for it.
//!
//! Why by hand: the store writes the JSON of every order a sync reads (its
//! stored document), and through serde each of the document's hundred-odd
//! keys and strings went through serde_json's escaping loop, byte by byte,
//! its amounts and times through `fmt` into a string first: 32,000
//! instructions for a Damaijia order, a twelfth of the sync's.
//! Here the keys are written as
//! they are (they never need escaping), strings are copied whole unless a
//! byte needs escaping, and amounts and times are formatted in place.
//!
//! serde_json's writing stays the contract (the API emits it): a property
//! test holds this writer to it for arbitrary orders, and adding a field to
//! [`Order`] without writing it here fails that test.

use crate::{Address, Customer, LineItem, Order, OrderLink, PlatformStatus, Shipment};
use jiff::Timestamp;
use rust_decimal::Decimal;
use std::io::Write;

/// Appends `order`'s JSON to `out`: exactly `serde_json::to_vec(order)`.
pub fn write_json(order: &Order, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"id\":");
    string(out, &order.id);
    out.extend_from_slice(b",\"platform\":\"");
    out.extend_from_slice(order.platform.as_str().as_bytes());
    out.extend_from_slice(b"\",\"shop\":");
    string(out, &order.shop);
    out.extend_from_slice(b",\"order_number\":");
    string(out, &order.order_number);
    out.extend_from_slice(b",\"platform_order_id\":");
    optional(out, &order.platform_order_id);
    out.extend_from_slice(b",\"status\":\"");
    out.extend_from_slice(order.status.as_str().as_bytes());
    out.extend_from_slice(b"\",\"payment_status\":\"");
    out.extend_from_slice(order.payment_status.as_str().as_bytes());
    out.extend_from_slice(b"\",\"fulfillment_status\":\"");
    out.extend_from_slice(order.fulfillment_status.as_str().as_bytes());
    out.extend_from_slice(b"\",\"refund_status\":\"");
    out.extend_from_slice(order.refund_status.as_str().as_bytes());
    out.extend_from_slice(b"\",\"platform_status\":");
    platform_status(out, &order.platform_status);
    out.extend_from_slice(b",\"currency\":");
    optional(out, &order.currency);
    out.extend_from_slice(b",\"subtotal\":");
    amount(out, &order.subtotal);
    out.extend_from_slice(b",\"shipping\":");
    amount(out, &order.shipping);
    out.extend_from_slice(b",\"discount\":");
    amount(out, &order.discount);
    out.extend_from_slice(b",\"total\":");
    amount(out, &order.total);
    out.extend_from_slice(b",\"paid\":");
    amount(out, &order.paid);
    out.extend_from_slice(b",\"created_at\":");
    time(out, order.created_at);
    out.extend_from_slice(b",\"updated_at\":");
    time(out, order.updated_at);
    out.extend_from_slice(b",\"paid_at\":");
    time(out, order.paid_at);
    out.extend_from_slice(b",\"shipped_at\":");
    time(out, order.shipped_at);
    out.extend_from_slice(b",\"cancelled_at\":");
    time(out, order.cancelled_at);
    out.extend_from_slice(b",\"completed_at\":");
    time(out, order.completed_at);
    out.extend_from_slice(b",\"ship_by\":");
    time(out, order.ship_by);
    out.extend_from_slice(b",\"customer\":");
    customer(out, &order.customer);
    out.extend_from_slice(b",\"shipping_address\":");
    address(out, &order.shipping_address);
    out.extend_from_slice(b",\"items\":");
    array(out, &order.items, line_item);
    out.extend_from_slice(b",\"shipments\":");
    array(out, &order.shipments, shipment);
    out.extend_from_slice(b",\"role\":");
    string(out, order.role.as_str());
    out.extend_from_slice(b",\"links\":");
    array(out, &order.links, link);
    out.extend_from_slice(b",\"raw\":");
    out.extend_from_slice(order.raw.get().as_bytes());
    out.push(b'}');
}

/// `values` as a JSON array, each written by `write`.
fn array<T>(out: &mut Vec<u8>, values: &[T], write: fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, value);
    }
    out.push(b']');
}

fn platform_status(out: &mut Vec<u8>, status: &PlatformStatus) {
    out.extend_from_slice(b"{\"code\":");
    string(out, &status.code);
    out.extend_from_slice(b",\"label\":");
    string(out, &status.label);
    out.push(b'}');
}

fn customer(out: &mut Vec<u8>, customer: &Customer) {
    out.extend_from_slice(b"{\"id\":");
    optional(out, &customer.id);
    out.extend_from_slice(b",\"name\":");
    optional(out, &customer.name);
    out.extend_from_slice(b",\"email\":");
    optional(out, &customer.email);
    out.extend_from_slice(b",\"phone\":");
    optional(out, &customer.phone);
    out.push(b'}');
}

fn address(out: &mut Vec<u8>, address: &Address) {
    out.extend_from_slice(b"{\"name\":");
    optional(out, &address.name);
    out.extend_from_slice(b",\"phone\":");
    optional(out, &address.phone);
    out.extend_from_slice(b",\"company\":");
    optional(out, &address.company);
    out.extend_from_slice(b",\"country_code\":");
    optional(out, &address.country_code);
    out.extend_from_slice(b",\"province\":");
    optional(out, &address.province);
    out.extend_from_slice(b",\"city\":");
    optional(out, &address.city);
    out.extend_from_slice(b",\"district\":");
    optional(out, &address.district);
    out.extend_from_slice(b",\"address1\":");
    optional(out, &address.address1);
    out.extend_from_slice(b",\"address2\":");
    optional(out, &address.address2);
    out.extend_from_slice(b",\"postal_code\":");
    optional(out, &address.postal_code);
    out.push(b'}');
}

fn line_item(out: &mut Vec<u8>, item: &LineItem) {
    out.extend_from_slice(b"{\"line_id\":");
    string(out, &item.line_id);
    out.extend_from_slice(b",\"sku\":");
    optional(out, &item.sku);
    out.extend_from_slice(b",\"product_id\":");
    optional(out, &item.product_id);
    out.extend_from_slice(b",\"sku_id\":");
    optional(out, &item.sku_id);
    out.extend_from_slice(b",\"title\":");
    optional(out, &item.title);
    out.extend_from_slice(b",\"variant\":");
    optional(out, &item.variant);
    out.extend_from_slice(b",\"quantity\":");
    write!(out, "{}", item.quantity).expect("a Vec takes any write");
    out.extend_from_slice(b",\"unit_price\":");
    amount(out, &item.unit_price);
    out.extend_from_slice(b",\"total\":");
    amount(out, &item.total);
    out.extend_from_slice(b",\"image_url\":");
    optional(out, &item.image_url);
    out.push(b'}');
}

fn shipment(out: &mut Vec<u8>, shipment: &Shipment) {
    out.extend_from_slice(b"{\"tracking_number\":");
    string(out, &shipment.tracking_number);
    out.extend_from_slice(b",\"carrier_code\":");
    optional(out, &shipment.carrier_code);
    out.extend_from_slice(b",\"carrier_name\":");
    optional(out, &shipment.carrier_name);
    out.extend_from_slice(b",\"shipped_at\":");
    time(out, shipment.shipped_at);
    out.push(b'}');
}

fn link(out: &mut Vec<u8>, link: &OrderLink) {
    out.extend_from_slice(b"{\"relation\":");
    string(out, link.relation.as_str());
    out.extend_from_slice(b",\"order_number\":");
    string(out, &link.order_number);
    out.extend_from_slice(b",\"order_id\":");
    optional(out, &link.order_id);
    out.push(b'}');
}

fn optional(out: &mut Vec<u8>, text: &Option<String>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// An amount as rust_decimal serialises it: its exact decimal text, quoted.
fn amount(out: &mut Vec<u8>, amount: &Decimal) {
    write!(out, "\"{amount}\"").expect("a Vec takes any write");
}

/// A time as jiff serialises it (RFC 3339, UTC), quoted, or `null`.
fn time(out: &mut Vec<u8>, time: Option<Timestamp>) {
    match time {
        Some(time) => write!(out, "\"{time}\"").expect("a Vec takes any write"),
        None => out.extend_from_slice(b"null"),
    }
}

/// What serde_json writes for each byte of a string: 0 for the byte itself,
/// else the letter after its backslash (`u` for `\u00XX`).
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// A string as serde_json writes it: quoted, `"` and `\` and the control
/// characters escaped (`\u00XX` in lower-case hex where there is no short
/// form), everything else as it is.
fn string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape = ESCAPE[byte as usize];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..at]);
        out.push(b'\\');
        out.push(escape);
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]]);
        }
        start = at + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        FulfillmentStatus, LinkRelation, OrderStatus, PaymentStatus, Platform, RawPayload, RefundStatus, Role,
    };
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        // Every kind of character: control characters, quotes and
        // backslashes, DEL, accents, CJK, emoji.
        prop::collection::vec(
            prop_oneof![
                (0u32..0x80).prop_map(|c| char::from_u32(c).unwrap()),
                Just('周'),
                Just('é'),
                Just('\u{1F600}'),
                Just('\u{2028}'),
                any::<char>(),
            ],
            0..12,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn optional_text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(text())
    }

    fn amount() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u32..=28).prop_map(|(mantissa, scale)| Decimal::new(mantissa, scale))
    }

    fn time() -> impl Strategy<Value = Option<Timestamp>> {
        // From 1970 to 2100, with and without fractions of a second.
        prop::option::of(
            (0i64..4_102_444_800, prop_oneof![Just(0i32), 0i32..1_000_000_000])
                .prop_map(|(seconds, nanos)| Timestamp::new(seconds, nanos).unwrap()),
        )
    }

    fn line_item() -> impl Strategy<Value = LineItem> {
        (
            text(),
            [optional_text(), optional_text(), optional_text(), optional_text(), optional_text(), optional_text()],
            any::<u32>(),
            amount(),
            amount(),
        )
            .prop_map(
                |(line_id, [sku, product_id, sku_id, title, variant, image_url], quantity, unit_price, total)| {
                    LineItem {
                        line_id,
                        sku,
                        product_id,
                        sku_id,
                        title,
                        variant,
                        quantity,
                        unit_price,
                        total,
                        image_url,
                    }
                },
            )
    }

    fn shipment() -> impl Strategy<Value = Shipment> {
        (text(), optional_text(), optional_text(), time()).prop_map(
            |(tracking_number, carrier_code, carrier_name, shipped_at)| Shipment {
                tracking_number,
                carrier_code,
                carrier_name,
                shipped_at,
            },
        )
    }

    fn raw() -> impl Strategy<Value = RawPayload> {
        prop_oneof![
            Just(r#"{"order_num":"X","price":6.00,"big":123456789012345678901234567890}"#.to_string()),
            text()
                .prop_map(|t| serde_json::to_string(&serde_json::json!({"note": t, "list": [1, null, true]})).unwrap()),
            Just("null".to_string()),
        ]
        .prop_map(|json| serde_json::from_str(&json).unwrap())
    }

    fn order() -> impl Strategy<Value = Order> {
        let platform = prop::sample::select(
            ["westmonth", "wshoto", "vanmall", "shoptima", "damaijia"].map(Platform::new).to_vec(),
        );
        let statuses = (
            prop::sample::select(OrderStatus::ALL),
            prop::sample::select(PaymentStatus::ALL),
            prop::sample::select(FulfillmentStatus::ALL),
            prop::sample::select(RefundStatus::ALL),
        );
        let texts = (text(), text(), text(), optional_text(), text(), text(), optional_text());
        let amounts = [amount(), amount(), amount(), amount(), amount()];
        let times = [time(), time(), time(), time(), time(), time(), time()];
        let customer = [optional_text(), optional_text(), optional_text(), optional_text()];
        let address = [
            optional_text(),
            optional_text(),
            optional_text(),
            optional_text(),
            optional_text(),
            optional_text(),
            optional_text(),
            optional_text(),
            optional_text(),
            optional_text(),
        ];
        let lines = (
            prop::collection::vec(line_item(), 0..3),
            prop::collection::vec(shipment(), 0..3),
            raw(),
            prop::sample::select(vec![Role::Sale, Role::Purchase]),
            prop::collection::vec(link(), 0..3),
        );
        (platform, statuses, texts, amounts, times, customer, address, lines).prop_map(
            |(platform, statuses, texts, amounts, times, customer, address, lines)| {
                let (status, payment_status, fulfillment_status, refund_status) = statuses;
                let (id, shop, order_number, platform_order_id, code, label, currency) = texts;
                let [subtotal, shipping, discount, total, paid] = amounts;
                let [created_at, updated_at, paid_at, shipped_at, cancelled_at, completed_at, ship_by] = times;
                let [customer_id, name, email, phone] = customer;
                let [a_name, a_phone, company, country_code, province, city, district, address1, address2, postal_code] =
                    address;
                let (items, shipments, raw, role, links) = lines;
                Order {
                    id,
                    platform,
                    shop,
                    order_number,
                    platform_order_id,
                    status,
                    payment_status,
                    fulfillment_status,
                    refund_status,
                    platform_status: PlatformStatus { code, label },
                    currency,
                    subtotal,
                    shipping,
                    discount,
                    total,
                    paid,
                    created_at,
                    updated_at,
                    paid_at,
                    shipped_at,
                    cancelled_at,
                    completed_at,
                    ship_by,
                    customer: Customer { id: customer_id, name, email, phone },
                    shipping_address: Address {
                        name: a_name,
                        phone: a_phone,
                        company,
                        country_code,
                        province,
                        city,
                        district,
                        address1,
                        address2,
                        postal_code,
                    },
                    items,
                    shipments,
                    role,
                    links,
                    raw,
                }
            },
        )
    }

    fn link() -> impl Strategy<Value = OrderLink> {
        (prop::sample::select(vec![LinkRelation::Fulfils, LinkRelation::FulfilledBy]), text(), optional_text())
            .prop_map(|(relation, order_number, order_id)| OrderLink { relation, order_number, order_id })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn an_order_is_written_as_serde_json_writes_it(order in order()) {
            let mut written = Vec::new();
            write_json(&order, &mut written);
            let serde = serde_json::to_vec(&order).unwrap();
            prop_assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(serde).unwrap());
        }
    }

    #[test]
    fn every_character_below_0x80_is_written_as_serde_json_writes_it() {
        for c in 0u8..0x80 {
            let text = format!("a{}b{}", c as char, c as char);
            let mut written = Vec::new();
            string(&mut written, &text);
            assert_eq!(written, serde_json::to_vec(&text).unwrap(), "character {c:#04x}");
        }
    }
}
