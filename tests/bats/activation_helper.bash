# Shared set-up for the activation tests: use.bats, run.bats (exec, env,
# which), shim.bats and hook.bats. Load it after helper.bash:
#
#	load helper
#	load activation_helper
#	setup_file() { act_setup_file; }
#	setup() { act_setup; }
#
# The mirror (tests/fixtures/mkmirror.py, real ELF libraries) has three CUDA
# labels and one cuDNN: 12.4.1 and 12.6.3 both ship libcudart.so.12, 13.0.2
# ships libcudart.so.13 (the soname /usr/local/cuda-13.0 puts in the global
# ld.so.cache on the development machines). It is built once and kept under
# build/test-mirror/<key>. A template CUENV_ROOT with five envs installed
# (12.4, 12.4+cuDNN, 12.6, 13.0+cuDNN, and 12.4's runtime profile), four
# pinned projects and a few compiled probes is made once per bats run; every
# test gets its own copy, so tests stay independent and cost no install.

ACT_MKMIRROR_ARGS=(--cuda 12.4.1 --cuda 12.6.3 --cuda 13.0.2 --cudnn 9.14.0)

# The envs of the template root, and the pins of its projects (p/a ... p/d).
ENV124=cuda-12.4.1-devel
ENV124DNN=cuda-12.4.1+cudnn-9.14.0.64-devel
ENV126=cuda-12.6.3-devel
ENV130DNN=cuda-13.0.2+cudnn-9.14.0.64-devel
ENV124RT=cuda-12.4.1-runtime
SPEC_A=12.4 SPEC_B=13.0+cudnn9 SPEC_C=12.6 SPEC_D=12.4+cudnn9

# The variables cuenv sets (layout.h), in cuenv-test-env's order.
ACT_VARS=(PATH LD_LIBRARY_PATH CUDA_HOME CUDA_PATH CUDA_ROOT CUDAToolkit_ROOT CUDNN_PATH
    CUDNN_HOME CUDNN_ROOT CUENV_ACTIVE)

# Build the mirror once (same key scheme as helper.bash mirror_build: the
# generator, its arguments and the compiler). Sets and exports ACT_MIRROR.
act_mirror_build() {
    local base=$CUENV_SRC/build/test-mirror key dir
    key=$({
        cat "$FIXTURES/mkmirror.py"
        echo "${ACT_MKMIRROR_ARGS[*]}"
        gcc --version 2>/dev/null | head -1
    } | sha256sum | cut -c1-16)
    dir=$base/$key
    if [ ! -e "$dir/.complete" ]; then
        mkdir -p "$base"
        (
            flock -w 300 9 || exit 1
            [ -e "$dir/.complete" ] && exit 0
            rm -rf "$dir.tmp"
            timeout -k 5 300 python3 "$FIXTURES/mkmirror.py" "$dir.tmp" \
                "${ACT_MKMIRROR_ARGS[@]}" --quiet || exit 1
            touch "$dir.tmp/.complete"
            rm -rf "$dir"
            mv "$dir.tmp" "$dir"
        ) 9>"$base/.lock" || { echo "mkmirror.py failed" >&2; return 1; }
    fi
    export ACT_MIRROR=$dir
}

# The probes, compiled against the template's envs (no RUNPATH: the dynamic
# loader has to find the libraries through LD_LIBRARY_PATH).
_act_write_sources() {
    local d=$1
    # rtver: the libcudart it loaded (cudaRuntimeGetVersion) and every
    # libcudart/libcudnn file mapped into it; rtdnn also asks libcudnn.
    cat >"$d/rtver.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int cudaRuntimeGetVersion(int *v);
#ifdef WITH_CUDNN
size_t cudnnGetVersion(void);
size_t cudnnGetCudartVersion(void);
#endif
int main(void)
{
	char line[4096], seen[64][1024];
	int v = -1, n = 0, i;
	FILE *f;

	cudaRuntimeGetVersion(&v);
	printf("cudart %d\n", v);
#ifdef WITH_CUDNN
	printf("cudnn %zu for cudart %zu\n", cudnnGetVersion(), cudnnGetCudartVersion());
#endif
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');
		if (!p || !(strstr(p, "/libcudart") || strstr(p, "/libcudnn")))
			continue;
		for (i = 0; i < n && strcmp(seen[i], p); i++)
			;
		if (i == n && n < 64) {
			snprintf(seen[n++], sizeof(seen[0]), "%s", p);
			printf("map %s", p);
		}
	}
	return 0;
}
EOF
    # spawn PROG [ARGV0 ARGS...]: execve PROG with exactly that argv (none at
    # all when only PROG is given: argc == 0).
    cat >"$d/spawn.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv)
{
	char *none[] = { NULL };

	if (argc < 2)
		return 2;
	execve(argv[1], argc == 2 ? none : argv + 2, environ);
	perror("execve");
	return 99;
}
EOF
}

