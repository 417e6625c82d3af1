#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, growing fuzz/corpus/<target> from
# fuzz/seeds/<target>, and prints one summary line per target (in the order given):
#   target  executions  cov  ft  corpus  crashes  exit
# JOBS targets run at a time (default 1: one after the other on one core), each its own
# single-process libFuzzer. Logs: fuzz/logs/<target>.log; crashing inputs: fuzz/artifacts/<target>/.
# Usage: [JOBS=N] fuzz/run_all.sh [SECONDS] [TARGET...]   (from the repository root; needs nightly)
set -uo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
shift || true
jobs="${JOBS:-1}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi
mkdir -p fuzz/logs
# Build once (AddressSanitizer, debug assertions), then run the binaries themselves: the runs do
# not race to build, and editing the workspace while they run does not trigger a rebuild.
(cd fuzz && nice -n 15 cargo +nightly fuzz build >/dev/null 2>&1) || {
    echo "cargo +nightly fuzz build failed" >&2
    exit 1
}
bin="fuzz/target/$(rustc +nightly -vV | sed -n 's/^host: //p')/release"

run_one() { # target -> fuzz/logs/<target>.summary
    local t="$1" log="fuzz/logs/$1.log" rc runs last cov ft corp crashes
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    nice -n 15 "$bin/$t" -artifact_prefix="fuzz/artifacts/$t/" -max_total_time="$secs" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "fuzz/corpus/$t" "fuzz/seeds/$t" \
        >"$log" 2>&1
    rc=$?
    runs=$(grep -oP 'stat::number_of_executed_units:\s*\K[0-9]+' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(grep -oP 'cov: \K[0-9]+' <<<"$last")
    ft=$(grep -oP 'ft: \K[0-9]+' <<<"$last")
    corp=$(grep -oP 'corp: \K[0-9]+' <<<"$last")
    crashes=$(find "fuzz/artifacts/$t" -type f | wc -l)
    printf '%-26s %12s %7s %7s %7s %8s %5s\n' "$t" "${runs:--}" "${cov:--}" "${ft:--}" \
        "${corp:--}" "$crashes" "$rc" >"fuzz/logs/$t.summary"
}

for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    run_one "$t" &
done
wait
# The harness's scratch files (file-based targets), once no target runs.
rm -rf /dev/shm/exg-fuzz-* "${TMPDIR:-/tmp}"/exg-fuzz-*
printf '%-26s %12s %7s %7s %7s %8s %5s\n' target executions cov ft corpus crashes exit
for t in "${targets[@]}"; do cat "fuzz/logs/$t.summary"; done
