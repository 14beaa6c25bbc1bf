#!/usr/bin/env bats
# cuenv doctor: every check against fakes of the machine (a fake libcuda.so.1 from
# tests/fixtures/fakecuda.c, a fake /proc/driver/nvidia/version, a fake nvidia-smi, fake
# compilers, synthetic ld.so.cache files and libraries, a fake Python environment with
# real ELF files), and against this machine's real ld.so.cache (/usr/local/cuda 13.0).
#
# Seams (src/driver.h, src/doctor.h): CUENV_TEST_DRIVER_VERSION_FILE, CUENV_TEST_LIBCUDA,
# CUENV_TEST_NVIDIA_SMI, CUENV_TEST_LDCACHE. Every test sets all four: nothing of the
# real machine's driver leaks in.

load helper
load activation_helper

setup_file() {
    act_setup_file || return 1
    export FAKE=$BATS_FILE_TMPDIR/fake
    mkdir -p "$FAKE"
    gcc -std=c11 -O1 -Wall -Werror -shared -fPIC -Wl,-soname,libcuda.so.1 \
        -o "$FAKE/libcuda.so.1" "$FIXTURES/fakecuda.c" || return 1
    # An ld.so.cache with no entry at all (glibc's format, nothing in it).
    mk_ldcache "$FAKE/empty.cache"
}

setup() {
    act_setup
    # The store too (act_setup copies envs and shims only): doctor checks it.
    cp -al "$ACT_TEMPLATE/root/store/." "$CUENV_ROOT/store/"
    export CUENV_TEST_DRIVER_VERSION_FILE=$T/no-driver
    export CUENV_TEST_LIBCUDA=none CUENV_TEST_NVIDIA_SMI=none
    export CUENV_TEST_LDCACHE=$FAKE/empty.cache
    unset FAKECUDA_VERSION FAKECUDA_INIT FAKECUDA_GPUS FAKECUDA_HANG NVCC_CCBIN VIRTUAL_ENV CONDA_PREFIX
}

# mk_ldcache OUT [NAME=PATH ...]: a glibc-ld.so.cache1.1 file with these x86_64 entries.
mk_ldcache() {
    python3 - "$@" <<'PY'
import struct, sys
out, pairs = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
head, table, strings = 48, b"", b""
base = head + 24 * len(pairs)
for name, path in pairs:
    key = base + len(strings); strings += name.encode() + b"\0"
    val = base + len(strings); strings += path.encode() + b"\0"
    table += struct.pack("<iIIIQ", 0x0303, key, val, 0, 0)
hdr = b"glibc-ld.so.cache1.1" + struct.pack("<IIB3xI12x", len(pairs), len(strings), 2, 0)
open(out, "wb").write(hdr + table + strings)
PY
}

# proc_version VERSION: the fake /proc/driver/nvidia/version.
proc_version() {
    printf 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  %s  Tue Mar  5 22:23:56 UTC 2024\nGCC version:  gcc version 12.2.0\n' \
        "$1" >"$T/proc-version"
    export CUENV_TEST_DRIVER_VERSION_FILE=$T/proc-version
}

# fake_driver VERSION CUDA_API GPUS: a driver of that version with these GPUs ("name:cc;...").
fake_driver() {
    proc_version "$1"
    export CUENV_TEST_LIBCUDA=$FAKE/libcuda.so.1 FAKECUDA_VERSION=$2 FAKECUDA_GPUS=$3
}

# doctor_json ARGS...: run doctor --json; d is the document in assert_json, and DJ keeps
# it for check.
doctor_json() {
    trun "$CUENV" doctor --json "$@"
    DJ=$output
}

# check ID: the status and text of one check of the last doctor_json, each line of what
# to do after "TODO: ".
check() {
    python3 -c 'import json, sys
d = json.loads(sys.argv[1])
c = [c for c in d["checks"] if c["id"] == sys.argv[2]][0]
print(c["status"]); print(c["found"])
for t in c["todo"].splitlines(): print("TODO: " + t)' "$DJ" "$1"
}

# ---- no driver, no GPU ----

