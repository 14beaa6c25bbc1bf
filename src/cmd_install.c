// SPDX-License-Identifier: MIT
/* cuenv install: resolve, download, verify, unpack, assemble; with a live progress display. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "fetch.h"
#include "install.h"
#include "out.h"
#include "paths.h"
#include "pin.h"
#include "shims.h"
#include "store.h"
#include "version.h"
#include "xalloc.h"
#include "banned.h"

#define REDRAW_MS 100

struct opts {
	const char *profile;
	const char *platform;
	unsigned jobs;
	int quiet;
	int json;
	int locked;
	const char *with[16];	/* --with COMPONENT */
	int nr_with;
	char **specs;
	int nr_specs;
};

/* A smoothed transfer rate, sampled at most twice a second. */
struct rate {
	uint64_t bytes;
	long long ms;
	double per_s;
};

/* What the display knows about the run. */
struct view {
	bool tty;
	bool quiet;
	struct install_result *r;	/* install_plan fills its tasks before any event */
	const struct plan *plan;
	long long started_ms, drawn_ms;
	unsigned lines;			/* drawn last time, to redraw in place */
	struct rate total;
	struct rate *each;		/* per task, allocated on the first draw */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "platform", required_argument, NULL, 'p' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "locked", no_argument, NULL, 'L' },
		{ "with", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long n;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:q", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o->profile = optarg;
			break;
		case 'p':
			o->platform = optarg;
			break;
		case 'j':
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 64)
				return cli_bad_usage("install", "--jobs '%s' is not a number from 1 to 64",
						     optarg);
			o->jobs = (unsigned)n;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'J':
			o->json = 1;
			break;
		case 'L':
			o->locked = 1;
			break;
		case 'W':
			if (o->nr_with == (int)(sizeof(o->with) / sizeof(o->with[0])))
				return cli_bad_usage("install", "too many --with options");
			o->with[o->nr_with++] = optarg;
			break;
		default:
			return cli_bad_usage("install", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->locked && optind != argc)
		return cli_bad_usage("install", "--locked installs the lock: it takes no spec");
	o->specs = argv + optind;
	o->nr_specs = argc - optind;
	return 0;
}

/* ---- the display ---- */

static const char *state_word(enum install_state s)
{
	static const char *const words[] = { "queued", "waiting", "downloading", "unpacking",
					     "done", "reused", "failed" };

	return words[s];
}

static double sample(struct rate *r, uint64_t bytes, long long now)
{
	if (!r->ms) {
		r->ms = now;
		r->bytes = bytes;
	} else if (now - r->ms >= 500) {
		double inst = (double)(bytes - r->bytes) * 1000.0 / (double)(now - r->ms);

		r->per_s = r->per_s ? 0.7 * r->per_s + 0.3 * inst : inst;
		r->ms = now;
		r->bytes = bytes;
	}
	return r->per_s;
}

/* " 1.2 MB/s, ETA 12 s" or "" before there is a rate. */
static const char *speed(double per_s, uint64_t left, char *dst, size_t len)
{
	char r[32];

	if (per_s < 1) {
		*dst = '\0';
		return dst;
	}
	snprintf(dst, len, ", %s/s, ETA %.0f s", out_bytes((unsigned long long)per_s, r, sizeof(r)),
		 (double)left / per_s);
	return dst;
}

static void erase(struct view *v)
{
	for (; v->lines; v->lines--)
		fputs("\033[1A\033[2K", stderr);
}

static void draw(struct view *v, bool force)
{
	uint64_t got = 0, total = 0;
	long long now = now_ms();
	char a[32], b[32], sp[64];
	size_t i, done = 0;

	if (!v->tty || v->quiet || (!force && now - v->drawn_ms < REDRAW_MS))
		return;
	if (!v->each)
		v->each = xcalloc(v->r->nr_tasks ? v->r->nr_tasks : 1, sizeof(*v->each));
	v->drawn_ms = now;
	erase(v);
	for (i = 0; i < v->r->nr_tasks; i++) {
		const struct install_task *t = &v->r->tasks[i];
		bool fetching = t->state == INSTALL_DOWNLOADING;
		uint64_t have = fetching ? t->received : t->c.size;

		total += t->c.size;
		if (t->state == INSTALL_QUEUED || t->state == INSTALL_WAITING)
			have = 0;
		got += have;
		done += t->state == INSTALL_DONE || t->state == INSTALL_REUSED;
		if (!fetching && t->state != INSTALL_UNPACKING && t->state != INSTALL_WAITING)
			continue;
		fprintf(stderr, "  %-22.22s %-11s %9s / %s%s\n", t->c.name, state_word(t->state),
			out_bytes(have, a, sizeof(a)), out_bytes(t->c.size, b, sizeof(b)),
			fetching ? speed(sample(&v->each[i], have, now), t->c.size - have, sp,
					 sizeof(sp))
				 : "");
		v->lines++;
	}
	fprintf(stderr, "  total: %zu/%zu archives, %s / %s%s\n", done, v->r->nr_tasks,
		out_bytes(got, a, sizeof(a)), out_bytes(total, b, sizeof(b)),
		speed(sample(&v->total, got, now), total - got, sp, sizeof(sp)));
	v->lines++;
}

