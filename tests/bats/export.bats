#!/usr/bin/env bats
# cuenv export direnv|dockerfile|devcontainer (cmake: cmake.bats).
#
# direnv: the real Debian direnv, in a temporary HOME: 'direnv allow', then
# 'direnv exec' and a shell session of 'direnv export bash' give exactly the
# variables of 'cuenv env', reload when the pin changes (watch_file) and give
# back the start on leaving.
# Containers: no Docker engine here, so tests/fixtures/run_dockerfile.py runs
# the Dockerfile's instructions in a temporary root (cuenv copied in from this
# build as 'make install' lays it out, a fault_server.py mirror on 127.0.0.1),
# and the devcontainer.json's postCreateCommand runs with its containerEnv;
# the environment they end with is 'cuenv env' of the env they installed.
#
# shellcheck disable=SC2016

load helper
load activation_helper
load interop_helper

setup_file() { act_setup_file; }

setup() {
    act_setup
    install_setup_vars
    mkdir -p "$T/bin"
    ln -s "$CUENV" "$T/bin/cuenv"
    command -v direnv >/dev/null || fail "direnv is not installed: run 'make deps'"
}

teardown() { install_teardown; }

# What install_setup sets besides cuenv_setup (act_setup did that).
install_setup_vars() {
    FS_PIDS=
    BG_PIDS=
}

# Run bash script $1 in a clean environment: cuenv on PATH ($T/bin), direnv's
# configuration and data in $HOME, interop_helper.bash's functions.
sh_run() {
    {
        interop_funcs
        echo "$1"
    } >"$T/script.bash"
    trun env -i HOME="$HOME" T="$T" PATH="$T/bin:/usr/bin:/bin" CUENV="$CUENV" \
        CUENV_ROOT="$CUENV_ROOT" CUENV_CACHE="$CUENV_CACHE" CUENV_CONFIG=/dev/null \
        CUENV_MIRROR="$CUENV_MIRROR" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" DIRENV_LOG_FORMAT= \
        LANG=C.UTF-8 PA="$PA" PB="$PB" PC="$PC" PD="$PD" bash "$T/script.bash"
}

# ---- direnv ----

@test "export direnv: an .envrc that watches the pin and evals 'cuenv env'; SPEC and errors" {
    cd "$PA"
    trun "$CUENV" export direnv
    assert_success
    assert_stderr ""
    assert_line 'watch_file .cuda-version cuenv.lock'
    assert_line 'eval "$(cuenv env --shell bash)"'
    # Below the pin: the watched files are the pin's, relative.
    mkdir -p "$PA/src/deep"
    cd "$PA/src/deep"
    trun "$CUENV" export direnv
    assert_line 'watch_file ../../.cuda-version ../../cuenv.lock'
    trun "$CUENV" export direnv 12.4+cudnn9 --profile devel
    assert_success
    refute_line --partial watch_file
    assert_line 'eval "$(cuenv env 12.4+cudnn9 --profile devel --shell bash)"'
    trun "$CUENV" export direnv 11.8
    assert_failure 3
    assert_stderr_line "^cuenv: error: '11.8' \(given on the command line\) is not installed$"
    cd "$T"
    trun "$CUENV" export direnv
    assert_failure 3
    assert_stderr_line '^cuenv: error: no CUDA pin here'
    trun "$CUENV" export direnv --lib 12.4
    assert_failure 2
    trun "$CUENV" export direnv --format preset
    assert_failure 2
    assert_stderr_line "^cuenv: error: '--format' does not apply to 'export direnv'$"
    trun "$CUENV" export
    assert_failure 2
    trun "$CUENV" export podman
    assert_failure 2
    assert_stderr_line "^cuenv: error: unknown export 'podman' \(direnv, cmake, devcontainer or dockerfile\)$"
}

