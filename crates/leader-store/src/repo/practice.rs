//! Past practice within each medication class: which ingredients (and routes) this store's
//! visits ordered in a class, overall and at visits carrying a given diagnosis. The table
//! (`class_practice`, see its migration) is derived from `prescriptions` and `diagnoses`,
//! rebuilt inside every import and, when its stamp is behind the audit log, before a read.

use std::collections::HashMap;

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

/// Interns strings as dense ids.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(s.to_owned(), id);
        self.names.push(s.to_owned());
        id
    }
}

/// Rows of `table` (`columns` where `filter`) up to rowid `max_rowid`, in storage order,
/// handed to `each` one at a time but read in chunks of rowids, each chunk one JSON array:
/// sqlx hands rows over from SQLite's thread one at a time, which for millions of rows costs
/// more than the scan.
async fn scan<R: serde::de::DeserializeOwned>(
    conn: &mut SqliteConnection,
    table: &'static str,
    max_rowid: i64,
    columns: &str,
    filter: &str,
    mut each: impl FnMut(R) -> Result<()>,
) -> Result<()> {
    const CHUNK: i64 = 100_000;
    let sql = format!(
        "SELECT json_group_array(json_array({columns})) FROM {table} WHERE rowid > ?1 AND rowid <= ?2 AND ({filter})"
    );
    let mut from = 0;
    while from < max_rowid {
        let json: String = sqlx::query_scalar(&sql).bind(from).bind(from + CHUNK).fetch_one(&mut *conn).await?;
        let rows: Vec<R> = serde_json::from_str(&json).map_err(|_| crate::StoreError::Corrupt {
            table,
            column: "*",
            problem: "not the expected columns".into(),
        })?;
        rows.into_iter().try_for_each(&mut each)?;
        from += CHUNK;
    }
    Ok(())
}

/// `table`'s largest rowid: where [`scan`] stops, and an upper bound on its rows to size a
/// vector once (grown by doubling, a vector of 17M entries would briefly hold room for 32M).
async fn max_rowid(conn: &mut SqliteConnection, table: &str) -> Result<i64> {
    let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(rowid) FROM {table}")).fetch_one(&mut *conn).await?;
    Ok(max.unwrap_or(0).max(0))
}

/// "All visits" in place of a diagnosis id.
const ALL: u32 = u32::MAX;

/// A hasher for the dense integer keys below (SipHash, the standard one, resists crafted
/// keys and costs several times more; these keys are our own ids): one multiply, as in
/// Firefox's and rustc's FxHash.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type IdHash = std::hash::BuildHasherDefault<IdHasher>;

/// `(id, diagnosis)` as one key.
fn pair_key(id: u32, dx: u32) -> u64 {
    (u64::from(id) << 32) | u64::from(dx)
}

/// Counts of distinct visits, accumulated one visit at a time.
#[derive(Default)]
struct Counts {
    /// (ingredient+route id, diagnosis id or ALL) -> visits
    orders: HashMap<u64, u32, IdHash>,
    /// (class id, diagnosis id or ALL) -> visits with any order in the class
    totals: HashMap<u64, u32, IdHash>,
}

impl Counts {
    /// Adds one visit: its distinct orders, the classes they fall in and its diagnoses.
    fn visit(&mut self, orders: &[u32], classes: &[u32], diagnoses: &[u32]) {
        for dx in diagnoses.iter().copied().chain([ALL]) {
            for &o in orders {
                *self.orders.entry(pair_key(o, dx)).or_default() += 1;
            }
            for &c in classes {
                *self.totals.entry(pair_key(c, dx)).or_default() += 1;
            }
        }
    }
}

