//! Panics of dependencies turned into errors, quietly.
//!
//! Two parsers we depend on panic on some corrupt files instead of returning an error (calamine
//! 0.38 on an overflowing xlsx cell reference, edf-rs 0.2 on a truncated EDF+ annotation list;
//! both found by fuzzing, `docs/robustness.md`). [`catch`] runs such a call under
//! `catch_unwind`, so the caller can return a typed error, and keeps the panic's message and
//! backtrace off stderr: a user of `exg` sees one error line, not what looks like a crash. The
//! quiet hook is installed once, on first use, and hands every other panic (other threads,
//! or this thread outside [`catch`]) to the hook that was in place before.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs a [`catch`]ed call.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

/// Runs `f`; `None` when it panicked (its message is not printed).
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let out = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    out.ok()
}

#[cfg(test)]
mod tests {
    use super::catch;

    #[test]
    fn a_panic_is_none_and_a_value_passes_through() {
        assert_eq!(catch(|| 7), Some(7));
        let v: Option<()> = catch(|| panic!("quiet"));
        assert_eq!(v, None);
        // Nested calls keep the outer state.
        assert_eq!(catch(|| catch(|| 1).map(|x| x + 1)), Some(Some(2)));
    }
}
