// SPDX-License-Identifier: MIT
/* cuenv mirror: write a mirror for air-gapped sites (sync) and check one (verify). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "mirror.h"
#include "out.h"
#include "platform.h"
#include "xalloc.h"
#include "banned.h"

#define MAX_PLATFORMS 8

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct sync_opts {
	const char *dir, *profile;
	const char *platforms[MAX_PLATFORMS];
	unsigned nr_platforms;
	bool all_platforms, quiet, json;
	unsigned jobs;
	char **specs;
	int nr_specs;
};

static int parse_sync(int argc, char **argv, struct sync_opts *o)
{
	static const struct option longopts[] = {
	    {"all-platforms", no_argument, NULL, 'A'},
	    {"platform", required_argument, NULL, 'p'},
	    {"profile", required_argument, NULL, 'P'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"json", no_argument, NULL, 'J'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	long n;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'A':
			o->all_platforms = true;
			break;
		case 'p':
			if ((rc = cli_add_platforms("mirror", optarg, o->platforms, &o->nr_platforms,
						     MAX_PLATFORMS)))
				return rc;
			break;
		case 'P':
			o->profile = optarg;
			break;
		case 'j':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 64)
				return cli_bad_usage(
				    "mirror", "--jobs '%s' is not a number from 1 to 64", optarg);
			o->jobs = (unsigned)n;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'J':
			o->json = true;
			break;
		default:
			return cli_bad_usage("mirror", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->all_platforms && o->nr_platforms)
		return cli_bad_usage("mirror", "--all-platforms and --platform exclude each other");
	if (argc - optind < 2)
		return cli_bad_usage("mirror", argc == optind
						   ? "'mirror sync' needs a directory and a spec"
						   : "'mirror sync' needs at least one spec");
	o->dir = argv[optind];
	if (strstr(o->dir, "://"))
		return cli_bad_usage(
		    "mirror", "'%s' is a URL: 'mirror sync' writes a local directory", o->dir);
	o->specs = argv + optind + 1;
	o->nr_specs = argc - optind - 1;
	return 0;
}

static void ev_state(void *ctx, const struct mirror_archive *a)
{
	const struct sync_opts *o = ctx;
	char size[32];

	if (o->quiet || o->json || a->state == MIRROR_FAILED)
		return;
	fprintf(stderr, "%-9s %s %s (%s%s)\n",
		a->state == MIRROR_FETCHED	? "fetched"
		: a->state == MIRROR_FROM_CACHE ? "copied"
						: "present",
		a->name, a->version, out_bytes(a->size, size, sizeof(size)),
		a->state == MIRROR_FROM_CACHE ? ", from the cache" : "");
}

static void ev_warn(void *ctx, const char *msg)
{
	const struct sync_opts *o = ctx;

	if (!o->quiet)
		out_warn("%s", msg);
}

/* The platforms to mirror: named, all, or this machine's (from the context). */
static unsigned platforms_of(struct sync_opts *o, const struct cli_ctx *x, const char **out)
{
	static const char *const all[] = {"linux-x86_64", "linux-sbsa", "linux-aarch64",
					  "linux-ppc64le"};
	unsigned i;

	if (o->all_platforms) {
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			out[i] = all[i];
		return i;
	}
	if (!o->nr_platforms) {
		out[0] = x->platform;
		return 1;
	}
	for (i = 0; i < o->nr_platforms; i++)
		out[i] = o->platforms[i];
	return o->nr_platforms;
}

/* Resolve every spec on every platform into the set. Returns an exit status. */
static int collect(struct sync_opts *o, struct cli_ctx *x, struct mirror_set *set)
{
	const char *plats[MAX_PLATFORMS];
	unsigned np = platforms_of(o, x, plats), k;
	char err[1024];
	int i, rc;

	for (i = 0; i < o->nr_specs; i++) {
		struct spec spec;
		unsigned done = 0;

		if ((rc = resolve_spec_parse(o->specs[i], &spec, err, sizeof(err))) < 0) {
			out_error("%s", err);
			return 2;
		}
		for (k = 0; k < np; k++) {
			struct plan p;

			rc = resolve(&x->cat, o->specs[i], &spec, plats[k], x->profile, &p, err,
				     sizeof(err));
			if (rc < 0 && o->all_platforms && cue_exit_code(rc) == 3) {
				if (!o->quiet && !o->json)
					out_info("'%s' has nothing for %s; skipped", o->specs[i],
						 plats[k]);
				continue;
			}
			if (rc < 0)
				return cli_fail(rc, err);
			mirror_set_add(set, &x->cat, &p);
			plan_release(&p);
			done++;
		}
		if (!done) {
			out_error("'%s' resolves on no platform of '%s'", o->specs[i],
				  x->cat.source);
			return 3;
		}
	}
	return 0;
}

