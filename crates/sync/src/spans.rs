//! How a long window is split into spans read at the same time, and how far
//! its cursor may move while they are read.
//!
//! Spans split a window by time, so each is a window of its own: its pages
//! are asked for by number within it, it is read again on its own when its
//! listing shifts, and once it is read in full (and every span before it
//! is) the stream's cursor moves to its end. A crash then repeats at most
//! the spans in flight, not the whole first sync.
//!
//! How many spans follows what the first page of the window told:
//! - a platform that gives totals needs no spans for speed (its pages are
//!   asked for at once by number); a window of more than twice
//!   [`PAGES_PER_SPAN`] pages is split for the cursor's sake, into spans of
//!   about that many pages (a smaller one is read in well under a minute,
//!   and spans cost calls);
//! - a platform that gives none (Westmonth) reads each span page after page,
//!   so spans are what it reads at the same time: [`SPANS_PER_LANE`] for
//!   each of the shop's lanes, so that lanes whose spans end early find
//!   another, once a page far into the window shows it holds
//!   [`MIN_PAGES_A_SPAN`] pages for each. Only
//!   windows of at least [`LONG_WINDOW`] are split: a run's routine window
//!   (the overlap and the minutes since the last run) reads one page or a
//!   few, and every span costs a call of its own.
//!
//! Each span's last page is partly empty, so spans cost calls: for a window
//! of n full pages split into k spans, at most n + k calls instead of n + 1.

use jiff::{SignedDuration, Timestamp};
use orderhub_connectors::{ListBy, ListQuery, OrderPage};
use orderhub_model::Order;

/// One window of one listing partition, both bounds inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) from: Timestamp,
    pub(crate) to: Timestamp,
    pub(crate) partition: usize,
    pub(crate) list_by: ListBy,
}

impl Window {
    /// The query of the window's page `page` (from 1).
    pub(crate) fn query(&self, page: u32) -> ListQuery {
        ListQuery { from: self.from, to: self.to, partition: self.partition, page }
    }

    /// An order's time as this window's listing orders it.
    pub(crate) fn time_of(&self, order: &Order) -> Option<Timestamp> {
        match self.list_by {
            ListBy::CreatedTime => order.created_at,
            ListBy::UpdatedTime => order.updated_at.or(order.created_at),
        }
    }

    /// Whether the window is long enough to be split where the platform
    /// counts no orders ([`LONG_WINDOW`]).
    pub(crate) fn is_long(&self) -> bool {
        self.to.duration_since(self.from) >= LONG_WINDOW
    }

    /// `count` spans of about equal length covering the window, each
    /// starting where the one before it ends (an order stamped on a
    /// boundary is read by both: no platform's precision can lose it). No
    /// span is shorter than a second: a window of a few seconds has fewer.
    pub(crate) fn split(&self, count: usize) -> Vec<Window> {
        let seconds = self.to.duration_since(self.from).as_secs().max(0);
        let count = (count as i64).clamp(1, seconds.max(1));
        let step = SignedDuration::from_secs(seconds / count);
        let mut spans = Vec::with_capacity(count as usize);
        let mut from = self.from;
        for _ in 1..count {
            let to = from.checked_add(step).unwrap_or(self.to).min(self.to);
            spans.push(Window { from, to, ..*self });
            from = to;
        }
        spans.push(Window { from, to: self.to, ..*self });
        spans
    }
}

/// Pages a span holds, about, where the platform gives totals.
pub(crate) const PAGES_PER_SPAN: u64 = 100;

/// A window is split into at most this many spans.
pub(crate) const MAX_SPANS: usize = 64;

/// Spans of a window without totals, for each lane. More spans end the
/// read more evenly (the last span read alone is shorter); each costs
/// a partly empty last page.
pub(crate) const SPANS_PER_LANE: usize = 2;

/// A window without totals is split only if it holds this many pages for
/// each span (its page that far in has orders): every span costs a partly
/// empty page, and a window of a few pages is read soon enough whole.
pub(crate) const MIN_PAGES_A_SPAN: u32 = 4;

/// Windows without totals shorter than this are read whole.
pub(crate) const LONG_WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// The spans `window` is read in, given its `first` page, the `earliest`
/// time (of the window's listing) of an order on it, and the shop's
/// `lanes`: the window itself when it is short or fits a page.
///
/// A window often starts long before its first order (a first sync from
/// a `sync_from` years back): spans of equal length would be empty but
/// one. The first page's earliest order marks where the orders start,
/// about, unless the page lists the newest first (then `earliest` is
/// `None`): the time from there is split, and the time before it is one
/// span of its own (empty, or a few orders the page did not hold).
pub(crate) fn plan(window: Window, first: &OrderPage, earliest: Option<Timestamp>, lanes: usize) -> Vec<Window> {
    if first.last_page() {
        return vec![window];
    }
    let count = match first.pages_after {
        Some(after) => {
            let pages = after.saturating_add(1);
            if pages <= 2 * PAGES_PER_SPAN {
                return vec![window];
            }
            usize::try_from(pages.div_ceil(PAGES_PER_SPAN)).unwrap_or(MAX_SPANS)
        }
        None if !window.is_long() => return vec![window],
        None => uncounted_spans(lanes),
    };
    let count = count.min(MAX_SPANS);
    match earliest.filter(|at| *at > window.from && *at < window.to) {
        Some(at) if at.duration_since(window.from) >= window.to.duration_since(at) / count as i32 => {
            let mut spans = vec![Window { to: at, ..window }];
            spans.extend(Window { from: at, ..window }.split(count));
            spans
        }
        _ => window.split(count),
    }
}

