#!/usr/bin/env bats
# cuenv modulefile: Lmod (Lua) and Environment Modules (Tcl) files, loaded and
# unloaded by the real Debian lmod and environment-modules packages (the
# latter conflicts with lmod in apt: 'make deps' unpacks it into
# build/environment-modules and its modulecmd.tcl runs with tclsh8.6). After
# 'module load' every variable of 'cuenv env --shell json' has the same
# value; after 'module unload' the environment is the one from before (the
# modules' own bookkeeping variables aside), including a user
# LD_LIBRARY_PATH, an unset one and a user CUDA_HOME. Family conflicts: a
# second cuda module swaps under Lmod and is refused by Environment Modules
# (which swaps with 'module switch').
#
# shellcheck disable=SC2016

load helper
load activation_helper
load interop_helper

LMOD_INIT=/usr/share/lmod/lmod/init/bash
EM_CMD=$CUENV_SRC/build/environment-modules/usr/lib/modulecmd.tcl

M_PAIR=cuda/12.4.1-cudnn9.14.0.64
M_124=cuda/12.4.1
M_126=cuda/12.6.3
M_DNN=cudnn/9.14.0.64-cuda12

setup_file() { act_setup_file; }

setup() {
    act_setup
    MP=$T/modules
    [ -r "$LMOD_INIT" ] || fail "Lmod is not installed ($LMOD_INIT): run 'make deps'"
    [ -r "$EM_CMD" ] && command -v tclsh8.6 >/dev/null ||
        fail "Environment Modules is not unpacked ($EM_CMD) or tclsh8.6 is missing: run 'make deps'"
}

# Write modulefiles into $MP: mkmod FORMAT SPEC [more cuenv modulefile args].
mkmod() {
    local fmt=$1 spec=$2
    shift 2
    run --separate-stderr "$CUENV" modulefile "$spec" --format "$fmt" --output "$MP" "$@"
    assert_success
    assert_stderr ""
}

# Run bash script $2 with the module command of $1 (lmod or em), MODULEPATH
# $MP and nothing else from this environment but what cuenv needs, with
# interop_helper.bash's snap, envdump and want.
mod_run() {
    local init
    case $1 in
    lmod) init="source '$LMOD_INIT'" ;;
    em) init="module() { eval \"\$(tclsh8.6 '$EM_CMD' bash \"\$@\")\"; }" ;;
    esac
    {
        echo "$init"
        echo "export MODULEPATH='$MP'"
        interop_funcs
        echo "$2"
    } >"$T/script.bash"
    trun env -i HOME="$HOME" T="$T" PATH=/usr/bin:/bin CUENV="$CUENV" CUENV_ROOT="$CUENV_ROOT" \
        CUENV_CACHE="$CUENV_CACHE" CUENV_CONFIG=/dev/null LANG=C.UTF-8 bash "$T/script.bash"
}

# ---- the text ----

@test "modulefile: a pair is one Lua module, cuda family, conflicting with cudnn, pushing every variable" {
    trun "$CUENV" modulefile 12.4+cudnn9
    assert_success
    assert_stderr ""
    assert_line 'family("cuda")'
    assert_line 'conflict("cudnn")'
    assert_line "prepend_path(\"PATH\", \"$E124DNN/bin\")"
    assert_line "prepend_path(\"LD_LIBRARY_PATH\", \"$E124DNN/lib\")"
    assert_line "pushenv(\"CUDA_HOME\", \"$E124DNN\")"
    assert_line "pushenv(\"CUDNN_ROOT\", \"$E124DNN\")"
    assert_line "pushenv(\"CUENV_ACTIVE\", \"$ENV124DNN\")"
    # --output writes the same text to DIR/cuda/<version>.lua and prints the path.
    local text=$output
    trun "$CUENV" modulefile 12.4+cudnn9 --output "$MP"
    assert_success
    assert_output "$MP/$M_PAIR.lua"
    [ "$(cat "$MP/$M_PAIR.lua")" = "$text" ] || fail "stdout and the file differ"
    # Tcl: no extension, the same commands in Tcl.
    trun "$CUENV" modulefile 12.4+cudnn9 --format tcl --output "$MP"
    assert_success
    assert_output "$MP/$M_PAIR"
    run head -1 "$MP/$M_PAIR"
    assert_output '#%Module1.0'
    run grep -c '^pushenv ' "$MP/$M_PAIR"
    assert_output 8
}

