#!/usr/bin/env bats
# cuenv sbom: CycloneDX 1.5 and SPDX 2.3 JSON of an env's components, from the
# pin's cuenv.lock (installed or not) or an installed env's receipt. Checked
# structurally against each format's required fields and rules (serial
# number and SPDXID syntax, every package referenced, every LicenseRef
# declared), and against the truth: the lock's or receipt's archives, the
# mirror's manifests (names, licences) and the archive each download URL
# points to (its sha256). CycloneDX documents are also validated against
# CycloneDX's official bom-1.5 JSON schema ('make deps' fetches it). SOURCE_DATE_EPOCH makes the output reproducible.
#
# shellcheck disable=SC2016

load helper
load activation_helper

CDX_SCHEMA=$CUENV_SRC/build/cyclonedx-schema

setup_file() { act_setup_file; }

setup() {
    act_setup
    # The official schema comes from the npm registry ('make deps'); without
    # it the structural checks still run and the schema test below skips.
    CDX_ARG=
    if [ -e "$CDX_SCHEMA/.complete" ] && python3 -c 'import jsonschema' 2>/dev/null; then
        CDX_ARG=$CDX_SCHEMA
    fi
}

# Check the SBOM in $output (format $1: cyclonedx or spdx) against the
# archives listed in file $2 ("product name version sha256 relative_path" a
# line), the mirror's manifests, and the timestamp $3 (ISO 8601, or "now").
check_sbom() {
    python3 "$FIXTURES/check_sbom.py" "$1" "$2" "$3" "$ACT_MIRROR" "$CUENV_MIRROR" "$CDX_ARG" <<<"$output"
}

# The archives of lock $1, one "product name version sha256 relative_path" a line.
lock_archives() {
    sed -n 's/^archive = \([^ ]*\) \([^ ]*\) \([^ ]*\) [0-9]* \([0-9a-f]*\) \(.*\)$/\1 \2 \3 \4 \5/p' "$1"
}

# The same from env prefix $1's receipt.
receipt_archives() {
    awk -F'\t' '$1 == "component" { print $2, $3, $4, $5, $8 }' "$1/.cuenv/receipt"
}

@test "sbom: CycloneDX 1.5 from the pin's lock: every archive with version, sha256, licence, download URL" {
    cd "$PD"
    lock_archives "$PD/cuenv.lock" >"$T/archives"
    [ "$(wc -l <"$T/archives")" -ge 5 ] || fail "few archives in the lock: $(cat "$T/archives")"
    SOURCE_DATE_EPOCH=1700000000 trun "$CUENV" sbom
    assert_success
    assert_stderr ""
    check_sbom cyclonedx "$T/archives" 2023-11-14T22:13:20Z
    grep -q "\"description\": \"CUDA Toolkit 12.4.1 with cuDNN 9.14.0.64 (devel profile) for linux-x86_64, from cuenv.lock\"" <<<"$output"
}

@test "sbom: CycloneDX output validates against CycloneDX's official bom-1.5 JSON schema" {
    [ -n "$CDX_ARG" ] || skip "no CycloneDX schemas in $CDX_SCHEMA (npm registry unreachable at 'make deps') or no python3-jsonschema"
    cd "$PD"
    lock_archives "$PD/cuenv.lock" >"$T/archives"
    SOURCE_DATE_EPOCH=1700000000 trun "$CUENV" sbom --format cyclonedx
    assert_success
    check_sbom cyclonedx "$T/archives" 2023-11-14T22:13:20Z
}

@test "sbom: SPDX 2.3 from an installed env's receipt (SPEC)" {
    receipt_archives "$E126" >"$T/archives"
    SOURCE_DATE_EPOCH=0 trun "$CUENV" sbom 12.6 --format spdx
    assert_success
    assert_stderr ""
    check_sbom spdx "$T/archives" 1970-01-01T00:00:00Z
    # cuDNN too, and the explicit CycloneDX format.
    receipt_archives "$E130DNN" >"$T/archives"
    trun "$CUENV" sbom --format spdx 13.0+cudnn9
    assert_success
    check_sbom spdx "$T/archives" now
    trun "$CUENV" sbom 13.0+cudnn9 --format cyclonedx
    assert_success
    check_sbom cyclonedx "$T/archives" now
}

