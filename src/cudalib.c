// SPDX-License-Identifier: MIT
/* The families of CUDA shared objects, by file name. */
#include "cudalib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct family {
	const char *stem;	/* "cudnn", or "cudnn_" for a prefix */
	const char *family;
	const char *title;
};

/* A stem ending in '_' or '-' is a prefix; the others match exactly. */
static const struct family families[] = {
	{ "cuda", "driver", "CUDA driver" },
	{ "nvidia-", "driver", "CUDA driver" },
	{ "cudadebugger", "driver", "CUDA driver" },
	{ "cudart", "cudart", "CUDA runtime" },
	{ "cublas", "cublas", "cuBLAS" },
	{ "cublasLt", "cublas", "cuBLAS" },
	{ "nvblas", "cublas", "cuBLAS" },
	{ "cudnn", "cudnn", "cuDNN" },
	{ "cudnn_", "cudnn", "cuDNN" },
	{ "nccl", "nccl", "NCCL" },
	{ "nvJitLink", "nvjitlink", "nvJitLink" },
	{ "nvrtc", "nvrtc", "NVRTC" },
	{ "nvrtc-builtins", "nvrtc", "NVRTC" },
	{ "nvrtc.alt", "nvrtc", "NVRTC" },
	{ "nvrtc-builtins.alt", "nvrtc", "NVRTC" },
	{ "cufft", "cufft", "cuFFT" },
	{ "cufftw", "cufft", "cuFFT" },
	{ "curand", "curand", "cuRAND" },
	{ "cusolver", "cusolver", "cuSOLVER" },
	{ "cusolverMg", "cusolver", "cuSOLVER" },
	{ "cusparse", "cusparse", "cuSPARSE" },
	{ "cusparseLt", "cusparselt", "cuSPARSELt" },
	{ "npp", "npp", "NPP" },
	{ "nppc", "npp", "NPP" },
	{ "nppi", "npp", "NPP" },
	{ "npps", "npp", "NPP" },
	{ "nvjpeg", "nvjpeg", "nvJPEG" },
	{ "cupti", "cupti", "CUPTI" },
	{ "nvperf_host", "cupti", "CUPTI" },
	{ "nvperf_target", "cupti", "CUPTI" },
	{ "pcsamplingutil", "cupti", "CUPTI" },
	{ "nvvm", "nvvm", "NVVM" },
	{ "cufile", "cufile", "cuFile" },
	{ "cufile_rdma", "cufile", "cuFile" },
	{ "nvfatbin", "nvfatbin", "nvFatbin" },
	{ "nvToolsExt", "nvtx", "NVTX" },
	{ "nvtx3interop", "nvtx", "NVTX" },
	{ "cutensor", "cutensor", "cuTENSOR" },
	{ "cudss", "cudss", "cuDSS" },
};

#define NR_FAMILIES (sizeof(families) / sizeof(families[0]))

static const struct family *lookup(const char *stem)
{
	size_t i, n;

	for (i = 0; i < NR_FAMILIES; i++) {
		n = strlen(families[i].stem);
		if (families[i].stem[n - 1] == '_' || families[i].stem[n - 1] == '-') {
			if (!strncmp(stem, families[i].stem, n) && stem[n])
				return &families[i];
		} else if (!strcmp(stem, families[i].stem)) {
			return &families[i];
		}
	}
	/* NPP's many libraries: nppial, nppicc, nppidei, nppif, ... */
	if (!strncmp(stem, "nppi", 4) || !strncmp(stem, "npps", 4))
		return lookup("npp");
	return NULL;
}

bool cudalib_parse(const char *name, struct cudalib *out)
{
	const char *so = strstr(name, ".so"), *f;
	const struct family *fam;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strncmp(name, "lib", 3) || !so || (so[3] && so[3] != '.'))
		return false;
	n = (size_t)(so - name - 3);
	if (n == 0 || n >= sizeof(out->stem))
		return false;
	memcpy(out->stem, name + 3, n);
	out->stem[n] = '\0';
	if (!(fam = lookup(out->stem)))
		return false;
	out->family = fam->family;
	f = so[3] ? so + 4 : "";
	snprintf(out->version, sizeof(out->version), "%s", f);
	return true;
}

int cudalib_major(const struct cudalib *l)
{
	char *end;
	long v = strtol(l->version, &end, 10);

	return end == l->version || v < 0 || v > 9999 ? -1 : (int)v;
}

const char *cudalib_family_title(const char *family)
{
	size_t i;

	for (i = 0; i < NR_FAMILIES; i++) {
		if (!strcmp(families[i].family, family))
			return families[i].title;
	}
	return family;
}
