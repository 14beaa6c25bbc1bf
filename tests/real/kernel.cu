// A CUDA program for real_cuda.bats: a kernel that calls a __device__
// function defined in another file (kernel_lib.cu), so it only links with
// -rdc=true and a device link step (nvlink, libcudadevrt.a from the env).
// Built with -arch=sm_90 -cudart shared: libcudart comes from the env at
// run time. Prints
//   cudart <cudaRuntimeGetVersion()>     (no GPU needed)
//   map <path>                           every libcu* / libnv* file mapped
// then either "no device: <error name>" (exit 0: no GPU or no driver here)
// or launches the kernel and prints "kernel ok" (exit 0) or
// "kernel FAILED ..." (exit 1).
#include <cstdio>
#include <cuda_runtime.h>
#include "maps.h"

extern __device__ int cuenv_scale(int x);

__global__ void scale_all(int *v, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		v[i] = cuenv_scale(v[i]);
}

int main()
{
	const int n = 1000;
	int host[n], rt = -1, count = 0, *dev = nullptr;
	cudaError_t e;

	cudaRuntimeGetVersion(&rt);
	printf("cudart %d\n", rt);
	e = cudaGetDeviceCount(&count);
	print_cuda_maps();
	if (e != cudaSuccess || count == 0) {
		printf("no device: %s\n", e != cudaSuccess ? cudaGetErrorName(e) : "0 devices");
		return 0;
	}
	for (int i = 0; i < n; i++)
		host[i] = i;
	if ((e = cudaMalloc(&dev, sizeof(host))) != cudaSuccess ||
	    (e = cudaMemcpy(dev, host, sizeof(host), cudaMemcpyHostToDevice)) != cudaSuccess) {
		printf("kernel FAILED: %s\n", cudaGetErrorName(e));
		return 1;
	}
	scale_all<<<(n + 255) / 256, 256>>>(dev, n);
	if ((e = cudaGetLastError()) != cudaSuccess ||
	    (e = cudaMemcpy(host, dev, sizeof(host), cudaMemcpyDeviceToHost)) != cudaSuccess) {
		printf("kernel FAILED: %s\n", cudaGetErrorName(e));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (host[i] != 3 * i + 1) {
			printf("kernel FAILED: v[%d] = %d, expected %d\n", i, host[i], 3 * i + 1);
			return 1;
		}
	}
	printf("kernel ok\n");
	return 0;
}
