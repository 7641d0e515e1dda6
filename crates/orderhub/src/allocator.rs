//! The process's memory allocator: mimalloc, with its arenas committed on
//! demand and freed memory given back within 100 ms.
//!
//! Why not the system's (glibc's `malloc`): a sync allocates and frees a
//! great deal on two threads (each page's orders are built by the reader and
//! freed by the writer), and glibc's `malloc`, `free` and their chunk
//! bookkeeping (`_int_malloc`, `unlink_chunk`, `malloc_consolidate`) were 12%
//! of orderhub's CPU in a 100,000-order Damaijia sync (perf). With mimalloc
//! that sync took 11–12% less time and CPU.
//!
//! Why the option: by default mimalloc commits each arena whole where the OS
//! overcommits (Linux), and memory it frees back stays counted in the
//! process's resident size until the kernel wants it; peak memory rose from
//! 130–134 MB to 142–155 MB, past the 150 MB the sync is held to. Committed
//! on demand, memory it frees goes back to the OS, and the peak was
//! 129–133 MB with the speed kept.
//!
//! Freed memory is also given back sooner: after 100 ms instead of 1 s (10 s
//! for an arena's). With the default, one `bench` in nine still peaked at
//! 145.6 MB (the others at 126.8–134.4); with 100 ms, four Damaijia syncs
//! peaked at 121–123 MB against 125–129, their times within 3%, and two
//! `bench` runs at 125.4 and 125.7 MB.
//!
//! The options must be set before the first allocation makes the first arena
//! (setting them in `main` was too late: the peak stayed at 146–152 MB), so
//! they are set by a constructor that runs before Rust's runtime starts,
//! after mimalloc's own (which reads its `MIMALLOC_*` variables). A user's
//! own `MIMALLOC_ARENA_EAGER_COMMIT` or `MIMALLOC_PURGE_DELAY` is left as
//! they set it.

use std::ffi::{CStr, c_char, c_int, c_long};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` and `mi_option_purge_delay` in mimalloc
/// 3's `mi_option_e` (the Rust bindings name only mimalloc 2's options).
const ARENA_EAGER_COMMIT: c_int = 4;
const PURGE_DELAY: c_int = 15;

/// The options set, unless the user's environment sets them: the variable,
/// the option, its value.
const OPTIONS: [(&CStr, c_int, c_long); 2] =
    [(c"MIMALLOC_ARENA_EAGER_COMMIT", ARENA_EAGER_COMMIT, 0), (c"MIMALLOC_PURGE_DELAY", PURGE_DELAY, 100)];

/// Runs before `main`, from the ELF's constructors (as the `ctor` crate does).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static SET_OPTIONS: extern "C" fn() = set_options;

extern "C" fn set_options() {
    unsafe extern "C" {
        /// The C library's: reads the environment without allocating.
        fn getenv(name: *const c_char) -> *const c_char;
    }
    for (variable, option, value) in OPTIONS {
        // SAFETY: a NUL-terminated name; nothing else runs yet (no threads,
        // no allocation), and `mi_option_set` only stores the option's value.
        unsafe {
            if getenv(variable.as_ptr()).is_null() {
                libmimalloc_sys::mi_option_set(option, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_are_set_unless_the_user_set_them() {
        // The constructor ran before the test harness's `main`. (That it ran
        // before the first arena was made shows in peak memory, not here.)
        for (variable, option, value) in OPTIONS {
            // SAFETY: reads one option's value.
            let now = unsafe { libmimalloc_sys::mi_option_get(option) };
            match std::env::var(variable.to_str().unwrap()) {
                Err(_) => assert_eq!(now, value, "{variable:?}"),
                Ok(set) => assert_eq!(now.to_string(), set.trim(), "{variable:?}"),
            }
        }
    }
}
