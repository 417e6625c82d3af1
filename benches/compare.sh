#!/usr/bin/env bash
# Side-by-side training-step (and inference) benchmark: exg vs its PyTorch twin, same JSON,
# run alternately ROUNDS times; prints every run and the per-round ratio exg / PyTorch.
#
# Training (the default) times two steps, each round running exg then PyTorch for each:
#   plain  lambda_features = lambda_xai = 0: cross-entropy of the signal head only;
#   full   the config's lambdas (benches/exgnet-bench.json: 1.0 and 0.5), EXGnet's three-term
#          loss: + feature-head CE + XAI term 1 - NCC(Grad-CAM, target).
# and ends with one summary row per step (median ms of each side, median/min/max of the
# per-round ratios) and the cost of the two extra terms on each side (full / plain).
#
#   benches/compare.sh [ROUNDS] [STEPS] [THREADS]          (defaults 5 10 2)
#   EXG=target/release/exg PYTHON=python3 INFER=1 benches/compare.sh 5 50 1
#   ROWS=full benches/compare.sh 3 5 2                      # only one of the rows
#   CPUTIME=1 CANDLE_NUM_THREADS=1 benches/compare.sh 2 10 1
#       CPU seconds per step instead of wall time (user + sys of a run of STEPS + 2 timed steps
#       minus a run of 2, over STEPS): on a loaded machine, with 1 thread, the work each side does
#       whatever the scheduler does (with more threads it counts spinning too)
#   CANDLE_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE benches/compare.sh 3 5 2
#       each side without its extra spinning threads (docs/benchmarks.md): candle's element-wise
#       ops in the calling thread (exg's own kernels still use THREADS rayon threads), and
#       PyTorch's OpenMP threads sleeping instead of spinning at barriers
#
# Needs: `cargo build --release --workspace`, and `pip install -r benches/torch/requirements.txt`.
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
ROWS=${ROWS:-plain full}
if [[ "${INFER:-0}" == 1 ]]; then MODE=infer; PYFLAG=--infer; ROWS=infer; fi

ms() { sed -E 's/.*"ms_per_step": ?([0-9.eE+-]+).*/\1/'; }
cpu_s() { /usr/bin/time -f "%U %S" -o "$tmp" "$@" > /dev/null 2>&1; awk '{ print $1 + $2 }' "$tmp"; }
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
# One measurement, ms per step: wall time from the JSON report, or CPU time (CPUTIME=1).
run() {
  if [[ "${CPUTIME:-0}" == 1 ]]; then
    local long short
    long=$(cpu_s "$@" --steps $((STEPS + 2)))
    short=$(cpu_s "$@" --steps 2)
    awk -v a="$long" -v b="$short" -v n="$STEPS" 'BEGIN { printf "%.1f", (a - b) / n * 1000 }'
  else
    "$@" --steps "$STEPS" | ms
  fi
}
# Median, min, max of the numbers on stdin.
stats() { sort -g | awk '{ a[NR] = $1 } END { printf "%.3f %.3f %.3f", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
lambdas() {
  case $1 in
    plain) echo "--lambda-features 0 --lambda-xai 0" ;;
    *) echo "" ;;
  esac
}

declare -A E T R
echo "exg: $EXG; $($PYTHON -c 'import torch; print("pytorch", torch.__version__)' 2>/dev/null); $MODE, $THREADS threads, $ROUNDS rounds of $STEPS steps, $([[ "${CPUTIME:-0}" == 1 ]] && echo "CPU" || echo "wall") time; CANDLE_NUM_THREADS=${CANDLE_NUM_THREADS:-unset} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}; $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for row in $ROWS; do
    # shellcheck disable=SC2046
    em=$(run env RAYON_NUM_THREADS="$THREADS" "$EXG" bench "$MODE" --config "$CONFIG" --threads "$THREADS" --json $(lambdas "$row"))
    # shellcheck disable=SC2046
    tm=$(run env OMP_NUM_THREADS="$THREADS" "$PYTHON" benches/torch/exgnet.py --config "$CONFIG" --threads "$THREADS" --json $PYFLAG $(lambdas "$row") 2>/dev/null)
    ratio=$(awk -v a="$em" -v b="$tm" 'BEGIN { printf "%.3f", a / b }')
    E[$row]+="$em "; T[$row]+="$tm "; R[$row]+="$ratio "
    printf 'round %d %-5s: exg %8.1f ms  pytorch %8.1f ms  ratio %s\n' "$r" "$row" "$em" "$tm" "$ratio"
  done
done
printf '\n%-6s %12s %12s   %s\n' step "exg ms" "pytorch ms" "ratio exg/pytorch: median (min-max)"
for row in $ROWS; do
  read -r em _ _ <<<"$(tr ' ' '\n' <<<"${E[$row]}" | grep . | stats)"
  read -r tm _ _ <<<"$(tr ' ' '\n' <<<"${T[$row]}" | grep . | stats)"
  read -r rm rlo rhi <<<"$(tr ' ' '\n' <<<"${R[$row]}" | grep . | stats)"
  printf '%-6s %12.1f %12.1f   %s (%s-%s) over %d rounds, %d threads\n' "$row" "$em" "$tm" "$rm" "$rlo" "$rhi" "$ROUNDS" "$THREADS"
done
if [[ -n "${E[plain]:-}" && -n "${E[full]:-}" ]]; then
  cost() { paste -d' ' <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) | awk '{ printf "%.3f\n", $2 / $1 }' | stats; }
  read -r ce _ _ <<<"$(cost "${E[plain]}" "${E[full]}")"
  read -r ct _ _ <<<"$(cost "${T[plain]}" "${T[full]}")"
  printf 'full / plain step (median of rounds): exg %s, pytorch %s\n' "$ce" "$ct"
fi
