#!/usr/bin/env bash
# What activation costs: the shim on every start of a program, and the shell
# hook on every prompt, as ratios to floors measured in the same invocation.
#
# usage: tests/bench_activation.sh     (after 'make'; tests/bench.sh runs it)
#
#   BENCH_ACT_RUNS     exec-level runs per command          (default 2000)
#   BENCH_ACT_CALLS    unchanged-prompt calls per variant   (default 10000)
#   BENCH_ACT_CHANGES  changed-directory calls per variant  (default 1000)
#   BENCH_ACT_SHELLS   shells to measure, of bash zsh fish  (default: those installed)
#
# Everything runs against a small CUENV_ROOT made by hand in a temporary
# directory (two envs, cuda-12.4.1-devel and cuda-13.0.2-devel, whose bin/
# holds true-tool, a static C program that returns 0; their receipts; the
# shim; projects p1 and p2 pinned to 12.4 and 13.0 with a lock beside each
# pin; a directory without a pin). No network, no catalogue, no install.
#
# 1. The shim (issue 4, "Tests and measurements"). Three commands, spawned by
#    the timer of tests/bench.sh (build/bench/timer: posix_spawn + wait4, round
#    robin, order rotated each round) in p1: true-tool run directly; the
#    floor, a static C wrapper that stat()s the pin and execv()s true-tool;
#    the shim $CUENV_ROOT/shims/true-tool (pin, lock, receipt, environment,
#    execve). Aim: shim within 1.15x the floor. One extra exec is the physical
#    limit, about 2x the direct start.
# 2. The prompt hook of bash, zsh and fish (those installed), each in one
#    non-interactive shell that loads 'cuenv hook SHELL' and calls _cuenv_hook
#    itself (zsh: taken out of precmd/chpwd, fish: copied without its event
#    handlers, so a cd does not run it twice), timed with the shell's own clock
#    (bash $EPOCHREALTIME, zsh $epochtime; fish has none: 'date' around a block
#    of calls, minus the median of blocks with nothing in them):
#    - nothing changed: blocks of calls of _cuenv_hook in p1 (pin: it reads
#      the generation file and tests the pin's age) and in a directory without
#      a pin, against an empty function and a bare '$PWD' check called the same
#      way. Aim: under 0.05 ms a call.
#    - the directory changed: each call cds between p1 and p2 and runs
#      _cuenv_hook, which switches the env through 'cuenv hook SHELL --eval';
#      against the floor 'cd; eval "$(true-tool)"' and 'cd; empty function'.
#      Aim: under 1.5 ms a call.
#    Variants are interleaved the same way. Medians with p10/p90 (unchanged:
#    of the per-call means of blocks; changed: of single calls, of blocks of 20
#    in fish; fish's p10 of a near-free call can dip below 0, the dates' noise).
# 3. Only for a missed aim: what dominates it. For the shim, strace of one
#    start of it and of the floor; for a changed directory, the hook's process
#    alone against 'cuenv --version' and a trivial start, its shared libraries,
#    LD_DEBUG=statistics and strace -c; for an unchanged prompt, the syscalls
#    a call (strace -f -c of 200 calls less none) against one stat()'s cost.
#    Each with the fix it suggests. cuenv itself is not changed.
#
# tests/bench.sh runs this at its end (BENCH_ACTIVATION=0 skips it).
#
# This is a measurement, not a test: it exits 0 whether the aims are met or
# not, and non-zero only when it cannot measure (no binary, a shim or a hook
# that does not do its job). When an aim is missed it prints what dominates.
# shellcheck disable=SC2016 # sed scripts and shell code for other shells, expanded there
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${BENCH_ACT_RUNS:-2000}
calls=${BENCH_ACT_CALLS:-10000}
changes=${BENCH_ACT_CHANGES:-1000}
for v in "$runs" "$calls" "$changes"; do
    case $v in
    '' | *[!0-9]* | 0) echo "bench_activation: BENCH_ACT_RUNS, _CALLS and _CHANGES must be numbers > 0" >&2; exit 2 ;;
    esac
done
src=$PWD
cuenv=$src/bin/cuenv
shim=$src/bin/cuenv-shim
bdir=$src/build/bench
timer=$bdir/timer
CC=${CC:-cc}
for f in "$cuenv" "$shim"; do
    [ -x "$f" ] || { echo "bench_activation: $f not found; run 'make' first" >&2; exit 1; }
done
if [ -z "${BENCH_ACT_SHELLS+set}" ]; then
    BENCH_ACT_SHELLS=
    for s in bash zsh fish; do
        ! type -P "$s" >/dev/null || BENCH_ACT_SHELLS+=" $s"
    done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-bench-act.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tmp=$(cd "$tmp" && pwd -P)

