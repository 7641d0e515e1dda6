//! Who in this process waits for the write lock, and for what kind of write.
//!
//! SQLite has one writer at a time, and every write of the process goes
//! through the store's one writing connection, whose pool hands it out in
//! the order asked (sqlx's pools are fair). That queue is fair but blind: a
//! sync's open batch would keep the lock for its whole transaction while a
//! run's bookkeeping (a row of `sync_runs`, a lease, a key) waited behind it.
//! So each writer says here what it waits for, and an open batch gives the
//! lock up early: after the page in hand for a short write, after a second
//! for another batch, and at once while it only waits for its platform's
//! next page (a slow platform never holds the lock).

use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Notify;
use tokio::sync::futures::Notified;

/// What a writer waits for the lock to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Turn {
    /// A short write: one statement or a transaction of a few (a run's
    /// row, a lease, a key, a write-back job).
    Short,
    /// A sync's batch, open across pages.
    Batch,
}

/// The writers of one store that wait for its write lock.
#[derive(Debug, Default)]
pub struct WriteQueue {
    short: AtomicUsize,
    batches: AtomicUsize,
    arrived: Notify,
}

/// How many writers wait, by kind: [`WriteQueue::waiting`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WritersWaiting {
    /// Short writes (bookkeeping, the API's writes): an open batch commits
    /// after the page in hand.
    pub short: usize,
    /// Other batches (other shops' syncs): an open batch commits once it
    /// has had its turn.
    pub batches: usize,
}

impl WritersWaiting {
    /// Whether anyone waits.
    pub fn any(&self) -> bool {
        self.short + self.batches > 0
    }
}

impl WriteQueue {
    /// Who waits now.
    pub fn waiting(&self) -> WritersWaiting {
        WritersWaiting { short: self.short.load(Ordering::Acquire), batches: self.batches.load(Ordering::Acquire) }
    }

    /// Completes when a writer starts waiting. Registered once it is
    /// enabled (`Notified::enable`) or first polled: enable it, then check
    /// [`WriteQueue::waiting`], then await it, and no arrival is missed.
    pub fn arrived(&self) -> Notified<'_> {
        self.arrived.notified()
    }

    /// Counts a writer as waiting for `turn` until the returned guard drops
    /// (it holds the lock, or gave up waiting).
    pub(crate) fn wait(&self, turn: Turn) -> Waiting<'_> {
        self.counter(turn).fetch_add(1, Ordering::AcqRel);
        self.arrived.notify_waiters();
        Waiting { queue: self, turn }
    }

    fn counter(&self, turn: Turn) -> &AtomicUsize {
        match turn {
            Turn::Short => &self.short,
            Turn::Batch => &self.batches,
        }
    }
}

/// A writer counted in its queue: [`WriteQueue::wait`].
pub(crate) struct Waiting<'a> {
    queue: &'a WriteQueue,
    turn: Turn,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.queue.counter(self.turn).fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_writer_is_counted_while_it_waits_and_its_arrival_is_heard() {
        let queue = WriteQueue::default();
        let arrived = queue.arrived();
        tokio::pin!(arrived);
        arrived.as_mut().enable();
        assert!(!queue.waiting().any());
        let short = queue.wait(Turn::Short);
        let batch = queue.wait(Turn::Batch);
        assert_eq!(queue.waiting(), WritersWaiting { short: 1, batches: 1 });
        tokio::time::timeout(std::time::Duration::from_secs(5), arrived).await.expect("the arrival is heard");
        drop(short);
        assert_eq!(queue.waiting(), WritersWaiting { short: 0, batches: 1 });
        drop(batch);
        assert!(!queue.waiting().any());
    }
}
