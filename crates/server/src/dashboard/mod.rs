//! The web dashboard: one page of HTML, a stylesheet and a script, embedded in
//! the binary (no front-end build step), served under `/ui/`. The script is a
//! client of the same `/api/v1` every integration uses; it keeps the API key
//! in the tab's sessionStorage, never in a URL, and the filters of a listing
//! in the URL.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("app.css");

/// Scripts and styles from this server only; images from anywhere (items'
/// pictures live on the platforms' CDNs).
const POLICY: &str = "default-src 'self'; img-src * data:; style-src 'self' 'unsafe-inline'; object-src 'none'; \
                      base-uri 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")], body).into_response()
}

async fn page() -> Response {
    (
        [(CONTENT_TYPE, "text/html; charset=utf-8"), (CONTENT_SECURITY_POLICY, POLICY), (CACHE_CONTROL, "no-cache")],
        INDEX,
    )
        .into_response()
}

/// `/` goes to the orders; every `/ui/...` path is the same page, which reads
/// the path to know what to show.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/orders") }))
        .route("/ui", get(page))
        .route("/ui/", get(page))
        .route("/ui/signin", get(page))
        .route("/ui/orders", get(page))
        .route("/ui/orders/{id}", get(page))
        .route("/ui/shops", get(page))
        .route("/ui/attention", get(page))
        .route("/ui/app.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/ui/app.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
}
