//! The Westmonth HTTP client: one POST endpoint for windows and exact lookups.

use super::normalize::{normalize, normalize_read};
use super::wire::{WestmonthEnvelope, WestmonthNumber, WestmonthOrder, WestmonthOrderPage};
use crate::http::{HttpAnswer, HttpClient, join_url, retryable_status, secret_header};
use crate::json_walk::{ListAnswer, Listed, once};
use crate::wire::{RawJson, data_or_null, parse_envelope, read_raw, to_wall_clock};
use crate::{BadOrder, Capabilities, Connector, ConnectorError, ErrorKind, ListBy, ListQuery, OrderPage, ShopSettings};
use async_trait::async_trait;
use jiff::tz::TimeZone;
use orderhub_model::{Order, Platform};
use reqwest::header::HeaderValue;
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
            http: HttpClient::new(super::PLATFORM, settings.timeout, settings.rate_limit)?,
            url: join_url(&settings.base_url, "openapi/v2/order/status"),
            per_page: settings.page_size.unwrap_or(MAX_PER_PAGE).clamp(1, MAX_PER_PAGE),
            zone: settings.timezone,
            shop: settings.shop,
            authorization,
        })
    }

    async fn call(&self, body: Value) -> Result<HttpAnswer, ConnectorError> {
        let request = self
            .http
            .request(reqwest::Method::POST, &self.url)
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .json(&body);
        self.http.send(request).await
    }

    /// Normalises one order of a page, with its number when it has one.
    fn normalize_listed(&self, listed: Listed<'_, WestmonthOrder>) -> (Option<String>, Result<Order, BadOrder>) {
        let number = match &listed {
            Listed::Read(order, _) => order.number.clone(),
            Listed::Unread(raw) => read_raw::<WestmonthNumber>(raw).ok().and_then(|n| n.number),
        };
        let normalized = listed.normalize(
            "number",
            |order, text| normalize_read(&self.shop, &self.zone, order, text),
            |raw| normalize(&self.shop, &self.zone, raw),
        );
        (number, normalized)
    }
}

/// A page of a status answer: its orders, and whether another follows.
#[derive(Debug)]
pub(crate) struct StatusPage<'a> {
    pub next_page_url: Option<String>,
    pub orders: Vec<Listed<'a, WestmonthOrder>>,
}

impl StatusPage<'_> {
    /// Pages are followed by number while the platform says there is a next
    /// one; `next_page_url` itself names another host in the document's example.
    fn last(&self) -> bool {
        self.next_page_url.is_none() || self.orders.is_empty()
    }
}

/// Where a successful answer keeps its orders (Laravel's simple paginator in `data`).
const STATUS_ANSWER: ListAnswer =
    ListAnswer { code: "code", success: "0", list: "data", page_size: MAX_PER_PAGE as usize };

/// A status answer's page. A successful answer is walked
/// ([`ListAnswer::walk`]): each order read into its struct straight from the
/// answer, in one pass. Anything else is read by [`read_answer`], which says
/// what it is; the page's orders then refer to its `data`, kept in
/// `fallback`, and are read one by one by `normalize`.
pub(crate) fn read_page<'a>(
    status: u16,
    body: &'a [u8],
    fallback: &'a mut Option<WestmonthOrderPage>,
) -> Result<StatusPage<'a>, ConnectorError> {
    if status < 400 {
        let mut next_page_url = None;
        let walked = STATUS_ANSWER.walk(body, |key, walk| match key {
            "next_page_url" => once(&mut next_page_url, walk.text()),
            _ => Some(false),
        });
        if let Some(orders) = walked {
            return Ok(StatusPage { next_page_url: next_page_url.flatten(), orders });
        }
    }
    let data = read_answer(status, body)?;
    let page = fallback.insert(read_raw(&data).map_err(|e| malformed(e.to_string()))?);
    let orders = page.data.iter().map(|raw| Listed::Unread(raw)).collect();
    Ok(StatusPage { next_page_url: page.next_page_url.clone(), orders })
}

fn malformed(detail: String) -> ConnectorError {
    ConnectorError::Malformed { platform: super::PLATFORM, endpoint: ENDPOINT, detail }
}

/// Reads the envelope: `code` 0 gives `data`; 3 is a refused authorization.
pub(crate) fn read_answer(status: u16, body: &[u8]) -> Result<RawJson, ConnectorError> {
    let platform = super::PLATFORM;
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

/// What Westmonth can do: list by update time, look orders up by number
/// (a shop's lookups take its page size of numbers at a time).
pub(crate) const CAPABILITIES: Capabilities =
    Capabilities::read_only(Some(ListBy::UpdatedTime), &["all"], MAX_PER_PAGE, true);

#[async_trait]
impl Connector for WestmonthConnector {
    fn platform(&self) -> Platform {
        super::PLATFORM
    }

    fn shop(&self) -> &str {
        &self.shop
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { fetch_batch: self.per_page, ..CAPABILITIES }
    }

    async fn list_page(&self, query: &ListQuery) -> Result<OrderPage, ConnectorError> {
        let body = json!({
            "type": 4,
            "start_time": to_wall_clock(query.from, &self.zone),
            "end_time": to_wall_clock(query.to, &self.zone),
            "page": query.page,
            "per_page": self.per_page,
        });
        let answer = self.call(body).await?;
        let mut fallback = None;
        let page = read_page(answer.status, &answer.body, &mut fallback)?;
        let last_page = page.last();
        let orders = page.orders.into_iter().map(|listed| self.normalize_listed(listed).1).collect();
        Ok(OrderPage { orders, pages_after: last_page.then_some(0), total: None })
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
                let answer = self.call(body).await?;
                let mut fallback = None;
                let page = read_page(answer.status, &answer.body, &mut fallback)?;
                let last = page.last();
                for listed in page.orders {
                    if let (Some(number), normalized) = self.normalize_listed(listed) {
                        by_number.insert(number, normalized);
                    }
                }
                if last {
                    break;
                }
            }
        }
        Ok(order_numbers.iter().map(|number| by_number.remove(number)).collect())
    }

    fn api_calls(&self) -> u64 {
        self.http.calls()
    }

    fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        self.http.platform_clock_offset()
    }
}
