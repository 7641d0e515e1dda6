//! Shoptima's order, field for field as the document's tables and examples give
//! it. Every field is optional and lenient (string or number, `null`): what the
//! mapping does not use stays in the raw payload.

use crate::wire::{RawJson, null_as_empty, opt_integer, opt_money, opt_text, opt_unix_seconds};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Deserialize;

/// One order of `GET /order` (`data.data[]`) or `GET /order/{order_num}/detail` (`data`).
#[derive(Debug, Deserialize)]
pub struct ShoptimaOrder {
    #[serde(deserialize_with = "opt_text")]
    pub order_num: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub tracking_number: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub shop_url: Option<String>,
    /// ISO 3166-1 alpha-2 (国家标准二字码).
    #[serde(default, deserialize_with = "opt_text")]
    pub country: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub company: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub province: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub district: Option<String>,
    /// 街道区县: the third level where `district` is not used.
    #[serde(default, deserialize_with = "opt_text")]
    pub area: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub address2: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub postcode: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub phone: Option<String>,
    /// 0 unpaid, 1 paid, 2 shipped, 3 pre-advised to the carrier.
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    /// 订单商品总价: the goods' total.
    #[serde(default, deserialize_with = "opt_money")]
    pub order_price: Option<Decimal>,
    /// 优化价格 (sic, 优惠): the order's discount.
    #[serde(default, deserialize_with = "opt_money")]
    pub off_price: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_text")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "opt_money")]
    pub coupons_discount_price: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_money")]
    pub shipping_money: Option<Decimal>,
    /// Present in the examples though not in the table; `"0.00"` on some paid
    /// orders, so it is used only when positive.
    #[serde(default, deserialize_with = "opt_money")]
    pub total: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub order_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub pay_time: Option<Timestamp>,
    /// 发货时间戳: the shipping time, as the table and the list example name it.
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub shipping_time: Option<Timestamp>,
    /// The detail example's name for the shipping time (发货 = ship). Read as a
    /// fallback, not a serde alias: a payload carrying both names must not fail.
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub fahuo_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_text")]
    pub shipping_channel_code: Option<String>,
    /// 0 not a refund order, 1 refund order.
    #[serde(default, deserialize_with = "opt_integer")]
    pub is_refund: Option<i64>,
    /// 1 refunding, 2 partly refunded, 3 fully refunded.
    #[serde(default, deserialize_with = "opt_integer")]
    pub refund_type: Option<i64>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub order_goods: Vec<ShoptimaOrderGoods>,
}

/// One line of `order_goods`.
#[derive(Debug, Deserialize)]
pub struct ShoptimaOrderGoods {
    #[serde(default, deserialize_with = "opt_text")]
    pub goods_title: Option<String>,
    /// 商品封面: the cover image URL.
    #[serde(default, deserialize_with = "opt_text")]
    pub mask: Option<String>,
    #[serde(default, deserialize_with = "opt_integer")]
    pub count: Option<i64>,
    /// Unit price; in the examples though not in the table.
    #[serde(default, deserialize_with = "opt_money")]
    pub price: Option<Decimal>,
    /// 属性名称: the chosen options.
    #[serde(default, deserialize_with = "opt_text")]
    pub choose_spec: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub goods_url: Option<String>,
}

/// The envelope of every answer.
#[derive(Debug, Deserialize)]
pub struct ShoptimaEnvelope {
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub message: Option<String>,
    /// Read once `status` says what it is.
    #[serde(default)]
    pub data: Option<RawJson>,
}

/// `data` of `GET /order`: a Laravel paginator.
#[derive(Debug, Deserialize)]
pub struct ShoptimaOrderPage {
    #[serde(default, deserialize_with = "opt_integer")]
    pub current_page: Option<i64>,
    #[serde(default, deserialize_with = "opt_integer")]
    pub last_page: Option<i64>,
    #[serde(default, deserialize_with = "opt_integer")]
    pub total: Option<i64>,
    /// The orders, kept as sent: each is normalised on its own so one bad
    /// order does not lose the page.
    pub data: Vec<RawJson>,
}

/// One entry of `data.error[]` / `data.success[]` of `POST /order/shippingOrders`.
#[derive(Debug, Deserialize)]
pub struct ShoptimaShipResult {
    #[serde(default, deserialize_with = "opt_text")]
    pub order_number: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
}

/// `data` of `POST /order/shippingOrders`.
#[derive(Debug, Default, Deserialize)]
pub struct ShoptimaShipAnswer {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub error: Vec<ShoptimaShipResult>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub success: Vec<ShoptimaShipResult>,
}
