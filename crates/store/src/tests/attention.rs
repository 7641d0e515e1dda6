//! The attention list's contract, on both databases: one item per cause,
//! closed by its cure or by a person, and the facts causes come from.

use super::*;

contract!(
    a_cause_opens_one_item_however_often_and_however_many_sweep,
    an_item_closes_when_its_cause_is_gone_and_a_dismissal_holds_while_it_lasts,
    the_facts_of_causes_clear_with_their_cure,
);

fn cause(key: &str, severity: Severity, reason: &str) -> AttentionCause {
    AttentionCause {
        cause: format!("shop_paused:{key}"),
        kind: "shop_paused",
        severity,
        shop: Some(key.into()),
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
