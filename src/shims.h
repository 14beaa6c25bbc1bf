/*
 * shims.h - $CUENV_ROOT/shims: one entry per tool of every installed env,
 * plus the user's wrappers, each a hard link to one copy of the shim program
 * (shims/cuenv-shim.c), so the directory keeps working when cuenv itself
 * moves. Put it on PATH and every nvcc, ptxas, … runs the pinned env's.
 *
 *	char *bin = shims_find_binary();	// next to the cuenv executable
 *	shims_refresh(root, bin, err, sizeof(err));
 */
#ifndef CUENV_SHIMS_H
#define CUENV_SHIMS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The shim program installed with cuenv: cuenv-shim beside the executable,
 * or ../libexec/cuenv/cuenv-shim. Newly allocated, or NULL when absent.
 */
char *shims_find_binary(void);

/* A name a shim may have: [A-Za-z0-9._+-], 1 to 255 bytes, not "." or "..". */
bool shims_valid_name(const char *name);

/*
 * Make the shims directory match the installed envs and the wrappers:
 * update the shim copy, link missing names, remove names no env provides.
 * Returns 0 or -errno with err.
 */
int shims_refresh(const char *root, const char *binary, char *err, size_t errlen);

/*
 * The wrappers list (cuenv shim add/remove): names of programs cuenv does not
 * own that should still run with the pinned env's variables. add returns 1
 * when the name was already there; remove returns 1 when it was not.
 */
int shims_wrapper_add(const char *root, const char *name, char *err, size_t errlen);
int shims_wrapper_remove(const char *root, const char *name, char *err, size_t errlen);
/* Newly allocated, one name per line. */
char *shims_wrappers(const char *root);
/* Whether name is in the wrappers list (exactly). */
bool shims_is_wrapper(const char *root, const char *name);

#endif
