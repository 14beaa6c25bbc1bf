#!/usr/bin/env bats
# The archive cache, crash safety and concurrency (RELIABILITY.md 3.D):
# poisoned cache entries, partial downloads, kill -9 at every checkpoint
# (CUENV_TEST_CHECKPOINT), parallel installs on one root and cache, locks
# held by live and dead processes, gc racing installs.

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
    CUDART_CACHE=$(cache_file cuda_cudart 12.4.1)
    FLOCK_PID=
}

teardown() {
    if [ -n "$FLOCK_PID" ]; then
        # flock(1) runs sleep as its child, which inherits the locked file.
        local kids
        kids=$(pgrep -P "$FLOCK_PID" || true)
        kill $kids "$FLOCK_PID" 2>/dev/null || true
        wait "$FLOCK_PID" 2>/dev/null || true
    fi
    install_teardown
}

ENV124=cuda-12.4.1-devel
ENV124DNN=cuda-12.4.1+cudnn-9.14.0.64-devel

# ---- poisoned cache entries (REL-46) ----

# Fill the cache from one root, let $1 (a command on $CUDART_CACHE) poison
# the cached cuda_cudart, install the same plan into a second root sharing
# the cache: the entry is checked, evicted with the warning $2 (a fixed
# string), downloaded again, and the result is verified.
poisoned_cache_case() {
    install_run 12.4 --profile runtime --quiet
    assert_success
    [ -f "$CUDART_CACHE" ]
    local passwd
    passwd=$(sha256sum /etc/passwd)
    eval "$1"
    export CUENV_ROOT=$BATS_TEST_TMPDIR/root2
    install_run 12.4 --profile runtime
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
    assert_stderr_line "^cuenv: warning: cached archive '$CUDART_CACHE' $2; removed it\$"
    assert_stderr_line '^unpacked +cuda_cudart 12\.4\.127 \([0-9.]+ kB\)$'
    # The three good entries came from the cache, the bad one from the server.
    assert_equal "$(grep -c '^unpacked .*, from the cache)$' <<<"$stderr")" 3
    assert_equal "$(hits "$CUDART_GLOB")" 2
    [ -f "$CUDART_CACHE" ] && [ ! -L "$CUDART_CACHE" ]
    assert_cache_clean
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
    assert_equal "$(sha256sum /etc/passwd)" "$passwd"
    assert_no_leftovers
}

@test "REL-46: cache entry with one byte flipped: re-hashed, evicted, downloaded again" {
    poisoned_cache_case 'chmod u+w "$CUDART_CACHE"; printf "\x00" | dd of="$CUDART_CACHE" bs=1 seek=100 conv=notrunc status=none' \
        'has a bad checksum'
}

@test "REL-46: truncated cache entry: evicted, downloaded again" {
    poisoned_cache_case 'truncate -s 1000 "$CUDART_CACHE"' 'has the wrong size'
}

@test "REL-46: cache entry replaced by a symlink to /etc/passwd: not followed, evicted, downloaded again" {
    poisoned_cache_case 'rm -f "$CUDART_CACHE"; ln -s /etc/passwd "$CUDART_CACHE"' \
        'cannot be opened safely'
}

@test "REL-46: cache entry replaced by a FIFO: no hang, evicted, downloaded again" {
    INSTALL_TIMEOUT=20 poisoned_cache_case 'rm -f "$CUDART_CACHE"; mkfifo "$CUDART_CACHE"' \
        'is not a regular file'
}

@test "REL-46: world-writable cache entry (0666): evicted, downloaded again" {
    poisoned_cache_case 'chmod 0666 "$CUDART_CACHE"' \
        'is writable by others or owned by another user'
}

@test "REL-46: cache entry owned by another user: evicted, downloaded again" {
    [ "$(id -u)" = 0 ] || skip "needs root to chown"
    poisoned_cache_case 'chown 65534:65534 "$CUDART_CACHE"' \
        'is writable by others or owned by another user'
}

# ---- partial downloads ----

