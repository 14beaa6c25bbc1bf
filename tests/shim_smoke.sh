#!/usr/bin/env bash
# Smoke test of shims/cuenv-shim.c against a hand-made CUENV_ROOT.
#
# usage: tests/shim_smoke.sh          (CC=clang, CFLAGS="-fsanitize=address,undefined" work too)
# Builds the shim and a probe program into a temporary directory, lays out
# envs/, shims/, pins and locks, and checks what the shim runs and with which
# variables. Prints one line per failure and exits non-zero when any failed.
# shellcheck disable=SC2016 # bash -c '...' scripts expand their own arguments
set -u
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R=$T/root
fails=0
CC=${CC:-cc}

# The probe prints what it was started as, then exits PROBE_EXIT or raises PROBE_KILL.
# "probe --argc0 PROG" runs PROG with an empty argv.
cat >"$T/probe.c" <<'EOF'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv)
{
	static const char *vars[] = { "CUENV_ACTIVE", "CUDA_HOME", "CUDAToolkit_ROOT", "CUDNN_PATH",
				      "PATH", "LD_LIBRARY_PATH", "CUENV_SHIM_DEPTH", NULL };
	char exe[4096], *none[] = { NULL };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (argc == 3 && !strcmp(argv[1], "--argc0"))
		return execve(argv[2], none, environ), 99;
	exe[n > 0 ? n : 0] = '\0';
	printf("exe=%s\npid=%ld\nargc=%d\n", exe, (long)getpid(), argc);
	for (int i = 0; i < argc; i++)
		printf("argv%d=[%s]\n", i, argv[i]);
	for (int i = 0; vars[i]; i++)
		printf("%s=%s\n", vars[i], getenv(vars[i]) ? getenv(vars[i]) : "<unset>");
	fflush(stdout);
	if (getenv("PROBE_KILL"))
		raise(atoi(getenv("PROBE_KILL")));
	return getenv("PROBE_EXIT") ? atoi(getenv("PROBE_EXIT")) : 0;
}
EOF
mkdir -p "$R/envs" "$R/shims" "$T/sys/bin" "$T/loop" "$T/other"
W="-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Wstrict-prototypes \
-Wmissing-prototypes -Wformat=2 -Wvla -Werror"
# shellcheck disable=SC2086
$CC $W ${CFLAGS:-} -o "$R/shims/.cuenv-shim" shims/cuenv-shim.c || { echo "shim smoke: build failed"; exit 1; }
$CC -O1 -o "$T/probe" "$T/probe.c" || { echo "shim smoke: probe build failed"; exit 1; }
for t in nvcc ptxas python; do ln "$R/shims/.cuenv-shim" "$R/shims/$t"; done
cp "$R/shims/.cuenv-shim" "$R/shims/copy"
ln "$R/shims/.cuenv-shim" "$T/other/python"
ln -s "$R/shims" "$T/shims-link"
printf 'python\n# comment\n' >"$R/shims/.wrappers"
for e in cuda-12.4.0-devel cuda-12.4.1-devel cuda-12.9.1-devel cuda-12.10.0-devel \
	cuda-12.6.3-runtime cuda-12.6.3+cudnn-9.1.0.70-devel cuda-12.6.3+cudnn-9.10.1.4-devel \
	cuda-12.6.3+cudnn-9.2.1.18-runtime; do
	mkdir -p "$R/envs/$e/bin" "$R/envs/$e/lib" "$R/envs/$e/.cuenv"
	cp "$T/probe" "$R/envs/$e/bin/nvcc"
	touch "$R/envs/$e/.cuenv/receipt"
done
# Not envs: no receipt, a hidden name, a name that does not parse.
for e in cuda-11.8.0-devel .cuda-12.99.0-devel cuda-12.98-devel.x cuda-12.97.0-devel; do
	mkdir -p "$R/envs/$e/bin" "$R/envs/$e/.cuenv"
	cp "$T/probe" "$R/envs/$e/bin/nvcc"
	[ "$e" = cuda-12.97.0-devel ] || touch "$R/envs/$e/.cuenv/receipt"
done
rm "$R/envs/cuda-11.8.0-devel/bin/nvcc"
cp "$T/probe" "$T/sys/bin/nvcc"
cp "$T/probe" "$T/sys/bin/python"
printf '#!/bin/sh\nexec %s/shims/python "$@"\n' "$R" >"$T/loop/python"
chmod +x "$T/loop/python"
BASE="$R/shims:$T/sys/bin:/usr/bin:/bin"
TIMEOUT=$(command -v timeout)

