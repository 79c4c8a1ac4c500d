//! `leader import ddi FILE --source NAME`: the fuzzer's bytes as an interaction pair table
//! (either header form), loaded into an in-memory store.
#![no_main]

use std::sync::OnceLock;

use leader_fuzz::{check_import, runtime, scratch};
use leader_store::Store;
use libfuzzer_sys::fuzz_target;

struct Harness {
    rt: tokio::runtime::Runtime,
    file: std::path::PathBuf,
    store: Store,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = runtime();
        let store = rt.block_on(Store::in_memory()).expect("an in-memory store");
        Harness { rt, file: scratch("ddi").join("pairs.csv"), store }
    })
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    std::fs::write(&h.file, data).expect("write the fuzzed table");
    h.rt.block_on(check_import(&h.store, || h.store.import_ddi(&h.file, "fuzz", "test data")));
});
