#!/usr/bin/env bats
# A shared, read-only store: an administrator installs into a root on a
# shared file system; users name it in CUENV_SYSTEM_ROOT (or point
# CUENV_ROOT at it) and run its envs without writing there, while their
# own installs go to their own root. The system root is made read-only for
# real (tests run as root, so modes alone would not stop a write): a
# read-only bind mount in a private mount namespace (unshare -m), or cuenv
# run as uid 65534 (setpriv). Every test compares a snapshot of the system
# root (paths, types, sizes, times, modes, inodes) before and after.

load helper

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    mirror_build
    file_server_start
}

teardown_file() { file_server_stop; }

ENV124=cuda-12.4.1+cudnn-9.14.0.64-devel
ENV126=cuda-12.6.3+cudnn-9.14.0.64-devel

setup() {
    install_setup
    file_server_use
    unshare -m true 2>/dev/null || skip "no mount namespaces here (unshare -m)"
    SYS=$BATS_TEST_TMPDIR/sys
    # The administrator's install, with their own cache.
    CUENV_ROOT=$SYS CUENV_CACHE=$BATS_TEST_TMPDIR/admin-cache \
        timeout 60 "$CUENV" install 12.4+cudnn9 --quiet >/dev/null
    [ -e "$SYS/envs/$ENV124/.cuenv/receipt" ]
    export CUENV_SYSTEM_ROOT=$SYS
    BEFORE=$(snapshot "$SYS")
    mkdir -p "$BATS_TEST_TMPDIR/proj"
    echo 12.4+cudnn9 >"$BATS_TEST_TMPDIR/proj/.cuda-version"
    srv /__reset >/dev/null
}

teardown() {
    install_teardown
    [ -z "${NOBODY_DIR:-}" ] || rm -rf "$NOBODY_DIR"
}

snapshot() {
    find "$1" -printf '%p %y %s %T@ %C@ %m %i %n\n' | LC_ALL=C sort
}

assert_sys_untouched() {
    local after
    after=$(snapshot "$SYS")
    [ "$after" = "$BEFORE" ] || {
        diff <(echo "$BEFORE") <(echo "$after") >&2
        fail "the system root changed"
    }
}

# Run a command with $SYS read-only (a bind mount of itself, remounted
# read-only, in a mount namespace of its own: nothing outlives the command).
ro() {
    unshare -m sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"' \
        "$SYS" "$@"
}

@test "the read-only mount is real: even root cannot write there" {
    run ro touch "$SYS/x"
    assert_failure
    assert_output --partial "Read-only file system"
}

@test "exec, env, prefix, list, current, which use an env of the system root, writing nothing there" {
    local prefix=$SYS/envs/$ENV124
    run --separate-stderr ro "$CUENV" exec 12.4+cudnn9 -- cuenv-test-env
    assert_success
    assert_line "CUDA_HOME=$prefix"
    assert_line "CUDNN_PATH=$prefix"
    assert_line "CUENV_ACTIVE=$ENV124"
    assert_line "PATH=$prefix/bin:$PATH"
    assert_line "LD_LIBRARY_PATH=$prefix/lib"
    run ro "$CUENV" prefix 12.4+cudnn9
    assert_success
    assert_output "$prefix"
    run --separate-stderr ro "$CUENV" env 12.4+cudnn9 --shell json
    assert_success
    assert_json 'assert d["CUDA_HOME"] == d["CUDNN_ROOT"] and d["CUDA_HOME"].endswith("/sys/envs/'$ENV124'"), d'
    run ro "$CUENV" list --json
    assert_success
    assert_json 'assert [(e["name"], e["system_root"]) for e in d] == [("'$ENV124'", "'$SYS'")], d'
    run ro "$CUENV" list
    assert_output --partial "(system root $SYS)"
    cd "$BATS_TEST_TMPDIR/proj"
    run ro "$CUENV" current
    assert_success
    assert_output --partial "$ENV124"
    run ro "$CUENV" which nvcc
    assert_success
    assert_output "$prefix/bin/nvcc"
    run ro "$CUENV" exec -- nvcc --version
    assert_success
    assert_line "nvcc path: $prefix/bin/nvcc"
    # The user's root was not even created; the system root is as it was.
    [ ! -e "$CUENV_ROOT" ]
    assert_sys_untouched
    # Without CUENV_SYSTEM_ROOT the env is not there for this user.
    CUENV_SYSTEM_ROOT= run --separate-stderr "$CUENV" exec 12.4+cudnn9 -- true
    assert_failure 3
    # Relative and empty elements are ignored.
    CUENV_SYSTEM_ROOT="::relative/dir:$SYS/:" run "$CUENV" prefix 12.4+cudnn9
    assert_success
    assert_output "$prefix"
}

