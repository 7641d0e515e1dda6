//! Faults a simulator answers with, chosen per platform and endpoint, and the
//! log of the requests it served.
//!
//! A fault plan is text, the same for `orderhub sandbox --faults SPEC` and for
//! `POST /_sandbox/faults` (body or `?spec=`):
//!
//! ```text
//! SPEC = RULE[,RULE…]
//! RULE = [PLATFORM[.ENDPOINT]=]KIND[:ARG][@CHANCE | *COUNT]
//! ```
//!
//! | KIND            | the answer                                                           |
//! |-----------------|----------------------------------------------------------------------|
//! | `5xx[:STATUS]`  | HTTP STATUS (500) with the platform's documented server-error body   |
//! | `busy[:CODE]`   | the platform's own "busy, try again" business answer, or code CODE    |
//! | `slow:MS`       | the real answer, MS milliseconds late                                |
//! | `timeout[:MS]`  | nothing for MS (60,000) ms, so the client's timeout fires first      |
//! | `reset`         | the connection closes before the answer is complete                  |
//! | `truncated`     | HTTP 200 and the answer's JSON cut off halfway                       |
//! | `lost`          | the platform acts (a write lands), then the answer is a 5xx          |
//! | `429`           | HTTP 429 Too Many Requests, `Retry-After: 1`                         |
//! | `rate_limit:N`  | HTTP 429 for requests beyond N per second (per rule)                 |
//! | `page_cap:N`    | list pages hold at most N orders, whatever the request asked         |
//! | `bad_order:NUM` | the real answer, with each field of order NUM but its number `{}`    |
//!
//! `@CHANCE` fires on that share of requests (`@10%`, `@0.1`); `*COUNT` on the
//! next COUNT requests only; neither: on every request. Without `PLATFORM=` a
//! rule applies to every platform, without `.ENDPOINT` to every endpoint. The
//! first rule that fires decides a request's fault. Examples:
//! `5xx@5%,timeout:2000@1%`, `damaijia=busy@10%`, `shoptima.ship=lost*1`.

use crate::Rng;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What the fault layer needs to know of one simulated platform.
#[derive(Debug)]
pub struct SimSpec {
    /// The platform's name in a fault rule and in a shop's `platform`.
    pub name: &'static str,
    /// Its endpoints: the name fault rules use, and the method and documented
    /// path its requests are counted under (`"GET /order"`).
    pub endpoints: &'static [(&'static str, &'static str)],
    /// Which endpoint a request is for; `None` for what is not the platform's
    /// API (the admin routes), which never gets a fault.
    pub endpoint_of: fn(&Method, &str) -> Option<&'static str>,
    /// The body its document gives for a server error, if any.
    pub server_error_body: Option<fn() -> Value>,
    /// Its business error answer: `None` asks for its "busy, try again" code.
    /// `None` here: the document has no such answer, and `busy` is refused.
    pub business_error: Option<fn(Option<i64>) -> Response>,
}

impl SimSpec {
    fn has_endpoint(&self, name: &str) -> bool {
        self.endpoints.iter().any(|(n, _)| *n == name)
    }

    fn counted_as(&self, name: &str) -> &'static str {
        self.endpoints.iter().find(|(n, _)| *n == name).map_or("?", |e| e.1)
    }
}

/// One kind of fault; see the module documentation for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    ServerError(u16),
    Busy(Option<i64>),
    Slow(u64),
    Timeout(u64),
    Reset,
    Truncated,
    Lost,
    TooManyRequests,
    RateLimit(u32),
    PageCap(u32),
    /// The order with this number comes broken: an order the platform sent
    /// that cannot be read (the attention list's `unreadable_order`).
    BadOrder(Arc<str>),
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Always,
    /// On this many requests in a million, at random (seeded).
    Chance(u32),
    /// On the next this many requests.
    Next(u64),
}

/// One rule of a fault plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// `None`: every platform.
    pub platform: Option<String>,
    /// `None`: every endpoint.
    pub endpoint: Option<String>,
    pub kind: FaultKind,
    pub trigger: Trigger,
}

