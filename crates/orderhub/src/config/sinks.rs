//! `[[sinks]]`: the change feed published onto a message broker (NATS
//! JetStream or RabbitMQ), checked as the rest of the file is.

use super::{ConfigError, Loader, Origin, SecretField, with_origin};
use orderhub_sync::{Broker, Sink};
use serde::Deserialize;
use toml::Spanned;

/// A `[[sinks]]` table. No `Debug`: it holds the URL (with its password) and token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSink {
    /// A name for it, unique: its progress is kept under it, and every
    /// message id is `<name>:<seq>`.
    name: Option<Spanned<String>>,
    /// `nats` (JetStream) or `rabbitmq` (AMQP 0-9-1).
    kind: Option<Spanned<String>>,
    /// The broker's URL: `nats://host:4222`, `amqp://user:password@host:5672/%2f`.
    /// Prefer `url_env` when it holds a password.
    url: Option<Spanned<String>>,
    /// Name of an environment variable holding the URL.
    url_env: Option<Spanned<String>>,
    /// NATS: the JetStream stream (created over the subject's pattern when missing). Default `ORDERHUB_ORDERS`.
    stream: Option<Spanned<String>>,
    /// NATS: the subject template; `{platform}`, `{shop}` and `{kind}` are
    /// filled in per event. Default `orderhub.orders.{platform}.{shop}`.
    subject: Option<Spanned<String>>,
    /// NATS: an auth token. Prefer `token_env`.
    token: Option<Spanned<String>>,
    /// NATS: name of an environment variable holding the token.
    token_env: Option<Spanned<String>>,
    /// NATS: a `.creds` file (the user's JWT and NKey seed) for servers with
    /// decentralised auth; read at each connection.
    credentials_file: Option<Spanned<String>>,
    /// RabbitMQ: the durable topic exchange (declared when missing). Default `orderhub.orders`.
    exchange: Option<Spanned<String>>,
    /// RabbitMQ: the routing-key template, as NATS's subject. Default `orders.{platform}.{shop}`.
    routing_key: Option<Spanned<String>>,
    /// Each message carries the order's canonical document too. Default false.
    include_order: Option<bool>,
    /// Buyer data unmasked (names, phones, addresses, the platform payload).
    /// Default false: masked as for an API key without the `pii` scope.
    pii: Option<bool>,
}

/// The sink `file`, the `index`th, checked against those before it.
pub(super) fn sink_config(
    loader: &Loader,
    index: usize,
    file: Spanned<FileSink>,
    before: &[Sink],
) -> Result<Sink, ConfigError> {
    let table = Origin::File(file.span());
    let file = file.into_inner();
    let key = |field: &str| format!("sinks[{index}].{field}");
    let (name, origin) = file
        .name
        .map(with_origin)
        .ok_or_else(|| loader.error(&table, key("name"), "missing: give each sink a name, e.g. name = \"erp-nats\""))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
        return Err(loader.error(&origin, key("name"), format!("{name:?}: use letters, digits, '-' or '_'")));
    }
    if before.iter().any(|s| s.name == name) {
        return Err(loader.error(&origin, key("name"), format!("{name:?}: every sink needs its own name")));
    }
    let url_field = SecretField {
        key: key("url"),
        env_key: key("url_env"),
        what: "the broker's URL",
        if_empty: "give the broker's URL, or url_env",
        if_missing: "set url (e.g. \"nats://127.0.0.1:4222\") or url_env (an environment variable holding it)".into(),
    };
    let url = loader.secret(file.url.map(with_origin), file.url_env.map(with_origin), &url_field, &table)?;
    let text =
        |value: Option<Spanned<String>>, default: &str| value.map_or_else(|| default.to_string(), Spanned::into_inner);
    let (kind, kind_origin) =
        file.kind.map(with_origin).ok_or_else(|| loader.error(&table, key("kind"), "missing: nats or rabbitmq"))?;
    let misplaced = |field: &str, given: bool| -> Result<(), ConfigError> {
        match given {
            true => Err(loader.error(&table, key(field), format!("is not a setting of a {kind} sink"))),
            false => Ok(()),
        }
    };
    let broker = match kind.as_str() {
        "nats" => {
            misplaced("exchange", file.exchange.is_some())?;
            misplaced("routing_key", file.routing_key.is_some())?;
            let token = match (file.token.is_some(), file.token_env.is_some()) {
                (false, false) => None,
                _ => {
                    let field = SecretField {
                        key: key("token"),
                        env_key: key("token_env"),
                        what: "the NATS token",
                        if_empty: "give the token, or token_env",
                        if_missing: String::new(),
                    };
                    Some(loader.secret(file.token.map(with_origin), file.token_env.map(with_origin), &field, &table)?)
                }
            };
            let stream = text(file.stream, "ORDERHUB_ORDERS");
            if stream.is_empty() || stream.contains(['.', ' ', '*', '>']) {
                return Err(loader.error(
                    &table,
                    key("stream"),
                    format!("{stream:?}: a stream name has no '.', ' ', '*' or '>'"),
                ));
            }
            let credentials = match file.credentials_file.map(with_origin) {
                Some((path, origin)) if !std::path::Path::new(&path).is_file() => {
                    return Err(loader.error(&origin, key("credentials_file"), format!("{path:?} is not a file")));
                }
                Some((path, _)) => Some(std::path::PathBuf::from(path)),
                None => None,
            };
            let subject = text(file.subject, "orderhub.orders.{platform}.{shop}");
            Broker::Nats { url, stream, subject, token, credentials }
        }
        "rabbitmq" => {
            for (field, given) in [("stream", file.stream.is_some()), ("subject", file.subject.is_some())] {
                misplaced(field, given)?;
            }
            misplaced("token", file.token.is_some() || file.token_env.is_some())?;
            misplaced("credentials_file", file.credentials_file.is_some())?;
            Broker::RabbitMq {
                url,
                exchange: text(file.exchange, "orderhub.orders"),
                routing_key: text(file.routing_key, "orders.{platform}.{shop}"),
            }
        }
        other => return Err(loader.error(&kind_origin, key("kind"), format!("{other:?}: use nats or rabbitmq"))),
    };
    Ok(Sink { name, broker, include_order: file.include_order.unwrap_or(false), pii: file.pii.unwrap_or(false) })
}
