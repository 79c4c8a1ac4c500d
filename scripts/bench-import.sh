#!/usr/bin/env bash
# Import throughput and peak memory of the release CLI on a generated MIMIC-IV-format
# cohort (synthetic values, deterministic seed; never commit it):
#   scripts/bench-import.sh [PRESCRIPTIONS] [WORK_DIR]
# PRESCRIPTIONS defaults to 17,000,000 (full MIMIC-IV size), WORK_DIR to
# ${TMPDIR:-/tmp}/leader-bench-import; the cohort is generated once per size and kept
# there for reruns. LEADER_BIN=path runs another build of the CLI (e.g. an older main).
# Goal (issue 9): peak RSS <= 500 MB whatever the size, >= 100,000 rows/s.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
n="${1:-17000000}"
work="${2:-${TMPDIR:-/tmp}/leader-bench-import}"
[ -x /usr/bin/time ] || { echo "bench-import: /usr/bin/time (GNU time) is needed for the peak RSS" >&2; exit 1; }

cargo build --locked --release -q -p leader-cli
cargo build --locked --release -q -p leader-store --example gen_mimic
bin="${LEADER_BIN:-$CARGO_TARGET_DIR/release/leader}"
cohort="$work/cohort-$n"
if [ ! -f "$cohort/.complete" ]; then
  rm -rf "$cohort"
  "$CARGO_TARGET_DIR/release/examples/gen_mimic" "$cohort" "$n" 42
  touch "$cohort/.complete"
fi
du -sh "$cohort"

db="$work/store.sqlite"
rm -f "$db" "$db-wal" "$db-shm" "$db".before-*
"$bin" --db "$db" import atc-map "$cohort/atc_map.csv" >/dev/null
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time.txt" "$bin" --db "$db" --json import mimic-iv "$cohort" >"$work/import.json"
end=$(date +%s.%N)
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
python3 - "$work/import.json" "$start" "$end" "$rss_kb" "$n" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
secs = float(sys.argv[3]) - float(sys.argv[2])
rss_mb = int(sys.argv[4]) / 1024
rows = sum(s[k] for k in ("patients", "visits", "diagnoses", "procedures", "prescriptions"))
assert s["prescriptions"] == int(sys.argv[5]), "every generated prescription is imported"
print(f"imported {s['prescriptions']:,} prescriptions ({rows:,} rows in all: {s['patients']:,} patients, "
      f"{s['visits']:,} visits, {s['diagnoses']:,} diagnoses, {s['procedures']:,} procedures) in {secs:.1f} s")
print(f"{s['prescriptions'] / secs:,.0f} prescriptions/s, {rows / secs:,.0f} rows/s, peak RSS {rss_mb:,.0f} MB")
print("goal: peak RSS <= 500 MB:", "met" if rss_mb <= 500 else "NOT met",
      "| >= 100,000 rows/s:", "met" if rows / secs >= 100_000 else "NOT met")
PY
ls -la "$db" | awk '{print "store file:", $5, "bytes"}'
rm -f "$db" "$db-wal" "$db-shm"
