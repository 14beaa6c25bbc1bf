#!/usr/bin/env bats
# cuenv verify: every store entry and env re-hashed and compared with the
# receipts install wrote. Each test damages a copy of one installed root
# (12.4+cudnn9 devel and 12.6 runtime from tests/fixtures/mkmirror.py's
# mirror) in one way, in the store or in an env, and expects exactly the
# lines naming what changed, exit 5, and a summary; a clean root exits 0.

load helper

ENV124DNN=cuda-12.4.1+cudnn-9.14.0.64-devel
ENV126=cuda-12.6.3-runtime

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    mirror_build
    # Installed once; each test copies it (cp -a keeps the hard links).
    local r=$BATS_FILE_TMPDIR
    CUENV_ROOT=$r/root CUENV_CACHE=$r/cache CUENV_CONFIG=/dev/null HOME=$r \
        CUENV_PLATFORM=linux-x86_64 CUENV_MIRROR=file://$MIRROR \
        bash -c '"$1" install 12.4+cudnn9 --quiet && "$1" install 12.6 --profile runtime --quiet' \
        _ "$CUENV" 3>&-
}

setup() {
    install_setup
    export CUENV_MIRROR=file://$MIRROR
    cp -a "$BATS_FILE_TMPDIR/root" "$CUENV_ROOT"
    E=$CUENV_ROOT/envs/$ENV124DNN
    CUDART=$(entry cuda_cudart 12.4.1)
    NVCC=$(entry cuda_nvcc 12.4.1)
}

teardown() { install_teardown; }

# The store entry of an archive (component, label).
entry() {
    echo "$CUENV_ROOT/store/$(basename "$(archive_path "$1" "$2")" -archive.tar.xz)-$(archive_path "$1" "$2" sha256 | cut -c1-12)"
}

# The first 12 hex digits of a file's sha256, and of what the fixture says it was.
sha12() { sha256sum "$1" | cut -c1-12; }

# Make a read-only file of the store writable (as a careless user would).
unprotect() { chmod u+w "$@"; }

run_verify() {
    run --separate-stderr timeout 60 "$CUENV" verify "$@"
}

