#!/usr/bin/env bats
# Crash safety: kill -9 at every named checkpoint (CUENV_TEST_CHECKPOINT,
# src/checkpoint.h) of 'cuenv install' (download, verify, extraction, the
# store rename, env assembly, the env rename, the shim refresh) and of
# 'cuenv use' (the lock and pin writes, REL-48). After every kill: the next run completes, 'cuenv
# verify' finds the root exactly as installed, the shims are complete, and
# no staging, partial download or temp file is left. cache.bats checks what
# other commands see while a run is stopped; crash_loop.bats kills at random
# moments.

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
}

teardown() { install_teardown; }

ENV124DNN=cuda-12.4.1+cudnn-9.14.0.64-devel

# Start "cuenv ARGS..." in the background, stopped at checkpoint $1 (the
# install helper of helper.bash, for any command). Sets CP_PID and CP_BG.
start_cmd_at_checkpoint() {
    local name=$1 marker=$BATS_TEST_TMPDIR/checkpoint.$RANDOM i
    shift
    CUENV_TEST_CHECKPOINT=$name CUENV_TEST_CHECKPOINT_FILE=$marker \
        timeout -s KILL 60 "$CUENV" "$@" >"$BATS_TEST_TMPDIR/cp.out" 2>"$BATS_TEST_TMPDIR/cp.err" 3>&- &
    CP_BG=$!
    BG_PIDS="$BG_PIDS $CP_BG"
    for i in $(seq 1 300); do
        [ -s "$marker" ] && break
        kill -0 "$CP_BG" 2>/dev/null || break
        sleep 0.05
    done
    [ -s "$marker" ] || { fail "checkpoint $name not reached: $(cat "$BATS_TEST_TMPDIR/cp.err")"; return 1; }
    CP_PID=$(sed -n "s/^checkpoint .* \([0-9][0-9]*\)$/\1/p" "$marker" | head -1)
    [ -n "$CP_PID" ] || { fail "bad marker: $(cat "$marker")"; return 1; }
    BG_PIDS="$BG_PIDS $CP_PID"
}

kill_stopped() {
    kill -9 "$CP_PID"
    wait_bounded "$CP_BG" 10
    assert_equal "$WAIT_RC" 137
}

# Every executable of every env has its shim, a hard link to the shim
# program; no temp file of a killed refresh is left. With NO_TOOLS=1 the
# envs may have no tools at all.
assert_shims_ok() {
    local s=$CUENV_ROOT/shims t n=0 left
    [ -f "$s/.cuenv-shim" ] || { fail "no shim program in $s"; return 1; }
    for t in "$CUENV_ROOT"/envs/*/bin/*; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        n=$((n + 1))
        [ "$(stat -c %i "$s/${t##*/}" 2>/dev/null)" = "$(stat -c %i "$s/.cuenv-shim")" ] ||
            { fail "no shim for ${t##*/}"; return 1; }
    done
    [ "$n" -gt 0 ] || [ "${NO_TOOLS:-}" = 1 ] || { fail "no tools in the envs"; return 1; }
    left=$(find "$s" -name '.new.*' -o -name '*.tmp.*')
    [ -z "$left" ] || { fail "shim temp files left: $left"; return 1; }
}

assert_verify_clean() {
    run --separate-stderr timeout 60 "$CUENV" verify
    [ "$status" -eq 0 ] || fail "verify: exit $status: $output $stderr"
    assert_output ""
}

# Kill "install 12.4+cudnn9" at checkpoint $1; the next install completes
# and everything checks out.
kill_install_at() {
    start_cmd_at_checkpoint "$1" install 12.4+cudnn9
    kill_stopped
    assert_verify_clean
    install_run 12.4+cudnn9
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV124DNN"
    assert_env_ok "$output"
    assert_verify_clean
    assert_no_leftovers
    assert_cache_clean
    assert_shims_ok
}

@test "REL-44: kill -9 while a download is in progress: the next install resumes and verifies" {
    kill_install_at download-started
}

@test "[CACHE] kill -9 after the download verified: the next install verifies" {
    kill_install_at after-verify
}

@test "[CACHE] kill -9 mid-extraction: staging removed by the next install, which verifies" {
    kill_install_at mid-extract
}

@test "REL-50: kill -9 before the store rename: the next install verifies" {
    kill_install_at before-store-rename
}

@test "[CACHE] kill -9 after the store rename: the next install verifies" {
    kill_install_at after-store-rename
}

@test "[CACHE] kill -9 during env assembly: the next install verifies" {
    kill_install_at env-assembly
}

@test "[CACHE] kill -9 before the env rename: the next install verifies" {
    kill_install_at before-env-rename
}

@test "[CACHE] kill -9 after the env rename, before the shims: the env verifies, the next install makes the shims" {
    start_cmd_at_checkpoint after-env-rename install 12.4+cudnn9
    kill_stopped
    assert_verify_clean
    [ ! -e "$CUENV_ROOT/shims/nvcc" ] || fail "shims before the refresh"
    install_run 12.4+cudnn9
    assert_success
    assert_stderr "$ENV124DNN is already installed"
    assert_shims_ok
    assert_verify_clean
    assert_no_leftovers
}

