#!/usr/bin/env bash
# The CinC 2017 study of docs/results.md, every run resumable: rerun this script after an
# interruption and it continues where it stopped (finished runs are read back in seconds).
#
#   datasets/cinc2017/study.sh [DATA_DIR] [RUNS_DIR]
#
# DATA_DIR: the `training2017` folder (default ../shared/data/cinc2017/training2017).
# RUNS_DIR: where the run folders go (default runs/cinc2017). EXG: the exg binary
# (default target/release/exg; build it with `cargo build --release -p exg-cli`).
# ONLY: run only these steps (space-separated names: final cv-full final-seed7 cv-seed7
# final-seed11 cv-seed11 fusion small-full small-no-xai small-no-features small-plain-conv), e.g.
# to run the ablations beside a CV on another core.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:-../shared/data/cinc2017/training2017}"
runs="${2:-runs/cinc2017}"
exg="${EXG:-target/release/exg}"
mkdir -p "$runs"
common=(--dataset cinc2017 --data-dir "$data" --cache "$runs/cache")

step() { # name, then the exg arguments; the wall time of each invocation goes to times.tsv
  local name="$1"; shift
  if [[ -n "${ONLY:-}" && " $ONLY " != *" $name "* ]]; then return 0; fi
  local t0; t0=$(date +%s)
  resume=()
  [ -e "$runs/$name/config.json" ] && resume=(--resume)
  "$exg" "$@" --out "$runs/$name" "${resume[@]}" 2>&1 | tee -a "$runs/$name.log"
  printf '%s\t%s\t%s\n' "$name" "$(( $(date +%s) - t0 ))" "$(date -u +%FT%TZ)" >> "$runs/times.tsv"
}

# 1. The deployable model on all records: the dataset's default configuration (paper trunk at
#    125 Hz, a random 30-s crop of each record per epoch, records under 30 s repeated, 30
#    epochs, the last kept; `exg cv --dataset cinc2017 --out X --print-config`), 10 % of the
#    records held out (stratified) and scored every epoch.
step final train "${common[@]}"
# 2. The same configuration in 5-fold cross-validation.
step cv-full cv "${common[@]}"
# 2b. The same again with other initial weights and batch order (seeds 7 and 11, same folds):
#     the second and third networks of the shipped ensemble.
for seed in 7 11; do
  step "final-seed$seed" train "${common[@]}" --config "$here/study-seed$seed.json"
  step "cv-seed$seed" cv "${common[@]}" --config "$here/study-seed$seed.json"
done
# 3. The feature classifier kept at deployment (a few minutes): trees on every record's
#    features, fused with the mean of the three networks' out-of-fold predictions and evaluated
#    nested on the same folds (runs/cinc2017/fusion-ensemble3/report.md), then refitted on every
#    record and saved with the three final networks as one ensemble:
#    `$runs/final/model-fused.safetensors`, the file shipped as
#    models/exgnet-cinc2017.safetensors.
if [[ -z "${ONLY:-}" || " $ONLY " == *" fusion "* ]]; then
  t0=$(date +%s)
  "$exg" fuse --dataset cinc2017 --data-dir "$data" \
    --predictions "$runs/cv-full/predictions.csv" --predictions "$runs/cv-seed7/predictions.csv" \
    --predictions "$runs/cv-seed11/predictions.csv" --out "$runs/fusion-ensemble3" \
    --model "$runs/final/model.safetensors" --model "$runs/final-seed7/model.safetensors" \
    --model "$runs/final-seed11/model.safetensors" \
    --save "$runs/final/model-fused.safetensors" 2>&1 | tee -a "$runs/fusion.log"
  printf '%s\t%s\t%s\n' fusion "$(( $(date +%s) - t0 ))" "$(date -u +%FT%TZ)" >> "$runs/times.tsv"
fi
# 4. Ablations on the same folds with the smaller `edge`-size trunk (study-small.json, which
#    pins the recipe the ablations started with: zero padding, best validation epoch).
for a in full no-xai no-features plain-conv; do
  step "small-$a" cv "${common[@]}" --config "$here/study-small.json" --ablation "$a"
done
