#!/usr/bin/env bash
# crash-loop.sh [N] - kill -9 'cuenv install' at N random moments (default 20)
# and check that the next install always completes and 'cuenv verify' passes.
#
# Each run installs a random pair of the test mirror (tests/fixtures/mkmirror.py,
# served by fault_server.py on 127.0.0.1) in one of three states, and is
# killed after a random delay within the time an uninterrupted run takes:
#   cold       empty root and cache; downloads from a rate-limited server
#   cached     empty root, archives in the cache: extraction
#   assembled  store entries present, env removed: assembly and shims
# Then the same install runs again without a kill (from an unthrottled
# server) and must succeed; 'cuenv verify' must exit 0; no staging, partial
# download or temp file may be left; every tool has its shim. The kill is
# classified by what it left (a .part: download; store staging: unpacking;
# env staging: assembly; the env without all its shims: shims; else before
# any work or after it).
#
# Prints one line per failure and a summary:
#   crash-loop: N runs, K killed, F finished first, X failures (seed S, T s)
# Exit 0 when X is 0. CRASH_SEED=n repeats a sequence; CUENV_TEST_BIN
# names the cuenv to test; MIRROR a mirror made by mkmirror.py (default: the
# one the bats tests build, made here when missing); KEEP=1 keeps the work
# directory.
set -u

N=${1:-20}
case $N in '' | *[!0-9]*) echo "usage: crash-loop.sh [N]" >&2; exit 2 ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
CUENV=${CUENV_TEST_BIN:-$SRC/bin/cuenv}
FIXTURES=$SRC/tests/fixtures
SEED=${CRASH_SEED:-$(( $$ ^ $(date +%s) ))}
RANDOM=$SEED
[ -x "$CUENV" ] || { echo "crash-loop: $CUENV is not built (make)" >&2; exit 1; }

if [ -z "${MIRROR:-}" ]; then
    key=$({
        cat "$FIXTURES/mkmirror.py"
        echo "--cuda 12.4.1 --cuda 12.6.3 --cudnn 9.14.0"
        gcc --version 2>/dev/null | head -1
    } | sha256sum | cut -c1-16)
    MIRROR=$SRC/build/test-mirror/$key
    if [ ! -e "$MIRROR/.complete" ]; then
        rm -rf "$MIRROR.tmp"
        timeout -k 5 300 python3 "$FIXTURES/mkmirror.py" "$MIRROR.tmp" --cuda 12.4.1 \
            --cuda 12.6.3 --cudnn 9.14.0 --quiet || exit 1
        touch "$MIRROR.tmp/.complete"
        mv "$MIRROR.tmp" "$MIRROR"
    fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-crash.XXXXXX")
