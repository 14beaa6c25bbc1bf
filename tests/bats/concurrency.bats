#!/usr/bin/env bats
# Concurrency (RELIABILITY.md REL-42, REL-44, REL-45): many cuenv processes
# on one root and one cache, as CI matrix jobs sharing a cache are. Every
# archive is downloaded once (fault_server.py's counters), every process
# ends in bounded time with exit 0, every env is complete and 'cuenv
# verify' finds the root exactly as installed; a lock whose holder was
# killed with -9 frees the waiters at once. More rounds with CUENV_NIGHTLY=1.
# cache.bats has the lock timeouts and Ctrl-C while waiting.

load helper

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    mirror_build
    # A slower server keeps transfers of different processes in flight together.
    file_server_start --rate 20000
}

teardown_file() { file_server_stop; }

setup() {
    install_setup
    file_server_use
    export CUENV_LOCK_TIMEOUT=60
    ROUNDS=3
    if [ "${CUENV_NIGHTLY:-}" = 1 ]; then ROUNDS=20; fi
}

teardown() { install_teardown; }

ENV124DNN=cuda-12.4.1+cudnn-9.14.0.64-devel

# The 8 overlapping installs: 12.4 and 12.6, with and without cuDNN 9,
# runtime and devel; they share the cuDNN archive and most CUDA ones.
PAIRS=("12.4 --profile runtime" "12.4" "12.4+cudnn9 --profile runtime" "12.4+cudnn9"
    "12.6 --profile runtime" "12.6" "12.6+cudnn9 --profile runtime" "12.6+cudnn9")

# Start "cuenv ARGS..." in the background (bounded); its pid in BG, its
# output in $BATS_TEST_TMPDIR/bg.$1.{out,err} ($1 is a label).
bg() {
    local label=$1
    shift
    timeout -k 5 120 "$CUENV" "$@" >"$BATS_TEST_TMPDIR/bg.$label.out" \
        2>"$BATS_TEST_TMPDIR/bg.$label.err" 3>&- &
    BG=$!
    BG_PIDS="$BG_PIDS $BG"
}

# Wait for every pid given (at most 120 s each); fail unless all exit 0.
wait_all_ok() {
    local p rcs=
    for p in "$@"; do
        wait_bounded "$p" 120
        rcs="$rcs $WAIT_RC"
    done
    [ -z "$(tr -d ' 0' <<<"$rcs")" ] ||
        fail "exit codes:$rcs; $(tail -n 3 "$BATS_TEST_TMPDIR"/bg.*.err)"
}

# Each archive requested exactly once since the last reset; $1 of them.
assert_each_archive_once() {
    assert_equal "$(hits '*.tar.xz')" "$1"
    srv /__hits | python3 -c 'import json, sys
d = json.load(sys.stdin)
bad = {p: n for p, n in d.items() if p.endswith(".tar.xz") and n != 1}
assert not bad, bad' || fail "archives requested more than once"
}

assert_verify_clean() {
    run --separate-stderr timeout 60 "$CUENV" verify
    [ "$status" -eq 0 ] || fail "verify: exit $status: $output $stderr"
    assert_output ""
}

@test "REL-42: 8 processes installing overlapping pairs into one root and cache, 3 rounds (20 nightly): exit 0, each archive once, verify clean" {
    local round i pids
    for round in $(seq 1 "$ROUNDS"); do
        export CUENV_ROOT=$BATS_TEST_TMPDIR/r$round/root CUENV_CACHE=$BATS_TEST_TMPDIR/r$round/cache
        srv /__reset >/dev/null
        pids=()
        for i in "${!PAIRS[@]}"; do
            # shellcheck disable=SC2086
            bg "$round.$i" install ${PAIRS[$i]}
            pids+=("$BG")
        done
        wait_all_ok "${pids[@]}"
        ! grep -il 'exists\|error' "$BATS_TEST_TMPDIR"/bg.$round.*.err || fail "errors in round $round"
        # 6 + 6 CUDA archives and one cuDNN.
        assert_each_archive_once 13
        assert_equal "$(ls "$CUENV_ROOT/envs" | wc -l)" 8
        assert_equal "$(ls "$CUENV_ROOT/store" | wc -l)" 13
        assert_envs_ok
        assert_verify_clean
        assert_no_leftovers
        assert_cache_clean
        rm -rf "$BATS_TEST_TMPDIR/r$round"
    done
}

@test "REL-42: two roots sharing one cache, 4 installs each at once: each archive downloaded once across both, both verify clean" {
    local r1=$BATS_TEST_TMPDIR/root1 r2=$BATS_TEST_TMPDIR/root2 i pids=()
    for i in 0 3 5 7; do
        CUENV_ROOT=$r1 bg "a$i" install ${PAIRS[$i]}
        pids+=("$BG")
        CUENV_ROOT=$r2 bg "b$i" install ${PAIRS[$i]}
        pids+=("$BG")
    done
    wait_all_ok "${pids[@]}"
    # 12.4 runtime, 12.4+cudnn9 devel, 12.6 devel, 12.6+cudnn9 devel: 6 + 6 + 1.
    assert_each_archive_once 13
    local r
    for r in "$r1" "$r2"; do
        CUENV_ROOT=$r assert_envs_ok
        CUENV_ROOT=$r assert_verify_clean
        CUENV_ROOT=$r assert_no_leftovers
    done
    assert_cache_clean
    # The same store entries in both roots, made from one download each.
    assert_equal "$(ls "$r1/store")" "$(ls "$r2/store")"
}

