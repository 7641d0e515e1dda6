//! [`Store`]: the one type callers use, on SQLite or PostgreSQL.
//!
//! Each method runs the same SQL (`sql/`) on whichever database the URL named;
//! the contract each method keeps is documented here, once.

use crate::health::HealthRecord;
use crate::prepared::OrderRows;
use crate::{
    ApiKey, BadRecord, CopyReport, CursorUpdate, Deliveries, DocumentPage, Enqueued, FeedEvent, NewOutboxJob,
    OrderDocument, OrderFilter, OrderListPage, OrderQuery, OutboxJob, RunProgress, RunTotals, StatusCount, StoreError,
    StoredEvent, SyncRun, WebhookState, WriteStats,
};
use crate::{WriteHealth, WriteQueue};
use crate::{error::redact_url, postgres, sqlite};
use orderhub_model::Order;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Notify;

/// The order store.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// Woken after each commit that created or changed orders (long polls wait on it).
    changes: Arc<Notify>,
    /// The outcomes of the writes (`crate::health`).
    health: Arc<HealthRecord>,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::SqlStore),
    Postgres(postgres::SqlStore),
}

/// A writing transaction open across several writes: [`Store::begin_batch`].
#[derive(Debug)]
pub struct OpenBatch {
    inner: BatchOn,
    changes: Arc<Notify>,
    /// Whether a write created or changed an order (long polls are woken on commit).
    created_or_changed: bool,
    health: Arc<HealthRecord>,
}

#[derive(Debug)]
enum BatchOn {
    Sqlite(sqlite::OpenBatch),
    Postgres(postgres::OpenBatch),
}

impl OpenBatch {
    /// Writes orders and bad payloads as [`Store::write_batch`] does, in this
    /// transaction: later writes see earlier ones, so an order on two pages
    /// is stored once.
    pub async fn write(&mut self, shop: &str, orders: &[Order], bad: &[BadRecord]) -> Result<WriteStats, StoreError> {
        self.write_with(shop, orders, None, bad).await
    }

    /// [`OpenBatch::write`] of orders made ready by [`Store::prepare`]: the
    /// same writes, with their rows already made. The orders are left to the
    /// caller to drop, wherever it drops them best (a sync's writer hands
    /// them back to its reading side: they were made there).
    pub async fn write_prepared(
        &mut self,
        shop: &str,
        prepared: &mut Prepared,
        bad: &[BadRecord],
    ) -> Result<WriteStats, StoreError> {
        self.write_with(shop, &prepared.orders, Some(&mut prepared.rows), bad).await
    }

    /// `rows`: those of `orders`, in order, or `None` to make them here.
    async fn write_with(
        &mut self,
        shop: &str,
        orders: &[Order],
        rows: Option<&mut [OrderRows]>,
        bad: &[BadRecord],
    ) -> Result<WriteStats, StoreError> {
        let stats = match &mut self.inner {
            BatchOn::Sqlite(b) => b.write(shop, orders, rows, bad).await,
            BatchOn::Postgres(b) => b.write(shop, orders, rows, bad).await,
        };
        // Only the commit shows that a write reached the disk.
        if stats.is_err() {
            self.health.note(&stats);
        }
        let stats = stats?;
        self.created_or_changed |= stats.new + stats.changed > 0;
        Ok(stats)
    }

    /// Commits every write, and the cursor with them.
    pub async fn commit(self, shop: &str, cursor: Option<&CursorUpdate>) -> Result<(), StoreError> {
        let committed = match self.inner {
            BatchOn::Sqlite(b) => b.commit(shop, cursor).await,
            BatchOn::Postgres(b) => b.commit(shop, cursor).await,
        };
        self.health.note(&committed);
        committed?;
        if self.created_or_changed {
            self.changes.notify_waiters();
        }
        Ok(())
    }
}

