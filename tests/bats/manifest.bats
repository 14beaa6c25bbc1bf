#!/usr/bin/env bats
# RELIABILITY.md 3.C (MAN): hostile manifests served over http by
# fault_server.py. Every variant of the positive control's manifest
# (label 99.0.0, one cuda_cudart archive) lives in its own source
# $MURL/<variant>/; each must fail with exit 4, one line naming the manifest
# file and the JSON path, and no archive request at all (/__hits), nothing
# installed. REL-41: what a mirror that silently changes under a cached
# catalogue can and cannot do.

load helper
load hostile_helper

setup_file() {
    export BATS_NO_PARALLELIZE_WITHIN_FILE=true
    export PATH=/usr/local/bin:/usr/bin:/bin
    h_mirror_build
    local srv=$BATS_FILE_TMPDIR/srv
    mkdir -p "$srv"
    h_control_source "$BATS_FILE_TMPDIR/control"
    # One source per variant: the manifest, and the archive hard-linked at its
    # relative_path. variants.tsv: name <TAB> ERE that stderr must match.
    "$H_PY" - "$BATS_FILE_TMPDIR/control" "$srv" >"$BATS_FILE_TMPDIR/variants.tsv" <<'PY'
import copy, json, os, sys
control, srv = sys.argv[1:3]
base = json.load(open(control + "/cuda/redist/redistrib_99.0.0.json"))
leaf0 = base["cuda_cudart"]["linux-x86_64"]
rel, sha = leaf0["relative_path"], leaf0["sha256"]
archive = control + "/cuda/redist/" + rel
FILE = r"cuda/redistrib_99\.0\.0\.json: "
PARSE = FILE + r"line [0-9]+ column [0-9]+: "
SIZE = FILE + r"cuda_cudart\.linux-x86_64[.:].*size"
SHA = FILE + r"cuda_cudart\.linux-x86_64[.:].*sha256"
LEAF = FILE + r"cuda_cudart\.linux-x86_64"
V = []

def text_of(m):
    return json.dumps(m, indent=4) + "\n"

def var(name, regex, edit=None, text=None, raw=None):
    """edit(m) changes a copy of the manifest; text(t) rewrites its text;
    raw: the value of the leaf field named by edit (a JSON fragment)."""
    m = copy.deepcopy(base)
    if edit:
        edit(m)
    t = text_of(m)
    if raw is not None:
        t = t.replace('"@RAW@"', raw)
    if text:
        t = text(t)
    d = os.path.join(srv, name, "cuda", "redist")
    os.makedirs(os.path.join(d, os.path.dirname(rel)))
    with open(os.path.join(d, "redistrib_99.0.0.json"), "wb") as f:
        f.write(t if isinstance(t, bytes) else t.encode())
    os.link(archive, os.path.join(d, rel))
    V.append((name, regex))

def leaf(field, value=None, delete=False):
    def e(m):
        l = m["cuda_cudart"]["linux-x86_64"]
        if delete:
            del l[field]
        else:
            l[field] = "@RAW@"
    return e

def setk(path, value):
    def e(m):
        node = m
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
    return e

# REL-34 malformed JSON
var("mal_truncated", PARSE, text=lambda t: t[:len(t) // 2])
var("mal_trailing_comma", PARSE, text=lambda t: t.rstrip()[:-1].rstrip() + ",\n}\n")
var("mal_comment", PARSE, text=lambda t: "/* comment */\n" + t)
var("mal_nan", PARSE, text=lambda t: t.replace("{", '{"x": NaN,', 1))
var("mal_bom", PARSE, text=lambda t: b"\xef\xbb\xbf" + t.encode())
var("mal_trailing_garbage", PARSE, text=lambda t: t + " xyz\n")
var("mal_second_document", PARSE, text=lambda t: t + t)
var("mal_invalid_utf8", PARSE, text=lambda t: t.encode().replace(b"CUDA Runtime", b"CUDA \xff Runtime"))
var("mal_lone_surrogate", PARSE, text=lambda t: t.replace("CUDA Runtime", "CUDA \\ud800 Runtime"))
var("mal_nul_escape", PARSE, text=lambda t: t.replace("CUDA Runtime", "CUDA \\u0000 Runtime"))
var("mal_duplicate_key", PARSE, text=lambda t: t.replace('"size": ', '"size": "1", "size": ', 1))
var("mal_single_quotes", PARSE, text=lambda t: t.replace('"release_date"', "'release_date'"))
var("mal_leading_zero", PARSE, leaf("size"), raw="02572")
var("mal_empty", PARSE, text=lambda t: "")
# REL-35 nesting and size bombs
var("nest_arrays", PARSE + r".*depth", text=lambda t: "[" * 100000)
var("nest_objects", FILE, text=lambda t: '{"a":' * 2000 + "1" + "}" * 2000)
var("nest_mixed", FILE, text=lambda t: '[{"a":' * 1000 + "1" + "}]" * 1000)
var("huge_spaces", r"redistrib_99\.0\.0\.json.*8388608",
    text=lambda t: t.rstrip()[:-1] + " " * (9 << 20) + "}\n")
# REL-37 hostile size values
for i, raw in enumerate(['"-1"', '"+5"', '" 12"', '"12 "', '"12abc"', '"1e3"', '"0x10"',
                         '"\\uff10\\uff11"', '""', '"18446744073709551617"',
                         '"99999999999999999999999"', "1.5", "-5", "null", "true", "false",
                         "{}", "[]", "2572.0"]):
    var("size_%02d" % i, SIZE, leaf("size"), raw=raw)
var("size_missing", SIZE, leaf("size", delete=True))
var("size_1e400", PARSE, leaf("size"), raw="1e400")
var("sizebug_zero", SIZE, leaf("size"), raw='"0"')
var("sizebug_2p63", SIZE, leaf("size"), raw='"9223372036854775808"')
var("sizebug_u64max", SIZE, leaf("size"), raw='"18446744073709551615"')
var("sizeok_4g", r"4294967297", leaf("size"), raw='"4294967297"')
var("sizeok_int", r"1048576", leaf("size"), raw="1048576")
# REL-38 hostile sha256 values
for i, raw in enumerate(['"%s"' % sha[:-1], '"%sa"' % sha, '"g%s"' % sha[1:], '"sha256:%s"' % sha,
                         '""', '" %s"' % sha, '"%s\\n"' % sha, '"%s"' % sha.replace(sha[0], "Z", 1),
                         "123", "null", "true", "[]", '["%s"]' % sha]):
    var("sha_%02d" % i, SHA, leaf("sha256"), raw=raw)
var("sha_missing", SHA, leaf("sha256", delete=True))
var("sha_nul", PARSE, leaf("sha256"), raw='"%s\\u0000"' % sha)
var("shaok_upper", "", leaf("sha256"), raw='"%s"' % sha.upper())
# REL-40 wrong shapes and selection
var("shape_component_array", FILE + r"cuda_cudart: .*array", setk(["cuda_cudart"], []))
var("shape_component_number", FILE + r"cuda_cudart: .*number", setk(["cuda_cudart"], 5))
var("shape_component_null", FILE + r"cuda_cudart: .*null", setk(["cuda_cudart"], None))
var("shape_platform_array", FILE + r"cuda_cudart[.:].*linux-x86_64", setk(["cuda_cudart", "linux-x86_64"], []))
var("shape_platform_empty", LEAF, setk(["cuda_cudart", "linux-x86_64"], {}))
var("shape_no_relative_path", LEAF, leaf("relative_path", delete=True))
var("shape_relative_path_number", LEAF + r".*relative_path", leaf("relative_path"), raw="5")
var("shape_relative_path_dotdot", LEAF + r".*relative_path", leaf("relative_path"),
    raw='"../../../etc/passwd"')
var("shape_relative_path_absolute", LEAF + r".*relative_path", leaf("relative_path"), raw='"/etc/passwd"')
var("shape_relative_path_url", LEAF + r".*relative_path", leaf("relative_path"),
    raw='"http://127.0.0.1:1/x.tar.xz"')
var("shape_relative_path_query", LEAF + r".*relative_path", leaf("relative_path"),
    raw='"%s?x=1"' % rel)
var("shape_variant_key", LEAF + r"\.cudaX",
    setk(["cuda_cudart", "linux-x86_64"], {"cudaX": dict(leaf0)}))
var("shape_version_dotdot", FILE + r"cuda_cudart[.:].*version", setk(["cuda_cudart", "version"], "../x"))
var("shape_version_missing", FILE + r"cuda_cudart[.:].*version",
    lambda m: m["cuda_cudart"].pop("version"))
var("shape_component_key", FILE + r"component key", lambda m: m.update({"../evil": m["cuda_cudart"]}))
var("shape_top_array", FILE + r"top level", text=lambda t: "[" + t + "]")
var("shape_top_string", FILE + r"(top level|line [0-9]+ column [0-9]+)", text=lambda t: '"cuda"')
var("shape_no_release_date", FILE + r".*release_date", lambda m: m.pop("release_date"))
var("shape_release_date", FILE + r"release_date", setk(["release_date"], "2024-13"))
var("shape_release_product", FILE + r"release_product", setk(["release_product"], "cudnn"))
var("shape_label_mismatch", FILE + r"release_label: .*99\.0\.1", setk(["release_label"], "99.0.1"))
var("shape_label_number", FILE + r"release_label", setk(["release_label"], 99))
var("shape_cuda_variant", FILE + r"cuda_cudart[.:].*cuda_variant", setk(["cuda_cudart", "cuda_variant"], "12"))
# positive: unknown keys are ignored
def unknown(m):
    m["future_top_level_field"] = "x"
    m["cuda_cudart"]["license_path"] = "cuda_cudart/LICENSE.txt"
    m["cuda_cudart"]["future_component_field"] = "y"
    m["cuda_cudart"]["linux-x86_64"]["future_leaf_field"] = "z"
    m["cuda_cudart"]["linux-x86_64"]["future_leaf_number"] = 5
var("ok_unknown_keys", "", unknown)
# the requested platform is missing
var("platform_missing", r"linux-x86_64",
    lambda m: m["cuda_cudart"].update({"linux-sbsa": m["cuda_cudart"].pop("linux-x86_64")}))
# [MAN] variants an attacker tries next (vm_ refused, vmok_ accepted)
var("vm_duplicate_component", PARSE, text=lambda t: t.replace('"cuda_cudart": {', '"cuda_cudart": {"name": "x"}, "cuda_cudart": {', 1))
var("vm_duplicate_platform", PARSE, text=lambda t: t.replace('"linux-x86_64": {', '"linux-x86_64": {}, "linux-x86_64": {', 1))
var("vm_duplicate_escaped_key", PARSE, text=lambda t: t.replace('"size": ', '"s\\u0069ze": "1", "size": ', 1))
var("vm_size_int_overflow", PARSE, leaf("size"), raw="18446744073709551617")
var("vm_size_int_negative_zero", SIZE, leaf("size"), raw="-0")
for i, raw in enumerate(['"-0"', '" "', '"2572\\t"', '"\\u0032\\u0035\\u0037\\u0032x"']):
    var("vm_size_%02d" % i, SIZE, leaf("size"), raw=raw)
var("vm_size_nul", PARSE, leaf("size"), raw='"2572\\u0000"')
var("vm_sha_fullwidth", SHA, leaf("sha256"), raw='"\\uff10%s"' % sha[1:])
var("vm_sha_escaped_nul_tail", PARSE, leaf("sha256"), raw='"%s\\u0000abc"' % sha[:-4])
var("vm_md5_bad", LEAF + r".*md5", leaf("md5"), raw='"zz"')
for i, raw in enumerate(['"..%2f..%2fetc%2fpasswd"', '"%2e%2e/x.tar.xz"', '"cuda_cudart\\\\..\\\\x.tar.xz"',
                         '"./%s"' % rel, '"%s/"' % rel, '"cuda_cudart//x.tar.xz"',
                         '"cuda_cudart/\\uff0e\\uff0e/x.tar.xz"', '"%s"' % ("a" * 600),
                         '"cuda_cudart/x.tar.xz\\u0000.json"', '"cuda_cudart/x y.tar.xz"']):
    var("vm_relpath_%02d" % i, LEAF + r".*relative_path" if i != 8 else PARSE, leaf("relative_path"), raw=raw)
var("vmok_dup_key_other_case", "", lambda m: m["cuda_cudart"]["linux-x86_64"].update(
    {"Size": "1", "SHA256": "0" * 64, "Relative_Path": "../../etc/passwd"}))
var("vmok_size_leading_zeros", "", leaf("size"), raw='"0002572"')
var("vmok_escaped_digits", "", leaf("sha256"), raw='"%s"' % "".join("\\u%04x" % ord(c) for c in sha))
def many(m):
    for i in range(12000):
        m["zz_component_%05d" % i] = copy.deepcopy(m["cuda_cudart"])
var("vmok_many_components", "", many)
for name, regex in V:
    print("%s\t%s" % (name, regex))
PY
    # --rate: see tar.bats (fault_server.py sendfile() stops early on big files).
    h_servers_start "$BATS_FILE_TMPDIR/pids" mirror "$srv" --rate 1000000000
}

teardown_file() {
    h_servers_stop "$BATS_FILE_TMPDIR/pids"
}

setup() {
    h_setup
    MURL=http://127.0.0.1:$H_PORT_mirror
    declare -gA MV=()
    local name re
    while IFS=$'\t' read -r name re; do
        MV[$name]=$re
    done <"$BATS_FILE_TMPDIR/variants.tsv"
    h_sentinel_init
    H_DRIFT_PIDS=$BATS_TEST_TMPDIR/pids
    TRIED=()
}

teardown() {
    h_servers_stop "$H_DRIFT_PIDS"
}

# Variant names starting with $1, in the table's order.
variants() {
    local name
    while IFS=$'\t' read -r name _; do
        [[ $name == "$1"* ]] && echo "$name"
    done <"$BATS_FILE_TMPDIR/variants.tsv"
}

# Install 99.0.0 from variant $1's source into a fresh root and cache:
# exit $2 ("nonzero": any failure), one line naming the manifest file and
# matching the variant's ERE, nothing installed, nothing in the archive
# cache. no_archive_requested checks the server once per test.
bad_manifest() {
    local name=$1 code=$2 left
    H_CASE=$name
    export CUENV_ROOT=$PWD/$name/root CUENV_CACHE=$PWD/$name/cache
    export CUENV_MIRROR=$MURL/$name
    h_run install 99.0.0 --profile runtime
    if [ "$code" = nonzero ]; then
        [ "$status" -ne 0 ] || fail "variant $name: installed (exit 0)"
    else
        [ "$status" -eq "$code" ] || fail "variant $name: exit $status, expected $code; stderr: $stderr"
    fi
    h_assert_error_line "^cuenv: error: .*${MV[$name]}"
    [[ $stderr == *redistrib_99.0.0.json* ]] || fail "variant $name: the manifest file is not named: $stderr"
    # Refused while opening the catalogue: cuenv has not even created its root.
    # (Should it one day, the full check applies.)
    [ ! -e "$CUENV_ROOT" ] || h_assert_nothing_installed
    h_ls_into left "$CUENV_CACHE/archives"
    [[ $left != *.tar.xz* && $left != *.part* ]] || fail "variant $name: archive cache not empty: $left"
    TRIED+=("$name")
    H_CASE=
}

# No archive of the variants tried so far was requested (one /__hits query).
no_archive_requested() {
    local line name bad=
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*\"/([^/]*)/.*\.tar\.xz\" ]] || continue
        for name in "${TRIED[@]}"; do
            [ "${BASH_REMATCH[1]}" != "$name" ] || bad="$bad $name"
        done
    done < <(h_srv "$MURL" /__hits)
    [ -z "$bad" ] || fail "archives requested although their manifest was refused:$bad"
    [ "${#TRIED[@]}" -gt 0 ]
}

# Install 99.0.0 from variant $1 and check the SSO against the control archive.
good_manifest() {
    h_fresh_root "$PWD/$1"
    export CUENV_MIRROR=$MURL/$1
    h_run install 99.0.0 --profile runtime
    [ "$status" -eq 0 ] || fail "variant $1: exit $status: $stderr"
    h_assert_tree "$CUENV_ROOT/envs/cuda-99.0.0-runtime" "$(h_case_file ok_control)" cuda_cudart \
        "$(h_case ok_control top)"
    [ "$(h_hits "$MURL" "/$1/*.tar.xz")" = 1 ]
}

@test "REL-34: malformed JSON (truncated, trailing comma/garbage, comment, NaN, BOM, bad UTF-8, NUL, duplicate key) fails before any download" {
    local v
    for v in $(variants mal_); do
        bad_manifest "$v" 4
    done
    no_archive_requested
    h_assert_sentinel
}

@test "REL-35: nesting bombs are refused without a crash under a 256 KiB stack" {
    local v
    ulimit -S -s 256
    for v in $(variants nest_); do
        bad_manifest "$v" 4
    done
    no_archive_requested
}

@test "REL-35: a manifest over 8 MiB is refused with the limit named, before any archive request" {
    # The exit status itself is checked by the next test (a known bug).
    bad_manifest huge_spaces nonzero
    no_archive_requested
    [ "$(h_hits "$MURL" "/huge_spaces/cuda/redist/redistrib_99.0.0.json")" = 1 ]
}

@test "REL-35: a manifest over 8 MiB exits 4 (a bad source), not 5" {
    bad_manifest huge_spaces 4
    no_archive_requested
}

@test "REL-37: hostile size values (sign, spaces, hex, exponent, full-width, overflow, float, null, bool, missing) fail with the JSON path" {
    local v
    for v in $(variants size_); do
        bad_manifest "$v" 4
    done
    no_archive_requested
}

@test "REL-37: size 0 and sizes beyond 2^63-1 are refused before any archive request" {
    local v
    for v in $(variants sizebug_); do
        bad_manifest "$v" 4
    done
    no_archive_requested
}

@test "REL-37: sizes above 4 GiB and integer sizes are read as exact 64-bit numbers" {
    local v
    for v in sizeok_4g sizeok_int; do
        H_CASE=$v
        h_fresh_root "$PWD/$v"
        export CUENV_MIRROR=$MURL/$v
        h_run install 99.0.0 --profile runtime
        # Accepted: the download starts and the server's length (2572) is compared with it.
        [ "$status" -eq 5 ] || fail "variant $v: exit $status: $stderr"
        h_assert_error_line "cuda_cudart 99\.0\.0.*${MV[$v]}"
        h_assert_nothing_installed
        h_assert_cache_clean
    done
}

@test "REL-38: hostile sha256 values (length, non-hex, prefix, spaces, types, missing, NUL) fail with the JSON path" {
    local v
    for v in $(variants sha_); do
        bad_manifest "$v" 4
    done
    no_archive_requested
}

@test "REL-38: an uppercase sha256 is accepted and verified" {
    good_manifest shaok_upper
}

@test "REL-40: wrong shapes, unsafe paths and names, release_label/product mismatch fail with the JSON path" {
    local v
    for v in $(variants shape_); do
        bad_manifest "$v" 4
    done
    no_archive_requested
}

@test "REL-40: unknown keys at every level are ignored" {
    good_manifest ok_unknown_keys
}

@test "REL-40: no archive for the requested platform: exit 3 naming the platform, nothing requested" {
    H_CASE=platform_missing
    h_fresh_root "$PWD/platform_missing"
    export CUENV_MIRROR=$MURL/platform_missing
    h_run install 99.0.0 --profile runtime
    assert_equal "$status" 3
    h_assert_error_line "99\.0\.0.*linux-x86_64"
    [ "$(h_hits "$MURL" "/platform_missing/*.tar.xz")" = 0 ]
    h_assert_nothing_installed
}

@test "[MAN] duplicate components, platforms and keys spelled with escapes; integer overflow, -0, spaces, tabs, NUL in size" {
    local v
    for v in $(variants vm_duplicate) $(variants vm_size); do
        bad_manifest "$v" 4
    done
    no_archive_requested
    h_assert_sentinel
}

@test "[MAN] sha256 and md5 variants (full-width digit, NUL then more) and relative paths (percent-encoded, backslashes, ./, trailing or double slash, full-width dots, 600 bytes, NUL, space)" {
    local v
    for v in vm_sha_fullwidth vm_sha_escaped_nul_tail vm_md5_bad $(variants vm_relpath); do
        bad_manifest "$v" 4
    done
    no_archive_requested
    h_assert_sentinel
}

@test "[MAN] keys that differ only in case are other keys (ignored); a sha256 written with \\u escapes is the same digest" {
    good_manifest vmok_dup_key_other_case
    good_manifest vmok_escaped_digits
}

@test "[MAN] REL-37 variant: a size with leading zeros (\"0002572\") is read as decimal, not octal, and installs" {
    good_manifest vmok_size_leading_zeros
}

@test "[MAN] REL-35 variant: 12000 extra components (a 5 MB manifest) parse in bounded time and install only what was asked" {
    local t0=$SECONDS
    H_TIMEOUT=60 good_manifest vmok_many_components
    [ $((SECONDS - t0)) -lt 60 ]
    [ "$(ls "$CUENV_ROOT/store" | wc -l)" = 1 ] || fail "store: $(ls "$CUENV_ROOT/store")"
}

# REL-41: a source at $PWD/src served by its own server; cuenv caches the
# catalogue (cuenv update), then the mirror replaces the archive and edits
# the manifest to match (what a compromised or careless mirror does).
drift_setup() {
    h_control_source "$PWD/src"
    h_servers_start "$H_DRIFT_PIDS" drift "$PWD/src"
    export CUENV_MIRROR=http://127.0.0.1:$H_PORT_drift
    DURL=$CUENV_MIRROR
    h_fresh_root "$PWD/d"
    run "$CUENV" update
    assert_success
    OLD_SHA=$(sha256sum <"$PWD/src/$H_CONTROL_REL" | cut -d' ' -f1)
}

# Replace the archive: "same-size" changes LICENSE's text but not the
# archive's length; "bigger" adds lib/DRIFTED. The manifest follows.
drift_mirror() {
    "$H_PY" - "$PWD/src" "$H_CONTROL_REL" "$1" <<'PY'
import hashlib, io, json, sys, tarfile
root, rel, how = sys.argv[1:4]
ap = root + "/" + rel
orig = open(ap, "rb").read()
src = tarfile.open(fileobj=io.BytesIO(orig))
members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
top = members[0][0].name.split("/")[0]
for i in range(1000):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w:xz") as dst:
        for m, d in members:
            if m.name == top + "/LICENSE":
                tag = b"DRIFT %04d\n" % i
                d = d[:len(d) - len(tag)] + tag
            dst.addfile(m, io.BytesIO(d) if d is not None else None)
        if how == "bigger":
            ti = tarfile.TarInfo(top + "/lib/DRIFTED")
            data = b"drifted\n" * 4096
            ti.size, ti.mode = len(data), 0o444
            dst.addfile(ti, io.BytesIO(data))
    new = bio.getvalue()
    if how == "bigger" or len(new) == len(orig):
        break
else:
    sys.exit("no same-size variant found")
assert new != orig
open(ap, "wb").write(new)
mp = root + "/cuda/redist/redistrib_99.0.0.json"
m = json.load(open(mp))
l = m["cuda_cudart"]["linux-x86_64"]
l["sha256"], l["md5"], l["size"] = hashlib.sha256(new).hexdigest(), hashlib.md5(new).hexdigest(), str(len(new))
open(mp, "w").write(json.dumps(m, indent=4) + "\n")
PY
    NEW_SHA=$(sha256sum <"$PWD/src/$H_CONTROL_REL" | cut -d' ' -f1)
}

@test "REL-41: the mirror swaps the archive and its manifest: the cached catalogue wins, the download fails exit 5; 'cuenv update' then installs the new one" {
    drift_setup
    drift_mirror same-size
    local json_hits
    json_hits=$(h_hits "$DURL" "*.json")
    h_run install 99.0.0 --profile runtime
    assert_equal "$status" 5
    h_assert_error_line "'cuda_cudart 99\.0\.0'.*/cuda_cudart-linux-x86_64-99\.0\.0-archive\.tar\.xz: sha256 mismatch"
    # The manifest was not fetched again behind the user's back.
    [ "$(h_hits "$DURL" "*.json")" = "$json_hits" ]
    h_assert_nothing_installed
    h_assert_cache_clean
    h_assert_not_cached "$OLD_SHA"
    h_assert_not_cached "$NEW_SHA"
    # An explicit update takes the new manifest; then the new archive installs.
    run "$CUENV" update
    assert_success
    h_run install 99.0.0 --profile runtime
    assert_success
    grep -q 'DRIFT [0-9]' "$CUENV_ROOT/envs/cuda-99.0.0-runtime/share/licenses/cuda_cudart/LICENSE"
    h_assert_tree "$CUENV_ROOT/envs/cuda-99.0.0-runtime" "$PWD/src/$H_CONTROL_REL" cuda_cudart \
        "$(h_case ok_control top)"
    h_assert_sentinel
}

@test "REL-41: a swapped archive of another size is refused too, nothing of it installed" {
    # The exit status itself is checked by the next test (a known bug).
    drift_setup
    drift_mirror bigger
    h_run install 99.0.0 --profile runtime
    [ "$status" -ne 0 ]
    h_assert_error_line "'cuda_cudart 99\.0\.0'.*/cuda_cudart-linux-x86_64-99\.0\.0-archive\.tar\.xz: "
    h_assert_nothing_installed
    h_assert_cache_clean
    h_assert_not_cached "$NEW_SHA"
    [ -z "$(find "$PWD" -name DRIFTED)" ]
}

@test "REL-41/REL-04: an archive larger than the manifest's size exits 5 (integrity), naming both sizes" {
    drift_setup
    drift_mirror bigger
    h_run install 99.0.0 --profile runtime
    assert_equal "$status" 5
    h_assert_error_line "$(stat -c %s "$PWD/src/$H_CONTROL_REL")"
}
