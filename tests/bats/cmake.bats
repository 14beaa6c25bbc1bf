#!/usr/bin/env bats
# cuenv export cmake with the real cmake and real NVIDIA bits: a small project
# (tests/cmake: find_package(CUDAToolkit), CUDA::cudart, the cuDNN hints, and
# a .cu file with the CUDA language) configured with the toolchain file or
# the preset against an env installed from the machine's own CUDA 13.0 and
# cuDNN 9 (build/real-mirror, made by tests/fixtures/mkrealmirror.py as in
# real_cuda.bats), while /usr/local/cuda is present: CMakeCache.txt, the link
# line, the binary's RUNPATH and ldd, and the programs' output show the env,
# never /usr/local/cuda. A configure without the toolchain file shows that
# CMake would otherwise take /usr/local/cuda.
#
# To keep the install short the source here is a subset of the real one:
# the components nvcc and libcudart need (cuda_cudart, cuda_nvcc, cuda_crt,
# libnvvm, cuda_cccl) and cuDNN, the same archives (hard links), a filtered
# manifest. Skipped, with the reason, where $CUENV_REAL_CUDA_HOME/bin/nvcc
# (default /usr/local/cuda) or its cuDNN is absent.
#
# shellcheck disable=SC2030,SC2031

load helper

SUBSET="cuda_cudart cuda_nvcc cuda_crt libnvvm cuda_cccl"

setup_file() {
    export REAL_HOME=${CUENV_REAL_CUDA_HOME:-/usr/local/cuda}
    export REAL_SKIP=
    if [ ! -x "$REAL_HOME/bin/nvcc" ]; then
        export REAL_SKIP="no real CUDA here: $REAL_HOME/bin/nvcc is absent (set CUENV_REAL_CUDA_HOME to a CUDA installation to run these)"
        return 0
    fi
    command -v cmake >/dev/null || {
        echo "cmake is not installed: run 'make deps'" >&2
        return 1
    }
    export PATH=/usr/bin:/bin
    local base=$CUENV_SRC/build/real-mirror
    mkdir -p "$CUENV_SRC/build"
    (
        flock -w 1800 9 || exit 1
        timeout -k 5 1800 python3 "$FIXTURES/mkrealmirror.py" "$base" --cuda-home "$REAL_HOME" \
            ${CUENV_REAL_CUDNN_HOME:+--cudnn-home "$CUENV_REAL_CUDNN_HOME"} \
            ${CUENV_REAL_EXCLUDE:+--exclude "$CUENV_REAL_EXCLUDE"} --quiet
    ) 9>"$base.lock" >"$BATS_FILE_TMPDIR/mkrealmirror.out" 2>"$BATS_FILE_TMPDIR/mkrealmirror.err" || {
        echo "mkrealmirror.py failed: $(cat "$BATS_FILE_TMPDIR/mkrealmirror.err")" >&2
        return 1
    }
    # The subset source, and the names of what it holds.
    local sub=$BATS_FILE_TMPDIR/source
    eval "$(python3 - "$base" "$sub" $SUBSET <<'PY'
import json, os, shlex, shutil, sys
base, sub, keep = sys.argv[1], sys.argv[2], set(sys.argv[3:])
info = json.load(open(os.path.join(base, "real.json")))
c, n = info["cuda"], info["cudnn"]
def link(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
m = json.load(open(os.path.join(base, c["manifest"])))
for k in [k for k, v in m.items() if isinstance(v, dict)]:
    if k not in keep:
        del m[k]
        continue
    for leaf in [v for p, v in m[k].items() if isinstance(v, dict) and "relative_path" in v]:
        rp = leaf["relative_path"]
        link(os.path.join(base, "cuda/redist", rp), os.path.join(sub, "cuda/redist", rp))
os.makedirs(os.path.join(sub, "cuda/redist"), exist_ok=True)
json.dump(m, open(os.path.join(sub, c["manifest"]), "w"), indent=4)
print("export REAL_LABEL=%s" % shlex.quote(c["label"]))
print("export REAL_CUDART=%d" % c["cudart_version"])
if n:
    dm = json.load(open(os.path.join(base, n["manifest"])))
    link(os.path.join(base, n["manifest"]), os.path.join(sub, n["manifest"]))
    for plat in dm["cudnn"].values():
        if isinstance(plat, dict):
            for leaf in plat.values():
                if isinstance(leaf, dict) and "relative_path" in leaf:
                    rp = leaf["relative_path"]
                    link(os.path.join(base, "cudnn/redist", rp), os.path.join(sub, "cudnn/redist", rp))
    print("export REAL_CUDNN=%s REAL_CUDNN_NUM=%d" % (shlex.quote(n["version"]), n["cudnn_version"]))
else:
    print("export REAL_CUDNN=")
PY
    )" || return 1
    if [ -z "$REAL_CUDNN" ] || [ "${REAL_CUDNN%%.*}" != 9 ]; then
        export REAL_SKIP="$REAL_HOME has no cuDNN 9 next to CUDA: nothing to pair"
        return 0
    fi
    export REAL_SPEC=${REAL_LABEL%.*}+cudnn9
    export REAL_ENV=cuda-$REAL_LABEL+cudnn-$REAL_CUDNN-devel
    # helper.bash's file server, on the real source, for the whole file.
    MIRROR="$sub" file_server_start --lifetime 3600 || return 1
    export REAL_URL=$FILE_FS_URL
    export REAL_ROOT=$BATS_FILE_TMPDIR/root REAL_CACHE=$BATS_FILE_TMPDIR/cache
    local d=$BATS_FILE_TMPDIR/install t0 t1
    mkdir -p "$d/home"
    t0=$(date +%s%N)
    (
        cd "$d" || exit 1
        unset CUDA_HOME CUDA_PATH LD_LIBRARY_PATH CUENV_VERSION CUENV_PROFILE CUENV_PLATFORM CUENV_JOBS
        HOME=$d/home CUENV_ROOT=$REAL_ROOT CUENV_CACHE=$REAL_CACHE CUENV_CONFIG=/dev/null \
            CUENV_MIRROR=$REAL_URL NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 \
            http_proxy=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1 \
            timeout -k 5 1200 "$CUENV" install "$REAL_SPEC" >"$d/stdout" 2>"$d/stderr"
        echo $? >"$d/status"
    ) 3>&-
    t1=$(date +%s%N)
    echo "# cuenv install $REAL_SPEC ($SUBSET, cudnn) from the real bits: exit $(cat "$d/status"), $(((t1 - t0) / 1000000)) ms" >&3
}

