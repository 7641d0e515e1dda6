use super::*;

const GOOD: &str = r#"
[database]
url = "sqlite://test.db"

[server]
listen = "127.0.0.1:9000"

[[shops]]
key = "belment"
platform = "shoptima"
base_url = "https://open.shoptima.shop/api/v1"
token = "tok-secret-1"
timezone = "America/New_York"
sync_from = "2024-01-01T00:00:00Z"
sync_every = "90s"
"#;

fn no_env(_: &str) -> Option<String> {
    None
}

fn parse_with(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    parse(Path::new("orderhub.toml"), text, env)
}

fn error_of(text: &str) -> String {
    parse_with(text, &no_env).unwrap_err().to_string()
}

#[test]
fn a_good_file_reads_every_key() {
    let config = parse_with(GOOD, &no_env).unwrap();
    assert_eq!(config.database_url, "sqlite://test.db");
    assert_eq!(config.listen, "127.0.0.1:9000");
    let shop = &config.shops[0];
    assert_eq!(shop.key(), "belment");
    assert_eq!(shop.settings.platform, orderhub_connectors::shoptima::PLATFORM);
    assert_eq!(shop.settings.token.expose(), "tok-secret-1");
    assert_eq!(shop.settings.timezone.iana_name(), Some("America/New_York"));
    assert_eq!(shop.sync_from.to_string(), "2024-01-01T00:00:00Z");
    assert_eq!(shop.sync_every, Duration::from_secs(90));
    assert_eq!(shop.refresh_window, SignedDuration::from_hours(30 * 24));
}

#[test]
fn defaults_apply_to_an_empty_file() {
    let config = parse_with("", &no_env).unwrap();
    assert_eq!(config.database_url, "sqlite://orderhub.db");
    assert_eq!(config.listen, "127.0.0.1:8080");
    assert!(config.shops.is_empty());
}

#[test]
fn the_token_never_shows_in_debug_output() {
    let config = parse_with(GOOD, &no_env).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains("tok-secret-1"), "{debug}");
}

#[test]
fn environment_variables_win_over_the_file() {
    let env = |var: &str| match var {
        "ORDERHUB_DATABASE_URL" => Some("sqlite://other.db".to_string()),
        "ORDERHUB_SHOP_BELMENT_TOKEN" => Some("from-env".to_string()),
        "ORDERHUB_SHOP_BELMENT_BASE_URL" => Some("http://127.0.0.1:1/api/v1".to_string()),
        _ => None,
    };
    let config = parse_with(GOOD, &env).unwrap();
    assert_eq!(config.database_url, "sqlite://other.db");
    assert_eq!(config.shops[0].settings.token.expose(), "from-env");
    assert_eq!(config.shops[0].settings.base_url, "http://127.0.0.1:1/api/v1");
}

#[test]
fn token_env_reads_the_named_variable_and_says_when_it_is_unset() {
    let text = GOOD.replace("token = \"tok-secret-1\"", "token_env = \"SHOPTIMA_TOKEN\"");
    let env = |var: &str| (var == "SHOPTIMA_TOKEN").then(|| "t-env".to_string());
    assert_eq!(parse_with(&text, &env).unwrap().shops[0].settings.token.expose(), "t-env");
    let err = parse_with(&text, &no_env).unwrap_err().to_string();
    assert_eq!(
        err,
        "orderhub.toml:12: shops[0].token_env: environment variable SHOPTIMA_TOKEN is not set or empty: export it with the platform token"
    );
}