/// A fault plan that cannot be read: which rule, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fault rule {position} ({rule:?}): {problem}")]
pub struct FaultSpecError {
    /// 1-based position of the rule in the plan.
    pub position: usize,
    pub rule: String,
    pub problem: String,
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::ServerError(status) => write!(f, "5xx:{status}"),
            FaultKind::Busy(None) => write!(f, "busy"),
            FaultKind::Busy(Some(code)) => write!(f, "busy:{code}"),
            FaultKind::Slow(ms) => write!(f, "slow:{ms}"),
            FaultKind::Timeout(ms) => write!(f, "timeout:{ms}"),
            FaultKind::Reset => write!(f, "reset"),
            FaultKind::Truncated => write!(f, "truncated"),
            FaultKind::Lost => write!(f, "lost"),
            FaultKind::TooManyRequests => write!(f, "429"),
            FaultKind::RateLimit(n) => write!(f, "rate_limit:{n}"),
            FaultKind::PageCap(n) => write!(f, "page_cap:{n}"),
            FaultKind::BadOrder(number) => write!(f, "bad_order:{number}"),
        }
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.platform, &self.endpoint) {
            (Some(p), Some(e)) => write!(f, "{p}.{e}=")?,
            (Some(p), None) => write!(f, "{p}=")?,
            (None, Some(e)) => write!(f, "*.{e}=")?,
            (None, None) => {}
        }
        write!(f, "{}", self.kind)?;
        match self.trigger {
            Trigger::Always => Ok(()),
            Trigger::Chance(per_million) => write!(f, "@{}%", per_million as f64 / 10_000.0),
            Trigger::Next(count) => write!(f, "*{count}"),
        }
    }
}

/// Reads a fault plan, checking platform and endpoint names against `sims`.
pub fn parse_plan(spec: &str, sims: &[&SimSpec]) -> Result<Vec<FaultRule>, FaultSpecError> {
    spec.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .enumerate()
        .map(|(i, text)| {
            parse_rule(text, sims).map_err(|problem| FaultSpecError { position: i + 1, rule: text.into(), problem })
        })
        .collect()
}

fn parse_rule(text: &str, sims: &[&SimSpec]) -> Result<FaultRule, String> {
    let (target, rest) = match text.split_once('=') {
        Some((target, rest)) => (Some(target.trim()), rest.trim()),
        None => (None, text),
    };
    let (platform, endpoint) = match target {
        None => (None, None),
        Some(target) => {
            let (p, e) = match target.split_once('.') {
                Some((p, e)) => (p.trim(), Some(e.trim().to_string())),
                None => (target, None),
            };
            ((p != "*").then(|| p.to_string()), e)
        }
    };
    let (body, trigger) = if let Some((body, chance)) = rest.split_once('@') {
        (body, Trigger::Chance(parse_chance(chance)?))
    } else if let Some((body, count)) = rest.split_once('*') {
        let count = count.trim().parse::<u64>().map_err(|_| format!("{count:?} after `*` is not a count"))?;
        (body, Trigger::Next(count))
    } else {
        (rest, Trigger::Always)
    };
    let kind = parse_kind(body)?;
    check_target(sims, platform.as_deref(), endpoint.as_deref(), &kind)?;
    Ok(FaultRule { platform, endpoint, kind, trigger })
}

/// A fault's kind and argument: `5xx:503`, `slow:200`, `reset`, …
fn parse_kind(body: &str) -> Result<FaultKind, String> {
    let (name, arg) = match body.split_once(':') {
        Some((name, arg)) => (name.trim(), Some(arg.trim())),
        None => (body.trim(), None),
    };
    let number = |what: &str| -> Result<u64, String> {
        let arg = arg.ok_or_else(|| format!("`{name}` needs {what}: `{name}:N`"))?;
        arg.parse().map_err(|_| format!("{arg:?} is not {what}"))
    };
    Ok(match name {
        "5xx" => {
            let status =
                arg.map_or(Ok(500), |a| a.parse::<u16>().map_err(|_| format!("{a:?} is not an HTTP status")))?;
            if !(500..=599).contains(&status) {
                return Err(format!("5xx takes a status from 500 to 599, not {status}"));
            }
            FaultKind::ServerError(status)
        }
        "busy" => FaultKind::Busy(arg.map(|a| a.parse().map_err(|_| format!("{a:?} is not a code"))).transpose()?),
        "slow" => FaultKind::Slow(number("milliseconds")?),
        "timeout" => FaultKind::Timeout(if arg.is_some() { number("milliseconds")? } else { 60_000 }),
        "reset" => FaultKind::Reset,
        "truncated" => FaultKind::Truncated,
        "lost" => FaultKind::Lost,
        "429" => FaultKind::TooManyRequests,
        "rate_limit" => FaultKind::RateLimit(number("requests per second")?.clamp(1, u32::MAX as u64) as u32),
        "page_cap" => FaultKind::PageCap(number("orders per page")?.clamp(1, u32::MAX as u64) as u32),
        "bad_order" => match arg {
            Some(number) if !number.is_empty() => FaultKind::BadOrder(number.into()),
            _ => return Err("`bad_order` needs the order's number: `bad_order:NUMBER`".into()),
        },
        other => {
            return Err(format!(
                "unknown fault {other:?}; known: 5xx, busy, slow, timeout, reset, truncated, lost, 429, rate_limit, \
                 page_cap, bad_order"
            ));
        }
    })
}

