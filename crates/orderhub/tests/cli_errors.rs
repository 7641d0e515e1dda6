//! Bad configuration, a wrong token and an unreachable host: each gives one
//! error line naming the shop (or the file, line and key) and the cause, a
//! non-zero exit, and leaves the store as it was. No token is ever printed.

mod common;

use common::{Harness, TOKEN, assert_success, orderhub_command, run_orderhub, stderr, stdout};

/// The store's orders, events and cursors, as a comparable snapshot.
async fn store_state(h: &Harness) -> (i64, i64, Vec<String>, Option<String>) {
    let store = h.store().await;
    let export: Vec<String> = h.export().await.iter().map(|o| o.to_string()).collect();
    let cursor = store.cursor("belment", "created:is_refund=0").await.unwrap();
    (store.order_count().await.unwrap(), store.event_count().await.unwrap(), export, cursor)
}

fn error_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_fails_with_one_line_and_changes_nothing() {
    let h = Harness::start(200, 3).await;
    h.write_config(TOKEN, &h.base_url);
    assert_success(&h.orderhub(&["sync", "--once"]).await);
    h.sim.mutate(h.sim.truth()[0]["order_num"].as_str().unwrap(), |o| o.status = 2);
    let before = store_state(&h).await;
    let shops = stdout(&h.orderhub(&["shops"]).await);
    assert!(shops.lines().nth(1).is_some_and(|row| row.trim_end().ends_with("active")), "{shops}");

    h.write_config("wrong-token-0000", &h.base_url);
    let out = h.orderhub(&["sync", "--once"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(error_lines(&err).len(), 1, "{err}");
    assert!(err.starts_with("error: shop \"belment\": shoptima: the platform refused the token (HTTP 401"), "{err}");
    assert!(err.contains("token_env"), "says what to do: {err}");
    assert!(!err.contains("wrong-token-0000") && !stdout(&out).contains("wrong-token-0000"));
    assert!(stdout(&out).contains("synced 0 of 1 shop in "), "says none synced: {}", stdout(&out));
    assert_eq!(store_state(&h).await, before, "the store is as it was");
    let shops = stdout(&h.orderhub(&["shops"]).await);
    assert!(shops.lines().nth(1).is_some_and(|row| row.contains("PAUSED: shop \"belment\"")), "{shops}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_on_a_platform_without_lookup_says_why_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[database]\nurl = \"sqlite://{}\"\n\n[[shops]]\nkey = \"fengxi\"\nplatform = \"wshoto\"\n\
         base_url = \"http://127.0.0.1:1\"\ntoken = \"t\"\n",
        dir.path().join("f.db").display()
    );
    std::fs::write(dir.path().join("orderhub.toml"), config).unwrap();
    let out = run_orderhub(dir.path(), &["fetch", "--shop", "fengxi", "WS0001"]).await;
    assert_eq!(out.status.code(), Some(1));
    let expected = "error: shop \"fengxi\": wshoto's API has no lookup by order number; \
                    its orders come in by `orderhub sync --shop fengxi`";
    assert_eq!(stderr(&out).trim_end(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_fails_with_one_line_and_changes_nothing() {
    let h = Harness::start(50, 3).await;
    h.write_config(TOKEN, &h.base_url);
    assert_success(&h.orderhub(&["sync", "--once"]).await);
    let before = store_state(&h).await;

    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    h.write_config(TOKEN, &format!("http://127.0.0.1:{port}/api/v1"));
    let out = h.orderhub(&["sync", "--once"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(error_lines(&err).len(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: shop \"belment\": shoptima: cannot reach 127.0.0.1:{port}: connection failed"
        )),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
    assert_eq!(store_state(&h).await, before);
}

/// The configuration `demo` and `sandbox` write points at simulators that
/// run only while they do: a sync after they stopped says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_configuration_whose_simulators_are_gone_says_so() {
    let h = Harness::start(10, 3).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = h.write_config(TOKEN, &format!("http://127.0.0.1:{port}/api/v1"));
    let text = std::fs::read_to_string(&config).unwrap();
    let header = "# Written by `orderhub sandbox`: every shop points at a local simulator.\n";
    std::fs::write(&config, format!("{header}{text}")).unwrap();
    let out = h.orderhub(&["sync", "--once"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(error_lines(&err).len(), 1, "{err}");
    assert!(err.contains("connection failed"), "{err}");
    assert!(
        err.trim_end().ends_with("which run only while `orderhub demo` or `orderhub sandbox` runs: start one again)"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_exits_2_naming_file_line_and_key_before_touching_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let good = "[database]\nurl = \"sqlite://bad-config.db\"\n\n[[shops]]\nkey = \"belment\"\nplatform = \"shoptima\"\n\
                base_url = \"https://open.shoptima.shop/api/v1\"\ntoken = \"tok-never-shown\"\n";
    let cases = [
        (good.replace("\"shoptima\"", "\"shopee\""), "orderhub.toml:6: shops[0].platform: unknown platform \"shopee\""),
        (good.replace("token = \"tok-never-shown\"\n", ""), "orderhub.toml:4: shops[0].token: missing"),
        (good.replace("https://open.shoptima.shop/api/v1", "not a url"), "orderhub.toml:7: shops[0].base_url:"),
        (format!("{good}timezone = \"Mars/Olympus\"\n"), "orderhub.toml:9: shops[0].timezone: unknown time zone"),
        (
            format!("{good}\n{}", &good[good.find("[[shops]]").unwrap()..]),
            "orderhub.toml:11: shops[1].key: shop key \"belment\" is used twice",
        ),
        (format!("{good}colour = \"blue\"\n"), "orderhub.toml:9: unknown field `colour`"),
        (
            good.replace("tok-never-shown\"", "tok-never-shown"),
            "orderhub.toml:8: invalid value (not shown: it is a secret)",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(dir.path().join("orderhub.toml"), &text).unwrap();
        let out = run_orderhub(dir.path(), &["sync", "--once"]).await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{expected}: {err}");
        assert!(err.starts_with(&format!("error: {expected}")), "expected {expected:?}\ngot {err:?}");
        assert_eq!(error_lines(&err).len(), 1, "{err}");
        assert!(!err.contains("tok-never-shown"), "{err}");
        assert!(!dir.path().join("bad-config.db").exists(), "the store is not created on bad config");
    }

    // No file at all says how to get one.
    let empty = tempfile::tempdir().unwrap();
    let out = run_orderhub(empty.path(), &["sync", "--once"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("orderhub sandbox --write-config"), "{}", stderr(&out));
    // --config is global: accepted after the subcommand too.
    let out = run_orderhub(empty.path(), &["sync", "--config", "elsewhere.toml", "--once"]).await;
    assert!(stderr(&out).starts_with("error: elsewhere.toml: no such configuration file"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_shop_or_a_refused_shipment_is_a_clear_error() {
    let h = Harness::start(20, 3).await;
    h.write_config(TOKEN, &h.base_url);
    let out = h.orderhub(&["ship", "--shop", "nope", "--order", "X", "--tracking", "T", "--carrier", "SF"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no shop \"nope\": configured shops are belment"), "{}", stderr(&out));

    let out =
        h.orderhub(&["ship", "--shop", "belment", "--order", "NO-SUCH", "--tracking", "T", "--carrier", "SF"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.trim(), "error: shop \"belment\": the platform refused to ship NO-SUCH (code 404): 没有找到订单");
}

/// Output piped into a reader that has gone (`orderhub orders export | head`)
/// ends the command as it ends Unix tools, by SIGPIPE, with nothing on
/// stderr: not a panic and a backtrace ("failed printing to stdout").
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_into_a_closed_pipe_stops_quietly_and_keeps_the_store() {
    use std::os::unix::process::ExitStatusExt;

    let h = Harness::start(30, 4).await;
    h.write_config(TOKEN, &h.base_url);
    // The pipe's reading end is closed before orderhub starts: its first
    // write to stdout finds no reader, every time.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = orderhub_command(h.dir.path(), &["sync", "--once", "--json"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        // Spawned, not `output()`: that would capture stdout in a pipe of its own.
        .spawn()
        .unwrap()
        .wait_with_output()
        .await
        .unwrap();
    let err = stderr(&out);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}: {err}", out.status);
    // The sync stored its orders before it printed its summary.
    assert_eq!(h.export().await.len(), 30);
}