# ---- programs: the timer of tests/bench.sh, the trivial program, the floor ----
mkdir -p "$bdir"
awk '/^cat >"\$tmp\/timer.c" <</ { on = 1; next } on && /^EOF$/ { exit } on' tests/bench.sh \
    >"$tmp/timer.c"
grep -q 'wait4' "$tmp/timer.c" || { echo "bench_activation: no timer source in tests/bench.sh" >&2; exit 1; }
if [ ! -x "$timer" ] || ! cmp -s "$tmp/timer.c" "$bdir/timer.c"; then
    cp "$tmp/timer.c" "$bdir/timer.c"
    $CC -O2 -std=c11 -Wall -Wextra -o "$timer" "$bdir/timer.c"
fi

cat >"$tmp/act-true.c" <<'EOF'
/* The trivial program: what every exec below runs in the end. */
int main(void)
{
	return 0;
}
EOF
cat >"$tmp/act-floor.c" <<'EOF'
/* The floor of a shim: stat one file (the pin), exec the program. Static, like cuenv-shim. */
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;

	if (argc < 3 || stat(argv[1], &st) < 0)
		return 127;
	execv(argv[2], argv + 2);
	return 126;
}
EOF
cat >"$tmp/act-stat.c" <<'EOF'
/* What one stat() costs here: ns, median of 11 rounds of 10000 (a yardstick for the hooks). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double r[11];
	struct timespec t0, t1;
	struct stat st;
	int i, k;

	if (argc < 2)
		return 2;
	for (k = 0; k < 11; k++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < 10000; i++)
			stat(argv[1], &st);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		r[k] = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 10000;
	}
	qsort(r, 11, sizeof(*r), cmp);
	printf("%.0f\n", r[5]);
	return 0;
}
EOF
# Built as the Makefile builds the shim: same standard, optimisation and -static.
for p in act-true act-floor act-stat; do
    if [ ! -x "$bdir/$p" ] || ! cmp -s "$tmp/$p.c" "$bdir/$p.c"; then
        cp "$tmp/$p.c" "$bdir/$p.c"
        $CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g -o "$bdir/$p" "$bdir/$p.c" -static
    fi
done

# ---- the CUENV_ROOT and the projects ----
root=$tmp/root p1=$tmp/p1 p2=$tmp/p2 nopin=$tmp/nopin
zero=0000000000000000000000000000000000000000000000000000000000000000
mkdir -p "$root/shims" "$p1" "$p2" "$nopin"
for v in 12.4.1 13.0.2; do
    e=$root/envs/cuda-$v-devel
    mkdir -p "$e/bin" "$e/lib" "$e/.cuenv"
    cp "$bdir/act-true" "$e/bin/true-tool"
    # store.c env_receipt(): the header lines that make an env installed.
    printf 'cuenv-env\t1\nname\tcuda-%s-devel\nspec\t%s\nplatform\tlinux-x86_64\nprofile\tdevel\nsource\thttps://bench.invalid\ncuda\t%s\n' \
        "$v" "${v%.*}" "$v" >"$e/.cuenv/receipt"
done
cp "$shim" "$root/shims/.cuenv-shim"
ln "$root/shims/.cuenv-shim" "$root/shims/true-tool"
# Pins and locks as 'cuenv use' writes them (pin.c lock_write()), an hour old.
for p in "$p1:12.4:12.4.1" "$p2:13.0:13.0.2"; do
    IFS=: read -r d s v <<<"$p"
    printf '%s\n' "$s" >"$d/.cuda-version"
    printf '%s\n' "# cuenv.lock: made by tests/bench_activation.sh" "lock-version = 1" \
        "spec = $s" "profile = devel" "platform = linux-x86_64" "source = https://bench.invalid" \
        "env = cuda-$v-devel" "cuda = $v" "cuda-manifest-sha256 = $zero" \
        "archive = cuda cuda_cudart $v 1 $zero cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-$v-archive.tar.xz" \
        >"$d/cuenv.lock"
    touch -d '1 hour ago' "$d/.cuda-version" "$d/cuenv.lock"
done

export CUENV_ROOT=$root CUENV_CONFIG=/dev/null CUENV_CACHE=$tmp/cache LC_ALL=C
unset CUENV_VERSION CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_ACTIVE CUENV_SHIM_DEPTH \
    _CUENV_KEY _CUENV_PIN
for v in $(compgen -e | grep '^_CUENV_ORIG_' || true); do unset "$v"; done

tool=$root/envs/cuda-12.4.1-devel/bin/true-tool
# The shim must run the env's program in p1 (exit 0: true-tool is nowhere on
# PATH) and fail without a pin: otherwise the timings below would flatter it.
(cd "$p1" && "$root/shims/true-tool") || { echo "bench_activation: the shim failed in $p1" >&2; exit 1; }
if (cd "$nopin" && "$root/shims/true-tool" 2>/dev/null); then
    echo "bench_activation: the shim ran true-tool without a pin (a .cuda-version above $tmp?)" >&2
    exit 1
fi
w=$(cd "$p1" && "$cuenv" which true-tool)
[ "$w" = "$tool" ] || { echo "bench_activation: 'cuenv which true-tool' in p1 says '$w'" >&2; exit 1; }
c=$(cd "$p1" && "$cuenv" current --json)
case $c in *'"lock":"'"$p1"/cuenv.lock'"'*'"env":"cuda-12.4.1-devel"'*) ;;
*) echo "bench_activation: 'cuenv current --json' in p1 says: $c" >&2; exit 1 ;;
esac

# ---- statistics ----
# stats FILE: lines "label s0 ns0 s1 ns1 count" (two clock readings around
# count calls; label "zero": around nothing, subtracted from every other
# block, for a clock that is a process) -> "label median p10 p90 n" in ns a call.
stats() {
    awk 'NR == FNR { if ($1 == "zero") print ($4 - $2) * 1e9 + ($5 - $3); next }' "$1" "$1" |
        sort -g | awk '{ v[n++] = $1 } END { print n ? v[int(n / 2)] : 0 }' >"$1.zero"
    awk -v z="$(cat "$1.zero")" '$1 != "zero" && $6 > 0 {
            printf "%s %.1f\n", $1, (($4 - $2) * 1e9 + ($5 - $3) - z) / $6 }' "$1" |
        sort -k1,1 -k2,2g |
        awk 'function out() { if (n) print l, v[int(n / 2)], v[int(n / 10)], v[int(n * 9 / 10)], n }
             $1 != l { out(); l = $1; n = 0 } { v[n++] = $2 } END { out() }'
}

# ---- 1. the shim ----
load0=$(uptime)
(cd "$p1" && "$timer" "$runs" 20 "$tool" -- "$bdir/act-floor" .cuda-version "$tool" -- \
    "$root/shims/true-tool") >"$tmp/exec"
mapfile -t rows <"$tmp/exec"
for i in 0 1 2; do
    read -r _ _ _ _ _ fails _ <<<"${rows[$i]}"
    [ "$fails" -eq 0 ] || { echo "bench_activation: exec row $i failed $fails times" >&2; exit 1; }
done

# ---- 2. the hooks ----
# The driver of bash and zsh: @T0@/@T1@ read the clock, rec() keeps a sample.
cat >"$tmp/driver.sh" <<'EOF'
@SETUP@
@REC@
fail() { printf 'bench_activation: %s: %s\n' "@SH@" "$*" >&2; exit 1; }
_bench_home=${CUDA_HOME-unset}
eval "$("$CUENV" hook @SH@)" || fail "'cuenv hook @SH@' failed"
@UNHOOK@
_cuenv_empty() { :; }
_pwd_check() { [ "${_bench_pwd-}" = "$PWD" ] && return 0; _bench_pwd=$PWD; }
expect() {
    cd "$1" || fail "cannot cd to $1"
    _cuenv_hook
    [ "${CUENV_ACTIVE-}" = "$2" ] || fail "after cd $1: CUENV_ACTIVE='${CUENV_ACTIVE-}', not '$2'"
}
expect "$P2" cuda-13.0.2-devel
expect "$NOPIN" ""
[ "${CUDA_HOME-unset}" = "$_bench_home" ] || fail "CUDA_HOME='${CUDA_HOME-}' left in a directory without a pin"
expect "$P1" cuda-12.4.1-devel
[ "${CUDA_HOME-}" = "$ROOT/envs/cuda-12.4.1-devel" ] || fail "CUDA_HOME='${CUDA_HOME-}' in p1"
[ "${_CUENV_PIN-}" = "$P1/.cuda-version" ] || fail "_CUENV_PIN='${_CUENV_PIN-}' in p1"
res=()
# The pieces of the unchanged check, alone.
_b_read() { local g=; [ -r "$GEN" ] && read -r g <"$GEN"; }
_b_nt() { [ "$_CUENV_PIN" -nt "$GEN" ]; }
_b_cmp() { [ "${_CUENV_KEY-}" = "$PWD|${CUENV_VERSION-}|0" ]; }

# Nothing changed: blocks of BLOCK calls; the untimed cd + hook before each
# block puts the hook in the state the block measures.
r=0
while [ $r -lt $(( CALLS / BLOCK )) ]; do
    k=0
    while [ $k -lt 7 ]; do
        case $(( (k + r) % 7 )) in
        0) l=u_empty d=$P1 fn=_cuenv_empty ;;
        1) l=u_pwd d=$P1 fn=_pwd_check ;;
        2) l=u_pin d=$P1 fn=_cuenv_hook ;;
        3) l=u_nopin d=$NOPIN fn=_cuenv_hook ;;
        4) l=b_read d=$P1 fn=_b_read ;;
        5) l=b_nt d=$P1 fn=_b_nt ;;
        *) l=b_cmp d=$P1 fn=_b_cmp ;;
        esac
        e=cuda-12.4.1-devel
        [ "$d" = "$P1" ] || e=
        cd "$d"; _cuenv_hook
        @T0@
        for ((i = 0; i < BLOCK; i++)); do $fn; done
        @T1@
        rec $l $BLOCK
        [ "${CUENV_ACTIVE-}" = "$e" ] || fail "CUENV_ACTIVE='${CUENV_ACTIVE-}' after the $l calls in $d"
        k=$(( k + 1 ))
    done
    r=$(( r + 1 ))
done

# The directory changed: every call cds to the other project, one at a time.
r=0
while [ $r -lt $CHANGES ]; do
    if [ $(( r % 2 )) -eq 0 ]; then d=$P2 e=cuda-13.0.2-devel; else d=$P1 e=cuda-12.4.1-devel; fi
    k=0
    while [ $k -lt 3 ]; do
        case $(( (k + r) % 3 )) in
        0)  @T0@
            cd "$d"; _cuenv_hook
            @T1@
            rec c_hook 1
            [ "${CUENV_ACTIVE-}" = "$e" ] || fail "after cd $d: CUENV_ACTIVE='${CUENV_ACTIVE-}'" ;;
        1)  @T0@
            cd "$d"; eval "$("$TRUE")"
            @T1@
            rec c_floor 1 ;;
        *)  @T0@
            cd "$d"; _cuenv_empty
            @T1@
            rec c_empty 1 ;;
        esac
        k=$(( k + 1 ))
    done
    r=$(( r + 1 ))
done
printf '%s\n' "${res[@]}"
EOF

# fish: no clock of its own; 'date' reads it around a block, and blocks with
# nothing in them ("zero") measure what the two dates add.
cat >"$tmp/driver.fish" <<'EOF'
function fail
    printf 'bench_activation: fish: %s\n' "$argv" >&2
    exit 1
end
set -l bench_home "$CUDA_HOME"
$CUENV hook fish | source; or fail "'cuenv hook fish' failed"
functions -c _cuenv_hook _cuenv_check
functions -e _cuenv_hook
function _cuenv_empty
end
function _pwd_check
    test "$_bench_pwd" = "$PWD"; and return 0
    set -g _bench_pwd $PWD
end
function _b_read
    set -l g ''
    test -r $GEN; and read g <$GEN
end
function _b_nt
    test (path mtime -- $_CUENV_PIN) -le (path mtime -- $GEN 2>/dev/null; or echo 0)
end
function _b_cmp
    test "$_CUENV_KEY" = "$PWD|$CUENV_VERSION|0"
end
function expect
    cd $argv[1]; or fail "cannot cd to $argv[1]"
    _cuenv_check
    test "$CUENV_ACTIVE" = "$argv[2]"; or fail "after cd $argv[1]: CUENV_ACTIVE='$CUENV_ACTIVE', not '$argv[2]'"
end
expect $P2 cuda-13.0.2-devel
expect $NOPIN ''
test "$CUDA_HOME" = "$bench_home"; or fail "CUDA_HOME='$CUDA_HOME' left in a directory without a pin"
expect $P1 cuda-12.4.1-devel
test "$CUDA_HOME" = "$ROOT/envs/cuda-12.4.1-devel"; or fail "CUDA_HOME='$CUDA_HOME' in p1"
set -l res
set -l blk (seq $BLOCK)
set -l cblk (seq $CBLOCK)
for r in (seq 0 (math "floor($CALLS / $BLOCK) - 1"))
    for k in (seq 0 7)
        set -l d $P1
        switch (math "($k + $r) % 8")
            case 0; set l u_empty; set fn _cuenv_empty
            case 1; set l u_pwd; set fn _pwd_check
            case 2; set l u_pin; set fn _cuenv_check
            case 3; set l u_nopin; set fn _cuenv_check; set d $NOPIN
            case 4; set l b_read; set fn _b_read
            case 5; set l b_nt; set fn _b_nt
            case 6; set l b_cmp; set fn _b_cmp
            case 7; set l zero; set fn ''
        end
        cd $d; _cuenv_check
        if test -n "$fn"
            set t0 (date '+%s %N')
            for i in $blk; $fn; end
            set t1 (date '+%s %N')
            set -a res "$l $t0 $t1 $BLOCK"
            set -l e cuda-12.4.1-devel
            test $d = $NOPIN; and set e ''
            test "$CUENV_ACTIVE" = "$e"; or fail "CUENV_ACTIVE='$CUENV_ACTIVE' after the $l calls in $d"
        else
            set t0 (date '+%s %N')
            set t1 (date '+%s %N')
            set -a res "zero $t0 $t1 0"
        end
    end
end
# The directory changed: blocks of CBLOCK calls, each to the other project.
for r in (seq 0 (math "floor($CHANGES / $CBLOCK) - 1"))
    for k in (seq 0 3)
        switch (math "($k + $r) % 4")
            case 0
                set t0 (date '+%s %N')
                for i in $cblk
                    if test (math "$i % 2") -eq 1; cd $P2; else; cd $P1; end
                    _cuenv_check
                end
                set t1 (date '+%s %N')
                set -a res "c_hook $t0 $t1 $CBLOCK"
                test "$CUENV_ACTIVE" = cuda-12.4.1-devel; or fail "CUENV_ACTIVE='$CUENV_ACTIVE' after a block"
            case 1
                set t0 (date '+%s %N')
                for i in $cblk
                    if test (math "$i % 2") -eq 1; cd $P2; else; cd $P1; end
                    $TRUE | source
                end
                set t1 (date '+%s %N')
                set -a res "c_floor $t0 $t1 $CBLOCK"
            case 2
                set t0 (date '+%s %N')
                for i in $cblk
                    if test (math "$i % 2") -eq 1; cd $P2; else; cd $P1; end
                    _cuenv_empty
                end
                set t1 (date '+%s %N')
                set -a res "c_empty $t0 $t1 $CBLOCK"
            case 3
                set t0 (date '+%s %N')
                set t1 (date '+%s %N')
                set -a res "zero $t0 $t1 0"
        end
    end
end
printf '%s\n' $res
EOF

# run_shell SHELL -> $tmp/SHELL.samples
run_shell() {
    local sh=$1 block=100 f
    case $sh in
    bash)
        f=$tmp/driver.bash
        # $EPOCHREALTIME is "s.us", six digits after the point.
        sed -e 's/@SH@/bash/g' -e 's/@SETUP@/LC_ALL=C/' -e 's/@UNHOOK@//' \
            -e 's/@T0@/t0=$EPOCHREALTIME/' -e 's/@T1@/t1=$EPOCHREALTIME/' \
            -e 's|@REC@|rec() { res+=("$1 ${t0%.*} ${t0#*.}000 ${t1%.*} ${t1#*.}000 $2"); }|' \
            "$tmp/driver.sh" >"$f"
        set -- bash --norc --noprofile "$f"
        ;;
    zsh)
        f=$tmp/driver.zsh
        sed -e 's/@SH@/zsh/g' -e 's/@SETUP@/zmodload zsh\/datetime/' \
            -e 's/@UNHOOK@/precmd_functions=(${precmd_functions:#_cuenv_hook}); chpwd_functions=(${chpwd_functions:#_cuenv_hook})/' \
            -e 's/@T0@/t0=($epochtime)/' -e 's/@T1@/t1=($epochtime)/' \
            -e 's|@REC@|rec() { res+=("$1 $t0[1] $t0[2] $t1[1] $t1[2] $2"); }|' "$tmp/driver.sh" >"$f"
        set -- zsh -f "$f"
        ;;
    fish)
        block=500
        f=$tmp/driver.fish
        mkdir -p "$tmp/xdg/config" "$tmp/xdg/data"
        set -- env XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data" \
            fish --no-config "$f"
        ;;
    esac
    (cd "$tmp" && CUENV="$cuenv" ROOT="$root" P1="$p1" P2="$p2" NOPIN="$nopin" \
        TRUE="$bdir/act-true" GEN="$root/pin-generation" CALLS="$calls" BLOCK="$block" \
        CHANGES="$changes" CBLOCK=20 "$@") >"$tmp/$sh.samples" ||
        { echo "bench_activation: the $sh hook could not be measured" >&2; exit 1; }
    stats "$tmp/$sh.samples" >"$tmp/$sh.stats"
}
shells=()
for sh in $BENCH_ACT_SHELLS; do
    case $sh in bash | zsh | fish) ;; *) echo "bench_activation: unknown shell '$sh'" >&2; exit 2 ;; esac
    if ! type -P "$sh" >/dev/null; then
        echo "bench_activation: $sh is not installed" >&2
        exit 1
    fi
    run_shell "$sh"
    shells+=("$sh")
done
load1=$(uptime)

# ---- the report ----
ms() { awk -v n="$1" -v d="${2:-3}" 'BEGIN { printf "%.*f", d, n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
# verdict VALUE LIMIT -> PASS or MISS (VALUE <= LIMIT)
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print v <= l ? "PASS" : "MISS" }'; }

echo "cuenv activation bench: $("$cuenv" --version), $(uname -m), $(nproc) CPUs"
echo "load before: ${load0#*load average: } (1/5/15 min), after: ${load1#*load average: }"
echo
echo "1. the shim: $runs interleaved spawns each (after 20 warm-up rounds), in a pinned project with a lock"
printf '   %-44s %9s %9s %9s %9s\n' command median p10 p90 'CPU med'
labels=("direct: envs/…/bin/true-tool (static)" "floor: static stat()+execv() wrapper"
    "cuenv shim: shims/true-tool (static)")
for i in 0 1 2; do
    read -r med p10 p90 _ _ _ cpu <<<"${rows[$i]}"
    printf '   %-44s %6s ms %6s ms %6s ms %6s ms\n' "${labels[$i]}" "$(ms "$med")" "$(ms "$p10")" \
        "$(ms "$p90")" "$(ms "$cpu")"
done
read -r d_med _ _ _ _ _ d_cpu <<<"${rows[0]}"
read -r f_med _ _ _ _ _ f_cpu <<<"${rows[1]}"
read -r s_med _ _ _ _ _ s_cpu <<<"${rows[2]}"
x_sf=$(awk -v a="$s_med" -v b="$f_med" 'BEGIN { print a / b }')
echo "   shim / floor:  $(ratio "$s_med" "$f_med") wall, $(ratio "$s_cpu" "$f_cpu") CPU" \
    "(aim <= 1.15x): $(verdict "$x_sf" 1.15)"
echo "   shim / direct: $(ratio "$s_med" "$d_med") wall, $(ratio "$s_cpu" "$d_cpu") CPU" \
    "(one extra exec: floor / direct = $(ratio "$f_med" "$d_med"); ~2x is the physical limit)"
echo "   for comparison (quoted in issue 4, not measured here): pyenv shims ~70x, asdf ~120x a direct start"
shim_miss=$(verdict "$x_sf" 1.15)

echo
echo "2. the prompt hook, timed in the shell with its own clock; per call"
hook_miss=()
for sh in "${shells[@]}"; do
    declare -A M=() P10=() P90=() N=()
    while read -r l m a b n; do
        M[$l]=$m P10[$l]=$a P90[$l]=$b N[$l]=$n
    done <"$tmp/$sh.stats"
    clock='$EPOCHREALTIME'
    [ "$sh" != zsh ] || clock='$epochtime'
    [ "$sh" != fish ] || clock="'date' around blocks of 500 (unchanged) / 20 (changed) calls, minus empty blocks"
    echo
    echo "   $sh ($($sh --version 2>/dev/null | head -n 1)); clock: $clock"
    line() { # label description
        printf '   %-46s %8s ms  p10 %8s  p90 %8s  (n=%s)\n' "$2" "$(ms "${M[$1]}" 4)" \
            "$(ms "${P10[$1]}" 4)" "$(ms "${P90[$1]}" 4)" "${N[$1]}"
    }
    echo "   nothing changed ($calls calls a variant, in blocks; p10/p90 of block means):"
    line u_empty "empty function (baseline)"
    line u_pwd "pure-shell \$PWD check (reference)"
    line u_pin "_cuenv_hook, pin (read gen + age test)"
    line u_nopin "_cuenv_hook, no pin (read gen)"
    [ "$(verdict "${M[u_empty]}" 50000)" = PASS ] ||
        echo "     note: an empty $sh function alone costs more than the aim on this machine"
    for l in u_pin u_nopin; do
        v=$(verdict "${M[$l]}" 50000)
        [ "$v" = PASS ] || hook_miss+=("$sh:$l")
        printf '     %-8s %s ms a call = %s the empty function, +%s ms net (aim < 0.05 ms): %s\n' \
            "${l#u_}:" "$(ms "${M[$l]}" 4)" "$(ratio "${M[$l]}" "${M[u_empty]}")" \
            "$(ms "$(awk -v a="${M[$l]}" -v b="${M[u_empty]}" 'BEGIN { print a - b }')" 4)" "$v"
    done
    echo "     its pieces, alone (each in a function): read of the generation file $(ms "${M[b_read]}" 4) ms," \
        "key compare $(ms "${M[b_cmp]}" 4) ms, pin-age test $(ms "${M[b_nt]}" 4) ms"
    echo "   the directory changed ($changes calls a variant, each a cd to the other project and a switch of env):"
    line c_empty "cd + empty function (baseline)"
    line c_floor "cd + floor: eval of a static program"
    line c_hook "cd + _cuenv_hook (cuenv hook $sh --eval)"
    v=$(verdict "${M[c_hook]}" 1500000)
    [ "$v" = PASS ] || hook_miss+=("$sh:c_hook")
    printf '     changed: %s ms a call = %s the floor, +%s ms over it (aim < 1.5 ms): %s\n' \
        "$(ms "${M[c_hook]}")" "$(ratio "${M[c_hook]}" "${M[c_floor]}")" \
        "$(ms "$(awk -v a="${M[c_hook]}" -v b="${M[c_floor]}" 'BEGIN { print a - b }')")" "$v"
    unset M P10 P90 N
done

# ---- what dominates a missed aim ----
if [ "$shim_miss" = MISS ] || [ ${#hook_miss[@]} -gt 0 ]; then
    echo
    echo "3. what dominates the missed aims"
fi
if [ "$shim_miss" = MISS ]; then
    echo "   shim over floor: $(ms "$(awk -v a="$s_med" -v b="$f_med" 'BEGIN { print a - b }')") ms a start"
    if type -P strace >/dev/null; then
        for c in "floor|$bdir/act-floor .cuda-version $tool" "shim|$root/shims/true-tool"; do
            # shellcheck disable=SC2086  # plain words
            (cd "$p1" && strace -f -o "$tmp/st.${c%%|*}" ${c#*|} >/dev/null 2>&1) || true
            sed -E 's/^[0-9]+ +//' "$tmp/st.${c%%|*}" | grep -Ev '^(\+\+\+|---)' >"$tmp/st.calls" || true
            echo "   strace of one ${c%%|*} start: $(grep -c . "$tmp/st.calls") syscalls:" \
                "$(sed 's/(.*//' "$tmp/st.calls" | sort | uniq -c | sort -rn |
                    awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }' | cut -c1-200)"
        done
    fi
    echo "   sizes: shim $(stat -c %s "$root/shims/true-tool") bytes, floor $(stat -c %s "$bdir/act-floor") bytes"
