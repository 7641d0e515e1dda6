//! Reading a run's listing windows: each window's first page, then its
//! spans ([`crate::spans`]) at the same time, each span's pages asked for
//! ahead as far as the answers say they exist, every request through the
//! shop's lanes ([`Lanes`]), every page handed to the run's one writer.
//!
//! What the cursor promises holds span by span: a span's pages are
//! handed to the writer before the cursor that passes it, so the cursor is
//! committed with or after them, and it moves only over spans read in
//! full, in order ([`Ledger`]).

use crate::engine::{Progress, ProgressFn, ShopSync, list_with_retry, split};
use crate::lanes::Lanes;
use crate::moved::MovedChecks;
use crate::page_writer::PageWriter;
use crate::spans::{Ledger, MIN_PAGES_A_SPAN, Window, plan, uncounted_spans};
use crate::{SyncError, SyncReport};
use futures_util::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use orderhub_connectors::{ConnectorError, ListBy, ListQuery, OrderPage};
use orderhub_store::{BadRecord, CursorUpdate, Prepared, Store};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// How many times a span whose listing shifted while it was paged is read
/// again before the run settles for what it read (the next run reads it
/// again anyway).
const MAX_WINDOW_READS: u32 = 3;

/// Spans of a window with totals read at once. Each asks for all its lanes'
/// worth of pages; the next span's first page is read while the others
/// end, and more spans would only hold more pages in memory.
const SPANS_WITH_TOTALS_AT_ONCE: usize = 3;

/// Why reading stopped early.
pub(crate) enum Halt {
    /// The platform or the store failed.
    Failed(SyncError),
    /// The writer stopped after a failed write; its `finish` says why.
    WriterStopped,
}

impl From<SyncError> for Halt {
    fn from(error: SyncError) -> Self {
        Halt::Failed(error)
    }
}

/// What a run's reading counts, shared by the spans read at once.
#[derive(Debug, Default)]
pub(crate) struct RunCounts {
    pub(crate) pages: AtomicU64,
    pub(crate) rereads: AtomicU64,
    /// Orders read so far.
    read: AtomicU64,
    /// Orders the windows' first pages said they hold (where they say).
    expected: AtomicU64,
    /// Whether every window read so far said how many orders it holds.
    untold: std::sync::atomic::AtomicBool,
    spans: AtomicU64,
    spans_done: AtomicU64,
}

impl RunCounts {
    pub(crate) fn add_to(&self, report: &mut SyncReport) {
        report.pages += self.pages.load(Ordering::Relaxed);
        report.rereads += self.rereads.load(Ordering::Relaxed);
    }
}

/// What reading a run's windows shares: where it stores, whose pages it
/// reads through which lanes, what it counts.
pub(crate) struct RunReader<'r> {
    pub(crate) store: &'r Store,
    pub(crate) shop: &'r ShopSync,
    pub(crate) key: String,
    pub(crate) writer: &'r PageWriter,
    pub(crate) lanes: Arc<Lanes>,
    /// The run's upper bound: orders updated after it changed during the run.
    pub(crate) upper: Timestamp,
    pub(crate) retries: &'r AtomicU64,
    pub(crate) progress: ProgressFn<'r>,
    pub(crate) counts: RunCounts,
}

impl<'r> RunReader<'r> {
    pub(crate) fn new(
        store: &'r Store,
        shop: &'r ShopSync,
        writer: &'r PageWriter,
        lanes: Arc<Lanes>,
        upper: Timestamp,
        retries: &'r AtomicU64,
        progress: ProgressFn<'r>,
    ) -> Self {
        let key = shop.connector.shop().to_string();
        let counts = RunCounts::default();
        RunReader { store, shop, key, writer, lanes, upper, retries, progress, counts }
    }

    fn platform_error(&self, source: ConnectorError) -> SyncError {
        SyncError::Platform { shop: self.key.clone(), source }
    }

    /// Reads a page in a task of its own, through a lane.
    fn ask(&self, query: ListQuery) -> NextPage {
        NextPage::read(self.store, self.shop, Arc::clone(&self.lanes), query)
    }

