# Shared set-up for cuenv's bats tests.
#
# Every test gets a fresh CUENV_ROOT, CUENV_CACHE and HOME under
# $BATS_TEST_TMPDIR, the config file pinned to /dev/null, and a PATH scrubbed
# of anything CUDA (/usr/local/cuda must not leak into tests).

# bats-support, then bats-assert. Their load.bash files fork dirname once per
# file, which costs more than a whole test here; sourcing src/ directly
# defines the same functions.
for _f in /usr/lib/bats/bats-support/src/*.bash /usr/lib/bats/bats-assert/src/*.bash; do
    source "$_f"
done
unset _f

# "run --separate-stderr" (stdout in $output, stderr in $stderr) needs 1.5.
bats_require_minimum_version 1.5.0

# No subshell in the usual case: bats sources this file for every test.
CUENV_SRC=${BATS_TEST_DIRNAME%/tests/bats}
case $CUENV_SRC in
/*) [ "$CUENV_SRC" != "$BATS_TEST_DIRNAME" ] || CUENV_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd) ;;
*) CUENV_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd) ;;
esac
# CUENV_TEST_BIN runs the suite against another build (a sanitizer build, a
# candidate fix) without touching bin/cuenv.
CUENV="${CUENV_TEST_BIN:-$CUENV_SRC/bin/cuenv}"
FIXTURES="$CUENV_SRC/tests/fixtures"

cuenv_setup() {
    export HOME=$BATS_TEST_TMPDIR/home
    export CUENV_ROOT=$BATS_TEST_TMPDIR/root
    export CUENV_CACHE=$BATS_TEST_TMPDIR/cache
    export CUENV_CONFIG=/dev/null
    export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg-config
    export PATH=/usr/local/bin:/usr/bin:/bin
    unset CUENV_MIRROR CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS CUENV_VERSION
    unset CUDA_HOME CUDA_PATH LD_LIBRARY_PATH
    # Tests talk to 127.0.0.1 only: anything else goes to a dead proxy and
    # fails at once instead of reaching NVIDIA.
    export http_proxy=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1
    export HTTPS_PROXY=http://127.0.0.1:1 ALL_PROXY=http://127.0.0.1:1 all_proxy=http://127.0.0.1:1
    export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
    mkdir -p "$HOME"
}

# Start "python3 -m http.server" on 127.0.0.1, port 0, serving directory $1.
# Sets HTTP_PID and HTTP_URL; http_stop kills it (call it from teardown).
http_start() {
    local dir=$1 log=$BATS_TEST_TMPDIR/http.log i
    python3 -u -m http.server --bind 127.0.0.1 --directory "$dir" 0 >"$log" 2>&1 &
    HTTP_PID=$!
    for i in $(seq 1 100); do
        HTTP_PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$log" | head -1)
        [ -n "$HTTP_PORT" ] && break
        sleep 0.05
    done
    [ -n "$HTTP_PORT" ] || { echo "http.server did not start" >&2; return 1; }
    HTTP_URL=http://127.0.0.1:$HTTP_PORT
}

http_stop() {
    if [ -n "${HTTP_PID:-}" ]; then
        # Safe inside a test body too: bats runs it with errexit, and wait
        # returns the killed server's status (143).
        kill "$HTTP_PID" 2>/dev/null || true
        wait "$HTTP_PID" 2>/dev/null || true
        HTTP_PID=
    fi
}

# Make a source with NVIDIA's layout from the bundled manifests: $1 is the
# directory, the rest are "cuda/redistrib_X.json" paths to copy.
make_source() {
    local dir=$1 f
    shift
    mkdir -p "$dir/cuda/redist" "$dir/cudnn/redist"
    for f in "$@"; do
        cp "$CUENV_SRC/manifests/$f" "$dir/${f%%/*}/redist/"
    done
    # The bundled manifests are read-only; tests edit their copies.
    chmod -R u+w "$dir"
}

# A test for behaviour a known cuenv bug breaks: skipped, with the reason,
# unless CUENV_TEST_KNOWN_BUGS=1 (to check a fix).
known_bug() {
    [ "${CUENV_TEST_KNOWN_BUGS:-}" = 1 ] || skip "known cuenv bug: $1"
}

# After "run --separate-stderr": stderr is exactly $1 / matches the ERE $1.
assert_stderr() {
    if [ "$stderr" != "$1" ]; then
        printf 'expected stderr: %s\nactual stderr  : %s\n' "$1" "$stderr" | fail
    fi
}

assert_stderr_regexp() {
    if ! [[ $stderr =~ $1 ]]; then
        printf 'stderr does not match: %s\nactual stderr: %s\n' "$1" "$stderr" | fail
    fi
}

# Run Python code $1 with the JSON document in $output bound to d; a failed
# assert fails the test with Python's message.
assert_json() {
    python3 -c 'import json, sys
d = json.loads(sys.argv[2])
exec(sys.argv[1])' "$1" "$output"
}

# The one catalogue cache directory under $CUENV_CACHE (fails unless exactly one).
catalogue_cache_dir() {
    local d=("$CUENV_CACHE"/catalogue/*/)
    [ "${#d[@]}" -eq 1 ] && [ -d "${d[0]}" ] || {
        echo "expected one catalogue cache directory, found: ${d[*]}" >&2
        return 1
    }
    echo "${d[0]%/}"
}

