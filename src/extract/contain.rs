//! Containment for third-party parsers (`lopdf`, `mail-parser`,
//! `calamine`): they read hostile structure, and whatever panics inside one
//! becomes a refusal for that file instead of ending the run. The panic is
//! not printed: it is expected, and its message could quote file content.
//! A stack overflow is not a panic and cannot be caught here; the readers
//! we drive ourselves bound their own recursion instead.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Set while a third-party parser runs: its panics are expected and
    /// reported as a skip, not printed.
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Run `f`, turning a panic into `None` without printing it.
pub fn contained<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(Cell::get) {
                default(info);
            }
        }));
    });
    CONTAINED.with(|c| c.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(false));
    r.ok()
}
