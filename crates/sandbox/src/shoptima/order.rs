//! The simulator's own record of a Shoptima order, and its JSON as the document
//! shows it. Amounts are kept in cents and written as the document writes them
//! (`"16.55"`), times as unix seconds (JSON numbers), status as a number.

use serde::Serialize;
use serde_json::{Map, Value};

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

/// A listed order: the document's own example as it is, or a generated one.
#[derive(Serialize)]
#[serde(untagged)]
pub enum ListedOrder<'a> {
    Verbatim(&'a Value),
    Generated(Box<ListedFields<'a>>),
}

/// A generated order's fields, in the order of the document's list example
/// (serde writes a struct's fields in their order; `()` is `null`).
#[derive(Serialize)]
pub struct ListedFields<'a> {
    order_num: &'a str,
    tracking_number: Option<&'a str>,
    shop_url: &'a str,
    country: Option<&'a str>,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    full_name: Option<String>,
    company: Option<&'a str>,
    address: Option<&'a str>,
    province: Option<&'a str>,
    city: Option<&'a str>,
    district: Option<&'a str>,
    postcode: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    order_notes: (),
    status: i64,
    order_price: String,
    off_price: String,
    currency: Option<&'a str>,
    discount: (),
    order_time: i64,
    pay_time: Option<i64>,
    shipping_type: i64,
    shipping_money: String,
    payment_method: &'a str,
    shipping_channel_type: i64,
    remind_payment: i64,
    shipping_channel_code: Option<&'a str>,
    is_diy: (),
    diy_img: (),
    service_status: i64,
    review_status: (),
    paypal_id: Option<&'a str>,
    paypal_payment_id: Option<String>,
    paypal_status: Option<&'static str>,
    remark: (),
    users_coupons_id: (),
    coupons_discount_price: Coupons,
    shipping_reminder: i64,
    paypal_sync_tracking: i64,
    area: Option<&'a str>,
    address2: Option<&'a str>,
    total: String,
    ip_country: i64,
    fee: &'static str,
    is_refund: i64,
    refund_type: i64,
    shipping_time: Option<i64>,
    refund_price: String,
    order_goods: Vec<ListedGoods<'a>>,
}

/// `coupons_discount_price`: the number `0` without a coupon, else money text.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Coupons {
    None(i64),
    Money(String),
}

/// One of `order_goods`, in the document's field order.
#[derive(Serialize)]
pub struct ListedGoods<'a> {
    hs_code: (),
    discount: (),
    goods_title: &'a str,
    mask: &'a str,
    s_desc: (),
    review_status: i64,
    count: u32,
    time: i64,
    price: String,
    pro_params: &'a str,
    choose_spec: &'a str,
    sku: &'a str,
    shop_url: &'a str,
    is_normal: (),
    is_refund: i64,
    goods_url: &'a str,
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
        serde_json::to_value(self.list_json()).expect("a listed order serialises")
    }

    /// The order as `GET /order` lists it, ready to write: a page is written
    /// from these without a `Value` per order. (As `Value`s, 50-odd fields an
    /// order in maps of their own, they were most of the simulator's time
    /// serving a page.)
    pub fn list_json(&self) -> ListedOrder<'_> {
        if let Some(example) = &self.verbatim {
            return ListedOrder::Verbatim(example);
        }
        let goods = self
            .goods
            .iter()
            .map(|g| ListedGoods {
                hs_code: (),
                discount: (),
                goods_title: &g.title,
                mask: &g.mask,
                s_desc: (),
                review_status: 0,
                count: g.count,
                time: self.order_time,
                price: money(g.price_cents),
                pro_params: &g.pro_params,
                choose_spec: &g.spec,
                sku: &g.sku,
                shop_url: &self.shop_url,
                is_normal: (),
                is_refund: self.is_refund,
                goods_url: &g.goods_url,
            })
            .collect();
        let full_name = match (&self.first_name, &self.last_name) {
            (Some(first), Some(last)) => Some(format!("{last} {first}")),
            _ => None,
        };
        ListedOrder::Generated(Box::new(ListedFields {
            order_num: &self.order_num,
            tracking_number: self.tracking_number.as_deref(),
            shop_url: &self.shop_url,
            country: self.country.as_deref(),
            first_name: self.first_name.as_deref(),
            last_name: self.last_name.as_deref(),
            full_name,
            company: self.company.as_deref(),
            address: self.address.as_deref(),
            province: self.province.as_deref(),
            city: self.city.as_deref(),
            district: self.district.as_deref(),
            postcode: self.postcode.as_deref(),
            email: self.email.as_deref(),
            phone: self.phone.as_deref(),
            order_notes: (),
            status: self.status,
            order_price: money(self.order_price_cents()),
            off_price: money(self.off_price_cents),
            currency: self.currency.as_deref(),
            discount: (),
            order_time: self.order_time,
            pay_time: self.pay_time,
            shipping_type: 1,
            shipping_money: money(self.shipping_money_cents),
            payment_method: &self.payment_method,
            shipping_channel_type: 0,
            remind_payment: 0,
            shipping_channel_code: self.shipping_channel_code.as_deref(),
            is_diy: (),
            diy_img: (),
            service_status: 0,
            review_status: (),
            paypal_id: self.paypal_id.as_deref(),
            paypal_payment_id: self.pay_time.map(|t| format!("{:X}", t * 7919)),
            paypal_status: self.pay_time.map(|_| "COMPLETED"),
            remark: (),
            users_coupons_id: (),
            coupons_discount_price: if self.coupons_cents == 0 {
                Coupons::None(0)
            } else {
                Coupons::Money(money(self.coupons_cents))
            },
            shipping_reminder: 0,
            paypal_sync_tracking: 0,
            area: self.area.as_deref(),
            address2: self.address2.as_deref(),
            total: money(self.stated_total_cents.unwrap_or(0)),
            ip_country: 0,
            fee: "0.00",
            is_refund: self.is_refund,
            refund_type: self.refund_type,
            shipping_time: self.shipping_time,
            refund_price: money(self.refund_price_cents),
            order_goods: goods,
        }))
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

