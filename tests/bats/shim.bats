#!/usr/bin/env bats
# The shim (shims/cuenv-shim.c, $CUENV_ROOT/shims/*) and 'cuenv shim': the
# pinned env's program with the env's variables, pass-through without a pin,
# wrappers for programs cuenv does not own, exec fidelity (REL-59), argv[0]
# spoofing (REL-53), no loops, and agreement with 'cuenv env' / 'cuenv exec'.

load helper
load activation_helper

setup_file() { act_setup_file; }

setup() {
    act_setup
    ulimit -c 0
    # The user's PATH: the shims first, nothing of /usr/local (its nvcc).
    SPATH=$SHIMS:/usr/bin:/bin
}

# Run a program by name through PATH=$SPATH (or $P when set), with a time limit.
shim_run() {
    local want=()
    case ${1-} in
    -[0-9]*) want=("$1") && shift ;;
    esac
    PATH=${P:-$SPATH} run "${want[@]}" --separate-stderr timeout -k 2 "${TLIMIT:-15}" "$@"
}

# ---- the shims directory ----

# The executables of every installed env's bin/, one name per line, sorted.
env_tools() {
    find "$CUENV_ROOT"/envs/*/bin -maxdepth 1 -type f -perm -u+x -printf '%f\n' | LC_ALL=C sort -u
}

@test "shims: one hard link to the shim program per executable of the installed envs" {
    trun "$CUENV" shim refresh
    assert_success
    assert_output "$SHIMS"
    cmp "$SHIMS/.cuenv-shim" "${CUENV%/*}/cuenv-shim" || fail ".cuenv-shim is not the cuenv-shim beside cuenv"
    run ls "$SHIMS"
    assert_output "$(env_tools)"
    assert_line nvcc
    assert_line ptxas
    refute_line nvcc.profile
    local f ino
    ino=$(stat -c %i "$SHIMS/.cuenv-shim")
    for f in "$SHIMS"/*; do
        [ "$(stat -c %i "$f")" = "$ino" ] || fail "$f is not a hard link to .cuenv-shim"
    done
    # Nothing else is in there (no stray temporary names).
    run ls -A "$SHIMS"
    assert_output "$(printf '%s\n' .cuenv-shim; env_tools)"
}

@test "shims are refreshed on uninstall and install; wrappers stay" {
    trun "$CUENV" shim add mytool
    local e
    for e in "$CUENV_ROOT"/envs/*/; do
        trun "$CUENV" uninstall "$(basename "$e")"
        assert_success
    done
    run ls "$SHIMS"
    assert_output "mytool"
    trun "$CUENV" install -q 12.4
    assert_success
    run ls "$SHIMS"
    assert_output "$( (echo mytool; env_tools) | LC_ALL=C sort -u)"
    [ -e "$SHIMS/nvcc" ] || fail "no nvcc shim after install"
    [ "$(stat -c %i "$SHIMS/nvcc")" = "$(stat -c %i "$SHIMS/.cuenv-shim")" ] || fail "not a link"
}

# ---- the pinned env's program ----

@test "shim: the pinned env's tool, in the project, below it, per CUENV_VERSION and the global default" {
    cd "$PA"
    shim_run nvcc --version
    assert_success
    assert_line 'Cuda compilation tools, release 12.4, V12.4.131'
    assert_line "nvcc path: $E124/bin/nvcc"
    assert_stderr ""
    mkdir -p "$PB/src/deep"
    cd "$PB/src/deep"
    shim_run nvcc --version
    assert_line "nvcc path: $E130DNN/bin/nvcc"
    CUENV_VERSION=12.6 shim_run nvcc --version
    assert_line "nvcc path: $E126/bin/nvcc"
    cd "$PC"
    shim_run nvcc --version
    assert_line "nvcc path: $E126/bin/nvcc"
    mkdir "$T/nopin"
    cd "$T/nopin"
    trun "$CUENV" use -q --global 12.4+cudnn9
    shim_run nvcc --version
    assert_success
    assert_line "nvcc path: $E124DNN/bin/nvcc"
}