fi
if [ ${#hook_miss[@]} -gt 0 ]; then
    echo "   missed: ${hook_miss[*]}"
fi
if printf '%s\n' "${hook_miss[@]}" | grep -q c_hook; then
    n=$(( runs / 4 > 100 ? runs / 4 : 100 ))
    (cd "$p1" && "$timer" "$n" 5 "$bdir/act-true" -- "$cuenv" --version -- \
        "$cuenv" hook bash --eval) >"$tmp/proc"
    mapfile -t prow <"$tmp/proc"
    read -r t_med _ _ _ _ _ t_cpu <<<"${prow[0]}"
    read -r v_med _ _ _ v_rss _ v_cpu <<<"${prow[1]}"
    read -r h_med _ _ _ h_rss _ h_cpu <<<"${prow[2]}"
    echo "   the process alone ($n spawns each by the timer, in p1):"
    echo "     static trivial program    $(ms "$t_med") ms (CPU $(ms "$t_cpu") ms)"
    echo "     cuenv --version           $(ms "$v_med") ms (CPU $(ms "$v_cpu") ms, peak RSS $((v_rss / 1024)) MiB)"
    echo "     cuenv hook bash --eval    $(ms "$h_med") ms (CPU $(ms "$h_cpu") ms, peak RSS $((h_rss / 1024)) MiB)"
    echo "     start-up ('cuenv --version') is $(awk -v a="$v_med" -v b="$h_med" 'BEGIN { printf "%.0f%%", 100 * a / b }')" \
        "of the hook's process; $(awk -v a="$h_med" -v b="$v_med" 'BEGIN {
            if (a > b) printf "the work after it %.3f ms", (a - b) / 1e6; else print "no work measurable beyond it" }')"
    nlibs=$(ldd "$cuenv" 2>/dev/null | grep -c '=>' || true)
    echo "     bin/cuenv loads $nlibs shared libraries: $(ldd "$cuenv" 2>/dev/null | awk '/=>/ { printf "%s%s", n++ ? " " : "", $1 }')"
    ld=$(cd "$p1" && LD_DEBUG=statistics "$cuenv" hook bash --eval 2>&1 >/dev/null |
        awk -F: '/total startup time in dynamic loader/ { gsub(/[^0-9]/, "", $NF); c = $NF }
                 /number of relocations:/ && !r { gsub(/[^0-9]/, "", $NF); r = $NF }
                 END { if (c) printf "%s cycles in the dynamic loader, %s relocations", c, r }')
    mhz=$(awk -F: '/^cpu MHz/ { print $2 + 0; exit }' /proc/cpuinfo 2>/dev/null || true)
    [ -z "$ld" ] || [ -z "$mhz" ] ||
        ld+=$(awk -v l="$ld" -v m="$mhz" 'BEGIN { split(l, f, " "); printf " (%.2f ms at %.0f MHz)", f[1] / m / 1000, m }')
    [ -z "$ld" ] || echo "     LD_DEBUG=statistics: $ld"
    if type -P strace >/dev/null; then
        (cd "$p1" && strace -c -o "$tmp/strace" "$cuenv" hook bash --eval >/dev/null) || true
        # Columns: % time, seconds, usecs/call, calls, [errors,] syscall.
        echo "     strace -c of one 'cuenv hook bash --eval': $(awk '$NF == "total" { print $4 }' "$tmp/strace") syscalls;" \
            "top by time: $(awk 'NR > 2 && $1 ~ /^[0-9.]+$/ && $NF != "total" { printf "%s%s %s (%s%%)", n++ ? ", " : "", $NF, $4, $1 } n == 4 { exit }' "$tmp/strace")"
    fi
    ldd "$cuenv" 2>/dev/null | grep -q libarchive ||
        echo "     suggested fix: make the start-up of bin/cuenv cheaper (the figures above say where it goes)"
    ldd "$cuenv" 2>/dev/null | grep -q libarchive &&
    echo "     suggested fix: the prompt path should not pay for libarchive (libxml2, ICU, libstdc++)," \
        "libcrypto and jansson: open them with dlopen() where an install or a manifest needs them" \
        "(as fetch.c already does for libcurl), or answer 'hook --eval' from a small libc-only" \
        "program like the shim, which already reads pins, locks and receipts."
fi
# per_call SHELL DIR FN: the syscalls of one call of FN in DIR with the hook
# loaded, as the difference of strace -f -c over 200 calls and over none.
per_call() {
    local sh=$1 d=$2 fn=$3 n
    for n in 0 200; do
        case $sh in
        bash) set -- bash --norc --noprofile -c \
            'eval "$("$CUENV" hook bash)"; _e() { :; }; cd "$D"; _cuenv_hook; for ((i = 0; i < N; i++)); do $FN; done' ;;
        zsh) set -- zsh -f -c \
            'eval "$("$CUENV" hook zsh)"; _e() { :; }; cd "$D"; _cuenv_hook; for ((i = 0; i < N; i++)); do $FN; done' ;;
        fish) set -- env XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data" fish --no-config -c \
            'function _e; end; $CUENV hook fish | source; cd $D; _cuenv_hook; for i in (seq $N); $FN; end' ;;
        esac
        (cd "$tmp" && CUENV=$cuenv D=$d N=$n FN=$fn strace -f -c -o "$tmp/pc.$n" "$@" >/dev/null 2>&1) || true
    done
    # Columns: % time, seconds, usecs/call, calls, [errors,] syscall.
    for n in 0 200; do
        awk 'NR > 2 && $1 ~ /^[0-9.]+$/ && $NF != "total" { print $NF, $4 }' "$tmp/pc.$n" | sort >"$tmp/pc.$n.s"
    done
    join -a 2 -e 0 -o 0,1.2,2.2 "$tmp/pc.0.s" "$tmp/pc.200.s" |
        awk '{ d = ($3 - $2) / 200; if (d >= 0.5) print d, $1 }' | sort -rn |
        awk '{ t += $1; s = s (s ? ", " : "") sprintf("%s %.0f", $2, $1) } END { printf "%.0f a call (%s)", t, s ? s : "none" }'
}
if printf '%s\n' "${hook_miss[@]}" | grep -q 'u_'; then
    echo "   yardstick: one stat() of the generation file costs $(ms "$("$bdir/act-stat" "$root/pin-generation")" 4) ms" \
        "here (C, median of 11 rounds of 10000); every syscall below costs about that or more"
    for sh in "${shells[@]}"; do
        printf '%s\n' "${hook_miss[@]}" | grep -q "^$sh:u_" || continue
        if ! type -P strace >/dev/null; then
            echo "   $sh unchanged check: no strace here to count its syscalls"
            continue
        fi
        echo "   $sh, unchanged check, syscalls (strace -f -c, 200 calls less none):"
        echo "     _cuenv_hook in p1 (pin): $(per_call "$sh" "$p1" _cuenv_hook)"
        echo "     _cuenv_hook, no pin:     $(per_call "$sh" "$nopin" _cuenv_hook)"
        echo "     empty function:          $(per_call "$sh" "$p1" _e)"
        [ "$sh" != zsh ] ||
            echo "     (zsh blocks and unblocks signals around each command it runs: the rt_sigprocmask calls)"
        case $sh in
        bash | zsh)
            echo "     the read of the generation file is a redirection: [ -r ] (access), then open, read," \
                "close, and the dup2/fcntl/close that save and restore stdin, every prompt. A check by" \
                "stat alone would do: e.g. 'cuenv use' renames a pin-generation.N file to N+1 and the hook" \
                "tests [ -e \"\$ROOT/pin-generation.\$_CUENV_GEN\" ] (one syscall; the pin's -nt stays two)." ;;
        fish)
            echo "     the pin-age test runs two command substitutions, (path mtime …) each: pipes, a" \
                "buffer thread (futex, poll), reads and closes. fish's test has -nt:" \
                "'test \$_CUENV_PIN -nt GEN' is two stats and no substitution; 'read gen < GEN'" \
                "could likewise become a stat-only test as suggested for bash." ;;
        esac
    done
fi
exit 0
