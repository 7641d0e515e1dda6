//! The simulator's own record of a Shoptima order, and its JSON as the document
//! shows it. Amounts are kept in cents and written as the document writes them
//! (`"16.55"`), times as unix seconds (JSON numbers), status as a number.

use serde_json::{Map, Value, json};

use crate::Text;

/// A line of `order_goods`.
#[derive(Debug, Clone, Default)]
pub struct SimGoods {
    pub title: Text,
    pub mask: Text,
    pub count: u32,
    pub price_cents: i64,
    pub spec: Text,
    pub pro_params: Text,
    pub sku: Text,
    pub goods_url: String,
}

/// One order as the platform holds it.
#[derive(Debug, Clone, Default)]
pub struct SimOrder {
    /// Insertion sequence: the tie-breaker of the list's order.
    pub seq: u64,
    pub order_num: String,
    pub shop_url: Text,
    pub tracking_number: Option<String>,
    pub country: Option<Text>,
    pub first_name: Option<Text>,
    pub last_name: Option<Text>,
    pub company: Option<String>,
    pub address: Option<Text>,
    pub address2: Option<String>,
    pub province: Option<Text>,
    pub city: Option<Text>,
    pub district: Option<Text>,
    pub area: Option<Text>,
    pub postcode: Option<Text>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// 0 unpaid, 1 paid, 2 shipped, 3 pre-advised.
    pub status: i64,
    pub currency: Option<Text>,
    pub order_time: i64,
    pub pay_time: Option<i64>,
    pub shipping_time: Option<i64>,
    pub shipping_money_cents: i64,
    pub off_price_cents: i64,
    pub coupons_cents: i64,
    /// The `total` field as this platform fills it: `None` writes `"0.00"`, as
    /// two of the document's three examples do for paid orders.
    pub stated_total_cents: Option<i64>,
    pub shipping_channel_code: Option<Text>,
    pub payment_method: Text,
    pub paypal_id: Option<String>,
    pub is_refund: i64,
    pub refund_type: i64,
    pub refund_price_cents: i64,
    pub goods: Vec<SimGoods>,
    /// The document's example order as it is, served instead of the fields
    /// above (the `examples` data set only; see [`crate::Verbatim`]).
    pub verbatim: crate::Verbatim,
}

/// Cents as the document writes money: `"16.55"`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

impl SimOrder {
    /// Sum of the goods.
    pub fn order_price_cents(&self) -> i64 {
        self.goods.iter().map(|g| g.price_cents * i64::from(g.count)).sum()
    }

    /// What the buyer pays: goods + shipping − discounts.
    pub fn payable_cents(&self) -> i64 {
        self.order_price_cents() + self.shipping_money_cents - self.off_price_cents - self.coupons_cents
    }

    /// The order as `GET /order` lists it (the field set of the document's list example).
    pub fn to_list_json(&self) -> Value {
        if let Some(example) = &self.verbatim {
            return (**example).clone();
        }
        let goods: Vec<Value> = self
            .goods
            .iter()
            .map(|g| {
                json!({
                    "hs_code": null,
                    "discount": null,
                    "goods_title": g.title,
                    "mask": g.mask,
                    "s_desc": null,
                    "review_status": 0,
                    "count": g.count,
                    "time": self.order_time,
                    "price": money(g.price_cents),
                    "pro_params": g.pro_params,
                    "choose_spec": g.spec,
                    "sku": g.sku,
                    "shop_url": self.shop_url,
                    "is_normal": null,
                    "is_refund": self.is_refund,
                    "goods_url": g.goods_url,
                })
            })
            .collect();
        let full_name = match (&self.first_name, &self.last_name) {
            (Some(first), Some(last)) => Some(format!("{last} {first}")),
            _ => None,
        };
        let coupons: Value = if self.coupons_cents == 0 { json!(0) } else { json!(money(self.coupons_cents)) };
        let mut order = json!({
            "order_num": self.order_num,
            "tracking_number": self.tracking_number,
            "shop_url": self.shop_url,
            "country": self.country,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "full_name": full_name,
            "company": self.company,
            "address": self.address,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "postcode": self.postcode,
            "email": self.email,
            "phone": self.phone,
            "order_notes": null,
            "status": self.status,
            "order_price": money(self.order_price_cents()),
            "off_price": money(self.off_price_cents),
            "currency": self.currency,
            "discount": null,
            "order_time": self.order_time,
            "pay_time": self.pay_time,
            "shipping_type": 1,
            "shipping_money": money(self.shipping_money_cents),
            "payment_method": self.payment_method,
            "shipping_channel_type": 0,
            "remind_payment": 0,
            "shipping_channel_code": self.shipping_channel_code,
            "is_diy": null,
            "diy_img": null,
            "service_status": 0,
            "review_status": null,
            "paypal_id": self.paypal_id,
            "paypal_payment_id": self.pay_time.map(|t| format!("{:X}", t * 7919)),
            "paypal_status": self.pay_time.map(|_| "COMPLETED"),
            "remark": null,
            "users_coupons_id": null,
            "coupons_discount_price": coupons,
            "shipping_reminder": 0,
            "paypal_sync_tracking": 0,
            "area": self.area,
            "address2": self.address2,
            "total": money(self.stated_total_cents.unwrap_or(0)),
            "ip_country": 0,
            "fee": "0.00",
            "is_refund": self.is_refund,
            "refund_type": self.refund_type,
            "shipping_time": self.shipping_time,
            "refund_price": money(self.refund_price_cents),
            "order_goods": null,
        });
        order["order_goods"] = Value::Array(goods);
        order
    }

    /// The order as `GET /order/{order_num}/detail` answers: the table's fields,
    /// plus `fahuo_time`, the detail example's name for the shipping time.
    pub fn to_detail_json(&self) -> Value {
        let mut doc = self.to_list_json();
        if let Value::Object(map) = &mut doc {
            let mut out = Map::new();
            for (key, value) in std::mem::take(map) {
                if key == "shipping_time" {
                    out.insert("fahuo_time".into(), value.clone());
                }
                out.insert(key, value);
            }
            *map = out;
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_is_written_with_two_decimals() {
        assert_eq!(money(1655), "16.55");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0.00");
        assert_eq!(money(-250), "-2.50");
    }
}
