//! `orderhub serve`: the HTTP API, with every shop synced on its schedule, the
//! write-back outbox worked off and webhooks delivered.

use super::{load_config, open_store, shop_sync};
use crate::Context;
use crate::config::{Config, ShopConfig};
use anyhow::Context as _;
use orderhub_store::Store;
use orderhub_sync::Hub;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Listen here instead of `server.listen`.
    #[arg(long)]
    listen: Option<SocketAddr>,
}

pub async fn run(context: &Context, args: ServeArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let store = open_store(&config.database_url).await?;
    let listen = args.listen.map(|a| a.to_string()).unwrap_or(config.listen.clone());
    let hub = build_hub(&store, &config.shops)?;
    hub.spawn_schedulers();
    start_background(&hub, &config);
    if store.api_keys().await?.iter().all(|k| k.revoked_at.is_some()) {
        println!(
            "no API keys yet: every /api route needs one; create one with \
             `orderhub --config {} keys create --scope read`",
            context.config_path.display()
        );
    }
    serve_until_stopped(hub, &config, &listen, false, None).await
}

/// The hub over the configured shops.
pub fn build_hub(store: &Store, shops: &[ShopConfig]) -> anyhow::Result<Arc<Hub>> {
    let shops = shops.iter().map(|shop| Ok((shop_sync(shop)?, shop.sync_every))).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Hub::new(store.clone(), shops))
}

/// The outbox worker, the attention sweep and alerts, the webhooks'
/// deliveries and the sinks' publishing.
pub fn start_background(hub: &Arc<Hub>, config: &Config) {
    hub.spawn_outbox_worker(Duration::from_secs(1));
    hub.spawn_attention_sweeper();
    for alert in &config.alerts {
        hub.spawn_alert(alert.clone());
    }
    for webhook in &config.webhooks {
        hub.spawn_webhook(webhook.clone());
    }
    for sink in &config.sinks {
        hub.spawn_sink(sink.clone());
    }
}

/// How long a stopping `serve` waits for its work to be given back and its
/// requests to end, each (they run side by side); the process exits within
/// about this long after SIGTERM or Ctrl-C, well inside systemd's and
/// container runtimes' 10 s before they kill.
const STOP_WITHIN: Duration = Duration::from_secs(6);

/// Serves the API and dashboard on `listen` until SIGTERM or Ctrl-C, then
/// stops cleanly: no new requests or work are taken, the hub gives back its
/// leases and write-back jobs at once, and requests in hand get
/// [`STOP_WITHIN`] to end. With `fallback`, a taken port falls back to any
/// free port instead of failing; `example_key` is shown in a ready-to-run
/// `curl` line.
pub async fn serve_until_stopped(
    hub: Arc<Hub>,
    config: &Config,
    listen: &str,
    fallback: bool,
    example_key: Option<&str>,
) -> anyhow::Result<()> {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(e) if fallback => {
            tracing::warn!(%listen, error = %e, "address taken; using a free port");
            tokio::net::TcpListener::bind("127.0.0.1:0").await?
        }
        Err(e) => return Err(e).with_context(|| format!("cannot listen on {listen} (server.listen)")),
    };
    let addr = listener.local_addr()?;
    if let Some(key) = example_key {
        println!("  curl -H 'Authorization: Bearer {key}' http://{addr}/api/v1/orders");
    }
    println!("Dashboard at http://{addr}/ui/ (sign in with an API key)");
    println!("API at http://{addr}/api/v1/orders (send Authorization: Bearer KEY); Ctrl-C stops");
    tracing::info!(%addr, worker = %hub.worker, "serving");
    let state = orderhub_server::AppState::new(hub.clone(), config.webhooks.iter().map(|w| w.name.clone()).collect())
        .with_sinks(config.sinks.iter().map(|s| s.name.clone()).collect());
    let mut server = tokio::spawn(orderhub_server::serve(listener, state, hub.stopping()));
    let signal = tokio::select! {
        signal = stop_signal() => signal?,
        ended = &mut server => return Ok(ended.context("the HTTP server")??),
    };
    tracing::info!(signal, "stopping: giving back leases and write-back jobs");
    let (gave_back, drained) = tokio::join!(hub.shutdown(STOP_WITHIN), tokio::time::timeout(STOP_WITHIN, &mut server));
    if !gave_back {
        tracing::warn!("some work did not stop in time; its leases lapse by themselves");
    }
    if drained.is_err() {
        tracing::warn!("requests still open after {STOP_WITHIN:?} were cut off");
    }
    if tokio::time::timeout(Duration::from_secs(2), hub.store.close()).await.is_err() {
        tracing::warn!("the store's connections did not close in time");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGTERM (systemd, container runtimes) or Ctrl-C; its name.
async fn stop_signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("cannot watch for SIGTERM")?;
        tokio::select! {
            _ = terminate.recv() => Ok("SIGTERM"),
            ctrl_c = tokio::signal::ctrl_c() => ctrl_c.map(|()| "Ctrl-C").context("cannot watch for Ctrl-C"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.context("cannot watch for Ctrl-C")?;
        Ok("Ctrl-C")
    }
}
