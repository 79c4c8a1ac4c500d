#!/usr/bin/env bash
# Store read benchmark: `leader patient list` and `leader patient show ID` on a generated
# store of 100,000 patients (a synthetic MIMIC-IV-format cohort from the `gen_mimic`
# example: 2.5 visits, 20 prescriptions and 5.5 diagnoses per visit, about 5M
# prescriptions; no real record), each timed as the median wall time of several runs of
# the release CLI, output discarded; then, when timing this checkout's CLI, the same reads
# in-process (the `bench_store` example), which leaves out the process start the CLI
# figures include.
#
#   bash scripts/bench-store.sh [RUNS]        # default 9 runs per command
#
# LEADER_BIN   the CLI to time (default: the release build of this checkout, built here);
#              e.g. an older build to compare with
# BENCH_DIR    where the generated store is kept and reused (default $TMPDIR/leader-bench-store)
# BENCH_PATIENTS  cohort size (default 100000)
#
# The store is generated and imported once (about 2 minutes on 2 cores) and reused by
# later runs; it lives outside the checkout: never commit it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$LEADER_ROOT"

runs="${1:-9}"
patients="${BENCH_PATIENTS:-100000}"
dir="${BENCH_DIR:-${TMPDIR:-/tmp}/leader-bench-store}"
db="$dir/store-$patients.sqlite"
mkdir -p "$dir"

in_process=0
if [ -z "${LEADER_BIN:-}" ]; then
  cargo build --release --quiet -p leader-cli --bin leader
  LEADER_BIN="$CARGO_TARGET_DIR/release/leader"
  in_process=1
fi

cargo build --release --quiet -p leader-store --example gen_mimic --example bench_store
if [ ! -f "$db" ]; then
  cohort="$dir/cohort-$patients"
  rm -rf "$db.partial" "$db.partial-wal" "$db.partial-shm" "$cohort"
  # gen_mimic writes 50 prescriptions per patient (20 per visit, 2.5 visits per patient).
  "$CARGO_TARGET_DIR/release/examples/gen_mimic" "$cohort" "$((patients * 50))" 42
  "$LEADER_BIN" --db "$db.partial" import atc-map "$cohort/atc_map.csv" >/dev/null
  "$LEADER_BIN" --db "$db.partial" import mimic-iv "$cohort" >/dev/null
  rm -f "$db.partial-wal" "$db.partial-shm"
  mv "$db.partial" "$db"
  rm -rf "$cohort"
fi

# The patient shown: the one in the middle of the id order (5 visits or fewer, like most).
id="$("$LEADER_BIN" --db "$db" --json patient list | python3 -c 'import json, sys; l = json.load(sys.stdin); print(l[len(l) // 2]["id"])')"

# Median wall time in milliseconds of `runs` runs of the command (after one warm-up run).
median_ms() {
  "$@" >/dev/null
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done | sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

list_ms=$(median_ms "$LEADER_BIN" --db "$db" patient list)
show_ms=$(median_ms "$LEADER_BIN" --db "$db" patient show "$id")
echo "store: $patients patients ($(du -h "$db" | cut -f1)), $LEADER_BIN, median of $runs runs"
echo "patient list       ${list_ms} ms   (target <= 200 ms)"
echo "patient show $id  ${show_ms} ms   (target <= 5 ms)"
# Only with this checkout's CLI: the example opens (and so migrates) the store as this
# checkout does, which an older CLI given in LEADER_BIN could then no longer open.
if [ "$in_process" = 1 ]; then
  "$CARGO_TARGET_DIR/release/examples/bench_store" "$db" "$id" "$runs"
fi
