#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the other on one core,
# growing fuzz/corpus/<target> from fuzz/seeds/<target>, and prints one summary line per target:
#   target  executions  cov  ft  corpus  crashes  exit
# Logs: fuzz/logs/<target>.log; crashing inputs: fuzz/artifacts/<target>/.
# Usage: fuzz/run_all.sh [SECONDS] [TARGET...]   (run from the repository root; needs nightly)
set -uo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi
mkdir -p fuzz/logs
printf '%-26s %12s %7s %7s %7s %8s %5s\n' target executions cov ft corpus crashes exit
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/logs/$t.log"
    nice -n 15 cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1
    rc=$?
    rm -rf /dev/shm/exg-fuzz-* "${TMPDIR:-/tmp}"/exg-fuzz-*  # the harness's scratch files
    runs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(grep -oP 'cov: \K[0-9]+' <<<"$last")
    ft=$(grep -oP 'ft: \K[0-9]+' <<<"$last")
    corp=$(grep -oP 'corp: \K[0-9]+' <<<"$last")
    crashes=$(find "fuzz/artifacts/$t" -type f | wc -l)
    printf '%-26s %12s %7s %7s %7s %8s %5s\n' "$t" "${runs:--}" "${cov:--}" "${ft:--}" \
        "${corp:--}" "$crashes" "$rc"
done
