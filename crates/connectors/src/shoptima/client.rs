//! The Shoptima HTTP client: requests, paging and the `status`/`code` envelope.

use super::normalize::{normalize, normalize_read};
use super::wire::{ShoptimaEnvelope, ShoptimaOrder, ShoptimaOrderPage, ShoptimaShipAnswer};
use crate::http::{HttpAnswer, HttpClient, encode_path_segment, join_url, secret_header};
use crate::json_walk::{ListAnswer, Listed, once};
use crate::wire::{RawJson, data_or_null, parse_lenient, read_raw};
use crate::{
    AddressUpdate, BadOrder, Capabilities, Connector, ConnectorError, ErrorKind, ListBy, ListQuery, OrderPage,
    ShipmentOutcome, ShipmentRequest, ShopSettings,
};
use async_trait::async_trait;
use orderhub_model::{Order, Platform};
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// The document's cap on `rows`.
pub const MAX_ROWS: u32 = 120;

/// The document does not say how Shoptima authenticates; we send
/// `Authorization: Bearer <token>` unless the shop's `auth_scheme` says otherwise.
pub const DEFAULT_AUTH_SCHEME: &str = "Bearer";

/// `PATCH /order/updateStatus`'s `status` values, as the document gives them.
const STATUS_CODES: &[(&str, &str)] =
    &[("0", "未支付 unpaid"), ("1", "成功支付 paid"), ("2", "已经发货 shipped"), ("3", "已经预报 forecast")];

/// `is_refund` of each partition: the list hides refund orders unless asked.
const PARTITIONS: &[&str] = &["is_refund=0", "is_refund=1"];

/// A connection to one Shoptima shop.
#[derive(Debug)]
pub struct ShoptimaConnector {
    shop: String,
    base_url: String,
    authorization: HeaderValue,
    page_size: u32,
    http: HttpClient,
}

impl ShoptimaConnector {
    pub fn new(settings: ShopSettings) -> Result<Self, ConnectorError> {
        let scheme = settings.auth_scheme.as_deref().unwrap_or(DEFAULT_AUTH_SCHEME).trim();
        let value = if scheme.is_empty() {
            settings.token.expose().to_string()
        } else {
            format!("{scheme} {}", settings.token.expose())
        };
        let authorization = secret_header(&settings.shop, &value)?;
        Ok(ShoptimaConnector {
            http: HttpClient::new(super::PLATFORM, settings.timeout, settings.rate_limit)?,
            page_size: settings.page_size.unwrap_or(MAX_ROWS).clamp(1, MAX_ROWS),
            shop: settings.shop,
            base_url: settings.base_url,
            authorization,
        })
    }

    async fn call(&self, endpoint: &'static str, request: reqwest::RequestBuilder) -> Result<RawJson, ConnectorError> {
        let answer = self.http.send(request.header(reqwest::header::AUTHORIZATION, self.authorization.clone())).await?;
        read_envelope(endpoint, &answer)
    }
}

/// A listing answer's page: where it is among the pages, and its orders.
#[derive(Debug)]
pub(crate) struct ListPage<'a> {
    pub current_page: Option<i64>,
    pub last_page: Option<i64>,
    pub total: Option<i64>,
    pub orders: Vec<Listed<'a, ShoptimaOrder>>,
}

/// Where a successful listing answer keeps its orders (a Laravel paginator in `data`).
const LIST_ANSWER: ListAnswer =
    ListAnswer { code: "status", success: "success", list: "data", page_size: MAX_ROWS as usize };

/// A listing answer's page. A successful answer is walked
/// ([`ListAnswer::walk`]): each order read into its struct straight from the
/// answer, in one pass. Anything else is read by [`read_envelope`], which
/// says what it is; the page's orders then refer to its `data`, kept in
/// `fallback`, and are read one by one by `normalize`.
pub(crate) fn read_page<'a>(
    endpoint: &'static str,
    answer: &'a HttpAnswer,
    fallback: &'a mut Option<ShoptimaOrderPage>,
) -> Result<ListPage<'a>, ConnectorError> {
    if answer.status < 400 {
        let (mut current_page, mut last_page, mut total) = (None, None, None);
        let walked = LIST_ANSWER.walk(&answer.body, |key, walk| match key {
            "current_page" => once(&mut current_page, walk.integer()),
            "last_page" => once(&mut last_page, walk.integer()),
            "total" => once(&mut total, walk.integer()),
            _ => Some(false),
        });
        if let Some(orders) = walked {
            let (current_page, last_page, total) = (current_page.flatten(), last_page.flatten(), total.flatten());
            return Ok(ListPage { current_page, last_page, total, orders });
        }
    }
    let data = read_envelope(endpoint, answer)?;
    let page = fallback.insert(read_raw(&data).map_err(|e| malformed(endpoint, e.to_string()))?);
    let orders = page.data.iter().map(|raw| Listed::Unread(raw)).collect();
    Ok(ListPage { current_page: page.current_page, last_page: page.last_page, total: page.total, orders })
}

