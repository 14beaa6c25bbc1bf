#!/usr/bin/env bats
# Resource limits (RELIABILITY.md REL-49, REL-35, REL-48): a full disk under
# the root, the cache or a project (small tmpfs mounts), a read-only root
# (a tmpfs remounted ro, and a root owned by another user), and sources that
# send far more than they declare (a manifest or an archive streamed without
# Content-Length). Each fails with one clear line naming the path and the
# cause, leaves nothing half-done in sight and no staging, and works again
# once there is room. The mounts need root (CAP_SYS_ADMIN); without it those
# tests are skipped with the reason.

load helper

setup_file() {
    export PATH=/usr/local/bin:/usr/bin:/bin
    mirror_build
}

setup() {
    install_setup
    export CUENV_MIRROR=file://$MIRROR
    MOUNTS=()
}

teardown() {
    local m
    for m in "${MOUNTS[@]}"; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    [ -z "${FLOOD_PID:-}" ] || { kill "$FLOOD_PID" 2>/dev/null; wait "$FLOOD_PID" 2>/dev/null; } || true
    [ -z "${NOBODY_DIR:-}" ] || rm -rf "$NOBODY_DIR"
    install_teardown
}

ENV124DNN=cuda-12.4.1+cudnn-9.14.0.64-devel

# Mount a tmpfs of size $2 on directory $1 (created), or skip the test.
small_fs() {
    mkdir -p "$1"
    mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>/dev/null ||
        skip "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"
    MOUNTS+=("$1")
}

# After "run --separate-stderr": exactly one error line, matching the ERE $1.
assert_one_error() {
    local n
    n=$(grep -c '^cuenv: error: ' <<<"$stderr" || true)
    [ "$n" -eq 1 ] || fail "$n error lines: $stderr"
    assert_stderr_line "^cuenv: error: $1"
}

assert_verify_clean() {
    run --separate-stderr timeout 60 "$CUENV" verify
    [ "$status" -eq 0 ] || fail "verify: exit $status: $output $stderr"
}

tree_state() {
    find "$@" -printf '%p %y %m %s %n %T@\n' 2>/dev/null | LC_ALL=C sort
}

# ---- a full disk (REL-49) ----

@test "REL-49: the root's file system fills up while unpacking: exit 1 naming the path and ENOSPC, no env, no staging; with room, the rerun installs" {
    small_fs "$CUENV_ROOT" 128k
    install_run 12.4+cudnn9
    assert_failure 1
    assert_output ""
    # Out of space while unpacking an entry, or writing the entry's receipt.
    assert_one_error ".*(No space left on device \(unpacking in '$CUENV_ROOT/tmp'\)|'$CUENV_ROOT/store': No space left on device)\$"
    assert_no_env
    [ -z "$(ls -A "$CUENV_ROOT/tmp")" ] || fail "staging left: $(ls -A "$CUENV_ROOT/tmp")"
    # What did get into the store is whole.
    assert_verify_clean
    assert_cache_clean
    mount -o remount,size=64m "$CUENV_ROOT"
    install_run 12.4+cudnn9
    assert_success
    assert_env_ok "$CUENV_ROOT/envs/$ENV124DNN"
    assert_verify_clean
    assert_no_leftovers
}

@test "REL-49: the cache fills up while downloading: exit 1 naming the .part file and ENOSPC, nothing installed; with room, the rerun installs" {
    small_fs "$CUENV_CACHE/archives" 8k
    install_run 12.4+cudnn9
    assert_failure 1
    assert_one_error ".*cannot write '$CUENV_CACHE/archives/[0-9a-f]{64}\.part': No space left on device\$"
    assert_no_env
    [ -z "$(ls -A "$CUENV_ROOT/tmp")" ] || fail "staging left"
    assert_cache_clean
    mount -o remount,size=64m "$CUENV_CACHE/archives"
    install_run 12.4+cudnn9
    assert_success
    assert_verify_clean
    assert_no_leftovers
    assert_cache_clean
}

