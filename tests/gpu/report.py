#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write gpu-validation.md from what tests/gpu/validate.sh recorded.

usage: report.py WORKDIR OUTDIR

WORKDIR holds meta (key value lines), steps/order and steps/<id>/{desc,cmd,rc,secs,out},
gets_* (archive requests the server had seen). Every figure in the report is read from
there: nothing is estimated, and a step that did not run is reported as such.
"""
import json
import os
import re
import sys

W, OUT = sys.argv[1], sys.argv[2]


def read(path, default=""):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return default


meta = {}
for line in read(os.path.join(W, "meta")).splitlines():
    k, _, v = line.partition(" ")
    meta[k] = v

steps = {}
order = [s for s in read(os.path.join(W, "steps", "order")).split() if s]
for sid in order:
    d = os.path.join(W, "steps", sid)
    rc = read(os.path.join(d, "rc")).strip()
    steps[sid] = {
        "desc": read(os.path.join(d, "desc")),
        "cmd": read(os.path.join(d, "cmd")),
        "rc": rc if rc else "not finished",
        "secs": read(os.path.join(d, "secs")).strip(),
        "out": read(os.path.join(d, "out")),
    }


def out(sid):
    return steps.get(sid, {}).get("out", "")


def ran_ok(sid):
    return steps.get(sid, {}).get("rc") == "0"


def secs(sid):
    s = steps.get(sid, {}).get("secs", "")
    return f"{float(s):.2f} s" if s else "not measured"


def status(sid):
    s = steps.get(sid)
    if not s:
        return "not run"
    if s["rc"] == "skipped":
        return "skipped (time budget)"
    return f"exit {s['rc']}"


def grab(text, pattern, default=None):
    m = re.search(pattern, text, re.M)
    return m.group(1).strip() if m else default


def json_line(text):
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def gets(name):
    v = read(os.path.join(W, name)).strip()
    return int(v) if v.isdigit() else None


def realpath(p):
    return os.path.realpath(p) if p else p


# the folder the run used (the record may be read elsewhere: report.py DIR OUTDIR)
WR = meta.get("work", W)
ROOTS = [r for r in {realpath(os.path.join(WR, "root")), realpath(os.path.join(WR, "root2")),
                     os.path.join(WR, "root"), os.path.join(WR, "root2")} if r]


def classify(path):
    base = os.path.basename(path)
    if base.startswith("libcuda.") or base.startswith("libnvidia-"):
        return "driver"
    if any(path.startswith(r + "/") for r in ROOTS):
        return "cuenv env"
    if "/usr/local/cuda" in path:
        return "system CUDA (/usr/local/cuda)"
    if "site-packages/" in path or "dist-packages/" in path:
        return "PyTorch's wheels"
    if re.match(r"/(usr/)?lib(64)?/", path):
        return "system library directory"
    return "other"


def maps(sid):
    return [line[4:].strip() for line in out(sid).splitlines() if line.startswith("MAP ")]


def no_gpu(sid):
    return "NO GPU" in out(sid)


def lib_table(sid):
    rows = maps(sid)
    if not rows:
        return "(no CUDA library mapped, or the step did not run)\n"
    s = "| library file mapped | from |\n| --- | --- |\n"
    for p in rows:
        s += f"| `{shorten(p)}` | {classify(p)} |\n"
    return s


def shorten(p):
    for r in ROOTS:
        if p.startswith(r + "/"):
            return "$CUENV_ROOT" + ("2" if r.endswith("root2") else "") + p[len(r):]
    return p


def maps_verdict(sid, need):
    """(ok, text): every CUDA library but the driver's from the env, and those in need seen."""
    rows = maps(sid)
    if not steps.get(sid) or steps[sid]["rc"] == "skipped":
        return None, "not run"
    if no_gpu(sid) and not rows:
        return None, "no GPU, nothing mapped"
    bad = [p for p in rows if classify(p) not in ("cuenv env", "driver")]
    missing = [n for n in need if not any(os.path.basename(p).startswith(n) for p in rows)]
    if bad:
        return False, "FAIL: from outside the env: " + ", ".join(f"`{p}`" for p in bad)
    if missing:
        return False, "FAIL: not mapped at all: " + ", ".join(missing)
    env_libs = sum(1 for p in rows if classify(p) == "cuenv env")
    drv = sum(1 for p in rows if classify(p) == "driver")
    if no_gpu(sid):
        return None, (f"without a GPU: {env_libs} CUDA libraries loaded at start, all from the "
                      f"env prefix, none from /usr/local/cuda (those loaded on first GPU use "
                      f"not seen)")
    return True, (f"PASS: {env_libs} CUDA libraries mapped, all from the env prefix; "
                  f"{drv} driver file(s) from the system; none from /usr/local/cuda")


