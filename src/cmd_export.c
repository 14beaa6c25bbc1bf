// SPDX-License-Identifier: MIT
/* cuenv export: an env as direnv, CMake, Dockerfile and devcontainer configuration. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "env.h"
#include "layout.h"
#include "out.h"
#include "paths.h"
#include "xalloc.h"
#include "banned.h"

#define DEFAULT_CONTAINER_ROOT "/opt/cuenv"

enum target { T_DIRENV, T_CMAKE, T_DEVCONTAINER, T_DOCKERFILE };

struct opts {
	enum target target;
	const char *spec, *profile, *format, *root;
	bool lib;
};

static const char *const target_names[] = { "direnv", "cmake", "devcontainer", "dockerfile" };

static int parse_target(const char *s, enum target *t)
{
	size_t i;

	for (i = 0; i < sizeof(target_names) / sizeof(target_names[0]); i++) {
		if (!strcmp(s, target_names[i])) {
			*t = (enum target)i;
			return 0;
		}
	}
	return -1;
}

/* An option that only some targets take. */
static int only_for(const struct opts *o, const char *opt, bool ok)
{
	if (ok)
		return 0;
	return cli_bad_usage("export", "'%s' does not apply to 'export %s'", opt,
			     target_names[o->target]);
}

static int check_opts(const struct opts *o)
{
	int rc;

	if ((rc = only_for(o, "--lib", !o->lib || o->target == T_DIRENV)) ||
	    (rc = only_for(o, "--format", !o->format || o->target == T_CMAKE)) ||
	    (rc = only_for(o, "--root",
			   !o->root || o->target == T_DOCKERFILE || o->target == T_DEVCONTAINER)))
		return rc;
	if (o->format && strcmp(o->format, "toolchain") && strcmp(o->format, "preset"))
		return cli_bad_usage("export", "unknown format '%s' (toolchain or preset)",
				     o->format);
	if (o->root && o->root[0] != '/')
		return cli_bad_usage("export", "--root needs an absolute path, not '%s'", o->root);
	if (o->lib && o->spec)
		return cli_bad_usage("export",
				     "--lib takes no SPEC ('use cuenv SPEC' in .envrc does)");
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "format", required_argument, NULL, 'f' },
		{ "root", required_argument, NULL, 'r' },
		{ "lib", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *args[3];
	int c, n = 0;

	opterr = 0;
	optind = 1;
	for (;;) {
		while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
			if (c == 'P')
				o->profile = optarg;
			else if (c == 'f')
				o->format = optarg;
			else if (c == 'r')
				o->root = optarg;
			else if (c == 'l')
				o->lib = true;
			else if (c == ':')
				return cli_bad_usage("export", "option '%s' needs a value",
						     argv[optind - 1]);
			else
				return cli_bad_usage("export", "unknown option '%s'",
						     argv[optind - 1]);
		}
		if (optind >= argc)
			break;
		if (n == 2)
			return cli_bad_usage("export", "unexpected argument '%s'", argv[optind]);
		args[n++] = argv[optind++];
	}
	if (n == 0)
		return cli_bad_usage("export",
				     "expected what to export: direnv, cmake, devcontainer "
				     "or dockerfile");
	if (parse_target(args[0], &o->target) < 0)
		return cli_bad_usage("export",
				     "unknown export '%s' (direnv, cmake, devcontainer or "
				     "dockerfile)",
				     args[0]);
	o->spec = n == 2 ? args[1] : NULL;
	return check_opts(o);
}

static void sh_quote(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

/* A word the shell reads back as s: bare when it is plain, else quoted. */
static void sh_word(struct buf *b, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "+-=.,_/:@%") == strlen(s))
		buf_adds(b, s);
	else
		sh_quote(b, s);
}

/* The absolute path of this cuenv, for files that stay on this machine. */
static char *self_path(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return xstrdup("cuenv");
	exe[n] = '\0';
	return xstrdup(exe);
}

