// SPDX-License-Identifier: MIT
/* A CUDA program for tests/gpu/validate.sh: launches a kernel (c = a + b on 2^20
 * floats), checks every element on the host, prints the runtime and driver versions
 * and the CUDA libraries mapped. Exit 0 when all match, 1 on a mismatch or CUDA error,
 * 77 when there is no usable GPU (so a dry run on a machine without one says so). */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#include "maps.h"

__global__ void add(const float *a, const float *b, float *c, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;

	if (i < n)
		c[i] = a[i] + b[i];
}

#define CHECK(call)                                                                        \
	do {                                                                               \
		cudaError_t e_ = (call);                                                   \
		if (e_ != cudaSuccess) {                                                   \
			printf("CUDA error: %s: %s\n", #call, cudaGetErrorString(e_));      \
			gpu_print_maps();                                                  \
			return 1;                                                          \
		}                                                                          \
	} while (0)

int main(void)
{
	const int n = 1 << 20;
	int rt = 0, drv = 0, count = 0, bad = 0, i;
	float *a, *b, *c, *da, *db, *dc;
	cudaDeviceProp p;
	cudaError_t e;

	cudaRuntimeGetVersion(&rt);
	cudaDriverGetVersion(&drv);
	printf("cudaRuntimeGetVersion: %d\ncudaDriverGetVersion: %d\n", rt, drv);
	e = cudaGetDeviceCount(&count);
	if (e != cudaSuccess || count == 0) {
		printf("NO GPU: cudaGetDeviceCount: %s (%d devices)\n",
		       e != cudaSuccess ? cudaGetErrorString(e) : "no error", count);
		gpu_print_maps();
		return 77;
	}
	CHECK(cudaGetDeviceProperties(&p, 0));
	printf("device: %s (sm_%d%d)\n", p.name, p.major, p.minor);

	a = (float *)malloc(n * sizeof(float));
	b = (float *)malloc(n * sizeof(float));
	c = (float *)malloc(n * sizeof(float));
	if (!a || !b || !c)
		return 1;
	for (i = 0; i < n; i++) {
		a[i] = (float)i * 0.5f;
		b[i] = (float)(n - i) * 0.25f;
	}
	CHECK(cudaMalloc(&da, n * sizeof(float)));
	CHECK(cudaMalloc(&db, n * sizeof(float)));
	CHECK(cudaMalloc(&dc, n * sizeof(float)));
	CHECK(cudaMemcpy(da, a, n * sizeof(float), cudaMemcpyHostToDevice));
	CHECK(cudaMemcpy(db, b, n * sizeof(float), cudaMemcpyHostToDevice));
	add<<<(n + 255) / 256, 256>>>(da, db, dc, n);
	CHECK(cudaGetLastError());
	CHECK(cudaMemcpy(c, dc, n * sizeof(float), cudaMemcpyDeviceToHost));
	for (i = 0; i < n; i++)
		if (c[i] != a[i] + b[i])
			bad++;
	printf("vector_add: %d of %d elements wrong\n", bad, n);
	gpu_print_maps();
	cudaFree(da);
	cudaFree(db);
	cudaFree(dc);
	free(a);
	free(b);
	free(c);
	printf("%s\n", bad ? "RESULT FAIL" : "RESULT OK");
	return bad ? 1 : 0;
}
