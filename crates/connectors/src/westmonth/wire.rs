//! Westmonth's order, field for field as the document's tables and example give it.

use crate::wire::{RawJson, null_as_empty, opt_formatted_money, opt_integer, opt_money, opt_text};
use rust_decimal::Decimal;
use serde::Deserialize;

/// One of `data.data[]`.
#[derive(Debug, Deserialize)]
pub struct WestmonthOrder {
    /// 订单ID.
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<String>,
    /// 西月订单号.
    #[serde(default, deserialize_with = "opt_text")]
    pub number: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub customer_id: Option<String>,
    /// 平台订单号: the number of the seller's order on a sales platform that
    /// this purchase fulfils; empty when it names none.
    #[serde(default, deserialize_with = "opt_text")]
    pub seller_order_no: Option<String>,
    /// `unpaid`, `shipped`, … (订单状态标识).
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    /// 订单状态中文描述.
    #[serde(default, deserialize_with = "opt_text")]
    pub status_format: Option<String>,
    /// 总金额 (未格式化).
    #[serde(default, deserialize_with = "opt_money")]
    pub total: Option<Decimal>,
    /// 原价总金额.
    #[serde(default, deserialize_with = "opt_money")]
    pub total_original: Option<Decimal>,
    /// 实付金额.
    #[serde(default, deserialize_with = "opt_money")]
    pub pay_amount: Option<Decimal>,
    /// 0 待支付, 1 支付成功, 2 支付失败.
    #[serde(default, deserialize_with = "opt_integer")]
    pub pay_status: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub pay_time: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub currency_code: Option<String>,
    /// 物流单号.
    #[serde(default, deserialize_with = "opt_text")]
    pub shipment_no: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub logistics_company_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub logistics_company_code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub updated_at: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub skus: Vec<WestmonthSku>,
    /// 运费 (格式化, `"¥40.00"`): exact, unlike `freight_num`, an integer.
    #[serde(default, deserialize_with = "opt_formatted_money")]
    pub freight: Option<Decimal>,
    /// 运费金额 (数字): whole units only, read when `freight` is missing.
    #[serde(default, deserialize_with = "opt_money")]
    pub freight_num: Option<Decimal>,
    /// 商品总价 (格式化).
    #[serde(default, deserialize_with = "opt_formatted_money")]
    pub product_total: Option<Decimal>,
}

/// One of `skus[]`. The document gives no quantity, title or line id.
#[derive(Debug, Deserialize)]
pub struct WestmonthSku {
    #[serde(default, deserialize_with = "opt_text")]
    pub product_sku: Option<String>,
    #[serde(default, deserialize_with = "opt_formatted_money")]
    pub price_format: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_formatted_money")]
    pub total_price_format: Option<Decimal>,
}

/// The envelope: `code` 0 is success.
#[derive(Debug, Deserialize)]
pub struct WestmonthEnvelope {
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub msg: Option<String>,
    /// Read once the status code says what it is.
    #[serde(default)]
    pub data: Option<RawJson>,
}

/// `data`: Laravel's simple paginator, without `total`.
#[derive(Debug, Deserialize)]
pub struct WestmonthOrderPage {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub data: Vec<RawJson>,
    #[serde(default, deserialize_with = "opt_text")]
    pub next_page_url: Option<String>,
}

/// Only the order number of one of `data.data[]`: which order a lookup by
/// numbers answered with.
#[derive(Debug, Deserialize)]
pub struct WestmonthNumber {
    #[serde(default, deserialize_with = "opt_text")]
    pub number: Option<String>,
}
