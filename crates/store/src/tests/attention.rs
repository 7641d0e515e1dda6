//! The attention list's contract, on both databases: one item per cause,
//! closed by its cure or by a person, and the facts causes come from.

use super::*;

contract!(
    a_cause_opens_one_item_however_often_and_however_many_sweep,
    an_item_closes_when_its_cause_is_gone_and_a_dismissal_holds_while_it_lasts,
    the_facts_of_causes_clear_with_their_cure,
    openings_and_closings_are_in_the_change_feed_between_order_events,
    an_item_that_turns_critical_is_alerted_again_once,
);

fn cause(key: &str, severity: Severity, reason: &str) -> AttentionCause {
    AttentionCause {
        cause: format!("shop_paused:{key}"),
        kind: "shop_paused",
        severity,
        shop: Some(key.into()),
        platform: Some("shoptima".into()),
        order_id: None,
        reason: reason.into(),
        action: "renew the token".into(),
    }
}

fn open_items() -> AttentionFilter {
    AttentionFilter { open: Some(true), limit: 100, ..AttentionFilter::default() }
}

async fn a_cause_opens_one_item_however_often_and_however_many_sweep(db: &TestDatabase) {
    let store = db.open().await;
    let causes = vec![cause("belment", Severity::Critical, "token refused"), cause("fengxi", Severity::Warning, "x")];
    // Four sweepers at once, as four workers on one database would.
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let (store, causes) = (store.clone(), causes.clone());
            tokio::spawn(async move { store.reconcile_attention(&causes, &["shop_paused"]).await.unwrap() })
        })
        .collect();
    let mut opened = 0;
    for sweep in sweeps {
        opened += sweep.await.unwrap().opened.len();
    }
    assert_eq!(opened, 2);
    let again = store.reconcile_attention(&causes, &["shop_paused"]).await.unwrap();
    assert_eq!((again.opened.len(), again.closed.len()), (0, 0));
    let items = store.attention_items(&open_items()).await.unwrap();
    assert_eq!(items.len(), 2);
    let belment = items.iter().find(|i| i.shop.as_deref() == Some("belment")).unwrap();
    assert_eq!(
        (belment.cause.as_str(), belment.kind.as_str(), belment.severity, belment.reason.as_str()),
        ("shop_paused:belment", "shop_paused", Severity::Critical, "token refused")
    );
    assert!(belment.is_open() && belment.opened_at <= Timestamp::now());
    // The same cause in other words: the item says so, and stays one item.
    let worse = vec![cause("belment", Severity::Critical, "token expired"), causes[1].clone()];
    store.reconcile_attention(&worse, &["shop_paused"]).await.unwrap();
    let shown = store.attention_item(belment.id).await.unwrap().unwrap();
    assert_eq!((shown.reason.as_str(), shown.opened_at), ("token expired", belment.opened_at));
    // Filters and counts.
    let critical = AttentionFilter { severity: Some(Severity::Critical), ..open_items() };
    assert_eq!(store.attention_items(&critical).await.unwrap().len(), 1);
    let fengxi = AttentionFilter { shop: Some("fengxi".into()), ..open_items() };
    assert_eq!(store.attention_items(&fengxi).await.unwrap()[0].severity, Severity::Warning);
    let mut counts = store.open_attention_counts().await.unwrap();
    counts.sort_by_key(|(_, severity, _)| severity.as_str());
    assert_eq!(
        counts,
        [("shop_paused".to_string(), Severity::Critical, 1), ("shop_paused".to_string(), Severity::Warning, 1)]
    );
}