@test "[CACHE] verify while 8 installs run: never a false difference (entries and envs appear whole)" {
    local i pids=() n=0 rc
    for i in "${!PAIRS[@]}"; do
        bg "$i" install ${PAIRS[$i]}
        pids+=("$BG")
    done
    # Verify over and over until the installs are done (bounded).
    while [ $n -lt 200 ]; do
        run --separate-stderr timeout 60 "$CUENV" verify
        [ "$status" -eq 0 ] || fail "verify during installs: exit $status: $output"
        n=$((n + 1))
        rc=0
        for i in "${pids[@]}"; do kill -0 "$i" 2>/dev/null && rc=1; done
        [ "$rc" = 1 ] || break
    done
    wait_all_ok "${pids[@]}"
    assert_verify_clean
    [ "$n" -ge 2 ] || skip "the installs ended before a second verify (a fast machine)"
}

# ---- a lock whose holder was killed (REL-44) ----

# Stop "install $2..." at checkpoint $1 (holding a lock); sets CP_PID, CP_BG.
stop_holder() {
    local cp=$1
    shift
    start_at_checkpoint "$cp" "$@"
}

# Kill the holder; the waiter $1 (a pid) must finish with 0 within 10 s,
# far below CUENV_LOCK_TIMEOUT (60 s).
kill_holder_then_waiter_proceeds() {
    local waiter=$1 label=$2 t0 t1
    t0=$(now_ms)
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    wait_bounded "$waiter" 20
    t1=$(now_ms)
    [ "$WAIT_RC" -eq 0 ] || fail "waiter exit $WAIT_RC: $(cat "$BATS_TEST_TMPDIR/bg.$label.err")"
    [ $((t1 - t0)) -lt 10000 ] || fail "the waiter took $((t1 - t0)) ms after the kill"
    grep -q 'waiting for another cuenv' "$BATS_TEST_TMPDIR/bg.$label.err" ||
        fail "the waiter never waited: $(cat "$BATS_TEST_TMPDIR/bg.$label.err")"
}

# Start a waiter and wait (bounded) until it says it waits.
start_waiter() {
    local label=$1 i
    shift
    bg "$label" "$@"
    for i in $(seq 1 200); do
        grep -q 'waiting for another cuenv' "$BATS_TEST_TMPDIR/bg.$label.err" && return 0
        kill -0 "$BG" 2>/dev/null || break
        sleep 0.05
    done
    fail "the second install did not wait: $(cat "$BATS_TEST_TMPDIR/bg.$label.err")"
}

@test "REL-44: a store entry's lock held by a process killed with -9: the waiting install proceeds at once and verifies" {
    stop_holder after-lock 12.4+cudnn9
    start_waiter w install 12.4+cudnn9
    kill_holder_then_waiter_proceeds "$BG" w
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"
    assert_verify_clean
    assert_no_leftovers
}

@test "REL-44: an env's lock held by a process killed with -9 during assembly: the waiter assembles it" {
    stop_holder env-assembly 12.4+cudnn9
    start_waiter w install 12.4+cudnn9
    kill_holder_then_waiter_proceeds "$BG" w
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"
    assert_verify_clean
    assert_no_leftovers
}

@test "REL-44: a download lock in the shared cache held by a process of another root killed with -9: the other root resumes it" {
    stop_holder download-started 12.4+cudnn9
    CUENV_ROOT=$BATS_TEST_TMPDIR/root2 start_waiter w install 12.4+cudnn9
    kill_holder_then_waiter_proceeds "$BG" w
    CUENV_ROOT=$BATS_TEST_TMPDIR/root2 assert_verify_clean
    CUENV_ROOT=$BATS_TEST_TMPDIR/root2 assert_no_leftovers
    # The first root finishes too, from the cache.
    install_run 12.4+cudnn9 --quiet
    assert_success
    assert_verify_clean
    assert_no_leftovers
}

@test "REL-44/45: the store lock held shared by a killed install does not block gc" {
    stop_holder after-lock 12.4 --profile runtime
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    run --separate-stderr timeout 20 "$CUENV" gc --json
    assert_success
    assert_json 'assert d["staging"] >= 0, d'
    assert_no_leftovers
}

# ---- gc racing installs (REL-45) ----

@test "REL-45: gc, uninstall and verify racing 4 installs, 3 rounds (20 nightly): installs and gc succeed, verify always clean" {
    local round p pids
    for round in $(seq 1 "$ROUNDS"); do
        install_run 12.4 --profile runtime --quiet
        assert_success
        pids=()
        bg "u$round" uninstall cuda-12.4.1-runtime
        pids+=("$BG")
        bg "g$round" gc
        pids+=("$BG")
        bg "i1$round" install 12.4+cudnn9 --profile runtime
        pids+=("$BG")
        bg "i2$round" install 12.6 --profile runtime
        pids+=("$BG")
        bg "g2$round" gc
        pids+=("$BG")
        bg "i3$round" install 12.4
        pids+=("$BG")
        bg "i4$round" install 12.6+cudnn9
        pids+=("$BG")
        # The uninstall may find the env already gone: only the others must succeed.
        wait_bounded "${pids[0]}" 120
        wait_all_ok "${pids[@]:1}"
        assert_envs_ok
        assert_verify_clean
        # Next round from scratch: everything goes, gc must leave nothing used broken.
        run "$CUENV" uninstall --all 12
        run "$CUENV" uninstall --all 12+cudnn9
        run --separate-stderr timeout 60 "$CUENV" gc
        assert_success
        assert_verify_clean
    done
    assert_no_leftovers
    assert_cache_clean
}
