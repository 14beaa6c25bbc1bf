// SPDX-License-Identifier: MIT
/* The variables of an env, worked out once, rendered for every shell. */
#include "env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layout.h"
#include "paths.h"
#include "xalloc.h"
#include "banned.h"

const char *const env_cuda_vars[] = { "CUDA_HOME", "CUDA_PATH", "CUDA_ROOT", "CUDAToolkit_ROOT",
				      NULL };
const char *const env_cudnn_vars[] = { "CUDNN_PATH", "CUDNN_HOME", "CUDNN_ROOT", NULL };

#define ORIG_PREFIX "_CUENV_ORIG_"
#define ORIG_SAVED "_CUENV_ORIG_SAVED"

const char *env_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

void env_ops_set(struct env_ops *ops, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < ops->nr; i++) {
		if (!strcmp(ops->v[i].name, name)) {
			free(ops->v[i].value);
			ops->v[i].value = value ? xstrdup(value) : NULL;
			return;
		}
	}
	ops->v = xrealloc(ops->v, (ops->nr + 1) * sizeof(*ops->v));
	ops->v[ops->nr].name = xstrdup(name);
	ops->v[ops->nr++].value = value ? xstrdup(value) : NULL;
}

/* The current value: what an earlier op set, else what get() says. */
static const char *current(const struct env_ops *ops, const char *name, env_get_fn *get, void *ctx,
			   bool *unset)
{
	size_t i;

	*unset = false;
	for (i = 0; i < ops->nr; i++) {
		if (!strcmp(ops->v[i].name, name)) {
			*unset = !ops->v[i].value;
			return ops->v[i].value;
		}
	}
	{
		const char *v = get(ctx, name);

		*unset = !v;
		return v;
	}
}

/*
 * A PATH-like list without empty elements (an empty element means the
 * current directory), without drop, and without anything below envs/.
 */
static bool below_any(const char *s, size_t n, char *const *envs)
{
	size_t i;

	for (i = 0; envs[i]; i++) {
		size_t len = strlen(envs[i]);

		if (n > len && !strncmp(s, envs[i], len))
			return true;
	}
	return false;
}

static void filter_list(struct buf *out, const char *list, const char *drop, char *const *envs)
{
	const char *s = list, *e;

	while (s && *s) {
		size_t n;

		e = strchr(s, ':');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n && !(drop && strlen(drop) == n && !strncmp(s, drop, n)) &&
		    !below_any(s, n, envs)) {
			if (out->len)
				buf_addch(out, ':');
			buf_add(out, s, n);
		}
		s = e ? e + 1 : NULL;
	}
}

static void prepend(struct env_ops *ops, const char *var, const char *entry, char *const *envs,
		    env_get_fn *get, void *ctx)
{
	struct buf b = BUF_INIT;
	bool unset;
	const char *old = current(ops, var, get, ctx, &unset);

	buf_adds(&b, entry);
	if (old) {
		struct buf rest = BUF_INIT;

		filter_list(&rest, old, entry, envs);
		if (rest.len)
			buf_addf(&b, ":%s", rest.s);
		buf_release(&rest);
	}
	env_ops_set(ops, var, b.s);
	buf_release(&b);
}

/*
 * "<root>/envs/" of the user's root and of every system root: entries below
 * them belong to some env, the one active before.
 */
static char **envs_dirs(const char *root, env_get_fn *get, void *ctx)
{
	char **v = paths_split_roots(get(ctx, LAYOUT_SYSTEM_ROOT_VAR), root);
	size_t n = 0, i;

	while (v[n])
		n++;
	v = xrealloc(v, (n + 2) * sizeof(*v));
	memmove(v + 1, v, (n + 1) * sizeof(*v));
	v[0] = xstrdup(root);
	for (i = 0; i <= n; i++) {
		char *d = xasprintf("%s/envs/", v[i]);

		free(v[i]);
		v[i] = d;
	}
	return v;
}

/* Append one declaration; value is taken over (newly allocated or NULL). */
static void declare(struct env_decls *d, enum env_decl_kind kind, const char *name, char *value,
		    bool cudnn)
{
	d->v = xrealloc(d->v, (d->nr + 1) * sizeof(*d->v));
	d->v[d->nr].kind = kind;
	d->v[d->nr].name = name;
	d->v[d->nr].value = value;
	d->v[d->nr++].cudnn = cudnn;
}