/* ---- direnv ---- */

/*
 * The function for ~/.config/direnv/direnvrc: 'use cuenv [SPEC]' in .envrc
 * watches the nearest pin and its lock, then applies 'cuenv env'.
 */
static const char direnv_lib[] =
    "# cuenv for direnv: add this to ~/.config/direnv/direnvrc, then write\n"
    "# 'use cuenv' (the pinned env) or 'use cuenv SPEC' in a project's .envrc.\n"
    "# direnv reloads when the nearest " LAYOUT_PIN_FILE " or its " LAYOUT_LOCK_FILE " changes.\n"
    "use_cuenv() {\n"
    "    local dir=$PWD out\n"
    "    while :; do\n"
    "        if [[ -f ${dir:-/}/" LAYOUT_PIN_FILE " ]]; then\n"
    "            watch_file \"${dir:-/}/" LAYOUT_PIN_FILE "\" \"${dir:-/}/" LAYOUT_LOCK_FILE "\"\n"
    "            break\n"
    "        fi\n"
    "        if [[ -z $dir ]]; then\n"
    "            watch_file " LAYOUT_PIN_FILE " " LAYOUT_LOCK_FILE "\n"
    "            break\n"
    "        fi\n"
    "        dir=${dir%/*}\n"
    "    done\n"
    "    out=$(@CUENV@ env ${1:+\"$1\"} --shell bash) || {\n"
    "        log_error \"cuenv env ${1:-} failed\"\n"
    "        return 1\n"
    "    }\n"
    "    eval \"$out\"\n"
    "}\n";

/* "../.." from cwd up to dir (an ancestor of cwd or cwd itself), or NULL. */
static char *relative_up(const char *cwd, const char *dir)
{
	size_t n = strlen(dir);
	struct buf b = BUF_INIT;
	const char *s;

	if (strncmp(cwd, dir, n) || (cwd[n] && cwd[n] != '/' && strcmp(dir, "/")))
		return NULL;
	for (s = cwd + n; *s; s++) {
		if (*s == '/' && s[1] && s[1] != '/')
			buf_adds(&b, b.len ? "/.." : "..");
	}
	return buf_detach(&b);
}

static void direnv_watch(struct buf *b, const struct cli_target *t)
{
	const struct pin *pin = &t->pd.pin;
	char cwd[PATH_MAX], *up = NULL;

	if (t->spec && !t->from_pin)
		return;
	if (pin->source == PIN_FILE && getcwd(cwd, sizeof(cwd)))
		up = relative_up(cwd, pin->dir);
	buf_adds(b, "watch_file ");
	if (up && !*up) {
		buf_adds(b, LAYOUT_PIN_FILE " " LAYOUT_LOCK_FILE "\n");
	} else if (up) {
		sh_word(b, up);
		buf_adds(b, "/" LAYOUT_PIN_FILE " ");
		sh_word(b, up);
		buf_adds(b, "/" LAYOUT_LOCK_FILE "\n");
	} else if (pin->path) {
		sh_word(b, pin->path);
		buf_addch(b, ' ');
		sh_word(b, t->pd.lock_path ? t->pd.lock_path : pin->path);
		buf_addch(b, '\n');
	} else {
		/* CUENV_VERSION: nothing on disk to watch. */
		buf_setlen(b, b->len - strlen("watch_file "));
	}
	free(up);
}

