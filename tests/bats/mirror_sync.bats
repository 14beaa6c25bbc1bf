#!/usr/bin/env bats
# cuenv mirror sync / verify: a mirror written from the fixture mirror
# (tests/fixtures/mkmirror.py behind fault_server.py), then served by a real
# nginx with the source stopped, and read over file://; incremental and
# resumable syncs, copies from the cache, and verify's findings.

load helper

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    mirror_build
    file_server_start
}

teardown_file() { file_server_stop; }

setup() {
    install_setup
    file_server_use
    OUT=$BATS_TEST_TMPDIR/out-mirror
    NGINX_STATE=
}

teardown() {
    [ -z "${NGINX_STATE:-}" ] || sh "$FIXTURES/nginx.sh" stop "$NGINX_STATE" || true
    install_teardown
}

# The archives of 12.4+cudnn9 (devel) on linux-x86_64: 6 CUDA + cudnn cuda12.
ARCHIVES_124="cuda_cccl cuda_cudart cuda_cupti cuda_nvcc cuda_nvrtc libcublas"

sync_run() {
    run --separate-stderr timeout -k 5 60 "$CUENV" mirror sync "$@"
}

# The mirror at $OUT holds exactly the files of the source for these url paths.
assert_same_file() {
    cmp -s "$MIRROR$1" "$OUT$1" || { fail "$OUT$1 differs from the source's $1"; return 1; }
}

nginx_start() {
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || skip "nginx is not installed"
    local out
    out=$(timeout 30 sh "$FIXTURES/nginx.sh" start "$1")
    NGINX_STATE=$(sed -n 's/^STATE //p' <<<"$out")
    NGINX_URL=$(sed -n 's/^URL //p' <<<"$out")
    [ -n "$NGINX_STATE" ] && [ -n "$NGINX_URL" ]
}

# ---- sync ----

@test "sync writes the spec's archives and manifests in NVIDIA's layout, verified, each fetched once" {
    sync_run "$OUT" 12.4+cudnn9 --json
    assert_success
    assert_json 'assert d["archives"] == 7 and d["fetched"] == 7 and d["present"] == 0, d
assert d["downloaded"] > 0 and d["manifests_written"] == 2, d
assert sorted(d["manifests"]) == ["cuda/redist/redistrib_12.4.1.json", "cudnn/redist/redistrib_9.14.0.json"], d'
    local c
    for c in $ARCHIVES_124; do
        assert_same_file "$(archive_path "$c" 12.4.1)"
    done
    assert_same_file "$(archive_path cudnn 9.14.0)"
    # Manifests byte for byte: a lock's manifest sha256 stays the source's.
    cmp "$MIRROR/cuda/redist/redistrib_12.4.1.json" "$OUT/cuda/redist/redistrib_12.4.1.json"
    cmp "$MIRROR/cudnn/redist/redistrib_9.14.0.json" "$OUT/cudnn/redist/redistrib_9.14.0.json"
    # Only what was asked: no other release, no driver decoy, no other profile.
    [ ! -e "$OUT/cuda/redist/redistrib_12.6.3.json" ]
    [ ! -e "$OUT/cuda/redist/nvidia_driver" ]
    [ ! -e "$OUT/cuda/redist/fabricmanager" ]
    [ ! -e "$OUT/cudnn/redist/cudnn_samples" ]
    assert_equal "$(find "$OUT" -name '*.tar.xz' | wc -l)" 7
    assert_equal "$(find "$OUT" -name '*.part' -o -name '*.tmp.*' | wc -l)" 0
    # Listings for servers without autoindex; the index names every file with its digest.
    grep -q '<a href="redistrib_12.4.1.json">' "$OUT/cuda/redist/index.html"
    grep -q '<a href="redistrib_9.14.0.json">' "$OUT/cudnn/redist/index.html"
    assert_equal "$(grep -c '^archive ' "$OUT/.cuenv-mirror.index")" 7
    assert_equal "$(grep -c '^manifest ' "$OUT/.cuenv-mirror.index")" 2
    grep -q "^archive $(archive_path cudnn 9.14.0 sha256) $(archive_path cudnn 9.14.0 size) cudnn/redist/" \
        "$OUT/.cuenv-mirror.index"
    # Each archive requested once, the decoys never.
    assert_equal "$(hits '*.tar.xz')" 7
    assert_equal "$(hits '*nvidia_driver*')" 0
    run "$CUENV" mirror verify "$OUT"
    assert_success
}