_act_make_template() {
    local t=$1 cc="gcc -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Werror"
    mkdir -p "$t/home" "$t/bin" "$t/src" "$t/p/a" "$t/p/b" "$t/p/c" "$t/p/d"
    (
        set -e
        unset CUENV_VERSION CUENV_PLATFORM CUENV_PROFILE CUENV_JOBS LD_LIBRARY_PATH
        export HOME=$t/home CUENV_ROOT=$t/root CUENV_CACHE=$t/cache CUENV_CONFIG=/dev/null
        export CUENV_MIRROR=file://$ACT_MIRROR
        cd "$t/p/a" && "$CUENV" use -q "$SPEC_A"
        cd "$t/p/b" && "$CUENV" use -q "$SPEC_B"
        cd "$t/p/c" && "$CUENV" use -q "$SPEC_C"
        cd "$t/p/d" && "$CUENV" use -q "$SPEC_D"
        "$CUENV" install -q --profile runtime 12.4 >/dev/null
    ) || { echo "template: cuenv use failed" >&2; return 1; }
    _act_write_sources "$t/src"
    local e=$t/root/envs
    $cc -o "$t/bin/rt12" "$t/src/rtver.c" -L"$e/$ENV124/lib" -lcudart &&
        $cc -o "$t/bin/rt13" "$t/src/rtver.c" -L"$e/$ENV130DNN/lib" -lcudart &&
        $cc -DWITH_CUDNN -o "$t/bin/rtdnn12" "$t/src/rtver.c" -L"$e/$ENV124DNN/lib" -lcudnn -lcudart &&
        $cc -DWITH_CUDNN -o "$t/bin/rtdnn13" "$t/src/rtver.c" -L"$e/$ENV130DNN/lib" -lcudnn -lcudart &&
        $cc -o "$t/bin/spawn" "$t/src/spawn.c" || { echo "template: gcc failed" >&2; return 1; }
}

# From setup_file: the mirror, then the template (once per bats run, shared by
# the activation files through BATS_RUN_TMPDIR). Exports ACT_TEMPLATE, and the
# projects' pins and locks (ACT_PIN_A, ACT_LOCK_A, ... B C D) so that setup
# writes them without a process.
act_setup_file() {
    export PATH=/usr/bin:/bin
    act_mirror_build || return 1
    local base=${BATS_RUN_TMPDIR:-$BATS_FILE_TMPDIR}/act-template p
    if [ ! -e "$base/.complete" ]; then
        (
            flock -w 120 9 || exit 1
            [ -e "$base/.complete" ] && exit 0
            rm -rf "$base" "$base.tmp"
            _act_make_template "$base.tmp" || exit 1
            touch "$base.tmp/.complete"
            mv "$base.tmp" "$base"
        ) 9>"$base.lock" || return 1
    fi
    export ACT_TEMPLATE=$base
    for p in A B C D; do
        IFS= read -r -d "" "ACT_PIN_$p" <"$base/p/${p,}/.cuda-version" || true
        IFS= read -r -d "" "ACT_LOCK_$p" <"$base/p/${p,}/cuenv.lock" || true
        export "ACT_PIN_$p" "ACT_LOCK_$p"
    done
}