# verify exits 5 and prints exactly the lines given, in this order; the
# summary counts them.
verify_finds() {
    run_verify "${VERIFY_ARGS[@]}"
    [ "$status" -eq 5 ] || fail "exit $status, expected 5; stdout: $output; stderr: $stderr"
    assert_output "$(printf '%s\n' "$@")"
    local s=s
    [ $# -gt 1 ] || s=
    assert_stderr_line "^cuenv: error: $# difference$s from what was installed in [0-9]+ store entr(y|ies) and [0-9]+ envs? \([0-9]+ files, [0-9.]+ k?B checked\)\$"
    assert_stderr_line "^hint: remove the damaged envs with 'cuenv uninstall', run 'cuenv gc', then install them again\$"
}

verify_clean() {
    run_verify "$@"
    assert_success
    assert_output ""
    assert_stderr_regexp "^verified [0-9]+ store entr(y|ies) and [0-9]+ envs?: [0-9]+ files, [0-9.]+ k?B in [0-9.]+ s, all as installed\$"
}

@test "a clean root verifies: exit 0, nothing on stdout, one summary line; --json says ok" {
    run_verify
    assert_success
    assert_output ""
    assert_stderr_regexp "^verified 11 store entries and 2 envs: [0-9]+ files, [0-9.]+ kB in [0-9.]+ s, all as installed\$"
    run_verify --json
    assert_success
    assert_stderr ""
    assert_json '
assert set(d) == {"ok", "store_entries", "envs", "files", "bytes", "seconds", "problems"}, d
assert d["ok"] is True and d["problems"] == [], d
assert d["store_entries"] == 11 and d["envs"] == 2, d
assert d["files"] > 50 and d["bytes"] > 100000 and d["seconds"] >= 0, d
'
    # One thread or several: the same answer.
    verify_clean --jobs 1
    verify_clean -j 8
}

@test "nothing installed: exit 0; a spec no installed env matches: exit 3" {
    export CUENV_ROOT=$BATS_TEST_TMPDIR/empty
    run_verify
    assert_success
    assert_stderr "verified 0 store entries and 0 envs: 0 files, 0 B in 0.0 s, all as installed"
    [ ! -e "$CUENV_ROOT" ] || fail "verify created $CUENV_ROOT"
    export CUENV_ROOT=$BATS_TEST_TMPDIR/root
    run_verify 11.8
    assert_failure 3
    assert_output ""
    assert_stderr "cuenv: error: no installed env matches '11.8'
hint: see 'cuenv list'"
    run_verify 12.6 --profile devel
    assert_failure 3
}

@test "bad usage: exit 2" {
    run_verify 12.4 12.6
    assert_failure 2
    assert_stderr_line "^cuenv: error: 'verify' takes at most one spec\$"
    run_verify --jobs 0
    assert_failure 2
    run_verify --frobnicate
    assert_failure 2
    run_verify --profile devel
    assert_failure 2
    run_verify '12.4+cudnn'"'"'x'
    assert_failure 2
}

# ---- the store ----

@test "store: one byte flipped is 'changed' with both digests, for the store file and each env's link to it" {
    local f=$CUDART/lib/libcudart.so.12.4.127 want got
    want=$(sha12 "$f")
    unprotect "$f"
    printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
    chmod u-w "$f"
    got=$(sha12 "$f")
    verify_finds \
        "changed $E/lib/libcudart.so.12.4.127: sha256 expected $want, got $got" \
        "changed $f: sha256 expected $want, got $got"
}

@test "store: a truncated file is 'changed'" {
    local f=$NVCC/bin/nvcc want
    want=$(sha12 "$f")
    unprotect "$f"
    truncate -s 10 "$f"
    chmod u-w "$f"
    verify_finds \
        "changed $E/bin/nvcc: sha256 expected $want, got $(sha12 "$f")" \
        "changed $f: sha256 expected $want, got $(sha12 "$f")"
}

@test "store: a deleted file is 'missing' there (the envs keep their own link)" {
    rm -f "$CUDART/include/cuda.h"
    verify_finds "missing $CUDART/include/cuda.h"
}

@test "store: an extra file and an extra directory are 'extra', a directory once" {
    touch "$CUDART/lib/libevil.so"
    mkdir -p "$CUDART/evil/deeper"
    touch "$CUDART/evil/deeper/x"
    verify_finds "extra $CUDART/evil" "extra $CUDART/lib/libevil.so"
}

@test "store: chmod is 'mode' with both modes (an env's hard link shares it)" {
    chmod 0644 "$CUDART/include/cuda_runtime.h"
    chmod 0777 "$CUDART/lib"
    verify_finds \
        "mode $E/include/cuda_runtime.h: expected 0444, got 0644" \
        "mode $CUDART/include/cuda_runtime.h: expected 0444, got 0644" \
        "mode $CUDART/lib: expected 0755, got 0777"
}

@test "store: a file replaced by a symlink is 'type'; a retargeted symlink is 'target'" {
    rm -f "$CUDART/lib/libcudart_static.a"
    ln -s /etc/passwd "$CUDART/lib/libcudart_static.a"
    ln -sfn /tmp/evil.so "$CUDART/lib/libcudart.so.12"
    verify_finds \
        "target $CUDART/lib/libcudart.so.12: expected 'libcudart.so.12.4.127', got '/tmp/evil.so'" \
        "type $CUDART/lib/libcudart_static.a: expected file, got symlink"
}

@test "store: a FIFO where a file was is 'type', without hanging" {
    rm -f "$CUDART/include/cuda.h"
    mkfifo "$CUDART/include/cuda.h"
    verify_finds "type $CUDART/include/cuda.h: expected file, got fifo"
}

@test "store: receipts: deleted, malformed, or describing another archive" {
    local r=$CUDART/.cuenv-receipt
    rm -f "$r"
    printf 'cuenv-store\t1\nf\tnonsense\n' >"$NVCC/.cuenv-receipt.new"
    mv -f "$NVCC/.cuenv-receipt.new" "$NVCC/.cuenv-receipt"
    verify_finds \
        "missing $r" \
        "receipt $NVCC/.cuenv-receipt: malformed receipt"
}

@test "store: an entry renamed to another archive's digest is caught by its receipt" {
    local other=${CUDART%-*}-000000000000
    mv "$CUDART" "$other"
    run_verify --json
    assert_failure 5
    assert_json '
probs = {(p["kind"], p["path"]) for p in d["problems"]}
assert ("receipt", "'"$other"'/.cuenv-receipt") in probs, probs
assert ("missing", "'"$CUDART"'") in probs, probs
'
}

# ---- an env ----

@test "env: a deleted file, an extra file, a retargeted or removed symlink" {
    rm -f "$E/include/cuda_runtime_api.h" "$E/lib64"
    touch "$E/bin/evil"
    ln -sfn libcudart.so.12.4.127 "$E/lib/libcudart.so"
    verify_finds \
        "extra $E/bin/evil" \
        "missing $E/include/cuda_runtime_api.h" \
        "target $E/lib/libcudart.so: expected 'libcudart.so.12', got 'libcudart.so.12.4.127'" \
        "missing $E/lib64"
}

@test "env: a file replaced by a symlink into the store is 'type'" {
    rm -f "$E/bin/nvcc"
    ln -s "$NVCC/bin/nvcc" "$E/bin/nvcc"
    verify_finds "type $E/bin/nvcc: expected file, got symlink"
}

@test "env: a broken hard link: a copy with the same bytes is fine, other bytes are 'changed' in the env only" {
    local f=$E/bin/ptxas want
    want=$(sha12 "$f")
    cp "$f" "$f.copy"
    rm -f "$f"
    mv "$f.copy" "$f"
    chmod 0555 "$f"
    [ "$(stat -c %i "$f")" != "$(stat -c %i "$NVCC/bin/ptxas")" ]
    verify_clean
    chmod u+w "$f"
    echo 'echo owned' >>"$f"
    chmod 0555 "$f"
    verify_finds "changed $f: sha256 expected $want, got $(sha12 "$f")"
}

@test "env: chmod of a licence is 'mode' at its share/licenses path and in the store" {
    chmod 0666 "$E/share/licenses/cuda_cudart/LICENSE"
    verify_finds \
        "mode $E/share/licenses/cuda_cudart/LICENSE: expected 0444, got 0666" \
        "mode $CUDART/LICENSE: expected 0444, got 0666"
}

@test "env: a missing receipt, and a missing store entry an env needs" {
    rm -rf "$E/.cuenv"
    local e126=$CUENV_ROOT/envs/$ENV126 cudart126
    cudart126=$(entry cuda_cudart 12.6.3)
    chmod -R u+w "$cudart126"
    rm -rf "$cudart126"
    verify_finds "missing $E/.cuenv/receipt" "missing $cudart126"
    # Named directly: the env with a missing entry.
    VERIFY_ARGS=("$ENV126")
    verify_finds "missing $cudart126"
}

# ---- choosing what to verify ----

@test "SPEC: only the envs it matches and their store entries are read" {
    local f
    f=$(echo "$(entry cuda_cudart 12.6.3)"/lib/libcudart.so.12.*.*)
    [ -f "$f" ]
    chmod 0600 "$f"
    run_verify 12.4+cudnn9
    assert_success
    assert_stderr_regexp "^verified 7 store entries and 1 env: "
    verify_clean "$ENV124DNN"
    verify_clean 12+cudnn9 --profile devel
    VERIFY_ARGS=(12.6)
    verify_finds \
        "mode $CUENV_ROOT/envs/$ENV126/lib/$(basename "$f"): expected 0555, got 0600" \
        "mode $f: expected 0555, got 0600"
    VERIFY_ARGS=("$ENV126")
    verify_finds \
        "mode $CUENV_ROOT/envs/$ENV126/lib/$(basename "$f"): expected 0555, got 0600" \
        "mode $f: expected 0555, got 0600"
    VERIFY_ARGS=()
    run_verify
    assert_failure 5
}

@test "--json: one object; each problem with kind, path, in, owner, expected, got" {
    local f=$CUDART/lib/libcudart.so.12.4.127
    unprotect "$f"
    echo x >>"$f"
    rm -f "$E/include/cuda.h"
    run_verify --json
    assert_failure 5
    assert_stderr ""
    assert_json '
assert d["ok"] is False and d["store_entries"] == 11 and d["envs"] == 2, d
p = d["problems"]
assert [x["path"] for x in p] == sorted(x["path"] for x in p), p
want = {
  ("changed", "'"$E"'/lib/libcudart.so.12.4.127", "env", "'"$ENV124DNN"'"),
  ("changed", "'"$f"'", "store", "'"$(basename "$CUDART")"'"),
  ("mode", "'"$E"'/lib/libcudart.so.12.4.127", "env", "'"$ENV124DNN"'"),
  ("mode", "'"$f"'", "store", "'"$(basename "$CUDART")"'"),
  ("missing", "'"$E"'/include/cuda.h", "env", "'"$ENV124DNN"'"),
}
assert {(x["kind"], x["path"], x["in"], x["owner"]) for x in p} == want, p
for x in p:
    assert set(x) == {"kind", "path", "in", "owner", "expected", "got"}, x
    if x["kind"] == "changed":
        assert x["expected"] == "6db248cd8ced8a99a9e9133bdd310ca4d78b6d11676eea857e703a7d2ae4f0a0", x
        assert len(x["got"]) == 64 and x["got"] != x["expected"], x
    elif x["kind"] == "mode":
        assert (x["expected"], x["got"]) == ("0555", "0755"), x
    else:
        assert x["expected"] is None and x["got"] is None, x
'
}

@test "verify changes nothing and needs no network" {
    local f=$CUDART/lib/libcudart.so.12.4.127
    unprotect "$f"
    echo x >>"$f"
    export CUENV_MIRROR=http://127.0.0.1:1
    find "$CUENV_ROOT" "$CUENV_CACHE" -printf '%p %y %m %s %n %T@\n' 2>/dev/null | sort >"$BATS_TEST_TMPDIR/before"
    run_verify
    assert_failure 5
    find "$CUENV_ROOT" "$CUENV_CACHE" -printf '%p %y %m %s %n %T@\n' 2>/dev/null | sort >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "verify changed the root"
}
