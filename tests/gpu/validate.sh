#!/usr/bin/env bash
# cuenv on a real GPU with real NVIDIA software, in one run (issue 5, "On a real GPU").
#
#   tests/gpu/validate.sh          (from anywhere; works in the repository root)
#
# 1. builds a source with NVIDIA's layout from this machine's own CUDA and cuDNN
#    (tests/fixtures/mkrealmirror.py) and serves it on 127.0.0.1
#    (tests/fixtures/fault_server.py, no faults);
# 2. installs $SPEC (13.0+cudnn9) with cuenv into an empty CUENV_ROOT and cache, then
#    again (already installed), then into a second empty root with the warm cache;
# 3. through `cuenv exec`: (a) nvcc from the env builds tests/gpu/vector_add.cu, which
#    launches a kernel and checks the result; (b) cc builds tests/gpu/conv.c against the
#    env's headers and libraries: a cuDNN forward convolution checked against a CPU
#    reference in double; (c) PyTorch runs a cuDNN convolution (tests/gpu/torch_conv.py);
#    (d) every program lists the CUDA libraries in its /proc/self/maps, and each is
#    classified: env prefix, /usr/local/cuda, the driver, PyTorch's wheels. The same
#    programs run once more without cuenv as a control;
#    (e) `cuenv doctor` (text and --json) checks the machine against the env, and
#    `cuenv exec --audit` runs PyTorch's convolution with the load audit (an LD_AUDIT
#    module: every CUDA-family library it loaded, env or outside, mixes flagged);
# 4. writes $OUT/gpu-validation.md (every figure in it measured by this run),
#    $OUT/validate.log (each command and its whole output), $OUT/steps.tsv and
#    $OUT/record.tar.gz (what the report is made from: tests/gpu/report.py DIR OUTDIR).
#
# Without a GPU (a dry run on a development machine) the builds and the CPU reference
# still run; the GPU steps end with "NO GPU" and the report says so.
#
# Environment:
#   OUT                where results go (default build/gpu-validation)
#   CUENV_BUNDLE       a folder from tools/gpu-bundle.sh (default build/cuenv-gpu;
#                      bin/cuenv of the checkout when that folder is absent)
#   GPUVAL_CUDA_HOME   the CUDA installation to repackage (default /usr/local/cuda)
#   GPUVAL_SPEC        what to install (default 13.0+cudnn9)
#   GPUVAL_MIRROR_ARGS extra arguments for mkrealmirror.py (e.g. "--xz-preset 0")
#   GPUVAL_MIRROR_DIR  where mkrealmirror.py writes (default: a temporary folder; name a
#                      lasting one to reuse its cache between dry runs)
#   GPUVAL_BUDGET      seconds for the whole run (default 540); a step that would start
#                      after that is skipped and the report says so
#   GPUVAL_KEEP=1      keep the temporary folder
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
REPO=$PWD
START=$(date +%s.%N)

OUT=${OUT:-$REPO/build/gpu-validation}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/validate.log
: >"$LOG"
BUNDLE=${CUENV_BUNDLE:-$REPO/build/cuenv-gpu}
if [ -x "$BUNDLE/bin/cuenv" ]; then
	CUENV=$(cd "$BUNDLE" && pwd)/bin/cuenv
else
	BUNDLE=
	CUENV=$REPO/bin/cuenv
fi
CUDA_SRC=${GPUVAL_CUDA_HOME:-/usr/local/cuda}
SPEC=${GPUVAL_SPEC:-13.0+cudnn9}
BUDGET=${GPUVAL_BUDGET:-540}

W=$(mktemp -d "${TMPDIR:-/tmp}/cuenv-gpu.XXXXXX")
MIRROR_DIR=${GPUVAL_MIRROR_DIR:-$W/mirror}
mkdir -p "$W/steps"
: >"$W/steps/order"
SERVER=

