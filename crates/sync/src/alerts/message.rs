//! What an alert says, and how each service wants it: WeCom's markdown
//! robot message, DingTalk's signed markdown message, Feishu's signed text
//! message, or orderhub's own signed JSON for any URL.
//!
//! The signing follows each service's document exactly:
//! - DingTalk (钉钉自定义机器人, 加签): `sign` = URL-encoded Base64 of the
//!   HMAC-SHA256, keyed with the secret, of `timestamp + "\n" + secret`
//!   (timestamp in milliseconds); both go in the URL's query.
//! - Feishu (飞书自定义机器人, 签名校验): `sign` = Base64 of the HMAC-SHA256
//!   keyed with `timestamp + "\n" + secret` over an empty message
//!   (timestamp in seconds); both go in the JSON body.
//! - WeCom (企业微信群机器人) has no signature: its URL's `key` is the secret.

use super::{Alert, Language, Service};
use orderhub_store::{AttentionItem, Severity};
use ring::hmac;
use serde_json::{Value, json};

/// Items listed one by one in a message; the rest are counted.
pub const LISTED: usize = 10;

/// One request to a service.
#[derive(Debug)]
pub struct AlertRequest {
    pub url: String,
    pub body: Value,
    /// Extra headers (the webhook's signature).
    pub headers: Vec<(&'static str, String)>,
}

/// The request that sends `items` (one digest) through `alert` at unix
/// time `now_ms`.
pub fn request(alert: &Alert, items: &[AttentionItem], now_ms: i64) -> AlertRequest {
    let (title, lines) = digest(alert, items);
    let url = alert.url.expose().to_string();
    let markdown = format!("### {title}\n{}", lines.join("\n"));
    let plain = format!("{title}\n{}", lines.join("\n"));
    match alert.service {
        Service::WeCom => AlertRequest {
            url,
            body: json!({"msgtype": "markdown", "markdown": {"content": markdown}}),
            headers: Vec::new(),
        },
        Service::DingTalk => {
            let url = match &alert.secret {
                Some(secret) => {
                    let sign = dingtalk_sign(secret.expose(), now_ms);
                    let mut signed =
                        reqwest::Url::parse(&url).expect("an alert's URL is checked when it is configured");
                    signed.query_pairs_mut().append_pair("timestamp", &now_ms.to_string()).append_pair("sign", &sign);
                    signed.to_string()
                }
                None => url,
            };
            let body = json!({"msgtype": "markdown", "markdown": {"title": title, "text": markdown}});
            AlertRequest { url, body, headers: Vec::new() }
        }
        Service::Feishu => {
            let mut body = json!({"msg_type": "text", "content": {"text": plain}});
            if let Some(secret) = &alert.secret {
                let seconds = now_ms.div_euclid(1000);
                body["timestamp"] = json!(seconds.to_string());
                body["sign"] = json!(feishu_sign(secret.expose(), seconds));
            }
            AlertRequest { url, body, headers: Vec::new() }
        }
        Service::Webhook => {
            let body = json!({"alert": alert.name, "title": title, "text": plain, "items": items});
            let headers = match &alert.secret {
                Some(secret) => {
                    let seconds = now_ms.div_euclid(1000);
                    let bytes = serde_json::to_vec(&body).expect("JSON serialises");
                    vec![
                        ("X-Orderhub-Timestamp", seconds.to_string()),
                        ("X-Orderhub-Signature", crate::signature(secret.expose(), seconds, &bytes)),
                    ]
                }
                None => Vec::new(),
            };
            AlertRequest { url, body, headers }
        }
    }
}

/// Whether a service's answer (HTTP 2xx already) says it took the message:
/// WeCom and DingTalk answer `errcode` 0, Feishu `code` 0 (or the older
/// `StatusCode` 0); any 2xx will do for a plain webhook.
pub fn accepted(service: Service, answer: &Value) -> Result<(), String> {
    let code = match service {
        Service::Webhook => return Ok(()),
        Service::WeCom | Service::DingTalk => answer.get("errcode").and_then(Value::as_i64),
        Service::Feishu => answer.get("code").or_else(|| answer.get("StatusCode")).and_then(Value::as_i64),
    };
    match code {
        Some(0) => Ok(()),
        _ => Err(format!("the service refused the message: {answer}")),
    }
}

/// DingTalk's `sign` for `timestamp_ms`, before URL-encoding.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    base64(hmac::sign(&key, format!("{timestamp_ms}\n{secret}").as_bytes()).as_ref())
}

