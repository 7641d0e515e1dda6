//! The configuration file (`orderhub.toml`) and its environment overrides.
//!
//! Every key can be set by an environment variable, which wins over the file:
//! `ORDERHUB_DATABASE_URL`, `ORDERHUB_SERVER_LISTEN`, and for a shop
//! `ORDERHUB_SHOP_<KEY>_<FIELD>` (the shop key and field in upper case, with `-`
//! and `.` as `_`), e.g. `ORDERHUB_SHOP_BELMENT_TOKEN`.
//!
//! Errors name the file, the line, the key and what to do. A token never appears
//! in an error, a log line or `Debug` output.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{Secret, ShopSettings};
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// The configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DATABASE`.
    pub database_url: String,
    /// Where `serve` and `demo` listen.
    pub listen: String,
    pub shops: Vec<ShopConfig>,
    /// Where change events are pushed.
    pub webhooks: Vec<orderhub_sync::Webhook>,
    /// Where change events are published (message brokers).
    pub sinks: Vec<orderhub_sync::Sink>,
    /// Where new attention items are sent (team chat robots, URLs).
    pub alerts: Vec<orderhub_sync::Alert>,
}

/// One shop, validated.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// What the connector needs (key, platform, URL, token, zone, ...).
    pub settings: ShopSettings,
    /// Where the first sync starts.
    pub sync_from: Timestamp,
    /// How often `serve` syncs the shop.
    pub sync_every: Duration,
    /// Orders created within this span are re-read each sync (platforms that list
    /// by creation time only).
    pub refresh_window: SignedDuration,
    /// List requests in flight at once.
    pub max_in_flight: usize,
    /// When its orders must ship (`ship_within`, `ship_warn_before`); `None`
    /// with `ship_within = "off"`.
    pub ship_deadline: Option<orderhub_sync::ShipDeadline>,
    /// The file was written by `orderhub sandbox` or `demo`
    /// ([`WRITTEN_BY_SANDBOX`]): the shop's platform is a simulator that
    /// runs only while they do.
    pub simulated: bool,
}

/// The first line of a configuration `orderhub sandbox` and `demo` write.
pub const WRITTEN_BY_SANDBOX: &str = "# Written by `orderhub sandbox`";

impl ShopConfig {
    pub fn key(&self) -> &str {
        &self.settings.shop
    }
}

/// A configuration problem: where it is and what to do about it.
#[derive(Debug)]
pub struct ConfigError {
    /// The file, with `:line` when known, or the environment variable.
    pub place: String,
    /// The key in TOML terms (`shops[0].timezone`), when known.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{}: {key}: {}", self.place, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

// ---- the file as written ---------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    database: FileDatabase,
    #[serde(default)]
    server: FileServer,
    #[serde(default)]
    shops: Vec<Spanned<FileShop>>,
    #[serde(default)]
    webhooks: Vec<Spanned<FileWebhook>>,
    #[serde(default)]
    sinks: Vec<Spanned<sinks::FileSink>>,
    #[serde(default)]
    alerts: Vec<Spanned<alerts::FileAlert>>,
}

