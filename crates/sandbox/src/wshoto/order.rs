//! The simulator's record of a Wshoto mall order and its JSON as the document
//! shows it: money as JSON numbers with two decimals (`6.00`), times as unix
//! seconds, ids above 2^53 as JSON numbers, `null` for what is not set.

use serde_json::{Number, Value, json};

/// A line of `detail_list`.
#[derive(Debug, Clone, Default)]
pub struct WshotoLine {
    pub order_detail_id: u64,
    pub sku_id: u64,
    pub spu_id: u64,
    pub spec_desc: crate::Text,
    pub spu_no: crate::Text,
    pub sku_no: crate::Text,
    pub goods_name: crate::Text,
    pub goods_num: u32,
    pub thumbnail: String,
    pub goods_price_fen: i64,
    pub coupon_fen: Option<i64>,
    pub cid: crate::Text,
}

/// One order as the platform holds it.
#[derive(Debug, Clone, Default)]
pub struct WshotoSimOrder {
    pub order_code: String,
    pub user_id: String,
    pub customer_id: String,
    pub buyer_nick: Option<String>,
    /// 0 待付款, 1 待确认, 2 待发货, 3 待收货, 4 已完成, 5 已关闭.
    pub status: i64,
    pub pay_status: i64,
    pub coupon_fen: Option<i64>,
    pub freight_fen: i64,
    pub lines: Vec<WshotoLine>,
    pub express_no: Option<String>,
    pub express_name: Option<String>,
    pub create_time: i64,
    pub update_time: i64,
    pub finish_time: Option<i64>,
    pub pay_time: Option<i64>,
    pub send_time: Option<i64>,
    pub close_time: Option<i64>,
    pub order_status_tag: Option<i64>,
    /// 1 售后中, 2 售后结束.
    pub refund_status: Option<i64>,
    pub address: WshotoAddress,
    /// The document's example order as it is, served instead of the fields
    /// above (the `examples` data set only; see [`crate::Verbatim`]).
    pub verbatim: crate::Verbatim,
}

/// `order_address_info`.
#[derive(Debug, Clone, Default)]
pub struct WshotoAddress {
    pub name: crate::Text,
    pub mobile: String,
    pub address: String,
    pub area_code: crate::Text,
    pub province: crate::Text,
    pub city: crate::Text,
    pub district: crate::Text,
}

/// Fen as a JSON number with two decimals, as the document writes money (`6.00`).
pub fn yuan(fen: i64) -> Value {
    let sign = if fen < 0 { "-" } else { "" };
    let text = format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100);
    Value::Number(text.parse::<Number>().expect("a decimal is a JSON number"))
}

impl WshotoSimOrder {
    pub fn goods_fen(&self) -> i64 {
        self.lines.iter().map(|l| l.goods_price_fen * i64::from(l.goods_num)).sum()
    }

    /// Order total: goods + freight − the order's coupon.
    pub fn total_fen(&self) -> i64 {
        self.goods_fen() + self.freight_fen - self.coupon_fen.unwrap_or(0)
    }

    /// The order as `records[]` shows it.
    pub fn to_json(&self) -> Value {
        if let Some(example) = &self.verbatim {
            return (**example).clone();
        }
        let lines: Vec<Value> = self
            .lines
            .iter()
            .map(|l| {
                let total = l.goods_price_fen * i64::from(l.goods_num);
                json!({
                    "order_detail_id": l.order_detail_id,
                    "sku_id": l.sku_id,
                    "spu_id": l.spu_id,
                    "spec_desc": l.spec_desc,
                    "spu_no": l.spu_no,
                    "sku_no": l.sku_no,
                    "goods_name": l.goods_name,
                    "goods_num": l.goods_num,
                    "thumbnail": l.thumbnail,
                    "total_price": yuan(total),
                    "goods_price": yuan(l.goods_price_fen),
                    "coupon_price": l.coupon_fen.map(yuan),
                    "pay_price": yuan(total - l.coupon_fen.unwrap_or(0)),
                    "cid": l.cid,
                })
            })
            .collect();
        let a = &self.address;
        let mut order = json!({
            "order_code": self.order_code,
            "parent_order_code": null,
            "tenant_id": "ww8923d8e5cd61963a",
            "type": 0,
            "user_id": self.user_id,
            "customer_id": self.customer_id,
            "buyer_nick": self.buyer_nick,
            "status": self.status,
            "pay_status": self.pay_status,
            "total_price": yuan(self.total_fen()),
            "coupon_price": self.coupon_fen.map(yuan),
            "freight_price": yuan(self.freight_fen),
            "pay_price": yuan(self.total_fen()),
            "coupon_id": self.coupon_fen.map(|_| 1_432_523_870_895_000_001u64),
            "detail_list": null,
            "express_no": self.express_no,
            "express_name": self.express_name,
            "express_type": if self.express_no.is_some() { 1 } else { 0 },
            "create_time": self.create_time,
            "update_time": self.update_time,
            "remark": "",
            "finish_time": self.finish_time,
            "pay_time": self.pay_time,
            "send_time": self.send_time,
            "source": 1,
            "cancel_remark": if self.status == 5 { json!("超时未支付") } else { Value::Null },
            "order_status_tag": self.order_status_tag,
            "close_time": self.close_time,
            "pay_num": self.pay_time.map(|t| format!("4200{t}")),
            "refund_status": self.refund_status,
            "refund_failure_reasons": null,
            "seller_comments": null,
            "activity_id": null,
            "ump_ext": null,
            "order_address_info": {
                "name": a.name,
                "mobile": a.mobile,
                "address": a.address,
                "area_code": a.area_code,
                "province": a.province,
                "city": a.city,
                "district": a.district,
            },
        });
        order["detail_list"] = Value::Array(lines);
        order
    }
}

impl crate::lifecycle::Lifecycle for WshotoSimOrder {
    fn number(&self) -> &str {
        &self.order_code
    }

    fn is_example(&self) -> bool {
        self.verbatim.is_some()
    }

    /// 待付款 → 待发货 → 待收货 → 已完成, stamping `update_time`.
    fn step(&mut self, now: i64, rng: &mut crate::Rng) -> bool {
        match self.status {
            0 => {
                self.status = 2;
                self.pay_status = 1;
                self.pay_time = Some(now);
                self.close_time = None;
            }
            1 | 2 => {
                self.status = 3;
                self.send_time = Some(now);
                self.express_no = Some(format!("SF{now}{}", rng.range(100, 999)));
                self.express_name = Some("顺丰速运".into());
            }
            3 => {
                self.status = 4;
                self.finish_time = Some(now);
                self.order_status_tag = Some(4);
            }
            _ => return false,
        }
        self.update_time = now;
        true
    }
}
