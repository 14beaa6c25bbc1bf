#!/usr/bin/env bash
# Run cuenv's tests and end with one line "N passed, N failed".
#
# usage: tests/run-tests.sh [--only-unit | --only-bats] UNIT_BINARY...
# Unit tests (cmocka) and bats tests both speak TAP; every "ok" and "not ok"
# line counts. A binary that dies before reporting counts as one failure.
# With clang present, each libFuzzer target also runs FUZZ_TIME seconds and
# counts as one test. A std run also builds the sanitizer flavor and runs the
# unit tests and the hostile-input bats files (SAN_BATS) against it.
set -u
cd "$(dirname "$0")/.."

mode=all
case ${1:-} in
--only-unit) mode=unit; shift ;;
--only-bats) mode=bats; shift ;;
esac

flavor=${FLAVOR:-std}
logs=build/$flavor/test-logs
mkdir -p "$logs"
passed=0
failed=0
skipped=0

# tally NAME LOGFILE STATUS: count TAP results, print failures in full.
tally() {
    local name=$1 log=$2 status=$3 ok bad skip
    # A skipped test ("ok N name # skip why") did not pass: it is counted apart.
    skip=$(grep -c '^ok .* # [Ss][Kk][Ii][Pp]' "$log")
    ok=$(($(grep -c '^ok ' "$log") - skip))
    bad=$(grep -c '^not ok ' "$log")
    if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
        bad=1
        echo "not ok - $name exited with status $status" >>"$log"
    fi
    passed=$((passed + ok))
    failed=$((failed + bad))
    skipped=$((skipped + skip))
    printf '%-28s %4d passed, %d failed%s\n' "$name" "$ok" "$bad" \
        "$([ "$skip" -eq 0 ] || echo ", $skip skipped")"
    if [ "$bad" -ne 0 ]; then
        sed -n '/^not ok/,/^ok /p' "$log" | head -80
    fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ "$mode" != bats ]; then
    for bin in "$@"; do
        name=$(basename "$bin")
        log=$logs/$name.tap
        CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$log" 2>&1
        tally "$name" "$log" $?
    done
fi

if [ "$mode" != unit ]; then
    log=$logs/bats.tap
    bats --tap tests/bats >"$log" 2>&1
    tally bats "$log" $?
fi

# The sanitizer build (ASan + UBSan) against the hostile-input tests: the unit
# tests and SAN_BATS run again with CUENV_TEST_BIN=build/san/cuenv (its shim
# beside it). Skipped when this run is the SAN flavor already, or with
# CUENV_CHECK_SAN=0.
SAN_BATS="tar.bats tar_variants.bats manifest.bats net_variants.bats cache_variants.bats pins.bats"
if [ "$mode" = all ] && [ "$flavor" = std ] && [ "${CUENV_CHECK_SAN:-1}" = 1 ]; then
    san_units=()
    for bin in "$@"; do
        san_units+=("build/san/tests/$(basename "$bin")")
    done
    log=$logs/san-build.log
    if make --no-print-directory -s SAN=1 build/san/cuenv build/san/cuenv-shim "${san_units[@]}" \
        >"$log" 2>&1; then
        for bin in "${san_units[@]}"; do
            name=san/$(basename "$bin")
            slog=$logs/san-$(basename "$bin").tap
            CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$slog" 2>&1
            tally "$name" "$slog" $?
        done
        slog=$logs/bats-san.tap
        files=()
        for f in $SAN_BATS; do
            files+=("tests/bats/$f")
        done
        CUENV_TEST_BIN=$PWD/build/san/cuenv bats --tap "${files[@]}" >"$slog" 2>&1
        tally "bats (SAN: ${SAN_BATS// /, })" "$slog" $?
    else
        echo "not ok - the sanitizer build failed" >>"$log"
        tally san-build "$log" 1
        tail -30 "$log"
    fi
fi

if [ "$mode" = all ]; then
    if command -v clang >/dev/null 2>&1; then
        for f in manifest spec pin archive; do
            log=$logs/fuzz_$f.log
            make --no-print-directory -s build/fuzz/fuzz_$f >"$log" 2>&1 &&
                mkdir -p build/fuzz/corpus-fuzz_$f &&
                build/fuzz/fuzz_$f -max_total_time="${FUZZ_TIME:-20}" -timeout=10 \
                    -rss_limit_mb=2048 -dict=tests/fuzz/$f.dict \
                    build/fuzz/corpus-fuzz_$f tests/fuzz/corpus/$f \
                    >>"$log" 2>&1
            status=$?
            if [ $status -eq 0 ]; then
                echo "ok 1 - fuzz_$f ran ${FUZZ_TIME:-20}s without a crash" >>"$log"
            fi
            tally "fuzz_$f" "$log" $status
            [ $status -eq 0 ] || tail -30 "$log"
        done
    else
        echo "fuzz: clang not found, libFuzzer targets skipped"
    fi
fi

[ "$skipped" -eq 0 ] || echo "$skipped skipped (not counted as passed)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