static int export_direnv(const struct opts *o)
{
	struct cli_target t;
	struct buf b = BUF_INIT;
	char *self;
	const char *s;
	int rc;

	if (o->lib) {
		self = self_path();
		for (s = direnv_lib; *s; s++) {
			if (!strncmp(s, "@CUENV@", 7)) {
				sh_quote(&b, self);
				s += 6;
			} else {
				buf_addch(&b, *s);
			}
		}
		fputs(b.s, stdout);
		buf_release(&b);
		free(self);
		return 0;
	}
	rc = cli_target(&t, o->spec, o->profile, "export");
	if (!rc && !t.name)
		rc = cli_target_missing(&t);
	if (!rc) {
		buf_addf(&b,
			 "# .envrc for direnv, written by 'cuenv export direnv': the env %s\n"
			 "# (%s); 'cuenv' must be on PATH.\n",
			 t.name, t.from);
		direnv_watch(&b, &t);
		buf_adds(&b, "eval \"$(cuenv env");
		if (o->spec) {
			buf_addch(&b, ' ');
			sh_word(&b, o->spec);
		}
		if (o->profile) {
			buf_adds(&b, " --profile ");
			sh_word(&b, o->profile);
		}
		buf_adds(&b, " --shell bash)\"\n");
		fputs(b.s, stdout);
	}
	buf_release(&b);
	cli_target_release(&t);
	return rc;
}

/* ---- cmake ---- */

static void cmake_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		if (strchr("\\\"$;", *s))
			buf_addch(b, '\\');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
}

/* The cache variables CMake gets, in order: name, type, value (NULL: leave out). */
struct cmake_var {
	const char *name, *type, *doc;
	char *value;
};

static size_t cmake_vars(const struct cli_target *t, const struct env_decls *d,
			 struct cmake_var v[6])
{
	const char *root = env_decl_value(d, "CUDAToolkit_ROOT"),
		   *dnn = env_decl_value(d, "CUDNN_ROOT");
	char *nvcc = xasprintf("%s/bin/nvcc", t->prefix);
	char *lib = dnn ? xasprintf("%s/lib/libcudnn.so", dnn) : NULL;
	size_t n = 0;

	v[n++] =
	    (struct cmake_var){ "CUDAToolkit_ROOT", "PATH", "CUDA Toolkit (cuenv)", xstrdup(root) };
	if (access(nvcc, X_OK) == 0)
		v[n++] =
		    (struct cmake_var){ "CMAKE_CUDA_COMPILER", "FILEPATH", "nvcc (cuenv)", nvcc };
	else
		free(nvcc);
	if (dnn) {
		v[n++] = (struct cmake_var){ "CUDNN_ROOT", "PATH", "cuDNN (cuenv)", xstrdup(dnn) };
		v[n++] = (struct cmake_var){ "CUDNN_INCLUDE_DIR", "PATH", "cuDNN headers (cuenv)",
					     xasprintf("%s/include", dnn) };
		if (access(lib, F_OK) == 0)
			v[n++] = (struct cmake_var){ "CUDNN_LIBRARY", "FILEPATH",
						     "cuDNN library (cuenv)", lib };
		else
			free(lib);
	}
	return n;
}

static void cmake_toolchain(struct buf *b, const struct cli_target *t, const struct env_decls *d,
			    const struct cmake_var *v, size_t n)
{
	bool nvcc = false;
	size_t i;

	buf_addf(b,
		 "# CMake toolchain file for the cuenv env %s (%s),\n"
		 "# written by 'cuenv export cmake'. Use it with\n"
		 "#   cmake -DCMAKE_TOOLCHAIN_FILE=<this file> ...\n"
		 "# find_package(CUDAToolkit), enable_language(CUDA) and cuDNN lookups then\n"
		 "# take this env, not /usr/local/cuda or another toolkit on PATH.\n",
		 t->name, t->from);
	if (!env_decl_value(d, "CUDNN_ROOT"))
		buf_adds(b, "# The env has no cuDNN: no CUDNN_* hints.\n");
	for (i = 0; i < n; i++) {
		buf_addf(b, "set(%s ", v[i].name);
		cmake_str(b, v[i].value);
		buf_addf(b, " CACHE %s \"%s\")\n", v[i].type, v[i].doc);
		nvcc |= !strcmp(v[i].name, "CMAKE_CUDA_COMPILER");
	}
	if (!nvcc)
		buf_adds(
		    b,
		    "# The env has no nvcc (runtime profile?): CMAKE_CUDA_COMPILER is not set.\n");
	/* First on the search path: find_library/find_path/find_package look here first. */
	buf_adds(b, "list(REMOVE_ITEM CMAKE_PREFIX_PATH ");
	cmake_str(b, t->prefix);
	buf_adds(b, ")\nlist(INSERT CMAKE_PREFIX_PATH 0 ");
	cmake_str(b, t->prefix);
	buf_adds(b, ")\n");
}

