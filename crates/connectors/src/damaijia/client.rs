//! The Damaijia HTTP client: one POST endpoint, `status` codes from the document's table.

use super::normalize::{normalize, normalize_read};
use super::wire::{DamaijiaEnvelope, DamaijiaOrderPage, DamaijiaShopOrder};
use crate::http::{HttpClient, join_url, retryable_status, secret_header};
use crate::json_walk::{ListAnswer, Listed};
use crate::wire::{RawJson, data_or_null, parse_envelope};
use crate::{Capabilities, Connector, ConnectorError, ErrorKind, ListBy, ListQuery, OrderPage, ShopSettings};
use async_trait::async_trait;
use jiff::Timestamp;
use orderhub_model::Platform;
use reqwest::header::HeaderValue;
use serde_json::json;

/// The document: `size` 单页大小,限制100以内.
pub const MAX_SIZE: u32 = 100;

const ENDPOINT: &str = "POST /vv/external/requestDyErp/order-searchList";

/// A connection to one Douyin shop through Damaijia.
#[derive(Debug)]
pub struct DamaijiaConnector {
    shop: String,
    url: String,
    authorization: HeaderValue,
    remote_shop_id: String,
    created_from: Timestamp,
    size: crate::paging::ServedPageSize,
    http: HttpClient,
}

impl DamaijiaConnector {
    pub fn new(settings: ShopSettings) -> Result<Self, ConnectorError> {
        let remote_shop_id = settings.remote_shop_id.clone().ok_or_else(|| {
            ConnectorError::Config(format!(
                "shop {:?}: a damaijia shop needs remote_shop_id (the Douyin shop_id)",
                settings.shop
            ))
        })?;
        let authorization = secret_header(&settings.shop, settings.token.expose())?;
        Ok(DamaijiaConnector {
            http: HttpClient::new(super::PLATFORM, settings.timeout, settings.rate_limit)?,
            url: join_url(&settings.base_url, "vv/external/requestDyErp/order-searchList"),
            size: crate::paging::ServedPageSize::new(settings.page_size.unwrap_or(MAX_SIZE).clamp(1, MAX_SIZE)),
            created_from: settings.sync_from.unwrap_or(Timestamp::UNIX_EPOCH),
            shop: settings.shop,
            remote_shop_id,
            authorization,
        })
    }
}

fn malformed(detail: String) -> ConnectorError {
    ConnectorError::Malformed { platform: super::PLATFORM, endpoint: ENDPOINT, detail }
}

/// A search answer's page: its total and its orders.
#[derive(Debug)]
pub(crate) struct SearchPage<'a> {
    pub total: Option<i64>,
    pub orders: Vec<Listed<'a, DamaijiaShopOrder>>,
}

/// Where a successful search answer keeps its orders.
const SEARCH_ANSWER: ListAnswer =
    ListAnswer { code: "status", success: "0", list: "shop_order_list", page_size: MAX_SIZE as usize };

/// A search answer's page. A successful answer is walked
/// ([`ListAnswer::walk`]), each order read into its struct straight from the
/// answer, in one pass (a page is about 600 KB of JSON). Anything else (an
/// error status, an answer that needs the lenient reading, a shape the walk
/// does not take) is read by [`read_answer`], which says what it is; the
/// page's orders then refer to its `data`, kept in `fallback`, and are read
/// one by one by `normalize`.
pub(crate) fn read_page<'a>(
    http_status: u16,
    body: &'a [u8],
    fallback: &'a mut Option<RawJson>,
) -> Result<SearchPage<'a>, ConnectorError> {
    if retryable_status(super::PLATFORM, http_status).is_ok()
        && let Some((orders, total)) = SEARCH_ANSWER.walk_with_total(body)
    {
        return Ok(SearchPage { total, orders });
    }
    let data = fallback.insert(read_answer(http_status, body)?);
    let page: DamaijiaOrderPage = serde_json::from_str(data.get()).map_err(|e| malformed(e.to_string()))?;
    let orders = page.shop_order_list.into_iter().map(Listed::Unread).collect();
    Ok(SearchPage { total: page.total, orders })
}

/// Reads the envelope and classifies every status code of the document's table.
pub(crate) fn read_answer(http_status: u16, body: &[u8]) -> Result<RawJson, ConnectorError> {
    let platform = super::PLATFORM;
    retryable_status(platform, http_status)?;
    let envelope: DamaijiaEnvelope = parse_envelope(http_status, body).map_err(malformed)?;
    let code = envelope.status.unwrap_or_default();
    let message = envelope.msg.or(envelope.message).unwrap_or_default();
    let (kind, meaning) = match code.as_str() {
        "0" => return Ok(data_or_null(envelope.data)),
        "" => return Err(malformed(format!("HTTP {http_status}, no status in the answer"))),
        "100" => (ErrorKind::BadRequest, "request parameters wrong: a bug in orderhub, please report it"),
        "101" => (ErrorKind::Transient, "timed out, retry"),
        "103" => (ErrorKind::Auth, "the account does not exist: check the token"),
        "200" => (ErrorKind::Transient, "system error on Damaijia's side"),
        "203" => (ErrorKind::BadRequest, "this API is not supported"),
        "204" => (
            ErrorKind::Quota,
            "no permission for this API, or the call quota is spent: open or top up the API on damaijia168.com",
        ),
        "302" => (ErrorKind::Auth, "the shop is not authorised: scan the authorisation link to grant the shop"),
        _ => (ErrorKind::BadRequest, ""),
    };
    if kind == ErrorKind::Auth {
        return Err(ConnectorError::Unauthorized {
            platform,
            status: http_status,
            code: Some(code),
            message: format!("{message} ({meaning})"),
        });
    }
    Err(ConnectorError::Platform { platform, kind, code, message, meaning })
}

/// What Damaijia can do: list by update time.
pub(crate) const CAPABILITIES: Capabilities =
    Capabilities::read_only(Some(ListBy::UpdatedTime), &["all"], MAX_SIZE, false);

#[async_trait]
impl Connector for DamaijiaConnector {
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
        let page = query.page.saturating_sub(1); // the document's pages start at 0
        let body = json!({
            "shop_id": self.remote_shop_id,
            "params": {
                "create_time_start": self.created_from.as_second(),
                "update_time_start": query.from.as_second(),
                "update_time_end": query.to.as_second(),
                "order_by": "update_time",
                "order_asc": true,
                "page": page,
                "size": self.size.asked(),
            }
        });
        let request = self
            .http
            .request(reqwest::Method::POST, &self.url)
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .json(&body);
        let answer = self.http.send(request).await?;
        let mut fallback = None;
        let data = read_page(answer.status, &answer.body, &mut fallback)?;
        let total = data.total.and_then(|t| u64::try_from(t).ok());
        let pages_after = self.size.pages_after(u64::from(page), data.orders.len() as u64, total);
        let orders = data
            .orders
            .into_iter()
            .map(|listed| {
                listed.normalize(
                    "order_id",
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