# A new user: no config, empty root and cache, nothing from the caller's cuenv.
unset CUENV_VERSION CUENV_PIN CUENV_ACTIVE CUENV_PROFILE CUENV_PLATFORM CUENV_JOBS \
	CUENV_ORIG_SAVED http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
export REPO CUENV W SPEC CUDA_SRC MIRROR_DIR
export CUENV_CONFIG=/dev/null CUENV_ROOT=$W/root CUENV_CACHE=$W/cache
export HOME=$W/home
mkdir -p "$HOME"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%d", b - a }'; }

# step ID TIMEOUT DESCRIPTION COMMAND: run COMMAND (a bash string, shown verbatim in the
# report) with the variables above, time it with date +%s.%N, keep its output. Returns
# its exit status; 125 when skipped for lack of time.
step() {
	local id=$1 tmo=$2 desc=$3 cmd=$4 t0 t1 rc left
	local d=$W/steps/$id
	mkdir -p "$d"
	echo "$id" >>"$W/steps/order"
	printf '%s' "$desc" >"$d/desc"
	printf '%s' "$cmd" >"$d/cmd"
	left=$((BUDGET - $(elapsed "$START")))
	printf '\n===== [%s] %s\n$ %s\n' "$id" "$desc" "$cmd" >>"$LOG"
	if [ "$left" -lt 10 ]; then
		echo skipped >"$d/rc"
		echo "SKIPPED: ${left}s of the ${BUDGET}s budget left" | tee "$d/out" >>"$LOG"
		echo "[$id] skipped (time budget)" >&2
		return 125
	fi
	[ "$tmo" -le "$left" ] || tmo=$left
	t0=$(now)
	timeout -k 5 "$tmo" bash -c "$cmd" >"$d/out" 2>&1 </dev/null
	rc=$?
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }' >"$d/secs"
	echo "$rc" >"$d/rc"
	[ "$rc" -ne 124 ] || echo "TIMEOUT after ${tmo}s" >>"$d/out"
	cat "$d/out" >>"$LOG"
	echo "----- exit $rc, $(cat "$d/secs") s" >>"$LOG"
	echo "[$id] exit $rc, $(cat "$d/secs") s: $desc" >&2
	return "$rc"
}

stop_server() {
	if [ -n "$SERVER" ]; then
		kill "$SERVER" 2>/dev/null
		wait "$SERVER" 2>/dev/null
		SERVER=
	fi
}

finish() {
	stop_server
	# the fault server's request log, for the report's request counts
	python3 "$REPO/tests/gpu/report.py" "$W" "$OUT" >>"$LOG" 2>&1 ||
		echo "validate: writing the report failed (see $LOG)" >&2
	cp "$W/steps.tsv" "$OUT/steps.tsv" 2>/dev/null
	# what the report was made from, to remake it elsewhere (report.py WORKDIR OUTDIR)
	(cd "$W" && tar -czf "$OUT/record.tar.gz" meta steps gets_* 2>/dev/null)
	if [ "${GPUVAL_KEEP:-}" = 1 ]; then
		echo "validate: kept $W" >&2
	else
		rm -rf "$W/cudahome" # hard links to the machine's CUDA: no chmod on those
		chmod -R u+w "$W" 2>/dev/null
		rm -rf "$W"
	fi
	echo "validate: report in $OUT/gpu-validation.md" >&2
}
trap finish EXIT
trap 'exit 143' TERM INT

{
	echo "start $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "repo $REPO ($(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown))"
	echo "cuenv $CUENV"
	echo "bundle ${BUNDLE:-none}"
	echo "cuda_src $CUDA_SRC"
	echo "spec $SPEC"
	echo "work $W"
	echo "budget $BUDGET"
} >"$W/meta"

# ---- the machine ----------------------------------------------------------------------
step gpu 30 "GPU and driver" \
	'nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader'
step os 10 "kernel, OS, glibc, CPUs" \
	'uname -r; . /etc/os-release && echo "$PRETTY_NAME"; ldd --version | head -1; nproc'