@test "shim: the lock names the env exactly (pin '12' locked to 12.4.1 while 12.6.3 is installed)" {
    cd "$PA"
    printf '12\n' >.cuda-version
    sed -i 's/^spec = 12.4$/spec = 12/' cuenv.lock
    shim_run nvcc --version
    assert_line "nvcc path: $E124/bin/nvcc"
    rm cuenv.lock
    shim_run nvcc --version
    assert_line "nvcc path: $E126/bin/nvcc"
}

@test "shim: no pin: passes through to the next program of that name on PATH, untouched" {
    mkdir -p "$T/fake" "$T/nopin"
    printf '#!/bin/sh\necho "fake nvcc $*"\necho "CUDA_HOME=${CUDA_HOME-unset} CUENV_ACTIVE=${CUENV_ACTIVE-unset}"\nexit 7\n' >"$T/fake/nvcc"
    chmod +x "$T/fake/nvcc"
    cd "$T/nopin"
    P=$SHIMS:$T/fake:/usr/bin:/bin shim_run nvcc -c "a b.cu"
    assert_failure 7
    assert_output "fake nvcc -c a b.cu
CUDA_HOME=unset CUENV_ACTIVE=unset"
    assert_stderr ""
    PATH=$SHIMS:$T/fake:/usr/bin:/bin trun "$CUENV" which nvcc
    assert_output "$T/fake/nvcc"
    # Nothing of that name after the shims: 127, said once.
    shim_run -127 nvcc --version
    assert_failure 127
    assert_output ""
    assert_stderr "cuenv-shim: error: 'nvcc' not found on PATH"
}

@test "shim: a pinned pair that is not installed is 127 naming the command that installs it" {
    mkdir -p "$T/proj/sub"
    printf '12.2\n' >"$T/proj/.cuda-version"
    cd "$T/proj/sub"
    shim_run -127 nvcc --version
    assert_failure 127
    assert_output ""
    assert_stderr "cuenv-shim: error: '12.2' (set by $T/proj/.cuda-version) is not installed; run 'cuenv install' in $T/proj"
    CUENV_VERSION=12.2 shim_run -127 nvcc --version
    assert_failure 127
    assert_stderr "cuenv-shim: error: '12.2' (set by CUENV_VERSION) is not installed; run 'cuenv install 12.2'"
    CUENV_VERSION=12.4+cudnn9.1 shim_run -127 nvcc --version
    assert_failure 127
    assert_stderr_regexp "run 'cuenv install 12\.4\+cudnn9\.1'$"
    cd "$T"
    printf '12.2\nprofile = runtime\n' >"$CUENV_ROOT/global-version"
    shim_run -127 nvcc --version
    assert_failure 127
    assert_stderr "cuenv-shim: error: '12.2' (set by $CUENV_ROOT/global-version) is not installed; run 'cuenv install 12.2 --profile runtime'"
    # The env's directory without its receipt is not an installed env.
    printf '13.0\n' >"$CUENV_ROOT/global-version"
    mkdir -p "$CUENV_ROOT/envs/cuda-13.0.2-devel/bin"
    cp "$E124/bin/nvcc" "$CUENV_ROOT/envs/cuda-13.0.2-devel/bin/"
    shim_run -127 nvcc --version
    assert_failure 127
    assert_stderr_regexp "'13\.0' \(set by .*\) is not installed"
}

@test "shim: a program the pinned env lacks is 127 naming the env and the pin" {
    mkdir "$T/rt"
    printf '12.4\nprofile = runtime\n' >"$T/rt/.cuda-version"
    cd "$T/rt"
    shim_run -127 nvcc --version
    assert_failure 127
    assert_output ""
    assert_stderr "cuenv-shim: error: 'nvcc' is not in $ENV124RT (set by $T/rt/.cuda-version)"
}

# ---- the same variables as cuenv env and cuenv exec ----

