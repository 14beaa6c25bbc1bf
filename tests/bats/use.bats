#!/usr/bin/env bats
# cuenv use, cuenv current and cuenv install from a lock: pins (.cuda-version),
# locks (cuenv.lock), the lookup order (CUENV_VERSION, nearest pin, global
# default), pins cuenv must read or refuse, and that nothing outside the
# project, CUENV_ROOT and CUENV_CACHE changes.

load helper
load activation_helper

setup_file() { act_setup_file; }
setup() { act_setup; }

# ---- use: pin and lock ----

@test "use SPEC: installs the pair, writes the spec as typed and a lock with every archive" {
    mkdir "$T/proj"
    cd "$T/proj"
    trun "$CUENV" use 13.0
    assert_success
    assert_stderr_line "^installed cuda-13\.0\.2-devel in "
    assert_stderr_line "^pinned 13\.0 in $T/proj/\.cuda-version \(lock: $T/proj/cuenv\.lock\)$"
    [ -d "$CUENV_ROOT/envs/cuda-13.0.2-devel" ]
    assert_equal "$(cat .cuda-version)" "13.0"
    run ls -A
    assert_output ".cuda-version
cuenv.lock"
    # The lock: one "key = value" per line; the archives are the mirror's bytes.
    run grep -E '^(lock-version|spec|profile|platform|source|env|cuda) = ' cuenv.lock
    assert_output "lock-version = 1
spec = 13.0
profile = devel
platform = linux-x86_64
source = file://$ACT_MIRROR
env = cuda-13.0.2-devel
cuda = 13.0.2"
    assert_equal "$(sed -n 's/^cuda-manifest-sha256 = //p' cuenv.lock)" \
        "$(sha256sum <"$ACT_MIRROR/cuda/redist/redistrib_13.0.2.json" | cut -d' ' -f1)"
    run grep -c '^archive = cuda ' cuenv.lock
    assert_output 8
    local product name version size sha rel n=0
    while read -r product name version size sha rel; do
        [ -f "$ACT_MIRROR/$product/redist/$rel" ] || fail "lock names $rel, not in the mirror"
        assert_equal "$(stat -c %s "$ACT_MIRROR/$product/redist/$rel")" "$size"
        assert_equal "$(sha256sum <"$ACT_MIRROR/$product/redist/$rel" | cut -d' ' -f1)" "$sha"
        n=$((n + 1))
    done < <(sed -n 's/^archive = //p' cuenv.lock)
    assert_equal "$n" 8
    # No driver decoy, and the lock agrees with the env's receipt.
    run grep -E 'nvidia_driver|fabricmanager' cuenv.lock
    assert_failure
    trun "$CUENV" current
    assert_success
    assert_output "cuda-13.0.2-devel (set by $T/proj/.cuda-version)"
}

@test "use SPEC+cudnn: the lock records cuDNN, its variant and its manifest" {
    mkdir "$T/proj"
    cd "$T/proj"
    trun "$CUENV" use -q 12.6+cudnn9
    assert_success
    assert_stderr ""
    assert_equal "$(cat .cuda-version)" "12.6+cudnn9"
    run grep -E '^(env|cuda|cudnn|cudnn-label|cudnn-variant) = ' cuenv.lock
    assert_output "env = cuda-12.6.3+cudnn-9.14.0.64-devel
cuda = 12.6.3
cudnn = 9.14.0.64
cudnn-label = 9.14.0
cudnn-variant = cuda12"
    assert_equal "$(sed -n 's/^cudnn-manifest-sha256 = //p' cuenv.lock)" \
        "$(sha256sum <"$ACT_MIRROR/cudnn/redist/redistrib_9.14.0.json" | cut -d' ' -f1)"
    run grep -c '^archive = cudnn cudnn ' cuenv.lock
    assert_output 1
}

@test "use --profile runtime: 'profile = runtime' in the pin and the lock; devel is not written" {
    mkdir "$T/proj"
    cd "$T/proj"
    trun "$CUENV" use -q 12.4 --profile runtime
    assert_success
    assert_equal "$(cat .cuda-version)" "12.4
profile = runtime"
    run grep -E '^(profile|env) = ' cuenv.lock
    assert_output "profile = runtime
env = $ENV124RT"
    trun "$CUENV" current
    assert_output "$ENV124RT (set by $T/proj/.cuda-version)"
    trun "$CUENV" use -q 12.4
    assert_equal "$(cat .cuda-version)" "12.4"
    trun "$CUENV" current
    assert_output "$ENV124 (set by $T/proj/.cuda-version)"
}