/// Checks that a rule's platform and endpoint exist, and that a `busy`
/// rule aimed at one platform has a business error to answer with.
fn check_target(
    sims: &[&SimSpec],
    platform: Option<&str>,
    endpoint: Option<&str>,
    kind: &FaultKind,
) -> Result<(), String> {
    let names: Vec<&str> = sims.iter().map(|s| s.name).collect();
    let wanted: Vec<&&SimSpec> = match platform {
        Some(p) => {
            let sim = sims
                .iter()
                .find(|s| s.name == p)
                .ok_or_else(|| format!("no platform {p:?}; known: {}", names.join(", ")))?;
            vec![sim]
        }
        None => sims.iter().collect(),
    };
    if let Some(endpoint) = endpoint
        && !wanted.iter().any(|s| s.has_endpoint(endpoint))
    {
        let known: Vec<String> = wanted
            .iter()
            .map(|s| format!("{}: {}", s.name, s.endpoints.iter().map(|e| e.0).collect::<Vec<_>>().join(" ")))
            .collect();
        return Err(format!("no endpoint {endpoint:?}; known: {}", known.join("; ")));
    }
    if matches!(kind, FaultKind::Busy(_))
        && let Some(sim) = wanted.iter().find(|s| s.business_error.is_none())
        && platform.is_some()
    {
        return Err(format!("{}'s document has no business error answer; use 5xx instead", sim.name));
    }
    Ok(())
}

fn parse_chance(text: &str) -> Result<u32, String> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('%') {
        Some(n) => (n, 10_000.0),
        None => (text, 1_000_000.0),
    };
    match number.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=1_000_000.0 / scale).contains(&x) => Ok((x * scale).round() as u32),
        _ => Err(format!("{text:?} after `@` is not a chance (10% or 0.1)")),
    }
}

/// One request as the log keeps it. The query is left out: it may carry a token.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    /// Milliseconds since the unix epoch, when the request came in.
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    pub endpoint: &'static str,
    pub status: u16,
    pub millis: u64,
    /// The fault answered, if any.
    pub fault: Option<String>,
}

/// How many requests the log keeps, newest last.
pub const LOG_CAPACITY: usize = 2000;

struct ActiveRule {
    rule: FaultRule,
    hits: u64,
    /// (unix second, requests in it), for `rate_limit`.
    window: (i64, u32),
}

struct FaultState {
    rules: Vec<ActiveRule>,
    rng: Rng,
    log: VecDeque<LoggedRequest>,
    seq: u64,
    /// Requests per endpoint (`"GET /order"` → count), faulted ones included.
    counts: std::collections::BTreeMap<String, u64>,
}

/// A simulator's fault plan and request log. Clones share them.
#[derive(Clone)]
pub struct Faults {
    spec: &'static SimSpec,
    state: Arc<Mutex<FaultState>>,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults").field("platform", &self.spec.name).finish_non_exhaustive()
    }
}

