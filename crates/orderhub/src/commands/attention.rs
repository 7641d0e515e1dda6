//! `orderhub attention`: what needs a person, one item per cause (the store
//! is swept first, so the list is current without a running `serve`);
//! `orderhub attention dismiss ID --note TEXT`: a person closes an item.

use super::{load_config, open_store};
use crate::Context;
use crate::output::{print_json, table};
use orderhub_store::{AttentionFilter, AttentionItem};
use orderhub_sync::attention::{SweptShop, sweep};

#[derive(clap::Args, Debug)]
pub struct AttentionArgs {
    #[command(subcommand)]
    command: Option<AttentionCommand>,
    /// Closed items too (cleared by their cure or dismissed), newest first.
    #[arg(long)]
    all: bool,
    /// Only this kind: shop_paused, shop_stalled, writeback_failed, unreadable_order.
    #[arg(long)]
    kind: Option<String>,
    /// Only this shop.
    #[arg(long)]
    shop: Option<String>,
    /// At most this many items.
    #[arg(long, default_value_t = 100)]
    limit: i64,
}

#[derive(clap::Subcommand, Debug)]
enum AttentionCommand {
    /// Close an open item: say what was done, or why nothing needs doing.
    Dismiss {
        /// The item's id (`orderhub attention` lists them).
        id: i64,
        /// What was done or why nothing needs doing; kept with the item.
        #[arg(long)]
        note: String,
    },
}

pub async fn run(context: &Context, args: AttentionArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let store = open_store(&config.database_url).await?;
    if let Some(AttentionCommand::Dismiss { id, note }) = args.command {
        return dismiss(context, &store, id, &note).await;
    }
    // The sweep reads the store only: no connector is built for it.
    let shops: Vec<SweptShop<'_>> = config
        .shops
        .iter()
        .map(|shop| SweptShop {
            key: shop.key(),
            platform: shop.settings.platform.as_str(),
            sync_every: shop.sync_every,
            deadline: shop.ship_deadline,
        })
        .collect();
    sweep(&store, &shops, jiff::Timestamp::now()).await?;
    let filter = AttentionFilter {
        kind: args.kind,
        shop: args.shop,
        severity: None,
        open: (!args.all).then_some(true),
        before_id: None,
        limit: args.limit.max(1),
    };
    let items = store.attention_items(&filter).await?;
    if context.json {
        print_json(&items);
        return Ok(());
    }
    if items.is_empty() {
        println!("nothing needs attention{}", if args.all { "" } else { " (--all shows closed items)" });
        return Ok(());
    }
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    print!("{}", table(&["id", "severity", "kind", "shop", "opened", "state", "reason"], &rows));
    let actions: Vec<String> =
        items.iter().filter(|i| i.is_open()).map(|i| format!("{}: {}", i.id, i.action)).collect();
    if !actions.is_empty() {
        println!("\nwhat to do:\n{}", actions.join("\n"));
    }
    Ok(())
}

fn row(item: &AttentionItem) -> Vec<String> {
    let state = match (&item.dismissed_at, &item.cleared_at) {
        (Some(_), _) => format!("dismissed by {}", item.dismissed_by.as_deref().unwrap_or("?")),
        (None, Some(at)) => format!("cleared {}", at.strftime("%Y-%m-%d %H:%M:%SZ")),
        (None, None) => "open".to_string(),
    };
    vec![
        item.id.to_string(),
        item.severity.as_str().to_string(),
        item.kind.clone(),
        item.shop.clone().unwrap_or_default(),
        item.opened_at.strftime("%Y-%m-%d %H:%M:%SZ").to_string(),
        state,
        item.reason.clone(),
    ]
}

async fn dismiss(context: &Context, store: &orderhub_store::Store, id: i64, note: &str) -> anyhow::Result<()> {
    let note = note.trim();
    anyhow::ensure!(!note.is_empty(), "--note must say what was done or why nothing needs doing");
    let by = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    match store.dismiss_attention(id, &by, note).await? {
        Some(item) if context.json => print_json(&item),
        Some(item) => println!("attention item {} dismissed ({}): {}", item.id, item.kind, item.reason),
        None => match store.attention_item(id).await? {
            None => anyhow::bail!("no attention item {id}: `orderhub attention` lists them"),
            Some(_) => anyhow::bail!("attention item {id} is closed already: `orderhub attention --all` shows how"),
        },
    }
    Ok(())
}
