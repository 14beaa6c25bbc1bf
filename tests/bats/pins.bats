#!/usr/bin/env bats
# Pins and locks a project brings along (RELIABILITY.md 3.E): whose pin may
# choose what runs (REL-56), pins that are not small text files (REL-57),
# which selection wins (REL-58), and hostile cuenv.lock files. cuenv and the
# shim must always agree: every check runs both ('cuenv current' and a
# wrapper shim that prints CUENV_ACTIVE).

load helper
load activation_helper

setup_file() { act_setup_file; }

setup() {
    act_setup
    umask 022
    SPATH=$SHIMS:/usr/bin:/bin
    "$CUENV" shim add sh >/dev/null 2>&1 || fail "cuenv shim add sh failed"
    HTTP_PID=
    unset CUENV_CEILING_DIRS
}

teardown() { http_stop; }

# Both readers in directory $1: CUR is the env 'cuenv current' names (or
# "none" when nothing is pinned: exit 3), CUR_STATUS and CUR_ERR its status
# and stderr; SH is the CUENV_ACTIVE the shim gave a wrapped sh ("none"
# without a pin), SH_STATUS and SH_ERR likewise.
both() {
    cd "$1" || return 1
    run --separate-stderr timeout -k 2 5 "$CUENV" current
    CUR=${output%% (*} CUR_STATUS=$status CUR_ERR=$stderr
    [ "$status" -ne 3 ] || CUR=none
    PATH=$SPATH run --separate-stderr timeout -k 2 5 sh -c 'echo "${CUENV_ACTIVE:-none}"'
    SH=$output SH_STATUS=$status SH_ERR=$stderr
}

# Both readers in $1 pick env $2 (or "none").
assert_both() {
    both "$1"
    [ "$CUR" = "$2" ] || fail "cuenv current in $1: '$CUR' (status $CUR_STATUS: $CUR_ERR), expected '$2'"
    [ "$SH_STATUS" -eq 0 ] && [ "$SH" = "$2" ] ||
        fail "the shim in $1: '$SH' (status $SH_STATUS: $SH_ERR), expected '$2'"
}

# Both warned that they ignore pin $1 because of the ERE $2.
assert_both_ignored() {
    local re="ignoring '$1': $2"
    [[ $CUR_ERR =~ ^cuenv:\ warning:\ $re ]] || fail "cuenv did not say it ignores $1 ($2): $CUR_ERR"
    [[ $SH_ERR =~ ^cuenv-shim:\ warning:\ $re ]] || fail "the shim did not say it ignores $1 ($2): $SH_ERR"
}

# A pin with spec $2 in directory $1 (created), mode 644.
pin() {
    mkdir -p "$1"
    printf '%s\n' "$2" >"$1/.cuda-version"
}

needs_root() { [ "$(id -u)" = 0 ] || skip "needs root to chown"; }

# ---- REL-56: whose pins count ----

@test "REL-56: a pin owned by another user is ignored with a warning by cuenv and the shim; the parent's pin applies" {
    needs_root
    pin "$T/w" 12.6
    pin "$T/w/proj" 13.0+cudnn9
    chown 65534:65534 "$T/w/proj/.cuda-version"
    assert_both "$T/w/proj" "$ENV126"
    assert_both_ignored "$T/w/proj/\.cuda-version" "it belongs to another user \(uid 65534\)"
    # Owned by root: trusted (root can change anything anyway).
    chown 0:0 "$T/w/proj/.cuda-version"
    [ "$(id -u)" = 0 ] && assert_both "$T/w/proj" "$ENV130DNN"
}

@test "REL-56: a world-writable sticky directory: another user's pin is ignored, mine is read; the directory's owner counts" {
    needs_root
    mkdir -p "$T/shared/proj"
    chmod 1777 "$T/shared"
    pin "$T/shared" 12.6
    chown 65534:65534 "$T/shared/.cuda-version"
    assert_both "$T/shared/proj" none
    assert_both_ignored "$T/shared/\.cuda-version" "it belongs to another user \(uid 65534\)"
    # Mine, in a sticky directory owned by root (like /tmp): nobody else can replace it.
    chown 0:0 "$T/shared/.cuda-version"
    assert_both "$T/shared/proj" "$ENV126"
    # A sticky directory owned by another user: its owner can replace my pin.
    chown 65534:65534 "$T/shared"
    assert_both "$T/shared/proj" none
    assert_both_ignored "$T/shared/\.cuda-version" "its directory belongs to another user \(uid 65534\)"
}

@test "REL-56: pins writable by group or others, or in a directory others can write to, are ignored" {
    pin "$T/w" 12.6
    pin "$T/w/p" 13.0+cudnn9
    local mode
    # A group that is not the user's private one (gid == uid): its members could write.
    chgrp 65534 "$T/w/p/.cuda-version" "$T/w/p"
    for mode in 664 646 666 777; do
        chmod "$mode" "$T/w/p/.cuda-version"
        assert_both "$T/w/p" "$ENV126"
        assert_both_ignored "$T/w/p/\.cuda-version" "it is writable by group or others \(mode 0$mode\)"
    done
    chmod 644 "$T/w/p/.cuda-version"
    assert_both "$T/w/p" "$ENV130DNN"
    for mode in 775 757 777; do
        chmod "$mode" "$T/w/p"
        assert_both "$T/w/p" "$ENV126"
        assert_both_ignored "$T/w/p/\.cuda-version" "its directory is writable by group or others \(mode 0$mode\)"
    done
    # Sticky and mine: others cannot rename over my pin.
    chmod 1777 "$T/w/p"
    assert_both "$T/w/p" "$ENV130DNN"
    [ -z "$CUR_ERR" ] && [ -z "$SH_ERR" ] || fail "warnings for a trusted pin: $CUR_ERR / $SH_ERR"
}

@test "REL-56: group-writable pins and directories of the user's private group (umask 002) are trusted" {
    [ "$(id -u)" = "$(id -g)" ] || skip "needs a user whose primary gid equals its uid"
    pin "$T/w" 12.6
    pin "$T/w/p" 13.0+cudnn9
    chgrp "$(id -g)" "$T/w/p/.cuda-version" "$T/w/p"
    chmod 664 "$T/w/p/.cuda-version"
    chmod 775 "$T/w/p"
    assert_both "$T/w/p" "$ENV130DNN"
    [ -z "$CUR_ERR" ] && [ -z "$SH_ERR" ] || fail "warnings for a trusted pin: $CUR_ERR / $SH_ERR"
    # World-writable stays untrusted whatever the group.
    chmod 666 "$T/w/p/.cuda-version"
    assert_both "$T/w/p" "$ENV126"
}

@test "REL-56: a symlinked pin is judged by the link and by what it points to" {
    needs_root
    pin "$T/w" 12.6
    pin "$T/elsewhere" 13.0+cudnn9
    mkdir -p "$T/w/p"
    ln -s ../../elsewhere/.cuda-version "$T/w/p/.cuda-version"
    assert_both "$T/w/p" "$ENV130DNN"
    chown 65534:65534 "$T/elsewhere/.cuda-version"
    assert_both "$T/w/p" "$ENV126"
    assert_both_ignored "$T/w/p/\.cuda-version" "it belongs to another user \(uid 65534\)"
    chown 0:0 "$T/elsewhere/.cuda-version"
    chown -h 65534:65534 "$T/w/p/.cuda-version"
    assert_both "$T/w/p" "$ENV126"
    assert_both_ignored "$T/w/p/\.cuda-version" "it belongs to another user \(uid 65534\)"
}

@test "REL-56: discovery stops after \$HOME and after a CUENV_CEILING_DIRS directory" {
    pin "$T/above" 12.6
    mkdir -p "$T/above/home/proj/src"
    export HOME=$T/above/home
    # Above HOME: never read, no warning either.
    assert_both "$T/above/home/proj/src" none
    [[ $CUR_ERR$SH_ERR != *warning* ]] || fail "unexpected warning: $CUR_ERR $SH_ERR"
    # HOME itself is read.
    pin "$HOME" 13.0+cudnn9
    assert_both "$T/above/home/proj/src" "$ENV130DNN"
    # Through a symlinked HOME too.
    ln -s above/home "$T/homelink"
    HOME=$T/homelink assert_both "$T/above/home/proj/src" "$ENV130DNN"
    rm "$HOME/.cuda-version"
    HOME=$T/homelink assert_both "$T/above/home/proj/src" none
    # Outside HOME, a ceiling: read, and nothing above it.
    export HOME=$T/elsewhere
    mkdir -p "$HOME"
    assert_both "$T/above/home/proj/src" "$ENV126"
    export CUENV_CEILING_DIRS="relative/ignored::$T/above/home/proj:/nonexistent"
    assert_both "$T/above/home/proj/src" none
    pin "$T/above/home/proj" 12.4
    assert_both "$T/above/home/proj/src" "$ENV124"
}

@test "REL-56: discovery never crosses a mount point (a tmpfs on the project's parent)" {
    needs_root
    command -v unshare >/dev/null || skip "unshare(1) missing"
    unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"
    pin "$T/fs" 12.6
    mkdir -p "$T/fs/mnt"
    cat >"$T/inside.sh" <<'EOF'
set -e
mount -t tmpfs -o size=1m tmpfs "$T/fs/mnt"
mkdir -p "$T/fs/mnt/proj"
cd "$T/fs/mnt/proj"
set +e
"$CUENV" current 2>/dev/null; echo "current=$?"
PATH=$SPATH sh -c 'echo "shim=${CUENV_ACTIVE:-none}"'
printf '12.4\n' >.cuda-version
"$CUENV" current 2>/dev/null; echo "current=$?"
PATH=$SPATH sh -c 'echo "shim=${CUENV_ACTIVE:-none}"'
EOF
    T=$T CUENV=$CUENV SPATH=$SPATH run timeout 20 unshare -m sh "$T/inside.sh"
    assert_success
    assert_line --index 0 "current=3"
    assert_line --index 1 "shim=none"
    assert_line --index 2 "$ENV124 (set by $T/fs/mnt/proj/.cuda-version)"
    assert_line --index 4 "shim=$ENV124"
    # Without the mount, the same directory sees its parent's pin.
    mkdir -p "$T/fs/mnt/proj"
    assert_both "$T/fs/mnt/proj" "$ENV126"
}

@test "REL-56: a pin naming a path or URL is an error naming the file and line; 'path =' lines are ignored; nothing downloaded" {
    http_start "$ACT_MIRROR"
    export CUENV_MIRROR=$HTTP_URL
    local spec
    for spec in ./evil /usr/local/cuda file:///etc/passwd https://127.0.0.1:1/x '../../../bin'; do
        pin "$T/p/evil" "$spec"
        cd "$T/p/evil"
        trun "$CUENV" current
        assert_failure 1
        assert_stderr_regexp "^cuenv: error: $T/p/evil/\.cuda-version:1: invalid spec '"
        trun "$CUENV" exec -- true
        assert_failure 1
        PATH=$SPATH trun sh -c 'echo ran'
        assert_failure 126
        assert_stderr_regexp "^cuenv-shim: error: invalid spec '.*' in $T/p/evil/\.cuda-version:1\$"
    done
    # rustup#2879 shape: a path key beside a good spec does nothing.
    printf '12.4\npath = ./evil\ntoolchain = /tmp/x\n' >"$T/p/evil/.cuda-version"
    assert_both "$T/p/evil" "$ENV124"
    # A pin for something not installed never installs it by itself (rustup#4264).
    printf '12.8\n' >"$T/p/evil/.cuda-version"
    cd "$T/p/evil"
    PATH=$SPATH trun -127 nvcc --version
    trun "$CUENV" exec -- true
    assert_failure 3
    trun "$CUENV" hook bash --eval
    [ "$(grep -c '"GET ' "$BATS_TEST_TMPDIR/http.log")" -eq 0 ] || fail "requests were made: $(cat "$BATS_TEST_TMPDIR/http.log")"
    [ ! -e "$CUENV_CACHE/archives" ] || [ -z "$(ls -A "$CUENV_CACHE/archives")" ]
}

# ---- locks beside a pin ----

# A lock for pin "12" that names the 12.4.1 env while 12.6.3 is newer: used,
# it picks 12.4.1; passed over, both readers pick 12.6.3.
lock12() {
    pin "$1" 12
    printf '%s' "$ACT_LOCK_A" | sed 's/^spec = 12\.4$/spec = 12/' >"$1/cuenv.lock"
}

@test "REL-56: a lock writable by others, or owned by another user, is passed over by cuenv and the shim" {
    lock12 "$T/l"
    assert_both "$T/l" "$ENV124"
    chmod 666 "$T/l/cuenv.lock"
    assert_both "$T/l" "$ENV126"
    assert_both_ignored "$T/l/cuenv\.lock" "it is writable by group or others \(mode 0666\)"
    cd "$T/l"
    trun "$CUENV" install --locked
    assert_failure 1
    assert_stderr_line "^cuenv: error: '$T/l/cuenv\.lock' is not trusted: it is writable by group or others \(mode 0666\)\$"
    chmod 644 "$T/l/cuenv.lock"
    if [ "$(id -u)" = 0 ]; then
        chown 65534 "$T/l/cuenv.lock"
        assert_both "$T/l" "$ENV126"
    fi
}

@test "[SHIM] hostile cuenv.lock values: paths as env or labels, bad sizes and digests, duplicate keys; refused by both, nothing written outside" {
    lock12 "$T/l"
    local good
    good=$(cat "$T/l/cuenv.lock")
    mkdir -p "$T/outside"
    tree_state "$T/outside" "$HOME" >"$T/before"
    local -a edits=(
        's|^env = .*|env = ../../../outside/evil|'
        's|^env = .*|env = cuda-12.6.3-devel|'
        's|^cuda = .*|cuda = 12.4.1/../../../../outside|'
        's|^profile = .*|profile = ../x|'
        's|^\(archive = cuda [^ ]* [^ ]*\) [0-9]* |\1 -1 |'
        's|^\(archive = cuda [^ ]* [^ ]*\) [0-9]* |\1 0 |'
        's|^\(archive = cuda [^ ]* [^ ]*\) [0-9]* |\1 18446744073709551617 |'
        's|^\(archive = cuda [^ ]* [^ ]*\) [0-9]* |\1 +12 |'
        's|^\(archive = cuda [^ ]* [^ ]* [^ ]*\) [0-9a-f]* |\1 sha256:abc |'
        's|^\(archive = cuda\) [^ ]* |\1 ../../outside |'
        's|\(archive = cuda .* \)\([^ ]*\)$|\1../../outside/x.tar.xz|'
        's|\(archive = cuda .* \)\([^ ]*\)$|\1/etc/passwd|'
        's|^spec = 12$|spec = 12\nspec = 12|'
        's|^lock-version = 1|lock-version = 2|'
        's|^platform = .*|platform = linux x86|'
    )
    local e i=0
    for e in "${edits[@]}"; do
        i=$((i + 1))
        printf '%s\n' "$good" | sed "$e" >"$T/l/cuenv.lock"
        cmp -s "$T/l/cuenv.lock" <(printf '%s\n' "$good") && fail "edit $i changed nothing: $e"
        cd "$T/l"
        trun "$CUENV" install --locked
        [ "$status" -eq 1 ] || fail "edit $i ($e): install --locked exit $status: $stderr"
        assert_stderr_line "^cuenv: error: $T/l/cuenv\.lock:[0-9]+: "
        # Neither reader uses it: both fall back to the newest 12.x.
        assert_both "$T/l" "$ENV126"
    done
    tree_state "$T/outside" "$HOME" >"$T/after"
    diff "$T/before" "$T/after" || fail "something changed outside"
    [ -z "$(ls "$CUENV_ROOT/envs" | grep -v '^cuda-1[23]\.[0-9.]*\(+cudnn-[0-9.]*\)\?-\(devel\|runtime\)$')" ] ||
        fail "unexpected env names: $(ls "$CUENV_ROOT/envs")"
    # The untouched lock still works.
    printf '%s\n' "$good" >"$T/l/cuenv.lock"
    assert_both "$T/l" "$ENV124"
}

# ---- REL-57: pins and locks that are not small text files ----

@test "REL-57: pins that are symlink loops, dangling links, binary garbage or a long line: an error naming the file, no hang, cuenv and the shim alike" {
    mkdir -p "$T/q"
    cd "$T/q"
    ln -s .cuda-version .cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr "cuenv: error: cannot read '$T/q/.cuda-version': Too many levels of symbolic links"
    PATH=$SPATH TLIMIT=5 trun sh -c true
    assert_failure 126
    assert_stderr "cuenv-shim: error: cannot read '$T/q/.cuda-version': Too many levels of symbolic links"
    rm .cuda-version
    ln -s nowhere .cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr "cuenv: error: cannot read '$T/q/.cuda-version': No such file or directory"
    PATH=$SPATH TLIMIT=5 trun sh -c true
    assert_failure 126
    assert_stderr "cuenv-shim: error: cannot read '$T/q/.cuda-version': No such file or directory"
    rm .cuda-version
    # Garbage without NUL or control bytes: the first line is an invalid spec.
    head -c 3000 /dev/urandom | LC_ALL=C tr -d '\000-\037\177' >.cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr_regexp "^cuenv: error: $T/q/\.cuda-version:1: invalid spec '"
    PATH=$SPATH TLIMIT=5 trun sh -c true
    assert_failure 126
    [[ $stderr == "cuenv-shim: error: invalid spec '"*"' in $T/q/.cuda-version:1" ]] ||
        fail "the shim's error: $stderr"
    # 4 KiB exactly is a pin; one byte more is not.
    { printf '12.4\n#'; head -c 4090 /dev/zero | tr '\0' x; } >.cuda-version
    [ "$(stat -c %s .cuda-version)" = 4096 ]
    assert_both "$T/q" "$ENV124"
    printf 'x' >>.cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr "cuenv: error: '$T/q/.cuda-version' is not a small regular file"
    PATH=$SPATH TLIMIT=5 trun sh -c true
    assert_failure 126
    assert_stderr "cuenv-shim: error: '$T/q/.cuda-version' is larger than 4096 bytes"
}

@test "REL-57: a cuenv.lock that is a FIFO, a device, a loop or a directory is passed over without a hang" {
    lock12 "$T/l"
    cd "$T/l"
    local kind
    for kind in fifo zero tty loop dir; do
        rm -rf cuenv.lock
        case $kind in
        fifo) mkfifo cuenv.lock ;;
        zero) ln -s /dev/zero cuenv.lock ;;
        tty) ln -s /dev/tty cuenv.lock ;;
        loop) ln -s cuenv.lock cuenv.lock ;;
        dir) mkdir cuenv.lock ;;
        esac
        assert_both "$T/l" "$ENV126"
        cd "$T/l"
        TLIMIT=5 trun "$CUENV" install --locked
        [ "$status" -eq 1 ] || fail "$kind: install --locked exit $status: $stderr"
        assert_stderr_line "^cuenv: error: .*'$T/l/cuenv\.lock'"
    done
}