impl Faults {
    /// No faults yet; `seed` makes the `@CHANCE` draws repeatable.
    pub fn new(spec: &'static SimSpec, seed: u64) -> Self {
        let state = FaultState {
            rules: Vec::new(),
            rng: Rng::fork(seed, 0xFA17),
            log: VecDeque::new(),
            seq: 0,
            counts: Default::default(),
        };
        Faults { spec, state: Arc::new(Mutex::new(state)) }
    }

    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The platform these faults are for.
    pub fn spec(&self) -> &'static SimSpec {
        self.spec
    }

    /// Adds the rules meant for this platform (after the ones already set).
    pub fn add(&self, rules: &[FaultRule]) {
        let mut state = self.lock();
        for rule in rules.iter().filter(|r| r.platform.as_deref().is_none_or(|p| p == self.spec.name)) {
            if rule.endpoint.as_deref().is_some_and(|e| !self.spec.has_endpoint(e)) {
                continue;
            }
            if matches!(rule.kind, FaultKind::Busy(_)) && self.spec.business_error.is_none() {
                continue;
            }
            state.rules.push(ActiveRule { rule: rule.clone(), hits: 0, window: (0, 0) });
        }
    }

    /// Reads `spec` and adds its rules for this platform.
    pub fn add_spec(&self, spec: &str) -> Result<(), FaultSpecError> {
        self.add(&parse_plan(spec, &[self.spec])?);
        Ok(())
    }

    /// The next `count` requests to `endpoint` get `kind`, after any already queued.
    pub fn fail_next(&self, endpoint: &str, kind: FaultKind, count: u64) {
        let rule = FaultRule { platform: None, endpoint: Some(endpoint.into()), kind, trigger: Trigger::Next(count) };
        self.add(&[rule]);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// The rules now set, as text, with how often each fired.
    pub fn describe(&self) -> Vec<Value> {
        let state = self.lock();
        state.rules.iter().map(|r| json!({"rule": r.rule.to_string(), "fired": r.hits})).collect()
    }

    /// The largest page `endpoint` may answer now, when a `page_cap` rule fires.
    pub fn page_cap(&self, endpoint: &str) -> Option<u32> {
        let mut state = self.lock();
        let FaultState { rules, rng, .. } = &mut *state;
        let mut cap: Option<u32> = None;
        for active in rules.iter_mut() {
            if let FaultKind::PageCap(n) = active.rule.kind
                && applies(&active.rule, endpoint)
                && fires(active, rng)
            {
                cap = Some(cap.map_or(n, |c| c.min(n)));
            }
        }
        cap
    }

    /// The fault for one request to `endpoint`, if a rule fires.
    fn decide(&self, endpoint: &str) -> Option<FaultKind> {
        self.decide_at(endpoint, crate::unix_now())
    }

    /// [`Faults::decide`] at unix second `now` (rate limits count per second).
    fn decide_at(&self, endpoint: &str, now: i64) -> Option<FaultKind> {
        let mut state = self.lock();
        let FaultState { rules, rng, .. } = &mut *state;
        for active in rules.iter_mut() {
            if !applies(&active.rule, endpoint) {
                continue;
            }
            match &active.rule.kind {
                FaultKind::PageCap(_) => {}
                FaultKind::RateLimit(per_second) => {
                    if active.window.0 != now {
                        active.window = (now, 0);
                    }
                    active.window.1 += 1;
                    if active.window.1 > *per_second {
                        active.hits += 1;
                        return Some(FaultKind::TooManyRequests);
                    }
                }
                kind => {
                    let kind = kind.clone();
                    if fires(active, rng) {
                        return Some(kind);
                    }
                }
            }
        }
        None
    }

    fn count(&self, endpoint: &str) {
        *self.lock().counts.entry(self.spec.counted_as(endpoint).to_string()).or_default() += 1;
    }

    /// Requests per endpoint so far (`"GET /order"` → count), whatever the answer.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.lock().counts.clone()
    }

    fn record(&self, mut entry: LoggedRequest) {
        let mut state = self.lock();
        state.seq += 1;
        entry.seq = state.seq;
        if state.log.len() == LOG_CAPACITY {
            state.log.pop_front();
        }
        state.log.push_back(entry);
    }

    /// The last `limit` requests, oldest first.
    pub fn requests(&self, limit: usize) -> Vec<LoggedRequest> {
        let state = self.lock();
        state.log.iter().skip(state.log.len().saturating_sub(limit)).cloned().collect()
    }

    fn server_error(&self, status: u16) -> Response {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match self.spec.server_error_body {
            Some(body) => (status, Json(body())).into_response(),
            None => (status, [("content-type", "text/html")], "<html><body><h1>Server Error</h1></body></html>")
                .into_response(),
        }
    }
}

fn applies(rule: &FaultRule, endpoint: &str) -> bool {
    rule.endpoint.as_deref().is_none_or(|e| e == endpoint)
}

/// Whether a rule fires on this request, counting it when it does.
fn fires(active: &mut ActiveRule, rng: &mut Rng) -> bool {
    let fired = match &mut active.rule.trigger {
        Trigger::Always => true,
        Trigger::Chance(per_million) => (rng.next_u64() % 1_000_000) < u64::from(*per_million),
        Trigger::Next(0) => false,
        Trigger::Next(left) => {
            *left -= 1;
            true
        }
    };
    active.hits += u64::from(fired);
    fired
}

/// A body that fails as soon as it is read: hyper then drops the connection
/// without completing the answer, as a reset connection looks to a client.
struct BrokenBody;

impl http_body::Body for BrokenBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "sandbox reset"))))
    }
}

fn reset() -> Response {
    Response::new(Body::new(BrokenBody))
}

