#!/usr/bin/env bats
# cuenv exec --audit: every CUDA-family library a command and its children load, found
# with an LD_AUDIT module (shims/cuenv-audit.c) that changes nothing; libraries from
# outside the env and families loaded from two directories are flagged; the command's
# exit status is passed on.

load helper
load activation_helper

setup_file() {
    act_setup_file || return 1
    export AB=$BATS_FILE_TMPDIR/bin
    mkdir -p "$AB"
    # dl NAME...: dlopen each library by name, as cuDNN opens its sub-libraries; a
    # libcudnn's own fixture function then opens all of them. Exits with $DL_EXIT (7).
    cat >"$AB/dl.c" <<'EOF'
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		void *h = dlopen(argv[i], RTLD_NOW | RTLD_GLOBAL);
		int (*subs)(void);
		if (!h) {
			fprintf(stderr, "dl: %s\n", dlerror());
			return 3;
		}
		*(void **)&subs = dlsym(h, "cuenv_fixture_dlopen_sublibs");
		if (subs && subs() != 0)
			return 4;
	}
	return getenv("DL_EXIT") ? atoi(getenv("DL_EXIT")) : 7;
}
EOF
    gcc -std=c11 -O1 -o "$AB/dl" "$AB/dl.c" -ldl || return 1
}

setup() { act_setup; }

# re STRING: STRING as an extended regular expression that matches only itself.
re() {
    printf '%s' "$1" | sed 's/[][\\.^$*+?(){}|]/\\&/g'
}

# The report of the last run: JSON in $T/report.json.
report() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])' "$T/report.json" "$1"
}

@test "a program that dlopens cuDNN's sub-libraries: all from the env, its exit status kept" {
    trun "$CUENV" exec --audit 12.4+cudnn9 -- "$AB/dl" libcudnn.so.9 libcudart.so.12
    assert_failure 7
    assert_output ""
    assert_stderr_line "^cuenv: audit of '$(re "$AB")/dl' in $(re "$ENV124DNN"): 9 CUDA-family libraries in 1 processes, 0 outside the env, 0 families mixed$"
    for s in "" _ops _cnn _adv _graph _heuristic _engines_precompiled _engines_runtime_compiled; do
        assert_stderr_line "^    cudnn +libcudnn$s\.so\.9 +$(re "$E124DNN")/lib/libcudnn$s\.so\.9\.14\.0$"
    done
    assert_stderr_line "^    cudart +libcudart\.so\.12 +$(re "$E124DNN")/lib/libcudart\.so\.12\.4\.127$"
}

@test "a child loads from another env and from outside: flagged, and the family mix" {
    mkdir -p "$T/outside"
    cp "$E130DNN/lib/libcudnn_ops.so.9.14.0" "$T/outside/libcudnn_ops.so.9"
    trun "$CUENV" exec --audit --json --report "$T/report.json" 12.4+cudnn9 -- sh -c '
        export DL_EXIT=0
        "$1" libcudnn.so.9 || exit
        LD_LIBRARY_PATH=$2:$LD_LIBRARY_PATH "$1" libcudnn.so.9 || exit
        LD_LIBRARY_PATH=$3 "$1" libcudart.so.13' sh "$AB/dl" "$T/outside" "$E130DNN/lib"
    assert_success
    assert_stderr ""
    report '
assert d["env"] == "'"$ENV124DNN"'" and d["exit_status"] == 0
procs = [p for p in d["processes"] if p["libraries"]]
assert len(procs) == 3, [p["exe"] for p in d["processes"]]
first, mixed, other = procs
assert all(l["where"] == "env" for l in first["libraries"]) and not first["mixed_families"]
ops = [l for l in mixed["libraries"] if l["name"] == "libcudnn_ops.so.9"][0]
assert ops["where"] == "outside" and ops["outside_env"] and ops["mixed"], ops
assert ops["file"] == "'"$T"'/outside/libcudnn_ops.so.9"
assert mixed["mixed_families"] == ["cudnn"], mixed
main = [l for l in mixed["libraries"] if l["name"] == "libcudnn.so.9"][0]
assert main["where"] == "env" and main["mixed"] and not main["outside_env"]
rt = other["libraries"][0]
assert rt["where"] == "another env" and rt["outside_env"] and rt["name"] == "libcudart.so.13", rt
assert d["outside_env"] == 2 and d["mixed"] == 1, (d["outside_env"], d["mixed"])
assert d["command"][0] == "sh"'
}

@test "the text report flags outside, another env and mixed libraries" {
    mkdir -p "$T/outside"
    cp "$E130DNN/lib/libcudnn_ops.so.9.14.0" "$T/outside/libcudnn_ops.so.9"
    trun "$CUENV" exec --audit 12.4+cudnn9 -- sh -c '
        LD_LIBRARY_PATH=$2:$LD_LIBRARY_PATH "$1" libcudnn.so.9
        LD_LIBRARY_PATH=$3 "$1" libcudart.so.13' sh "$AB/dl" "$T/outside" "$E130DNN/lib"
    assert_failure 7
    assert_stderr_line "^    cudnn +libcudnn_ops\.so\.9 +$(re "$T")/outside/libcudnn_ops\.so\.9  \[OUTSIDE THE ENV\]  \[MIXED\]$"
    assert_stderr_line "^    cudart +libcudart\.so\.13 +$(re "$E130DNN")/lib/libcudart\.so\.13\.[0-9.]+  \[ANOTHER ENV\]$"
    assert_stderr_line "^  warning: pid [0-9]+ loaded cuDNN from more than one directory$"
    assert_stderr_line "^  warning: 2 libraries came from outside $(re "$E124DNN")$"
}

