// SPDX-License-Identifier: MIT
/* cuenv verify: re-hash the store against install receipts. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'verify' is not built yet (issue 6)");
	return 1;
}
