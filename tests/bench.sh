#!/usr/bin/env bash
# Speed of resolution against the bundled catalogue, as ratios to a floor.
#
# usage: tests/bench.sh [RUNS]        (after 'make'; 'make bench' runs it)
#
# Each row is the median wall time of one bin/cuenv command, spawned RUNS
# times (default 200, or $BENCH_RUNS), next to the median of 'cuenv --version'
# - the start-up floor every command pays. The commands are interleaved
# round-robin, so machine noise hits all of them alike. The timer is a small
# C program built into build/bench/: it spawns each run with posix_spawn and
# reaps it with wait4, so a sample holds the command's own fork/exec and
# nothing of a shell or an interpreter, and wait4 also gives its peak RSS.
#
# Then tests/bench_install.sh measures 'cuenv install' (see its header).
#
# This is a measurement, not a test: it exits 0 whether the aim is met or not,
# and non-zero only when it cannot measure (no binary, a command that fails).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-${BENCH_RUNS:-200}}
cuenv=bin/cuenv
timer_dir=build/bench
timer=$timer_dir/timer

case $runs in
'' | *[!0-9]*) echo "bench: RUNS must be a number, not '$runs'" >&2; exit 2 ;;
esac
if [ ! -x "$cuenv" ]; then
    echo "bench: $cuenv not found; run 'make' first" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CUENV_CONFIG=/dev/null CUENV_CACHE=$tmp/cache
unset CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS

# ---- the timer ----
# timer RUNS WARMUP CMD... [-- CMD...]...
# prints one line per command: wall median p10 p90 min (ns), peak RSS (kB),
# failures, and the median CPU time (user + system, ns)
mkdir -p "$timer_dir"
cat >"$tmp/timer.c" <<'EOF'
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

/* One run: wall and CPU time in ns, peak RSS in kB; returns the exit status or -1. */
static int once(char **argv, posix_spawn_file_actions_t *fa, uint64_t *ns, uint64_t *cpu,
		long *rss)
{
	struct rusage ru;
	uint64_t t0 = now();
	pid_t pid;
	int st;

	if (posix_spawn(&pid, argv[0], fa, NULL, argv, environ) != 0)
		return -1;
	if (wait4(pid, &st, 0, &ru) != pid)
		return -1;
	*ns = now() - t0;
	*cpu = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
	*rss = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	char **cmds[16];
	uint64_t *t[16], *c[16];
	long rss[16] = { 0 };
	int fails[16] = { 0 };
	int n = 0, runs, warm, r, i;

	if (argc < 4)
		return 2;
	runs = (int)strtol(argv[1], NULL, 10);
	warm = (int)strtol(argv[2], NULL, 10);
	cmds[n++] = &argv[3];
	for (i = 3; i < argc && n < 16; i++) {
		if (!strcmp(argv[i], "--")) {
			argv[i] = NULL;
			cmds[n++] = &argv[i + 1];
		}
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < n; i++) {
		t[i] = calloc((size_t)runs, sizeof(uint64_t));
		c[i] = calloc((size_t)runs, sizeof(uint64_t));
	}
	for (r = -warm; r < runs; r++) {
		/* Rotate the order each round: no command always runs first or after another. */
		for (i = 0; i < n; i++) {
			int k = (i + (r < 0 ? 0 : r)) % n;
			uint64_t ns, cpu;
			long kb;

			if (once(cmds[k], &fa, &ns, &cpu, &kb) != 0) {
				fails[k]++;
				continue;
			}
			if (r < 0)
				continue;
			t[k][r] = ns;
			c[k][r] = cpu;
			if (kb > rss[k])
				rss[k] = kb;
		}
	}
	for (i = 0; i < n; i++) {
		qsort(t[i], (size_t)runs, sizeof(uint64_t), cmp);
		qsort(c[i], (size_t)runs, sizeof(uint64_t), cmp);
		printf("%llu %llu %llu %llu %ld %d %llu\n", (unsigned long long)t[i][runs / 2],
		       (unsigned long long)t[i][runs / 10], (unsigned long long)t[i][runs * 9 / 10],
		       (unsigned long long)t[i][0], rss[i], fails[i],
		       (unsigned long long)c[i][runs / 2]);
	}
	return 0;
}
EOF
if [ ! -x "$timer" ] || ! cmp -s "$tmp/timer.c" "$timer_dir/timer.c"; then
    cp "$tmp/timer.c" "$timer_dir/timer.c"
    ${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$timer" "$timer_dir/timer.c"
fi

# ---- the commands ----
# The last row is no cuenv at all: what starting any process costs here, to
# read the absolute figures against.
true_bin=$(type -P true)
labels=(
    "cuenv --version (floor)"
    "cuenv resolve 12.4+cudnn9 --json"
    "cuenv ls-remote --json"
    "cuenv resolve latest+cudnn9 --json"
    "(reference: spawn $true_bin)"
)
cmds=(
    "$cuenv --version"
    "$cuenv resolve 12.4+cudnn9 --json"
    "$cuenv ls-remote --json"
    "$cuenv resolve latest+cudnn9 --json"
    "$true_bin"
)

# Each command must work before it is timed (a failure shows its own words),
# and a --json one must print JSON: timing a fast error would flatter it.
for c in "${cmds[@]}"; do
    if ! $c >"$tmp/out" 2>"$tmp/err"; then
        echo "bench: '$c' failed:" >&2
        cat "$tmp/err" >&2
        exit 1
    fi
    case $c in
    *--json) python3 -m json.tool "$tmp/out" >/dev/null || {
        echo "bench: '$c' did not print valid JSON" >&2
        exit 1
    } ;;
    esac