step syscuda 30 "the machine's own CUDA and cuDNN, and ld.so.cache" \
	'readlink -f "$CUDA_SRC"; "$CUDA_SRC/bin/nvcc" --version | tail -2;
	 for h in "$CUDA_SRC"/include/cudnn_version.h /usr/include/cudnn_version.h /usr/include/x86_64-linux-gnu/cudnn_version.h; do
	   [ -f "$h" ] && { echo "$h:"; grep -E "^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) " "$h"; break; }; done;
	 echo "ld.so.cache:"; ldconfig -p | grep -E "libcudart\.so|libcudnn\.so|libcuda\.so" | sed "s/^\t*//"'
step cuenv 10 "cuenv and the libraries it runs with" \
	'"$CUENV" --version; [ -f "${CUENV%/bin/cuenv}/BUNDLE.txt" ] && head -3 "${CUENV%/bin/cuenv}/BUNDLE.txt";
	 echo "this machine has:"; ldconfig -p | grep -E "libarchive\.so|libjansson\.so|libcurl\.so|libcrypto\.so" | sed "s/^\t*//" || echo "  (none of libarchive, libjansson, libcurl, libcrypto)";
	 echo "ldd:"; ldd "$CUENV"'
step torchinfo 60 "PyTorch and how its CUDA libraries are found" \
	'python3 - <<"PY"
import os, glob, subprocess
import torch
d = os.path.dirname(torch.__file__)
print("torch", torch.__version__, "at", d, "cuda", torch.version.cuda)
for lib in ("libtorch_cuda.so", "libtorch_global_deps.so"):
    p = os.path.join(d, "lib", lib)
    if os.path.exists(p):
        dyn = subprocess.run(["readelf", "-d", p], capture_output=True, text=True).stdout
        for line in dyn.splitlines():
            if "RPATH" in line or "RUNPATH" in line or ("NEEDED" in line and ("cud" in line or "cublas" in line)):
                print(lib, line.split(None, 1)[1].strip())
sp = os.path.dirname(d)
for p in sorted(glob.glob(os.path.join(sp, "nvidia", "*", "lib", "lib*.so*"))):
    if "cudart" in p or "cudnn" in p:
        print("wheel library", p)
    if p.endswith("/libcudnn.so.9"):
        dyn = subprocess.run(["readelf", "-d", p], capture_output=True, text=True).stdout
        for line in dyn.splitlines():
            if "RPATH" in line or "RUNPATH" in line:
                print("libcudnn.so.9 (wheel)", line.split(None, 1)[1].strip())
PY'

# ---- the source and the server --------------------------------------------------------
# mkrealmirror.py packages cuDNN only where its libraries sit in the CUDA prefix. Where the
# machine has cuDNN elsewhere (Ubuntu's libcudnn9-cuda-13 package: /usr/lib/x86_64-linux-gnu
# and /usr/include/x86_64-linux-gnu), give it a prefix that has both: the CUDA tree as hard
# links (a copy where /tmp is another file system) plus cuDNN's headers and libraries.
MIRROR_HOME=$CUDA_SRC
if ! ls "$CUDA_SRC"/lib64/libcudnn.so* "$CUDA_SRC"/lib/libcudnn.so* >/dev/null 2>&1 &&
	ldconfig -p | grep -q 'libcudnn\.so\.9 '; then
	MIRROR_HOME=$W/cudahome
	export MIRROR_HOME
	step cudahome 120 "a prefix with the machine's CUDA and its cuDNN together, for mkrealmirror.py" \
		'set -e; src=$(readlink -f "$CUDA_SRC")
		 cp -al "$src" "$MIRROR_HOME" 2>/dev/null || { rm -rf "$MIRROR_HOME"; cp -a "$src" "$MIRROR_HOME"; }
		 lib=$(readlink -f "$MIRROR_HOME/lib64"); inc=$(readlink -f "$MIRROR_HOME/include")
		 case "$lib:$inc" in "$MIRROR_HOME"/*:"$MIRROR_HOME"/*) ;; *) echo "lib64 or include leads out of the copy: $lib $inc"; exit 1;; esac
		 dnnlib=$(dirname "$(ldconfig -p | awk "/libcudnn\\.so\\.9 /{print \$NF; exit}")")
		 for f in "$dnnlib"/libcudnn*.so*; do
		   t=$(readlink "$f" || true); r=$(readlink -f "$f")
		   if [ -n "$t" ] && [ "${t#*/}" = "$t" ]; then cp -P "$f" "$lib/"
		   elif [ -n "$t" ] && [ "$(dirname "$r")" = "$(readlink -f "$dnnlib")" ]; then ln -sfn "${r##*/}" "$lib/${f##*/}"
		   else cp -L "$f" "$lib/"; fi
		 done
		 for d in /usr/include/x86_64-linux-gnu /usr/include "$dnnlib/../include"; do
		   for h in "$d"/cudnn*.h; do [ -e "$h" ] && [ ! -e "$inc/${h##*/}" ] && cp -L "$h" "$inc/"; done
		 done
		 echo "cuDNN from $dnnlib:"; ls -l "$lib" | grep cudnn; echo "headers:"; ls "$inc" | grep cudnn | tr "\n" " "; echo'
