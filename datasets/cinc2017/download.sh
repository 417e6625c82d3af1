#!/usr/bin/env bash
# Downloads the PhysioNet/CinC Challenge 2017 training set (challenge-2017 1.0.0:
# training2017.zip and the final labels REFERENCE-v3.csv), verifies them against the release's
# SHA256SUMS.txt, and unpacks them into the layout exg-data expects:
#   DEST/training2017/{AXXXXX.hea, AXXXXX.mat, RECORDS, REFERENCE.csv (= v3 labels),
#                      REFERENCE-original.csv (labels shipped inside the zip)}
# Idempotent: verified downloads are kept, existing files are not overwritten.
#
# Usage: datasets/cinc2017/download.sh [DEST]   (default: ${EXG_DATA_DIR:-$HOME/exg-data}/cinc2017)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/physionet.sh
source "$here/../lib/physionet.sh"
physionet_need unzip
dest="${1:-${EXG_DATA_DIR:-$HOME/exg-data}/cinc2017}"
physionet_fetch challenge-2017 1.0.0 "$dest" training2017.zip REFERENCE-v3.csv

echo "==> unpacking training2017.zip"
unzip -q -n "$dest/training2017.zip" -d "$dest"
train="$dest/training2017"
if [ ! -f "$train/REFERENCE-original.csv" ]; then
    cp "$train/REFERENCE.csv" "$train/REFERENCE-original.csv"
fi
cp "$dest/REFERENCE-v3.csv" "$train/REFERENCE.csv.part"
mv "$train/REFERENCE.csv.part" "$train/REFERENCE.csv"
echo "==> $(grep -c . "$train/REFERENCE.csv") labelled records in $train"
echo "Set EXG_DATA_DIR=$(dirname "$dest") to let the exg tests and examples find it."
