#!/usr/bin/env bats
# The archive cache as an attacker or an accident leaves it (RELIABILITY.md
# 3.D, the variants after REL-46): resuming across runs only with If-Range,
# partial files and validators that are not what they seem, lock files that
# are symlinks, and 'cuenv gc' in one root of a cache shared with others.

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
    CUDART=$(archive_path cuda_cudart 12.4.1)
    CUDART_GLOB="*/${CUDART##*/}"
    CUDART_SIZE=$(archive_path cuda_cudart 12.4.1 size)
    CUDART_CACHE=$(cache_file cuda_cudart 12.4.1)
    PART=${CUDART_CACHE%.tar.xz}.part
    mkdir -p "$BATS_TEST_TMPDIR/outside"
    printf 'victim\n' >"$BATS_TEST_TMPDIR/outside/victim"
    chmod 600 "$BATS_TEST_TMPDIR/outside/victim"
    VICTIM_SUM=$(sha256sum <"$BATS_TEST_TMPDIR/outside/victim")
}

teardown() { install_teardown; }

SPEC=(12.4 --profile runtime)
ENV=cuda-12.4.1-runtime

assert_victim() {
    [ "$(sha256sum <"$BATS_TEST_TMPDIR/outside/victim")" = "$VICTIM_SUM" ] ||
        fail "the victim outside the cache changed"
    [ "$(stat -c '%a %h' "$BATS_TEST_TMPDIR/outside/victim")" = "600 1" ] ||
        fail "the victim's mode or links changed: $(stat -c '%a %h' "$BATS_TEST_TMPDIR/outside/victim")"
}

# A reset after 1000 bytes and no retry: exit 4, a 1000-byte .part kept.
interrupted_download() {
    fault "$CUDART_GLOB" reset 1000 1
    CUENV_RETRIES=0 install_run "${SPEC[@]}"
    assert_failure 4
    [ "$(stat -c %s "$PART")" = 1000 ] || fail "no 1000-byte partial download"
}

# ---- resume across runs ----

@test "[CACHE] REL-01: a download interrupted in one run resumes in the next with Range and If-Range (the ETag kept beside the .part)" {
    interrupted_download
    [ -s "$PART.validator" ] || fail "no validator kept beside the .part"
    local etag
    etag=$(cat "$PART.validator")
    [[ $etag =~ ^\"[0-9a-f]+-[0-9a-f]+\"$ ]] || fail "validator is not the server's ETag: $etag"
    install_run "${SPEC[@]}"
    assert_success
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 2
    assert_line --index 1 "206 bytes=1000- $etag - $((CUDART_SIZE - 1000)) -"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
    assert_cache_clean
}

@test "[CACHE] the archive changed on the server between two runs: If-Range does not match, the server sends it all, cuenv starts over" {
    # A private copy of the mirror whose archive can be touched (new ETag).
    cp -al "$MIRROR" "$BATS_TEST_TMPDIR/m"
    cp --remove-destination "$MIRROR$CUDART" "$BATS_TEST_TMPDIR/m$CUDART"
    MIRROR=$BATS_TEST_TMPDIR/m fault_start
    export CUENV_MIRROR=$FS_URL
    interrupted_download
    local old
    old=$(cat "$PART.validator")
    touch -d '2001-01-01' "$BATS_TEST_TMPDIR/m$CUDART"
    install_run "${SPEC[@]}"
    assert_success
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 2
    # The old ETag went out, the server answered 200 with the whole file.
    assert_line --index 1 "200 bytes=1000- $old - $CUDART_SIZE -"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
    assert_no_leftovers
    assert_cache_clean
}

@test "[CACHE] a validator file that is garbage, huge, a FIFO or a symlink is ignored: no If-Range is sent, the digest decides" {
    local kind
    for kind in garbage huge fifo link crlf; do
        interrupted_download
        rm -f "$PART.validator"
        case $kind in
        garbage) printf '\001\002bad\r\nInjected: yes' >"$PART.validator" ;;
        huge) head -c 100000 /dev/zero | tr '\0' a >"$PART.validator" ;;
        fifo) mkfifo "$PART.validator" ;;
        link) ln -s "$BATS_TEST_TMPDIR/outside/victim" "$PART.validator" ;;
        crlf) printf '"abc"\r\nX-Evil: 1' >"$PART.validator" ;;
        esac
        srv /__reset >/dev/null
        INSTALL_TIMEOUT=20 install_run "${SPEC[@]}"
        assert_success
        run srv_log "$CUDART_GLOB"
        assert_equal "${#lines[@]}" 1
        assert_line --index 0 "206 bytes=1000- - - $((CUDART_SIZE - 1000)) -"
        srv /__last | python3 -c 'import json, sys