/// Rebuilds `class_practice` inside the caller's transaction, stamped with the latest
/// import: classes at ATC levels 3 and 4, counts of distinct visits. One scan of the
/// diagnoses and one of the mapped prescriptions in storage order (reading them in visit
/// order through the index is a random read per row: half a minute per 5M rows), sorted by
/// visit and counted in memory (a join and `GROUP BY` in SQL sorts every visit × diagnosis ×
/// order row: minutes on a store of millions of prescriptions).
pub(crate) async fn refresh_practice(conn: &mut SqliteConnection) -> Result<()> {
    let visit_id = |v: i64| {
        u32::try_from(v).map_err(|_| crate::StoreError::Corrupt {
            table: "visits",
            column: "id",
            problem: "a visit id beyond 32 bits".into(),
        })
    };
    // Each visit's distinct diagnoses, sorted by visit.
    let mut dx = Interner::default();
    let max = max_rowid(conn, "diagnoses").await?;
    let mut visit_dx: Vec<(u32, u32)> = Vec::with_capacity(max as usize);
    scan(conn, "diagnoses", max, "visit_id, system || ':' || code", "TRUE", |(visit, key): (i64, String)| {
        visit_dx.push((visit_id(visit)?, dx.id(&key)));
        Ok(())
    })
    .await?;
    visit_dx.sort_unstable();
    visit_dx.dedup();

    // Each visit's distinct (ingredient, route) orders, as `visit << 32 | order id`, sorted.
    let mut order_ids = Interner::default();
    let mut class_ids = Interner::default();
    // The level-3 and level-4 classes of each (ingredient, route).
    let mut classes_of: Vec<[u32; 2]> = Vec::new();
    let max = max_rowid(conn, "prescriptions").await?;
    let mut visit_orders: Vec<u64> = Vec::with_capacity(max as usize);
    let mut key = String::new();
    let columns = "visit_id, med_code, route";
    scan(
        conn,
        "prescriptions",
        max,
        columns,
        "med_system = 'ATC'",
        |(visit, code, route): (i64, String, Option<String>)| {
            if code.len() != 7 {
                return Ok(());
            }
            key.clear();
            key.push_str(&code);
            key.push('\t');
            key.push_str(&route.as_deref().unwrap_or("").trim().to_uppercase());
            let id = order_ids.id(&key);
            if id as usize == classes_of.len() {
                classes_of.push([class_ids.id(&code[..4]), class_ids.id(&code[..5])]);
            }
            let packed = (u64::from(visit_id(visit)?) << 32) | u64::from(id);
            // Rows of one visit mostly come together: skip the repeats at once.
            if visit_orders.last() != Some(&packed) {
                visit_orders.push(packed);
            }
            Ok(())
        },
    )
    .await?;
    visit_orders.sort_unstable();
    visit_orders.dedup();

    let mut counts = Counts::default();
    let (mut next_dx, mut classes) = (0usize, Vec::<u32>::new());
    for group in visit_orders.chunk_by(|a, b| a >> 32 == b >> 32) {
        let visit = (group[0] >> 32) as u32;
        while next_dx < visit_dx.len() && visit_dx[next_dx].0 < visit {
            next_dx += 1;
        }
        let from = next_dx;
        while next_dx < visit_dx.len() && visit_dx[next_dx].0 == visit {
            next_dx += 1;
        }
        let diagnoses: Vec<u32> = visit_dx[from..next_dx].iter().map(|&(_, d)| d).collect();
        let orders: Vec<u32> = group.iter().map(|&p| p as u32).collect();
        classes.clear();
        classes.extend(orders.iter().flat_map(|&o| classes_of[o as usize]));
        classes.sort_unstable();
        classes.dedup();
        counts.visit(&orders, &classes, &diagnoses);
    }
    drop(visit_orders);
    drop(visit_dx);

    // Rows: every overall count; per diagnosis, the (class, diagnosis) pairs with enough
    // visits and their ingredients.
    let dx_name = |d: u32| if d == ALL { "" } else { dx.names[d as usize].as_str() };
    let mut rows: Vec<(String, String, String, String, i64)> = Vec::new();
    for (&k, &n) in &counts.totals {
        let (class, d) = ((k >> 32) as u32, k as u32);
        if d == ALL || i64::from(n) >= MIN_VISITS {
            rows.push((
                class_ids.names[class as usize].clone(),
                dx_name(d).to_owned(),
                String::new(),
                String::new(),
                n.into(),
            ));
        }
    }
    for (&k, &n) in &counts.orders {
        let (order, d) = ((k >> 32) as u32, k as u32);
        let (ingredient, route) = order_ids.names[order as usize].split_once('\t').unwrap_or_default();
        for class in classes_of[order as usize] {
            if d == ALL || counts.totals.get(&pair_key(class, d)).is_some_and(|&t| i64::from(t) >= MIN_VISITS) {
                let class = class_ids.names[class as usize].clone();
                rows.push((class, dx_name(d).to_owned(), ingredient.to_owned(), route.to_owned(), n.into()));
            }
        }
    }
    sqlx::query("DELETE FROM class_practice").execute(&mut *conn).await?;
    crate::bulk::bulk_insert_owned(
        conn,
        "INSERT INTO class_practice (class_code, diagnosis, ingredient, route, visits) ",
        5,
        rows,
        |b, (class, dx, ingredient, route, n)| {
            b.push_bind(class).push_bind(dx).push_bind(ingredient).push_bind(route).push_bind(n);
        },
    )
    .await?;
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