@test "install of an env the system root has is a no-op; another env goes to the user's root" {
    run --separate-stderr ro timeout 60 "$CUENV" install 12.4+cudnn9
    assert_success
    assert_output "$SYS/envs/$ENV124"
    assert_stderr "$ENV124 is already installed in the system root '$SYS'"
    assert_equal "$(hits '*.tar.xz')" 0
    [ ! -e "$CUENV_ROOT/envs" ]
    run --separate-stderr ro timeout 60 "$CUENV" install 12.4+cudnn9 --json
    assert_success
    assert_json 'assert d["already_installed"] and d["system_root"] == "'$SYS'" and d["downloaded"] == 0, d
assert len(d["archives"]) == 7 and all(a["state"] == "reused" for a in d["archives"]), d'
    # 'use' pins and locks it, installing nothing.
    cd "$BATS_TEST_TMPDIR/proj"
    run --separate-stderr ro timeout 60 "$CUENV" use 12.4+cudnn9
    assert_success
    [ -f cuenv.lock ]
    assert_equal "$(hits '*.tar.xz')" 0
    # Another pair: into the user's own root.
    run --separate-stderr ro timeout 60 "$CUENV" install 12.6+cudnn9
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV126"
    assert_env_ok "$CUENV_ROOT/envs/$ENV126"
    run ro "$CUENV" prefix 12.6+cudnn9
    assert_output "$CUENV_ROOT/envs/$ENV126"
    run ro "$CUENV" list --json
    assert_json 'assert sorted((e["name"], e["system_root"]) for e in d) == [("'$ENV124'", "'$SYS'"), ("'$ENV126'", None)], d'
    # uninstall touches only the user's envs, and says where the other one is.
    run --separate-stderr ro "$CUENV" uninstall 12.4+cudnn9
    assert_failure 3
    [[ $stderr == *"hint: '$ENV124' is in a read-only system root (CUENV_SYSTEM_ROOT): '$SYS/envs/$ENV124'"* ]]
    assert_sys_untouched
}

@test "the user's own env of the same name hides the system root's" {
    CUENV_SYSTEM_ROOT= run timeout 60 "$CUENV" install 12.4+cudnn9 --quiet
    assert_success
    run "$CUENV" prefix 12.4+cudnn9
    assert_output "$CUENV_ROOT/envs/$ENV124"
    run --separate-stderr "$CUENV" install 12.4+cudnn9
    assert_stderr "$ENV124 is already installed"
    run "$CUENV" list --json
    assert_json 'assert [(e["name"], e["system_root"]) for e in d] == [("'$ENV124'", None)], d'
}

@test "shims run the system root's tools, with the variables 'cuenv env' gives" {
    run ro "$CUENV" shim refresh
    assert_success
    [ -e "$CUENV_ROOT/shims/nvcc" ]
    cd "$BATS_TEST_TMPDIR/proj"
    PATH=$CUENV_ROOT/shims:/usr/bin:/bin run --separate-stderr ro nvcc --version
    assert_success
    assert_line "nvcc path: $SYS/envs/$ENV124/bin/nvcc"
    local via_shim via_env
    via_shim=$(PATH=$CUENV_ROOT/shims:/usr/bin:/bin ro cuenv-test-env)
    via_env=$(PATH=$CUENV_ROOT/shims:/usr/bin:/bin ro "$CUENV" exec -- cuenv-test-env)
    assert_equal "$via_shim" "$via_env"
    grep -qx "CUDA_HOME=$SYS/envs/$ENV124" <<<"$via_shim"
    # A previous env of the system root leaves PATH when another is chosen, as in 'cuenv env'.
    run timeout 60 "$CUENV" install 12.6+cudnn9 --quiet
    assert_success
    CUENV_VERSION=12.6+cudnn9 PATH=$CUENV_ROOT/shims:$SYS/envs/$ENV124/bin:/usr/bin:/bin \
        run --separate-stderr ro cuenv-test-env
    assert_success
    assert_line "PATH=$CUENV_ROOT/envs/$ENV126/bin:$CUENV_ROOT/shims:/usr/bin:/bin"
    PATH=$SYS/envs/$ENV124/bin:/usr/bin:/bin run --separate-stderr ro "$CUENV" env 12.6+cudnn9 --shell json
    assert_json 'assert d["PATH"] == "'"$CUENV_ROOT/envs/$ENV126/bin:/usr/bin:/bin"'", d'
    assert_sys_untouched
}