# The command names "cuenv --help" lists, one per line, in its order.
cuenv_commands() {
    "$CUENV" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'
}

# Number of GET requests for path $1 in the http.server log.
http_gets() {
    grep -c "\"GET $1 HTTP" "$BATS_TEST_TMPDIR/http.log" || true
}

# ---- install tests: the fixture mirror, the fault server, the oracles ----
# (pipeline.bats, net.bats, cache.bats; RELIABILITY.md section 2)

# The mirror every install test reads: two CUDA labels and one cuDNN, real
# tiny ELF libraries (tests/fixtures/mkmirror.py). Tests never write to it.
MKMIRROR_ARGS=(--cuda 12.4.1 --cuda 12.6.3 --cudnn 9.14.0)

# Build the mirror once and keep it under build/test-mirror/<key>, where the
# key hashes mkmirror.py, its arguments and the compiler (same inputs, same
# bytes). Sets and exports MIRROR. Call it from setup_file.
mirror_build() {
    local base=$CUENV_SRC/build/test-mirror key dir
    key=$({
        cat "$FIXTURES/mkmirror.py"
        echo "${MKMIRROR_ARGS[*]}"
        gcc --version 2>/dev/null | head -1
    } | sha256sum | cut -c1-16)
    dir=$base/$key
    if [ ! -e "$dir/.complete" ]; then
        mkdir -p "$base"
        # Two bats processes may get here at once: one builds, the other waits.
        (
            flock -w 300 9 || exit 1
            [ -e "$dir/.complete" ] && exit 0
            rm -rf "$dir.tmp"
            timeout -k 5 300 python3 "$FIXTURES/mkmirror.py" "$dir.tmp" \
                "${MKMIRROR_ARGS[@]}" --quiet || exit 1
            touch "$dir.tmp/.complete"
            rm -rf "$dir"
            mv "$dir.tmp" "$dir"
        ) 9>"$base/.lock" || { echo "mkmirror.py failed" >&2; return 1; }
    fi
    # One line per archive for the shell helpers below (no Python per lookup):
    # "component label variant sha256 size url_path".
    if [ ! -e "$dir/.index" ]; then
        python3 -c 'import json, sys
for a in json.load(open(sys.argv[1]))["archives"]:
    print(a["component"], a["label"], a["variant"] or "-", a["sha256"], a["size"], a["url_path"])' \
            "$dir/fixtures.json" >"$dir/.index.$$" && mv "$dir/.index.$$" "$dir/.index"
    fi
    export MIRROR=$dir
}

# Environment of every install test: cuenv_setup, the platform pinned, fast
# retries. Tests override what they need.
install_setup() {
    cuenv_setup
    export CUENV_PLATFORM=linux-x86_64
    export CUENV_RETRIES=3 CUENV_RETRY_BASE_MS=50
    unset CUENV_STALL_TIMEOUT CUENV_LOCK_TIMEOUT CUENV_RETRY_AFTER_MAX CUENV_CONNECT_TIMEOUT
    unset CUENV_TEST_CHECKPOINT CUENV_TEST_CHECKPOINT_FILE CUENV_MAX_UNPACKED CUENV_MAX_ENTRIES
    unset CUENV_CA_BUNDLE
    FS_PIDS=
    BG_PIDS=
}

