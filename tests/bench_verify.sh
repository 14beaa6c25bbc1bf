#!/usr/bin/env bash
# Throughput of 'cuenv verify' on a real-size env.
#
# usage: tests/bench_verify.sh [RUNS]     (after 'make'; RUNS default 3)
#
# Installs the repackaged real CUDA + cuDNN of build/real-mirror
# (tests/fixtures/mkrealmirror.py; REAL_MIRROR names another) into a
# temporary root, or reuses BENCH_ROOT when it already holds an env, then
# times 'cuenv verify --json' with one hashing thread and with the default
# (one per CPU, at most 8), RUNS times each, page cache warm (the install or
# a first run read everything), and reports the best and median MB/s
# (bytes hashed / wall seconds, as verify measures them) and the peak RSS.
# With BENCH_DROP_CACHES=1 (root only) each run starts with a cold page cache
# instead (echo 3 > /proc/sys/vm/drop_caches: it slows every process on the
# machine for a moment). Without a real mirror it falls back to the small
# test mirror, whose figures mean little.
set -eu

RUNS=${1:-3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CUENV=${CUENV_TEST_BIN:-$SRC/bin/cuenv}
MIRROR=${REAL_MIRROR:-$SRC/build/real-mirror}
[ -x "$CUENV" ] || { echo "bench_verify: build first (make)" >&2; exit 1; }
export CUENV_CONFIG=/dev/null CUENV_PLATFORM=linux-x86_64
export http_proxy=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1 no_proxy=127.0.0.1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-bench-verify.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home
mkdir -p "$HOME"

if [ -n "${BENCH_ROOT:-}" ] && [ -n "$(ls "$BENCH_ROOT/envs" 2>/dev/null)" ]; then
    export CUENV_ROOT=$BENCH_ROOT CUENV_CACHE=${BENCH_CACHE:-$BENCH_ROOT/../cache}
else
    export CUENV_ROOT=$WORK/root CUENV_CACHE=$WORK/cache
    if [ -f "$MIRROR/real.json" ]; then
        spec=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["cuda"]["label"] + ("+cudnn" + d["cudnn"]["label"].split(".")[0] if d["cudnn"] else ""))' "$MIRROR/real.json")
    else
        echo "bench_verify: no real mirror at $MIRROR; using the test mirror" >&2
        MIRROR=$(ls -d "$SRC"/build/test-mirror/*/ | head -1)
        spec=12.4+cudnn9
    fi
    echo "installing $spec from $MIRROR ..." >&2
    CUENV_MIRROR=file://$MIRROR "$CUENV" install "$spec" --quiet
fi

# One run: "MB/s bytes seconds peak-RSS-kB" from verify's own JSON and time(1).
one() {
    [ "${BENCH_DROP_CACHES:-}" = 1 ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }
    /usr/bin/time -f '%M' -o "$WORK/rss" "$CUENV" verify --json "$@" >"$WORK/v.json" ||
        { echo "bench_verify: verify failed: $(cat "$WORK/v.json")" >&2; exit 1; }
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("%.0f %d %.3f %s" % (d["bytes"] / 1e6 / max(d["seconds"], 1e-6), d["bytes"], d["seconds"], sys.argv[2]))' \
        "$WORK/v.json" "$(cat "$WORK/rss")"
}

[ "${BENCH_DROP_CACHES:-}" = 1 ] || one >/dev/null    # warm the page cache
for label in "1 thread:--jobs 1" "default:"; do
    name=${label%%:*}
    args=${label#*:}
    : >"$WORK/runs"
    for i in $(seq 1 "$RUNS"); do
        # shellcheck disable=SC2086
        one $args >>"$WORK/runs"
    done
    sort -n "$WORK/runs" | awk -v name="$name" -v n="$RUNS" -v cold="${BENCH_DROP_CACHES:-0}" '
        { mbs[NR] = $1; bytes = $2; rss = ($4 > rss ? $4 : rss) }
        END { printf "verify, %s, %s cache: %.0f MB/s best, %.0f MB/s median of %d (%.2f GB hashed), peak RSS %d kB\n",
              name, cold == 1 ? "cold" : "warm", mbs[NR], mbs[int((NR + 1) / 2)], n, bytes / 1e9, rss }'
done
echo "($(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg))"
