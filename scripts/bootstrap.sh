#!/usr/bin/env bash
# Installs what LEADER Rx needs on a fresh Debian 12 / Ubuntu machine that has Rust
# (rustup), Python 3.11 and Node 20. Idempotent: each step checks before it installs.
# Usage: scripts/bootstrap.sh [base]...   (components; default: base)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[bootstrap] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

base() {
  apt_install build-essential pkg-config ca-certificates sqlite3
  # The toolchain pinned in rust-toolchain.toml (rustup installs it on first use when online).
  local want
  want=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
  if ! rustup toolchain list | grep -q "^$want"; then
    log "rust: installing toolchain $want"
    rustup toolchain install "$want" --profile minimal --component rustfmt,clippy
  fi
  command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
}

components=("$@")
[ ${#components[@]} -gt 0 ] || components=(base)
for c in "${components[@]}"; do
  case "$c" in
    base) base ;;
    *) log "unknown component $c"; exit 2 ;;
  esac
done