/// Feishu's `sign` for `timestamp` (seconds).
pub fn feishu_sign(secret: &str, timestamp: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, format!("{timestamp}\n{secret}").as_bytes());
    base64(hmac::sign(&key, b"").as_ref())
}

/// Standard Base64 with padding (RFC 4648 §4), the encoding both services name.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            match i <= chunk.len() {
                true => out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize])),
                false => out.push('='),
            }
        }
    }
    out
}

/// The message's title and lines: counts by severity, the first
/// [`LISTED`] items, how many more, and where to see them all.
fn digest(alert: &Alert, items: &[AttentionItem]) -> (String, Vec<String>) {
    let zh = alert.language == Language::Zh;
    let critical = items.iter().filter(|i| i.severity == Severity::Critical).count();
    let warning = items.len() - critical;
    let title = match zh {
        true => format!("orderhub:{} 项需要处理(严重 {critical},警告 {warning})", items.len()),
        false => format!("orderhub: {} items need attention ({critical} critical, {warning} warning)", items.len()),
    };
    let mut lines: Vec<String> = items.iter().take(LISTED).map(|item| line(alert, item)).collect();
    if items.len() > LISTED {
        let more = items.len() - LISTED;
        lines.push(if zh { format!("…… 另有 {more} 项") } else { format!("… and {more} more") });
    }
    if let Some(base) = &alert.public_url {
        let base = base.trim_end_matches('/');
        lines.push(if zh { format!("全部:{base}/attention") } else { format!("All of them: {base}/attention") });
    }
    (title, lines)
}

fn line(alert: &Alert, item: &AttentionItem) -> String {
    let zh = alert.language == Language::Zh;
    let severity = match (item.severity, zh) {
        (Severity::Critical, true) => "严重",
        (Severity::Warning, true) => "警告",
        (Severity::Critical, false) => "critical",
        (Severity::Warning, false) => "warning",
    };
    let kind = if zh { kind_in_chinese(&item.kind) } else { item.kind.as_str() };
    let what = match (&item.shop, &item.order_id) {
        (_, Some(order)) => order.clone(),
        (Some(shop), None) => shop.clone(),
        (None, None) => String::new(),
    };
    let link = match (&alert.public_url, &item.order_id) {
        (Some(base), Some(order)) => format!(" {}/orders/{order}", base.trim_end_matches('/')),
        _ => String::new(),
    };
    format!("- [{severity}] {kind} {what}: {}{link}", item.reason)
}

fn kind_in_chinese(kind: &str) -> &str {
    match kind {
        crate::attention::SHOP_PAUSED => "店铺已暂停同步",
        crate::attention::SHOP_STALLED => "店铺同步停滞",
        crate::attention::WRITEBACK_FAILED => "回传失败",
        crate::attention::UNREADABLE_ORDER => "订单无法读取",
        crate::attention::SHIP_DEADLINE => "发货时限",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_rfc_4648() {
        for (bytes, encoded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(bytes.as_bytes()), encoded);
        }
    }

    #[test]
    fn signatures_follow_the_services_documents() {
        // Computed independently with Python's hmac and base64 modules.
        assert_eq!(dingtalk_sign("SEC000", 1_700_000_000_000), "ltBBey5eZrWKh1cPzFIdz3v3xpkc4Tjx4lLsPSHqdtA=");
        assert_eq!(feishu_sign("feishu-secret", 1_700_000_000), "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=");
    }
}
