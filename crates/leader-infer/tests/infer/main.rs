//! Integration tests of the inference engine against the committed fixture bundle
//! (tests/fixtures/tiny-bundle, written by pipeline/fixtures/make_tiny_bundle.py).
//! The ONNX Runtime library comes from `scripts/bootstrap.sh ort`.

// Fixture paths and bundle copies.
mod common;

// The bundle contract: checksums, manifest, ONNX inputs/outputs.
mod contract;

// ONNX Runtime output against the fixture's independent numpy computation.
mod parity;

// Devices: CUDA never falls back silently.
mod device;

// Recommendation, evidence, safe mode, hot swap.
mod serving;

// What is verified is what runs: the install record, the model bytes, external data,
// outputs checked at run time, what a bundle folder may hold.
mod integrity;