@test "no driver and no GPU: build-only, every check ok, exit 0" {
    doctor_json 12.4+cudnn9
    assert_success
    assert_json '
s = {c["id"]: c["status"] for c in d["checks"]}
assert s["driver"] == "ok" and s["gpus"] == "ok", s
assert d["driver"]["version"] is None and d["gpus"] == [], d["driver"]
assert d["env"]["name"] == "cuda-12.4.1+cudnn-9.14.0.64-devel"
assert set(s) == {"pin", "lock", "store", "driver", "gpus", "compiler", "loader", "python", "vars"}, s
assert d["summary"]["error"] == 0'
    run check driver
    assert_line --partial "no NVIDIA driver: no $T/no-driver, no libcuda.so.1"
    assert_line --partial "build-only: compiling and linking work; running GPU code needs a driver at least 550.54.15"
    run check gpus
    assert_line "no GPU visible"
}

@test "text output: one line per check, what to do after '->', a summary" {
    trun "$CUENV" doctor 12.4+cudnn9
    assert_success
    assert_line "cuenv doctor: cuda-12.4.1+cudnn-9.14.0.64-devel ('12.4+cudnn9', given on the command line) on linux-x86_64"
    assert_line --regexp '^ok       NVIDIA driver      no NVIDIA driver'
    assert_line --regexp '^[0-9]+ checks: [0-9]+ ok, [0-9]+ warnings?, 0 errors$'
}

# ---- the driver ----

@test "driver new enough: ok, with the minimum and where it comes from" {
    fake_driver 550.54.15 12040 "NVIDIA H100 80GB HBM3:9.0"
    doctor_json 12.4+cudnn9
    assert_success
    run check driver
    assert_line ok
    assert_line "driver 550.54.15 ($T/proc-version)"
    assert_line "libcuda: $FAKE/libcuda.so.1, supports CUDA 12.4; cuInit: ok"
    assert_line "CUDA 12.4.1 needs driver 550.54.15 or newer (NVIDIA's release-notes table): met"
}

@test "driver between the minor-version floor and the toolkit minimum: a warning" {
    fake_driver 550.54.15 12040 "NVIDIA L4:8.9"
    doctor_json 12.6
    assert_success
    run check driver
    assert_line warning
    assert_line --partial "below CUDA 12.6.3's minimum 560.35.05, above the minor-version-compatibility floor 525.60.13"
    assert_line --partial "TODO: upgrade the driver to 560.35.05 or newer"
}

@test "driver too old, data-centre GPU, x86_64: error; cuda_compat is a system package there" {
    fake_driver 535.104.05 12020 "NVIDIA H100 80GB HBM3:9.0"
    doctor_json 13.0+cudnn9
    assert_failure 1
    run check driver
    assert_line error
    assert_line --partial "too old for CUDA 13.0.2: it needs 580.95.05 (minor-version compatibility: 580.65.06)"
    assert_line --partial "NVIDIA ships it for linux-x86_64 only as the cuda-compat-13-0 package of its CUDA repositories"
    assert_output --partial "upgrade the driver to 580.95.05 or newer, or install cuda-compat-13-0"
    # The newest CUDA this driver runs, from support.txt.
    assert_output --partial "or use a CUDA this driver runs: the newest is 12.2.2"
}

@test "driver too old, consumer GPU: no forward compatibility, upgrade the driver" {
    fake_driver 535.104.05 12020 "NVIDIA GeForce RTX 4090:8.9"
    doctor_json 13.0+cudnn9
    assert_failure 1
    run check driver
    assert_line error
    assert_line --partial "forward compatibility (NVIDIA's cuda_compat) is only for data-centre GPUs and Jetson; this GPU is not one"
    assert_line --partial "TODO: or use a CUDA this driver runs: the newest is 12.2.2"
    assert_output --partial "upgrade the driver to 580.95.05 or newer"
}

@test "only libcuda answers (no version file): judged by the CUDA version it supports" {
    export CUENV_TEST_LIBCUDA=$FAKE/libcuda.so.1 FAKECUDA_VERSION=12020 FAKECUDA_GPUS="NVIDIA A100-SXM4-40GB:8.0"
    doctor_json 12.4+cudnn9
    assert_success
    run check driver
    assert_line warning
    assert_line "the driver supports CUDA 12.2 only: CUDA 12.4.1 runs with minor-version compatibility if the driver is at least 525.60.13"
    FAKECUDA_VERSION=11080 doctor_json 12.4+cudnn9
    assert_failure 1
    run check driver
    assert_line "the driver supports CUDA 11.8: too old for CUDA 12.4.1"
}