# With LD_LIBRARY_PATH $1 ("-": unset) and extra variables $2..., cuenv-test-env
# run by the shim, by 'cuenv exec' and after 'cuenv env' must all print the
# expected env (user part $USERLD).
agree() {
    local ld=$1 want shim exec envd
    shift
    local -a pre=(env "$@" LD_LIBRARY_PATH="$ld")
    [ "$ld" = - ] && pre=(env -u LD_LIBRARY_PATH "$@")
    want=$(expected_env "$WANT_ENV" "$SPATH" "$USERLD")
    shim=$(PATH=$SPATH "${pre[@]}" cuenv-test-env)
    exec=$(PATH=$SPATH "${pre[@]}" "$CUENV" exec -- cuenv-test-env)
    envd=$(PATH=$SPATH "${pre[@]}" bash -c 'eval "$("$1" env)" && exec "$CUDA_HOME/bin/cuenv-test-env"' _ "$CUENV")
    [ "$shim" = "$want" ] || fail "shim, LD_LIBRARY_PATH='$ld' $*:
$shim
expected:
$want"
    [ "$exec" = "$want" ] || fail "exec, LD_LIBRARY_PATH='$ld' $*:
$exec"
    [ "$envd" = "$want" ] || fail "env, LD_LIBRARY_PATH='$ld' $*:
$envd"
}

@test "shim, cuenv exec and cuenv env give the same variables (LD_LIBRARY_PATH unset, empty, ':', the user's, another env's)" {
    cd "$PA"
    WANT_ENV=$ENV124
    USERLD= agree -
    USERLD= agree ""
    USERLD= agree :
    USERLD="/opt/a:/opt/my libs" agree ":/opt/a::/opt/my libs:"
    USERLD=/opt/a agree "$E130DNN/lib:/opt/a:$E124/lib"
    # Coming from another active env: its CUDNN_* and CUENV_ACTIVE go too.
    USERLD=/opt/a agree "$E130DNN/lib:/opt/a" CUENV_ACTIVE="$ENV130DNN" CUDA_HOME="$E130DNN" \
        CUDNN_PATH="$E130DNN" CUDNN_HOME="$E130DNN" CUDNN_ROOT="$E130DNN"
    cd "$PB"
    WANT_ENV=$ENV130DNN
    USERLD= agree -
    USERLD=/opt/a agree "$E124/lib:/opt/a" CUENV_ACTIVE="$ENV124" CUDA_HOME="$E124"
}

@test "shim: PATH keeps the shims directory, drops empty elements and another env's bin" {
    cd "$PA"
    PATH=":$SHIMS::$E130DNN/bin:/usr/bin:/bin:" run cuenv-test-env
    assert_success
    assert_line "PATH=$E124/bin:$SHIMS:/usr/bin:/bin"
    PATH=":$SHIMS::$E130DNN/bin:/usr/bin:/bin:" run "$CUENV" exec -- cuenv-test-env
    assert_line "PATH=$E124/bin:$SHIMS:/usr/bin:/bin"
}

# ---- wrappers (cuenv shim add) ----

@test "shim add python3: python3 runs from PATH after the shims, with the pinned env's variables" {
    trun "$CUENV" shim add python3
    assert_success
    [ "$(stat -c %i "$SHIMS/python3")" = "$(stat -c %i "$SHIMS/.cuenv-shim")" ] || fail "not a link"
    trun "$CUENV" shim list
    assert_output python3
    cd "$PB"
    shim_run python3 -c 'import os; print(os.readlink("/proc/self/exe")); print(os.environ["CUDA_HOME"]); print(os.environ["CUDNN_PATH"]); print(os.environ["LD_LIBRARY_PATH"])'
    assert_success
    assert_output "$(readlink -f /usr/bin/python3)
$E130DNN
$E130DNN
$E130DNN/lib"
    PATH=$SPATH trun "$CUENV" which python3
    assert_output /usr/bin/python3
    # No pin: python3 as it was.
    mkdir "$T/nopin"
    cd "$T/nopin"
    shim_run python3 -c 'import os; print(os.environ.get("CUDA_HOME", "unset"), os.environ.get("CUENV_ACTIVE", "unset"))'
    assert_output "unset unset"
    # remove: gone from the list and the directory; the env's tools stay.
    trun "$CUENV" shim remove python3
    assert_success
    [ ! -e "$SHIMS/python3" ] || fail "python3 shim still there"
    [ -e "$SHIMS/nvcc" ] || fail "nvcc shim removed"
    trun "$CUENV" shim list
    assert_output ""
}

