// SPDX-License-Identifier: MIT
/* cuenv cache-key: CI cache keys from the lock. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_cache_key(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'cache-key' is not built yet (issue 8)");
	return 1;
}