# Start tests/fixtures/fault_server.py on 127.0.0.1, port 0, serving $MIRROR
# (extra arguments go to the server: --rate N, ...). Sets FS_PORT, FS_URL and
# FS_PID; every server started is stopped by install_teardown.
fault_start() {
    local out i
    out=$(mktemp "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/fault-server.XXXXXX")
    # fd 3 closed: bats waits for whoever holds it.
    python3 -u "$FIXTURES/fault_server.py" --root "$MIRROR" --lifetime 300 "$@" \
        >"$out" 2>"$out.err" 3>&- &
    FS_PID=$!
    FS_PIDS="$FS_PIDS $FS_PID"
    FS_PORT=
    for i in $(seq 1 200); do
        FS_PORT=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$out")
        [ -n "$FS_PORT" ] && break
        kill -0 "$FS_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$FS_PORT" ] || { echo "fault_server.py did not start: $(cat "$out.err")" >&2; return 1; }
    FS_URL=http://127.0.0.1:$FS_PORT
}

# One server for all the tests of a file: start it in setup_file
# (file_server_start), point each test at it with counters, logs and faults
# cleared (file_server_use, from setup), stop it in teardown_file
# (file_server_stop). A test that needs other server options starts its own
# with fault_start.
file_server_start() {
    fault_start "$@"
    export FILE_FS_PID=$FS_PID FILE_FS_URL=$FS_URL FILE_FS_PORT=$FS_PORT
}

file_server_use() {
    FS_URL=$FILE_FS_URL FS_PORT=$FILE_FS_PORT
    export CUENV_MIRROR=$FS_URL
    srv /__reset >/dev/null
}

file_server_stop() {
    if [ -n "${FILE_FS_PID:-}" ]; then
        kill "$FILE_FS_PID" 2>/dev/null || true
        wait "$FILE_FS_PID" 2>/dev/null || true
    fi
}

# Kill every server and background cuenv this test started (from teardown).
install_teardown() {
    local p
    for p in $BG_PIDS $FS_PIDS; do
        kill -9 "$p" 2>/dev/null || true
    done
    for p in $BG_PIDS $FS_PIDS; do
        wait "$p" 2>/dev/null || true
    done
    BG_PIDS=
    FS_PIDS=
}

# GET a control endpoint of the server at $FS_URL (or $2): "srv /__hits".
srv() {
    curl -sS -g --noproxy '*' --max-time 10 "${2:-$FS_URL}$1"
}

# Add a fault: fault GLOB MODE [ARG] [TIMES] [TO] (TIMES: how many requests
# get it, default every one; TO: the Location of mode "redirect").
fault() {
    curl -sS --noproxy '*' --max-time 10 -f -G "$FS_URL/__fault" --data-urlencode "glob=$1" \
        --data-urlencode "mode=$2" --data-urlencode "arg=${3:-0}" --data-urlencode "times=${4:-}" \
        ${5:+--data-urlencode "to=$5"} >/dev/null
}

# The number of requests for paths matching the shell glob $1 (all paths
# when omitted): "hits '*.tar.xz'".
hits() {
    local json line path n=0 glob=${1:-*}
    json=$(srv /__hits) || return 1
    # json.dumps(indent=1): one ' "path": count,' per line.
    while IFS= read -r line; do
        [[ $line =~ ^\ \"(.*)\":\ ([0-9]+),?$ ]] || continue
        path=${BASH_REMATCH[1]}
        # shellcheck disable=SC2053
        [[ $path == $glob ]] && n=$((n + BASH_REMATCH[2]))
    done <<<"$json"
    echo "$n"
}

# The server's request log for paths matching $1, one line per request:
# "status range if_range accept_encoding bytes fault" ("-" for none).
srv_log() {
    srv /__log | python3 -c 'import fnmatch, json, sys
for r in json.load(sys.stdin):
    if fnmatch.fnmatchcase(r["path"], sys.argv[1]):
        print(" ".join(str(r[k]) if r[k] is not None else "-"
                       for k in ("status", "range", "if_range", "accept_encoding", "bytes", "fault")))' "${1:-*}"
}

# The URL path (under the mirror) of archive COMPONENT of CUDA/cuDNN LABEL
# (cuDNN: its cuda12 variant): "archive_path cuda_cudart 12.4.1"; with a
# third argument, that field instead: sha256, size or url_path.
archive_path() {
    local c l v sha size url
    while read -r c l v sha size url; do
        [ "$c" = "$1" ] && [ "$l" = "$2" ] && { [ "$v" = - ] || [ "$v" = cuda12 ]; } || continue
        case ${3:-url_path} in
        sha256) echo "$sha" ;;
        size) echo "$size" ;;
        url_path) echo "$url" ;;
        *) return 1 ;;
        esac
        return 0
    done <"$MIRROR/.index"
    echo "no archive $1 $2 in the mirror" >&2
    return 1
}

