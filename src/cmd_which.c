// SPDX-License-Identifier: MIT
/* cuenv which: the real program a shim would run here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "layout.h"
#include "out.h"
#include "paths.h"
#include "shims.h"
#include "xalloc.h"
#include "banned.h"

/* The next NAME on PATH that is not in the shims directory (what a shim passes through to). */
static char *next_on_path(const char *name, const char *shims)
{
	const char *path = getenv("PATH"), *s, *e;
	struct stat sd, st, self;
	bool have_shims = stat(shims, &sd) == 0;
	char *shim = xasprintf("%s/" LAYOUT_SHIM_BINARY, shims);
	bool have_self = stat(shim, &self) == 0;

	free(shim);
	for (s = path; s && *s; s = e ? e + 1 : NULL) {
		size_t n;
		char *dir, *cand;

		e = strchr(s, ':');
		n = e ? (size_t)(e - s) : strlen(s);
		if (!n)
			continue;
		dir = xstrndup(s, n);
		/* Any cuenv root's shims directory is skipped, as the shim does. */
		cand = xasprintf("%s/" LAYOUT_SHIM_BINARY, dir);
		if (access(cand, F_OK) == 0) {
			free(dir);
			free(cand);
			continue;
		}
		free(cand);
		cand = xasprintf("%s/%s", dir, name);
		if (!(have_shims && stat(dir, &st) == 0 && st.st_dev == sd.st_dev &&
		      st.st_ino == sd.st_ino) &&
		    access(cand, X_OK) == 0 && stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    !(have_self && st.st_dev == self.st_dev && st.st_ino == self.st_ino)) {
			free(dir);
			return cand;
		}
		free(dir);
		free(cand);
	}
	return NULL;
}

int cmd_which(int argc, char **argv)
{
	char *root, *shims, *found = NULL;
	struct cli_target t;
	int rc;

	if (argc != 2)
		return cli_bad_usage("which", "expected one program name");
	if (!shims_valid_name(argv[1]))
		return cli_bad_usage("which", "'%s' is not a program name", argv[1]);
	root = paths_root();
	shims = xasprintf("%s/" LAYOUT_SHIMS_DIR, root);
	rc = cli_target(&t, NULL, NULL, "which");
	if (rc == 3 && !t.from_pin) {
		/* No pin: a shim passes through to the next program of that name. */
		rc = 0;
	}
	if (!rc && t.name) {
		found = xasprintf("%s/bin/%s", t.prefix, argv[1]);
		if (access(found, X_OK) != 0) {
			free(found);
			found = shims_is_wrapper(root, argv[1]) ? next_on_path(argv[1], shims) : NULL;
			if (!found) {
				out_error("'%s' is not in %s (%s)", argv[1], t.name, t.from);
				rc = 127;
			}
		}
	} else if (!rc && t.from_pin) {
		rc = cli_target_missing(&t);
	} else if (!rc) {
		found = next_on_path(argv[1], shims);
		if (!found) {
			out_error("'%s' not found on PATH", argv[1]);
			rc = 127;
		}
	}
	if (found)
		printf("%s\n", found);
	free(found);
	cli_target_release(&t);
	free(shims);
	free(root);
	return rc;
}
