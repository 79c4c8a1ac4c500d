#!/usr/bin/env bash
# The main job on the embedded default: the bundled student and the synthetic demo store.
# Builds the CLI and the desktop app, creates the demo store (when absent) in the user's data
# directory, shows a recommendation with its evidence and interaction warnings in the terminal,
# then launches the desktop app on the same store. Without a display the app runs under
# `xvfb-run` (headless machines); set LEADER_NO_APP=1 to stop after the terminal part.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort app
. scripts/env.sh
(cd ui && npm run build)
cargo build --release -p leader-cli -p leader-rx-app --features leader-rx-app/custom-protocol
bin="$CARGO_TARGET_DIR/release"
"$bin/leader" demo
echo
"$bin/leader" recommend --patient DEMO-012
echo
"$bin/leader" ddi check ATC:B01AA03 ATC:M01AE01
[ "${LEADER_NO_APP:-0}" = 1 ] && exit 0
echo
echo "Starting the desktop app on the same store (close the window to finish)."
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$bin/leader-rx"
else
  echo "No display: running under xvfb-run (headless)."
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$bin/leader-rx"
fi
