use std::path::{Path, PathBuf};

use leader_store::Store;
use leader_store::audit::{AuditProblem, AuditVerification, GENESIS};
use leader_store::tx::append_audit;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::common::*;

/// A file store in a fresh folder with `n` decision events.
async fn store_with_events(n: usize) -> (tempfile::TempDir, PathBuf, Store) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("leader.sqlite");
    let store = Store::open(&path).await.expect("opens");
    for i in 0..n {
        append_audit(store.pool(), "tester", "decision", &serde_json::json!({ "n": i, "accepted": ["ATC:B01A"] }))
            .await
            .expect("append");
    }
    (dir, path, store)
}

/// What someone with the file and the sqlite3 shell can do: a plain connection, no
/// application code in the way.
async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path)).await.expect("raw connection")
}

async fn sql(conn: &mut SqliteConnection, statement: &str) {
    sqlx::query(statement).execute(&mut *conn).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// Drops the audit log's triggers, as an attacker with write access to the file can.
async fn drop_triggers(conn: &mut SqliteConnection) {
    for t in ["audit_log_no_update", "audit_log_no_delete", "audit_log_insert_at_chain_end"] {
        sql(conn, &format!("DROP TRIGGER {t}")).await;
    }
}

fn broken_at(v: &AuditVerification) -> (i64, AuditProblem) {
    assert!(!v.ok, "the chain must be reported broken: {v:?}");
    let b = v.first_break.as_ref().expect("a break is named");
    (b.id, b.problem)
}

#[tokio::test]
async fn a_normal_store_with_many_events_verifies_and_names_its_head() {
    let (_dir, path, store) = store_with_events(2_345).await;
    // Events written inside a caller's transaction (as imports do) chain the same way.
    let mut tx = store.pool().begin().await.expect("tx");
    for i in 0..3 {
        append_audit(&mut *tx, "import", "import", &serde_json::json!({ "batch": i })).await.expect("append in tx");
    }
    tx.commit().await.expect("commit");
    let v = store.verify_audit().await.expect("verify");
    assert!(v.ok, "{v:?}");
    assert_eq!((v.events, v.verified), (2_348, 2_348), "every row is checked, across pages");
    assert_eq!(v.one_line(), "Audit trail verified: 2348 events, chain intact");
    let head: String = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_one(store.pool())
        .await
        .expect("head");
    assert_eq!(v.head.as_deref(), Some(head.as_str()));
    store.close().await;
    let reopened = Store::open(&path).await.expect("reopens");
    assert!(reopened.verify_audit().await.expect("verify").ok);
}

#[tokio::test]
async fn the_first_event_chains_from_genesis_and_each_from_the_one_before() {
    let store = memory_store().await;
    append_audit(store.pool(), "a", "decision", &serde_json::json!({})).await.expect("append");
    append_audit(store.pool(), "b", "decision", &serde_json::json!({"x": 1})).await.expect("append");
    let rows: Vec<(i64, String, String, String, String, String, String)> =
        sqlx::query_as("SELECT id, at, actor, kind, payload, prev_hash, hash FROM audit_log ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("rows");
    assert_eq!(rows[0].5, GENESIS);
    assert_eq!(rows[1].5, rows[0].6);
    for (id, at, actor, kind, payload, prev, hash) in &rows {
        assert_eq!(&leader_store::audit::row_hash(prev, *id, at, actor, kind, payload), hash);
    }
    let empty = memory_store().await.verify_audit().await.expect("verify");
    assert!(empty.ok && empty.events == 0 && empty.head.is_none());
}

#[tokio::test]
async fn insert_or_replace_of_a_past_event_is_refused_on_a_raw_connection() {
    let (_dir, path, store) = store_with_events(5).await;
    let mut conn = raw(&path).await;
    let (prev, hash): (String, String) =
        sqlx::query_as("SELECT prev_hash, hash FROM audit_log WHERE id = 3").fetch_one(&mut conn).await.expect("row 3");
    let forged = sqlx::query(
        "INSERT OR REPLACE INTO audit_log (id, at, actor, kind, payload, prev_hash, hash) \
         VALUES (3, '2026-01-01 00:00:00', 'tester', 'decision', '{\"accepted\":\"ATC:N02A\"}', ?, ?)",
    )
    .bind(&prev)
    .bind(&hash)
    .execute(&mut conn)
    .await;
    assert!(forged.expect_err("REPLACE refused").to_string().contains("append-only"));
    // The last row too (its id is taken, so it is not at the chain's end either).
    let last = sqlx::query(
        "REPLACE INTO audit_log (id, at, actor, kind, payload, prev_hash, hash) \
         SELECT id, at, actor, kind, '{}', prev_hash, hash FROM audit_log WHERE id = 5",
    )
    .execute(&mut conn)
    .await;
    assert!(last.is_err(), "REPLACE of the last event refused");
    let upsert = sqlx::query(
        "INSERT INTO audit_log (id, at, actor, kind, payload, prev_hash, hash) \
         SELECT id, at, actor, kind, payload, prev_hash, hash FROM audit_log WHERE id = 2 \
         ON CONFLICT (id) DO UPDATE SET payload = '{}'",
    )
    .execute(&mut conn)
    .await;
    assert!(upsert.is_err(), "an upsert is refused");
    let plain = sqlx::query("INSERT INTO audit_log (at, actor, kind, payload) VALUES ('x', 'y', 'decision', '{}')")
        .execute(&mut conn)
        .await;
    assert!(plain.is_err(), "a row that does not extend the chain is refused");
    let delete = sqlx::query("DELETE FROM audit_log WHERE id = 1").execute(&mut conn).await;
    assert!(delete.is_err(), "DELETE stays refused");
    conn.close().await.expect("close");
    let v = store.verify_audit().await.expect("verify");
    assert!(v.ok && v.events == 5, "nothing changed: {v:?}");
    let events = store.audit_events(None, 10).await.expect("read");
    assert!(events.iter().all(|e| e.payload.get("accepted").is_some_and(|a| a.is_array())), "no forged row");
}

#[tokio::test]
async fn with_the_triggers_dropped_an_updated_payload_is_found() {
    let (_dir, path, store) = store_with_events(10).await;
    let mut conn = raw(&path).await;
    drop_triggers(&mut conn).await;
    sql(&mut conn, "UPDATE audit_log SET payload = '{\"n\":6,\"accepted\":[\"ATC:N02A\"]}' WHERE id = 7").await;
    conn.close().await.expect("close");
    let v = store.verify_audit().await.expect("verify");
    assert_eq!(broken_at(&v), (7, AuditProblem::Changed));
    assert_eq!(v.verified, 6, "the six events before it are intact");
    assert!(v.one_line().contains("#7"), "{}", v.one_line());
}

#[tokio::test]
async fn an_edited_hash_column_is_found_at_that_row() {
    let (_dir, path, store) = store_with_events(6).await;
    let mut conn = raw(&path).await;
    drop_triggers(&mut conn).await;
    sql(&mut conn, &format!("UPDATE audit_log SET hash = '{GENESIS}' WHERE id = 4")).await;
    conn.close().await.expect("close");
    assert_eq!(broken_at(&store.verify_audit().await.expect("verify")), (4, AuditProblem::Changed));
}

#[tokio::test]
async fn a_deleted_event_is_found_at_the_one_after_it() {
    let (_dir, path, store) = store_with_events(10).await;
    let mut conn = raw(&path).await;
    drop_triggers(&mut conn).await;
    sql(&mut conn, "DELETE FROM audit_log WHERE id = 4").await;
    conn.close().await.expect("close");
    let v = store.verify_audit().await.expect("verify");
    assert_eq!(broken_at(&v), (5, AuditProblem::Removed));
    assert!(v.first_break.as_ref().expect("break").message.contains("id 4 is missing"), "{v:?}");
    // The first event removed: the log no longer starts at genesis.
    let (_dir, path, store) = store_with_events(3).await;
    let mut conn = raw(&path).await;
    drop_triggers(&mut conn).await;
    sql(&mut conn, "DELETE FROM audit_log WHERE id = 1").await;
    conn.close().await.expect("close");
    assert_eq!(broken_at(&store.verify_audit().await.expect("verify")), (2, AuditProblem::Removed));
}

#[tokio::test]
async fn an_inserted_event_is_found() {
    // At the end, without a hash (what a plain INSERT gives once the triggers are gone).
    let (_dir, path, store) = store_with_events(5).await;
    let mut conn = raw(&path).await;
    drop_triggers(&mut conn).await;
    sql(
        &mut conn,
        "INSERT INTO audit_log (at, actor, kind, payload) VALUES ('2026-01-01 00:00:00', 'x', 'decision', '{}')",
    )
    .await;
    conn.close().await.expect("close");
    assert_eq!(broken_at(&store.verify_audit().await.expect("verify")), (6, AuditProblem::Inserted));
    // Reopening does not launder it (only rows older than the chain are ever chained), and
    // nothing more is appended after it.
    let reopened = Store::open(&path).await.expect("reopens");
    assert_eq!(broken_at(&reopened.verify_audit().await.expect("verify")), (6, AuditProblem::Inserted));
    let after = append_audit(reopened.pool(), "t", "decision", &serde_json::json!({})).await;
    assert!(after.expect_err("refused").to_string().contains("no chain hash"));

    // In the middle: the later events renumbered to make room, the new one linked to the
    // event before it with a made-up hash.
    let (_dir, path, store) = store_with_events(6).await;
    let mut conn = raw(&path).await;
    drop_triggers(&mut conn).await;
    sql(&mut conn, "UPDATE audit_log SET id = -id WHERE id >= 4").await;
    sql(&mut conn, "UPDATE audit_log SET id = 1 - id WHERE id < 0").await;
    sql(
        &mut conn,
        &format!(
            "INSERT INTO audit_log (id, at, actor, kind, payload, prev_hash, hash) \
             SELECT 4, '2026-01-01 00:00:00', 'x', 'decision', '{{}}', hash, '{GENESIS}' FROM audit_log WHERE id = 3"
        ),
    )
    .await;
    conn.close().await.expect("close");
    assert_eq!(broken_at(&store.verify_audit().await.expect("verify")), (4, AuditProblem::Inserted));
}

#[tokio::test]
async fn reordered_events_are_found() {
    let (_dir, path, store) = store_with_events(8).await;
    let mut conn = raw(&path).await;
    drop_triggers(&mut conn).await;
    sql(&mut conn, "UPDATE audit_log SET id = -1 WHERE id = 5").await;
    sql(&mut conn, "UPDATE audit_log SET id = 5 WHERE id = 6").await;
    sql(&mut conn, "UPDATE audit_log SET id = 6 WHERE id = -1").await;
    conn.close().await.expect("close");
    let v = store.verify_audit().await.expect("verify");
    assert_eq!(broken_at(&v), (5, AuditProblem::Reordered));
    assert_eq!(v.verified, 4);
}

#[tokio::test]
async fn two_writers_on_one_file_never_fork_the_chain() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("leader.sqlite");
    let a = Store::open(&path).await.expect("first");
    let b = Store::open(&path).await.expect("second, like the app and the CLI at once");
    let write = |s: Store, who: &'static str| {
        tokio::spawn(async move {
            for i in 0..60 {
                append_audit(s.pool(), who, "decision", &serde_json::json!({ "i": i })).await.expect("append");
            }
        })
    };
    let (x, y) = (write(a.clone(), "a"), write(b.clone(), "b"));
    x.await.expect("writer a");
    y.await.expect("writer b");
    let v = a.verify_audit().await.expect("verify");
    assert!(v.ok && v.events == 120, "{v:?}");
}