@test "[SHIM] kill -9 during the shim refresh: some shims made, the next install completes them" {
    start_cmd_at_checkpoint shims-refresh install 12.4+cudnn9
    [ -n "$(ls "$CUENV_ROOT/shims")" ] || fail "the refresh had not begun"
    kill_stopped
    run assert_shims_ok
    assert_failure
    install_run 12.4+cudnn9
    assert_success
    assert_shims_ok
    assert_verify_clean
}

@test "[SHIM] kill -9 while the shim program is written: its temp file goes with the next refresh" {
    start_cmd_at_checkpoint before-rename:.cuenv-shim install 12.4+cudnn9
    kill_stopped
    [ -n "$(find "$CUENV_ROOT/shims" -name '.cuenv-shim.tmp.*')" ] || fail "no temp file at the checkpoint"
    [ ! -e "$CUENV_ROOT/shims/.cuenv-shim" ]
    install_run 12.4+cudnn9
    assert_success
    assert_shims_ok
    assert_verify_clean
}

@test "[SHIM] kill -9 during 'cuenv uninstall's shim refresh: the next refresh removes the stale shims" {
    install_run 12.4+cudnn9 --quiet
    install_run 12.6 --profile runtime --quiet
    start_cmd_at_checkpoint shims-refresh uninstall "$ENV124DNN"
    kill_stopped
    [ ! -e "$CUENV_ROOT/envs/$ENV124DNN" ]
    run "$CUENV" shim refresh
    assert_success
    NO_TOOLS=1 assert_shims_ok
    # Tools only the removed env had are gone.
    [ ! -e "$CUENV_ROOT/shims/nvcc" ] || fail "stale nvcc shim"
    assert_verify_clean
}

# ---- 'cuenv use': the lock and the pin (REL-48) ----

# A project pinned to 12.4 by a completed 'cuenv use'; saves its pin and lock.
pinned_project() {
    P=$BATS_TEST_TMPDIR/proj
    mkdir -p "$P"
    cd "$P"
    run timeout 60 "$CUENV" use 12.4 --quiet
    assert_success
    cp .cuda-version "$BATS_TEST_TMPDIR/pin.old"
    cp cuenv.lock "$BATS_TEST_TMPDIR/lock.old"
}

# Kill 'cuenv use 12.6 --profile runtime' at checkpoint $1; $2/$3: whether
# the pin and the lock must then be "old" or "new" (never anything else).
kill_use_at() {
    pinned_project
    start_cmd_at_checkpoint "$1" use 12.6 --profile runtime --quiet
    kill_stopped
    # The new content, for comparison: a completed run in another directory.
    mkdir -p "$BATS_TEST_TMPDIR/ref"
    (cd "$BATS_TEST_TMPDIR/ref" && timeout 60 "$CUENV" use 12.6 --profile runtime --quiet) ||
        fail "reference run failed"
    local want
    for f in pin:.cuda-version lock:cuenv.lock; do
        want=$BATS_TEST_TMPDIR/${f%%:*}.old
        [ "$([ "${f%%:*}" = pin ] && echo "$2" || echo "$3")" = new ] &&
            want=$BATS_TEST_TMPDIR/ref/${f#*:}
        cmp "$P/${f#*:}" "$want" || fail "${f#*:} is neither intact old nor new content"
    done
    [ -n "$(find "$P" -name '*.tmp.*')" ] || [ "${1%%:*}" = after-rename ] ||
        fail "no temp file at $1"
    # Whatever was killed, what the directory says still works.
    run timeout 60 "$CUENV" current
    assert_success
    # The next 'use' completes and leaves no temp file.
    run timeout 60 "$CUENV" use 12.6 --profile runtime --quiet
    assert_success
    cmp "$P/.cuda-version" "$BATS_TEST_TMPDIR/ref/.cuda-version"
    cmp "$P/cuenv.lock" "$BATS_TEST_TMPDIR/ref/cuenv.lock"
    [ -z "$(find "$P" -name '*.tmp.*')" ] || fail "temp files left: $(find "$P" -name '*.tmp.*')"
    run timeout 60 "$CUENV" install --locked --quiet
    assert_success
    assert_verify_clean
}

@test "REL-48: kill -9 between writing the lock and renaming it: pin and lock stay old" {
    kill_use_at before-rename:cuenv.lock old old
}

@test "REL-48: kill -9 after the lock's rename: new lock, old pin" {
    kill_use_at after-rename:cuenv.lock old new
}

@test "REL-48: kill -9 between writing the pin and renaming it: old pin, new lock" {
    kill_use_at before-rename:.cuda-version old new
}

@test "REL-48: kill -9 after the pin's rename: both new" {
    kill_use_at after-rename:.cuda-version new new
}

@test "REL-48: kill -9 while writing the global pin: the old default stays, the next 'use --global' completes" {
    run timeout 60 "$CUENV" use --global 12.4 --quiet
    assert_success
    cp "$CUENV_ROOT/global-version" "$BATS_TEST_TMPDIR/global.old"
    start_cmd_at_checkpoint before-rename:global-version use --global 12.6 --profile runtime --quiet
    kill_stopped
    cmp "$CUENV_ROOT/global-version" "$BATS_TEST_TMPDIR/global.old"
    run timeout 60 "$CUENV" use --global 12.6 --profile runtime --quiet
    assert_success
    [ "$(head -1 "$CUENV_ROOT/global-version")" = 12.6 ]
    [ -z "$(find "$CUENV_ROOT" -maxdepth 1 -name '*.tmp.*')" ] || fail "temp files left"
}