#[test]
fn each_bad_value_names_file_line_key_and_remedy() {
    let cases = [
        (
            GOOD.replace("\"shoptima\"", "\"shopify\""),
            "orderhub.toml:10: shops[0].platform: unknown platform \"shopify\"",
        ),
        (GOOD.replace("token = \"tok-secret-1\"\n", ""), "orderhub.toml:8: shops[0].token: missing: set token_env"),
        (
            GOOD.replace("https://open.shoptima.shop/api/v1", "open.shoptima.shop"),
            "orderhub.toml:11: shops[0].base_url: \"open.shoptima.shop\" is not a URL",
        ),
        (
            GOOD.replace("America/New_York", "Asia/Shangai"),
            "orderhub.toml:13: shops[0].timezone: unknown time zone \"Asia/Shangai\": use an IANA name",
        ),
        (GOOD.replace("\"90s\"", "\"soon\""), "orderhub.toml:15: shops[0].sync_every: \"soon\" is not a duration"),
        (
            GOOD.replace("2024-01-01T00:00:00Z", "yesterday"),
            "orderhub.toml:14: shops[0].sync_from: \"yesterday\" is not an RFC 3339 instant",
        ),
        (
            GOOD.replace("sqlite://test.db", "mysql://x"),
            "orderhub.toml:3: database.url: \"mysql://x\" is neither a SQLite nor a PostgreSQL URL",
        ),
        (
            GOOD.replace("sqlite://test.db", "mysql://u:hunter2@h/db"),
            "orderhub.toml:3: database.url: \"mysql://u:***@h/db\" is neither",
        ),
        (
            GOOD.replace("sqlite://test.db", "mysql://u@h/db?sslmode=require&password=hunter2"),
            "orderhub.toml:3: database.url: \"mysql://u@h/db?sslmode=require&password=***\" is neither",
        ),
        (
            format!("{GOOD}\n{}", &GOOD[GOOD.find("[[shops]]").unwrap()..]),
            "orderhub.toml:18: shops[1].key: shop key \"belment\" is used twice",
        ),
        (GOOD.replace("sync_every", "sync_evry"), "orderhub.toml:15: unknown field `sync_evry`"),
    ];
    for (text, expected) in cases {
        let err = error_of(&text);
        assert!(err.starts_with(expected), "expected {expected:?}\n     got {err:?}");
    }
}

#[test]
fn a_mistyped_token_is_not_quoted_back() {
    let err = error_of(&GOOD.replace("token = \"tok-secret-1\"", "token = tok-secret-1"));
    assert!(err.starts_with("orderhub.toml:12: invalid value (not shown: it is a secret)"), "{err}");
    assert!(!err.contains("tok-secret-1"), "{err}");
}

#[test]
fn rate_limits_parse_and_bad_ones_are_named() {
    assert_eq!(parse_rate("10/s"), Some((10, Duration::from_secs(1))));
    assert_eq!(parse_rate("600/m"), Some((600, Duration::from_secs(60))));
    assert_eq!(parse_rate("0/s"), None);
    let config = parse_with(&GOOD.replace("sync_every = \"90s\"", "rate_limit = \"5/s\""), &no_env).unwrap();
    assert_eq!(config.shops[0].settings.rate_limit, Some((5, Duration::from_secs(1))));
    let err = error_of(&GOOD.replace("sync_every = \"90s\"", "rate_limit = \"fast\""));
    assert!(err.starts_with("orderhub.toml:15: shops[0].rate_limit: \"fast\" is not a rate"), "{err}");
}

#[test]
fn max_in_flight_is_a_count_from_1_to_32() {
    assert_eq!(parse_with(GOOD, &no_env).unwrap().shops[0].max_in_flight, 4, "the default");
    let config = parse_with(&GOOD.replace("sync_every = \"90s\"", "max_in_flight = 16"), &no_env).unwrap();
    assert_eq!(config.shops[0].max_in_flight, 16);
    let env = |var: &str| (var == "ORDERHUB_SHOP_BELMENT_MAX_IN_FLIGHT").then(|| "32".to_string());
    assert_eq!(parse_with(GOOD, &env).unwrap().shops[0].max_in_flight, 32, "the environment wins");
    for bad in ["0", "33"] {
        let err = error_of(&GOOD.replace("sync_every = \"90s\"", &format!("max_in_flight = {bad}")));
        let expected =
            format!("orderhub.toml:15: shops[0].max_in_flight: \"{bad}\" is not a count of requests from 1 to 32");
        assert!(err.starts_with(&expected), "{err}");
    }
}

#[test]
fn durations_parse_in_the_documented_units() {
    assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
    assert_eq!(parse_duration("30d"), Some(Duration::from_secs(30 * 86_400)));
    assert_eq!(parse_duration("0s"), None);
    assert_eq!(parse_duration("5"), None);
    assert_eq!(parse_duration("5 weeks"), None);
}

