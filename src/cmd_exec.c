// SPDX-License-Identifier: MIT
/* cuenv exec and cuenv env: run a program in an env, or print its variables. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "cli.h"
#include "env.h"
#include "fs.h"
#include "layout.h"
#include "out.h"
#include "paths.h"
#include "xalloc.h"
#include "banned.h"

struct opts {
	const char *spec, *profile, *shell;
	bool audit, json;
	const char *report;	/* --report FILE */
	char **cmd;
};

static int parse(const char *name, int argc, char **argv, struct opts *o, bool want_cmd)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "shell", required_argument, NULL, 's' },
		{ "audit", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'J' },
		{ "report", required_argument, NULL, 'R' },
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
			else if (c == 'A' && want_cmd)
				o->audit = true;
			else if (c == 'J' && want_cmd)
				o->json = true;
			else if (c == 'R' && want_cmd)
				o->report = optarg;
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
	if ((o->json || o->report) && !o->audit)
		return cli_bad_usage(name, "%s goes with --audit", o->json ? "--json" : "--report");
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

/* ---- exec --audit ---- */

static void print_lib_json(struct buf *b, const struct audit_lib *l)
{
	buf_adds(b, "{\"name\":");
	buf_add_json_str(b, strrchr(l->path, '/') ? strrchr(l->path, '/') + 1 : l->path);
	buf_adds(b, ",\"family\":");
	buf_add_json_str(b, l->lib.family);
	buf_adds(b, ",\"path\":");
	buf_add_json_str(b, l->path);
	buf_adds(b, ",\"file\":");
	buf_add_json_str(b, l->real);
	buf_addf(b, ",\"where\":\"%s\",\"outside_env\":%s,\"mixed\":%s}",
		 audit_where_name(l->where), l->outside ? "true" : "false",
		 l->mixed ? "true" : "false");
}

static void report_json(const struct audit_report *r, const struct cli_target *t, char **cmd,
			int status, struct buf *b)
{
	size_t i, k;

	buf_adds(b, "{\"env\":");
	buf_add_json_str(b, t->name);
	buf_adds(b, ",\"prefix\":");
	buf_add_json_str(b, t->prefix);
	buf_adds(b, ",\"command\":[");
	for (i = 0; cmd[i]; i++) {
		buf_adds(b, i ? "," : "");
		buf_add_json_str(b, cmd[i]);
	}
	buf_addf(b, "],\"exit_status\":%d,\"libraries\":%zu,\"outside_env\":%zu,"
		    "\"mixed\":%zu,\"unreadable_records\":%zu,\"processes\":[",
		 status, r->nr_libs, r->nr_outside, r->nr_mixed, r->nr_bad_lines);
	for (i = 0; i < r->nr_procs; i++) {
		const struct audit_proc *p = &r->procs[i];

		buf_addf(b, "%s{\"pid\":%ld,\"ppid\":%ld,\"exe\":", i ? "," : "", p->pid, p->ppid);
		buf_add_json_str(b, p->exe);
		buf_addf(b, ",\"objects\":%zu,\"libraries\":[", p->nr_objects);
		for (k = 0; k < p->nr_libs; k++) {
			buf_adds(b, k ? "," : "");
			print_lib_json(b, &p->libs[k]);
		}
		buf_adds(b, "],\"mixed_families\":[");
		for (k = 0; k < p->nr_mixed; k++) {
			buf_adds(b, k ? "," : "");
			buf_add_json_str(b, p->mixed[k]);
		}
		buf_adds(b, "]}");
	}
	buf_adds(b, "]}\n");
}

static void report_text(const struct audit_report *r, const struct cli_target *t, char **cmd,
			struct buf *b)
{
	size_t i, k, shown = 0;

	buf_addf(b, "cuenv: audit of '%s' in %s: %zu CUDA-family libraries in %zu processes",
		 cmd[0], t->name, r->nr_libs, r->nr_procs);
	buf_addf(b, ", %zu outside the env, %zu families mixed\n", r->nr_outside, r->nr_mixed);
	for (i = 0; i < r->nr_procs; i++) {
		const struct audit_proc *p = &r->procs[i];

		if (!p->nr_libs)
			continue;
		shown++;
		buf_addf(b, "  pid %ld %s\n", p->pid, p->exe);
		for (k = 0; k < p->nr_libs; k++) {
			const struct audit_lib *l = &p->libs[k];
			const char *name = strrchr(l->path, '/') ? strrchr(l->path, '/') + 1 : l->path;

			buf_addf(b, "    %-9s %-26s %s%s%s\n", l->lib.family, name, l->real,
				 l->where == AUDIT_IN_ENV ? "" : l->where == AUDIT_OTHER_ENV ? "  [ANOTHER ENV]" : l->outside ? "  [OUTSIDE THE ENV]"
									   : "  [system driver]",
				 l->mixed ? "  [MIXED]" : "");
		}
		for (k = 0; k < p->nr_mixed; k++)
			buf_addf(b, "  warning: pid %ld loaded %s from more than one directory\n",
				 p->pid, cudalib_family_title(p->mixed[k]));
	}
	if (r->nr_procs > shown)
		buf_addf(b, "  (%zu more processes loaded no CUDA-family library)\n",
			 r->nr_procs - shown);
	if (r->nr_outside)
		buf_addf(b, "  warning: %zu libraries came from outside %s\n", r->nr_outside,
			 t->prefix);
	if (r->nr_bad_lines)
		buf_addf(b, "  note: %zu audit records could not be read\n", r->nr_bad_lines);
	buf_adds(b, "  note: setuid/setgid programs and programs started with a cleared "
		    "environment are not audited\n");
}