PIDS=
cleanup() {
    local p
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    [ "${KEEP:-}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Isolation as in tests/bats/helper.bash: nothing leaves 127.0.0.1.
export HOME=$WORK/home CUENV_CONFIG=/dev/null XDG_CONFIG_HOME=$WORK/xdg CUENV_PLATFORM=linux-x86_64
export PATH=/usr/local/bin:/usr/bin:/bin
export http_proxy=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1 HTTPS_PROXY=http://127.0.0.1:1
export ALL_PROXY=http://127.0.0.1:1 all_proxy=http://127.0.0.1:1
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
export CUENV_RETRIES=3 CUENV_RETRY_BASE_MS=50 CUENV_LOCK_TIMEOUT=30
unset CUENV_MIRROR CUENV_PROFILE CUENV_JOBS CUENV_VERSION CUENV_TEST_CHECKPOINT CUDA_HOME
mkdir -p "$HOME"

# server NAME [ARGS]: start fault_server.py on the mirror; sets URL_<NAME>.
server() {
    local name=$1 out=$WORK/$1.out i port=
    shift
    python3 -u "$FIXTURES/fault_server.py" --root "$MIRROR" --lifetime $((N * 20 + 300)) "$@" \
        >"$out" 2>"$out.err" &
    PIDS="$PIDS $!"
    for i in $(seq 1 200); do
        port=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$out")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "crash-loop: fault_server.py did not start" >&2; exit 1; }
    printf -v "URL_$name" 'http://127.0.0.1:%s' "$port"
}
# The archives are a few kB: 4 kB/s per connection makes a cold install last about a second.
server slow --rate 4000
server fast

SPECS=("12.4 --profile runtime" "12.4+cudnn9" "12.6 --profile runtime" "12.6+cudnn9 --profile runtime"
    "12.4+cudnn9 --profile runtime" "12.6")

now_ms() { date +%s%3N; }

# The env name a spec installs as (from a finished install's output).
env_of() { basename "$1"; }

# inst ROOT CACHE URL SPEC...: an uninterrupted install; prints the prefix.
inst() {
    CUENV_ROOT=$1 CUENV_CACHE=$2 CUENV_MIRROR=$3 timeout -k 5 60 "$CUENV" install \
        --jobs 6 ${@:4} >"$WORK/inst.out" 2>"$WORK/inst.err" || return 1
    cat "$WORK/inst.out"
}

FAILS=0
failure() {
    FAILS=$((FAILS + 1))
    echo "FAIL run $RUN ($MODE, ${SPEC}, killed after ${DELAY} ms, at: $PHASE): $*"
}

# What the killed run left in root $1 and cache $2 (its env: $ENVNAME, or
# any in a fresh root).
phase_of() {
    if [ -n "$(find "$2/archives" -name '*.part' 2>/dev/null | head -1)" ]; then
        echo download
    elif [ -n "$(find "$1/tmp" -maxdepth 1 -name 'store-*' 2>/dev/null | head -1)" ]; then
        echo unpack
    elif [ -n "$(find "$1/tmp" -maxdepth 1 -name 'env-*' 2>/dev/null | head -1)" ]; then
        echo assembly
    elif [ -n "$(find "$1/envs" -mindepth 1 -maxdepth 1 ${ENVNAME:+-name "$ENVNAME"} 2>/dev/null | head -1)" ]; then
        local t
        for t in "$1"/envs/${ENVNAME:-*}/bin/*; do
            [ -f "$t" ] && [ -x "$t" ] && [ ! -e "$1/shims/${t##*/}" ] && { echo shims; return; }
        done
        echo after-env
    else
        echo before-work
    fi
}

# Everything the next run must have left right.
check_root() {
    local root=$1 cache=$2 left t
    CUENV_ROOT=$root CUENV_CACHE=$cache timeout 60 "$CUENV" verify >"$WORK/verify.out" 2>&1 ||
        { failure "verify: $(head -5 "$WORK/verify.out")"; return; }
    left=$(find "$root/tmp" -mindepth 1 -maxdepth 1 2>/dev/null
        find "$cache/archives" -name '*.part' 2>/dev/null
        find "$root/shims" \( -name '.new.*' -o -name '*.tmp.*' \) 2>/dev/null)
    [ -z "$left" ] || failure "left behind: $left"
    for t in "$root"/envs/*/bin/*; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        [ "$(stat -c %i "$root/shims/${t##*/}" 2>/dev/null)" = "$(stat -c %i "$root/shims/.cuenv-shim")" ] ||
            { failure "no shim for ${t##*/}"; return; }
    done
}

# A cache every "cached" run reads: every archive of every spec, and both
# servers' catalogues, which each "cold" run starts with (a catalogue is
# usually cached; the runs are about the archives).
WARM=$WORK/warm-cache
for SPEC in "${SPECS[@]}"; do
    inst "$WORK/warm-root" "$WARM" "$URL_fast" $SPEC >/dev/null ||
        { echo "crash-loop: cannot fill the cache: $(cat "$WORK/inst.err")" >&2; exit 1; }
done
CUENV_ROOT=$WORK/warm-root CUENV_CACHE=$WARM CUENV_MIRROR=$URL_slow timeout 60 "$CUENV" update -q ||
    { echo "crash-loop: cannot read the slow server's catalogue" >&2; exit 1; }
rm -rf "$WORK/warm-root"
cold_cache() {
    mkdir -p "$1"
    cp -a "$WARM/catalogue" "$1/"
}

# Calibrate: how long an uninterrupted run takes in each state (the
# shortest of three for the quick ones: a slow start must not stretch the
# window past the end of most runs).
declare -A DUR
cal=$WORK/cal
cold_cache "$cal/c"
t0=$(now_ms)
inst "$cal/r" "$cal/c" "$URL_slow" 12.4+cudnn9 >/dev/null ||
    { echo "crash-loop: calibration install failed: $(cat "$WORK/inst.err")" >&2; exit 1; }
