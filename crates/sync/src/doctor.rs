//! A shop checked with one cheap call before it is trusted with a sync
//! (`orderhub doctor`, the dashboard's Check button): does the platform
//! answer, does it take the token, and does its clock agree with ours.
//!
//! The call is the one a run makes first anyway: an empty window at now on a
//! platform that lists, a lookup of a number no order has on one that only
//! looks up (VanMall). It is made once, without the sync's retries, so that
//! what fails is said as it is.

use orderhub_connectors::{Connector, ConnectorError, ErrorKind, ListQuery};
use serde::Serialize;
use std::time::{Duration, Instant};

/// A platform clock further than this from ours fails the check. Syncs read
/// windows on the platform's clock, so they stay whole; but the times a
/// person compares (an order's `updated_at` against this machine's logs)
/// disagree, and so would anything else on this machine that trusts its
/// clock, which is the usual culprit.
pub const CLOCK_TOLERANCE: Duration = Duration::from_secs(60);

/// The order number looked up on platforms without a list: no order has it.
const NO_SUCH_ORDER: &str = "orderhub-doctor-probe";

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// What was checked: `platform`, `token`, `clock`.
    pub check: &'static str,
    pub ok: bool,
    /// What was found, in words.
    pub detail: String,
    /// What to do about it; empty when nothing is needed.
    pub fix: String,
}

impl Check {
    /// A check passed, with what was found.
    pub fn ok(check: &'static str, detail: String) -> Check {
        Check { check, ok: true, detail, fix: String::new() }
    }

    /// A check failed: what was found, and what to do.
    pub fn failed(check: &'static str, detail: String, fix: &str) -> Check {
        Check { check, ok: false, detail, fix: fix.to_string() }
    }
}

/// Checks a shop with one call: its platform, token and clock.
pub async fn check_shop(connector: &dyn Connector) -> Vec<Check> {
    let started = Instant::now();
    let answer = match connector.capabilities().list_by {
        Some(_) => {
            let now = jiff::Timestamp::now();
            connector.list_page(&ListQuery { from: now, to: now, partition: 0, page: 1 }).await.map(drop)
        }
        None => connector.fetch(NO_SUCH_ORDER).await.map(drop),
    };
    let took = started.elapsed().as_millis();
    let mut checks = match answer {
        Ok(()) => vec![Check::ok("platform", format!("answered in {took} ms")), Check::ok("token", "accepted".into())],
        Err(error) => refused(&error, took),
    };
    checks.push(clock(connector));
    checks
}

/// The platform and token checks when the call failed.
fn refused(error: &ConnectorError, took: u128) -> Vec<Check> {
    let detail = error.to_string();
    let answered = Check::ok("platform", format!("answered in {took} ms"));
    match error.kind() {
        ErrorKind::Auth => vec![
            answered,
            Check::failed(
                "token",
                detail,
                "set a valid token in the shop's `token` or the variable its `token_env` names, then run doctor again",
            ),
        ],
        ErrorKind::Quota => vec![
            answered,
            Check::failed(
                "token",
                detail,
                "the platform refuses the app behind this token (a permission not granted, a spent quota, or a \
                 token some platforms refuse this way): check `token` or `token_env`, then the platform's console",
            ),
        ],
        ErrorKind::Transient => vec![
            Check::failed(
                "platform",
                detail,
                "check the shop's `base_url`, this machine's network and the platform's status; it may pass by itself",
            ),
            Check::failed("token", "not checked: the platform did not answer".into(), ""),
        ],
        ErrorKind::BadRequest | ErrorKind::Malformed | ErrorKind::Config => vec![
            Check::failed(
                "platform",
                detail,
                "check the shop's `base_url` (everything before the document's endpoint path) and `platform`",
            ),
            Check::failed("token", "not checked: the platform's answer could not be used".into(), ""),
        ],
    }
}

/// The platform's clock against ours, from its answer's `Date` header.
fn clock(connector: &dyn Connector) -> Check {
    let Some(offset) = connector.platform_clock_offset() else {
        return Check::ok("clock", "not told (the platform's answers carry no Date header)".into());
    };
    // A Date header counts whole seconds: a second either way is agreement.
    let seconds = offset.as_secs_f64().round() as i64;
    let side = if seconds >= 0 { "ahead of" } else { "behind" };
    let detail = match seconds.unsigned_abs() {
        0 | 1 => "agrees with this machine's (to the second a Date header tells)".to_string(),
        apart => format!("the platform's clock is {apart} s {side} this machine's"),
    };
    if offset.unsigned_abs() <= CLOCK_TOLERANCE {
        Check::ok("clock", detail)
    } else {
        Check::failed(
            "clock",
            detail,
            "set this machine's clock right (NTP: `timedatectl set-ntp true`); if it is right, the platform's is \
             off: syncs stay whole, as they read on the platform's clock",
        )
    }
}
