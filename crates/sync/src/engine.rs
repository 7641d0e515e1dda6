//! One shop's sync run, fetch by number, and shipping.

use crate::SyncError;
use crate::page_writer::PageWriter;
use backon::{ExponentialBuilder, Retryable};
use futures_util::{StreamExt, TryStreamExt};
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{
    BadOrder, Connector, ConnectorError, ErrorKind, ListBy, ListQuery, OrderPage, ShipmentOutcome, ShipmentRequest,
};
use orderhub_model::Order;
use orderhub_store::{BadRecord, CursorUpdate, Prepared, Store, SyncRun, WriteStats};
use serde::Serialize;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How many times a window whose listing shifted while paged is read again
/// before the run settles for what it read (the next run reads it again anyway).
const MAX_WINDOW_READS: u32 = 3;

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

/// Progress callback: (shop, orders read so far, orders expected when known).
pub type ProgressFn<'a> = &'a (dyn Fn(&str, u64, Option<u64>) + Sync);

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
    let result = tokio::select! {
        result = run_streams(store, shop, &mut report, &retries, progress) => result,
        never = renew_run(store, &key, run_id) => match never {},
    };
    report.api_calls = shop.connector.api_calls() - calls_before;
    report.retries = retries.load(Ordering::Relaxed);
    let run = SyncRun {
        id: run_id,
        shop: key.clone(),
        started_at: None,
        ended_at: Some(Timestamp::now()),
        outcome: if result.is_ok() { "ok" } else { "failed" }.into(),
        pages: report.pages,
        api_calls: report.api_calls,
        orders: report.orders,
        error: result.as_ref().err().map(|e| e.to_string()),
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

/// Renews a run's lease while it goes (see `Store::start_run`); never ends.
async fn renew_run(store: &Store, shop: &str, run_id: i64) -> std::convert::Infallible {
    let every = Duration::from_millis(orderhub_store::RUN_LEASE_MS as u64 / 3);
    loop {
        tokio::time::sleep(every).await;
        if let Err(error) = store.renew_run(run_id).await {
            tracing::warn!(shop, run_id, %error, "cannot renew the run's lease; renewing again shortly");
        }
    }
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
    // does not hold its latest changes back until ours catches up. A run that
    // has not heard from the platform yet asks it once (an empty window).
    if list_by == ListBy::UpdatedTime && connector.platform_clock_offset().is_none() {
        let now = Timestamp::now();
        let probe = ListQuery { from: now, to: now, partition: 0, page: 1 };
        list_with_retry(connector, probe, shop.retry, retries)
            .await
            .map_err(|source| SyncError::Platform { shop: key.clone(), source })?;
    }
    let upper = settled(platform_now(connector));
    let refresh_from = upper.checked_sub(shop.refresh_window).unwrap_or(shop.sync_from);
    let mut run = RunReader { store, shop, key: key.clone(), report, read: 0, retries, progress };
    for (partition, name) in capabilities.partitions.iter().enumerate() {
        let stream = match list_by {
            ListBy::CreatedTime => format!("created:{name}"),
            ListBy::UpdatedTime => format!("updated:{name}"),
        };
        let committed =
            store.cursor(&key, &stream).await.map_err(|source| SyncError::Store { shop: key.clone(), source })?;
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
        let window = Window { from, to: upper, partition, list_by };
        read_window(&mut run, window, &cursor).await?;
    }
    Ok(())
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

/// Now on the platform's clock, as far as its answers have told; ours before any.
fn platform_now(connector: &dyn Connector) -> Timestamp {
    let now = Timestamp::now();
    match connector.platform_clock_offset() {
        // Within a second is the Date header's own precision: ignore it.
        Some(offset) if offset.abs() > SignedDuration::from_secs(1) => now.checked_add(offset).unwrap_or(now),
        _ => now,
    }
}

/// One window of one listing partition, both bounds inclusive.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: Timestamp,
    to: Timestamp,
    partition: usize,
    list_by: ListBy,
}

impl Window {
    /// The query of the window's page `page` (from 1).
    fn query(&self, page: u32) -> ListQuery {
        ListQuery { from: self.from, to: self.to, partition: self.partition, page }
    }
}

/// At most this many pages of "orders changed since the window's end" are read
/// to check a window; a platform busier than that gets the window read again.
const MAX_CHECK_PAGES: u32 = 20;

/// What reading a run's windows shares: where it stores, whose pages it
/// reads, and what it counts.
struct RunReader<'r> {
    store: &'r Store,
    shop: &'r ShopSync,
    key: String,
    report: &'r mut SyncReport,
    /// Orders read so far in the run, for its progress.
    read: u64,
    retries: &'r AtomicU64,
    progress: ProgressFn<'r>,
}

impl RunReader<'_> {
    fn platform_error(&self, source: ConnectorError) -> SyncError {
        SyncError::Platform { shop: self.key.clone(), source }
    }

    fn store_error(&self, source: orderhub_store::StoreError) -> SyncError {
        SyncError::Store { shop: self.key.clone(), source }
    }

    async fn list_page(&self, query: ListQuery) -> Result<OrderPage, ConnectorError> {
        list_with_retry(self.shop.connector.as_ref(), query, self.shop.retry, self.retries).await
    }
}

