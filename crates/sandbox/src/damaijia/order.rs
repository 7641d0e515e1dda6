//! The simulator's record of a Douyin shop order as Damaijia relays it, and its
//! JSON: built on the document's own example order as a template, so every
//! field name and JSON type is the document's; the fields that vary are
//! overwritten. Amounts are integer fen; times unix seconds, `0` for "not yet".

use crate::template::{Fill, JsonTemplate, write_int, write_str};
use serde_json::{Number, Value};
use std::sync::LazyLock;

/// The document's example answer, verbatim.
const EXAMPLE: &str = include_str!("../../../../fixtures/damaijia/search-success.json");

static TEMPLATES: LazyLock<(JsonTemplate, JsonTemplate)> = LazyLock::new(|| {
    let example: Value = serde_json::from_str(EXAMPLE).expect("the document's example is JSON");
    let shop_order = &example["data"]["shop_order_list"][0];
    let sku_order = &shop_order["sku_order_list"][0];
    (JsonTemplate::new(shop_order, &SHOP_SLOTS), JsonTemplate::new(sku_order, &SKU_SLOTS))
});

/// One sku order (商品单): a line of a shop order.
#[derive(Debug, Clone, Default)]
pub struct DamaijiaSku {
    pub sku_order_id: String,
    pub product_id: u64,
    pub sku_id: u64,
    pub product_name: crate::Text,
    pub product_pic: String,
    pub spec: Vec<(crate::Text, crate::Text)>,
    pub out_sku_id: String,
    pub item_num: i64,
    /// 商品现价, fen.
    pub origin_amount: i64,
    /// after_sale_info.refund_status: 0 none … 3 refunded.
    pub refund_status: i64,
}

/// One shop order (店铺单).
#[derive(Debug, Clone, Default)]
pub struct DamaijiaSimOrder {
    pub order_id: String,
    /// 1 待支付, 105 已支付, 2 备货中, 3 已发货, 4 已关闭, 5 已完成.
    pub order_status: i64,
    /// 主流程状态; 21 发货前退款完成 for orders refunded before shipping.
    pub main_status: i64,
    pub create_time: i64,
    pub update_time: i64,
    pub pay_time: i64,
    pub ship_time: i64,
    pub finish_time: i64,
    pub post_amount: i64,
    pub promotion_amount: i64,
    pub skus: Vec<DamaijiaSku>,
    /// (tracking_no, company, company_name)
    pub logistics: Option<(String, crate::Text, crate::Text)>,
    /// (province, city, town, street) names.
    pub region: (crate::Text, crate::Text, crate::Text, crate::Text),
    pub encrypted_receiver: String,
    pub encrypted_tel: String,
    pub encrypted_detail: String,
    /// The document's example order as it is, served instead of the fields
    /// above (the `examples` data set only; see [`crate::Verbatim`]).
    pub verbatim: crate::Verbatim,
}

fn status_desc(status: i64) -> &'static str {
    match status {
        1 => "待支付",
        105 => "已支付",
        2 => "备货中",
        101 => "部分发货",
        3 => "已发货",
        4 => "已关闭",
        5 => "已完成",
        _ => "未知",
    }
}

fn main_status_desc(status: i64) -> &'static str {
    match status {
        21 => "发货前退款完成",
        103 => "部分支付",
        other => status_desc(other),
    }
}

/// A u64 as the platform's lossy `product_id`: the nearest double, printed the
/// way JavaScript prints it (16 significant digits, then zeros), as the example's
/// 3489373605366769000 for 3489373605366769084.
pub fn lossy(id: u64) -> Value {
    Value::Number(lossy_text(id).parse::<Number>().expect("digits are a number"))
}

/// [`lossy`]'s JSON text.
fn lossy_text(id: u64) -> String {
    let text = id.to_string();
    let kept = &text[..text.len().min(16)];
    format!("{kept}{}", "0".repeat(text.len().saturating_sub(16)))
}

