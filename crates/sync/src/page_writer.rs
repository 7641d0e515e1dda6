//! Writes a window's pages on the writing thread.
//!
//! Reading a page (HTTP, JSON, normalising) and writing one (documents, SQL)
//! each take a core's worth of work. Run in one task they take turns, so a
//! run used about one core of two. Here the reader hands each page to a
//! writer task over a short queue and goes on to the next page.
//!
//! The writer keeps one transaction open across pages ([`Store::begin_batch`])
//! and writes each page into it as it comes, committing with the cursor,
//! after [`ORDERS_PER_TRANSACTION`] orders, after [`LONGEST_TRANSACTION`],
//! after the page in hand when a short write waits for the lock, after
//! [`TRANSACTION_TIME`] when another batch waits or pages come slowly, and
//! at once when it has no page to write while anyone waits
//! ([`TransactionBounds`], [`next_page`]). Why: order numbers, ids, search terms and SKUs land at random
//! places in their indexes, so each order dirties a page of each index, and a
//! commit writes every dirty page. Ten pages of orders in one transaction
//! write a shared index page once instead of ten times. The pages
//! themselves are dropped once written, so memory does not grow with the
//! transaction (SQLite keeps its dirty pages in its bounded cache, spilling
//! to the log beyond it).
//!
//! The writer runs on a thread of its own ([`writing_runtime`] says why),
//! not among the tasks that read pages.
//!
//! Each page's rows are made ([`Store::prepare`]: documents as JSON, packed
//! against the platform's dictionary; the texts of amounts, search terms and
//! `created` events) before it is handed over, by the task that read it, so
//! the writer's connection is not idle while they are made (perf showed it
//! waiting on the writing task's serialising and packing), and pages being
//! read ahead are made ready on both cores at once. The writer only looks
//! orders up and inserts; a written page goes back to the reading side to
//! be dropped.
//!
//! What the cursor promises is unchanged: the cursor travels with the last
//! page, so it is committed in the transaction that stores that page, after
//! every earlier page is stored. A failed write stops the writer; pages after
//! it are never written, the cursor included, and the reader learns of it at
//! its next hand-over or at [`PageWriter::finish`].

use orderhub_store::{
    BadRecord, CursorUpdate, OpenBatch, Prepared, Store, StoreError, WriteQueue, WriteStats, WritersWaiting,
};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Pages waiting for the writer. Bounds memory: a reader faster than the
/// writer waits once this many pages are queued.
const QUEUED_PAGES: usize = 2;

/// A transaction is committed once it holds at least this many orders.
/// Larger transactions write each touched index page once for more orders;
/// this bound keeps one transaction's work (and a crash's loss) modest.
///
/// Why 20,000 and not 10,000: on the machine where Damaijia's sync ran
/// fastest (100,000 orders in 5.4–7.9 s), a 10,000-order transaction was
/// committed after 0.5–0.8 s, inside [`TRANSACTION_TIME`], so the count, not
/// the time, set how often index pages were written again. Replayed into a copy of a 300,000-order store,
/// 100,000 Damaijia orders in transactions of 20,000 wrote 250 MB of log
/// instead of 314 and committed in 0.59 s instead of 0.77; synced with the
/// time bound lifted so that the count decides, the median sync took 11.24 s
/// instead of 12.08. How long the
/// write lock is held is still bounded by time (below).
const ORDERS_PER_TRANSACTION: usize = 20_000;

/// ... or once it has been open this long while another shop's batch
/// waits for the write lock it holds ([`Store::write_queue`]), while no page
/// comes (a platform retried with backoff), or while pages come slowly (see
/// [`IDLE_SHARE_TO_COMMIT`]). Syncs of several shops take turns at this pace.
const TRANSACTION_TIME: Duration = Duration::from_secs(1);

/// A transaction open [`TRANSACTION_TIME`] is committed if the writer spent
/// at least this share of it (in quarters) waiting for pages.
///
/// Why: a long transaction pays only while the writer is what the sync
/// waits for (each commit writes every index page it touched again). While
/// pages come slower than they are written (a rate-limited platform, a
/// slow network), a commit each second costs the sync nothing, and it
/// keeps what a crash or a kill loses to a second of pages. A
/// rate-limited sync held its pages for five seconds otherwise, and every
/// kill of the crash test (tests/crash_resume.rs) found nothing committed.
const IDLE_SHARE_TO_COMMIT: u32 = 3;

