//! `orderhub orders list|show|export`: read the stored orders.

use super::{load_config, open_store};
use crate::Context;
use crate::config::ConfigError;
use crate::output::{print_json, table};
use anyhow::Context as _;
use orderhub_model::Order;
use orderhub_store::{OrderFilter, StoreError};

/// Why an export stopped: the store, or the file/pipe it writes to.
#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Write(std::io::Error),
}
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct FilterArgs {
    /// Only this shop.
    #[arg(long)]
    shop: Option<String>,
    /// Only this platform, by its key (e.g. shoptima).
    #[arg(long)]
    platform: Option<String>,
    /// Only this status (pending_payment, awaiting_shipment, shipped, completed, cancelled).
    #[arg(long)]
    status: Option<String>,
}

impl FilterArgs {
    fn filter(&self, limit: Option<i64>) -> Result<OrderFilter, ConfigError> {
        if let Some(status) = &self.status
            && orderhub_model::OrderStatus::parse(status).is_none()
        {
            return Err(usage(format!(
                "--status {status:?} is not a status: use pending_payment, awaiting_shipment, shipped, completed or cancelled"
            )));
        }
        if let Some(platform) = &self.platform {
            orderhub_connectors::registry::platform(platform).map_err(|e| usage(format!("--platform: {e}")))?;
        }
        Ok(OrderFilter {
            platform: self.platform.clone(),
            shop: self.shop.clone(),
            status: self.status.clone(),
            order_number: None,
            limit,
        })
    }
}

