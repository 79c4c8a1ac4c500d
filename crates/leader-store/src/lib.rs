//! The LEADER Rx patient store: SQLite through sqlx (bundled SQLite, WAL, foreign keys,
//! busy timeout, backup before migrating), the importers, and the queries the CLI and
//! the app share.
//!
//! Shape: [`db::Store`] owns the pool; each import is one transaction in which the
//! importer reads, validates and writes its source in chunks through the shared
//! [`import::BatchWriter`] (memory bounded whatever the source's size); a malformed row
//! anywhere rolls the whole import back.
//! Callers outside this crate go through [`Store`] methods (the queries live in `repo`,
//! one module per aggregate: patients, codes, audit, models, stats); the only exception is
//! [`tx`], for writes that must join a transaction of the caller's.
//!
//! Owns: the schema (`migrations/`), every SQL statement, the importers' parsing and
//! validation, the audit chain, the store's files and their modes. Must not: load or run
//! a model (that is leader-infer), decide anything clinical (it stores and returns what
//! it was given), or put a patient identifier or clinical value into an error or a log.

pub mod actor;
pub mod audit;
mod bulk;
pub mod csvio;
pub mod db;
pub mod ddi;
pub mod error;
pub mod files;
pub mod import;
mod repo;
pub mod synth;

/// Store operations that join a transaction the caller holds (begun on [`Store::pool`]),
/// for writes that must commit or roll back together with the caller's own, e.g. several
/// audit events of one request. Everything else is a [`Store`] method.
pub mod tx {
    pub use crate::repo::{AuditWriter, NewEvent, append_audit};
}

use std::path::Path;

use sqlx::Connection;

pub use db::Store;
pub use error::{ImportError, Result, StoreError};
pub use import::atc::AtcMapSummary;
pub use import::mimic::MimicVersion;
pub use import::{ImportSummary, NoProgress, Progress};
pub use repo::{
    AuditEvent, CodeHit, LEADER_TITLES, PRACTICE_MIN_VISITS, PatientRecord, PatientSummary, PracticeRow, Stats, now_utc,
};

