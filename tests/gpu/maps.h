// SPDX-License-Identifier: MIT
/* Print every CUDA-related shared object this process has mapped, one "MAP <path>" line
 * each, from /proc/self/maps: validate.sh classifies them (env prefix, /usr/local/cuda,
 * driver). Header-only so that the .cu and the .c program share it. */
#ifndef GPU_MAPS_H
#define GPU_MAPS_H

#include <stdio.h>
#include <string.h>

static int gpu_maps_interesting(const char *base)
{
	static const char *const pre[] = { "libcuda.", "libcudart", "libcudnn", "libcublas",
					   "libnvrtc", "libnvJitLink", "libcufft", "libcurand",
					   "libcusolver", "libcusparse", "libnvvm", "libcupti",
					   "libnccl", "libnvidia-", "libnvToolsExt" };
	size_t i;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (!strncmp(base, pre[i], strlen(pre[i])))
			return 1;
	return 0;
}

static void gpu_print_maps(void)
{
	char line[4096], seen[64][1024];
	int nseen = 0, i;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f) {
		perror("/proc/self/maps");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/'), *base, *nl;

		if (!path)
			continue;
		nl = strchr(path, '\n');
		if (nl)
			*nl = 0;
		base = strrchr(path, '/') + 1;
		if (!gpu_maps_interesting(base) || strlen(path) >= sizeof(seen[0]))
			continue;
		for (i = 0; i < nseen; i++)
			if (!strcmp(seen[i], path))
				break;
		if (i < nseen || nseen == 64)
			continue;
		strcpy(seen[nseen++], path);
		printf("MAP %s\n", path);
	}
	fclose(f);
}

#endif
