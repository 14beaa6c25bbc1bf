// SPDX-License-Identifier: MIT
/* cuenv shim: wrappers for programs cuenv does not own, and the shims directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "layout.h"
#include "out.h"
#include "paths.h"
#include "shims.h"
#include "banned.h"

static int add_remove(int argc, char **argv, bool add, const char *root)
{
	char err[512];
	int i, r;

	if (argc < 3)
		return cli_bad_usage("shim", "'shim %s' takes one or more names", argv[1]);
	for (i = 2; i < argc; i++) {
		if (!shims_valid_name(argv[i]) || !strcmp(argv[i], "cuenv"))
			return cli_bad_usage("shim", "'%s' is not a name a shim can have", argv[i]);
	}
	for (i = 2; i < argc; i++) {
		r = add ? shims_wrapper_add(root, argv[i], err, sizeof(err))
			: shims_wrapper_remove(root, argv[i], err, sizeof(err));
		if (r < 0) {
			out_error("%s", err);
			return 1;
		}
		if (r == 1)
			out_info("'%s' %s", argv[i], add ? "is already a wrapper" : "was not a wrapper");
	}
	cli_refresh_shims();
	return 0;
}

int cmd_shim(int argc, char **argv)
{
	char *root, *list;
	int rc = 0;

	if (argc < 2)
		return cli_bad_usage("shim", "expected add, remove, list or refresh");
	root = paths_root();
	if (!strcmp(argv[1], "add") || !strcmp(argv[1], "remove")) {
		rc = add_remove(argc, argv, !strcmp(argv[1], "add"), root);
	} else if (!strcmp(argv[1], "list") && argc == 2) {
		list = shims_wrappers(root);
		fputs(list, stdout);
		free(list);
	} else if (!strcmp(argv[1], "refresh") && argc == 2) {
		cli_refresh_shims();
		printf("%s/%s\n", root, LAYOUT_SHIMS_DIR);
	} else {
		rc = cli_bad_usage("shim", "unknown subcommand '%s'", argv[1]);
	}
	free(root);
	return rc;
}
