//! A shop's `rate_limit` holds its requests back: with 3 per second (bursts of
//! 3), seven page reads cannot finish in under 4/3 of a second.

use orderhub_connectors::{ListQuery, Secret, ShopSettings, connect};
use orderhub_sandbox::{ShoptimaConfig, ShoptimaSim, serve};
use std::time::{Duration, Instant};

#[tokio::test]
async fn requests_wait_for_the_rate_limit() {
    let config = ShoptimaConfig { orders: 10, ..ShoptimaConfig::default() };
    let sim = ShoptimaSim::new(&config);
    let running = serve(sim.router(), "127.0.0.1:0".parse().unwrap(), "/api/v1").await.unwrap();
    let connector = connect(ShopSettings {
        shop: "s".into(),
        platform: orderhub_connectors::shoptima::PLATFORM,
        base_url: running.base_url.clone(),
        token: Secret::new(config.token.clone()),
        auth_scheme: None,
        timezone: jiff::tz::TimeZone::UTC,
        remote_shop_id: None,
        sync_from: None,
        page_size: None,
        timeout: Duration::from_secs(5),
        rate_limit: Some((3, Duration::from_secs(1))),
    })
    .unwrap();
    let query = ListQuery { from: jiff::Timestamp::UNIX_EPOCH, to: jiff::Timestamp::now(), partition: 0, page: 1 };
    let started = Instant::now();
    for _ in 0..7 {
        connector.list_page(&query).await.unwrap();
    }
    // 3 at once, then one every 1/3 s: at least 4 × 333 ms.
    assert!(started.elapsed() >= Duration::from_millis(1300), "{:?}", started.elapsed());
    assert_eq!(sim.requests()["GET /order"], 7);
}
