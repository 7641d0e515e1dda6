//! One shop's sync run, fetch by number, and shipping.

use crate::SyncError;
use crate::lanes::Lanes;
use crate::page_writer::PageWriter;
use crate::spans::Window;
use crate::window::{Halt, Opening, RunReader, read_window};
use backon::{ExponentialBuilder, Retryable};
use futures_util::{StreamExt, TryStreamExt};
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{
    BadOrder, Connector, ConnectorError, ErrorKind, ListBy, ListQuery, OrderPage, ShipmentOutcome, ShipmentRequest,
};
use orderhub_model::Order;
use orderhub_store::{BadRecord, CursorUpdate, RunProgress, Store, SyncRun, WriteStats};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One shop to sync.
pub struct ShopSync {
    /// Shared: a sync reads the next page in a task of its own (see `read_window`).
    pub connector: Arc<dyn Connector>,
    /// Where the first sync starts.
    pub sync_from: Timestamp,
    /// Orders created within this span before now are read again on every run,
    /// to see their changes on platforms that list by creation time only.
    pub refresh_window: SignedDuration,
    /// How far before the committed cursor each run starts reading.
    pub overlap: SignedDuration,
    /// How a transient failure (network, 5xx, busy code, cut-off answer) is retried.
    pub retry: RetryPolicy,
    /// List requests in flight at once, at most (1 to [`MAX_IN_FLIGHT`](crate::MAX_IN_FLIGHT)):
    /// the pages of a window, and of its spans, are asked for together.
    pub max_in_flight: usize,
    /// When the shop's orders must ship; the connector gives them their
    /// `ship_by` ([`crate::WithDeadlines`]), and the attention sweep warns by it.
    pub ship_deadline: Option<crate::ShipDeadline>,
}

/// Exponential backoff with jitter for transient failures.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: usize,
    /// The first wait.
    pub min_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 5, min_delay: Duration::from_millis(200), max_delay: Duration::from_secs(10) }
    }
}

/// How far a run has come, as a progress bar shows it.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub shop: &'a str,
    /// Orders read so far.
    pub read: u64,
    /// Orders the platform says there are, where its answers say.
    pub expected: Option<u64>,
    /// Spans of the run's windows read in full (a window read whole is one).
    pub spans_done: u64,
    /// Spans planned so far (each window's are planned once its first page is read).
    pub spans: u64,
}

