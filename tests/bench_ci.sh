#!/usr/bin/env bash
# The CI matrix simulation as a measurement: N parallel jobs, one per pair of
# 'cuenv matrix', each installing into its own CUENV_ROOT (as CI jobs do),
# either sharing one CUENV_CACHE or each with its own empty cache.
#
# usage: tests/bench_ci.sh        (after 'make')
#
# The mirror has 3 CUDA releases (12.4.1, 12.6.3, 13.0.2) and 2 cuDNN releases
# (9.13.0, 9.14.0) with builds for CUDA 12 and 13: 6 pairs, 6 jobs. Archives are
# padded with real shared libraries (BENCH_PAYLOAD_DIR, default
# /usr/local/cuda/lib64) so that libcublas and each cuDNN build unpack to about
# BENCH_CI_PAYLOAD_MB MiB (default 24; tests/fixtures/mkmirror.py --payload-mb),
# xz preset 6 as NVIDIA's. The mirror is generated once and kept under
# build/bench-ci-mirror/<hash of the generator, its arguments and the payload>.
#
# The server is tests/fixtures/fault_server.py on 127.0.0.1 in two settings:
#   loopback   no limit (sendfile);
#   link       --total-rate BENCH_CI_RATE bytes/s (default 12500000, a 100
#              Mbit/s uplink) shared by every connection, as the jobs of one
#              runner host or one site share their uplink.
# For each setting and mode, BENCH_CI_RUNS rounds (default 3), interleaved;
# each round starts from empty roots and caches. Reported per setting and
# mode: the median wall time from starting the 6 jobs to the last one done,
# the bytes the jobs downloaded (sum of 'cuenv install --json' "downloaded",
# cross-checked against the bytes the server sent for archives) and the
# archive requests; then the ratios shared/own.
#
# A measurement, not a test: exit 0 whatever the figures; non-zero only when
# it cannot measure (a missing tool, a job that fails: its output is shown).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${BENCH_CI_RUNS:-3}
payload_mb=${BENCH_CI_PAYLOAD_MB:-24}
rate=${BENCH_CI_RATE:-12500000}
payload_dir=${BENCH_PAYLOAD_DIR:-/usr/local/cuda/lib64}
cuenv=$PWD/bin/cuenv

die() {
    echo "bench-ci: $*" >&2
    exit 1
}

[ -x "$cuenv" ] || die "$cuenv not found; run 'make' first"
for t in python3 curl xz gcc; do
    command -v "$t" >/dev/null 2>&1 || die "'$t' not found"
done
[ -d "$payload_dir" ] || die "no payload directory $payload_dir (BENCH_PAYLOAD_DIR)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-bench-ci.XXXXXX")
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the mirror ----
args=(--cuda 12.4.1 --cuda 12.6.3 --cuda 13.0.2 --cudnn 9.13.0 --cudnn 9.14.0
    --payload-from "$payload_dir" --payload-mb "$payload_mb")
key=$({
    cat tests/fixtures/mkmirror.py
    echo "${args[*]}"
    ls -l "$payload_dir"
    gcc --version | head -1
    xz --version | head -1
} | sha256sum | cut -c1-16)
base=build/bench-ci-mirror
mirror=$PWD/$base/$key
if [ ! -e "$mirror/.complete" ]; then
    mkdir -p "$base"
    find "$base" -mindepth 1 -maxdepth 1 -type d ! -name .cache ! -name "$key" -exec rm -rf {} +
    echo "bench-ci: generating the mirror ($payload_mb MiB payloads; a minute or more, once)" >&2
    rm -rf "$mirror.tmp"
    nice python3 tests/fixtures/mkmirror.py "$mirror.tmp" "${args[@]}" --cc-cache "$PWD/$base/.cache" --quiet ||
        die "mkmirror.py failed"
    touch "$mirror.tmp/.complete"
    mv "$mirror.tmp" "$mirror"
fi

# ---- servers ----
start_server() {
    local out=$tmp/server.$1 i port=
    shift
    python3 -u tests/fixtures/fault_server.py --root "$mirror" --lifetime 3600 "$@" >"$out" 2>&1 &
    pids+=($!)
    for i in $(seq 1 200); do
        port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$out")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || die "fault_server.py did not start: $(cat "$out")"
    server_url=http://127.0.0.1:$port
}
# Not in $(...): the server's pid must reach this shell's cleanup.
start_server loopback
url_loopback=$server_url
start_server link --total-rate "$rate"
url_link=$server_url

export CUENV_CONFIG=/dev/null CUENV_PLATFORM=linux-x86_64
export http_proxy=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1 no_proxy=127.0.0.1,localhost
unset CUENV_JOBS CUENV_PROFILE CUENV_VERSION

