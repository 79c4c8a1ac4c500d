#!/usr/bin/env bash
# Builds the Debian package of the desktop app with the Tauri CLI from npm (release build,
# UI embedded, the bundled student and the ONNX Runtime library as resources).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort app
. scripts/env.sh
ui/node_modules/.bin/tauri build --bundles deb
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb
