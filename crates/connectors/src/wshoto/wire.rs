//! Wshoto's order, field for field as the document's table and example give it.

use crate::wire::{RawJson, null_as_empty, opt_integer, opt_money, opt_text, opt_unix_seconds};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Deserialize;

/// One of `data.records[]`.
#[derive(Debug, Deserialize)]
pub struct WshotoOrder {
    #[serde(default, deserialize_with = "opt_text")]
    pub order_code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub customer_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub buyer_nick: Option<String>,
    /// 0 待付款, 1 待确认, 2 待发货, 3 待收货, 4 已完成, 5 已关闭.
    #[serde(default, deserialize_with = "opt_integer")]
    pub status: Option<i64>,
    /// 0 unpaid, 1 paid.
    #[serde(default, deserialize_with = "opt_integer")]
    pub pay_status: Option<i64>,
    /// 订单总金额.
    #[serde(default, deserialize_with = "opt_money")]
    pub total_price: Option<Decimal>,
    /// 优惠金额.
    #[serde(default, deserialize_with = "opt_money")]
    pub coupon_price: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_money")]
    pub freight_price: Option<Decimal>,
    /// 支付金额.
    #[serde(default, deserialize_with = "opt_money")]
    pub pay_price: Option<Decimal>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub detail_list: Vec<WshotoOrderDetail>,
    #[serde(default, deserialize_with = "opt_text")]
    pub express_no: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub express_name: Option<String>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub create_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub update_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub finish_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub pay_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub send_time: Option<Timestamp>,
    /// Set on open orders too (the example's paid orders have one): a deadline,
    /// read as the cancel time only when the order is closed.
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub close_time: Option<Timestamp>,
    /// Why the status last changed: 3 退款完成关闭 and 8 成团退款成功 are refunds.
    #[serde(default, deserialize_with = "opt_integer")]
    pub order_status_tag: Option<i64>,
    /// After-sale: 1 售后中, 2 售后结束.
    #[serde(default, deserialize_with = "opt_integer")]
    pub refund_status: Option<i64>,
    #[serde(default)]
    pub order_address_info: Option<WshotoAddress>,
}

/// One of `detail_list[]`.
#[derive(Debug, Deserialize)]
pub struct WshotoOrderDetail {
    #[serde(default, deserialize_with = "opt_text")]
    pub order_detail_id: Option<String>,
    /// Above 2^53: kept as text.
    #[serde(default, deserialize_with = "opt_text")]
    pub sku_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub spu_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub spec_desc: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub sku_no: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub goods_name: Option<String>,
    #[serde(default, deserialize_with = "opt_integer")]
    pub goods_num: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub thumbnail: Option<String>,
    #[serde(default, deserialize_with = "opt_money")]
    pub total_price: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_money")]
    pub goods_price: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_money")]
    pub coupon_price: Option<Decimal>,
}

/// `order_address_info`.
#[derive(Debug, Deserialize)]
pub struct WshotoAddress {
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub mobile: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub province: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub district: Option<String>,
}

/// The envelope: `code` 0 is success.
#[derive(Debug, Deserialize)]
pub struct WshotoEnvelope {
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub msg: Option<String>,
    /// Read once the status code says what it is.
    #[serde(default)]
    pub data: Option<RawJson>,
}

/// `data` of a list answer.
#[derive(Debug, Deserialize)]
pub struct WshotoOrderPage {
    #[serde(default, deserialize_with = "opt_integer")]
    pub total: Option<i64>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub records: Vec<RawJson>,
}
