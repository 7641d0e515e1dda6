//! `[[alerts]]`: new attention items sent to the team's chat (a WeCom,
//! DingTalk or Feishu group robot) or to any URL, as digests; checked as
//! the rest of the file is.

use super::{ConfigError, Loader, Origin, SecretField, with_origin};
use orderhub_store::Severity;
use orderhub_sync::{Alert, AlertLanguage, AlertService};
use serde::Deserialize;
use std::time::Duration;
use toml::Spanned;

/// An `[[alerts]]` table. No `Debug`: its URL holds the robot's key.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileAlert {
    /// A name for it, unique: what it has sent is kept under it.
    name: Option<Spanned<String>>,
    /// `wecom` (企业微信群机器人), `dingtalk` (钉钉自定义机器人), `feishu`
    /// (飞书自定义机器人) or `webhook` (any URL: orderhub's JSON).
    kind: Option<Spanned<String>>,
    /// The robot's webhook URL, with its key. Prefer `url_env`.
    url: Option<Spanned<String>>,
    /// Name of an environment variable holding the URL.
    url_env: Option<Spanned<String>>,
    /// DingTalk's 加签 or Feishu's 签名校验 secret (the robot's security
    /// setting), or the webhook's HMAC key. Prefer `secret_env`.
    secret: Option<Spanned<String>>,
    /// Name of an environment variable holding the secret.
    secret_env: Option<Spanned<String>>,
    /// The kinds sent: `shop_paused`, `shop_stalled`, `writeback_failed`,
    /// `unreadable_order`. Default: every kind.
    kinds: Option<Vec<Spanned<String>>>,
    /// The severities sent: `critical`, `warning`. Default: both.
    severities: Option<Vec<Spanned<String>>>,
    /// Seconds the first new item waits for others to join its message
    /// (1 to 3600). Default 60.
    digest_seconds: Option<Spanned<i64>>,
    /// `zh` (the default) or `en`.
    language: Option<Spanned<String>>,
}

/// The alert `file`, the `index`th, checked against those before it;
/// `public_url` is `server.public_url`.
pub(super) fn alert_config(
    loader: &Loader,
    index: usize,
    file: Spanned<FileAlert>,
    before: &[Alert],
    public_url: Option<&str>,
) -> Result<Alert, ConfigError> {
    let table = Origin::File(file.span());
    let file = file.into_inner();
    let key = |field: &str| format!("alerts[{index}].{field}");
    let (name, origin) = file.name.map(with_origin).ok_or_else(|| {
        loader.error(&table, key("name"), "missing: give each alert a name, e.g. name = \"ops-wecom\"")
    })?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
        return Err(loader.error(&origin, key("name"), format!("{name:?}: use letters, digits, '-' or '_'")));
    }
    if before.iter().any(|a| a.name == name) {
        return Err(loader.error(&origin, key("name"), format!("{name:?}: every alert needs its own name")));
    }
    let (kind, kind_origin) = file
        .kind
        .map(with_origin)
        .ok_or_else(|| loader.error(&table, key("kind"), "missing: wecom, dingtalk, feishu or webhook"))?;
    let service = AlertService::parse(&kind).ok_or_else(|| {
        loader.error(&kind_origin, key("kind"), format!("{kind:?}: use wecom, dingtalk, feishu or webhook"))
    })?;
    let url_field = SecretField {
        key: key("url"),
        env_key: key("url_env"),
        what: "the robot's webhook URL",
        if_empty: "give the robot's webhook URL, or url_env",
        if_missing: "set url_env (an environment variable holding the robot's webhook URL) or url".into(),
    };
    let url_origin = file.url.as_ref().map_or_else(|| table.clone(), |url| Origin::File(url.span()));
    let url = loader.secret(file.url.map(with_origin), file.url_env.map(with_origin), &url_field, &table)?;
    // The URL holds the robot's key: a refusal names the field, not the value.
    let parsed = reqwest::Url::parse(url.expose());
    if !parsed.is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some()) {
        return Err(loader.error(&url_origin, key("url"), "is not an http:// or https:// URL"));
    }
    let secret = match (file.secret.is_some(), file.secret_env.is_some()) {
        (false, false) => None,
        _ => {
            let field = SecretField {
                key: key("secret"),
                env_key: key("secret_env"),
                what: "the robot's signing secret",
                if_empty: "give the signing secret, or secret_env",
                if_missing: String::new(),
            };
            Some(loader.secret(file.secret.map(with_origin), file.secret_env.map(with_origin), &field, &table)?)
        }
    };
    if secret.is_some() && service == AlertService::WeCom {
        return Err(loader.error(
            &table,
            key("secret"),
            "WeCom robots are not signed: the key in the URL is the secret",
        ));
    }
    Ok(Alert {
        name,
        service,
        url,
        secret,
        kinds: kinds(loader, file.kinds, &key("kinds"))?,
        severities: severities(loader, file.severities, &key("severities"))?,
        digest: digest(loader, file.digest_seconds, &key("digest_seconds"))?,
        language: language(loader, file.language, &key("language"))?,
        public_url: public_url.map(str::to_string),
        timeout: Duration::from_secs(10),
    })
}

fn kinds(loader: &Loader, given: Option<Vec<Spanned<String>>>, key: &str) -> Result<Vec<String>, ConfigError> {
    let mut kinds = Vec::new();
    for (kind, origin) in given.unwrap_or_default().into_iter().map(with_origin) {
        if !orderhub_sync::attention::KINDS.contains(&kind.as_str()) {
            let known = orderhub_sync::attention::KINDS.join(", ");
            return Err(loader.error(&origin, key, format!("{kind:?} is not a kind: use {known}")));
        }
        kinds.push(kind);
    }
    Ok(kinds)
}

fn severities(loader: &Loader, given: Option<Vec<Spanned<String>>>, key: &str) -> Result<Vec<Severity>, ConfigError> {
    let Some(given) = given else { return Ok(vec![Severity::Critical, Severity::Warning]) };
    let mut severities = Vec::new();
    for (name, origin) in given.into_iter().map(with_origin) {
        match name.as_str() {
            "critical" => severities.push(Severity::Critical),
            "warning" => severities.push(Severity::Warning),
            _ => {
                return Err(loader.error(&origin, key, format!("{name:?} is not a severity: use critical or warning")));
            }
        }
    }
    Ok(severities)
}

fn digest(loader: &Loader, given: Option<Spanned<i64>>, key: &str) -> Result<Duration, ConfigError> {
    let Some(given) = given else { return Ok(Duration::from_secs(60)) };
    let origin = Origin::File(given.span());
    match u64::try_from(*given.get_ref()) {
        Ok(seconds @ 1..=3600) => Ok(Duration::from_secs(seconds)),
        _ => Err(loader.error(&origin, key, format!("{} is not a number of seconds from 1 to 3600", given.get_ref()))),
    }
}

fn language(loader: &Loader, given: Option<Spanned<String>>, key: &str) -> Result<AlertLanguage, ConfigError> {
    match given.map(with_origin) {
        None => Ok(AlertLanguage::Zh),
        Some((name, _)) if name == "zh" => Ok(AlertLanguage::Zh),
        Some((name, _)) if name == "en" => Ok(AlertLanguage::En),
        Some((name, origin)) => Err(loader.error(&origin, key, format!("{name:?}: use zh or en"))),
    }
}