@test "shim add: a fake tool gets the env of whichever project it runs in; add twice, bad names" {
    mkdir -p "$T/tools"
    printf '#!/bin/sh\necho "mytool $CUENV_ACTIVE $*"\n' >"$T/tools/mytool"
    chmod +x "$T/tools/mytool"
    trun "$CUENV" shim add mytool torchrun
    assert_success
    trun "$CUENV" shim add mytool
    assert_success
    assert_stderr_regexp "'mytool' is already a wrapper"
    trun "$CUENV" shim list
    assert_output "mytool
torchrun"
    cd "$PA"
    P=$SPATH:$T/tools shim_run mytool -x
    assert_output "mytool $ENV124 -x"
    cd "$PC"
    P=$SPATH:$T/tools shim_run mytool -x
    assert_output "mytool $ENV126 -x"
    # A wrapper with nothing to run after the shims: 127.
    shim_run -127 torchrun
    assert_failure 127
    assert_stderr "cuenv-shim: error: 'torchrun' not found on PATH"
    local bad
    for bad in "../x" "a/b" "" "." ".." "cuenv" "a b" $'a\nb'; do
        trun "$CUENV" shim add "$bad"
        assert_failure 2
    done
    trun "$CUENV" shim list
    assert_output "mytool
torchrun"
    trun "$CUENV" shim remove nope
    assert_success
    assert_stderr_regexp "'nope' was not a wrapper"
    trun "$CUENV" shim frobnicate
    assert_failure 2
}

# ---- exec fidelity through the shim (REL-59) ----

@test "REL-59: shim: exit status 42, death by TERM (143) and SEGV (139), nothing extra on stdout" {
    cd "$PA"
    shim_run cuenv-test-exit 42
    assert_failure 42
    assert_output ""
    assert_stderr ""
    PATH=$SPATH run cuenv-test-kill TERM
    assert_failure 143
    PATH=$SPATH run cuenv-test-kill SEGV
    assert_failure 139
}

@test "REL-59: shim: same PID as the shim (exec, no fork), argv byte for byte, stdin passes through" {
    cd "$PA"
    printf '#!/bin/sh\necho "$$ $PPID"\n' >"$T/showpid"
    chmod +x "$T/showpid"
    trun "$CUENV" shim add showpid
    PATH=$SPATH:$T run sh -c 'echo "$$ $PPID"; exec showpid'
    assert_success
    [ "${#lines[@]}" -eq 2 ] || fail "expected two lines: $output"
    assert_equal "${lines[1]}" "${lines[0]}"

    local args=("" "a b" $'line1\nline2' "-n" "--" "+x" "-" "--version" "*" '$HOME' "é")
    PATH=$SPATH cuenv-test-argv "${args[@]}" >"$T/got"
    printf '%s\0' "$E124/bin/cuenv-test-argv" "${args[@]}" >"$T/want"
    cmp "$T/want" "$T/got" || fail "argv differs: $(od -c "$T/got" | head -20)"

    head -c 1048576 /dev/urandom >"$T/in"
    trun "$CUENV" shim add sha256sum
    shim_run sha256sum <"$T/in"
    assert_success
    assert_output "$(sha256sum <"$T/in")"
}

# ---- argv[0] is untrusted (REL-53) ----

