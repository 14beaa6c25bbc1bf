// SPDX-License-Identifier: MIT
/* cuenv sbom: software bill of materials. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_sbom(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'sbom' is not built yet (issue 8)");
	return 1;
}
