#!/usr/bin/env bash
# Crash trials, the long version (CI runs 5 of each with the test suite): the release `leader`
# is killed with SIGKILL at seeded random moments during an import, a model install and a
# decision write, and after each kill the store must pass `PRAGMA integrity_check`, be the old
# or the new state, load its active model and pass `audit verify`
# (crates/leader-cli/tests/cli/crash.rs).
#
#   scripts/crash-trials.sh [TRIALS] [SEED]     (default: 50 trials of each kind, seed 20261202)
#
# CRASH_PROFILE=debug runs the debug binary instead of the release one.
# Prints one line per kind: trials, how many kills landed while the command ran, and how many
# left the old and the new state. Exits non-zero on the first trial that fails a check.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export CRASH_TRIALS="${1:-50}" CRASH_SEED="${2:-20261202}"
PROFILE="${CRASH_PROFILE:-release}"
profile_args=()
[ "$PROFILE" = debug ] || profile_args=(--cargo-profile "$PROFILE")
# One trial kind at a time: the kill moments are drawn from the command's measured duration,
# which other trials running beside it would stretch.
cargo nextest run -p leader-cli "${profile_args[@]}" --locked --no-capture --test-threads 1 -E 'test(/^crash::/)' 2>&1 |
    tee /dev/stderr | grep '^crash trials' >"${TMPDIR:-/tmp}/crash-trials.$$" || true
echo
echo "== crash trials ($PROFILE binary, $CRASH_TRIALS of each kind, seed $CRASH_SEED)"
cat "${TMPDIR:-/tmp}/crash-trials.$$"
n="$(wc -l <"${TMPDIR:-/tmp}/crash-trials.$$")"
rm -f "${TMPDIR:-/tmp}/crash-trials.$$"
[ "$n" -eq 3 ] || { echo "not every kind of trial passed (see above)"; exit 1; }
