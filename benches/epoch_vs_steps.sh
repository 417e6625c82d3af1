#!/usr/bin/env bash
# A whole trainer epoch against `exg bench train`'s step time x steps (issue 10: <= 1.15x).
#
# The trainer runs on the synthetic dataset with the bench's network (benches/exgnet-bench.json:
# paper trunk, 500 Hz, 5,000 samples, batch 32, lambda_f 1, lambda_xai 0.5): 5 x PER_CLASS
# records, 80 % fitted (16 steps per epoch at PER_CLASS 128), 20 % validated every epoch.
# CPU seconds (user + sys) on one thread, so that the load of a shared machine changes them
# little; differences cancel the fixed costs: epoch = (run of 4 epochs - run of 1) / 3 (the
# features and targets come from a cache filled by the first run, as in a study), step =
# (bench of STEPS + 2 steps - bench of 2) / STEPS.
#
#   benches/epoch_vs_steps.sh [ROUNDS] [PER_CLASS] [STEPS]      (defaults 3 128 48)
#   EXG=/path/to/exg benches/epoch_vs_steps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
PER_CLASS=${2:-128}
STEPS=${3:-48}
EXG=${EXG:-${CARGO_TARGET_DIR:-target}/release/exg}
export RAYON_NUM_THREADS=1 CANDLE_NUM_THREADS=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cpu_s() { /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" > /dev/null 2>&1; awk '{ print $1 + $2 }' "$tmp/time"; }
for e in 1 4; do
  python3 - "$e" "$tmp/e$e.json" <<'PY'
import json, sys
bench = json.load(open("benches/exgnet-bench.json"))
json.dump({"model": bench["model"], "hop_s": 10.0,
           "train": {"batch_size": bench["batch"], "epochs": int(sys.argv[1]),
                     "lambda_features": bench["lambda_features"], "lambda_xai": bench["lambda_xai"]}},
          open(sys.argv[2], "w"))
PY
done
train_records=$(( 5 * PER_CLASS - 5 * PER_CLASS / 5 ))
steps_per_epoch=$(( (train_records + 31) / 32 ))
echo "exg: $EXG; $(( 5 * PER_CLASS )) synthetic records, $steps_per_epoch steps per epoch; 1 thread, CPU seconds; $(date -u '+%F %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  rm -rf "$tmp/run1" "$tmp/run4"
  one=$(cpu_s "$EXG" train --config "$tmp/e1.json" --per-class "$PER_CLASS" --out "$tmp/run1" --cache "$tmp/cache")
  four=$(cpu_s "$EXG" train --config "$tmp/e4.json" --per-class "$PER_CLASS" --out "$tmp/run4" --cache "$tmp/cache")
  short=$(cpu_s "$EXG" bench train --config benches/exgnet-bench.json --steps 2 --threads 1)
  long=$(cpu_s "$EXG" bench train --config benches/exgnet-bench.json --steps $(( STEPS + 2 )) --threads 1)
  awk -v r="$r" -v a="$one" -v b="$four" -v c="$short" -v d="$long" -v n="$STEPS" -v k="$steps_per_epoch" 'BEGIN {
    epoch = (b - a) / 3; step = (d - c) / n
    printf "round %d: epoch %.2f s, bench step %.3f s, epoch / (%d x step) %.3f\n", r, epoch, step, k, epoch / (k * step) }'
done
