#!/usr/bin/env bash
# Regenerates every table of pipeline/README.md and the evaluation tables of the README's model
# section from committed code, on the MIMIC-IV demo (../shared/data):
#   import into a fresh store -> export-dataset (with the `twosides` DDI adjacency) ->
#   the evaluation protocol (`leader_pipeline cv`: frozen test, seed-averaged nested CV,
#   baselines, paired bootstrap intervals, calibration) for the recipe, then for the ablations ->
#   the shipped weights on their own held-out visits (`leader evaluate --baselines`, whose
#   baselines the report recomputes in Python and checks to 1e-9) ->
#   tables written between the `<!-- tables:... -->` markers of both READMEs.
# Environment: TEACHER_MODE=frozen (default: the pre-trained teacher's features, computed once) or
# finetune (the shipped recipe's LoRA teacher per fold: ~10 minutes each on a 2-core CPU, 30
# of them); SEEDS (default 1,2,3,4,5), ABLATION_SEEDS (default 1,2,3). CPU, frozen: about 1.5 hours
# on 2 shared cores; a GPU is used when torch sees one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh base ort python
. scripts/env.sh
DATA=${DATA:-../shared/data}
WORK=${WORK:-$HOME/.cache/leader-rx/ablations}
TEACHER_MODE=${TEACHER_MODE:-frozen}
SEEDS=${SEEDS:-1,2,3,4,5}
ABLATION_SEEDS=${ABLATION_SEEDS:-1,2,3}
cargo build --release -p leader-cli
leader="$CARGO_TARGET_DIR/release/leader"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export LEADER_DB="$WORK/mimic-iv-demo.sqlite"
rm -f "$LEADER_DB"*
"$leader" import atc-map "$DATA/mappings/ethos/gsn_atc_ndc_mapping.csv.gz"
"$leader" import atc-map "$DATA/mappings/ethos/mimic_drug_to_atc.csv.gz"
"$leader" import mimic-iv "$DATA/mimic-iv-demo-2.2"
"$leader" import ddi "$DATA/mappings/gamenet/ddi_atc3_pairs.csv" --source twosides --licence MIT
"$leader" export-dataset --out "$WORK/dataset" --prompt-codes 8
"$leader" --json evaluate --baselines --model "models/$(cat models/DEFAULT)" > "$WORK/shipped.json"
py=.venv/bin/python
run_cv() { (cd pipeline && OMP_NUM_THREADS=1 $py -m leader_pipeline cv --dataset "$WORK/dataset" --teacher-mode "$TEACHER_MODE" --threads 1 "$@"); }
run_cv --out "$WORK/recipe" --seeds "$SEEDS" --variants recipe,alpha_0,no_transition > "$WORK/recipe.log"
run_cv --out "$WORK/structure" --seeds "$SEEDS" --no-final \
  --variants alpha_1,transition,cooc_prior,atc_parent,ej,transition_ej,transition_ens,transition_a3,teacher_soft_0.2,teacher_soft_0.5 \
  > "$WORK/structure.log"
run_cv --out "$WORK/distillation" --seeds "$SEEDS" --variants alpha_1,alpha_3,seed_ensemble --no-final > "$WORK/distillation.log"
run_cv --out "$WORK/ablations" --seeds "$ABLATION_SEEDS" --alphas 0 --teacher-mode none --variants no_transition,soft_0.2,embed_64 \
  --no-final > "$WORK/ablations.log"
(cd pipeline && $py -m leader_pipeline report "$WORK/recipe/cv.json" --shipped "$WORK/shipped.json" --dataset "$WORK/dataset" \
  --into ../README.md --section model)
(cd pipeline && $py -m leader_pipeline report "$WORK/recipe/cv.json" --into README.md --section recipe)
(cd pipeline && $py -m leader_pipeline report "$WORK/structure/cv.json" --into README.md --section structure)
(cd pipeline && $py -m leader_pipeline report "$WORK/distillation/cv.json" --into README.md --section distillation)
(cd pipeline && $py -m leader_pipeline report "$WORK/ablations/cv.json" --into README.md --section ablations)
(cd pipeline && $py -m leader_pipeline bench-graph --dataset "$WORK/dataset" --out "$WORK/graphs" --into README.md --section graph)
echo "tables written into README.md and pipeline/README.md (results in $WORK)"
