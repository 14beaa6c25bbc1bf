// SPDX-License-Identifier: MIT
/* cuenv verify: re-hash the store and the envs against what install recorded. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "integrity.h"
#include "buf.h"
#include "cli.h"
#include "fs.h"
#include "install.h"
#include "out.h"
#include "paths.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

struct opts {
	const char *spec, *profile;
	int json;
	unsigned jobs;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:", longopts, NULL)) != -1) {
		if (c == 'P') {
			o->profile = optarg;
		} else if (c == 'J') {
			o->json = 1;
		} else if (c == 'j') {
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || !*optarg || n < 1 || n > 64)
				return cli_bad_usage("verify", "--jobs takes a number from 1 to 64");
			o->jobs = (unsigned)n;
		} else {
			return cli_bad_usage("verify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_bad_usage("verify", "'verify' takes at most one spec");
	o->spec = optind < argc ? argv[optind] : NULL;
	if (o->profile && !o->spec)
		return cli_bad_usage("verify", "--profile needs a spec");
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_problem(const struct integrity_problem *p)
{
	const char *kind = integrity_kind_name(p->kind);

	switch (p->kind) {
	case INTEGRITY_CHANGED:
		printf("%s %s: sha256 expected %.12s, got %.12s\n", kind, p->path, p->expected,
		       p->got);
		break;
	case INTEGRITY_MODE:
	case INTEGRITY_TYPE:
		printf("%s %s: expected %s, got %s\n", kind, p->path, p->expected, p->got);
		break;
	case INTEGRITY_TARGET:
		printf("%s %s: expected '%s', got '%s'\n", kind, p->path, p->expected, p->got);
		break;
	case INTEGRITY_RECEIPT:
	case INTEGRITY_UNREADABLE:
		if (p->expected)
			printf("%s %s: describes '%s', not '%s'\n", kind, p->path, p->got,
			       p->expected);
		else
			printf("%s %s: %s\n", kind, p->path, p->got);
		break;
	default:
		printf("%s %s\n", kind, p->path);
	}
}

static void json_opt_str(struct buf *b, const char *s)
{
	if (s)
		buf_add_json_str(b, s);
	else
		buf_adds(b, "null");
}

static void print_json(const struct integrity_result *r, double secs)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_addf(&b, "{\"ok\":%s,\"store_entries\":%zu,\"envs\":%zu,\"files\":%zu,\"bytes\":%llu,"
		     "\"seconds\":%.3f,\"problems\":[",
		 r->nr ? "false" : "true", r->entries, r->envs, r->files,
		 (unsigned long long)r->bytes, secs);
	for (i = 0; i < r->nr; i++) {
		const struct integrity_problem *p = &r->problems[i];

		buf_addf(&b, "%s{\"kind\":\"%s\",\"path\":", i ? "," : "", integrity_kind_name(p->kind));
		buf_add_json_str(&b, p->path);
		buf_addf(&b, ",\"in\":\"%s\",\"owner\":", p->in_env ? "env" : "store");
		buf_add_json_str(&b, p->owner);
		buf_adds(&b, ",\"expected\":");
		json_opt_str(&b, p->expected);
		buf_adds(&b, ",\"got\":");
		json_opt_str(&b, p->got);
		buf_addch(&b, '}');
	}
	buf_adds(&b, "]}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

static void summary(const struct integrity_result *r, double secs)
{
	char size[32];

	out_bytes(r->bytes, size, sizeof(size));
	if (!r->nr) {
		out_info("verified %zu store entr%s and %zu env%s: %zu files, %s in %.1f s, all as "
			 "installed",
			 r->entries, r->entries == 1 ? "y" : "ies", r->envs, r->envs == 1 ? "" : "s",
			 r->files, size, secs);
		return;
	}
	out_error("%zu difference%s from what was installed in %zu store entr%s and %zu env%s "
		  "(%zu files, %s checked)",
		  r->nr, r->nr == 1 ? "" : "s", r->entries, r->entries == 1 ? "y" : "ies", r->envs,
		  r->envs == 1 ? "" : "s", r->files, size);
	out_hint("remove the damaged envs with 'cuenv uninstall', run 'cuenv gc', then install "
		 "them again");
}

/* The envs SPEC names; 0, or an exit status after printing why. */
static int pick_envs(const struct opts *o, char ***names, size_t *nr)
{
	struct store_env *envs;
	size_t n, *match, nr_match, i;
	int rc;

	rc = cli_installed("verify", o->spec, o->profile, &envs, &n, &match, &nr_match);
	if (rc)
		return rc;
	if (!nr_match) {
		out_error("no installed env matches '%s'", o->spec);
		out_hint("see 'cuenv list'");
		rc = 3;
	}
	*names = xcalloc(nr_match + 1, sizeof(**names));
	for (i = 0; i < nr_match; i++)
		(*names)[i] = xstrdup(envs[match[i]].name);
	*nr = nr_match;
	free(match);
	store_envs_free(envs, n);
	return rc;
}

static void on_wait(void *ctx, const char *msg)
{
	(void)ctx;
	out_warn("%s", msg);
}

/* Shared, as installs take it: gc cannot remove what is being read. */
static int lock_store(const struct store *s, int *fd)
{
	struct install_events ev = { NULL, NULL, NULL, on_wait };
	char *lock = store_lock_path(s, "root", "store");
	int rc = install_lock_wait(lock, FS_LOCK_SHARED, fd, &ev, "the store", NULL);

	/* Nothing installed, or a root this user may only read: go on unlocked. */
	if (rc == -ENOENT || rc == -EROFS || rc == -EACCES)
		rc = 0;
	else if (rc < 0)
		out_error("cannot lock '%s': %s", lock,
			  rc == -ETIMEDOUT ? "timed out waiting for 'cuenv gc'" : strerror(-rc));
	free(lock);
	return rc < 0 ? 1 : 0;
}

int cmd_verify(int argc, char **argv)
{
	struct integrity_opts ao = { 0 };
	struct integrity_result r = { 0 };
	struct opts o = { 0 };
	char *root = NULL, *cache = NULL, **names = NULL, err[512] = "";
	size_t nr = 0;
	struct store s = { 0 };
	double t0;
	int fd = -1, rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	if (o.spec && (rc = pick_envs(&o, &names, &nr)) != 0)
		goto out;
	root = paths_root();
	cache = paths_cache();
	store_paths(&s, root, cache);
	if ((rc = lock_store(&s, &fd)) != 0)
		goto out;
	t0 = now_s();
	ao.all = !o.spec;
	ao.envs = names;
	ao.nr_envs = nr;
	ao.threads = o.jobs;
	if (integrity_run(&s, &ao, &r, err, sizeof(err)) < 0) {
		out_error("%s", err);
		rc = 1;
		goto out;
	}
	if (o.json) {
		print_json(&r, now_s() - t0);
	} else {
		size_t i;

		for (i = 0; i < r.nr; i++)
			print_problem(&r.problems[i]);
		summary(&r, now_s() - t0);
	}
	rc = r.nr ? 5 : 0;
out:
	fs_unlock(fd);
	integrity_result_release(&r);
	while (nr)
		free(names[--nr]);
	free(names);
	store_release(&s);
	free(root);
	free(cache);
	return rc;
}
