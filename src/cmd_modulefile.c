// SPDX-License-Identifier: MIT
/* cuenv modulefile: Lmod and Environment Modules files. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_modulefile(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'modulefile' is not built yet (issue 8)");
	return 1;
}