static void ev_state(void *ctx, const struct install_task *t)
{
	struct view *v = ctx;
	char a[32];

	if (!v->tty && !v->quiet && (t->state == INSTALL_DONE || t->state == INSTALL_REUSED))
		fprintf(stderr, "%-8s %s %s (%s%s)\n",
			t->state == INSTALL_DONE ? "unpacked" : "reused", t->c.name, t->c.version,
			out_bytes(t->c.size, a, sizeof(a)),
			t->state == INSTALL_DONE && t->from_cache ? ", from the cache" : "");
	draw(v, t->state == INSTALL_DONE || t->state == INSTALL_FAILED);
}

static void ev_progress(void *ctx, const struct install_task *t)
{
	(void)t;
	draw(ctx, false);
}

static void ev_warn(void *ctx, const char *msg)
{
	struct view *v = ctx;

	if (v->quiet)
		return;
	erase(v);
	out_warn("%s", msg);
	draw(v, true);
}

/* ---- results ---- */

static void print_json(const struct install_result *r, double secs)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "{\"name\":");
	buf_add_json_str(&b, r->name);
	buf_adds(&b, ",\"prefix\":");
	buf_add_json_str(&b, r->prefix);
	buf_addf(&b, ",\"already_installed\":%s,\"downloaded\":%llu,\"seconds\":%.3f,\"archives\":[",
		 r->already ? "true" : "false", (unsigned long long)r->downloaded, secs);
	for (i = 0; i < r->nr_tasks; i++) {
		const struct install_task *t = &r->tasks[i];

		buf_addf(&b, "%s{\"name\":", i ? "," : "");
		buf_add_json_str(&b, t->c.name);
		buf_adds(&b, ",\"version\":");
		buf_add_json_str(&b, t->c.version);
		buf_adds(&b, ",\"store_entry\":");
		buf_add_json_str(&b, t->c.entry);
		buf_addf(&b, ",\"size\":%llu,\"state\":\"%s\"}", (unsigned long long)t->c.size,
			 r->already ? "reused" : state_word(t->state));
	}
	buf_adds(&b, "]}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

void cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Is the plan's env complete, with exactly its archives, in the user's root
 * or a system root (CUENV_SYSTEM_ROOT)? Then there is nothing to do, and
 * nothing is written: a read-only root takes no lock. Returns its prefix
 * (newly allocated) or NULL; *system names the system root (borrowed
 * from sys) or is NULL for the user's.
 */
static char *present(const struct store_env *want, const char *root, const char *cache,
		     char **sys, const char **system)
{
	char *prefix = NULL;
	size_t r, i, k;

	*system = NULL;
	for (r = 0; !prefix && (r == 0 || sys[r - 1]); r++) {
		const char *where = r ? sys[r - 1] : root;
		struct store_env *envs;
		struct store s;
		size_t nr;

		store_paths(&s, where, cache);
		if (store_list_envs(&s, &envs, &nr) == 0) {
			for (i = 0; i < nr && !prefix; i++) {
				bool same = !strcmp(envs[i].name, want->name) &&
					    envs[i].nr_components == want->nr_components;

				for (k = 0; same && k < want->nr_components; k++)
					same = !memcmp(envs[i].components[k].sha256,
						       want->components[k].sha256, 32);
				if (same) {
					prefix = store_env_path(&s, want->name);
					*system = r ? sys[r - 1] : NULL;
				}
			}
			store_envs_free(envs, nr);
		}
		/* One of this name in the user's root hides the system roots' (as everywhere). */
		if (!prefix && r == 0 && access(s.envs_dir, F_OK) == 0) {
			char *p = store_env_path(&s, want->name);

			if (access(p, F_OK) == 0) {
				free(p);
				store_release(&s);
				break;
			}
			free(p);
		}
		store_release(&s);
	}
	return prefix;
}

static void print_present_json(const struct store_env *env, const char *prefix,
			       const char *system)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "{\"name\":");
	buf_add_json_str(&b, env->name);
	buf_adds(&b, ",\"prefix\":");
	buf_add_json_str(&b, prefix);
	buf_adds(&b, ",\"system_root\":");
	if (system)
		buf_add_json_str(&b, system);
	else
		buf_adds(&b, "null");
	buf_adds(&b, ",\"already_installed\":true,\"downloaded\":0,\"seconds\":0,\"archives\":[");
	for (i = 0; i < env->nr_components; i++) {
		const struct store_component *c = &env->components[i];

		buf_addf(&b, "%s{\"name\":", i ? "," : "");
		buf_add_json_str(&b, c->name);
		buf_adds(&b, ",\"version\":");
		buf_add_json_str(&b, c->version);
		buf_adds(&b, ",\"store_entry\":");
		buf_add_json_str(&b, c->entry);
		buf_addf(&b, ",\"size\":%llu,\"state\":\"reused\"}", (unsigned long long)c->size);
	}
	buf_adds(&b, "]}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

/* Report an env that is already complete somewhere. Returns 1 when it is. */
static int already(struct cli_ctx *x, const struct plan *plan, const struct cli_install_opts *o,
		   const char *root)
{
	struct store_env want;
	char **sys = paths_system_roots(), *prefix;
	const char *system;

	install_env_from_plan(plan, o->source ? o->source : x->cat.source, &want);
	prefix = present(&want, root, x->cache, sys, &system);
	if (prefix && o->json) {
		print_present_json(&want, prefix, system);
	} else if (prefix && !o->quiet) {
		if (system)
			out_info("%s is already installed in the system root '%s'", want.name, system);
		else
			out_info("%s is already installed", want.name);
		if (o->print_prefix)
			printf("%s\n", prefix);
	}
	/*
	 * In the user's own root: refresh the shims all the same (nothing is
	 * written when they are complete): a run killed after the env's rename
	 * left them stale. A system root's shims are its administrator's.
	 */
	if (prefix && !system)
		cli_refresh_shims();
	store_env_release(&want);
	paths_free_list(sys);
	free(prefix);
	return prefix != NULL;
}

int cli_install(struct cli_ctx *x, const struct plan *plan, const struct cli_install_opts *o)
{
	struct install_opts io = { 0 };
	struct install_result r;
	struct view v = { 0 };
	char err[1024] = "", a[32];
	char *root = paths_root();
	long long t0 = now_ms();
	size_t i;
	int rc;

	cli_catch_signals();
	for (i = 0; !o->quiet && !o->json && i < plan->nr_warnings; i++)
		out_warn("%s", plan->warnings[i]);
	if (already(x, plan, o, root)) {
		free(root);
		return 0;
	}
	v.tty = isatty(2) && !o->json;
	v.quiet = o->quiet || o->json;
	v.r = &r;
	v.plan = plan;
	io.root = root;
	io.cache = x->cache;
	io.source = o->source ? o->source : x->cat.source;
	io.jobs = o->jobs ? o->jobs : x->cfg.jobs;
	/* http:// and file:// only for a source the user named (a mirror, or a lock's). */
	io.fetch_flags = strncmp(io.source, "https://", 8) ? FETCH_ALLOW_PLAIN : 0;
	io.cancel = &interrupted;
	io.ev = (struct install_events){ &v, ev_state, ev_progress, ev_warn };
	rc = install_plan(plan, &io, &r, err, sizeof(err));
	draw(&v, true);
	erase(&v);
	/* Also when already installed: a run killed after the env's rename left them stale. */
	if (rc == 0)
		cli_refresh_shims();
	if (rc == -ECANCELED) {
		out_error("interrupted; nothing was installed");
		rc = 130;
	} else if (rc < 0) {
		rc = cli_fail(rc, err);
	} else if (o->json) {
		print_json(&r, (double)(now_ms() - t0) / 1000.0);
	} else if (!o->quiet) {
		if (r.already)
			out_info("%s is already installed", r.name);
		else
			out_info("installed %s in %.1f s (%s downloaded)", r.name,
				 (double)(now_ms() - t0) / 1000.0,
				 out_bytes(r.downloaded, a, sizeof(a)));
		if (o->print_prefix)
			printf("%s\n", r.prefix);
	}
	free(v.each);
	install_result_release(&r);
	free(root);
	return rc;
}

/* Components an installed env of this name got with --with earlier stay in it. */
static void keep_extras(struct cli_ctx *x, struct plan *plan)
{
	char *root = paths_root(), *name = plan_name(plan);
	struct store_env *envs = NULL;
	size_t nr = 0, i, k, j;
	struct store s;

	store_paths(&s, root, x->cache);
	if (store_list_envs(&s, &envs, &nr) < 0)
		nr = 0;
	for (i = 0; i < nr; i++) {
		if (strcmp(envs[i].name, name))
			continue;
		for (k = 0; k < envs[i].nr_components; k++) {
			const struct store_component *c = &envs[i].components[k];
			char *url;

			for (j = 0; j < plan->nr_components; j++) {
				if (!strcmp(plan->components[j].name, c->name))
					break;
			}
			if (j < plan->nr_components || strcmp(c->product, "cuda"))
				continue;
			url = catalogue_url(&x->cat, MANIFEST_CUDA, c->relative_path);
			plan_add_component(plan, MANIFEST_CUDA, c->name, c->version, c->relative_path,
					   url, c->sha256, c->size);
			free(url);
		}
	}
	store_envs_free(envs, nr);
	store_release(&s);
	free(name);
	free(root);
}

/* --with: components the profile leaves out, from the plan's CUDA manifest. */
static int add_with(struct cli_ctx *x, struct plan *plan, const struct opts *o)
{
	char err[1024] = "";
	struct version v;
	int i, rc;

	for (i = 0; i < o->nr_with; i++) {
		if ((rc = resolve_add_component(&x->cat, plan, o->with[i], err, sizeof(err))) < 0) {
			rc = cli_fail(rc, err);
			if (!strcmp(o->with[i], "cuda_compat") && strcmp(x->platform, "linux-aarch64") &&
			    version_parse(plan->cuda.label, &v) == 0)
				out_hint("NVIDIA ships forward compatibility for %s as the system package "
					 "cuda-compat-%u-%u of its CUDA repositories, not as a "
					 "redistributable archive", x->platform, (unsigned)v.part[0],
					 (unsigned)v.part[1]);
			return rc;
		}
	}
	keep_extras(x, plan);
	return 0;
}

static int install_spec(struct cli_ctx *x, const struct cli_install_opts *io, const char *text,
			const struct opts *o)
{
	struct spec spec;
	struct plan plan;
	char err[1024] = "";
	int rc;

	if ((rc = resolve_spec_parse(text, &spec, err, sizeof(err))) < 0 ||
	    (rc = resolve(&x->cat, text, &spec, x->platform, x->profile, &plan, err,
			  sizeof(err))) < 0)
		return cli_fail(rc, err);
	rc = add_with(x, &plan, o);
	if (!rc)
		rc = cli_install(x, &plan, io);
	plan_release(&plan);
	return rc;
}

/* No spec: the pin of this directory, through its lock when the lock still matches. */
static int install_pinned(struct cli_ctx *x, const struct cli_install_opts *io, bool locked,
			  const struct opts *o)
{
	struct pinned pd;
	int rc = cli_pinned(&pd, x);

	if (rc)
		return rc;
	if (pd.lock_matches) {
		struct cli_install_opts lio = *io;
		struct plan plan;

		/* A configured mirror serves the same bytes; the lock's digests decide. */
		lio.source = x->cfg.mirror ? x->cat.source : pd.lock.source;
		lock_to_plan(&pd.lock, lio.source, &plan);
		rc = add_with(x, &plan, o);
		if (!rc)
			rc = cli_install(x, &plan, &lio);
		plan_release(&plan);
	} else if (locked) {
		out_error("%s", pd.lock_problem);
		out_hint("run 'cuenv use %s' to lock the pin again, or install without --locked",
			 pd.pin.spec);
		rc = 1;
	} else {
		if (resolve_profile_parse(pd.pin.profile, &x->profile) < 0) {
			out_error("unknown profile '%s' in %s", pd.pin.profile, pd.pin.path);
			rc = 2;
		} else {
			rc = install_spec(x, io, pd.pin.spec, o);
		}
	}
	cli_pinned_release(&pd);
	return rc;
}

int cmd_install(int argc, char **argv)
{
	struct opts o = { 0 };
	struct cli_install_opts io = { 0 };
	struct cli_ctx x;
	int i, rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	/* From the start: an interrupt while the catalogue is fetched counts too. */
	cli_catch_signals();
	if (o.quiet)
		out_set_level(OUT_QUIET);
	io.jobs = o.jobs;
	io.quiet = o.quiet;
	io.json = o.json;
	io.print_prefix = true;
	rc = cli_ctx_open(&x, o.platform, o.profile, 0);
	if (!rc && o.nr_specs == 0)
		rc = install_pinned(&x, &io, o.locked, &o);
	for (i = 0; !rc && i < o.nr_specs; i++)
		rc = install_spec(&x, &io, o.specs[i], &o);
	cli_ctx_release(&x);
	return rc;
}
