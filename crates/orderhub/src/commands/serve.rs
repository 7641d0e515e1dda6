//! `orderhub serve`: the HTTP API, with every shop synced on its schedule.

use super::{load_config, open_store, shop_sync};
use crate::Context;
use crate::config::ShopConfig;
use anyhow::Context as _;
use orderhub_store::Store;
use std::net::SocketAddr;

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
    for shop in &config.shops {
        spawn_scheduler(store.clone(), shop.clone())?;
    }
    serve_until_ctrl_c(store, &listen, false).await
}

/// A paused shop (refused token, spent quota) is tried again this often.
pub const RETRY_PAUSED_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// Syncs one shop now and then every `sync_every`, logging failures, until the
/// process ends. A paused shop is skipped, but tried once an hour.
pub fn spawn_scheduler(store: Store, shop: ShopConfig) -> anyhow::Result<()> {
    let sync = shop_sync(&shop)?;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(shop.sync_every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match orderhub_sync::due_for_scheduled_sync(&store, shop.key(), RETRY_PAUSED_AFTER).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => {
                    tracing::error!(%error, "cannot read the shop's state");
                    continue;
                }
            }
            match orderhub_sync::sync_shop(&store, &sync, &|_, _, _| {}).await {
                Ok(report) => {
                    tracing::info!(shop = %shop.key(), new = report.orders.new, changed = report.orders.changed, "synced")
                }
                Err(error) => tracing::error!(%error, "sync failed; retrying at the next interval"),
            }
        }
    });
    Ok(())
}

/// Serves the API on `listen` until Ctrl-C. With `fallback`, a taken port falls
/// back to any free port instead of failing.
pub async fn serve_until_ctrl_c(store: Store, listen: &str, fallback: bool) -> anyhow::Result<()> {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(e) if fallback => {
            tracing::warn!(%listen, error = %e, "address taken; using a free port");
            tokio::net::TcpListener::bind("127.0.0.1:0").await?
        }
        Err(e) => return Err(e).with_context(|| format!("cannot listen on {listen} (server.listen)")),
    };
    let addr = listener.local_addr()?;
    println!("API and orders page at http://{addr}/  (orders: http://{addr}/api/v1/orders); Ctrl-C stops");
    orderhub_server::serve(listener, store, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
