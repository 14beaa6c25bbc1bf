// SPDX-License-Identifier: MIT
/* cuenv exec and cuenv env: run a program in an env, or print its variables. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "env.h"
#include "out.h"
#include "paths.h"
#include "banned.h"

struct opts {
	const char *spec, *profile, *shell;
	char **cmd;
};

static int parse(const char *name, int argc, char **argv, struct opts *o, bool want_cmd)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "shell", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	/*
	 * Options may come before or after the spec. '+' stops getopt at the
	 * first non-option: the spec is taken and scanning goes on, up to "--";
	 * the command's own options are never ours.
	 */
	for (;;) {
		while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
			if (c == 'P')
				o->profile = optarg;
			else if (c == 's' && !want_cmd)
				o->shell = optarg;
			else
				return cli_bad_usage(name, "unknown option '%s'", argv[optind - 1]);
		}
		if (optind >= argc || !strcmp(argv[optind - 1], "--") || o->spec)
			break;
		o->spec = argv[optind++];
	}
	if (want_cmd && strcmp(argv[optind - 1], "--"))
		return cli_bad_usage(name, "expected '--' before the command");
	if (want_cmd && optind == argc)
		return cli_bad_usage(name, "no command given after '--'");
	if (!want_cmd && optind != argc)
		return cli_bad_usage(name, "unexpected argument '%s'", argv[optind]);
	o->cmd = argv + optind;
	return 0;
}

static int compute(const struct cli_target *t, struct env_ops *ops)
{
	char *root = paths_root();

	env_activate(ops, root, t->prefix, t->name, env_getenv, NULL);
	free(root);
	return 0;
}

int cmd_exec(int argc, char **argv)
{
	struct env_ops ops = { 0 };
	struct opts o = { 0 };
	struct cli_target t;
	int rc, e;

	if ((rc = parse("exec", argc, argv, &o, true)) != 0)
		return rc;
	rc = cli_target(&t, o.spec, o.profile, "exec");
	if (!rc && !t.name)
		rc = cli_target_missing(&t);
	if (rc) {
		cli_target_release(&t);
		return rc;
	}
	compute(&t, &ops);
	if (env_apply(&ops) < 0) {
		out_error("cannot set the environment: %s", strerror(errno));
		rc = 126;
	} else {
		/* The program replaces us: its PID, signals and exit status are its own. */
		fflush(NULL);
		execvp(o.cmd[0], o.cmd);
		e = errno;
		out_error("cannot run '%s': %s", o.cmd[0], strerror(e));
		rc = e == ENOENT ? 127 : 126;
	}
	env_ops_release(&ops);
	cli_target_release(&t);
	return rc;
}

/* With GitHub Actions' files present, append to them as a step would. */
static int github_files(const struct buf *vars, const struct buf *paths)
{
	const char *env = getenv("GITHUB_ENV"), *path = getenv("GITHUB_PATH");
	FILE *f;

	if (!env || !*env || !path || !*path)
		return 0;
	if (!(f = fopen(env, "a")) || fputs(vars->s, f) < 0 || fclose(f) != 0 ||
	    !(f = fopen(path, "a")) || fputs(paths->s, f) < 0 || fclose(f) != 0) {
		out_error("cannot append to '%s' or '%s': %s", env, path, strerror(errno));
		return -1;
	}
	out_info("appended to $GITHUB_ENV and $GITHUB_PATH");
	return 1;
}

int cmd_env(int argc, char **argv)
{
	struct env_ops ops = { 0 };
	struct buf out = BUF_INIT, paths = BUF_INIT;
	enum env_shell sh = ENV_SHELL_BASH;
	struct opts o = { 0 };
	struct cli_target t;
	int rc, g;

	if ((rc = parse("env", argc, argv, &o, false)) != 0)
		return rc;
	if (o.shell && env_shell_parse(o.shell, &sh) < 0)
		return cli_bad_usage("env", "unknown shell '%s' (bash, zsh, fish, json, github, "
					    "dotenv)",
				     o.shell);
	rc = cli_target(&t, o.spec, o.profile, "env");
	if (!rc && !t.name)
		rc = cli_target_missing(&t);
	if (!rc) {
		compute(&t, &ops);
		env_render(&ops, sh, &out, &paths);
		g = sh == ENV_SHELL_GITHUB ? github_files(&out, &paths) : 0;
		if (g < 0)
			rc = 1;
		else if (g == 0)
			printf("%s%s", out.s, paths.len ? "# $GITHUB_PATH:\n" : "");
		if (g == 0 && paths.len)
			fputs(paths.s, stdout);
	}
	buf_release(&out);
	buf_release(&paths);
	env_ops_release(&ops);
	cli_target_release(&t);
	return rc;
}
