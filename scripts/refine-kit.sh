#!/usr/bin/env bash
# Builds the offline refine kit: everything `leader refine` needs on a computer without
# network, from this version's locked pipeline environment (pipeline/uv.lock). Run it on a
# computer WITH network access (Linux x86_64, CPython 3.11), copy the folder to the hospital
# machine, and there run `leader refine setup --from KIT`.
#
#   KIT/kit.json           format, lock digest, platform, every file's SHA-256 and size
#   KIT/requirements.txt   the lock exported with hashes (the installer requires them)
#   KIT/wheels/*.whl       every locked package (torch with its CUDA libraries, transformers,
#                          peft, onnx, onnxruntime, the teacher package, ...)
#   KIT/bin/uv             the installer (uv, from its PyPI wheel)
#
# One kit serves CPU-only and NVIDIA machines: the locked torch is PyPI's Linux build, which
# runs on the CPU and uses CUDA when a driver is present (3.2 GB of wheels; 5.7 GB installed).
# Usage: scripts/refine-kit.sh KIT
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/refine-kit.sh KIT" >&2; exit 2; }
out=$(realpath -m "$1")
log() { printf '[refine-kit] %s\n' "$*" >&2; }

UV_VERSION=0.13.8
py=$(command -v python3.11 || command -v python3)
"$py" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || { echo "refine-kit: CPython 3.11 is needed (the locked environment is for 3.11)" >&2; exit 1; }
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "refine-kit: the kit is built on Linux x86_64" >&2; exit 1; }
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "refine-kit: $out exists and is not empty; give a new folder" >&2
  exit 1
fi

# Built beside the destination and renamed at the end: a kit folder is complete or absent.
tmp="$out.partial"
rm -rf "$tmp"
mkdir -p "$tmp/wheels" "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT

log "downloading uv $UV_VERSION"
"$py" -m pip download -q --no-deps --only-binary=:all: -d "$tmp/uvwheel" "uv==$UV_VERSION"
"$py" - "$tmp" <<'EOF'
import sys, zipfile, pathlib, stat
tmp = pathlib.Path(sys.argv[1])
whl = next((tmp / "uvwheel").glob("uv-*.whl"))
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/uv"))
    (tmp / "bin" / "uv").write_bytes(z.read(name))
(tmp / "bin" / "uv").chmod(0o755)
EOF
rm -rf "$tmp/uvwheel"
uv="$tmp/bin/uv"

log "exporting the lock (runtime packages, with hashes)"
(cd pipeline && "$uv" export --frozen --no-dev --no-emit-project --format requirements-txt --quiet \
  -o "$tmp/requirements.txt")

log "downloading the wheels (about 3.2 GB)"
# Binary wheels only, exactly the locked versions and hashes, for this platform's markers.
"$py" -m pip download -q --no-deps --only-binary=:all: --require-hashes \
  -r "$tmp/requirements.txt" -d "$tmp/wheels"

log "writing kit.json"
"$py" - "$tmp" "$(sha256sum pipeline/uv.lock | cut -d' ' -f1)" <<'EOF'
import hashlib, json, pathlib, sys, datetime
tmp, lock = pathlib.Path(sys.argv[1]), sys.argv[2]
files = []
for p in sorted(q for q in tmp.rglob("*") if q.is_file()):
    h = hashlib.sha256()
    with p.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    files.append({"path": p.relative_to(tmp).as_posix(), "sha256": h.hexdigest(), "bytes": p.stat().st_size})
manifest = {
    "format": 1,
    "lock_sha256": lock,
    "python": "3.11",
    "platform": "linux-x86_64",
    "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
    "files": files,
}
(tmp / "kit.json").write_text(json.dumps(manifest, indent=1) + "\n")
print(f"{len(files)} files, {sum(f['bytes'] for f in files) / 1e9:.2f} GB", file=sys.stderr)
EOF
trap - EXIT
rm -rf "$out"
mv "$tmp" "$out"
log "kit ready: $out (copy the folder, then: leader refine setup --from KIT)"