/// A `[[webhooks]]` table: a URL that receives every order change, signed.
/// No `Debug`: it holds the secret.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWebhook {
    /// A name for it, unique: its delivery progress is kept under it.
    name: Option<Spanned<String>>,
    /// `http://` or `https://` URL that receives `POST {"events": [...]}`.
    url: Option<Spanned<String>>,
    /// The HMAC-SHA256 key of `X-Orderhub-Signature`. Prefer `secret_env`.
    secret: Option<Spanned<String>>,
    /// Name of an environment variable holding the secret.
    secret_env: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileDatabase {
    /// `sqlite://PATH` (a file, created if missing; the default is
    /// `sqlite://orderhub.db`) or `postgres://USER:PASSWORD@HOST:PORT/DATABASE`
    /// (the database must exist; orderhub creates its tables). Prefer the
    /// `ORDERHUB_DATABASE_URL` environment variable for a URL with a password.
    url: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileServer {
    /// Address the API listens on. Default `127.0.0.1:8080`.
    listen: Option<Spanned<String>>,
    /// The dashboard's address as the team reaches it (behind a proxy, say:
    /// `https://orders.example.com`); alerts link to it when set.
    public_url: Option<Spanned<String>>,
}

/// A `[[shops]]` table. No `Debug`: it holds the token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShop {
    /// The shop key used everywhere (hub ids, CLI `--shop`).
    key: Option<Spanned<String>>,
    /// A platform key, e.g. `shoptima` (`GET /api/v1/platforms` lists them).
    platform: Option<Spanned<String>>,
    /// Everything before the document's endpoint path.
    base_url: Option<Spanned<String>>,
    /// The platform token. Prefer `token_env`.
    token: Option<Spanned<String>>,
    /// Name of an environment variable holding the token.
    token_env: Option<Spanned<String>>,
    /// Word before the token in `Authorization` where the document leaves it open
    /// (Shoptima: default `Bearer`; `""` sends the bare token).
    auth_scheme: Option<Spanned<String>>,
    /// IANA zone of the platform's wall-clock times. Default `Asia/Shanghai`.
    timezone: Option<Spanned<String>>,
    /// Damaijia only: the Douyin shop_id.
    remote_shop_id: Option<Spanned<String>>,
    /// RFC 3339 instant where the first sync starts. Default: 30 days ago.
    sync_from: Option<Spanned<String>>,
    /// How often `serve` syncs: `30s`, `5m`, `1h`. Default `5m`.
    sync_every: Option<Spanned<String>>,
    /// Orders created within this span are re-read each sync. Default `30d`.
    refresh_window: Option<Spanned<String>>,
    /// An order must ship this long after it was paid: its `ship_by`, and an
    /// attention item as the deadline nears or passes. `"off"`: no deadline.
    /// Default `48h`.
    ship_within: Option<Spanned<String>>,
    /// How long before its deadline an unshipped order needs attention. Default `12h`.
    ship_warn_before: Option<Spanned<String>>,
    /// Page size to ask for. Default: the platform's largest.
    page_size: Option<Spanned<u32>>,
    /// Per-request time limit. Default `30s`.
    timeout: Option<Spanned<String>>,
    /// At most this many requests: `"10/s"`, `"600/m"`, `"5000/h"`. Default: no limit.
    rate_limit: Option<Spanned<String>>,
    /// List requests in flight at once, 1 to 32. Default 4. A long window
    /// (a first sync, a catch-up) is read in spans at the same time; the
    /// `rate_limit` still caps the requests per second.
    max_in_flight: Option<Spanned<u32>>,
}

// ---- loading ----------------------------------------------------------------

/// Where a value came from, for error messages.
#[derive(Clone)]
enum Origin {
    File(Range<usize>),
    Env(String),
    Default,
}

struct Loader<'a> {
    path: &'a Path,
    text: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Loader<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].matches('\n').count() + 1
    }

    fn error(&self, origin: &Origin, key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        let place = match origin {
            Origin::File(span) => format!("{}:{}", self.path.display(), self.line_of(span.start)),
            Origin::Env(var) => format!("environment variable {var}"),
            Origin::Default => self.path.display().to_string(),
        };
        ConfigError { place, key: Some(key.into()), message: message.into() }
    }

    /// A value from the environment if set there, else from the file.
    fn pick(&self, var: &str, file: Option<Spanned<String>>) -> Option<(String, Origin)> {
        if let Some(value) = (self.env)(var) {
            return Some((value, Origin::Env(var.to_string())));
        }
        file.map(with_origin)
    }

    /// A value from the environment or the file (`pick`), read by `read`;
    /// `refusal` says why a text is refused.
    fn read<T>(
        &self,
        var: &str,
        file: Option<Spanned<String>>,
        key: &str,
        read: impl Fn(&str) -> Option<T>,
        refusal: impl Fn(&str) -> String,
    ) -> Result<Option<T>, ConfigError> {
        let Some((text, origin)) = self.pick(var, file) else { return Ok(None) };
        read(&text).map(Some).ok_or_else(|| self.error(&origin, key, refusal(&text)))
    }

    /// A secret given as itself, or as the name of the environment variable
    /// that holds it; `table` is where it is missing from.
    fn secret(
        &self,
        given: Option<(String, Origin)>,
        env_name: Option<(String, Origin)>,
        field: &SecretField,
        table: &Origin,
    ) -> Result<Secret, ConfigError> {
        match (given, env_name) {
            (Some((secret, origin)), _) if secret.trim().is_empty() => {
                Err(self.error(&origin, &field.key, format!("is empty: {}", field.if_empty)))
            }
            (Some((secret, _)), _) => Ok(Secret::new(secret)),
            (None, Some((var, origin))) => match (self.env)(&var) {
                Some(secret) if !secret.trim().is_empty() => Ok(Secret::new(secret)),
                _ => Err(self.error(
                    &origin,
                    &field.env_key,
                    format!("environment variable {var} is not set or empty: export it with {}", field.what),
                )),
            },
            (None, None) => Err(self.error(table, &field.key, format!("missing: {}", field.if_missing))),
        }
    }
}