@test "the shell hook activates the system root's env on cd and restores on leaving" {
    cd "$BATS_TEST_TMPDIR"
    run ro bash --norc --noprofile -c '
        eval "$("$1" hook bash)"
        cd proj && _cuenv_hook && echo "in: $CUDA_HOME"
        cd .. && _cuenv_hook && echo "out: ${CUDA_HOME-unset}"' _ "$CUENV"
    assert_success
    assert_line "in: $SYS/envs/$ENV124"
    assert_line "out: unset"
    refute_output --partial "error"
    assert_sys_untouched
}

@test "CUENV_ROOT pointing at the read-only root itself: run, list and a no-op install, no lock" {
    export CUENV_ROOT=$SYS
    unset CUENV_SYSTEM_ROOT
    run --separate-stderr ro "$CUENV" exec 12.4+cudnn9 -- cuenv-test-env
    assert_success
    assert_line "CUDA_HOME=$SYS/envs/$ENV124"
    run --separate-stderr ro timeout 60 "$CUENV" install 12.4+cudnn9
    assert_success
    assert_stderr "$ENV124 is already installed"
    run ro "$CUENV" list
    assert_success
    cd "$BATS_TEST_TMPDIR/proj"
    run --separate-stderr ro bash --norc --noprofile -c 'eval "$("$1" hook bash)"; _cuenv_hook; echo "$CUDA_HOME"' _ "$CUENV"
    assert_success
    assert_output "$SYS/envs/$ENV124"
    # Installing something new there fails cleanly, naming what it could not write.
    run --separate-stderr ro timeout 60 "$CUENV" install 12.6+cudnn9
    assert_failure
    assert_stderr_line "Read-only file system"
    assert_sys_untouched
}

@test "as an unprivileged user (uid 65534): the admin's root-owned store is used, never written" {
    command -v setpriv >/dev/null || skip "setpriv is not installed"
    # Somewhere uid 65534 can reach: a world-traversable directory of its own.
    NOBODY_DIR=$(mktemp -d /tmp/cuenv-nobody.XXXXXX)
    chmod 755 "$NOBODY_DIR"
    local sys=$NOBODY_DIR/sys user=$NOBODY_DIR/user
    CUENV_SYSTEM_ROOT= CUENV_ROOT=$sys CUENV_CACHE=$NOBODY_DIR/admin-cache \
        timeout 60 "$CUENV" install 12.4+cudnn9 --quiet
    cp -a "$CUENV_SRC/bin/cuenv" "$CUENV_SRC/bin/cuenv-shim" "$NOBODY_DIR/"
    chmod -R go-w "$sys"
    chmod 755 "$NOBODY_DIR"/cuenv "$NOBODY_DIR"/cuenv-shim
    mkdir -p "$user"
    chown 65534:65534 "$user"
    SYS=$sys
    BEFORE=$(snapshot "$sys")
    nobody() {
        setpriv --reuid 65534 --regid 65534 --clear-groups env HOME="$user" CUENV_ROOT="$user/root" \
            CUENV_CACHE="$user/cache" CUENV_SYSTEM_ROOT="$sys" "$@"
    }
    run --separate-stderr nobody "$NOBODY_DIR/cuenv" exec 12.4+cudnn9 -- cuenv-test-env
    assert_success
    assert_line "CUDA_HOME=$sys/envs/$ENV124"
    run --separate-stderr nobody timeout 60 "$NOBODY_DIR/cuenv" install 12.4+cudnn9
    assert_success
    assert_stderr "$ENV124 is already installed in the system root '$sys'"
    run --separate-stderr nobody timeout 60 "$NOBODY_DIR/cuenv" install 12.6+cudnn9
    assert_success
    assert_output "$user/root/envs/$ENV126"
    [ "$(stat -c %u "$user/root/envs/$ENV126")" = 65534 ]
    assert_sys_untouched
}
