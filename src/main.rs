//! The `piiscan` binary: everything is in the library.
fn main() -> std::process::ExitCode {
    piiscan::cli::run()
}
