// SPDX-License-Identifier: MIT
/* cuenv gc: remove what no installed env uses. */
#include <errno.h>
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

int cmd_gc(int argc, char **argv)
{
	char *root = paths_root(), *cache = paths_cache(), *lock = NULL, err[512] = "", size[32];
	struct store_gc_report r;
	struct store s;
	int json = argc == 2 && !strcmp(argv[1], "--json"), fd = -1, rc;

	if (argc > 2 || (argc == 2 && !json)) {
		free(root);
		free(cache);
		return cli_bad_usage("gc", "unknown argument '%s'", argv[1]);
	}
	rc = store_open(&s, root, cache, err, sizeof(err));
	if (rc == 0) {
		lock = store_lock_path(&s, "root", "store");
		/* Exclusive: no install is between finding an entry and linking it. */
		rc = install_lock_wait(lock, 0, &fd, NULL, "the store", NULL);
		if (rc < 0)
			snprintf(err, sizeof(err), "cannot lock '%s': %s", lock,
				 install_lock_why(rc, "timed out waiting for running installs"));
	}
	if (rc == 0)
		rc = store_gc(&s, &r, err, sizeof(err));
	fs_unlock(fd);
	if (rc < 0) {
		rc = cli_fail(rc, err);
	} else if (json) {
		printf("{\"store_entries\":%zu,\"archives\":%zu,\"partials\":%zu,\"staging\":%zu,"
		       "\"bytes\":%llu}\n",
		       r.entries, r.archives, r.partials, r.staging, r.bytes);
	} else {
		out_info("removed %zu store entries, %zu cached archives, %zu partial downloads and "
			 "%zu staging directories; freed %s",
			 r.entries, r.archives, r.partials, r.staging,
			 out_bytes(r.bytes, size, sizeof(size)));
	}
	free(lock);
	store_release(&s);
	free(root);
	free(cache);
	return rc;
}