/// ... and once it has been open this long in any case: a writer of another
/// process (a command run beside `orderhub serve`) waits unseen, on SQLite's
/// busy timeout of 10 s.
///
/// Why not [`TRANSACTION_TIME`] alone: on a slower machine a
/// sync's transactions were cut at 1 s to about 10,000 Damaijia orders, and
/// each commit writes every index page the transaction touched. A sync of
/// 100,000 Damaijia orders into a store of 300,000, bounded at 1 s and at 5 s,
/// three pairs run in turn: 7.72 / 7.19, 8.09 / 7.60, 7.60 / 7.37 s.
const LONGEST_TRANSACTION: Duration = Duration::from_secs(5);

/// When the writer commits a transaction, the cursor aside.
/// [`TransactionBounds::OF_A_SYNC`] in a sync; the tests shorten them.
#[derive(Clone, Copy, Debug)]
struct TransactionBounds {
    /// [`ORDERS_PER_TRANSACTION`].
    orders: usize,
    /// [`TRANSACTION_TIME`].
    time: Duration,
    /// [`LONGEST_TRANSACTION`].
    longest: Duration,
    /// [`IDLE_SHARE_TO_COMMIT`], in quarters (above 4: never).
    idle_share: u32,
    /// How long the writer waits for the next page, nobody else waiting,
    /// before it commits: [`TRANSACTION_TIME`].
    idle: Duration,
}

impl TransactionBounds {
    const OF_A_SYNC: TransactionBounds = TransactionBounds {
        orders: ORDERS_PER_TRANSACTION,
        time: TRANSACTION_TIME,
        longest: LONGEST_TRANSACTION,
        idle_share: IDLE_SHARE_TO_COMMIT,
        idle: TRANSACTION_TIME,
    };

    /// Whether a transaction is committed after a page: it holds `written`
    /// orders, has been open `open_for`, of which the writer spent `idle`
    /// waiting for pages, while `waiting` writers of the process wait for
    /// the lock. A short write (a run's row, a lease, an API key) is let in
    /// after the page in hand: bookkeeping never waits behind a whole
    /// transaction. Another batch gets its turn after [`TRANSACTION_TIME`].
    fn commit_after_page(&self, written: usize, open_for: Duration, idle: Duration, waiting: WritersWaiting) -> bool {
        let pages_slow = idle * 4 >= open_for * self.idle_share;
        written >= self.orders
            || open_for >= self.longest
            || waiting.short > 0
            || (open_for >= self.time && (pages_slow || waiting.batches > 0))
    }

    /// How long the writer of a transaction that `began` waits for the
    /// next page, from `now`, before it commits what it wrote.
    fn idle_until(&self, now: Instant, began: Instant) -> Instant {
        (now + self.idle).min(began + self.longest)
    }
}

/// One page handed to the writer.
struct Page {
    orders: Prepared,
    bad: Vec<BadRecord>,
    cursor: Option<CursorUpdate>,
}

/// The writer task of one window read.
pub(crate) struct PageWriter {
    queue: mpsc::Sender<Page>,
    /// `None` once finished. A writer dropped unfinished (its run was
    /// cancelled) is aborted: its open transaction rolls back, as a write
    /// awaited in place would, rather than writing on after the run ended.
    task: Option<JoinHandle<Result<WriteStats, StoreError>>>,
}

impl PageWriter {
    /// Starts the writer for `shop`'s pages.
    pub(crate) fn start(store: &Store, shop: &str) -> PageWriter {
        Self::with_bounds(store, shop, TransactionBounds::OF_A_SYNC)
    }

    fn with_bounds(store: &Store, shop: &str, bounds: TransactionBounds) -> PageWriter {
        let (queue, pages) = mpsc::channel(QUEUED_PAGES);
        let reading = tokio::runtime::Handle::current();
        let task = writing_runtime().spawn(write_pages(store.clone(), shop.to_string(), pages, reading, bounds));
        PageWriter { queue, task: Some(task) }
    }

    /// Queues a page, its rows made ([`Store::prepare`]), and with the
    /// last page the cursor. Waits while the queue is full. `false` when the
    /// writer has stopped after a failed write; [`PageWriter::finish`]
    /// returns the error.
    pub(crate) async fn write(&self, orders: Prepared, bad: Vec<BadRecord>, cursor: Option<&CursorUpdate>) -> bool {
        self.queue.send(Page { orders, bad, cursor: cursor.cloned() }).await.is_ok()
    }

