#!/usr/bin/env bash
# Downloads the MIT-BIH Noise Stress Test Database 1.0.0 from PhysioNet (noise records bw, em,
# ma and the 12 noisy test records) and verifies every file against SHA256SUMS.txt.
# Idempotent: verified files are not fetched again.
#
# Usage: datasets/nstdb/download.sh [DEST]   (default: ${EXG_DATA_DIR:-$HOME/exg-data}/nstdb)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/physionet.sh
source "$here/../lib/physionet.sh"
dest="${1:-${EXG_DATA_DIR:-$HOME/exg-data}/nstdb}"
physionet_fetch nstdb 1.0.0 "$dest"
echo "Set EXG_DATA_DIR=$(dirname "$dest") to let the exg tests and examples find it."
