# Sourced by the scripts: shared build settings.
# A target directory outside the clone, kept between CI runs on the same machine.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/leader-rx/target}"
# Compile-checked queries use the committed .sqlx/ data, never a live database.
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
