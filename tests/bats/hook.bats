#!/usr/bin/env bats
# cuenv hook: the shell code for auto-activation, and the real shells using
# it. Interactive tests drive Debian's bash, zsh and fish in tmux (rc files
# and the probe script in tests/shells/): cd into a 12.4 project, run nvcc
# from PATH, cd into a 12.6 and a 13.0+cuDNN project, cd out, edit the pin,
# and check every variable after each step; completion tests press Tab.

load helper
load activation_helper

SHELLS=${BATS_TEST_DIRNAME%/bats}/shells

setup_file() { act_setup_file; }

setup() {
    act_setup
    export CUENV
    TMX=
}

teardown() { tmx_stop; }

# ---- the code ----

@test "hook bash|zsh|fish: code its shell parses, with cuenv's absolute path; anything else is 2" {
    run --separate-stderr "$CUENV" hook bash
    assert_success
    assert_stderr ""
    bash -n <<<"$output"
    # cuenv by its absolute path: the hook works with cuenv off PATH.
    cd "$PA"
    run env PATH=/usr/bin:/bin bash --norc --noprofile -c 'eval "$1"; echo "$CUENV_ACTIVE"' _ "$output"
    assert_success
    assert_output "$ENV124"
    if command -v zsh >/dev/null; then
        "$CUENV" hook zsh | zsh -n
    fi
    if command -v fish >/dev/null; then
        "$CUENV" hook fish | fish --no-config -n
    fi
    trun "$CUENV" hook tcsh
    assert_failure 2
    assert_output ""
    trun "$CUENV" hook
    assert_failure 2
    trun "$CUENV" hook bash extra
    assert_failure 2
}

# A bash that sources the hook, then for each argument: cd there (or run it
# when it starts with ':'), run the prompt function, and print the variables
# an env sets as "NAME=value" / "NAME unset", then a line "--".
hook_walk() {
    bash --norc --noprofile -c '
        show() {
            local v
            for v in PATH LD_LIBRARY_PATH CUDA_HOME CUDA_PATH CUDA_ROOT CUDAToolkit_ROOT \
                CUDNN_PATH CUDNN_HOME CUDNN_ROOT CUENV_ACTIVE; do
                if [ -n "${!v+x}" ]; then echo "$v=${!v}"; else echo "$v unset"; fi
            done
            echo --
        }
        eval "$("$CUENV" hook bash)"
        show
        for step; do
            case $step in
            :*) eval "${step#:}" ;;
            *) cd "$step" || exit 1 ;;
            esac
            _cuenv_hook
            show
        done
        # Nothing of the hook is left in the exported environment.
        env | grep "^_CUENV" || true' _ "$@"
}

# The blocks of hook_walk's output, one per step, in BLOCK[0..].
split_blocks() {
    BLOCK=()
    local b= line
    while IFS= read -r line; do
        if [ "$line" = -- ]; then
            BLOCK+=("${b%$'\n'}")
            b=
        else
            b+=$line$'\n'
        fi
    done <<<"$output"
    TAIL=$b
}

@test "hook: switching projects replaces the env; leaving restores the user's own values exactly" {
    local start
    # The user's variables: some set, some set but empty, some unset.
    export LD_LIBRARY_PATH="/opt/mine/lib:/usr/lib/extra" CUDA_HOME=/opt/mycuda CUDA_PATH=
    run hook_walk "$PA" "$PC" "$PB" "$HOME" "$PD" "$HOME"
    assert_success
    split_blocks
    start=${BLOCK[0]}
    assert_equal "${BLOCK[1]}" "$(expected_env "$ENV124" /usr/bin:/bin "$LD_LIBRARY_PATH")"
    # Same soname, other env: 12.4's entries replaced by 12.6's.
    assert_equal "${BLOCK[2]}" "$(expected_env "$ENV126" /usr/bin:/bin "$LD_LIBRARY_PATH")"
    assert_equal "${BLOCK[3]}" "$(expected_env "$ENV130DNN" /usr/bin:/bin "$LD_LIBRARY_PATH")"
    assert_equal "${BLOCK[4]}" "$start"
    assert_equal "${BLOCK[5]}" "$(expected_env "$ENV124DNN" /usr/bin:/bin "$LD_LIBRARY_PATH")"
    assert_equal "${BLOCK[6]}" "$start"
    assert_equal "$TAIL" ""
}

@test "hook: the user's own CUDNN_* give way to a cuDNN env's and come back on leaving" {
    export CUDNN_HOME=/opt/mycudnn CUDNN_PATH=
    run hook_walk "$PB" "$PD" "$HOME"
    assert_success
    split_blocks
    assert_equal "${BLOCK[1]}" "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"
    assert_equal "${BLOCK[2]}" "$(expected_env "$ENV124DNN" /usr/bin:/bin -)"
    assert_equal "${BLOCK[3]}" "${BLOCK[0]}"
    assert_equal "$TAIL" ""
}

@test "hook: LD_LIBRARY_PATH unset stays unset, empty stays empty after leaving" {
    unset LD_LIBRARY_PATH
    run hook_walk "$PB" "$PA" "$HOME"
    assert_success
    split_blocks
    assert_equal "${BLOCK[1]}" "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"
    assert_equal "${BLOCK[2]}" "$(expected_env "$ENV124" /usr/bin:/bin -)"
    assert_equal "${BLOCK[3]}" "${BLOCK[0]}"
    [[ ${BLOCK[3]} == *"LD_LIBRARY_PATH unset"* ]] || fail "LD_LIBRARY_PATH is set after leaving"
    export LD_LIBRARY_PATH=
    run hook_walk "$PB" "$HOME"
    assert_success
    split_blocks
    assert_equal "${BLOCK[1]}" "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"
    assert_equal "${BLOCK[2]}" "${BLOCK[0]}"
    [[ ${BLOCK[2]} == *"LD_LIBRARY_PATH="$'\n'* ]] || fail "LD_LIBRARY_PATH is not set and empty after leaving"
}

@test "hook: CUENV_VERSION and pin edits apply at the next prompt; a pin in a parent applies below it" {
    mkdir -p "$PA/sub/deeper"
    run hook_walk "$PA/sub/deeper" ":export CUENV_VERSION=12.6" ":unset CUENV_VERSION" \
        ":cd '$PA' && '$CUENV' use -q 12.4+cudnn9" \
        ":sleep 0.05; printf '13.0+cudnn9\n' >.cuda-version" \
        "$HOME"
    assert_success
    split_blocks
    assert_equal "${BLOCK[1]}" "$(expected_env "$ENV124" /usr/bin:/bin -)"
    assert_equal "${BLOCK[2]}" "$(expected_env "$ENV126" /usr/bin:/bin -)"
    assert_equal "${BLOCK[3]}" "$(expected_env "$ENV124" /usr/bin:/bin -)"
    assert_equal "${BLOCK[4]}" "$(expected_env "$ENV124DNN" /usr/bin:/bin -)"
    assert_equal "${BLOCK[5]}" "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"
    assert_equal "${BLOCK[6]}" "${BLOCK[0]}"
}

@test "hook: a pin whose pair is not installed warns how to install it and leaves the previous env" {
    mkdir "$T/proj"
    printf '12.2\n' >"$T/proj/.cuda-version"
    run --separate-stderr hook_walk "$PB" "$T/proj"
    assert_success
    split_blocks
    assert_equal "${BLOCK[1]}" "$(expected_env "$ENV130DNN" /usr/bin:/bin -)"
    assert_equal "${BLOCK[2]}" "${BLOCK[0]}"
    assert_stderr "cuenv: warning: '12.2' (set by $T/proj/.cuda-version) is not installed; run 'cuenv install' in '$T/proj'"
}

@test "hook: a malformed pin (FIFO, garbage) warns without hanging and leaves the previous env" {
    mkdir "$T/fifo" "$T/junk"
    mkfifo "$T/fifo/.cuda-version"
    printf '12.4\n13.0\n' >"$T/junk/.cuda-version"
    run --separate-stderr timeout 20 bash -c "$(declare -f hook_walk); hook_walk \"\$@\"" _ "$PA" "$T/fifo" "$PA" "$T/junk"
    assert_success
    split_blocks
    assert_equal "${BLOCK[1]}" "$(expected_env "$ENV124" /usr/bin:/bin -)"
    assert_equal "${BLOCK[2]}" "${BLOCK[0]}"
    assert_equal "${BLOCK[4]}" "${BLOCK[0]}"
    assert_stderr_line "^cuenv: warning: '$T/fifo/\.cuda-version' is not a small regular file$"
    assert_stderr_line "^cuenv: warning: $T/junk/\.cuda-version:2: expected 'key = value' after the spec$"
}

# ---- the prompt check costs no process ----

# Count the processes the shell $1 starts for script $2 run with N=$3 extra
# unchanged prompts (strace: clone/fork/vfork/execve).
count_procs() {
    strace -f -qq -e trace=clone,clone3,fork,vfork,execve -o "$T/procs.$1.$3" \
        env N="$3" CUENV="$CUENV" PA="$PA" "$@" >/dev/null 2>&1 ||
        true
    grep -cE ' (clone|clone3|fork|vfork|execve)\(' "$T/procs.$1.$3"
}

@test "hook: an unchanged prompt starts no process (bash, zsh, fish)" {
    strace_usable || skip "strace is not installed or cannot trace here"
    local sh few many
    local bash_script='eval "$("$CUENV" hook bash)"; cd "$PA"; _cuenv_hook; for ((i = 0; i < N; i++)); do _cuenv_hook; done'
    local zsh_script='eval "$("$CUENV" hook zsh)"; cd "$PA"; _cuenv_hook; for ((i = 0; i < N; i++)); do _cuenv_hook; done'
    local fish_script='$CUENV hook fish | source; cd $PA; _cuenv_hook; for i in (seq $N); _cuenv_hook; end'
    few=$(count_procs bash 0 bash --norc --noprofile -c "$bash_script")
    many=$(count_procs bash 200 bash --norc --noprofile -c "$bash_script")
    [ "$few" -gt 0 ] || fail "strace saw nothing"
    [ "$many" -eq "$few" ] || fail "bash: 200 unchanged prompts started $((many - few)) processes"
    # And the env is active there: the check passed, not skipped.
    PA=$PA N=0 run bash --norc --noprofile -c "$bash_script"' ; echo "$CUENV_ACTIVE"'
    assert_output "$ENV124"
    if command -v zsh >/dev/null; then
        few=$(count_procs zsh 0 zsh -f -c "$zsh_script")
        many=$(count_procs zsh 200 zsh -f -c "$zsh_script")
        [ "$many" -eq "$few" ] || fail "zsh: 200 unchanged prompts started $((many - few)) processes"
    fi
    if command -v fish >/dev/null; then
        # fish's seq is a process: count it once for both runs.
        few=$(count_procs fish 1 fish --no-config -c "$fish_script")
        many=$(count_procs fish 200 fish --no-config -c "$fish_script")
        [ "$many" -eq "$few" ] || fail "fish: 200 unchanged prompts started $((many - few)) processes"
    fi
}

@test "hook: cuenv runs only when the directory, CUENV_VERSION or the pin changed" {
    # The hook's cuenv, replaced by one that counts its runs.
    printf '#!/bin/sh\necho run >>"%s"\nexec "%s" "$@"\n' "$T/count" "$CUENV" >"$T/counting-cuenv"
    chmod +x "$T/counting-cuenv"
    mkdir -p "$PA/sub"
    cat >"$T/walk.sh" <<'EOF'
set -u
code=$("$CUENV" hook bash)
eval "${code//"'$CUENV' hook"/"'$COUNTING' hook"}"
n() { _cuenv_hook; echo "$(wc -l <"$COUNT") ${CUENV_ACTIVE-none}"; }
n; n
cd "$PA" || exit 1; n; n; n
cd sub || exit 1; n; n
export CUENV_VERSION=12.6; n; n
unset CUENV_VERSION; n
cd .. || exit 1; n
"$CUENV" use -q 12.6 >/dev/null; n; n
# An edit of the pin, a moment after the last 'cuenv use'.
sleep 0.05
printf '12.4\n' >.cuda-version; n; n
EOF
    PA=$PA COUNTING=$T/counting-cuenv COUNT=$T/count run bash --norc --noprofile "$T/walk.sh"
    assert_success
    # After each prompt: cuenv's runs so far (the eval ran the hook once) and the env.
    assert_output "1 none
1 none
2 $ENV124
2 $ENV124
2 $ENV124
3 $ENV124
3 $ENV124
4 $ENV126
4 $ENV126
5 $ENV124
6 $ENV124
7 $ENV126
7 $ENV126
8 $ENV124
8 $ENV124"
}

# ---- real interactive shells in tmux ----

# Start shell $1 interactively in tmux, in $HOME, with a clean environment
# (the user's own variables: the array USER_ENV), and source its rc file from
# tests/shells/ explicitly, then the files named $2... there (completion).
# Sets D (the snapshots) and BASEPATH.
start_shell() {
    local sh=$1 f src
    shift
    command -v tmux >/dev/null || skip "tmux is not installed"
    command -v "$sh" >/dev/null || skip "$sh is not installed"
    D=$T/snaps
    mkdir -p "$D" "$T/cbin" "$T/xdg-data" "$T/xdg-config"
    ln -s "$CUENV" "$T/cbin/cuenv"
    BASEPATH=$T/cbin:/usr/bin:/bin
    TMUX_ENV=(HOME="$HOME" PATH="$BASEPATH" CUENV_ROOT="$CUENV_ROOT" CUENV_CACHE="$CUENV_CACHE"
        CUENV_CONFIG=/dev/null CUENV_MIRROR="$CUENV_MIRROR" XDG_CONFIG_HOME="$T/xdg-config"
        XDG_DATA_HOME="$T/xdg-data" "${USER_ENV[@]}")
    case $sh in
    bash) tmx_start bash --norc --noprofile -i && src=. ;;
    zsh) tmx_start zsh -f -i && src=. ;;
    fish) tmx_start fish --no-config -i && src=source ;;
    esac
    for f in "rc.$sh" "$@"; do
        tmx_type "$src '$SHELLS/$f'"
    done
}

# Type the command line $1 (none when empty) at a prompt, then (at the next
# prompt) run nvcc from PATH and the probe script: snapshot $2, with the
# libcudart probes when $3 is "probes".
step() {
    [ -z "$1" ] || tmx_type "$1"
    tmx_type "nvcc --version >'$D/$2.nvcc' 2>&1; '$SHELLS/snap.sh' '$D' '$2' '${3:+$TB}'"
    wait_for_file "$D/$2.done" 20 || fail "step $2 did not finish; the pane:
$(tmx_pane)"
}

# ---- checks of the snapshots, without processes (they run after every step) ----

# REPLY: the contents of file $1 (empty when there is none).
slurp() {
    REPLY=
    [ -e "$1" ] && { IFS= read -r -d '' REPLY <"$1" || true; }
}

# Does file $1 have the line $2 (exactly)?
has_line() {
    slurp "$1"
    [[ $'\n'$REPLY == *$'\n'"$2"$'\n'* ]]
}

# Load snapshot $1: SNAP_VARS (the env's variables as cuenv-test-env prints
# them), SNAP_ALL (every variable but those a shell changes by itself) and
# SNAP_REST (SNAP_ALL without the env's variables and the hook's own).
load_snap() {
    local -A sv=()
    local line name v
    SNAP_ALL= SNAP_REST= SNAP_VARS=
    slurp "$D/$1.env"
    while IFS= read -r line; do
        [[ $line == *=* ]] || continue
        name=${line%%=*}
        sv[$name]=${line#*=}
        case $name in
        PWD | OLDPWD | _) continue ;;
        PATH | LD_LIBRARY_PATH | CUDA_HOME | CUDA_PATH | CUDA_ROOT | CUDAToolkit_ROOT | \
            CUDNN_PATH | CUDNN_HOME | CUDNN_ROOT | CUENV_ACTIVE | CUENV_VERSION | _CUENV_*) ;;
        *) SNAP_REST+=$line$'\n' ;;
        esac
        SNAP_ALL+=$line$'\n'
    done <<<"$REPLY"
    for v in "${ACT_VARS[@]}"; do
        if [[ -v sv[$v] ]]; then SNAP_VARS+="$v=${sv[$v]}"$'\n'; else SNAP_VARS+="$v unset"$'\n'; fi
    done
}

# Snapshot $1 is env $2 on top of the user's PATH and LD_LIBRARY_PATH
# ($USER_LD), nothing else changed, and nvcc is the env's.
assert_snap_env() {
    local want
    want=$(expected_env "$2" "$BASEPATH" "$USER_LD")$'\n'
    load_snap "$1"
    [ "$SNAP_VARS" = "$want" ] || fail "step $1 should be $2:
${SNAP_VARS}expected:
$want"
    [ "$SNAP_REST" = "$B0_REST" ] || fail "step $1 changed other variables:
$(diff <(echo "$B0_REST") <(echo "$SNAP_REST"))"
    slurp "$D/$1.which"
    [ "$REPLY" = "$CUENV_ROOT/envs/$2/bin/nvcc"$'\n' ] || fail "step $1: command -v nvcc: $REPLY"
    has_line "$D/$1.nvcc" "nvcc path: $CUENV_ROOT/envs/$2/bin/nvcc" || fail "step $1: nvcc: $REPLY"
}

# Snapshot $1 is exactly what the user had (b0): every variable, set or not.
assert_snap_user() {
    load_snap "$1"
    [ "$SNAP_ALL" = "$B0_ALL" ] || fail "step $1 is not what the user had:
$(diff <(echo "$B0_ALL") <(echo "$SNAP_ALL"))"
    slurp "$D/$1.which"
    [[ $REPLY != *nvcc* ]] || fail "step $1: nvcc still found: $REPLY"
}

# File $1 has line $2, or the test fails showing it.
assert_has_line() {
    has_line "$1" "$2" || fail "no line '$2' in $(basename "$1"):
$REPLY"
}

# The same walk in every shell: $1 the shell, $2 and $3 its commands to set
# and unset CUENV_VERSION.
interactive_walk() {
    start_shell "$1"
    mkdir -p "$PA/sub"
    step "" b0
    load_snap b0
    B0_ALL=$SNAP_ALL B0_REST=$SNAP_REST
    # The user's own values are in place before anything happens.
    [ "$SNAP_VARS" = "$(expected_user)"$'\n' ] || fail "b0: $SNAP_VARS"

    step "cd '$PA'" a1 probes
    assert_snap_env a1 "$ENV124"
    assert_has_line "$D/a1.nvcc" 'Cuda compilation tools, release 12.4, V12.4.131'
    assert_has_line "$D/a1.rt12" "cudart 12040"
    assert_has_line "$D/a1.rt12" "map $E124/lib/libcudart.so.12.4.127"

    # Same soname (libcudart.so.12), another version.
    step "cd '$PC'" c1 probes
    assert_snap_env c1 "$ENV126"
    assert_has_line "$D/c1.rt12" "cudart 12060"
    [[ $REPLY == *$'\n'"map $E126/lib/libcudart.so.12."* ]] || fail "c1 rt12: $REPLY"

    # Another soname; /usr/local/cuda's libcudart.so.13 is in ld.so.cache.
    step "cd '$PB'" b1 probes
    assert_snap_env b1 "$ENV130DNN"
    assert_has_line "$D/b1.nvcc" 'Cuda compilation tools, release 13.0, V13.0.88'
    assert_has_line "$D/b1.rt13" "cudart 13000"
    assert_has_line "$D/b1.rt13" "map $E130DNN/lib/libcudart.so.13.0.96"
    [[ $REPLY != *"map /usr/local"* ]] || fail "b1 rt13: $REPLY"
    slurp "$D/b1.rt12"
    [[ $REPLY == *"libcudart.so.12: cannot open shared object file"* ]] ||
        fail "b1: 12.x's library still reachable: $REPLY"

    step "cd" o1
    assert_snap_user o1

    # A pin in a parent directory; CUENV_VERSION over it, then gone again.
    step "cd '$PA/sub'" a2
    assert_snap_env a2 "$ENV124"
    step "$2" v1
    assert_snap_env v1 "$ENV126"
    step "$3" v2
    assert_snap_env v2 "$ENV124"

    # The pin changes under the shell: 'cuenv use', then an edit by hand.
    step "cd '$PA'" a3
    step "cuenv use -q 12.4+cudnn9" e1
    assert_snap_env e1 "$ENV124DNN"
    step "printf '13.0+cudnn9\\n' >.cuda-version" e2
    assert_snap_env e2 "$ENV130DNN"

    step "cd" o2
    assert_snap_user o2
}