@test "sbom: SOURCE_DATE_EPOCH gives byte-identical output; another epoch another timestamp and serial; a bad one is exit 2" {
    cd "$PB"
    local a b c f
    for f in cyclonedx spdx; do
        a=$(SOURCE_DATE_EPOCH=1234567890 "$CUENV" sbom --format "$f")
        b=$(SOURCE_DATE_EPOCH=1234567890 "$CUENV" sbom --format "$f")
        c=$(SOURCE_DATE_EPOCH=1234567891 "$CUENV" sbom --format "$f")
        [ "$a" = "$b" ] || fail "$f: two runs differ"
        [ "$a" != "$c" ] || fail "$f: another epoch, the same document"
        grep -q '2009-02-13T23:31:30Z' <<<"$a"
        grep -q '2009-02-13T23:31:31Z' <<<"$c"
        [ "$(grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' <<<"$a")" != \
            "$(grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' <<<"$c")" ] ||
            fail "$f: the same serial for another timestamp"
    done
    for bad in "" x -1 12x 1e9 99999999999999999999; do
        SOURCE_DATE_EPOCH=$bad trun "$CUENV" sbom
        assert_failure 2
        assert_output ""
        assert_stderr "cuenv: error: SOURCE_DATE_EPOCH '$bad' is not a number of seconds since 1970"
    done
}

@test "sbom: a lock whose env is not installed still works without SPEC; an uninstalled SPEC is exit 3 with the hint" {
    # Moved away, not changed: its files are hard links to the shared template's.
    mv "$E130DNN" "$T/not-installed"
    cd "$PB"
    lock_archives "$PB/cuenv.lock" >"$T/archives"
    trun "$CUENV" sbom --format spdx
    assert_success
    check_sbom spdx "$T/archives" now
    trun "$CUENV" sbom 13.0+cudnn9
    assert_failure 3
    assert_output ""
    assert_stderr_line "^cuenv: error: '13.0\+cudnn9' \(given on the command line\) is not installed$"
    assert_stderr_line "^hint: run 'cuenv install 13.0\+cudnn9'$"
    # Without a lock the pin needs its env installed.
    rm "$PB/cuenv.lock"
    trun "$CUENV" sbom
    assert_failure 3
    assert_stderr_line "^hint: run 'cuenv install' in '$PB'$"
}

@test "sbom: licences unknown offline (a source never fetched): a warning, the document still valid" {
    cd "$PA"
    sed -i 's|^source = .*|source = http://127.0.0.1:1/never-fetched|' cuenv.lock
    trun "$CUENV" sbom --format spdx
    assert_success
    assert_stderr_line "^cuenv: warning: licences of the cuda components unknown: no cuda manifest in the catalogue of 'http://127.0.0.1:1/never-fetched'$"
    python3 -c 'import json, sys
d = json.loads(sys.argv[1])
assert all(p["licenseDeclared"] == "NOASSERTION" for p in d["packages"]), d
assert "hasExtractedLicensingInfos" not in d
assert all(p["downloadLocation"].startswith("http://127.0.0.1:1/never-fetched/cuda/redist/") for p in d["packages"][1:])' "$output"
    trun "$CUENV" sbom
    assert_success
    python3 -c 'import json, sys
d = json.loads(sys.argv[1])
assert all("licenses" not in c for c in d["components"]), d' "$output"
}

@test "sbom: bad usage is exit 2; no pin and no SPEC is exit 3" {
    trun "$CUENV" sbom --format swid
    assert_failure 2
    assert_stderr_line "^cuenv: error: unknown format 'swid' \(cyclonedx or spdx\)$"
    trun "$CUENV" sbom 12.4 12.6
    assert_failure 2
    trun "$CUENV" sbom --output x
    assert_failure 2
    trun "$CUENV" sbom --format
    assert_failure 2
    assert_stderr_line "^cuenv: error: option '--format' needs a value$"
    trun "$CUENV" sbom 12.4.x
    assert_failure 2
    trun "$CUENV" sbom
    assert_failure 3
    assert_stderr_line '^cuenv: error: no CUDA pin here'
}