/// How a secret field is named and what its errors say.
struct SecretField {
    /// The field's key (`shops[0].token`), and that of its `_env` twin.
    key: String,
    env_key: String,
    /// What the secret is, as in "export it with …".
    what: &'static str,
    /// What to do when it is empty, or missing.
    if_empty: &'static str,
    if_missing: String,
}

/// A value of the file with where it is.
fn with_origin(value: Spanned<String>) -> (String, Origin) {
    let span = value.span();
    (value.into_inner(), Origin::File(span))
}

/// The environment-variable name of a shop field.
pub fn shop_env_var(shop_key: &str, field: &str) -> String {
    let key: String =
        shop_key.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("ORDERHUB_SHOP_{key}_{}", field.to_ascii_uppercase())
}

/// Reads and validates the file at `path`, with overrides from the process environment.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        place: path.display().to_string(),
        key: None,
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "no such configuration file: create it (see README.md, \"Configuration\"), pass --config FILE, \
             or run `orderhub sandbox --write-config orderhub.toml` to get one that points at the sandbox"
                .into()
        } else {
            format!("cannot read it: {e}")
        },
    })?;
    parse(path, &text, &|var| std::env::var(var).ok())
}

/// Parses and validates configuration text; `env` looks up environment variables.
pub fn parse(path: &Path, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let loader = Loader { path, text, env };
    let file: FileConfig = toml::from_str(text).map_err(|e| toml_error(&loader, &e))?;

    let (database_url, origin) = loader
        .pick("ORDERHUB_DATABASE_URL", file.database.url)
        .unwrap_or_else(|| ("sqlite://orderhub.db".into(), Origin::Default));
    if orderhub_store::DatabaseKind::of(&database_url).is_err() {
        return Err(loader.error(
            &origin,
            "database.url",
            format!(
                "{:?} is neither a SQLite nor a PostgreSQL URL: use \"sqlite://orderhub.db\" (a file, created if \
                 missing) or \"postgres://USER:PASSWORD@HOST:5432/DATABASE\"",
                orderhub_store::redact_url(&database_url)
            ),
        ));
    }
    let (listen, origin) = loader
        .pick("ORDERHUB_SERVER_LISTEN", file.server.listen)
        .unwrap_or_else(|| ("127.0.0.1:8080".into(), Origin::Default));
    if listen.parse::<std::net::SocketAddr>().is_err() {
        return Err(loader.error(
            &origin,
            "server.listen",
            format!("{listen:?} is not an address: use e.g. \"127.0.0.1:8080\""),
        ));
    }

    let mut shops = Vec::new();
    let mut keys = HashSet::new();
    for (index, shop) in file.shops.into_iter().enumerate() {
        let table = Origin::File(shop.span());
        let key_origin = shop.get_ref().key.as_ref().map(|k| Origin::File(k.span())).unwrap_or(table.clone());
        let shop = shop_config(&loader, index, table, shop.into_inner())?;
        if !keys.insert(shop.key().to_string()) {
            return Err(loader.error(
                &key_origin,
                format!("shops[{index}].key"),
                format!("shop key {:?} is used twice: every shop needs its own key", shop.key()),
            ));
        }
        shops.push(shop);
    }
    let mut webhooks: Vec<orderhub_sync::Webhook> = Vec::new();
    for (index, hook) in file.webhooks.into_iter().enumerate() {
        let hook = webhook_config(&loader, index, hook, &webhooks)?;
        webhooks.push(hook);
    }
    let mut sinks: Vec<orderhub_sync::Sink> = Vec::new();
    for (index, sink) in file.sinks.into_iter().enumerate() {
        let sink = sinks::sink_config(&loader, index, sink, &sinks)?;
        sinks.push(sink);
    }
    let public_url = match loader.pick("ORDERHUB_SERVER_PUBLIC_URL", file.server.public_url) {
        None => None,
        Some((url, origin)) => {
            orderhub_connectors::http::check_base_url(&url)
                .map_err(|m| loader.error(&origin, "server.public_url", m))?;
            Some(url)
        }
    };
    let mut alerts: Vec<orderhub_sync::Alert> = Vec::new();
    for (index, alert) in file.alerts.into_iter().enumerate() {
        let alert = alerts::alert_config(&loader, index, alert, &alerts, public_url.as_deref())?;
        alerts.push(alert);
    }
    Ok(Config { database_url, listen, shops, webhooks, sinks, alerts })
}