# sh_run DIR VAR=VALUE... -- CMD...: run CMD in DIR with a clean environment.
sh_run() {
    local dir=$1
    shift
    local vars=()
    while [ "$1" != -- ]; do vars+=("$1"); shift; done
    shift
    (cd "$dir" && exec env -i HOME="$T/home" CUENV_ROOT="$R" PATH="$BASE" "${vars[@]}" \
        "$TIMEOUT" 5 "$@") >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
}
fail() { echo "not ok: $*"; echo "  stdout: $(head -c 600 "$T/out" | tr '\n' '|')"; \
    echo "  stderr: $(cat "$T/err")"; fails=$((fails + 1)); }
# expect NAME RC [LINE...]: exit status and exact stdout lines; "err:TEXT" checks stderr.
expect() {
    local name=$1 rc=$2 l
    shift 2
    [ "$(cat "$T/rc")" = "$rc" ] || { fail "$name: exit $(cat "$T/rc"), want $rc"; return; }
    for l in "$@"; do
        case $l in
        err:*) grep -qF -- "${l#err:}" "$T/err" || { fail "$name: stderr lacks '${l#err:}'"; return; } ;;
        *) grep -qxF -- "$l" "$T/out" || { fail "$name: stdout lacks '$l'"; return; } ;;
        esac
    done
    if [ "$rc" = 126 ] || [ "$rc" = 127 ]; then
        if [ -s "$T/out" ] || [ "$(wc -l <"$T/err")" != 1 ]; then
            fail "$name: an error must be one line on stderr, nothing on stdout"
        fi
    fi
}
E=$R/envs
mkdir -p "$T/home" "$T/p/a/b" "$T/crlf" "$T/lock" "$T/stale" "$T/bad" "$T/fifo" "$T/big" \
    "$T/zero" "$T/mgr" "$T/none" "$T/garbage" "$T/rt"

sh_run "$T/none" -- nvcc -V
expect "no pin passes through" 0 "exe=$T/sys/bin/nvcc" "argv0=[nvcc]" "argv1=[-V]" \
    "CUENV_SHIM_DEPTH=1" "CUDA_HOME=<unset>"
sh_run "$T/none" PATH="$R/shims:$T/shims-link:$T/other" -- python
expect "no pin, nothing else on PATH" 127 "err:cuenv-shim: error: 'python' not found on PATH"
sh_run "$T/none" CUENV_VERSION=12.4 LD_LIBRARY_PATH=":/u/lib::$E/cuda-12.9.1-devel/lib:" \
    PATH=":$R/shims::$E/cuda-12.9.1-devel/bin:$E/cuda-12.4.1-devel/bin:$T/sys/bin:/usr/bin:/bin:" -- nvcc
expect "CUENV_VERSION" 0 "exe=$E/cuda-12.4.1-devel/bin/nvcc" "CUDA_HOME=$E/cuda-12.4.1-devel" \
    "CUDAToolkit_ROOT=$E/cuda-12.4.1-devel" "CUENV_ACTIVE=cuda-12.4.1-devel" "CUDNN_PATH=<unset>" \
    "PATH=$E/cuda-12.4.1-devel/bin:$BASE" "LD_LIBRARY_PATH=$E/cuda-12.4.1-devel/lib:/u/lib"
sh_run "$T/none" CUENV_VERSION=12 CUDNN_PATH=/old -- nvcc
expect "numeric order, cuDNN vars unset" 0 "CUENV_ACTIVE=cuda-12.10.0-devel" "CUDNN_PATH=<unset>"
printf '12.6+cudnn9.1\n' >"$T/p/.cuda-version"
sh_run "$T/p/a/b" -- nvcc
expect "pin in a parent, 9.1 is not 9.10" 0 "CUENV_ACTIVE=cuda-12.6.3+cudnn-9.1.0.70-devel" \
    "CUDNN_PATH=$E/cuda-12.6.3+cudnn-9.1.0.70-devel"
for s in "12.6+cudnn9|12.6.3+cudnn-9.10.1.4" "12+cudnn>=9.2|12.6.3+cudnn-9.10.1.4" \
    "12.6.3+cudnn|12.6.3+cudnn-9.10.1.4" "12.6+cudnn9.1.0|12.6.3+cudnn-9.1.0.70" "latest|12.10.0"; do
    sh_run "$T/p/a/b" CUENV_VERSION="${s%%|*}" -- nvcc
    expect "spec ${s%%|*}" 0 "CUENV_ACTIVE=cuda-${s#*|}-devel"
