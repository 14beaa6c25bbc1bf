// SPDX-License-Identifier: MIT
/* cuenv prefix: the path of an installed env. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "paths.h"
#include "store.h"
#include "banned.h"

int cmd_prefix(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL;
	struct store_env *envs;
	size_t nr, *match, nr_match;
	char *root;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'P')
			return cli_bad_usage("prefix", "unknown option '%s'", argv[optind - 1]);
		profile = optarg;
	}
	if (optind != argc - 1)
		return cli_bad_usage("prefix", "expected one spec");
	rc = cli_installed_all("prefix", argv[optind], profile, &envs, &nr, &match, &nr_match);
	if (rc)
		return rc;
	if (nr_match == 0) {
		out_error("no installed env matches '%s'", argv[optind]);
		out_hint("install it with 'cuenv install %s'", argv[optind]);
		rc = 3;
	} else {
		root = cli_env_prefix(envs[match[0]].name, NULL);
		printf("%s\n", root ? root : "");
		free(root);
	}
	free(match);
	store_envs_free(envs, nr);
	return rc;
}