static void json_key(struct buf *b, int indent, const char *key, bool *first)
{
	buf_addf(b, "%s\n%*s", *first ? "" : ",", indent, "");
	buf_add_json_str(b, key);
	buf_adds(b, ": ");
	*first = false;
}

static void cmake_preset(struct buf *b, const struct cli_target *t, const struct env_decls *d,
			 const struct cmake_var *v, size_t n)
{
	bool first = true;
	char *disp = xasprintf("cuenv: %s", t->name);
	size_t i;

	buf_adds(b, "{\n  \"version\": 3,\n  \"configurePresets\": [\n    {\n"
		    "      \"name\": \"cuenv\",\n      \"displayName\": ");
	buf_add_json_str(b, disp);
	buf_adds(b, ",\n      \"binaryDir\": \"${sourceDir}/build/cuenv\",\n"
		    "      \"cacheVariables\": {");
	for (i = 0; i < n; i++) {
		json_key(b, 8, v[i].name, &first);
		buf_add_json_str(b, v[i].value);
	}
	json_key(b, 8, "CMAKE_PREFIX_PATH", &first);
	buf_add_json_str(b, t->prefix);
	buf_adds(b, "\n      },\n      \"environment\": {");
	first = true;
	for (i = 0; i < d->nr; i++) {
		/* LD_LIBRARY_PATH: the build tree's RPATH finds the env's libraries. */
		if (d->v[i].kind == ENV_DECL_UNSET || !strcmp(d->v[i].name, "LD_LIBRARY_PATH"))
			continue;
		json_key(b, 8, d->v[i].name, &first);
		if (d->v[i].kind == ENV_DECL_PREPEND) {
			char *s = xasprintf("%s:$penv{%s}", d->v[i].value, d->v[i].name);

			buf_add_json_str(b, s);
			free(s);
		} else {
			buf_add_json_str(b, d->v[i].value);
		}
	}
	buf_adds(b, "\n      }\n    }\n  ]\n}\n");
	free(disp);
}

static int export_cmake(const struct opts *o)
{
	struct cli_target t;
	struct cmake_var v[6];
	struct env_decls d;
	struct buf b = BUF_INIT;
	size_t n, i;
	int rc;

	rc = cli_target(&t, o->spec, o->profile, "export");
	if (!rc && !t.name)
		rc = cli_target_missing(&t);
	if (!rc) {
		env_declare(&d, t.prefix, t.name);
		n = cmake_vars(&t, &d, v);
		if (o->format && !strcmp(o->format, "preset"))
			cmake_preset(&b, &t, &d, v, n);
		else
			cmake_toolchain(&b, &t, &d, v, n);
		fputs(b.s, stdout);
		for (i = 0; i < n; i++)
			free(v[i].value);
		env_decls_release(&d);
	}
	buf_release(&b);
	cli_target_release(&t);
	return rc;
}

/* ---- containers ---- */

/* What a container installs: exactly the lock, or the exact pair of an installed env. */
struct container {
	char *env;     /* env name */
	char *install; /* the shell command that installs it */
	char *what;    /* for the comment */
	bool locked;
};