DUR[cold]=$(($(now_ms) - t0))
DUR[cached]=999999 DUR[assembled]=999999
for i in 1 2 3; do
    rm -rf "$cal/r$i"
    t0=$(now_ms)
    inst "$cal/r$i" "$cal/c" "$URL_slow" 12.4 --profile runtime >/dev/null || exit 1
    t=$(($(now_ms) - t0))
    [ "$t" -lt "${DUR[cached]}" ] && DUR[cached]=$t
    CUENV_ROOT=$cal/r$i "$CUENV" uninstall --all 12.4 >/dev/null 2>&1
    t0=$(now_ms)
    inst "$cal/r$i" "$cal/c" "$URL_slow" 12.4 --profile runtime >/dev/null || exit 1
    t=$(($(now_ms) - t0))
    [ "$t" -lt "${DUR[assembled]}" ] && DUR[assembled]=$t
done
rm -rf "$cal"

declare -A KILLED_AT
KILLS=0 FIRST=0 START=$(date +%s)
ASSEMBLED_ROOT=$WORK/assembled
for RUN in $(seq 1 "$N"); do
    DELAY=- PHASE=set-up ENVNAME=
    case $((RANDOM % 10)) in
    [0-3]) MODE=cold ;;
    [4-6]) MODE=cached ;;
    *) MODE=assembled ;;
    esac
    SPEC=${SPECS[RANDOM % ${#SPECS[@]}]}
    case $MODE in
    cold)
        ROOT=$WORK/run$RUN/root CACHE=$WORK/run$RUN/cache
        cold_cache "$CACHE"
        ;;
    cached) ROOT=$WORK/run$RUN/root CACHE=$WARM ;;
    assembled)
        ROOT=$ASSEMBLED_ROOT CACHE=$WARM
        prefix=$(inst "$ROOT" "$CACHE" "$URL_fast" $SPEC) ||
            { failure "set-up install: $(cat "$WORK/inst.err")"; continue; }
        ENVNAME=$(env_of "$prefix")
        CUENV_ROOT=$ROOT timeout 60 "$CUENV" uninstall "$ENVNAME" >/dev/null 2>&1 ||
            { failure "set-up uninstall failed"; continue; }
        ;;
    esac
    # Uniform over most of the run's duration (the last part is its exit).
    max=$((DUR[$MODE] * 9 / 10 + 1))
    DELAY=$(( (RANDOM * 32768 + RANDOM) % max ))
    CUENV_ROOT=$ROOT CUENV_CACHE=$CACHE CUENV_MIRROR=$URL_slow \
        "$CUENV" install --quiet --jobs 6 $SPEC >/dev/null 2>"$WORK/killed.err" &
    pid=$!
    sleep "$(printf '%d.%03d' $((DELAY / 1000)) $((DELAY % 1000)))"
    kill -9 "$pid" 2>/dev/null
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [ "$rc" -eq 137 ]; then
        KILLS=$((KILLS + 1))
        PHASE=$(phase_of "$ROOT" "$CACHE")
    elif [ "$rc" -eq 0 ]; then
        FIRST=$((FIRST + 1))
        PHASE=finished
        # Runs in this state can be that quick: aim a little earlier from now on.
        [ "$DELAY" -lt "${DUR[$MODE]}" ] && DUR[$MODE]=$(( (DUR[$MODE] + DELAY) / 2 ))
    else
        PHASE=failed
        failure "the run to kill failed by itself (exit $rc): $(tail -2 "$WORK/killed.err")"
    fi
    KILLED_AT[$PHASE]=$(( ${KILLED_AT[$PHASE]:-0} + 1 ))
    before=$FAILS
    inst "$ROOT" "$CACHE" "$URL_fast" $SPEC >/dev/null ||
        failure "the next install failed: $(tail -2 "$WORK/inst.err")"
    check_root "$ROOT" "$CACHE"
    if [ "$FAILS" = "$before" ] && [ "$MODE" != assembled ]; then
        chmod -R u+w "$WORK/run$RUN" 2>/dev/null
        rm -rf "$WORK/run$RUN"
    fi
done

phases=
for p in before-work download unpack assembly shims after-env finished failed; do
    [ -n "${KILLED_AT[$p]:-}" ] && phases="$phases $p=${KILLED_AT[$p]}"
done
echo "crash-loop: $N runs, $KILLS killed, $FIRST finished first, $FAILS failures (seed $SEED, $(($(date +%s) - START)) s)"
echo "crash-loop: where:$phases; kill windows at the end: cold ${DUR[cold]} ms, cached ${DUR[cached]} ms, assembled ${DUR[assembled]} ms"
[ "$FAILS" -eq 0 ]
