//! In-process timings of the store's read paths on an existing store, for
//! `scripts/bench-store.sh` (which also times the CLI end to end): `cargo run --release -p
//! leader-store --example bench_store -- STORE PATIENT_ID [RUNS]`. Prints the median of
//! RUNS (default 9) for opening the store, the patient list and one patient's record.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(id)) = (args.first(), args.get(1)) else {
        eprintln!("usage: bench_store STORE PATIENT_ID [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(9).max(1);
    let path = PathBuf::from(path);
    let (mut open, mut list, mut show) = (Vec::new(), Vec::new(), Vec::new());
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    for _ in 0..=runs {
        let t = Instant::now();
        let store = match leader_store::Store::open(&path).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot open the store: {e}");
                return ExitCode::FAILURE;
            }
        };
        open.push(ms(t));
        let t = Instant::now();
        let visits = store.patient(id).await.map(|r| r.visits.len());
        show.push(ms(t));
        let t = Instant::now();
        let n = store.patients().await.map(|l| l.len());
        list.push(ms(t));
        store.close().await;
        if let (Err(e), _) | (_, Err(e)) = (&n, &visits) {
            eprintln!("read failed: {e}");
            return ExitCode::FAILURE;
        }
    }
    let median = |mut v: Vec<f64>| {
        v.remove(0); // the warm-up run
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "in-process medians: open {:.2} ms, patients() {:.1} ms, patient({id}) {:.2} ms",
        median(open),
        median(list),
        median(show)
    );
    ExitCode::SUCCESS
}
