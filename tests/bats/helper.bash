# Shared set-up for cuenv's bats tests.
#
# Every test gets a fresh CUENV_ROOT, CUENV_CACHE and HOME under
# $BATS_TEST_TMPDIR, the config file pinned to /dev/null, and a PATH scrubbed
# of anything CUDA (/usr/local/cuda must not leak into tests).

# bats-support, then bats-assert. Their load.bash files fork dirname once per
# file, which costs more than a whole test here; sourcing src/ directly
# defines the same functions.
for _f in /usr/lib/bats/bats-support/src/*.bash /usr/lib/bats/bats-assert/src/*.bash; do
    source "$_f"
done
unset _f

# "run --separate-stderr" (stdout in $output, stderr in $stderr) needs 1.5.
bats_require_minimum_version 1.5.0

# No subshell in the usual case: bats sources this file for every test.
CUENV_SRC=${BATS_TEST_DIRNAME%/tests/bats}
case $CUENV_SRC in
/*) [ "$CUENV_SRC" != "$BATS_TEST_DIRNAME" ] || CUENV_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd) ;;
*) CUENV_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd) ;;
esac
# CUENV_TEST_BIN runs the suite against another build (a sanitizer build, a
# candidate fix) without touching bin/cuenv.
CUENV="${CUENV_TEST_BIN:-$CUENV_SRC/bin/cuenv}"
FIXTURES="$CUENV_SRC/tests/fixtures"

cuenv_setup() {
    export HOME=$BATS_TEST_TMPDIR/home
    export CUENV_ROOT=$BATS_TEST_TMPDIR/root
    export CUENV_CACHE=$BATS_TEST_TMPDIR/cache
    export CUENV_CONFIG=/dev/null
    export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg-config
    export PATH=/usr/local/bin:/usr/bin:/bin
    unset CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS CUENV_VERSION
    unset CUDA_HOME CUDA_PATH LD_LIBRARY_PATH
    # Tests talk to 127.0.0.1 only: anything else goes to a dead proxy and
    # fails at once instead of reaching NVIDIA.
    export http_proxy=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1
    export HTTPS_PROXY=http://127.0.0.1:1 ALL_PROXY=http://127.0.0.1:1 all_proxy=http://127.0.0.1:1
    export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
    mkdir -p "$HOME"
}

# Start "python3 -m http.server" on 127.0.0.1, port 0, serving directory $1.
# Sets HTTP_PID and HTTP_URL; http_stop kills it (call it from teardown).
http_start() {
    local dir=$1 log=$BATS_TEST_TMPDIR/http.log i
    python3 -u -m http.server --bind 127.0.0.1 --directory "$dir" 0 >"$log" 2>&1 &
    HTTP_PID=$!
    for i in $(seq 1 100); do
        HTTP_PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$log" | head -1)
        [ -n "$HTTP_PORT" ] && break
        sleep 0.05
    done
    [ -n "$HTTP_PORT" ] || { echo "http.server did not start" >&2; return 1; }
    HTTP_URL=http://127.0.0.1:$HTTP_PORT
}

http_stop() {
    if [ -n "${HTTP_PID:-}" ]; then
        # Safe inside a test body too: bats runs it with errexit, and wait
        # returns the killed server's status (143).
        kill "$HTTP_PID" 2>/dev/null || true
        wait "$HTTP_PID" 2>/dev/null || true
        HTTP_PID=
    fi
}

# Make a source with NVIDIA's layout from the bundled manifests: $1 is the
# directory, the rest are "cuda/redistrib_X.json" paths to copy.
make_source() {
    local dir=$1 f
    shift
    mkdir -p "$dir/cuda/redist" "$dir/cudnn/redist"
    for f in "$@"; do
        cp "$CUENV_SRC/manifests/$f" "$dir/${f%%/*}/redist/"
    done
    # The bundled manifests are read-only; tests edit their copies.
    chmod -R u+w "$dir"
}

# A test for behaviour a known cuenv bug breaks: skipped, with the reason,
# unless CUENV_TEST_KNOWN_BUGS=1 (to check a fix).
known_bug() {
    [ "${CUENV_TEST_KNOWN_BUGS:-}" = 1 ] || skip "known cuenv bug: $1"
}

# After "run --separate-stderr": stderr is exactly $1 / matches the ERE $1.
assert_stderr() {
    if [ "$stderr" != "$1" ]; then
        printf 'expected stderr: %s\nactual stderr  : %s\n' "$1" "$stderr" | fail
    fi
}

assert_stderr_regexp() {
    if ! [[ $stderr =~ $1 ]]; then
        printf 'stderr does not match: %s\nactual stderr: %s\n' "$1" "$stderr" | fail
    fi
}

# Run Python code $1 with the JSON document in $output bound to d; a failed
# assert fails the test with Python's message.
assert_json() {
    python3 -c 'import json, sys
d = json.loads(sys.argv[2])
exec(sys.argv[1])' "$1" "$output"
}

# The one catalogue cache directory under $CUENV_CACHE (fails unless exactly one).
catalogue_cache_dir() {
    local d=("$CUENV_CACHE"/catalogue/*/)
    [ "${#d[@]}" -eq 1 ] && [ -d "${d[0]}" ] || {
        echo "expected one catalogue cache directory, found: ${d[*]}" >&2
        return 1
    }
    echo "${d[0]%/}"
}

# The command names "cuenv --help" lists, one per line, in its order.
cuenv_commands() {
    "$CUENV" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}

# Number of GET requests for path $1 in the http.server log.
http_gets() {
    grep -c "\"GET $1 HTTP" "$BATS_TEST_TMPDIR/http.log" || true
}