@test "NVIDIA's stub libcuda on the loader path: an error naming it" {
    fake_driver 550.54.15 12040 ""
    export FAKECUDA_INIT=34
    doctor_json 12.4
    assert_failure 1
    run check driver
    assert_line error
    assert_line "libcuda: $FAKE/libcuda.so.1, supports CUDA 12.4; cuInit: CUDA_ERROR_STUB_LIBRARY"
    assert_line --partial "is NVIDIA's stub library (for linking only)"
}

@test "cuInit says no device: the driver is reported, no GPU, still not an error" {
    fake_driver 580.95.05 13000 ""
    export FAKECUDA_INIT=100
    doctor_json 13.0+cudnn9
    assert_success
    run check gpus
    assert_line ok
    assert_line "no GPU visible (cuInit: CUDA_ERROR_NO_DEVICE)"
}

@test "no libcuda: GPUs and the driver version from nvidia-smi" {
    printf '#!/bin/sh\n[ "$1" = --query-gpu=name,compute_cap,driver_version ] || exit 9\necho "NVIDIA H200, 9.0, 570.86.15"\necho "NVIDIA H200, 9.0, 570.86.15"\n' >"$T/nvidia-smi"
    chmod +x "$T/nvidia-smi"
    export CUENV_TEST_NVIDIA_SMI=$T/nvidia-smi
    doctor_json 12.4+cudnn9
    assert_success
    assert_json '
assert d["driver"]["version"] == "570.86.15" and d["driver"]["version_source"] == "nvidia-smi"
assert d["driver"]["gpu_source"] == "nvidia-smi"
assert d["gpus"] == [{"name": "NVIDIA H200", "compute_capability": "9.0"}] * 2, d["gpus"]'
    run check driver
    assert_line "driver 570.86.15 (nvidia-smi)"
}

# ---- forward compatibility in the env (install --with cuda_compat) ----

# A copy of the mirror whose CUDA 13.0.2 manifest also lists cuda_compat for
# linux-x86_64, an archive holding compat/libcuda.so.1 (the fake one). Sets M2.
mirror_with_compat() {
    M2=$T/mirror2
    python3 - "$ACT_MIRROR" "$M2" "$FAKE/libcuda.so.1" <<'PY'
import hashlib, io, json, os, sys, tarfile
src, dst, lib = sys.argv[1:]
for prod in ("cuda", "cudnn"):
    os.makedirs(os.path.join(dst, prod, "redist"))
    for e in os.listdir(os.path.join(src, prod, "redist")):
        if e != "redistrib_13.0.2.json":
            os.symlink(os.path.join(src, prod, "redist", e), os.path.join(dst, prod, "redist", e))
top = "cuda_compat-linux-x86_64-13.0.99-archive"
rel = "cuda_compat/linux-x86_64/" + top + ".tar.xz"
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:xz", format=tarfile.GNU_FORMAT) as t:
    for name, data, mode in ((top + "/compat/libcuda.so.1", open(lib, "rb").read(), 0o555),
                             (top + "/LICENSE", b"fixture\n", 0o444)):
        i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode; i.mtime = 1704067200
        t.addfile(i, io.BytesIO(data))
blob = buf.getvalue()
os.makedirs(os.path.join(dst, "cuda", "redist", os.path.dirname(rel)))
open(os.path.join(dst, "cuda", "redist", rel), "wb").write(blob)
m = json.load(open(os.path.join(src, "cuda", "redist", "redistrib_13.0.2.json")))
m["cuda_compat"] = {"name": "CUDA compat", "license": "CUDA Toolkit", "version": "13.0.99",
    "linux-x86_64": {"relative_path": rel, "sha256": hashlib.sha256(blob).hexdigest(),
                     "md5": hashlib.md5(blob).hexdigest(), "size": str(len(blob))}}
json.dump(m, open(os.path.join(dst, "cuda", "redist", "redistrib_13.0.2.json"), "w"), indent=4)
PY
}

