/*
 * Linked against an env's libcudart and libcudnn (-lcudart -lcudnn, no
 * RUNPATH: the loader must find them through LD_LIBRARY_PATH). Prints
 *   cudart <cudaRuntimeGetVersion()>      e.g. 13000 (no GPU needed)
 *   cudnn <cudnnGetVersion()> for cudart <cudnnGetCudartVersion()>
 *   sublibs <what libcudnn loaded>
 *   map <path>                            every libcu* / libnv* file mapped
 * With real cuDNN 9, creating a tensor and a backend descriptor makes
 * libcudnn dlopen() libcudnn_graph/libcudnn_ops without a GPU; the calls
 * are looked up with dlsym() so that the same source builds against the
 * test mirror's small stand-in libraries (they have neither function; their
 * cuenv_fixture_dlopen_sublibs() dlopen()s the sub-libraries instead).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include "maps.h"

typedef int (*create_fn)(void **);
typedef int (*backend_fn)(int, void **);
typedef int (*fixture_fn)(void);

int main(void)
{
	int v = -1;
	create_fn tensor = (create_fn)dlsym(RTLD_DEFAULT, "cudnnCreateTensorDescriptor");
	backend_fn backend = (backend_fn)dlsym(RTLD_DEFAULT, "cudnnBackendCreateDescriptor");
	fixture_fn fixture = (fixture_fn)dlsym(RTLD_DEFAULT, "cuenv_fixture_dlopen_sublibs");

	cudaRuntimeGetVersion(&v);
	printf("cudart %d\n", v);
	printf("cudnn %zu for cudart %zu\n", (size_t)cudnnGetVersion(), (size_t)cudnnGetCudartVersion());
	if (tensor && backend) {
		void *t = NULL, *b = NULL;
		int rt = tensor(&t), rb = backend(3 /* CUDNN_BACKEND_TENSOR_DESCRIPTOR */, &b);

		printf("sublibs tensor %d backend %d\n", rt, rb);
	} else if (fixture) {
		printf("sublibs fixture %d failed\n", fixture());
	}
	print_cuda_maps();
	return 0;
}
