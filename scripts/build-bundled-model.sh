#!/usr/bin/env bash
# Rebuilds the bundled student in models/ from the MIMIC-IV demo (../shared/data), exactly as
# shipped: import → export-dataset (5 patient-level folds) → 5-fold cross-validation of teacher,
# students and baselines → final teacher + student on the train split (early stopping on val)
# → ONNX export with parity check and the CV metrics in the manifest.
# CPU: about 15 minutes on 2 cores (teachers dominate); a GPU is used when torch sees one.
# The bundle is signed with the project's private key, kept outside the repository:
# LEADER_PROJECT_SIGNING_KEY (default ~/.config/leader-rx/project-signing.key) must hold the key
# whose public half is models/leader-project.pub, or the app refuses the bundled model.
set -euo pipefail
cd "$(dirname "$0")/.."
SIGNING_KEY=${LEADER_PROJECT_SIGNING_KEY:-$HOME/.config/leader-rx/project-signing.key}
if [ ! -f "$SIGNING_KEY" ]; then
  echo "the project signing key was not found ($SIGNING_KEY): set LEADER_PROJECT_SIGNING_KEY" >&2
  exit 1
fi
scripts/bootstrap.sh base ort python
. scripts/env.sh
DATA=${DATA:-../shared/data}
WORK=${WORK:-$HOME/.cache/leader-rx/bundled-model}
ID=leader-student-mimic-iv-demo
VERSION=${VERSION:-$(date -u +%Y.%m.%d)}
cargo build --release -p leader-cli
leader="$CARGO_TARGET_DIR/release/leader"
mkdir -p "$WORK"
export LEADER_DB="$WORK/mimic-iv-demo.sqlite"
rm -f "$LEADER_DB"*
"$leader" import atc-map "$DATA/mappings/ethos/gsn_atc_ndc_mapping.csv.gz"
"$leader" import atc-map "$DATA/mappings/ethos/mimic_drug_to_atc.csv.gz"
"$leader" import mimic-iv "$DATA/mimic-iv-demo-2.2"
"$leader" import ddi "$DATA/mappings/gamenet/ddi_atc3_pairs.csv" --source twosides --licence MIT
"$leader" export-dataset --out "$WORK/dataset" --folds 5 --prompt-codes 8
py=pipeline/.venv/bin/python
(cd pipeline && $py -m leader_pipeline cv --dataset "$WORK/dataset" --out "$WORK/cv" --folds 5 --alphas 0,1 --seeds 1 --no-final) > "$WORK/cv.log"
alpha=$($py -c "import json,sys; print(json.load(open(sys.argv[1]))['chosen_alpha'])" "$WORK/cv/cv.json")
(cd pipeline && $py -m leader_pipeline teacher --dataset "$WORK/dataset" --out "$WORK/teacher") > "$WORK/teacher.log"
(cd pipeline && $py -m leader_pipeline student --dataset "$WORK/dataset" --teacher "$WORK/teacher" --out "$WORK/student" --alpha "$alpha") > "$WORK/student.log"
rm -rf "models/$ID"
(cd pipeline && $py -m leader_pipeline export --dataset "$WORK/dataset" --student "$WORK/student" --teacher "$WORK/teacher" \
  --out "../models/$ID" --id "$ID" --version "$VERSION" --cv "$WORK/cv/cv.json" \
  --data-licence "MIMIC-IV Clinical Database Demo v2.2, ODbL 1.0 (weights and aggregate metrics only; no records)" \
  --description "LEADER student distilled from all-MiniLM-L6-v2 (LoRA) on the MIMIC-IV demo; decision support only") > "$WORK/export.log"
"$leader" model sign "models/$ID" --key "$SIGNING_KEY"
echo "$ID" > models/DEFAULT
"$leader" evaluate --model "models/$ID"
du -sh "models/$ID"
