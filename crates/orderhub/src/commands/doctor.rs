//! `orderhub doctor [--shop K]`: everything a deployment needs, checked
//! before it is trusted: the configuration, the database (reachable, schema
//! up to date, free disk), and each shop with one cheap call (the platform
//! answers, takes the token, and its clock agrees with ours). One line per
//! check with what to do; exit 1 if any fails. Nothing is written: the
//! schema is read, not migrated.

use super::{AlreadyReported, find_shop, load_config};
use crate::output::print_json;
use crate::{Context, store_lock};
use orderhub_store::{Store, redact_url};
use orderhub_sync::{Check, check_shop};
use serde_json::json;

/// Less free space than this beside a SQLite store fails the disk check:
/// a first sync of a large shop writes hundreds of megabytes.
const DISK_MINIMUM: u64 = 1 << 30;

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// Only this shop's checks (and the database's).
    #[arg(long)]
    shop: Option<String>,
}

/// A check of one part of the deployment: `configuration`, `database` or a shop.
struct Line {
    scope: String,
    check: Check,
}

pub async fn run(context: &Context, args: DoctorArgs) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    let config = match load_config(context) {
        Ok(config) => config,
        Err(error) => {
            let fix = "fix the file (`orderhub --help` and README: Configuration list every key)";
            lines.push(line("configuration", Check::failed("file", error.to_string(), fix)));
            return report(context, &lines);
        }
    };
    let shops = match &args.shop {
        Some(key) => vec![find_shop(&config, context, key)?.clone()],
        None => config.shops.clone(),
    };
    let summary =
        format!("{}: {} shop(s), {} webhook(s)", context.config_path.display(), shops.len(), config.webhooks.len());
    lines.push(line("configuration", Check::ok("file", summary)));
    lines.extend(database(&config.database_url).await.into_iter().map(|c| line("database", c)));
    let mut checks = tokio::task::JoinSet::new();
    for (position, shop) in shops.iter().enumerate() {
        let (key, settings) = (shop.key().to_string(), shop.settings.clone());
        checks.spawn(async move {
            let checks = match orderhub_connectors::connect(settings) {
                Ok(connector) => check_shop(connector.as_ref()).await,
                Err(error) => vec![Check::failed("settings", error.to_string(), "fix the shop's entry in the file")],
            };
            (position, key, checks)
        });
    }
    let mut shop_lines = checks.join_all().await;
    shop_lines.sort_by_key(|(position, _, _)| *position);
    for (_, key, checks) in shop_lines {
        lines.extend(checks.into_iter().map(|check| line(&format!("shop {key}"), check)));
    }
    report(context, &lines)
}

/// The database: reachable, its schema this build's, room on its disk.
async fn database(url: &str) -> Vec<Check> {
    if let Some(path) = store_lock::sqlite_path(url).filter(|path| !path.exists()) {
        let detail = format!("{} does not exist yet: the first sync creates it", path.display());
        return vec![Check::ok("reachable", detail), disk(url)];
    }
    let store = match Store::open_unmigrated(url).await {
        Ok(store) => store,
        Err(error) => {
            let fix = "check `database.url` (or ORDERHUB_DATABASE_URL), that the server runs and takes the user";
            return vec![Check::failed("reachable", error.to_string(), fix)];
        }
    };
    let mut checks = vec![Check::ok("reachable", redact_url(url))];
    checks.push(match store.schema_versions().await {
        Ok((applied, known)) if applied == known => Check::ok("schema", format!("up to date ({known} migrations)")),
        Ok((applied, known)) if applied < known => Check::failed(
            "schema",
            format!("{applied} of {known} migrations applied"),
            "run `orderhub migrate` (every command but doctor also does, first)",
        ),
        Ok((applied, known)) => Check::failed(
            "schema",
            format!("{applied} migrations applied; this orderhub knows {known}"),
            "a newer orderhub wrote this store: run that version",
        ),
        Err(error) => Check::failed("schema", error.to_string(), "check the database user's rights"),
    });
    store.close().await;
    checks.push(disk(url));
    checks
}

/// Free space beside a SQLite store; PostgreSQL's disk is its server's.
fn disk(url: &str) -> Check {
    let Some(path) = store_lock::sqlite_path(url) else {
        return Check::ok("disk", "on the database server: watch its free space there".into());
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    match free_bytes(&dir) {
        Ok(free) if free >= DISK_MINIMUM => Check::ok("disk", format!("{} free in {}", gigabytes(free), dir.display())),
        Ok(free) => Check::failed(
            "disk",
            format!("only {} free in {}", gigabytes(free), dir.display()),
            "free space or move the store (`orderhub backup`, then `restore` elsewhere); syncs stop when it is full",
        ),
        Err(error) => Check::failed("disk", format!("cannot read the free space of {}: {error}", dir.display()), ""),
    }
}

fn free_bytes(dir: &std::path::Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes())?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: statvfs(3) with a NUL-terminated path and a struct it fills.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(stats.f_bavail as u64 * stats.f_frsize as u64)
}

fn gigabytes(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}

fn line(scope: &str, check: Check) -> Line {
    Line { scope: scope.to_string(), check }
}

fn report(context: &Context, lines: &[Line]) -> anyhow::Result<()> {
    let failures = lines.iter().filter(|l| !l.check.ok).count();
    if context.json {
        let checks: Vec<_> = lines.iter().map(|l| json!({"scope": l.scope, "check": l.check})).collect();
        print_json(&json!({"ok": failures == 0, "checks": checks}));
    } else {
        let width = lines.iter().map(|l| l.scope.len() + l.check.check.len() + 1).max().unwrap_or(0);
        for l in lines {
            let name = format!("{} {}", l.scope, l.check.check);
            println!("{:<4}  {name:<width$}  {}", if l.check.ok { "ok" } else { "FAIL" }, l.check.detail);
            if !l.check.fix.is_empty() {
                println!("{:<4}  {:<width$}  → {}", "", "", l.check.fix);
            }
        }
        println!(
            "{}",
            if failures == 0 { "every check passed".to_string() } else { format!("{failures} check(s) failed") }
        );
    }
    if failures > 0 {
        return Err(AlreadyReported(format!("{failures} check(s) failed")).into());
    }
    Ok(())
}
