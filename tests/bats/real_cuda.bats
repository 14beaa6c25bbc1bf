#!/usr/bin/env bats
# Real NVIDIA software, on this machine: cuenv installs the machine's own CUDA
# and cuDNN (/usr/local/cuda, or CUENV_REAL_CUDA_HOME), repackaged by
# tests/fixtures/mkrealmirror.py into a source with NVIDIA's layout and served
# on 127.0.0.1, then nvcc from the env compiles a kernel with a device link,
# and programs take libcudart and libcudnn from the env although
# /usr/local/cuda stays in the global ld.so.cache; through 'cuenv exec',
# through the shims, and in a shell with the hook moving between a real 13.0
# project and a synthetic 12.4 one (tests/fixtures/mkmirror.py).
#
# Skipped, with the reason, where $CUENV_REAL_CUDA_HOME/bin/nvcc is absent
# (default /usr/local/cuda). CUENV_REAL_CUDNN_HOME takes cuDNN from another
# prefix; CUENV_REAL_EXCLUDE=libcufft,libcusolver,... packages less (a faster
# install: every archive of the source is installed, the devel profile wants
# them all).
# The source is generated once and kept in build/real-mirror (mkrealmirror.py
# reuses it while the installation and the script are unchanged); the install
# runs once per file (setup_file) into a root every test shares, and its
# duration is printed. Programs are built and run here, without a GPU: a
# kernel that finds no device says so and exits 0 (the GPU machine's script
# runs it for real).
#
# shellcheck disable=SC2030,SC2031

load helper

REAL_SRC=${BATS_TEST_DIRNAME%/bats}/real

