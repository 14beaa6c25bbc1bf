#!/usr/bin/env bats
# cuenv exec, cuenv env and cuenv which: the variables of DESIGN.md "Running
# things" (layout.h), exec fidelity (RELIABILITY.md REL-59), every --shell
# format read back by its consumer, LD_LIBRARY_PATH/PATH hygiene, and the
# env's libraries winning over the global ld.so.cache.

load helper
load activation_helper

setup_file() { act_setup_file; }
setup() { act_setup; }

# ---- exec: the variables ----

@test "exec SPEC: the command runs with exactly the env's variables (no cuDNN, then cuDNN)" {
    trun "$CUENV" exec 12.4 -- cuenv-test-env
    assert_success
    assert_stderr ""
    assert_output "$(expected_env "$ENV124" /usr/bin:/bin -)"

    trun "$CUENV" exec 13.0+cudnn9 -- cuenv-test-env
    assert_success
    assert_output "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"

    # An env's exact name works as a spec too.
    trun "$CUENV" exec "$ENV126" -- cuenv-test-env
    assert_success
    assert_output "$(expected_env "$ENV126" /usr/bin:/bin -)"
}

@test "exec without SPEC uses the pin; the command is found on the env's PATH" {
    cd "$PA"
    trun "$CUENV" exec -- nvcc --version
    assert_success
    assert_line 'Cuda compilation tools, release 12.4, V12.4.131'
    assert_line "nvcc path: $E124/bin/nvcc"
    cd "$PB"
    trun "$CUENV" exec -- nvcc --version
    assert_success
    assert_line --regexp '^Cuda compilation tools, release 13\.0, '
    assert_line "nvcc path: $E130DNN/bin/nvcc"
    # A SPEC on the command line beats the pin; --profile picks the profile.
    trun "$CUENV" exec 12.6 -- cuenv-test-env
    assert_line "CUENV_ACTIVE=$ENV126"
    trun "$CUENV" exec --profile runtime 12.4 -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_success
    assert_output "$ENV124RT"
}

@test "exec replaces an active env: its PATH and LD_LIBRARY_PATH entries and CUDNN_* go" {
    cd "$PA"
    trun env PATH="$E130DNN/bin:/usr/bin:$E130DNN/bin:/bin" \
        LD_LIBRARY_PATH="$E130DNN/lib:/opt/user lib:$E130DNN/lib/stubs" \
        CUDA_HOME="$E130DNN" CUDNN_PATH="$E130DNN" CUDNN_HOME="$E130DNN" CUDNN_ROOT="$E130DNN" \
        CUENV_ACTIVE="$ENV130DNN" "$CUENV" exec -- cuenv-test-env
    assert_success
    assert_output "$(expected_env "$ENV124" /usr/bin:/bin "/opt/user lib")"
}

# ---- exec fidelity (REL-59) ----

@test "REL-59: exec: the exit status is the program's own (42), nothing extra on stdout or stderr" {
    trun "$CUENV" exec 12.4 -- cuenv-test-exit 42
    assert_failure 42
    assert_output ""
    assert_stderr ""
    trun "$CUENV" exec 12.4 -- cuenv-test-exit 0
    assert_success
    assert_output ""
    assert_stderr ""
}

@test "REL-59: exec: death by a signal is the program's (TERM seen as 143, SEGV as 139)" {
    ulimit -c 0
    # No timeout(1) here: it would stand between the shell and the program.
    run "$CUENV" exec 12.4 -- cuenv-test-kill TERM
    assert_failure 143
    run "$CUENV" exec 12.4 -- cuenv-test-kill SEGV
    assert_failure 139
    run "$CUENV" exec 12.4 -- cuenv-test-kill INT
    assert_failure 130
}

@test "REL-59: exec: the program keeps cuenv's PID and parent (no process stays around)" {
    printf '#!/bin/sh\necho "$$ $PPID"\n' >"$T/pid.sh"
    chmod +x "$T/pid.sh"
    trun sh -c 'echo "$$ $PPID"; exec "$@"' sh "$CUENV" exec 12.4 -- "$T/pid.sh"
    assert_success
    [ "${#lines[@]}" -eq 2 ] || fail "expected two lines: $output"
    assert_equal "${lines[1]}" "${lines[0]}"
}

