//! `orderhub serve`: the HTTP API, with every shop synced on its schedule, the
//! write-back outbox worked off and webhooks delivered.

use super::{load_config, open_store, shop_sync};
use crate::Context;
use crate::config::ShopConfig;
use anyhow::Context as _;
use orderhub_store::Store;
use orderhub_sync::{Hub, Webhook};
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
    start_background(&hub, &config.webhooks);
    if store.api_keys().await?.iter().all(|k| k.revoked_at.is_some()) {
        println!(
            "no API keys yet: every /api route needs one; create one with \
             `orderhub --config {} keys create --scope read`",
            context.config_path.display()
        );
    }
    serve_until_ctrl_c(hub, &config.webhooks, &listen, false, None).await
}

/// The hub over the configured shops.
pub fn build_hub(store: &Store, shops: &[ShopConfig]) -> anyhow::Result<Arc<Hub>> {
    let shops = shops.iter().map(|shop| Ok((shop_sync(shop)?, shop.sync_every))).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Hub::new(store.clone(), shops))
}

/// The outbox worker and the webhooks' deliveries.
pub fn start_background(hub: &Arc<Hub>, webhooks: &[Webhook]) {
    hub.spawn_outbox_worker(Duration::from_secs(1));
    for webhook in webhooks {
        hub.spawn_webhook(webhook.clone());
    }
}

/// Serves the API and dashboard on `listen` until Ctrl-C. With `fallback`, a
/// taken port falls back to any free port instead of failing; `example_key`
/// is shown in a ready-to-run `curl` line.
pub async fn serve_until_ctrl_c(
    hub: Arc<Hub>,
    webhooks: &[Webhook],
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
    let state = orderhub_server::AppState::new(hub, webhooks.iter().map(|w| w.name.clone()).collect());
    orderhub_server::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
