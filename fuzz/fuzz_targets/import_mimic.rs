//! `leader import mimic-iv`: one table of a small valid MIMIC-IV folder replaced by the
//! fuzzer's bytes (first byte: which table), imported into an in-memory store.
#![no_main]

use std::sync::OnceLock;

use leader_fuzz::{MIMIC_IV, check_import, runtime, scratch, split_table, write_tables};
use leader_store::{MimicVersion, NoProgress, Store};
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
        let dir = scratch("mimic");
        write_tables(&dir, MIMIC_IV);
        let store = rt.block_on(Store::in_memory()).expect("an in-memory store");
        Harness { rt, dir, store }
    })
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    let Some((table, content)) = split_table(MIMIC_IV, data) else { return };
    let (file, seed) = MIMIC_IV[table];
    std::fs::write(h.dir.join(file), content).expect("write the fuzzed table");
    h.rt.block_on(check_import(&h.store, || h.store.import_mimic(&h.dir, MimicVersion::Iv, &NoProgress)));
    std::fs::write(h.dir.join(file), seed).expect("restore the seed table");
});