def result_of(sid):
    s = steps.get(sid)
    if not s:
        return "not run"
    if s["rc"] == "skipped":
        return "skipped (time budget)"
    if no_gpu(sid):
        return "NOT RUN ON A GPU: " + grab(s["out"], r"^NO GPU: (.*)$", "no GPU")
    if "RESULT OK" in s["out"] and s["rc"] == "0":
        return "PASS"
    return f"FAIL (exit {s['rc']})"


def audit_json():
    for line in out("audit_torch").splitlines():
        if line.startswith("AUDIT-JSON {"):
            try:
                return json.loads(line[len("AUDIT-JSON "):])
            except ValueError:
                return None
    return None


md = []
w = md.append
gpu_line = out("gpu").strip().splitlines()
gpu_line = gpu_line[0] if gpu_line and steps["gpu"]["rc"] == "0" else None
os_lines = out("os").strip().splitlines()
cold = json_line(out("install_cold"))
again = json_line(out("install_again"))
warm = json_line(out("install_warm"))

w("# cuenv on a real GPU\n")
w("Written by `tests/gpu/validate.sh` through `tests/gpu/report.py` (issue 5, \"On a real "
  "GPU\"); every figure below was measured by that run, and the commands are shown exactly as "
  "it ran them. Regenerate with `tools/gpu-bundle.sh` on a development machine, then "
  "`tests/gpu/validate.sh` on the GPU machine with `build/cuenv-gpu` carried along; "
  "`report.py DIR OUTDIR` remakes this file from the run's `record.tar.gz` unpacked in DIR.\n")
bundle_git = grab(out("cuenv"), r"^git (\S+)$")
w(f"Run started {meta.get('start', '?')}; source tree `{meta.get('repo', '?').split(' ', 1)[-1]}`"
  + (f", cuenv bundle built from git `{bundle_git}`" if bundle_git else "") + ".\n")

w("## Machine and versions seen\n")
w("| | |\n| --- | --- |")
if gpu_line:
    parts = [p.strip() for p in gpu_line.split(",")]
    w(f"| GPU | {parts[0]} ({parts[2] if len(parts) > 2 else '?'}, compute capability "
      f"{parts[3] if len(parts) > 3 else '?'}) |")
    w(f"| driver | {parts[1] if len(parts) > 1 else '?'} |")
else:
    w(f"| GPU | none: `nvidia-smi` {status('gpu')}: {out('gpu').strip()[:200]} |")
if os_lines:
    w(f"| kernel | {os_lines[0]} |")
    if len(os_lines) > 2:
        w(f"| OS | {os_lines[1]}, {os_lines[2]} |")
    if len(os_lines) > 3:
        w(f"| CPUs | {os_lines[3]} |")
sc = out("syscuda")
w(f"| the machine's CUDA | `{meta.get('cuda_src', '?')}` -> `{sc.splitlines()[0] if sc else '?'}`: "
  f"{grab(sc, r'^(Cuda compilation tools.*)$', '?')} |")
