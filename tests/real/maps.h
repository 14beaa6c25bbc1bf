/*
 * print_cuda_maps(): one line "map PATH" for every distinct file mapped into
 * this process whose name starts with "libcu" or "libnv" (libcudart,
 * libcudnn*, libcublas*, libnvrtc, ..., and the driver's libcuda.so.1 when
 * there is one). The tests decide which of them must come from the env.
 */
#ifndef CUENV_REAL_MAPS_H
#define CUENV_REAL_MAPS_H
#include <stdio.h>
#include <string.h>

static void print_cuda_maps(void)
{
	static char seen[128][1024];
	char line[4096];
	int n = 0, i;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f) {
		perror("/proc/self/maps");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/'), *base;

		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		base = strrchr(p, '/') + 1;
		if (strncmp(base, "libcu", 5) && strncmp(base, "libnv", 5))
			continue;
		for (i = 0; i < n && strcmp(seen[i], p); i++)
			;
		if (i == n && n < 128) {
			snprintf(seen[n++], sizeof(seen[0]), "%s", p);
			printf("map %s\n", p);
		}
	}
	fclose(f);
}
#endif
