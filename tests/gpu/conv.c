// SPDX-License-Identifier: MIT
/* A cuDNN forward convolution for tests/gpu/validate.sh, legacy API, float32, NCHW:
 * x 1x3x16x16, w 8x3x3x3, padding 1, stride 1, so y is 1x8x16x16. The result is
 * compared with a CPU reference computed in double:
 *
 *   max relative error = max_i |y_i - r_i| / max(|r_i|, 1e-3 * max_j |r_j|)
 *
 * (the floor keeps outputs that happen to be near zero from dividing by ~0). The math
 * type is CUDNN_FMA_MATH: plain float32 arithmetic, no TF32 tensor cores, whose 10-bit
 * mantissa would not meet a 1e-3 bound. Exit 0 when the error is below 1e-3, 1 when
 * not or on an error, 77 when there is no usable GPU (the CPU reference is still
 * computed and printed, so a dry run without a GPU checks this program's half). */
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "maps.h"

enum { N = 1, C = 3, H = 16, W = 16, K = 8, R = 3, S = 3, PAD = 1 };

#define CUDNN(call)                                                                        \
	do {                                                                               \
		cudnnStatus_t s_ = (call);                                                 \
		if (s_ != CUDNN_STATUS_SUCCESS) {                                          \
			printf("cuDNN error: %s: %s\n", #call, cudnnGetErrorString(s_));    \
			gpu_print_maps();                                                  \
			return 1;                                                          \
		}                                                                          \
	} while (0)
#define CUDA(call)                                                                         \
	do {                                                                               \
		cudaError_t e_ = (call);                                                   \
		if (e_ != cudaSuccess) {                                                   \
			printf("CUDA error: %s: %s\n", #call, cudaGetErrorString(e_));      \
			gpu_print_maps();                                                  \
			return 1;                                                          \
		}                                                                          \
	} while (0)

static unsigned long long lcg = 0x2545F4914F6CDD1DULL;

static float uniform(void) /* [-1, 1) */
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((double)(lcg >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static void reference(const float *x, const float *w, double *r)
{
	int n, k, c, h, ww, i, j;

	for (n = 0; n < N; n++)
		for (k = 0; k < K; k++)
			for (h = 0; h < H; h++)
				for (ww = 0; ww < W; ww++) {
					double acc = 0;

					for (c = 0; c < C; c++)
						for (i = 0; i < R; i++)
							for (j = 0; j < S; j++) {
								int y = h + i - PAD, z = ww + j - PAD;

								if (y < 0 || y >= H || z < 0 || z >= W)
									continue;
								acc += (double)x[((n * C + c) * H + y) * W + z] *
								       (double)w[((k * C + c) * R + i) * S + j];
							}
					r[((n * K + k) * H + h) * W + ww] = acc;
				}
}

int main(void)
{
	static float x[N * C * H * W], w[K * C * R * S], y[N * K * H * W];
	static double r[N * K * H * W];
	const size_t ny = sizeof(y) / sizeof(y[0]);
	double rmax = 0, err = 0, aerr = 0, sum = 0;
	int count = 0, on, oc, oh, ow, nalgo = 0, rt = 0;
	size_t i, wsize = 0;
	float alpha = 1, beta = 0;
	void *dx, *dw, *dy, *ws = NULL;
	cudnnHandle_t h;
	cudnnTensorDescriptor_t xd, yd;
	cudnnFilterDescriptor_t wd;
	cudnnConvolutionDescriptor_t cd;
	cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
	cudaError_t e;

	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		x[i] = uniform();
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		w[i] = uniform();
	reference(x, w, r);
	for (i = 0; i < ny; i++) {
		rmax = fmax(rmax, fabs(r[i]));
		sum += r[i];
	}
	printf("cpu reference (double): %zu outputs, max |r| %.6f, sum %.6f\n", ny, rmax, sum);
	cudaRuntimeGetVersion(&rt);
	printf("cudnnGetVersion: %zu\ncudnnGetCudartVersion: %zu\ncudaRuntimeGetVersion: %d\n",
	       cudnnGetVersion(), cudnnGetCudartVersion(), rt);

	e = cudaGetDeviceCount(&count);
	if (e != cudaSuccess || count == 0) {
		printf("NO GPU: cudaGetDeviceCount: %s (%d devices)\n",
		       e != cudaSuccess ? cudaGetErrorString(e) : "no error", count);
		gpu_print_maps();
		return 77;
	}

	CUDNN(cudnnCreate(&h));
	CUDNN(cudnnCreateTensorDescriptor(&xd));
	CUDNN(cudnnCreateTensorDescriptor(&yd));
	CUDNN(cudnnCreateFilterDescriptor(&wd));
	CUDNN(cudnnCreateConvolutionDescriptor(&cd));
	CUDNN(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, N, C, H, W));
	CUDNN(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, K, C, R, S));
	CUDNN(cudnnSetConvolution2dDescriptor(cd, PAD, PAD, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION,
					      CUDNN_DATA_FLOAT));
	CUDNN(cudnnSetConvolutionMathType(cd, CUDNN_FMA_MATH));
	CUDNN(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &on, &oc, &oh, &ow));
	if (on != N || oc != K || oh != H || ow != W) {
		printf("unexpected output shape %dx%dx%dx%d\n", on, oc, oh, ow);
		return 1;
	}
	CUDNN(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, N, K, H, W));
	CUDNN(cudnnGetConvolutionForwardAlgorithm_v7(h, xd, wd, cd, yd,
						     CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &nalgo, perf));
	for (i = 0; i < (size_t)nalgo && perf[i].status != CUDNN_STATUS_SUCCESS; i++)
		;
	if (i == (size_t)nalgo) {
		printf("cuDNN offers no forward algorithm\n");
		return 1;
	}
	CUDNN(cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, perf[i].algo, &wsize));
	printf("algorithm %d, workspace %zu bytes, math type CUDNN_FMA_MATH\n", (int)perf[i].algo,
	       wsize);
	CUDA(cudaMalloc(&dx, sizeof(x)));
	CUDA(cudaMalloc(&dw, sizeof(w)));
	CUDA(cudaMalloc(&dy, sizeof(y)));
	if (wsize)
		CUDA(cudaMalloc(&ws, wsize));
	CUDA(cudaMemcpy(dx, x, sizeof(x), cudaMemcpyHostToDevice));
	CUDA(cudaMemcpy(dw, w, sizeof(w), cudaMemcpyHostToDevice));
	CUDNN(cudnnConvolutionForward(h, &alpha, xd, dx, wd, dw, cd, perf[i].algo, ws, wsize, &beta,
				      yd, dy));
	CUDA(cudaMemcpy(y, dy, sizeof(y), cudaMemcpyDeviceToHost));
	for (i = 0; i < ny; i++) {
		double d = fabs((double)y[i] - r[i]);

		aerr = fmax(aerr, d);
		err = fmax(err, d / fmax(fabs(r[i]), 1e-3 * rmax));
	}
	printf("max abs error %.3e, max relative error %.3e (bound 1e-3)\n", aerr, err);
	gpu_print_maps();
	cudaFree(dx);
	cudaFree(dw);
	cudaFree(dy);
	cudaFree(ws);
	cudnnDestroyConvolutionDescriptor(cd);
	cudnnDestroyFilterDescriptor(wd);
	cudnnDestroyTensorDescriptor(xd);
	cudnnDestroyTensorDescriptor(yd);
	cudnnDestroy(h);
	printf("%s\n", err < 1e-3 ? "RESULT OK" : "RESULT FAIL");
	return err < 1e-3 ? 0 : 1;
}
