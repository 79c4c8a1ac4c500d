#!/usr/bin/env bash
# Fuzzing (never part of CI): builds the libFuzzer targets of fuzz/ with the nightly toolchain
# (the flags `cargo fuzz build -s none --debug-assertions` uses; cargo-fuzz itself is not
# needed) and runs each target for a set time, one at a time, then prints executions and
# crashes per target.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Seeds are written from the hand-written tables in fuzz/seeds/ (and the tiny fixture bundle)
# into fuzz/corpus/TARGET/, which keeps what the fuzzer finds between runs (not committed).
# A crash leaves its input in fuzz/artifacts/TARGET/ and makes this script exit 1: reproduce
# it with `fuzz/target/x86_64-unknown-linux-gnu/release/TARGET FILE`, fix it, and add a
# regression test next to the code at fault. FUZZ_JOBS runs that many processes per target
# (default 1: the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SECONDS_PER_TARGET="${1:-60}"
shift || true
ALL=(import_mimic import_synthea import_atc_map import_ddi manifest onnx_scan ipc)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
JOBS="${FUZZ_JOBS:-1}"
TRIPLE="$(rustc +nightly -vV | sed -n 's/^host: //p')"
BIN="$ROOT/fuzz/target/$TRIPLE/release"

echo "== build (nightly, sanitizer coverage, debug assertions and overflow checks on)"
export SQLX_OFFLINE=true SQLX_OFFLINE_DIR="$ROOT/.sqlx" CARGO_TARGET_DIR="$ROOT/fuzz/target"
# --target keeps these flags off build scripts and procedural macros.
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
    cargo +nightly build --manifest-path fuzz/Cargo.toml --release --target "$TRIPLE" \
    $(printf -- '--bin %s ' "${TARGETS[@]}")

# Seeds: one file per table (first byte: the table's index, as the targets read it).
seed() { # TARGET NAME FILE [SELECTOR]
    local dir="fuzz/corpus/$1"
    mkdir -p "$dir"
    if [ -n "${4:-}" ]; then
        { printf "\\x$(printf %02x "$4")"; cat "$3"; } >"$dir/seed-$2"
    else
        cp "$3" "$dir/seed-$2"
    fi
}
i=0
for t in patients admissions diagnoses_icd procedures_icd prescriptions d_icd_diagnoses d_icd_procedures; do
    seed import_mimic "$t" "fuzz/seeds/mimic-iv/$t.csv" "$i"
    i=$((i + 1))
done
i=0
for t in patient patient_admission admission admission_diagnosis admission_procedure drug admission_drug diagnosis procedure; do
    seed import_synthea "$t" "fuzz/seeds/synthea/$t.csv" "$i"
    i=$((i + 1))
done
seed import_atc_map map fuzz/seeds/atc-map.csv
seed import_ddi prefixed fuzz/seeds/ddi.csv
seed import_ddi atc3 fuzz/seeds/ddi-atc3.csv
FIXTURE=crates/leader-infer/tests/fixtures/tiny-bundle
seed manifest fixture "$FIXTURE/manifest.json"
seed onnx_scan fixture "$FIXTURE/model.onnx"
for f in fuzz/seeds/ipc/*.json; do
    name="$(basename "$f" .json)" # NN-command: NN is the command's selector
    seed ipc "$name" "$f" "$((10#${name%%-*}))"
done

# Scratch folders of the targets (tables, stores) go to a temporary folder removed at exit.
SCRATCH="$(mktemp -d "${FUZZ_TMP:-/dev/shm}/leader-fuzz.XXXXXX" 2>/dev/null || mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

report=()
total_execs=0
total_crashes=0
for t in "${TARGETS[@]}"; do
    echo "== $t: ${SECONDS_PER_TARGET}s"
    mkdir -p "fuzz/artifacts/$t" "fuzz/corpus/$t"
    log="$SCRATCH/$t.log"
    status=0
    parallel=()
    [ "$JOBS" -le 1 ] || parallel=(-jobs="$JOBS" -workers="$JOBS")
    # -rss_limit_mb: a target holding more than this is a bug too. Run from the scratch folder:
    # with -jobs, libFuzzer writes each worker's log (fuzz-N.log) in the working directory.
    (cd "$SCRATCH" && TMPDIR="$SCRATCH" "$BIN/$t" "$ROOT/fuzz/corpus/$t" "${parallel[@]}" \
        -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -max_len=8192 -rss_limit_mb=2048 -timeout=20 \
        -artifact_prefix="$ROOT/fuzz/artifacts/$t/") >"$log" 2>&1 || status=$?
    if [ "$JOBS" -gt 1 ]; then
        cat "$SCRATCH"/fuzz-*.log >>"$log" 2>/dev/null || true
        rm -f "$SCRATCH"/fuzz-*.log
    fi
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | awk '{s += $1} END {print s + 0}')"
    crashes="$(grep -c -E '^==[0-9]+== ERROR: libFuzzer' "$log" || true)"
    [ "$status" -eq 0 ] || [ "$crashes" -gt 0 ] || crashes=1
    if [ "$crashes" -gt 0 ]; then
        echo "   crash; its input is in fuzz/artifacts/$t/; the log says:"
        grep -E -A8 'panicked at|ERROR: libFuzzer' "$log" | head -40 | sed 's/^/   /'
    fi
    report+=("$(printf '%-16s %14s %8s' "$t" "$execs" "$crashes")")
    total_execs=$((total_execs + execs))
    total_crashes=$((total_crashes + crashes))
done

echo
printf '%-16s %14s %8s\n' target executions crashes
printf '%s\n' "${report[@]}"
printf '%-16s %14s %8s\n' total "$total_execs" "$total_crashes"
[ "$total_crashes" -eq 0 ]
