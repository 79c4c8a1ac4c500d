//! Repository functions. Those that run one statement are generic over the executor,
//! so the same code runs on the pool or inside an import's transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use leader_core::{Code, CodeSystem, Patient, Prescription, Profile, Sex, Timestamp, Visit};
use serde::Serialize;
use sqlx::{Connection, Executor, Sqlite, SqliteConnection, SqlitePool};

use crate::error::{Result, StoreError};
use crate::import::bulk_insert;

/// Appends one event to the audit log, chained to the previous one (the only way rows
/// enter it; triggers refuse UPDATE, DELETE and rows that do not extend the chain).
///
/// On the pool or a connection outside a transaction it runs in its own `BEGIN IMMEDIATE`
/// transaction (the write lock is taken before the chain's head is read, so two writers
/// cannot fork the chain) and is durable when it returns (the store runs with
/// `synchronous=FULL`). Inside the caller's transaction it becomes part of it.
pub async fn append_audit<'c, W: AuditWriter<'c>>(
    writer: W,
    actor: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<i64> {
    let event =
        NewEvent { at: now_utc(), actor: actor.to_owned(), kind: kind.to_owned(), payload: payload.to_string() };
    writer.append_event(event).await
}

/// An audit event about to be appended (owned, so the write's future borrows nothing else).
#[derive(Debug)]
pub struct NewEvent {
    at: String,
    actor: String,
    kind: String,
    payload: String,
}

type SendFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// Where [`append_audit`] can write: the pool (a transaction of its own) or a connection
/// (the caller's transaction when it is in one, else a transaction of its own). A small
/// trait with boxed futures rather than `sqlx::Acquire`, whose projections make callers'
/// futures fail the `Send` check in axum and Tauri handlers.
pub trait AuditWriter<'c>: Send {
    fn append_event(self, event: NewEvent) -> SendFuture<'c, Result<i64>>;
}

impl<'c> AuditWriter<'c> for &'c SqlitePool {
    fn append_event(self, event: NewEvent) -> SendFuture<'c, Result<i64>> {
        Box::pin(async move {
            let mut conn = self.acquire().await?;
            append_in_own_transaction(&mut conn, &event).await
        })
    }
}

impl<'c> AuditWriter<'c> for &'c mut SqliteConnection {
    fn append_event(self, event: NewEvent) -> SendFuture<'c, Result<i64>> {
        Box::pin(async move {
            if self.is_in_transaction() {
                crate::audit::append(self, &event.at, &event.actor, &event.kind, &event.payload).await
            } else {
                append_in_own_transaction(self, &event).await
            }
        })
    }
}

async fn append_in_own_transaction(conn: &mut SqliteConnection, event: &NewEvent) -> Result<i64> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let id = crate::audit::append(&mut tx, &event.at, &event.actor, &event.kind, &event.payload).await?;
    tx.commit().await?;
    Ok(id)
}

/// One audit event as read back.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// The latest `decision` event recorded for a patient's visit.
pub async fn latest_decision<'e, E: Executor<'e, Database = Sqlite>>(
    e: E,
    patient_id: &str,
    admission_id: &str,
) -> Result<Option<AuditEvent>> {
    let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, at, actor, kind, payload FROM audit_log WHERE kind = 'decision' \
         AND json_extract(payload, '$.patient_id') = ?1 AND json_extract(payload, '$.admission_id') = ?2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(patient_id)
    .bind(admission_id)
    .fetch_optional(e)
    .await?;
    Ok(row.map(event_of))
}

/// An `audit_log` row (id, at, actor, kind, payload text) as an event.
fn event_of((id, at, actor, kind, payload): (i64, String, String, String, String)) -> AuditEvent {
    AuditEvent { id, at, actor, kind, payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null) }
}

/// The audit event `id`, when it exists.
pub async fn audit_event<'e, E: Executor<'e, Database = Sqlite>>(e: E, id: i64) -> Result<Option<AuditEvent>> {
    let row: Option<(i64, String, String, String, String)> =
        sqlx::query_as("SELECT id, at, actor, kind, payload FROM audit_log WHERE id = ?1")
            .bind(id)
            .fetch_optional(e)
            .await?;
    Ok(row.map(event_of))
}

