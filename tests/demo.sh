#!/usr/bin/env bash
# cuenv's main job, shown to a new user on the catalogue built into cuenv.
#
# usage: tests/demo.sh        (after 'make'; 'make demo' runs it)
#
# First resolution (from what a user types, "12.4+cudnn9", to the exact CUDA
# and cuDNN releases and archives) against the snapshot compiled into cuenv;
# then a real install from a mirror with NVIDIA's layout generated here
# (tests/fixtures/mkmirror.py: real ELF libraries with NVIDIA's sonames) and
# served on 127.0.0.1, and a program built and run against the env.
# Each step prints the command, runs it, and checks its exit status and a word
# of its output; the demo exits 0 only when every step behaved as expected.
# Nothing leaves this machine.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

cuenv=bin/cuenv
if [ ! -x "$cuenv" ]; then
    echo "demo: $cuenv not found; run 'make' first" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-demo.XXXXXX")
server=
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
# A new user: no config file, an empty cache, NVIDIA's source, this machine.
export CUENV_CONFIG=/dev/null CUENV_CACHE=$tmp/cache CUENV_ROOT=$tmp/root
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
unset CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS http_proxy https_proxy ALL_PROXY

steps=0
unexpected=0

# say LINE...: narration, one comment line per argument.
say() {
    echo
    printf '# %s\n' "$@"
}

# step STATUS PATTERN COMMAND: print COMMAND, run it through the shell, and
# check that it exits with STATUS and that its output (stdout and stderr)
# matches the extended regex PATTERN.
step() {
    local want=$1 pattern=$2 cmd=$3 status
    steps=$((steps + 1))
    printf '$ %s\n' "$cmd"
    eval "$cmd" >"$tmp/out" 2>"$tmp/err"
    status=$?
    # One transcript on stdout, in order: the command's output, then its errors.
    cat "$tmp/out" "$tmp/err"
    if [ "$status" -ne "$want" ]; then
        printf 'demo: UNEXPECTED: exit %d, expected %d\n' "$status" "$want"
        unexpected=$((unexpected + 1))
    elif ! cat "$tmp/out" "$tmp/err" | grep -Eq -- "$pattern"; then
        printf 'demo: UNEXPECTED: output does not match /%s/\n' "$pattern"
        unexpected=$((unexpected + 1))
    elif [ "$want" -ne 0 ]; then
        printf '(exit %d, as expected)\n' "$status"
    fi
}

say "Which cuenv is this?"
step 0 '^cuenv [0-9]+\.[0-9]+\.[0-9]+' "$cuenv --version"

say "The newest cuDNN releases cuenv knows, and the CUDA majors each has builds for."
step 0 '^9\.[0-9]+\.[0-9]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} +cuda' "$cuenv ls-remote cudnn | tail"

say "'12.4+cudnn9': the newest CUDA 12.4.x with the newest cuDNN 9 that has a build for it."
step 0 '^cudnn +9\.' "$cuenv resolve 12.4+cudnn9"

say "Only what a program needs at run time (no compiler), for an older CUDA."
step 0 '^cuda +11\.8\.' "$cuenv resolve 11.8+cudnn9 --profile runtime"

say "A pair that does not exist: cuDNN 9.10 has no CUDA 13 build. cuenv says so," \
    "names the nearest releases that have one, and exits 3 (nothing matches)."
step 3 "^cuenv: error: .*cuDNN 9\.10" "$cuenv resolve 13.0+cudnn9.10"

say "The same plan as JSON, for scripts (first lines)."
# sed rather than head: head exits early and json.tool would die of a broken pipe.
step 0 '"spec": "12\.4\+cudnn9"' "$cuenv resolve 12.4+cudnn9 --json | python3 -m json.tool | sed -n 1,24p"

# A local mirror with NVIDIA's layout, built once and reused while the
# generator is unchanged.
mirror=build/demo-mirror/$(sha256sum tests/fixtures/mkmirror.py | cut -c1-12)
if [ ! -f "$mirror/done" ]; then
    say "Building a local mirror with NVIDIA's layout (once): $mirror"
    rm -rf build/demo-mirror
    python3 tests/fixtures/mkmirror.py "$mirror" --cuda 12.4.1 --cuda 13.0.2 --cudnn 9.14.0 \
        >"$tmp/mkmirror.log" 2>&1 || { cat "$tmp/mkmirror.log"; exit 1; }
    touch "$mirror/done"
fi
python3 tests/fixtures/fault_server.py --root "$mirror" --lifetime 300 >"$tmp/server.out" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    port=$(sed -n 's/^PORT //p' "$tmp/server.out")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "${port:-}" ] || { echo "demo: the mirror server did not start" >&2; exit 1; }
export CUENV_MIRROR=http://127.0.0.1:$port

say "Install CUDA 12.4 with cuDNN 9 from the mirror on 127.0.0.1: downloads in" \
    "parallel, SHA-256 checked as bytes arrive, unpacked into the store, merged" \
    "into one prefix. stdout is the prefix."
step 0 'envs/cuda-12\.4\.1\+cudnn-9\.14\.0\.64-devel' "$cuenv install 12.4+cudnn9"
prefix=$($cuenv prefix 12.4+cudnn9)

say "Again: nothing to do, no request to the mirror."
step 0 'already installed' "$cuenv install 12.4+cudnn9"

say "A second pair beside the first; CUDA 13 gets cuDNN's cuda13 build."
step 0 'cuda-13\.0\.2\+cudnn-9\.14\.0\.64-devel' "$cuenv install 13.0+cudnn9"

say "Both envs, their size on disk and what they share."
step 0 'cuda-13\.0\.2' "$cuenv list"

say "A program built against the 12.4 env, run with its libraries: the versions" \
    "come from the env's libcudart.so.12 and libcudnn.so.9."
cat >"$tmp/versions.c" <<'C'
#include <stdio.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

int main(void)
{
	int v = 0;

	cudaRuntimeGetVersion(&v);
	printf("cudaRuntimeGetVersion: %d\ncudnnGetVersion: %zu\n", v, cudnnGetVersion());
	return 0;
}
C
step 0 'cudaRuntimeGetVersion: 12040' \
    "cc -o $tmp/versions $tmp/versions.c -I$prefix/include -L$prefix/lib -lcudart -lcudnn && LD_LIBRARY_PATH=$prefix/lib $tmp/versions"

say "The compiler of the env, from its own bin/."
step 0 'release 12\.4' "$prefix/bin/nvcc --version"

echo
if [ "$unexpected" -ne 0 ]; then
    echo "demo: $unexpected of $steps steps did not behave as expected"
    exit 1
fi
echo "demo: all $steps steps behaved as expected"
