#!/usr/bin/env bash
# What cuenv doctor and the load audit cost, as wall times measured here.
#
# usage: tests/bench_doctor.sh        (after 'make')
#
#   BENCH_DOC_RUNS    runs per doctor variant                  (default 20)
#   BENCH_AUDIT_RUNS  runs per audit variant                   (default 20)
#   BENCH_AUDIT_LIBS  libraries the dlopen program loads       (default 200)
#   BENCH_AUDIT_PROCS processes the spawning shell starts      (default 200)
#
# PATH is /usr/bin:/bin (BENCH_DOC_PATH): the python3 doctor finds is the system's, whose
# prefix shows its site directories without starting it (a pyenv or asdf shim first on
# PATH makes doctor ask that python3, which costs what the shim costs: seconds here).
#
# Set-up: a synthetic mirror (tests/fixtures/mkmirror.py --cuda 12.4.1 --cudnn 9.14.0) in
# a temporary directory, 12.4+cudnn9 installed from it into a temporary CUENV_ROOT.
#
# 1. cuenv doctor 12.4+cudnn9 --json, each variant run BENCH_DOC_RUNS times, interleaved:
#    - as is (this machine's driver probes, ld.so.cache, the python3 on PATH);
#    - with the fake libcuda of tests/fixtures/fakecuda.c (one GPU): the cost of the
#      probe in a child process that dlopens libcuda;
#    - without Python on PATH: what asking python3 for its site directories costs.
# 2. The load audit: a program that dlopens BENCH_AUDIT_LIBS libraries (libcudnn_bench<i>.so.9,
#    so every one is a CUDA-family record to classify), run through 'cuenv exec' with and
#    without --audit; and a shell that starts BENCH_AUDIT_PROCS processes (/bin/true), the
#    same two ways. The difference of the medians is the audit's cost (one LD_AUDIT module
#    loaded per process image, one write(2) per object, the report at the end).
#
# Medians with p10/p90 of wall times (bash $EPOCHREALTIME around each run). A measurement,
# not a test: it exits 0 whatever the figures, non-zero only when it cannot measure.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
CUENV=${CUENV:-$REPO/bin/cuenv}
[ -x "$CUENV" ] && [ -f "$REPO/bin/cuenv-audit.so" ] || { echo "bench_doctor: run 'make' first" >&2; exit 1; }
doc_runs=${BENCH_DOC_RUNS:-20}
aud_runs=${BENCH_AUDIT_RUNS:-20}
nlibs=${BENCH_AUDIT_LIBS:-200}
nprocs=${BENCH_AUDIT_PROCS:-200}

W=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-bench-doctor.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
export CUENV_ROOT=$W/root CUENV_CACHE=$W/cache CUENV_CONFIG=/dev/null HOME=$W/home
export CUENV_MIRROR=file://$W/mirror CUENV_PLATFORM=linux-x86_64
unset CUENV_VERSION LD_LIBRARY_PATH LD_AUDIT LD_PRELOAD GLIBC_TUNABLES VIRTUAL_ENV CONDA_PREFIX
export PATH=${BENCH_DOC_PATH:-/usr/bin:/bin}
mkdir -p "$HOME"

echo "bench_doctor: building a mirror and an env in $W" >&2
python3 tests/fixtures/mkmirror.py "$W/mirror" --cuda 12.4.1 --cudnn 9.14.0 --quiet
"$CUENV" install -q 12.4+cudnn9 >/dev/null
gcc -std=c11 -O1 -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$W/libcuda.so.1" tests/fixtures/fakecuda.c
mkdir -p "$W/libs" "$W/nopy"
echo 'int bench(void) { return 1; }' >"$W/b.c"
gcc -shared -fPIC -o "$W/libs/libcudnn_bench0.so.9" "$W/b.c"
for i in $(seq 1 $((nlibs - 1))); do cp "$W/libs/libcudnn_bench0.so.9" "$W/libs/libcudnn_bench$i.so.9"; done
cat >"$W/dl.c" <<EOF
#include <dlfcn.h>
#include <stdio.h>
int main(void)
{
	char name[64];
	for (int i = 0; i < $nlibs; i++) {
		snprintf(name, sizeof(name), "libcudnn_bench%d.so.9", i);
		if (!dlopen(name, RTLD_NOW | RTLD_LOCAL))
			return 1;
	}
	return 0;
}
EOF
gcc -std=c11 -O1 -o "$W/dl" "$W/dl.c" -ldl
# A PATH without python3 for the third doctor variant.
for t in gcc c++ cc; do ln -s "$(command -v $t)" "$W/nopy/$t"; done

# time_ms CMD...: wall milliseconds of one run (output discarded), to stdout.
time_ms() {
    local t0=$EPOCHREALTIME t1
    "$@" >/dev/null 2>&1 || true
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }'
}