@test "install from the mirror through a real nginx, the source server stopped; a locked install too" {
    # Lock against the source, then mirror and stop it.
    mkdir -p "$BATS_TEST_TMPDIR/proj"
    cd "$BATS_TEST_TMPDIR/proj"
    run timeout 60 "$CUENV" use 12.4+cudnn9 --quiet
    assert_success
    local key_before
    key_before=$("$CUENV" cache-key)
    fault_start
    export CUENV_MIRROR=$FS_URL
    sync_run "$OUT" 12.4+cudnn9 --quiet
    assert_success
    kill "$FS_PID"
    wait "$FS_PID" 2>/dev/null || true
    nginx_start "$OUT"
    srv /__reset "$FILE_FS_URL" >/dev/null
    export CUENV_MIRROR=$NGINX_URL
    export CUENV_ROOT=$BATS_TEST_TMPDIR/root2 CUENV_CACHE=$BATS_TEST_TMPDIR/cache2
    install_run 12.4+cudnn9
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-12.4.1+cudnn-9.14.0.64-devel"
    assert_env_ok "$output"
    # The catalogue came from nginx's listing, every archive from nginx.
    assert_equal "$(grep -c '\.tar\.xz HTTP/1.1" 200 ' "$NGINX_STATE/access.log")" 7
    # The lock written against the source installs from the mirror: same bytes.
    export CUENV_ROOT=$BATS_TEST_TMPDIR/root3 CUENV_CACHE=$BATS_TEST_TMPDIR/cache3
    install_run --locked
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1+cudnn-9.14.0.64-devel"
    assert_equal "$(grep -c '\.tar\.xz HTTP/1.1" 200 ' "$NGINX_STATE/access.log")" 14
    assert_equal "$(FS_URL=$FILE_FS_URL hits)" 0
    assert_equal "$("$CUENV" cache-key)" "$key_before"
}

@test "install from the mirror over file://, the source unused" {
    sync_run "$OUT" 12.4+cudnn9 --quiet
    assert_success
    srv /__reset >/dev/null
    export CUENV_MIRROR=file://$OUT
    install_run 12.4+cudnn9
    assert_success
    assert_env_ok "$output"
    assert_equal "$(hits)" 0
}

@test "what the mirror does not hold fails by name: another profile's archive, another release" {
    sync_run "$OUT" 12.4+cudnn9 --quiet
    assert_success
    export CUENV_MIRROR=file://$OUT
    # The manifest lists cudnn_samples (profile full); the mirror does not hold it.
    install_run 12.4+cudnn9 --profile full
    assert_failure 4
    assert_stderr_line "^cuenv: error: cannot download 'cudnn_samples 9\.14\.0\.64': file://$OUT/cudnn/redist/cudnn_samples/"
    [ ! -e "$CUENV_ROOT/envs/cuda-12.4.1+cudnn-9.14.0.64-full" ]
    # 12.6.3 was not synced: the mirror does not offer it at all.
    install_run 12.6
    assert_failure 3
    assert_stderr_line "no CUDA release matches '12\.6'"
}

@test "a second sync fetches nothing and rewrites nothing; a new spec fetches only its own archives" {
    sync_run "$OUT" 12.4+cudnn9 --quiet
    assert_success
    local before
    before=$(find "$OUT" -type f ! -name '.cuenv-mirror.*' -printf '%p %s %T@ %i\n' | sort)
    srv /__reset >/dev/null
    sync_run "$OUT" 12.4+cudnn9 --json
    assert_success
    assert_json 'assert d["present"] == 7 and d["fetched"] == 0 and d["downloaded"] == 0, d
assert d["manifests_written"] == 0, d'
    assert_equal "$(hits '*.tar.xz')" 0
    assert_equal "$(find "$OUT" -type f ! -name '.cuenv-mirror.*' -printf '%p %s %T@ %i\n' | sort)" "$before"
    # 12.6 shares cudnn with 12.4: 6 new CUDA archives, one new manifest.
    srv /__reset >/dev/null
    sync_run "$OUT" 12.6+cudnn9 --json
    assert_success
    assert_json 'assert d["fetched"] == 6 and d["present"] == 1 and d["manifests_written"] == 1, d'
    assert_equal "$(hits '*.tar.xz')" 6
    assert_equal "$(grep -c '^archive ' "$OUT/.cuenv-mirror.index")" 13
    grep -q 'redistrib_12.6.3.json' "$OUT/cuda/redist/index.html"
    run "$CUENV" mirror verify "$OUT"
    assert_success
    assert_output --partial "13 archives and 3 manifests verified"
}

