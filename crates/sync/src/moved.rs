//! Whether orders read in a span left its listing while it was paged, where
//! the platform's answers carry no total (Westmonth): an order updated
//! while its listing is paged moves past the run's upper bound, and every
//! order after it moves up a place, so one may slide onto a page already
//! read. The orders updated past the upper bound are listed (usually
//! none: one call) and compared with the orders each span read.
//!
//! One listing answers for every span read before it was asked for, so
//! spans share it: a span that is read waits for the next one, which is
//! asked for once every [`CHECK_EVERY`] while spans are read, and at once
//! when none is being read. Checking each span as it ends cost a call for
//! each of them (a 20,000-order Westmonth sync in 8 spans made 8 checks);
//! the cursor, which moves only over checked spans, moves at least this
//! often.

use crate::engine::list_with_retry;
use crate::window::RunReader;
use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{ConnectorError, ListQuery};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};
use tokio::time::Instant;

/// How often, at most, the orders updated past the upper bound are listed
/// while spans of the window are still being read.
const CHECK_EVERY: Duration = Duration::from_secs(15);

/// At most this many pages of "orders updated past the upper bound" are
/// read; a platform busier than that gets the spans read again.
const MAX_CHECK_PAGES: u32 = 20;

/// The checks of one window's spans.
pub(crate) struct MovedChecks {
    partition: usize,
    last: Mutex<LastCheck>,
    /// Spans being read.
    reading: AtomicUsize,
    span_read: Notify,
}

/// The last listing of orders updated past the upper bound.
struct LastCheck {
    /// When it was asked for (the window's start, before any).
    asked_at: Instant,
    /// `None` before any; `Some(None)`: more than [`MAX_CHECK_PAGES`] pages.
    ids: Option<Option<HashSet<String>>>,
}

/// A span being read: counted until it drops.
pub(crate) struct Reading<'a>(&'a MovedChecks);

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.reading.fetch_sub(1, Ordering::SeqCst);
        self.0.span_read.notify_waiters();
    }
}

impl MovedChecks {
    pub(crate) fn new(partition: usize) -> MovedChecks {
        let last = Mutex::new(LastCheck { asked_at: Instant::now(), ids: None });
        MovedChecks { partition, last, reading: AtomicUsize::new(0), span_read: Notify::new() }
    }

    /// Counts a span as being read until the guard drops.
    pub(crate) fn reading(&self) -> Reading<'_> {
        self.reading.fetch_add(1, Ordering::SeqCst);
        Reading(self)
    }

    /// How many spans are being read now.
    pub(crate) fn spans_reading(&self) -> usize {
        self.reading.load(Ordering::SeqCst)
    }

    /// Whether any of `read_ids`, read by `read_by`, has been updated past
    /// the run's upper bound since, from a listing asked for after `read_by`.
    pub(crate) async fn moved(
        &self,
        run: &RunReader<'_>,
        read_ids: &HashSet<String>,
        read_by: Instant,
    ) -> Result<bool, ConnectorError> {
        loop {
            // Made before `reading` is looked at, so that a span read meanwhile wakes it.
            let span_read = self.span_read.notified();
            let mut last = self.last.lock().await;
            if let Some(ids) = &last.ids
                && last.asked_at >= read_by
            {
                return Ok(ids.as_ref().is_none_or(|ids| ids.iter().any(|id| read_ids.contains(id))));
            }
            if last.asked_at.elapsed() >= CHECK_EVERY || self.reading.load(Ordering::SeqCst) == 0 {
                let asked_at = Instant::now();
                let ids = updated_after(run, self.partition).await?;
                *last = LastCheck { asked_at, ids: Some(ids) };
                continue;
            }
            let next = last.asked_at + CHECK_EVERY;
            drop(last);
            tokio::select! {
                () = span_read => {}
                () = tokio::time::sleep_until(next) => {}
            }
        }
    }
}

/// The ids of the orders listed as updated after the run's upper bound;
/// `None` when there are more than [`MAX_CHECK_PAGES`] pages of them.
async fn updated_after(run: &RunReader<'_>, partition: usize) -> Result<Option<HashSet<String>>, ConnectorError> {
    let from = run.upper.checked_add(SignedDuration::from_secs(1)).unwrap_or(run.upper);
    // Far enough ahead to cover a platform clock running ahead of ours.
    let to = Timestamp::now().checked_add(SignedDuration::from_hours(24)).unwrap_or(from);
    let mut ids = HashSet::new();
    for page in 1..=MAX_CHECK_PAGES {
        let query = ListQuery { from, to, partition, page };
        let connector = run.shop.connector.as_ref();
        let answer = list_with_retry(connector, query, run.shop.retry, run.retries, &run.lanes).await?;
        ids.extend(answer.orders.iter().flatten().map(|order| order.id.clone()));
        if answer.last_page() {
            return Ok(Some(ids));
        }
    }
    Ok(None)
}
