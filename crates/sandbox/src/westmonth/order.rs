//! The simulator's record of a Westmonth (西月) order and its JSON as the
//! document shows it: amounts as strings (`"45.00"`) beside formatted ones
//! (`"¥45.00"`), times as China wall-clock strings (`"2025-05-07 16:13:53"`).

use serde_json::{Value, json};

/// A line of `skus`.
#[derive(Debug, Clone, Default)]
pub struct WestmonthSku {
    pub product_sku: String,
    pub depot_id: i64,
    pub depot_name: String,
    pub region_id: i64,
    pub region_name: String,
    pub price_fen: i64,
    pub quantity: i64,
}

/// One order as the platform holds it.
#[derive(Debug, Clone, Default)]
pub struct WestmonthSimOrder {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    /// `unpaid`, `paid`, `shipped`, `completed`, `cancelled` (the document names
    /// `unpaid` and `shipped`; the others are the simulator's assumption).
    pub status: String,
    pub pay_status: i64,
    pub freight_fen: i64,
    pub discount_fen: i64,
    pub skus: Vec<WestmonthSku>,
    pub currency: String,
    pub trade_platforms: i64,
    pub seller_order_no: String,
    pub shipment_no: String,
    pub logistics: Option<(i64, String, String)>,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when the buyer started paying, even if the payment did not finish
    /// (the document's unpaid example has one).
    pub pay_time: Option<i64>,
    /// The document's example order as it is, served instead of the fields
    /// above (the `examples` data set only; see [`crate::Verbatim`]).
    pub verbatim: crate::Verbatim,
}

/// Fen as the document's plain amounts: `"45.00"`.
pub fn amount(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Fen as the document's formatted amounts: `"¥45.00"`.
pub fn formatted(fen: i64) -> String {
    format!("¥{}", amount(fen))
}

/// China time (looked up once: a lookup per order time costs more than the rest of the order).
static CHINA: std::sync::LazyLock<jiff::tz::TimeZone> =
    std::sync::LazyLock::new(|| jiff::tz::TimeZone::get("Asia/Shanghai").expect("bundled time zone database"));

/// Unix seconds as China wall-clock time, `yyyy-MM-dd HH:mm:ss`.
pub fn china_time(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .expect("a valid time")
        .to_zoned(CHINA.clone())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

impl WestmonthSimOrder {
    pub fn product_fen(&self) -> i64 {
        self.skus.iter().map(|s| s.price_fen * s.quantity).sum()
    }

    /// Before discounts: products + freight.
    pub fn original_fen(&self) -> i64 {
        self.product_fen() + self.freight_fen
    }

    pub fn total_fen(&self) -> i64 {
        self.original_fen() - self.discount_fen
    }

    pub fn to_json(&self) -> Value {
        if let Some(example) = &self.verbatim {
            return (**example).clone();
        }
        let (status_format, paid) = match self.status.as_str() {
            "unpaid" => ("待支付", false),
            "paid" => ("待发货", true),
            "shipped" => ("已发货", true),
            "completed" => ("已完成", true),
            _ => ("已取消", false),
        };
        let skus: Vec<Value> = self
            .skus
            .iter()
            .map(|s| {
                json!({
                    "product_sku": s.product_sku,
                    "depot_id": s.depot_id,
                    "depost_name": s.depot_name,
                    "delivery_region_id": s.region_id,
                    "region_name": s.region_name,
                    "price_format": formatted(s.price_fen),
                    "total_price_format": formatted(s.price_fen * s.quantity),
                    "subtotal_format": formatted(s.price_fen * s.quantity),
                    "after_sale_status_label": "未售后",
                })
            })
            .collect();
        let (company_id, company_name, company_code) =
            self.logistics.clone().unwrap_or((0, String::new(), String::new()));
        let pay_time = self.pay_time.map(china_time).unwrap_or_default();
        let trade_name = match self.trade_platforms {
            1 => "微信支付",
            2 => "支付宝",
            3 => "额度支付",
            4 => "货到付款",
            _ => "",
        };
        json!({
            "id": self.id,
            "type": 4,
            "number": self.number,
            "customer_id": self.customer_id,
            "status": self.status,
            "total": amount(self.total_fen()),
            "total_original": amount(self.original_fen()),
            "pay_amount": amount(if paid { self.total_fen() } else { 0 }),
            "pay_status": self.pay_status,
            "pay_time": pay_time,
            "currency_code": self.currency,
            "currency_value": "1",
            "trade_platforms": self.trade_platforms,
            "o_id": 0,
            "push_status": 0,
            "outbound_status": 0,
            "shipping_method_code": "",
            "shipping_method_name": "",
            "delivery_mode": 0,
            "seller_order_no": self.seller_order_no,
            "shipment_no": self.shipment_no,
            "logistics_company_id": company_id,
            "created_at": china_time(self.created_at),
            "updated_at": china_time(self.updated_at),
            "latest_log_outbound": null,
            "latest_log_pool": null,
            "error_msg": "",
            "skus": skus,
            "logistics_company_name": company_name,
            "logistics_company_code": company_code,
            "status_format": status_format,
            "total_format": formatted(self.total_fen()),
            "total_original_format": formatted(self.original_fen()),
            "outbound_status_format": "未上传",
            "push_status_format": "未推送",
            "pay_time_format": if paid { pay_time.clone() } else { String::new() },
            "trade_platforms_name": trade_name,
            "type_format": "外部订单",
            "freight": formatted(self.freight_fen),
            "delivery_mode_name": "快递配送",
            "product_total": formatted(self.product_fen()),
            "subarea_name": "",
            "platform_name": "",
            "freight_num": self.freight_fen / 100,
        })
    }
}

impl crate::lifecycle::Lifecycle for WestmonthSimOrder {
    fn number(&self) -> &str {
        &self.number
    }

    fn is_example(&self) -> bool {
        self.verbatim.is_some()
    }

    /// unpaid → paid → shipped → completed, stamping `updated_at`.
    fn step(&mut self, now: i64, rng: &mut crate::Rng) -> bool {
        match self.status.as_str() {
            "unpaid" => {
                self.status = "paid".into();
                self.pay_status = 1;
                self.pay_time = Some(now);
            }
            "paid" => {
                self.status = "shipped".into();
                self.shipment_no = format!("SF{now}{}", rng.range(100, 999));
                self.logistics = Some((1, "顺丰速运".into(), "SF".into()));
            }
            "shipped" => self.status = "completed".into(),
            _ => return false,
        }
        self.updated_at = now;
        true
    }
}