@test "REL-53: shim: argv[0] spoofing is refused (../../bin/sh, empty, NVCC, long, newline, argc 0)" {
    cd "$PA"
    # spawn PROG ARGV0 ARGS...: execve with exactly that argv.
    trun -127 "$TB/spawn" "$SHIMS/nvcc" ../../../../bin/sh -c 'echo PWNED'
    assert_failure 127
    assert_output ""
    assert_stderr "cuenv-shim: error: 'sh' is not a cuenv shim"
    trun -127 "$TB/spawn" "$SHIMS/nvcc" nvcc/../../sh -c 'echo PWNED'
    assert_failure 127
    assert_output ""
    trun "$TB/spawn" "$SHIMS/nvcc" "" --version
    assert_failure 126
    assert_output ""
    assert_stderr "cuenv-shim: error: no program name in argv[0]"
    trun "$TB/spawn" "$SHIMS/nvcc" "nvcc/" --version
    assert_failure 126
    assert_output ""
    trun "$TB/spawn" "$SHIMS/nvcc"
    assert_failure 126
    assert_output ""
    assert_stderr "cuenv-shim: error: no program name in argv[0]"
    trun -127 "$TB/spawn" "$SHIMS/nvcc" NVCC --version
    assert_failure 127
    assert_stderr "cuenv-shim: error: 'NVCC' is not a cuenv shim"
    trun -127 "$TB/spawn" "$SHIMS/nvcc" .cuenv-shim --version
    assert_failure 127
    assert_output ""
    trun -127 "$TB/spawn" "$SHIMS/nvcc" "$(printf 'n%.0s' {1..5000})" --version
    assert_failure 127
    assert_output ""
    assert_stderr_regexp "^cuenv-shim: error: 'n{1,200}' is not a cuenv shim$"
    trun -127 "$TB/spawn" "$SHIMS/nvcc" $'nv\ncc' --version
    assert_failure 127
    [ "${#stderr_lines[@]}" -eq 1 ] || fail "not one line: $stderr"
    # A path whose last component is a tool is that tool.
    trun "$TB/spawn" "$SHIMS/nvcc" /some/where/nvcc --version
    assert_success
    assert_line "nvcc path: $E124/bin/nvcc"
    # The same through bash's exec -a.
    trun -127 bash -c 'exec -a ../../bin/sh "$1" -c "echo PWNED"' _ "$SHIMS/nvcc"
    assert_failure 127
    assert_output ""
}

@test "[SHIM] symlinks, hard links and copies elsewhere do not make a shim of another name" {
    cd "$PA"
    mkdir "$T/x" "$T/y" "$T/z"
    ln -s "$SHIMS/nvcc" "$T/x/sh"
    trun -127 "$T/x/sh" -c 'echo PWNED'
    assert_failure 127
    assert_output ""
    assert_stderr "cuenv-shim: error: 'sh' is not a cuenv shim"
    ln "$SHIMS/.cuenv-shim" "$T/y/sh"
    trun -127 "$T/y/sh" -c 'echo PWNED'
    assert_failure 127
    assert_output ""
    # A copy of the program is not this root's shim.
    cp "$SHIMS/nvcc" "$T/z/nvcc"
    trun -127 "$T/z/nvcc" --version
    assert_failure 127
    assert_stderr "cuenv-shim: error: 'nvcc' is not a cuenv shim"
    # A symlink named like the tool is fine.
    ln -s "$SHIMS/nvcc" "$T/x/nvcc"
    trun "$T/x/nvcc" --version
    assert_success
    assert_line "nvcc path: $E124/bin/nvcc"
}

# ---- no loops ----

@test "[SHIM] never runs itself: shims dir twice on PATH, through a symlink, or another root's shims" {
    trun "$CUENV" shim add foo
    mkdir "$T/nopin"
    cd "$T/nopin"
    TLIMIT=10 P=$SHIMS:$SHIMS:/usr/bin:/bin shim_run -127 foo
    assert_failure 127
    assert_stderr "cuenv-shim: error: 'foo' not found on PATH"
    ln -s "$SHIMS" "$T/shimlink"
    TLIMIT=10 P=$T/shimlink:$SHIMS:$T/shimlink:/usr/bin:/bin shim_run -127 foo
    assert_failure 127
    assert_stderr "cuenv-shim: error: 'foo' not found on PATH"
    # Another root's shims directory (its own copy of the program).
    (
        export CUENV_ROOT=$T/root2
        mkdir -p "$CUENV_ROOT"
        "$CUENV" shim add foo 2>/dev/null
    )
    TLIMIT=10 P=$SHIMS:$T/root2/shims:/usr/bin:/bin shim_run -127 foo
    assert_failure 127
    # The same from a pinned project: the env lacks foo, the wrapper finds nothing.
    cd "$PA"
    TLIMIT=10 P=$SHIMS:$T/shimlink:$SHIMS:/usr/bin:/bin shim_run -127 foo
    assert_failure 127
    assert_stderr "cuenv-shim: error: 'foo' not found on PATH"
}

