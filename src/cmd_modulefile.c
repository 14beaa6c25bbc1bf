// SPDX-License-Identifier: MIT
/* cuenv modulefile: Lmod (Lua) and Environment Modules (Tcl) files for an installed env. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "env.h"
#include "fs.h"
#include "out.h"
#include "xalloc.h"
#include "banned.h"

enum format { FMT_LUA, FMT_TCL };

struct opts {
	const char *spec, *profile, *output;
	enum format fmt;
	bool split;
};

/* One modulefile: "<family>/<version>" and what it declares. */
struct module {
	const char *family;  /* "cuda" or "cudnn" */
	char *version;	     /* "12.4.1-cudnn9.14.0.64", "9.14.0.64-cuda12" */
	char *prereq;	     /* a module that must be loaded first, or NULL */
	bool conflict_cudnn; /* a pair: refuse next to a separate cudnn module */
	bool cudnn_part;     /* which declarations: cuDNN's, or the others */
	bool all;	     /* every declaration (not split) */
	char *title;
};

/* The parts of an env name: "cuda-<label>[+cudnn-<version>]-<profile>". */
struct env_parts {
	char cuda[64], cudnn[64], profile[16];
};

static int parse_name(const char *name, struct env_parts *p)
{
	const char *s = name + 5, *dash = strrchr(name, '-'), *plus = strstr(name, "+cudnn-");
	size_t n;

	memset(p, 0, sizeof(*p));
	if (strncmp(name, "cuda-", 5) || !dash || dash < s)
		return -1;
	n = (size_t)((plus ? plus : dash) - s);
	if (!n || n >= sizeof(p->cuda) || strlen(dash + 1) >= sizeof(p->profile))
		return -1;
	memcpy(p->cuda, s, n);
	snprintf(p->profile, sizeof(p->profile), "%s", dash + 1);
	if (plus) {
		s = plus + 7;
		n = (size_t)(dash - s);
		if (!n || dash < s || n >= sizeof(p->cudnn))
			return -1;
		memcpy(p->cudnn, s, n);
	}
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "split", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	for (;;) {
		while ((c = getopt_long(argc, argv, "+:o:", longopts, NULL)) != -1) {
			if (c == 'f' && !strcmp(optarg, "lua"))
				o->fmt = FMT_LUA;
			else if (c == 'f' && !strcmp(optarg, "tcl"))
				o->fmt = FMT_TCL;
			else if (c == 'f')
				return cli_bad_usage("modulefile",
						     "unknown format '%s' (lua or tcl)", optarg);
			else if (c == 'P')
				o->profile = optarg;
			else if (c == 'o')
				o->output = optarg;
			else if (c == 's')
				o->split = true;
			else if (c == ':')
				return cli_bad_usage("modulefile", "option '%s' needs a value",
						     argv[optind - 1]);
			else
				return cli_bad_usage("modulefile", "unknown option '%s'",
						     argv[optind - 1]);
		}
		if (optind >= argc)
			break;
		if (o->spec)
			return cli_bad_usage("modulefile", "unexpected argument '%s'",
					     argv[optind]);
		o->spec = argv[optind++];
	}
	if (o->output && !*o->output)
		return cli_bad_usage("modulefile", "--output needs a directory");
	return 0;
}

/* The modules of an env: one for the pair, or cuda and cudnn apart (--split). */
static size_t plan_modules(const struct env_parts *p, bool split, struct module m[2])
{
	const char *sfx = strcmp(p->profile, "devel") ? p->profile : NULL;
	char major[16];
	size_t n = 0;

	snprintf(major, sizeof(major), "%.*s", (int)strcspn(p->cuda, "."), p->cuda);
	memset(m, 0, 2 * sizeof(*m));
	m[0].family = "cuda";
	if (!*p->cudnn || split) {
		m[0].version = xasprintf("%s%s%s", p->cuda, sfx ? "-" : "", sfx ? sfx : "");
		m[0].title = xasprintf("CUDA Toolkit %s (%s profile)", p->cuda, p->profile);
		m[0].all = !*p->cudnn;
		n = 1;
	} else {
		m[0].version =
		    xasprintf("%s-cudnn%s%s%s", p->cuda, p->cudnn, sfx ? "-" : "", sfx ? sfx : "");
		m[0].title = xasprintf("CUDA Toolkit %s with cuDNN %s (%s profile)", p->cuda,
				       p->cudnn, p->profile);
		m[0].all = true;
		m[0].conflict_cudnn = true;
		return 1;
	}
	if (*p->cudnn) {
		m[1].family = "cudnn";
		m[1].version =
		    xasprintf("%s-cuda%s%s%s", p->cudnn, major, sfx ? "-" : "", sfx ? sfx : "");
		m[1].prereq = xasprintf("cuda/%s", m[0].version);
		m[1].title =
		    xasprintf("cuDNN %s for CUDA %s (%s profile)", p->cudnn, p->cuda, p->profile);
		m[1].cudnn_part = true;
		n = 2;
	}
	return n;
}

static void module_release(struct module *m)
{
	free(m->version);
	free(m->prereq);
	free(m->title);
}

static void lua_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			buf_addf(b, "\\%03u", c);
		else
			buf_addch(b, (char)c);
	}
	buf_addch(b, '"');
}

