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

    /// How many pages follow page `index` (0-based), which held `len` orders
    /// of `total` (none: the platform gave no total, so a page is taken as the
    /// last); 0 when it is the last. A short page while more remain teaches
    /// the size the platform serves.
    pub fn pages_after(&self, index: u64, len: u64, total: Option<u64>) -> u64 {
        if index == 0 {
            // A new listing: what an earlier one learned may not hold any more.
            self.served.store(self.asked, Ordering::Relaxed);
        }
        let Some(total) = total else { return 0 };
        if len == 0 {
            return 0;
        }
        let mut size = u64::from(self.served.load(Ordering::Relaxed));
        if index * size + len >= total {
            return 0;
        }
        if len < size {
            // Short, yet more remain: the platform's pages hold `len`. If instead
            // orders left the listing while it was paged, reckoning with the
            // smaller size only costs one more (empty) page, never an order.
            self.served.store(len as u32, Ordering::Relaxed);
            size = len;
        }
        // At least one: more remain, whatever the sizes say of where this page began.
        total.saturating_sub((index + 1) * size).div_ceil(size).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_platform_is_paged_to_the_end() {
        let pages = ServedPageSize::new(100);
        // 700 orders served 30 a page: pages 0..=22 hold 30, page 23 holds 10.
        let after: Vec<u64> = (0..24).map(|i| pages.pages_after(i, if i < 23 { 30 } else { 10 }, Some(700))).collect();
        // The first page teaches the size: 23 pages follow it, then one fewer each page.
        assert_eq!(after, (0..24).rev().collect::<Vec<u64>>());
    }

    #[test]
    fn a_platform_serving_what_was_asked_ends_where_the_total_says() {
        let pages = ServedPageSize::new(100);
        assert_eq!(pages.pages_after(0, 100, Some(250)), 2);
        assert_eq!(pages.pages_after(1, 100, Some(250)), 1);
        assert_eq!(pages.pages_after(2, 50, Some(250)), 0);
        assert_eq!(pages.pages_after(0, 0, Some(0)), 0);
        assert_eq!(pages.pages_after(0, 100, None), 0, "no total: one page");
        // The next listing starts from the size asked again.
        assert_eq!(pages.pages_after(0, 30, Some(700)), 23);
        assert_eq!(pages.pages_after(0, 100, Some(700)), 6);
        assert_eq!(pages.pages_after(6, 100, Some(700)), 0);
        // A short page where more remain teaches its size, and what follows
        // is reckoned in pages of it: too many at worst (empty pages, or
        // orders read twice), never too few.
        assert_eq!(pages.pages_after(0, 100, Some(700)), 6);
        assert_eq!(pages.pages_after(3, 40, Some(700)), 14);
        assert_eq!(pages.pages_after(4, 40, Some(700)), 13);
    }
}
