//! The app's user (name and role), kept in the store's settings: who the desktop app
//! records as the actor of its audit events ([`crate::actor`]).

use leader_core::user::{User, UserRole};
use sqlx::Connection;

use crate::Store;
use crate::error::{Result, StoreError};

const KEY: &str = "app_user";

impl Store {
    /// The user the app was last set to, if any.
    pub async fn app_user(&self) -> Result<Option<User>> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(KEY)
            .fetch_optional(self.pool())
            .await?;
        let Some(v) = v else { return Ok(None) };
        let corrupt =
            || StoreError::Corrupt { table: "settings", column: "value", problem: "unreadable app user".into() };
        let (role, name) = v.split_once(':').ok_or_else(corrupt)?;
        let role = UserRole::parse(role).ok_or_else(corrupt)?;
        Ok(Some(User::new(name, role).map_err(|_| corrupt())?))
    }

    /// Sets the app's user, and records the change (a `user` event by the new user) in
    /// the same transaction. A user equal to the stored one is a no-op.
    pub async fn set_app_user(&self, user: &User) -> Result<()> {
        let mut conn = self.pool().acquire().await?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let before: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?").bind(KEY).fetch_optional(&mut *tx).await?;
        if before.as_deref() == Some(user.actor().as_str()) {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(KEY)
        .bind(user.actor())
        .execute(&mut *tx)
        .await?;
        let payload = serde_json::json!({ "name": user.name, "role": user.role, "first": before.is_none() });
        crate::repo::append_audit(&mut *tx, &user.actor(), "user", &payload).await?;
        tx.commit().await?;
        Ok(())
    }
}