@test "[SHIM] a loop through another program stops at the recursion cap (126)" {
    mkdir -p "$T/loop" "$T/nopin"
    # pyenv#2696's shape: the "real" program runs the name again through PATH.
    printf '#!/bin/sh\nexec foo "$@"\n' >"$T/loop/foo"
    chmod +x "$T/loop/foo"
    trun "$CUENV" shim add foo
    cd "$T/nopin"
    TLIMIT=20 P=$SHIMS:$T/loop:/usr/bin:/bin shim_run foo
    assert_failure 126
    assert_stderr_regexp "^cuenv-shim: error: shim loop: 'foo' went through shims more than 20 times \(CUENV_SHIM_DEPTH\)$"
    # The counter: each program started through a shim sees it, one more.
    trun "$CUENV" shim add printenv
    shim_run printenv CUENV_SHIM_DEPTH
    assert_output 1
    cd "$PA"
    CUENV_SHIM_DEPTH=7 shim_run printenv CUENV_SHIM_DEPTH
    assert_output 8
    CUENV_SHIM_DEPTH=19 shim_run printenv CUENV_SHIM_DEPTH
    assert_success
    assert_output 20
    CUENV_SHIM_DEPTH=20 shim_run printenv CUENV_SHIM_DEPTH
    assert_failure 126
    assert_output ""
    CUENV_SHIM_DEPTH=junk shim_run printenv CUENV_SHIM_DEPTH
    assert_output 1
}

# ---- pins the shim reads or refuses ----

# Pin bytes $1 (printf format) in $T/pin; "cuenv current" and the shim there.
pin_both() {
    mkdir -p "$T/pin"
    rm -rf "$T/pin/.cuda-version"
    printf "$1" >"$T/pin/.cuda-version"
    cd "$T/pin"
    run timeout 5 "$CUENV" current
    CUR=$output CUR_STATUS=$status
    shim_run sh -c 'echo "$CUENV_ACTIVE"'
}