teardown_file() {
    file_server_stop
    [ -z "${REAL_ROOT:-}" ] || chmod -R u+w "$REAL_ROOT" 2>/dev/null || true
}

setup() {
    [ -z "${REAL_SKIP:-}" ] || skip "$REAL_SKIP"
    cuenv_setup
    # No /usr/local/bin (an nvcc wrapper for /usr/local/cuda lives there) and no CUDA variable.
    export PATH=/usr/bin:/bin
    unset CUDA_ROOT CUDAToolkit_ROOT CUDNN_PATH CUDNN_HOME CUDNN_ROOT CUENV_ACTIVE CMAKE_PREFIX_PATH
    export CUENV_ROOT=$REAL_ROOT CUENV_CACHE=$REAL_CACHE CUENV_MIRROR=$REAL_URL
    T=$BATS_TEST_TMPDIR
    E=$REAL_ROOT/envs/$REAL_ENV
    [ "$(cat "$BATS_FILE_TMPDIR/install/status")" = 0 ] && [ -x "$E/bin/nvcc" ] ||
        fail "the install of $REAL_SPEC in setup_file failed: $(cat "$BATS_FILE_TMPDIR/install/stderr")"
    cp -r "$CUENV_SRC/tests/cmake" "$T/src"
    cd "$T" || return 1
}

# $1 as an ERE matching itself (env names hold '+' and '.').
re_quote() {
    sed 's/[][\\.*^$+?(){}|]/\\&/g' <<<"$1"
}

# run with a time limit, stdout and stderr apart.
trun() { run --separate-stderr timeout -k 5 "${TLIMIT:-300}" "$@"; }

