// Compiled by the CUDA language of CMake with the env's nvcc: a kernel and a
// launch. Prints the runtime version, then "no device" (exit 0) where there
// is no GPU or driver, or the kernel's result.
#include <cstdio>
#include <cuda_runtime.h>

__global__ void twice(int *v)
{
	v[threadIdx.x] *= 2;
}

int main()
{
	int rt = -1, count = 0, host[4] = { 1, 2, 3, 4 }, *dev = nullptr;

	cudaRuntimeGetVersion(&rt);
	printf("kernel cudart %d (nvcc %d.%d)\n", rt, __CUDACC_VER_MAJOR__, __CUDACC_VER_MINOR__);
	if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
		printf("no device\n");
		return 0;
	}
	cudaMalloc(&dev, sizeof(host));
	cudaMemcpy(dev, host, sizeof(host), cudaMemcpyHostToDevice);
	twice<<<1, 4>>>(dev);
	cudaMemcpy(host, dev, sizeof(host), cudaMemcpyDeviceToHost);
	printf("kernel %d %d %d %d\n", host[0], host[1], host[2], host[3]);
	return host[3] == 8 ? 0 : 1;
}