maj, mnr, pl = (grab(sc, rf"CUDNN_{k} (\d+)") for k in ("MAJOR", "MINOR", "PATCHLEVEL"))
w(f"| the machine's cuDNN (header) | {maj}.{mnr}.{pl} |" if maj else "| the machine's cuDNN | not found |")
cache_lines = [ln for ln in sc.split("ld.so.cache:", 1)[-1].splitlines() if ln.strip()] if "ld.so.cache:" in sc else []
w(f"| CUDA in `ld.so.cache` | {len(cache_lines)} entries for libcuda/libcudart/libcudnn"
  + (f", e.g. `{cache_lines[0]}`" if cache_lines else "") + " |")
w(f"| cuenv | {grab(out('cuenv'), r'^(cuenv [0-9.]+.*)$', '?')}; "
  f"{'bundle ' + meta.get('bundle', '') if meta.get('bundle', 'none') != 'none' else 'bin/cuenv of the checkout'} |")
bl = grab(out("cuenv"), r"^(cuenv bundle built .*)$")
if bl:
    w(f"| bundle | {bl} |")
ti = out("torchinfo")
torch_line = grab(ti, r"^torch (\S+ at \S+ cuda \S+)", "not found: " + status("torchinfo"))
w(f"| PyTorch | {torch_line} |")
w("")
have = grab(out("cuenv"), r"this machine has:\n((?:.|\n)*?)\nldd:", "")
w("Libraries for cuenv that this machine has itself (the bundle brings its own, found "
  "through cuenv's DT_RPATH `$ORIGIN/../lib`):\n")
w("```\n" + (have.strip() or "(none)") + "\n```\n")

src_line = f"`tests/fixtures/mkrealmirror.py` over `{meta.get('mirror_home', '?')}`"
if "cudahome" in steps:
    dnn_from = grab(out("cudahome"), r"^cuDNN from (\S+):$", "?")
    src_line += (f" = the machine's CUDA (`{meta.get('cuda_src', '?')}`, hard links) plus the cuDNN of "
                 f"`{dnn_from}` (step cudahome: this machine's cuDNN is not inside its CUDA prefix)")
done_line = grab(out("mirror"), r"^mkrealmirror: done: (.*)$", "?")
done_line = re.sub(r",? in \S+ \(", " (", done_line.replace(WR + "/", "$W/"))
w(f"The source cuenv installed from: {src_line}; mkrealmirror.py's summary: {done_line}. "
  f"Served on 127.0.0.1 by `tests/fixtures/fault_server.py`.\n")
w("## Results\n")
w("| check | result | detail |\n| --- | --- | --- |")
if cold:
    w(f"| install `{meta.get('spec')}` into an empty root from 127.0.0.1 | "
      f"{'PASS' if ran_ok('install_cold') else 'FAIL'} | `{cold.get('name')}`: "
      f"{len(cold.get('archives', []))} archives, {cold.get('downloaded')} bytes downloaded |")
else:
    w(f"| install `{meta.get('spec')}` | FAIL ({status('install_cold')}) | see the log below |")
a = out("a_run")
a_vals = [grab(a, r"^(vector_add: .*)$", "-"), grab(a, r"^device: (.*)$", "no device"),
          grab(a, r"cudaRuntimeGetVersion: (\d+)", "?"), grab(a, r"cudaDriverGetVersion: (\d+)", "?")]
w(f"| (a) kernel launch, result checked on the host | {result_of('a_run')} | "
  f"{a_vals[0]}; {a_vals[1]}; cudaRuntimeGetVersion {a_vals[2]}, cudaDriverGetVersion {a_vals[3]} |")
b = out("b_run")
b_vals = [grab(b, r"^(max abs error .*)$", "no GPU result"), grab(b, r"cudnnGetVersion: (\d+)", "?"),
          grab(b, r"^(algorithm .*)$", ""), grab(b, r"^(cpu reference .*)$", "")]
