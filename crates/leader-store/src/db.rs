//! Opening the store: WAL, `synchronous=FULL` (a commit is on disk when it returns),
//! foreign keys, busy timeout, create if missing with owner-only modes ([`crate::files`]);
//! an existing file is backed up (`VACUUM INTO`) before any migration touches it, and audit
//! rows written before the hash chain existed are chained right after migrating.
//! [`Store::close`] checkpoints the WAL into the database file, so the file alone holds
//! everything; [`Store::backup`] writes a consistent single-file copy.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Row, SqlitePool};

use crate::audit::AuditVerification;
use crate::error::{Result, StoreError};
use crate::files;

/// What `leader backup` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupSummary {
    pub file: String,
    pub bytes: u64,
}

pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// The patient store. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: Option<PathBuf>,
}

/// Page size of a new store, in bytes (SQLite's default is 4 KiB).
const PAGE_SIZE: u32 = 16 * 1024;

/// How much of a store file SQLite reads through a memory map (see [`Store::open`]).
const MMAP_SIZE: u64 = 256 << 20;

impl Store {
    /// Opens (creating if missing) the store at `path` and migrates it. When an existing
    /// file needs migrating it is first copied to `<path>.before-v<N>.bak`. New folders are
    /// created 0700 and the database 0600 (SQLite gives its WAL and SHM files the same mode);
    /// looser existing files are tightened.
    pub async fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, 4).await
    }

    /// [`Store::open`] with one connection, for a command that does one thing at a time
    /// (the CLI's, except `serve`). A dropped connection goes back to the pool in a task
    /// that first pings it on SQLite's thread; with more than one allowed, a call right
    /// after another opens a second connection (file, WAL index, pragmas and a schema
    /// parse: about a millisecond, most of a short command) instead of waiting the few
    /// microseconds for the first. The store's own code never holds two connections at once
    /// (an in-memory store has one too, and the tests run on it).
    pub async fn open_single(path: &Path) -> Result<Store> {
        Store::open_with(path, 1).await
    }

    async fn open_with(path: &Path, connections: u32) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            files::create_private_dir(parent).map_err(|e| {
                tracing::warn!(path = %parent.display(), error = %e, "cannot create the store's folder");
                StoreError::Open { what: "folder", error_kind: e.kind() }
            })?;
        }
        let existed = path.exists();
        if !existed {
            match files::create_private_file(path) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot create the store's file");
                    return Err(StoreError::Open { what: "file", error_kind: e.kind() });
                }
            }
        }
        if let Err(e) = files::secure_store_files(path) {
            // Not fatal (e.g. a store another account owns and lets this one use): say so.
            tracing::warn!(error = %e.kind(), "could not restrict the store's files to their owner");
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            // Takes effect only before the first table is written (a no-op on an existing
            // store): 16 KiB pages give a large import a quarter as many pages to write,
            // cache and look up in the write-ahead log (SQLite searches the whole log of
            // an open transaction on every page-cache miss).
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Reads through a memory map of the first 256 MiB: a page is read in place
            // rather than copied into a buffer the connection allocates first, which on a
            // fresh connection (every CLI command) is most of a short read's time. SQLite
            // still writes with write(), and the WAL is read as before. The cost: an I/O
            // error under the map (a disk failing mid-read) ends the process with SIGBUS
            // instead of an error, which for a local file in the user's own folder is the
            // trade SQLite's documentation describes and desktop applications make.
            .pragma("mmap_size", MMAP_SIZE.to_string())
            .busy_timeout(Duration::from_secs(10));
        // No ping before handing out an idle connection: a connection to a local file does
        // not go stale the way a network connection does, and the ping is a round trip to
        // SQLite's thread on every call.
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        let store = Store { pool, path: Some(path.to_owned()) };
        if existed && store.is_current().await {
            return Ok(store);
        }
        if existed {
            store.backup_if_behind(path).await?;
        }
        MIGRATOR.run(&store.pool).await?;
        store.chain_old_audit_rows().await?;
        crate::repo::seed_atc_names(&store.pool).await?;
        Ok(store)
    }

    /// Whether an existing store needs none of the steps of [`Store::open`]: exactly this
    /// build's migrations applied (same checksums), the audit log's head chained and this
    /// version of the ATC names written. One query, so opening an up-to-date store costs
    /// one round trip; anything else (including an error) runs the full steps, which
    /// migrate, refuse or repair exactly as before.
    async fn is_current(&self) -> bool {
        let row: std::result::Result<(String, Option<String>, bool), sqlx::Error> = sqlx::query_as(
            "SELECT (SELECT json_group_array(json_array(version, hex(checksum), success)) FROM _sqlx_migrations), \
                    (SELECT value FROM settings WHERE key = 'atc_names'), \
                    EXISTS (SELECT 1 FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log) AND hash IS NULL)",
        )
        .fetch_one(&self.pool)
        .await;
        let Ok((applied, atc_names, unchained)) = row else { return false };
        let Ok(mut applied) = serde_json::from_str::<Vec<(i64, String, i64)>>(&applied) else { return false };
        applied.sort_unstable();
        let mut wanted: Vec<(i64, String, i64)> = MIGRATOR
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| (m.version, m.checksum.iter().map(|b| format!("{b:02X}")).collect(), 1))
            .collect();
        wanted.sort_unstable();
        applied == wanted && !unchained && atc_names.as_deref() == Some(leader_core::atc_names::fingerprint().as_str())
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
        let store = Store { pool, path: None };
        store.chain_old_audit_rows().await?;
        crate::repo::seed_atc_names(&store.pool).await?;
        Ok(store)
    }

    /// A connection from the pool: the one way the store's methods take one.
    pub(crate) async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        Ok(self.pool.acquire().await?)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Checkpoints the WAL into the database file (and truncates it), then closes every
    /// connection: after a clean exit the database file alone holds all the data. A
    /// checkpoint that cannot run (another process is reading) is not an error; SQLite
    /// checkpoints again when the last connection closes.
    pub async fn close(self) {
        // An empty log (a read-only session on a checkpointed store) needs nothing; asking
        // would take a connection, which a just-released one may not be yet.
        let wal_empty = self.path.as_ref().is_none_or(|p| {
            let mut wal = p.clone().into_os_string();
            wal.push("-wal");
            std::fs::metadata(wal).map(|m| m.len() == 0).unwrap_or(false)
        });
        if !wal_empty && let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await {
            tracing::warn!(error = %e, "the store's write-ahead log was not checkpointed on close");
        }
        self.pool.close().await;
    }

    /// Rows of the audit log written before the hash chain existed get chained (once, in
    /// one transaction). New rows are always chained, so only the head needs looking at.
    async fn chain_old_audit_rows(&self) -> Result<()> {
        let head: Option<Option<String>> = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        if !matches!(head, Some(None)) {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let n = crate::audit::chain_unhashed(&mut tx).await?;
        tx.commit().await?;
        if n > 0 {
            tracing::info!(events = n, "chained audit events written before the audit hash chain existed");
        }
        Ok(())
    }

    /// Walks the audit log's hash chain ([`crate::audit::verify`]).
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        let mut conn = self.conn().await?;
        crate::audit::verify(&mut conn).await
    }

    /// `leader backup FILE`: a consistent single-file copy of the store (`VACUUM INTO`),
    /// written owner-only (0600) under a temporary name beside `dest`, synced, then moved
    /// into place. An existing `dest` is refused unless `force`. Readers and writers may
    /// carry on meanwhile; the copy is the state at one moment.
    pub async fn backup(&self, dest: &Path, force: bool) -> Result<BackupSummary> {
        let conflict = |what: &str, e: std::io::Error| StoreError::Conflict(format!("{what} {}: {e}", dest.display()));
        if !force && dest.exists() {
            return Err(StoreError::Conflict(format!("{} exists; pass --force to replace it", dest.display())));
        }
        if let (Some(own), Ok(target)) = (&self.path, dest.canonicalize())
            && own.canonicalize().is_ok_and(|o| o == target)
        {
            return Err(StoreError::Conflict("a backup cannot replace the store itself".into()));
        }
        let name =
            dest.file_name().ok_or_else(|| StoreError::Conflict(format!("{} is not a file name", dest.display())))?;
        let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let tmp = dir.join(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        files::create_private_file(&tmp).map_err(|e| conflict("cannot write a backup beside", e))?;
        let written = async {
            sqlx::query("VACUUM INTO ?")
                .bind(tmp.to_string_lossy().into_owned())
                .execute(&self.pool)
                .await
                .map_err(|error| StoreError::Backup { path: dest.to_owned(), error })?;
            std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| conflict("cannot sync the backup", e))?;
            if force {
                std::fs::rename(&tmp, dest).map_err(|e| conflict("cannot move the backup to", e))?;
            } else {
                // A hard link refuses an existing target (no window between check and move).
                std::fs::hard_link(&tmp, dest).map_err(|e| conflict("cannot move the backup to", e))?;
                std::fs::remove_file(&tmp).map_err(|e| conflict("cannot tidy the backup beside", e))?;
            }
            Ok::<_, StoreError>(())
        }
        .await;
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        let bytes = std::fs::metadata(dest).map_err(|e| conflict("cannot read", e))?.len();
        Ok(BackupSummary { file: dest.display().to_string(), bytes })
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
        files::create_private_file(&backup)
            .map_err(|e| StoreError::Backup { path: path.to_owned(), error: sqlx::Error::Io(e) })?;
        sqlx::query("VACUUM INTO ?")
            .bind(backup.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await
            .map_err(|error| StoreError::Backup { path: path.to_owned(), error })?;
        Ok(())
    }
}