@test "direnv: 'direnv exec' in an allowed project gives 'cuenv env' exactly (user LD_LIBRARY_PATH kept)" {
    cd "$PD"
    "$CUENV" export direnv >.envrc
    sh_run '
export LD_LIBRARY_PATH="/opt/user lib" CUDA_HOME=/opt/mine
cd "$PD" && want "" "$T/want"
direnv allow "$PD" || exit 9
declare -f snap >"$T/snap.bash"; echo "snap \"\$1\"" >>"$T/snap.bash"
cd / && direnv exec "$PD" bash "$T/snap.bash" "$T/got" || exit 8'
    assert_success
    assert_same_file "$T/want" "$T/got"
    grep -qx "CUENV_ACTIVE=$ENV124DNN" "$T/got"
    grep -qx "LD_LIBRARY_PATH=$E124DNN/lib:/opt/user lib" "$T/got"
}

@test "direnv: a shell session loads on entering, reloads when the pin changes, restores on leaving" {
    cd "$PA"
    "$CUENV" export direnv >.envrc
    sh_run '
export LD_LIBRARY_PATH=/opt/lib
envdump "$T/before"
direnv allow "$PA" || exit 9
cd "$PA" && want "" "$T/want124"
eval "$(direnv export bash)"
snap "$T/got124"
cuenv use -q 12.6 || exit 8
# direnv compares modification times in seconds: the edit comes later.
touch -d "@$(( $(date +%s) + 5 ))" .cuda-version
eval "$(direnv export bash)"
snap "$T/got126"
cd / && eval "$(direnv export bash)"
envdump "$T/after"
cd "$PA" && want "" "$T/want126"'
    assert_success
    assert_same_file "$T/want124" "$T/got124"
    grep -qx "CUENV_ACTIVE=$ENV124" "$T/got124"
    assert_same_file "$T/want126" "$T/got126"
    grep -qx "CUENV_ACTIVE=$ENV126" "$T/got126"
    grep -qx "LD_LIBRARY_PATH=$E126/lib:/opt/lib" "$T/got126"
    assert_same_file "$T/before" "$T/after"
}

@test "direnv --lib: 'use cuenv' and 'use cuenv SPEC' from direnvrc; a missing env is an error, not a silent no-op" {
    mkdir -p "$XDG_CONFIG_HOME/direnv"
    "$CUENV" export direnv --lib >"$XDG_CONFIG_HOME/direnv/direnvrc"
    echo 'use cuenv' >"$PB/.envrc"
    mkdir -p "$PB/sub"
    echo 'use cuenv 12.6' >"$PB/sub/.envrc"
    sh_run '
declare -f snap >"$T/snap.bash"; echo "snap \"\$1\"" >>"$T/snap.bash"
direnv allow "$PB" && direnv allow "$PB/sub" || exit 9
cd "$PB" && want "" "$T/wantB" && want 12.6 "$T/want126"
cd / && direnv exec "$PB" bash "$T/snap.bash" "$T/gotB" || exit 8
direnv exec "$PB/sub" bash "$T/snap.bash" "$T/got126" || exit 7
# The pin of PB is watched from the subdirectory too (the nearest pin up).
cd "$PB/sub" && eval "$(direnv export bash)" && echo "$DIRENV_WATCHES" >"$T/watches"'
    assert_success
    assert_same_file "$T/wantB" "$T/gotB"
    grep -qx "CUENV_ACTIVE=$ENV130DNN" "$T/gotB"
    assert_same_file "$T/want126" "$T/got126"
    run direnv show_dump "$(cat "$T/watches")"
    assert_output --partial "$PB/.cuda-version"
    # An env that is not installed: direnv reports cuenv's error.
    echo 'use cuenv 11.8' >"$PB/sub/.envrc"
    sh_run 'direnv allow "$PB/sub"; cd "$PB/sub" && eval "$(direnv export bash 2>"$T/err")"; echo "${CUENV_ACTIVE-unset}" >"$T/active"'
    assert_success
    grep -q "cuenv: error: '11.8' (given on the command line) is not installed" "$T/err"
    [ "$(cat "$T/active")" = unset ]
}

# ---- containers ----

# The build context of a container test: the pinned project $1's pin and lock,
# and cuenv as 'make install DESTDIR=cuenv-dist PREFIX=/usr/local' lays it out.
# Sets CTX and R (the temporary root).
make_context() {
    CTX=$T/ctx R=$T/container
    mkdir -p "$CTX/cuenv-dist/usr/local/bin" "$CTX/cuenv-dist/usr/local/libexec/cuenv" "$R/tmp" "$R/root"
    cp "$1/.cuda-version" "$1/cuenv.lock" "$CTX/"
    cp "$CUENV" "$CTX/cuenv-dist/usr/local/bin/cuenv"
    cp "${CUENV%/*}/cuenv-shim" "$CTX/cuenv-dist/usr/local/libexec/cuenv/cuenv-shim"
}