r = json.load(sys.stdin)[sys.argv[1]]
assert not any(k.lower() in ("injected", "x-evil", "if-range") for k in r["headers"]), r["headers"]' "$CUDART"
        assert_env_ok "$CUENV_ROOT/envs/$ENV"
        assert_no_leftovers
        assert_victim
        "$CUENV" uninstall 12 --all >/dev/null
        "$CUENV" gc >/dev/null
        srv /__reset >/dev/null
    done
}

# ---- what stands where the partial download should be ----

@test "[CACHE] a .part that is a symlink to a file outside, a FIFO, or writable by others: replaced, never followed, installed" {
    local kind
    for kind in link fifo mode666; do
        mkdir -p "$CUENV_CACHE/archives"
        rm -f "$PART"
        case $kind in
        link) ln -s "$BATS_TEST_TMPDIR/outside/victim" "$PART" ;;
        fifo) mkfifo "$PART" ;;
        mode666) head -c 1000 "$MIRROR$CUDART" >"$PART" && chmod 666 "$PART" ;;
        esac
        INSTALL_TIMEOUT=20 install_run "${SPEC[@]}"
        assert_success
        # Downloaded from byte 0: nothing of the planted file was trusted.
        run srv_log "$CUDART_GLOB"
        assert_line --index 0 "200 - - - $CUDART_SIZE -"
        assert_env_ok "$CUENV_ROOT/envs/$ENV"
        assert_no_leftovers
        assert_cache_clean
        assert_victim
        "$CUENV" uninstall 12 --all >/dev/null
        "$CUENV" gc >/dev/null
        srv /__reset >/dev/null
    done
}

@test "[CACHE] a .part owned by another user is replaced, not resumed" {
    [ "$(id -u)" = 0 ] || skip "needs root to chown"
    mkdir -p "$CUENV_CACHE/archives"
    head -c 1000 "$MIRROR$CUDART" >"$PART"
    chown 65534:65534 "$PART"
    install_run "${SPEC[@]}"
    assert_success
    run srv_log "$CUDART_GLOB"
    assert_line --index 0 "200 - - - $CUDART_SIZE -"
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
}

@test "[CACHE] an archive's lock file replaced by a symlink to a victim: refused naming the lock, the victim untouched" {
    mkdir -p "$CUENV_CACHE/archives"
    local lock=${CUDART_CACHE%.tar.xz}.lock
    ln -s "$BATS_TEST_TMPDIR/outside/victim" "$lock"
    install_run "${SPEC[@]}"
    assert_failure 1
    assert_stderr_line "^cuenv: error: .*cannot lock '$lock': Too many levels of symbolic links\$"
    assert_no_env
    assert_victim
}

@test "[CACHE] a cached archive hard-linked to a file outside: a wrong one is evicted (the outside file stays), a right one is used" {
    mkdir -p "$CUENV_CACHE/archives"
    ln "$BATS_TEST_TMPDIR/outside/victim" "$CUDART_CACHE"
    chmod 600 "$CUDART_CACHE"
    install_run "${SPEC[@]}"
    assert_success
    assert_stderr_line "^cuenv: warning: cached archive '$CUDART_CACHE' has the wrong size; removed it\$"
    assert_victim
    assert_cache_clean
    # Right content, two links: it is the right bytes, so it is used.
    "$CUENV" uninstall 12 --all >/dev/null
    "$CUENV" gc >/dev/null
    cp "$MIRROR$CUDART" "$BATS_TEST_TMPDIR/outside/copy"
    ln "$BATS_TEST_TMPDIR/outside/copy" "$CUDART_CACHE"
    srv /__reset >/dev/null
    install_run "${SPEC[@]}"
    assert_success
    assert_equal "$(hits "$CUDART_GLOB")" 0
    assert_env_ok "$CUENV_ROOT/envs/$ENV"
}

# ---- gc in a cache shared by several roots ----

