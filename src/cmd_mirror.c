// SPDX-License-Identifier: MIT
/* cuenv mirror: mirror sync and verify. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_mirror(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'mirror' is not built yet (issue 8)");
	return 1;
}
