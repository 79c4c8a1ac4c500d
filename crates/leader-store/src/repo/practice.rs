//! Past practice within each medication class: which ingredients (and routes) this store's
//! visits ordered in a class, overall and at visits carrying a given diagnosis. The table
//! (`class_practice`, see its migration) is derived from `prescriptions` and `diagnoses`,
//! rebuilt inside every import and, when its stamp is behind the audit log, before a read.

use leader_core::Code;
use sqlx::{Connection, SqliteConnection};

use crate::Store;
use crate::error::Result;

/// Fewest visits of a (class, diagnosis) for its rows to be kept: below it a share would
/// be too noisy to show, and the class's overall rows are used instead.
pub const MIN_VISITS: i64 = 5;

/// A `class_practice` row: `visits` visits carrying `diagnosis` (`None`: all visits)
/// ordered `ingredient` by `route` (both `None`: any ingredient of the class, the total).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PracticeRow {
    pub class_code: String,
    pub diagnosis: String,
    pub ingredient: String,
    pub route: String,
    pub visits: i64,
}

impl PracticeRow {
    /// Whether this row is the class's total (visits with any order in the class).
    pub fn is_total(&self) -> bool {
        self.ingredient.is_empty()
    }

    /// Whether this row counts every visit rather than those with one diagnosis.
    pub fn is_overall(&self) -> bool {
        self.diagnosis.is_empty()
    }
}

/// Whether `class_practice` reflects the latest import (stamped like `patient_summaries`).
const PRACTICE_FRESH: &str = "SELECT (SELECT value FROM settings WHERE key = 'class_practice') \
     IS (SELECT CAST(MAX(id) AS TEXT) FROM audit_log WHERE kind IN ('import', 'import-atc-map'))";

/// Rebuilds `class_practice` inside the caller's transaction, stamped with the latest
/// import. Counts are of distinct visits; classes at ATC levels 3 and 4.
pub(crate) async fn refresh_practice(conn: &mut SqliteConnection) -> Result<()> {
    let min = MIN_VISITS;
    sqlx::query("DELETE FROM class_practice").execute(&mut *conn).await?;
    sqlx::query("DROP TABLE IF EXISTS temp.practice_orders").execute(&mut *conn).await?;
    // Each visit's distinct (ingredient, route) orders, with the ingredient's class.
    sqlx::query(
        "CREATE TEMP TABLE practice_orders AS \
         SELECT DISTINCT visit_id, med_code AS ingredient, COALESCE(UPPER(TRIM(route)), '') AS route \
         FROM prescriptions WHERE med_system = 'ATC' AND length(med_code) = 7",
    )
    .execute(&mut *conn)
    .await?;
    for len in [4_i64, 5] {
        // Overall: per ingredient and route, and the class's total.
        sqlx::query(
            "INSERT INTO class_practice (class_code, diagnosis, ingredient, route, visits) \
             SELECT substr(ingredient, 1, ?1), '', ingredient, route, COUNT(*) FROM practice_orders GROUP BY 1, 3, 4",
        )
        .bind(len)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO class_practice (class_code, diagnosis, ingredient, route, visits) \
             SELECT substr(ingredient, 1, ?1), '', '', '', COUNT(DISTINCT visit_id) FROM practice_orders GROUP BY 1",
        )
        .bind(len)
        .execute(&mut *conn)
        .await?;
        // Per diagnosis: the class's total first, then the ingredients of the (class,
        // diagnosis) pairs with enough visits.
        sqlx::query(
            "INSERT INTO class_practice (class_code, diagnosis, ingredient, route, visits) \
             SELECT substr(o.ingredient, 1, ?1), d.system || ':' || d.code, '', '', COUNT(DISTINCT o.visit_id) \
             FROM practice_orders o JOIN diagnoses d ON d.visit_id = o.visit_id GROUP BY 1, 2 HAVING COUNT(DISTINCT o.visit_id) >= ?2",
        )
        .bind(len)
        .bind(min)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO class_practice (class_code, diagnosis, ingredient, route, visits) \
             SELECT substr(o.ingredient, 1, ?1) AS class, d.system || ':' || d.code AS dx, o.ingredient, o.route, \
                    COUNT(DISTINCT o.visit_id) \
             FROM practice_orders o JOIN diagnoses d ON d.visit_id = o.visit_id \
             WHERE EXISTS (SELECT 1 FROM class_practice t WHERE t.diagnosis = d.system || ':' || d.code \
                           AND t.class_code = substr(o.ingredient, 1, ?1) AND t.ingredient = '') \
             GROUP BY 1, 2, 3, 4",
        )
        .bind(len)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DROP TABLE temp.practice_orders").execute(&mut *conn).await?;
    sqlx::query("DELETE FROM settings WHERE key = 'class_practice'").execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO settings (key, value) SELECT 'class_practice', CAST(MAX(id) AS TEXT) FROM audit_log \
         WHERE kind IN ('import', 'import-atc-map') HAVING MAX(id) IS NOT NULL",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The practice rows of classes at `level` (3 or 4) for visits with any of `diagnoses`,
/// and overall; rebuilt first when an import has run since.
async fn practice(conn: &mut SqliteConnection, level: u8, diagnoses: &[Code]) -> Result<Vec<PracticeRow>> {
    let fresh: bool = sqlx::query_scalar(PRACTICE_FRESH).fetch_one(&mut *conn).await?;
    if !fresh {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        if !sqlx::query_scalar::<_, bool>(PRACTICE_FRESH).fetch_one(&mut *tx).await? {
            refresh_practice(&mut tx).await?;
        }
        tx.commit().await?;
    }
    let Some(len) = leader_core::code::atc_len(level) else { return Ok(Vec::new()) };
    let keys: Vec<String> = diagnoses.iter().map(ToString::to_string).collect();
    let keys = serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into());
    Ok(sqlx::query_as(
        "SELECT class_code, diagnosis, ingredient, route, visits FROM class_practice \
         WHERE length(class_code) = ?1 AND (diagnosis = '' OR diagnosis IN (SELECT value FROM json_each(?2))) \
         ORDER BY class_code, diagnosis, visits DESC, ingredient, route",
    )
    .bind(len as i64)
    .bind(keys)
    .fetch_all(&mut *conn)
    .await?)
}

impl Store {
    /// What this store's visits ordered within each class at `level` (3 or 4; none at other
    /// levels): overall, and at visits carrying each of `diagnoses`.
    pub async fn class_practice(&self, level: u8, diagnoses: &[Code]) -> Result<Vec<PracticeRow>> {
        let mut conn = self.conn().await?;
        practice(&mut conn, level, diagnoses).await
    }
}