# stats FILE: "median p10 p90" of the numbers in FILE.
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f %.1f %.1f", v[int((NR + 1) / 2)], v[int(NR * 0.1) + 1], v[int(NR * 0.9 + 0.5)] }'
}

# bench NAME RUNS: run the variants (functions v_<name>_*) interleaved, RUNS rounds.
declare -A RESULT
bench() {
    local group=$1 runs=$2 r f
    local fns
    fns=$(declare -F | awk '{print $3}' | grep "^v_${group}_")
    for f in $fns; do : >"$W/$f.ms"; done
    for r in $(seq 1 "$runs"); do
        for f in $fns; do "$f" >>"$W/$f.ms"; done
    done
    for f in $fns; do RESULT[$f]=$(stats "$W/$f.ms"); done
}

v_doc_1_plain() { time_ms "$CUENV" doctor 12.4+cudnn9 --json; }
v_doc_2_fakecuda() {
    time_ms env CUENV_TEST_LIBCUDA="$W/libcuda.so.1" FAKECUDA_GPUS="NVIDIA H100:9.0" \
        "$CUENV" doctor 12.4+cudnn9 --json
}
v_doc_3_nopython() { time_ms env PATH="$W/nopy" "$CUENV" doctor 12.4+cudnn9 --json; }
v_aud_1_dl_plain() { time_ms env LD_LIBRARY_PATH="$W/libs" "$CUENV" exec 12.4+cudnn9 -- "$W/dl"; }
v_aud_2_dl_audit() {
    time_ms env LD_LIBRARY_PATH="$W/libs" "$CUENV" exec --audit --report /dev/null 12.4+cudnn9 -- "$W/dl"
}
spawner="i=0; while [ \$i -lt $nprocs ]; do /bin/true; i=\$((i + 1)); done"
v_aud_3_sh_plain() { time_ms "$CUENV" exec 12.4+cudnn9 -- sh -c "$spawner"; }
v_aud_4_sh_audit() { time_ms "$CUENV" exec --audit --report /dev/null 12.4+cudnn9 -- sh -c "$spawner"; }

# Check that each variant does its job before timing it.
"$CUENV" doctor 12.4+cudnn9 --json | python3 -c 'import json, sys; d = json.load(sys.stdin); assert len(d["checks"]) == 9' ||
    { echo "bench_doctor: doctor --json did not give its 9 checks" >&2; exit 1; }
LD_LIBRARY_PATH=$W/libs "$CUENV" exec --audit --json --report "$W/r.json" 12.4+cudnn9 -- "$W/dl"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["libraries"] == int(sys.argv[2]), d["libraries"]' \
    "$W/r.json" "$nlibs" || { echo "bench_doctor: the audit did not record $nlibs libraries" >&2; exit 1; }

echo "bench_doctor: timing ($doc_runs doctor runs, $aud_runs audit runs per variant; load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)" >&2
bench doc "$doc_runs"
bench aud "$aud_runs"

row() { printf '  %-62s %s\n' "$1" "$(awk '{ printf "median %7.1f ms  (p10 %.1f, p90 %.1f)", $1, $2, $3 }' <<<"$2")"; }
echo "cuenv doctor 12.4+cudnn9 --json (wall time)"
row "as is (this machine's probes and python3)" "${RESULT[v_doc_1_plain]}"
row "fake libcuda.so.1 with one GPU (probe in a child)" "${RESULT[v_doc_2_fakecuda]}"
row "no python3 on PATH" "${RESULT[v_doc_3_nopython]}"
echo "cuenv exec vs cuenv exec --audit (wall time)"
row "dlopen $nlibs libraries, plain" "${RESULT[v_aud_1_dl_plain]}"
row "dlopen $nlibs libraries, --audit" "${RESULT[v_aud_2_dl_audit]}"
row "sh starting $nprocs processes, plain" "${RESULT[v_aud_3_sh_plain]}"
row "sh starting $nprocs processes, --audit" "${RESULT[v_aud_4_sh_audit]}"
med() { cut -d' ' -f1 <<<"$1"; }
awk -v a="$(med "${RESULT[v_aud_1_dl_plain]}")" -v b="$(med "${RESULT[v_aud_2_dl_audit]}")" -v n="$nlibs" \
    'BEGIN { printf "audit overhead, libraries: %.1f ms for %d (%.1f us each)\n", b - a, n, (b - a) * 1000 / n }'
awk -v a="$(med "${RESULT[v_aud_3_sh_plain]}")" -v b="$(med "${RESULT[v_aud_4_sh_audit]}")" -v n="$nprocs" \
    'BEGIN { printf "audit overhead, processes: %.1f ms for %d (%.2f ms each)\n", b - a, n, (b - a) / n }'