void env_declare(struct env_decls *d, const char *prefix, const char *name)
{
	char *compat = xasprintf("%s/" LAYOUT_ENV_COMPAT, prefix);
	bool cudnn = strstr(name, "+cudnn-") != NULL;
	struct stat st;
	size_t i;

	memset(d, 0, sizeof(*d));
	declare(d, ENV_DECL_PREPEND, "PATH", xasprintf("%s/bin", prefix), false);
	/* cuda_compat's libcuda must come before the system's, so first of all. */
	if (stat(compat, &st) == 0 && S_ISDIR(st.st_mode))
		declare(d, ENV_DECL_PREPEND, "LD_LIBRARY_PATH",
			xasprintf("%s:%s/lib", compat, prefix), false);
	else
		declare(d, ENV_DECL_PREPEND, "LD_LIBRARY_PATH", xasprintf("%s/lib", prefix), false);
	for (i = 0; env_cuda_vars[i]; i++)
		declare(d, ENV_DECL_SET, env_cuda_vars[i], xstrdup(prefix), false);
	for (i = 0; env_cudnn_vars[i]; i++)
		declare(d, cudnn ? ENV_DECL_SET : ENV_DECL_UNSET, env_cudnn_vars[i],
			cudnn ? xstrdup(prefix) : NULL, true);
	declare(d, ENV_DECL_SET, "CUENV_ACTIVE", xstrdup(name), false);
	free(compat);
}

const char *env_decl_value(const struct env_decls *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		if (!strcmp(d->v[i].name, name))
			return d->v[i].value;
	}
	return NULL;
}

void env_decls_release(struct env_decls *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		free(d->v[i].value);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void env_activate(struct env_ops *ops, const char *root, const char *prefix, const char *name,
		  env_get_fn *get, void *ctx)
{
	char **envs = envs_dirs(root, get, ctx);
	struct env_decls d;
	size_t i;

	env_declare(&d, prefix, name);
	for (i = 0; i < d.nr; i++) {
		if (d.v[i].kind == ENV_DECL_PREPEND)
			prepend(ops, d.v[i].name, d.v[i].value, envs, get, ctx);
		else
			env_ops_set(ops, d.v[i].name, d.v[i].value);
	}
	env_decls_release(&d);
	paths_free_list(envs);
}

static void remove_entries(struct env_ops *ops, const char *var, char *const *envs,
			   env_get_fn *get, void *ctx, bool unset_if_empty)
{
	struct buf b = BUF_INIT;
	bool unset;
	const char *old = current(ops, var, get, ctx, &unset);

	if (!old)
		return;
	filter_list(&b, old, NULL, envs);
	env_ops_set(ops, var, b.len || !unset_if_empty ? b.s : NULL);
	buf_release(&b);
}

static void restore(struct env_ops *ops, const char *var, env_get_fn *get, void *ctx, bool hook)
{
	char *orig = xasprintf(ORIG_PREFIX "%s", var);
	const char *v = hook ? get(ctx, orig) : NULL;

	env_ops_set(ops, var, v);
	if (hook)
		env_ops_set(ops, orig, NULL);
	free(orig);
}

void env_deactivate(struct env_ops *ops, const char *root, env_get_fn *get, void *ctx, bool hook)
{
	char **envs = envs_dirs(root, get, ctx);
	bool saved = hook && get(ctx, ORIG_SAVED);
	size_t i;

	remove_entries(ops, "PATH", envs, get, ctx, false);
	/* LD_LIBRARY_PATH that was unset before the env comes back unset, not empty. */
	remove_entries(ops, "LD_LIBRARY_PATH", envs, get, ctx,
		       !saved || !get(ctx, ORIG_PREFIX "LD_LIBRARY_PATH"));
	if (saved && get(ctx, ORIG_PREFIX "LD_LIBRARY_PATH"))
		env_ops_set(ops, ORIG_PREFIX "LD_LIBRARY_PATH", NULL);
	for (i = 0; env_cuda_vars[i]; i++)
		restore(ops, env_cuda_vars[i], get, ctx, saved);
	for (i = 0; env_cudnn_vars[i]; i++)
		restore(ops, env_cudnn_vars[i], get, ctx, saved);
	env_ops_set(ops, "CUENV_ACTIVE", NULL);
	if (saved)
		env_ops_set(ops, ORIG_SAVED, NULL);
	paths_free_list(envs);
}

void env_save_originals(struct env_ops *ops, env_get_fn *get, void *ctx)
{
	const char *const *lists[] = { env_cuda_vars, env_cudnn_vars };
	size_t k, i;

	if (get(ctx, ORIG_SAVED))
		return;
	env_ops_set(ops, ORIG_SAVED, "1");
	for (k = 0; k < 2; k++) {
		for (i = 0; lists[k][i]; i++) {
			const char *v = get(ctx, lists[k][i]);
			char *orig = xasprintf(ORIG_PREFIX "%s", lists[k][i]);

			if (v)
				env_ops_set(ops, orig, v);
			free(orig);
		}
	}
	if (get(ctx, "LD_LIBRARY_PATH"))
		env_ops_set(ops, ORIG_PREFIX "LD_LIBRARY_PATH", "1");
}

int env_shell_parse(const char *name, enum env_shell *out)
{
	if (!strcmp(name, "bash") || !strcmp(name, "zsh") || !strcmp(name, "sh"))
		*out = ENV_SHELL_BASH;
	else if (!strcmp(name, "fish"))
		*out = ENV_SHELL_FISH;
	else if (!strcmp(name, "json"))
		*out = ENV_SHELL_JSON;
	else if (!strcmp(name, "dotenv"))
		*out = ENV_SHELL_DOTENV;
	else if (!strcmp(name, "github"))
		*out = ENV_SHELL_GITHUB;
	else
		return -1;
	return 0;
}

/* 'it'\''s' for POSIX shells; fish also escapes the backslash. */
static void quote(struct buf *b, const char *s, bool fish)
{
	buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, fish ? "\\'" : "'\\''");
		else if (*s == '\\' && fish)
			buf_adds(b, "\\\\");
		else
			buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

static bool ends_with_path(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && !strcmp(name + n - 4, "PATH");
}

static void render_fish(const struct env_op *op, struct buf *out)
{
	const char *s, *e;

	if (!op->value) {
		buf_addf(out, "set -e %s;\n", op->name);
		return;
	}
	buf_addf(out, "set -gx %s", op->name);
	/* fish keeps *PATH variables as lists: one argument per element. */
	for (s = op->value; ends_with_path(op->name) && s; s = e ? e + 1 : NULL) {
		char *part;

		e = strchr(s, ':');
		part = e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
		buf_addch(out, ' ');
		quote(out, part, true);
		free(part);
	}
	if (!ends_with_path(op->name)) {
		buf_addch(out, ' ');
		quote(out, op->value, true);
	}
	buf_adds(out, ";\n");
}

static void render_github(const struct env_op *op, struct buf *out, struct buf *path_out)
{
	const char *colon;

	if (!strcmp(op->name, "PATH") && op->value) {
		/* $GITHUB_PATH takes directories to prepend, one per line. */
		colon = strchr(op->value, ':');
		if (path_out) {
			buf_add(path_out, op->value,
				colon ? (size_t)(colon - op->value) : strlen(op->value));
			buf_addch(path_out, '\n');
		}
		return;
	}
	buf_addf(out, "%s=%s\n", op->name, op->value ? op->value : "");
}

static void render_dotenv(const struct env_op *op, struct buf *out)
{
	const char *s;

	if (!op->value) {
		buf_addf(out, "# %s is unset\n", op->name);
		return;
	}
	buf_addf(out, "%s=\"", op->name);
	for (s = op->value; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '$')
			buf_addch(out, '\\');
		buf_addch(out, *s);
	}
	buf_adds(out, "\"\n");
}