@test "REL-48/49: a full disk while 'cuenv use' writes the lock: exit 1 naming it, the old pin and lock intact, no temp file" {
    install_run 12.4 --quiet
    install_run 12.6 --profile runtime --quiet
    local p=$BATS_TEST_TMPDIR/proj
    small_fs "$p" 16k
    cd "$p"
    run timeout 60 "$CUENV" use 12.4 --quiet
    assert_success
    cp .cuda-version cuenv.lock "$BATS_TEST_TMPDIR/"
    # Fill what is left.
    dd if=/dev/zero of=fill bs=4k 2>/dev/null || true
    run --separate-stderr timeout 60 "$CUENV" use 12.6 --profile runtime --quiet
    assert_failure 1
    assert_one_error "cannot write '$p/cuenv\.lock': No space left on device\$"
    cmp .cuda-version "$BATS_TEST_TMPDIR/.cuda-version"
    cmp cuenv.lock "$BATS_TEST_TMPDIR/cuenv.lock"
    [ -z "$(find . -name '*.tmp.*')" ] || fail "temp file left: $(find . -name '*.tmp.*')"
    rm -f fill
    run timeout 60 "$CUENV" use 12.6 --profile runtime --quiet
    assert_success
    [ "$(head -1 .cuda-version)" = 12.6 ]
}

# ---- a root that cannot be written ----

@test "[CACHE] read-only root (tmpfs remounted ro): a new install fails naming the path, nothing changes; installed envs still install, run and verify" {
    small_fs "$CUENV_ROOT" 64m
    install_run 12.4 --quiet
    assert_success
    "$CUENV" shim refresh >/dev/null
    mount -o remount,ro "$CUENV_ROOT"
    tree_state "$CUENV_ROOT" >"$BATS_TEST_TMPDIR/before"
    install_run 12.6 --profile runtime
    assert_failure 1
    assert_one_error "cannot lock '$CUENV_ROOT/locks/root-store\.lock': Read-only file system\$"
    # Already installed: nothing to write, so it succeeds (a read-only image).
    install_run 12.4
    assert_success
    assert_stderr "cuda-12.4.1-devel is already installed"
    run "$CUENV" exec 12.4 -- nvcc --version
    assert_success
    assert_verify_clean
    run --separate-stderr "$CUENV" uninstall cuda-12.4.1-devel
    assert_failure 1
    assert_one_error ".*Read-only file system\$"
    run --separate-stderr "$CUENV" gc
    assert_failure 1
    tree_state "$CUENV_ROOT" >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "the read-only root changed"
}

@test "[CACHE] a root owned by another user (cuenv as uid 65534): a clear 'Permission denied' naming the path, nothing changes; verify still reads it" {
    command -v setpriv >/dev/null || skip "setpriv is not installed"
    [ "$(id -u)" = 0 ] || skip "needs root to run as uid 65534"
    # Somewhere uid 65534 can reach: the test's own directory may be private.
    NOBODY_DIR=$(mktemp -d /tmp/cuenv-limits.XXXXXX)
    chmod 755 "$NOBODY_DIR"
    export CUENV_ROOT=$NOBODY_DIR/root HOME=$NOBODY_DIR/home
    export CUENV_CACHE=$NOBODY_DIR/cache
    install_run 12.4 --quiet
    assert_success
    mkdir -p "$HOME/cache"
    chown 65534:65534 "$HOME" "$HOME/cache"
    tree_state "$CUENV_ROOT" >"$BATS_TEST_TMPDIR/before"
    nobody() {
        run --separate-stderr timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups -- \
            env CUENV_CACHE="$HOME/cache" "$CUENV" "$@"
    }
    nobody install 12.6 --profile runtime
    assert_failure 1
    assert_one_error ".*'$CUENV_ROOT/[^']*'.*Permission denied\$"
    nobody install 12.4
    assert_success
    nobody verify
    assert_success
    tree_state "$CUENV_ROOT" >"$BATS_TEST_TMPDIR/after"
    diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "uid 65534 changed the root"
}

@test "[CACHE] read-only cache: an archive that must be downloaded fails naming the cache path; what is cached installs" {
    install_run 12.4 --profile runtime --quiet
    small_fs "$BATS_TEST_TMPDIR/ro" 1m
    cp -a "$CUENV_CACHE/." "$BATS_TEST_TMPDIR/ro/"
    mount -o remount,ro "$BATS_TEST_TMPDIR/ro"
    export CUENV_CACHE=$BATS_TEST_TMPDIR/ro CUENV_ROOT=$BATS_TEST_TMPDIR/root2
    install_run 12.6 --profile runtime
    assert_failure 1
    assert_one_error ".*'$CUENV_CACHE/[^']*'.*Read-only file system\$"
    assert_no_env
    [ -z "$(ls -A "$CUENV_ROOT/tmp")" ] || fail "staging left"
}

