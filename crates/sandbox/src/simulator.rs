//! What a simulator is to the sandbox, the registry of them, and a running
//! sandbox of one shop on each.
//!
//! Adding a simulator adds its folder, with its [`SimulatorEntry`], and one
//! line in [`BUILT_IN`]; one compiled elsewhere (a test's) is added at run
//! time with [`register`]. Everything that starts, churns or counts the
//! simulators ([`Sandbox`], `orderhub sandbox`, `orderhub demo`, fault
//! plans) reads the registry.

use crate::faults::{Faults, SimSpec};
use crate::{Running, serve};
use jiff::{SignedDuration, Timestamp};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};

/// A simulated platform, as the sandbox drives it.
pub trait Simulator: Send + Sync {
    /// The platform's API and the admin routes, ready to serve.
    fn router(&self) -> axum::Router;
    /// The fault plan its answers follow.
    fn faults(&self) -> &Faults;
    /// Moves `count` orders along their lifecycle (`round` picks which):
    /// what changed.
    fn churn(&self, count: usize, round: u64) -> Vec<String>;
    /// Orders it holds now.
    fn order_count(&self) -> usize;
    /// Its order numbers where orders come in only by number (it has no
    /// list), for a demo to hand over; `None` for a platform that lists.
    fn lookup_only_numbers(&self) -> Option<Vec<String>> {
        None
    }
    /// The numbers of its orders that are paid and not shipped: what the
    /// seller may have bought from a supplier to fulfil. Empty for a
    /// platform that is no sales channel.
    fn awaiting_shipment(&self) -> Vec<String> {
        Vec::new()
    }
    /// For a supplier: makes its orders name some of `numbers` (other
    /// simulators' orders awaiting shipment) as the shop orders they fulfil.
    fn supply(&self, _numbers: &[String]) {}
}

/// What a simulator is made with.
#[derive(Debug, Clone, Copy)]
pub struct SimSettings {
    /// Orders to generate.
    pub orders: u64,
    /// Seed of the generator.
    pub seed: u64,
    /// The platform's "now" when the orders are made (unix seconds).
    pub anchor: i64,
    /// Serve the document's example orders instead of generated ones.
    pub examples: bool,
}

/// A simulator just made, with what a shop on it needs.
pub struct Started {
    pub simulator: Arc<dyn Simulator>,
    /// The token it accepts.
    pub token: String,
    /// The platform's own shop id, where a shop must give it.
    pub remote_shop_id: Option<String>,
    /// How far before the anchor its orders' times reach, in seconds.
    pub span_seconds: i64,
}

/// How the sandbox knows one simulator.
pub struct SimulatorEntry {
    /// Its platform and endpoints, for fault plans (`spec.name` is the platform key).
    pub spec: &'static SimSpec,
    /// The key of the shop the sandbox configures on it.
    pub shop_key: &'static str,
    /// What follows the address in the shop's `base_url` (`/api/v1`).
    pub base_path: &'static str,
    pub start: fn(&SimSettings) -> Started,
    /// How a client pages through its whole listing (`orderhub bench-sim`);
    /// `None` for a platform with no list.
    pub paging: Option<Paging>,
}

/// How a client asks for every order, page by page, at the largest page size.
#[derive(Clone, Copy)]
pub struct Paging {
    /// The request for page `page` (from 1).
    pub request: fn(&PageOf) -> PageRequest,
    /// What a page held, read without building its orders, after `served`
    /// orders on the pages before.
    pub count: fn(&[u8], u64) -> Result<Listed, String>,
}

/// What one page of a listing held.
#[derive(Debug, Clone, Copy)]
pub struct Listed {
    pub orders: usize,
    /// Whether another page follows.
    pub more: bool,
}

/// A page whose orders sit in `data`, under `data`, `records` or
/// `shop_order_list`, with a `next_page_url` (Shoptima, Westmonth) or a
/// `total` (Wshoto, Damaijia: `more_by_total`) saying whether more follow
/// after the `served` orders before it.
pub fn count_data_page(body: &[u8], served: u64, more_by_total: bool) -> Result<Listed, String> {
    use serde::de::IgnoredAny;
    #[derive(serde::Deserialize)]
    struct Page {
        data: Data,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        #[serde(default)]
        data: Vec<IgnoredAny>,
        #[serde(default)]
        records: Vec<IgnoredAny>,
        #[serde(default)]
        shop_order_list: Vec<IgnoredAny>,
        #[serde(default)]
        next_page_url: Option<String>,
        #[serde(default)]
        total: Option<u64>,
    }
    let page: Page = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let data = page.data;
    let orders = data.data.len() + data.records.len() + data.shop_order_list.len();
    let more = match (data.next_page_url.is_some(), data.total) {
        (true, _) => true,
        (false, Some(total)) if more_by_total => served + (orders as u64) < total,
        _ => false,
    };
    Ok(Listed { orders, more })
}

