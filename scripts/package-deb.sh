#!/usr/bin/env bash
# Builds the Debian package of the desktop app with the Tauri CLI from npm (release build,
# UI embedded, the bundled student and the ONNX Runtime library as resources) and the
# `leader` CLI as /usr/bin/leader (it finds the app's resources in /usr/lib/LEADER Rx).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort app
. scripts/env.sh
cargo build --locked --release -p leader-cli
cli="$CARGO_TARGET_DIR/release/leader"
ui/node_modules/.bin/tauri build --bundles deb \
  --config "{\"bundle\":{\"linux\":{\"deb\":{\"files\":{\"/usr/bin/leader\":\"$cli\"}}}}}"
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb
