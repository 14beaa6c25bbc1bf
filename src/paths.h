/*
 * paths.h - where cuenv keeps things (DESIGN.md "On disk").
 *
 *	root   $CUENV_ROOT, else $XDG_DATA_HOME/cuenv, else ~/.local/share/cuenv
 *	cache  $CUENV_CACHE, else $XDG_CACHE_HOME/cuenv, else ~/.cache/cuenv
 *	config $CUENV_CONFIG, else $XDG_CONFIG_HOME/cuenv/config, else ~/.config/cuenv/config
 *
 * XDG variables that are empty or relative are ignored, as the XDG spec asks.
 * CUENV_* values that are relative are taken relative to the current directory.
 * Each function returns a newly allocated absolute path; free() it.
 */
#ifndef CUENV_PATHS_H
#define CUENV_PATHS_H

#include <stdbool.h>

char *paths_root(void);
char *paths_cache(void);
char *paths_config_file(void);

/*
 * Shared read-only roots (CUENV_SYSTEM_ROOT, a ':' list like PATH), where an
 * administrator installed envs for everyone: searched after the user's own
 * root, in order, by every command that runs an env (and by the shim).
 * paths_split_roots() parses a value: absolute elements only (empty and
 * relative ones are ignored, a trailing '/' dropped), without own_root
 * (may be NULL) and without repeats. Returns a NULL-terminated, newly
 * allocated array; free it with paths_free_list(). paths_system_roots()
 * does so for $CUENV_SYSTEM_ROOT and the user's root.
 */
char **paths_split_roots(const char *value, const char *own_root);
char **paths_system_roots(void);
void paths_free_list(char **list);

/*
 * Can path go into a ':' list (PATH, LD_LIBRARY_PATH)? Not with a ':' (it
 * would split into two entries, the second relative: the current directory
 * decides) nor with a control character (a newline ends a $GITHUB_ENV line).
 */
bool paths_listable(const char *path);

#endif