@test "forward-compat candidate: doctor offers --with cuda_compat, install puts compat/ first" {
    mirror_with_compat
    export CUENV_MIRROR=file://$M2
    fake_driver 535.104.05 12020 "NVIDIA H100 80GB HBM3:9.0"
    doctor_json 13.0+cudnn9
    assert_failure 1
    run check driver
    assert_line --partial "forward compatibility could run it: CUDA 13.0.2's manifest has cuda_compat for linux-x86_64"
    assert_line --partial "TODO: run 'cuenv install --with cuda_compat 13.0+cudnn9' (kept inside the env"

    trun "$CUENV" install -q --with cuda_compat 13.0+cudnn9
    assert_success
    [ -f "$E130DNN/compat/libcuda.so.1" ]
    # Installing again without --with keeps it, and does nothing.
    trun "$CUENV" install 13.0+cudnn9
    assert_success
    assert_stderr "$ENV130DNN is already installed"
    # Every way of running puts compat/ first: exec, env, the shim.
    trun "$CUENV" exec 13.0+cudnn9 -- cuenv-test-env
    assert_line "LD_LIBRARY_PATH=$E130DNN/compat:$E130DNN/lib"
    trun "$CUENV" env 13.0+cudnn9 --shell json
    assert_json 'assert d["LD_LIBRARY_PATH"] == "'"$E130DNN/compat:$E130DNN/lib"'", d'
    cd "$PB"
    trun "$SHIMS/cuenv-test-env"
    assert_line "LD_LIBRARY_PATH=$E130DNN/compat:$E130DNN/lib"

    # A compat libcuda older than the env's CUDA does not help: still an error.
    doctor_json 13.0+cudnn9
    assert_failure 1
    run check driver
    assert_line --partial "the env has a forward-compatibility libcuda ($ENV130DNN/compat), first on LD_LIBRARY_PATH"
    assert_line "it supports CUDA 12.2; cuInit: ok"
    assert_line --partial "the compat libcuda is older than CUDA 13.0.2"
    # One for CUDA 13.0 that initialises on this (data-centre) GPU: the env's programs run.
    FAKECUDA_VERSION=13000 doctor_json 13.0+cudnn9
    run check driver
    assert_line ok
    assert_line "forward compatibility active: programs in the env run CUDA 13.0.2 through it"
    refute_line --regexp '^TODO'
    export FAKECUDA_VERSION=12020
    # ... and where the GPU cannot use it, cuInit says so: an error with what to do.
    FAKECUDA_INIT=804 doctor_json 13.0+cudnn9
    assert_failure 1
    run check driver
    assert_line "it supports CUDA 12.2; cuInit: CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE"
    assert_line --partial "this GPU cannot use forward compatibility"
}

@test "--with: a component the source lacks for the platform, or a driver piece, is refused" {
    unset CUENV_MIRROR
    export CUENV_PLATFORM=linux-x86_64
    trun "$CUENV" install --with cuda_compat 12.4
    assert_failure 3
    assert_stderr_line "^cuenv: error: CUDA 12.4.1 has no 'cuda_compat' archive for linux-x86_64 \(only for linux-aarch64\)$"
    assert_stderr_line "^hint: NVIDIA ships forward compatibility for linux-x86_64 as the system package cuda-compat-12-4"
    trun "$CUENV" install --with nvidia_driver 12.4
    assert_failure 2
    assert_stderr "cuenv: error: 'nvidia_driver' is a driver or system component: cuenv never installs it (it would shadow the kernel's driver)"
    [ -z "$(ls "$CUENV_CACHE/archives" 2>/dev/null)" ]
}

# ---- GPUs ----

