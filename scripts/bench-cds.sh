#!/usr/bin/env bash
# Latency of the CDS Hooks services over real HTTP on loopback (release build): 1,000
# requests per service at 8 concurrent connections, built from the MIMIC-IV demo on FHIR.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort
. scripts/env.sh
data="${SHARED_DATA:-$PWD/../shared/data}"
cargo run --locked --release -p leader-cds --example cds_load -- \
  "$data/mimic-iv-fhir-demo/fhir" "$data/mappings/ethos" "${1:-1000}" "${2:-8}"
