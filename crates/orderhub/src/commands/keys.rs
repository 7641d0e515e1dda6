//! `orderhub keys create|list|revoke`: the API's keys.
//!
//! A key is shown once, when created; the store keeps only its hash.

use super::{AlreadyReported, load_config, open_store};
use crate::Context;
use crate::output::{print_json, table};
use orderhub_server::auth::{Scope, create_key};
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct KeysArgs {
    #[command(subcommand)]
    action: KeysAction,
}

#[derive(clap::Subcommand, Debug)]
enum KeysAction {
    /// Create a key and print it (once: only its hash is stored).
    Create {
        /// What it may do: read (GET), write (also ship, sync, fetch), admin (also keys, webhooks).
        #[arg(long, value_parser = ["read", "write", "admin"])]
        scope: String,
        /// Also see buyers' names, phones, emails, addresses and the raw payloads unmasked.
        #[arg(long)]
        pii: bool,
        /// A name to tell it apart (who or what uses it).
        #[arg(long, default_value = "unnamed")]
        name: String,
    },
    /// List the keys (never the keys themselves).
    List,
    /// Revoke a key by its id (from `keys list`); it stops working at once.
    Revoke { id: i64 },
}

pub async fn run(context: &Context, args: KeysArgs) -> anyhow::Result<()> {
    let config = load_config(context)?;
    let store = open_store(&config.database_url).await?;
    match args.action {
        KeysAction::Create { scope, pii, name } => {
            let scope = Scope::parse(&scope).expect("clap checked the scope");
            let (key, record) = create_key(&store, &name, scope, pii).await?;
            if context.json {
                print_json(&json!({"key": key, "record": record}));
            } else {
                println!("{key}");
                eprintln!(
                    "key {} ({}) created with scopes {}; it is shown this once: keep it now",
                    record.id,
                    record.name,
                    record.scopes.join(" ")
                );
            }
        }
        KeysAction::List => {
            let keys = store.api_keys().await?;
            if context.json {
                print_json(&keys);
                return Ok(());
            }
            let time = |t: Option<jiff::Timestamp>| t.map(|t| t.strftime("%Y-%m-%d %H:%M:%SZ").to_string());
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    vec![
                        k.id.to_string(),
                        k.name.clone(),
                        format!("{}…", k.prefix),
                        k.scopes.join(" "),
                        time(Some(k.created_at)).unwrap_or_default(),
                        time(k.last_used_at).unwrap_or_else(|| "never".into()),
                        time(k.revoked_at).map(|t| format!("revoked {t}")).unwrap_or_else(|| "live".into()),
                    ]
                })
                .collect();
            print!("{}", table(&["id", "name", "key", "scopes", "created", "last used", "state"], &rows));
        }
        KeysAction::Revoke { id } => {
            if !store.revoke_api_key(id).await? {
                eprintln!("error: no live key with id {id}: `orderhub keys list` shows the keys");
                return Err(AlreadyReported(format!("no live key {id}")).into());
            }
            println!("key {id} revoked");
        }
    }
    Ok(())
}