w(f"| (b) cuDNN forward convolution vs CPU double | {result_of('b_run')} | "
  f"{b_vals[0]}; cudnnGetVersion {b_vals[1]}; {b_vals[2]}; {b_vals[3]} |")
c = out("c_run")
c_vals = [grab(c, r"^(max relative error .*)$", None) or grab(c, r"^(ERROR: .*)$", "-"), grab(c, r"^torch.version.cuda: (.*)$", "?"),
          grab(c, r"^torch.backends.cudnn.version\(\): (.*)$", "?")]
w(f"| (c) PyTorch cuDNN convolution through `cuenv exec` | {result_of('c_run')} | "
  f"{c_vals[0]}; torch.version.cuda {c_vals[1]}, torch.backends.cudnn.version() {c_vals[2]} |")
for sid, label, need in (("a_run", "(d) vector_add's CUDA libraries", ["libcudart"]),
                         ("b_run", "(d) conv's CUDA libraries", ["libcudart", "libcudnn"])):
    ok, text = maps_verdict(sid, need)
    w(f"| {label} | {'PASS' if ok else ('FAIL' if ok is False else 'not run on a GPU')} | {text} |")
doc = json_line(out("doctor_json"))
if doc:
    sm = doc.get("summary", {})
    w(f"| (e) `cuenv doctor` against the env | exit {steps['doctor_json']['rc']} | "
      f"{sm.get('ok', '?')} ok, {sm.get('warning', '?')} warnings, {sm.get('error', '?')} errors "
      f"(section below) |")
aud = audit_json()
if aud is not None:
    w(f"| (e) PyTorch under `cuenv exec --audit` | {result_of('audit_torch')} | "
      f"{aud.get('libraries')} CUDA-family libraries loaded, {aud.get('outside_env')} from "
      f"outside the env, {aud.get('mixed')} families mixed (section below) |")
w("")

w("## Timings\n")
w("Wall time of each step (`date +%s.%N` before and after). The install steps' own "
  "figure (`seconds` in `cuenv install --json`) is given beside the wall time.\n")
w("| step | what | exit | wall time |\n| --- | --- | --- | --- |")
for sid in order:
    s = steps[sid]
    w(f"| `{sid}` | {s['desc']} | {status(sid)} | {secs(sid)} |")
w("")
w("### The install, in parts\n")
if cold:
    n_arch = len(cold.get("archives", []))
    w(f"- **Cold** (`install_cold`: empty `CUENV_ROOT`, empty `CUENV_CACHE`): download from the "
      f"local server with SHA-256 computed as bytes arrive, unpack into the store, merge the "
      f"env: {secs('install_cold')} wall, cuenv's own figure {cold.get('seconds')} s; "
      f"{cold.get('downloaded')} bytes in {n_arch} archives; the server saw "
      f"{gets('gets_after_cold')} archive GETs.")
    if n_arch:
        w("")
        w("| archive | version | bytes | state |\n| --- | --- | --- | --- |")
        for arc in cold.get("archives", []):
            w(f"| {arc.get('name')} | {arc.get('version')} | {arc.get('size')} | {arc.get('state')} |")
        w("")
if again:
    w(f"- **Again** (`install_again`): already installed = {again.get('already_installed')}, "
      f"{again.get('downloaded')} bytes downloaded, {secs('install_again')} wall.")
if warm:
    g0, g1 = gets("gets_before_warm"), gets("gets_after_warm")
    delta = (g1 - g0) if g0 is not None and g1 is not None else "?"
    w(f"- **Warm cache** (`install_warm`: a second empty root, the same cache): re-verify the "
      f"cached archives, unpack, merge, no download: {secs('install_warm')} wall, cuenv's own "
      f"figure {warm.get('seconds')} s, {warm.get('downloaded')} bytes downloaded, archive GETs "
      f"during it: {delta}.")
    if cold and steps["install_cold"]["secs"] and steps["install_warm"]["secs"]:
        diff = float(steps["install_cold"]["secs"]) - float(steps["install_warm"]["secs"])
        w(f"- Cold minus warm: {diff:.2f} s. cuenv overlaps download and hashing, so this "
          f"difference is what the download cost on top of verifying and unpacking, not a "
          f"separate measurement of the transfer.")