# Every test: helper.bash's cuenv_setup, then a PATH without /usr/local (its
# bin/ has an nvcc for /usr/local/cuda on these machines), no variable of an
# env, the mirror, the template's envs and shims, and the four projects.
# Sets PA PB PC PD (projects 12.4, 13.0+cudnn9, 12.6, 12.4+cudnn9), SHIMS,
# E124 E124DNN E126 E130DNN E124RT (env prefixes), TB (the probes), T; the
# current directory is $T. Three processes in all: this runs before every
# test, on machines where a process costs tens of milliseconds.
act_setup() {
    cuenv_setup
    export PATH=/usr/bin:/bin
    local v
    for v in CUDA_ROOT CUDAToolkit_ROOT CUDNN_PATH CUDNN_HOME CUDNN_ROOT CUENV_ACTIVE \
        CUENV_SHIM_DEPTH GITHUB_ENV GITHUB_PATH XDG_DATA_HOME LD_PRELOAD ${!_CUENV_@}; do
        unset "$v"
    done
    export CUENV_MIRROR=file://$ACT_MIRROR
    T=$BATS_TEST_TMPDIR
    PA=$T/p/a PB=$T/p/b PC=$T/p/c PD=$T/p/d
    mkdir -p "$PA" "$PB" "$PC" "$PD" "$CUENV_ROOT/tmp" "$CUENV_ROOT/locks" "$CUENV_ROOT/store"
    act_copy_root "$CUENV_ROOT"
    # The projects are edited by tests: real files.
    printf '%s' "$ACT_PIN_A" >"$PA/.cuda-version"
    printf '%s' "$ACT_LOCK_A" >"$PA/cuenv.lock"
    printf '%s' "$ACT_PIN_B" >"$PB/.cuda-version"
    printf '%s' "$ACT_LOCK_B" >"$PB/cuenv.lock"
    printf '%s' "$ACT_PIN_C" >"$PC/.cuda-version"
    printf '%s' "$ACT_LOCK_C" >"$PC/cuenv.lock"
    printf '%s' "$ACT_PIN_D" >"$PD/.cuda-version"
    printf '%s' "$ACT_LOCK_D" >"$PD/cuenv.lock"
    TB=$ACT_TEMPLATE/bin
    act_root_vars
    # Never the checkout: a stray 'cuenv use' would pin it.
    cd "$T" || return 1
}

# The template's envs and shims in the existing directory $1 (a root needs
# tmp/, locks/ and store/ too), as hard links:
# files in an env are read-only and cuenv replaces files by rename, never in
# place, so a test cannot change the template, and a copy (and its removal)
# is cheap. The shims stay links to one shim program. The store is not
# copied: installing something new fills the copy's own.
act_copy_root() {
    cp -al "$ACT_TEMPLATE/root/envs" "$ACT_TEMPLATE/root/shims" "$1/"
}

# SHIMS and the env prefixes for the current CUENV_ROOT.
act_root_vars() {
    SHIMS=$CUENV_ROOT/shims
    E124=$CUENV_ROOT/envs/$ENV124
    E124DNN=$CUENV_ROOT/envs/$ENV124DNN
    E126=$CUENV_ROOT/envs/$ENV126
    E130DNN=$CUENV_ROOT/envs/$ENV130DNN
    E124RT=$CUENV_ROOT/envs/$ENV124RT
}

# Run with a time limit (seconds: $TLIMIT, default 15), stdout and stderr
# apart. A first argument -N (bats: the expected status) is passed to run.
trun() {
    local want=()
    case ${1-} in
    -[0-9]*) want=("$1") && shift ;;
    esac
    run "${want[@]}" --separate-stderr timeout -k 2 "${TLIMIT:-15}" "$@"
}