    /// Waits until every queued page is stored; what they did, or the first error.
    pub(crate) async fn finish(mut self) -> Result<WriteStats, StoreError> {
        let task = self.task.take().expect("a writer is finished once");
        drop(self);
        task.await.unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
    }
}

impl Drop for PageWriter {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The runtime of the writing thread: one thread, for every writer of the
/// process, started with the first and running until the process ends.
///
/// Why a thread of its own: the writer is what a sync waits for (SQLite has
/// one writing connection), and as a task among the readers' it waited for
/// a core while they parsed pages: in a 100,000-order Damaijia sync it took
/// 4.3–4.6 s to write what took about 2.7 s of its CPU. On a thread, which
/// the kernel schedules beside the runtime's workers, it wrote the same
/// pages in 3.7–3.9 s, and the sync was shorter.
///
/// Why it never ends: what a writer's work leaves behind runs on the
/// runtime it ran on (sqlx hands a released connection back to its pool in
/// a task of that runtime), so that runtime must outlive every writer.
fn writing_runtime() -> &'static tokio::runtime::Handle {
    static WRITING: OnceLock<tokio::runtime::Handle> = OnceLock::new();
    WRITING.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("the writing thread's runtime starts");
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("orderhub-writer".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .expect("the writing thread starts");
        handle
    })
}

/// The transaction a writer has open, and what it did in it.
struct OpenTransaction {
    batch: OpenBatch,
    /// Orders written in it.
    written: usize,
    began: Instant,
    /// How long the writer has waited for pages since it began.
    idle: Duration,
}

impl OpenTransaction {
    /// Begins a transaction, waiting out a writer of another process that
    /// holds SQLite's lock past its busy timeout (a command run beside
    /// `orderhub serve`): that is no failure of the shop.
    async fn begin(store: &Store) -> Result<OpenTransaction, StoreError> {
        use backon::Retryable;
        let batch = (|| store.begin_batch())
            .retry(crate::engine::store_backoff())
            .when(StoreError::is_busy)
            .notify(|error, after| tracing::warn!(%error, ?after, "another process holds the store's lock; waiting"))
            .await?;
        Ok(OpenTransaction { batch, written: 0, began: Instant::now(), idle: Duration::ZERO })
    }

    async fn commit(self, shop: &str, cursor: Option<&CursorUpdate>) -> Result<(), StoreError> {
        self.batch.commit(shop, cursor).await?;
        let ms = self.began.elapsed().as_millis() as u64;
        tracing::debug!(shop, orders = self.written, ms, "pages committed");
        Ok(())
    }
}

/// What a writer with a transaction open does next: [`next_page`].
enum Next {
    /// Write this page (`None`: the reader is done).
    Page(Option<Page>),
    /// Commit: the writer waits for its platform while another writer
    /// waits for the lock, or has waited as long as the bounds allow.
    Commit,
}

/// The next page for a writer whose transaction is `open`, unless it should
/// commit first. A page already queued is taken at once; while none is, the
/// lock is given up as soon as another writer of the process waits for it
/// (a slow platform never holds it), and after [`TransactionBounds::idle_until`]
/// in any case.
async fn next_page(
    pages: &mut mpsc::Receiver<Page>,
    open: &mut OpenTransaction,
    bounds: &TransactionBounds,
    queue: &WriteQueue,
) -> Next {
    if let Ok(page) = pages.try_recv() {
        return Next::Page(Some(page));
    }
    let since = Instant::now();
    let idle_until = bounds.idle_until(since, open.began);
    let next = loop {
        let arrived = queue.arrived();
        tokio::pin!(arrived);
        arrived.as_mut().enable();
        if queue.waiting().any() {
            break Next::Commit;
        }
        tokio::select! {
            biased;
            page = pages.recv() => break Next::Page(page),
            () = tokio::time::sleep_until(idle_until.into()) => break Next::Commit,
            () = &mut arrived => {}
        }
    };
    open.idle += since.elapsed();
    next
}

