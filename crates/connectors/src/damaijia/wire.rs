//! A Douyin shop order as Damaijia relays it, field for field from the document.

use crate::wire::{RawJson, null_as_empty, opt_fen, opt_integer, opt_text, opt_unix_seconds};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

/// One of `data.shop_order_list[]` (店铺单).
#[derive(Debug, Deserialize)]
pub struct DamaijiaShopOrder {
    #[serde(default, deserialize_with = "opt_text")]
    pub order_id: Option<String>,
    /// 1 待支付, 105 已支付, 2 备货中, 101 部分发货, 3 已发货, 4 已关闭/已取消, 5 已完成.
    #[serde(default, deserialize_with = "opt_integer")]
    pub order_status: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub order_status_desc: Option<String>,
    /// 主流程状态: 103 部分支付, 21 发货前退款完成, …
    #[serde(default, deserialize_with = "opt_integer")]
    pub main_status: Option<i64>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub create_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub update_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub pay_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub ship_time: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub finish_time: Option<Timestamp>,
    /// 订单金额 (分).
    #[serde(default, deserialize_with = "opt_fen")]
    pub order_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_fen")]
    pub pay_amount: Option<Decimal>,
    /// 快递费 (分).
    #[serde(default, deserialize_with = "opt_fen")]
    pub post_amount: Option<Decimal>,
    /// 订单优惠总金额 (分).
    #[serde(default, deserialize_with = "opt_fen")]
    pub promotion_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "opt_text")]
    pub doudian_open_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub post_receiver: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub post_tel: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub encrypt_post_receiver: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub encrypt_post_tel: Option<String>,
    #[serde(default)]
    pub post_addr: Option<DamaijiaAddress>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub logistics_info: Vec<DamaijiaLogistics>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub sku_order_list: Vec<DamaijiaSkuOrder>,
}

/// `post_addr`.
#[derive(Debug, Default, Deserialize)]
pub struct DamaijiaAddress {
    #[serde(default)]
    pub province: Option<DamaijiaRegion>,
    #[serde(default)]
    pub city: Option<DamaijiaRegion>,
    #[serde(default)]
    pub town: Option<DamaijiaRegion>,
    #[serde(default)]
    pub street: Option<DamaijiaRegion>,
    #[serde(default, deserialize_with = "opt_text")]
    pub detail: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub encrypt_detail: Option<String>,
}

/// `{id, name}` of a region level.
#[derive(Debug, Default, Deserialize)]
pub struct DamaijiaRegion {
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
}

/// One of `logistics_info[]`.
#[derive(Debug, Deserialize)]
pub struct DamaijiaLogistics {
    #[serde(default, deserialize_with = "opt_text")]
    pub tracking_no: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub company: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub company_name: Option<String>,
    #[serde(default, deserialize_with = "opt_unix_seconds")]
    pub ship_time: Option<Timestamp>,
}

/// One of `sku_order_list[]` (商品单): one line of the shop order.
#[derive(Debug, Deserialize)]
pub struct DamaijiaSkuOrder {
    #[serde(default, deserialize_with = "opt_text")]
    pub order_id: Option<String>,
    /// The exact product id. `product_id` beside it is a JSON number that lost
    /// digits on the platform's side (3489373605366769000 for …084): never read.
    #[serde(default, deserialize_with = "opt_text")]
    pub product_id_str: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub sku_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub product_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub product_pic: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub spec: Vec<DamaijiaSpec>,
    /// 外部Skuid: the seller's code.
    #[serde(default, deserialize_with = "opt_text")]
    pub out_sku_id: Option<String>,
    /// 商家后台商品编码.
    #[serde(default, deserialize_with = "opt_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "opt_integer")]
    pub item_num: Option<i64>,
    /// 商品现价 (分).
    #[serde(default, deserialize_with = "opt_fen")]
    pub origin_amount: Option<Decimal>,
    /// 商品现价 × 件数 (分).
    #[serde(default, deserialize_with = "opt_fen")]
    pub sum_amount: Option<Decimal>,
    #[serde(default)]
    pub after_sale_info: Option<DamaijiaAfterSale>,
}

/// `{name, value}` of `spec[]`.
#[derive(Debug, Deserialize)]
pub struct DamaijiaSpec {
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub value: Option<String>,
}

/// `after_sale_info`.
#[derive(Debug, Deserialize)]
pub struct DamaijiaAfterSale {
    /// 退款状态: 0 无需退款, 1 待退款, 2 退款中, 3 退款成功, 4 退款失败.
    #[serde(default, deserialize_with = "opt_integer")]
    pub refund_status: Option<i64>,
}

/// The envelope: `status` 0 is success.
#[derive(Debug, Deserialize)]
pub struct DamaijiaEnvelope {
    #[serde(default, deserialize_with = "opt_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub msg: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub message: Option<String>,
    /// Read once the status code says what it is.
    #[serde(default)]
    pub data: Option<RawJson>,
}

/// `data` of a search answer, read the ordinary way (`client::read_page`
/// says when). Each order is its JSON text in the answer itself, not a copy:
/// it is copied once, into the order's `raw`. (A copy each here was an
/// allocation and a copy of 6 KB an order more; perf put the copy at 2% of a
/// Damaijia sync.)
#[derive(Debug, Deserialize)]
pub struct DamaijiaOrderPage<'a> {
    #[serde(default, deserialize_with = "opt_integer")]
    pub total: Option<i64>,
    #[serde(default, borrow, deserialize_with = "null_as_empty")]
    pub shop_order_list: Vec<&'a RawValue>,
}
