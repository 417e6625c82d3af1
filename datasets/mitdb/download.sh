#!/usr/bin/env bash
# Downloads the MIT-BIH Arrhythmia Database 1.0.0 from PhysioNet and verifies every file
# against the release's SHA256SUMS.txt. Idempotent: verified files are not fetched again.
#
# Usage: datasets/mitdb/download.sh [DEST]   (default: ${EXG_DATA_DIR:-$HOME/exg-data}/mitdb)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/physionet.sh
source "$here/../lib/physionet.sh"
dest="${1:-${EXG_DATA_DIR:-$HOME/exg-data}/mitdb}"
physionet_fetch mitdb 1.0.0 "$dest"
echo "Set EXG_DATA_DIR=$(dirname "$dest") to let the exg tests and examples find it."