# Milliseconds since the epoch.
now_ms() { date +%s%3N; }

# Run cuenv install with a hard time limit, stdout and stderr apart.
install_run() {
    run --separate-stderr timeout -k 5 "${INSTALL_TIMEOUT:-60}" "$CUENV" install "$@"
}

# ---- oracles ----

# SSO on env prefixes (one or more): the tree is exactly the union of its archives'
# entries as fixtures.json lists them (top-level files under
# share/licenses/<component>/, the first component wins a shared path),
# regular files with the right sha256 and no write bit, symlinks with the
# right target, lib64 -> lib, no decoy component, and the receipt.
assert_env_ok() {
    [ $# -gt 0 ] || return 0
    python3 - "$MIRROR/fixtures.json" "$@" <<'PY' || { fail "not a complete, verified env: $*"; return 1; }
import hashlib, json, os, stat, sys
arch = {a["sha256"]: a for a in json.load(open(sys.argv[1]))["archives"]}
def check(prefix):
  errs = []
  def err(m):
    errs.append("%s: %s" % (os.path.basename(prefix), m))
  try:
    rec = open(os.path.join(prefix, ".cuenv", "receipt")).read().splitlines()
  except OSError as e:
    return ["%s: no receipt: %s" % (prefix, e)]
  comps = [l.split("\t") for l in rec if l.startswith("component\t")]
  if not comps:
      err("receipt lists no component")
  want = {}
  for c in comps:
      name, sha = c[2], c[4]
      a = arch.get(sha)
      if a is None:
          err("component %s: sha256 %s is no archive of the mirror" % (name, sha))
          continue
      if a["decoy"] or name in ("nvidia_driver", "fabricmanager"):
          err("driver decoy %s installed" % name)
      for e in a["entries"]:
          p = e["path"]
          if e["type"] == "f" and "/" not in p:
              p = "share/licenses/%s/%s" % (name, p)
          want.setdefault(p, e)
  have = set()
  for d, dirs, files in os.walk(prefix):
      for n in dirs + files:
          rel = os.path.relpath(os.path.join(d, n), prefix)
          if rel == ".cuenv" or rel.startswith(".cuenv/") or rel == "lib64":
              continue
          have.add(rel)
  for p, e in sorted(want.items()):
      full = os.path.join(prefix, p)
      try:
          st = os.lstat(full)
      except OSError:
          err("missing %s" % p)
          continue
      if e["type"] == "d" and not stat.S_ISDIR(st.st_mode):
          err("%s is not a directory" % p)
      elif e["type"] == "l":
          if not stat.S_ISLNK(st.st_mode) or os.readlink(full) != e["target"]:
              err("%s is not a symlink to %s" % (p, e["target"]))
      elif e["type"] == "f":
          if not stat.S_ISREG(st.st_mode):
              err("%s is not a regular file" % p)
              continue
          if st.st_mode & 0o222:
              err("%s is writable (mode %o)" % (p, st.st_mode & 0o7777))
          if st.st_mode & 0o111 != int(e["mode"], 8) & 0o111:
              err("%s has mode %o, the archive %s" % (p, st.st_mode & 0o7777, e["mode"]))
          h = hashlib.sha256(open(full, "rb").read()).hexdigest()
          if h != e["sha256"]:
              err("%s has sha256 %s, the archive %s" % (p, h, e["sha256"]))
  parents = {os.path.dirname(p) for p in want}
  while True:
      more = {os.path.dirname(p) for p in parents} - parents
      if not more:
          break
      parents |= more
  extra = [p for p in have - set(want) - parents]
  if extra:
      err("unexpected paths: %s" % ", ".join(sorted(extra)[:10]))
  lib64 = os.path.join(prefix, "lib64")
  if os.path.isdir(os.path.join(prefix, "lib")) and not (os.path.islink(lib64) and os.readlink(lib64) == "lib"):
      err("lib64 is not a symlink to lib")
  return errs
errs = [m for p in sys.argv[2:] for m in check(p)]
for m in errs:
    print(m, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
}

# SSO on every env of $CUENV_ROOT.
assert_envs_ok() {
    local d envs=()
    for d in "$CUENV_ROOT"/envs/*/; do
        [ -d "$d" ] && envs+=("${d%/}")
    done
    assert_env_ok "${envs[@]}"
}

# SFO (c): nothing installed: no env directory, and 'cuenv list' says so.
assert_no_env() {
    local n
    n=$(find "$CUENV_ROOT/envs" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    [ "$n" -eq 0 ] || { fail "an env appeared: $(ls -A "$CUENV_ROOT/envs")"; return 1; }
    [ "$("$CUENV" list --json)" = "[]" ] || { fail "cuenv list --json: $("$CUENV" list --json)"; return 1; }
}

# SFO (d): every cache/archives/<sha256>.tar.xz is a regular file whose
# content hashes to its name.
assert_cache_clean() {
    local files=() f sum name
    for f in "$CUENV_CACHE"/archives/*.tar.xz; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        [ -f "$f" ] && [ ! -L "$f" ] || { fail "cache entry $f is not a regular file"; return 1; }
        files+=("$f")
    done
    [ "${#files[@]}" -gt 0 ] || return 0
    while read -r sum name; do
        [ "$(basename "$name" .tar.xz)" = "$sum" ] ||
            { fail "poisoned cache entry $name (content hashes to $sum)"; return 1; }
    done < <(sha256sum "${files[@]}")
}

# SFO (f): no staging under tmp/ and no partial download left.
assert_no_leftovers() {
    local left
    left=$(find "$CUENV_ROOT/tmp" -mindepth 1 -maxdepth 1 2>/dev/null; \
        find "$CUENV_CACHE/archives" \( -name '*.part' -o -name '*.part.validator' \) 2>/dev/null)
    [ -z "$left" ] || { fail "leftovers: $left"; return 1; }
}

# The cache file of an archive (by component and label).
cache_file() {
    echo "$CUENV_CACHE/archives/$(archive_path "$1" "$2" sha256).${3:-tar.xz}"
}

# Start "cuenv install ARGS..." in the background, stopped at checkpoint
# $1; returns once the process has written its marker. Sets CP_PID (the
# cuenv process) and CP_BG (the background job: timeout(1) around it).
start_at_checkpoint() {
    local name=$1 marker=$BATS_TEST_TMPDIR/checkpoint.$1 i
    shift
    rm -f "$marker"
    CUENV_TEST_CHECKPOINT=$name CUENV_TEST_CHECKPOINT_FILE=$marker \
        timeout -s KILL 60 "$CUENV" install "$@" >"$BATS_TEST_TMPDIR/cp.out" 2>"$BATS_TEST_TMPDIR/cp.err" &
    CP_BG=$!
    BG_PIDS="$BG_PIDS $CP_BG"
    for i in $(seq 1 200); do
        [ -s "$marker" ] && break
        kill -0 "$CP_BG" 2>/dev/null || break
        sleep 0.05
    done
    [ -s "$marker" ] || { fail "checkpoint $name not reached: $(cat "$BATS_TEST_TMPDIR/cp.err")"; return 1; }
    CP_PID=$(sed -n "s/^checkpoint $name \([0-9][0-9]*\)$/\1/p" "$marker" | head -1)
    [ -n "$CP_PID" ] || { fail "bad marker: $(cat "$marker")"; return 1; }
    BG_PIDS="$BG_PIDS $CP_PID"
}

# After "run --separate-stderr": some line of stderr matches the ERE $1.
assert_stderr_line() {
    grep -Eq -- "$1" <<<"$stderr" ||
        { printf 'no stderr line matches: %s\nactual stderr: %s\n' "$1" "$stderr" | fail; return 1; }
}

# Wait at most $2 seconds for background job $1 to end; its status in WAIT_RC.
wait_bounded() {
    local i
    for i in $(seq 1 $(($2 * 20))); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$1" 2>/dev/null; then
        fail "process $1 still running after $2 s"
        return 1
    fi
    WAIT_RC=0
    wait "$1" || WAIT_RC=$?
}
