#!/usr/bin/env bash
# Regenerates .sqlx/ (sqlx offline query data) from migrations/, without sqlx-cli:
# builds the schema into a scratch database and compiles the store against it.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for f in migrations/*.sql; do sqlite3 "$scratch/dev.db" < "$f"; done
rm -rf .sqlx && mkdir .sqlx
touch crates/leader-store/src/lib.rs
DATABASE_URL="sqlite:$scratch/dev.db" SQLX_OFFLINE_DIR="$PWD/.sqlx" SQLX_OFFLINE=false cargo build -p leader-store --all-targets
echo "wrote $(ls .sqlx | wc -l) query files to .sqlx/"