/// The webhook `hook`, the `index`th, checked against those before it.
fn webhook_config(
    loader: &Loader,
    index: usize,
    hook: Spanned<FileWebhook>,
    before: &[orderhub_sync::Webhook],
) -> Result<orderhub_sync::Webhook, ConfigError> {
    let table = Origin::File(hook.span());
    let hook = hook.into_inner();
    let key = |field: &str| format!("webhooks[{index}].{field}");
    let (name, origin) = hook
        .name
        .map(with_origin)
        .ok_or_else(|| loader.error(&table, key("name"), "missing: give each webhook a name, e.g. name = \"erp\""))?;
    if before.iter().any(|w| w.name == name) || name.trim().is_empty() {
        return Err(loader.error(&origin, key("name"), format!("{name:?}: every webhook needs its own name")));
    }
    let (url, origin) = hook
        .url
        .map(with_origin)
        .ok_or_else(|| loader.error(&table, key("url"), "missing: the URL that receives the events"))?;
    orderhub_connectors::http::check_base_url(&url).map_err(|m| loader.error(&origin, key("url"), m))?;
    let field = SecretField {
        key: key("secret"),
        env_key: key("secret_env"),
        what: "the webhook's secret",
        if_empty: "give a long random secret, or secret_env",
        if_missing: "set secret_env = \"NAME\" (an environment variable holding the signing secret) or secret".into(),
    };
    let secret = loader.secret(hook.secret.map(with_origin), hook.secret_env.map(with_origin), &field, &table)?;
    Ok(orderhub_sync::Webhook { name, url, secret, timeout: Duration::from_secs(10) })
}

/// A shop's key, checked: it names the shop in the store, the API and
/// environment variables.
fn shop_key(loader: &Loader, table: &Origin, name: &str, key: Option<Spanned<String>>) -> Result<String, ConfigError> {
    let (key, origin) = key
        .map(with_origin)
        .ok_or_else(|| loader.error(table, name, "missing: give each shop a key, e.g. key = \"belment\""))?;
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(loader.error(
            &origin,
            name,
            format!("{key:?} is not a shop key: use letters, digits, '-', '_' or '.'"),
        ));
    }
    Ok(key)
}

/// The platform token of the `index`th shop, `key`.
fn shop_token(
    loader: &Loader,
    table: &Origin,
    index: usize,
    key: &str,
    given: Option<(String, Origin)>,
    env_name: Option<(String, Origin)>,
) -> Result<Secret, ConfigError> {
    let field = SecretField {
        key: format!("shops[{index}].token"),
        env_key: format!("shops[{index}].token_env"),
        what: "the platform token",
        if_empty: "give the platform token, or token_env",
        if_missing: format!(
            "set token_env = \"NAME\" (an environment variable holding the token), token, or {}",
            shop_env_var(key, "token")
        ),
    };
    loader.secret(given, env_name, &field, table)
}

