# SPDX-License-Identifier: MIT
"""PyTorch half of tests/gpu/validate.sh (run as `python3 -c "$(cat tests/gpu/torch_conv.py)"`,
inside and outside `cuenv exec`): a cuDNN convolution on the GPU, compared with the CPU in
float64, then the versions PyTorch reports and every CUDA library file the process has
mapped (MAP lines), so the caller can tell which copy of libcudart/libcudnn was used."""
import os
import re
import sys

try:
    import torch
except Exception as e:  # noqa: BLE001
    print(f"NO TORCH: {e!r}")
    sys.exit(4)

print("torch.__version__:", torch.__version__)
print("torch.__file__:", torch.__file__)
print("torch.version.cuda:", torch.version.cuda)
print("LD_LIBRARY_PATH:", os.environ.get("LD_LIBRARY_PATH", ""))
print("CUDA_HOME:", os.environ.get("CUDA_HOME", ""))
rc = 0
if not torch.cuda.is_available():
    print("NO GPU: torch.cuda.is_available() is False")
    rc = 77
else:
    try:
        torch.backends.cudnn.enabled = True
        torch.backends.cudnn.allow_tf32 = False  # plain float32, as conv.c (CUDNN_FMA_MATH)
        g = torch.Generator().manual_seed(0)
        x = torch.rand(1, 3, 16, 16, generator=g, dtype=torch.float64) * 2 - 1
        w = torch.rand(8, 3, 3, 3, generator=g, dtype=torch.float64) * 2 - 1
        ref = torch.nn.functional.conv2d(x, w, padding=1)
        print("device:", torch.cuda.get_device_name(0))
        print("torch.backends.cudnn.version():", torch.backends.cudnn.version())
        print("torch.backends.cudnn.is_available():", torch.backends.cudnn.is_available())
        y = torch.nn.functional.conv2d(x.float().cuda(), w.float().cuda(), padding=1)
        torch.cuda.synchronize()
        y = y.double().cpu()
        floor = 1e-3 * ref.abs().max()
        err = ((y - ref).abs() / torch.maximum(ref.abs(), floor)).max().item()
        print(f"max relative error {err:.3e} (bound 1e-3)")
        if err >= 1e-3:
            rc = 1
    except Exception as e:  # noqa: BLE001  (the maps below are wanted all the same)
        print("ERROR:", " ".join(f"{type(e).__name__}: {e}".split()))
        rc = 1
    print("RESULT", "OK" if rc == 0 else "FAIL")

pat = re.compile(r"/lib(cuda\.|cudart|cudnn|cublas|nvrtc|nvJitLink|cufft|curand|cusolver|"
                 r"cusparse|nvvm|cupti|nccl|nvidia-|nvToolsExt)[^/]*$")
seen = []
with open("/proc/self/maps") as f:
    for line in f:
        parts = line.split(None, 5)
        if len(parts) == 6:
            p = parts[5].strip()
            if pat.search(p) and p not in seen:
                seen.append(p)
for p in seen:
    print("MAP", p)
sys.exit(rc)
