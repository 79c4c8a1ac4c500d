#!/usr/bin/env bash
# Builds the real app (UI embedded) and runs the WebDriver end-to-end tests under Xvfb, then
# validates every FHIR Bundle the tests exported with the pipeline's FHIR validator.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort python app
. scripts/env.sh
(cd ui && npm run build)
cargo build --locked -p leader-rx-app --features custom-protocol -p leader-cli
export APP_BIN="$CARGO_TARGET_DIR/debug/leader-rx" LEADER_BIN="$CARGO_TARGET_DIR/debug/leader"
export PATH="$HOME/.cargo/bin:$PATH"
export FHIR_EXPORTS_LIST="$PWD/target/fhir-exports.txt"
mkdir -p target && rm -f "$FHIR_EXPORTS_LIST"
(cd tests/e2e && xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-concurrency=1 .)
[ -s "$FHIR_EXPORTS_LIST" ] || { echo "the end-to-end tests exported no FHIR Bundle" >&2; exit 1; }
mapfile -t bundles < "$FHIR_EXPORTS_LIST"
(cd pipeline && .venv/bin/python -m leader_pipeline.fhir_validate "${bundles[@]}")