@test "use: a bad spec is 2, an unknown version 3, and neither writes anything" {
    mkdir "$T/proj"
    cd "$T/proj"
    trun "$CUENV" use banana
    assert_failure 2
    trun "$CUENV" use 12.2
    assert_failure 3
    trun "$CUENV" use
    assert_failure 2
    trun "$CUENV" use 12.4 12.6
    assert_failure 2
    run ls -A
    assert_output ""
    # An existing pin and lock stay as they were.
    cd "$PA"
    local before
    before=$(cat .cuda-version cuenv.lock)
    trun "$CUENV" use 12.2
    assert_failure 3
    assert_equal "$(cat .cuda-version cuenv.lock)" "$before"
}

@test "use --global: the default for directories without a pin, in CUENV_ROOT only" {
    mkdir -p "$T/elsewhere/deep"
    cd "$T/elsewhere"
    trun "$CUENV" use -q --global 12.6
    assert_success
    run ls -A "$T/elsewhere"
    assert_output "deep"
    assert_equal "$(cat "$CUENV_ROOT/global-version")" "12.6"
    run grep -E '^(spec|env) = ' "$CUENV_ROOT/global-version.lock"
    assert_output "spec = 12.6
env = $ENV126"
    cd deep
    trun "$CUENV" current
    assert_success
    assert_output "$ENV126 (set by the global default $CUENV_ROOT/global-version)"
    trun "$CUENV" exec -- cuenv-test-env
    assert_output "$(expected_env "$ENV126" /usr/bin:/bin -)"
    # A project's pin beats the global default; CUENV_VERSION beats both.
    cd "$PA"
    trun "$CUENV" current
    assert_output "$ENV124 (set by $PA/.cuda-version)"
    CUENV_VERSION=13.0+cudnn9 trun "$CUENV" current
    assert_output "$ENV130DNN (set by the environment variable CUENV_VERSION)"
}

# ---- lookup order ----

@test "REL-58: a pin in a parent directory applies to every directory below it" {
    mkdir -p "$PA/src/deep/er"
    cd "$PA/src/deep/er"
    trun "$CUENV" current
    assert_success
    assert_output "$ENV124 (set by $PA/.cuda-version)"
    trun "$CUENV" exec -- cuenv-test-env
    assert_output "$(expected_env "$ENV124" /usr/bin:/bin -)"
    run bash -c 'eval "$("$1" env)" && cuenv-test-env' _ "$CUENV"
    assert_output "$(expected_env "$ENV124" /usr/bin:/bin -)"
    # The nearest pin wins.
    cp "$PB/.cuda-version" "$PA/src/.cuda-version"
    trun "$CUENV" current
    assert_output "$ENV130DNN (set by $PA/src/.cuda-version)"
}

@test "REL-58: CUENV_VERSION overrides the pin; empty means unset" {
    cd "$PA"
    CUENV_VERSION=12.6 trun "$CUENV" current
    assert_success
    assert_output "$ENV126 (set by the environment variable CUENV_VERSION)"
    CUENV_VERSION=12.6 trun "$CUENV" exec -- cuenv-test-env
    assert_output "$(expected_env "$ENV126" /usr/bin:/bin -)"
    CUENV_VERSION=12.6 trun "$CUENV" current --json
    assert_json 'assert d["source"] == "env" and d["pin"] is None and d["lock"] is None, d
assert d["spec"] == "12.6" and d["env"] == "cuda-12.6.3-devel", d'
    CUENV_VERSION= trun "$CUENV" current
    assert_output "$ENV124 (set by $PA/.cuda-version)"
    # The command line beats CUENV_VERSION.
    CUENV_VERSION=12.6 trun "$CUENV" exec 13.0+cudnn9 -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_output "$ENV130DNN"
}

@test "current --json: spec, profile, source, pin, lock, installed, env, prefix" {
    cd "$PB"
    trun "$CUENV" current --json
    assert_success
    assert_stderr ""
    PB=$PB E=$E130DNN assert_json '
import os
assert sorted(d) == ["env", "installed", "lock", "pin", "prefix", "profile", "source", "spec"], d
assert d["spec"] == "13.0+cudnn9" and d["profile"] == "devel" and d["source"] == "file", d
assert d["pin"] == os.environ["PB"] + "/.cuda-version", d
assert d["lock"] == os.environ["PB"] + "/cuenv.lock", d
assert d["installed"] is True and d["env"] == "cuda-13.0.2+cudnn-9.14.0.64-devel", d
assert d["prefix"] == os.environ["E"], d'
    trun "$CUENV" current --bogus
    assert_failure 2
}

