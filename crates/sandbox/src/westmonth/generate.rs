//! A deterministic generator of Westmonth orders.

use super::order::{WestmonthSimOrder, WestmonthSku};
use crate::Rng;

const SKUS: &[(&str, i64)] = &[
    ("cbsft114yy02-一盒12pcs", 500),
    ("wm-tea-250g-gift", 12_800),
    ("wm-cup-500ml-blue", 4_500),
    ("wm-towel-3pcs", 2_990),
    ("wm-socks-5pairs-M", 1_990),
];
const DEPOTS: &[(i64, &str, i64, &str)] =
    &[(5, "中国仓", 5, "中国"), (7, "美西仓", 9, "美国"), (8, "德国仓", 11, "德国")];
const CARRIERS: &[(i64, &str, &str)] = &[(1, "顺丰速运", "SF"), (2, "中通快递", "ZTO"), (6, "DHL", "DHL")];

/// Makes order `index`: placed within `span` seconds before `anchor`, nothing after `anchor`.
pub fn generate(seed: u64, anchor: i64, span: i64, index: u64) -> WestmonthSimOrder {
    let mut rng = Rng::fork(seed ^ 0x5745_5354, index);
    let created_at = anchor - rng.range(60, span.max(61));
    let roll = rng.range(0, 100);
    let status = match roll {
        0..15 => "unpaid",
        15..45 => "paid",
        45..75 => "shipped",
        75..92 => "completed",
        _ => "cancelled",
    };
    let paid = matches!(status, "paid" | "shipped" | "completed");
    // Unpaid orders often carry the time the buyer opened the payment, as in the example.
    let pay_time = (paid || rng.percent(50)).then(|| (created_at + rng.range(4, 900)).min(anchor));
    let shipped = matches!(status, "shipped" | "completed");
    let ship_time = shipped.then(|| (pay_time.unwrap_or(created_at) + rng.range(3600, 3 * 86_400)).min(anchor));
    let done_time =
        (status == "completed").then(|| (ship_time.unwrap_or(created_at) + rng.range(86_400, 6 * 86_400)).min(anchor));
    let cancel_time = (status == "cancelled").then(|| (created_at + rng.range(600, 2 * 86_400)).min(anchor));
    let updated_at = [Some(created_at), pay_time.filter(|_| paid), ship_time, done_time, cancel_time]
        .into_iter()
        .flatten()
        .max()
        .unwrap();
    let lines = 1 + (rng.range(0, 100) / 75) as usize;
    let (depot_id, depot_name, region_id, region_name) = *rng.pick(DEPOTS);
    let skus = (0..lines)
        .map(|_| {
            let (sku, price) = *rng.pick(SKUS);
            WestmonthSku {
                product_sku: sku.into(),
                depot_id,
                depot_name: depot_name.into(),
                region_id,
                region_name: region_name.into(),
                price_fen: price,
                quantity: if rng.percent(75) { 1 } else { rng.range(2, 6) },
            }
        })
        .collect();
    let carrier = *rng.pick(CARRIERS);
    // A Chinese supplier: its numbers carry the day in China (the document's
    // aOP250507… was placed at 2025-05-07 16:13:53, China time).
    let date = crate::calendar_date(created_at, "Asia/Shanghai");
    let mut order = WestmonthSimOrder {
        id: 1_841_982 + index as i64,
        number: format!("aOP{}{:07}", &date[2..], index),
        customer_id: rng.range(100, 2000),
        status: status.into(),
        pay_status: if paid {
            1
        } else if pay_time.is_some() && rng.percent(30) {
            2
        } else {
            0
        },
        freight_fen: *rng.pick(&[0, 1000, 4000]),
        discount_fen: 0,
        skus,
        currency: if depot_id == 5 { "CNY".into() } else { "USD".into() },
        trade_platforms: if paid { rng.range(1, 5) } else { 0 },
        seller_order_no: format!("57672260{:010}", rng.range(0, 9_999_999_999)),
        shipment_no: if shipped {
            format!("{}{:012}", carrier.2, rng.range(0, 999_999_999_999))
        } else {
            String::new()
        },
        logistics: shipped.then(|| (carrier.0, carrier.1.to_string(), carrier.2.to_string())),
        created_at,
        updated_at,
        pay_time,
        verbatim: None,
    };
    if rng.percent(15) {
        order.discount_fen = order.product_fen() / 10;
    }
    order
}
