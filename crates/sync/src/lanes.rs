//! A shop's list requests in flight: at most its `max_in_flight` at once,
//! and all of them held back together while the platform asks for calm.
//!
//! Why lanes and not only the rate limit: a platform across the internet
//! answers in a few hundred milliseconds whatever its rate limit, so a
//! sync that waits for each answer before it asks again runs at a few
//! requests per second although the platform would take more. The rate
//! limit (in the shop's HTTP client) stays the hard cap: a request takes
//! its lane first, then waits for the limiter.
//!
//! Why together: a 429 or a busy code answers for the whole shop, not for
//! the one request that received it. Each lane retrying on its own
//! schedule would keep the platform as busy as before.

use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// The largest `max_in_flight` a shop may set.
pub const MAX_IN_FLIGHT: usize = 32;

/// The `max_in_flight` of a shop that sets none.
pub const DEFAULT_IN_FLIGHT: usize = 4;

/// The lanes of one shop's run.
#[derive(Debug)]
pub(crate) struct Lanes {
    permits: Semaphore,
    size: usize,
    /// No request is sent before this instant (the platform said it is busy).
    calm_until: Mutex<Option<Instant>>,
}

impl Lanes {
    /// `size` lanes, at least one and at most [`MAX_IN_FLIGHT`].
    pub(crate) fn new(size: usize) -> Lanes {
        let size = size.clamp(1, MAX_IN_FLIGHT);
        Lanes { permits: Semaphore::new(size), size, calm_until: Mutex::new(None) }
    }

    /// How many requests may be in flight at once.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Waits for a free lane, then for the end of any calm the platform
    /// asked for. The request holds the lane until the permit drops.
    pub(crate) async fn enter(&self) -> SemaphorePermit<'_> {
        let permit = self.permits.acquire().await.expect("the lanes' semaphore is never closed");
        loop {
            let until = *self.calm_until.lock().expect("the calm lock is never poisoned");
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return permit,
            }
        }
    }

    /// Holds every lane back for `span` from now (or longer, if an earlier
    /// busy answer asked for more).
    pub(crate) fn calm_for(&self, span: Duration) {
        let until = Instant::now() + span;
        let mut calm = self.calm_until.lock().expect("the calm lock is never poisoned");
        if calm.is_none_or(|current| current < until) {
            *calm = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn no_more_than_size_requests_hold_a_lane() {
        let lanes = Arc::new(Lanes::new(3));
        let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (lanes, inside, most) = (lanes.clone(), inside.clone(), most.clone());
                tokio::spawn(async move {
                    let _lane = lanes.enter().await;
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_calm_holds_every_lane_back() {
        let lanes = Lanes::new(4);
        let start = Instant::now();
        lanes.calm_for(Duration::from_millis(500));
        lanes.calm_for(Duration::from_millis(200));
        let _first = lanes.enter().await;
        let _second = lanes.enter().await;
        assert!(start.elapsed() >= Duration::from_millis(500), "{:?}", start.elapsed());
        assert_eq!(Lanes::new(0).size(), 1);
        assert_eq!(Lanes::new(99).size(), MAX_IN_FLIGHT);
    }
}
