//! A shop's `rate_limit` holds its requests back, also when they are sent
//! at once: with 3 per second, one every third of a second and no burst
//! (a burst of 3 and then 3 more within the first second would be 6 in one
//! second), so seven page reads take at least 2 s.

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
    let reads = (0..7).map(|_| connector.list_page(&query));
    for read in futures_util::future::join_all(reads).await {
        read.unwrap();
    }
    // The first at once, then one every 1/3 s: at least 6 × 333 ms.
    assert!(started.elapsed() >= Duration::from_millis(1950), "{:?}", started.elapsed());
    assert_eq!(sim.requests()["GET /order"], 7);
}