# ---- REL-58: which selection wins ----

@test "REL-58: command line > CUENV_VERSION > nearest pin > parent pin > global default, for current, exec, env and the shim" {
    cd "$T"
    trun "$CUENV" use --global -q 13.0+cudnn9
    assert_success
    pin "$T/s" 12.6
    pin "$T/s/sub" 12.4+cudnn9
    mkdir -p "$T/s/sub/deep"
    local d=$T/s/sub/deep
    assert_both "$d" "$ENV124DNN"
    trun "$CUENV" current --json
    assert_json "assert d['source'] == 'file' and d['pin'] == '$T/s/sub/.cuda-version', d"
    # exec and env say the same as current.
    trun "$CUENV" exec -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_output "$ENV124DNN"
    trun "$CUENV" env --shell json
    assert_json "assert d['CUENV_ACTIVE'] == '$ENV124DNN', d"
    # CUENV_VERSION beats every pin; empty is unset.
    CUENV_VERSION=12.4 assert_both "$d" "$ENV124"
    CUENV_VERSION= assert_both "$d" "$ENV124DNN"
    # The command line beats CUENV_VERSION.
    CUENV_VERSION=12.4 trun "$CUENV" exec 12.6 -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_output "$ENV126"
    CUENV_VERSION=12.4 trun "$CUENV" env 13.0+cudnn9 --shell json
    assert_json "assert d['CUENV_ACTIVE'] == '$ENV130DNN', d"
    # Without the nearest pin, the parent's; without that, the global default.
    rm "$T/s/sub/.cuda-version"
    assert_both "$d" "$ENV126"
    rm "$T/s/.cuda-version"
    assert_both "$d" "$ENV130DNN"
    assert_equal "$(cd "$d" && "$CUENV" current)" "$ENV130DNN (set by the global default $CUENV_ROOT/global-version)"
}

