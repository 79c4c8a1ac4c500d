//! Integration tests of the patient store, one binary (`cargo test -p leader-store --test store`).
//! Real data is read from ../shared/data (never copied into the repository); authored
//! fixtures live in tests/fixtures.

// Shared fixtures: temp stores, the shared data folder, counting helpers.
mod common;

// The MIMIC-IV demo, exact counts, mapping share, idempotency.
mod mimic_iv;

// MIMIC-III v1.4 from authored fixtures: upper/lower case, .gz, ICD-9 only.
mod mimic_iii;

// The Synthea cohort: SNOMED CT and RxNorm flow through unchanged.
mod synthea;

// FHIR R4: the MIMIC-IV demo on FHIR equals its CSV import; authored Bundles and NDJSON;
// malformed FHIR names file and line; unknown coding systems are reported, never guessed.
mod fhir;

// Malformed input: errors name file, line and column; nothing partial stays.
mod bad_input;

// Streamed CSV imports: several chunks give what the batch writer gives; a late bad row
// rolls every written chunk back; the bulk load's dropped indexes always come back.
mod streaming;

// Schema guarantees: append-only audit, foreign keys, backups, the demo cohort.
mod schema;

// Integrity: the audit log's hash chain (forged, changed, removed, inserted, reordered
// events), durable commits, owner-only files, backups, a checkpointed WAL on close.
mod integrity;

// The project's ATC names: every ATC code of the demo store and of a MIMIC-IV demo import
// is named; a source's own title wins; the names are rewritten when they change.
mod atc_names;

// Patient records: every record read at once (one query per table) equals each read alone.
mod records;

// The curated interactions against the ONC high-priority list (coverage measured, printed,
// at least 95%), and the QT group rule.
mod onc_coverage;

// Past practice per class (the candidates' statistics): equal to a count over the records,
// overall and per diagnosis, and rebuilt by every import.
mod practice;
