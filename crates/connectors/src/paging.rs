//! The page size a platform really serves. A platform may serve fewer orders
//! per page than asked (a cap lower than its document says, or lowered under
//! load) and number its pages by that size. Where it gives a total but not the
//! size it used, "is this the last page" must be reckoned with the size served,
//! or the sync stops early and orders go missing.

use std::sync::atomic::{AtomicU32, Ordering};

/// The page size learned from a listing's answers; starts at the size asked.
#[derive(Debug)]
pub struct ServedPageSize {
    asked: u32,
    served: AtomicU32,
}

impl ServedPageSize {
    pub fn new(asked: u32) -> Self {
        ServedPageSize { asked, served: AtomicU32::new(asked) }
    }

    /// The size to ask for.
    pub fn asked(&self) -> u32 {
        self.asked
    }

    /// Whether page `index` (0-based), which held `len` orders, is the last of
    /// `total` (none: the platform gave no total, so a page is taken as the last).
    /// A short page while more remain teaches the size the platform serves.
    pub fn is_last(&self, index: u64, len: u64, total: Option<u64>) -> bool {
        if index == 0 {
            // A new listing: what an earlier one learned may not hold any more.
            self.served.store(self.asked, Ordering::Relaxed);
        }
        let Some(total) = total else { return true };
        if len == 0 {
            return true;
        }
        let size = u64::from(self.served.load(Ordering::Relaxed));
        if index * size + len >= total {
            return true;
        }
        if len < size {
            // Short, yet more remain: the platform's pages hold `len`. If instead
            // orders left the listing while it was paged, reckoning with the
            // smaller size only costs one more (empty) page, never an order.
            self.served.store(len as u32, Ordering::Relaxed);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_platform_is_paged_to_the_end() {
        let pages = ServedPageSize::new(100);
        // 700 orders served 30 a page: pages 0..=22 hold 30, page 23 holds 10.
        let last: Vec<u64> = (0..24).filter(|&i| pages.is_last(i, if i < 23 { 30 } else { 10 }, Some(700))).collect();
        assert_eq!(last, [23]);
    }

    #[test]
    fn a_platform_serving_what_was_asked_ends_where_the_total_says() {
        let pages = ServedPageSize::new(100);
        assert!(!pages.is_last(0, 100, Some(250)));
        assert!(!pages.is_last(1, 100, Some(250)));
        assert!(pages.is_last(2, 50, Some(250)));
        assert!(pages.is_last(0, 0, Some(0)));
        assert!(pages.is_last(0, 100, None), "no total: one page");
        // The next listing starts from the size asked again.
        assert!(!pages.is_last(0, 30, Some(700)));
        assert!(!pages.is_last(0, 100, Some(700)));
        assert!(pages.is_last(6, 100, Some(700)));
    }
}