impl crate::lifecycle::Lifecycle for SimOrder {
    fn number(&self) -> &str {
        &self.order_num
    }

    fn is_example(&self) -> bool {
        self.verbatim.is_some()
    }

    /// unpaid → paid, paid or pre-advised → shipped, and now and then a
    /// refund asked for; the list shows no update time.
    fn step(&mut self, now: i64, rng: &mut crate::Rng) -> bool {
        match self.status {
            0 => {
                self.status = 1;
                self.pay_time = Some(now);
            }
            1 | 3 => {
                self.status = 2;
                self.shipping_time = Some(now);
                self.tracking_number = Some(format!("SF{now}{}", rng.range(100, 999)));
                self.shipping_channel_code = Some("SF".into());
            }
            _ if self.is_refund == 0 && rng.percent(20) => {
                self.is_refund = 1;
                self.refund_type = 1;
            }
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The listed order as the simulator first wrote it: one `json!`.
    fn listed_as_value(o: &SimOrder) -> Value {
        if let Some(example) = &o.verbatim {
            return (**example).clone();
        }
        let goods: Vec<Value> = o
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
                    "time": o.order_time,
                    "price": money(g.price_cents),
                    "pro_params": g.pro_params,
                    "choose_spec": g.spec,
                    "sku": g.sku,
                    "shop_url": o.shop_url,
                    "is_normal": null,
                    "is_refund": o.is_refund,
                    "goods_url": g.goods_url,
                })
            })
            .collect();
        let full_name = match (&o.first_name, &o.last_name) {
            (Some(first), Some(last)) => Some(format!("{last} {first}")),
            _ => None,
        };
        let coupons: Value = if o.coupons_cents == 0 { json!(0) } else { json!(money(o.coupons_cents)) };
        let mut order = json!({
            "order_num": o.order_num,
            "tracking_number": o.tracking_number,
            "shop_url": o.shop_url,
            "country": o.country,
            "first_name": o.first_name,
            "last_name": o.last_name,
            "full_name": full_name,
            "company": o.company,
            "address": o.address,
            "province": o.province,
            "city": o.city,
            "district": o.district,
            "postcode": o.postcode,
            "email": o.email,
            "phone": o.phone,
            "order_notes": null,
            "status": o.status,
            "order_price": money(o.order_price_cents()),
            "off_price": money(o.off_price_cents),
            "currency": o.currency,
            "discount": null,
            "order_time": o.order_time,
            "pay_time": o.pay_time,
            "shipping_type": 1,
            "shipping_money": money(o.shipping_money_cents),
            "payment_method": o.payment_method,
            "shipping_channel_type": 0,
            "remind_payment": 0,
            "shipping_channel_code": o.shipping_channel_code,
            "is_diy": null,
            "diy_img": null,
            "service_status": 0,
            "review_status": null,
            "paypal_id": o.paypal_id,
            "paypal_payment_id": o.pay_time.map(|t| format!("{:X}", t * 7919)),
            "paypal_status": o.pay_time.map(|_| "COMPLETED"),
            "remark": null,
            "users_coupons_id": null,
            "coupons_discount_price": coupons,
            "shipping_reminder": 0,
            "paypal_sync_tracking": 0,
            "area": o.area,
            "address2": o.address2,
            "total": money(o.stated_total_cents.unwrap_or(0)),
            "ip_country": 0,
            "fee": "0.00",
            "is_refund": o.is_refund,
            "refund_type": o.refund_type,
            "shipping_time": o.shipping_time,
            "refund_price": money(o.refund_price_cents),
            "order_goods": null,
        });
        order["order_goods"] = Value::Array(goods);
        order
    }

    #[test]
    fn listed_orders_are_written_as_the_json_they_were_built_as() {
        let spec =
            crate::shoptima::generate::GeneratorSpec { seed: 5, anchor: 1_700_000_000, span_seconds: 30 * 86_400 };
        let (mut unpaid, mut coupons, mut refunds) = (0, 0, 0);
        for index in 0..400 {
            let order = crate::shoptima::generate::generate(&spec, index);
            unpaid += usize::from(order.pay_time.is_none());
            coupons += usize::from(order.coupons_cents != 0);
            refunds += usize::from(order.is_refund != 0);
            let written = serde_json::to_string(&order.list_json()).unwrap();
            assert_eq!(written, listed_as_value(&order).to_string(), "order {index}");
            assert_eq!(order.to_list_json(), listed_as_value(&order));
        }
        assert!(unpaid > 0 && coupons > 0 && refunds > 0, "{unpaid} {coupons} {refunds}");
    }

    #[test]
    fn money_is_written_with_two_decimals() {
        assert_eq!(money(1655), "16.55");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0.00");
        assert_eq!(money(-250), "-2.50");
    }
}
