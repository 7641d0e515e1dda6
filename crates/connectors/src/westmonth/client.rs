//! The Westmonth HTTP client: one POST endpoint for windows and exact lookups.

use super::normalize::normalize;
use super::wire::{WestmonthEnvelope, WestmonthNumber, WestmonthOrderPage};
use crate::http::{HttpClient, join_url, retryable_status, secret_header};
use crate::wire::{RawJson, data_or_null, parse_envelope, read_raw, to_wall_clock};
use crate::{BadOrder, Capabilities, Connector, ConnectorError, ErrorKind, ListBy, ListQuery, OrderPage, ShopSettings};
use async_trait::async_trait;
use jiff::tz::TimeZone;
use orderhub_model::{Order, Platform};
use reqwest::header::HeaderValue;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// The page size orderhub asks for; the document names no cap (default 10).
pub const MAX_PER_PAGE: u32 = 100;

const ENDPOINT: &str = "POST /openapi/v2/order/status";

/// A connection to one Westmonth account.
#[derive(Debug)]
pub struct WestmonthConnector {
    shop: String,
    url: String,
    authorization: HeaderValue,
    zone: TimeZone,
    per_page: u32,
    http: HttpClient,
}

impl WestmonthConnector {
    pub fn new(settings: ShopSettings) -> Result<Self, ConnectorError> {
        let authorization = secret_header(&settings.shop, settings.token.expose())?;
        Ok(WestmonthConnector {
            http: HttpClient::new(Platform::Westmonth, settings.timeout, settings.rate_limit)?,
            url: join_url(&settings.base_url, "openapi/v2/order/status"),
            per_page: settings.page_size.unwrap_or(MAX_PER_PAGE).clamp(1, MAX_PER_PAGE),
            zone: settings.timezone,
            shop: settings.shop,
            authorization,
        })
    }

    async fn call(&self, body: Value) -> Result<WestmonthOrderPage, ConnectorError> {
        let request = self
            .http
            .request(reqwest::Method::POST, &self.url)
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .json(&body);
        let answer = self.http.send(request).await?;
        let data = read_answer(answer.status, &answer.body)?;
        read_raw::<WestmonthOrderPage>(&data).map_err(|e| malformed(e.to_string()))
    }

    fn normalize_all(&self, records: &[RawJson]) -> Vec<Result<Order, BadOrder>> {
        records.iter().map(|raw| self.normalize_one(raw)).collect()
    }

    fn normalize_one(&self, raw: &RawValue) -> Result<Order, BadOrder> {
        normalize(&self.shop, &self.zone, raw).map_err(|e| BadOrder::new(raw, "number", e))
    }
}

fn malformed(detail: String) -> ConnectorError {
    ConnectorError::Malformed { platform: Platform::Westmonth, endpoint: ENDPOINT, detail }
}

/// Reads the envelope: `code` 0 gives `data`; 3 is a refused authorization.
pub(crate) fn read_answer(status: u16, body: &[u8]) -> Result<RawJson, ConnectorError> {
    let platform = Platform::Westmonth;
    retryable_status(platform, status)?;
    if status == 401 || status == 403 {
        return Err(ConnectorError::Unauthorized { platform, status, code: None, message: String::new() });
    }
    let envelope: WestmonthEnvelope = parse_envelope(status, body).map_err(malformed)?;
    let code = envelope.code.unwrap_or_default();
    let message = envelope.msg.unwrap_or_default();
    match code.as_str() {
        "0" if status < 400 => Ok(data_or_null(envelope.data)),
        "" => Err(malformed(format!("HTTP {status}, no code in the answer"))),
        // The document: 3 = 授权无效 (bad or expired authorization).
        "3" => Err(ConnectorError::Unauthorized { platform, status, code: Some(code), message }),
        _ => Err(ConnectorError::Platform { platform, kind: ErrorKind::BadRequest, code, message, meaning: "" }),
    }
}

#[async_trait]
impl Connector for WestmonthConnector {
    fn platform(&self) -> Platform {
        Platform::Westmonth
    }

    fn shop(&self) -> &str {
        &self.shop
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            fetch_batch: self.per_page,
            ..Capabilities::read_only(Some(ListBy::UpdatedTime), &["all"], MAX_PER_PAGE, true)
        }
    }

    async fn list_page(&self, query: &ListQuery) -> Result<OrderPage, ConnectorError> {
        let body = json!({
            "type": 4,
            "start_time": to_wall_clock(query.from, &self.zone),
            "end_time": to_wall_clock(query.to, &self.zone),
            "page": query.page,
            "per_page": self.per_page,
        });
        let page = self.call(body).await?;
        // Pages are followed by number while the platform says there is a next one;
        // `next_page_url` itself names another host in the document's example.
        let last_page = page.next_page_url.is_none() || page.data.is_empty();
        Ok(OrderPage { orders: self.normalize_all(&page.data), pages_after: last_page.then_some(0), total: None })
    }

    async fn fetch(&self, order_number: &str) -> Result<Option<Result<Order, BadOrder>>, ConnectorError> {
        Ok(self.fetch_many(&[order_number.to_string()]).await?.pop().flatten())
    }

    async fn fetch_many(
        &self,
        order_numbers: &[String],
    ) -> Result<Vec<Option<Result<Order, BadOrder>>>, ConnectorError> {
        let mut by_number = std::collections::HashMap::new();
        for chunk in order_numbers.chunks(self.per_page as usize) {
            // One exact lookup per chunk, which fits one page, unless the
            // platform serves smaller pages than asked: then the next pages too.
            for page_number in 1..=chunk.len() {
                let body = json!({"type": 4, "order_numbers": chunk, "page": page_number, "per_page": self.per_page});
                let page = self.call(body).await?;
                let last = page.next_page_url.is_none() || page.data.is_empty();
                for raw in page.data {
                    if let Ok(WestmonthNumber { number: Some(number) }) = read_raw(&raw) {
                        by_number.insert(number, raw);
                    }
                }
                if last {
                    break;
                }
            }
        }
        Ok(order_numbers.iter().map(|number| by_number.remove(number).map(|raw| self.normalize_one(&raw))).collect())
    }

    fn api_calls(&self) -> u64 {
        self.http.calls()
    }

    fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        self.http.platform_clock_offset()
    }
}