    async fn answer(&self, page: NextPage) -> Result<ReadPage, Halt> {
        Ok(page.answer(self.retries).await.map_err(|e| self.platform_error(e))?)
    }

    /// Hands a page's orders to the writer and counts them.
    async fn hand_over(&self, page: ReadPage) -> Result<(), Halt> {
        let ReadPage { orders, bad, .. } = page;
        let read = (orders.orders().len() + bad.len()) as u64;
        let read = self.counts.read.fetch_add(read, Ordering::Relaxed) + read;
        self.counts.pages.fetch_add(1, Ordering::Relaxed);
        if !self.writer.write(orders, bad, None).await {
            return Err(Halt::WriterStopped);
        }
        self.report_progress(read);
        Ok(())
    }

    /// Calls the run's progress callback: the orders are expected only
    /// where every window read so far said how many it holds.
    fn report_progress(&self, read: u64) {
        let counts = &self.counts;
        let expected = counts.expected.load(Ordering::Relaxed);
        let told = !counts.untold.load(Ordering::Relaxed);
        (self.progress)(&Progress {
            shop: &self.key,
            read,
            expected: told.then_some(expected.max(read)),
            spans_done: counts.spans_done.load(Ordering::Relaxed),
            spans: counts.spans.load(Ordering::Relaxed),
        });
    }

    /// Moves a stream's cursor, after every page handed over before.
    async fn commit(&self, cursor: CursorUpdate) -> Result<(), Halt> {
        match self.writer.write(self.store.prepare(Vec::new()), Vec::new(), Some(&cursor)).await {
            true => Ok(()),
            false => Err(Halt::WriterStopped),
        }
    }
}

/// A window's first requests, asked for before its run is under way (a
/// run's first pages go out beside the request that learns the platform's
/// clock): its first page, and, for a long window listed by update time
/// (a first sync or a catch-up), the page that says whether it is worth
/// splitting where the answers carry no total.
pub(crate) struct Opening {
    window: Window,
    first: NextPage,
    far: Option<NextPage>,
}

impl Opening {
    pub(crate) fn ask(store: &Store, shop: &ShopSync, lanes: &Arc<Lanes>, window: Window) -> Opening {
        let uncounted = uncounted_spans(lanes.size());
        let ask = |page| NextPage::read(store, shop, Arc::clone(lanes), window.query(page));
        let far = (window.list_by == ListBy::UpdatedTime && window.is_long()).then(|| ask(pages_to_split(uncounted)));
        Opening { window, first: ask(1), far }
    }
}

