//! `leader import synthea`: one table of a small valid Synthea folder replaced by the
//! fuzzer's bytes (first byte: which table), imported into an in-memory store.
#![no_main]

use std::sync::OnceLock;

use leader_fuzz::{SYNTHEA, check_import, runtime, scratch, split_table, write_tables};
use leader_store::{NoProgress, Store};
use libfuzzer_sys::fuzz_target;

struct Harness {
    rt: tokio::runtime::Runtime,
    dir: std::path::PathBuf,
    store: Store,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = runtime();
        let dir = scratch("synthea");
        write_tables(&dir, SYNTHEA);
        let store = rt.block_on(Store::in_memory()).expect("an in-memory store");
        Harness { rt, dir, store }
    })
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let Some((table, content)) = split_table(SYNTHEA, data) else { return };
    let (file, seed) = SYNTHEA[table];
    std::fs::write(h.dir.join(file), content).expect("write the fuzzed table");
    h.rt.block_on(check_import(&h.store, || h.store.import_synthea(&h.dir, &NoProgress)));
    std::fs::write(h.dir.join(file), seed).expect("restore the seed table");
});
