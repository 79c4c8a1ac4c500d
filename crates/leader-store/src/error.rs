//! Store and import errors. Messages say what and where (file, line, column) but never
//! carry patient identifiers or clinical values: those stay in the store.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("could not bring the store's schema up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not back up {path} before migrating it: {error}")]
    Backup { path: PathBuf, error: sqlx::Error },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("{0}")]
    Conflict(String),
    /// The store's folder or file could not be created (the path is in the log).
    #[error("cannot create the store's {what}: {error_kind}")]
    Open { what: &'static str, error_kind: std::io::ErrorKind },
    #[error("{0}")]
    NotFound(String),
    #[error("the store holds invalid data in {table}.{column}: {problem}")]
    Corrupt { table: &'static str, column: &'static str, problem: String },
}

/// Why an import was refused. The import's transaction is rolled back: nothing partial stays.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{dir}: no file `{file}` (looked for {file}.csv and {file}.csv.gz, any letter case)")]
    MissingFile { dir: PathBuf, file: String },
    #[error("{file}: cannot read: {error}")]
    Io { file: String, error: std::io::Error },
    #[error("{file}: missing required column `{column}`")]
    MissingColumn { file: String, column: String },
    #[error("{file}:{line}: {problem}")]
    Malformed { file: String, line: u64, problem: String },
    #[error("{file}:{line}, column `{column}`: {problem}")]
    Field { file: String, line: u64, column: String, problem: String },
    #[error("{file}: {problem}")]
    Content { file: String, problem: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