setup_file() {
    export REAL_HOME=${CUENV_REAL_CUDA_HOME:-/usr/local/cuda}
    export REAL_SKIP=
    if [ ! -x "$REAL_HOME/bin/nvcc" ]; then
        export REAL_SKIP="no real CUDA here: $REAL_HOME/bin/nvcc is absent (set CUENV_REAL_CUDA_HOME to a CUDA installation to run these)"
        return 0
    fi
    export PATH=/usr/bin:/bin
    # Generate (or reuse) the real source; the script's own cache decides.
    local base=$CUENV_SRC/build/real-mirror t0 t1
    mkdir -p "$CUENV_SRC/build"
    t0=$(date +%s)
    (
        flock -w 1800 9 || exit 1
        timeout -k 5 1800 python3 "$FIXTURES/mkrealmirror.py" "$base" --cuda-home "$REAL_HOME" \
            ${CUENV_REAL_CUDNN_HOME:+--cudnn-home "$CUENV_REAL_CUDNN_HOME"} \
            ${CUENV_REAL_EXCLUDE:+--exclude "$CUENV_REAL_EXCLUDE"} --quiet
    ) 9>"$base.lock" >"$BATS_FILE_TMPDIR/mkrealmirror.out" 2>"$BATS_FILE_TMPDIR/mkrealmirror.err" ||
        {
            echo "mkrealmirror.py failed: $(cat "$BATS_FILE_TMPDIR/mkrealmirror.err")" >&2
            return 1
        }
    t1=$(date +%s)
    export REAL_MIRROR=$base REAL_GEN_S=$((t1 - t0))
    # What was packaged: the labels, and the versions the headers announce.
    eval "$(python3 - "$base/real.json" <<'PY'
import json, shlex, sys
d = json.load(open(sys.argv[1]))
c, n = d["cuda"], d["cudnn"]
v = {"REAL_LABEL": c["label"], "REAL_CUDART": c["cudart_version"], "REAL_NVCC": c["nvcc"] or "",
     "REAL_CUDNN": n["version"] if n else "", "REAL_CUDNN_LABEL": n["label"] if n else "",
     "REAL_CUDNN_NUM": n["cudnn_version"] if n else "", "REAL_MB": d["bytes"] // 1000000,
     "REAL_ARCHIVES": len(d["archives"])}
for k, x in v.items():
    print("export %s=%s" % (k, shlex.quote(str(x))))
PY
    )" || return 1
    if [ -z "$REAL_CUDNN" ]; then
        export REAL_SKIP="$REAL_HOME has no cuDNN next to CUDA (lib/libcudnn.so.*): nothing to pair"
        return 0
    fi
    if [ "${REAL_CUDNN%%.*}" != 9 ]; then
        export REAL_SKIP="these tests know cuDNN 9 (its sub-libraries), $REAL_HOME has cuDNN $REAL_CUDNN"
        return 0
    fi
    # 13.0+cudnn9 on the development machines.
    export REAL_SPEC=${REAL_LABEL%.*}+cudnn9
    export REAL_ENV=cuda-$REAL_LABEL+cudnn-$REAL_CUDNN-devel

    # The synthetic 12.x pair: the install tests' mirror (cached in build/test-mirror).
    mirror_build || return 1

    # One server for the file, on the real source.
    # helper.bash's file server, on the real source, for the whole file.
    MIRROR="$REAL_MIRROR" file_server_start --lifetime 3600 || return 1
    export REAL_URL=$FILE_FS_URL
    export REAL_ROOT=$BATS_FILE_TMPDIR/root REAL_CACHE=$BATS_FILE_TMPDIR/cache

    # The install every test uses: once, here; the first test checks it.
    local d=$BATS_FILE_TMPDIR/install
    mkdir -p "$d/home" "$d/cwd"
    t0=$(date +%s%N)
    (
        cd "$d/cwd" || exit 1
        unset CUDA_HOME CUDA_PATH LD_LIBRARY_PATH CUENV_VERSION CUENV_PROFILE CUENV_PLATFORM CUENV_JOBS
        HOME=$d/home CUENV_ROOT=$REAL_ROOT CUENV_CACHE=$REAL_CACHE CUENV_CONFIG=/dev/null \
            CUENV_MIRROR=$REAL_URL NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 \
            http_proxy=http://127.0.0.1:1 https_proxy=http://127.0.0.1:1 \
            timeout -k 5 1200 "$CUENV" install "$REAL_SPEC" >"$d/stdout" 2>"$d/stderr"
        echo $? >"$d/status"
    ) 3>&-
    t1=$(date +%s%N)
    export REAL_INSTALL_MS=$(((t1 - t0) / 1000000))
    {
        echo "# real source: $REAL_ARCHIVES archives, $REAL_MB MB, CUDA $REAL_LABEL + cuDNN $REAL_CUDNN (mkrealmirror.py: ${REAL_GEN_S}s)"
        echo "# cuenv install $REAL_SPEC from it: exit $(cat "$d/status"), $((REAL_INSTALL_MS / 1000)).$((REAL_INSTALL_MS % 1000 / 100)) s"
    } >&3
}

teardown_file() {
    file_server_stop
    # Envs and the store are read-only: let bats remove them.
    [ -z "${REAL_ROOT:-}" ] || chmod -R u+w "$REAL_ROOT" 2>/dev/null || true
}

setup() {
    [ -z "${REAL_SKIP:-}" ] || skip "$REAL_SKIP"
    cuenv_setup
    # No /usr/local/bin either: it has an nvcc wrapper for /usr/local/cuda here.
    export PATH=/usr/bin:/bin
    export CUENV_ROOT=$REAL_ROOT CUENV_CACHE=$REAL_CACHE CUENV_MIRROR=$REAL_URL
    local v
    for v in CUDA_ROOT CUDAToolkit_ROOT CUDNN_PATH CUDNN_HOME CUDNN_ROOT CUENV_ACTIVE CUENV_SHIM_DEPTH \
        LD_PRELOAD XDG_DATA_HOME ${!_CUENV_@}; do
        unset "$v"
    done
    T=$BATS_TEST_TMPDIR
    E=$REAL_ROOT/envs/$REAL_ENV
    SHIMS=$REAL_ROOT/shims
    cd "$T" || return 1
}

