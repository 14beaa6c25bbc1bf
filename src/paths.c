// SPDX-License-Identifier: MIT
/* CUENV_ROOT, CUENV_CACHE and the config file, with XDG fallbacks. */
#include "paths.h"

#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "xalloc.h"
#include "banned.h"

static const char *home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h == '/')
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

static char *absolute(const char *p)
{
	char cwd[PATH_MAX];

	if (*p == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(p);
	return xasprintf("%s/%s", cwd, p);
}

static char *pick(const char *own, const char *xdg, const char *fallback, const char *leaf)
{
	const char *v = getenv(own);

	if (v && *v)
		return absolute(v);
	v = getenv(xdg);
	if (v && *v == '/')
		return xasprintf("%s/%s", v, leaf);
	return xasprintf("%s/%s/%s", home(), fallback, leaf);
}

bool paths_listable(const char *path)
{
	for (; *path; path++) {
		if (*path == ':' || (unsigned char)*path < 0x20 || *path == 0x7f)
			return false;
	}
	return true;
}

char *paths_root(void)
{
	return pick("CUENV_ROOT", "XDG_DATA_HOME", ".local/share", "cuenv");
}

char *paths_cache(void)
{
	return pick("CUENV_CACHE", "XDG_CACHE_HOME", ".cache", "cuenv");
}

char *paths_config_file(void)
{
	return pick("CUENV_CONFIG", "XDG_CONFIG_HOME", ".config", "cuenv/config");
}

char **paths_split_roots(const char *value, const char *own_root)
{
	char **list = xcalloc(1, sizeof(*list));
	const char *s = value, *e;
	size_t nr = 0, i;

	while (s && *s) {
		size_t n;
		char *root;

		e = strchr(s, ':');
		n = e ? (size_t)(e - s) : strlen(s);
		while (n > 1 && s[n - 1] == '/')
			n--;
		root = n && *s == '/' ? xstrndup(s, n) : NULL;
		s = e ? e + 1 : NULL;
		if (!root)
			continue;
		for (i = 0; i < nr && strcmp(list[i], root); i++)
			;
		if (i < nr || (own_root && !strcmp(root, own_root))) {
			free(root);
			continue;
		}
		list = xrealloc(list, (nr + 2) * sizeof(*list));
		list[nr++] = root;
		list[nr] = NULL;
	}
	return list;
}

char **paths_system_roots(void)
{
	char *own = paths_root(), **list = paths_split_roots(getenv(LAYOUT_SYSTEM_ROOT_VAR), own);

	free(own);
	return list;
}

void paths_free_list(char **list)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}