# What cuenv-test-env prints for env NAME (its prefix under CUENV_ROOT) started
# with PATH=$2 and LD_LIBRARY_PATH=$3 ("-" for unset) and no other variable of
# an env: the rules of layout.h written out by hand.
expected_env() {
    local name=$1 path=$2 ld=$3 p=$CUENV_ROOT/envs/$1 v
    printf 'PATH=%s\n' "$p/bin${path:+:$path}"
    if [ "$ld" = - ] || [ -z "$ld" ]; then
        printf 'LD_LIBRARY_PATH=%s\n' "$p/lib"
    else
        printf 'LD_LIBRARY_PATH=%s\n' "$p/lib:$ld"
    fi
    for v in CUDA_HOME CUDA_PATH CUDA_ROOT CUDAToolkit_ROOT; do
        printf '%s=%s\n' "$v" "$p"
    done
    for v in CUDNN_PATH CUDNN_HOME CUDNN_ROOT; do
        case $name in
        *+cudnn-*) printf '%s=%s\n' "$v" "$p" ;;
        *) printf '%s unset\n' "$v" ;;
        esac
    done
    printf 'CUENV_ACTIVE=%s\n' "$name"
}

# Fail unless $1 (a ':' list) has no empty element.
assert_no_empty_element() {
    case ":$1:" in
    *::*) fail "empty element in '$1'" ;;
    esac
}

# The state of the trees $@ (paths, types, modes, sizes, link targets, mtimes,
# contents), for "nothing changed" checks.
tree_state() {
    find "$@" -printf '%p %y %m %s %l %T@\n' 2>/dev/null | LC_ALL=C sort
    find "$@" -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0r sha256sum
}

# The state of an env prefix, independent of where it is: relative paths,
# types, modes, link targets and sha256 of every file.
env_tree() {
    (
        cd "$1" || exit 1
        find . -printf '%P %y %m %l\n' | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
    )
}

# ---- "nothing changed outside": strace ----

# Can strace trace here (installed, ptrace allowed)?
strace_usable() {
    command -v strace >/dev/null && strace -qq -o /dev/null true 2>/dev/null
}

# The syscalls writes_outside looks at (and the ones it needs to follow
# processes and their working directories).
ACT_STRACE_CALLS=open,openat,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mkdir,mkdirat,unlink,unlinkat,rmdir,chmod,fchmod,fchmodat,chown,fchown,fchownat,lchown,truncate,ftruncate,utimensat,execve,chdir,fchdir,clone,clone3,fork,vfork

# writes_outside PREFIX CWD ALLOWED...: read the per-process traces PREFIX.PID
# of "strace -ff -y -e trace=$ACT_STRACE_CALLS" (the first process started in
# CWD) and print every write-class call on a path outside the ALLOWED trees
# (and /dev/null, /dev/tty), and every execve of ldconfig, sudo and the like.
# Prints nothing when all is well.
writes_outside() {
    python3 - "$@" <<'PY'
import glob, os, re, sys
prefix, cwd0, *allowed = sys.argv[1:]
allowed = [os.path.realpath(a) for a in allowed] + ["/dev/null", "/dev/tty", "/dev/pts"]
events = {}
for f in glob.glob(prefix + ".*"):
    pid = int(f.rsplit(".", 1)[1])
    events[pid] = [l.rstrip("\n") for l in open(f, errors="replace")]
children = {}
for pid, lines in events.items():
    for l in lines:
        m = re.match(r"(clone3?|v?fork)\(.*\) += (\d+)", l)
        if m:
            children[int(m.group(2))] = pid
roots = [p for p in events if p not in children]
WRITE = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
bad = []
def ok(p):
    p = os.path.normpath(p)
    return any(p == a or p.startswith(a + "/") for a in allowed)
def at(dirfd, p, cwd):
    if p.startswith("/"):
        return p
    m = re.match(r"\d+<(.*)>$", dirfd or "")
    return os.path.join(m.group(1) if m else cwd, p)
queue = [(p, cwd0) for p in roots]
while queue:
    pid, cwd = queue.pop()
    for line in events.get(pid, []):
        m = re.match(r"(\w+)\((.*)\) += (-?\d+|\?)(.*)$", line)
        if not m:
            continue
        call, args, ret, rest = m.groups()
        strs = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
        fds = re.findall(r"(AT_FDCWD|\d+<[^>]*>)", args)
        failed = ret.startswith("-")
        if call in ("clone", "clone3", "fork", "vfork"):
            if not failed and ret != "?":
                queue.append((int(ret), cwd))
            continue
        if call == "chdir":
            if not failed:
                cwd = os.path.normpath(at(None, strs[0], cwd))
            continue
        if call == "fchdir":
            m2 = re.match(r"\d+<(.*)>", args)
            if not failed and m2:
                cwd = m2.group(1)
            continue
        if call == "execve":
            if strs and re.search(r"/(ldconfig|sudo|su|doas|pkexec)$", strs[0]):
                bad.append("executes " + strs[0])
            continue
        if call in ("open", "openat", "creat"):
            if call != "creat" and not WRITE.search(args):
                continue
            p = at(fds[0] if call == "openat" and fds else None, strs[0] if strs else "", cwd)
            if not ok(p):
                bad.append(line)
            continue
        if call in ("fchmod", "fchown", "ftruncate"):
            m2 = re.match(r"\d+<(.*?)>", args)
            if m2 and not ok(m2.group(1)):
                bad.append(line)
            continue
        if call in ("mkdir", "mkdirat") and "EEXIST" in rest:
            continue
        if call == "symlink":
            paths = [at(None, strs[-1], cwd)]
        elif call == "symlinkat":
            paths = [at(fds[0] if fds else None, strs[-1], cwd)]
        elif call.endswith("at") or call == "renameat2":
            paths = [at(d, p, cwd) for d, p in zip(fds, strs)]
        else:
            paths = [at(None, p, cwd) for p in strs]
        if any(not ok(p) for p in paths):
            bad.append(line)
print("\n".join(bad))
PY
}