@test "a sync killed with SIGKILL mid-download resumes with a Range request and finishes verified" {
    local cudnn size
    cudnn=$(archive_path cudnn 9.14.0)
    size=$(archive_path cudnn 9.14.0 size)
    # cuDNN stalls after 1000 bytes; everything else arrives.
    fault "$cudnn" stall 1000
    # cuenv itself in the background (not under timeout(1)): SIGKILL must reach it.
    CUENV_STALL_TIMEOUT=120 "$CUENV" mirror sync "$OUT" 12.4+cudnn9 \
        >"$BATS_TEST_TMPDIR/sync.out" 2>"$BATS_TEST_TMPDIR/sync.err" &
    local bg=$! part=$OUT$cudnn.part i
    BG_PIDS="$BG_PIDS $bg"
    for i in $(seq 1 200); do
        [ -f "$part" ] && [ "$(stat -c %s "$part")" -eq 1000 ] &&
            [ "$(find "$OUT" -name '*.tar.xz' | wc -l)" -eq 6 ] && break
        sleep 0.05
    done
    [ "$(stat -c %s "$part")" -eq 1000 ] || fail "no 1000-byte partial file: $(cat "$BATS_TEST_TMPDIR/sync.err")"
    kill -9 "$bg"
    wait "$bg" 2>/dev/null || true
    # Killed before the end: nothing is advertised yet.
    [ ! -e "$OUT/cudnn/redist/redistrib_9.14.0.json" ]
    [ ! -e "$OUT/cuda/redist/redistrib_12.4.1.json" ]
    srv '/__fault?clear=1' >/dev/null
    srv /__reset >/dev/null
    sync_run "$OUT" 12.4+cudnn9 --json
    assert_success
    assert_json 'assert d["fetched"] == 1 and d["present"] == 6, d'
    # Only cuDNN was requested again, from byte 1000, with the ETag the first
    # response gave as If-Range (a changed file would come whole).
    assert_equal "$(hits '*.tar.xz')" 1
    run srv_log "$cudnn"
    assert_output --regexp "^206 bytes=1000- \"[^\"]+\" - $((size - 1000)) -\$"
    assert_same_file "$cudnn"
    [ ! -e "$part" ]
    run "$CUENV" mirror verify "$OUT"
    assert_success
}

@test "verified downloads in the cache are copied, not fetched" {
    install_run 12.4+cudnn9 --quiet
    assert_success
    srv /__reset >/dev/null
    sync_run "$OUT" 12.4+cudnn9 --json
    assert_success
    assert_json 'assert d["from_cache"] == 7 and d["fetched"] == 0 and d["downloaded"] == 0, d'
    assert_equal "$(hits '*.tar.xz')" 0
    assert_same_file "$(archive_path cudnn 9.14.0)"
    # Copies, not links: damaging the mirror leaves the cache intact.
    [ "$(stat -c %h "$OUT$(archive_path cudnn 9.14.0)")" -eq 1 ]
}

# ---- verify ----

