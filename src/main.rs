//! The `piiscan` binary: everything is in the library.
fn main() -> std::process::ExitCode {
    return_big_blocks();
    piiscan::cli::run()
}

/// A scan holds each file's findings (hundreds of thousands for a big
/// export, tens of MB) and frees them on another thread. glibc raises its
/// mmap threshold after each such free, so later big blocks come from
/// per-thread arenas that keep their pages: peak RSS grew with the thread
/// count (crm store, 2 threads: 243 MB, 177 MB with this). A fixed 1 MiB
/// threshold maps big blocks and unmaps them when freed. mimalloc was
/// measured too and kept more (262 MB; 185 MB with eager purging).
fn return_big_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}