/// Reads one window of one partition, page by page, committing the cursor with
/// the last page. Reads it again when the listing shifted while it was paged:
/// seen from the platform's `total` where it gives one; where it does not (and
/// the listing is by update time), from orders read in the window that have
/// since been updated past its end, which moved every later order up a place.
async fn read_window(run: &mut RunReader<'_>, window: Window, cursor: &CursorUpdate) -> Result<(), SyncError> {
    for attempt in 1..=MAX_WINDOW_READS {
        let pass = read_pages(run, window, cursor).await?;
        let shifted = match pass.checked_ids {
            Some(read_ids) if !pass.shifted => {
                let list_page = |query| run.list_page(query);
                let connector = run.shop.connector.as_ref();
                let moved = moved_during_read(connector, window, &read_ids, &list_page).await;
                let moved = moved.map_err(|e| run.platform_error(e))?;
                if !moved {
                    let written = run.store.write_batch(&run.key, &[], &[], Some(cursor)).await;
                    written.map_err(|e| run.store_error(e))?;
                }
                moved
            }
            _ => pass.shifted,
        };
        if !shifted {
            return Ok(());
        }
        run.report.rereads += 1;
        tracing::info!(shop = %run.key, attempt, "the listing changed while it was paged; reading the window again");
    }
    // Every read shifted: what was read is stored; the cursor stays, so the next run reads it again.
    tracing::warn!(shop = %run.key, "the listing kept changing while paged; the next run reads this window again");
    Ok(())
}

/// One read of a window, its pages stored.
struct WindowPass {
    /// The platform's total changed between pages.
    shifted: bool,
    /// The ids of the orders read, where the window is checked after it is
    /// read (its answers carry no total and it lists by update time); the
    /// cursor is then committed after the check, not with the last page.
    checked_ids: Option<HashSet<String>>,
}

/// Reads every page of `window` once, each handed to a writer as it comes
/// while the next ones are read, and waits until they are stored.
async fn read_pages(run: &mut RunReader<'_>, window: Window, cursor: &CursorUpdate) -> Result<WindowPass, SyncError> {
    let first = run.list_page(window.query(1)).await.map_err(|e| run.platform_error(e))?;
    let check_after = first.total.is_none() && window.list_by == ListBy::UpdatedTime;
    let mut pass = WindowPass { shifted: false, checked_ids: check_after.then(HashSet::new) };
    let writer = PageWriter::start(run.store, &run.key);
    let paged = hand_over_pages(run, &writer, window, ReadPage::of(run.store, first), cursor, &mut pass).await;
    // Pages handed over are stored and counted before the run goes on or
    // ends, also when paging failed: nothing is written after a run reports.
    let written = writer.finish().await;
    if let Ok(stats) = written {
        run.report.orders += stats;
    }
    paged?;
    written.map_err(|e| run.store_error(e))?;
    Ok(pass)
}

/// Hands `first` and every page after it to `writer`, the next pages read
/// in tasks of their own meanwhile (their HTTP, JSON, normalising and rows).
/// Only pages the answers say exist are asked for, so no call is made that a
/// read page by page would not make. Returns early, without error, when the
/// writer has stopped: `PageWriter::finish` then gives its error.
async fn hand_over_pages(
    run: &mut RunReader<'_>,
    writer: &PageWriter,
    window: Window,
    first: ReadPage,
    cursor: &CursorUpdate,
    pass: &mut WindowPass,
) -> Result<(), SyncError> {
    let first_total = first.answer.total;
    let mut current = first;
    let (mut page, mut requested): (u32, u32) = (1, 1);
    // Pages page + 1 ..= requested, being read.
    let mut ahead: VecDeque<NextPage> = VecDeque::with_capacity(READ_AHEAD);
    loop {
        if !current.answer.last_page() {
            let after = current.answer.pages_after.map_or(1, |n| u32::try_from(n).unwrap_or(u32::MAX).max(1));
            let known = page.saturating_add(after);
            while ahead.len() < READ_AHEAD && requested < known {
                requested += 1;
                ahead.push_back(NextPage::read(run.store, run.shop, window.query(requested)));
            }
        }
        run.report.pages += 1;
        pass.shifted |= current.answer.total != first_total;
        let (last, total) = (current.answer.last_page(), current.answer.total);
        let ReadPage { orders, bad, .. } = current;
        run.read += (orders.orders().len() + bad.len()) as u64;
        if let Some(ids) = &mut pass.checked_ids {
            ids.extend(orders.orders().iter().map(|o| o.id.clone()));
        }
        // The cursor moves only with the last page of a window read without shifting.
        let commit = (last && !pass.shifted && pass.checked_ids.is_none()).then_some(cursor);
        if !writer.write(orders, bad, commit).await {
            return Ok(());
        }
        (run.progress)(&run.key, run.read, total);
        if last {
            return Ok(());
        }
        page += 1;
        let started = std::time::Instant::now();
        let next = ahead.pop_front().expect("a page that is not the last has the next one asked for");
        current = next.answer(run.retries).await.map_err(|e| run.platform_error(e))?;
        tracing::debug!(shop = %run.key, page, ms = started.elapsed().as_millis() as u64, "page read");
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
        progress(&key, read, Some(numbers.len() as u64));
    }
    Ok(())
}

