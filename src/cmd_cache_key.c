// SPDX-License-Identifier: MIT
/* cuenv cache-key: a key for CI caches from the lock's archive digests. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "out.h"
#include "banned.h"

struct opts {
	const char *spec, *profile, *platform;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"profile", required_argument, NULL, 'P'},
	    {"platform", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o->profile = optarg;
			break;
		case 'p':
			o->platform = optarg;
			break;
		default:
			return cli_bad_usage("cache-key", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_bad_usage("cache-key", "'cache-key' takes at most one spec");
	o->spec = optind < argc ? argv[optind] : NULL;
	if (!o->spec && (o->profile || o->platform))
		return cli_bad_usage("cache-key",
				     "--%s goes with a SPEC; without one the lock decides",
				     o->profile ? "profile" : "platform");
	return 0;
}

static void print_key(const struct plan *p)
{
	char *key = plan_cache_key(p);

	printf("%s\n", key);
	free(key);
}

static int from_lock(void)
{
	struct pinned pd;
	struct plan p;
	int rc = cli_pinned(&pd, NULL);

	if (rc)
		return rc;
	if (!pd.lock_path) {
		out_error("the pin comes from CUENV_VERSION, which has no lock");
		out_hint("give the spec: 'cuenv cache-key %s'", pd.pin.spec);
		rc = 1;
	} else if (!pd.lock_matches) {
		out_error("%s", pd.lock_problem);
		out_hint("run 'cuenv use %s' to lock the pin", pd.pin.spec);
		rc = 1;
	} else {
		lock_to_plan(&pd.lock, NULL, &p);
		print_key(&p);
		plan_release(&p);
	}
	cli_pinned_release(&pd);
	return rc;
}

static int from_spec(const struct opts *o)
{
	struct cli_ctx x;
	struct spec spec;
	struct plan p;
	char err[1024] = "";
	int rc;

	if ((rc = cli_ctx_open(&x, o->platform, o->profile, 0)))
		return rc;
	if ((rc = resolve_spec_parse(o->spec, &spec, err, sizeof(err))) < 0 ||
	    (rc = resolve(&x.cat, o->spec, &spec, x.platform, x.profile, &p, err, sizeof(err))) <
		0) {
		rc = cli_fail(rc, err);
	} else {
		print_key(&p);
		plan_release(&p);
	}
	cli_ctx_release(&x);
	return rc;
}

int cmd_cache_key(int argc, char **argv)
{
	struct opts o = {0};
	int rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	return o.spec ? from_spec(&o) : from_lock();
}
