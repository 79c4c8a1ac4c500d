//! `leader serve` as a process: loopback only unless asked, discovery over real HTTP, and a
//! request without the EHR's JWT refused.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{json, leader};

fn jwks() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../leader-cds/tests/fixtures/test-ehr-jwks.json")
}

fn http(port: u16, request: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    s.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn serve_refuses_a_network_address_without_allow_remote() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    let jwks = jwks();
    let out = leader(
        &db,
        &[
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--jwks",
            jwks.to_str().expect("utf-8"),
            "--issuer",
            "https://ehr.example.org",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-remote"), "{err}");
}

#[test]
fn serve_answers_discovery_over_http_and_refuses_unsigned_calls() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("leader.sqlite");
    json(&leader(&db, &["--json", "demo"]));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_leader"))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--jwks"])
        .arg(jwks())
        .args(["--issuer", "https://ehr.example.org"])
        .env_remove("LEADER_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("leader serve starts");
    let until = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "leader serve did not open its port");
        std::thread::sleep(Duration::from_millis(100));
    }
    let discovery = http(port, "GET /cds-services HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let unsigned = http(
        port,
        "POST /cds-services/leader-interaction-check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(discovery.starts_with("HTTP/1.1 200"), "{discovery}");
    assert!(discovery.contains("leader-medication-suggestions") && discovery.contains("order-sign"), "{discovery}");
    assert!(unsigned.starts_with("HTTP/1.1 401"), "a call without the EHR's JWT is refused: {unsigned}");
    // Nothing was written for the refused call.
    let audit = json(&leader(&db, &["--json", "audit", "--kind", "cds-cards"]));
    assert_eq!(audit.as_array().map(Vec::len), Some(0));
}