@test "current: nothing pinned is exit 3 with how to pin" {
    mkdir "$T/nopin"
    cd "$T/nopin"
    trun "$CUENV" current
    assert_failure 3
    assert_output ""
    assert_stderr "cuenv: error: no CUDA pin here: CUENV_VERSION is unset, no .cuda-version from '$T/nopin' up, and no global default
hint: run 'cuenv use SPEC' here, or 'cuenv use --global SPEC'"
}

@test "a pin naming a pair that is not installed: current and exec exit 3 with the install hint" {
    mkdir -p "$T/proj/sub"
    printf '12.6+cudnn9\n' >"$T/proj/.cuda-version"
    cd "$T/proj/sub"
    trun "$CUENV" current
    assert_failure 3
    assert_output "12.6+cudnn9 (set by $T/proj/.cuda-version; not installed)"
    assert_stderr "cuenv: error: '12.6+cudnn9' (set by $T/proj/.cuda-version) is not installed
hint: run 'cuenv install' in '$T/proj'"
    trun "$CUENV" current --json
    assert_failure 3
    assert_json 'assert d["installed"] is False and d["env"] is None and d["prefix"] is None, d'
    trun "$CUENV" exec -- cuenv-test-exit 0
    assert_failure 3
    assert_stderr_line "^hint: run 'cuenv install' in '$T/proj'$"
    # Following the hint makes it work (no lock: the pin is resolved).
    cd "$T/proj"
    trun "$CUENV" install -q
    assert_success
    trun "$CUENV" exec -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_success
    assert_output "cuda-12.6.3+cudnn-9.14.0.64-devel"
    # The global default and CUENV_VERSION: 'cuenv install SPEC'.
    cd "$T"
    CUENV_VERSION=11.8 trun "$CUENV" current
    assert_failure 3
    assert_stderr_line "^hint: run 'cuenv install 11.8'$"
}

# ---- pins cuenv reads ----

# Write the bytes $1 (printf format) as the pin of $T/pin, then "cuenv current" there.
pin_current() {
    mkdir -p "$T/pin"
    rm -f "$T/pin/.cuda-version"
    printf "$1" >"$T/pin/.cuda-version"
    cd "$T/pin"
    trun "$CUENV" current
}

@test "pins: CRLF, a UTF-8 BOM, comments, blank lines and spaces are read" {
    pin_current '12.4\r\n'
    assert_success
    assert_output "$ENV124 (set by $T/pin/.cuda-version)"
    pin_current '\xef\xbb\xbf12.6\n'
    assert_output "$ENV126 (set by $T/pin/.cuda-version)"
    pin_current '# CUDA for this project\n\n   \n  12.4+cudnn9  \n# end\n'
    assert_output "$ENV124DNN (set by $T/pin/.cuda-version)"
    pin_current '\xef\xbb\xbf# c\r\n13.0+cudnn9\r\nprofile = devel\r\n'
    assert_output "$ENV130DNN (set by $T/pin/.cuda-version)"
    pin_current '12.4'
    assert_output "$ENV124 (set by $T/pin/.cuda-version)"
}

@test "pins: 'profile = runtime', unknown keys ignored" {
    pin_current '12.4\nprofile = runtime\n'
    assert_success
    assert_output "$ENV124RT (set by $T/pin/.cuda-version)"
    pin_current '12.4\nprofile=runtime\n'
    assert_output "$ENV124RT (set by $T/pin/.cuda-version)"
    pin_current '12.4\nsome-other-tool = 1\n'
    assert_output "$ENV124 (set by $T/pin/.cuda-version)"
}

@test "pins of other CUDA version managers: a bare version, 'cudnn=' lines" {
    pin_current '12.4.1\n'
    assert_success
    assert_output "$ENV124 (set by $T/pin/.cuda-version)"
    pin_current '12.4\ncudnn=9\n'
    assert_output "$ENV124DNN (set by $T/pin/.cuda-version)"
    pin_current '13.0.2\ncudnn = 9.14\n'
    assert_output "$ENV130DNN (set by $T/pin/.cuda-version)"
    # cuDNN 9.1 is not 9.14: not installed.
    pin_current '12.4\ncudnn=9.1\n'
    assert_failure 3
    assert_output "12.4+cudnn9.1 (set by $T/pin/.cuda-version; not installed)"
    # A spec that already names cuDNN keeps its own.
    pin_current '12.4+cudnn9\ncudnn=8\n'
    assert_success
    assert_output "$ENV124DNN (set by $T/pin/.cuda-version)"
}

