/*
 * Prints the CUDA runtime version of the headers it was compiled with and of
 * the libcudart it runs with (no GPU needed), and the same for cuDNN when
 * built WITH_CUDNN.
 */
#include <stdio.h>
#include <cuda_runtime_api.h>
#ifdef WITH_CUDNN
#include <cudnn.h>
#endif

int main(void)
{
	int rt = -1;

	cudaRuntimeGetVersion(&rt);
	printf("cudart headers %d library %d\n", CUDART_VERSION, rt);
#ifdef WITH_CUDNN
	printf("cudnn headers %d library %zu\n", CUDNN_VERSION, cudnnGetVersion());
#endif
	return 0;
}