done
sh_run "$T/p/a/b" CUENV_VERSION= -- nvcc
expect "empty CUENV_VERSION is unset" 0 "CUENV_ACTIVE=cuda-12.6.3+cudnn-9.1.0.70-devel"
printf '\xef\xbb\xbf# a comment\r\n\r\n  12.6  \r\nprofile = runtime\r\nunknown=1\r\n' >"$T/crlf/.cuda-version"
sh_run "$T/crlf" -- nvcc
expect "BOM, CRLF, profile" 0 "CUENV_ACTIVE=cuda-12.6.3-runtime"
printf '12.6\ncudnn=9\nprofile=runtime\n' >"$T/mgr/.cuda-version"
sh_run "$T/mgr" -- nvcc
expect "cudnn= line" 0 "CUENV_ACTIVE=cuda-12.6.3+cudnn-9.2.1.18-runtime"
printf '12\n' >"$T/lock/.cuda-version"
printf 'spec = 12\nprofile = devel\nenv = cuda-12.4.0-devel\n' >"$T/lock/cuenv.lock"
sh_run "$T/lock" -- nvcc
expect "lock names the env" 0 "CUENV_ACTIVE=cuda-12.4.0-devel"
printf 'spec = 12\nprofile = runtime\nenv = cuda-12.4.0-devel\n' >"$T/lock/cuenv.lock"
sh_run "$T/lock" -- nvcc
expect "lock of another profile ignored" 0 "CUENV_ACTIVE=cuda-12.10.0-devel"
printf '12.4\n' >"$T/stale/.cuda-version"
printf 'spec = 12.3\nenv = cuda-12.4.0-devel\n' >"$T/stale/cuenv.lock"
sh_run "$T/stale" -- nvcc
expect "stale lock ignored" 0 "CUENV_ACTIVE=cuda-12.4.1-devel"
printf 'spec=12.4\nprofile=devel\nenv=cuda-12.4.7-devel\n' >"$T/stale/cuenv.lock"
sh_run "$T/stale" -- nvcc
expect "lock env not installed: newest match" 0 "CUENV_ACTIVE=cuda-12.4.1-devel"
printf '11.7\n' >"$T/stale/.cuda-version"
sh_run "$T/stale" -- nvcc
expect "not installed" 127 "err:'11.7' (set by $T/stale/.cuda-version) is not installed; run 'cuenv install' in $T/stale"
sh_run "$T/none" CUENV_VERSION="  cuda-12.4.0-devel " -- nvcc
expect "exact env name" 0 "CUENV_ACTIVE=cuda-12.4.0-devel"
printf '12.9\n' >"$R/global-version"
sh_run "$T/none" -- nvcc
expect "global pin" 0 "CUENV_ACTIVE=cuda-12.9.1-devel"
printf 'spec = 12.9\nprofile = devel\nenv = cuda-12.4.0-devel\n' >"$R/global-version.lock"
sh_run "$T/none" -- nvcc
expect "global lock" 0 "CUENV_ACTIVE=cuda-12.4.0-devel"
rm "$R/global-version.lock"
sh_run "$T/none" CUENV_VERSION=10 -- nvcc
expect "not installed (env var)" 127 "err:'10' (set by CUENV_VERSION) is not installed; run 'cuenv install 10'"
sh_run "$T/none" CUENV_VERSION=11 -- nvcc
expect "tool not in env" 127 "err:'nvcc' is not in cuda-11.8.0-devel (set by CUENV_VERSION)"
sh_run "$T/none" CUENV_VERSION=12.4 -- ptxas
expect "tool not in env, not a wrapper" 127 "err:'ptxas' is not in cuda-12.4.1-devel (set by CUENV_VERSION)"
sh_run "$T/none" CUENV_VERSION=12.4 PATH="$T/shims-link:$R/shims:$T/other:$T/sys/bin:/usr/bin" \
    -- python x
expect "wrapper skips shim dirs and itself" 0 "exe=$T/sys/bin/python" "argv0=[python]" \
    "CUDA_HOME=$E/cuda-12.4.1-devel" "CUENV_SHIM_DEPTH=1"