pub async fn audit_events<'e, E: Executor<'e, Database = Sqlite>>(
    e: E,
    kind: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let rows = sqlx::query!(
        r#"SELECT id AS "id!", at, actor, kind, payload FROM audit_log WHERE (?1 IS NULL OR kind = ?1) ORDER BY id DESC LIMIT ?2"#,
        kind,
        limit
    )
    .fetch_all(e)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEvent {
            id: r.id,
            at: r.at,
            actor: r.actor,
            kind: r.kind,
            payload: serde_json::from_str(&r.payload).unwrap_or_default(),
        })
        .collect())
}

/// Current UTC time as `YYYY-MM-DD HH:MM:SS`, computed without a date library.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

pub async fn upsert_titles(conn: &mut SqliteConnection, titles: &[(Code, String)], source: &str) -> Result<()> {
    bulk_insert(
        conn,
        "INSERT INTO code_titles (system, code, title, source) ",
        4,
        titles,
        " ON CONFLICT (system, code) DO UPDATE SET title = excluded.title, source = excluded.source",
        |b, (c, t)| {
            b.push_bind(c.system().as_str())
                .push_bind(c.value().to_owned())
                .push_bind(t.clone())
                .push_bind(source.to_owned());
        },
    )
    .await
}

pub async fn titled_codes(conn: &mut SqliteConnection) -> Result<HashSet<(String, String)>> {
    let rows = sqlx::query!("SELECT system, code FROM code_titles").fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(|r| (r.system, r.code)).collect())
}

/// The `code_titles` source of the project's own ATC names ([`leader_core::atc_names`]).
pub const LEADER_TITLES: &str = "leader";

