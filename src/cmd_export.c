// SPDX-License-Identifier: MIT
/* cuenv export: configuration for other tools. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_export(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'export' is not built yet (issue 8)");
	return 1;
}
