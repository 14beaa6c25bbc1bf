#!/usr/bin/env bats
# What cuenv asks of the kernel, traced with strace (RELIABILITY.md 3.D/3.E):
# REL-50, every file and directory that becomes visible is made durable
# before its rename and its parent directory after it, with the temporary
# name beside the final one (never $TMPDIR, never a copy across file
# systems); REL-60, a whole session (install over HTTP, use, exec, the
# shims, uninstall, gc) writes nothing outside the project, CUENV_ROOT and
# CUENV_CACHE, runs no ldconfig or sudo and leaves /etc and the shell's rc
# files alone.

load helper
load activation_helper

setup_file() { act_setup_file; }

setup() {
    act_setup
    strace_usable || skip "strace is not installed or cannot trace here"
    HTTP_PID=
    # A fresh root and cache: the install has to download, unpack and assemble.
    export CUENV_ROOT=$T/fresh/root CUENV_CACHE=$T/fresh/cache
    mkdir -p "$T/fresh" "$T/proj"
    act_root_vars
}

teardown() { http_stop; }

# The durability rules over one "strace -f -y" log $1: prints every breach.
durability() {
    python3 - "$1" "$CUENV_ROOT" "$CUENV_CACHE" "$T/proj" <<'PY'
import os, re, sys
log, root, cache, proj = sys.argv[1:5]
ev = []
pending = {}
for line in open(log, errors="replace"):
    line = line.rstrip("\n")
    # Threads: "PID call(args <unfinished ...>" ... "PID <... call resumed>rest) = 0".
    m = re.match(r"(\d+) +(.*) <unfinished \.\.\.>$", line)
    if m:
        pending[m.group(1)] = m.group(2)
        continue
    m = re.match(r"(\d+) +<\.\.\. \w+ resumed>(.*)$", line)
    if m and m.group(1) in pending:
        line = m.group(1) + " " + pending.pop(m.group(1)) + m.group(2)
    m = re.match(r"(\d+) +(\w+)\((.*)\) += (-?\d+)", line)
    if not m:
        continue
    pid, call, args, ret = m.group(1), m.group(2), m.group(3), int(m.group(4))
    fdpath = re.match(r"-?\d+<(.*?)>", args)
    strs = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
    ev.append((call, args, ret, fdpath.group(1) if fdpath else None, strs))
bad = []
def synced_before(i, path, calls):
    return any(c in calls and p == path and r == 0 for c, a, r, p, s in ev[:i])
def synced_after(i, path):
    return any(c == "fsync" and p == path and r == 0 for c, a, r, p, s in ev[i + 1:])
renames = 0
for i, (call, args, ret, fdp, strs) in enumerate(ev):
    if call not in ("rename", "renameat", "renameat2") or len(strs) < 2:
        continue
    if ret != 0:
        bad.append("rename failed: %s(%s) = %d" % (call, args, ret))
        continue
    src, dst = strs[0], strs[1]
    if call != "rename":
        dirs = re.findall(r"-?\d+<(.*?)>", args)
        if len(dirs) >= 2:
            src, dst = os.path.join(dirs[0], src), os.path.join(dirs[1], dst)
    renames += 1
    parent = os.path.dirname(dst)
    what = None
    if dst.startswith(cache + "/archives/") and dst.endswith(".tar.xz"):
        what, need = "cached archive", ("fsync",)
    elif parent in (root + "/store", root + "/envs"):
        what, need = "store entry or env", ("syncfs", "fsync")
    elif dst in (proj + "/.cuda-version", proj + "/cuenv.lock"):
        what, need = "pin or lock", ("fsync",)
    if what is None:
        continue
    if not synced_before(i, src, need):
        bad.append("%s %s: no %s of %s before the rename" % (what, dst, "/".join(need), src))
    if not synced_after(i, parent):
        bad.append("%s %s: no fsync of %s after the rename" % (what, dst, parent))
    if os.path.dirname(src) != parent and not (src.startswith(root + "/tmp/") and parent.startswith(root)):
        bad.append("%s %s: made in %s, not beside it" % (what, dst, os.path.dirname(src)))
for call, args, ret, fdp, strs in ev:
    if ret < 0 and "EXDEV" in args:
        bad.append("EXDEV: %s(%s)" % (call, args))
    for p in strs + ([fdp] if fdp else []):
        if p.startswith("/dev/shm"):
            bad.append("uses TMPDIR: %s(%s)" % (call, args))
if renames < 3:
    bad.append("only %d renames traced: the trace is incomplete" % renames)
print("\n".join(bad))
PY
}