specs=$(CUENV_MIRROR=$url_loopback CUENV_CACHE=$tmp/probe "$cuenv" matrix --format json |
    python3 -c 'import json, sys; print(" ".join(r["spec"] for r in json.load(sys.stdin)))')
njobs=$(wc -w <<<"$specs")
distinct=$(for s in $specs; do CUENV_MIRROR=$url_loopback CUENV_CACHE=$tmp/probe "$cuenv" resolve "$s" --json; done |
    python3 -c 'import json, sys
a = {c["sha256"]: c["size"] for l in sys.stdin for c in json.loads(l)["components"]}
print(len(a), sum(a.values()))')

now_ns() { date +%s%N; }

# One round: $1 setting (loopback|link), $2 mode (shared|own). Prints
# "wall_s downloaded_bytes archive_requests server_archive_bytes".
round() {
    local url dir=$tmp/round i=0 spec t0 t1 rc=0 p jobs=()
    url=$([ "$1" = link ] && echo "$url_link" || echo "$url_loopback")
    rm -rf "$dir"
    mkdir -p "$dir"
    curl -sS --noproxy '*' "$url/__reset" >/dev/null
    # Timed from here: each job also fetches the catalogue (listings and
    # manifests, a few kB) into its cache, as a CI job does.
    t0=$(now_ns)
    for spec in $specs; do
        local cache=$dir/shared-cache
        [ "$2" = own ] && cache=$dir/job$i/cache
        CUENV_MIRROR=$url CUENV_ROOT=$dir/job$i/root CUENV_CACHE=$cache HOME=$dir/job$i \
            "$cuenv" install "$spec" --json >"$dir/job$i.json" 2>"$dir/job$i.err" &
        jobs+=($!)
        i=$((i + 1))
    done
    for p in "${jobs[@]}"; do
        wait "$p" || rc=$?
    done
    t1=$(now_ns)
    if [ "$rc" -ne 0 ]; then
        cat "$dir"/job*.err >&2
        die "a job failed ($1, $2)"
    fi
    python3 - "$dir" "$njobs" "$(curl -sS --noproxy '*' "$url/__log")" "$(( (t1 - t0) / 1000000 ))" <<'PY'
import json, sys
d, n, log, ms = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
down = sum(json.load(open("%s/job%d.json" % (d, i)))["downloaded"] for i in range(n))
arch = [r for r in log if r["path"].endswith(".tar.xz")]
print("%.3f %d %d %d" % (ms / 1000, down, len(arch), sum(r["bytes"] or 0 for r in arch)))
PY
}

declare -A wall down reqs sent
for setting in loopback link; do
    for mode in shared own; do
        wall[$setting.$mode]=
    done
done
echo "bench-ci: $njobs jobs ($specs), $runs rounds per setting and mode" >&2
for r in $(seq 1 "$runs"); do
    for setting in loopback link; do
        order="shared own"
        [ $((r % 2)) -eq 0 ] && order="own shared"
        for mode in $order; do
            sync
            read -r w d q s < <(round "$setting" "$mode")
            wall[$setting.$mode]+="$w "
            down[$setting.$mode]=$d
            reqs[$setting.$mode]=$q
            sent[$setting.$mode]=$s
            echo "  round $r $setting $mode: ${w} s, $d bytes downloaded, $q archive requests" >&2
        done
    done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

read -r ndistinct bdistinct <<<"$distinct"
echo
echo "CI matrix simulation: $njobs parallel 'cuenv install' jobs, own CUENV_ROOT each"
echo "  mirror: $ndistinct distinct archives, $(mb "$bdistinct") MB; link: $(mb "$rate") MB/s shared"
printf '  %-9s %-7s %9s %14s %10s %16s\n' setting cache "wall (s)" "downloaded MB" requests "server sent MB"
for setting in loopback link; do
    for mode in shared own; do
        printf '  %-9s %-7s %9s %14s %10s %16s\n' "$setting" "$mode" "$(median "${wall[$setting.$mode]}")" \
            "$(mb "${down[$setting.$mode]}")" "${reqs[$setting.$mode]}" "$(mb "${sent[$setting.$mode]}")"
    done
done
for setting in loopback link; do
    awk -v s="$setting" -v a="$(median "${wall[$setting.shared]}")" -v b="$(median "${wall[$setting.own]}")" \
        -v c="${down[$setting.shared]}" -v d="${down[$setting.own]}" \
        'BEGIN { printf "  %s: shared/own wall %.2f, bytes %.2f\n", s, a / b, c / d }'
done
