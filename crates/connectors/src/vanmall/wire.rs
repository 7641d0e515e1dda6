//! VanMall's `order_info`, field for field as the document's table and example give it.

use crate::wire::{RawJson, null_as_empty, opt_integer, opt_money, opt_text};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

/// `data.order_info`.
#[derive(Debug, Deserialize)]
pub struct VanmallOrder {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub order_number: Option<String>,
    /// 1 checkout edit, 2 open, 3 archived, 4 cancelled.
    #[serde(default, deserialize_with = "opt_integer")]
    pub order_status: Option<i64>,
    /// 1 initial, 2 awaiting payment, 3 paid, 4 partly refunded, 5 fully refunded.
    #[serde(default, deserialize_with = "opt_integer")]
    pub payment_status: Option<i64>,
    /// 1 initial, 2 unfulfilled, 3 on hold, 4 partly fulfilled, 5 fulfilled,
    /// 6 partly received, 7 all received, 8 all returned.
    #[serde(default, deserialize_with = "opt_integer")]
    pub fulfillment_status: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub currency_code: Option<String>,
    #[serde(default, deserialize_with = "opt_money")]
    pub curr_subtotal: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_money")]
    pub curr_shipping_total: Option<Decimal>,
    /// 订单折扣 (当前货币): despite its name, the discount amount.
    #[serde(default, deserialize_with = "opt_money")]
    pub curr_subtotal_with_discount: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_money")]
    pub curr_grand_total: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_text")]
    pub customer_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub customer_email: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub customer_phone: Option<String>,
    /// Wall-clock strings; `0` means never.
    #[serde(default, deserialize_with = "opt_text")]
    pub cancelled_at: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub payed_at: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub updated_at: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub fulfilled_at: Option<String>,
    /// 1 initial, 2 after-sale in progress, 3 after-sale done.
    #[serde(default, deserialize_with = "opt_integer")]
    pub post_sale_status: Option<i64>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub items: Vec<VanmallItem>,
    #[serde(default, rename = "shippingAddress", deserialize_with = "object_or_empty")]
    pub shipping_address: Option<VanmallAddress>,
}

/// One of `items[]`.
#[derive(Debug, Deserialize)]
pub struct VanmallItem {
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub product_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub variant_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub variant_title: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub product_title: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub image: Option<String>,
    #[serde(default, deserialize_with = "opt_money")]
    pub curr_price: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_integer")]
    pub qty: Option<i64>,
    #[serde(default, deserialize_with = "opt_money")]
    pub curr_row_price: Option<Decimal>,
}

/// `shippingAddress` / `billingAddress`.
#[derive(Debug, Deserialize)]
pub struct VanmallAddress {
    #[serde(default, deserialize_with = "opt_text")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub company: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub address_1: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub address_2: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub country_code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub province_code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub zip: Option<String>,
}

/// An address object, or `[]`/`null` for none: the document's example sends
/// `"billingAddress": []` (PHP's empty array).
fn object_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<VanmallAddress>, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Object(map) => {
            VanmallAddress::deserialize(serde_json::Value::Object(map)).map(Some).map_err(D::Error::custom)
        }
        serde_json::Value::Array(list) if list.is_empty() => Ok(None),
        serde_json::Value::Null => Ok(None),
        other => Err(D::Error::custom(format!("expected an address object or [], got {other}"))),
    }
}

/// The envelope: `code` 200 is success.
#[derive(Debug, Deserialize)]
pub struct VanmallEnvelope {
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub message: Option<String>,
    /// Read once the status code says what it is.
    #[serde(default)]
    pub data: Option<RawJson>,
}

/// `data` of a lookup answer: the order, kept as sent.
#[derive(Debug, Deserialize)]
pub struct VanmallOrderData {
    #[serde(default)]
    pub order_info: Option<RawJson>,
}