/// Orders with their rows made (their documents serialised, and packed where
/// the store packs them; the texts of their amounts, search terms and
/// `created` events): [`Store::prepare`].
#[derive(Debug)]
pub struct Prepared {
    orders: Vec<Order>,
    rows: Vec<OrderRows>,
}

impl Prepared {
    /// The orders, as given.
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// The database `url` names, or why it names none this build supports.
    pub fn of(url: &str) -> Result<DatabaseKind, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseKind::Postgres)
        } else {
            Err(StoreError::Unsupported {
                url: redact_url(url),
                reason: "database.url must start with sqlite: (a file: \"sqlite://orderhub.db\") or postgres:// \
                         (\"postgres://USER:PASSWORD@HOST:5432/DATABASE\")"
                    .into(),
            })
        }
    }
}

/// Runs `$body` with `$s` bound to whichever backend the store is on.
macro_rules! on_backend {
    ($self:ident, $s:ident => $body:expr) => {
        match &$self.backend {
            Backend::Sqlite($s) => $body,
            Backend::Postgres($s) => $body,
        }
    };
}

/// [`on_backend!`] for a write that always writes a row: its outcome is
/// noted in the store's health.
macro_rules! write_on_backend {
    ($self:ident, $s:ident => $body:expr) => {{
        let result = on_backend!($self, $s => $body);
        $self.health.note(&result);
        result
    }};
}

/// [`on_backend!`] for a write that may write nothing (a lease held by
/// another, no job due): only its failure is noted, as a transaction that
/// changed nothing succeeds on a full disk too and proves nothing.
macro_rules! may_write_on_backend {
    ($self:ident, $s:ident => $body:expr) => {{
        let result = on_backend!($self, $s => $body);
        if result.is_err() {
            $self.health.note(&result);
        }
        result
    }};
}