fn usage(message: String) -> ConfigError {
    ConfigError { place: "command line".into(), key: None, message }
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum ExportFormat {
    /// One canonical order per line, as JSON.
    Jsonl,
    /// One order per row with the main fields.
    Csv,
}

#[derive(clap::Subcommand, Debug)]
pub enum OrdersCommand {
    /// The newest orders.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One order with its items, shipments and timeline.
    Show {
        /// The hub id (`shoptima:belment:asda-20200521-004`) or the order number.
        id: String,
        /// The shop, when an order number alone is ambiguous.
        #[arg(long)]
        shop: Option<String>,
    },
    /// Every matching order, streamed.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub async fn run(context: &Context, command: OrdersCommand) -> anyhow::Result<()> {
    let config = load_config(context)?;
    // Filters are checked before the store is opened (and, for SQLite, made).
    match command {
        OrdersCommand::List { filter, limit } => {
            let filter = filter.filter(Some(limit.clamp(1, 100_000)))?;
            list(context, &open_store(&config.database_url).await?, filter).await
        }
        OrdersCommand::Show { id, shop } => {
            show(context, &open_store(&config.database_url).await?, &id, shop.as_deref()).await
        }
        OrdersCommand::Export { filter, format, output } => {
            let filter = filter.filter(None)?;
            export(&open_store(&config.database_url).await?, filter, format, output).await
        }
    }
}

/// `orders list`: a table of the orders (newest first), or their JSON.
/// One more than the limit is read, to say whether more match.
async fn list(context: &Context, store: &orderhub_store::Store, mut filter: OrderFilter) -> anyhow::Result<()> {
    let limit = filter.limit.unwrap_or(i64::MAX);
    filter.limit = Some(limit.saturating_add(1));
    let mut orders = store.orders(&filter).await?;
    let more = orders.len() as i64 > limit;
    orders.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if context.json {
        print_json(&orders);
    } else {
        print!("{}", order_table(&orders));
        println!("{}", shown(orders.len(), more));
    }
    Ok(())
}

/// `orders show`: one order, by hub id or by number, and its timeline.
async fn show(context: &Context, store: &orderhub_store::Store, id: &str, shop: Option<&str>) -> anyhow::Result<()> {
    let order = match store.order(id).await? {
        Some(order) => order,
        None => find_by_number(store, id, shop).await?,
    };
    let events = store.events(&order.id).await?;
    if context.json {
        print_json(&json!({"order": order, "events": events}));
        return Ok(());
    }
    print!("{}", describe(&order));
    println!("\ntimeline:");
    for event in &events {
        let fields: Vec<String> = event
            .changes
            .iter()
            .map(|c| if c.field == "raw" { "raw".to_string() } else { format!("{} {} → {}", c.field, c.from, c.to) })
            .collect();
        println!("  #{} {} {}: {}", event.seq, event.recorded_at, event.kind, fields.join("; "));
    }
    Ok(())
}

/// `orders export`: every matching order as JSON lines or CSV, to a file or
/// standard output, read from the store 500 at a time.
async fn export(
    store: &orderhub_store::Store,
    filter: OrderFilter,
    format: ExportFormat,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let sink: Box<dyn Write> = match &output {
        Some(path) => {
            Box::new(std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = std::io::BufWriter::new(sink);
    if let ExportFormat::Csv = format {
        writeln!(sink, "{}", CSV_HEADER.join(",")).map_err(ExportError::Write)?;
    }
    let written = store
        .for_each_order(&filter, |order| {
            match format {
                ExportFormat::Jsonl => {
                    serde_json::to_writer(&mut sink, &order).map_err(|e| ExportError::Write(e.into()))?;
                    writeln!(sink)
                }
                ExportFormat::Csv => writeln!(sink, "{}", csv_row(&order)),
            }
            .map_err(ExportError::Write)
        })
        .await;
    let count = match written.and_then(|count| sink.flush().map(|()| count).map_err(ExportError::Write)) {
        Ok(count) => count,
        // The reader went away (`| head`): stop quietly, as Unix tools do.
        Err(ExportError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        Err(ExportError::Write(e)) => return Err(e).context("writing the export"),
        Err(ExportError::Store(e)) => return Err(e.into()),
    };
    if let Some(path) = output {
        eprintln!("exported {count} order(s) to {}", path.display());
    }
    Ok(())
}

async fn find_by_number(store: &orderhub_store::Store, number: &str, shop: Option<&str>) -> anyhow::Result<Order> {
    let filter =
        OrderFilter { shop: shop.map(Into::into), order_number: Some(number.into()), ..OrderFilter::default() };
    let mut found = store.orders(&filter).await?;
    match found.len() {
        0 => anyhow::bail!(
            "no stored order {number:?}: give the hub id (platform:shop:number) or an order number that was synced"
        ),
        1 => Ok(found.remove(0)),
        _ => {
            let ids: Vec<_> = found.iter().map(|o| o.id.as_str()).collect();
            anyhow::bail!("order number {number:?} is in several shops ({}): pass --shop or the hub id", ids.join(", "))
        }
    }
}

fn money(order: &Order, amount: &orderhub_model::Decimal) -> String {
    match &order.currency {
        Some(currency) => format!("{amount} {currency}"),
        None => amount.to_string(),
    }
}

fn time(t: &Option<orderhub_model::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M:%SZ").to_string()).unwrap_or_else(|| "-".into())
}

fn order_table(orders: &[Order]) -> String {
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|o| {
            vec![
                o.shop.clone(),
                o.order_number.clone(),
                o.status.to_string(),
                o.payment_status.to_string(),
                o.refund_status.to_string(),
                money(o, &o.total),
                o.items.len().to_string(),
                time(&o.created_at),
            ]
        })
        .collect();
    table(&["shop", "order", "status", "payment", "refund", "total", "items", "created (UTC)"], &rows)
}

fn describe(o: &Order) -> String {
    let mut out = String::new();
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    out.push_str(&format!("{}  ({} order {}, shop {})\n", o.id, o.platform, o.order_number, o.shop));
    out.push_str(&format!(
        "status {}  payment {}  fulfillment {}  refund {}  platform status {} ({})\n",
        o.status,
        o.payment_status,
        o.fulfillment_status,
        o.refund_status,
        o.platform_status.code,
        o.platform_status.label
    ));
    out.push_str(&format!(
        "subtotal {}  shipping {}  discount {}  total {}  paid {}\n",
        money(o, &o.subtotal),
        money(o, &o.shipping),
        money(o, &o.discount),
        money(o, &o.total),
        money(o, &o.paid)
    ));
    out.push_str(&format!(
        "created {}  paid {}  shipped {}  updated {}\n",
        time(&o.created_at),
        time(&o.paid_at),
        time(&o.shipped_at),
        time(&o.updated_at)
    ));
    let c = &o.customer;
    let buyer = [("name", &c.name), ("email", &c.email), ("phone", &c.phone)]
        .iter()
        .filter_map(|(label, value)| value.as_deref().map(|v| format!("{label} {}", readable(v))))
        .collect::<Vec<_>>();
    let a = &o.shipping_address;
    let place = [&a.name, &a.phone, &a.address1, &a.address2, &a.city, &a.province, &a.postal_code, &a.country_code]
        .iter()
        .filter_map(|value| value.as_deref().filter(|v| !v.is_empty()).map(readable))
        .collect::<Vec<_>>();
    let or_none =
        |parts: Vec<String>, separator: &str| if parts.is_empty() { "-".into() } else { parts.join(separator) };
    out.push_str(&format!("buyer {}\nship to {}\n\n", or_none(buyer, "  "), or_none(place, ", ")));
    let rows: Vec<Vec<String>> = o
        .items
        .iter()
        .map(|i| {
            vec![
                i.line_id.clone(),
                opt(&i.sku),
                opt(&i.title).chars().take(48).collect(),
                opt(&i.variant),
                i.quantity.to_string(),
                i.unit_price.to_string(),
                i.total.to_string(),
            ]
        })
        .collect();
    out.push_str(&table(&["line", "sku", "title", "variant", "qty", "unit", "total"], &rows));
    for s in &o.shipments {
        out.push_str(&format!(
            "shipment {} via {} at {}\n",
            s.tracking_number,
            opt(&s.carrier_code),
            time(&s.shipped_at)
        ));
    }
    for link in &o.links {
        let relation = match link.relation {
            orderhub_model::LinkRelation::Fulfils => "fulfils",
            orderhub_model::LinkRelation::FulfilledBy => "fulfilled by",
        };
        let to = link.order_id.as_deref().unwrap_or("no stored order found yet, or more than one");
        out.push_str(&format!("{relation} {} ({to})\n", link.order_number));
    }
    out
}

const CSV_HEADER: &[&str] = &[
    "id",
    "platform",
    "shop",
    "order_number",
    "status",
    "payment_status",
    "fulfillment_status",
    "refund_status",
    "currency",
    "subtotal",
    "shipping",
    "discount",
    "total",
    "paid",
    "created_at",
    "updated_at",
    "paid_at",
    "shipped_at",
    "customer_name",
    "customer_email",
    "customer_phone",
    "country_code",
    "items",
    "skus",
    "tracking_numbers",
    "role",
    "linked_orders",
];

fn csv_row(o: &Order) -> String {
    let t = |t: &Option<orderhub_model::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let cells = [
        o.id.clone(),
        o.platform.to_string(),
        o.shop.clone(),
        o.order_number.clone(),
        o.status.to_string(),
        o.payment_status.to_string(),
        o.fulfillment_status.to_string(),
        o.refund_status.to_string(),
        s(&o.currency),
        o.subtotal.to_string(),
        o.shipping.to_string(),
        o.discount.to_string(),
        o.total.to_string(),
        o.paid.to_string(),
        t(&o.created_at),
        t(&o.updated_at),
        t(&o.paid_at),
        t(&o.shipped_at),
        s(&o.customer.name),
        s(&o.customer.email),
        s(&o.customer.phone),
        s(&o.shipping_address.country_code),
        o.items.iter().map(|i| i.quantity).sum::<u32>().to_string(),
        o.items.iter().filter_map(|i| i.sku.clone()).collect::<Vec<_>>().join(";"),
        o.shipments.iter().map(|s| s.tracking_number.clone()).collect::<Vec<_>>().join(";"),
        o.role.as_str().to_string(),
        o.links.iter().map(|l| l.order_number.clone()).collect::<Vec<_>>().join(";"),
    ];
    cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",")
}

/// RFC 4180: quote a cell holding a comma, quote or line break; double its quotes.
/// A cell starting with `=`, `+`, `-` or `@` gets a leading `'` so that a
/// spreadsheet does not run it as a formula (buyer names come from strangers).
fn csv_cell(cell: &str) -> String {
    let guarded = if cell.starts_with(['=', '+', '@']) || (cell.starts_with('-') && cell.parse::<f64>().is_err()) {
        format!("'{cell}")
    } else {
        cell.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) { format!("\"{}\"", guarded.replace('"', "\"\"")) } else { guarded }
}

/// The line under `orders list`: how many are shown, and how to see the
/// rest when more match.
fn shown(count: usize, more: bool) -> String {
    let orders = if count == 1 { "order" } else { "orders" };
    if more {
        format!(
            "{count} {orders} shown, the newest; more match: raise --limit, narrow the filters, or `orders export` for all"
        )
    } else {
        format!("{count} {orders}")
    }
}

/// A buyer's value as a person reads it: a platform's ciphertext (Douyin's
/// `encrypted:…`, which only the platform's decrypt API opens) as
/// `[encrypted]`; `--json` keeps it whole.
fn readable(value: &str) -> String {
    if value.starts_with(orderhub_model::ENCRYPTED_PREFIX) { "[encrypted]".into() } else { value.to_string() }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_formula_safe() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-2.50"), "-2.50");
    }
}