async fn an_item_closes_when_its_cause_is_gone_and_a_dismissal_holds_while_it_lasts(db: &TestDatabase) {
    let store = db.open().await;
    let paused = cause("belment", Severity::Critical, "token refused");
    let other_kind = AttentionCause { cause: "later_kind:x".into(), kind: "later_kind", ..paused.clone() };
    store.reconcile_attention(&[paused.clone(), other_kind], &["shop_paused", "later_kind"]).await.unwrap();
    // Only the kinds swept close: an item of another kind is left alone.
    let done = store.reconcile_attention(&[], &["shop_paused"]).await.unwrap();
    assert_eq!(done.closed.len(), 1);
    let closed = &done.closed[0];
    assert_eq!(closed.cause, "shop_paused:belment");
    assert!(closed.cleared_at.is_some() && !closed.is_open());
    let open = store.attention_items(&open_items()).await.unwrap();
    assert_eq!(open.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>(), ["later_kind"]);

    // The cause comes back: a new item. A person dismisses it; it stays
    // closed while the cause lasts, and one that clears and returns opens anew.
    let reopened = store.reconcile_attention(std::slice::from_ref(&paused), &["shop_paused"]).await.unwrap();
    let item = reopened.opened[0].clone();
    assert_ne!(item.id, closed.id);
    let dismissed = store.dismiss_attention(item.id, "key:ops", "token renewed by hand").await.unwrap().unwrap();
    assert_eq!(
        (dismissed.dismissed_by.as_deref(), dismissed.note.as_deref(), dismissed.is_open()),
        (Some("key:ops"), Some("token renewed by hand"), false)
    );
    assert!(store.dismiss_attention(item.id, "key:ops", "again").await.unwrap().is_none(), "dismissed once");
    assert!(store.dismiss_attention(9_999, "key:ops", "none").await.unwrap().is_none());
    let still = store.reconcile_attention(std::slice::from_ref(&paused), &["shop_paused"]).await.unwrap();
    assert_eq!(still.opened.len(), 0, "a dismissed item is not opened again while its cause lasts");
    store.reconcile_attention(&[], &["shop_paused"]).await.unwrap();
    let cleared = store.attention_item(item.id).await.unwrap().unwrap();
    assert!(cleared.cleared_at.is_some() && cleared.dismissed_at.is_some());
    let returned = store.reconcile_attention(&[paused], &["shop_paused"]).await.unwrap();
    assert_eq!(returned.opened.len(), 1);
    let closed_only = AttentionFilter { open: Some(false), limit: 100, ..AttentionFilter::default() };
    assert_eq!(store.attention_items(&closed_only).await.unwrap().len(), 2);
    let all = AttentionFilter { limit: 2, ..AttentionFilter::default() };
    let newest = store.attention_items(&all).await.unwrap();
    assert_eq!(newest[0].id, returned.opened[0].id, "newest first");
    let next = AttentionFilter { before_id: Some(newest[1].id), ..all };
    assert!(store.attention_items(&next).await.unwrap().iter().all(|i| i.id < newest[1].id));
}

async fn the_facts_of_causes_clear_with_their_cure(db: &TestDatabase) {
    let store = db.open().await;
    // Paused shops, with their reason.
    store.pause_shop("belment", "shoptima error 40001: token expired").await.unwrap();
    let paused = store.paused_shops().await.unwrap();
    assert_eq!(
        (paused[0].shop.as_str(), paused[0].reason.as_str()),
        ("belment", "shoptima error 40001: token expired")
    );
    store.resume_shop("belment").await.unwrap();
    assert!(store.paused_shops().await.unwrap().is_empty());

    // Sync ages: never tried, tried and failed, synced.
    let never = store.sync_age("belment").await.unwrap();
    assert_eq!((never.last_ok_at, never.first_run_at, never.last_error), (None, None, None));
    let run = |id, outcome: &str, error: Option<&str>| SyncRun {
        id,
        shop: "belment".into(),
        outcome: outcome.into(),
        error: error.map(str::to_string),
        ..SyncRun::default()
    };
    let failed = store.start_run("belment").await.unwrap();
    store.finish_run(&run(failed, "failed", Some("platform down"))).await.unwrap();
    let tried = store.sync_age("belment").await.unwrap();
    assert_eq!((tried.last_ok_at, tried.last_error.as_deref()), (None, Some("platform down")));
    assert!(tried.first_run_at.is_some());
    let ok = store.start_run("belment").await.unwrap();
    store.finish_run(&run(ok, "ok", None)).await.unwrap();
    let synced = store.sync_age("belment").await.unwrap();
    assert!(synced.last_ok_at.is_some() && synced.last_error.is_none());

    // An order that could not be read, until it is stored.
    let bad = BadRecord { order_number: Some("N1".into()), error: "no total".into(), raw: json!({"order_sn": "N1"}) };
    store.write_batch("belment", &[], std::slice::from_ref(&bad), None).await.unwrap();
    let unread = store.unread_orders().await.unwrap();
    assert_eq!((unread[0].shop.as_str(), unread[0].order_number.as_str()), ("belment", "N1"));
    assert_eq!(unread[0].error, "no total");
    store.write_batch("belment", &[order("N1", 1_590_081_600)], &[], None).await.unwrap();
    assert!(store.unread_orders().await.unwrap().is_empty(), "read since");

    // A refused write-back, until a later one of its order and kind is done.
    let ship = NewOutboxJob {
        kind: OutboxKind::Ship,
        order_id: "o1".into(),
        shop: "belment".into(),
        request: json!({"tracking_number": "SF1", "carrier_code": "XX"}),
        idempotency_key: None,
    };
    let Enqueued::New(first) = store.enqueue(&ship).await.unwrap() else { panic!("new") };
    store.claim_job(60_000).await.unwrap().unwrap();
    store.finish_job(first.id, "failed", None, Some("carrier XX unknown")).await.unwrap();
    let failed = store.failed_writebacks().await.unwrap();
    assert_eq!((failed[0].id, failed[0].error.as_deref()), (first.id, Some("carrier XX unknown")));
    let Enqueued::New(second) = store.enqueue(&ship).await.unwrap() else { panic!("a second after a failed one") };
    assert_eq!(store.failed_writebacks().await.unwrap().len(), 1, "still failed while the next is pending");
    store.claim_job(60_000).await.unwrap().unwrap();
    store.finish_job(second.id, "done", Some(&json!({"ok": true})), None).await.unwrap();
    assert!(store.failed_writebacks().await.unwrap().is_empty());
}