/// Progress callback, called after each page is handed to the writer.
pub type ProgressFn<'a> = &'a (dyn Fn(&Progress<'_>) + Sync);

/// What one sync run of one shop did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncReport {
    pub shop: String,
    pub run_id: i64,
    pub pages: u64,
    pub api_calls: u64,
    pub orders: WriteStats,
    /// Windows read again because the listing shifted while it was paged.
    pub rereads: u64,
    /// Requests sent again after a transient failure.
    pub retries: u64,
}

/// Syncs one shop once. The run is recorded in the store's run history whether it
/// ends well or not.
pub async fn sync_shop(store: &Store, shop: &ShopSync, progress: ProgressFn<'_>) -> Result<SyncReport, SyncError> {
    sync_shop_until(store, shop, progress, std::future::pending()).await
}

/// [`sync_shop`], stopped when `stop` completes (the process is shutting
/// down): the pages in flight are dropped, the page transaction in hand rolls
/// back, and the run is recorded as `interrupted` at once, so that another
/// worker takes the shop over from its stored cursor without waiting for the
/// run's lease to lapse.
pub async fn sync_shop_until(
    store: &Store,
    shop: &ShopSync,
    progress: ProgressFn<'_>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<SyncReport, SyncError> {
    let key = shop.connector.shop().to_string();
    let store_error = |source| SyncError::Store { shop: key.clone(), source };
    let run_id = bookkeeping(Retry::WhileBusy, || store.start_run(&key)).await.map_err(store_error)?;
    let calls_before = shop.connector.api_calls();
    let mut report = SyncReport {
        shop: key.clone(),
        run_id,
        pages: 0,
        api_calls: 0,
        orders: WriteStats::default(),
        rereads: 0,
        retries: 0,
    };
    let retries = AtomicU64::new(0);
    // The latest progress, written with the run's lease for `orderhub runs`.
    let (started, latest) = (std::time::Instant::now(), std::sync::Mutex::new(None));
    let tracking = |at: &Progress<'_>| {
        *latest.lock().expect("the progress lock is never poisoned") = Some(run_progress(at, started.elapsed()));
        progress(at);
    };
    let result = tokio::select! {
        result = run_streams(store, shop, &mut report, &retries, &tracking) => result,
        never = renew_run(store, &key, run_id, &latest) => match never {},
        () = stop => Err(SyncError::Stopped { shop: key.clone() }),
    };
    report.api_calls = shop.connector.api_calls() - calls_before;
    report.retries = retries.load(Ordering::Relaxed);
    let run = SyncRun {
        id: run_id,
        shop: key.clone(),
        started_at: None,
        ended_at: Some(Timestamp::now()),
        outcome: match &result {
            Ok(()) => "ok",
            Err(SyncError::Stopped { .. }) => "interrupted",
            Err(_) => "failed",
        }
        .into(),
        pages: report.pages,
        api_calls: report.api_calls,
        orders: report.orders,
        error: result.as_ref().err().map(|e| e.to_string()),
        progress: None,
    };
    bookkeeping(Retry::WhileFailing, || store.finish_run(&run)).await.map_err(store_error)?;
    // A refused token or a spent quota needs a person: pause the shop's
    // scheduled syncs with the reason. Any run that ends well clears it.
    match &result {
        Ok(()) => bookkeeping(Retry::WhileFailing, || store.resume_shop(&key)).await.map_err(store_error)?,
        Err(error) => {
            if let Some(ErrorKind::Auth | ErrorKind::Quota) = error.connector_error().map(ConnectorError::kind) {
                let reason = error.to_string();
                bookkeeping(Retry::WhileFailing, || store.pause_shop(&key, &reason)).await.map_err(store_error)?;
            }
        }
    }
    result.map(|()| report)
}

/// Renews a run's lease while it goes (see `Store::start_run`), with how
/// far it has come; never ends.
async fn renew_run(
    store: &Store,
    shop: &str,
    run_id: i64,
    latest: &std::sync::Mutex<Option<RunProgress>>,
) -> std::convert::Infallible {
    let every = Duration::from_millis(orderhub_store::RUN_LEASE_MS as u64 / 3);
    loop {
        tokio::time::sleep(every).await;
        let progress = *latest.lock().expect("the progress lock is never poisoned");
        if let Err(error) = store.renew_run(run_id, progress.as_ref()).await {
            tracing::warn!(shop, run_id, %error, "cannot renew the run's lease; renewing again shortly");
        }
    }
}

/// A run's progress as stored, with the time left at the pace so far:
/// from the orders, where the platform counts them, else from the spans.
fn run_progress(at: &Progress<'_>, elapsed: Duration) -> RunProgress {
    let share_done = match at.expected {
        Some(expected) if expected > 0 => Some(at.read as f64 / expected as f64),
        _ if at.spans > 0 => Some(at.spans_done as f64 / at.spans as f64),
        _ => None,
    };
    let eta_seconds = share_done
        .filter(|done| *done > 0.0)
        .map(|done| (elapsed.as_secs_f64() * (1.0 - done.min(1.0)) / done).round() as u64);
    RunProgress { read: at.read, expected: at.expected, spans_done: at.spans_done, spans: at.spans, eta_seconds }
}

/// Which store failures a write of a run's bookkeeping outlasts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Another process holding SQLite's lock (`SQLITE_BUSY`): no failure
    /// of the shop, and gone in a moment. A run not yet started stops at
    /// any other failure of the store.
    WhileBusy,
    /// That, and the store failing (a full disk, a lost connection): a run
    /// that ended must be recorded as ended if the store comes back soon.
    WhileFailing,
}

