// SPDX-License-Identifier: MIT
/* cuenv update: refresh the catalogue from the source. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "banned.h"

int cmd_update(int argc, char **argv)
{
	struct cli_ctx x;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
			out_set_level(OUT_QUIET);
		else
			return cli_bad_usage("update", "unknown argument '%s'", argv[i]);
	}
	rc = cli_ctx_open(&x, NULL, NULL, CATALOGUE_REFRESH);
	if (!rc)
		out_info("catalogue of %s: %zu CUDA and %zu cuDNN releases",
			 x.cat.source, x.cat.nr[MANIFEST_CUDA], x.cat.nr[MANIFEST_CUDNN]);
	cli_ctx_release(&x);
	return rc;
}