/* The record file: new, empty, this user's only. */
static int make_record_file(char **path)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	*path = xasprintf("%s/cuenv-audit.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	fd = mkstemp(*path);
	if (fd < 0) {
		out_error("cannot create the audit record file '%s': %s", *path, strerror(errno));
		free(*path);
		*path = NULL;
		return -1;
	}
	close(fd);
	return 0;
}

/* Run cmd with ops applied in a child; its wait status, or -1. */
static int run_child(const struct env_ops *ops, char **cmd)
{
	struct sigaction ign, old_int, old_quit;
	int ws = 0, e;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		out_error("cannot start '%s': %s", cmd[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (env_apply(ops) < 0)
			_exit(126);
		execvp(cmd[0], cmd);
		e = errno;
		out_error("cannot run '%s': %s", cmd[0], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	/* As system(3) does: Ctrl-C and Ctrl-\ are the program's to handle. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return ws;
}

static int write_report(const struct opts *o, const struct buf *b)
{
	FILE *f;

	if (!o->report) {
		fputs(b->s, stderr);
		return 0;
	}
	if (!(f = fopen(o->report, "w")) || fputs(b->s, f) < 0 || fclose(f) != 0) {
		out_error("cannot write the audit report '%s': %s", o->report, strerror(errno));
		return -1;
	}
	return 0;
}

static int exec_audited(const struct opts *o, const struct cli_target *t, struct env_ops *ops)
{
	char *module = audit_find_module(), *rec = NULL, *root = paths_root(), *envs, *compat;
	const char *old = getenv("LD_AUDIT");
	struct buf data = BUF_INIT, out = BUF_INIT;
	struct audit_report r;
	struct stat st;
	int ws, status, rc = 1;

	if (!module) {
		out_error("the audit module '" AUDIT_MODULE "' is not installed beside cuenv");
		out_hint("run 'make' (bin/" AUDIT_MODULE ") or 'make install' "
			 "(PREFIX/libexec/cuenv/" AUDIT_MODULE ")");
		goto out;
	}
	if (strchr(module, ':')) {
		out_error("the audit module's path '%s' contains ':' (LD_AUDIT separates with ':')",
			  module);
		goto out;
	}
	if (make_record_file(&rec) < 0)
		goto out;
	{
		char *v = old && *old ? xasprintf("%s:%s", module, old) : xstrdup(module);

		env_ops_set(ops, "LD_AUDIT", v);
		env_ops_set(ops, AUDIT_FILE_VAR, rec);
		free(v);
		v = audit_tunables(getenv("GLIBC_TUNABLES"));
		env_ops_set(ops, "GLIBC_TUNABLES", v);
		free(v);
	}
	ws = run_child(ops, o->cmd);
	if (ws < 0)
		goto out;
	status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (fs_read_file(rec, 256u << 20, &data) < 0)
		out_warn("cannot read the audit records '%s'", rec);
	envs = xasprintf("%s/" LAYOUT_ENVS_DIR, root);
	compat = xasprintf("%s/" LAYOUT_ENV_COMPAT, t->prefix);
	audit_parse(data.s, data.len, t->prefix, envs, stat(compat, &st) == 0, &r);
	if (o->json)
		report_json(&r, t, o->cmd, status, &out);
	else
		report_text(&r, t, o->cmd, &out);
	write_report(o, &out);
	audit_report_release(&r);
	free(envs);
	free(compat);
	rc = status;
	if (WIFSIGNALED(ws)) {
		/* Die the program's death, so a shell sees the same status. */
		signal(WTERMSIG(ws), SIG_DFL);
		unlink(rec);
		raise(WTERMSIG(ws));
	}
out:
	if (rec)
		unlink(rec);
	buf_release(&data);
	buf_release(&out);
	free(rec);
	free(module);
	free(root);
	return rc;
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
	if (o.audit) {
		rc = exec_audited(&o, &t, &ops);
	} else if (env_apply(&ops) < 0) {
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
