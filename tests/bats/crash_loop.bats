#!/usr/bin/env bats
# Crash safety at random moments: tests/crash-loop.sh kills 'cuenv install'
# with SIGKILL after a random delay, in three states (downloading from a
# rate-limited server, unpacking from the cache, assembling the env), 20
# times (100 with CUENV_NIGHTLY=1); after every kill the next install must
# complete, 'cuenv verify' pass, and nothing be left behind. crash.bats
# kills at each named checkpoint.

load helper

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    mirror_build
}

@test "[CACHE] kill -9 at random moments (tests/crash-loop.sh; 20 kills, 100 with CUENV_NIGHTLY=1): every next install completes and verifies" {
    local n=20
    if [ "${CUENV_NIGHTLY:-}" = 1 ]; then n=100; fi
    run timeout -k 5 $((n * 15 + 120)) env MIRROR="$MIRROR" CUENV_TEST_BIN="$CUENV" \
        bash "$CUENV_SRC/tests/crash-loop.sh" "$n" 3>&-
    [ "$status" -eq 0 ] || fail "crash-loop.sh failed ($status): $output"
    assert_line --regexp "^crash-loop: $n runs, [0-9]+ killed, [0-9]+ finished first, 0 failures "
    # Most runs were killed, not finished before the kill.
    local killed
    killed=$(sed -n 's/^crash-loop: [0-9]* runs, \([0-9]*\) killed.*/\1/p' <<<"$output")
    [ "$killed" -ge $((n / 2)) ] || fail "only $killed of $n runs were killed"
}