sh = out("sha256")
if ran_ok("sha256"):
    lines = sh.split()
    w(f"- For comparison, coreutils `sha256sum` over the {lines[0]} cached archives "
      f"({lines[1]} bytes): {secs('sha256')}.")
w("- First program runs (process start through `cuenv exec`, CUDA initialisation, the work, "
  f"exit): vector_add {secs('a_run')}, conv {secs('b_run')}, PyTorch {secs('c_run')}; the same "
  f"without cuenv: {secs('a_control')}, {secs('b_control')}, {secs('c_control')}.")
w("")

w("## Which libraries each program used (`/proc/self/maps`)\n")
w("Each program prints the CUDA library files it has mapped after its GPU work. `cuenv env` "
  "means under `$CUENV_ROOT` (the env prefix links into cuenv's store); `driver` is "
  "`libcuda.so`/`libnvidia-*`, which always come from the system. The controls run the same "
  "binaries without cuenv, to show that the check can fail: `/usr/local/cuda` is in "
  "`ld.so.cache`.\n")
for sid, title in (("a_run", "(a) vector_add through `cuenv exec`"),
                   ("b_run", "(b) conv through `cuenv exec`"),
                   ("c_run", "(c) PyTorch through `cuenv exec`"),
                   ("a_control", "control: vector_add without cuenv"),
                   ("b_control", "control: conv without cuenv"),
                   ("c_control", "control: PyTorch without cuenv")):
    w(f"### {title}\n")
    w(lib_table(sid))


def torch_source(sid, pat):
    return sorted({classify(p) for p in maps(sid) if re.search(pat, os.path.basename(p))})