@test "a Volta GPU with CUDA 13: not supported, an error naming the rule's source" {
    fake_driver 580.95.05 13000 "Tesla V100-SXM2-16GB:7.0;NVIDIA H100 80GB HBM3:9.0"
    doctor_json 13.0+cudnn9
    assert_failure 1
    run check gpus
    assert_line error
    assert_line "GPU 0: Tesla V100-SXM2-16GB, compute capability 7.0 (Volta, driver API)"
    assert_line "  CUDA 13.0.2 builds for compute capability 7.5-12.1 only [relnotes]: 7.0 (Volta) is not supported"
    assert_line "GPU 1: NVIDIA H100 80GB HBM3, compute capability 9.0 (Hopper, driver API)"
    assert_line "  CUDA 13.0.2: supported (compute capability 7.5-12.1) [relnotes]"
    assert_line --partial "TODO: for Tesla V100-SXM2-16GB (7.0): CUDA 12.x still builds for it"
}

@test "a Blackwell GPU with CUDA 12.4: a warning, it needs 12.8 or newer" {
    fake_driver 570.124.06 12080 "NVIDIA GeForce RTX 5090:12.0"
    doctor_json 12.4+cudnn9
    assert_success
    run check gpus
    assert_line warning
    assert_line "  CUDA 12.4.1 builds for compute capability 5.0-9.0 [llvm]: 12.0 (Blackwell) is newer, so only code shipped as PTX runs (JIT-compiled by the driver)"
    assert_line "  cuDNN 9.14.0.64 (its cuda12 build): no list of architectures known (support.txt)"
    assert_line --partial "(Blackwell needs CUDA 12.8 or newer)"
}

# ---- the host compiler ----

# fake_cc NAME BANNER: a compiler on $T/cc-bin (first on PATH) whose --version prints BANNER.
fake_cc() {
    mkdir -p "$T/cc-bin"
    printf '#!/bin/sh\n[ "$1" = --version ] && printf "%%s\\n" "%s" && exit 0\nexit 1\n' "$2" >"$T/cc-bin/$1"
    chmod +x "$T/cc-bin/$1"
    export PATH=$T/cc-bin:/usr/bin:/bin
}

@test "host compiler newer than nvcc accepts: an error naming a compatible one and NVCC_CCBIN" {
    fake_cc gcc "gcc (GCC) 14.1.0"
    fake_cc g++-13 "g++-13 (Ubuntu 13.2.0-4ubuntu3) 13.2.0"
    fake_cc g++-12 "g++-12 (GCC) 12.3.0"
    doctor_json 12.4
    assert_failure 1
    run check compiler
    assert_line error
    assert_line "CUDA 12.4.1's nvcc accepts gcc up to 13 and clang up to 17 (include/crt/host_config.h)"
    assert_line "nvcc runs gcc (NVCC_CCBIN unset): $T/cc-bin/gcc, gcc 14.1"
    assert_line "too new: nvcc stops with 'unsupported GNU version'"
    assert_line "TODO: use $T/cc-bin/g++-13 (gcc 13.2): export NVCC_CCBIN=$T/cc-bin/g++-13, or nvcc -ccbin $T/cc-bin/g++-13; CMake: -DCMAKE_CUDA_HOST_COMPILER=$T/cc-bin/g++-13"
    # With NVCC_CCBIN pointing at it, the check passes.
    NVCC_CCBIN=$T/cc-bin/g++-13 doctor_json 12.4
    run check compiler
    assert_line --regexp '^(ok|warning)$'
    assert_line "nvcc runs NVCC_CCBIN: $T/cc-bin/g++-13, gcc 13.2"
    assert_line accepted
}

@test "host compiler too new and nothing older on PATH: install one, or -allow-unsupported-compiler" {
    fake_cc gcc "gcc (GCC) 16.0.1 20260101"
    trun env PATH="$T/cc-bin" "$CUENV" doctor --json 13.0+cudnn9
    DJ=$output
    assert_failure 1
    run check compiler
    assert_line "nvcc runs gcc (NVCC_CCBIN unset): $T/cc-bin/gcc, gcc 16.0"
    assert_line --partial "TODO: install gcc 15 or older (Debian/Ubuntu: apt install g++-15) and set NVCC_CCBIN to it"
}

@test "no host compiler limits in the env (runtime profile): nothing to check" {
    doctor_json --profile runtime 12.4
    run check compiler
    assert_line ok
    assert_line "the env has no nvcc headers (include/crt/host_config.h; profile runtime): nothing to check"
}

# ---- loader precedence ----

