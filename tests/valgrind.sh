#!/usr/bin/env bash
# Run cuenv's unit tests and a whole install session under valgrind memcheck.
#
# usage: tests/valgrind.sh [UNIT_BINARY...]     (make valgrind passes the std unit tests)
#
# Every run uses --error-exitcode=99 --leak-check=full: an invalid read or
# write, a use of uninitialised memory, a definite or possible leak fails it.
# The session: a synthetic mirror (tests/fixtures/mkmirror.py, cached under
# build/test-mirror/) served by tests/fixtures/fault_server.py on 127.0.0.1,
# then "cuenv install 12.4+cudnn9" into a fresh root, the same again (a
# no-op), exec, list, uninstall and gc, each under valgrind. Ends with one
# line "N passed, N failed" like tests/run-tests.sh.
set -u
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "valgrind not installed (make deps)" >&2; exit 1; }
logs=build/std/test-logs/valgrind
rm -rf "$logs"
mkdir -p "$logs"
supp=tests/valgrind.supp
VG=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,possible
    --errors-for-leak-kinds=definite,possible --track-origins=yes --num-callers=30
    --suppressions="$supp" --child-silent-after-fork=yes)
passed=0
failed=0

# check NAME LOG STATUS [WANT]: one result line; the log's summary on failure.
check() {
    local name=$1 log=$2 status=$3 want=${4:-0}
    if [ "$status" -eq "$want" ] && ! grep -q 'ERROR SUMMARY: [1-9]' "$log"; then
        passed=$((passed + 1))
        printf 'ok   %-40s %s\n' "$name" "$(grep -o 'ERROR SUMMARY: [0-9]* errors' "$log" | tail -1)"
    else
        failed=$((failed + 1))
        printf 'FAIL %-40s exit %s (wanted %s), see %s\n' "$name" "$status" "$want" "$log"
        grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall param|[0-9,]+ bytes in|ERROR SUMMARY)' "$log" |
            head -20
    fi
}

for bin in "$@"; do
    name=$(basename "$bin")
    log=$logs/$name.log
    CMOCKA_MESSAGE_OUTPUT=TAP "${VG[@]}" --log-file="$log.vg" "$bin" >"$log" 2>&1
    status=$?
    cat "$log.vg" >>"$log"
    # cmocka itself must pass too.
    if grep -q '^not ok' "$log"; then status=1; fi
    check "$name" "$log" "$status"
done

# ---- one install session ----

work=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-valgrind.XXXXXX")
srv_pid=
cleanup() {
    [ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null
    [ -z "$srv_pid" ] || wait "$srv_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

args=(--cuda 12.4.1 --cuda 12.6.3 --cudnn 9.14.0)
key=$({
    cat tests/fixtures/mkmirror.py
    echo "${args[*]}"
    gcc --version 2>/dev/null | head -1
} | sha256sum | cut -c1-16)
mirror=build/test-mirror/$key
if [ ! -e "$mirror/.complete" ]; then
    mkdir -p build/test-mirror
    (
        flock -w 300 9 || exit 1
        [ -e "$mirror/.complete" ] && exit 0
        rm -rf "$mirror.tmp"
        timeout -k 5 300 python3 tests/fixtures/mkmirror.py "$mirror.tmp" "${args[@]}" --quiet || exit 1
        touch "$mirror.tmp/.complete"
        rm -rf "$mirror"
        mv "$mirror.tmp" "$mirror"
    ) 9>build/test-mirror/.lock || { echo "mkmirror.py failed" >&2; exit 1; }
fi

python3 -u tests/fixtures/fault_server.py --root "$mirror" --lifetime 900 >"$work/server" 2>&1 &
srv_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$work/server")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "fault_server.py did not start" >&2; exit 1; }

export HOME=$work/home CUENV_ROOT=$work/root CUENV_CACHE=$work/cache CUENV_CONFIG=/dev/null
export CUENV_MIRROR=http://127.0.0.1:$port CUENV_PLATFORM=linux-x86_64 CUENV_RETRIES=2
export CUENV_RETRY_BASE_MS=50 PATH=/usr/bin:/bin no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
unset http_proxy https_proxy HTTPS_PROXY ALL_PROXY all_proxy CUENV_VERSION LD_LIBRARY_PATH
mkdir -p "$HOME"

# run NAME WANT_STATUS cuenv ARGS...
run() {
    local name=$1 want=$2 log=$logs/$1.log
    shift 2
    timeout -k 10 600 "${VG[@]}" --log-file="$log.vg" "$@" >"$log" 2>&1
    local status=$?
    cat "$log.vg" >>"$log"
    check "$name" "$log" "$status" "$want"
}

run install 0 bin/cuenv install 12.4+cudnn9
run install-again 0 bin/cuenv install 12.4+cudnn9
run exec 0 bin/cuenv exec 12.4+cudnn9 -- /bin/true
run list 0 bin/cuenv list --json
run install-bad-spec 2 bin/cuenv install not-a-spec
run uninstall 0 bin/cuenv uninstall 12.4+cudnn9
run gc 0 bin/cuenv gc

echo "valgrind: $passed passed, $failed failed (logs in $logs)"
[ "$failed" -eq 0 ]