/// Which page, of whose listing.
pub struct PageOf<'a> {
    pub page: u64,
    /// The shop's token, and the platform's own shop id where it has one.
    pub token: &'a str,
    pub remote_shop_id: &'a str,
    /// The listing's upper bound, unix seconds.
    pub until: i64,
}

/// One HTTP request, as a client sends it.
pub struct PageRequest {
    pub post: bool,
    /// After the shop's `base_url`.
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
}

/// The simulators built in, in the order the sandbox gives them ports.
pub static BUILT_IN: [&SimulatorEntry; 5] = [
    &crate::shoptima::SIMULATOR,
    &crate::wshoto::SIMULATOR,
    &crate::westmonth::SIMULATOR,
    &crate::damaijia::SIMULATOR,
    &crate::vanmall::SIMULATOR,
];

static ADDED: RwLock<Vec<&'static SimulatorEntry>> = RwLock::new(Vec::new());

/// Adds a simulator compiled outside this crate (a test's); one for a
/// platform already known is ignored.
pub fn register(entry: &'static SimulatorEntry) {
    let mut added = ADDED.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !BUILT_IN.iter().chain(added.iter()).any(|known| known.spec.name == entry.spec.name) {
        added.push(entry);
    }
}

/// Every simulator the sandbox knows.
pub fn simulators() -> Vec<&'static SimulatorEntry> {
    let added = ADDED.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    BUILT_IN.iter().copied().chain(added.iter().copied()).collect()
}

/// Every simulator's fault-layer description, for checking a fault plan.
pub fn sim_specs() -> Vec<&'static SimSpec> {
    simulators().into_iter().map(|entry| entry.spec).collect()
}

/// The shop a sandbox configures on one simulator.
#[derive(Debug, Clone)]
pub struct SandboxShop {
    pub key: &'static str,
    pub platform: &'static str,
    pub base_url: String,
    /// The simulator's token (not a secret: it is the sandbox's).
    pub token: String,
    pub remote_shop_id: Option<String>,
}

/// Every simulator running on loopback, one shop on each; they stop when
/// this is dropped.
pub struct Sandbox {
    pub shops: Vec<SandboxShop>,
    /// The simulators, in the order of `shops`.
    pub simulators: Vec<Arc<dyn Simulator>>,
    /// Where the generated orders start: a safe `sync_from`.
    pub earliest: Timestamp,
    _running: Vec<Running>,
}

impl Sandbox {
    /// Starts every simulator on loopback: the first on `port` (0: any free
    /// port), the next on `port + 1`, and so on.
    pub async fn start(orders: u64, seed: u64, port: u16, examples: bool) -> std::io::Result<Sandbox> {
        let settings = SimSettings { orders, seed, anchor: crate::default_anchor(), examples };
        let (mut shops, mut started_simulators, mut running) = (Vec::new(), Vec::new(), Vec::new());
        let mut span = 0;
        for (n, entry) in simulators().into_iter().enumerate() {
            let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, if port == 0 { 0 } else { port + n as u16 }));
            let started = (entry.start)(&settings);
            let serving = serve(started.simulator.router(), bind, entry.base_path)
                .await
                .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {bind}: {e}")))?;
            span = span.max(started.span_seconds);
            shops.push(SandboxShop {
                key: entry.shop_key,
                platform: entry.spec.name,
                base_url: serving.base_url.clone(),
                token: started.token,
                remote_shop_id: started.remote_shop_id,
            });
            started_simulators.push(started.simulator);
            running.push(serving);
        }
        // The supplier's purchases name the shop orders they fulfil.
        let awaiting: Vec<String> = started_simulators.iter().flat_map(|s| s.awaiting_shipment()).collect();
        for simulator in &started_simulators {
            simulator.supply(&awaiting);
        }
        let earliest = if examples {
            // The documents' examples are from 2020 to 2025.
            "2000-01-01T00:00:00Z".parse().expect("a time")
        } else {
            let earliest = Timestamp::from_second(settings.anchor - span).unwrap_or(Timestamp::UNIX_EPOCH);
            earliest.checked_sub(SignedDuration::from_hours(24)).unwrap_or(earliest)
        };
        Ok(Sandbox { shops, simulators: started_simulators, earliest, _running: running })
    }

    /// Adds a fault plan's rules to every simulator they are meant for.
    pub fn add_faults(&self, rules: &[crate::FaultRule]) {
        for simulator in &self.simulators {
            simulator.faults().add(rules);
        }
    }

    /// Moves `per_second` orders of every platform along their lifecycle each
    /// second, until the task is aborted.
    pub fn spawn_churn(&self, per_second: usize) -> Option<tokio::task::JoinHandle<()>> {
        if per_second == 0 {
            return None;
        }
        let simulators = self.simulators.clone();
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                ticks.tick().await;
                let round = crate::next_churn_round();
                for simulator in &simulators {
                    simulator.churn(per_second, round);
                }
            }
        }))
    }

    /// Orders on every simulated platform now.
    pub fn order_count(&self) -> usize {
        self.simulators.iter().map(|simulator| simulator.order_count()).sum()
    }
}
