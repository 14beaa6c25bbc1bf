#!/usr/bin/env bash
# cuenv's main job, shown to a new user on the catalogue built into cuenv.
#
# usage: tests/demo.sh        (after 'make'; 'make demo' runs it)
#
# Until 'cuenv install' exists, the main job is resolution: from what a user
# types ("12.4+cudnn9") to the exact CUDA and cuDNN releases and archives.
# Each step prints the command, runs it, and checks its exit status and a word
# of its output; the demo exits 0 only when every step behaved as expected.
# Nothing touches the network: the default source answers from the snapshot
# compiled into cuenv.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

cuenv=bin/cuenv
if [ ! -x "$cuenv" ]; then
    echo "demo: $cuenv not found; run 'make' first" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A new user: no config file, an empty cache, NVIDIA's source, this machine.
export CUENV_CONFIG=/dev/null CUENV_CACHE=$tmp/cache
unset CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS

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

echo
if [ "$unexpected" -ne 0 ]; then
    echo "demo: $unexpected of $steps steps did not behave as expected"
    exit 1
fi
echo "demo: all $steps steps behaved as expected"
