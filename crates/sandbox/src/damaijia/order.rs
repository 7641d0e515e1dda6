//! The simulator's record of a Douyin shop order as Damaijia relays it, and its
//! JSON: built on the document's own example order as a template, so every
//! field name and JSON type is the document's; the fields that vary are
//! overwritten. Amounts are integer fen; times unix seconds, `0` for "not yet".

use crate::template::{Fill, JsonTemplate};
use serde_json::{Number, Value, json};
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
    let text = id.to_string();
    let kept: String = text.chars().take(16).collect();
    let lossy = format!("{kept}{}", "0".repeat(text.len().saturating_sub(16)));
    Value::Number(lossy.parse::<Number>().expect("digits are a number"))
}

impl DamaijiaSimOrder {
    pub fn sum_fen(&self) -> i64 {
        self.skus.iter().map(|s| s.origin_amount * s.item_num).sum()
    }

    /// 订单金额: goods + freight − promotions.
    pub fn order_amount(&self) -> i64 {
        self.sum_fen() + self.post_amount - self.promotion_amount
    }

    fn post_addr(&self) -> Value {
        let (province, city, town, street) = &self.region;
        json!({
            "city": {"id": "330100", "name": city},
            "detail": "",
            "encrypt_detail": self.encrypted_detail,
            "province": {"id": "33", "name": province},
            "street": {"id": "330106006", "name": street},
            "town": {"id": "330106", "name": town},
        })
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
        let logistics: Vec<Value> = match &self.logistics {
            None => vec![],
            Some((tracking, company, name)) => vec![json!({
                "tracking_no": tracking,
                "company": company,
                "ship_time": self.ship_time,
                "delivery_id": format!("{company}_{tracking}"),
                "company_name": name,
                "product_info": self.skus.iter().map(|s| json!({
                    "price": s.origin_amount,
                    "outer_sku_id": s.out_sku_id,
                    "sku_id": s.sku_id,
                    "sku_specs": s.spec.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Value>(),
                    "product_id": lossy(s.product_id),
                    "sku_order_id": s.sku_order_id,
                })).collect::<Value>(),
            })],
        };
        let mut skus = Vec::with_capacity(4 * 1024 * self.skus.len());
        skus.push(b'[');
        for (i, s) in self.skus.iter().enumerate() {
            if i > 0 {
                skus.push(b',');
            }
            let amount = s.origin_amount * s.item_num;
            let after_sale = json!({
                "after_sale_status": if s.refund_status == 3 { 12 } else if s.refund_status > 0 { 6 } else { 0 },
                "after_sale_type": if s.refund_status > 0 { 2 } else { 0 },
                "refund_status": s.refund_status,
            });
            let fills: [Fill; SKU_SLOTS.len()] = [
                after_sale.into(),
                json!(s.sku_order_id).into(),
                json!(self.order_id).into(),
                json!(self.order_status).into(),
                json!(status_desc(self.order_status)).into(),
                json!(self.main_status).into(),
                json!(main_status_desc(self.main_status)).into(),
                json!(self.create_time).into(),
                json!(self.update_time).into(),
                json!(self.pay_time).into(),
                json!(self.ship_time).into(),
                json!(self.finish_time).into(),
                json!(s.item_num).into(),
                json!(s.origin_amount).into(),
                json!(amount).into(),
                json!(amount).into(),
                json!(amount).into(),
                lossy(s.product_id).into(),
                json!(s.product_id.to_string()).into(),
                json!(s.sku_id).into(),
                json!(s.product_name).into(),
                json!(s.product_pic).into(),
                json!(s.out_sku_id).into(),
                s.spec.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Value>().into(),
                self.post_addr().into(),
                json!(self.encrypted_receiver).into(),
                json!(self.encrypted_tel).into(),
            ];
            sku_template.write(&mut skus, &fills);
        }
        skus.push(b']');
        let fills: [Fill; SHOP_SLOTS.len()] = [
            json!(self.order_id).into(),
            json!(self.order_status).into(),
            json!(status_desc(self.order_status)).into(),
            json!(self.main_status).into(),
            json!(main_status_desc(self.main_status)).into(),
            json!(self.create_time).into(),
            json!(self.update_time).into(),
            json!(self.pay_time).into(),
            json!(self.ship_time).into(),
            json!(self.finish_time).into(),
            json!(self.create_time + 2 * 86_400).into(),
            json!(self.order_amount()).into(),
            json!(self.order_amount()).into(),
            json!(self.post_amount).into(),
            json!(self.promotion_amount).into(),
            json!(self.promotion_amount).into(),
            json!(self.promotion_amount).into(),
            Value::Array(logistics).into(),
            self.post_addr().into(),
            json!(self.encrypted_receiver).into(),
            json!(self.encrypted_tel).into(),
            json!(if self.pay_time > 0 { format!("2021{}", self.pay_time) } else { String::new() }).into(),
            Fill::Raw(skus),
        ];
        shop_template.write(out, &fills);
    }
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

#[cfg(test)]
mod tests {
    use super::lossy;

    #[test]
    fn product_ids_lose_digits_like_the_example() {
        assert_eq!(lossy(3_489_373_605_366_769_084).to_string(), "3489373605366769000");
        assert_eq!(lossy(1234).to_string(), "1234");
    }
}