/// Reads an answer: HTTP status first, then the envelope. Returns the
/// envelope's `data` on success (`null` when there is none), and for an error
/// envelope a [`ConnectorError::Platform`] carrying the platform's code and message.
pub(crate) fn read_envelope(endpoint: &'static str, answer: &HttpAnswer) -> Result<RawJson, ConnectorError> {
    let platform = super::PLATFORM;
    let parsed = parse_lenient::<ShoptimaEnvelope>(&answer.body);
    let envelope = parsed.as_ref().ok();
    let message = envelope.as_ref().and_then(|e| e.message.clone()).unwrap_or_default();
    let code = envelope.as_ref().and_then(|e| e.code.clone());
    match answer.status {
        401 | 403 => return Err(ConnectorError::Unauthorized { platform, status: answer.status, code, message }),
        429 | 500..=599 => return Err(ConnectorError::ServerError { platform, status: answer.status, message }),
        _ => {}
    }
    let envelope = match parsed {
        Ok(envelope) => envelope,
        // JSON, but not an object of the envelope's fields.
        Err(e) if e.is_data() => {
            return Err(malformed(endpoint, format!("HTTP {}, no status/code envelope: {e}", answer.status)));
        }
        Err(e) => return Err(malformed(endpoint, format!("HTTP {}, body is not JSON: {e}", answer.status))),
    };
    if envelope.status.as_deref() == Some("success") && answer.status < 400 {
        return Ok(data_or_null(envelope.data));
    }
    let code = code.unwrap_or_else(|| answer.status.to_string());
    let (kind, meaning) = match code.as_str() {
        "500" => (ErrorKind::Transient, "server error, the document says to retry"),
        "401" => (ErrorKind::BadRequest, "order not found"),
        "400" => (ErrorKind::BadRequest, "the platform rejected the request"),
        _ => (ErrorKind::BadRequest, ""),
    };
    Err(ConnectorError::Platform { platform, kind, code, message, meaning })
}

fn malformed(endpoint: &'static str, detail: String) -> ConnectorError {
    ConnectorError::Malformed { platform: super::PLATFORM, endpoint, detail }
}

fn normalize_one(shop: &str, raw: &RawValue) -> Result<Order, BadOrder> {
    normalize(shop, raw).map_err(|e| BadOrder::new(raw, "order_num", e))
}

/// What Shoptima can do.
pub(crate) const CAPABILITIES: Capabilities = Capabilities {
    list_by: Some(ListBy::CreatedTime),
    partitions: PARTITIONS,
    max_page_size: MAX_ROWS,
    fetch: true,
    fetch_batch: 1,
    ship: true,
    status_codes: STATUS_CODES,
    update_address: true,
};

#[async_trait]
impl Connector for ShoptimaConnector {
    fn platform(&self) -> Platform {
        super::PLATFORM
    }