impl Store {
    async fn write(&self, batch: import::Batch, progress: &dyn Progress) -> Result<ImportSummary> {
        let mut tx = self.pool().begin().await?;
        let mapper = import::atc::AtcMapper::load(&mut tx).await?;
        let summary = import::write_batch(&mut tx, &batch, &mapper, progress).await?;
        repo::refresh_derived(&mut tx).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// `leader import mimic-iv|mimic-iii DIR`: one transaction, idempotent.
    pub async fn import_mimic(
        &self,
        dir: &Path,
        version: MimicVersion,
        progress: &dyn Progress,
    ) -> Result<ImportSummary> {
        let mut conn = self.bulk_connection().await?;
        let mut tx = conn.begin().await?;
        let mapper = import::atc::AtcMapper::load(&mut tx).await?;
        let summary = import::mimic::import(&mut tx, dir, version, &mapper, progress).await?;
        import::check_visit_patients(&mut tx).await?;
        repo::refresh_summaries(&mut tx).await?;
        tx.commit().await?;
        drop(conn);
        self.refresh_practice_after_bulk().await?;
        Ok(summary)
    }

    /// A connection of its own for a streamed import, closed when the import ends whatever
    /// the outcome (so its settings never reach another caller), with foreign-key
    /// enforcement off (a file store; an in-memory store's one connection holds the
    /// database, so it keeps enforcement and stays in the pool): enforced, every one of millions of child
    /// rows looks its visit up, in random order once the visits outgrow the page cache
    /// (most of a full MIMIC-IV import's time). The streamed importers hold the keys by
    /// construction instead: a visit's patient is checked by the reader and again by
    /// [`import::check_visit_patients`] before commit, and a child row's visit id comes
    /// from the visits this import wrote. Imports of other kinds keep enforcement on.
    async fn bulk_connection(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>> {
        let mut conn = self.conn().await?;
        if self.path().is_some() {
            conn.close_on_drop();
            sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
        }
        Ok(conn)
    }

    /// Past practice per class (`class_practice`) after a streamed import, in a transaction
    /// of its own after a checkpoint: inside the import's transaction its two full scans
    /// would read every page through a write-ahead log as large as the import (SQLite
    /// searches the log on every page read). If the process stops between the two commits,
    /// the table's stamp is behind and the next read rebuilds it.
    async fn refresh_practice_after_bulk(&self) -> Result<()> {
        if self.path().is_some()
            && let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(self.pool()).await
        {
            tracing::warn!(error = %e, "no checkpoint before rebuilding past practice");
        }
        let mut tx = self.pool().begin().await?;
        repo::refresh_practice(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `leader import synthea DIR`.
    pub async fn import_synthea(&self, dir: &Path, progress: &dyn Progress) -> Result<ImportSummary> {
        let mut conn = self.bulk_connection().await?;
        let mut tx = conn.begin().await?;
        let mapper = import::atc::AtcMapper::load(&mut tx).await?;
        let summary = import::synthea::import(&mut tx, dir, &mapper, progress).await?;
        import::check_visit_patients(&mut tx).await?;
        repo::refresh_summaries(&mut tx).await?;
        tx.commit().await?;
        drop(conn);
        self.refresh_practice_after_bulk().await?;
        Ok(summary)
    }

    /// `leader import fhir PATH`: a FHIR R4 Bulk Data export and/or Bundles, one
    /// transaction, streamed in chunks, idempotent.
    pub async fn import_fhir(
        &self,
        path: &Path,
        systems: &leader_core::fhir::FhirSystems,
        progress: &dyn Progress,
    ) -> Result<ImportSummary> {
        let mut tx = self.pool().begin().await?;
        let mapper = import::atc::AtcMapper::load(&mut tx).await?;
        let summary = import::fhir::import(&mut tx, path, systems, &mapper, progress).await?;
        repo::refresh_derived(&mut tx).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The drug → ATC mapping tables, as the importers use them.
    pub async fn atc_mapper(&self) -> Result<import::atc::AtcMapper> {
        let mut conn = self.conn().await?;
        import::atc::AtcMapper::load(&mut conn).await
    }

    /// `leader import atc-map FILE`: loads the table and re-maps every prescription.
    pub async fn import_atc_map(&self, file: &Path, progress: &dyn Progress) -> Result<AtcMapSummary> {
        let mut tx = self.pool().begin().await?;
        let summary = import::atc::import_atc_map(&mut tx, file, progress).await?;
        repo::refresh_practice(&mut tx).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Seeds the synthetic demo cohort into a store that holds no patients at all. Returns
    /// what was written, or `None` when the cohort is already there. The demo cohort lives
    /// only in a store of its own: a store holding other patients (imported ones) is left
    /// alone and the call is refused with [`StoreError::Conflict`].
    pub async fn seed_demo(&self) -> Result<Option<ImportSummary>> {
        let (all, demo): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(source = 'demo'), 0) FROM patients")
                .fetch_one(self.pool())
                .await?;
        if demo > 0 {
            return Ok(None);
        }
        if all > 0 {
            return Err(StoreError::Conflict(format!(
                "this store already holds {all} imported patients; the synthetic demo cohort is only created in a \
                 store of its own (give another --db)"
            )));
        }
        self.write(import::demo::demo_batch(), &NoProgress).await.map(Some)
    }

    /// Whether the store holds any patient (the app seeds the demo cohort only when not).
    pub async fn has_patients(&self) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>("SELECT EXISTS (SELECT 1 FROM patients)").fetch_one(self.pool()).await? == 1)
    }

    /// `leader import ddi FILE --source NAME`.
    pub async fn import_ddi(&self, file: &Path, source: &str, licence: &str) -> Result<ddi::DdiImportSummary> {
        let mut tx = self.pool().begin().await?;
        let s = ddi::import_ddi(&mut tx, file, source, licence).await?;
        tx.commit().await?;
        Ok(s)
    }
}
