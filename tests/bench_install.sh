#!/usr/bin/env bash
# Speed and footprint of 'cuenv install' against baselines measured in the same run.
#
# usage: tests/bench_install.sh        (after 'make'; 'make bench' runs it after
#                                       the resolve figures of tests/bench.sh)
#
# Three measurements (issue 3, "Measurements"), each printed as absolute figures
# and as a ratio against a baseline of this same invocation, with PASS/MISS
# against its aim:
#
#  1. A multi-archive plan ('cuenv install 12.4', profile devel: 6 archives,
#     three of them padded with real shared libraries from /usr/local/cuda/lib64
#     to 220, 176 and 88 MiB, xz preset 6, ~485 MiB unpacked) from a local
#     nginx mirror, against
#       - a naive script doing, one archive after another, curl -s -o,
#         sha256sum -c and tar -xJf into a directory (same archives, same nginx);
#       - the floor: 'xz -T1 -dc' of the same local archives to /dev/null,
#         nproc of them at once (xargs -P, largest first);
#     and with nginx limit_rate 50m per connection: cuenv against the naive script.
#  2. Peak resident memory of 'cuenv install' of a plan of ONE archive of
#     ~500 MiB uncompressed (its compressed size is printed), next to the peak
#     RSS of 'xz -T1 -dc' of the same archive (what the decoder alone needs).
#  3. A second env that shares every CUDA store entry with the env of 1
#     ('12.4+cudnn9': only the small cuDNN archive is new; '12.4 --profile
#     runtime': nothing new), timed right after each first install of 1 on the
#     same root: time against that first install, extra disk as the change of
#     'du -sk' over CUENV_ROOT (one du counts a hard-linked file once).
#
# Runs are interleaved round-robin (the order rotates each round) and the
# medians of BENCH_INSTALL_RUNS rounds (default 3, at least 3) are reported;
# every install starts from an empty CUENV_ROOT and CUENV_CACHE, and 'sync'
# runs (untimed) before each sample so one run's write-back does not land in
# the next. Each sample is one process spawned by a small C launcher built into
# build/bench/run1 (posix_spawn + wait4): wall time, user+system CPU time of the
# process and of the children it reaped, and its peak RSS (ru_maxrss of the
# command itself - cuenv, not a shell or a wrapper; the launcher's own ~1 MiB
# is the most a spawned process can inherit in that figure).
#
# The mirrors are generated once by tests/fixtures/mkmirror.py and cached under
# build/bench-mirror/<hash of the generator, its arguments, the payload files
# and the xz/gcc versions>, their compressed archives in build/bench-mirror/.xz
# (keyed by content, shared by all keys); stale ones are removed. The first run
# compresses ~1 GB with xz -6: about 10 minutes on 2 busy CPUs; later runs start
# at once (seconds when only the key changed).
#
# Needs: bin/cuenv, python3, cc, nginx (tests/fixtures/nginx.sh), curl,
# sha256sum, tar, xz (Debian: curl xz-utils coreutils tar nginx-light), payload
# libraries in /usr/local/cuda/lib64 (or BENCH_PAYLOAD_DIR).
#
# This is a measurement, not a test: it exits 0 whether the aims are met or
# not, and non-zero only when it cannot measure (a missing tool, a command that
# fails - its exact command line and error output are printed).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${BENCH_INSTALL_RUNS:-3}
case $runs in
'' | *[!0-9]*) echo "bench-install: BENCH_INSTALL_RUNS must be a number, not '$runs'" >&2; exit 2 ;;
esac
[ "$runs" -ge 3 ] || runs=3
payload_dir=${BENCH_PAYLOAD_DIR:-/usr/local/cuda/lib64}
cuenv=bin/cuenv
ncpu=$(nproc)
rate=50m

die() {
    echo "bench-install: $*" >&2
    exit 1
}

[ -x "$cuenv" ] || die "$cuenv not found; run 'make' first"
for t in python3 curl sha256sum tar xz xargs du sync ${CC:-cc}; do
    command -v "$t" >/dev/null 2>&1 ||
        die "'$t' not found (Debian packages: curl xz-utils coreutils tar findutils python3 build-essential)"
