//! The model registry table (which model is active; the files live beside the store).

use sqlx::SqliteConnection;

use crate::Store;
use crate::error::Result;
use crate::repo::audit::now_utc;

/// Marks `name` as the active model in the registry table (one transaction: exactly one
/// row stays active).
async fn record_active_model(
    conn: &mut SqliteConnection,
    name: &str,
    version: &str,
    path: &str,
    sha256: &str,
    manifest: &str,
) -> Result<()> {
    let now = now_utc();
    sqlx::query!("UPDATE models SET active = 0 WHERE active = 1").execute(&mut *conn).await?;
    sqlx::query!(
        "INSERT INTO models (id, version, path, sha256, installed_at, active, manifest) VALUES (?, ?, ?, ?, ?, 1, ?) \
         ON CONFLICT (id) DO UPDATE SET active = 1, path = excluded.path, sha256 = excluded.sha256, manifest = excluded.manifest",
        name,
        version,
        path,
        sha256,
        now,
        manifest
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// Marks `name` as the active model in the registry table (exactly one row stays
    /// active).
    pub async fn record_active_model(
        &self,
        name: &str,
        version: &str,
        path: &str,
        sha256: &str,
        manifest: &str,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        record_active_model(&mut tx, name, version, path, sha256, manifest).await?;
        tx.commit().await?;
        Ok(())
    }
}
