// The device function kernel.cu calls across files (needs -rdc=true).
__device__ int cuenv_scale(int x)
{
	return 3 * x + 1;
}
