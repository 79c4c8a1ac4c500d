//! `leader import atc-map FILE`: the fuzzer's bytes as a mapping table, loaded into an
//! in-memory store holding the small MIMIC-IV seed cohort (so loading re-maps prescriptions).
#![no_main]

use std::sync::OnceLock;

use leader_fuzz::{MIMIC_IV, check_import, runtime, scratch, write_tables};
use leader_store::{MimicVersion, NoProgress, Store};
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
        let dir = scratch("atc-map");
        write_tables(&dir, MIMIC_IV);
        let store = rt.block_on(Store::in_memory()).expect("an in-memory store");
        rt.block_on(store.import_mimic(&dir, MimicVersion::Iv, &NoProgress)).expect("the seed cohort imports");
        Harness { rt, file: dir.join("map.csv"), store }
    })
}

fuzz_target!(|data: &[u8]| {
    let h = harness();
    std::fs::write(&h.file, data).expect("write the fuzzed table");
    h.rt.block_on(check_import(&h.store, || h.store.import_atc_map(&h.file, &NoProgress)));
});