static int container_from_lock(struct container *c, const struct opts *o)
{
	struct pinned pd;
	int rc = cli_pinned(&pd, NULL);

	if (rc)
		return rc;
	if (!pd.lock_path || !pd.lock_matches) {
		if (!pd.lock_path)
			out_error("the pin comes from CUENV_VERSION, which has no lock");
		else
			out_error("%s", pd.lock_problem);
		out_hint("give a SPEC, or run 'cuenv use %s' where the pin is to write %s",
			 pd.pin.spec, LAYOUT_LOCK_FILE);
		cli_pinned_release(&pd);
		return 3;
	}
	if (o->profile && strcmp(o->profile, pd.lock.profile)) {
		out_error("'%s' locks the %s profile, not %s", pd.lock_path, pd.lock.profile,
			  o->profile);
		cli_pinned_release(&pd);
		return 2;
	}
	c->env = xstrdup(pd.lock.env);
	c->install = xstrdup("cuenv install --locked --quiet");
	c->what = xasprintf("%s for %s, exactly as %s says", pd.lock.env, pd.lock.platform,
			    LAYOUT_LOCK_FILE);
	c->locked = true;
	cli_pinned_release(&pd);
	return 0;
}

static int container_from_env(struct container *c, const struct opts *o)
{
	struct cli_target t;
	struct buf b = BUF_INIT;
	const char *plus, *dash;
	int rc = cli_target(&t, o->spec, o->profile, "export");

	if (!rc && !t.name)
		rc = cli_target_missing(&t);
	if (rc) {
		cli_target_release(&t);
		return rc;
	}
	/* The exact pair: "cuda-12.4.1+cudnn-9.14.0.64-devel" -> "12.4.1+cudnn9.14.0". */
	plus = strstr(t.name, "+cudnn-");
	dash = strrchr(t.name, '-');
	buf_adds(&b, "cuenv install --quiet --profile ");
	buf_adds(&b, dash + 1);
	buf_addch(&b, ' ');
	buf_add(&b, t.name + 5, (size_t)((plus ? plus : dash) - (t.name + 5)));
	if (plus) {
		const char *v = plus + 7, *e = v;
		int dots = 0;

		while (e < dash && !(*e == '.' && ++dots == 3))
			e++;
		buf_adds(&b, "+cudnn");
		buf_add(&b, v, (size_t)(e - v));
	}
	c->env = xstrdup(t.name);
	c->install = buf_detach(&b);
	c->what = xasprintf("%s, the pair installed here", t.name);
	cli_target_release(&t);
	return 0;
}

static void container_release(struct container *c)
{
	free(c->env);
	free(c->install);
	free(c->what);
}

/* A Dockerfile ENV value in double quotes; ${...} references are Docker's to expand. */
static void docker_str(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		if (strchr("\"\\$", *s))
			buf_addch(b, '\\');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
}

static void dockerfile(struct buf *b, const struct container *c, const char *root,
		       const struct env_decls *d)
{
	size_t i;

	buf_addf(
	    b,
	    "# cuenv: %s.\n"
	    "# Written by 'cuenv export dockerfile'; paste it after FROM (a glibc Linux image\n"
	    "# of the lock's platform; package names below are Debian 12's). cuenv comes from\n"
	    "# the build context: in cuenv's checkout run\n"
	    "#   make install DESTDIR=\"$PWD/cuenv-dist\" PREFIX=/usr/local\n"
	    "# and put cuenv-dist/ beside the Dockerfile. --build-arg CUENV_MIRROR=URL\n"
	    "# installs from a mirror.\n",
	    c->what);
	buf_adds(
	    b,
	    "COPY cuenv-dist/ /\n"
	    "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \\\n"
	    "        libcurl4 libarchive13 libssl3 libjansson4 && rm -rf /var/lib/apt/lists/*\n"
	    "ARG CUENV_MIRROR\n");
	buf_adds(b, "ENV CUENV_ROOT=");
	docker_str(b, root);
	buf_addch(b, '\n');
	if (c->locked) {
		buf_adds(b,
			 "COPY " LAYOUT_PIN_FILE " " LAYOUT_LOCK_FILE " ${CUENV_ROOT}/project/\n");
		buf_addf(b,
			 "RUN cd \"$CUENV_ROOT/project\" && d=$(mktemp -d) && \\\n"
			 "        CUENV_CACHE=\"$d\" %s && rm -rf \"$d\"\n",
			 c->install);
	} else {
		buf_addf(b, "RUN d=$(mktemp -d) && CUENV_CACHE=\"$d\" %s && rm -rf \"$d\"\n",
			 c->install);
	}
	for (i = 0; i < d->nr; i++) {
		const struct env_decl *x = &d->v[i];

		if (x->kind == ENV_DECL_UNSET)
			continue;
		buf_addf(b, "ENV %s=", x->name);
		docker_str(b, x->value);
		if (x->kind == ENV_DECL_PREPEND) {
			/* Inside the quotes, unescaped: Docker expands it. */
			buf_setlen(b, b->len - 1);
			if (!strcmp(x->name, "PATH"))
				buf_adds(b, ":${PATH}\"");
			else
				buf_addf(b, "${%s:+:${%s}}\"", x->name, x->name);
		}
		buf_addch(b, '\n');
	}
}

