#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort
. scripts/env.sh
step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all --check
step "lints (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "tests"
cargo nextest run --workspace --locked --no-fail-fast
cargo test --workspace --locked --doc
