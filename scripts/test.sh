#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort python app
. scripts/env.sh
step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all --check
step "lints (warnings are errors; the app shell is linted by its own build below)"
cargo clippy --workspace --exclude leader-rx-app --all-targets --locked -- -D warnings
step "pipeline tests (Python)"
(cd pipeline && .venv/bin/python -m pytest -q tests)
step "UI build and mocked-IPC tests (Chromium)"
(cd ui && npm run build && npm test)
step "tests (Rust)"
cargo nextest run --workspace --exclude leader-rx-app --locked --no-fail-fast
cargo test --workspace --exclude leader-rx-app --locked --doc
step "end-to-end tests of the built app (WebKit, tauri-driver, Xvfb)"
scripts/e2e.sh
