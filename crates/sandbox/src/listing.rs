//! The orders a listing's filters keep, remembered between its pages.
//!
//! A client pages through one listing with the same filters page after page.
//! Counting the matches (for `total`) and skipping to the page's offset walk the
//! whole time window on every page: for a shop of 1,000,000 orders that is
//! 10,000 pages × 1,000,000 entries, and it made the simulators slower per order
//! the larger the shop. Remembering the kept positions makes every later page a
//! slice. The owner forgets them whenever an order changes, exactly when it
//! drops its sorted indexes, so a page never shows a stale selection.

use std::collections::VecDeque;

/// How many listings (distinct filter sets) are remembered at once: a sync
/// pages through one or two at a time; a few more cover tests that interleave.
const REMEMBERED: usize = 4;

/// Kept positions for the most recent listings, keyed by their filters
/// (everything in the request except the page).
#[derive(Debug)]
pub(crate) struct KeptPositions<K> {
    recent: VecDeque<(K, Vec<u32>)>,
}

impl<K> Default for KeptPositions<K> {
    fn default() -> Self {
        KeptPositions { recent: VecDeque::new() }
    }
}

impl<K: PartialEq> KeptPositions<K> {
    /// The positions kept for `filters`, in listing order, computed by `select`
    /// the first time they are asked for since the last change.
    pub(crate) fn get(&mut self, filters: K, select: impl FnOnce() -> Vec<u32>) -> &[u32] {
        let at = match self.recent.iter().position(|(k, _)| *k == filters) {
            Some(at) => at,
            None => {
                if self.recent.len() == REMEMBERED {
                    self.recent.pop_front();
                }
                self.recent.push_back((filters, select()));
                self.recent.len() - 1
            }
        };
        &self.recent[at].1
    }

    /// Forgets every selection: an order changed.
    pub(crate) fn clear(&mut self) {
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_is_computed_once_until_cleared_and_the_oldest_is_dropped_first() {
        let mut kept = KeptPositions::default();
        let mut computed = 0;
        for _ in 0..3 {
            let positions = kept.get(1, || {
                computed += 1;
                vec![3, 5]
            });
            assert_eq!(positions, &[3, 5]);
        }
        assert_eq!(computed, 1);
        for filters in 2..=REMEMBERED as i32 + 1 {
            kept.get(filters, || vec![filters as u32]);
        }
        // Filters 1 was the oldest of five: computed again.
        kept.get(1, || {
            computed += 1;
            vec![3, 5]
        });
        assert_eq!(computed, 2);
        kept.clear();
        assert_eq!(kept.get(1, || vec![7]), &[7]);
    }
}
