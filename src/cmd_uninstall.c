// SPDX-License-Identifier: MIT
/* cuenv uninstall: remove installed envs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "fs.h"
#include "install.h"
#include "out.h"
#include "paths.h"
#include "store.h"
#include "banned.h"

static int remove_env(const char *name)
{
	char *root = paths_root(), *cache = paths_cache(), *lock;
	struct store s;
	char err[512];
	int fd = -1, rc;

	/* store_open: an old root may lack tmp/ or locks/, which removal needs. */
	if (store_open(&s, root, cache, err, sizeof(err)) < 0) {
		out_error("%s", err);
		store_release(&s);
		free(root);
		free(cache);
		return 1;
	}
	lock = store_lock_path(&s, "env", name);
	/* Not while an install of the same env is assembling it. */
	rc = install_lock_wait(lock, 0, &fd, NULL, name, NULL);
	if (rc == 0) {
		rc = store_remove_env(&s, name);
		fs_unlock(fd);
	}
	if (rc < 0)
		out_error("cannot remove '%s': %s", name, strerror(-rc));
	else
		out_info("removed %s", name);
	free(lock);
	store_release(&s);
	free(root);
	free(cache);
	return rc < 0 ? 1 : 0;
}

int cmd_uninstall(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL;
	struct store_env *envs;
	size_t nr, *match, nr_match, i;
	int c, rc, all = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'P')
			profile = optarg;
		else if (c == 'a')
			all = 1;
		else
			return cli_bad_usage("uninstall", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_bad_usage("uninstall", "expected one spec or env name");
	rc = cli_installed("uninstall", argv[optind], profile, &envs, &nr, &match, &nr_match);
	if (rc)
		return rc;
	if (nr_match == 0) {
		struct store_env *every;
		size_t nevery, *m, nm;

		out_error("no installed env matches '%s'", argv[optind]);
		/* One from a shared root is the administrator's to remove. */
		if (cli_installed_all("uninstall", argv[optind], profile, &every, &nevery, &m, &nm) == 0 &&
		    nm) {
			char *prefix = cli_env_prefix(every[m[0]].name, NULL);

			out_hint("'%s' is in a read-only system root (CUENV_SYSTEM_ROOT): '%s'",
				 every[m[0]].name, prefix ? prefix : "");
			free(prefix);
		} else {
			out_hint("see 'cuenv list'");
		}
		free(m);
		store_envs_free(every, nevery);
		rc = 3;
	} else if (nr_match > 1 && !all) {
		out_error("'%s' matches %zu installed envs; name one or pass --all", argv[optind],
			  nr_match);
		for (i = 0; i < nr_match; i++)
			out_hint("  %s", envs[match[i]].name);
		rc = 2;
	}
	for (i = 0; rc == 0 && i < nr_match; i++)
		rc = remove_env(envs[match[i]].name);
	if (rc == 0) {
		cli_refresh_shims();
		out_info("store entries stay until 'cuenv gc'");
	}
	free(match);
	store_envs_free(envs, nr);
	return rc;
}
