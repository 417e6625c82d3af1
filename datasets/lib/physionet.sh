# Shared by the PhysioNet download scripts in datasets/*/download.sh (sourced, not run).
#
# physionet_fetch PROJECT VERSION DEST [PREFIX...]
#   Downloads the files of https://physionet.org/files/PROJECT/VERSION/ whose paths start with
#   one of PREFIX (all files when none is given) into DEST, keeping the release's layout, and
#   verifies every one against the release's SHA256SUMS.txt. Files already present with the
#   right checksum are not downloaded again, so the function is idempotent and resumable.
#   Parallelism: EXG_DOWNLOAD_JOBS (default 4). EXG_PHYSIONET_URL replaces
#   https://physionet.org/files (a mirror, or a local server in tests).

physionet_need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || { echo "error: '$tool' is required" >&2; exit 1; }
    done
}

physionet_sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

physionet_fetch() {
    local project="$1" version="$2" dest="$3"
    shift 3
    local base="${EXG_PHYSIONET_URL:-https://physionet.org/files}/${project}/${version}"
    physionet_need curl awk xargs
    mkdir -p "$dest"
    echo "==> ${project} ${version}: checksums"
    curl -fsSL --retry 3 -o "$dest/SHA256SUMS.txt.part" "$base/SHA256SUMS.txt"
    mv "$dest/SHA256SUMS.txt.part" "$dest/SHA256SUMS.txt"

    # "<sha256> <path>" lines restricted to the requested prefixes.
    local wanted="$dest/.exg-wanted.sha256"
    awk -v prefixes="$*" '
        BEGIN { n = split(prefixes, p, " ") }
        {
            path = $2; sub(/^\*/, "", path)
            if (n == 0) { print $1 "  " path; next }
            for (i = 1; i <= n; i++) if (index(path, p[i]) == 1) { print $1 "  " path; break }
        }' "$dest/SHA256SUMS.txt" > "$wanted"
    local total
    total=$(wc -l < "$wanted")
    if [ "$total" -eq 0 ]; then
        echo "error: no file of ${project} ${version} matches: $*" >&2
        exit 1
    fi

    # Files missing or with a wrong checksum.
    local todo="$dest/.exg-todo.txt"
    : > "$todo"
    local sum path
    while read -r sum path; do
        if [ -f "$dest/$path" ] && [ "$(physionet_sha256 "$dest/$path" | awk '{print $1}')" = "$sum" ]; then
            continue
        fi
        echo "$path" >> "$todo"
    done < "$wanted"
    echo "==> ${project}: $(wc -l < "$todo") of ${total} files to download"

    # Each file goes to a .part name first and is renamed when complete.
    BASE="$base" DEST="$dest" xargs -P "${EXG_DOWNLOAD_JOBS:-4}" -I{} sh -c '
        mkdir -p "$(dirname "$DEST/{}")" &&
        curl -fsSL --retry 3 -o "$DEST/{}.part" "$BASE/{}" &&
        mv "$DEST/{}.part" "$DEST/{}"' < "$todo"

    echo "==> ${project}: verifying ${total} files"
    (cd "$dest" && physionet_sha256 -c --quiet "$(basename "$wanted")")
    rm -f "$todo"
    echo "==> ${project} ${version}: done in $dest"
}