fi
echo "mirror_home $MIRROR_HOME" >>"$W/meta"
export MIRROR_HOME
step mirror 300 "build the source from $MIRROR_HOME (mkrealmirror.py)" \
	'python3 tests/fixtures/mkrealmirror.py "$MIRROR_DIR" --cuda-home "$MIRROR_HOME" --threads "$(nproc)" '"${GPUVAL_MIRROR_ARGS:-}"'
	 rc=$?; echo "mkrealmirror exit $rc"; exit $rc'
MIRROR_ROOT=$(find "$MIRROR_DIR" -maxdepth 4 -type d -path '*/cuda/redist' 2>/dev/null | head -1)
MIRROR_ROOT=${MIRROR_ROOT%/cuda/redist}
export MIRROR_ROOT
echo "mirror_root ${MIRROR_ROOT:-none}" >>"$W/meta"
step mirrorinfo 30 "what the source holds" \
	'[ -n "$MIRROR_ROOT" ] || { echo "no cuda/redist under $MIRROR_DIR"; exit 1; }
	 cd "$MIRROR_ROOT" && ls cuda/redist/redistrib_*.json cudnn/redist/redistrib_*.json &&
	 echo "archives served: $(find cuda cudnn -name "*.tar.xz" | wc -l), bytes: $(find cuda cudnn -name "*.tar.xz" -printf "%s\n" | awk "{s+=\$1} END {print s}")"'

if [ -n "$MIRROR_ROOT" ]; then
	python3 "$REPO/tests/fixtures/fault_server.py" --root "$MIRROR_ROOT" --lifetime 1800 \
		>"$W/server.out" 2>"$W/server.err" &
	SERVER=$!
	for _ in $(seq 1 100); do
		port=$(sed -n 's/^PORT //p' "$W/server.out")
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "${port:-}" ] && export CUENV_MIRROR=http://127.0.0.1:$port
fi
echo "mirror_url ${CUENV_MIRROR:-none}" >>"$W/meta"

# archive requests the server has seen so far (its /__log)
archive_gets() {
	[ -n "${CUENV_MIRROR:-}" ] || { echo 0; return; }
	python3 -c '
import json, sys, urllib.request
log = json.load(urllib.request.urlopen(sys.argv[1] + "/__log", timeout=10))
print(sum(1 for e in log if e.get("path", "").endswith(".tar.xz") and e.get("method") == "GET"))
' "$CUENV_MIRROR" 2>/dev/null || echo "?"
}

# ---- install ----------------------------------------------------------------------------
step resolve 30 "the plan" '"$CUENV" resolve "$SPEC"'
step install_cold 400 "install into an empty root and cache (download, verify, unpack, merge)" \
	'"$CUENV" install "$SPEC" --json'
