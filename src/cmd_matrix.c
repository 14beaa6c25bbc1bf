// SPDX-License-Identifier: MIT
/* cuenv matrix: CI matrices of compatible pairs. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_matrix(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'matrix' is not built yet (issue 8)");
	return 1;
}
