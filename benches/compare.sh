#!/usr/bin/env bash
# Side-by-side training-step (and inference) benchmark: exg vs its PyTorch twin, same JSON,
# run alternately ROUNDS times; prints every run and the per-round ratio exg / PyTorch.
#
#   benches/compare.sh [ROUNDS] [STEPS] [THREADS]          (defaults 5 10 2)
#   EXG=target/release/exg PYTHON=python3 INFER=1 benches/compare.sh 5 50 1
#
# Needs: `cargo build --release -p exg-cli`, and `pip install -r benches/torch/requirements.txt`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
STEPS=${2:-10}
THREADS=${3:-2}
EXG=${EXG:-${CARGO_TARGET_DIR:-target}/release/exg}
PYTHON=${PYTHON:-python3}
CONFIG=${CONFIG:-benches/exgnet-bench.json}
MODE=train
PYFLAG=
if [[ "${INFER:-0}" == 1 ]]; then MODE=infer; PYFLAG=--infer; fi

ms() { sed -E 's/.*"ms_per_step": ?([0-9.eE+-]+).*/\1/'; }
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  e=$(RAYON_NUM_THREADS=$THREADS "$EXG" bench "$MODE" --config "$CONFIG" --steps "$STEPS" --threads "$THREADS" --json)
  t=$(OMP_NUM_THREADS=$THREADS "$PYTHON" benches/torch/exgnet.py --config "$CONFIG" --steps "$STEPS" --threads "$THREADS" --json $PYFLAG 2>/dev/null)
  em=$(echo "$e" | ms); tm=$(echo "$t" | ms)
  ratio=$(awk -v a="$em" -v b="$tm" 'BEGIN { printf "%.3f", a / b }')
  ratios+=("$ratio")
  printf 'round %d: exg %8.1f ms  pytorch %8.1f ms  ratio %s\n' "$r" "$em" "$tm" "$ratio"
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "ratio exg/pytorch (%s, %d threads): median %.3f, min %.3f, max %.3f over %d rounds\n", "'"$MODE"'", '"$THREADS"', a[int((NR + 1) / 2)], a[1], a[NR], NR }'