done

argv=()
for c in "${cmds[@]}"; do
    [ ${#argv[@]} -eq 0 ] || argv+=(--)
    # shellcheck disable=SC2206  # the commands are plain words
    argv+=($c)
done
"$timer" "$runs" 10 "${argv[@]}" >"$tmp/times"
mapfile -t rows <"$tmp/times"

# Peak RSS of the resolve command as /usr/bin/time reports it, when it is there.
rss_tool=
if [ -x /usr/bin/time ]; then
    # shellcheck disable=SC2086  # the command is plain words
    /usr/bin/time -v ${cmds[1]} >/dev/null 2>"$tmp/time-v" || true
    rss_tool=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$tmp/time-v")
fi

# ---- the table ----
read -r floor_ns _ <<<"${rows[0]}"
echo "cuenv bench: $runs interleaved runs each (after 10 warm-up rounds); $($cuenv --version)," \
    "$(uname -m), $(nproc) CPUs; bundled catalogue; stdout to /dev/null"
echo
printf '%-36s %9s %9s %9s %9s %9s %10s\n' command median p10 p90 'vs floor' 'CPU' 'peak RSS'
for i in "${!rows[@]}"; do
    read -r med p10 p90 _ rss fails cpu <<<"${rows[$i]}"
    if [ "$fails" -ne 0 ]; then
        echo "bench: '${cmds[$i]}' failed $fails times while being timed" >&2
        exit 1
    fi
    awk -v l="${labels[$i]}" -v m="$med" -v a="$p10" -v b="$p90" -v f="$floor_ns" -v r="$rss" \
        -v c="$cpu" 'BEGIN { printf "%-36s %6.2f ms %6.2f ms %6.2f ms %8.2fx %6.2f ms %6.1f MiB\n",
                     l, m / 1e6, a / 1e6, b / 1e6, m / f, c / 1e6, r / 1024 }'
done
echo

echo "median: wall time; CPU: median user+system time of the command (wait4), less"
echo "sensitive than wall time to a busy machine; peak RSS: largest of the runs."
echo
read -r res_ns _ <<<"${rows[1]}"
awk -v m="$res_ns" -v f="$floor_ns" 'BEGIN {
    ms = m / 1e6; x = m / f
    printf "aim: resolve within 5 ms and within 3x the floor: %s (resolve 12.4+cudnn9: %.2f ms, %.2fx)\n",
           (ms <= 5 && x <= 3) ? "PASS" : "MISS", ms, x
}'
if [ -n "$rss_tool" ]; then
    echo "peak RSS of 'cuenv resolve 12.4+cudnn9 --json': $rss_tool kB (/usr/bin/time -v)"
else
    read -r _ _ _ _ rss _ <<<"${rows[1]}"
    echo "peak RSS of 'cuenv resolve 12.4+cudnn9 --json': $rss kB (wait4, largest of $runs runs)"
fi

# ---- install ----
# Install speed, peak memory and shared envs against baselines of the same run:
# tests/bench_install.sh (BENCH_INSTALL=0 skips it; BENCH_INSTALL_RUNS rounds).
if [ "${BENCH_INSTALL:-1}" != 0 ]; then
    echo
    tests/bench_install.sh
fi
[ "${BENCH_ACTIVATION:-1}" = 0 ] || { echo; tests/bench_activation.sh; } # shim and prompt hook: see its header
[ "${BENCH_CI:-1}" = 0 ] || { echo; tests/bench_ci.sh; } # CI matrix jobs on a shared cache against own caches
[ "${BENCH_VERIFY:-1}" = 0 ] || { echo; tests/bench_verify.sh; } # cuenv verify throughput on a real-size env
[ "${BENCH_DOCTOR:-1}" = 0 ] || { echo; tests/bench_doctor.sh; } # cuenv doctor and the load audit's cost
exit 0
