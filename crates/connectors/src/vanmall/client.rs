//! The VanMall HTTP client: one order by number, GET with a JSON body.

use super::normalize::normalize;
use super::wire::{VanmallEnvelope, VanmallOrderData};
use crate::http::{HttpClient, join_url, retryable_status, secret_header};
use crate::wire::{RawJson, data_or_null, parse_envelope, read_raw};
use crate::{BadOrder, Capabilities, Connector, ConnectorError, ErrorKind, ListQuery, OrderPage, ShopSettings};
use async_trait::async_trait;
use jiff::tz::TimeZone;
use orderhub_model::{Order, Platform};
use reqwest::header::HeaderValue;
use serde_json::json;

const ENDPOINT: &str = "GET /manager/api/apps/openapi/order/info";

/// A connection to one VanMall store.
#[derive(Debug)]
pub struct VanmallConnector {
    shop: String,
    url: String,
    token: HeaderValue,
    zone: TimeZone,
    http: HttpClient,
}

impl VanmallConnector {
    pub fn new(settings: ShopSettings) -> Result<Self, ConnectorError> {
        let token = secret_header(&settings.shop, settings.token.expose())?;
        Ok(VanmallConnector {
            http: HttpClient::new(super::PLATFORM, settings.timeout, settings.rate_limit)?,
            url: join_url(&settings.base_url, "manager/api/apps/openapi/order/info"),
            zone: settings.timezone,
            shop: settings.shop,
            token,
        })
    }
}

fn malformed(detail: String) -> ConnectorError {
    ConnectorError::Malformed { platform: super::PLATFORM, endpoint: ENDPOINT, detail }
}

/// Reads the envelope: `code` 200 gives `data`; `Ok(None)` for an unknown order.
pub(crate) fn read_answer(status: u16, body: &[u8]) -> Result<Option<RawJson>, ConnectorError> {
    let platform = super::PLATFORM;
    retryable_status(platform, status)?;
    let envelope: VanmallEnvelope = parse_envelope(status, body).map_err(malformed)?;
    let code = envelope.code.unwrap_or_default();
    let message = envelope.message.unwrap_or_default();
    match code.as_str() {
        "200" => Ok(Some(data_or_null(envelope.data))),
        "404" => Ok(None),
        "" => Err(malformed(format!("HTTP {status}, no code in the answer"))),
        "401" | "403" => Err(ConnectorError::Unauthorized { platform, status, code: Some(code), message }),
        _ => Err(ConnectorError::Platform { platform, kind: ErrorKind::BadRequest, code, message, meaning: "" }),
    }
}

/// What VanMall can do: look orders up by number (it has no list).
pub(crate) const CAPABILITIES: Capabilities = Capabilities::read_only(None, &[], 1, true);

#[async_trait]
impl Connector for VanmallConnector {
    fn platform(&self) -> Platform {
        super::PLATFORM
    }

    fn shop(&self) -> &str {
        &self.shop
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    async fn list_page(&self, _query: &ListQuery) -> Result<OrderPage, ConnectorError> {
        Err(ConnectorError::Config(format!("shop {:?}: VanMall's API has no order list", self.shop)))
    }

    async fn fetch(&self, order_number: &str) -> Result<Option<Result<Order, BadOrder>>, ConnectorError> {
        // GET with a JSON body, as the document says.
        let request = self
            .http
            .request(reqwest::Method::GET, &self.url)
            .header("open-access-token", self.token.clone())
            .json(&json!({ "order_number": order_number }));
        let answer = self.http.send(request).await?;
        let Some(data) = read_answer(answer.status, &answer.body)? else { return Ok(None) };
        let data: VanmallOrderData = read_raw(&data).map_err(|e| malformed(format!("data: {e}")))?;
        let raw = data.order_info.ok_or_else(|| malformed("data has no order_info".into()))?;
        Ok(Some(
            normalize(&self.shop, &self.zone, &raw)
                .map_err(|e| BadOrder::numbered(&raw, Some(order_number.to_string()), e)),
        ))
    }

    fn api_calls(&self) -> u64 {
        self.http.calls()
    }

    fn platform_clock_offset(&self) -> Option<jiff::SignedDuration> {
        self.http.platform_clock_offset()
    }
}
