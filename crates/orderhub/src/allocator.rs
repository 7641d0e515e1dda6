//! The process's memory allocator: mimalloc, with its arenas committed on
//! demand.
//!
//! Why not the system's (glibc's `malloc`): a sync allocates and frees a
//! great deal on two threads (each page's orders are built by the reader and
//! freed by the writer), and glibc's `malloc`, `free` and their chunk
//! bookkeeping (`_int_malloc`, `unlink_chunk`, `malloc_consolidate`) were 12%
//! of orderhub's CPU in a 100,000-order Damaijia sync (perf). With mimalloc
//! that sync took 11–12% less time and CPU (docs/benchmarks.md, twelfth
//! session).
//!
//! Why the option: by default mimalloc commits each arena whole where the OS
//! overcommits (Linux), and memory it frees back stays counted in the
//! process's resident size until the kernel wants it; peak memory rose from
//! 130–134 MB to 142–155 MB, past the 150 MB the sync is held to. Committed
//! on demand, memory it frees goes back to the OS, and the peak was
//! 129–133 MB with the speed kept.
//!
//! The option must be set before the first allocation makes the first arena
//! (setting it in `main` was too late: the peak stayed at 146–152 MB), so it
//! is set by a constructor that runs before Rust's runtime starts, after
//! mimalloc's own (which reads its `MIMALLOC_*` variables). A user's own
//! `MIMALLOC_ARENA_EAGER_COMMIT` is left as they set it.

use std::ffi::{c_char, c_int};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc 3's `mi_option_e` (the Rust
/// bindings name only mimalloc 2's options).
const ARENA_EAGER_COMMIT: c_int = 4;

/// Runs before `main`, from the ELF's constructors (as the `ctor` crate does).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static COMMIT_ON_DEMAND: extern "C" fn() = commit_on_demand;

extern "C" fn commit_on_demand() {
    unsafe extern "C" {
        /// The C library's: reads the environment without allocating.
        fn getenv(name: *const c_char) -> *const c_char;
    }
    // SAFETY: a NUL-terminated name; nothing else runs yet (no threads, no
    // allocation), and `mi_option_set` only stores the option's value.
    unsafe {
        if getenv(c"MIMALLOC_ARENA_EAGER_COMMIT".as_ptr()).is_null() {
            libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arenas_are_committed_on_demand_unless_the_user_says_otherwise() {
        // The constructor ran before the test harness's `main`. (That it ran
        // before the first arena was made shows in peak memory, not here.)
        // SAFETY: reads one option's value.
        let eager = unsafe { libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT) };
        match std::env::var("MIMALLOC_ARENA_EAGER_COMMIT") {
            Err(_) => assert_eq!(eager, 0),
            Ok(set) => assert_eq!(eager.to_string(), set.trim()),
        }
    }
}