@test "REL-59: exec: argv reaches the program byte for byte (empty, spaces, newline, leading - + --)" {
    local args=("" "a b" $'line1\nline2' "-n" "--" "+x" "-" "--profile" "*" '$HOME' "é" " ")
    "$CUENV" exec 12.4 -- cuenv-test-argv "${args[@]}" >"$T/got"
    printf '%s\0' "$E124/bin/cuenv-test-argv" "${args[@]}" >"$T/want"
    cmp "$T/want" "$T/got" || fail "argv differs: $(od -c "$T/got" | head -20)"
    # With the pin, and an option-looking first argument.
    cd "$PA"
    "$CUENV" exec -- cuenv-test-argv --help -- "" >"$T/got"
    printf '%s\0' "$E124/bin/cuenv-test-argv" --help -- "" >"$T/want"
    cmp "$T/want" "$T/got"
}

@test "REL-59: exec: stdin passes through (1 MiB)" {
    head -c 1048576 /dev/urandom >"$T/in"
    local want
    want=$(sha256sum <"$T/in")
    trun "$CUENV" exec 12.4 -- sha256sum <"$T/in"
    assert_success
    assert_output "$want"
    # Through a pipe, too.
    run bash -c 'cat "$1" | timeout 10 "$2" exec 12.4 -- sha256sum' _ "$T/in" "$CUENV"
    assert_output "$want"
}

@test "exec: a missing command is 127, a non-executable one 126, a missing -- or command is 2" {
    trun -127 "$CUENV" exec 12.4 -- no-such-program-cuenv
    assert_failure 127
    assert_stderr_regexp "no-such-program-cuenv"
    printf 'echo hi\n' >"$T/noexec"
    chmod 644 "$T/noexec"
    trun "$CUENV" exec 12.4 -- "$T/noexec"
    assert_failure 126
    trun "$CUENV" exec 12.4 cuenv-test-exit 0
    assert_failure 2
    assert_stderr_regexp "expected '--' before the command"
    trun "$CUENV" exec 12.4 --
    assert_failure 2
    assert_stderr_regexp "no command given"
}

@test "exec: nothing pinned or nothing installed is exit 3 with how to install it" {
    mkdir "$T/nopin"
    cd "$T/nopin"
    trun "$CUENV" exec -- cuenv-test-exit 0
    assert_failure 3
    assert_output ""
    assert_stderr_line "^cuenv: error: no CUDA pin here"
    # A pin whose pair is not installed: install in that directory.
    mkdir -p "$T/proj/sub"
    printf '12.2\n' >"$T/proj/.cuda-version"
    cd "$T/proj/sub"
    trun "$CUENV" exec -- cuenv-test-exit 0
    assert_failure 3
    assert_output ""
    assert_stderr "cuenv: error: '12.2' (set by $T/proj/.cuda-version) is not installed
hint: run 'cuenv install' in '$T/proj'"
    # A spec on the command line: install that spec.
    trun "$CUENV" exec 12.2 -- cuenv-test-exit 0
    assert_failure 3
    assert_stderr "cuenv: error: '12.2' (given on the command line) is not installed
hint: run 'cuenv install 12.2'"
    CUENV_VERSION=11.8 trun "$CUENV" exec -- cuenv-test-exit 0
    assert_failure 3
    assert_stderr "cuenv: error: '11.8' (set by the environment variable CUENV_VERSION) is not installed
hint: run 'cuenv install 11.8'"
}

# ---- LD_LIBRARY_PATH and PATH ----

# Run cuenv-test-env under exec 12.4 and under 'cuenv env' evaluated by bash,
# with LD_LIBRARY_PATH $1 ("-": unset) and PATH $2; both must print the
# expected env with the user's part $3 of LD_LIBRARY_PATH and $4 of PATH.
check_ld() {
    local ld=$1 path=$2 want
    want=$(expected_env "$ENV124" "$4" "$3")
    local -a setld=(env LD_LIBRARY_PATH="$ld")
    [ "$ld" = - ] && setld=(env -u LD_LIBRARY_PATH)
    run "${setld[@]}" PATH="$path" "$CUENV" exec 12.4 -- cuenv-test-env
    assert_success
    [ "$output" = "$want" ] || fail "exec, LD_LIBRARY_PATH='$ld' PATH='$path':
$output
expected:
$want"
    run "${setld[@]}" PATH="$path" /bin/bash -c 'eval "$("$1" env 12.4)" && cuenv-test-env' _ "$CUENV"
    assert_success
    [ "$output" = "$want" ] || fail "env, LD_LIBRARY_PATH='$ld' PATH='$path':
$output
expected:
$want"
    assert_no_empty_element "$(sed -n 's/^LD_LIBRARY_PATH=//p' <<<"$output")"
    assert_no_empty_element "$(sed -n 's/^PATH=//p' <<<"$output")"
}