@test "[CACHE] a complete .part left by a killed run is re-hashed and used without a request" {
    start_at_checkpoint after-verify 12.4+cudnn9
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    assert_no_env
    # The part files whose bytes are complete and verified.
    local f sha done_parts=()
    for f in "$CUENV_CACHE"/archives/*.part; do
        [ -f "$f" ] || continue
        sha=$(basename "$f" .part)
        [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$sha" ] && done_parts+=("$sha")
    done
    [ "${#done_parts[@]}" -ge 1 ] || fail "no complete .part after after-verify"
    install_run 12.4+cudnn9
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"
    local c l v s size url
    for sha in "${done_parts[@]}"; do
        while read -r c l v s size url; do
            [ "$s" = "$sha" ] && assert_equal "$(hits "$url")" 1
        done <"$MIRROR/.index"
    done
    assert_no_leftovers
    assert_cache_clean
}

@test "[CACHE] a complete .part with wrong bytes is re-hashed, started over and downloaded again" {
    local part=${CUDART_CACHE%.tar.xz}.part
    mkdir -p "$CUENV_CACHE/archives"
    # Right size, wrong bytes: what a file changed on the server between two runs leaves.
    head -c "$(archive_path cuda_cudart 12.4.1 size)" /dev/zero >"$part"
    install_run 12.4 --profile runtime
    assert_success
    assert_equal "$(hits "$CUDART_GLOB")" 1
    run srv_log "$CUDART_GLOB"
    assert_output --regexp '^200 - - - [0-9]+ -$'
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
    assert_no_leftovers
    assert_cache_clean
}

@test "[CACHE] a partial .part with wrong bytes: resumed, caught by the digest, started over once, installed" {
    local part=${CUDART_CACHE%.tar.xz}.part size
    size=$(archive_path cuda_cudart 12.4.1 size)
    mkdir -p "$CUENV_CACHE/archives"
    head -c 1000 /dev/zero >"$part"
    install_run 12.4 --profile runtime
    assert_success
    run srv_log "$CUDART_GLOB"
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 "206 bytes=1000- - - $((size - 1000)) -"
    assert_line --index 1 "200 - - - $size -"
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
    assert_no_leftovers
    assert_cache_clean
}

@test "[CACHE] a .part longer than the archive is discarded and downloaded again" {
    local part=${CUDART_CACHE%.tar.xz}.part
    mkdir -p "$CUENV_CACHE/archives"
    head -c 100000 /dev/urandom >"$part"
    install_run 12.4 --profile runtime
    assert_success
    assert_equal "$(hits "$CUDART_GLOB")" 1
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
    assert_no_leftovers
    assert_cache_clean
}

# ---- kill -9 at every checkpoint ----

# Stop "install 12.4+cudnn9" at checkpoint $1, check what other commands see
# meanwhile, kill -9 it, install again: SSO and nothing left behind.
kill_at() {
    start_at_checkpoint "$1" 12.4+cudnn9
    # While it is stopped: no half env is ever visible.
    run "$CUENV" list --json
    assert_success
    assert_json 'assert d == [] or [e["name"] for e in d] == ["'"$ENV124DNN"'"], d'
    assert_envs_ok
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    assert_equal "$WAIT_RC" 137
    assert_envs_ok
    run "$CUENV" list --json
    if [ "$1" = after-env-rename ]; then
        # Renamed into place: the env is there, complete.
        assert_json 'assert [e["name"] for e in d] == ["'"$ENV124DNN"'"], d'
    else
        assert_output "[]"
    fi
    assert_cache_clean

    install_run 12.4+cudnn9
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV124DNN"
    assert_env_ok "$output"
    assert_no_leftovers
    assert_cache_clean
    run "$CUENV" list --json
    assert_json 'assert [e["name"] for e in d] == ["'"$ENV124DNN"'"], d'
    # And the env is final: one more run makes no request.
    local before
    before=$(hits)
    install_run 12.4+cudnn9
    assert_success
    assert_stderr "$ENV124DNN is already installed"
    assert_equal "$(hits)" "$before"
}

@test "kill -9 at download-started: the next run resumes and installs" {
    kill_at download-started
}

@test "kill -9 at after-verify: the next run installs" {
    kill_at after-verify
}

@test "kill -9 at mid-extract: staging is cleaned, the next run installs" {
    kill_at mid-extract
}

@test "kill -9 at before-store-rename: staging is cleaned, the next run installs" {
    kill_at before-store-rename
}

@test "kill -9 at after-store-rename: the entry is kept, the next run installs" {
    kill_at after-store-rename
}

@test "kill -9 at env-assembly: no env, the next run installs" {
    kill_at env-assembly
}

@test "kill -9 at before-env-rename: no env, the next run installs" {
    kill_at before-env-rename
}

@test "kill -9 at after-env-rename: the env is complete and stays" {
    kill_at after-env-rename
}

# ---- concurrency (REL-42) ----

@test "8 parallel installs of overlapping pairs on one root and cache: all succeed, each archive downloaded once (3 rounds)" {
    # A slower server keeps the transfers in flight together.
    fault_start --rate 20000
    export CUENV_MIRROR=$FS_URL
    local round spec prof i pids rcs p
    for round in 1 2 3; do
        export CUENV_ROOT=$BATS_TEST_TMPDIR/par$round/root CUENV_CACHE=$BATS_TEST_TMPDIR/par$round/cache
        srv /__reset >/dev/null
        pids=()
        i=0
        for spec in 12.4 12.6 12.4+cudnn9 12.6+cudnn9; do
            for prof in runtime devel; do
                i=$((i + 1))
                timeout -k 5 60 "$CUENV" install "$spec" --profile "$prof" \
                    >"$BATS_TEST_TMPDIR/par$round.$i.out" 2>"$BATS_TEST_TMPDIR/par$round.$i.err" &
                pids+=($!)
                BG_PIDS="$BG_PIDS $!"
            done
        done
        rcs=
        for p in "${pids[@]}"; do
            wait_bounded "$p" 60
            rcs="$rcs $WAIT_RC"
        done
        assert_equal "$rcs" " 0 0 0 0 0 0 0 0"
        ! grep -il 'exists\|error' "$BATS_TEST_TMPDIR"/par$round.*.err || fail "errors in round $round"
        # 6 + 6 CUDA archives and one cuDNN: each requested exactly once.
        assert_equal "$(hits '*.tar.xz')" 13
        srv /__hits | python3 -c 'import json, sys
d = json.load(sys.stdin)
bad = {p: n for p, n in d.items() if p.endswith(".tar.xz") and n != 1}
assert not bad, bad'
        assert_equal "$(ls "$CUENV_ROOT/envs" | wc -l)" 8
        assert_equal "$(ls "$CUENV_ROOT/store" | wc -l)" 13
        assert_envs_ok
        assert_no_leftovers
        assert_cache_clean
    done
}

# ---- locks (REL-44, REL-51) ----

@test "a lock held by a killed cuenv blocks nobody; a live holder makes others wait, then time out" {
    export CUENV_LOCK_TIMEOUT=2
    start_at_checkpoint download-started 12.4 --profile runtime
    # Alive and holding the entries' locks: a second install waits, then gives up.
    install_timed_run() {
        T0=$(now_ms)
        install_run "$@"
        T1=$(now_ms)
    }
    install_timed_run 12.4 --profile runtime
    assert_failure 1
    assert_stderr_line "^cuenv: warning: waiting for another cuenv to finish '[a-z_]+ [0-9.]+'\$"
    assert_stderr_line "^cuenv: error: timed out after 2 s waiting for the lock '$CUENV_ROOT/locks/store-[^']+\.lock'\$"
    [ $((T1 - T0)) -ge 1000 ] && [ $((T1 - T0)) -lt 8000 ]
    assert_no_env
    # Killed: the kernel drops its locks; the next install goes straight through.
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    install_timed_run 12.4 --profile runtime
    assert_success
    refute_stderr_waiting
    [ $((T1 - T0)) -lt 2000 ]
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
    assert_no_leftovers
}

refute_stderr_waiting() {
    ! grep -q 'waiting for' <<<"$stderr" || fail "unexpected wait: $stderr"
}

# Hold $1 with flock(1) (flock options in $2, e.g. -s) in the background.
hold_lock() {
    mkdir -p "$(dirname "$1")"
    flock $2 "$1" sleep 30 3>&- &
    FLOCK_PID=$!
    local i
    for i in $(seq 1 100); do
        flock -n "$1" true 2>/dev/null || return 0
        sleep 0.05
    done
    fail "flock did not take $1"
}

@test "REL-51: the store lock held exclusively (as gc does): install fails after CUENV_LOCK_TIMEOUT with a lock message" {
    export CUENV_LOCK_TIMEOUT=2
    hold_lock "$CUENV_ROOT/locks/root-store.lock"
    T0=$(now_ms)
    install_run 12.4 --profile runtime
    T1=$(now_ms)
    assert_failure 1
    assert_stderr_line "^cuenv: warning: waiting for another cuenv to finish with the store\$"
    assert_stderr_line "^cuenv: error: cannot lock '$CUENV_ROOT/locks/root-store\.lock': timed out waiting for 'cuenv gc'\$"
    [ $((T1 - T0)) -ge 1000 ] && [ $((T1 - T0)) -lt 8000 ]
    assert_no_env
    assert_equal "$(hits '*.tar.xz')" 0
}

@test "REL-51: a store entry's lock held by another process: install fails after CUENV_LOCK_TIMEOUT naming the lock" {
    export CUENV_LOCK_TIMEOUT=2
    local entry
    entry=cuda_cudart-linux-x86_64-12.4.127-$(archive_path cuda_cudart 12.4.1 sha256 | cut -c1-12)
    hold_lock "$CUENV_ROOT/locks/store-$entry.lock"
    install_run 12.4 --profile runtime
    assert_failure 1
    assert_stderr_line "^cuenv: warning: waiting for another cuenv to finish 'cuda_cudart 12\.4\.127'\$"
    assert_stderr_line "^cuenv: error: timed out after 2 s waiting for the lock '$CUENV_ROOT/locks/store-$entry\.lock'\$"
    assert_no_env
    assert_equal "$(hits "$CUDART_GLOB")" 0
}

@test "REL-51: an archive's download lock held in the shared cache: install waits, then times out" {
    export CUENV_LOCK_TIMEOUT=1
    local sha
    sha=$(archive_path cuda_cudart 12.4.1 sha256)
    hold_lock "$CUENV_CACHE/archives/$sha.lock"
    install_run 12.4 --profile runtime
    assert_failure 1
    assert_stderr_line "^cuenv: error: timed out after 1 s waiting for the lock '$CUENV_CACHE/archives/$sha\.lock'\$"
    assert_no_env
    assert_equal "$(hits "$CUDART_GLOB")" 0
}

@test "REL-51: an env's lock held by another process: install times out before assembling, nothing installed" {
    export CUENV_LOCK_TIMEOUT=1
    hold_lock "$CUENV_ROOT/locks/env-cuda-12.4.1-runtime.lock"
    install_run 12.4 --profile runtime
    assert_failure 1
    assert_stderr_line "^cuenv: error: cannot lock '$CUENV_ROOT/locks/env-cuda-12\.4\.1-runtime\.lock': timed out waiting for another cuenv\$"
    assert_no_env
    assert_no_leftovers
    # Released: the entries are already in the store, the env appears.
    kill $(pgrep -P "$FLOCK_PID") "$FLOCK_PID" 2>/dev/null || true
    wait "$FLOCK_PID" 2>/dev/null || true
    FLOCK_PID=
    install_run 12.4 --profile runtime
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/cuda-12.4.1-runtime"
}

# Start "install 12.4 --profile runtime" in the background, wait until it
# says it is waiting for a lock, send SIGINT: it must stop at once (130).
interrupt_lock_wait() {
    local err=$BATS_TEST_TMPDIR/wait.err i
    timeout -k 5 60 "$CUENV" install 12.4 --profile runtime >/dev/null 2>"$err" 3>&- &
    local pid=$!
    BG_PIDS="$BG_PIDS $pid"
    for i in $(seq 1 100); do
        grep -q 'waiting for' "$err" && break
        sleep 0.05
    done
    grep -q 'waiting for' "$err" || fail "install did not wait: $(cat "$err")"
    T0=$(now_ms)
    # timeout(1) passes SIGINT on to cuenv.
    kill -INT "$pid"
    wait_bounded "$pid" 20
    T1=$(now_ms)
    assert_equal "$WAIT_RC" 130
    [ $((T1 - T0)) -lt 2000 ] || fail "took $((T1 - T0)) ms to stop"
    assert_equal "$(tail -1 "$err")" "cuenv: error: interrupted; nothing was installed"
    assert_no_env
}

@test "Ctrl-C while waiting for a store entry's lock stops at once (130)" {
    export CUENV_LOCK_TIMEOUT=30
    local entry
    entry=cuda_cudart-linux-x86_64-12.4.127-$(archive_path cuda_cudart 12.4.1 sha256 | cut -c1-12)
    hold_lock "$CUENV_ROOT/locks/store-$entry.lock"
    interrupt_lock_wait
}

@test "Ctrl-C while waiting for the store lock (gc running) stops at once (130)" {
    export CUENV_LOCK_TIMEOUT=10
    hold_lock "$CUENV_ROOT/locks/root-store.lock"
    interrupt_lock_wait
}

@test "REL-45: gc waits for running installs (shared store lock) and times out with a message" {
    export CUENV_LOCK_TIMEOUT=1
    hold_lock "$CUENV_ROOT/locks/root-store.lock" -s
    run --separate-stderr timeout 20 "$CUENV" gc
    assert_failure 1
    assert_stderr "cuenv: error: cannot lock '$CUENV_ROOT/locks/root-store.lock': timed out waiting for running installs"
}

# ---- gc racing installs (REL-45) ----

@test "REL-45: gc removes the staging and partial downloads a killed install left" {
    start_at_checkpoint mid-extract 12.4+cudnn9 --jobs 1
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    [ -n "$(ls -A "$CUENV_ROOT/tmp")" ] || fail "no staging left at mid-extract"
    run "$CUENV" gc --json
    assert_success
    assert_json 'assert d["staging"] >= 1, d'
    assert_no_leftovers
    assert_no_env
    install_run 12.4+cudnn9 --quiet
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"
}

@test "REL-45: gc racing installs and uninstalls never leaves a broken env" {
    export CUENV_LOCK_TIMEOUT=60
    install_run 12.4 --profile runtime --quiet
    assert_success
    local round p pids rcs
    for round in 1 2 3; do
        pids=()
        local t="timeout -k 5 60"
        (
            $t "$CUENV" uninstall cuda-12.4.1-runtime
            $t "$CUENV" gc
            $t "$CUENV" gc
        ) >"$BATS_TEST_TMPDIR/gc$round.out" 2>&1 3>&- &
        pids+=($!)
        $t "$CUENV" install 12.4 --profile runtime >/dev/null 2>"$BATS_TEST_TMPDIR/i1.$round" 3>&- &
        pids+=($!)
        $t "$CUENV" install 12.4+cudnn9 --profile runtime >/dev/null 2>"$BATS_TEST_TMPDIR/i2.$round" 3>&- &
        pids+=($!)
        $t "$CUENV" gc >/dev/null 2>&1 3>&- &
        pids+=($!)
        $t "$CUENV" install 12.6 --profile runtime >/dev/null 2>"$BATS_TEST_TMPDIR/i3.$round" 3>&- &
        pids+=($!)
        BG_PIDS="$BG_PIDS ${pids[*]}"
        rcs=
        for p in "${pids[@]}"; do
            wait_bounded "$p" 60
            rcs="$rcs $WAIT_RC"
        done
        # The uninstall may find the env gone or not yet there: the
        # installs and the gc must succeed.
        [ "$(echo $rcs | cut -d' ' -f2-)" = "0 0 0 0" ] ||
            fail "round $round: exit codes $rcs: $(cat "$BATS_TEST_TMPDIR"/i?.$round)"
        assert_envs_ok
        run "$CUENV" gc --json
        assert_success
        assert_envs_ok
    done
    assert_no_leftovers
    assert_cache_clean
}