#[test]
fn webhooks_are_read_with_their_secret_and_refused_without_one() {
    let text = format!(
        "{GOOD}\n[[webhooks]]\nname = \"erp\"\nurl = \"https://erp.example.com/hook\"\nsecret_env = \"ERP_SECRET\"\n"
    );
    let env = |var: &str| (var == "ERP_SECRET").then(|| "hook-secret-9".to_string());
    let config = parse_with(&text, &env).unwrap();
    let hook = &config.webhooks[0];
    assert_eq!((hook.name.as_str(), hook.url.as_str()), ("erp", "https://erp.example.com/hook"));
    assert_eq!(hook.secret.expose(), "hook-secret-9");
    assert!(!format!("{config:?}").contains("hook-secret-9"));

    let error = error_of(&text);
    assert!(error.starts_with("orderhub.toml:20: webhooks[0].secret_env:"), "{error}");
    assert!(error.contains("ERP_SECRET is not set"), "{error}");
    let no_secret = format!("{GOOD}\n[[webhooks]]\nname = \"erp\"\nurl = \"https://erp.example.com/hook\"\n");
    assert!(error_of(&no_secret).contains("webhooks[0].secret: missing"), "{}", error_of(&no_secret));
    let bad_url = format!("{GOOD}\n[[webhooks]]\nname = \"erp\"\nurl = \"ftp://x\"\nsecret = \"s\"\n");
    assert!(error_of(&bad_url).contains("orderhub.toml:19: webhooks[0].url:"), "{}", error_of(&bad_url));
    let hook = "\n[[webhooks]]\nname = \"erp\"\nurl = \"https://b.example.com\"\nsecret = \"s\"\n";
    let twice = format!("{GOOD}{hook}{hook}");
    assert!(error_of(&twice).contains("every webhook needs its own name"), "{}", error_of(&twice));
}

#[test]
fn a_postgres_url_is_a_database_url() {
    let text = GOOD.replace("sqlite://test.db", "postgres://orderhub:pw@db.internal:5432/orders");
    let config = parse(Path::new("orderhub.toml"), &text, &|_| None).unwrap();
    assert_eq!(config.database_url, "postgres://orderhub:pw@db.internal:5432/orders");
}

#[test]
fn sinks_are_read_with_their_defaults_and_bad_ones_are_named() {
    let text = format!(
        "{GOOD}\n[[sinks]]\nname = \"erp\"\nkind = \"nats\"\nurl = \"nats://127.0.0.1:4222\"\n\
         [[sinks]]\nname = \"wms\"\nkind = \"rabbitmq\"\nurl_env = \"RABBIT_URL\"\ninclude_order = true\n"
    );
    let env = |name: &str| (name == "RABBIT_URL").then(|| "amqp://u:sekrit@mq:5672/%2f".to_string());
    let config = parse_with(&text, &env).unwrap();
    match &config.sinks[0].broker {
        orderhub_sync::Broker::Nats { stream, subject, token, .. } => {
            assert_eq!((stream.as_str(), subject.as_str()), ("ORDERHUB_ORDERS", "orderhub.orders.{platform}.{shop}"));
            assert!(token.is_none());
        }
        other => panic!("{other:?}"),
    }
    match &config.sinks[1].broker {
        orderhub_sync::Broker::RabbitMq { url, exchange, routing_key } => {
            assert_eq!(url.expose(), "amqp://u:sekrit@mq:5672/%2f");
            assert_eq!((exchange.as_str(), routing_key.as_str()), ("orderhub.orders", "orders.{platform}.{shop}"));
        }
        other => panic!("{other:?}"),
    }
    assert!(config.sinks[1].include_order && !config.sinks[1].pii);
    assert!(!format!("{config:?}").contains("sekrit"), "the URL's password never shows");

    let bad = |sink: &str| error_of(&format!("{GOOD}\n[[sinks]]\n{sink}"));
    let error = bad("name = \"erp\"\nkind = \"kafka\"\nurl = \"x://y\"\n");
    assert!(error.contains("sinks[0].kind") && error.contains("use nats or rabbitmq"), "{error}");
    let error = bad("name = \"erp\"\nkind = \"nats\"\nurl = \"nats://h\"\nexchange = \"x\"\n");
    assert!(error.contains("sinks[0].exchange: is not a setting of a nats sink"), "{error}");
    let error = bad("name = \"erp\"\nkind = \"rabbitmq\"\n");
    assert!(error.contains("sinks[0].url: missing"), "{error}");
    let error = bad("name = \"erp\"\nkind = \"nats\"\nurl = \"nats://h\"\ncredentials_file = \"/no/such.creds\"\n");
    assert!(error.contains("sinks[0].credentials_file: \"/no/such.creds\" is not a file"), "{error}");
    let error = bad("name = \"e.rp\"\nkind = \"nats\"\nurl = \"nats://h\"\n");
    assert!(error.contains("use letters, digits"), "{error}");
    let twice = format!(
        "{GOOD}\n[[sinks]]\nname = \"a\"\nkind = \"nats\"\nurl = \"nats://h\"\n[[sinks]]\nname = \"a\"\nkind = \"nats\"\nurl = \"nats://h\"\n"
    );
    assert!(error_of(&twice).contains("every sink needs its own name"), "{}", error_of(&twice));
}

