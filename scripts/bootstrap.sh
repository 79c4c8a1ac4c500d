#!/usr/bin/env bash
# Installs what LEADER Rx needs on a fresh Debian 12 / Ubuntu machine that has Rust
# (rustup), Python 3.11 and Node 20. Idempotent: each step checks before it installs.
# Usage: scripts/bootstrap.sh [base|ort|ort-cuda|python|app]...   (components; default: base)
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

# ONNX Runtime: the shared library from the pinned PyPI wheel (no internet at run time,
# no build-time download). Lands in .runtime/onnxruntime/ (ignored by git).
ORT_VERSION=1.31.1
ort() {
  local dir=.runtime/onnxruntime
  if [ -f "$dir/libonnxruntime.so.$ORT_VERSION" ]; then return; fi
  log "onnxruntime: fetching the $ORT_VERSION wheel from PyPI"
  local tmp; tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_28_x86_64 "onnxruntime==$ORT_VERSION" -d "$tmp"
  mkdir -p "$dir"
  python3 - "$tmp" "$dir" <<'PY'
import glob, os, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "onnxruntime-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if base.startswith("libonnxruntime") and ".so" in base:
            with z.open(name) as src, open(os.path.join(out, base + ".part"), "wb") as dst:
                dst.write(src.read())
            os.replace(os.path.join(out, base + ".part"), os.path.join(out, base))
PY
  ln -sf "libonnxruntime.so.$ORT_VERSION" "$dir/libonnxruntime.so.1"
  ln -sf "libonnxruntime.so.$ORT_VERSION" "$dir/libonnxruntime.so"
  rm -rf "$tmp"
}

# ONNX Runtime for NVIDIA GPUs (`--device cuda`), on demand, not in CI: the GPU library from the
# pinned onnxruntime-gpu wheel and the CUDA 13 / cuDNN 9 libraries it needs from NVIDIA's PyPI
# wheels (about 1.6 GB), into .runtime/onnxruntime-cuda/ and .runtime/onnxruntime-cuda/nvidia/.
ort_cuda() {
  local dir=.runtime/onnxruntime-cuda
  if [ -f "$dir/libonnxruntime.so.$ORT_VERSION" ] && [ -f "$dir/nvidia/.complete" ]; then return; fi
  log "onnxruntime-gpu: fetching the $ORT_VERSION wheel and the NVIDIA runtime wheels from PyPI (~1.6 GB)"
  local tmp; tmp=$(mktemp -d)
  python3 -m pip download -q --only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    "onnxruntime-gpu[cuda,cudnn]==$ORT_VERSION" -d "$tmp"
  mkdir -p "$dir/nvidia"
  python3 - "$tmp" "$dir" <<'PY'
import glob, os, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
for wheel in glob.glob(os.path.join(tmp, "*.whl")):
    name = os.path.basename(wheel)
    with zipfile.ZipFile(wheel) as z:
        for member in z.namelist():
            base = os.path.basename(member)
            if name.startswith("onnxruntime_gpu") and base.startswith("libonnxruntime") and ".so" in base:
                target = os.path.join(out, base)
            elif name.startswith("nvidia") and member.startswith("nvidia/") and "/lib/" in member and ".so" in base:
                target = os.path.join(out, member)  # nvidia/cu13/lib/..., nvidia/cudnn/lib/...
            else:
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(member) as src, open(target + ".part", "wb") as dst:
                dst.write(src.read())
            os.replace(target + ".part", target)
PY
  ln -sf "libonnxruntime.so.$ORT_VERSION" "$dir/libonnxruntime.so.1"
  ln -sf "libonnxruntime.so.$ORT_VERSION" "$dir/libonnxruntime.so"
  touch "$dir/nvidia/.complete"
  rm -rf "$tmp"
}

# The pipeline's Python environment (torch, transformers, peft, onnx, ...), uv-locked.
# uv's cache (~/.cache/uv) makes re-installs take seconds.
UV_VERSION=0.13.8
python_env() {
  if ! command -v uv >/dev/null 2>&1 || ! uv --version | grep -q "$UV_VERSION"; then
    log "python: installing uv $UV_VERSION"
    python3 -m pip install -q "uv==$UV_VERSION"
  fi
  (cd pipeline && uv sync --frozen --quiet)
}

# The desktop app: Tauri v2 build packages (WebKitGTK), test packages (Xvfb, WebKitWebDriver,
# Debian's Chromium for the mocked UI tests), the UI's npm packages, and tauri-driver.
app() {
  apt_install libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev \
    libayatana-appindicator3-dev librsvg2-dev pkg-config xvfb xauth webkit2gtk-driver fonts-dejavu-core chromium
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  command -v tauri-driver >/dev/null 2>&1 || cargo install tauri-driver --locked --version 2.1.0
}

components=("$@")
[ ${#components[@]} -gt 0 ] || components=(base)
for c in "${components[@]}"; do
  case "$c" in
    base) base ;;
    ort) ort ;;
    ort-cuda) ort_cuda ;;
    python) python_env ;;
    app) app ;;
    *) log "unknown component $c"; exit 2 ;;
  esac
done