# Everything says the env and nothing says /usr/local/cuda: the CMake cache
# $1/CMakeCache.txt, the probe's link line, its RUNPATH, what ldd resolves,
# and its output (headers and library of the env's versions).
assert_built_with_env() {
    local b=$1 er
    # The env's path as an ERE, or its real path (CMake resolves some links).
    er="($(re_quote "$E")|$(re_quote "$(realpath "$E")"))"
    run grep -E '^(CUDAToolkit_|CUDA_cudart|CUDA_CUDART|CUDNN_)[^:]*:(FILE)?PATH=' "$b/CMakeCache.txt"
    assert_success
    echo "$output"
    refute_output --partial /usr/local/cuda
    assert_line "CUDAToolkit_NVCC_EXECUTABLE:FILEPATH=$E/bin/nvcc"
    assert_line --regexp "^CUDA_cudart_LIBRARY:FILEPATH=$er/lib/libcudart\.so$"
    run grep -h "probe: " "$b/configure.out"
    assert_line "-- probe: CUDAToolkit_BIN_DIR=$E/bin"
    assert_line --regexp "^-- probe: CUDAToolkit_VERSION=${REAL_LABEL%.*}\."
    refute_output --partial /usr/local/cuda
    # The link line names the env's libcudart and libcudnn.
    run cat "$b/CMakeFiles/probe.dir/link.txt"
    assert_output --regexp "$er/lib/libcudart\.so"
    assert_output --partial "$E/lib/libcudnn.so"
    refute_output --partial /usr/local/cuda
    run readelf -d "$b/probe"
    assert_output --regexp "R(UN)?PATH.*$er/lib"
    run ldd "$b/probe"
    assert_line --regexp "^[[:space:]]+libcudart\.so\.${REAL_LABEL%%.*} => $er/lib/"
    assert_line --regexp "^[[:space:]]+libcudnn\.so\.9 => $er/lib/"
    refute_output --partial /usr/local/cuda
    run "$b/probe"
    assert_success
    assert_line "cudart headers $REAL_CUDART library $REAL_CUDART"
    assert_line "cudnn headers $REAL_CUDNN_NUM library $REAL_CUDNN_NUM"
}

@test "cmake: without cuenv's file, find_package(CUDAToolkit) takes /usr/local/cuda here (the control)" {
    [ -d /usr/local/cuda/include ] || skip "no /usr/local/cuda toolkit to be picked by mistake"
    trun cmake -S "$T/src" -B "$T/b0"
    assert_success
    assert_output --partial "probe: CUDAToolkit_BIN_DIR=/usr/local/cuda"
}

@test "cmake toolchain file: find_package(CUDAToolkit), CUDA::cudart and the cuDNN hints take the env" {
    "$CUENV" export cmake "$REAL_SPEC" >"$T/cuenv.cmake"
    grep -qx "set(CUDAToolkit_ROOT \"$E\" CACHE PATH \"CUDA Toolkit (cuenv)\")" "$T/cuenv.cmake"
    trun cmake -S "$T/src" -B "$T/b" -DCMAKE_TOOLCHAIN_FILE="$T/cuenv.cmake"
    echo "$output" >"$T/b/configure.out"
    assert_success
    trun cmake --build "$T/b" --verbose
    assert_success
    assert_built_with_env "$T/b"
}

@test "cmake toolchain file: project(... CUDA) compiles a .cu with the env's nvcc" {
    "$CUENV" export cmake "$REAL_SPEC" >"$T/cuenv.cmake"
    trun cmake -S "$T/src" -B "$T/b" -DCMAKE_TOOLCHAIN_FILE="$T/cuenv.cmake" -DPROBE_CUDA=ON
    echo "$output" >"$T/b/configure.out"
    assert_success
    assert_line "-- probe: CMAKE_CUDA_COMPILER=$E/bin/nvcc"
    assert_line "-- probe: CMAKE_CUDA_COMPILER_TOOLKIT_ROOT=$E"
    grep -qxE "CMAKE_CUDA_COMPILER:(FILEPATH|STRING)=$(re_quote "$E")/bin/nvcc" "$T/b/CMakeCache.txt"
    trun cmake --build "$T/b" --verbose
    assert_success
    # The compile line runs the env's nvcc.
    assert_line --regexp "^$(re_quote "$E")/bin/nvcc .*kernel\.cu"
    refute_output --partial /usr/local/cuda
    run ldd "$T/b/kernel"
    refute_output --partial /usr/local/cuda
    run "$T/b/kernel"
    assert_success
    assert_line --regexp "^kernel cudart $REAL_CUDART \(nvcc ${REAL_LABEL%%.*}\.$(cut -d. -f2 <<<"$REAL_LABEL")\)$"
    assert_built_with_env "$T/b"
}

@test "cmake preset: 'cmake --preset cuenv' with the exported CMakePresets.json takes the env" {
    "$CUENV" export cmake "$REAL_SPEC" --format preset >"$T/src/CMakePresets.json"
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["version"] == 3' "$T/src/CMakePresets.json"
    cd "$T/src"
    trun cmake --preset cuenv
    mkdir -p "$T/src/build/cuenv"
    echo "$output" >"$T/src/build/cuenv/configure.out"
    assert_success
    trun cmake --build "$T/src/build/cuenv"
    assert_success
    assert_built_with_env "$T/src/build/cuenv"
}
