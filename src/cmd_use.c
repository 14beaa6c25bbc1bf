// SPDX-License-Identifier: MIT
/* cuenv use: pin a pair for a directory (or globally), lock it, install it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "fs.h"
#include "layout.h"
#include "out.h"
#include "paths.h"
#include "pin.h"
#include "xalloc.h"
#include "banned.h"

struct opts {
	const char *spec, *profile, *platform;
	int global, quiet;
	unsigned jobs;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "platform", required_argument, NULL, 'p' },
		{ "global", no_argument, NULL, 'g' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "gq", longopts, NULL)) != -1) {
		if (c == 'P')
			o->profile = optarg;
		else if (c == 'p')
			o->platform = optarg;
		else if (c == 'g')
			o->global = 1;
		else if (c == 'q')
			o->quiet = 1;
		else
			return cli_bad_usage("use", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return cli_bad_usage("use", optind == argc ? "no spec given" : "'use' takes one spec");
	o->spec = argv[optind];
	return 0;
}

static int write_pin(const struct opts *o, const struct plan *plan, const char *source,
		     const char *root)
{
	char cwd[4096], *pin, *lock;
	int rc;

	if (!o->global && !getcwd(cwd, sizeof(cwd))) {
		out_error("cannot read the current directory: %s", strerror(errno));
		return 1;
	}
	pin = o->global ? xasprintf("%s/" LAYOUT_GLOBAL_PIN, root)
			: xasprintf("%s/" LAYOUT_PIN_FILE, cwd);
	lock = o->global ? xasprintf("%s/" LAYOUT_GLOBAL_LOCK, root)
			 : xasprintf("%s/" LAYOUT_LOCK_FILE, cwd);
	/* The lock first: a pin never points at a missing or older lock for long. */
	rc = lock_write(lock, plan, source);
	if (!rc)
		rc = pin_write(pin, o->spec, resolve_profile_name(plan->profile));
	if (rc < 0) {
		out_error("cannot write '%s': %s", rc == -EACCES ? pin : lock, strerror(-rc));
		rc = 1;
	} else {
		/* Shell hooks notice with one stat() at the next prompt. */
		pins_bump_generation(root);
		if (!o->quiet)
			out_info("pinned %s in %s (lock: %s)", o->spec, pin, lock);
	}
	free(pin);
	free(lock);
	return rc;
}

int cmd_use(int argc, char **argv)
{
	struct cli_install_opts io = { 0 };
	struct opts o = { 0 };
	struct cli_ctx x;
	struct spec spec;
	struct plan plan;
	char err[1024], *root;
	int rc, r;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	cli_catch_signals();
	if (resolve_spec_parse(o.spec, &spec, err, sizeof(err)) < 0) {
		out_error("%s", err);
		out_hint("see 'cuenv use --help'");
		return 2;
	}
	rc = cli_ctx_open(&x, o.platform, o.profile, 0);
	if (rc) {
		cli_ctx_release(&x);
		return rc;
	}
	r = resolve(&x.cat, o.spec, &spec, x.platform, x.profile, &plan, err, sizeof(err));
	if (r < 0) {
		cli_ctx_release(&x);
		return cli_fail(r, err);
	}
	io.quiet = o.quiet;
	rc = cli_install(&x, &plan, &io);
	root = paths_root();
	if (!rc)
		rc = write_pin(&o, &plan, x.cat.source, root);
	free(root);
	plan_release(&plan);
	cli_ctx_release(&x);
	return rc;
}
