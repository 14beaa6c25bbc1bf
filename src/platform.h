/*
 * platform.h - NVIDIA's platform names for Linux hosts.
 *
 *	linux-x86_64	x86_64 PCs and servers
 *	linux-sbsa	arm64 servers (Grace, GH200, Ampere Altra)
 *	linux-aarch64	Jetson (arm64 with an NVIDIA Tegra SoC)
 *	linux-ppc64le	POWER, in CUDA releases up to 12.4
 */
#ifndef CUENV_PLATFORM_H
#define CUENV_PLATFORM_H

#include <stdbool.h>

/* NVIDIA's name for this machine, or NULL for a machine NVIDIA has no archives for. */
const char *platform_detect(void);
/* True for one of the names above. */
bool platform_known(const char *name);
/* "linux-x86_64, linux-sbsa, linux-aarch64, linux-ppc64le" */
const char *platform_list(void);
/* A short description for messages: "Jetson" for linux-aarch64, … */
const char *platform_describe(const char *name);

#endif
