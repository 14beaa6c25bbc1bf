/*
 * env.h - the one computation of an env's variables, and its renderings.
 *
 * Every way of running (exec, env, the shell hook; the shim mirrors it in
 * its own few lines) gets its variables from env_activate(): a list of
 * set/unset operations, worked out from the current values without side
 * effects, then rendered for a shell or applied with setenv(). The rules are
 * in layout.h. Switching envs first removes the previous env's entries;
 * nothing ever produces an empty PATH or LD_LIBRARY_PATH element.
 *
 *	struct env_ops ops = { 0 };
 *	env_activate(&ops, root, prefix, name, getenv_fn, NULL);
 *	env_render(&ops, ENV_SHELL_BASH, &out);	// or env_apply(&ops)
 *	env_ops_release(&ops);
 */
#ifndef CUENV_ENV_H
#define CUENV_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct env_op {
	char *name;
	char *value;	/* NULL: unset */
};

struct env_ops {
	struct env_op *v;
	size_t nr;
};

/* Where current values come from (getenv, or a table in tests). */
typedef const char *env_get_fn(void *ctx, const char *name);

/* The variables an env sets; CUDNN_* only with cuDNN. */
extern const char *const env_cuda_vars[];	/* NULL-terminated */
extern const char *const env_cudnn_vars[];

/*
 * What an env does to the environment, independent of the current values:
 * prepend a directory to a PATH-like list, set a variable, or unset it.
 * This is the one list every rendering starts from: env_activate() turns it
 * into operations on the current values; modulefiles, container files and
 * CMake files render it as their own commands.
 */
enum env_decl_kind { ENV_DECL_PREPEND, ENV_DECL_SET, ENV_DECL_UNSET };

struct env_decl {
	enum env_decl_kind kind;
	const char *name;	/* static */
	char *value;		/* NULL for ENV_DECL_UNSET */
	bool cudnn;		/* one of env_cudnn_vars */
};

struct env_decls {
	struct env_decl *v;
	size_t nr;
};

/*
 * The declarations of env name (e.g. "cuda-12.4.1+cudnn-9.14.0.64-devel") at
 * prefix, in a fixed order: PATH, LD_LIBRARY_PATH, the CUDA variables, the
 * cuDNN variables (unset without cuDNN), CUENV_ACTIVE. Release with
 * env_decls_release().
 */
void env_declare(struct env_decls *d, const char *prefix, const char *name);
/* The value declared for name, or NULL. Borrowed from d. */
const char *env_decl_value(const struct env_decls *d, const char *name);
void env_decls_release(struct env_decls *d);

/*
 * Operations that activate env name at prefix (under root/envs) on top of
 * the current values, replacing any previously active env's entries.
 */
void env_activate(struct env_ops *ops, const char *root, const char *prefix, const char *name,
		  env_get_fn *get, void *ctx);

/*
 * Operations that leave any active env: its PATH and LD_LIBRARY_PATH entries
 * removed, CUDA and cuDNN variables restored from what the shell hook saved
 * (hook true), or removed.
 */
void env_deactivate(struct env_ops *ops, const char *root, env_get_fn *get, void *ctx,
		    bool hook);

/*
 * For the shell hook: before the first activation, remember the user's own
 * values of the variables an env sets (as _CUENV_ORIG_<NAME>), so leaving
 * restores them exactly.
 */
void env_save_originals(struct env_ops *ops, env_get_fn *get, void *ctx);

/* Add one operation (value NULL to unset); later ones for a name replace earlier. */
void env_ops_set(struct env_ops *ops, const char *name, const char *value);

/* getenv() as an env_get_fn. */
const char *env_getenv(void *ctx, const char *name);

enum env_shell {
	ENV_SHELL_BASH,	/* also zsh and sh: export/unset */
	ENV_SHELL_FISH,
	ENV_SHELL_JSON,
	ENV_SHELL_DOTENV,
	ENV_SHELL_GITHUB,	/* $GITHUB_ENV lines; PATH goes to $GITHUB_PATH */
};

/* Returns 0, or -1 for a shell name that is not one of bash zsh fish json github dotenv. */
int env_shell_parse(const char *name, enum env_shell *out);

/*
 * Render ops. For ENV_SHELL_GITHUB, out gets the $GITHUB_ENV lines and
 * path_out (if not NULL) the $GITHUB_PATH line.
 */
void env_render(const struct env_ops *ops, enum env_shell sh, struct buf *out,
		struct buf *path_out);

/* setenv()/unsetenv() each operation. Returns 0 or -errno. */
int env_apply(const struct env_ops *ops);

void env_ops_release(struct env_ops *ops);

#endif