/// How many spans a long window whose answers carry no total is read in:
/// [`SPANS_PER_LANE`] for each of the shop's `lanes`.
pub(crate) fn uncounted_spans(lanes: usize) -> usize {
    lanes.saturating_mul(SPANS_PER_LANE).min(MAX_SPANS)
}

/// Which spans of a window are read in full, and so how far its cursor
/// may move: over the spans read in full, in time order, and no further
/// than the first span that is not (one still read, or one whose listing
/// kept shifting: the next run reads it again).
#[derive(Debug)]
pub(crate) struct Ledger {
    settled: Vec<bool>,
    /// The spans before this one are all read in full.
    prefix: usize,
}

impl Ledger {
    pub(crate) fn new(spans: usize) -> Ledger {
        Ledger { settled: vec![false; spans], prefix: 0 }
    }

    /// Notes span `index` read in full. Returns the last span of the run
    /// of spans read in full from the window's start, if that run grew.
    pub(crate) fn settle(&mut self, index: usize) -> Option<usize> {
        self.settled[index] = true;
        let before = self.prefix;
        while self.settled.get(self.prefix).copied().unwrap_or(false) {
            self.prefix += 1;
        }
        (self.prefix > before).then(|| self.prefix - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(hours: i64) -> Window {
        let to: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let from = to.checked_sub(SignedDuration::from_hours(hours)).unwrap();
        Window { from, to, partition: 0, list_by: ListBy::UpdatedTime }
    }

    fn page(pages_after: Option<u64>) -> OrderPage {
        OrderPage { orders: Vec::new(), pages_after, total: None }
    }

    #[test]
    fn spans_cover_the_window_end_to_start_with_no_gap() {
        let whole = window(24 * 30);
        for count in [1, 2, 3, 7, 64] {
            let spans = whole.split(count);
            assert_eq!(spans.len(), count);
            assert_eq!(spans[0].from, whole.from);
            assert_eq!(spans.last().unwrap().to, whole.to);
            for pair in spans.windows(2) {
                assert_eq!(pair[0].to, pair[1].from, "{pair:?}");
                assert!(pair[0].from < pair[0].to);
            }
        }
        // Three seconds hold three spans at most, each a second long.
        let short = Window { from: whole.to.checked_sub(SignedDuration::from_secs(3)).unwrap(), ..whole };
        assert_eq!(short.split(8).len(), 3);
        assert_eq!(Window { from: whole.to, ..whole }.split(8), vec![Window { from: whole.to, ..whole }]);
    }

    #[test]
    fn only_long_windows_are_split() {
        let whole = window(24 * 30);
        assert_eq!(plan(whole, &page(Some(0)), None, 4), vec![whole]);
        assert_eq!(plan(whole, &page(Some(2 * PAGES_PER_SPAN - 1)), None, 4), vec![whole]);
        assert_eq!(plan(whole, &page(Some(2 * PAGES_PER_SPAN)), None, 4).len(), 3);
        assert_eq!(plan(whole, &page(Some(999)), None, 16).len(), 10);
        assert_eq!(plan(whole, &page(Some(1_000_000)), None, 4).len(), MAX_SPANS);
        // Without totals: by the lanes, and only a long window.
        assert_eq!(plan(whole, &page(None), None, 4).len(), 4 * SPANS_PER_LANE);
        assert_eq!(plan(whole, &page(None), None, 16).len(), (16 * SPANS_PER_LANE).min(MAX_SPANS));
        assert_eq!(plan(window(0), &page(None), None, 4).len(), 1);
    }

    #[test]
    fn the_time_before_the_first_orders_is_one_span() {
        // Thirty days, the orders in the last ten: the first twenty are one
        // span, the last ten are split.
        let whole = window(24 * 30);
        let earliest = whole.to.checked_sub(SignedDuration::from_hours(24 * 10)).unwrap();
        let spans = plan(whole, &page(None), Some(earliest), 4);
        assert_eq!(spans.len(), 1 + 4 * SPANS_PER_LANE);
        assert_eq!((spans[0].from, spans[0].to), (whole.from, earliest));
        assert_eq!((spans[1].from, spans.last().unwrap().to), (earliest, whole.to));
        // Orders from the window's first day on: no span of their own for the time before.
        let early = whole.from.checked_add(SignedDuration::from_hours(1)).unwrap();
        assert_eq!(plan(whole, &page(None), Some(early), 4), whole.split(4 * SPANS_PER_LANE));
    }

    #[test]
    fn the_cursor_moves_over_spans_read_in_full_in_order() {
        let mut ledger = Ledger::new(4);
        assert_eq!(ledger.settle(1), None);
        assert_eq!(ledger.settle(3), None);
        assert_eq!(ledger.settle(0), Some(1));
        assert_eq!(ledger.settle(2), Some(3));
    }
}