# The variables of a container: 'cuenv env NAME' with the container's root
# and base environment, as snap lines, into $2.
container_want() {
    env -i PATH="$R/usr/local/bin:/usr/bin:/bin" HOME="$R/root" CUENV_ROOT="$R/opt/cuenv" \
        "$CUENV" env "$1" --shell json | python3 -c 'import json, sys
d = json.load(sys.stdin)
for v in sys.argv[1:]:
    print("%s=%s" % (v, d[v]) if d.get(v) is not None else "%s unset" % v)' "${ACT_VARS[@]}" >"$2"
}

# The same lines from a JSON object of variables ($1), into $2.
json_snap() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for v in sys.argv[2:]:
    print("%s=%s" % (v, d[v]) if d.get(v) is not None else "%s unset" % v)' "$1" "${ACT_VARS[@]}" >"$2"
}

# Run $CTX/Dockerfile in $R with the fault server as mirror.
run_dockerfile() {
    trun python3 "$FIXTURES/run_dockerfile.py" "$CTX/Dockerfile" --context "$CTX" --root "$R" \
        --skip-apt --build-arg CUENV_MIRROR="$FS_URL" --env-out "$T/docker-env.json" \
        --env PATH="/usr/local/bin:/usr/bin:/bin" --env HOME="$R/root" --env TMPDIR="$R/tmp" \
        --env http_proxy=http://127.0.0.1:1 --env https_proxy=http://127.0.0.1:1 \
        --env no_proxy=127.0.0.1 --env NO_PROXY=127.0.0.1 "$@"
}

@test "export dockerfile: its lines, run in a temporary root, install exactly the lock from a mirror and set 'cuenv env'" {
    MIRROR=$ACT_MIRROR fault_start
    cd "$PD"
    make_context "$PD"
    trun "$CUENV" export dockerfile --root "$R/opt/cuenv"
    assert_success
    assert_stderr ""
    printf 'FROM debian:12\n%s\n' "$output" >"$CTX/Dockerfile"
    # The image's PATH has /usr/local/bin: in the temporary root, $R/usr/local/bin.
    TLIMIT=120 run_dockerfile --env PATH="$R/usr/local/bin:/usr/bin:/bin"
    assert_success
    assert_stderr_line '^run_dockerfile: skipped: RUN apt-get update && apt-get install'
    # The packages it would install exist under those names (this machine is Debian 12).
    apt-cache show ca-certificates libcurl4 libarchive13 libssl3 libjansson4 >/dev/null
    local e=$R/opt/cuenv/envs/$ENV124DNN
    [ -f "$e/.cuenv/receipt" ] || fail "no env at $e: $(ls -R "$R/opt" 2>&1 | head)"
    assert_env_files_like "$e" "$E124DNN"
    # From the mirror, and the download cache went with the RUN.
    [ "$(hits '*.tar.xz')" -gt 0 ] || fail "nothing came from the mirror"
    [ -z "$(ls -A "$R/tmp")" ] || fail "left in /tmp: $(ls -A "$R/tmp")"
    container_want "$ENV124DNN" "$T/want"
    json_snap "$T/docker-env.json" "$T/got"
    assert_same_file "$T/want" "$T/got"
    # The image's PATH runs the env's nvcc.
    run env -i PATH="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["PATH"])' "$T/docker-env.json")" nvcc --version
    assert_success
    assert_line "nvcc path: $e/bin/nvcc"
}

# Same relative paths and file contents in env prefixes $1 and $2 (their
# receipts aside: they name the source each came from).
assert_env_files_like() {
    diff <(env_tree "$1" | grep -v '\.cuenv/receipt$') <(env_tree "$2" | grep -v '\.cuenv/receipt$') >&2 ||
        fail "$1 differs from $2"
}

