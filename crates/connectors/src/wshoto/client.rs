//! The Wshoto HTTP client: one list endpoint, a query-string token, `code` 0.

use super::normalize::{normalize, normalize_read};
use super::wire::{WshotoEnvelope, WshotoOrder, WshotoOrderPage};
use crate::http::{HttpClient, join_url, retryable_status};
use crate::json_walk::{ListAnswer, Listed};
use crate::wire::{RawJson, data_or_null, parse_envelope, read_raw};
use crate::{Capabilities, Connector, ConnectorError, ErrorKind, ListBy, ListQuery, OrderPage, ShopSettings};
use async_trait::async_trait;
use orderhub_model::Platform;
use serde_json::json;

/// The largest page the simulator serves; the document names no cap.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A connection to one Wshoto mall.
#[derive(Debug)]
pub struct WshotoConnector {
    shop: String,
    url: String,
    token: crate::Secret,
    page_size: crate::paging::ServedPageSize,
    http: HttpClient,
}

impl WshotoConnector {
    pub fn new(settings: ShopSettings) -> Result<Self, ConnectorError> {
        Ok(WshotoConnector {
            http: HttpClient::new(super::PLATFORM, settings.timeout, settings.rate_limit)?,
            url: join_url(&settings.base_url, "openapi/mall/order/list"),
            page_size: crate::paging::ServedPageSize::new(
                settings.page_size.unwrap_or(MAX_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
            ),
            token: settings.token,
            shop: settings.shop,
        })
    }
}

const ENDPOINT: &str = "GET /openapi/mall/order/list";

/// A list answer's page: its total and its orders.
#[derive(Debug)]
pub(crate) struct ListPage<'a> {
    pub total: Option<i64>,
    pub orders: Vec<Listed<'a, WshotoOrder>>,
}

/// Where a successful list answer keeps its orders.
const LIST_ANSWER: ListAnswer =
    ListAnswer { code: "code", success: "0", list: "records", page_size: MAX_PAGE_SIZE as usize };

/// A list answer's page. A successful answer is walked
/// ([`ListAnswer::walk`]): each order read into its struct straight from the
/// answer, in one pass. Anything else is read by [`read_answer`], which says
/// what it is; the page's orders then refer to its `data`, kept in
/// `fallback`, and are read one by one by `normalize`.
pub(crate) fn read_page<'a>(
    status: u16,
    body: &'a [u8],
    fallback: &'a mut Option<WshotoOrderPage>,
) -> Result<ListPage<'a>, ConnectorError> {
    if status < 400
        && let Some((orders, total)) = LIST_ANSWER.walk_with_total(body)
    {
        return Ok(ListPage { total, orders });
    }
    let data = read_answer(status, body)?;
    let page = fallback.insert(read_raw(&data).map_err(|e| ConnectorError::Malformed {
        platform: super::PLATFORM,
        endpoint: ENDPOINT,
        detail: e.to_string(),
    })?);
    Ok(ListPage { total: page.total, orders: page.records.iter().map(|raw| Listed::Unread(raw)).collect() })
}

/// Reads the envelope: `code` 0 gives `data`; anything else is classified.
pub(crate) fn read_answer(status: u16, body: &[u8]) -> Result<RawJson, ConnectorError> {
    let platform = super::PLATFORM;
    retryable_status(platform, status)?;
    if status == 401 || status == 403 {
        return Err(ConnectorError::Unauthorized { platform, status, code: None, message: String::new() });
    }
    let malformed = |detail: String| ConnectorError::Malformed { platform, endpoint: ENDPOINT, detail };
    let envelope: WshotoEnvelope = parse_envelope(status, body).map_err(malformed)?;
    let code = envelope.code.unwrap_or_default();
    let message = envelope.msg.unwrap_or_default();
    let (kind, meaning) = match code.as_str() {
        "0" if status < 400 => return Ok(data_or_null(envelope.data)),
        "" => return Err(malformed(format!("HTTP {status}, no code in the answer"))),
        // WeCom's codes, which Wshoto's open platform follows.
        "40001" | "40014" | "42001" => {
            return Err(ConnectorError::Unauthorized { platform, status, code: Some(code), message });
        }
        "-1" => (ErrorKind::Transient, "platform busy, retry"),
        "45009" | "45011" => (ErrorKind::Quota, "call frequency or quota exceeded"),
        _ => (ErrorKind::BadRequest, ""),
    };
    Err(ConnectorError::Platform { platform, kind, code, message, meaning })
}

/// What Wshoto can do: list by update time.
pub(crate) const CAPABILITIES: Capabilities =
    Capabilities::read_only(Some(ListBy::UpdatedTime), &["all"], MAX_PAGE_SIZE, false);

#[async_trait]
impl Connector for WshotoConnector {
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
        // GET with a JSON body, as the document says; `type` 3 = update time.
        let body = json!({
            "type": 3,
            "start_time": query.from.as_second(),
            "end_time": query.to.as_second(),
            "current_index": query.page,
            "page_size": self.page_size.asked(),
        });
        let request = self
            .http
            .request(reqwest::Method::GET, &self.url)
            .query(&[("access_token", self.token.expose())])
            .json(&body);
        let answer = self.http.send(request).await?;
        let mut fallback = None;
        let page = read_page(answer.status, &answer.body, &mut fallback)?;
        let total = page.total.and_then(|t| u64::try_from(t).ok());
        let index = u64::from(query.page.saturating_sub(1));
        let pages_after = self.page_size.pages_after(index, page.orders.len() as u64, total);
        let orders = page
            .orders
            .into_iter()
            .map(|listed| {
                listed.normalize(
                    "order_code",
                    |order, text| normalize_read(&self.shop, order, text),
                    |raw| normalize(&self.shop, raw),
                )
            })
            .collect();
        Ok(OrderPage { orders, pages_after: Some(pages_after), total })
    }

    fn api_calls(&self) -> u64 {
        self.http.calls()
    }

    fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        self.http.platform_clock_offset()
    }
}