sh_run "$T/none" CUENV_VERSION=12.4 PATH="$R/shims:$T/loop:/usr/bin:/bin" -- python
expect "wrapper loop stops" 126 "err:shim loop"
sh_run "$T/none" CUENV_SHIM_DEPTH=19 -- nvcc
expect "depth 19 runs" 0 "CUENV_SHIM_DEPTH=20"
sh_run "$T/none" CUENV_SHIM_DEPTH=20 -- nvcc
expect "depth 20 stops" 126 "err:shim loop"
printf '12.x\n' >"$T/bad/.cuda-version"
sh_run "$T/bad" -- nvcc
expect "invalid spec" 126 "err:cuenv-shim: error: invalid spec '12.x' in $T/bad/.cuda-version:1"
printf '12.4\nprofile=\001devel\n' >"$T/garbage/.cuda-version"
sh_run "$T/garbage" -- nvcc
expect "control character" 126 "err:control character in $T/garbage/.cuda-version:2"
printf '12.4\n12.5\n' >"$T/garbage/.cuda-version"
sh_run "$T/garbage" -- nvcc
expect "two versions" 126 "err:invalid line '12.5' in $T/garbage/.cuda-version:2"
printf '# only a comment\n\n' >"$T/garbage/.cuda-version"
sh_run "$T/garbage" -- nvcc
expect "no spec" 126 "err:no spec in '$T/garbage/.cuda-version'"
printf '12.4\nprofile = tiny\n' >"$T/garbage/.cuda-version"
sh_run "$T/garbage" -- nvcc
expect "bad profile" 126 "err:invalid profile 'tiny' in $T/garbage/.cuda-version:2"
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$T/theirs/p"
    printf '12.4\n' >"$T/theirs/.cuda-version"
    printf '11\n' >"$T/theirs/p/.cuda-version"
    chown 65534 "$T/theirs/p/.cuda-version"
    sh_run "$T/theirs/p" -- nvcc
    expect "pin of another user skipped" 0 "CUENV_ACTIVE=cuda-12.4.1-devel" \
        "err:cuenv-shim: warning: ignoring '$T/theirs/p/.cuda-version': it belongs to another user (uid 65534)"
fi
mkfifo "$T/fifo/.cuda-version"
sh_run "$T/fifo" -- nvcc
expect "fifo pin" 126 "err:'$T/fifo/.cuda-version' is not a regular file"
ln -s /dev/zero "$T/zero/.cuda-version"
sh_run "$T/zero" -- nvcc
expect "/dev/zero pin" 126 "err:is not a regular file"
head -c 5000 /dev/zero | tr '\0' '1' >"$T/big/.cuda-version"
sh_run "$T/big" -- nvcc
expect "big pin" 126 "err:is larger than 4096 bytes"
sh_run "$T/none" CUENV_VERSION=12.4 PROBE_EXIT=42 -- nvcc "" "a b" $'l1\nl2' -x +y
expect "argv and exit status" 42 "argc=6" "argv0=[nvcc]" "argv1=[]" "argv2=[a b]" "argv3=[l1" \
    "l2]" "argv4=[-x]" "argv5=[+y]"
sh_run "$T/none" CUENV_VERSION=12.4 PROBE_KILL=15 -- sh -c "$R/shims/nvcc; echo rc=\$?"
expect "signal" 0 "rc=143"
sh_run "$T/none" CUENV_VERSION=12.4 -- sh -c "echo shell=\$\$; exec $R/shims/nvcc"
expect "same pid" 0 "pid=$(sed -n 's/^shell=//p' "$T/out")"
for a in ../../bin/sh NVCC copy "$(printf 'nv\ncc')" "$(head -c 5000 /dev/zero | tr '\0' a)" \
    .cuenv-shim .. .wrappers; do
    sh_run "$T/none" -- bash -c 'exec -a "$0" "$1"' "$a" "$R/shims/nvcc"
    expect "argv0 '${a:0:20}'" 127 "err:is not a cuenv shim"
done
sh_run "$T/none" -- bash -c 'exec -a "" "$0"' "$R/shims/nvcc"
expect "empty argv0" 126 "err:no program name"
sh_run "$T/none" -- "$T/probe" --argc0 "$R/shims/nvcc"
expect "argc 0" 126 "err:no program name"
sh_run "$T/none" -- bash -c 'exec -a "$0" "$1"' "/abs/path/to/nvcc" "$R/shims/nvcc"
expect "absolute argv0" 0 "exe=$R/envs/cuda-12.9.1-devel/bin/nvcc" "argv0=[/abs/path/to/nvcc]"
chmod -x "$E/cuda-12.4.1-devel/bin/nvcc"
sh_run "$T/none" CUENV_VERSION=12.4 -- nvcc
expect "not executable" 126 "err:cannot run '$E/cuda-12.4.1-devel/bin/nvcc': Permission denied"

[ "$fails" = 0 ] && echo "shim smoke: all passed" || echo "shim smoke: $fails failed"
[ "$fails" = 0 ]