w("## PyTorch: which copy it used\n")
if steps.get("c_run") and (maps("c_run") or "ERROR:" in c):
    def lines_for(sid):
        return [(p, classify(p)) for p in maps(sid)
                if re.match(r"lib(cudart|cudnn)", os.path.basename(p))]

    inside, outside = lines_for("c_run"), lines_for("c_control")
    err_line = grab(c, r"^ERROR: (.*)$")
    wheel_dnn = grab(out("c_control"), r"^torch.backends.cudnn.version\(\): (.*)$", "?")
    env_dnn = grab(out("b_run"), r"cudnnGetVersion: (\d+)", "?")
    torch_ver = grab(ti, r"^torch (\S+)", "?")
    dnn_raw = grab(ti, r"^libcudnn.so.9 \(wheel\)\s+(.*)$", "")
    dnn_rp = f"`{dnn_raw}`" if dnn_raw else "no DT_RPATH or DT_RUNPATH (step torchinfo)"
    torch_rpath = grab(ti, r"^libtorch_cuda.so \(RPATH\)\s+(.*)$", "?")
    w(f"PyTorch {torch_ver} was built for CUDA "
      f"{grab(c, r'^torch.version.cuda: (.*)$', '?')}; without cuenv it reports cuDNN "
      f"{wheel_dnn} (`torch.backends.cudnn.version()`, the copy in its `nvidia-cudnn` wheel); "
      f"the env's cuDNN reports {env_dnn} (`cudnnGetVersion()` in conv, step b_run). Its "
      f"libraries carry a DT_RPATH to the wheels (step torchinfo: "
      f"`{torch_rpath}`).\n")
    w("libcudart/libcudnn files mapped by the PyTorch process:\n")
    w("| file | from, through `cuenv exec` |\n| --- | --- |")
    for p, cls in inside:
        w(f"| `{shorten(p)}` | {cls} |")
    if not inside:
        w("| (none) | |")
    w("")
    w("| file | from, without cuenv |\n| --- | --- |")
    for p, cls in outside:
        w(f"| `{shorten(p)}` | {cls} |")
    if not outside:
        w("| (none) | |")
    w("")
    kinds = sorted({cls for _, cls in inside})
    if err_line:
        w(f"**Through `cuenv exec`, PyTorch did not run the convolution:** `{err_line}`\n")
    if kinds == ["PyTorch's wheels"]:
        w("Through `cuenv exec` PyTorch kept its wheels' copies: the env's `LD_LIBRARY_PATH` "
          "did not reach it.\n")
    elif kinds == ["cuenv env"]:
        w("Through `cuenv exec` PyTorch used the env's copies, not its wheels'.\n")
    elif len(kinds) > 1:
        env_files = [os.path.basename(p) for p, cls in inside if cls == "cuenv env"]
        w("Through `cuenv exec` PyTorch mixed copies: "
          + (", ".join(f"`{f}`" for f in env_files) if env_files else "none")
          + " came from the env, the rest from its wheels (tables above). The wheel's "
          f"`libcudnn.so.9` has {dnn_rp}. "
          + ("ld.so(8) uses a DT_RPATH only for an object without a DT_RUNPATH and searches "
             "`LD_LIBRARY_PATH` before a DT_RUNPATH: what PyTorch's own libraries load comes "
             "through their DT_RPATH from the wheels, while what a library with a DT_RUNPATH "
             "opens by name (cuDNN's sub-libraries) comes from the env that `cuenv exec` puts "
             "first in `LD_LIBRARY_PATH`.\n" if "RUNPATH" in dnn_raw else
             "Why ld.so took those files from the env was not established by this run.\n"))
    w("What users should be told (and what `cuenv doctor` should check): `cuenv exec`, the "
      "shims and the shell hook put the env's `lib/` first in `LD_LIBRARY_PATH` for every "
      "program, PyTorch included. PyTorch (like JAX and CuPy wheels) brings its own CUDA "
      "runtime and cuDNN and is tested only with those. Run it outside a cuenv env, or in an "
      "env whose CUDA major matches `torch.version.cuda` and whose cuDNN is the wheel's "
      "version; the env's `CUDA_HOME` and `nvcc` matter to PyTorch only when it compiles "
      "extensions. `cuenv doctor` should compare `torch.version.cuda` and "
      "`torch.backends.cudnn.version()` (run without the env) with the active env, and warn "
      "when the env's cuDNN differs from the wheel's.\n")
else:
    w(f"Not established: the PyTorch step {status('c_run')}"
      + (f" ({grab(c, r'^(NO (?:GPU|TORCH).*)$', '')})" if c else "") + ".\n")

w("## `cuenv doctor` and the load audit (issue 7)\n")
doc = json_line(out("doctor_json"))
if doc:
    drv = doc.get("driver", {})
    seen = (f"driver {drv.get('version')} ({drv.get('version_source')}), libcuda "
            f"`{drv.get('libcuda')}` supporting CUDA {drv.get('cuda_version')}, cuInit "
            f"{drv.get('cu_init')}" if drv.get("version") or drv.get("libcuda") else "no driver")
    gpus = ", ".join(f"{g['name']} ({g['compute_capability']})" for g in doc.get("gpus", []))
    w(f"`cuenv doctor {meta.get('spec', '?')}` (step doctor_json, {status('doctor_json')}, "
      f"{secs('doctor_json')}): {seen}; GPUs: "
      + (f"{gpus} (from the {drv.get('gpu_source')})" if gpus else "none") + ".\n")
    w("| check | status | found (first lines) | what to do |\n| --- | --- | --- | --- |")
    for c in doc.get("checks", []):
        found = "<br>".join(c["found"].splitlines()[:4]).replace("|", "\\|")
        todo = "<br>".join(c["todo"].splitlines()).replace("|", "\\|")
        w(f"| {c['title']} | {c['status']} | {found} | {todo} |")
    w("")
else:
    w(f"`cuenv doctor --json`: {status('doctor_json')}, no JSON document in its output.\n")