done
[ -d "$payload_dir" ] || die "no payload directory $payload_dir (BENCH_PAYLOAD_DIR: real .so files of 1 MiB or more)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-bench-install.XXXXXX")
nginx_states=()
watchdogs=()
cleanup() {
    local s w
    for s in "${nginx_states[@]}"; do
        [ ! -d "$s" ] || tests/fixtures/nginx.sh stop "$s" >/dev/null 2>&1 || true
    done
    for w in "${watchdogs[@]}"; do
        kill "$w" 2>/dev/null || true
    done
    chmod -R u+w "$tmp" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

export CUENV_CONFIG=/dev/null NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
unset CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS CUENV_ROOT CUENV_CACHE \
    http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

# ---- the launcher ----
# run1 ERRFILE CMD...: runs CMD once (PATH lookup), stdout to /dev/null, stderr
# to ERRFILE; prints "wall_ns user_ns sys_ns maxrss_kB status self_maxrss_kB".
mkdir -p build/bench
cat >"$tmp/run1.c" <<'EOF'
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static uint64_t now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static unsigned long long tv_ns(struct timeval tv)
{
	return (unsigned long long)tv.tv_sec * 1000000000u + (unsigned long long)tv.tv_usec * 1000u;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru, self;
	uint64_t t0, t1;
	pid_t pid;
	int st, code;

	if (argc < 3)
		return 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	t0 = now();
	if (posix_spawnp(&pid, argv[2], &fa, NULL, &argv[2], environ) != 0) {
		perror(argv[2]);
		return 1;
	}
	if (wait4(pid, &st, 0, &ru) != pid) {
		perror("wait4");
		return 1;
	}
	t1 = now();
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	getrusage(RUSAGE_SELF, &self);
	printf("%llu %llu %llu %ld %d %ld\n", (unsigned long long)(t1 - t0), tv_ns(ru.ru_utime),
	       tv_ns(ru.ru_stime), ru.ru_maxrss, code, self.ru_maxrss);
	return 0;
}
EOF
run1=build/bench/run1
if [ ! -x "$run1" ] || ! cmp -s "$tmp/run1.c" build/bench/run1.c; then
    cp "$tmp/run1.c" build/bench/run1.c
    ${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$run1" build/bench/run1.c
fi

# ---- the mirrors (generated once, cached by their inputs) ----
mkmirror=tests/fixtures/mkmirror.py
# mirror_dir ARGS...: the cache directory for a mkmirror run with ARGS.
mirror_dir() {
    local key
    key=$({
        sha256sum "$mkmirror"
        printf '%s\n' "$@"
        # name, size, mtime of what mkmirror may read (not ls -l: link counts change)
        find -L "$payload_dir/" -maxdepth 1 -type f -name '*.so*' -printf '%f %s %T@\n' | sort
        xz --version
        gcc --version 2>/dev/null | head -1
    } | sha256sum | cut -c1-16)
    echo "build/bench-mirror/$key"
}
# gen_mirror WHAT ARGS...: prints the directory, generating it when missing.
# Every mirror's OUT/.cache/xz is a link to one shared build/bench-mirror/.xz
# (mkmirror keys it by the sha256 of the uncompressed tar and re-verifies each
# entry), so a new key whose archives have not changed - an edit elsewhere in
# mkmirror.py - costs seconds, not a recompression.
gen_mirror() {
    local what=$1 dir t0
    shift
    dir=$(mirror_dir "$@")
    if [ ! -f "$dir/done" ]; then
        echo "bench-install: generating the $what mirror into $dir (cached; xz -6 of what is" \
            "not in build/bench-mirror/.xz yet: minutes on $ncpu CPUs)..." >&2
        t0=$SECONDS
        chmod -R u+w "$dir" 2>/dev/null || true
        rm -rf "$dir"
        mkdir -p "$dir/.cache" build/bench-mirror/.xz
        ln -s ../../.xz "$dir/.cache/xz"
        echo "made by cuenv tests/fixtures/mkmirror.py" >"$dir/.cuenv-mirror"
        if ! python3 "$mkmirror" "$dir" "$@" --quiet >"$tmp/mkmirror.log" 2>&1; then
            cat "$tmp/mkmirror.log" >&2
            die "mkmirror.py $dir $* failed"
        fi
        touch "$dir/done"
        echo "bench-install: generated $dir in $((SECONDS - t0)) s" >&2
    fi
    echo "$dir"
}
common=(--payload-from "$payload_dir" --xz-threads "$ncpu" --jobs "$ncpu")
# 1 and 3: CUDA 12.4.1 - libcublas 220 MiB, cuda_nvcc 176 MiB and cuda_nvrtc
# 88 MiB of real libraries; cuda_cudart, cuda_cccl and cuda_cupti small - and an
# unpadded cuDNN 9.14.0. The sizes make two halves of about equal xz decoding
# work (libcublas's libraries compress less and decode slower than cuda_nvcc's),
# so the plan can use 2 CPUs; the output prints that split. (mkmirror names a
# padding file lib/libcuenvpad-<source>, so two padded archives can clash in the
# env; with these weights none do.)
plan_mirror=$(gen_mirror "plan" --cuda 12.4.1 --cudnn 9.14.0 \
    --only cuda_cudart,cuda_cccl,cuda_nvcc,cuda_nvrtc,libcublas,cuda_cupti,cudnn \
    --payload-mb 220 --payload-components libcublas=1,cuda_nvcc=0.8,cuda_nvrtc=0.4 \
    "${common[@]}")
# 2: one libcublas archive of ~500 MiB unpacked.
big_mirror=$(gen_mirror "one-archive" --cuda 12.4.1 --only libcublas \
    --payload-mb 500 --payload-components libcublas=1 "${common[@]}")
# Stale mirrors go, and so do the cached archives no mirror links any more.
for d in build/bench-mirror/*; do
    [ "$d" = "$plan_mirror" ] || [ "$d" = "$big_mirror" ] || { chmod -R u+w "$d" 2>/dev/null; rm -rf "$d"; }
done
[ ! -d build/bench-mirror/.xz ] ||
    find build/bench-mirror/.xz -name '*.tar.xz' -links 1 -exec rm -f {} {}.sha256 \;

# ---- the servers: one nginx per rate over build/bench-mirror ----
# start_nginx [RATE]: sets $nginx_url; nginx is stopped on exit, and by a
# watchdog if this script dies without its trap (or after 30 minutes).
start_nginx() {
    local out state url
    out=$(tests/fixtures/nginx.sh start build/bench-mirror "$@") || die "nginx did not start"
    url=$(sed -n 's/^URL //p' <<<"$out")
    state=$(sed -n 's/^STATE //p' <<<"$out")
    [ -n "$url" ] && [ -n "$state" ] || die "nginx.sh start printed no URL/STATE"
    nginx_states+=("$state")
    (
        trap - EXIT INT TERM HUP
        end=$((SECONDS + 1800))
        while kill -0 $$ 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 1; done
        [ ! -d "$state" ] || tests/fixtures/nginx.sh stop "$state"
    ) </dev/null >/dev/null 2>&1 &
    watchdogs+=($!)
    nginx_url=$url
}
start_nginx
url_fast=$nginx_url
start_nginx "$rate"
url_slow=$nginx_url

# ---- the plans ----
# plan_files MIRROR_URL SPEC OUT MIRROR_DIR: from 'cuenv resolve --json', writes OUT.list
# ("product/redist/relative_path sha256" per archive, the naive script's input),
# OUT.files (local archive paths, largest first) and OUT.info (count,
# compressed bytes, unpacked tar bytes, largest compressed archive bytes).
plan_files() {
    local base=$1 spec=$2 out=$3 mirror=$4
    CUENV_MIRROR=$base CUENV_CACHE=$tmp/resolve-cache "$cuenv" resolve "$spec" --json \
        >"$tmp/resolve.json" 2>"$tmp/resolve.err" || {
        cat "$tmp/resolve.err" >&2
        die "CUENV_MIRROR=$base CUENV_CONFIG=/dev/null $cuenv resolve $spec --json failed"
    }
    python3 - "$tmp/resolve.json" "$mirror" "$out" <<'EOF'
import json, os, sys
plan = json.load(open(sys.argv[1]))
mirror, out = sys.argv[2], sys.argv[3]
fx = {a["url_path"]: a for a in json.load(open(os.path.join(mirror, "fixtures.json")))["archives"]}
rows = []
for c in plan["components"]:
    p = "%s/redist/%s" % (c["product"], c["relative_path"])
    a = fx["/" + p]
    assert a["sha256"] == c["sha256"], p
    rows.append((p, c["sha256"], os.path.join(mirror, p), a["size"], a["tar_bytes"]))
with open(out + ".list", "w") as f:
    for p, sha, _, _, _ in rows:
        f.write("%s %s\n" % (p, sha))
with open(out + ".files", "w") as f:
    for _, _, path, _, _ in sorted(rows, key=lambda r: -r[3]):
        f.write(path + "\n")
with open(out + ".info", "w") as f:
    f.write("%d %d %d %d\n" % (len(rows), sum(r[3] for r in rows), sum(r[4] for r in rows),
                               max(r[3] for r in rows)))
EOF
}
plan_key=${plan_mirror##*/}
big_key=${big_mirror##*/}
plan_files "$url_fast/$plan_key" 12.4 "$tmp/plan" "$plan_mirror"
plan_files "$url_fast/$big_key" 12.4 "$tmp/big" "$big_mirror"
read -r plan_n plan_xz plan_tar plan_max <"$tmp/plan.info"
read -r big_n big_xz big_tar _ <"$tmp/big.info"
[ "$big_n" -eq 1 ] || die "the one-archive mirror resolves to $big_n archives"
# Warm the page cache with the archives: every sample reads them from memory.
xargs -a "$tmp/plan.files" -d '\n' cat >/dev/null
xargs -a "$tmp/big.files" -d '\n' cat >/dev/null
# The decoding work of each archive of the plan: CPU time of 'xz -T1 -dc',
# measured once per mirror (CPU time, not wall: little affected by other load).
if [ ! -s "$plan_mirror/decode-cpu" ]; then
    while read -r f; do
        "$run1" "$tmp/err" xz -T1 -dc "$f" >"$tmp/m" || die "cannot run xz -dc $f"
        read -r _ user sys _ st _ <"$tmp/m"
        [ "$st" -eq 0 ] || die "xz -T1 -dc $f failed: $(cat "$tmp/err")"
        echo "$((user + sys)) ${f##*/}"
    done <"$tmp/plan.files" >"$tmp/decode-cpu"
    mv "$tmp/decode-cpu" "$plan_mirror/decode-cpu"
fi

# The naive script: one archive after another.
cat >"$tmp/naive.sh" <<'EOF'
#!/usr/bin/env bash
# naive.sh BASE_URL LIST DIR: for each "path sha256" of LIST, one after another:
# download it, check its SHA-256, unpack it into DIR/out.
set -euo pipefail
base=$1 list=$2 dir=$3
mkdir -p "$dir/dl" "$dir/out"
while read -r path sha; do
    f=$dir/dl/${path##*/}
    curl -s -f -o "$f" "$base/$path"
    printf '%s  %s\n' "$sha" "$f" | sha256sum -c --quiet -
    tar -xJf "$f" -C "$dir/out"
done <"$list"
EOF
chmod +x "$tmp/naive.sh"

# ---- sampling ----
# fresh DIR: an empty directory (the previous run's files removed untimed).
fresh() {
    chmod -R u+w "$1" 2>/dev/null || true
    rm -rf "$1"
    mkdir -p "$1"
}
# measure KEY SHOWN CMD...: one sample of CMD appended to $tmp/s.KEY as
# "wall_ns cpu_ns rss_kB user_ns sys_ns"; SHOWN is the command line printed if it fails.
measure() {
    local key=$1 shown=$2 wall user sys rss st self
    shift 2
    sync
    "$run1" "$tmp/err" "$@" >"$tmp/m" || die "cannot run: $shown"
    read -r wall user sys rss st self <"$tmp/m"
    if [ "$st" -ne 0 ]; then
        {
            if [ "$st" -gt 128 ]; then
                echo "bench-install: FAILED (killed by signal $((st - 128))): $shown"
            else
                echo "bench-install: FAILED (exit status $st): $shown"
            fi
            sed 's/^/  | /' "$tmp/err"
        } >&2
        exit 1
    fi
    echo "$wall $((user + sys)) $rss $user $sys" >>"$tmp/s.$key"
    launcher_rss=$self
}
# sample_cuenv KEY BASE DIR ARGS...: one sample of 'cuenv install ARGS' with
# CUENV_ROOT=DIR/root and CUENV_CACHE=DIR/cache. The variables are exported in
# a subshell, so the process measured is cuenv itself (not env(1)).
sample_cuenv() {
    local key=$1 base=$2 dir=$3
    shift 3
    (
        export CUENV_MIRROR=$base CUENV_ROOT=$dir/root CUENV_CACHE=$dir/cache
        measure "$key" "CUENV_MIRROR=$base CUENV_ROOT=$dir/root CUENV_CACHE=$dir/cache CUENV_CONFIG=/dev/null $cuenv install $*" \
            "$cuenv" install "$@"
    )
}
du_k() { du -sk "$1" | cut -f1; }

# fig KEY FIELD [min|max|med]: the median (or min, max) of a column.
fig() {
    sort -n -k"$2","$2" "$tmp/s.$1" | awk -v f="$2" -v w="${3:-med}" '{ v[NR] = $f }
        END { if (w == "min") print v[1]; else if (w == "max") print v[NR];
              else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
row() { # LABEL KEY
    awk -v l="$1" -v m="$(fig "$2" 1)" -v a="$(fig "$2" 1 min)" -v b="$(fig "$2" 1 max)" \
        -v c="$(fig "$2" 2)" -v r="$(fig "$2" 3 max)" -v u="$(fig "$2" 4)" -v s="$(fig "$2" 5)" 'BEGIN {
        printf "  %-44s %7.2f s  (%6.2f - %6.2f)  %6.2f s  %6.2f s  %6.2f s  %5.2f  %6.1f MiB\n",
               l, m / 1e9, a / 1e9, b / 1e9, c / 1e9, u / 1e9, s / 1e9, c / m, r / 1024 }'
}
header() {
    printf '  %-44s %9s  %17s  %8s  %8s  %8s  %5s  %10s\n' "" "wall" "(min - max)" "CPU" "user" "system" \
        "cores" "peak RSS"
}
verdict() { # AIM OK(1/0) DETAIL
    if [ "$2" = 1 ]; then echo "  aim: $1: PASS ($3)"; else echo "  aim: $1: MISS ($3)"; fi
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' && echo 1 || echo 0; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }' && echo 1 || echo 0; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mb() { awk -v a="$1" 'BEGIN { printf "%.1f MB", a / 1e6 }'; }
mib() { awk -v a="$1" 'BEGIN { printf "%.1f MiB", a / 1048576 }'; }

echo "cuenv install bench: $("$cuenv" --version), $(uname -m), $ncpu CPUs; $runs interleaved rounds," \
    "medians; nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1"
echo "plan 'cuenv install 12.4' (devel): $plan_n archives, $(mb "$plan_xz") xz (preset 6," \
    "${ncpu}-thread blocks) -> $(mb "$plan_tar") of tar ($(mib "$plan_tar")); largest $(mb "$plan_max") xz"
echo "mirror $plan_mirror; fresh CUENV_ROOT and CUENV_CACHE for every install"
# xz decoding CPU per archive; the best split of it over the CPUs (largest first,
# each to the least loaded CPU) bounds any installer that unpacks an archive on
# one thread: it cannot beat a sequential script by more than sum / split.
sort -rn "$plan_mirror/decode-cpu" | awk -v n="$ncpu" '{
        name = $2; sub(/-linux-x86_64-.*/, "", name)
        if ($1 >= 1e8) parts = parts sprintf("%s%s %.2f s", parts == "" ? "" : ", ", name, $1 / 1e9)
        sum += $1; k = 0
        for (i = 1; i < n; i++) if (load[i] < load[k]) k = i
        load[k] += $1
    } END {
        for (i = 0; i < n; i++) if (load[i] > best) best = load[i]
        printf "xz -T1 -dc CPU per archive: %s (others < 0.1 s); sum %.2f s, best split over %d CPUs %.2f s:\n",
               parts, sum / 1e9, n, best / 1e9
        printf "an installer unpacking each archive on one thread is at most %.2fx faster than one after another\n",
               sum / best }'
load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average now: $load0"
echo

# ---- 1 and 3: no rate limit ----
items=(cuenv naive floor)
for ((r = 0; r < runs; r++)); do
    for ((i = 0; i < ${#items[@]}; i++)); do
        case ${items[$(((i + r) % ${#items[@]}))]} in
        cuenv)
            d=$tmp/c
            fresh "$d"
            sample_cuenv fast "$url_fast/$plan_key" "$d" 12.4 --quiet
            [ "$r" -ne 0 ] || unpacked_cuenv=$(du_k "$d/root")
            # 3: second envs on the same root, sharing every CUDA store entry.
            k0=$(du_k "$d/root")
            sample_cuenv second_cudnn "$url_fast/$plan_key" "$d" 12.4+cudnn9 --quiet
            k1=$(du_k "$d/root")
            sample_cuenv second_runtime "$url_fast/$plan_key" "$d" 12.4 --profile runtime --quiet
            k2=$(du_k "$d/root")
            echo "$((k1 - k0)) $((k2 - k1))" >>"$tmp/du"
            ;;
        naive)
            d=$tmp/n
            fresh "$d"
            measure naive "$tmp/naive.sh $url_fast/$plan_key $tmp/plan.list $d" \
                "$tmp/naive.sh" "$url_fast/$plan_key" "$tmp/plan.list" "$d"
            [ "$r" -ne 0 ] || unpacked_naive=$(du_k "$d/out")
            ;;
        floor)
            measure floor "xargs -a $tmp/plan.files -d '\\n' -P $ncpu -n 1 xz -T1 -dc >/dev/null" \
                xargs -a "$tmp/plan.files" -d '\n' -P "$ncpu" -n 1 xz -T1 -dc
            ;;
        esac
    done
done
fresh "$tmp/c"
fresh "$tmp/n"

echo "1. install of the plan from nginx, no rate limit"
header
row "cuenv install 12.4 --quiet" fast
row "naive: curl -s -o, sha256sum -c, tar -xJf" naive
row "floor: xz -T1 -dc, $ncpu at once (xargs -P $ncpu)" floor
echo "  unpacked: cuenv root $((unpacked_cuenv / 1024)) MiB (store + env, du), naive $((unpacked_naive / 1024)) MiB"
f=$(fig fast 1)
n=$(fig naive 1)
fl=$(fig floor 1)
# The floor keeps every CPU busy on an idle machine; when it got much less,
# other processes took the rest, and parallel work could not gain its share.
fc=$(awk -v c="$(fig floor 2)" -v w="$fl" 'BEGIN { printf "%.2f", c / w }')
busy=
[ "$(le "$fc" "$(awk -v n="$ncpu" 'BEGIN { print 0.8 * n }')")" = 0 ] || busy="; machine busy, see the note"
x=$(ratio "$n" "$f")
verdict "at least 1.8x faster than the naive script" "$(ge "$x" 1.8)" "${x}x$busy"
x=$(ratio "$f" "$fl")
verdict "within 1.25x of the xz -dc floor" "$(le "$x" 1.25)" "${x}x the floor$busy"
if [ -n "$busy" ]; then
    echo "  note: the floor's $ncpu xz processes got only $fc of $ncpu CPUs: the machine was busy with"
    echo "  other work, so wall-time ratios here (and in 1b, 2) understate what parallelism gains;"
    awk -v a="$(fig fast 2)" -v b="$(fig naive 2)" -v c="$(fig floor 2)" 'BEGIN {
        printf "  CPU time, which the load affects less: cuenv %.2f s, naive %.2f s (%.2fx), floor %.2f s\n",
               a / 1e9, b / 1e9, b / a, c / 1e9 }'
fi
echo

# ---- 1b: 50 MB/s per connection ----
items=(cuenv naive)
for ((r = 0; r < runs; r++)); do
    for ((i = 0; i < ${#items[@]}; i++)); do
        case ${items[$(((i + r) % ${#items[@]}))]} in
        cuenv)
            d=$tmp/c
            fresh "$d"
            sample_cuenv slow "$url_slow/$plan_key" "$d" 12.4 --quiet
            ;;
        naive)
            d=$tmp/n
            fresh "$d"
            measure naive_slow "$tmp/naive.sh $url_slow/$plan_key $tmp/plan.list $d" \
                "$tmp/naive.sh" "$url_slow/$plan_key" "$tmp/plan.list" "$d"
            ;;
        esac
    done
done
fresh "$tmp/c"
fresh "$tmp/n"

echo "1b. the same plan, nginx limit_rate $rate (per connection: $(mib $((50 * 1048576)))/s)"
header
row "cuenv install 12.4 --quiet" slow
row "naive: curl -s -o, sha256sum -c, tar -xJf" naive_slow
awk -v a="$plan_xz" -v m="$plan_max" 'BEGIN { printf "  (at 50 MiB/s: all archives one after another %.2f s, the largest alone %.2f s)\n",
    a / 52428800, m / 52428800 }'
x=$(ratio "$(fig naive_slow 1)" "$(fig slow 1)")
verdict "at least 2x faster than the naive script" "$(ge "$x" 2)" "${x}x$busy"
echo

# ---- 2: peak RSS, one archive ----
items=(cuenv xz)
for ((r = 0; r < runs; r++)); do
    for ((i = 0; i < ${#items[@]}; i++)); do
        case ${items[$(((i + r) % ${#items[@]}))]} in
        cuenv)
            d=$tmp/c
            fresh "$d"
            sample_cuenv big "$url_fast/$big_key" "$d" 12.4 --quiet
            ;;
        xz)
            measure big_xz "xz -T1 -dc $(cat "$tmp/big.files") >/dev/null" xz -T1 -dc "$(cat "$tmp/big.files")"
            ;;
        esac
    done
done
time_v=
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
    d=$tmp/c
    fresh "$d"
    sync
    CUENV_MIRROR=$url_fast/$big_key CUENV_ROOT=$d/root CUENV_CACHE=$d/cache \
        /usr/bin/time -v -o "$tmp/time-v" "$cuenv" install 12.4 --quiet >/dev/null 2>"$tmp/err" ||
        { sed 's/^/  | /' "$tmp/err" >&2; die "FAILED under /usr/bin/time -v: cuenv install 12.4 (one archive)"; }
    time_v=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tmp/time-v")
fi
fresh "$tmp/c"

echo "2. peak RSS: install of one archive, $(mib "$big_tar") unpacked ($(mb "$big_xz") xz-compressed)"
header
row "cuenv install 12.4 --quiet (libcublas only)" big
row "xz -T1 -dc of the same archive" big_xz
rss=$(fig big 3 max)
echo "  peak RSS of cuenv: $((rss / 1024)) MiB ($rss kB, largest of $runs runs, wait4; launcher" \
    "$((launcher_rss / 1024)) MiB)${time_v:+; /usr/bin/time -v on one more run: $time_v kB}"
worst=$rss
[ -z "$time_v" ] || [ "$time_v" -le "$worst" ] || worst=$time_v
xz_rss=$(fig big_xz 3 max)
verdict "peak RSS under 64 MiB" "$(le "$worst" $((64 * 1024 - 1)))" \
    "$(awk -v a="$worst" -v x="$xz_rss" 'BEGIN { printf "%.1f MiB: %.2fx the 64 MiB budget, %.2fx the %.1f MiB of xz -dc alone",
        a / 1024, a / 65536, a / x, x / 1024 }')"
echo

# ---- 3: second env ----
echo "3. second env sharing every CUDA store entry, right after 'cuenv install 12.4' (first install: rows of 1)"
header
row "first: cuenv install 12.4 --quiet" fast
row "cuenv install 12.4+cudnn9 (cuDNN new, small)" second_cudnn
row "cuenv install 12.4 --profile runtime" second_runtime
for k in second_cudnn:1 second_runtime:2; do
    key=${k%:*}
    col=${k#*:}
    x=$(awk -v a="$(fig "$key" 1)" -v b="$f" 'BEGIN { printf "%.2f", 100 * a / b }')
    dk=$(sort -n -k"$col","$col" "$tmp/du" | tail -1 | cut -d' ' -f"$col")
    case $key in
    second_cudnn) what="12.4+cudnn9" ;;
    *) what="12.4 --profile runtime" ;;
    esac
    verdict "$what: under 5% of the first install's time" "$(le "$x" 5)" \
        "${x}%: $(awk -v a="$(fig "$key" 1)" 'BEGIN { printf "%.0f ms", a / 1e6 }') against $(awk -v a="$f" 'BEGIN { printf "%.2f s", a / 1e9 }')"
    verdict "$what: under 1 MiB of extra disk" "$(le "$dk" 1023)" \
        "du -sk of CUENV_ROOT grew by ${dk} KiB (largest of $runs rounds: $(cut -d' ' -f"$col" "$tmp/du" | tr '\n' ' ' | sed 's/ $//') KiB)"
done
echo
echo "wall: median (min - max) of $runs runs; CPU, user, system: medians of the process's time"
echo "plus that of the children it waited for; cores: CPU / wall; peak RSS: largest ru_maxrss of the"
echo "runs (for a script: its largest process). cuenv syncs the filesystem before it publishes an env"
echo "(syncfs); the baselines do not, and 'sync' before each sample (untimed) leaves nothing dirty for"
echo "either. Load average before / after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg) ($ncpu CPUs; other"
echo "work on the machine shows up as cores < 1 per busy process and as a wide min - max)."
exit 0