/// How a write the store refused for a while (busy, failing) is tried
/// again: for about ten seconds.
pub(crate) fn store_backoff() -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(2))
        .with_max_times(8)
        .with_jitter()
}

/// Runs a write of a run's bookkeeping (its row, the shop's pause), trying
/// again ([`store_backoff`]) through the failures `retry` names.
async fn bookkeeping<T, F, Fut>(retry: Retry, write: F) -> Result<T, orderhub_store::StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, orderhub_store::StoreError>>,
{
    write
        .retry(store_backoff())
        .when(|error: &orderhub_store::StoreError| {
            error.is_busy() || (retry == Retry::WhileFailing && error.is_unavailable())
        })
        .notify(|error, after| tracing::warn!(%error, ?after, "the store refused a run's bookkeeping; trying again"))
        .await
}

/// Whether a scheduled sync of this shop should run now: not while it is
/// paused, except once every `retry_paused_after` (a quota refills, a person
/// may have fixed the token). A sync a person asks for runs regardless.
pub async fn due_for_scheduled_sync(
    store: &Store,
    shop: &str,
    retry_paused_after: SignedDuration,
) -> Result<bool, SyncError> {
    let paused = store.paused(shop).await.map_err(|source| SyncError::Store { shop: shop.to_string(), source })?;
    Ok(match paused {
        None => true,
        Some((_, since)) => Timestamp::now().duration_since(since) >= retry_paused_after,
    })
}

async fn run_streams(
    store: &Store,
    shop: &ShopSync,
    report: &mut SyncReport,
    retries: &AtomicU64,
    progress: ProgressFn<'_>,
) -> Result<(), SyncError> {
    let connector = shop.connector.as_ref();
    let key = connector.shop().to_string();
    let capabilities = connector.capabilities();
    let Some(list_by) = capabilities.list_by else {
        return refresh_open_orders(store, connector, shop.retry, retries, report, progress).await;
    };
    // Fixed for the whole run, so that pages cannot shift under orders changed
    // after it; on the platform's clock, so that a clock running ahead of ours
    // does not hold its latest changes back until ours catches up.
    let lanes = Arc::new(Lanes::new(shop.max_in_flight));
    let mut upper = settled(platform_now(connector));
    let mut windows = stream_windows(store, shop, list_by, upper).await?;
    let mut openings: Vec<Opening> = windows.iter().map(|(w, _)| Opening::ask(store, shop, &lanes, *w)).collect();
    // A run that has not heard from the platform yet asks it once (an empty
    // window), beside the windows' first pages, asked for up to our clock: the
    // platform's mostly agrees within the second we ignore, and otherwise
    // they are asked for again up to its own.
    if list_by == ListBy::UpdatedTime && connector.platform_clock_offset().is_none() {
        let now = Timestamp::now();
        let probe = ListQuery { from: now, to: now, partition: 0, page: 1 };
        list_with_retry(connector, probe, shop.retry, retries, &lanes)
            .await
            .map_err(|source| SyncError::Platform { shop: key.clone(), source })?;
        if connector.platform_clock_offset().is_some_and(|offset| offset.abs() > CLOCK_PRECISION) {
            upper = settled(platform_now(connector));
            windows = stream_windows(store, shop, list_by, upper).await?;
            openings = windows.iter().map(|(w, _)| Opening::ask(store, shop, &lanes, *w)).collect();
        }
    }
    let writer = PageWriter::start(store, &key);
    let run = RunReader::new(store, shop, &writer, lanes, upper, retries, progress);
    // The partitions' windows are read at the same time, through the same lanes.
    let read = futures_util::future::try_join_all(
        openings.into_iter().zip(&windows).map(|(opening, (_, cursor))| read_window(&run, opening, cursor)),
    )
    .await;
    run.counts.add_to(report);
    drop(run);
    // Pages handed over are stored and counted before the run goes on or
    // ends, also when reading failed: nothing is written after a run reports.
    let written = writer.finish().await;
    if let Ok(stats) = &written {
        report.orders += *stats;
    }
    let store_error = |source| SyncError::Store { shop: key.clone(), source };
    match read {
        Ok(_) => written.map(drop).map_err(store_error),
        Err(Halt::Failed(error)) => Err(error),
        Err(Halt::WriterStopped) => Err(store_error(written.expect_err("a writer that stopped failed"))),
    }
}