async fn inject(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let Some(endpoint) = (faults.spec.endpoint_of)(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    faults.count(endpoint);
    let started = Instant::now();
    let (method, path) = (request.method().to_string(), request.uri().path().to_string());
    let fault = faults.decide(endpoint);
    let response = match fault.clone() {
        None => next.run(request).await,
        Some(FaultKind::ServerError(status)) => faults.server_error(status),
        Some(FaultKind::Busy(code)) => match faults.spec.business_error {
            Some(answer) => answer(code),
            None => faults.server_error(500),
        },
        Some(FaultKind::Slow(ms)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        Some(FaultKind::Timeout(ms)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            faults.server_error(504)
        }
        Some(FaultKind::Reset) => reset(),
        Some(FaultKind::Truncated) => {
            let (parts, body) = next.run(request).await.into_parts();
            let mut bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default().to_vec();
            bytes.truncate(bytes.len() / 2);
            let mut response = Response::from_parts(parts, Body::from(bytes));
            response.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
            response
        }
        Some(FaultKind::Lost) => {
            drop(next.run(request).await);
            faults.server_error(500)
        }
        Some(FaultKind::TooManyRequests | FaultKind::RateLimit(_)) => {
            (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "Too Many Requests").into_response()
        }
        Some(FaultKind::PageCap(_)) => next.run(request).await,
        Some(FaultKind::BadOrder(number)) => break_order(next.run(request).await, &number).await,
    };
    faults.record(LoggedRequest {
        seq: 0,
        at_ms: jiff::Timestamp::now().as_millisecond(),
        method,
        path,
        endpoint,
        status: response.status().as_u16(),
        millis: started.elapsed().as_millis() as u64,
        fault: fault.map(|f| f.to_string()),
    });
    response
}

/// `answer` with every field of the order numbered `number` but the ones
/// that hold its number made an empty object: an order the platform sent
/// that no reader can use (no money, time, status or item list reads from
/// `{}`). The order is the outermost JSON object with a field equal to the
/// number (text or digits), wherever the platform's envelope puts its orders.
async fn break_order(answer: Response, number: &str) -> Response {
    let (parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let Ok(mut document) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    cut_down(&mut document, number);
    let mut response = Response::from_parts(parts, Body::from(serde_json::to_vec(&document).expect("JSON writes")));
    response.headers_mut().remove(axum::http::header::CONTENT_LENGTH);
    response
}

/// Breaks every outermost object under `value` that names `number`.
fn cut_down(value: &mut Value, number: &str) {
    let names = |v: &Value| v.as_str() == Some(number) || v.as_u64().is_some_and(|n| number.parse() == Ok(n));
    match value {
        Value::Object(fields) if fields.values().any(names) => {
            fields.values_mut().filter(|v| !names(v)).for_each(|v| *v = Value::Object(Default::default()))
        }
        Value::Object(fields) => fields.values_mut().for_each(|v| cut_down(v, number)),
        Value::Array(values) => values.iter_mut().for_each(|v| cut_down(v, number)),
        _ => {}
    }
}

/// Puts the fault layer and its admin routes on a simulator's router:
/// `GET /_sandbox/faults` (the rules and how often each fired),
/// `POST /_sandbox/faults` (add the rules of a plan given as the body or `?spec=`),
/// `DELETE /_sandbox/faults` (remove every rule) and
/// `GET /_sandbox/requests?limit=N` (the request log, oldest first).
pub fn with_faults(router: Router, faults: Faults) -> Router {
    let admin = Router::new()
        .route("/_sandbox/faults", get(list_rules).post(add_rules).delete(clear_rules))
        .route("/_sandbox/requests", get(request_log))
        .with_state(faults.clone());
    router.merge(admin).layer(axum::middleware::from_fn_with_state(faults, inject))
}

async fn list_rules(State(faults): State<Faults>) -> Response {
    Json(json!({"platform": faults.spec.name, "rules": faults.describe()})).into_response()
}

async fn add_rules(
    State(faults): State<Faults>,
    Query(query): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    let spec = match query.get("spec") {
        Some(spec) => spec.clone(),
        None => String::from_utf8_lossy(&body).into_owned(),
    };
    match faults.add_spec(&spec) {
        Ok(()) => Json(json!({"platform": faults.spec.name, "rules": faults.describe()})).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response(),
    }
}

async fn clear_rules(State(faults): State<Faults>) -> Response {
    faults.clear();
    Json(json!({"platform": faults.spec.name, "rules": []})).into_response()
}

async fn request_log(State(faults): State<Faults>, Query(query): Query<HashMap<String, String>>) -> Response {
    let limit = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100).min(LOG_CAPACITY);
    Json(json!({"requests": faults.requests(limit)})).into_response()
}

#[cfg(test)]
mod tests;