@test "[SHIM] LD_LIBRARY_PATH unset, empty, ':' or '::': just the env's lib, never an empty element" {
    check_ld - /usr/bin:/bin "" /usr/bin:/bin
    check_ld "" /usr/bin:/bin "" /usr/bin:/bin
    check_ld : /usr/bin:/bin "" /usr/bin:/bin
    check_ld :: /usr/bin:/bin "" /usr/bin:/bin
}

@test "LD_LIBRARY_PATH with the user's own entries: kept, in order, empty elements dropped" {
    check_ld "/opt/a:/opt/b" /usr/bin:/bin "/opt/a:/opt/b" /usr/bin:/bin
    check_ld ":/opt/a::/opt/my libs:" /usr/bin:/bin "/opt/a:/opt/my libs" /usr/bin:/bin
}

@test "LD_LIBRARY_PATH with another env's entries: removed; the env's own: not duplicated" {
    check_ld "$E130DNN/lib:/opt/a" /usr/bin:/bin /opt/a /usr/bin:/bin
    check_ld "/opt/a:$E126/lib:$E130DNN/lib/stubs" /usr/bin:/bin /opt/a /usr/bin:/bin
    check_ld "$E124/lib:/opt/a:$E124/lib" /usr/bin:/bin /opt/a /usr/bin:/bin
}

@test "PATH: empty elements dropped, another env's bin removed, the shims directory kept" {
    check_ld - "/usr/bin::/bin:" "" /usr/bin:/bin
    check_ld - ":$E130DNN/bin:/usr/bin:$E126/bin:/bin" "" /usr/bin:/bin
    check_ld - "$SHIMS:/usr/bin:$E124/bin:/bin" "" "$SHIMS:/usr/bin:/bin"
}

# ---- the env's libraries win ----

# The unique paths a probe mapped ("map ..." lines).
maps() { sed -n 's/^map //p' <<<"$output"; }

@test "exec: two envs with the same soname (libcudart.so.12 of 12.4 and 12.6) each load their own" {
    trun "$CUENV" exec 12.4 -- "$TB/rt12"
    assert_success
    assert_line "cudart 12040"
    assert_equal "$(maps)" "$E124/lib/libcudart.so.12.4.127"
    trun "$CUENV" exec 12.6 -- "$TB/rt12"
    assert_success
    assert_line "cudart 12060"
    assert_equal "$(maps)" "$(readlink -f "$E126/lib/libcudart.so.12")"
    [[ $(maps) == "$E126/lib/"* ]] || fail "12.6 loaded $(maps)"
    # Same CUDA, with cuDNN: that env's copy.
    trun "$CUENV" exec 12.4+cudnn9 -- "$TB/rtdnn12"
    assert_success
    assert_line "cudart 12040"
    assert_line "cudnn 91400 for cudart 12000"
    run grep -v "^$E124DNN/lib/" <<<"$(maps)"
    assert_output ""
    # And with pins instead of specs.
    cd "$PC"
    trun "$CUENV" exec -- "$TB/rt12"
    assert_line "cudart 12060"
}

@test "exec: the env's libcudart.so.13 wins over /usr/local/cuda in the global ld.so.cache" {
    # The control: without cuenv, the loader takes the cache's copy (when
    # this machine has CUDA 13 in /etc/ld.so.conf.d, as the dev machines do).
    if /sbin/ldconfig -p 2>/dev/null | grep -q 'libcudart\.so\.13 .*=> /usr/local/cuda'; then
        run "$TB/rt13"
        [[ $output == *"map /usr/local/cuda"* ]] || fail "control: expected /usr/local/cuda: $output"
    fi
    trun "$CUENV" exec 13.0+cudnn9 -- "$TB/rt13"
    assert_success
    assert_line "cudart 13000"
    assert_equal "$(maps)" "$(readlink -f "$E130DNN/lib/libcudart.so.13")"
    trun "$CUENV" exec 13.0+cudnn9 -- "$TB/rtdnn13"
    assert_success
    assert_line "cudnn 91400 for cudart 13000"
    run grep -v "^$E130DNN/lib/" <<<"$(maps)"
    assert_output ""
    # The loader's own account: nothing searched for or taken from /usr/local.
    LD_DEBUG=libs "$CUENV" exec 13.0+cudnn9 -- "$TB/rtdnn13" >/dev/null 2>"$T/ld.log"
    grep -q "calling init: $E130DNN/lib/libcudart.so.13" "$T/ld.log" ||
        fail "libcudart not initialised from the env: $(grep -i cudart "$T/ld.log")"
    run grep -E "(init|file=).*/usr/local/cuda" "$T/ld.log"
    assert_output ""
}

