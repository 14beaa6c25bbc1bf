# Shared set-up for cuenv's bats tests.
#
# Every test gets a fresh CUENV_ROOT, CUENV_CACHE and HOME under
# $BATS_TEST_TMPDIR, the config file pinned to /dev/null, and a PATH scrubbed
# of anything CUDA (/usr/local/cuda must not leak into tests).

load '/usr/lib/bats/bats-support/load.bash'
load '/usr/lib/bats/bats-assert/load.bash'

CUENV_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CUENV="$CUENV_SRC/bin/cuenv"

cuenv_setup() {
    export HOME=$BATS_TEST_TMPDIR/home
    export CUENV_ROOT=$BATS_TEST_TMPDIR/root
    export CUENV_CACHE=$BATS_TEST_TMPDIR/cache
    export CUENV_CONFIG=/dev/null
    export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg-config
    export PATH=/usr/local/bin:/usr/bin:/bin
    unset CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS CUENV_VERSION
    unset CUDA_HOME CUDA_PATH LD_LIBRARY_PATH
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
        kill "$HTTP_PID" 2>/dev/null
        wait "$HTTP_PID" 2>/dev/null
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
}
