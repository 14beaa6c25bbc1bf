// SPDX-License-Identifier: MIT
/* Which of NVIDIA's platforms this machine is. */
#include "platform.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "banned.h"

static const struct {
	const char *name, *what;
} platforms[] = {
	{ "linux-x86_64", "x86_64" },
	{ "linux-sbsa", "arm64 servers" },
	{ "linux-aarch64", "Jetson" },
	{ "linux-ppc64le", "POWER" },
};

/*
 * Jetson boards and arm64 servers both say "aarch64"; NVIDIA ships different
 * archives for them. L4T writes /etc/nv_tegra_release, and the device tree
 * names the Tegra SoC.
 */
static bool is_jetson(void)
{
	char compat[512] = "";
	size_t n, i;
	FILE *f;

	if (access("/etc/nv_tegra_release", F_OK) == 0)
		return true;
	f = fopen("/proc/device-tree/compatible", "rb");
	if (!f)
		return false;
	n = fread(compat, 1, sizeof(compat) - 1, f);
	fclose(f);
	for (i = 0; i < n; i++) {
		if (compat[i] == '\0')
			compat[i] = ' ';
	}
	compat[n] = '\0';
	return strstr(compat, "nvidia,tegra") != NULL;
}

const char *platform_detect(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	if (!strcmp(u.machine, "x86_64"))
		return "linux-x86_64";
	if (!strcmp(u.machine, "aarch64") || !strcmp(u.machine, "arm64"))
		return is_jetson() ? "linux-aarch64" : "linux-sbsa";
	if (!strcmp(u.machine, "ppc64le"))
		return "linux-ppc64le";
	return NULL;
}

bool platform_known(const char *name)
{
	return platform_describe(name) != NULL;
}

const char *platform_list(void)
{
	return "linux-x86_64, linux-sbsa, linux-aarch64, linux-ppc64le";
}

const char *platform_describe(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		if (!strcmp(platforms[i].name, name))
			return platforms[i].what;
	}
	return NULL;
}
