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

static void print_help(void)
{
	unsigned i;

	fputs("usage: cuenv [--quiet | --verbose] COMMAND [ARGS]\n"
	      "       cuenv --version | --help\n"
	      "\n"
	      "Keep many CUDA Toolkit and cuDNN versions side by side, per user, without root.\n"
	      "\n"
	      "Commands:\n",
	      stdout);
	for (i = 0; i < cli_nr_commands; i++)
		printf("  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fputs("\n"
	      "Run 'cuenv help COMMAND' or 'cuenv COMMAND --help' for a command's options.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 no match, 4 network or source,\n"
	      "5 integrity.\n",
	      stdout);
}

/* Edit distance, to suggest the command a typo meant. */
static unsigned distance(const char *a, const char *b)
{
	unsigned row[32], i, j, prev, tmp;
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 31 || lb >= 31)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev
						       : 1 + (prev < row[j - 1] ? (prev < row[j] ? prev : row[j])
										: (row[j - 1] < row[j] ? row[j - 1] : row[j]));
			prev = tmp;
		}
	}
	return row[lb];
}

static int unknown_command(const char *name)
{
	const char *best = NULL;
	unsigned i, d, bd = 3;

	for (i = 0; i < cli_nr_commands; i++) {
		d = distance(name, cli_commands[i].name);
		if (d < bd) {
			bd = d;
			best = cli_commands[i].name;
		}
	}
	out_error("unknown command '%s'", name);
	if (best)
		out_hint("did you mean '%s'? see 'cuenv --help'", best);
	else
		out_hint("see 'cuenv --help'");
	return 2;
}

int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		print_help();
		return 0;
	}
	if (argc > 2)
		return cli_bad_usage("help", "'help' takes one command name");
	if (!strcmp(argv[1], "--help"))
		return cli_usage(cli_find("help"));
	c = cli_find(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	return cli_usage(c);
}

static int run_command(int argc, char **argv)
{
	const struct cmd *c = cli_find(argv[0]);
	int i, rc;

	if (!c)
		return unknown_command(argv[0]);
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
			print_help();
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