/// Whether any order read in a window has been updated past the window's end
/// since: such an order left the listing while it was paged. Reads the orders
/// updated after the window (usually none, one call).
async fn moved_during_read<F, Fut>(
    connector: &dyn Connector,
    window: Window,
    read_ids: &HashSet<String>,
    list_page: &F,
) -> Result<bool, ConnectorError>
where
    F: Fn(ListQuery) -> Fut,
    Fut: std::future::Future<Output = Result<OrderPage, ConnectorError>>,
{
    let (window_end, partition) = (window.to, window.partition);
    let from = window_end.checked_add(SignedDuration::from_secs(1)).unwrap_or(window_end);
    // Far enough ahead to cover a platform clock running ahead of ours.
    let to = Timestamp::now().checked_add(SignedDuration::from_hours(24)).unwrap_or(from);
    for page in 1..=MAX_CHECK_PAGES {
        let answer = list_page(ListQuery { from, to, partition, page }).await?;
        if answer.orders.iter().flatten().any(|order| read_ids.contains(&order.id)) {
            tracing::info!(shop = %connector.shop(), "an order changed while its window was paged");
            return Ok(true);
        }
        if answer.last_page() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Pages being read at once, at most, while the current one is handed to
/// the writer. One was not enough: the reader of a 100,000-order Damaijia
/// sync waited 9.8 s of 15.2 for its next page (HTTP, the simulator making
/// it, JSON, normalising) and the writer 3.4 s for pages; with three, 1.7 s
/// and 0.4 s of 12.9.
pub const READ_AHEAD: usize = 3;

/// A page read and made ready for the writer: its orders with their
/// rows made ([`Store::prepare`]), the orders that could not be
/// normalised, and the answer they came in (its orders taken out), which
/// says what follows.
struct ReadPage {
    orders: Prepared,
    bad: Vec<BadRecord>,
    answer: OrderPage,
}

impl ReadPage {
    fn of(store: &Store, mut answer: OrderPage) -> ReadPage {
        let (orders, bad) = split(std::mem::take(&mut answer.orders));
        ReadPage { orders: store.prepare(orders), bad, answer }
    }
}

/// A page being read in a task of its own, its rows made there too
/// (so that pages are made ready on both cores, not one after the other in
/// the window's task). Dropped unread (the window's read stopped), the task
/// is aborted.
struct NextPage(tokio::task::JoinHandle<(Result<ReadPage, ConnectorError>, u64)>);

impl NextPage {
    fn read(store: &Store, shop: &ShopSync, query: ListQuery) -> NextPage {
        let connector = Arc::clone(&shop.connector);
        let policy = shop.retry;
        let store = store.clone();
        // Retries are counted apart and added to the run's when the page is
        // taken: a task cannot hold the run's borrowed counter.
        NextPage(tokio::spawn(async move {
            let retried = AtomicU64::new(0);
            let answer = list_with_retry(connector.as_ref(), query, policy, &retried).await;
            (answer.map(|answer| ReadPage::of(&store, answer)), retried.into_inner())
        }))
    }

    async fn answer(mut self, retries: &AtomicU64) -> Result<ReadPage, ConnectorError> {
        let joined = (&mut self.0).await;
        let (answer, retried) = joined.unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()));
        retries.fetch_add(retried, Ordering::Relaxed);
        answer
    }
}

impl Drop for NextPage {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads one page, retrying transient failures (and answers cut off in transit)
/// with exponential backoff and jitter. Auth, quota and bad-request errors are
/// returned at once: retrying cannot fix them.
pub(crate) async fn list_with_retry(
    connector: &dyn Connector,
    query: ListQuery,
    policy: RetryPolicy,
    retries: &AtomicU64,
) -> Result<OrderPage, ConnectorError> {
    retrying(connector, policy, retries, &format!("page {}", query.page), || connector.list_page(&query)).await
}

/// Runs `call` again after transient failures and answers cut off in transit,
/// with exponential backoff and jitter, counting the retries.
pub(crate) async fn retrying<T, F, Fut>(
    connector: &dyn Connector,
    policy: RetryPolicy,
    retries: &AtomicU64,
    what: &str,
    call: F,
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
            // Info, not warn: a retry that succeeds is routine, and one that does not
            // ends in the run's error, which is reported on its own.
            tracing::info!(shop = %connector.shop(), what, %error, ?after, "retrying");
        })
        .await
}

fn split(results: Vec<Result<Order, BadOrder>>) -> (Vec<Order>, Vec<BadRecord>) {
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
            let answers = retrying(connector, policy, retries, "lookup", || connector.fetch_many(chunk)).await?;
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
