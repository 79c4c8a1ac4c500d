//! The LEADER Rx domain, with no IO.
//!
//! Everything the other crates agree on lives here: clinical codes and their systems
//! ([`Code`], [`CodeSystem`]), the de-identified [`Patient`] and their [`Visit`]s with raw
//! [`Prescription`]s and normalised medication codes, timestamps, and the synthetic demo
//! cohort. Keeping this crate free of SQLite, ONNX Runtime and Tauri keeps it fast to
//! test and lets the store, the inference engine and the app share one vocabulary.
//!
//! Only importers may assume a particular code system (ICD, ATC): everything below them
//! handles any [`CodeSystem`], so a cohort coded in SNOMED CT and RxNorm flows through
//! the whole product unchanged.
//!
//! Owns: the domain types, the encoder and prompts (training and serving share them),
//! the interaction matcher, the FHIR R4 mappings and the metrics. Must not: do IO of
//! any kind (files, SQLite, network, ONNX Runtime), depend on another crate of ours, or
//! log (it returns values and errors; callers decide what to say).

pub mod atc_names;
pub mod code;
pub mod ddi;
pub mod demo;
pub mod drug;
pub mod encode;
pub mod fhir;
pub mod metrics;
pub mod patient;
pub mod prompt;
pub mod split;
pub mod time;
pub mod user;
pub mod vocab;

pub use code::{Code, CodeError, CodeKind, CodeSystem};
pub use patient::{Patient, Prescription, Profile, Sex, Visit};
pub use time::{Timestamp, TimestampError};