# Sleep $1 seconds without starting a process (read -t on a pipe nobody
# writes to; the pipe is made once per test).
act_sleep() {
    [ -n "${_ACT_SLEEP_FD:-}" ] || exec {_ACT_SLEEP_FD}<> <(:)
    read -r -t "$1" -u "$_ACT_SLEEP_FD" _ || true
}

# Wait at most $2 seconds (default 10) for file $1 to exist.
wait_for_file() {
    local i n=$((${2:-10} * 50))
    for ((i = 0; i < n; i++)); do
        [ -e "$1" ] && return 0
        act_sleep 0.02
    done
    return 1
}

# ---- interactive shells in tmux (hook.bats) ----

# Start SHELL... in a detached tmux session of its own server (socket under
# the test's directory), in $HOME, with exactly the environment given in the array
# TMUX_ENV ("NAME=value" words) plus TERM and LANG. Sets TMX.
tmx_start() {
    TMX=$T/tmux.sock
    tmux -S "$TMX" -f /dev/null new-session -d -s t -x 200 -y 50 -c "$HOME" \
        env -i TERM=xterm-256color LANG=C.UTF-8 "${TMUX_ENV[@]}" "$@" ||
        fail "tmux did not start"
}

tmx_stop() {
    [ -n "${TMX:-}" ] && [ -S "$TMX" ] && tmux -S "$TMX" kill-server 2>/dev/null
    TMX=
    return 0
}

# Type the literal text $1, then Enter.
tmx_type() {
    tmux -S "$TMX" send-keys -t t -l -- "$1" && tmux -S "$TMX" send-keys -t t Enter
}

# Send tmux key names (Tab, C-u, ...).
tmx_keys() {
    tmux -S "$TMX" send-keys -t t "$@"
}

tmx_pane() {
    tmux -S "$TMX" capture-pane -p -J -t t
}

# Does the pane match the ERE $1 within $2 seconds?
tmx_pane_matches() {
    local i n=$((${2:-5} * 20))
    for ((i = 0; i < n; i++)); do
        tmx_pane | grep -Eq -- "$1" && return 0
        act_sleep 0.05
    done
    return 1
}

# Wait at most $2 seconds (default 5) for the pane to match the ERE $1.
tmx_wait_pane() {
    local i n=$((${2:-5} * 20))
    for ((i = 0; i < n; i++)); do
        tmx_pane | grep -Eq -- "$1" && return 0
        act_sleep 0.05
    done
    printf 'pane does not match /%s/ after %ss:\n%s\n' "$1" "${2:-5}" "$(tmx_pane)" | fail
}