#[tokio::test]
async fn events_written_before_the_chain_existed_are_chained_on_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("old.sqlite");
    {
        // A store as the previous release left it: the first two migrations and three events.
        let old = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                leader_store::db::MIGRATOR.iter().filter(|m| m.version < 20261201000001).cloned().collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        let opts = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.expect("raw db");
        old.run(&pool).await.expect("old schema");
        for i in 0..3 {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, kind, payload) VALUES ('2026-11-30 12:00:00', 'old', 'import', ?)",
            )
            .bind(format!("{{\"n\":{i}}}"))
            .execute(&pool)
            .await
            .expect("old event");
        }
        pool.close().await;
    }
    let store = Store::open(&path).await.expect("opens, migrates, chains");
    let v = store.verify_audit().await.expect("verify");
    assert!(v.ok && v.events == 3, "{v:?}");
    append_audit(store.pool(), "new", "decision", &serde_json::json!({})).await.expect("append after");
    assert!(store.verify_audit().await.expect("verify").ok);
    let old_payload: String =
        sqlx::query_scalar("SELECT payload FROM audit_log WHERE id = 2").fetch_one(store.pool()).await.expect("row");
    assert_eq!(old_payload, "{\"n\":1}", "chaining changed nothing but the hash columns");
    let again = sqlx::query("UPDATE audit_log SET hash = prev_hash WHERE id = 1").execute(store.pool()).await;
    assert!(again.is_err(), "a chained row cannot be re-chained");
    assert!(dir.path().join("old.sqlite.before-v20261130000002.bak").exists(), "backed up before migrating");
}

