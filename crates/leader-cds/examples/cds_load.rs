//! Latency of the CDS Hooks services under load, over real HTTP on loopback: starts the
//! service on 127.0.0.1 (port chosen by the OS) on a store holding the ATC maps, builds
//! hook requests for the encounters of the MIMIC-IV demo on FHIR, signs a fresh JWT for each
//! (with the tests' pretend-EHR key), and sends them from CONCURRENCY keep-alive HTTP/1.1
//! connections; prints p50 / p95 / p99 per service and the throughput. Bounded: REQUESTS
//! per service, loopback only. Run by `scripts/bench-cds.sh` (release build).
//!
//! Usage: cds_load FHIR_DIR MAPS_DIR [REQUESTS] [CONCURRENCY]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use leader_cds::testkit::{BulkExport, TestEhr};
use leader_cds::{Config, State};
use leader_infer::runtime::SessionOptions;
use leader_service::app::App;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const ISSUER: &str = "https://ehr.example.org";

async fn send(conn: &mut BufReader<TcpStream>, path: &str, token: &str, body: &str) -> std::io::Result<u16> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // One write: a header and a body in two segments would meet Nagle and delayed ACKs.
    let mut request = head.into_bytes();
    request.extend_from_slice(body.as_bytes());
    conn.get_mut().write_all(&request).await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        conn.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some(v) = l.strip_prefix("content-length:").or_else(|| l.strip_prefix("Content-Length:")) {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut buf = vec![0u8; length];
    conn.read_exact(&mut buf).await?;
    Ok(status)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let fhir = PathBuf::from(args.get(1).ok_or("usage: cds_load FHIR_DIR MAPS_DIR [REQUESTS] [CONCURRENCY]")?);
    let maps = PathBuf::from(args.get(2).ok_or("MAPS_DIR missing")?);
    let requests: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let concurrency: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(8);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");

    let dir = tempfile::tempdir()?;
    let app =
        App::open_store(&dir.path().join("leader.sqlite"), SessionOptions::default()).await.map_err(|e| e.message)?;
    for m in ["gsn_atc_ndc_mapping.csv.gz", "mimic_drug_to_atc.csv.gz"] {
        app.store.import_atc_map(&maps.join(m), &leader_store::NoProgress).await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}/cds-services");
    let config = Config {
        listen: addr,
        base_url: base.clone(),
        jwks: std::fs::read_to_string(fixtures.join("test-ehr-jwks.json"))?,
        issuers: vec![ISSUER.into()],
        cors_origins: vec![],
        max_body_bytes: 1 << 20,
        timeout: Duration::from_secs(10),
        rate_per_second: 0,
        systems: leader_core::fhir::FhirSystems::mimic(),
    };
    let state = State::new(app, config).await?;
    tokio::spawn(leader_cds::serve_on(listener, state));

    let export = BulkExport::load(&fhir)?;
    let encounters = export.encounters();
    let ehr = Arc::new(TestEhr::new(
        &std::fs::read_to_string(fixtures.join("test-ehr-private-key.pem"))?,
        "test-ehr-1",
        ISSUER,
    )?);
    println!(
        "{} encounters of the MIMIC-IV demo on FHIR; {requests} requests per service, {concurrency} concurrent connections, release build, loopback",
        encounters.len()
    );
    for (service, hook, drafts) in
        [("leader-interaction-check", "order-sign", 15usize), ("leader-medication-suggestions", "order-select", 0)]
    {
        // Bodies and tokens prepared before the clock starts.
        let work: Vec<(String, String)> = (0..requests)
            .map(|i| {
                let (p, e) = &encounters[i % encounters.len()];
                let body = export.request(p, e, hook, drafts).to_string();
                (ehr.token(&format!("{base}/{service}"), 600), body)
            })
            .collect();
        let work = Arc::new(std::sync::Mutex::new(work.into_iter()));
        let path = format!("/cds-services/{service}");
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (work, path) = (Arc::clone(&work), path.clone());
            tasks.push(tokio::spawn(async move {
                let stream = TcpStream::connect(addr).await?;
                stream.set_nodelay(true)?;
                let mut conn = BufReader::new(stream);
                let mut times = Vec::new();
                let mut failures = 0usize;
                loop {
                    let next = work.lock().map(|mut w| w.next()).unwrap_or(None);
                    let Some((token, body)) = next else { break };
                    let t = Instant::now();
                    let status = send(&mut conn, &path, &token, &body).await?;
                    times.push(t.elapsed());
                    if status != 200 {
                        failures += 1;
                    }
                }
                Ok::<_, std::io::Error>((times, failures))
            }));
        }
        let mut all = Vec::new();
        let mut failures = 0;
        for t in tasks {
            let (times, f) = t.await??;
            all.extend(times);
            failures += f;
        }
        let wall = started.elapsed();
        all.sort();
        println!(
            "{service:32} n={:5}  p50 {:6.2} ms  p95 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms  {:6.0} req/s  non-200: {failures}",
            all.len(),
            pct(&all, 0.50),
            pct(&all, 0.95),
            pct(&all, 0.99),
            all.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
            all.len() as f64 / wall.as_secs_f64()
        );
    }
    Ok(())
}