archive_gets >"$W/gets_after_cold"
PREFIX=$("$CUENV" prefix "$SPEC" 2>/dev/null)
export PREFIX
echo "prefix ${PREFIX:-none}" >>"$W/meta"
step install_again 30 "the same install again" '"$CUENV" install "$SPEC" --json'

# ---- through cuenv exec -----------------------------------------------------------------
step exec_env 30 "what cuenv exec gives a program" \
	'"$CUENV" exec "$SPEC" -- sh -c '"'"'command -v nvcc; nvcc --version | tail -2; echo "CUDA_HOME=$CUDA_HOME"; echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"'"'"''
step a_build 120 "(a) nvcc from the env builds vector_add.cu" \
	'"$CUENV" exec "$SPEC" -- nvcc -O2 -cudart shared -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 -o "$W/vector_add" tests/gpu/vector_add.cu'
step a_run 60 "(a) vector_add through cuenv exec (first run)" '"$CUENV" exec "$SPEC" -- "$W/vector_add"'
step b_build 60 "(b) cc builds conv.c against the env's cuDNN" \
	'"$CUENV" exec "$SPEC" -- sh -c '"'"'cc -std=c11 -O2 -Wall -o "$W/conv" tests/gpu/conv.c -I"$CUDA_HOME/include" -L"$CUDA_HOME/lib" -lcudnn -lcudart -lm'"'"''
step b_run 60 "(b) conv through cuenv exec (first run)" '"$CUENV" exec "$SPEC" -- "$W/conv"'
step c_run 120 "(c) PyTorch cuDNN convolution through cuenv exec" \
	'"$CUENV" exec "$SPEC" -- python3 -c "$(cat tests/gpu/torch_conv.py)"'

# ---- controls: the same programs without cuenv -----------------------------------------
step a_control 60 "control: vector_add without cuenv" '"$W/vector_add"'
step b_control 60 "control: conv without cuenv" '"$W/conv"'
step c_control 120 "control: PyTorch without cuenv" 'python3 -c "$(cat tests/gpu/torch_conv.py)"'

# ---- install timings: a warm cache, and the verification alone --------------------------
archive_gets >"$W/gets_before_warm"
step install_warm 300 "install into a second empty root, the cache warm (verify, unpack, merge)" \
	'CUENV_ROOT="$W/root2" "$CUENV" install "$SPEC" --json'
archive_gets >"$W/gets_after_warm"
step sha256 120 "sha256sum of the cached archives (coreutils, for comparison)" \
	'ls "$CUENV_CACHE"/archives/*.tar.xz | wc -l; du -cb "$CUENV_CACHE"/archives/*.tar.xz | tail -1; sha256sum "$CUENV_CACHE"/archives/*.tar.xz >/dev/null && echo ok'
step sizes 60 "the env on disk" \
	'"$CUENV" list; du -sh "$CUENV_ROOT" "$W/root2" "$CUENV_CACHE" 2>/dev/null'

# ---- (e) cuenv doctor and the load audit, last: they never delay the steps above ------
step doctor 120 "(e) cuenv doctor: driver, GPUs, compiler, loader, Python against the env" \
	'"$CUENV" doctor "$SPEC"'
step doctor_json 120 "(e) cuenv doctor --json" '"$CUENV" doctor "$SPEC" --json'
step audit_torch 180 "(e) PyTorch's convolution under cuenv exec --audit" \
	'"$CUENV" exec --audit --json --report "$W/audit.json" "$SPEC" -- python3 tests/gpu/torch_conv.py
	 rc=$?; echo "AUDIT-JSON $(cat "$W/audit.json" 2>/dev/null)"; exit $rc'
step audit_torch_text 180 "(e) the same, the audit as text" \
	'"$CUENV" exec --audit --report "$W/audit.txt" "$SPEC" -- python3 tests/gpu/torch_conv.py >/dev/null
	 rc=$?; cat "$W/audit.txt"; exit $rc'

exit 0