#[test]
fn alerts_are_read_with_their_defaults_and_bad_ones_are_named() {
    let server = "listen = \"127.0.0.1:9000\"\npublic_url = \"https://orders.example.com\"\n";
    let text = GOOD.replace("listen = \"127.0.0.1:9000\"\n", server)
        + "[[alerts]]\nname = \"ops\"\nkind = \"dingtalk\"\nurl_env = \"DING_URL\"\nsecret = \"SECabc\"\n\
           [[alerts]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"https://hooks.example.com/a\"\n\
           kinds = [\"shop_paused\"]\nseverities = [\"critical\"]\ndigest_seconds = 5\nlanguage = \"en\"\n";
    let env = |name: &str| (name == "DING_URL").then(|| "https://oapi.dingtalk.com/robot/send?access_token=t0p".into());
    let config = parse_with(&text, &env).unwrap();
    let (ops, hook) = (&config.alerts[0], &config.alerts[1]);
    assert_eq!(
        (ops.service, ops.digest, ops.language),
        (orderhub_sync::AlertService::DingTalk, Duration::from_secs(60), orderhub_sync::AlertLanguage::Zh)
    );
    assert!(ops.kinds.is_empty() && ops.severities.len() == 2);
    assert_eq!(ops.public_url.as_deref(), Some("https://orders.example.com"));
    assert_eq!((hook.kinds.as_slice(), hook.digest), (["shop_paused".to_string()].as_slice(), Duration::from_secs(5)));
    assert_eq!(hook.severities, [orderhub_store::Severity::Critical]);
    let debug = format!("{config:?}");
    assert!(!debug.contains("t0p") && !debug.contains("SECabc"), "the robot's key and secret never show: {debug}");

    let bad = |alert: &str| error_of(&format!("{GOOD}\n[[alerts]]\n{alert}"));
    let error = bad("name = \"a\"\nkind = \"slack\"\nurl = \"https://x.example\"\n");
    assert!(error.contains("alerts[0].kind") && error.contains("wecom, dingtalk, feishu or webhook"), "{error}");
    let error = bad("name = \"a\"\nkind = \"wecom\"\nurl = \"https://x.example/?key=k\"\nsecret = \"s\"\n");
    assert!(error.contains("alerts[0].secret") && error.contains("not signed"), "{error}");
    let error = bad("name = \"a\"\nkind = \"wecom\"\nurl = \"ftp://robot-key@x\"\n");
    assert!(error.contains("alerts[0].url") && !error.contains("robot-key"), "the URL is not repeated: {error}");
    let error = bad("name = \"a\"\nkind = \"wecom\"\nurl = \"https://x.example\"\ndigest_seconds = 0\n");
    assert!(error.contains("alerts[0].digest_seconds") && error.contains("1 to 3600"), "{error}");
    let error = bad("name = \"a\"\nkind = \"wecom\"\nurl = \"https://x.example\"\nkinds = [\"late\"]\n");
    assert!(error.contains("alerts[0].kinds") && error.contains("shop_paused"), "{error}");
}

#[test]
fn ship_deadlines_default_to_48_hours_and_can_be_off() {
    let config = parse_with(GOOD, &no_env).unwrap();
    assert_eq!(config.shops[0].ship_deadline, Some(orderhub_sync::ShipDeadline::DEFAULT));
    let set = format!("{GOOD}ship_within = \"24h\"\nship_warn_before = \"2h\"\n");
    let deadline = parse_with(&set, &no_env).unwrap().shops[0].ship_deadline.unwrap();
    assert_eq!(
        (deadline.within, deadline.warn_before),
        (SignedDuration::from_hours(24), SignedDuration::from_hours(2))
    );
    let off = format!("{GOOD}ship_within = \"off\"\n");
    assert_eq!(parse_with(&off, &no_env).unwrap().shops[0].ship_deadline, None);
    let env = |name: &str| (name == "ORDERHUB_SHOP_BELMENT_SHIP_WITHIN").then(|| "off".to_string());
    assert_eq!(parse_with(GOOD, &env).unwrap().shops[0].ship_deadline, None);
    let error = error_of(&format!("{GOOD}ship_within = \"two days\"\n"));
    assert!(error.contains("shops[0].ship_within") && error.contains("\"off\""), "{error}");
}