aud = audit_json()
if aud is not None:
    w(f"`cuenv exec --audit` of PyTorch's convolution (step audit_torch, {status('audit_torch')}, "
      f"{secs('audit_torch')}; without the audit, step c_run: {secs('c_run')}): "
      f"{aud.get('libraries')} CUDA-family libraries in {len(aud.get('processes', []))} "
      f"processes; {aud.get('outside_env')} from outside the env, {aud.get('mixed')} "
      "families loaded from two directories in one process.\n")
    w("| pid | library | family | file | where | flags |\n| --- | --- | --- | --- | --- | --- |")
    for p in aud.get("processes", []):
        for lib in p.get("libraries", []):
            flags = ", ".join(f for f, on in (("OUTSIDE THE ENV", lib.get("outside_env")),
                                                ("MIXED", lib.get("mixed"))) if on)
            w(f"| {p['pid']} | `{lib['name']}` | {lib['family']} | `{shorten(lib['file'])}` | "
              f"{lib['where']} | {flags} |")
    if not aud.get("libraries"):
        w("| | (none) | | | | |")
    w("")
else:
    w(f"`cuenv exec --audit`: {status('audit_torch')}, no audit report.\n")

w("## Commands\n")
w("Variables in the commands: "
  f"`REPO` the checkout, `CUENV` = `{shorten(meta.get('cuenv', '?')).replace(meta.get('repo', '?').split(' ')[0], '$REPO')}`, "
  f"`W` a fresh temporary folder, `CUENV_ROOT=$W/root`, `CUENV_CACHE=$W/cache`, "
  f"`CUENV_CONFIG=/dev/null`, `CUENV_MIRROR={meta.get('mirror_url', '?')}` "
  f"(`tests/fixtures/fault_server.py --root MIRROR_ROOT` with no fault set), "
  f"`SPEC={meta.get('spec', '?')}`, `CUDA_SRC={meta.get('cuda_src', '?')}`, "
  f"`MIRROR_DIR=$W/mirror`, `MIRROR_HOME` = the prefix given to mkrealmirror.py, `PREFIX` = `cuenv prefix $SPEC`.\n")
for sid in order:
    s = steps[sid]
    cmd = "\n".join(line.lstrip("\t") for line in s["cmd"].strip().splitlines())
    w(f"`{sid}` ({s['desc']}):\n\n```\n{cmd}\n```\n")

w("## Outputs\n")
w("Abridged; `validate.log` beside this file in the run's output has everything.\n")
for sid in ("gpu", "syscuda", "torchinfo", "cudahome", "mirror", "resolve", "exec_env",
            "a_run", "b_run", "c_run", "c_control", "install_warm", "sizes", "doctor",
            "audit_torch_text"):
    if sid in steps:
        text = steps[sid]["out"].strip()
        lines = text.splitlines()
        if len(lines) > 40:
            lines = lines[:30] + [f"... ({len(lines) - 36} lines) ..."] + lines[-6:]
        text = "\n".join(shorten_line for shorten_line in lines)
        for r in ROOTS:
            text = text.replace(r + "/", "$CUENV_ROOT/" if not r.endswith("root2") else "$CUENV_ROOT2/")
        text = text.replace(WR, "$W")
        w(f"`{sid}` ({status(sid)}):\n\n```\n{text}\n```\n")

report = "\n".join(md).rstrip() + "\n"
report = report.replace(WR + "/", "$W/")
with open(os.path.join(OUT, "gpu-validation.md"), "w", encoding="utf-8") as f:
    f.write(report)
with open(os.path.join(W, "steps.tsv"), "w", encoding="utf-8") as f:
    f.write("step\texit\tseconds\tdescription\n")
    for sid in order:
        s = steps[sid]
        f.write(f"{sid}\t{s['rc']}\t{s['secs']}\t{s['desc']}\n")
print(f"report: {os.path.join(OUT, 'gpu-validation.md')}")