@test "loader: this machine's real ld.so.cache (/usr/local/cuda 13.0) against a CUDA 12 env" {
    local ldconfig=/sbin/ldconfig
    [ -x "$ldconfig" ] || ldconfig=/usr/sbin/ldconfig
    "$ldconfig" -p | grep -q 'libcudart\.so\.13 ' || skip "no CUDA 13 in this machine's ld.so.cache"
    "$ldconfig" -p | grep -q 'libcudnn_ops\.so\.9 ' || skip "no cuDNN 9 in this machine's ld.so.cache"
    unset CUENV_TEST_LDCACHE
    dir=$(dirname "$("$ldconfig" -p | awk '/libcudart\.so\.13 /{print $NF; exit}')")
    doctor_json 12.4+cudnn9
    run check loader
    assert_line warning
    assert_line "LD_LIBRARY_PATH of a program in the env: $E124DNN/lib"
    assert_line --regexp "^$dir \(ld.so.cache\): .*libcudart\.so\.13.*: CUDA runtime 13 \(the env has CUDA runtime 12\): a program built for 13 gets these, next to the env's libraries$"
    assert_line --regexp "^$dir \(ld.so.cache\): [0-9]+ of the env's sonames \(.*libcudnn_ops\.so\.9.*\): the env's win while LD_LIBRARY_PATH is set"
}

@test "loader: a cuDNN sub-library the env lacks on LD_LIBRARY_PATH is a mix; cuDNN 8 another major" {
    mkdir -p "$T/other"
    touch "$T/other/libcudnn_ops_extra.so.9" "$T/other/libcudnn.so.8" "$T/other/libcudnn_ops.so.9"
    LD_LIBRARY_PATH=$T/other doctor_json 12.4+cudnn9
    assert_failure 1
    run check loader
    assert_line error
    assert_line "LD_LIBRARY_PATH of a program in the env: $E124DNN/lib:$T/other"
    assert_line "$T/other (LD_LIBRARY_PATH): libcudnn_ops_extra.so.9: cuDNN 9 libraries the env lacks; a program that opens them mixes two cuDNN releases"
    assert_line "$T/other (LD_LIBRARY_PATH): libcudnn.so.8: cuDNN 8 (the env has cuDNN 9): a program built for 8 gets these, next to the env's libraries"
    assert_line "$T/other (LD_LIBRARY_PATH): 1 of the env's sonames (libcudnn_ops.so.9): the env's win while LD_LIBRARY_PATH is set; setuid programs, programs that clear the environment and libraries with a DT_RPATH to $T/other get these"
    assert_line "TODO: take $T/other off LD_LIBRARY_PATH, or use an env with the same cuDNN release"
}

@test "loader: a global libcudnn.so.8 and NCCL in ld.so.cache; a CUDA-family LD_PRELOAD" {
    mk_ldcache "$T/ld.cache" libcudnn.so.8=/usr/lib/x86_64-linux-gnu/libcudnn.so.8 \
        libnccl.so.2=/opt/nccl/lib/libnccl.so.2 libcuda.so.1=/usr/lib/x86_64-linux-gnu/libcuda.so.1
    export CUENV_TEST_LDCACHE=$T/ld.cache
    doctor_json 12.4+cudnn9
    assert_success
    run check loader
    assert_line warning
    assert_line "/usr/lib/x86_64-linux-gnu (ld.so.cache): libcudnn.so.8: cuDNN 8 (the env has cuDNN 9): a program built for 8 gets these, next to the env's libraries"
    assert_line "/opt/nccl/lib (ld.so.cache): libnccl.so.2: not in the env (no such family there), programs get these"
    refute_line --partial libcuda.so.1
    LD_PRELOAD=/opt/x/libcublas.so.12 doctor_json 12.4+cudnn9
    assert_failure 1
    run check loader
    assert_line "LD_PRELOAD has /opt/x/libcublas.so.12: it wins over everything the env provides"
}

# ---- Python ----

