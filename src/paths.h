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
 * Can path go into a ':' list (PATH, LD_LIBRARY_PATH)? Not with a ':' (it
 * would split into two entries, the second relative: the current directory
 * decides) nor with a control character (a newline ends a $GITHUB_ENV line).
 */
bool paths_listable(const char *path);

#endif