/// Writes the pages that come, as the module's documentation says. A
/// written page is dropped on `reading`, the runtime whose tasks made it:
/// freeing its orders took the writing thread about 0.2 s in a
/// 100,000-order Damaijia sync, and the sync waits for that thread, not
/// for the readers.
async fn write_pages(
    store: Store,
    shop: String,
    mut pages: mpsc::Receiver<Page>,
    reading: tokio::runtime::Handle,
    bounds: TransactionBounds,
) -> Result<WriteStats, StoreError> {
    let queue = store.write_queue();
    let mut total = WriteStats::default();
    let mut open: Option<OpenTransaction> = None;
    loop {
        let next = match &mut open {
            None => pages.recv().await,
            Some(transaction) => match next_page(&mut pages, transaction, &bounds, &queue).await {
                Next::Page(page) => page,
                Next::Commit => {
                    open.take().expect("a transaction is open").commit(&shop, None).await?;
                    continue;
                }
            },
        };
        let Some(Page { mut orders, bad, cursor }) = next else { break };
        let transaction = match &mut open {
            Some(transaction) => transaction,
            None => open.insert(OpenTransaction::begin(&store).await?),
        };
        transaction.written += orders.orders().len();
        total += transaction.batch.write_prepared(&shop, &mut orders, &bad).await?;
        reading.spawn(async move { drop((orders, bad)) });
        let open_for = transaction.began.elapsed();
        // The cursor comes only with a window's last page, so nothing follows it.
        if cursor.is_some()
            || bounds.commit_after_page(transaction.written, open_for, transaction.idle, queue.waiting())
        {
            open.take().expect("a transaction is open").commit(&shop, cursor.as_ref()).await?;
        }
    }
    // The reader stopped before the window's end (its error is its own to
    // report): what it handed over is stored, without the cursor.
    if let Some(transaction) = open {
        transaction.commit(&shop, None).await?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use orderhub_model::Order;
    use orderhub_store::testing::TestDatabase;
    use serde_json::json;

    fn order(number: u32) -> Order {
        let address = json!({"name": null, "phone": null, "company": null, "country_code": null, "province": null,
            "city": null, "district": null, "address1": null, "address2": null, "postal_code": null});
        serde_json::from_value(json!({
            "id": format!("shoptima:belment:{number}"), "platform": "shoptima", "shop": "belment",
            "order_number": number.to_string(), "platform_order_id": null, "status": "awaiting_shipment",
            "payment_status": "paid", "fulfillment_status": "unfulfilled", "refund_status": "none",
            "platform_status": {"code": "1", "label": "成功支付"}, "currency": "USD", "subtotal": "1.00",
            "shipping": "0.00", "discount": "0.00", "total": "1.00", "paid": "1.00",
            "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z", "paid_at": null,
            "shipped_at": null, "cancelled_at": null, "completed_at": null, "ship_by": null,
            "customer": {"id": null, "name": null, "email": null, "phone": null},
            "shipping_address": address, "items": [], "shipments": [], "raw": {"order_num": number.to_string()}
        }))
        .expect("a canonical order")
    }

    fn page(numbers: std::ops::Range<u32>) -> Vec<Order> {
        numbers.map(order).collect()
    }

    /// A fresh store, the cursor of a window's last page, and a writer for shop `belment`.
    async fn setup() -> (TestDatabase, Store, CursorUpdate, PageWriter) {
        let database = TestDatabase::sqlite();
        let store = database.open().await;
        let cursor = CursorUpdate { stream: "created:paid".into(), cursor: "2026-11-02T00:00:00Z".into() };
        let writer = PageWriter::start(&store, "belment");
        (database, store, cursor, writer)
    }

    #[tokio::test]
    async fn pages_are_stored_in_order_and_the_cursor_comes_with_the_last() {
        let (_database, store, cursor, writer) = setup().await;
        assert!(writer.write(store.prepare(page(0..120)), vec![], None).await);
        assert!(writer.write(store.prepare(page(120..240)), vec![], None).await);
        // The same order on two pages (the listing shifted): stored once.
        assert!(writer.write(store.prepare(page(239..300)), vec![], Some(&cursor)).await);
        let stats = writer.finish().await.expect("written");
        // The repeated order: the second page's write sees the first's.
        assert_eq!((stats.new, stats.unchanged), (300, 1), "{stats:?}");
        assert_eq!(store.order_count().await.unwrap(), 300);
        assert_eq!(store.cursor("belment", "created:paid").await.unwrap().as_deref(), Some("2026-11-02T00:00:00Z"));
    }

    #[tokio::test]
    async fn writers_run_on_the_writing_thread_and_leave_the_connection_to_the_next() {
        let (_database, store, cursor, writer) = setup().await;
        let thread = writing_runtime().spawn(async { std::thread::current().name().map(str::to_string) });
        assert_eq!(thread.await.unwrap().as_deref(), Some("orderhub-writer"));
        assert!(writer.write(store.prepare(page(0..100)), vec![], None).await);
        writer.finish().await.expect("written");
        // Each writer takes the store's one writing connection and gives it
        // back: were it kept by the writing thread, the next would wait forever.
        for first in (100..600).step_by(100) {
            let writer = PageWriter::start(&store, "belment");
            assert!(writer.write(store.prepare(page(first..first + 100)), vec![], Some(&cursor)).await);
            let stats = tokio::time::timeout(Duration::from_secs(10), writer.finish()).await;
            assert_eq!(stats.expect("the writing connection was free").expect("written").new, 100);
        }
        let late = [order(9_999)];
        let other = tokio::time::timeout(Duration::from_secs(10), store.write_batch("other", &late, &[], None)).await;
        assert!(matches!(other, Ok(Ok(_))), "a write after the writers finished got the connection: {other:?}");
        assert_eq!(store.order_count().await.unwrap(), 601);
    }

    #[tokio::test]
    async fn a_reader_slow_to_bring_the_next_page_does_not_hold_the_write_lock() {
        let (_database, store, _cursor, writer) = setup().await;
        assert!(writer.write(store.prepare(page(0..100)), vec![], None).await);
        // No next page for longer than a transaction may stay open: what was
        // written is committed, and other writers get the lock meanwhile.
        tokio::time::sleep(TRANSACTION_TIME + Duration::from_millis(500)).await;
        assert_eq!(store.order_count().await.unwrap(), 100, "committed while the reader was away");
        let other =
            tokio::time::timeout(Duration::from_secs(2), store.write_batch("other", &[order(1_000)], &[], None)).await;
        assert!(matches!(other, Ok(Ok(_))), "another shop's write did not wait for this reader: {other:?}");
        assert!(writer.write(store.prepare(page(100..200)), vec![], None).await);
        let stats = writer.finish().await.expect("written");
        assert_eq!(stats.new, 200);
        assert_eq!(store.order_count().await.unwrap(), 201);
    }

    #[test]
    fn the_bounds_decide_as_documented() {
        let sync = TransactionBounds::OF_A_SYNC;
        let secs = Duration::from_secs_f64;
        let batch = WritersWaiting { short: 0, batches: 1 };
        let short = WritersWaiting { short: 1, batches: 0 };
        let nobody = WritersWaiting::default();
        let commits =
            |written, open_for, idle, waiting| sync.commit_after_page(written, secs(open_for), secs(idle), waiting);
        // Inside a second only the count and a waiting short write commit early.
        assert!(!commits(1_000, 0.9, 0.9, batch));
        assert!(commits(1_000, 0.01, 0.0, short), "a short write waits for the page in hand only");
        assert!(commits(ORDERS_PER_TRANSACTION, 0.1, 0.0, nobody));
        // After a second: for a batch that waits, or when pages come slowly.
        assert!(commits(1_000, 1.0, 0.0, batch));
        assert!(commits(1_000, 1.0, 0.75, nobody));
        assert!(!commits(1_000, 1.0, 0.74, nobody), "a writer busy a quarter of the time keeps the transaction");
        assert!(!commits(1_000, 4.9, 0.0, nobody));
        // Five seconds in any case.
        assert!(commits(1_000, 5.0, 0.0, nobody));
    }

    /// Bounds with a short time, no count bound, a far longest bound and no
    /// commit for pages that come slowly (which a loaded machine's pauses
    /// would otherwise trigger at random), so that in a test a few hundred
    /// pages outlast the time many times over and only a waiting writer
    /// ends a transaction early.
    const SHORT: TransactionBounds = TransactionBounds {
        orders: usize::MAX,
        time: Duration::from_millis(40),
        longest: Duration::from_secs(60),
        idle_share: u32::MAX,
        idle: Duration::from_secs(60),
    };

    /// `pages` pages of 100 orders from order 0, their rows made before any
    /// is handed over, so that the writer never waits for the next.
    fn prepared_pages(store: &Store, pages: u32) -> Vec<Prepared> {
        (0..pages).map(|n| store.prepare(page(n * 100..n * 100 + 100))).collect()
    }

    #[tokio::test]
    async fn a_busy_writer_keeps_its_transaction_open_past_its_time() {
        let (_database, store, cursor, _) = setup().await;
        let writer = PageWriter::with_bounds(&store, "belment", SHORT);
        let pages = prepared_pages(&store, 500);
        let started = Instant::now();
        for page in pages {
            assert!(writer.write(page, vec![], None).await);
        }
        let busy_for = started.elapsed();
        assert!(busy_for > SHORT.time * 3, "the test's premise: writing outlasted the time bound ({busy_for:?})");
        // Nobody waited for the lock and pages were always queued: nothing
        // is committed yet (the time bound alone committed after 40 ms).
        assert_eq!(store.order_count().await.unwrap(), 0);
        assert!(writer.write(store.prepare(page(50_000..50_100)), vec![], Some(&cursor)).await);
        assert_eq!(writer.finish().await.expect("written").new, 50_100);
        assert_eq!(store.order_count().await.unwrap(), 50_100);
    }

    /// Hands `pages` prepared pages to `writer`, starting `other` (a write
    /// that waits for the lock) after the 21st; the page that had been handed
    /// over when `other` was seen done, if it was done before the last.
    async fn page_when_done(
        store: &Store,
        writer: &PageWriter,
        pages: u32,
        other: impl std::future::Future<Output = Result<(), StoreError>> + Send + 'static,
    ) -> Option<usize> {
        let mut other = Some(other);
        let mut running = None;
        let mut done_at = None;
        for (handed, page) in prepared_pages(store, pages).into_iter().enumerate() {
            assert!(writer.write(page, vec![], None).await);
            if handed == 20 {
                running = Some(tokio::spawn(other.take().expect("started once")));
            }
            if done_at.is_none() && running.as_ref().is_some_and(|other| other.is_finished()) {
                done_at = Some(handed);
            }
        }
        running.expect("started").await.unwrap().expect("the other write");
        done_at
    }

    #[tokio::test]
    async fn a_writer_waiting_for_the_lock_gets_it_from_a_busy_writer_after_its_time() {
        let (_database, store, _cursor, _) = setup().await;
        let writer = PageWriter::with_bounds(&store, "belment", SHORT);
        let other = {
            let store = store.clone();
            async move { store.write_batch("other", &[order(1_000_000)], &[], None).await.map(drop) }
        };
        let other_done_at = page_when_done(&store, &writer, 500, other).await;
        // Committed for it once the transaction was 40 ms old: long before
        // the pages ended (nor kept to the far longest bound).
        assert!(
            other_done_at.is_some_and(|handed| handed < 400),
            "the other writer got the lock mid-run, not after the writer's 500 pages: {other_done_at:?}"
        );
        assert_eq!(writer.finish().await.expect("written").new, 50_000);
        assert_eq!(store.order_count().await.unwrap(), 50_001);
    }

    /// Bounds under which only a waiting writer ends a transaction early.
    const LONG: TransactionBounds = TransactionBounds {
        orders: usize::MAX,
        time: Duration::from_secs(60),
        longest: Duration::from_secs(120),
        idle_share: u32::MAX,
        idle: Duration::from_secs(60),
    };

    #[tokio::test]
    async fn a_short_write_gets_the_lock_from_a_busy_writer_after_the_page_in_hand() {
        let (_database, store, _cursor, _) = setup().await;
        let writer = PageWriter::with_bounds(&store, "belment", LONG);
        let run = {
            let store = store.clone();
            async move { store.start_run("other").await.map(drop) }
        };
        let run_done_at = page_when_done(&store, &writer, 300, run).await;
        // Under these bounds only the waiting statement could end the
        // transaction: it got the lock while the pages were still coming.
        assert!(run_done_at.is_some_and(|handed| handed < 250), "the run's row waited for the pages: {run_done_at:?}");
        assert_eq!(writer.finish().await.expect("written").new, 30_000);
    }

    #[tokio::test]
    async fn a_writer_waiting_for_its_platform_gives_the_lock_up_at_once() {
        let (_database, store, _cursor, _) = setup().await;
        let writer = PageWriter::with_bounds(&store, "belment", LONG);
        assert!(writer.write(store.prepare(page(0..100)), vec![], None).await);
        // The next page is a minute away (LONG's idle bound); another shop's
        // batch and a run's row come meanwhile and are not kept waiting.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let other = tokio::time::timeout(Duration::from_secs(20), async {
            store.write_batch("other", &[order(1_000)], &[], None).await.unwrap();
            store.start_run("other").await.unwrap();
        });
        other.await.expect("the idle writer gave the lock up");
        assert_eq!(store.order_count().await.unwrap(), 101, "the idle writer's page was committed");
        assert!(writer.write(store.prepare(page(100..200)), vec![], None).await);
        assert_eq!(writer.finish().await.expect("written").new, 200);
        assert_eq!(store.order_count().await.unwrap(), 201);
    }

    /// Writes a page of 100 orders every 50 ms (never long enough apart for
    /// the idle bound), from order `first`, until `until`; the orders written.
    async fn write_steadily(store: &Store, writer: &PageWriter, first: u32, until: Instant) -> u32 {
        let mut next = first;
        while Instant::now() < until {
            assert!(writer.write(store.prepare(page(next..next + 100)), vec![], None).await);
            next += 100;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        next - first
    }

    #[tokio::test]
    async fn pages_that_come_slowly_are_committed_each_second() {
        let (_database, store, cursor, writer) = setup().await;
        let started = Instant::now();
        let written = write_steadily(&store, &writer, 0, started + TRANSACTION_TIME + Duration::from_millis(500)).await;
        // A rate-limited sync: the writer waits for pages most of the time,
        // so what it wrote is committed after a second, not after five.
        let committed = store.order_count().await.unwrap();
        assert!(committed > 0 && committed <= i64::from(written), "{committed} of {written} committed");
        assert!(writer.write(store.prepare(page(written..written + 100)), vec![], Some(&cursor)).await);
        assert_eq!(writer.finish().await.expect("written").new, u64::from(written) + 100);
        assert_eq!(store.order_count().await.unwrap(), i64::from(written) + 100);
    }

    /// Another process (a command beside `orderhub serve`) holds SQLite's
    /// lock past the busy timeout of 10 s: the writer waits it out.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lock_held_by_another_process_past_the_busy_timeout_is_waited_out() {
        use sqlx::ConnectOptions;
        let (database, store, cursor, writer) = setup().await;
        let options: sqlx::sqlite::SqliteConnectOptions = database.url.parse().unwrap();
        let mut other = options.connect().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.unwrap();
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(11)).await;
            sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
        });
        assert!(writer.write(store.prepare(page(0..100)), vec![], Some(&cursor)).await);
        let stats = writer.finish().await.expect("the lock was waited out, not a failure");
        assert_eq!(stats.new, 100);
        release.await.unwrap();
        assert_eq!(store.order_count().await.unwrap(), 100);
    }

    #[tokio::test]
    async fn after_a_failed_write_nothing_later_is_stored_and_the_cursor_stays() {
        let (database, store, cursor, writer) = setup().await;
        store.close().await;
        // The writer may take a page or two before it learns the store is gone.
        for first in (0..600).step_by(100) {
            if !writer.write(store.prepare(page(first..first + 100)), vec![], None).await {
                break;
            }
        }
        let _ = writer.write(store.prepare(page(600..700)), vec![], Some(&cursor)).await;
        let error = writer.finish().await.expect_err("the store is closed");
        assert!(error.to_string().contains("closed"), "{error}");
        let reopened = database.open().await;
        assert_eq!(reopened.order_count().await.unwrap(), 0);
        assert_eq!(reopened.cursor("belment", "created:paid").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_dropped_writer_leaves_whole_transactions_and_the_cursor_only_with_its_page() {
        let (_database, store, cursor, writer) = setup().await;
        assert!(writer.write(store.prepare(page(0..100)), vec![], None).await);
        assert!(writer.write(store.prepare(page(100..200)), vec![], Some(&cursor)).await);
        // A cancelled run drops its writer; what had not been committed is not.
        drop(writer);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let stored = store.order_count().await.unwrap();
        assert!(stored == 0 || stored == 100 || stored == 200, "whole transactions only: {stored}");
        let cursor_stored = store.cursor("belment", "created:paid").await.unwrap().is_some();
        assert_eq!(cursor_stored, stored == 200, "the cursor is committed with its page and only then");
    }
}