@test "verify finds a flipped byte and a missing archive (exit 5); sync repairs both" {
    sync_run "$OUT" 12.4+cudnn9 --quiet
    assert_success
    local cudart nvcc
    cudart=$OUT$(archive_path cuda_cudart 12.4.1)
    nvcc=$OUT$(archive_path cuda_nvcc 12.4.1)
    python3 -c 'import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[100] ^= 1; open(p, "wb").write(b)' "$cudart"
    rm "$nvcc"
    run --separate-stderr "$CUENV" mirror verify "$OUT"
    assert_failure 5
    assert_line --regexp "^changed +cuda/redist/cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12\.4\.127-archive\.tar\.xz: sha256 [0-9a-f]{12}\.\.\., expected [0-9a-f]{12}\.\.\.$"
    assert_line "missing  ${nvcc#"$OUT/"}"
    assert_stderr "cuenv: error: mirror '$OUT': 2 of 9 files differ from .cuenv-mirror.index (1 missing, 1 changed)"
    run --separate-stderr "$CUENV" mirror verify "$OUT" --json
    assert_failure 5
    assert_json 'assert d["index"] and d["archives"] == 7 and d["manifests"] == 2, d
assert sorted(f["problem"] for f in d["findings"]) == ["changed", "missing"], d'
    # A changed manifest is a finding too.
    printf ' ' >>"$OUT/cudnn/redist/redistrib_9.14.0.json"
    run --separate-stderr "$CUENV" mirror verify "$OUT" --json
    assert_failure 5
    assert_json 'assert len(d["findings"]) == 3, d'
    # sync puts back what is wrong, fetching only that.
    srv /__reset >/dev/null
    sync_run "$OUT" 12.4+cudnn9 --json
    assert_success
    assert_stderr_line "^cuenv: warning: 'cuda/redist/cuda_cudart/.*' in the mirror is sha256 .*; replacing it$"
    assert_json 'assert d["fetched"] == 2 and d["present"] == 5 and d["manifests_written"] == 1, d'
    assert_equal "$(hits '*.tar.xz')" 2
    run "$CUENV" mirror verify "$OUT"
    assert_success
}

@test "verify without an index checks the archives present against their manifests" {
    sync_run "$OUT" 12.4+cudnn9 --quiet
    assert_success
    rm "$OUT/.cuenv-mirror.index"
    run "$CUENV" mirror verify "$OUT" --json
    assert_success
    # 7 present; the manifests list the decoys and samples too, not held here.
    assert_json 'assert not d["index"] and d["archives"] == 7 and d["manifests"] == 2, d
assert d["not_held"] > 0 and d["findings"] == [], d'
    printf 'x' | dd of="$OUT$(archive_path libcublas 12.4.1)" bs=1 seek=50 conv=notrunc status=none
    run --separate-stderr "$CUENV" mirror verify "$OUT"
    assert_failure 5
    assert_line --partial "changed  cuda/redist/libcublas/"
    # The source's own tree is a mirror too (every archive held).
    run "$CUENV" mirror verify "$MIRROR"
    assert_success
}

@test "--all-platforms skips platforms the source has nothing for" {
    sync_run "$OUT" 12.4 --all-platforms --profile runtime
    assert_success
    assert_stderr_line "'12\.4' has nothing for linux-sbsa; skipped"
    assert_equal "$(find "$OUT" -name '*.tar.xz' | wc -l)" 4
    run "$CUENV" mirror verify "$OUT"
    assert_success
}

# ---- refusals ----

@test "bad usage and bad input: one line naming the thing, nothing written" {
    run --separate-stderr "$CUENV" mirror
    assert_failure 2
    run --separate-stderr "$CUENV" mirror frobnicate
    assert_failure 2
    assert_stderr_line "unknown subcommand 'frobnicate'"
    run --separate-stderr "$CUENV" mirror sync "$OUT"
    assert_failure 2
    assert_stderr_line "needs at least one spec"
    run --separate-stderr "$CUENV" mirror sync http://example.com/m 12.4
    assert_failure 2
    assert_stderr_line "'http://example.com/m' is a URL"
    run --separate-stderr "$CUENV" mirror sync "$OUT" 12.4+cudnnX
    assert_failure 2
    assert_stderr_line "invalid spec '12\.4\+cudnnX'"
    run --separate-stderr "$CUENV" mirror sync "$OUT" 99.1
    assert_failure 3
    run --separate-stderr "$CUENV" mirror sync "$OUT" 12.4 --platform linux-mips
    assert_failure 2
    assert_stderr_line "unknown platform 'linux-mips'"
    [ ! -e "$OUT" ]
    run --separate-stderr "$CUENV" mirror verify "$BATS_TEST_TMPDIR"
    assert_failure 4
    assert_stderr_line "is not a mirror"
    # A hostile index cannot point outside the mirror.
    mkdir -p "$OUT"
    echo "archive $(printf '0%.0s' $(seq 64)) 1 cuda/redist/../../../etc/passwd" >"$OUT/.cuenv-mirror.index"
    run --separate-stderr "$CUENV" mirror verify "$OUT"
    assert_failure 1
    assert_stderr_line "\.cuenv-mirror\.index:1: not 'manifest\|archive SHA256 SIZE PATH'"
}