# ---- sources sending more than they declare (REL-35, REL-04) ----

# Serve $MIRROR on 127.0.0.1 with python's http.server; requests for paths
# matching the glob $1 get the file and then $2 more bytes of spaces, with no
# Content-Length (the end is the close). Each such request appends
# "path bytes-sent" to $FLOOD_LOG once the client has gone.
flood_start() {
    FLOOD_LOG=$BATS_TEST_TMPDIR/flood.log
    : >"$FLOOD_LOG"
    python3 -u - "$MIRROR" "$1" "$2" "$FLOOD_LOG" >"$BATS_TEST_TMPDIR/flood.out" 2>&1 3>&- <<'PY' &
import fnmatch, functools, http.server, os, socketserver, sys, threading
root, glob, extra, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
threading.Timer(120, lambda: os._exit(0)).start()

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def log_message(self, *args):
        pass
    def do_GET(self):
        path = self.path.split("?")[0]
        if not fnmatch.fnmatchcase(path, glob):
            return super().do_GET()
        with open(os.path.join(root, path.lstrip("/")), "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        sent, filler = 0, b" " * 65536
        try:
            self.wfile.write(data)
            sent = len(data)
            while sent < len(data) + extra:
                self.wfile.write(filler)
                sent += len(filler)
        except OSError:
            pass
        with open(log, "a") as f:
            f.write("%s %d\n" % (path, sent))

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

srv = Server(("127.0.0.1", 0), functools.partial(Handler, directory=root))
print("PORT", srv.server_address[1], flush=True)
srv.serve_forever()
PY
    FLOOD_PID=$!
    local i port=
    for i in $(seq 1 100); do
        port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$BATS_TEST_TMPDIR/flood.out")
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || fail "flood server did not start: $(cat "$BATS_TEST_TMPDIR/flood.out")"
    export CUENV_MIRROR=http://127.0.0.1:$port
}

# Wait (bounded) until the server logged $1 requests; print the bytes sent.
flood_sent() {
    local i
    for i in $(seq 1 100); do
        [ "$(wc -l <"$FLOOD_LOG")" -ge "$1" ] && break
        sleep 0.1
    done
    awk '{ n += $2 } END { print n + 0 }' "$FLOOD_LOG"
}

@test "REL-35: a manifest streamed without end (256 MiB, no Content-Length) is cut at the 8 MiB cap: exit 4, nothing installed" {
    flood_start '*/redistrib_12.4.1.json' $((256 << 20))
    T0=$(now_ms)
    install_run 12.4 --profile runtime
    T1=$(now_ms)
    assert_failure 4
    assert_one_error ".*redistrib_12\.4\.1\.json.*8388608"
    assert_no_env
    local sent
    sent=$(flood_sent 1)
    # The cap, plus what the socket buffers of both ends held when cuenv hung up.
    [ "$sent" -lt $((32 << 20)) ] || fail "the server sent $sent bytes before cuenv stopped"
    [ $((T1 - T0)) -lt 30000 ]
}

@test "REL-04: an archive streamed far beyond its declared size (no Content-Length) is stopped near that size: exit 5, nothing cached" {
    local rel size
    rel=$(archive_path cuda_cudart 12.4.1)
    size=$(archive_path cuda_cudart 12.4.1 size)
    flood_start "$rel" $((256 << 20))
    install_run 12.4 --profile runtime
    assert_failure 5
    assert_one_error "cannot download 'cuda_cudart 12\.4\.127'.*$size"
    assert_no_env
    assert_cache_clean
    [ ! -e "$(cache_file cuda_cudart 12.4.1)" ]
    local sent n
    sent=$(flood_sent 1)
    n=$(wc -l <"$FLOOD_LOG")
    [ "$sent" -lt $((n * (32 << 20))) ] || fail "the server sent $sent bytes in $n requests before cuenv stopped"
    # Refused as an integrity error: not retried.
    [ "$n" -eq 1 ] || fail "$n requests for the flooding archive"
}
