#!/usr/bin/env bash
# Downloads the Chapman-Shaoxing 12-lead ECG database from its publisher, figshare
# (collection https://figshare.com/collections/ChapmanECG/4560497), checks each file against
# the MD5 that figshare publishes for it (figshare gives no SHA-256), and unpacks the zips:
#   DEST/Diagnostics.xlsx  DEST/ECGDataDenoised/<FileName>.csv  [DEST/ECGData/<FileName>.csv]
# Default files: Diagnostics.xlsx, ECGDataDenoised.zip, RhythmNames.xlsx, ConditionNames.xlsx,
# AttributesDictionary.xlsx. Add the raw waveforms with EXG_CHAPMAN_RAW=1 (ECGData.zip).
# Idempotent: files with the right MD5 are not fetched again; unzip never overwrites.
# Needs curl, python3 (to read figshare's JSON API), md5sum or md5, unzip.
#
# Usage: datasets/chapman/download.sh [DEST]   (default: ${EXG_DATA_DIR:-$HOME/exg-data}/chapman)
set -euo pipefail
for tool in curl python3 unzip; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required" >&2; exit 1; }
done
dest="${1:-${EXG_DATA_DIR:-$HOME/exg-data}/chapman}"
mkdir -p "$dest"
api="${EXG_FIGSHARE_API:-https://api.figshare.com/v2}"
wanted="Diagnostics.xlsx ECGDataDenoised.zip RhythmNames.xlsx ConditionNames.xlsx AttributesDictionary.xlsx"
if [ "${EXG_CHAPMAN_RAW:-0}" = "1" ]; then wanted="$wanted ECGData.zip"; fi

md5_of() {
    if command -v md5sum >/dev/null 2>&1; then md5sum "$1" | awk '{print $1}'; else md5 -q "$1"; fi
}

# "name<TAB>md5<TAB>url" for every file of every article in the collection.
manifest="$dest/.exg-figshare-manifest.tsv"
echo "==> listing figshare collection 4560497"
curl -fsSL --retry 3 "$api/collections/4560497/articles?page_size=100" |
python3 -c '
import json, sys, urllib.request
api = sys.argv[1]
for art in json.load(sys.stdin):
    with urllib.request.urlopen(api + "/articles/" + str(art["id"])) as r:
        for f in json.load(r).get("files", []):
            print(f["name"], f.get("computed_md5") or f.get("supplied_md5") or "", f["download_url"], sep="\t")
' "$api" > "$manifest"

for name in $wanted; do
    line="$(awk -F'\t' -v n="$name" '$1 == n' "$manifest" | head -n 1)"
    if [ -z "$line" ]; then
        echo "error: $name is not in the figshare collection (listing in $manifest)" >&2
        exit 1
    fi
    md5="$(printf '%s' "$line" | cut -f2)"
    url="$(printf '%s' "$line" | cut -f3)"
    if [ -f "$dest/$name" ] && [ -n "$md5" ] && [ "$(md5_of "$dest/$name")" = "$md5" ]; then
        echo "==> $name: present, MD5 ok"
    else
        echo "==> $name: downloading"
        curl -fSL --progress-bar --retry 3 -o "$dest/$name.part" "$url"
        if [ -n "$md5" ] && [ "$(md5_of "$dest/$name.part")" != "$md5" ]; then
            echo "error: $name: MD5 mismatch (expected $md5)" >&2
            exit 1
        fi
        mv "$dest/$name.part" "$dest/$name"
    fi
    case "$name" in
        *.zip)
            echo "==> unpacking $name"
            unzip -q -n "$dest/$name" -d "$dest"
            ;;
    esac
done
echo "==> done: $(find "$dest" -name 'MUSE_*.csv' | wc -l) waveform files in $dest"
echo "Set EXG_DATA_DIR=$(dirname "$dest") to let the exg tests and examples find it."
