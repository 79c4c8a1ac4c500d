//! The LEADER Rx patient store: SQLite through sqlx (bundled SQLite, WAL, foreign keys,
//! busy timeout, backup before migrating), the importers, and the queries the CLI and
//! the app share.
//!
//! Shape: [`db::Store`] owns the pool; each import is one transaction in which the
//! importer reads, validates and writes its source in chunks through the shared
//! [`import::BatchWriter`] (memory bounded whatever the source's size); a malformed row
//! anywhere rolls the whole import back.
//! Repository functions in [`repo`] take an executor or a connection so the same code
//! runs on the pool or inside that transaction.

pub mod audit;
pub mod csvio;
pub mod db;
pub mod ddi;
pub mod error;
pub mod files;
pub mod import;
pub mod repo;
pub mod synth;

use std::path::Path;

pub use db::Store;
pub use error::{ImportError, Result, StoreError};
pub use import::atc::AtcMapSummary;
pub use import::mimic::MimicVersion;
pub use import::{ImportSummary, NoProgress, Progress};

impl Store {
    async fn write(&self, batch: import::Batch, progress: &dyn Progress) -> Result<ImportSummary> {
        let mut tx = self.pool().begin().await?;
        let mapper = import::atc::AtcMapper::load(&mut tx).await?;
        let summary = import::write_batch(&mut tx, &batch, &mapper, progress).await?;
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
        let mut tx = self.pool().begin().await?;
        let mapper = import::atc::AtcMapper::load(&mut tx).await?;
        let summary = import::mimic::import(&mut tx, dir, version, &mapper, progress).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// `leader import synthea DIR`.
    pub async fn import_synthea(&self, dir: &Path, progress: &dyn Progress) -> Result<ImportSummary> {
        let mut tx = self.pool().begin().await?;
        let mapper = import::atc::AtcMapper::load(&mut tx).await?;
        let summary = import::synthea::import(&mut tx, dir, &mapper, progress).await?;
        tx.commit().await?;
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
        tx.commit().await?;
        Ok(summary)
    }

    /// `leader import atc-map FILE`: loads the table and re-maps every prescription.
    pub async fn import_atc_map(&self, file: &Path, progress: &dyn Progress) -> Result<AtcMapSummary> {
        let mut tx = self.pool().begin().await?;
        let summary = import::atc::import_atc_map(&mut tx, file, progress).await?;
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

    pub async fn stats(&self) -> Result<repo::Stats> {
        let mut conn = self.pool().acquire().await?;
        repo::stats(&mut conn).await
    }

    pub async fn patients(&self) -> Result<Vec<repo::PatientSummary>> {
        repo::list_patients(self.pool()).await
    }

    /// `leader import ddi FILE --source NAME`.
    pub async fn import_ddi(&self, file: &Path, source: &str, licence: &str) -> Result<ddi::DdiImportSummary> {
        let mut tx = self.pool().begin().await?;
        let s = ddi::import_ddi(&mut tx, file, source, licence).await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn knowledge_base(&self, only: Option<&[String]>) -> Result<leader_core::ddi::KnowledgeBase> {
        let mut conn = self.pool().acquire().await?;
        ddi::knowledge_base(&mut conn, only).await
    }

    /// Every patient's record (for evaluation and dataset export).
    pub async fn all_patients(&self) -> Result<Vec<repo::PatientRecord>> {
        let mut conn = self.pool().acquire().await?;
        let ids = repo::patient_ids(&mut conn).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(repo::load_patient(&mut conn, &id).await?);
        }
        Ok(out)
    }

    /// The code systems of the store's mapped medications (e.g. `ATC`, `RXNORM`).
    pub async fn medication_systems(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar!(
            r#"SELECT DISTINCT med_system AS "s!" FROM prescriptions WHERE med_system IS NOT NULL ORDER BY 1"#
        )
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn record_active_model(
        &self,
        name: &str,
        version: &str,
        path: &str,
        sha256: &str,
        manifest: &str,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        repo::record_active_model(&mut tx, name, version, path, sha256, manifest).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn patient(&self, id: &str) -> Result<repo::PatientRecord> {
        let mut conn = self.pool().acquire().await?;
        repo::load_patient(&mut conn, id).await
    }
}
