#!/usr/bin/env bash
# Downloads CinC 2021 training sets from PhysioNet (challenge-2021, default version 1.0.3) and
# verifies every file against the release's SHA256SUMS.txt. Default: the Ningbo set only
# (34,905 records, about 70,000 files); choose others with EXG_CINC2021_SETS, e.g.
#   EXG_CINC2021_SETS="ningbo georgia ptb-xl" datasets/ningbo/download.sh
# Set names are the release's folders under training/: chapman_shaoxing, cpsc_2018,
# cpsc_2018_extra, georgia, ningbo, ptb, ptb-xl, st_petersburg_incart.
# Files keep the release layout: DEST/training/<set>/g<N>/<record>.{hea,mat}.
# Idempotent: verified files are not fetched again (an interrupted run resumes).
#
# Usage: datasets/ningbo/download.sh [DEST]   (default: ${EXG_DATA_DIR:-$HOME/exg-data}/cinc2021)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/physionet.sh
source "$here/../lib/physionet.sh"
dest="${1:-${EXG_DATA_DIR:-$HOME/exg-data}/cinc2021}"
version="${EXG_CINC2021_VERSION:-1.0.3}"
prefixes=()
for set in ${EXG_CINC2021_SETS:-ningbo}; do
    prefixes+=("training/${set}/")
done
physionet_fetch challenge-2021 "$version" "$dest" "${prefixes[@]}"
echo "Read a record with exg_data::dataset::cinc2021::read_record(\"$dest/training/ningbo/g1/JS00001\")."
