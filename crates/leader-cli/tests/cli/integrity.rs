use std::path::Path;

use crate::{json, leader};

/// Runs SQL on the store with a plain connection (what the sqlite3 shell would do).
fn tamper(db: &Path, statements: &[&str]) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        use sqlx::Connection;
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(db);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.expect("raw connection");
        for s in statements {
            sqlx::query(s).execute(&mut conn).await.unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        conn.close().await.expect("close");
    });
}

const DROP_TRIGGERS: [&str; 3] = [
    "DROP TRIGGER audit_log_no_update",
    "DROP TRIGGER audit_log_no_delete",
    "DROP TRIGGER audit_log_insert_at_chain_end",
];

/// A demo store with a few more audit events (backups are audited).
fn demo_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    for i in 0..4 {
        let out = dir.join(format!("b{i}.sqlite"));
        json(&leader(&db, &["--json", "backup", out.to_str().expect("path")]));
    }
    db
}

#[test]
fn audit_verify_reports_an_intact_chain() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = demo_store(dir.path());
    let v = json(&leader(&db, &["--json", "audit", "verify"]));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["events"], 5, "the demo import and four backups");
    assert_eq!(v["verified"], 5);
    assert_eq!(v["head"].as_str().expect("head").len(), 64);
    let text = leader(&db, &["audit", "verify"]);
    assert!(text.status.success());
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.starts_with("Audit trail verified: 5 events, chain intact"), "{out}");
    // The listing still works next to the subcommand.
    let list = json(&leader(&db, &["--json", "audit", "--kind", "backup"]));
    assert_eq!(list.as_array().expect("events").len(), 4);
}

#[test]
fn a_forged_row_is_refused_and_verify_finds_an_edit_made_with_the_triggers_dropped() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = demo_store(dir.path());
    // INSERT OR REPLACE of a past event, as issue 9 did with sqlite3: refused.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let forged = rt.block_on(async {
        use sqlx::Connection;
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await.expect("raw connection");
        sqlx::query(
            "INSERT OR REPLACE INTO audit_log (id, at, actor, kind, payload, prev_hash, hash) \
             SELECT id, at, 'someone else', kind, '{}', prev_hash, hash FROM audit_log WHERE id = 2",
        )
        .execute(&mut conn)
        .await
    });
    assert!(forged.expect_err("refused").to_string().contains("append-only"));
    assert!(leader(&db, &["audit", "verify"]).status.success(), "nothing was changed");

    // With the triggers dropped the edit goes through, and verify names the row.
    tamper(&db, &DROP_TRIGGERS);
    tamper(&db, &["UPDATE audit_log SET actor = 'someone else' WHERE id = 3"]);
    let out = leader(&db, &["--json", "audit", "verify"]);
    assert!(!out.status.success(), "a broken chain is a non-zero exit code");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout as well");
    assert_eq!((v["ok"].as_bool(), v["first_break"]["id"].as_i64()), (Some(false), Some(3)), "{v}");
    assert_eq!(v["first_break"]["problem"], "changed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("broken at event #3"), "{err}");
    let text = String::from_utf8_lossy(&leader(&db, &["audit", "verify"]).stdout).into_owned();
    assert!(text.starts_with("Audit trail BROKEN at event #3: event #3 was changed"), "{text}");
}

#[test]
fn verify_finds_deleted_inserted_and_reordered_events() {
    let cases: [(&[&str], i64, &str); 3] = [
        (&["DELETE FROM audit_log WHERE id = 3"], 4, "removed"),
        (
            &["INSERT INTO audit_log (at, actor, kind, payload) VALUES ('2026-01-01 00:00:00', 'x', 'decision', '{}')"],
            6,
            "inserted",
        ),
        (
            &[
                "UPDATE audit_log SET id = -1 WHERE id = 2",
                "UPDATE audit_log SET id = 2 WHERE id = 3",
                "UPDATE audit_log SET id = 3 WHERE id = -1",
            ],
            2,
            "reordered",
        ),
    ];
    for (sql, id, problem) in cases {
        let dir = tempfile::tempdir().expect("tmp");
        let db = demo_store(dir.path());
        tamper(&db, &DROP_TRIGGERS);
        tamper(&db, sql);
        let out = leader(&db, &["--json", "audit", "verify"]);
        assert!(!out.status.success(), "{problem}: non-zero exit");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["first_break"]["id"], id, "{problem}: {v}");
        assert_eq!(v["first_break"]["problem"], problem, "{v}");
    }
}

#[test]
fn a_backup_alone_holds_the_whole_store_and_is_not_overwritten_by_accident() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let backup = dir.path().join("b.sqlite");
    let b = json(&leader(&db, &["--json", "backup", backup.to_str().expect("path")]));
    assert_eq!(b["audit"]["ok"], true);
    assert!(b["bytes"].as_u64().expect("bytes") > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).expect("backup").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "owner-only");
    }
    // Only b.sqlite, copied somewhere else: the full data.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let copy = elsewhere.path().join("restored.sqlite");
    std::fs::copy(&backup, &copy).expect("copy");
    let (want, got) = (json(&leader(&db, &["--json", "stats"])), json(&leader(&copy, &["--json", "stats"])));
    assert!(want["patients"].as_u64().expect("patients") >= 30);
    for k in ["patients", "visits", "diagnoses", "procedures", "prescriptions", "ddi_pairs"] {
        assert_eq!(got[k], want[k], "{k}");
    }
    assert!(leader(&copy, &["audit", "verify"]).status.success());
    let again = leader(&db, &["backup", backup.to_str().expect("path")]);
    assert!(!again.status.success(), "an existing file is not replaced");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    json(&leader(&db, &["--json", "backup", "--force", backup.to_str().expect("path")]));
    let backups = json(&leader(&db, &["--json", "audit", "--kind", "backup"]));
    assert_eq!(backups.as_array().expect("events").len(), 2, "each backup is audited");
}

#[test]
fn after_a_command_the_database_file_alone_holds_the_rows() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let demo = json(&leader(&db, &["--json", "demo"]));
    let wal = dir.path().join("leader.sqlite-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).expect("wal").len() == 0, "the WAL was checkpointed");
    let elsewhere = tempfile::tempdir().expect("tmp");
    let copy = elsewhere.path().join("only-the-db.sqlite");
    std::fs::copy(&db, &copy).expect("copy");
    let stats = json(&leader(&copy, &["--json", "stats"]));
    assert_eq!(stats["patients"], demo["stats"]["patients"]);
    assert_eq!(stats["prescriptions"], demo["stats"]["prescriptions"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(&db), 0o600, "the database is owner-only");
        let nested = dir.path().join("new/leader.sqlite");
        json(&leader(&nested, &["--json", "stats"]));
        assert_eq!(mode(&dir.path().join("new")), 0o700, "a folder the store creates is owner-only");
    }
}
