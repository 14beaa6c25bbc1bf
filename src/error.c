// SPDX-License-Identifier: MIT
/* One table pairs each cuenv error code with its message and exit status. */
#include "error.h"

#include <string.h>

#include "banned.h"

struct error_info {
	int exit_code;
	const char *msg;
};

static const struct error_info table[] = {
#define CUE_ROW(name, code, msg) [name - CUE_EBASE] = { code, msg },
	CUE_ERRORS(CUE_ROW)
#undef CUE_ROW
};

static const struct error_info *lookup(int rc)
{
	if (rc < 0)
		rc = -rc;
	if (rc > CUE_EBASE && rc < CUE_EMAX)
		return &table[rc - CUE_EBASE];
	return NULL;
}

const char *cue_strerror(int rc)
{
	const struct error_info *e = lookup(rc);

	if (e)
		return e->msg;
	return strerror(rc < 0 ? -rc : rc);
}

int cue_exit_code(int rc)
{
	const struct error_info *e = lookup(rc);

	if (rc == 0)
		return 0;
	return e ? e->exit_code : 1;
}