impl DamaijiaSimOrder {
    pub fn sum_fen(&self) -> i64 {
        self.skus.iter().map(|s| s.origin_amount * s.item_num).sum()
    }

    /// 订单金额: goods + freight − promotions.
    pub fn order_amount(&self) -> i64 {
        self.sum_fen() + self.post_amount - self.promotion_amount
    }

    /// `post_addr`, as JSON text.
    fn write_post_addr(&self, out: &mut Vec<u8>) {
        let (province, city, town, street) = &self.region;
        out.extend_from_slice(br#"{"city":{"id":"330100","name":"#);
        write_str(out, city);
        out.extend_from_slice(br#"},"detail":"","encrypt_detail":"#);
        write_str(out, &self.encrypted_detail);
        out.extend_from_slice(br#","province":{"id":"33","name":"#);
        write_str(out, province);
        out.extend_from_slice(br#"},"street":{"id":"330106006","name":"#);
        write_str(out, street);
        out.extend_from_slice(br#"},"town":{"id":"330106","name":"#);
        write_str(out, town);
        out.extend_from_slice(b"}}");
    }

    /// `logistics_info`, as JSON text: one parcel with every sku in it, or none.
    fn write_logistics(&self, out: &mut Vec<u8>) {
        let Some((tracking, company, name)) = &self.logistics else {
            out.extend_from_slice(b"[]");
            return;
        };
        out.extend_from_slice(br#"[{"tracking_no":"#);
        write_str(out, tracking);
        out.extend_from_slice(br#","company":"#);
        write_str(out, company);
        out.extend_from_slice(br#","ship_time":"#);
        write_int(out, self.ship_time);
        out.extend_from_slice(br#","delivery_id":"#);
        write_str(out, &format!("{company}_{tracking}"));
        out.extend_from_slice(br#","company_name":"#);
        write_str(out, name);
        out.extend_from_slice(br#","product_info":["#);
        for (i, s) in self.skus.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"price":"#);
            write_int(out, s.origin_amount);
            out.extend_from_slice(br#","outer_sku_id":"#);
            write_str(out, &s.out_sku_id);
            out.extend_from_slice(br#","sku_id":"#);
            out.extend_from_slice(s.sku_id.to_string().as_bytes());
            out.extend_from_slice(br#","sku_specs":"#);
            write_specs(out, &s.spec);
            out.extend_from_slice(br#","product_id":"#);
            out.extend_from_slice(lossy_text(s.product_id).as_bytes());
            out.extend_from_slice(br#","sku_order_id":"#);
            write_str(out, &s.sku_order_id);
            out.push(b'}');
        }
        out.extend_from_slice(b"]}]");
    }

    /// The shop order as `shop_order_list[]` shows it.
    pub fn to_json(&self) -> Value {
        let mut text = Vec::with_capacity(8 * 1024);
        self.write_json(&mut text);
        serde_json::from_slice(&text).expect("the simulator writes JSON")
    }

    /// Writes the shop order as `shop_order_list[]` shows it: the document's
    /// example with this order's values in place (see [`crate::template`]).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        if let Some(example) = &self.verbatim {
            serde_json::to_writer(out, &**example).expect("a Value serialises");
            return;
        }
        let (shop_template, sku_template) = &*TEMPLATES;
        let mut post_addr = Vec::with_capacity(256);
        self.write_post_addr(&mut post_addr);
        let mut logistics = Vec::new();
        self.write_logistics(&mut logistics);
        let mut skus = Vec::with_capacity(4 * 1024 * self.skus.len());
        skus.push(b'[');
        for (i, s) in self.skus.iter().enumerate() {
            if i > 0 {
                skus.push(b',');
            }
            let amount = s.origin_amount * s.item_num;
            let after_sale_status = if s.refund_status == 3 {
                12
            } else if s.refund_status > 0 {
                6
            } else {
                0
            };
            let after_sale_type = if s.refund_status > 0 { 2 } else { 0 };
            let after_sale = format!(
                r#"{{"after_sale_status":{after_sale_status},"after_sale_type":{after_sale_type},"refund_status":{}}}"#,
                s.refund_status
            );
            let (product_id_lossy, product_id) = (lossy_text(s.product_id), s.product_id.to_string());
            let sku_id = s.sku_id.to_string();
            let mut spec = Vec::new();
            write_specs(&mut spec, &s.spec);
            let fills: [Fill; SKU_SLOTS.len()] = [
                Fill::Raw(after_sale.as_bytes()),
                s.sku_order_id.as_str().into(),
                self.order_id.as_str().into(),
                self.order_status.into(),
                status_desc(self.order_status).into(),
                self.main_status.into(),
                main_status_desc(self.main_status).into(),
                self.create_time.into(),
                self.update_time.into(),
                self.pay_time.into(),
                self.ship_time.into(),
                self.finish_time.into(),
                s.item_num.into(),
                s.origin_amount.into(),
                amount.into(),
                amount.into(),
                amount.into(),
                Fill::Raw(product_id_lossy.as_bytes()),
                product_id.as_str().into(),
                Fill::Raw(sku_id.as_bytes()),
                Fill::Str(&s.product_name),
                s.product_pic.as_str().into(),
                s.out_sku_id.as_str().into(),
                Fill::Raw(&spec),
                Fill::Raw(&post_addr),
                self.encrypted_receiver.as_str().into(),
                self.encrypted_tel.as_str().into(),
            ];
            sku_template.write(&mut skus, &fills);
        }
        skus.push(b']');
        let channel_payment_no = if self.pay_time > 0 { format!("2021{}", self.pay_time) } else { String::new() };
        let fills: [Fill; SHOP_SLOTS.len()] = [
            self.order_id.as_str().into(),
            self.order_status.into(),
            status_desc(self.order_status).into(),
            self.main_status.into(),
            main_status_desc(self.main_status).into(),
            self.create_time.into(),
            self.update_time.into(),
            self.pay_time.into(),
            self.ship_time.into(),
            self.finish_time.into(),
            (self.create_time + 2 * 86_400).into(),
            self.order_amount().into(),
            self.order_amount().into(),
            self.post_amount.into(),
            self.promotion_amount.into(),
            self.promotion_amount.into(),
            self.promotion_amount.into(),
            Fill::Raw(&logistics),
            Fill::Raw(&post_addr),
            self.encrypted_receiver.as_str().into(),
            self.encrypted_tel.as_str().into(),
            channel_payment_no.as_str().into(),
            Fill::Raw(&skus),
        ];
        shop_template.write(out, &fills);
    }
}

/// `spec` / `sku_specs`: `[{"name":…,"value":…}]`.
fn write_specs(out: &mut Vec<u8>, spec: &[(crate::Text, crate::Text)]) {
    out.push(b'[');
    for (i, (name, value)) in spec.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"name":"#);
        write_str(out, name);
        out.extend_from_slice(br#","value":"#);
        write_str(out, value);
        out.push(b'}');
    }
    out.push(b']');
}

/// The shop order's fields filled per order, in the order of `write_json`'s values.
const SHOP_SLOTS: [&str; 23] = [
    "order_id",
    "order_status",
    "order_status_desc",
    "main_status",
    "main_status_desc",
    "create_time",
    "update_time",
    "pay_time",
    "ship_time",
    "finish_time",
    "exp_ship_time",
    "order_amount",
    "pay_amount",
    "post_amount",
    "promotion_amount",
    "promotion_shop_amount",
    "total_promotion_amount",
    "logistics_info",
    "post_addr",
    "encrypt_post_receiver",
    "encrypt_post_tel",
    "channel_payment_no",
    "sku_order_list",
];

/// The sku order's fields filled per order, in the order of `write_json`'s values.
const SKU_SLOTS: [&str; 27] = [
    "after_sale_info",
    "order_id",
    "parent_order_id",
    "order_status",
    "order_status_desc",
    "main_status",
    "main_status_desc",
    "create_time",
    "update_time",
    "pay_time",
    "ship_time",
    "finish_time",
    "item_num",
    "origin_amount",
    "sum_amount",
    "order_amount",
    "pay_amount",
    "product_id",
    "product_id_str",
    "sku_id",
    "product_name",
    "product_pic",
    "out_sku_id",
    "spec",
    "post_addr",
    "encrypt_post_receiver",
    "encrypt_post_tel",
];

impl crate::lifecycle::Lifecycle for DamaijiaSimOrder {
    fn number(&self) -> &str {
        &self.order_id
    }

    fn is_example(&self) -> bool {
        self.verbatim.is_some()
    }

    /// 待支付 → 备货中 → 已发货 → 已完成, stamping `update_time`.
    fn step(&mut self, now: i64, rng: &mut crate::Rng) -> bool {
        match self.order_status {
            1 => {
                self.order_status = 2;
                self.main_status = 2;
                self.pay_time = now;
            }
            105 | 2 => {
                self.order_status = 3;
                self.main_status = 3;
                self.ship_time = now;
                self.logistics = Some((format!("SF{now}{}", rng.range(100, 999)), "shunfeng".into(), "顺丰".into()));
            }
            3 => {
                self.order_status = 5;
                self.main_status = 5;
                self.finish_time = now;
            }
            _ => return false,
        }
        self.update_time = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The order as the example with its values put in, built the slow and
    /// plain way: the example's `Value`, its fields overwritten (key order is
    /// kept: serde_json preserves it here). `write_json` must give this text
    /// byte for byte.
    fn overwritten_example(o: &DamaijiaSimOrder) -> String {
        let example: Value = serde_json::from_str(EXAMPLE).unwrap();
        let mut shop = example["data"]["shop_order_list"][0].clone();
        let sku_example = shop["sku_order_list"][0].clone();
        let (province, city, town, street) = &o.region;
        let post_addr = json!({
            "city": {"id": "330100", "name": city},
            "detail": "",
            "encrypt_detail": o.encrypted_detail,
            "province": {"id": "33", "name": province},
            "street": {"id": "330106006", "name": street},
            "town": {"id": "330106", "name": town},
        });
        let specs = |s: &DamaijiaSku| s.spec.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Value>();
        let logistics: Vec<Value> = match &o.logistics {
            None => vec![],
            Some((tracking, company, name)) => vec![json!({
                "tracking_no": tracking,
                "company": company,
                "ship_time": o.ship_time,
                "delivery_id": format!("{company}_{tracking}"),
                "company_name": name,
                "product_info": o.skus.iter().map(|s| json!({
                    "price": s.origin_amount,
                    "outer_sku_id": s.out_sku_id,
                    "sku_id": s.sku_id,
                    "sku_specs": specs(s),
                    "product_id": lossy(s.product_id),
                    "sku_order_id": s.sku_order_id,
                })).collect::<Value>(),
            })],
        };
        let skus: Vec<Value> = o
            .skus
            .iter()
            .map(|s| {
                let mut sku = sku_example.clone();
                let amount = s.origin_amount * s.item_num;
                sku["after_sale_info"] = json!({
                    "after_sale_status": if s.refund_status == 3 { 12 } else if s.refund_status > 0 { 6 } else { 0 },
                    "after_sale_type": if s.refund_status > 0 { 2 } else { 0 },
                    "refund_status": s.refund_status,
                });
                for (key, value) in [
                    ("order_id", json!(s.sku_order_id)),
                    ("parent_order_id", json!(o.order_id)),
                    ("order_status", json!(o.order_status)),
                    ("order_status_desc", json!(status_desc(o.order_status))),
                    ("main_status", json!(o.main_status)),
                    ("main_status_desc", json!(main_status_desc(o.main_status))),
                    ("create_time", json!(o.create_time)),
                    ("update_time", json!(o.update_time)),
                    ("pay_time", json!(o.pay_time)),
                    ("ship_time", json!(o.ship_time)),
                    ("finish_time", json!(o.finish_time)),
                    ("item_num", json!(s.item_num)),
                    ("origin_amount", json!(s.origin_amount)),
                    ("sum_amount", json!(amount)),
                    ("order_amount", json!(amount)),
                    ("pay_amount", json!(amount)),
                    ("product_id", lossy(s.product_id)),
                    ("product_id_str", json!(s.product_id.to_string())),
                    ("sku_id", json!(s.sku_id)),
                    ("product_name", json!(s.product_name)),
                    ("product_pic", json!(s.product_pic)),
                    ("out_sku_id", json!(s.out_sku_id)),
                    ("spec", specs(s)),
                    ("post_addr", post_addr.clone()),
                    ("encrypt_post_receiver", json!(o.encrypted_receiver)),
                    ("encrypt_post_tel", json!(o.encrypted_tel)),
                ] {
                    sku[key] = value;
                }
                sku
            })
            .collect();
        let channel = if o.pay_time > 0 { format!("2021{}", o.pay_time) } else { String::new() };
        for (key, value) in [
            ("order_id", json!(o.order_id)),
            ("order_status", json!(o.order_status)),
            ("order_status_desc", json!(status_desc(o.order_status))),
            ("main_status", json!(o.main_status)),
            ("main_status_desc", json!(main_status_desc(o.main_status))),
            ("create_time", json!(o.create_time)),
            ("update_time", json!(o.update_time)),
            ("pay_time", json!(o.pay_time)),
            ("ship_time", json!(o.ship_time)),
            ("finish_time", json!(o.finish_time)),
            ("exp_ship_time", json!(o.create_time + 2 * 86_400)),
            ("order_amount", json!(o.order_amount())),
            ("pay_amount", json!(o.order_amount())),
            ("post_amount", json!(o.post_amount)),
            ("promotion_amount", json!(o.promotion_amount)),
            ("promotion_shop_amount", json!(o.promotion_amount)),
            ("total_promotion_amount", json!(o.promotion_amount)),
            ("logistics_info", Value::Array(logistics)),
            ("post_addr", post_addr.clone()),
            ("encrypt_post_receiver", json!(o.encrypted_receiver)),
            ("encrypt_post_tel", json!(o.encrypted_tel)),
            ("channel_payment_no", json!(channel)),
            ("sku_order_list", Value::Array(skus)),
        ] {
            shop[key] = value;
        }
        shop.to_string()
    }

    #[test]
    fn written_orders_are_the_example_with_their_values_put_in() {
        let (mut shipped, mut refunded, mut several_skus) = (0, 0, 0);
        for index in 0..300 {
            let mut order = super::super::generate::generate(7, 1_640_200_000, 30 * 86_400, index);
            // Text that JSON must escape, where the generator has none.
            if index % 50 == 0 {
                order.encrypted_detail = "a \"quoted\" \\ line\nbreak".into();
                order.skus[0].product_name = "tab\there".into();
            }
            shipped += usize::from(order.logistics.is_some());
            refunded += usize::from(order.skus.iter().any(|s| s.refund_status > 0));
            several_skus += usize::from(order.skus.len() > 1);
            let mut written = Vec::new();
            order.write_json(&mut written);
            assert_eq!(String::from_utf8(written).unwrap(), overwritten_example(&order), "order {index}");
        }
        assert!(shipped > 0 && refunded > 0 && several_skus > 0, "{shipped} {refunded} {several_skus}");
    }

    #[test]
    fn product_ids_lose_digits_like_the_example() {
        assert_eq!(lossy(3_489_373_605_366_769_084).to_string(), "3489373605366769000");
        assert_eq!(lossy(1234).to_string(), "1234");
    }
}