/* A Tcl word that reads back as s: braces when they quote it exactly, else backslashes. */
static void tcl_str(struct buf *b, const char *s)
{
	const char *p;

	if (*s && !strpbrk(s, "{}\\\n")) {
		buf_addf(b, "{%s}", s);
		return;
	}
	if (!*s)
		buf_adds(b, "{}");
	for (p = s; *p; p++) {
		if (*p == '\n')
			buf_adds(b, "\\n");
		else if (strchr("[]{}$\\\"; \t", *p))
			buf_addf(b, "\\%c", *p);
		else
			buf_addch(b, *p);
	}
}

/* Whether declaration x belongs in module m (unset ones never do: see the help text). */
static bool wanted(const struct module *m, const struct env_decl *x)
{
	if (x->kind == ENV_DECL_UNSET)
		return false;
	return m->all || x->cudnn == m->cudnn_part;
}

static void render_lua(struct buf *b, const struct module *m, const struct env_decls *d,
		       const char *env)
{
	size_t i;

	buf_addf(b, "-- %s/%s: written by 'cuenv modulefile' for the env %s\n", m->family,
		 m->version, env);
	buf_addf(b, "help([[\n%s, installed by cuenv.\n", m->title);
	buf_adds(
	    b,
	    "Sets the variables 'cuenv env' gives; unloading restores the previous ones.\n]])\n");
	buf_adds(b, "whatis(");
	lua_str(b, m->title);
	buf_adds(b, ")\n");
	buf_addf(b, "family(\"%s\")\n", m->family);
	if (m->conflict_cudnn)
		buf_adds(b, "conflict(\"cudnn\")\n");
	if (m->prereq) {
		buf_adds(b, "prereq(");
		lua_str(b, m->prereq);
		buf_adds(b, ")\n");
	}
	for (i = 0; i < d->nr; i++) {
		if (!wanted(m, &d->v[i]))
			continue;
		buf_addf(b, "%s(\"%s\", ",
			 d->v[i].kind == ENV_DECL_PREPEND ? "prepend_path" : "pushenv",
			 d->v[i].name);
		lua_str(b, d->v[i].value);
		buf_adds(b, ")\n");
	}
}

static void render_tcl(struct buf *b, const struct module *m, const struct env_decls *d,
		       const char *env)
{
	size_t i;

	buf_adds(b, "#%Module1.0\n");
	buf_addf(b, "## %s/%s: written by 'cuenv modulefile' for the env %s\n", m->family,
		 m->version, env);
	buf_adds(b, "## Needs Environment Modules 5.1 or later (family, pushenv) or Lmod.\n");
	buf_adds(b, "proc ModulesHelp {} {\n    puts stderr ");
	tcl_str(b, m->title);
	buf_adds(b, "\n}\nmodule-whatis ");
	tcl_str(b, m->title);
	buf_addf(b, "\nfamily %s\n", m->family);
	if (m->conflict_cudnn)
		buf_adds(b, "conflict cudnn\n");
	if (m->prereq) {
		buf_adds(b, "prereq ");
		tcl_str(b, m->prereq);
		buf_addch(b, '\n');
	}
	for (i = 0; i < d->nr; i++) {
		if (!wanted(m, &d->v[i]))
			continue;
		buf_addf(b, "%s %s ", d->v[i].kind == ENV_DECL_PREPEND ? "prepend-path" : "pushenv",
			 d->v[i].name);
		tcl_str(b, d->v[i].value);
		buf_addch(b, '\n');
	}
}

static int write_module(const struct opts *o, const struct module *m, const struct buf *b)
{
	char *dir = xasprintf("%s/%s", o->output, m->family);
	char *path = xasprintf("%s/%s%s", dir, m->version, o->fmt == FMT_LUA ? ".lua" : "");
	int rc;

	rc = fs_mkdir_p(dir, 0755);
	if (rc == 0)
		rc = fs_write_atomic(path, b->s, b->len, 0644);
	if (rc < 0)
		out_error("cannot write '%s': %s", path, strerror(-rc));
	else
		printf("%s\n", path);
	free(dir);
	free(path);
	return rc < 0 ? 1 : 0;
}

static int emit(const struct opts *o, const struct cli_target *t)
{
	struct env_decls d;
	struct env_parts p;
	struct module m[2];
	struct buf b = BUF_INIT;
	size_t n, i;
	int rc = 0;

	if (parse_name(t->name, &p) < 0) {
		out_error("cannot read the env name '%s'", t->name);
		return 1;
	}
	n = plan_modules(&p, o->split, m);
	if (n > 1 && !o->output) {
		for (i = 0; i < n; i++)
			module_release(&m[i]);
		return cli_bad_usage("modulefile", "--split makes two files: give --output DIR");
	}
	env_declare(&d, t->prefix, t->name);
	for (i = 0; i < n && !rc; i++) {
		buf_reset(&b);
		if (o->fmt == FMT_LUA)
			render_lua(&b, &m[i], &d, t->name);
		else
			render_tcl(&b, &m[i], &d, t->name);
		if (o->output)
			rc = write_module(o, &m[i], &b);
		else
			fputs(b.s, stdout);
	}
	for (i = 0; i < n; i++)
		module_release(&m[i]);
	env_decls_release(&d);
	buf_release(&b);
	return rc;
}

int cmd_modulefile(int argc, char **argv)
{
	struct opts o = { 0 };
	struct cli_target t;
	int rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	rc = cli_target(&t, o.spec, o.profile, "modulefile");
	if (!rc && !t.name)
		rc = cli_target_missing(&t);
	if (!rc)
		rc = emit(&o, &t);
	cli_target_release(&t);
	return rc;
}
