// SPDX-License-Identifier: MIT
/* cuenv doctor: check this machine against an env. */
#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	out_error("'doctor' is not built yet (issue 7)");
	return 1;
}
