/*
 * stubs.h - link-time stand-ins for the fuzz targets.
 *
 * The fuzz build links every src/ file except main.c, but cli.c's command
 * table points at cmd_help(), which main.c defines. The weak stand-in below
 * satisfies the linker; should cmd_help() move out of main.c, the real
 * definition wins and this one is dropped. No fuzz target reaches it.
 * Include this header from exactly one place per target.
 */
#ifndef CUENV_FUZZ_STUBS_H
#define CUENV_FUZZ_STUBS_H

#include <stdlib.h>

#include "cli.h"

__attribute__((weak)) int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	abort();
}

#endif
