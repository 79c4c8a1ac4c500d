#!/usr/bin/env bash
# The installed package with the offline refine kit, as on a hospital machine: installs the .deb,
# then, in a network namespace with loopback only (no network can be used), with a fresh HOME, an
# empty environment and no checkout: `leader refine` refuses and says how to get the kit;
# `leader refine setup --from KIT` installs it; `leader refine --tiny` refines the demo store to a
# candidate; the installed app (WebDriver, Xvfb) shows the kit's environment and refines to a
# candidate. Needs root, Debian 12, and the test tools of `scripts/bootstrap.sh app`.
# Not part of CI (a release build and a 3.2 GB kit); run by hand:
#   scripts/package-deb.sh && scripts/refine-kit.sh /tmp/kit
#   tests/e2e/installed-kit.sh "$CARGO_TARGET_DIR/release/bundle/deb/LEADER Rx_0.1.0_amd64.deb" /tmp/kit
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: tests/e2e/installed-kit.sh DEB KIT" >&2; exit 2; }
deb=$(realpath "$1")
kit=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
artifacts="$here/artifacts/installed"
mkdir -p "$artifacts"
export DEBIAN_FRONTEND=noninteractive
dpkg -i "$deb" >/dev/null
home=$(mktemp -d /tmp/leader-installed-home.XXXXXX)
log() { printf '[installed-kit] %s\n' "$*" >&2; }

# Everything below: no network (a new namespace with only loopback, for WebDriver), an empty
# environment but HOME and PATH, the working directory outside any checkout.
sandbox() {
  unshare -n env -i HOME="$home" PATH="/usr/bin:/bin:/usr/sbin:$HOME/.cargo/bin" LANG=C.UTF-8 \
    bash -c 'ip link set lo up && cd "$HOME" && exec "$@"' sandbox "$@"
}
sandbox bash -c '! getent hosts pypi.org >/dev/null && ! (exec 3<>/dev/tcp/151.101.0.223/443) 2>/dev/null' \
  || { echo "the sandbox reaches the network" >&2; exit 1; }

log "without the kit: refine refuses and says how to get it"
if sandbox leader refine --tiny 2>"$artifacts/no-kit.txt"; then
  echo "refine ran without its environment" >&2
  exit 1
fi
grep -q "leader refine setup --from KIT" "$artifacts/no-kit.txt"
sandbox leader refine status | tee "$artifacts/status-before.txt"
grep -q "refinement environment: not installed" "$artifacts/status-before.txt"

log "leader refine setup --from KIT"
start=$(date +%s)
sandbox leader refine setup --from "$kit" 2>&1 | tee "$artifacts/setup.txt"
echo "setup_s=$(( $(date +%s) - start ))" | tee -a "$artifacts/timings.txt"
sandbox leader refine status | tee "$artifacts/status-after.txt"
grep -q "refinement environment: the refine kit installed in the data folder" "$artifacts/status-after.txt"
du -sh "$home/.local/share/leader-rx/refine-env" | tee -a "$artifacts/timings.txt"

log "leader refine --tiny on the demo store (CLI)"
sandbox leader --db "$home/cli/leader.sqlite" demo >/dev/null
start=$(date +%s)
sandbox leader --db "$home/cli/leader.sqlite" refine --tiny --no-install 2>&1 | tee "$artifacts/cli-refine.txt"
echo "cli_refine_tiny_s=$(( $(date +%s) - start ))" | tee -a "$artifacts/timings.txt"
test -f "$home/cli/leader.sqlite.refine/candidate/model.onnx"

log "the installed app refines (WebDriver)"
sandbox env APP_BIN=/usr/bin/leader-rx ARTIFACTS="$artifacts" \
  xvfb-run -a -s "-screen 0 1280x800x24" node "$here/installed-refine.mjs" | tee "$artifacts/app-refine.txt"
test -f "$home/.local/share/leader-rx/leader.sqlite.refine/candidate/model.onnx"
sandbox leader audit --kind refine-env-install | tee "$artifacts/audit.txt"
log "passed; artifacts in $artifacts"
