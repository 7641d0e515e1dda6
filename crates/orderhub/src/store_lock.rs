//! Who has a SQLite store open: every command that opens one holds a shared
//! lock on a file beside it (`<store>-orderhub.lock`) for as long as it runs,
//! and `orderhub restore` takes it exclusively. So a restore is refused
//! while `serve`, `sync` or any other command uses the store, and no
//! command starts while a restore runs. The kernel drops the lock when the
//! process ends, however it ends (kill -9 included): there is never a stale
//! lock file to remove by hand.

use std::fs::File;
use std::path::{Path, PathBuf};

/// A lock held on a store until dropped.
pub struct StoreLock {
    _file: File,
}

/// Whether the lock could be had.
pub enum Locked {
    Held(StoreLock),
    /// Another process holds it the other way.
    Busy,
}

/// The file a SQLite URL names (`sqlite://PATH`, `sqlite:PATH`), without
/// its options; `None` for an in-memory store or another database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn lock_file(store: &Path) -> std::io::Result<File> {
    let mut name = store.as_os_str().to_owned();
    name.push("-orderhub.lock");
    std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(PathBuf::from(name))
}

/// Takes the store's lock shared (any number of commands at once).
pub fn shared(store: &Path) -> std::io::Result<Locked> {
    take(store, libc::LOCK_SH)
}

/// Takes the store's lock alone (a restore).
pub fn exclusive(store: &Path) -> std::io::Result<Locked> {
    take(store, libc::LOCK_EX)
}

fn take(store: &Path, how: libc::c_int) -> std::io::Result<Locked> {
    let file = lock_file(store)?;
    // SAFETY: flock(2) on a descriptor this function owns; it only locks.
    let taken = unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), how | libc::LOCK_NB) };
    if taken == 0 {
        return Ok(Locked::Held(StoreLock { _file: file }));
    }
    match std::io::Error::last_os_error() {
        error if error.raw_os_error() == Some(libc::EWOULDBLOCK) => Ok(Locked::Busy),
        error => Err(error),
    }
}