/// Each listing partition's window of this run, up to `upper`, and the
/// cursor its stream moves to once the window is read: from the committed
/// cursor less the overlap (and, listed by creation time, back over the
/// refresh window), or from `sync_from` on a first sync.
async fn stream_windows(
    store: &Store,
    shop: &ShopSync,
    list_by: ListBy,
    upper: Timestamp,
) -> Result<Vec<(Window, CursorUpdate)>, SyncError> {
    let key = shop.connector.shop();
    let partitions = shop.connector.capabilities().partitions;
    let refresh_from = upper.checked_sub(shop.refresh_window).unwrap_or(shop.sync_from);
    let mut windows = Vec::with_capacity(partitions.len());
    for (partition, name) in partitions.iter().enumerate() {
        let stream = match list_by {
            ListBy::CreatedTime => format!("created:{name}"),
            ListBy::UpdatedTime => format!("updated:{name}"),
        };
        let committed =
            store.cursor(key, &stream).await.map_err(|source| SyncError::Store { shop: key.to_string(), source })?;
        let from = match committed.as_deref().and_then(|c| c.parse::<Timestamp>().ok()) {
            None => shop.sync_from,
            Some(cursor) => {
                let from = cursor.checked_sub(shop.overlap).unwrap_or(cursor);
                // Listed by creation time, a change to an older order shows only
                // if the window reaches back to it: re-read the refresh window.
                let from = if list_by == ListBy::CreatedTime { from.min(refresh_from) } else { from };
                from.max(shop.sync_from)
            }
        };
        let cursor = CursorUpdate { stream, cursor: upper.to_string() };
        windows.push((Window { from, to: upper, partition, list_by }, cursor));
    }
    Ok(windows)
}

/// How far behind the platform's "now" a run's upper bound is, after it is cut
/// to a whole second. Platforms stamp changes in whole seconds, and we know
/// their clock to about a second (the `Date` header). A change made while the
/// run pages must land *after* the upper bound: then it takes its order out of
/// the window, the window's total drops, and the window is read again. A change
/// stamped within the bound's own second would instead move its order to the
/// window's end with the total unchanged, and push the order behind it on a
/// page boundary out of sight (seen with Damaijia: 47 of 3,000 orders missed).
/// The next run reads the last seconds through its overlap.
pub const UPPER_BOUND_LAG: SignedDuration = SignedDuration::from_secs(2);

/// The upper bound of a run starting at platform time `now`.
fn settled(now: Timestamp) -> Timestamp {
    let whole = Timestamp::from_second(now.as_second()).unwrap_or(now);
    whole.checked_sub(UPPER_BOUND_LAG).unwrap_or(whole)
}

/// How far a platform's clock may be from ours and be taken for ours: the
/// `Date` header it is read from tells whole seconds.
const CLOCK_PRECISION: SignedDuration = SignedDuration::from_secs(1);

/// Now on the platform's clock, as far as its answers have told; ours before any.
fn platform_now(connector: &dyn Connector) -> Timestamp {
    let now = Timestamp::now();
    match connector.platform_clock_offset() {
        Some(offset) if offset.abs() > CLOCK_PRECISION => now.checked_add(offset).unwrap_or(now),
        _ => now,
    }
}

/// How many orders are fetched and written together when refreshing.
const REFRESH_BATCH: usize = 50;

