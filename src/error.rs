//! Typed errors of the library.
//!
//! Every error that concerns a file names the path and the cause, and never
//! contains a matched value: errors end up in logs and terminals, and PII must
//! not. `anyhow` is used only in `main.rs`/`cli`, at the edge.

use std::path::PathBuf;

/// Errors returned by the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A pattern file could not be read, parsed or compiled.
    #[error("pattern file {file}: {problem}")]
    PatternFile {
        /// The file (or `<built-in>/name.toml`).
        file: String,
        /// What is wrong, naming the pattern id where there is one.
        problem: String,
    },
    /// A path given on the command line does not exist or cannot be read.
    #[error("{path}: {source}")]
    Path {
        /// The path as given.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A configuration value is invalid (bad size, date, kind name...).
    #[error("{0}")]
    Config(String),
    /// The fingerprint key could not be loaded or created.
    #[error("fingerprint key: {0}")]
    Key(String),
    /// The inventory database could not be opened, upgraded or written
    /// (the message names the database and the cause, never a value).
    #[error("database {path}: {problem}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// Writing a report failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