/// Writes the project's ATC names into `code_titles` (source [`LEADER_TITLES`]) unless the
/// store already holds this version of them, so every display path (timelines, suggestions,
/// candidates, interactions, search) finds a name for every ATC class without a lookup of
/// its own. A title another source wrote is kept (a cohort's own wording wins; the demo
/// writes the same names). Runs on every open; one read when nothing changed.
pub async fn seed_atc_names(pool: &SqlitePool) -> Result<()> {
    let fingerprint = leader_core::atc_names::fingerprint();
    let mut conn = pool.acquire().await?;
    let have: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'atc_names'").fetch_optional(&mut *conn).await?;
    if have.as_deref() == Some(fingerprint.as_str()) {
        return Ok(());
    }
    let names: Vec<(&str, &str)> = leader_core::atc_names::entries().collect();
    let mut tx = conn.begin().await?;
    // The write comes first, so the transaction takes the write lock (and waits its turn)
    // before it reads anything.
    sqlx::query("DELETE FROM code_titles WHERE system = 'ATC' AND source = ?")
        .bind(LEADER_TITLES)
        .execute(&mut *tx)
        .await?;
    bulk_insert(
        &mut tx,
        "INSERT INTO code_titles (system, code, title, source) ",
        4,
        &names,
        " ON CONFLICT (system, code) DO NOTHING",
        |b, &(code, title)| {
            b.push_bind("ATC").push_bind(code).push_bind(title).push_bind(LEADER_TITLES);
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('atc_names', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(&fingerprint)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The ATC level of the medication vocabulary (3 by default; 4 selectable).
pub async fn medication_atc_level<'e, E: Executor<'e, Database = Sqlite>>(e: E) -> Result<u8> {
    let v =
        sqlx::query_scalar!("SELECT value FROM settings WHERE key = 'medication_atc_level'").fetch_optional(e).await?;
    match v.as_deref().unwrap_or("3") {
        "3" => Ok(3),
        "4" => Ok(4),
        other => Err(StoreError::Corrupt {
            table: "settings",
            column: "medication_atc_level",
            problem: format!("`{other}` is not 3 or 4"),
        }),
    }
}

pub async fn set_medication_atc_level<'e, E: Executor<'e, Database = Sqlite>>(e: E, level: u8) -> Result<()> {
    if !(3..=4).contains(&level) {
        return Err(StoreError::Conflict(format!("the medication vocabulary can use ATC level 3 or 4, not {level}")));
    }
    let v = level.to_string();
    sqlx::query!("INSERT INTO settings (key, value) VALUES ('medication_atc_level', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", v)
        .execute(e)
        .await?;
    Ok(())
}

/// A row of `leader patient list`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct PatientSummary {
    pub id: String,
    pub source: String,
    pub sex: Sex,
    /// Age at the latest visit.
    pub age: Option<i32>,
    pub visits: i64,
    pub last_visit: Option<String>,
    pub synthetic: bool,
}

pub async fn list_patients<'e, E: Executor<'e, Database = Sqlite>>(e: E) -> Result<Vec<PatientSummary>> {
    let rows = sqlx::query!(
        r#"SELECT p.id AS "id!", p.source AS "source!", p.sex AS "sex!", p.birth_year, p.synthetic AS "synthetic!: bool",
                  COUNT(v.id) AS "visits!: i64", MAX(v.admit_time) AS "last_visit: String"
           FROM patients p LEFT JOIN visits v ON v.patient_id = p.id
           GROUP BY p.id ORDER BY p.synthetic DESC, p.id"#
    )
    .fetch_all(e)
    .await?;
    rows.into_iter()
        .map(|r| {
            let last: Option<Timestamp> = r.last_visit.as_deref().map(parse_stored_time).transpose()?;
            Ok(PatientSummary {
                age: r.birth_year.zip(last).map(|(b, t)| (t.year() - b as i32).clamp(0, 90)),
                id: r.id,
                source: r.source,
                sex: parse_sex(&r.sex)?,
                visits: r.visits,
                last_visit: last.map(|t| t.date_string()),
                synthetic: r.synthetic,
            })
        })
        .collect()
}

fn parse_sex(s: &str) -> Result<Sex> {
    match s {
        "F" => Ok(Sex::Female),
        "M" => Ok(Sex::Male),
        "U" => Ok(Sex::Unknown),
        _ => Err(StoreError::Corrupt { table: "patients", column: "sex", problem: "not F, M or U".into() }),
    }
}

fn parse_stored_time(s: &str) -> Result<Timestamp> {
    s.parse().map_err(|_| StoreError::Corrupt {
        table: "visits",
        column: "admit_time",
        problem: "not a timestamp".into(),
    })
}

fn stored_code(system: &str, value: &str, table: &'static str) -> Result<Code> {
    let system: CodeSystem = system.parse().map_err(|_| StoreError::Corrupt {
        table,
        column: "system",
        problem: "unknown code system".into(),
    })?;
    Code::new(system, value).map_err(|_| StoreError::Corrupt {
        table,
        column: "code",
        problem: format!("invalid {system} code"),
    })
}

/// A patient with every visit in time order, and the titles of the codes they carry.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PatientRecord {
    pub patient: Patient,
    pub visits: Vec<Visit>,
    /// `SYSTEM:VALUE` → title, for every titled code of this patient.
    pub titles: BTreeMap<String, String>,
}

pub async fn load_patient(conn: &mut SqliteConnection, id: &str) -> Result<PatientRecord> {
    let p = sqlx::query!(
        r#"SELECT id AS "id!", source, sex, birth_year, synthetic AS "synthetic: bool" FROM patients WHERE id = ?"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound("no patient with that id in this store".into()))?;
    let patient = Patient {
        id: p.id,
        source: p.source,
        sex: parse_sex(&p.sex)?,
        birth_year: p.birth_year.map(|y| y as i32),
        synthetic: p.synthetic,
    };

    let visit_rows = sqlx::query!(
        r#"SELECT id AS "id!", admission_id, admit_time, discharge_time, admission_type, insurance, language, marital_status, race
           FROM visits WHERE patient_id = ? ORDER BY admit_time, id"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut visits = Vec::with_capacity(visit_rows.len());
    for (i, v) in visit_rows.into_iter().enumerate() {
        index.insert(v.id, i);
        visits.push(Visit {
            admission_id: v.admission_id,
            admit_time: parse_stored_time(&v.admit_time)?,
            discharge_time: v.discharge_time.as_deref().map(parse_stored_time).transpose()?,
            profile: Profile {
                admission_type: v.admission_type,
                insurance: v.insurance,
                language: v.language,
                marital_status: v.marital_status,
                race: v.race,
            },
            diagnoses: Vec::new(),
            procedures: Vec::new(),
            prescriptions: Vec::new(),
        });
    }
    let mut titles = BTreeMap::new();
    // Diagnoses and procedures in one pass (kind 0 and 1), in visit and sequence order.
    let coded = sqlx::query!(
        r#"SELECT 0 AS "kind!: i64", d.visit_id, d.seq_num, d.system, d.code, t.title AS "title?" FROM diagnoses d
           JOIN visits v ON v.id = d.visit_id LEFT JOIN code_titles t ON t.system = d.system AND t.code = d.code
           WHERE v.patient_id = ?1
           UNION ALL
           SELECT 1, p.visit_id, p.seq_num, p.system, p.code, t.title FROM procedures p
           JOIN visits v ON v.id = p.visit_id LEFT JOIN code_titles t ON t.system = p.system AND t.code = p.code
           WHERE v.patient_id = ?1
           ORDER BY 1, 2, 3"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in coded {
        let table = if r.kind == 0 { "diagnoses" } else { "procedures" };
        let code = stored_code(&r.system, &r.code, table)?;
        if let Some(t) = r.title {
            titles.insert(code.to_string(), t);
        }
        if let Some(&i) = index.get(&r.visit_id) {
            let list = if r.kind == 0 { &mut visits[i].diagnoses } else { &mut visits[i].procedures };
            list.push(code);
        }
    }
    let rx = sqlx::query!(
        r#"SELECT p.visit_id, p.drug, p.ndc, p.gsn, p.formulary_code, p.route, p.start_time, p.stop_time, p.med_system, p.med_code
           FROM prescriptions p JOIN visits v ON v.id = p.visit_id WHERE v.patient_id = ? ORDER BY p.visit_id, p.id"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rx {
        let medication = match (r.med_system.as_deref(), r.med_code.as_deref()) {
            (Some(s), Some(c)) => Some(stored_code(s, c, "prescriptions")?),
            _ => None,
        };
        let time = |t: Option<String>| t.as_deref().map(parse_stored_time).transpose();
        if let Some(&i) = index.get(&r.visit_id) {
            visits[i].prescriptions.push(Prescription {
                drug: r.drug,
                ndc: r.ndc,
                gsn: r.gsn,
                formulary_code: r.formulary_code,
                route: r.route,
                start: time(r.start_time)?,
                stop: time(r.stop_time)?,
                medication,
            });
        }
    }
    // Titles of medication classes (e.g. the demo's own ATC class titles).
    let meds: HashSet<Code> =
        visits.iter().flat_map(|v| v.prescriptions.iter().filter_map(|p| p.medication.clone())).collect();
    for m in meds {
        for c in [Some(m.clone()), m.at_atc_level(3)].into_iter().flatten() {
            let (s, v) = (c.system().as_str(), c.value());
            if let Some(t) = sqlx::query_scalar!("SELECT title FROM code_titles WHERE system = ? AND code = ?", s, v)
                .fetch_optional(&mut *conn)
                .await?
            {
                titles.insert(c.to_string(), t);
            }
        }
    }
    Ok(PatientRecord { patient, visits, titles })
}

/// `leader stats`.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
pub struct Stats {
    pub patients: i64,
    pub synthetic_patients: i64,
    pub patients_single_visit: i64,
    pub patients_multi_visit: i64,
    pub visits: i64,
    pub diagnoses: i64,
    pub procedures: i64,
    pub prescriptions: i64,
    pub prescriptions_mapped: i64,
    /// Mapped share of prescriptions, 0–1.
    pub mapped_share: f64,
    pub distinct_medications: i64,
    pub medication_atc_level: u8,
    pub code_titles: i64,
    pub atc_map_rows: i64,
    pub ddi_pairs: i64,
    pub models: i64,
    pub audit_events: i64,
    pub patients_by_source: BTreeMap<String, i64>,
    /// Most frequent unmapped drug names (a spelling seen, count), for pharmacists to
    /// extend the mapping tables.
    pub top_unmapped: Vec<(String, i64)>,
}

pub async fn stats(conn: &mut SqliteConnection) -> Result<Stats> {
    let c = sqlx::query!(
        r#"SELECT
            (SELECT COUNT(*) FROM patients) AS "patients!: i64",
            (SELECT COUNT(*) FROM patients WHERE synthetic = 1) AS "synthetic!: i64",
            (SELECT COUNT(*) FROM visits) AS "visits!: i64",
            (SELECT COUNT(*) FROM diagnoses) AS "diagnoses!: i64",
            (SELECT COUNT(*) FROM procedures) AS "procedures!: i64",
            (SELECT COUNT(*) FROM prescriptions) AS "prescriptions!: i64",
            (SELECT COUNT(*) FROM prescriptions WHERE med_code IS NOT NULL) AS "mapped!: i64",
            (SELECT COUNT(*) FROM code_titles) AS "titles!: i64",
            (SELECT COUNT(*) FROM atc_map) AS "atc_map!: i64",
            (SELECT COUNT(*) FROM ddi_pairs) AS "ddi!: i64",
            (SELECT COUNT(*) FROM models) AS "models!: i64",
            (SELECT COUNT(*) FROM audit_log) AS "audit!: i64""#
    )
    .fetch_one(&mut *conn)
    .await?;
    let per_patient = sqlx::query!(
        r#"SELECT SUM(n = 1) AS "single: i64", SUM(n >= 2) AS "multi: i64"
           FROM (SELECT COUNT(*) AS n FROM visits GROUP BY patient_id)"#
    )
    .fetch_one(&mut *conn)
    .await?;
    let level = medication_atc_level(&mut *conn).await?;
    let atc_len = leader_core::code::atc_len(level).unwrap_or(4) as i64;
    let distinct = sqlx::query_scalar!(
        r#"SELECT COUNT(DISTINCT med_system || ':' || CASE WHEN med_system = 'ATC' THEN substr(med_code, 1, ?) ELSE med_code END) AS "n!: i64"
           FROM prescriptions WHERE med_code IS NOT NULL AND (med_system <> 'ATC' OR length(med_code) >= ?)"#,
        atc_len,
        atc_len
    )
    .fetch_one(&mut *conn)
    .await?;
    let by_source =
        sqlx::query!(r#"SELECT source, COUNT(*) AS "n!: i64" FROM patients GROUP BY source ORDER BY source"#)
            .fetch_all(&mut *conn)
            .await?;
    let unmapped = sqlx::query!(
        r#"SELECT MIN(drug) AS "drug!: String", COUNT(*) AS "n!: i64" FROM prescriptions WHERE med_code IS NULL
           GROUP BY drug_key ORDER BY 2 DESC, 1 LIMIT 15"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Stats {
        patients: c.patients,
        synthetic_patients: c.synthetic,
        patients_single_visit: per_patient.single.unwrap_or(0),
        patients_multi_visit: per_patient.multi.unwrap_or(0),
        visits: c.visits,
        diagnoses: c.diagnoses,
        procedures: c.procedures,
        prescriptions: c.prescriptions,
        prescriptions_mapped: c.mapped,
        mapped_share: if c.prescriptions == 0 { 0.0 } else { c.mapped as f64 / c.prescriptions as f64 },
        distinct_medications: distinct,
        medication_atc_level: level,
        code_titles: c.titles,
        atc_map_rows: c.atc_map,
        ddi_pairs: c.ddi,
        models: c.models,
        audit_events: c.audit,
        patients_by_source: by_source.into_iter().map(|r| (r.source, r.n)).collect(),
        top_unmapped: unmapped.into_iter().map(|r| (r.drug, r.n)).collect(),
    })
}

/// Display names for medication codes at `level`: our own (or the cohort's) title when
/// the store has one, else the drug names prescribed under that code, most frequent first.
pub async fn medication_names(conn: &mut SqliteConnection, level: u8) -> Result<HashMap<String, String>> {
    let len = leader_core::code::atc_len(level).unwrap_or(4) as i64;
    let rows = sqlx::query!(
        r#"SELECT med_system AS "system!", CASE WHEN med_system = 'ATC' THEN substr(med_code, 1, ?1) ELSE med_code END AS "code!: String",
                  drug, COUNT(*) AS "n!: i64"
           FROM prescriptions WHERE med_code IS NOT NULL GROUP BY 1, 2, drug_key ORDER BY 1, 2, 4 DESC"#,
        len
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut names: HashMap<String, Vec<String>> = HashMap::new();
    for r in rows {
        let e = names.entry(format!("{}:{}", r.system, r.code)).or_default();
        if e.len() < 3 {
            e.push(r.drug);
        }
    }
    let mut out: HashMap<String, String> = names.into_iter().map(|(k, v)| (k, v.join(" / "))).collect();
    let titles = sqlx::query!(r#"SELECT system, code, title FROM code_titles WHERE system IN ('ATC', 'RXNORM')"#)
        .fetch_all(&mut *conn)
        .await?;
    for t in titles {
        out.insert(format!("{}:{}", t.system, t.code), t.title);
    }
    Ok(out)
}

/// Titles of the given codes (`SYSTEM:VALUE` → title), for evidence and interaction displays.
pub async fn titles_of(conn: &mut SqliteConnection, codes: &[Code]) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for c in codes {
        let (s, v) = (c.system().as_str(), c.value());
        if let Some(t) = sqlx::query_scalar!("SELECT title FROM code_titles WHERE system = ? AND code = ?", s, v)
            .fetch_optional(&mut *conn)
            .await?
        {
            out.insert(c.to_string(), t);
        }
    }
    Ok(out)
}

/// Marks `name` as the active model in the registry table (one transaction: exactly one
/// row stays active).
pub async fn record_active_model(
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

/// A code found by [`search_codes`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct CodeHit {
    pub code: String,
    pub title: String,
}

/// Type-ahead over code titles and codes: `systems` limits the code systems; medication
/// searches also match the drug names prescribed under a class.
pub async fn search_codes(
    conn: &mut SqliteConnection,
    query: &str,
    systems: &[&str],
    limit: i64,
    level: u8,
) -> Result<Vec<CodeHit>> {
    let q = query.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let code_q = format!("{}%", q.to_uppercase().replace(['.', '%'], ""));
    let title_q = format!("%{}%", q.replace('%', ""));
    let sys = serde_json::to_string(systems).unwrap_or_else(|_| "[]".into());
    let rows = sqlx::query!(
        r#"SELECT system, code, title FROM code_titles
           WHERE system IN (SELECT value FROM json_each(?1)) AND (code LIKE ?2 OR title LIKE ?3)
           ORDER BY (code LIKE ?2) DESC, length(title), code LIMIT ?4"#,
        sys,
        code_q,
        title_q,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<CodeHit> =
        rows.into_iter().map(|r| CodeHit { code: format!("{}:{}", r.system, r.code), title: r.title }).collect();
    if systems.iter().any(|s| *s == "ATC" || *s == "RXNORM") && (out.len() as i64) < limit {
        let names = medication_names(conn, level).await?;
        let ql = q.to_lowercase();
        let mut extra: Vec<CodeHit> = names
            .into_iter()
            .filter(|(code, name)| name.to_lowercase().contains(&ql) || code.to_lowercase().contains(&ql))
            .filter(|(code, _)| systems.iter().any(|s| code.starts_with(&format!("{s}:"))))
            .map(|(code, title)| CodeHit { code, title })
            .collect();
        extra.sort_by(|a, b| a.code.cmp(&b.code));
        for h in extra {
            if (out.len() as i64) >= limit {
                break;
            }
            if !out.iter().any(|o| o.code == h.code) {
                out.push(h);
            }
        }
    }
    Ok(out)
}

/// Every patient with visits, in id order (for evaluation and dataset export).
pub async fn patient_ids(conn: &mut SqliteConnection) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(r#"SELECT DISTINCT patient_id AS "id!" FROM visits ORDER BY patient_id"#)
        .fetch_all(&mut *conn)
        .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_a_plausible_timestamp() {
        let now: leader_core::Timestamp = super::now_utc().parse().expect("now_utc writes a valid timestamp");
        assert!(now.year() >= 2024);
    }
}
