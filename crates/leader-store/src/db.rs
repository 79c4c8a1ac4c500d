//! Opening the store: WAL, foreign keys, busy timeout, create if missing; an existing
//! file is backed up (`VACUUM INTO`) before any migration touches it.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::error::{Result, StoreError};

pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// The patient store. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if missing) the store at `path` and migrates it. When an existing
    /// file needs migrating it is first copied to `<path>.before-v<N>.bak`.
    pub async fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Conflict(format!("cannot create {}: {e}", parent.display())))?;
        }
        let existed = path.exists();
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        let store = Store { pool, path: Some(path.to_owned()) };
        if existed {
            store.backup_if_behind(path).await?;
        }
        MIGRATOR.run(&store.pool).await?;
        Ok(store)
    }

    /// A private in-memory store (tests, benchmarks). One connection, so every query
    /// sees the same database.
    pub async fn in_memory() -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, path: None })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub async fn close(self) {
        self.pool.close().await;
    }

    async fn backup_if_behind(&self, path: &Path) -> Result<()> {
        let has_table: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
                .fetch_one(&self.pool)
                .await?;
        let applied: Vec<i64> = if has_table == 1 {
            sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.get::<i64, _>(0))
                .collect()
        } else {
            Vec::new()
        };
        let pending =
            MIGRATOR.iter().filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version)).count();
        let is_empty: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master").fetch_one(&self.pool).await?;
        if pending == 0 || is_empty == 0 {
            return Ok(());
        }
        let latest = applied.iter().max().copied().unwrap_or(0);
        let backup = PathBuf::from(format!("{}.before-v{latest}.bak", path.display()));
        if backup.exists() {
            return Ok(());
        }
        sqlx::query("VACUUM INTO ?")
            .bind(backup.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await
            .map_err(|error| StoreError::Backup { path: path.to_owned(), error })?;
        Ok(())
    }
}
