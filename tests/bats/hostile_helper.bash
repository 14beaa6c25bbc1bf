# Shared helpers of tar.bats, manifest.bats and tls.bats: the hostile-archive
# mirror, fault_server.py instances, the sentinel and the oracles of
# RELIABILITY.md section 2 (SFO: standard failure oracle, SSO: standard
# success oracle). Load it after helper.bash; every name here starts with h_
# or H_ so that nothing clashes with helper.bash.

# Debian's python3 starts in ~0.15 s; a pyenv shim on PATH can take 1 s.
H_PY=/usr/bin/python3
[ -x "$H_PY" ] || H_PY=python3

# Every escape of the hostile archives aims at this directory. The kernel
# resolves /proc/self/cwd in the process that makes the system call, i.e.
# in cuenv, and every test runs cuenv from its own directory holding a fresh
# sentinel "outside/": so the mirror is generated once and cached (the path
# is baked into the archives) while the sentinel is still per test, and two
# test runs at once cannot see each other's escapes. cuenv never calls
# chdir(), so its cwd is the test's directory (tar.bats checks both facts).
H_OUTSIDE=/proc/self/cwd/outside

# Default sizes, except that many_entries only has to beat CUENV_MAX_ENTRIES=1000.
H_MKMIRROR_ARGS=(--hostile --outside "$H_OUTSIDE" --many 3000)

# Build the hostile mirror once into build/test-mirror-hostile/<key>, key =
# hash of mkmirror.py, its arguments, gcc and python (same inputs, same bytes);
# kept apart from helper.bash's normal mirror because labels 99.0.<n> would be
# the "latest" CUDA there. Sets and exports HMIRROR; writes
# $BATS_FILE_TMPDIR/cases.tsv (n name expect sha256 size top). From setup_file.
h_mirror_build() {
    local base=$CUENV_SRC/build/test-mirror-hostile key dir
    key=$({
        cat "$FIXTURES/mkmirror.py"
        echo "${H_MKMIRROR_ARGS[*]}"
        gcc --version 2>/dev/null | head -1
        "$H_PY" --version 2>&1
    } | sha256sum | cut -c1-16)
    dir=$base/$key
    if [ ! -e "$dir/.complete" ]; then
        mkdir -p "$base"
        (
            flock -w 300 9 || exit 1
            [ -e "$dir/.complete" ] && exit 0
            rm -rf "$dir.tmp"
            timeout -k 5 300 "$H_PY" "$FIXTURES/mkmirror.py" "$dir.tmp" \
                "${H_MKMIRROR_ARGS[@]}" --quiet || exit 1
            touch "$dir.tmp/.complete"
            rm -rf "$dir"
            mv "$dir.tmp" "$dir"
        ) 9>"$base/.lock" 3>&- || { echo "mkmirror.py --hostile failed" >&2; return 1; }
    fi
    export HMIRROR=$dir
    "$H_PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["outside"] == sys.argv[2], d["outside"]
for c in d["cases"]:
    print("\t".join(str(c[k]) for k in ("n", "name", "expect", "sha256", "size", "top")))' \
        "$HMIRROR/hostile/cases.json" "$H_OUTSIDE" >"$BATS_FILE_TMPDIR/cases.tsv"
}

# The case table as H_CASES[<name>.<field>] (fields n, name, expect,
# sha256, size, top), read without a subprocess; h_setup calls it.
h_cases_load() {
    local n name expect sha size top
    declare -gA H_CASES=()
    [ -f "$BATS_FILE_TMPDIR/cases.tsv" ] || return 0
    while IFS=$'\t' read -r n name expect sha size top; do
        H_CASES[$name.n]=$n H_CASES[$name.name]=$name H_CASES[$name.expect]=$expect
        H_CASES[$name.sha256]=$sha H_CASES[$name.size]=$size H_CASES[$name.top]=$top
    done <"$BATS_FILE_TMPDIR/cases.tsv"
}