@test "export dockerfile SPEC: the installed env's exact pair, without a lock" {
    MIRROR=$ACT_MIRROR fault_start
    cd "$T"
    make_context "$PC"
    rm "$CTX/.cuda-version" "$CTX/cuenv.lock"
    trun "$CUENV" export dockerfile 12.6 --root "$R/opt/cuenv"
    assert_success
    assert_line --regexp '^RUN d=\$\(mktemp -d\) && CUENV_CACHE="\$d" cuenv install --quiet --profile devel 12\.6\.3 && rm -rf "\$d"$'
    refute_line --partial 'COPY .cuda-version'
    echo "$output" >"$CTX/Dockerfile"
    TLIMIT=120 run_dockerfile --env PATH="$R/usr/local/bin:/usr/bin:/bin"
    assert_success
    assert_env_files_like "$R/opt/cuenv/envs/$ENV126" "$E126"
    container_want "$ENV126" "$T/want"
    json_snap "$T/docker-env.json" "$T/got"
    assert_same_file "$T/want" "$T/got"
    # A pair with cuDNN: the spec names the cuDNN release exactly.
    trun "$CUENV" export dockerfile 12.4+cudnn9
    assert_line --partial 'cuenv install --quiet --profile devel 12.4.1+cudnn9.14.0 '
}

@test "export devcontainer: valid JSON; postCreateCommand with containerEnv installs the lock; the variables are 'cuenv env'" {
    MIRROR=$ACT_MIRROR fault_start
    cd "$PB"
    R=$T/container
    mkdir -p "$R/root" "$R/usr/local/bin" "$T/ws"
    cp "$CUENV" "$R/usr/local/bin/cuenv"
    cp "${CUENV%/*}/cuenv-shim" "$R/usr/local/bin/cuenv-shim"
    trun "$CUENV" export devcontainer --root "$R/opt/cuenv"
    assert_success
    echo "$output" >"$T/devcontainer.json"
    # The workspace: the project's pin and lock.
    cp "$PB/.cuda-version" "$PB/cuenv.lock" "$T/ws/"
    python3 - "$T/devcontainer.json" "$R" "$T/ws" "$FS_URL" "$T/container-env.json" <<'PY'
import json, os, subprocess, sys
path, root, ws, mirror, out = sys.argv[1:]
d = json.load(open(path))
assert set(d) == {"name", "containerEnv", "remoteEnv", "postCreateCommand"}, d.keys()
assert isinstance(d["postCreateCommand"], str) and d["postCreateCommand"] == "cuenv install --locked --quiet"
ce, re_ = d["containerEnv"], d["remoteEnv"]
assert all(isinstance(v, str) for v in list(ce.values()) + list(re_.values()))
assert ce["CUENV_ROOT"] == root + "/opt/cuenv"
# The container's own environment, then containerEnv; postCreateCommand runs
# in the workspace folder, as the devcontainer CLI does.
env = {"PATH": root + "/usr/local/bin:/usr/bin:/bin", "HOME": root + "/root",
       "CUENV_MIRROR": mirror, "http_proxy": "http://127.0.0.1:1", "no_proxy": "127.0.0.1"}
env.update(ce)
subprocess.run(["/bin/sh", "-c", d["postCreateCommand"]], cwd=ws, env=env, check=True, timeout=120)
# remoteEnv: ${containerEnv:NAME} is the container's value.
final = dict(env)
for k, v in re_.items():
    for name, val in env.items():
        v = v.replace("${containerEnv:%s}" % name, val)
    assert "${" not in v, v
    final[k] = v
del final["CUENV_MIRROR"], final["http_proxy"], final["no_proxy"]
json.dump(final, open(out, "w"))
PY
    assert_env_files_like "$R/opt/cuenv/envs/$ENV130DNN" "$E130DNN"
    [ "$(hits '*.tar.xz')" -gt 0 ] || fail "nothing came from the mirror"
    container_want "$ENV130DNN" "$T/want"
    json_snap "$T/container-env.json" "$T/got"
    assert_same_file "$T/want" "$T/got"
}