/// Reads one window of one partition, its first requests already asked
/// for, and moves its stream's cursor to `cursor` once every span of it is
/// read in full. Both first requests are heard out before any page is
/// stored, the far page even where the answers carry totals and it is not
/// needed: a platform that refused it (a spent quota) has refused the run.
pub(crate) async fn read_window(run: &RunReader<'_>, opening: Opening, cursor: &CursorUpdate) -> Result<(), Halt> {
    let Opening { window, first, far } = opening;
    let checks = &MovedChecks::new(window.partition);
    let uncounted = uncounted_spans(run.lanes.size());
    let first = run.answer(first).await?;
    let far = match far {
        Some(page) => Some(run.answer(page).await?),
        None => None,
    };
    match first.answer.total {
        Some(total) => _ = run.counts.expected.fetch_add(total, Ordering::Relaxed),
        None => run.counts.untold.store(true, Ordering::Relaxed),
    }
    let earliest = earliest_listed(&first, window);
    let mut spans = plan(window, &first.answer, earliest, run.lanes.size());
    if spans.len() > 1 && first.answer.pages_after.is_none() {
        let far = match far {
            Some(page) => page,
            None => run.answer(run.ask(window.query(pages_to_split(uncounted)))).await?,
        };
        if far.orders.orders().is_empty() && far.bad.is_empty() {
            spans = vec![window];
        }
    }
    if spans.len() > 1 {
        // The first page's orders are read again with the first span.
        return read_spans(run, &spans, cursor, checks, first.answer.pages_after.is_some()).await;
    }
    run.counts.spans.fetch_add(1, Ordering::Relaxed);
    if read_span(run, window, Some(first), checks).await? {
        run.commit(cursor.clone()).await?;
    }
    run.counts.spans_done.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// The page of a window whose answers carry no total that must hold
/// orders for the window to be split into `spans`: [`MIN_PAGES_A_SPAN`]
/// pages for each.
fn pages_to_split(spans: usize) -> u32 {
    u32::try_from(spans).unwrap_or(u32::MAX).saturating_mul(MIN_PAGES_A_SPAN)
}

/// The earliest time of the orders on a window's first page, where it
/// tells where the window's orders start: not where the page lists them
/// newest first (Shoptima, Wshoto), which says where they end, nor where
/// every order on it has one time (a second holding a page of orders).
fn earliest_listed(first: &ReadPage, window: Window) -> Option<Timestamp> {
    let times: Vec<_> = first.orders.orders().iter().filter_map(|order| window.time_of(order)).collect();
    let newest_first = times.windows(2).all(|pair| pair[0] >= pair[1]);
    if newest_first { None } else { times.into_iter().min() }
}

/// Reads a window's `spans` at the same time, moving the cursor over those
/// read in full, in order. Spans whose pages are `counted` ask for many
/// pages at once, so a few at a time keep the lanes busy
/// ([`SPANS_WITH_TOTALS_AT_ONCE`]); the others are read page after page,
/// all at once, so that lanes whose spans end early serve the others.
async fn read_spans(
    run: &RunReader<'_>,
    spans: &[Window],
    cursor: &CursorUpdate,
    checks: &MovedChecks,
    counted: bool,
) -> Result<(), Halt> {
    tracing::info!(shop = %run.key, spans = spans.len(), "a long window: reading its spans at the same time");
    let at_once = if counted { SPANS_WITH_TOTALS_AT_ONCE } else { spans.len() };
    run.counts.spans.fetch_add(spans.len() as u64, Ordering::Relaxed);
    let ledger = &tokio::sync::Mutex::new(Ledger::new(spans.len()));
    futures_util::stream::iter(0..spans.len())
        .map(|index| async move {
            let settled = read_span(run, spans[index], None, checks).await?;
            run.counts.spans_done.fetch_add(1, Ordering::Relaxed);
            run.report_progress(run.counts.read.load(Ordering::Relaxed));
            if !settled {
                return Ok(());
            }
            // Held while the cursor is handed over, so cursors go in order.
            let mut ledger = ledger.lock().await;
            if let Some(last) = ledger.settle(index) {
                let to = if last + 1 == spans.len() { cursor.cursor.clone() } else { spans[last].to.to_string() };
                run.commit(CursorUpdate { stream: cursor.stream.clone(), cursor: to }).await?;
            }
            Ok::<(), Halt>(())
        })
        .buffer_unordered(at_once)
        .try_collect::<()>()
        .await
}

/// Reads a span (`first`: its first page, if already read), and again
/// while its listing shifted as it was paged: seen from the platform's
/// `total` where it gives one; where it does not (and the listing is by
/// update time), from orders read in it that have since been updated past
/// the run's upper bound, which moved every later order up a place.
/// Whether it was read without shifting at last.
async fn read_span(
    run: &RunReader<'_>,
    span: Window,
    mut first: Option<ReadPage>,
    checks: &MovedChecks,
) -> Result<bool, Halt> {
    for attempt in 1..=MAX_WINDOW_READS {
        let reading = checks.reading();
        let first = match first.take() {
            Some(page) => page,
            None => run.answer(run.ask(span.query(1))).await?,
        };
        let pass = read_pages(run, span, first, checks).await?;
        let read_by = tokio::time::Instant::now();
        drop(reading);
        let shifted = match pass.checked_ids {
            Some(read_ids) if !pass.shifted => {
                let moved = checks.moved(run, &read_ids, read_by).await.map_err(|e| run.platform_error(e))?;
                if moved {
                    tracing::info!(shop = %run.key, "an order changed while its span was paged");
                }
                moved
            }
            _ => pass.shifted,
        };
        if !shifted {
            tracing::debug!(shop = %run.key, from = %span.from, to = %span.to, pages = pass.pages, "span read");
            return Ok(true);
        }
        run.counts.rereads.fetch_add(1, Ordering::Relaxed);
        tracing::info!(shop = %run.key, attempt, "the listing changed while it was paged; reading it again");
    }
    // Every read shifted: what was read is stored; the cursor stays, so the next run reads it again.
    tracing::warn!(shop = %run.key, "the listing kept changing while paged; the next run reads it again");
    Ok(false)
}

/// One read of a span.
struct SpanPass {
    /// The platform's total changed between pages.
    shifted: bool,
    /// Pages read.
    pages: u32,
    /// The ids of the orders read, where the span is checked after it is
    /// read (its answers carry no total and it lists by update time).
    checked_ids: Option<HashSet<String>>,
}

/// Hands `first` and every page after it to the writer, the next pages
/// read in tasks of their own meanwhile, where the answers say that many
/// follow: twice as many as the shop has lanes, so that pages answered
/// and waiting for their turn with the writer hold no lane idle (the lanes
/// still bound what is in flight). Only pages the answers say exist are
/// asked for, so no call is made that a read page by page would not make.
async fn read_pages(
    run: &RunReader<'_>,
    span: Window,
    first: ReadPage,
    checks: &MovedChecks,
) -> Result<SpanPass, Halt> {
    let check_after = first.answer.total.is_none() && span.list_by == ListBy::UpdatedTime;
    let mut pass = SpanPass { shifted: false, pages: 0, checked_ids: check_after.then(HashSet::new) };
    let first_total = first.answer.total;
    let mut current = first;
    let (mut page, mut requested): (u32, u32) = (1, 1);
    // Pages page + 1 ..= requested, being read or read.
    let mut ahead: VecDeque<NextPage> = VecDeque::with_capacity(2 * run.lanes.size());
    loop {
        if !current.answer.last_page() {
            let after = match current.answer.pages_after {
                Some(after) => u32::try_from(after).unwrap_or(u32::MAX).max(1),
                // Another page follows; one more is asked for on a guess
                // when lanes would idle otherwise (the window's last spans).
                None if checks.spans_reading() < run.lanes.size() => 2,
                None => 1,
            };
            let known = page.saturating_add(after);
            while ahead.len() < 2 * run.lanes.size() && requested < known {
                requested += 1;
                ahead.push_back(run.ask(span.query(requested)));
            }
        }
        pass.shifted |= current.answer.total != first_total;
        let last = current.answer.last_page();
        if let Some(ids) = &mut pass.checked_ids {
            ids.extend(current.orders.orders().iter().map(|o| o.id.clone()));
        }
        run.hand_over(current).await?;
        pass.pages += 1;
        if last {
            return Ok(pass);
        }
        page += 1;
        let started = Instant::now();
        let next = ahead.pop_front().expect("a page that is not the last has the next one asked for");
        current = run.answer(next).await?;
        tracing::debug!(shop = %run.key, page, ms = started.elapsed().as_millis() as u64, "page read");
    }
}

/// A page read and made ready for the writer: its orders with their
/// rows made ([`Store::prepare`]), the orders that could not be
/// normalised, and the answer they came in (its orders taken out), which
/// says what follows.
pub(crate) struct ReadPage {
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
    fn read(store: &Store, shop: &ShopSync, lanes: Arc<Lanes>, query: ListQuery) -> NextPage {
        let connector = Arc::clone(&shop.connector);
        let policy = shop.retry;
        let store = store.clone();
        // Retries are counted apart and added to the run's when the page is
        // taken: a task cannot hold the run's borrowed counter.
        NextPage(tokio::spawn(async move {
            let retried = AtomicU64::new(0);
            let answer = list_with_retry(connector.as_ref(), query, policy, &retried, &lanes).await;
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