@test "exec: a 12.x program run in the 13.0 env does not pick up a 12.x env's library" {
    # LD_LIBRARY_PATH still names 12.4's lib (say, from an earlier activation).
    run -127 env LD_LIBRARY_PATH="$E124/lib" CUENV_ACTIVE="$ENV124" "$CUENV" exec 13.0+cudnn9 -- "$TB/rt12"
    assert_failure
    assert_output --partial "libcudart.so.12: cannot open shared object file"
}

# ---- env: every format, read back by its consumer ----

# The values cuenv-test-env prints, after 'cuenv env' was applied by a shell.
@test "env --shell bash and zsh: evaluated by the shell, the same variables as exec" {
    local want
    cd "$PB"
    want=$(expected_env "$ENV130DNN" /usr/bin:/bin -)
    run bash -c 'eval "$("$1" env --shell bash)" && cuenv-test-env' _ "$CUENV"
    assert_success
    assert_output "$want"
    run "$CUENV" exec -- cuenv-test-env
    assert_output "$want"
    command -v zsh >/dev/null || skip "zsh is not installed"
    run zsh -f -c 'eval "$("$1" env --shell zsh)" && cuenv-test-env' _ "$CUENV"
    assert_success
    assert_output "$want"
    # Switching from B to A in one shell: B's entries and CUDNN_* go.
    run zsh -f -c 'eval "$("$1" env 13.0+cudnn9 --shell zsh)"; eval "$("$1" env 12.4 --shell zsh)"; cuenv-test-env' _ "$CUENV"
    assert_output "$(expected_env "$ENV124" /usr/bin:/bin -)"
    run bash -c 'eval "$("$1" env 13.0+cudnn9)"; eval "$("$1" env 12.4)"; cuenv-test-env' _ "$CUENV"
    assert_output "$(expected_env "$ENV124" /usr/bin:/bin -)"
}

@test "env --shell fish: sourced by fish, the same variables as exec" {
    command -v fish >/dev/null || skip "fish is not installed"
    cd "$PB"
    run fish --no-config -c "\$argv[1] env --shell fish | source; and cuenv-test-env" "$CUENV"
    assert_success
    assert_output "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"
    run fish --no-config -c "\$argv[1] env 13.0+cudnn9 --shell fish | source; \$argv[1] env 12.4 --shell fish | source; cuenv-test-env" "$CUENV"
    assert_output "$(expected_env "$ENV124" /usr/bin:/bin -)"
}

@test "env --shell json: one object, every variable, null for unset" {
    run --separate-stderr env LD_LIBRARY_PATH=/opt/a "$CUENV" env 12.4 --shell json
    assert_success
    assert_stderr ""
    P=$E124 assert_json '
import os
p = os.environ["P"]
assert list(d) == ["PATH", "LD_LIBRARY_PATH", "CUDA_HOME", "CUDA_PATH", "CUDA_ROOT",
                   "CUDAToolkit_ROOT", "CUDNN_PATH", "CUDNN_HOME", "CUDNN_ROOT", "CUENV_ACTIVE"], list(d)
assert d["PATH"] == p + "/bin:/usr/bin:/bin", d["PATH"]
assert d["LD_LIBRARY_PATH"] == p + "/lib:/opt/a", d["LD_LIBRARY_PATH"]
for k in ("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT", "CUDAToolkit_ROOT"):
    assert d[k] == p, (k, d[k])
for k in ("CUDNN_PATH", "CUDNN_HOME", "CUDNN_ROOT"):
    assert d[k] is None, (k, d[k])
assert d["CUENV_ACTIVE"] == "cuda-12.4.1-devel"'
    run --separate-stderr "$CUENV" env 13.0+cudnn9 --shell json
    P=$E130DNN assert_json '
import os
for k in ("CUDNN_PATH", "CUDNN_HOME", "CUDNN_ROOT", "CUDA_HOME"):
    assert d[k] == os.environ["P"], (k, d[k])'
}

