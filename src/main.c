// SPDX-License-Identifier: MIT
/* cuenv's entry point: global options, then one command from the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fetch.h"
#include "out.h"
#include "banned.h"

#ifndef CUENV_VERSION
#define CUENV_VERSION "0"
#endif

static int run_command(int argc, char **argv)
{
	const struct cmd *c = cli_find(argv[0]);
	int i, rc;

	if (!c)
		return cli_unknown_command(argv[0]);
	/* "--help" anywhere before "--" wins over everything else. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cli_usage(c);
	}
	rc = c->run(argc, argv);
	fetch_global_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--version") || !strcmp(o, "-V")) {
			printf("cuenv %s\n", CUENV_VERSION);
			return 0;
		} else if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			cli_print_help();
			return 0;
		} else if (!strcmp(o, "--quiet") || !strcmp(o, "-q")) {
			out_set_level(OUT_QUIET);
		} else if (!strcmp(o, "--verbose") || !strcmp(o, "-v")) {
			out_set_level(OUT_VERBOSE);
		} else {
			out_error("unknown option '%s'", o);
			out_hint("see 'cuenv --help'");
			return 2;
		}
	}
	if (i == argc) {
		out_error("no command given");
		out_hint("see 'cuenv --help'");
		return 2;
	}
	return run_command(argc - i, argv + i);
}