@test "REL-50: archives, store entries, envs, pins and locks: data synced before the rename, the directory after, temp names beside the target, TMPDIR unused" {
    http_start "$ACT_MIRROR"
    export CUENV_MIRROR=$HTTP_URL TMPDIR=/dev/shm
    cd "$T/proj"
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        timeout 120 strace -f -qq -y -o "$T/tr.log" \
        -e trace=openat,fsync,fdatasync,syncfs,rename,renameat,renameat2,mkdir,mkdirat,unlink,unlinkat,link,linkat \
        "$CUENV" use -q 12.4+cudnn9 >"$T/use.out" 2>&1 || fail "cuenv use failed: $(cat "$T/use.out")"
    [ -d "$CUENV_ROOT/envs/$ENV124DNN" ] || fail "nothing installed"
    # Every archive went through the cache: one rename each, synced.
    local n
    n=$(grep -c 'rename("[^"]*\.part", "[^"]*\.tar\.xz") = 0' "$T/tr.log")
    [ "$n" -ge 4 ] || fail "only $n archives renamed into the cache"
    run durability "$T/tr.log"
    assert_success
    assert_output ""
    # Env files are hard links into the store, not copies.
    local f
    f=$(find "$CUENV_ROOT/envs/$ENV124DNN/lib" -type f -name 'libcudart.so.*' | head -1)
    [ -n "$f" ] && [ "$(stat -c %h "$f")" -ge 2 ] || fail "$f is not a hard link into the store"
    ! grep -q 'copy_file_range\|sendfile' "$T/tr.log"
}

@test "REL-60: install over HTTP, use, exec, shims, uninstall, gc and update write nothing outside the project, root and cache; no ldconfig, no sudo, /etc untouched" {
    http_start "$ACT_MIRROR"
    export CUENV_MIRROR=$HTTP_URL
    mkdir -p "$T/outside/vdir"
    printf 'secret\n' >"$T/outside/victim"
    printf 'export X=1\n' >"$HOME/.bashrc"
    printf 'X=1\n' >"$HOME/.profile"
    touch "$T/marker"
    local ld_before
    ld_before=$(stat -c '%i %s %Y' /etc/ld.so.cache 2>/dev/null || echo none)
    tree_state "$HOME" "$T/outside" "$T/xdg-config" >"$T/before"
    cd "$T/proj"
    cat >"$T/steps.sh" <<'EOF'
set -ex
"$CUENV" install -q 12.6 >/dev/null
"$CUENV" use -q 12.4+cudnn9
"$CUENV" exec -- cuenv-test-env >/dev/null
"$CUENV" exec 12.6 -- sh -c 'test -n "$LD_LIBRARY_PATH"'
test -z "${LD_LIBRARY_PATH:-}"
PATH="$SHIMS:/usr/bin:/bin" nvcc --version >/dev/null
"$CUENV" env --shell bash >/dev/null
"$CUENV" update -q || "$CUENV" update
"$CUENV" uninstall 12.6
"$CUENV" gc >/dev/null
"$CUENV" list >/dev/null
EOF
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    CUENV=$CUENV SHIMS=$SHIMS timeout 120 strace -ff -qq -y -o "$T/trace" -e trace="$ACT_STRACE_CALLS" \
        bash "$T/steps.sh" >"$T/steps.out" 2>&1 || fail "steps failed: $(cat "$T/steps.out")"
    run writes_outside "$T/trace" "$T/proj" "$T/proj" "$CUENV_ROOT" "$CUENV_CACHE"
    assert_success
    assert_output ""
    # Nothing under /etc was written to (ld.so.conf*, ld.so.cache included), nothing executed as root helper.
    ! grep -h 'execve("[^"]*/\(ldconfig\|sudo\|su\|doas\|pkexec\)"' "$T"/trace.* || fail "a privileged helper ran"
    ! grep -hE 'open(at)?\(.*"/etc/[^"]*".*O_(WRONLY|RDWR|CREAT)' "$T"/trace.* || fail "/etc was opened for writing"
    [ "$(stat -c '%i %s %Y' /etc/ld.so.cache 2>/dev/null || echo none)" = "$ld_before" ]
    tree_state "$HOME" "$T/outside" "$T/xdg-config" >"$T/after"
    diff "$T/before" "$T/after" || fail "files changed in HOME or outside"
}