@test "env --shell github: GITHUB_ENV/GITHUB_PATH lines on stdout without the files, appended with them" {
    run --separate-stderr "$CUENV" env 13.0+cudnn9 --shell github
    assert_success
    local v want=
    want+="LD_LIBRARY_PATH=$E130DNN/lib"$'\n'
    for v in CUDA_HOME CUDA_PATH CUDA_ROOT CUDAToolkit_ROOT CUDNN_PATH CUDNN_HOME CUDNN_ROOT; do
        want+="$v=$E130DNN"$'\n'
    done
    want+="CUENV_ACTIVE=$ENV130DNN"$'\n'
    assert_output "$want# \$GITHUB_PATH:
$E130DNN/bin"
    # PATH itself is never written to GITHUB_ENV: the runner prepends GITHUB_PATH.
    refute_line --regexp '^PATH='

    # Inside Actions: appended to the files (earlier steps' lines kept), nothing on stdout.
    printf 'EARLIER=1\n' >"$T/gh_env"
    printf '/earlier/bin\n' >"$T/gh_path"
    GITHUB_ENV=$T/gh_env GITHUB_PATH=$T/gh_path run --separate-stderr "$CUENV" env 13.0+cudnn9 --shell github
    assert_success
    assert_output ""
    assert_equal "$(cat "$T/gh_env")" "EARLIER=1
${want%$'\n'}"
    assert_equal "$(cat "$T/gh_path")" "/earlier/bin
$E130DNN/bin"
    # A second step appends again; an env without cuDNN leaves CUDNN_* empty, never stale.
    GITHUB_ENV=$T/gh_env GITHUB_PATH=$T/gh_path run --separate-stderr "$CUENV" env 12.4 --shell github
    assert_success
    assert_equal "$(tail -1 "$T/gh_path")" "$E124/bin"
    # The runner's reading of the file: the last assignment wins.
    run python3 -c '
import sys
env = {}
for line in open(sys.argv[1]):
    k, _, v = line.rstrip("\n").partition("=")
    env[k] = v
for k in ("CUDA_HOME", "LD_LIBRARY_PATH", "CUDNN_PATH", "CUDNN_HOME", "CUDNN_ROOT", "CUENV_ACTIVE", "EARLIER"):
    print("%s=%s" % (k, env.get(k, "<absent>")))' "$T/gh_env"
    assert_line "CUDA_HOME=$E124"
    assert_line "LD_LIBRARY_PATH=$E124/lib"
    assert_line "CUENV_ACTIVE=$ENV124"
    assert_line "EARLIER=1"
    refute_line "CUDNN_PATH=$E130DNN"
    refute_line "CUDNN_HOME=$E130DNN"
    refute_line "CUDNN_ROOT=$E130DNN"
}

@test "env --shell dotenv: a POSIX shell reading it with 'set -a' gets the same values" {
    "$CUENV" env 13.0+cudnn9 --shell dotenv >"$T/cuda.env"
    run sh -c 'set -a; . "$1"; set +a; exec cuenv-test-env' _ "$T/cuda.env"
    assert_success
    assert_output "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"
    "$CUENV" env 12.4 --shell dotenv >"$T/cuda.env"
    run env CUDNN_PATH=stale sh -c 'set -a; . "$1"; set +a; exec cuenv-test-env' _ "$T/cuda.env"
    assert_success
    # dotenv cannot unset: CUDNN_* are not written for an env without cuDNN.
    run grep -E '^CUDNN' "$T/cuda.env"
    assert_output ""
}

@test "env: every format survives a root with spaces, quotes, \$ and a backslash" {
    export CUENV_ROOT="$T/my root's \"dir\" \$HOME \\x"
    mkdir -p "$CUENV_ROOT/tmp" "$CUENV_ROOT/locks" "$CUENV_ROOT/store"
    act_copy_root "$CUENV_ROOT"
    act_root_vars
    local want
    want=$(expected_env "$ENV130DNN" /usr/bin:/bin -)
    run bash -c 'eval "$("$1" env 13.0+cudnn9)" && cuenv-test-env' _ "$CUENV"
    assert_output "$want"
    if command -v zsh >/dev/null; then
        run zsh -f -c 'eval "$("$1" env 13.0+cudnn9 --shell zsh)" && cuenv-test-env' _ "$CUENV"
        assert_output "$want"
    fi
    if command -v fish >/dev/null; then
        run fish --no-config -c "\$argv[1] env 13.0+cudnn9 --shell fish | source; and cuenv-test-env" "$CUENV"
        assert_output "$want"
    fi
    "$CUENV" env 13.0+cudnn9 --shell dotenv >"$T/cuda.env"
    run sh -c 'set -a; . "$1"; set +a; exec cuenv-test-env' _ "$T/cuda.env"
    assert_output "$want"
    run --separate-stderr "$CUENV" env 13.0+cudnn9 --shell json
    P=$E130DNN assert_json 'import os; assert d["CUDA_HOME"] == os.environ["P"], d["CUDA_HOME"]'
    trun "$CUENV" exec 13.0+cudnn9 -- cuenv-test-env
    assert_output "$want"
}