impl Store {
    /// Opens the database `url` names and brings its schema up to date:
    /// `sqlite://PATH` (created if missing) or `sqlite::memory:`, or
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (the database must exist).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::connect(url, true).await
    }

    /// Opens the database without touching its schema (`orderhub migrate`
    /// applies it explicitly).
    pub async fn open_unmigrated(url: &str) -> Result<Store, StoreError> {
        Store::connect(url, false).await
    }

    async fn connect(url: &str, migrate: bool) -> Result<Store, StoreError> {
        let backend = match DatabaseKind::of(url)? {
            DatabaseKind::Sqlite => Backend::Sqlite(sqlite::open(url, migrate).await?),
            DatabaseKind::Postgres => Backend::Postgres(postgres::open(url, migrate).await?),
        };
        if migrate {
            match &backend {
                Backend::Sqlite(s) => s.run_upkeep().await?,
                Backend::Postgres(s) => s.run_upkeep().await?,
            }
        }
        Ok(Store { backend, changes: Arc::new(Notify::new()), health: Default::default() })
    }

    /// Applies the migrations this build has and the database lacks; returns
    /// the versions applied (empty when it was up to date).
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        on_backend!(self, s => s.migrate().await)
    }

    /// Which database the store is on.
    pub fn kind(&self) -> DatabaseKind {
        match self.backend {
            Backend::Sqlite(_) => DatabaseKind::Sqlite,
            Backend::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    /// Takes or renews the lease `name` for `holder` for `ttl_ms`
    /// milliseconds: granted when nobody holds it, when `holder` already
    /// does, or when the holder's lease lapsed (a worker that died). Returns
    /// `None` when granted, else the live holder.
    ///
    /// A lease decides who works, it does not guard the data: a worker
    /// paused past its lease may still write a page after another took over.
    /// That stays correct, as every write is an idempotent upsert guarded by
    /// the platform's update time, and an older cursor only re-reads.
    pub async fn acquire_lease(&self, name: &str, holder: &str, ttl_ms: i64) -> Result<Option<String>, StoreError> {
        may_write_on_backend!(self, s => s.acquire_lease(name, holder, ttl_ms).await)
    }

    /// Copies a SQLite store into a new file at `path` while it may be in
    /// use (`crate::backup`); PostgreSQL is refused with what to use instead.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<crate::BackupReport, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => crate::backup::backup_sqlite(&s.pool, path).await,
            Backend::Postgres(_) => Err(StoreError::Backup(
                "orderhub backup copies SQLite stores; back PostgreSQL up with pg_dump (README: Backups)".into(),
            )),
        }
    }

    /// The schema's migrations: how many the database has applied, and how
    /// many this build knows.
    pub async fn schema_versions(&self) -> Result<(i64, i64), StoreError> {
        let known = match &self.backend {
            Backend::Sqlite(_) => crate::sqlite::MIGRATIONS.len(),
            Backend::Postgres(_) => crate::postgres::MIGRATIONS.len(),
        } as i64;
        let applied = on_backend!(self, s => s.applied_migrations().await)?;
        Ok((applied, known))
    }

    /// The store checked against its own rules, without any platform.
    pub async fn check(&self) -> Result<crate::StoreCheck, StoreError> {
        on_backend!(self, s => s.check().await)
    }

    /// Who holds the lease `name` now; `None` when nobody does or it lapsed.
    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>, StoreError> {
        on_backend!(self, s => s.lease_holder(name).await)
    }

    /// Gives up `holder`'s lease `name` (nothing when another holds it).
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        may_write_on_backend!(self, s => s.release_lease(name, holder).await)
    }

    /// Copies the whole store into `target`, an empty store on any database:
    /// every order with its items, events, search terms, cursors, bad
    /// payloads, runs, paused shops, write-back jobs, API keys and webhook
    /// progress, ids and event numbers as they are. Each table's rows are
    /// counted on both sides afterwards. Stop the workers writing to this
    /// store first: rows written during the copy may be missed.
    /// `progress` hears (table, rows copied so far).
    pub async fn copy_to(&self, target: &Store, progress: &dyn Fn(&str, u64)) -> Result<CopyReport, StoreError> {
        use crate::copy::{ROWS_PER_PAGE, TABLES};
        for table in TABLES {
            let held = on_backend!(target, t => t.count_rows(table).await)?;
            if held > 0 {
                return Err(StoreError::Copy(format!(
                    "the target already holds {held} row(s) in {}: copy into an empty database",
                    table.name
                )));
            }
        }
        let mut report = CopyReport::default();
        for table in TABLES {
            let key_at: Vec<usize> =
                table.key.iter().map(|k| table.columns.iter().position(|(c, _)| c == k).expect("key column")).collect();
            let mut after = None;
            let mut copied = 0u64;
            loop {
                let rows = on_backend!(self, s => s.read_rows(table, after.as_deref()).await)?;
                let Some(last) = rows.last() else { break };
                after = Some(key_at.iter().map(|&i| last[i].clone()).collect::<Vec<_>>());
                on_backend!(target, t => t.write_rows(table, &rows).await)?;
                copied += rows.len() as u64;
                progress(table.name, copied);
                if rows.len() < ROWS_PER_PAGE {
                    break;
                }
            }
            on_backend!(target, t => t.copied(table).await)?;
            let (source, copy) = (
                on_backend!(self, s => s.count_rows(table).await)?,
                on_backend!(target, t => t.count_rows(table).await)?,
            );
            if source != copy || copy != copied as i64 {
                return Err(StoreError::Copy(format!(
                    "{}: the source holds {source} rows, the target {copy} after copying {copied} (was the source written to during the copy?)",
                    table.name
                )));
            }
            report.tables.push((table.name.to_string(), copied));
        }
        Ok(report)
    }

    /// Completes when orders may have changed in this process's store (a batch
    /// with new or changed orders was committed). Writers in other processes
    /// do not wake it: callers also poll.
    /// The future is registered when created, so a commit between creating
    /// it and awaiting it is not missed.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changes.notified()
    }

    /// Writes a page of orders, the bad payloads that came with it and the cursor
    /// that covers it, all in one transaction. The page's orders are read and
    /// written with a handful of multi-row statements, not a few per order.
    pub async fn write_batch(
        &self,
        shop: &str,
        orders: &[Order],
        bad: &[BadRecord],
        cursor: Option<&CursorUpdate>,
    ) -> Result<WriteStats, StoreError> {
        let mut batch = self.begin_batch().await?;
        let stats = batch.write(shop, orders, bad).await?;
        batch.commit(shop, cursor).await?;
        Ok(stats)
    }

    /// Makes each order's rows for [`OpenBatch::write_prepared`]: the stored
    /// form of its document (its JSON, packed on SQLite against the
    /// platform's dictionary when this process holds it) and the other texts
    /// its rows hold. It needs no database, so a sync does it on the reading
    /// side while the writer is busy with the previous page.
    pub fn prepare(&self, orders: Vec<Order>) -> Prepared {
        let rows = match &self.backend {
            Backend::Sqlite(s) => s.prepare(&orders),
            Backend::Postgres(s) => s.prepare(&orders),
        };
        Prepared { orders, rows }
    }

    /// Opens a writing transaction for several [`OpenBatch::write`]s, committed
    /// together by [`OpenBatch::commit`] (with a cursor, if given); dropped
    /// uncommitted, it rolls back. It writes exactly what as many
    /// `write_batch` calls would, in one transaction: a sync's pages share
    /// one, so each index page they touch is written once for all of them.
    /// It holds the write lock while open (on SQLite, the one writing
    /// connection), so callers keep it open briefly.
    pub async fn begin_batch(&self) -> Result<OpenBatch, StoreError> {
        let inner = match &self.backend {
            Backend::Sqlite(s) => s.begin_batch().await.map(BatchOn::Sqlite),
            Backend::Postgres(s) => s.begin_batch().await.map(BatchOn::Postgres),
        };
        if inner.is_err() {
            self.health.note(&inner);
        }
        Ok(OpenBatch {
            inner: inner?,
            changes: self.changes.clone(),
            created_or_changed: false,
            health: self.health.clone(),
        })
    }

    /// Who in this process waits for the write lock, by kind: an open batch
    /// gives the lock up for them (`crate::write_queue` says when). A
    /// writer of another process (a command beside `orderhub serve`) waits
    /// unseen, on SQLite's busy timeout.
    pub fn write_queue(&self) -> Arc<WriteQueue> {
        on_backend!(self, s => s.queue.clone())
    }

    /// Whether the store's writes succeed: failing since when and why, and
    /// how long ago one last succeeded.
    pub fn write_health(&self) -> WriteHealth {
        self.health.report()
    }

    /// Writes one row and removes it again, to learn whether the store can
    /// be written now (`/healthz` asks while writes fail, or when none was
    /// made lately); the outcome is noted as every write's is.
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.probe_write().await)
    }

    /// The stored orders among these hub ids, by id.
    pub async fn orders_by_id(&self, ids: &[String]) -> Result<HashMap<String, Order>, StoreError> {
        on_backend!(self, s => s.orders_by_id(ids).await)
    }

    /// Order numbers of every stored order of a shop.
    pub async fn order_numbers(&self, shop: &str) -> Result<Vec<String>, StoreError> {
        on_backend!(self, s => s.order_numbers(shop).await)
    }

    /// One order by hub id.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        self.order_document(id).await?.map(|document| document.to_order()).transpose()
    }

    /// One order by hub id, as the JSON text stored.
    pub async fn order_document(&self, id: &str) -> Result<Option<OrderDocument>, StoreError> {
        on_backend!(self, s => s.order_document(id).await)
    }

    /// Orders matching `filter`, newest first.
    pub async fn orders(&self, filter: &OrderFilter) -> Result<Vec<Order>, StoreError> {
        on_backend!(self, s => s.orders(filter).await)
    }

    /// Calls `each` for every order matching `filter` (its `limit` aside), in hub
    /// id order, reading 500 at a time so that memory stays flat however many
    /// orders there are.
    pub async fn for_each_order<E: From<StoreError>>(
        &self,
        filter: &OrderFilter,
        each: impl FnMut(Order) -> Result<(), E>,
    ) -> Result<u64, E> {
        on_backend!(self, s => s.for_each_order(filter, each).await)
    }

    /// Order numbers of a shop's orders that can still change (not completed or
    /// cancelled), for platforms whose orders are refreshed one by one.
    pub async fn open_order_numbers(&self, shop: &str) -> Result<Vec<String>, StoreError> {
        on_backend!(self, s => s.open_order_numbers(shop).await)
    }

    /// Number of orders stored.
    pub async fn order_count(&self) -> Result<i64, StoreError> {
        on_backend!(self, s => s.order_count().await)
    }

    /// Orders per shop and status.
    pub async fn status_counts(&self) -> Result<Vec<StatusCount>, StoreError> {
        on_backend!(self, s => s.status_counts().await)
    }

    /// An order's timeline, oldest first.
    pub async fn events(&self, order_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        on_backend!(self, s => s.events(order_id).await)
    }

    /// Events in the whole store.
    pub async fn event_count(&self) -> Result<i64, StoreError> {
        on_backend!(self, s => s.event_count().await)
    }

    /// The committed cursor of one stream of one shop.
    pub async fn cursor(&self, shop: &str, stream: &str) -> Result<Option<String>, StoreError> {
        on_backend!(self, s => s.cursor(shop, stream).await)
    }

    /// Bad payloads recorded for a shop: (order number, error).
    pub async fn bad_orders(&self, shop: &str) -> Result<Vec<(String, String)>, StoreError> {
        on_backend!(self, s => s.bad_orders(shop).await)
    }

    /// Pauses a shop's scheduled syncs with the reason a person must act on.
    pub async fn pause_shop(&self, shop: &str, reason: &str) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.pause_shop(shop, reason).await)
    }

    /// Clears a shop's pause.
    pub async fn resume_shop(&self, shop: &str) -> Result<(), StoreError> {
        may_write_on_backend!(self, s => s.resume_shop(shop).await)
    }

    /// Why and since when a shop is paused, if it is.
    pub async fn paused(&self, shop: &str) -> Result<Option<(String, jiff::Timestamp)>, StoreError> {
        on_backend!(self, s => s.paused(shop).await)
    }

    /// Records the start of a sync run; returns its id. The run holds a
    /// lease of [`crate::RUN_LEASE_MS`] that [`Store::renew_run`] renews
    /// while it goes; a run whose lease lapsed unfinished (its process was
    /// killed) is closed as `interrupted` here, at the next run's start.
    pub async fn start_run(&self, shop: &str) -> Result<i64, StoreError> {
        write_on_backend!(self, s => s.start_run(shop).await)
    }

    /// Renews a running run's lease (see [`Store::start_run`]) and records
    /// how far it has come.
    pub async fn renew_run(&self, id: i64, progress: Option<&RunProgress>) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.renew_run(id, progress).await)
    }

    /// Closes as `interrupted` every run still `running` whose lease lapsed;
    /// the number closed. [`Store::start_run`] does it too.
    pub async fn close_interrupted_runs(&self) -> Result<u64, StoreError> {
        may_write_on_backend!(self, s => s.close_interrupted_runs().await)
    }

    /// Records how a sync run ended.
    pub async fn finish_run(&self, run: &SyncRun) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.finish_run(run).await)
    }

    /// The latest runs, newest first, of one shop or of all.
    pub async fn runs(&self, shop: Option<&str>, limit: i64) -> Result<Vec<SyncRun>, StoreError> {
        on_backend!(self, s => s.runs(shop, limit).await)
    }

    /// Closes the connections (SQLite: flushing the write-ahead log).
    pub async fn close(&self) {
        on_backend!(self, s => s.close().await)
    }

    /// Up to `limit` events with a sequence number above `after`, oldest first.
    ///
    /// Events are numbered inside the writing transaction and writers commit
    /// one at a time (`begin_write`), so sequence order is commit order: a
    /// reader that has seen `seq` never later finds a smaller one appear.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<FeedEvent>, StoreError> {
        on_backend!(self, s => s.events_after(after, limit).await)
    }

    /// The newest event's sequence number, 0 when there is none.
    pub async fn last_event_seq(&self) -> Result<i64, StoreError> {
        on_backend!(self, s => s.last_event_seq().await)
    }

    /// Stores a new API key by its hash (the key itself is never stored).
    pub async fn insert_api_key(
        &self,
        name: &str,
        prefix: &str,
        hash: &str,
        scopes: &[String],
    ) -> Result<ApiKey, StoreError> {
        write_on_backend!(self, s => s.insert_api_key(name, prefix, hash, scopes).await)
    }

    /// The live (not revoked) key with this hash, noting that it was used.
    pub async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        on_backend!(self, s => s.api_key_by_hash(hash).await)
    }

    /// Every key, revoked ones included, oldest first.
    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        on_backend!(self, s => s.api_keys().await)
    }

    /// Revokes a key; false when there is no live key with that id.
    pub async fn revoke_api_key(&self, id: i64) -> Result<bool, StoreError> {
        may_write_on_backend!(self, s => s.revoke_api_key(id).await)
    }

    /// Every webhook's delivery state that the store holds, by name; reads only.
    pub async fn webhook_states(&self) -> Result<Vec<WebhookState>, StoreError> {
        self.delivery_states(Deliveries::Webhooks).await
    }

    /// A webhook's delivery state; a webhook seen for the first time starts
    /// after the newest event (it receives changes from now on).
    pub async fn webhook_state(&self, name: &str) -> Result<WebhookState, StoreError> {
        self.delivery_state(Deliveries::Webhooks, name).await
    }

    /// Records that a webhook received every event up to `seq` (`count` of them).
    pub async fn webhook_delivered(&self, name: &str, seq: i64, count: i64) -> Result<(), StoreError> {
        self.delivered(Deliveries::Webhooks, name, seq, count).await
    }

    /// Records a failed delivery attempt.
    pub async fn webhook_failed(&self, name: &str, error: &str) -> Result<(), StoreError> {
        self.delivery_failed(Deliveries::Webhooks, name, error).await
    }

    /// Every webhook's or sink's delivery state the store holds, by name; reads only.
    pub async fn delivery_states(&self, of: Deliveries) -> Result<Vec<WebhookState>, StoreError> {
        on_backend!(self, s => s.delivery_states(of).await)
    }

    /// A webhook's or sink's delivery state; one seen for the first time
    /// starts after the newest event (it receives changes from now on).
    pub async fn delivery_state(&self, of: Deliveries, name: &str) -> Result<WebhookState, StoreError> {
        may_write_on_backend!(self, s => s.delivery_state(of, name).await)
    }

    /// Records that a webhook or sink took every event up to `seq` (`count` of them).
    pub async fn delivered(&self, of: Deliveries, name: &str, seq: i64, count: i64) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.delivered(of, name, seq, count).await)
    }

    /// Records a failed delivery attempt.
    pub async fn delivery_failed(&self, of: Deliveries, name: &str, error: &str) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.delivery_failed(of, name, error).await)
    }

    /// Sets a webhook's or sink's progress to `to_seq`: the events after it
    /// are delivered (again) next.
    pub async fn rewind_delivery(&self, of: Deliveries, name: &str, to_seq: i64) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.rewind_delivery(of, name, to_seq).await)
    }

    /// Per shop: runs that ended OK and failed, API calls, the last good run.
    pub async fn run_totals(&self) -> Result<Vec<RunTotals>, StoreError> {
        on_backend!(self, s => s.run_totals().await)
    }

    /// Orders per shop.
    pub async fn shop_order_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        on_backend!(self, s => s.shop_order_counts().await)
    }

    /// Orders per platform, shop and status.
    pub async fn order_gauges(&self) -> Result<Vec<(String, String, String, i64)>, StoreError> {
        on_backend!(self, s => s.order_gauges().await)
    }

    /// Keeps the attention list in step with `causes`, every cause found now
    /// of the `kinds` swept: a cause without a live item opens one (once,
    /// also with several workers sweeping), a live item of those kinds whose
    /// cause is not among them closes, and an item whose cause reads
    /// differently now (worse, or another message) says so.
    pub async fn reconcile_attention(
        &self,
        causes: &[crate::AttentionCause],
        kinds: &[&str],
    ) -> Result<crate::Reconciled, StoreError> {
        may_write_on_backend!(self, s => s.reconcile_attention(causes, kinds).await)
    }

    /// Attention items, newest first.
    pub async fn attention_items(
        &self,
        filter: &crate::AttentionFilter,
    ) -> Result<Vec<crate::AttentionItem>, StoreError> {
        on_backend!(self, s => s.attention_items(filter).await)
    }

    pub async fn attention_item(&self, id: i64) -> Result<Option<crate::AttentionItem>, StoreError> {
        on_backend!(self, s => s.attention_item(id).await)
    }

    /// A person dismisses an open item, with a note; `None` when no open item has that id.
    pub async fn dismiss_attention(
        &self,
        id: i64,
        by: &str,
        note: &str,
    ) -> Result<Option<crate::AttentionItem>, StoreError> {
        may_write_on_backend!(self, s => s.dismiss_attention(id, by, note).await)
    }

    /// Open items by kind and severity.
    pub async fn open_attention_counts(&self) -> Result<Vec<(String, crate::Severity, i64)>, StoreError> {
        on_backend!(self, s => s.open_attention_counts().await)
    }

    /// Open items an alert has not been sent yet, oldest first: of these
    /// `kinds` (every kind when empty) and `severities`. An item sent as a
    /// warning that is critical now is one of them again.
    pub async fn unalerted_items(
        &self,
        alert: &str,
        kinds: &[String],
        severities: &[crate::Severity],
        limit: i64,
    ) -> Result<Vec<crate::AttentionItem>, StoreError> {
        on_backend!(self, s => s.unalerted_items(alert, kinds, severities, limit).await)
    }

    /// Records that `alert` was sent these items, at their severity now.
    pub async fn mark_alerted(&self, alert: &str, items: &[crate::AttentionItem]) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.mark_alerted(alert, items).await)
    }

    /// Purchases linked to the shop order they fulfil.
    pub async fn linked_purchases(&self) -> Result<i64, StoreError> {
        on_backend!(self, s => s.linked_purchases().await)
    }

    /// Purchases' links that found no one shop order (none has the number,
    /// or several do), at most `limit`, with the candidates.
    pub async fn unresolved_links(&self, limit: i64) -> Result<Vec<crate::UnresolvedLink>, StoreError> {
        on_backend!(self, s => s.unresolved_links(limit).await)
    }

    /// Shops paused by an error a person has to fix.
    pub async fn paused_shops(&self) -> Result<Vec<crate::PausedShop>, StoreError> {
        on_backend!(self, s => s.paused_shops().await)
    }

    /// When a shop last synced, and when it first tried.
    pub async fn sync_age(&self, shop: &str) -> Result<crate::SyncAge, StoreError> {
        on_backend!(self, s => s.sync_age(shop).await)
    }

    /// Orders awaiting shipment whose deadline is at or before `by`, soonest
    /// first, at most `limit`.
    pub async fn due_shipments(&self, by: jiff::Timestamp, limit: i64) -> Result<Vec<crate::DueShipment>, StoreError> {
        on_backend!(self, s => s.due_shipments(by, limit).await)
    }

    /// Orders the platform sent that could not be read and have not been read since.
    pub async fn unread_orders(&self) -> Result<Vec<crate::UnreadOrder>, StoreError> {
        on_backend!(self, s => s.unread_orders().await)
    }

    /// Each order's newest failed write-back of each kind, where no later
    /// one of that order and kind has succeeded or failed since.
    pub async fn failed_writebacks(&self) -> Result<Vec<OutboxJob>, StoreError> {
        on_backend!(self, s => s.failed_writebacks().await)
    }

    /// Stores a write-back request, unless it repeats one: a request with an
    /// idempotency key already used, or a shipment for an order that already
    /// has one that has not failed. Either check and the insert happen in one
    /// transaction, so two racing requests store one job.
    pub async fn enqueue(&self, job: &NewOutboxJob) -> Result<Enqueued, StoreError> {
        may_write_on_backend!(self, s => s.enqueue(job).await)
    }

    /// Takes the oldest due job for `lease` milliseconds: a pending job whose
    /// retry time has come, or a running one whose worker's lease ran out (a
    /// worker that died; the job comes back marked `interrupted`). A job waits
    /// while an older job of the same order is unfinished, so one order's
    /// requests reach the platform in the order they were made.
    pub async fn claim_job(&self, lease_ms: i64) -> Result<Option<OutboxJob>, StoreError> {
        may_write_on_backend!(self, s => s.claim_job(lease_ms).await)
    }

    /// Records a job's end: `done` or `failed`, with the platform's answer.
    pub async fn finish_job(
        &self,
        id: i64,
        state: &str,
        outcome: Option<&serde_json::Value>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.finish_job(id, state, outcome, error).await)
    }

    /// Puts a job back to be tried again after `delay_ms`, with why it failed.
    pub async fn retry_job(&self, id: i64, delay_ms: i64, error: &str) -> Result<(), StoreError> {
        write_on_backend!(self, s => s.retry_job(id, delay_ms, error).await)
    }

    /// Gives a running job back to the queue, due now (its worker is
    /// stopping); `false` when it is no longer running (it ended first).
    pub async fn return_job(&self, id: i64, error: &str) -> Result<bool, StoreError> {
        write_on_backend!(self, s => s.return_job(id, error).await)
    }

    /// One job by id.
    pub async fn job(&self, id: i64) -> Result<Option<OutboxJob>, StoreError> {
        on_backend!(self, s => s.job(id).await)
    }

    /// An order's write-back jobs, oldest first.
    pub async fn jobs_of_order(&self, order_id: &str) -> Result<Vec<OutboxJob>, StoreError> {
        on_backend!(self, s => s.jobs_of_order(order_id).await)
    }

    /// Jobs per state (pending, running, done, failed).
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        on_backend!(self, s => s.outbox_counts().await)
    }

    /// One page of the orders matching `query`, in its sort order, starting
    /// right after `query.after`.
    pub async fn list_orders(&self, query: &OrderQuery) -> Result<OrderListPage, StoreError> {
        let page = self.list_documents(query).await?;
        let orders = page.documents.iter().map(OrderDocument::to_order).collect::<Result<_, _>>()?;
        Ok(OrderListPage { orders, next: page.next })
    }

    /// [`Store::list_orders`], each order as the JSON text stored.
    pub async fn list_documents(&self, query: &OrderQuery) -> Result<DocumentPage, StoreError> {
        on_backend!(self, s => s.list_documents(query).await)
    }

    /// The database's plan of the listing of `query`, a line per step.
    #[cfg(test)]
    pub(crate) async fn listing_plan(&self, query: &OrderQuery) -> Result<Vec<String>, StoreError> {
        on_backend!(self, s => s.listing_plan(query).await)
    }

    /// Orders created per UTC day and platform since `since`: (day as
    /// `YYYY-MM-DD`, platform, count), oldest day first.
    pub async fn orders_per_day(&self, since: jiff::Timestamp) -> Result<Vec<(String, String, i64)>, StoreError> {
        on_backend!(self, s => s.orders_per_day(since).await)
    }
}