async fn openings_and_closings_are_in_the_change_feed_between_order_events(db: &TestDatabase) {
    let store = db.open().await;
    store.write_batch("belment", &[order("A1", 1_590_081_600)], &[], None).await.unwrap();
    let paused = cause("belment", Severity::Critical, "token refused");
    let stalled = AttentionCause {
        cause: "shop_stalled:fengxi".into(),
        kind: "shop_stalled",
        ..cause("fengxi", Severity::Warning, "late")
    };
    let kinds = ["shop_paused", "shop_stalled"];
    let opened = store.reconcile_attention(&[paused, stalled], &kinds).await.unwrap().opened;
    store.write_batch("belment", &[order("A2", 1_590_081_600)], &[], None).await.unwrap();
    let belment = opened.iter().find(|item| item.shop.as_deref() == Some("belment")).unwrap();
    store.dismiss_attention(belment.id, "key:ops", "renewing").await.unwrap().unwrap();
    // Both causes clear: fengxi's item closes now; belment's closed when it was dismissed.
    store.reconcile_attention(&[], &kinds).await.unwrap();
    store.write_batch("belment", &[order("A3", 1_590_081_600)], &[], None).await.unwrap();

    let feed = store.events_after(0, 100).await.unwrap();
    let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>(), "one sequence in commit order, no gaps, no repeats");
    let told: Vec<(&str, &str)> = feed.iter().map(|e| (e.kind.as_str(), e.shop.as_str())).collect();
    assert_eq!(
        told,
        [
            ("created", "belment"),
            ("attention.opened", "belment"),
            ("attention.opened", "fengxi"),
            ("created", "belment"),
            ("attention.closed", "belment"),
            ("attention.closed", "fengxi"),
            ("created", "belment"),
        ]
    );
    // Each attention event carries the item as it was then.
    let item = |n: usize| feed[n].attention.as_ref().unwrap();
    assert!(item(1).is_open() && item(1).id == belment.id, "opened: open then, though dismissed since");
    assert_eq!((item(4).dismissed_by.as_deref(), item(4).note.as_deref()), (Some("key:ops"), Some("renewing")));
    assert!(item(5).cleared_at.is_some() && item(5).dismissed_at.is_none());
    assert_eq!((feed[1].platform.as_deref(), feed[1].order_id.as_deref()), (Some("shoptima"), None));
    assert!(feed[1].changes.is_empty() && feed[1].order_number.is_none() && feed[0].attention.is_none());

    // Read a page at a time from any number, the feed is the same.
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = store.events_after(after, 2).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        paged.extend(page.iter().map(|e| e.seq));
    }
    assert_eq!(paged, seqs);
    assert_eq!(store.last_event_seq().await.unwrap(), 7);
    assert_eq!(store.webhook_state("erp").await.unwrap().delivered_seq, 7, "a new webhook starts at the end");
}

async fn an_item_that_turns_critical_is_alerted_again_once(db: &TestDatabase) {
    let store = db.open().await;
    let late = |severity| AttentionCause {
        cause: "ship_deadline:o1".into(),
        kind: "ship_deadline",
        order_id: Some("o1".into()),
        ..cause("belment", severity, "must ship by noon")
    };
    let every = [Severity::Critical, Severity::Warning];
    store.reconcile_attention(&[late(Severity::Warning)], &["ship_deadline"]).await.unwrap();
    let unsent = store.unalerted_items("chat", &[], &every, 100).await.unwrap();
    assert_eq!(unsent.len(), 1);
    store.mark_alerted("chat", &unsent).await.unwrap();
    assert!(store.unalerted_items("chat", &[], &every, 100).await.unwrap().is_empty());
    // The deadline passes: the same item, critical now, raised now, is due once more.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store.reconcile_attention(&[late(Severity::Critical)], &["ship_deadline"]).await.unwrap();
    let again = store.unalerted_items("chat", &[], &every, 100).await.unwrap();
    assert_eq!((again.len(), again[0].id, again[0].severity), (1, unsent[0].id, Severity::Critical));
    assert!(again[0].raised_at > unsent[0].raised_at && again[0].opened_at == unsent[0].opened_at);
    let only_critical = store.unalerted_items("pager", &[], &[Severity::Critical], 100).await.unwrap();
    assert_eq!(only_critical.len(), 1, "an alert for critical items only is sent it once, now");
    store.mark_alerted("chat", &again).await.unwrap();
    assert!(store.unalerted_items("chat", &[], &every, 100).await.unwrap().is_empty());
    store.reconcile_attention(&[late(Severity::Critical)], &["ship_deadline"]).await.unwrap();
    assert!(store.unalerted_items("chat", &[], &every, 100).await.unwrap().is_empty(), "once");
}