# fake_venv DIR CUDNN_WHEEL: a virtualenv with torch 2.5.1+cu124 (libtorch_cuda.so with a
# DT_RPATH to the wheels) and nvidia-cudnn-cu12 (libcudnn.so.9 with DT_RUNPATH $ORIGIN).
fake_venv() {
    local v=$1 sp=$1/lib/python3.11/site-packages
    mkdir -p "$sp/torch/lib" "$sp/nvidia/cudnn/lib" "$sp/torch-2.5.1+cu124.dist-info" \
        "$sp/nvidia_cudnn_cu12-$2.dist-info" "$sp/nvidia_cublas_cu12-12.4.5.8.dist-info" \
        "$sp/numpy-2.1.0.dist-info"
    printf "__version__ = '2.5.1+cu124'\ndebug = False\ncuda: Optional[str] = '12.4'\nhip: Optional[str] = None\n" \
        >"$sp/torch/version.py"
    echo 'int f(void) { return 0; }' >"$T/f.c"
    gcc -shared -fPIC -Wl,-soname,libcudnn.so.9 -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN' \
        -o "$sp/nvidia/cudnn/lib/libcudnn.so.9" "$T/f.c"
    gcc -shared -fPIC -Wl,--disable-new-dtags \
        -Wl,-rpath,'$ORIGIN/../../nvidia/cublas/lib:$ORIGIN/../../nvidia/cudnn/lib' \
        -o "$sp/torch/lib/libtorch_cuda.so" "$T/f.c" "$sp/nvidia/cudnn/lib/libcudnn.so.9"
}

@test "python: PyTorch's RPATH to its wheels and the wheel cuDNN's RUNPATH: a cuDNN mix warned" {
    fake_venv "$T/venv" 9.1.0.70
    VIRTUAL_ENV=$T/venv doctor_json 12.4+cudnn9
    assert_success
    run check python
    assert_line warning
    assert_line "virtualenv $T/venv"
    assert_line --partial "packages: "
    assert_line --partial "nvidia-cudnn-cu12 9.1.0.70"
    refute_line --partial numpy
    assert_line "torch 2.5.1+cu124, built for CUDA 12.4"
    sp=$T/venv/lib/python3.11/site-packages
    assert_line "$sp/torch/lib/libtorch_cuda.so has DT_RPATH \$ORIGIN/../../nvidia/cublas/lib:\$ORIGIN/../../nvidia/cudnn/lib: the libraries it links come from its wheels before LD_LIBRARY_PATH, so it ignores the env's copies"
    assert_line "its cuDNN: $sp/nvidia/cudnn/lib/libcudnn.so.9 (nvidia-cudnn wheel 9.1.0.70), DT_RUNPATH \$ORIGIN"
    assert_line --partial "cuDNN mix: torch loads the wheel's libcudnn.so.9 (9.1.0.70), whose sub-libraries (libcudnn_ops, libcudnn_cnn, ..., opened by name) come from LD_LIBRARY_PATH first, i.e. from the env's cuDNN 9.14.0.64 (newer than the wheel's)"
    assert_line "TODO: run PyTorch outside the env, or use an env with the wheel's cuDNN ('cuenv use 12.4.1+cudnn9.1')"
}

@test "python: a virtualenv's python3 first on PATH, VIRTUAL_ENV unset (its python3 links to the base one)" {
    fake_venv "$T/venv" 9.20.0.48
    mkdir -p "$T/venv/bin"
    ln -s /usr/bin/python3 "$T/venv/bin/python3"
    printf 'home = /usr/bin\ninclude-system-site-packages = false\n' >"$T/venv/pyvenv.cfg"
    PATH="$T/venv/bin:/usr/bin:/bin" doctor_json 12.4+cudnn9
    run check python
    assert_line warning
    assert_line "virtualenv of the python3 on PATH $T/venv"
    assert_line "torch 2.5.1+cu124, built for CUDA 12.4"
    assert_line --partial "nvidia-cudnn-cu12 9.20.0.48"
}

@test "python: packages found through PYTHONPATH (no venv, the system python3), as programs import them" {
    # The GPU machine's PyTorch was importable this way: doctor must not miss it.
    fake_venv "$T/venv" 9.20.0.48
    sp=$T/venv/lib/python3.11/site-packages
    PATH=/usr/bin:/bin PYTHONPATH="/nonexistent:$sp" doctor_json 12.4+cudnn9
    run check python
    assert_line warning
    assert_line "torch 2.5.1+cu124, built for CUDA 12.4"
    assert_line --partial "nvidia-cudnn-cu12 9.20.0.48"
    assert_line --partial "its cuDNN: $sp/nvidia/cudnn/lib/libcudnn.so.9"
}