static void print_sync_json(const struct sync_opts *o, const struct mirror_set *set,
			    const struct mirror_result *r)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "{\"dir\":");
	buf_add_json_str(&b, o->dir);
	buf_addf(&b,
		 ",\"archives\":%zu,\"present\":%zu,\"from_cache\":%zu,\"fetched\":%zu,"
		 "\"downloaded\":%llu,\"manifests_written\":%zu,\"manifests\":[",
		 set->nr_archives, r->present, r->from_cache, r->fetched,
		 (unsigned long long)r->downloaded, r->manifests_written);
	for (i = 0; i < set->nr_manifests; i++) {
		if (i)
			buf_addch(&b, ',');
		buf_add_json_str(&b, set->manifests[i].path);
	}
	buf_adds(&b, "]}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

static int mirror_sync_cmd(int argc, char **argv)
{
	struct sync_opts o;
	struct cli_ctx x;
	struct mirror_set set = {0};
	struct mirror_opts mo = {0};
	struct mirror_result r;
	struct sigaction sa;
	char err[1024] = "", size[32];
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = parse_sync(argc, argv, &o)) != 0)
		return rc;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = cli_ctx_open(&x, o.nr_platforms ? o.platforms[0] : NULL, o.profile, 0);
	if (rc)
		return rc;
	if ((rc = collect(&o, &x, &set)))
		goto out;
	mo.cache = x.cache;
	mo.jobs = o.jobs ? o.jobs : x.cfg.jobs;
	mo.fetch_flags = strncmp(x.cat.source, "https://", 8) ? FETCH_ALLOW_PLAIN : 0;
	mo.cancel = &interrupted;
	mo.ev = (struct mirror_events){&o, ev_state, ev_warn};
	rc = mirror_sync(o.dir, &set, &mo, &r, err, sizeof(err));
	if (rc == -ECANCELED) {
		out_error("interrupted; the archives in place stay, a new sync resumes the rest");
		rc = 130;
	} else if (rc < 0) {
		rc = cli_fail(rc, err);
	} else if (o.json) {
		print_sync_json(&o, &set, &r);
	} else if (!o.quiet) {
		out_info("mirror '%s': %zu archives (%zu fetched, %zu already there, %zu from the "
			 "cache), %s downloaded, %zu manifests",
			 o.dir, set.nr_archives, r.fetched, r.present, r.from_cache,
			 out_bytes(r.downloaded, size, sizeof(size)), set.nr_manifests);
		out_info("serve it with any static HTTP server, or use CUENV_MIRROR=file://%s%s",
			 *o.dir == '/' ? "" : "$PWD/", o.dir);
	}
out:
	mirror_set_release(&set);
	cli_ctx_release(&x);
	return rc;
}

static int mirror_verify_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'J'},
	    {NULL, 0, NULL, 0},
	};
	struct mirror_report r;
	char err[1024] = "";
	bool json = false;
	size_t i, missing = 0;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'J')
			return cli_bad_usage("mirror", "unknown option '%s'", argv[optind - 1]);
		json = true;
	}
	if (argc - optind != 1)
		return cli_bad_usage("mirror", "'mirror verify' takes one directory");
	rc = mirror_verify(argv[optind], &r, err, sizeof(err));
	if (rc < 0)
		return cli_fail(rc, err);
	for (i = 0; i < r.nr_findings; i++)
		missing += r.findings[i].problem == MIRROR_MISSING;
	if (json) {
		struct buf b = BUF_INIT;

		buf_adds(&b, "{\"dir\":");
		buf_add_json_str(&b, argv[optind]);
		buf_addf(&b,
			 ",\"index\":%s,\"manifests\":%zu,\"archives\":%zu,\"not_held\":%zu,"
			 "\"findings\":[",
			 r.have_index ? "true" : "false", r.manifests, r.archives, r.not_held);
		for (i = 0; i < r.nr_findings; i++) {
			buf_addf(&b, "%s{\"problem\":\"%s\",\"path\":", i ? "," : "",
				 r.findings[i].problem == MIRROR_MISSING ? "missing" : "changed");
			buf_add_json_str(&b, r.findings[i].path);
			buf_adds(&b, ",\"detail\":");
			buf_add_json_str(&b, r.findings[i].detail);
			buf_addch(&b, '}');
		}
		buf_adds(&b, "]}\n");
		fputs(b.s, stdout);
		buf_release(&b);
	} else {
		for (i = 0; i < r.nr_findings; i++)
			printf("%-8s %s%s%s\n",
			       r.findings[i].problem == MIRROR_MISSING ? "missing" : "changed",
			       r.findings[i].path,
			       r.findings[i].problem == MIRROR_MISSING ? "" : ": ",
			       r.findings[i].problem == MIRROR_MISSING ? "" : r.findings[i].detail);
	}
	if (r.nr_findings) {
		out_error("mirror '%s': %zu of %zu files differ from %s (%zu missing, %zu changed)",
			  argv[optind], r.nr_findings, r.manifests + r.archives,
			  r.have_index ? MIRROR_INDEX : "their manifests", missing,
			  r.nr_findings - missing);
		rc = 5;
	} else if (!json) {
		out_info("mirror '%s': %zu archives and %zu manifests verified%s", argv[optind],
			 r.archives, r.manifests,
			 r.have_index ? "" : " (no index: only the archives present)");
	}
	mirror_report_release(&r);
	return rc;
}

int cmd_mirror(int argc, char **argv)
{
	if (argc < 2)
		return cli_bad_usage("mirror", "'mirror' needs 'sync' or 'verify'");
	if (!strcmp(argv[1], "--help"))
		return cli_usage(cli_find("mirror"));
	if (!strcmp(argv[1], "sync"))
		return mirror_sync_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return mirror_verify_cmd(argc - 1, argv + 1);
	return cli_bad_usage("mirror", "unknown subcommand '%s' (sync or verify)", argv[1]);
}