#[tokio::test]
async fn commits_are_durable_when_they_return() {
    let (_dir, _path, store) = store_with_events(0).await;
    let mode: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(store.pool()).await.expect("pragma");
    assert_eq!(mode, 2, "synchronous=FULL: the WAL is synced at every commit");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_store_is_private_to_its_owner() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data/leader-rx");
    let path = data.join("leader.sqlite");
    let store = Store::open(&path).await.expect("opens");
    append_audit(store.pool(), "t", "decision", &serde_json::json!({})).await.expect("append");
    assert_eq!(mode(&data), 0o700, "the data folder");
    assert_eq!(mode(&dir.path().join("data")), 0o700, "every folder the store creates");
    for f in ["leader.sqlite", "leader.sqlite-wal", "leader.sqlite-shm"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f}");
    }
    let backup = dir.path().join("b.sqlite");
    store.backup(&backup, false).await.expect("backup");
    assert_eq!(mode(&backup), 0o600, "the backup");
}

#[cfg(unix)]
#[tokio::test]
async fn looser_files_of_an_existing_store_are_tightened_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("leader-rx");
    let path = data.join("leader.sqlite");
    let store = Store::open(&path).await.expect("opens");
    append_audit(store.pool(), "t", "decision", &serde_json::json!({})).await.expect("append");
    let bak = data.join("leader.sqlite.before-v1.bak");
    std::fs::write(&bak, b"").expect("old backup");
    let other = data.join("notes.txt");
    std::fs::write(&other, b"").expect("other file");
    let open = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
    for f in ["leader.sqlite", "leader.sqlite-wal", "leader.sqlite-shm", "leader.sqlite.before-v1.bak", "notes.txt"] {
        open(&data.join(f), 0o644);
    }
    open(&data, 0o755);
    let again = Store::open(&path).await.expect("reopens while the first is open");
    for f in ["leader.sqlite", "leader.sqlite-wal", "leader.sqlite-shm", "leader.sqlite.before-v1.bak"] {
        assert_eq!(mode(&data.join(f)), 0o600, "{f} tightened");
    }
    assert_eq!(mode(&other), 0o644, "files that are not the store's are left alone");
    assert_eq!(mode(&data), 0o700, "the default data folder (leader-rx) is tightened");
    again.close().await;
    store.close().await;

    // A folder the user chose keeps its mode; the store's files are tightened all the same.
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).expect("mkdir");
    open(&mine, 0o755);
    let s = Store::open(&mine.join("x.sqlite")).await.expect("opens");
    s.close().await;
    assert_eq!((mode(&mine), mode(&mine.join("x.sqlite"))), (0o755, 0o600));
}