/// For platforms with no list (VanMall): re-reads every known order that can
/// still change, by number, and stores what changed. New orders come in by
/// `orderhub fetch`.
async fn refresh_open_orders(
    store: &Store,
    connector: &dyn Connector,
    policy: RetryPolicy,
    retries: &AtomicU64,
    report: &mut SyncReport,
    progress: ProgressFn<'_>,
) -> Result<(), SyncError> {
    let key = connector.shop().to_string();
    let numbers =
        store.open_order_numbers(&key).await.map_err(|source| SyncError::Store { shop: key.clone(), source })?;
    let mut read = 0u64;
    for batch in numbers.chunks(REFRESH_BATCH) {
        let (stats, missing) = fetch_counting(store, connector, batch, policy, retries).await?;
        if !missing.is_empty() {
            tracing::warn!(shop = %key, orders = ?missing, "known orders the platform no longer finds; kept as stored");
        }
        report.orders += stats;
        report.pages += batch.len() as u64;
        read += batch.len() as u64;
        let expected = Some(numbers.len() as u64);
        progress(&Progress { shop: &key, read, expected, spans_done: 0, spans: 0 });
    }
    Ok(())
}

/// Reads one page, retrying transient failures (and answers cut off in transit)
/// with exponential backoff and jitter. Auth, quota and bad-request errors are
/// returned at once: retrying cannot fix them.
/// Each attempt waits for a lane; a transient failure holds every lane
/// back for the wait before the retry ([`Lanes::calm_for`]).
pub(crate) async fn list_with_retry(
    connector: &dyn Connector,
    query: ListQuery,
    policy: RetryPolicy,
    retries: &AtomicU64,
    lanes: &Lanes,
) -> Result<OrderPage, ConnectorError> {
    let what = format!("page {}", query.page);
    let attempt = || async {
        let _lane = lanes.enter().await;
        connector.list_page(&query).await
    };
    retrying(connector, policy, retries, &what, attempt, |after| lanes.calm_for(after)).await
}

/// Runs `call` again after transient failures and answers cut off in transit,
/// with exponential backoff and jitter, counting the retries.
pub(crate) async fn retrying<T, F, Fut>(
    connector: &dyn Connector,
    policy: RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    call: F,
    on_retry: impl Fn(Duration),
) -> Result<T, ConnectorError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ConnectorError>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_max_times(policy.max_retries)
        .with_jitter();
    call.retry(backoff)
        .when(|e: &ConnectorError| matches!(e.kind(), ErrorKind::Transient | ErrorKind::Malformed))
        .notify(|error: &ConnectorError, after: Duration| {
            retries.fetch_add(1, Ordering::Relaxed);
            on_retry(after);
            // Info, not warn: a retry that succeeds is routine, and one that does not
            // ends in the run's error, which is reported on its own.
            tracing::info!(shop = %connector.shop(), what, %error, ?after, "retrying");
        })
        .await
}

pub(crate) fn split(results: Vec<Result<Order, BadOrder>>) -> (Vec<Order>, Vec<BadRecord>) {
    let mut orders = Vec::with_capacity(results.len());
    let mut bad = Vec::new();
    for result in results {
        match result {
            Ok(order) => orders.push(order),
            Err(b) => {
                tracing::warn!(order_number = ?b.order_number, error = %b.error, "order payload could not be normalised; recorded in bad_orders");
                bad.push(BadRecord { order_number: b.order_number, error: b.error, raw: b.raw });
            }
        }
    }
    (orders, bad)
}

/// Fetches orders by number and stores them. Returns the numbers the platform
/// does not know. Lookups are retried as list pages are, as many numbers at a
/// time as one request takes, so one failing request repeats only itself.
pub async fn fetch_orders(
    store: &Store,
    connector: &dyn Connector,
    numbers: &[String],
    policy: RetryPolicy,
) -> Result<(WriteStats, Vec<String>), SyncError> {
    fetch_counting(store, connector, numbers, policy, &AtomicU64::new(0)).await
}