/// A shop's platform, one the connectors' registry knows.
fn shop_platform(
    loader: &Loader,
    table: &Origin,
    name: &str,
    given: Option<(String, Origin)>,
) -> Result<&'static orderhub_connectors::PlatformEntry, ConfigError> {
    let (platform, origin) = given.ok_or_else(|| {
        let known = orderhub_connectors::registry::known_keys();
        loader.error(table, name, format!("missing: one of {known}"))
    })?;
    orderhub_connectors::registry::entry(&platform).ok_or_else(|| {
        let unknown = orderhub_connectors::UnknownPlatform(platform.clone());
        loader.error(&origin, name, unknown.to_string())
    })
}

fn shop_config(loader: &Loader, index: usize, table: Origin, shop: FileShop) -> Result<ShopConfig, ConfigError> {
    let name = |field: &str| format!("shops[{index}].{field}");
    let key = shop_key(loader, &table, &name("key"), shop.key)?;
    let var = |field: &str| shop_env_var(&key, field);

    let entry = shop_platform(loader, &table, &name("platform"), loader.pick(&var("platform"), shop.platform))?;
    let platform = entry.platform;
    let (base_url, origin) = loader.pick(&var("base_url"), shop.base_url).ok_or_else(|| {
        loader.error(
            &table,
            name("base_url"),
            "missing: the platform's address, everything before the document's endpoint path",
        )
    })?;
    orderhub_connectors::http::check_base_url(&base_url).map_err(|m| loader.error(&origin, name("base_url"), m))?;
    let token_env = loader.pick(&var("token_env"), shop.token_env);
    let token = shop_token(loader, &table, index, &key, loader.pick(&var("token"), shop.token), token_env)?;

    let auth_scheme = loader.pick(&var("auth_scheme"), shop.auth_scheme).map(|(s, _)| s);
    let timezone = loader
        .read(
            &var("timezone"),
            shop.timezone,
            &name("timezone"),
            |zone| TimeZone::get(zone).ok(),
            |zone| format!("unknown time zone {zone:?}: use an IANA name such as \"Asia/Shanghai\""),
        )?
        .unwrap_or_else(|| TimeZone::get("Asia/Shanghai").expect("the time zone database is bundled"));
    let remote_shop_id = loader.pick(&var("remote_shop_id"), shop.remote_shop_id).map(|(s, _)| s);
    if let (Some(what), None) = (entry.remote_shop_id, &remote_shop_id) {
        return Err(loader.error(&table, name("remote_shop_id"), format!("missing: a {platform} shop needs {what}")));
    }
    let sync_from = loader
        .read(
            &var("sync_from"),
            shop.sync_from,
            &name("sync_from"),
            |text| text.parse::<Timestamp>().ok(),
            |text| format!("{text:?} is not an RFC 3339 instant: use e.g. \"2024-01-01T00:00:00Z\""),
        )?
        .unwrap_or_else(|| {
            Timestamp::now().checked_sub(SignedDuration::from_hours(30 * 24)).expect("30 days ago is a time")
        });
    let duration = |field: &str, file: Option<Spanned<String>>, default: &str| -> Result<Duration, ConfigError> {
        let refusal = |text: &str| format!("{text:?} is not a duration: use a number and s, m, h or d, e.g. \"5m\"");
        let read = loader.read(&var(field), file, &name(field), parse_duration, refusal)?;
        Ok(read.unwrap_or_else(|| parse_duration(default).expect("a default duration reads")))
    };
    let sync_every = duration("sync_every", shop.sync_every, "5m")?;
    let refresh_window = duration("refresh_window", shop.refresh_window, "30d")?;
    let timeout = duration("timeout", shop.timeout, "30s")?;
    let ship_within = loader.read(
        &var("ship_within"),
        shop.ship_within,
        &name("ship_within"),
        |text| if text.trim() == "off" { Some(None) } else { parse_duration(text).map(Some) },
        |text| format!("{text:?} is not a duration: use a number and s, m, h or d, e.g. \"48h\", or \"off\""),
    )?;
    let warn_before = duration("ship_warn_before", shop.ship_warn_before, "12h")?;
    let signed = |span: Duration| SignedDuration::try_from(span).unwrap_or(SignedDuration::MAX);
    let ship_deadline = match ship_within {
        Some(None) => None,
        Some(Some(within)) => {
            Some(orderhub_sync::ShipDeadline { within: signed(within), warn_before: signed(warn_before) })
        }
        None => Some(orderhub_sync::ShipDeadline {
            warn_before: signed(warn_before),
            ..orderhub_sync::ShipDeadline::DEFAULT
        }),
    };
    let rate_limit = loader.read(&var("rate_limit"), shop.rate_limit, &name("rate_limit"), parse_rate, |text| {
        format!("{text:?} is not a rate: use requests per s, m or h, e.g. \"10/s\"")
    })?;
    let page_size = match (loader.env)(&var("page_size")) {
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            loader.error(&Origin::Env(var("page_size")), name("page_size"), format!("{text:?} is not a whole number"))
        })?),
        None => shop.page_size.map(Spanned::into_inner),
    };
    let max_in_flight = shop_in_flight(loader, &var("max_in_flight"), shop.max_in_flight, &name("max_in_flight"))?;

    Ok(ShopConfig {
        settings: ShopSettings {
            shop: key,
            platform,
            base_url,
            token,
            auth_scheme,
            timezone,
            remote_shop_id,
            sync_from: Some(sync_from),
            page_size,
            timeout,
            rate_limit,
        },
        sync_from,
        sync_every,
        refresh_window: SignedDuration::try_from(refresh_window).unwrap_or(SignedDuration::MAX),
        max_in_flight,
        ship_deadline,
        simulated: loader.text.starts_with(WRITTEN_BY_SANDBOX),
    })
}