@test "[CACHE] REL-45: gc in one root keeps the archives another root's envs were built from, until that root lets go of them" {
    local a=$BATS_TEST_TMPDIR/rootA b=$BATS_TEST_TMPDIR/rootB
    CUENV_ROOT=$a install_run 12.4 --profile runtime --quiet
    assert_success
    CUENV_ROOT=$b install_run 12.6 --profile runtime --quiet
    assert_success
    ls "$CUENV_CACHE/roots" >/dev/null || fail "no roots registered in the cache"
    assert_equal "$(ls "$CUENV_CACHE/roots" | wc -l)" 2
    local before
    before=$(ls "$CUENV_CACHE/archives" | grep -c '\.tar\.xz$')
    CUENV_ROOT=$a run "$CUENV" gc --json
    assert_success
    assert_json 'assert d["archives"] == 0, d'
    assert_equal "$(ls "$CUENV_CACHE/archives" | grep -c '\.tar\.xz$')" "$before"
    # B uninstalls: now A's gc may take B's archives (and keeps its own).
    CUENV_ROOT=$b run "$CUENV" uninstall 12 --all
    assert_success
    CUENV_ROOT=$a run "$CUENV" gc --json
    assert_success
    assert_json 'assert d["archives"] > 0, d'
    [ -f "$CUDART_CACHE" ] || fail "gc in root A removed A's own archive"
    # A root that is gone entirely is forgotten (with its claim on the archives).
    local c=$BATS_TEST_TMPDIR/rootC
    CUENV_ROOT=$c install_run 12.6 --profile runtime --quiet
    assert_success
    rm -rf "$b" "$c"
    CUENV_ROOT=$a run "$CUENV" gc --json
    assert_success
    assert_json 'assert d["archives"] > 0, d'
    assert_equal "$(ls "$CUENV_CACHE/roots" | wc -l)" 1
    assert_cache_clean
    CUENV_ROOT=$a assert_envs_ok
}

@test "[CACHE] REL-45: gc in one root leaves a download another root has in flight, and takes it once that process is gone" {
    local a=$BATS_TEST_TMPDIR/rootA b=$BATS_TEST_TMPDIR/rootB
    mkdir -p "$a"
    CUENV_ROOT=$b start_at_checkpoint download-started 12.4 --profile runtime --jobs 1
    local parts
    parts=$(ls "$CUENV_CACHE/archives" | grep -c '\.part$')
    [ "$parts" -ge 1 ] || fail "no download in flight"
    CUENV_ROOT=$a run "$CUENV" gc --json
    assert_success
    assert_json 'assert d["partials"] == 0, d'
    assert_equal "$(ls "$CUENV_CACHE/archives" | grep -c '\.part$')" "$parts"
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    CUENV_ROOT=$a run "$CUENV" gc --json
    assert_success
    assert_json 'assert d["partials"] >= 1, d'
    assert_no_leftovers
}

@test "[CACHE] REL-51: a file system without locks (flock fails with ENOLCK): install and gc stop with that reason, never run unlocked" {
    command -v gcc >/dev/null || skip "gcc missing"
    cat >"$BATS_TEST_TMPDIR/nolock.c" <<'C'
#include <errno.h>
int flock(int fd, int op);
int flock(int fd, int op) { (void)fd; (void)op; errno = ENOLCK; return -1; }
C
    gcc -shared -fPIC -o "$BATS_TEST_TMPDIR/nolock.so" "$BATS_TEST_TMPDIR/nolock.c" || fail "gcc failed"
    # ASan wants to come first; here the preload must.
    local asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
    ASAN_OPTIONS=$asan LD_PRELOAD=$BATS_TEST_TMPDIR/nolock.so install_run "${SPEC[@]}"
    assert_failure 1
    assert_stderr_line "^cuenv: error: cannot lock '$CUENV_ROOT/locks/root-store\.lock': the file system does not support locks\$"
    assert_no_env
    [ "$(hits '*.tar.xz')" = 0 ] || fail "downloaded without a lock"
    ASAN_OPTIONS=$asan LD_PRELOAD=$BATS_TEST_TMPDIR/nolock.so run --separate-stderr "$CUENV" gc
    assert_failure 1
    assert_stderr "cuenv: error: cannot lock '$CUENV_ROOT/locks/root-store.lock': the file system does not support locks"
}