static void devcontainer(struct buf *b, const struct container *c, const char *root,
			 const struct env_decls *d)
{
	bool first = true;
	char *name = xasprintf("cuenv %s", c->env);
	size_t i;

	buf_adds(b, "{\n  \"name\": ");
	buf_add_json_str(b, name);
	buf_adds(b, ",\n  \"containerEnv\": {");
	json_key(b, 4, "CUENV_ROOT", &first);
	buf_add_json_str(b, root);
	for (i = 0; i < d->nr; i++) {
		if (d->v[i].kind != ENV_DECL_SET)
			continue;
		json_key(b, 4, d->v[i].name, &first);
		buf_add_json_str(b, d->v[i].value);
	}
	buf_adds(b, "\n  },\n  \"remoteEnv\": {");
	first = true;
	for (i = 0; i < d->nr; i++) {
		char *s;

		if (d->v[i].kind != ENV_DECL_PREPEND)
			continue;
		json_key(b, 4, d->v[i].name, &first);
		/*
		 * PATH keeps the image's; LD_LIBRARY_PATH cannot (an unset one
		 * would leave an empty element, the current directory).
		 */
		s = !strcmp(d->v[i].name, "PATH")
			? xasprintf("%s:${containerEnv:PATH}", d->v[i].value)
			: xstrdup(d->v[i].value);
		buf_add_json_str(b, s);
		free(s);
	}
	buf_adds(b, "\n  },\n  \"postCreateCommand\": ");
	buf_add_json_str(b, c->install);
	buf_adds(b, "\n}\n");
	free(name);
}

static int export_container(const struct opts *o)
{
	const char *root = o->root ? o->root : DEFAULT_CONTAINER_ROOT;
	struct container c = { 0 };
	struct env_decls d;
	struct buf b = BUF_INIT;
	char *prefix;
	int rc;

	rc = o->spec ? container_from_env(&c, o) : container_from_lock(&c, o);
	if (rc)
		return rc;
	prefix = xasprintf("%s/" LAYOUT_ENVS_DIR "/%s", root, c.env);
	env_declare(&d, prefix, c.env);
	if (o->target == T_DOCKERFILE)
		dockerfile(&b, &c, root, &d);
	else
		devcontainer(&b, &c, root, &d);
	fputs(b.s, stdout);
	buf_release(&b);
	env_decls_release(&d);
	free(prefix);
	container_release(&c);
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	switch (o.target) {
	case T_DIRENV:
		return export_direnv(&o);
	case T_CMAKE:
		return export_cmake(&o);
	case T_DEVCONTAINER:
	case T_DOCKERFILE:
		return export_container(&o);
	}
	return 1;
}