void env_render(const struct env_ops *ops, enum env_shell sh, struct buf *out,
		struct buf *path_out)
{
	size_t i;

	if (sh == ENV_SHELL_JSON)
		buf_addch(out, '{');
	for (i = 0; i < ops->nr; i++) {
		const struct env_op *op = &ops->v[i];

		switch (sh) {
		case ENV_SHELL_BASH:
			if (op->value) {
				buf_addf(out, "export %s=", op->name);
				quote(out, op->value, false);
				buf_adds(out, ";\n");
			} else {
				buf_addf(out, "unset %s;\n", op->name);
			}
			break;
		case ENV_SHELL_FISH:
			render_fish(op, out);
			break;
		case ENV_SHELL_JSON:
			buf_addf(out, "%s\"%s\":", i ? "," : "", op->name);
			if (op->value)
				buf_add_json_str(out, op->value);
			else
				buf_adds(out, "null");
			break;
		case ENV_SHELL_DOTENV:
			render_dotenv(op, out);
			break;
		case ENV_SHELL_GITHUB:
			render_github(op, out, path_out);
			break;
		}
	}
	if (sh == ENV_SHELL_JSON)
		buf_adds(out, "}\n");
}

int env_apply(const struct env_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->nr; i++) {
		int r = ops->v[i].value ? setenv(ops->v[i].name, ops->v[i].value, 1)
					: unsetenv(ops->v[i].name);

		if (r < 0)
			return -errno;
	}
	return 0;
}

void env_ops_release(struct env_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->nr; i++) {
		free(ops->v[i].name);
		free(ops->v[i].value);
	}
	free(ops->v);
	ops->v = NULL;
	ops->nr = 0;
}
