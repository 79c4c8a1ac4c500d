# Sourced by the scripts: shared build settings.
# The checkout this file belongs to.
LEADER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LEADER_ROOT
# A target directory outside the clone, kept between CI runs on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/leader-rx/target}"
# Compile-checked queries use the committed .sqlx/ data, never a live database.
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The product finds ONNX Runtime, the pipeline's Python and the bundled model only from
# explicit settings (or beside its executable), never by walking up from the working
# directory; in a checkout these are the explicit settings.
export LEADER_ORT_LIB="${LEADER_ORT_LIB:-$LEADER_ROOT/.runtime/onnxruntime/libonnxruntime.so}"
if [ -z "${LEADER_ORT_CUDA_LIB:-}" ] && [ -f "$LEADER_ROOT/.runtime/onnxruntime-cuda/libonnxruntime.so" ]; then
  export LEADER_ORT_CUDA_LIB="$LEADER_ROOT/.runtime/onnxruntime-cuda/libonnxruntime.so"
fi
export LEADER_PYTHON="${LEADER_PYTHON:-$LEADER_ROOT/pipeline/.venv/bin/python}"
export LEADER_BUNDLED_MODELS="${LEADER_BUNDLED_MODELS:-$LEADER_ROOT/models}"