#[tokio::test]
async fn a_backup_is_one_consistent_file_and_never_overwrites_by_accident() {
    let (dir, _path, store) = store_with_events(3).await;
    store.seed_demo().await.expect("demo");
    let backup = dir.path().join("backups/b.sqlite");
    std::fs::create_dir(dir.path().join("backups")).expect("mkdir");
    let s = store.backup(&backup, false).await.expect("backup");
    assert!(s.bytes > 0);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["b.sqlite"], "no temporary file, no -wal beside the backup");
    // Only the one file, elsewhere: everything is there.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let copy = elsewhere.path().join("restored.sqlite");
    std::fs::copy(&backup, &copy).expect("copy");
    let restored = Store::open(&copy).await.expect("the backup opens");
    assert_eq!(counts(&restored).await, counts(&store).await);
    let v = restored.verify_audit().await.expect("verify");
    assert!(v.ok && v.events == count(&store, "audit_log").await, "{v:?}");

    let again = store.backup(&backup, false).await;
    assert!(again.expect_err("refused").to_string().contains("--force"));
    append_audit(store.pool(), "t", "decision", &serde_json::json!({})).await.expect("append");
    store.backup(&backup, true).await.expect("--force replaces it");
    let replaced = Store::open(&backup).await.expect("opens");
    assert_eq!(count(&replaced, "audit_log").await, count(&store, "audit_log").await);
}

#[tokio::test]
async fn closing_the_store_leaves_everything_in_the_database_file() {
    let (dir, path, store) = store_with_events(2).await;
    store.seed_demo().await.expect("demo");
    let want = counts(&store).await;
    store.close().await;
    let wal = dir.path().join("leader.sqlite-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).expect("wal").len() == 0, "the WAL is checkpointed");
    let elsewhere = tempfile::tempdir().expect("tmp");
    let copy = elsewhere.path().join("only-the-db.sqlite");
    std::fs::copy(&path, &copy).expect("copy");
    let s = Store::open(&copy).await.expect("opens");
    assert_eq!(counts(&s).await, want, "the database file alone holds the rows");
}