@test "REL-57: pins that are not small text files: FIFO, /dev/zero, 1 GiB sparse, a directory: refused at once" {
    mkdir -p "$T/pin"
    cd "$T/pin"
    mkfifo .cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr "cuenv: error: '$T/pin/.cuda-version' is not a small regular file"
    TLIMIT=5 trun "$CUENV" exec -- cuenv-test-exit 0
    assert_failure 1
    TLIMIT=5 trun "$CUENV" env
    assert_failure 1
    # The hook warns and moves on (it runs at every prompt).
    TLIMIT=5 trun "$CUENV" hook bash --eval
    assert_success
    assert_stderr_regexp "warning: '$T/pin/\.cuda-version' is not a small regular file"
    rm .cuda-version
    ln -s /dev/zero .cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr "cuenv: error: '$T/pin/.cuda-version' is not a small regular file"
    rm .cuda-version
    truncate -s 1G .cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr "cuenv: error: '$T/pin/.cuda-version' is not a small regular file"
    rm .cuda-version
    mkdir .cuda-version
    TLIMIT=5 trun "$CUENV" current
    assert_failure 1
    assert_stderr "cuenv: error: '$T/pin/.cuda-version' is not a small regular file"
}

@test "REL-57: malformed pins: the error names the file and the line" {
    pin_current '12.4\n13.0\n'
    assert_failure 1
    assert_output ""
    assert_stderr "cuenv: error: $T/pin/.cuda-version:2: expected 'key = value' after the spec"
    pin_current '\x01\x02\x7fgarbage\n'
    assert_failure 1
    assert_stderr "cuenv: error: $T/pin/.cuda-version:1: control character"
    pin_current '12.4\n\x00\x01\x02\xff\xfe'
    assert_failure 1
    assert_stderr "cuenv: error: $T/pin/.cuda-version:1: not a text file"
    pin_current ''
    assert_failure 1
    assert_stderr "cuenv: error: $T/pin/.cuda-version:1: no spec"
    pin_current '# only a comment\n\n'
    assert_failure 1
    assert_stderr_regexp "^cuenv: error: $T/pin/\.cuda-version:[23]: no spec\$"
    pin_current 'cudnn=9\n12.4\n'
    assert_failure 1
    assert_stderr "cuenv: error: $T/pin/.cuda-version:2: expected 'key = value' after the spec"
    # exec and env say the same.
    pin_current '12.4\n13.0\n'
    trun "$CUENV" exec -- cuenv-test-exit 0
    assert_failure 1
    assert_stderr "cuenv: error: $T/pin/.cuda-version:2: expected 'key = value' after the spec"
    trun "$CUENV" env
    assert_failure 1
    assert_output ""
}

# ---- the lock ----

@test "a lock that disagrees with its pin: install --locked refuses, install re-resolves" {
    cd "$PA"
    printf '13.0\n' >.cuda-version
    trun "$CUENV" install --locked
    assert_failure 1
    assert_output ""
    assert_stderr "cuenv: error: '$PA/cuenv.lock' no longer matches '$PA/.cuda-version' (lock: 12.4, devel; pin: 13.0, devel)
hint: run 'cuenv use 13.0' to lock the pin again, or install without --locked"
    [ ! -e "$CUENV_ROOT/envs/cuda-13.0.2-devel" ]
    trun "$CUENV" install --locked 12.4
    assert_failure 2
    # current follows the pin, and says the lock is stale.
    trun "$CUENV" current
    assert_failure 3
    assert_stderr_line "^cuenv: warning: '$PA/cuenv.lock' no longer matches '$PA/.cuda-version'"
    trun "$CUENV" install
    assert_success
    assert_output "$CUENV_ROOT/envs/cuda-13.0.2-devel"
    trun "$CUENV" current
    assert_success
    assert_output "cuda-13.0.2-devel (set by $PA/.cuda-version)"
    # A profile change makes the lock stale too; 'cuenv use' locks again.
    printf '12.4\nprofile = runtime\n' >.cuda-version
    trun "$CUENV" install --locked
    assert_failure 1
    assert_stderr_line "(lock: 12\.4, devel; pin: 12\.4, runtime)"
    trun "$CUENV" use -q 12.4 --profile runtime
    trun "$CUENV" install --locked
    assert_success
}

@test "a lock for another platform: install --locked refuses" {
    cd "$PA"
    sed -i 's/^platform = .*/platform = linux-sbsa/' cuenv.lock
    trun "$CUENV" install --locked
    assert_failure 1
    assert_stderr_line "^cuenv: error: '$PA/cuenv.lock' is for linux-sbsa, this machine is linux-x86_64$"
}