@test "python: the env's cuDNN older than the wheel's is said so; another CUDA major too" {
    fake_venv "$T/venv" 9.20.0.48
    VIRTUAL_ENV=$T/venv doctor_json 13.0+cudnn9
    run check python
    assert_line warning
    assert_line --partial "from the env's cuDNN 9.14.0.64 (older than the wheel's)"
    assert_line "torch was built for CUDA 12.4; the env is CUDA 13.0.2: extensions built with the env's nvcc will not match it"
}

@test "python: same cuDNN as the wheel, or no CUDA packages: ok" {
    fake_venv "$T/venv" 9.14.0.64
    VIRTUAL_ENV=$T/venv doctor_json 12.4+cudnn9
    run check python
    assert_line ok
    mkdir -p "$T/plain/lib/python3.12/site-packages"
    CONDA_PREFIX=$T/plain doctor_json 12.4+cudnn9
    run check python
    assert_line ok
    assert_line "conda $T/plain"
    assert_line "packages: none of nvidia-*, torch, jax, tensorflow, cupy"
}

# ---- pin, lock, store, variables ----

@test "pin and lock: the pin here, its lock; a lock that no longer matches is a warning" {
    cd "$PD"
    doctor_json
    assert_success
    run check pin
    assert_line ok
    assert_line "'$SPEC_D', set by $PD/.cuda-version"
    run check lock
    assert_line "$PD/cuenv.lock pins $ENV124DNN (CUDA 12.4.1, cuDNN 9.14.0.64, 7 archives, manifests' sha256 recorded)"
    echo "12.6" >"$PD/.cuda-version"
    doctor_json
    run check lock
    assert_line warning
    assert_line --partial "no longer matches '$PD/.cuda-version'"
    assert_line "TODO: run 'cuenv use 12.6' to lock the pin again"
}

@test "nothing pinned and no SPEC: the machine alone, exit 0; a SPEC not installed: an error" {
    doctor_json
    assert_success
    assert_json 'assert d["env"] is None and d["spec"] is None'
    run check pin
    assert_line --partial "nothing pinned here"
    doctor_json 12.9
    assert_failure 1
    run check pin
    assert_line error
    assert_line "not installed"
    assert_line "TODO: run 'cuenv install 12.9'"
}

@test "store: a file missing from a store entry is an error that names it" {
    entry=$(ls "$CUENV_ROOT/store" | grep '^cuda_cudart-' | head -1)
    chmod u+w "$CUENV_ROOT/store/$entry/lib"
    rm -f "$CUENV_ROOT/store/$entry/lib/libcudart_static.a"
    doctor_json 12.4
    assert_failure 1
    run check store
    assert_line error
    assert_line "missing $CUENV_ROOT/store/$entry/lib/libcudart_static.a (store entry $entry)"
    assert_line "TODO: see 'cuenv verify $ENV124'; reinstall: 'cuenv uninstall $ENV124' then 'cuenv install 12.4'"
}

@test "CUENV_* variables: a typo and a test seam are warnings; another active env too" {
    CUENV_VERISON=12.4 CUENV_ACTIVE=$ENV126 doctor_json 12.4
    run check vars
    assert_line warning
    assert_line "CUENV_VERISON=12.4"
    assert_line "  not a variable cuenv reads (a typo?)"
    assert_line "  a test seam: cuenv reads fakes instead of the machine"
    assert_line "this shell has $ENV126 active, but the env here is $ENV124"
}

@test "bad usage: exit 2 and nothing else" {
    trun "$CUENV" doctor --bogus
    assert_failure 2
    assert_stderr_line "^cuenv: error: unknown option '--bogus'$"
    trun "$CUENV" doctor 12.4 13.0
    assert_failure 2
    trun "$CUENV" doctor '12.x'
    assert_failure 2
    assert_output ""
}
