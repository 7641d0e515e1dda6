//! Fresh databases for tests: a SQLite file in a temporary directory, or a
//! uniquely named PostgreSQL database that is dropped when the test ends.
//!
//! PostgreSQL is found at `ORDERHUB_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, the server CI runs; any
//! database of it will do, tests create their own beside it). When it cannot be
//! reached, PostgreSQL tests print a loud SKIPPED line and pass, except with
//! `CI=true`, where an unreachable server fails them: CI must never turn a
//! missing database into a green run.

use crate::{DatabaseKind, Store};
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::sync::atomic::{AtomicU64, Ordering};

/// The server tests use when `ORDERHUB_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL to open it with (`database.url`).
    pub url: String,
    pub kind: DatabaseKind,
    /// SQLite: the directory holding the file, removed on drop.
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the server's URL and the database's name, dropped on drop.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A fresh SQLite file.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("orderhub-test.db").display());
        TestDatabase { url, kind: DatabaseKind::Sqlite, _dir: Some(dir), postgres: None }
    }

    /// A fresh, empty PostgreSQL database; `None` (after saying so loudly)
    /// when no server is reachable outside CI. `test` names the caller in the
    /// SKIPPED line.
    pub async fn postgres(test: &str) -> Option<TestDatabase> {
        let server = std::env::var("ORDERHUB_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let mut admin = match connect(&server).await {
            Ok(connection) => connection,
            Err(error) => {
                let why = format!("PostgreSQL is not reachable at {server} ({error})");
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("{why}: with CI=true the PostgreSQL tests must run (.ci/run starts the server)");
                }
                eprintln!(
                    "\n*** SKIPPED {test} on PostgreSQL: {why}. Start one, or set ORDERHUB_TEST_POSTGRES_URL. ***\n"
                );
                return None;
            }
        };
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let name = format!(
            "orderhub_test_{}_{}_{}",
            std::process::id(),
            nanos % 1_000_000_000_000,
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name} on {server}: {e}"));
        let _ = admin.close().await;
        let url = with_database(&server, &name);
        Some(TestDatabase { url, kind: DatabaseKind::Postgres, _dir: None, postgres: Some((server, name)) })
    }

    /// The store on this database (migrated).
    pub async fn open(&self) -> Store {
        Store::open(&self.url).await.unwrap_or_else(|e| panic!("cannot open the test database {}: {e}", self.url))
    }
}

impl Drop for TestDatabase {
    /// Drops a PostgreSQL test database, on a thread of its own: drop may run
    /// inside a runtime (or while a test panics), where blocking on it is not allowed.
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else { return };
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = connect(&server).await.ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let dropped = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await;
                if let Err(e) = dropped {
                    eprintln!("warning: could not drop the test database {name}: {e}");
                }
                admin.close().await.ok()
            })
        });
        let _ = dropper.join();
    }
}

async fn connect(url: &str) -> Result<PgConnection, sqlx::Error> {
    tokio::time::timeout(std::time::Duration::from_secs(5), PgConnection::connect(url))
        .await
        .unwrap_or_else(|_| Err(sqlx::Error::PoolTimedOut))
}

/// `server` (a PostgreSQL URL) with its database replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}
