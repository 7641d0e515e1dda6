//! Supplier links a person has to settle: a purchase whose `seller_order_no`
//! names a number that two stored shop orders have (never guessed), or that
//! none has an hour after the purchase arrived (the shop order may just not
//! be synced yet, so a fresh one is not reported).

use super::{LINK_UNRESOLVED, words};
use jiff::{SignedDuration, Timestamp};
use orderhub_store::{AttentionCause, Severity, UnresolvedLink};

/// How long a purchase may name a number no stored order has before a
/// person is told: the shop order is normally synced well within it.
pub const DANGLING_AFTER: SignedDuration = SignedDuration::from_hours(1);

/// Unresolved links looked at in one sweep.
pub(super) const MOST_LINKS: i64 = 5_000;

/// The cause an unresolved link is, if it is one yet.
pub(super) fn link_unresolved(link: &UnresolvedLink, now: Timestamp) -> Option<AttentionCause> {
    let (purchase, number, shop) = (&link.purchase_id, &link.number, &link.shop);
    let (reason, action) = match link.candidates.as_slice() {
        [] if now.duration_since(link.since) < DANGLING_AFTER => return None,
        [] => (
            format!(
                "Purchase {purchase} of supplier shop {shop} names shop order {number} (平台订单号), which no \
                 stored order has, {} after it arrived. It is not linked, and its tracking cannot reach a shop.",
                words(now.duration_since(link.since))
            ),
            format!(
                "If the order is on a shop not synced yet, fetch it (`orderhub fetch --shop SHOP {number}`); \
                 otherwise correct the 平台订单号 at the supplier. The item closes once the link is made."
            ),
        ),
        [_] => return None,
        several => (
            format!(
                "Purchase {purchase} of supplier shop {shop} names shop order {number} (平台订单号), which {} \
                 stored orders have: {}. It is not linked to either, and its tracking is not forwarded.",
                several.len(),
                several.join(", ")
            ),
            "Ship the right shop order by hand (its page, `orderhub ship`, or the API), and limit the supplier \
             shop's `fulfils` to the shops it supplies, or correct the 平台订单号 at the supplier."
                .to_string(),
        ),
    };
    Some(AttentionCause {
        cause: format!("{LINK_UNRESOLVED}:{purchase}:{number}"),
        kind: LINK_UNRESOLVED,
        severity: Severity::Warning,
        shop: Some(shop.clone()),
        platform: None,
        order_id: Some(purchase.clone()),
        reason,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(candidates: &[&str], arrived_ago: i64, now: Timestamp) -> UnresolvedLink {
        UnresolvedLink {
            purchase_id: "westmonth:westmoon:P-1".into(),
            shop: "westmoon".into(),
            number: "S-1".into(),
            since: now.checked_sub(SignedDuration::from_secs(arrived_ago)).unwrap(),
            candidates: candidates.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn a_dangling_number_waits_an_hour_and_an_ambiguous_one_is_told_at_once() {
        let now: Timestamp = "2026-12-07T12:00:00Z".parse().unwrap();
        assert_eq!(link_unresolved(&link(&[], 3_599, now), now), None, "the shop order may not be synced yet");
        let dangling = link_unresolved(&link(&[], 3_600, now), now).unwrap();
        assert_eq!(dangling.cause, "link_unresolved:westmonth:westmoon:P-1:S-1");
        assert!(dangling.reason.contains("which no stored order has, 1 h 0 min after"), "{}", dangling.reason);
        assert!(dangling.action.contains("orderhub fetch --shop SHOP S-1"));
        let ambiguous = link_unresolved(&link(&["shoptima:a:S-1", "wshoto:b:S-1"], 0, now), now).unwrap();
        assert!(ambiguous.reason.contains("which 2 stored orders have: shoptima:a:S-1, wshoto:b:S-1"));
        assert_eq!(ambiguous.order_id.as_deref(), Some("westmonth:westmoon:P-1"));
        assert_eq!(link_unresolved(&link(&["shoptima:a:S-1"], 9_999, now), now), None, "one is a link");
    }
}