@test "REL-58: shim and cuenv current pick the same env for every pin they read" {
    trun "$CUENV" shim add sh
    local pin want
    for pin in '12.4\r\n' '\xef\xbb\xbf12.6\n' '# c\n\n  12.4+cudnn9  \n# end\n' \
        '12.4\nprofile = runtime\n' '12.4.1\n' '12.4\ncudnn=9\n' '13.0.2\ncudnn = 9.14\n' \
        '12.4+cudnn9\ncudnn=8\n' '13.0+cudnn9' '12.4\nother = x\n'; do
        pin_both "$pin"
        [ "$CUR_STATUS" -eq 0 ] || fail "current failed on '$pin': $CUR"
        want=${CUR%% (*}
        [ "$status" -eq 0 ] && [ "$output" = "$want" ] ||
            fail "pin '$pin': shim ran with '$output' (status $status, $stderr), current says '$want'"
    done
}

@test "REL-57: shim: pins that are not small text files or are malformed: 126 naming the file, no hang" {
    mkdir -p "$T/pin"
    cd "$T/pin"
    mkfifo .cuda-version
    TLIMIT=5 shim_run nvcc --version
    assert_failure 126
    assert_output ""
    assert_stderr "cuenv-shim: error: '$T/pin/.cuda-version' is not a regular file"
    rm .cuda-version
    ln -s /dev/zero .cuda-version
    TLIMIT=5 shim_run nvcc --version
    assert_failure 126
    assert_stderr "cuenv-shim: error: '$T/pin/.cuda-version' is not a regular file"
    rm .cuda-version
    truncate -s 1G .cuda-version
    TLIMIT=5 shim_run nvcc --version
    assert_failure 126
    assert_stderr "cuenv-shim: error: '$T/pin/.cuda-version' is larger than 4096 bytes"
    rm .cuda-version
    printf '12.4\n13.0\n' >.cuda-version
    shim_run nvcc --version
    assert_failure 126
    assert_stderr "cuenv-shim: error: invalid line '13.0' in $T/pin/.cuda-version:2"
    printf '\x01\x02garbage\n' >.cuda-version
    shim_run nvcc --version
    assert_failure 126
    assert_stderr "cuenv-shim: error: control character in $T/pin/.cuda-version:1"
    printf '12.4\n\x00\xff' >.cuda-version
    shim_run nvcc --version
    assert_failure 126
    assert_stderr "cuenv-shim: error: '$T/pin/.cuda-version' is not a text file"
    printf 'banana\n' >.cuda-version
    shim_run nvcc --version
    assert_failure 126
    assert_stderr "cuenv-shim: error: invalid spec 'banana' in $T/pin/.cuda-version:1"
    printf '# nothing\n' >.cuda-version
    shim_run nvcc --version
    assert_failure 126
    assert_stderr_regexp "no spec in '$T/pin/\.cuda-version'"
    CUENV_VERSION=banana shim_run nvcc --version
    assert_failure 126
    assert_stderr "cuenv-shim: error: invalid spec 'banana' in CUENV_VERSION"
}

# ---- libraries through the shim ----

@test "shim: a program run through a wrapper loads its project's libcudart (same soname, and over ld.so.cache)" {
    trun "$CUENV" shim add rt12 rt13 rtdnn12 rtdnn13
    P=$SPATH:$TB
    cd "$PA"
    shim_run rt12
    assert_success
    assert_line "cudart 12040"
    assert_line "map $E124/lib/libcudart.so.12.4.127"
    cd "$PC"
    shim_run rt12
    assert_line "cudart 12060"
    assert_line --regexp "^map $E126/lib/libcudart\.so\.12\."
    cd "$PD"
    shim_run rtdnn12
    assert_line "cudart 12040"
    assert_line "cudnn 91400 for cudart 12000"
    run grep -v "^map $E124DNN/lib/" <<<"$(grep '^map ' <<<"$output")"
    assert_output ""
    cd "$PB"
    shim_run rtdnn13
    assert_success
    assert_line "cudart 13000"
    assert_line "cudnn 91400 for cudart 13000"
    run grep -v "^map $E130DNN/lib/" <<<"$(grep '^map ' <<<"$output")"
    assert_output ""
    # 12.4's libcudart.so.12 is not on the 13.0 project's path.
    shim_run -127 rt12
    assert_failure 127
    assert_stderr_regexp "libcudart\.so\.12: cannot open shared object file"
}

@test "shim: a CUENV_ROOT and a project with spaces in their paths" {
    export CUENV_ROOT="$T/my root"
    mkdir -p "$CUENV_ROOT/tmp" "$CUENV_ROOT/locks" "$CUENV_ROOT/store"
    act_copy_root "$CUENV_ROOT"
    act_root_vars
    SPATH=$SHIMS:/usr/bin:/bin
    mkdir "$T/my project"
    cd "$T/my project"
    trun "$CUENV" use -q 12.4+cudnn9
    assert_success
    run grep '^env = ' cuenv.lock
    assert_output "env = $ENV124DNN"
    shim_run nvcc --version
    assert_success
    assert_line "nvcc path: $E124DNN/bin/nvcc"
    WANT_ENV=$ENV124DNN USERLD="/opt/a b" agree "/opt/a b"
    trun "$CUENV" which nvcc
    assert_output "$E124DNN/bin/nvcc"
    trun "$CUENV" current
    assert_output "$ENV124DNN (set by $T/my project/.cuda-version)"
}