@test "env: an unknown shell is 2; nothing pinned or not installed is 3" {
    trun "$CUENV" env 12.4 --shell tcsh
    assert_failure 2
    assert_output ""
    assert_stderr_regexp "unknown shell 'tcsh'"
    mkdir "$T/nopin"
    cd "$T/nopin"
    trun "$CUENV" env
    assert_failure 3
    assert_output ""
    trun "$CUENV" env 12.2
    assert_failure 3
    assert_output ""
    assert_stderr_line "^hint: run 'cuenv install 12.2'$"
}

# ---- which ----

@test "which: the pinned env's program, from the project, a subdirectory or CUENV_VERSION" {
    cd "$PA"
    trun "$CUENV" which nvcc
    assert_success
    assert_output "$E124/bin/nvcc"
    assert_stderr ""
    mkdir -p "$PB/src/deep"
    cd "$PB/src/deep"
    trun "$CUENV" which ptxas
    assert_output "$E130DNN/bin/ptxas"
    CUENV_VERSION=12.6 trun "$CUENV" which nvcc
    assert_output "$E126/bin/nvcc"
}

@test "which: no pin: the next program of that name on PATH after the shims; none: 127" {
    mkdir -p "$T/fake" "$T/nopin"
    printf '#!/bin/sh\necho fake\n' >"$T/fake/nvcc"
    chmod +x "$T/fake/nvcc"
    cd "$T/nopin"
    PATH="$SHIMS:$T/fake:/usr/bin:/bin" trun "$CUENV" which nvcc
    assert_success
    assert_output "$T/fake/nvcc"
    PATH="$SHIMS:/usr/bin:/bin" trun -127 "$CUENV" which nvcc
    assert_failure 127
    assert_output ""
    assert_stderr_regexp "'nvcc' not found on PATH"
}

@test "which: a program the env lacks is 127; a wrapper is the next one on PATH; bad names are 2" {
    cd "$PA"
    trun -127 "$CUENV" which python3
    assert_failure 127
    assert_stderr_regexp "'python3' is not in $ENV124"
    "$CUENV" shim add python3 2>/dev/null
    PATH="$SHIMS:/usr/bin:/bin" trun "$CUENV" which python3
    assert_success
    assert_output /usr/bin/python3
    trun "$CUENV" which ../bin/sh
    assert_failure 2
    trun "$CUENV" which
    assert_failure 2
    printf '12.2\n' >"$PA/.cuda-version"
    trun "$CUENV" which nvcc
    assert_failure 3
    assert_stderr_line "^hint: run 'cuenv install' in '$PA'$"
}

# ---- the order of options, and --profile against a lock ----

@test "exec: options may come before or after the spec" {
    trun "$CUENV" exec 12.4 --profile runtime -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_success
    assert_output "$ENV124RT"
    trun "$CUENV" exec --profile runtime 12.4 -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_output "$ENV124RT"
    trun "$CUENV" exec 12.4 sh
    assert_failure 2
    assert_stderr_regexp "^cuenv: error: expected '--' before the command"
}

@test "exec/env --profile in a locked project picks that profile, not the lock's env" {
    cd "$PA"
    trun "$CUENV" exec -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_output "$ENV124"
    trun "$CUENV" exec --profile runtime -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_output "$ENV124RT"
    trun "$CUENV" env --profile runtime --shell json
    assert_json "assert d['CUENV_ACTIVE'] == '$ENV124RT', d"
}

@test "a pin with a bad spec or profile: one error naming the file and line, exit 1" {
    cd "$T/p" && mkdir bad && cd bad
    printf '# mine\nbanana\n' >.cuda-version
    trun "$CUENV" current
    assert_failure 1
    assert_stderr_regexp "^cuenv: error: $T/p/bad/\.cuda-version:2: invalid spec 'banana'"
    trun "$CUENV" exec -- true
    assert_failure 1
    printf '12.4\nprofile = bogus\n' >.cuda-version
    trun "$CUENV" env
    assert_failure 1
    assert_stderr "cuenv: error: $T/p/bad/.cuda-version:2: unknown profile 'bogus' (runtime, devel or full)"
}