@test "modulefile: names for an env without cuDNN, another profile, the pinned env, --split" {
    trun "$CUENV" modulefile 12.6 --output "$MP"
    assert_output "$MP/$M_126.lua"
    run grep -c CUDNN "$MP/$M_126.lua"
    assert_output 0
    trun "$CUENV" modulefile 12.4 --profile runtime --output "$MP"
    assert_output "$MP/cuda/12.4.1-runtime.lua"
    grep -qF "\"$E124RT/bin\"" "$MP/cuda/12.4.1-runtime.lua"
    # No SPEC: the pin of the current directory (project b: 13.0+cudnn9).
    cd "$PB"
    trun "$CUENV" modulefile --output "$MP"
    assert_output "$MP/cuda/13.0.2-cudnn9.14.0.64.lua"
    trun "$CUENV" modulefile 12.4+cudnn9 --split --output "$MP"
    assert_success
    assert_output "$MP/$M_124.lua"$'\n'"$MP/$M_DNN.lua"
    run grep -c CUDNN "$MP/$M_124.lua"
    assert_output 0
    grep -qx 'prereq("cuda/12.4.1")' "$MP/$M_DNN.lua"
    grep -qx 'family("cudnn")' "$MP/$M_DNN.lua"
    run grep -c '^pushenv("CUDNN_' "$MP/$M_DNN.lua"
    assert_output 3
}

@test "modulefile: bad input is one error with a DESIGN.md status, and writes nothing" {
    trun "$CUENV" modulefile 12.4 --format yaml --output "$MP"
    assert_failure 2
    assert_stderr_line "^cuenv: error: unknown format 'yaml' \(lua or tcl\)$"
    trun "$CUENV" modulefile 12.4 --frobnicate
    assert_failure 2
    assert_stderr_line "^cuenv: error: unknown option '--frobnicate'$"
    trun "$CUENV" modulefile 12.4 --format
    assert_failure 2
    assert_stderr_line "^cuenv: error: option '--format' needs a value$"
    trun "$CUENV" modulefile 12.4 12.6
    assert_failure 2
    trun "$CUENV" modulefile 12.4+cudnn9 --split
    assert_failure 2
    assert_stderr_line "^cuenv: error: --split makes two files: give --output DIR$"
    trun "$CUENV" modulefile 11.8 --output "$MP"
    assert_failure 3
    assert_stderr_line "^cuenv: error: '11.8' \(given on the command line\) is not installed$"
    assert_stderr_line "^hint: run 'cuenv install 11.8'$"
    trun "$CUENV" modulefile 12.x
    assert_failure 2
    [ ! -e "$MP" ] || fail "$MP was created"
    # An output directory that cannot be written: exit 1, naming the file.
    : >"$T/file"
    trun "$CUENV" modulefile 12.4 --output "$T/file"
    assert_failure 1
    assert_stderr_line "^cuenv: error: cannot write '$T/file/cuda/12.4.1.lua': "
}

@test "modulefile: paths with spaces, quotes, \$ and brackets survive both formats and both tools" {
    local root="$T/it's a \$HOME [x] {y}"
    mkdir -p "$root/tmp" "$root/locks" "$root/store"
    act_copy_root "$root"
    export CUENV_ROOT=$root
    mkmod lua 12.4+cudnn9
    mod_run lmod 'want 12.4+cudnn9 "$T/want"; module load '"$M_PAIR"' && snap "$T/got"'
    assert_success
    assert_same_file "$T/want" "$T/got"
    grep -qF "CUDA_HOME=$root/envs/$ENV124DNN" "$T/got"
    rm -rf "$MP"
    mkmod tcl 12.4+cudnn9
    mod_run em 'want 12.4+cudnn9 "$T/want"; module load '"$M_PAIR"' && snap "$T/got"'
    assert_success
    assert_same_file "$T/want" "$T/got"
    # Lmod reads Tcl modulefiles too (for loading; Lmod 8.6 does not undo a
    # Tcl pushenv on unload: Lmod sites use --format lua).
    mod_run lmod 'module load '"$M_PAIR"' && snap "$T/got2"'
    assert_success
    assert_same_file "$T/want" "$T/got2"
}

# ---- load, compare, unload ----

# load_unload KIND FORMAT: with a user LD_LIBRARY_PATH and CUDA_HOME, then (in
# a new shell) with neither, the pair module gives 'cuenv env' and unloading
# gives back the start. (Lmod 8.6 keeps a pushed variable's saved value after
# the unload, so a value changed in the same shell before the next load would
# come back stale: a new shell each time.)
load_unload() {
    local kind=$1
    mkmod "$2" 12.4+cudnn9
    mod_run "$kind" '
export LD_LIBRARY_PATH="/opt/user lib:/usr/lib/extra" CUDA_HOME=/opt/mine
want 12.4+cudnn9 "$T/want1"; envdump "$T/before1"
module load '"$M_PAIR"' || exit 9
snap "$T/got1"
module unload cuda || exit 8
envdump "$T/after1"'
    assert_success
    mod_run "$kind" '
want 12.4+cudnn9 "$T/want2"; envdump "$T/before2"
module load '"$M_PAIR"' || exit 7
snap "$T/got2"
module unload '"$M_PAIR"' || exit 6
envdump "$T/after2"'
    assert_success
    assert_same_file "$T/want1" "$T/got1"
    assert_same_file "$T/before1" "$T/after1"
    assert_same_file "$T/want2" "$T/got2"
    assert_same_file "$T/before2" "$T/after2"
    grep -qx "LD_LIBRARY_PATH=$E124DNN/lib:/opt/user lib:/usr/lib/extra" "$T/got1"
    grep -qx "LD_LIBRARY_PATH=$E124DNN/lib" "$T/got2"
    ! grep -q '^LD_LIBRARY_PATH=' "$T/after2" || fail "LD_LIBRARY_PATH is set after unload"
}

