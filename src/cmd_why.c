// SPDX-License-Identifier: MIT
/* cuenv why: explain the active pair. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_why(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'why' is not built yet (issue 7)");
	return 1;
}
