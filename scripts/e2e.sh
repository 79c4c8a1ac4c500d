#!/usr/bin/env bash
# Builds the real app (UI embedded) and runs the WebDriver end-to-end tests under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort python app
. scripts/env.sh
(cd ui && npm run build)
cargo build --locked -p leader-rx-app --features custom-protocol -p leader-cli
export APP_BIN="$CARGO_TARGET_DIR/debug/leader-rx" LEADER_BIN="$CARGO_TARGET_DIR/debug/leader"
export PATH="$HOME/.cargo/bin:$PATH"
cd tests/e2e && xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-concurrency=1 .