/// A shop's `max_in_flight`, from the environment or the file, 1 to
/// [`orderhub_sync::MAX_IN_FLIGHT`].
fn shop_in_flight(loader: &Loader, var: &str, file: Option<Spanned<u32>>, name: &str) -> Result<usize, ConfigError> {
    let given = match (loader.env)(var) {
        Some(text) => Some((text, Origin::Env(var.to_string()))),
        None => file.map(|value| {
            let span = value.span();
            (value.into_inner().to_string(), Origin::File(span))
        }),
    };
    let Some((text, origin)) = given else { return Ok(orderhub_sync::DEFAULT_IN_FLIGHT) };
    let most = orderhub_sync::MAX_IN_FLIGHT;
    match text.trim().parse::<usize>() {
        Ok(count) if (1..=most).contains(&count) => Ok(count),
        _ => Err(loader.error(&origin, name, format!("{text:?} is not a count of requests from 1 to {most}"))),
    }
}

/// `10/s`, `600/m`, `5000/h` → (requests, span); `None` for anything else or zero.
pub fn parse_rate(text: &str) -> Option<(u32, Duration)> {
    let (count, unit) = text.trim().split_once('/')?;
    let count: u32 = count.trim().parse().ok().filter(|n| *n > 0)?;
    let span = match unit.trim() {
        "s" => Duration::from_secs(1),
        "m" => Duration::from_secs(60),
        "h" => Duration::from_secs(3600),
        _ => return None,
    };
    Some((count, span))
}

/// `90s`, `5m`, `2h`, `30d` → a duration; `None` for anything else or zero.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(number.checked_mul(seconds)?))
}

/// A TOML error as file:line: key: message. The offending text is not quoted
/// when its line sets a token, so a mistyped token never reaches the terminal.
fn toml_error(loader: &Loader, error: &toml::de::Error) -> ConfigError {
    let (place, line_text) = match error.span() {
        Some(span) => {
            let line = loader.line_of(span.start);
            (format!("{}:{line}", loader.path.display()), loader.text.lines().nth(line - 1).unwrap_or(""))
        }
        None => (loader.path.display().to_string(), ""),
    };
    let assigned = line_text.split('=').next().unwrap_or("").trim();
    let message = if assigned.to_ascii_lowercase().contains("token") && !assigned.ends_with("token_env") {
        "invalid value (not shown: it is a secret): a token is a quoted string, e.g. token = \"…\"".to_string()
    } else {
        let message = error.message().trim().to_string();
        if message.starts_with("unknown field") {
            format!("{message}: remove it or fix its spelling (see README.md, \"Configuration\")")
        } else {
            message
        }
    };
    ConfigError { place, key: None, message }
}

mod alerts;
mod sinks;
#[cfg(test)]
mod tests;