@test "the lock names the env exactly, even when a newer match is installed" {
    # Pin "12" locked when 12.4.1 was the newest 12.x; 12.6.3 is installed now.
    cd "$PA"
    printf '12\n' >.cuda-version
    sed -i 's/^spec = 12.4$/spec = 12/' cuenv.lock
    trun "$CUENV" current
    assert_success
    assert_output "$ENV124 (set by $PA/.cuda-version)"
    assert_stderr ""
    trun "$CUENV" exec -- sh -c 'echo "$CUENV_ACTIVE"'
    assert_output "$ENV124"
    # Without the lock: the newest installed match.
    rm cuenv.lock
    trun "$CUENV" current
    assert_output "$ENV126 (set by $PA/.cuda-version)"
}

@test "install with no spec in a locked project installs exactly the lock into an empty root" {
    export CUENV_ROOT=$T/fresh-root CUENV_CACHE=$T/fresh-cache
    cd "$PD"
    trun "$CUENV" install --locked
    assert_success
    assert_output "$CUENV_ROOT/envs/$ENV124DNN"
    run ls "$CUENV_ROOT/envs"
    assert_output "$ENV124DNN"
    # The receipt's archives are the lock's (name, version, sha256).
    diff <(awk '/^archive = / {print $4, $5, $7}' cuenv.lock | LC_ALL=C sort) \
        <(awk -F'\t' '$1 == "component" {print $3, $4, $5}' "$CUENV_ROOT/envs/$ENV124DNN/.cuenv/receipt" | LC_ALL=C sort) ||
        fail "the env's components are not the lock's"
    trun "$CUENV" install --locked
    assert_success
    assert_stderr_line "is already installed"
}

@test "two roots installing from one lock get byte-identical envs (the second from the lock's own source)" {
    cd "$PD"
    CUENV_ROOT=$T/r1 CUENV_CACHE=$T/c1 trun "$CUENV" install --locked -q
    assert_success
    # Another machine: no mirror configured; the lock says where the bytes are.
    unset CUENV_MIRROR
    CUENV_ROOT=$T/r2 CUENV_CACHE=$T/c2 trun "$CUENV" install --locked -q
    assert_success
    env_tree "$T/r1/envs/$ENV124DNN" >"$T/tree1"
    env_tree "$T/r2/envs/$ENV124DNN" >"$T/tree2"
    [ "$(wc -l <"$T/tree1")" -gt 100 ] || fail "suspiciously small env: $(wc -l <"$T/tree1") lines"
    diff "$T/tree1" "$T/tree2" || fail "the two envs differ"
    # And the same as the env 'cuenv use' made.
    env_tree "$E124DNN" >"$T/tree0"
    diff "$T/tree0" "$T/tree1" || fail "the lock's env differs from the original"
}

# ---- nothing outside the project, CUENV_ROOT and CUENV_CACHE ----

@test "REL-60: use, install, current, exec, env, which, shims and the hook change nothing outside the project, root and cache" {
    strace_usable || skip "strace is not installed or cannot trace here"
    mkdir -p "$T/outside/vdir" "$T/proj"
    printf 'secret\n' >"$T/outside/victim"
    chmod 600 "$T/outside/victim"
    printf 'export X=1\n' >"$HOME/.bashrc"
    tree_state "$HOME" "$T/outside" "$T/xdg-config" "$PA" >"$T/before"
    cd "$T/proj"
    cat >"$T/steps.sh" <<'EOF'
set -x
"$CUENV" use -q 13.0
"$CUENV" install -q --locked
"$CUENV" current
"$CUENV" current --json
"$CUENV" exec -- cuenv-test-env
"$CUENV" env --shell fish
"$CUENV" which nvcc
"$CUENV" shim add python3
PATH="$SHIMS:/usr/bin:/bin" nvcc --version
PATH="$SHIMS:/usr/bin:/bin" python3 -c pass
"$CUENV" hook bash --eval
"$CUENV" use -q --global 12.6
"$CUENV" uninstall cuda-13.0.2-devel
EOF
    # LeakSanitizer cannot run under ptrace: a SAN=1 build would abort in its exit check.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    CUENV=$CUENV SHIMS=$SHIMS timeout 60 strace -ff -qq -y -o "$T/trace" -e trace="$ACT_STRACE_CALLS" \
        bash "$T/steps.sh" >"$T/steps.out" 2>&1 || fail "steps failed: $(cat "$T/steps.out")"
    run writes_outside "$T/trace" "$T/proj" "$T/proj" "$CUENV_ROOT" "$CUENV_CACHE"
    assert_success
    assert_output ""
    tree_state "$HOME" "$T/outside" "$T/xdg-config" "$PA" >"$T/after"
    diff "$T/before" "$T/after" || fail "files changed outside the project, root and cache"
}
