// SPDX-License-Identifier: MIT
/* cuenv list: installed envs, their size and the store entries they share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "fs.h"
#include "out.h"
#include "paths.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

/* How many other envs use the store entry of component k of env i. */
static size_t sharers(const struct store_env *envs, size_t nr, size_t i, size_t k)
{
	const char *entry = envs[i].components[k].entry;
	size_t n = 0, j, c;

	for (j = 0; j < nr; j++) {
		for (c = 0; j != i && c < envs[j].nr_components; c++) {
			if (!strcmp(envs[j].components[c].entry, entry)) {
				n++;
				break;
			}
		}
	}
	return n;
}

static void json_env(struct buf *b, const struct store_env *envs, size_t nr, size_t i,
		     const char *path, const char *system)
{
	const struct store_env *e = &envs[i];
	size_t k;

	buf_adds(b, "{\"name\":");
	buf_add_json_str(b, e->name);
	buf_adds(b, ",\"cuda\":");
	buf_add_json_str(b, e->cuda);
	buf_adds(b, ",\"cudnn\":");
	if (e->cudnn)
		buf_add_json_str(b, e->cudnn);
	else
		buf_adds(b, "null");
	buf_addf(b, ",\"profile\":\"%s\",\"platform\":\"%s\",\"spec\":", e->profile, e->platform);
	buf_add_json_str(b, e->spec);
	buf_adds(b, ",\"source\":");
	buf_add_json_str(b, e->source);
	buf_adds(b, ",\"prefix\":");
	buf_add_json_str(b, path);
	buf_adds(b, ",\"system_root\":");
	if (system)
		buf_add_json_str(b, system);
	else
		buf_adds(b, "null");
	buf_addf(b, ",\"size\":%llu,\"installed\":%lld,\"components\":[", fs_du(path), e->installed);
	for (k = 0; k < e->nr_components; k++) {
		buf_addf(b, "%s{\"name\":", k ? "," : "");
		buf_add_json_str(b, e->components[k].name);
		buf_adds(b, ",\"version\":");
		buf_add_json_str(b, e->components[k].version);
		buf_adds(b, ",\"store_entry\":");
		buf_add_json_str(b, e->components[k].entry);
		buf_addf(b, ",\"shared_with\":%zu}", sharers(envs, nr, i, k));
	}
	buf_adds(b, "]}");
}

static void human_env(const struct store_env *envs, size_t nr, size_t i, const char *path,
		      const char *system)
{
	const struct store_env *e = &envs[i];
	size_t k, shared = 0;
	char size[32];

	for (k = 0; k < e->nr_components; k++)
		shared += sharers(envs, nr, i, k) > 0;
	printf("%-44s %-8s %10s  %zu archives", e->name, e->profile,
	       out_bytes(fs_du(path), size, sizeof(size)), e->nr_components);
	if (shared)
		printf(", %zu shared with other envs", shared);
	if (system)
		printf(" (system root %s)", system);
	putchar('\n');
}

/* Whether an earlier root already listed name (it hides this one). */
static bool hidden(char **names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(names[i], name))
			return true;
	}
	return false;
}

int cmd_list(int argc, char **argv)
{
	char *root = paths_root(), *cache = paths_cache(), **sys = paths_system_roots();
	char **seen = NULL;
	struct buf b = BUF_INIT;
	size_t nr, i, r, nseen = 0, shown = 0;
	int json = argc == 2 && !strcmp(argv[1], "--json");

	if (argc > 2 || (argc == 2 && !json)) {
		free(root);
		free(cache);
		paths_free_list(sys);
		return cli_bad_usage("list", "unknown argument '%s'", argv[1]);
	}
	if (json)
		buf_adds(&b, "[");
	/* The user's own root, then the system roots in the order they are searched. */
	for (r = 0; r == 0 || sys[r - 1]; r++) {
		const char *where = r ? sys[r - 1] : root, *system = r ? sys[r - 1] : NULL;
		struct store_env *envs;
		struct store s;

		store_paths(&s, where, cache);
		if (store_list_envs(&s, &envs, &nr) < 0)
			nr = 0, envs = NULL;
		for (i = 0; i < nr; i++) {
			char *path = store_env_path(&s, envs[i].name);

			if (hidden(seen, nseen, envs[i].name)) {
				free(path);
				continue;
			}
			seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen++] = xstrdup(envs[i].name);
			if (json) {
				if (shown)
					buf_addch(&b, ',');
				json_env(&b, envs, nr, i, path, system);
			} else {
				human_env(envs, nr, i, path, system);
			}
			shown++;
			free(path);
		}
		store_envs_free(envs, nr);
		store_release(&s);
	}
	if (json) {
		buf_adds(&b, "]\n");
		fputs(b.s, stdout);
	} else if (!shown) {
		out_info("no envs installed in %s (try 'cuenv install 12.4+cudnn9')", root);
	}
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	buf_release(&b);
	paths_free_list(sys);
	free(root);
	free(cache);
	return 0;
}
