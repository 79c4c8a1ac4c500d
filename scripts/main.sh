#!/usr/bin/env bash
# The main job on the embedded default: creates the synthetic demo store (when absent)
# in the user's data directory and walks through it with the `leader` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base
. scripts/env.sh
cargo build --release -p leader-cli
leader="$CARGO_TARGET_DIR/release/leader"
"$leader" demo
echo
"$leader" patient list --search DEMO-00
echo
"$leader" patient show DEMO-001
echo
echo "The CLI is at $leader (try: $leader --help)."