    fn shop(&self) -> &str {
        &self.shop
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    async fn list_page(&self, query: &ListQuery) -> Result<OrderPage, ConnectorError> {
        const ENDPOINT: &str = "GET /order";
        let params = [
            ("rows", self.page_size.to_string()),
            ("page", query.page.to_string()),
            // 2 = filter by order time: with the default (pay time) unpaid orders never show.
            ("time_type", "2".to_string()),
            ("begin_time", query.from.as_second().to_string()),
            ("end_time", query.to.as_second().to_string()),
            ("is_refund", query.partition.min(1).to_string()),
        ];
        let request = self.http.request(Method::GET, &join_url(&self.base_url, "order")).query(&params);
        let answer = self.http.send(request.header(reqwest::header::AUTHORIZATION, self.authorization.clone())).await?;
        let mut fallback = None;
        let page = read_page(ENDPOINT, &answer, &mut fallback)?;
        let current = page.current_page.unwrap_or(query.page as i64);
        let pages_after = match page.last_page {
            _ if page.orders.is_empty() => Some(0),
            Some(last) => Some(u64::try_from(last.saturating_sub(current)).unwrap_or(0)),
            None => ((page.orders.len() as u32) < self.page_size).then_some(0),
        };
        let orders = page
            .orders
            .into_iter()
            .map(|listed| {
                listed.normalize(
                    "order_num",
                    |order, text| normalize_read(&self.shop, order, text),
                    |raw| normalize(&self.shop, raw),
                )
            })
            .collect();
        Ok(OrderPage { total: page.total.and_then(|t| u64::try_from(t).ok()), orders, pages_after })
    }

    async fn fetch(&self, order_number: &str) -> Result<Option<Result<Order, BadOrder>>, ConnectorError> {
        const ENDPOINT: &str = "GET /order/{order_num}/detail";
        let path = format!("order/{}/detail", encode_path_segment(order_number));
        let request = self.http.request(Method::GET, &join_url(&self.base_url, &path));
        match self.call(ENDPOINT, request).await {
            Ok(raw) if raw.get() == "null" => Ok(None),
            Ok(raw) => Ok(Some(normalize_one(&self.shop, &raw))),
            // The document's answer for an unknown order: code 401 "没有找到订单" in an error envelope.
            Err(ConnectorError::Platform { code, .. }) if code == "401" => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn ship(&self, shipments: &[ShipmentRequest]) -> Result<Vec<ShipmentOutcome>, ConnectorError> {
        const ENDPOINT: &str = "POST /order/shippingOrders";
        let body: Vec<Value> = shipments
            .iter()
            .map(|s| {
                json!({
                    "order_num": s.order_number,
                    "tracking_number": s.tracking_number,
                    "shipping_channel_code": s.carrier_code,
                })
            })
            .collect();
        let request = self.http.request(Method::POST, &join_url(&self.base_url, "order/shippingOrders")).json(&body);
        let data = self.call(ENDPOINT, request).await?;
        let answer = if data.get() == "null" {
            ShoptimaShipAnswer::default()
        } else {
            read_raw::<ShoptimaShipAnswer>(&data).map_err(|e| malformed(ENDPOINT, e.to_string()))?
        };
        Ok(ship_outcomes(shipments, &answer))
    }

    async fn update_status(&self, order_numbers: &[String], code: &str) -> Result<ShipmentOutcome, ConnectorError> {
        const ENDPOINT: &str = "PATCH /order/updateStatus";
        let status: i64 = match STATUS_CODES.iter().find(|(c, _)| *c == code) {
            Some((c, _)) => c.parse().expect("the codes are digits"),
            None => {
                return Err(ConnectorError::Config(format!(
                    "status {code:?} is not one of Shoptima's: 0 unpaid, 1 paid, 2 shipped, 3 forecast"
                )));
            }
        };
        let body = json!({ "status": status, "order_nums": order_numbers });
        let request = self.http.request(Method::PATCH, &join_url(&self.base_url, "order/updateStatus")).json(&body);
        let number = order_numbers.join(",");
        match self.call(ENDPOINT, request).await {
            // The success answer carries no data, only a message ("修改订单数为2条").
            Ok(_) => {
                Ok(ShipmentOutcome { order_number: number, accepted: true, code: "200".into(), message: String::new() })
            }
            Err(ConnectorError::Platform { code, message, kind: ErrorKind::BadRequest, .. }) => {
                Ok(ShipmentOutcome { order_number: number, accepted: false, code, message })
            }
            Err(e) => Err(e),
        }
    }

    async fn update_address(
        &self,
        order_number: &str,
        update: &AddressUpdate,
    ) -> Result<ShipmentOutcome, ConnectorError> {
        const ENDPOINT: &str = "PATCH /order/batchUpdateOrder";
        // The document's field names; only the fields given are sent, so the
        // platform keeps the others.
        let fields = [
            ("country", &update.country_code),
            ("province", &update.province),
            ("city", &update.city),
            ("district", &update.district),
            ("address", &update.address1),
            ("address2", &update.address2),
            ("postcode", &update.postal_code),
            ("phone", &update.phone),
            ("email", &update.email),
        ];
        let changes: serde_json::Map<String, Value> =
            fields.into_iter().filter_map(|(name, value)| Some((name.to_string(), json!(value.as_ref()?)))).collect();
        let body = json!({ order_number: changes });
        let request = self.http.request(Method::PATCH, &join_url(&self.base_url, "order/batchUpdateOrder")).json(&body);
        let data: Value =
            read_raw(&self.call(ENDPOINT, request).await?).map_err(|e| malformed(ENDPOINT, e.to_string()))?;
        let refused = data
            .get("errorOrderNums")
            .and_then(Value::as_array)
            .is_some_and(|numbers| numbers.iter().any(|n| n.as_str() == Some(order_number)));
        Ok(ShipmentOutcome {
            order_number: order_number.to_string(),
            accepted: !refused,
            code: "200".into(),
            message: if refused { "the platform listed the order in errorOrderNums".into() } else { String::new() },
        })
    }

    fn api_calls(&self) -> u64 {
        self.http.calls()
    }

    fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        self.http.platform_clock_offset()
    }
}

/// One outcome per requested order. An order listed under `success` was
/// shipped, even if it is also listed under `error` (the document's own example
/// lists one order in both): calling it failed would invite shipping it twice.
/// An order the platform does not mention is reported as not accepted.
pub(crate) fn ship_outcomes(requests: &[ShipmentRequest], answer: &ShoptimaShipAnswer) -> Vec<ShipmentOutcome> {
    let find = |list: &[super::wire::ShoptimaShipResult], number: &str| {
        list.iter()
            .find(|r| r.order_number.as_deref() == Some(number))
            .map(|r| (r.code.clone().unwrap_or_default(), r.message.clone().unwrap_or_default()))
    };
    requests
        .iter()
        .map(|request| {
            let number = request.order_number.as_str();
            let (accepted, (code, message)) = match (find(&answer.success, number), find(&answer.error, number)) {
                (Some(found), _) => (true, found),
                (None, Some(found)) => (false, found),
                (None, None) => (false, (String::new(), "the platform's answer does not mention this order".into())),
            };
            ShipmentOutcome { order_number: request.order_number.clone(), accepted, code, message }
        })
        .collect()
}