@test "lmod: loading the Lua module gives 'cuenv env' exactly; unloading restores the start" {
    load_unload lmod lua
}

@test "environment-modules: loading the Tcl module gives 'cuenv env' exactly; unloading restores the start" {
    load_unload em tcl
}

@test "lmod: a second cuda module swaps (pushed variables come back right); a cudnn module conflicts with a pair" {
    mkmod lua 12.4+cudnn9
    mkmod lua 12.6
    mkmod lua 12.4+cudnn9 --split
    mod_run lmod '
export CUDA_HOME=/opt/mine
envdump "$T/before"
want 12.6 "$T/want126"
module load '"$M_PAIR"' || exit 9
module load '"$M_126"' || exit 8
snap "$T/got126"
module list 2>&1 | grep -q cudnn && exit 7
module unload cuda
envdump "$T/after"
module load '"$M_PAIR"' || exit 6
module load '"$M_DNN"' && exit 5
snap "$T/got-pair"
exit 0'
    assert_success
    # 12.6 has no cuDNN: the pair's CUDNN_* went with it (pushenv), as 'cuenv env 12.6' has them.
    assert_same_file "$T/want126" "$T/got126"
    assert_same_file "$T/before" "$T/after"
    grep -qx "CUENV_ACTIVE=$ENV124DNN" "$T/got-pair"
}

@test "environment-modules: a second cuda module is refused and changes nothing; 'module switch' swaps" {
    mkmod tcl 12.4+cudnn9
    mkmod tcl 12.6
    mod_run em '
export CUDA_HOME=/opt/mine LD_LIBRARY_PATH=/opt/lib
envdump "$T/before"
want 12.6 "$T/want126"
module load '"$M_PAIR"' || exit 9
snap "$T/pair"
module load '"$M_126"' 2>"$T/err" && exit 8
snap "$T/still-pair"
module switch cuda '"$M_126"' || exit 7
snap "$T/got126"
module unload cuda || exit 6
envdump "$T/after"'
    assert_success
    assert_same_file "$T/pair" "$T/still-pair"
    grep -q 'conflict' "$T/err" || fail "no conflict message: $(cat "$T/err")"
    # After the switch, the variables are those of 12.6 (from the start, CUDNN_*
    # and the pushed CUDA_HOME aside: Environment Modules 5.2 drops a pushed
    # value's saved original across 'switch').
    grep -v -e '^CUDNN_' -e '^CUDA_HOME' -e '^CUDA_PATH' -e '^CUDA_ROOT' -e '^CUDAToolkit_ROOT' \
        "$T/want126" >"$T/want-s"
    grep -v -e '^CUDNN_' -e '^CUDA_HOME' -e '^CUDA_PATH' -e '^CUDA_ROOT' -e '^CUDAToolkit_ROOT' \
        "$T/got126" >"$T/got-s"
    assert_same_file "$T/want-s" "$T/got-s"
    grep -qx "CUDA_PATH=$E126" "$T/got126"
    grep -qx 'PATH=/usr/bin:/bin' "$T/after" || fail "PATH after unload: $(grep ^PATH= "$T/after")"
    grep -qx 'LD_LIBRARY_PATH=/opt/lib' "$T/after" || fail "LD_LIBRARY_PATH after unload: $(grep ^LD_ "$T/after")"
}

@test "split modules: cudnn needs its cuda module; both together are 'cuenv env' of the pair (lmod and environment-modules)" {
    local kind fmt
    for kind in lmod em; do
        fmt=lua
        [ "$kind" = em ] && fmt=tcl
        rm -rf "$MP"
        mkmod "$fmt" 12.4+cudnn9 --split
        mod_run "$kind" '
envdump "$T/before"
want 12.4+cudnn9 "$T/want"
module load '"$M_124"' || exit 9
module load '"$M_DNN"' || exit 8
snap "$T/got"
module unload '"$M_DNN"' || exit 7
module unload '"$M_124"' || exit 6
envdump "$T/after"'
        assert_success
        assert_same_file "$T/want" "$T/got"
        assert_same_file "$T/before" "$T/after"
    done
    # Lmod: cudnn alone is refused (prereq), nothing loaded.
    rm -rf "$MP"
    mkmod lua 12.4+cudnn9 --split
    mod_run lmod 'envdump "$T/before"; module load '"$M_DNN"' 2>"$T/err" && exit 9; envdump "$T/after"'
    assert_success
    assert_same_file "$T/before" "$T/after"
    grep -q 'cuda/12.4.1' "$T/err" || fail "no prereq message: $(cat "$T/err")"
}