# Fail (not skip) when the install of setup_file did not work.
need_env() {
    [ "$(cat "$BATS_FILE_TMPDIR/install/status")" = 0 ] && [ -x "$E/bin/nvcc" ] ||
        fail "the install of $REAL_SPEC in setup_file failed: $(cat "$BATS_FILE_TMPDIR/install/stderr")"
}

# run with a time limit, stdout and stderr apart.
trun() { run --separate-stderr timeout -k 5 300 "$@"; }

# $output and $lines (what assert_line reads) set to $1.
set_output() {
    output=$1
    mapfile -t lines <<<"$1"
}

# A project directory $1 pinned to $2 with the source $3.
pinned_project() {
    mkdir -p "$1"
    (cd "$1" && CUENV_MIRROR=$3 "$CUENV" use -q "$2") || fail "cuenv use $2 in $1 failed"
}

# CUDA version number of an env name: cuda-13.0.2+... -> 13000 (cudaRuntimeGetVersion).
cudart_number() {
    local v=${1#cuda-}
    v=${v%%[+-]*}
    IFS=. read -r ma mi _ <<<"$v"
    echo $((ma * 1000 + mi * 10))
}

# cuDNN 9 version number of an env name: ...+cudnn-9.19.0.56-... -> 91900 (cudnnGetVersion).
cudnn_number() {
    local v=${1#*+cudnn-}
    v=${v%-*}
    IFS=. read -r ma mi pa _ <<<"$v"
    echo $((ma * 10000 + mi * 100 + pa))
}

# In $output (lines "map PATH" of tests/real/maps.h): every CUDA library but
# the driver's libcuda.so.1 lies under env prefix $1, nothing comes from
# /usr/local/cuda*, and the libraries named by the other arguments were all
# mapped (libcudart.so.12: that file, or one named libcudart.so.12.*).
assert_maps_from() {
    local prefix=$1 real line path base ok want bad=() seen=()
    shift
    real=$(realpath "$prefix")
    while IFS= read -r line; do
        [[ $line == "map "* ]] || continue
        path=${line#map }
        base=${path##*/}
        case $base in libcuda.so*) continue ;; esac
        seen+=("$base")
        if [[ $path == /usr/local/cuda* ]] || { [[ $path != "$prefix"/* ]] && [[ $path != "$real"/* ]]; }; then
            bad+=("$path")
        fi
    done <<<"$output"
    [ "${#bad[@]}" -eq 0 ] ||
        fail "CUDA libraries mapped from outside $prefix: ${bad[*]}"$'\n'"$output"
    for want in "$@"; do
        ok=
        for base in "${seen[@]}"; do
            [[ $base == "$want" || $base == "$want".* ]] && ok=1
        done
        [ -n "$ok" ] || fail "$want was not mapped; mapped: ${seen[*]}"$'\n'"$output"
    done
}

# ldconfig -p still lists /usr/local/cuda's copy of library $1.
assert_in_ld_cache() {
    local ldc
    ldc=$(command -v ldconfig || echo /sbin/ldconfig)
    run "$ldc" -p
    assert_success
    echo "$output" | grep -E "^[[:space:]]*$1[^ ]* .*=> /usr/local/cuda" >/dev/null ||
        fail "ld.so.cache has no $1 from /usr/local/cuda (the test needs it there): $(echo "$output" | grep "$1")"
}

@test "real source: NVIDIA's layout and schema, real sha256/md5/sizes, the real manifest's names and versions" {
    run python3 - "$REAL_MIRROR" "$CUENV_SRC/manifests" "$REAL_LABEL" "$REAL_CUDNN_LABEL" <<'PY'
import concurrent.futures, hashlib, json, lzma, os, re, sys, tarfile
out, mdir, label, dlabel = sys.argv[1:]
pool = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2)
errs = []
def err(m):
    errs.append(m)
info = json.load(open(os.path.join(out, "real.json")))
real = json.load(open(os.path.join(mdir, "cuda", "redistrib_%s.json" % label)))
mism = {m["component"] for m in info["version_mismatch"]}

def digests(path):
    h, m, n = hashlib.sha256(), hashlib.md5(), 0
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b); m.update(b); n += len(b)
    return h.hexdigest(), m.hexdigest(), str(n)

def leaf_ok(product, comp, version, leaf, suffix):
    if sorted(leaf) != ["md5", "relative_path", "sha256", "size"]:
        err("%s: leaf keys %s" % (comp, sorted(leaf)))
    if not isinstance(leaf["size"], str) or not re.fullmatch(r"[0-9a-f]{64}", leaf["sha256"]) \
            or not re.fullmatch(r"[0-9a-f]{32}", leaf["md5"]):
        err("%s: size/sha256/md5 not NVIDIA's strings" % comp)
    want = "%s/linux-x86_64/%s-linux-x86_64-%s%s-archive.tar.xz" % (comp, comp, version, suffix)
    if leaf["relative_path"] != want:
        err("%s: relative_path %s, expected %s" % (comp, leaf["relative_path"], want))
    path = os.path.join(out, product, "redist", leaf["relative_path"])
    futs.append((comp, leaf, pool.submit(digests, path)))
    n = os.path.getsize(path)
    # The top directory and NVIDIA's internal layout. Small archives are read
    # whole, big ones up to their first entries (the top directory, LICENSE,
    # include/: reaching an entry decompresses all before it); the install
    # test checks the rest in the env.
    top = os.path.basename(path)[:-len(".tar.xz")]
    with tarfile.open(path, "r|xz") as tf:
        for i, ti in enumerate(tf):
            parts = ti.name.split("/")
            if parts[0] != top or (i == 0 and (ti.name != top or not ti.isdir())):
                err("%s: entry %s outside the top directory %s" % (comp, ti.name, top))
            if len(parts) > 1 and parts[1] not in ("bin", "include", "lib", "nvvm", "LICENSE"):
                err("%s: unexpected %s (NVIDIA's archives have bin/ include/ lib/ nvvm/ LICENSE)" % (comp, ti.name))
            if n > 35e6 and i >= 3:
                break

futs = []
cuda = json.load(open(os.path.join(out, "cuda", "redist", "redistrib_%s.json" % label)))
for k in ("release_date", "release_label", "release_product"):
    if cuda.get(k) != real.get(k):
        err("cuda manifest %s = %r, the real %s says %r" % (k, cuda.get(k), label, real.get(k)))
comps = [k for k, v in cuda.items() if isinstance(v, dict)]
for c in comps:
    v, r = cuda[c], real.get(c)
    if r is None:
        err("%s is no component of the real %s manifest" % (c, label))
        continue
    for k in ("name", "license", "license_path"):
        if v[k] != r[k]:
            err("%s: %s %r, real %r" % (c, k, v[k], r[k]))
    if v["version"] != r["version"] and c not in mism:
        err("%s: version %s, real %s, and not reported as a mismatch" % (c, v["version"], r["version"]))
    if sorted(v) != ["license", "license_path", "linux-x86_64", "name", "version"]:
        err("%s: keys %s" % (c, sorted(v)))
    leaf_ok("cuda", c, v["version"], v["linux-x86_64"], "")
for must in ("cuda_cudart", "cuda_nvcc", "cuda_crt", "libnvvm", "cuda_cccl"):
    if must not in comps:
        err("%s missing: nvcc cannot compile without it" % must)
dn = json.load(open(os.path.join(out, "cudnn", "redist", "redistrib_%s.json" % dlabel)))
c = dn.get("cudnn", {})
if dn.get("release_label") != dlabel or dn.get("release_product") != "cudnn" or \
        not re.fullmatch(r"\d{4}-\d\d-\d\d", dn.get("release_date", "")):
    err("cudnn manifest metadata %r" % {k: v for k, v in dn.items() if not isinstance(v, dict)})
major = str(info["cuda"]["major"])
if c.get("cuda_variant") != [major] or list(c.get("linux-x86_64", {})) != ["cuda" + major]:
    err("cudnn: cuda_variant %r, variants %r" % (c.get("cuda_variant"), list(c.get("linux-x86_64", {}))))
else:
    leaf_ok("cudnn", "cudnn", c["version"], c["linux-x86_64"]["cuda" + major], "_cuda" + major)
for comp, leaf, f in futs:
    if f.result() != (leaf["sha256"], leaf["md5"], leaf["size"]):
        err("%s: sha256, md5 or size do not match the file" % comp)
for m in errs:
    print(m)
print("%d components + cudnn checked" % len(comps))
sys.exit(1 if errs else 0)
PY
    assert_success
    # No library or header of the installation left out for want of a rule
    # (NCCL is left out on purpose); what was left out, and any version that
    # differs from the label's manifest, is printed.
    run python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for p, why in sorted(d["left_out"].items()):
    print(p, "|", why)
for m in d["version_mismatch"]:
    print("mismatch", m)' "$REAL_MIRROR/real.json"
    assert_success
    refute_output --regexp '(^|'$'\n'')(lib|include)/[^ ]* \| no rule claims it'
    echo "# left out: $(grep -c '|' <<<"$output") files ($(cut -d'|' -f2 <<<"$output" | sort | uniq -c | tr -s ' \n' ' '));" \
        "versions unlike the manifest's: $(grep -c '^mismatch' <<<"$output")" >&3
}

@test "install 13.0+cudnn9 (devel) from the real source over http on 127.0.0.1: every archive, real bits, NVIDIA's merged layout" {
    local d=$BATS_FILE_TMPDIR/install
    echo "stderr: $(cat "$d/stderr")"
    assert_equal "$(cat "$d/status")" 0
    assert_equal "$(cat "$d/stdout")" "$E"
    grep -qF "installed $REAL_ENV in " "$d/stderr"
    # The receipt lists every archive of the source (the devel profile wants them all).
    run python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("\n".join(sorted(a["component"] + " " + a["version"] + " " + a["sha256"] for a in d["archives"])))' \
        "$REAL_MIRROR/real.json"
    local want=$output
    run bash -c "awk -F'\t' '\$1 == \"component\" {print \$3, \$4, \$5}' '$E/.cuenv/receipt' | sort"
    assert_output "$want"
    # NVIDIA's layout, merged: lib64 -> lib, nvvm/, crt and CCCL headers, cuDNN beside CUDA.
    [ "$(readlink "$E/lib64")" = lib ]
    local f
    for f in bin/nvcc bin/nvcc.profile bin/ptxas bin/nvlink bin/fatbinary bin/cudafe++ bin/crt/link.stub \
        nvvm/bin/cicc nvvm/libdevice/libdevice.10.bc include/cuda_runtime.h include/crt/host_config.h \
        include/cccl/cuda/std/version "lib/libcudart.so.$((REAL_CUDART / 1000))" lib/libcudadevrt.a lib/libcudnn.so.9 \
        lib/libcudnn_graph.so.9 include/cudnn.h; do
        [ -e "$E/$f" ] || fail "$f missing in $E"
    done
    # The same bytes as the installation they came from.
    for f in bin/nvcc bin/ptxas nvvm/bin/cicc "lib/libcudart.so.$((REAL_CUDART / 1000))" lib/libcudnn.so.9 \
        include/cudnn_version.h; do
        case $f in nvvm/*) cmp "$E/$f" "$REAL_HOME/$f" ;; *) cmp "$E/$f" "$(realpath "$REAL_HOME/$f")" ;; esac
    done
    # Again: nothing to do, and no request to the source (README).
    FS_URL=$REAL_URL
    srv /__reset >/dev/null
    run --separate-stderr "$CUENV" install "$REAL_SPEC"
    assert_success
    assert_output "$E"
    [[ $stderr == *"already installed"* ]] || fail "second install: $stderr"
    assert_equal "$(hits)" 0
    # Read-only files; nothing in the env's lib/ from another prefix.
    [ -z "$(find "$E/lib" "$E/bin" -type f -perm /222 | head -3)" ]
    run find "$E" -type l -lname '/*'
    assert_output ""
}

@test "exec: the env's nvcc compiles a kernel for sm_90 with a device link (-rdc); the program takes libcudart from the env" {
    need_env
    local p=$T/p13
    pinned_project "$p" "$REAL_SPEC" "$REAL_URL"
    cd "$p"
    trun "$CUENV" exec -- sh -c 'command -v nvcc; echo "$CUDA_HOME"'
    assert_success
    assert_output "$E/bin/nvcc
$E"
    trun "$CUENV" which nvcc
    assert_success
    assert_output "$E/bin/nvcc"
    trun "$CUENV" exec -- nvcc --version
    assert_success
    assert_output --partial "release ${REAL_LABEL%.*}, V$REAL_NVCC"
    # kernel.cu calls a __device__ function of kernel_lib.cu: no device link, no program.
    trun "$CUENV" exec -- nvcc -arch=sm_90 -rdc=true -cudart shared -I"$REAL_SRC" -o kernel \
        "$REAL_SRC/kernel.cu" "$REAL_SRC/kernel_lib.cu"
    echo "$stderr"
    assert_success
    [ -x kernel ]
    # Without -rdc the same sources do not link: the device link above is real.
    trun "$CUENV" exec -- nvcc -arch=sm_90 -cudart shared -I"$REAL_SRC" -o kernel-nordc \
        "$REAL_SRC/kernel.cu" "$REAL_SRC/kernel_lib.cu"
    assert_failure
    run python3 "$REAL_SRC/fatbin_archs.py" kernel
    assert_success
    assert_line "elf sm_90"
    if [ -x "$E/bin/cuobjdump" ]; then
        trun "$CUENV" exec -- cuobjdump --list-elf kernel
        assert_success
        assert_output --partial sm_90
    fi
    run readelf -d kernel
    assert_output --partial "Shared library: [libcudart.so.$((REAL_CUDART / 1000))]"
    refute_output --regexp "RUNPATH|RPATH"
    trun "$CUENV" exec -- ./kernel
    echo "$stderr"
    assert_success
    assert_line "cudart $(cudart_number "$REAL_ENV")"
    assert_line "cudart $REAL_CUDART"
    assert_output --regexp $'(^|\n)(no device: [A-Za-z0-9 ]+|kernel ok)(\n|$)'
    assert_maps_from "$E" "libcudart.so.$((REAL_CUDART / 1000))"
}

@test "exec: a C program linked against the env's libcudart and libcudnn prints their versions; all from the env, none from /usr/local/cuda although ld.so.cache has it" {
    need_env
    local p=$T/p13
    pinned_project "$p" "$REAL_SPEC" "$REAL_URL"
    cd "$p"
    run --separate-stderr "$CUENV" exec -- sh -c \
        'cc -o versions "$1/versions.c" -I"$CUDA_HOME/include" -L"$CUDNN_PATH/lib" -lcudart -lcudnn -ldl && echo "$CUDA_HOME $CUDNN_PATH"' \
        sh "$REAL_SRC"
    echo "$stderr"
    assert_success
    assert_output "$E $E"
    run readelf -d versions
    refute_output --regexp "RUNPATH|RPATH"
    run --separate-stderr "$CUENV" exec -- ./versions
    echo "$stderr"
    assert_success
    local M=$((REAL_CUDART / 1000))
    assert_line "cudart $(cudart_number "$REAL_ENV")"
    assert_line --regexp "^cudnn $(cudnn_number "$REAL_ENV") for cudart ${M}[0-9]{3}$"
    assert_line "cudart $REAL_CUDART"
    assert_line --regexp "^cudnn $REAL_CUDNN_NUM "
    # libcudnn loaded its sub-libraries (no GPU needed for descriptors): from the env too.
    assert_line "sublibs tensor 0 backend 0"
    assert_maps_from "$E" "libcudart.so.$M" libcudnn.so.9 libcudnn_graph.so.9 libcudnn_ops.so.9
    # ... while the global loader cache still offers /usr/local/cuda's copies,
    assert_in_ld_cache "libcudart.so.$M"
    assert_in_ld_cache libcudnn.so.9
    # ... which the same program gets without cuenv (the check above can fail).
    run env -u LD_LIBRARY_PATH ./versions
    assert_success
    assert_output --regexp $'map /usr/local/cuda[^\n]*/libcudart\\.so'
}

@test "shims: nvcc through \$CUENV_ROOT/shims in a pinned project builds the kernel and a cuDNN program; shimmed programs map only the env's libraries" {
    need_env
    local p=$T/p13 pbin=$T/pbin
    pinned_project "$p" "$REAL_SPEC" "$REAL_URL"
    mkdir -p "$pbin"
    cd "$p"
    export PATH=$SHIMS:$pbin:/usr/bin:/bin
    run command -v nvcc
    assert_output "$SHIMS/nvcc"
    run --separate-stderr timeout 60 nvcc --version
    assert_success
    assert_output --partial "release ${REAL_LABEL%.*}, V$REAL_NVCC"
    # The shim's nvcc finds the env's headers, libcudadevrt and libraries by itself.
    run --separate-stderr timeout -k 5 300 nvcc -arch=sm_90 -rdc=true -cudart shared -I"$REAL_SRC" \
        -o "$pbin/cuenv-real-kernel" "$REAL_SRC/kernel.cu" "$REAL_SRC/kernel_lib.cu"
    echo "$stderr"
    assert_success
    run --separate-stderr timeout -k 5 300 nvcc -cudart shared -I"$REAL_SRC" -o "$pbin/cuenv-real-versions" \
        "$REAL_SRC/versions.c" -lcudnn -ldl
    echo "$stderr"
    assert_success
    run python3 "$REAL_SRC/fatbin_archs.py" "$pbin/cuenv-real-kernel"
    assert_line "elf sm_90"
    # Programs cuenv does not own run with the pinned env's variables through 'shim add'.
    run "$CUENV" shim add cuenv-real-kernel cuenv-real-versions
    assert_success
    run command -v cuenv-real-versions
    assert_output "$SHIMS/cuenv-real-versions"
    run --separate-stderr cuenv-real-kernel
    echo "$stderr"
    assert_success
    local M=$((REAL_CUDART / 1000))
    assert_line "cudart $(cudart_number "$REAL_ENV")"
    assert_output --regexp $'(^|\n)(no device: [A-Za-z0-9 ]+|kernel ok)(\n|$)'
    assert_maps_from "$E" "libcudart.so.$M"
    run --separate-stderr cuenv-real-versions
    echo "$stderr"
    assert_success
    assert_line "cudart $(cudart_number "$REAL_ENV")"
    assert_line --regexp "^cudnn $(cudnn_number "$REAL_ENV") for cudart ${M}[0-9]{3}$"
    assert_maps_from "$E" "libcudart.so.$M" libcudnn.so.9 libcudnn_graph.so.9 libcudnn_ops.so.9
    run "$CUENV" shim remove cuenv-real-kernel cuenv-real-versions
    assert_success
}

@test "side by side: synthetic 12.4+cudnn9 and real 13.0+cudnn9 in one root; a shell with the hook moving between their projects gets the right nvcc and libraries" {
    need_env
    # The synthetic pair, from its own source, into the same root.
    run --separate-stderr env CUENV_MIRROR="file://$MIRROR" "$CUENV" install 12.4+cudnn9
    echo "$stderr"
    assert_success
    local e12=$output
    [ -x "$e12/bin/nvcc" ]
    [[ $e12 == "$REAL_ROOT/envs/cuda-12.4."* ]]
    local n12 n13=$REAL_ENV
    n12=${e12##*/}
    run "$CUENV" list
    assert_success
    assert_output --partial "$n12"
    assert_output --partial "$n13"
    local p12=$T/proj12 p13=$T/proj13
    pinned_project "$p12" 12.4+cudnn9 "file://$MIRROR"
    pinned_project "$p13" "$REAL_SPEC" "$REAL_URL"
    # One bash with the hook: cd 12 -> 13 -> 12 -> out.
    # Each stop prints the nvcc found, its release line, and what a program
    # built there against $CUDA_HOME prints.
    cat >"$T/walk.sh" <<EOF
eval "\$('$CUENV' hook bash)"
stop() {
    echo "== \$1"
    _cuenv_hook
    echo "CUDA_HOME=\${CUDA_HOME-unset} CUENV_ACTIVE=\${CUENV_ACTIVE-unset}"
    command -v nvcc || echo "no nvcc"
    nvcc --version 2>&1 | grep -E '^Cuda compilation tools' || echo "no release line"
    if [ -n "\${CUDA_HOME-}" ]; then
        cc -o "v-\$1" '$REAL_SRC/versions.c' -I"\$CUDA_HOME/include" -L"\$CUDA_HOME/lib" -lcudart -lcudnn -ldl &&
            "./v-\$1"
    fi
}
cd '$p12' && stop a12
cd '$p13' && stop b13
cd '$p12' && stop c12
cd '$T' && stop d-out
EOF
    # The shell's CUENV_MIRROR leads nowhere: activation needs no source.
    run --separate-stderr env CUENV_MIRROR=http://127.0.0.1:1 timeout -k 5 300 \
        bash --norc --noprofile -i <"$T/walk.sh"
    echo "$stderr" | grep -v -e 'no job control' -e 'terminal process group' -e '^\$ \?' >&2 || true
    assert_success
    local out=$output
    section() { awk -v s="== $1" '$0 == s {on = 1; next} /^== / {on = 0} on' <<<"$out"; }
    local M12 M13=$((REAL_CUDART / 1000)) s
    M12=$(($(cudart_number "$n12") / 1000))
    for s in a12 c12; do
        set_output "$(section $s)"
        assert_line "CUDA_HOME=$e12 CUENV_ACTIVE=$n12"
        assert_line "$e12/bin/nvcc"
        assert_line --regexp "^Cuda compilation tools, release 12\.4, V12\.4\."
        assert_line "cudart $(cudart_number "$n12")"
        assert_line --regexp "^cudnn $(cudnn_number "$n12") for cudart "
        assert_maps_from "$e12" "libcudart.so.$M12" libcudnn.so.9
        refute_output --partial "libcudart.so.$M13"
    done
    set_output "$(section b13)"
    assert_line "CUDA_HOME=$E CUENV_ACTIVE=$n13"
    assert_line "$E/bin/nvcc"
    assert_line "Cuda compilation tools, release ${REAL_LABEL%.*}, V$REAL_NVCC"
    assert_line "cudart $(cudart_number "$n13")"
    assert_line --regexp "^cudnn $(cudnn_number "$n13") for cudart "
    assert_maps_from "$E" "libcudart.so.$M13" libcudnn.so.9 libcudnn_graph.so.9
    set_output "$(section d-out)"
    assert_line "CUDA_HOME=unset CUENV_ACTIVE=unset"
    assert_line "no nvcc"
    refute_output --partial "cudart "
}
