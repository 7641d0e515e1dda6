//! `orderhub ship --shop K --order N --tracking T --carrier C`: report a shipment.

use super::{AlreadyReported, find_shop, load_config, open_store, shop_sync};
use crate::Context;
use crate::output::print_json;
use orderhub_connectors::ShipmentRequest;

#[derive(clap::Args, Debug)]
pub struct ShipArgs {
    /// The shop the order belongs to.
    #[arg(long)]
    shop: String,
    /// The order number.
    #[arg(long)]
    order: String,
    /// The carrier's tracking number.
    #[arg(long)]
    tracking: String,
    /// The carrier code the platform knows (Shoptima: `shipping_channel_code`, e.g. SF).
    #[arg(long)]
    carrier: String,
}

pub async fn run(context: &Context, args: ShipArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let shop = find_shop(&config, context, &args.shop)?;
    if args.tracking.trim().is_empty() {
        anyhow::bail!("--tracking is empty: give the carrier's tracking number");
    }
    let store = open_store(&config.database_url).await?;
    let sync = shop_sync(shop)?;
    let request = ShipmentRequest {
        order_number: args.order.clone(),
        tracking_number: args.tracking.trim().to_string(),
        carrier_code: args.carrier.trim().to_string(),
    };
    let report = orderhub_sync::ship(&store, sync.connector.as_ref(), request).await?;
    if context.json {
        print_json(&report);
    }
    if !report.accepted {
        let code = if report.code.is_empty() { String::new() } else { format!(" (code {})", report.code) };
        let message =
            format!("shop {:?}: the platform refused to ship {}{code}: {}", args.shop, args.order, report.message);
        eprintln!("error: {message}");
        return Err(AlreadyReported(message).into());
    }
    if !context.json {
        println!(
            "shipped {} with {} ({}): the platform answered {} {}; stored order updated ({} change event)",
            args.order, args.tracking, args.carrier, report.code, report.message, report.refreshed.changed
        );
    }
    Ok(())
}
