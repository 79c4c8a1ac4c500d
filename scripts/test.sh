#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort python
. scripts/env.sh
step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all --check
step "lints (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "pipeline tests (Python)"
(cd pipeline && .venv/bin/python -m pytest -q tests)
step "tests (Rust)"
cargo nextest run --workspace --locked --no-fail-fast
cargo test --workspace --locked --doc