@test "the audit changes nothing that loads: the same libraries mapped with and without it" {
    trun "$CUENV" exec 12.4+cudnn9 -- "$TB/rtdnn12"
    assert_success
    plain=$output
    trun "$CUENV" exec --audit 12.4+cudnn9 -- "$TB/rtdnn12"
    assert_success
    [ "$output" = "$plain" ] || fail "with --audit: $output; without: $plain"
    assert_stderr_line "^    cudart +libcudart\.so\.12 +$(re "$E124DNN")/lib/libcudart\.so\.12\.4\.127$"
}

@test "a library with initial-exec TLS that loads without the audit loads with it too" {
    # LD_AUDIT's own libc namespace takes some of the loader's static TLS (glibc bug
    # 31991); cuenv raises glibc.rtld.optional_static_tls to make up for it. The largest
    # of these sizes that loads plainly must load audited as well.
    local n ok=
    printf '#include <dlfcn.h>\n#include <stdio.h>\nint main(int c, char **v) { if (!dlopen(v[1], RTLD_NOW)) { puts(dlerror()); return 1; } return 0; }\n' >"$T/tls.c"
    gcc -o "$T/tls" "$T/tls.c" -ldl
    for n in 1024 1536 1600 1664 1696 1712 1728 1760 1792 2048; do
        printf '__thread char big[%d] __attribute__((tls_model("initial-exec")));\nint touch(void) { return big[0]; }\n' "$n" >"$T/big.c"
        gcc -shared -fPIC -o "$T/libbig$n.so" "$T/big.c"
        "$T/tls" "$T/libbig$n.so" >/dev/null && ok=$n
    done
    [ -n "$ok" ] || skip "no size loads even without the audit"
    trun "$CUENV" exec --audit 12.4 -- "$T/tls" "$T/libbig$ok.so"
    assert_success
    assert_output ""
    GLIBC_TUNABLES=glibc.malloc.check=0 trun "$CUENV" exec --audit 12.4 -- sh -c 'echo "$GLIBC_TUNABLES"'
    assert_output "glibc.malloc.check=0:glibc.rtld.optional_static_tls=576"
}

@test "the program's death by a signal is passed on; a missing program is 127" {
    ulimit -c 0
    run "$CUENV" exec --audit 12.4 -- cuenv-test-kill TERM
    assert_failure 143
    run -127 --separate-stderr "$CUENV" exec --audit 12.4 -- no-such-program
    assert_failure 127
    assert_stderr_line "^cuenv: error: cannot run 'no-such-program': No such file or directory$"
}

@test "a setuid child runs as usual, unaudited; a user's own LD_AUDIT is kept after ours" {
    command -v setpriv >/dev/null || skip "no setpriv"
    [ "$(id -u)" = 0 ] || skip "needs root to make a setuid-root program"
    cp /bin/true "$T/suid-true"
    chmod 4755 "$T/suid-true"
    trun "$CUENV" exec --audit 12.4 -- setpriv --reuid=65534 --regid=65534 --clear-groups "$T/suid-true"
    assert_success
    refute_stderr_line() { ! grep -q -- "$1" <<<"$stderr" || fail "stderr has: $1"; }
    refute_stderr_line "ERROR: ld.so"
    assert_stderr_line "^cuenv: audit of 'setpriv' in $(re "$ENV124"): 0 CUDA-family libraries"
    LD_AUDIT=/nonexistent/audit.so trun "$CUENV" exec --audit 12.4 -- sh -c 'echo "$LD_AUDIT"'
    assert_line --regexp "/cuenv-audit\.so:/nonexistent/audit\.so$"
}

@test "the module is found beside cuenv (build layout) or in ../libexec/cuenv (installed)" {
    mkdir -p "$T/prefix/bin" "$T/prefix/libexec/cuenv" "$T/bare"
    cp "$CUENV" "$T/prefix/bin/cuenv"
    cp "$CUENV_SRC/bin/cuenv-audit.so" "$T/prefix/libexec/cuenv/"
    cp "$CUENV" "$T/bare/cuenv"
    trun "$T/prefix/bin/cuenv" exec --audit 12.4 -- "$AB/dl" libcudart.so.12
    assert_failure 7
    assert_stderr_line "^    cudart +libcudart\.so\.12 "
    trun "$T/bare/cuenv" exec --audit 12.4 -- true
    assert_failure 1
    assert_stderr_line "^cuenv: error: the audit module 'cuenv-audit.so' is not installed beside cuenv$"
}

@test "--json and --report go with --audit; env takes neither" {
    trun "$CUENV" exec --json 12.4 -- true
    assert_failure 2
    assert_stderr_line "^cuenv: error: --json goes with --audit$"
    trun "$CUENV" exec --report "$T/r" 12.4 -- true
    assert_failure 2
    trun "$CUENV" env --audit 12.4
    assert_failure 2
    [ ! -e "$T/r" ]
}