@test "export dockerfile|devcontainer: no lock, a stale lock, CUENV_VERSION, an uninstalled SPEC, a relative --root" {
    cd "$PA"
    rm cuenv.lock
    trun "$CUENV" export dockerfile
    assert_failure 3
    assert_stderr_line "^cuenv: error: there is no lock '$PA/cuenv.lock'$"
    assert_stderr_line "^hint: give a SPEC, or run 'cuenv use 12.4' where the pin is to write cuenv.lock$"
    cd "$PB"
    echo 12.6 >.cuda-version
    trun "$CUENV" export devcontainer
    assert_failure 3
    assert_stderr_line "no longer matches"
    trun env CUENV_VERSION=12.4 "$CUENV" export dockerfile
    assert_failure 3
    assert_stderr_line '^cuenv: error: the pin comes from CUENV_VERSION, which has no lock$'
    trun "$CUENV" export devcontainer 11.8
    assert_failure 3
    assert_stderr_line "^hint: run 'cuenv install 11.8'$"
    trun "$CUENV" export dockerfile 12.4 --root opt/cuenv
    assert_failure 2
    assert_stderr_line "^cuenv: error: --root needs an absolute path, not 'opt/cuenv'$"
    trun "$CUENV" export dockerfile --lib
    assert_failure 2
}

# ---- cmake (the text; real builds: cmake.bats) ----

@test "export cmake: cache hints per env (no cuDNN, no nvcc), read back exactly by cmake -P even with ; \$ \" in the path" {
    trun "$CUENV" export cmake 12.6
    assert_success
    assert_line "set(CUDAToolkit_ROOT \"$E126\" CACHE PATH \"CUDA Toolkit (cuenv)\")"
    assert_line "set(CMAKE_CUDA_COMPILER \"$E126/bin/nvcc\" CACHE FILEPATH \"nvcc (cuenv)\")"
    assert_line '# The env has no cuDNN: no CUDNN_* hints.'
    refute_line --regexp '^set\(CUDNN'
    trun "$CUENV" export cmake 12.4 --profile runtime
    assert_success
    assert_line '# The env has no nvcc (runtime profile?): CMAKE_CUDA_COMPILER is not set.'
    refute_line --partial 'set(CMAKE_CUDA_COMPILER'
    # A root whose path CMake would split or expand unless quoted right. (Not
    # a backslash: CMake turns it into '/' in a PATH cache entry.)
    local root="$T/a;b \$x \"q\" (1)"
    mkdir -p "$root/tmp" "$root/locks" "$root/store"
    act_copy_root "$root"
    CUENV_ROOT=$root "$CUENV" export cmake 12.4+cudnn9 >"$T/tc.cmake"
    cat >"$T/show.cmake" <<'CM'
include("${TC}")
foreach(v CUDAToolkit_ROOT CMAKE_CUDA_COMPILER CUDNN_ROOT CUDNN_INCLUDE_DIR CUDNN_LIBRARY)
  message("${v}=${${v}}")
endforeach()
list(LENGTH CMAKE_PREFIX_PATH n)
list(GET CMAKE_PREFIX_PATH 0 first)
message("prefix ${n} ${first}")
CM
    trun cmake -DTC="$T/tc.cmake" -P "$T/show.cmake"
    assert_success
    local e="$root/envs/$ENV124DNN"
    assert_equal "$stderr" "CUDAToolkit_ROOT=$e
CMAKE_CUDA_COMPILER=$e/bin/nvcc
CUDNN_ROOT=$e
CUDNN_INCLUDE_DIR=$e/include
CUDNN_LIBRARY=$e/lib/libcudnn.so
prefix 1 $e"
    # The preset is JSON with the same values.
    CUENV_ROOT=$root "$CUENV" export cmake 12.4+cudnn9 --format preset >"$T/p.json"
    python3 - "$T/p.json" "$e" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = sys.argv[2]
p = d["configurePresets"][0]
assert d["version"] == 3 and p["name"] == "cuenv", d
assert p["cacheVariables"]["CUDAToolkit_ROOT"] == e and p["cacheVariables"]["CUDNN_LIBRARY"] == e + "/lib/libcudnn.so"
assert p["environment"]["PATH"] == e + "/bin:$penv{PATH}" and p["environment"]["CUDNN_HOME"] == e
PY
    trun "$CUENV" export cmake 12.4 --format ninja
    assert_failure 2
    assert_stderr_line "^cuenv: error: unknown format 'ninja' \(toolchain or preset\)$"
    trun "$CUENV" export cmake 11.8
    assert_failure 3
}