async fn fetch_counting(
    store: &Store,
    connector: &dyn Connector,
    numbers: &[String],
    policy: RetryPolicy,
    retries: &AtomicU64,
) -> Result<(WriteStats, Vec<String>), SyncError> {
    let key = connector.shop().to_string();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let batch = connector.capabilities().fetch_batch.max(1) as usize;
    // Several lookups in flight (the shop's rate limit still holds each one):
    // a platform that looks orders up one by one is otherwise read at the pace
    // of its round trips. Answers are taken in order.
    // By index, not by chunk: a closure over a borrowed chunk makes the future
    // generic over its lifetime, which the spawned sync tasks cannot be.
    let chunks: Vec<&[String]> = numbers.chunks(batch).collect();
    let chunks = &chunks;
    let lookups = futures_util::stream::iter(0..chunks.len())
        .map(move |i: usize| async move {
            let chunk = chunks[i];
            let answers =
                retrying(connector, policy, retries, "lookup", || connector.fetch_many(chunk), |_| ()).await?;
            Ok::<_, ConnectorError>((chunk, answers))
        })
        .buffered(LOOKUPS_IN_FLIGHT);
    let answered: Vec<_> =
        lookups.try_collect().await.map_err(|source| SyncError::Platform { shop: key.clone(), source })?;
    for (chunk, answers) in answered {
        for (number, answer) in chunk.iter().zip(answers) {
            match answer {
                Some(result) => found.push(result),
                None => missing.push(number.clone()),
            }
        }
    }
    let (orders, bad) = split(found);
    let stats = store
        .write_batch(&key, &orders, &bad, None)
        .await
        .map_err(|source| SyncError::Store { shop: key.clone(), source })?;
    Ok((stats, missing))
}

/// How many lookup requests [`fetch_orders`] keeps in flight.
const LOOKUPS_IN_FLIGHT: usize = 8;

/// What a ship request did.
#[derive(Debug, Clone, Serialize)]
pub struct ShipReport {
    pub order_number: String,
    pub accepted: bool,
    pub code: String,
    pub message: String,
    /// What storing the order as the platform now shows it did.
    pub refreshed: WriteStats,
}

/// Reports one shipment to the platform, then reads the order back and stores
/// it, so the store shows what the platform now holds.
pub async fn ship(store: &Store, connector: &dyn Connector, request: ShipmentRequest) -> Result<ShipReport, SyncError> {
    let key = connector.shop().to_string();
    if !connector.capabilities().ship {
        return Err(SyncError::Unsupported {
            shop: key,
            reason: format!("{} does not accept shipments through its API", connector.platform()),
        });
    }
    let outcomes = connector
        .ship(std::slice::from_ref(&request))
        .await
        .map_err(|source| SyncError::Platform { shop: key.clone(), source })?;
    let ShipmentOutcome { accepted, code, message, .. } = outcomes.into_iter().next().unwrap_or(ShipmentOutcome {
        order_number: request.order_number.clone(),
        accepted: false,
        code: String::new(),
        message: "the platform answered for no order".into(),
    });
    let refreshed = if accepted {
        fetch_orders(store, connector, std::slice::from_ref(&request.order_number), RetryPolicy::default()).await?.0
    } else {
        WriteStats::default()
    };
    Ok(ShipReport { order_number: request.order_number, accepted, code, message, refreshed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_follows_the_pace_so_far() {
        let at = |read, expected, spans_done, spans| Progress { shop: "s", read, expected, spans_done, spans };
        let ten = Duration::from_secs(10);
        // A quarter of the counted orders in 10 s: 30 s to go.
        assert_eq!(run_progress(&at(500, Some(2_000), 0, 4), ten).eta_seconds, Some(30));
        // Uncounted: from the spans, 2 of 8 read.
        assert_eq!(run_progress(&at(500, None, 2, 8), ten).eta_seconds, Some(30));
        assert_eq!(run_progress(&at(500, None, 0, 8), ten).eta_seconds, None);
        assert_eq!(run_progress(&at(0, None, 0, 0), ten).eta_seconds, None);
    }
}