# Field of a hostile case by name: "h_case dotdot_file n".
h_case() {
    [ -n "${H_CASES[$1.$2]:-}" ] || { echo "h_case: no field '$2' of hostile case '$1'" >&2; return 1; }
    echo "${H_CASES[$1.$2]}"
}

# The hostile archive file of a case (for the SSO).
h_case_file() { echo "$HMIRROR/hostile/$1.tar.xz"; }

# A source with only the positive control (label 99.0.0: NVIDIA's manifest
# shape, one real cuda_cudart archive) at $1, the archive copied (servers do
# not follow symlinks out of their root).
h_control_source() {
    local dir=$1 rel
    rel=cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-99.0.0-archive.tar.xz
    mkdir -p "$dir/cuda/redist/cuda_cudart/linux-x86_64"
    cp "$HMIRROR/cuda/redist/redistrib_99.0.0.json" "$dir/cuda/redist/"
    cp "$HMIRROR/cuda/redist/$rel" "$dir/cuda/redist/$rel"
    chmod -R u+w "$dir"
}
H_CONTROL_REL=cuda/redist/cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-99.0.0-archive.tar.xz

# ---- servers ----

# Start fault_server.py instances at once: h_servers_start PIDFILE NAME ROOT
# [ARGS --] NAME ROOT [ARGS --] ...; "--" ends each server's extra arguments
# (--tls CERT KEY). Exports H_PORT_<NAME>. PIDFILE collects the pids for
# h_servers_stop.
h_servers_start() {
    local pidfile=$1 name root args out i port pid names=()
    shift
    while [ $# -gt 0 ]; do
        name=$1 root=$2
        shift 2
        args=()
        while [ $# -gt 0 ] && [ "$1" != -- ]; do
            args+=("$1")
            shift
        done
        [ $# -eq 0 ] || shift
        out=$(dirname "$pidfile")/server.$name
        "$H_PY" -u "$FIXTURES/fault_server.py" --root "$root" --lifetime 900 "${args[@]}" \
            >"$out" 2>"$out.err" 3>&- &
        echo "$!" >>"$pidfile"
        disown "$!" 2>/dev/null || true
        names+=("$name:$!")
    done
    for name in "${names[@]}"; do
        pid=${name#*:} name=${name%%:*}
        out=$(dirname "$pidfile")/server.$name
        port=
        for i in $(seq 1 400); do
            port=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$out")
            [ -n "$port" ] && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        [ -n "$port" ] || { echo "fault_server.py $name did not start: $(cat "$out.err")" >&2; return 1; }
        printf -v "H_PORT_$name" %s "$port"
        export "H_PORT_$name"
    done
}

h_servers_stop() {
    local p
    [ -f "$1" ] || return 0
    while read -r p; do
        kill -9 "$p" 2>/dev/null || true
    done <"$1"
    rm -f "$1"
}

# GET a control endpoint: h_srv URLBASE PATH [curl args]. Certificates are
# not checked here: this is the test talking to its own server, not cuenv.
h_srv() {
    local base=$1 path=$2
    shift 2
    curl -sS -g -k --noproxy '*' --max-time 10 "$@" "$base$path"
}

# Clear counters, logs and faults of the servers at URLBASE...
h_reset() {
    local u
    for u in "$@"; do
        h_srv "$u" /__reset >/dev/null
    done
}

# Number of requests the server at $1 counted for paths matching the bash
# glob $2 (all paths when omitted).
h_hits() {
    local line total=0
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*\"(.*)\":\ ([0-9]+),?$ ]] || continue
        # shellcheck disable=SC2053
        [[ ${BASH_REMATCH[1]} == ${2:-*} ]] && total=$((total + BASH_REMATCH[2]))
    done < <(h_srv "$1" /__hits)
    echo "$total"
}

# Add a fault: h_fault URLBASE GLOB MODE [ARG] [TO]
h_fault() {
    h_srv "$1" /__fault -f -G --data-urlencode "glob=$2" --data-urlencode "mode=$3" \
        --data-urlencode "arg=${4:-0}" ${5:+--data-urlencode "to=$5"} >/dev/null
}

# ---- running cuenv ----

# cuenv_setup, then the platform and fast retries; cuenv runs from the
# test's directory (see H_OUTSIDE).
h_setup() {
    cuenv_setup
    export CUENV_PLATFORM=linux-x86_64 CUENV_RETRIES=1 CUENV_RETRY_BASE_MS=50
    export CUENV_STALL_TIMEOUT=5
    unset CUENV_MAX_UNPACKED CUENV_MAX_ENTRIES CUENV_CA_BUNDLE CUENV_TEST_CHECKPOINT
    unset XDG_DATA_HOME XDG_CACHE_HOME H_RUNAS
    h_cases_load
    cd "$BATS_TEST_TMPDIR" || return 1
}

# Run cuenv ARGS with a time limit (H_TIMEOUT, default 60 s), as uid/gid
# $H_RUNAS when set; like bats' "run --separate-stderr" (sets status, output,
# stderr) with fewer processes, which matters on a loaded machine.
h_run() {
    local pre=() f=$BATS_TEST_TMPDIR/.h_run_stderr
    [ -z "${H_RUNAS:-}" ] || pre=(setpriv --reuid="$H_RUNAS" --regid="$H_RUNAS" --clear-groups --)
    status=0
    output=$(timeout -k 5 "${H_TIMEOUT:-60}" "${pre[@]}" "$CUENV" "$@" 2>"$f") || status=$?
    stderr=
    IFS= read -r -d '' stderr <"$f" || true
    while [[ $stderr == *$'\n' ]]; do
        stderr=${stderr%$'\n'}
    done
}

# cuenv ARGS directly (same user as h_run), for checks.
h_cuenv() {
    local pre=()
    [ -z "${H_RUNAS:-}" ] || pre=(setpriv --reuid="$H_RUNAS" --regid="$H_RUNAS" --clear-groups --)
    "${pre[@]}" "$CUENV" "$@"
}

# Point CUENV_ROOT (and HOME) at a fresh directory $1/root under an existing
# $1; CUENV_CACHE at $2 (default $1/cache; share it between cases of a test
# to fetch the catalogue once: archives are keyed by their own digest).
h_fresh_root() {
    export CUENV_ROOT=$1/root CUENV_CACHE=${2:-$1/cache} HOME=$1/home
    mkdir -p "$HOME"
    [ -z "${H_RUNAS:-}" ] || chown -R "$H_RUNAS:$H_RUNAS" "$1"
}

# ---- sentinel (RELIABILITY.md section 2) ----

# $1 (default: the current directory) gets outside/victim (0600, known
# content) and outside/vdir/ (0700); their state is kept in H_SENTINEL.
H_SENTINEL_CONTENT='cuenv test sentinel: nothing may ever change this file'
h_sentinel_init() {
    local d=${1:-$PWD}
    mkdir -p "$d/outside/vdir"
    printf '%s\n' "$H_SENTINEL_CONTENT" >"$d/outside/victim"
    chmod 600 "$d/outside/victim"
    chmod 700 "$d/outside/vdir" "$d/outside"
    touch -h -d @1700000000 "$d/outside/victim" "$d/outside/vdir" "$d/outside"
    h_sentinel_rescan "$d"
}

# Record the sentinel's state again (after a chown).
h_sentinel_rescan() {
    local d=${1:-$PWD}
    H_SENTINEL=$(find "$d" \( -path "$d/outside" -o -path "$d/outside/*" \) -printf '%P %y %m %u %s %n %T@\n')
}

# SFO (e): the sentinel is exactly as h_sentinel_init left it and no
# escape_* file appeared anywhere under the test's directory $1 (one find).
h_assert_sentinel() {
    local d=${1:-$PWD} now content="" found
    now=$(find "$d" \( -path "$d/outside" -o -path "$d/outside/*" \) -printf '%P %y %m %u %s %n %T@\n' \
        -o -name 'escape_*' -printf 'ESCAPED %p\n')
    IFS= read -r -d '' content <"$d/outside/victim" || true
    [ "$content" = "$H_SENTINEL_CONTENT"$'\n' ] ||
        fail "${H_CASE:+case $H_CASE: }the sentinel's victim file was rewritten: $content"
    found=$(grep '^ESCAPED ' <<<"$now" || true)
    [ -z "$found" ] || fail "${H_CASE:+case $H_CASE: }escaped files: $found"
    [ "$now" = "$H_SENTINEL" ] ||
        fail "${H_CASE:+case $H_CASE: }sentinel changed:"$'\n'"before: $H_SENTINEL"$'\n'"after:  $now"
}

# ---- oracles ----

# SFO (b): one line on stderr, "cuenv: error: ...", no raw control byte
# (names must be printed escaped), matching the ERE $1.
h_assert_error_line() {
    [[ $stderr != *$'\n'* ]] || fail "${H_CASE:+case $H_CASE: }stderr is not one line: $stderr"
    [[ $stderr == "cuenv: error: "* ]] || fail "${H_CASE:+case $H_CASE: }not an error line: $stderr"
    [[ $stderr != *[[:cntrl:]]* ]] ||
        fail "${H_CASE:+case $H_CASE: }raw control character on stderr: $(printf '%q' "$stderr")"
    [[ $stderr =~ $1 ]] || fail "${H_CASE:+case $H_CASE: }stderr does not match /$1/: $stderr"
}

# The entries of directories $2... (hidden ones too) into variable $1, space
# separated; no subprocess.
h_ls_into() {
    local _var=$1 _d _ng=0 _dg=0 _all=()
    shift
    shopt -q nullglob && _ng=1
    shopt -q dotglob && _dg=1
    shopt -s nullglob dotglob
    for _d in "$@"; do
        _all+=("$_d"/*)
    done
    [ "$_ng" = 1 ] || shopt -u nullglob
    [ "$_dg" = 1 ] || shopt -u dotglob
    printf -v "$_var" %s "${_all[*]}"
}

# SFO (c): no env, 'cuenv list --json' empty, no store entry, and (f) no
# staging left under tmp/.
h_assert_nothing_installed() {
    local left
    h_ls_into left "$CUENV_ROOT"/envs "$CUENV_ROOT"/store
    [ -z "$left" ] || fail "${H_CASE:+case $H_CASE: }installed anyway: $left"
    h_ls_into left "$CUENV_ROOT"/tmp
    [ -z "$left" ] || fail "${H_CASE:+case $H_CASE: }staging left under tmp/: $left"
    left=$(h_cuenv list --json) || fail "${H_CASE:+case $H_CASE: }cuenv list failed: $left"
    [ "$left" = "[]" ] || fail "${H_CASE:+case $H_CASE: }cuenv list --json: $left"
}

# SFO (d): every cache/archives/<sha256>.tar.xz is a regular file whose
# content hashes to its name.
h_assert_cache_clean() {
    local f files=() sha
    for f in "$CUENV_CACHE"/archives/*.tar.xz; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        if [ ! -f "$f" ] || [ -L "$f" ]; then
            fail "${H_CASE:+case $H_CASE: }cache entry $f is not a regular file"
        fi
        files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 0
    while read -r sha f; do
        [ "${f##*/}" = "$sha.tar.xz" ] ||
            fail "${H_CASE:+case $H_CASE: }poisoned cache entry $f (content hashes to $sha)"
    done < <(sha256sum "${files[@]}")
}

# No file under cache/archives/ is the archive with digest $1 any more.
h_assert_not_cached() {
    [ ! -e "$CUENV_CACHE/archives/$1.tar.xz" ] ||
        fail "${H_CASE:+case $H_CASE: }the archive that failed is still cached as $1.tar.xz"
}

# SSO on an env prefix built from one archive: the tree under $1 is exactly
# the archive $2's entries (top directory $4 stripped; top-level files under
# share/licenses/<component $3>/), with cuenv's modes (files 0444, or 0555
# when the entry had an x bit; directories 0755; no set-id, sticky or
# group/other write bit anywhere), the right content and link targets, and
# lib64 -> lib. Also checks the store entry the env's receipt names.
h_assert_tree() {
    "$H_PY" - "$1" "$2" "$3" "$4" "$CUENV_ROOT/store" <<'PY' || fail "${H_CASE:+case $H_CASE: }env '$1' does not match archive '$2'"
import hashlib, os, stat, sys, tarfile
prefix, archive, comp, top, store = sys.argv[1:6]
errs = []
want = {}
with tarfile.open(archive) as t:
    members = t.getmembers()
    data = {m.name: hashlib.sha256(t.extractfile(m).read()).hexdigest()
            for m in members if m.isfile()}
for m in members:
    name = m.name.rstrip("/")
    if name == top:
        continue
    assert name.startswith(top + "/"), name
    rel = name[len(top) + 1:]
    if m.isfile() and "/" not in rel:
        rel = "share/licenses/%s/%s" % (comp, rel)
    if m.isdir():
        want[rel] = ("d", 0o755, None)
    elif m.issym():
        want[rel] = ("l", None, m.linkname)
    elif m.isfile():
        want[rel] = ("f", 0o555 if m.mode & 0o111 else 0o444, data[m.name])
    elif m.islnk():
        src = want[m.linkname[len(top) + 1:]]
        want[rel] = src
    else:
        errs.append("archive has an entry of type %r: %s" % (m.type, m.name))
for rel in list(want):
    d = os.path.dirname(rel)
    while d and d not in want:
        want[d] = ("d", 0o755, None)
        d = os.path.dirname(d)
have = {}
for d, dirs, files in os.walk(prefix):
    for n in dirs + files:
        full = os.path.join(d, n)
        rel = os.path.relpath(full, prefix)
        if rel == ".cuenv" or rel.startswith(".cuenv/"):
            continue
        have[rel] = os.lstat(full)
lib64 = have.pop("lib64", None)
if "lib" in want and (lib64 is None or not stat.S_ISLNK(lib64.st_mode)
                      or os.readlink(os.path.join(prefix, "lib64")) != "lib"):
    errs.append("lib64 is not a symlink to lib")
for rel in sorted(set(have) - set(want)):
    errs.append("unexpected path %s" % rel)
for rel, (typ, mode, extra) in sorted(want.items()):
    st = have.get(rel)
    if st is None:
        errs.append("missing %s" % rel)
        continue
    m = stat.S_IMODE(st.st_mode)
    if typ == "d":
        if not stat.S_ISDIR(st.st_mode) or m != mode:
            errs.append("%s: want a directory 0%o, have %s 0%o" % (rel, mode, stat.filemode(st.st_mode), m))
    elif typ == "l":
        if not stat.S_ISLNK(st.st_mode) or os.readlink(os.path.join(prefix, rel)) != extra:
            errs.append("%s: want a symlink to %s" % (rel, extra))
    else:
        if not stat.S_ISREG(st.st_mode) or m != mode:
            errs.append("%s: want a file 0%o, have %s 0%o" % (rel, mode, stat.filemode(st.st_mode), m))
        elif hashlib.sha256(open(os.path.join(prefix, rel), "rb").read()).hexdigest() != extra:
            errs.append("%s: content differs from the archive" % rel)
# receipt: "component<TAB>product<TAB>name<TAB>version<TAB>sha256<TAB>size<TAB>store entry<TAB>path"
entries = [l.split("\t")[6] for l in open(os.path.join(prefix, ".cuenv", "receipt")).read().splitlines()
           if l.startswith("component\t")]
if len(entries) != 1 or not os.path.isdir(os.path.join(store, entries[0])):
    errs.append("the receipt does not name one existing store entry: %s" % entries)
for root in [prefix] + [os.path.join(store, e) for e in entries]:
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            st = os.lstat(os.path.join(d, n))
            if stat.S_ISLNK(st.st_mode):
                continue
            if st.st_mode & 0o7022:
                errs.append("%s has mode %s" % (os.path.join(d, n), stat.filemode(st.st_mode)))
for e in errs:
    print(e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
}

# ---- hostile cases end to end (tar.bats, tar_variants.bats) ----

# These use WHY, the test file's table of what stderr must say per case.
# Install hostile case $1 into a fresh CUENV_ROOT (the cache is shared by
# the cases of a test) and check the SFO: exit status $2 ("nonzero": any
# failure), stderr, nothing installed (no env, no store entry, 'cuenv list'
# empty, no staging under tmp/), the archive gone from the cache, the cache
# clean, the sentinel untouched.
refused() {
    local name=$1 code=$2 n=${H_CASES[$1.n]} sha=${H_CASES[$1.sha256]} top=${H_CASES[$1.top]}
    [ -n "$n" ] || fail "no hostile case $name"
    H_CASE="$n $name"
    h_fresh_root "$PWD/r$n" "$PWD/cache"
    h_run install "99.0.$n" --profile runtime
    if [ "$code" = nonzero ]; then
        [ "$status" -ne 0 ] || fail "case $H_CASE: installed (exit 0); stderr: $stderr"
    else
        [ "$status" -eq "$code" ] || fail "case $H_CASE: exit $status, expected $code; stderr: $stderr"
    fi
    [ -z "$output" ] || fail "case $H_CASE: stdout: $output"
    # The archive, by component and version and by its file (in the URL), then the entry and why.
    h_assert_error_line "^cuenv: error: cannot unpack 'cuda_cudart 99\.0\.$n' from $MURL/cuda/redist/cuda_cudart/linux-x86_64/$top\.tar\.xz: ${WHY[$name]}"
    h_assert_nothing_installed
    h_assert_not_cached "$sha"
    h_assert_cache_clean
    h_assert_sentinel
    H_CASE=
}

# SFO (f) and REL-30: after the refusals of a test, a good install into the
# last root succeeds (no manual clean-up) and leaves nothing under tmp/.
teardown_good_install() {
    local left
    h_run install 99.0.0 --profile runtime --quiet
    [ "$status" -eq 0 ] || fail "the good install after the refusals failed: $stderr"
    h_ls_into left "$CUENV_ROOT"/tmp
    [ -z "$left" ] || fail "staging left under tmp/ after a good install: $left"
    [ -d "$CUENV_ROOT/envs/cuda-99.0.0-runtime" ] || fail "no env after the good install"
    h_assert_sentinel
}

# Install case $1 (expect: install) and check the SSO against its archive.
installs() {
    local name=$1 n=${H_CASES[$1.n]} env left
    [ -n "$n" ] || fail "no hostile case $name"
    H_CASE="$n $name"
    h_fresh_root "$PWD/r$n" "$PWD/cache"
    h_run install "99.0.$n" --profile runtime
    [ "$status" -eq 0 ] || fail "case $H_CASE: exit $status: $stderr"
    env=$CUENV_ROOT/envs/cuda-99.0.$n-runtime
    [ "$output" = "$env" ] || fail "case $H_CASE: stdout '$output', expected the prefix $env"
    h_assert_tree "$env" "$(h_case_file "$name")" cuda_cudart "$(h_case "$name" top)"
    h_ls_into left "$CUENV_ROOT"/tmp
    [ -z "$left" ] || fail "case $H_CASE: staging left under tmp/: $left"
    h_assert_cache_clean
    h_assert_sentinel
    H_CASE=
}