# ---- the environment the shim and cuenv read ----

@test "[SHIM] a CUENV_ROOT with ':' or a newline: cuenv refuses the prefix (exit 1), the shim too (126), the hook activates nothing" {
    local r
    for r in "$T/a:b/root" "$T/nl"$'\n'"EVIL=1/root"; do
        mkdir -p "$r"
        act_copy_root "$r"
        pin "$T/p/c2" 12.6
        cd "$T/p/c2"
        CUENV_ROOT=$r trun "$CUENV" exec -- sh -c 'echo "$LD_LIBRARY_PATH"'
        assert_failure 1
        assert_output ""
        assert_stderr_line "^cuenv: error: env prefix '.*' contains ':' or a control character"
        CUENV_ROOT=$r trun "$CUENV" env --shell github
        assert_failure 1
        assert_output ""
        # (Such a shims directory cannot even go on PATH: run the shim by its path.)
        CUENV_ROOT=$r trun "$r/shims/nvcc" --version
        assert_failure 126
        assert_stderr_regexp "contains ':' or a control character"
        CUENV_ROOT=$r trun "$CUENV" hook bash --eval
        assert_success
        [[ $output != *LD_LIBRARY_PATH* ]] || fail "the hook activated it: $output"
    done
}

@test "[SHIM] CUENV_SHIM_DEPTH garbage, negative or overflowing: counted from 0 or refused as a loop, never wrapped around" {
    pin "$T/d" 12.6
    local v
    for v in abc -1 '' 19; do
        CUENV_SHIM_DEPTH=$v assert_both "$T/d" "$ENV126"
    done
    for v in 20 99999999999999999999999 18446744073709551615 18446744073709551616; do
        cd "$T/d"
        CUENV_SHIM_DEPTH=$v PATH=$SPATH trun sh -c true
        assert_failure 126
        assert_stderr_regexp "shim loop"
    done
}

@test "[SHIM] CUENV_VERSION with a newline and a profile line, or a control character: cuenv and the shim read it alike" {
    mkdir -p "$T/e"
    CUENV_VERSION=$'12.4\nprofile = runtime' assert_both "$T/e" "$ENV124RT"
    CUENV_VERSION=$'12.4\nprofile = bogus' both "$T/e"
    [ "$CUR_STATUS" -ne 0 ] && [ "$SH_STATUS" -eq 126 ] || fail "accepted: $CUR / $SH"
    CUENV_VERSION=$'12.4\x1b[2J' both "$T/e"
    [ "$CUR_STATUS" -ne 0 ] && [ "$SH_STATUS" -eq 126 ] || fail "accepted: $CUR / $SH"
    [[ $CUR_ERR$SH_ERR != *$'\x1b'* ]] || fail "a raw escape reached stderr"
}