# The user's own values, as cuenv-test-env prints them (from USER_ENV).
expected_user() {
    local -A u=()
    local kv v
    for kv in "${USER_ENV[@]}"; do
        u[${kv%%=*}]=${kv#*=}
    done
    u[PATH]=$BASEPATH
    for v in "${ACT_VARS[@]}"; do
        if [[ -v u[$v] ]]; then printf '%s=%s\n' "$v" "${u[$v]}"; else printf '%s unset\n' "$v"; fi
    done
}

@test "interactive bash: cd between projects, nvcc, pin edits, cd out (nothing set before)" {
    USER_ENV=()
    USER_LD=-
    interactive_walk bash "export CUENV_VERSION=12.6" "unset CUENV_VERSION"
}

@test "interactive zsh: the same walk, with the user's own LD_LIBRARY_PATH and CUDA_HOME" {
    USER_ENV=(LD_LIBRARY_PATH=/opt/mine/lib:/usr/lib/extra CUDA_HOME=/opt/mycuda CUDA_PATH=)
    USER_LD=/opt/mine/lib:/usr/lib/extra
    interactive_walk zsh "export CUENV_VERSION=12.6" "unset CUENV_VERSION"
}

@test "interactive fish: the same walk, with the user's own LD_LIBRARY_PATH and CUDAToolkit_ROOT" {
    USER_ENV=(LD_LIBRARY_PATH=/opt/fish/lib CUDAToolkit_ROOT=/opt/tk)
    USER_LD=/opt/fish/lib
    interactive_walk fish "set -gx CUENV_VERSION 12.6" "set -e CUENV_VERSION"
}

# ---- completions, asked of each shell ----

# Type $1 and press Tab until the pane matches the ERE $2 (at most three
# times: a Tab that inserts a common prefix lists nothing, and bash lists on
# the second Tab), check the pane matches every other ERE given, then clear
# the line.
complete_check() {
    local re i
    tmux -S "$TMX" send-keys -t t -l -- "$1"
    for i in 1 2 3; do
        tmx_keys Tab
        tmx_pane_matches "$2" 2 && break
    done
    tmx_wait_pane "$2" 1
    shift 2
    for re; do
        tmx_pane | grep -Eq -- "$re" || fail "no /$re/ in the pane: $(tmx_pane)"
    done
    # Empty the line and the screen, and wait for a bare prompt: keys typed
    # before the shell is back would land on the old line.
    tmx_keys C-u
    tmx_keys C-l
    tmx_wait_clean
}

# Wait at most 5 seconds for the pane to hold nothing but a bare prompt.
tmx_wait_clean() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(tmx_pane | sed 's/ *$//' | grep -v '^$')" = "$SH\$" ] && return 0
        act_sleep 0.05
    done
    fail "no bare prompt: $(tmx_pane)"
}

completions_in() {
    SH=$1
    USER_ENV=()
    start_shell "$1" "completion.$1"
    step "" b0
    tmx_keys C-l
    tmx_wait_clean
    complete_check "cuenv ins" "^$1\\\$ cuenv install ?\$"
    # (fish offers options only once a '-' is typed.)
    complete_check "cuenv hook " "bash.*fish.*zsh|bash.*zsh.*fish" "$([ "$1" = fish ] || echo --help)"
    complete_check "cuenv use --" "--global" --help --platform --profile --quiet
    complete_check "cuenv shim " "add.*list.*refresh.*remove|add.*remove.*list.*refresh"
    complete_check "cuenv use --profile " "devel" runtime full
    complete_check "cuenv env --shell " "dotenv" github json bash zsh fish
    # Installed envs (fish shows their common start as an ellipsis), and the
    # source's labels (the mirror here is a directory).
    complete_check "cuenv uninstall cuda-12.4" "12\\.4\\.1-runtime" "12\\.4\\.1\\+cudnn-9\\.14\\.0\\.64-devel" "12\\.4\\.1-devel"
    complete_check "cuenv exec cuda-1" "12\\.6\\.3-devel" "13\\.0\\.2\\+cudnn-9\\.14\\.0\\.64-devel"
    complete_check "cuenv use 12." "12\\.6\\.3" "12\\.4\\.1"
}

@test "bash completes commands, options, profiles, shells, installed envs and labels (Tab in an interactive bash)" {
    completions_in bash
}

@test "zsh completes commands, options, profiles, shells, installed envs and labels (Tab in an interactive zsh)" {
    completions_in zsh
}

@test "fish completes commands, options, profiles, shells, installed envs and labels (Tab in an interactive fish)" {
    completions_in fish
}
