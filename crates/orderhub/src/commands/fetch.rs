//! `orderhub fetch --shop K NUMBER...`: pull given orders by number.

use super::{AlreadyReported, find_shop, load_config, open_store, shop_sync};
use crate::Context;
use crate::output::print_json;
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct FetchArgs {
    /// The shop the orders belong to.
    #[arg(long)]
    shop: String,
    /// Order numbers.
    #[arg(required = true)]
    numbers: Vec<String>,
}

pub async fn run(context: &Context, args: FetchArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let shop = find_shop(&config, context, &args.shop)?;
    let store = open_store(&config.database_url).await?;
    let sync = shop_sync(shop)?;
    let (stats, missing) =
        orderhub_sync::fetch_orders(&store, sync.connector.as_ref(), &args.numbers, sync.retry).await?;
    if context.json {
        print_json(&json!({"stored": stats, "not_found": missing}));
    } else {
        println!(
            "fetched {} order(s): {} new, {} changed, {} unchanged, {} bad",
            args.numbers.len() - missing.len(),
            stats.new,
            stats.changed,
            stats.unchanged,
            stats.bad
        );
    }
    if !missing.is_empty() {
        let message = format!("shop {:?}: the platform has no order {}", args.shop, missing.join(", "));
        eprintln!("error: {message}");
        return Err(AlreadyReported(message).into());
    }
    Ok(())
}
