// SPDX-License-Identifier: MIT
/* cuenv matrix: the compatible CUDA+cuDNN pairs of the catalogue as a CI matrix. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "fs.h"
#include "out.h"
#include "platform.h"
#include "xalloc.h"
#include "banned.h"

/* What the CI systems accept in one matrix. */
#define GITHUB_MAX_JOBS 256
#define GITLAB_MAX_JOBS 200
#define MAX_PLATFORMS	8

enum format { FMT_TEXT, FMT_GITHUB, FMT_GITLAB, FMT_JSON };

struct opts {
	const char *cuda, *cudnn, *driver, *profile;
	const char *platforms[MAX_PLATFORMS];
	unsigned nr_platforms;
	enum format format;
	struct matrix_filter f;
};

/* --driver auto: the loaded kernel module's version. */
static int driver_auto(char *dst, size_t len)
{
	static const char path[] = "/proc/driver/nvidia/version";
	struct buf b = BUF_INIT;
	const char *p;
	int rc = -1;

	if (fs_read_file(path, 1 << 16, &b) == 0 && (p = strstr(b.s, "Kernel Module"))) {
		p += strlen("Kernel Module");
		p += strspn(p, " \t");
		snprintf(dst, len, "%.*s", (int)strspn(p, "0123456789."), p);
		rc = *dst ? 0 : -1;
	}
	buf_release(&b);
	if (rc < 0) {
		out_error("--driver auto: no NVIDIA driver version in '%s'", path);
		out_hint("pass the runner's driver version, e.g. --driver 550.54.15");
	}
	return rc;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	    {"cuda", required_argument, NULL, 'c'},	{"cudnn", required_argument, NULL, 'd'},
	    {"platform", required_argument, NULL, 'p'}, {"driver", required_argument, NULL, 'D'},
	    {"minor-compat", no_argument, NULL, 'm'},	{"latest-patch", no_argument, NULL, 'l'},
	    {"newest-cudnn", no_argument, NULL, 'n'},	{"profile", required_argument, NULL, 'P'},
	    {"format", required_argument, NULL, 'f'},	{NULL, 0, NULL, 0},
	};
	static char driver[32];
	char err[400];
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->cuda = optarg;
			break;
		case 'd':
			o->cudnn = optarg;
			break;
		case 'p':
			if ((rc = cli_add_platforms("matrix", optarg, o->platforms, &o->nr_platforms,
						     MAX_PLATFORMS)))
				return rc;
			break;
		case 'D':
			o->driver = optarg;
			break;
		case 'm':
			o->f.minor_compat = true;
			break;
		case 'l':
			o->f.latest_patch = true;
			break;
		case 'n':
			o->f.newest_cudnn = true;
			break;
		case 'P':
			o->profile = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "github"))
				o->format = FMT_GITHUB;
			else if (!strcmp(optarg, "gitlab"))
				o->format = FMT_GITLAB;
			else if (!strcmp(optarg, "json"))
				o->format = FMT_JSON;
			else if (!strcmp(optarg, "text"))
				o->format = FMT_TEXT;
			else
				return cli_bad_usage(
				    "matrix", "unknown format '%s' (github, gitlab, json or text)",
				    optarg);
			break;
		default:
			return cli_bad_usage("matrix", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_bad_usage(
		    "matrix", "'matrix' takes no arguments ('%s'); filter with --cuda and --cudnn",
		    argv[optind]);
	if (o->cuda &&
	    (rc = resolve_range_parse(o->cuda, "--cuda", &o->f.cuda, err, sizeof(err))) < 0)
		return cli_bad_usage("matrix", "%s", err);
	if (o->cudnn && !strcmp(o->cudnn, "none"))
		o->f.no_cudnn = true;
	else if (o->cudnn &&
		 (rc = resolve_range_parse(o->cudnn, "--cudnn", &o->f.cudnn, err, sizeof(err))) < 0)
		return cli_bad_usage("matrix", "%s", err);
	if (o->f.minor_compat && !o->driver)
		return cli_bad_usage("matrix",
				     "--minor-compat qualifies --driver: give the runner's driver");
	if (o->driver && !strcmp(o->driver, "auto")) {
		if (driver_auto(driver, sizeof(driver)) < 0)
			return 1;
		o->driver = driver;
	}
	if (o->driver) {
		if (version_parse(o->driver, &o->f.driver) < 0)
			return cli_bad_usage(
			    "matrix",
			    "invalid --driver '%s': expected a driver version such as 550.54.15",
			    o->driver);
		o->f.have_driver = true;
	}
	return 0;
}

static const char *support_word(const struct plan *p)
{
	if (!p->has_cudnn)
		return "";
	return p->cudnn_listed == SUPPORT_YES  ? "listed"
	       : p->cudnn_listed == SUPPORT_NO ? "unlisted"
					       : "unknown";
}

static void json_field(struct buf *b, const char *key, const char *value, bool first)
{
	buf_addf(b, "%s\"%s\":", first ? "" : ",", key);
	buf_add_json_str(b, value);
}

static void print_github(struct plan *rows, size_t nr)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, "{\"include\":[");
	for (i = 0; i < nr; i++) {
		const struct plan *p = &rows[i];
		char *key = plan_cache_key(p);

		buf_adds(&b, i ? ",{" : "{");
		json_field(&b, "spec", p->spec, true);
		json_field(&b, "cuda", p->cuda.label, false);
		json_field(&b, "cudnn", p->has_cudnn ? p->cudnn.version : "", false);
		json_field(&b, "cudnn_variant", p->cudnn_variant, false);
		json_field(&b, "platform", p->platform, false);
		json_field(&b, "profile", resolve_profile_name(p->profile), false);
		json_field(&b, "driver_min", p->driver_min, false);
		json_field(&b, "cache_key", key, false);
		buf_addch(&b, '}');
		free(key);
	}
	buf_adds(&b, "]}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

static void print_json(struct plan *rows, size_t nr)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_addch(&b, '[');
	for (i = 0; i < nr; i++) {
		const struct plan *p = &rows[i];
		char *name = plan_name(p), *key = plan_cache_key(p);

		buf_adds(&b, i ? ",\n{" : "{");
		json_field(&b, "spec", p->spec, true);
		json_field(&b, "env", name, false);
		json_field(&b, "cuda", p->cuda.label, false);
		json_field(&b, "cuda_release_date", p->cuda.release_date, false);
		json_field(&b, "cudnn", p->has_cudnn ? p->cudnn.version : "", false);
		json_field(&b, "cudnn_label", p->has_cudnn ? p->cudnn.label : "", false);
		json_field(&b, "cudnn_release_date", p->has_cudnn ? p->cudnn.release_date : "",
			   false);
		json_field(&b, "cudnn_variant", p->cudnn_variant, false);
		json_field(&b, "support", support_word(p), false);
		json_field(&b, "platform", p->platform, false);
		json_field(&b, "profile", resolve_profile_name(p->profile), false);
		json_field(&b, "driver_min", p->driver_min, false);
		json_field(&b, "driver_min_compat", p->driver_mvc_min, false);
		json_field(&b, "driver_source", p->driver_source ? p->driver_source : "", false);
		json_field(&b, "cache_key", key, false);
		buf_addf(&b, ",\"archives\":%zu,\"download_size\":%llu}", p->nr_components,
			 (unsigned long long)p->download_size);
		free(name);
		free(key);
	}
	buf_adds(&b, "]\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

/*
 * One entry per pair: GitLab multiplies the lists inside an entry, and each
 * pair has its own cache key. The variables are the ones cuenv reads
 * (CUENV_PLATFORM, CUENV_PROFILE) and what a job passes on (CUENV_SPEC,
 * CUENV_CACHE_KEY for cache:key).
 */
static void print_gitlab(struct plan *rows, size_t nr)
{
	size_t i;

	fputs("parallel:\n  matrix:\n", stdout);
	for (i = 0; i < nr; i++) {
		char *key = plan_cache_key(&rows[i]);

		printf("    - CUENV_SPEC: \"%s\"\n      CUENV_PLATFORM: \"%s\"\n"
		       "      CUENV_PROFILE: \"%s\"\n      CUENV_CACHE_KEY: \"%s\"\n",
		       rows[i].spec, rows[i].platform, resolve_profile_name(rows[i].profile), key);
		free(key);
	}
}

static void print_text(struct plan *rows, size_t nr)
{
	char size[32];
	size_t i;

	printf("%-22s %-10s %-11s %-8s %-14s %-11s %s\n", "SPEC", "CUDA", "CUDNN", "VARIANT",
	       "PLATFORM", "DRIVER>=", "DOWNLOAD");
	for (i = 0; i < nr; i++) {
		const struct plan *p = &rows[i];

		printf("%-22s %-10s %-11s %-8s %-14s %-11s %s%s\n", p->spec, p->cuda.label,
		       p->has_cudnn ? p->cudnn.version : "-", p->has_cudnn ? p->cudnn_variant : "-",
		       p->platform, *p->driver_min ? p->driver_min : "?",
		       out_bytes(p->download_size, size, sizeof(size)),
		       p->has_cudnn && p->cudnn_listed == SUPPORT_NO ? "  (unlisted pair)" : "");
	}
}

/* "--cuda '>=12' --cudnn '9' --driver 535.104.05 on linux-x86_64" */
static void describe_filters(const struct opts *o, struct buf *b)
{
	unsigned i;

	if (o->cuda)
		buf_addf(b, "--cuda '%s' ", o->cuda);
	if (o->cudnn)
		buf_addf(b, "--cudnn '%s' ", o->cudnn);
	if (o->driver)
		buf_addf(b, "--driver %s%s ", o->driver,
			 o->f.minor_compat ? " --minor-compat" : "");
	if (o->f.latest_patch)
		buf_adds(b, "--latest-patch ");
	buf_adds(b, "on ");
	for (i = 0; i < o->nr_platforms; i++)
		buf_addf(b, "%s%s", i ? ", " : "", o->platforms[i]);
}

static int report_empty(const struct opts *o, const struct matrix_counts *n, const char *source)
{
	struct buf b = BUF_INIT;

	describe_filters(o, &b);
	out_error("no %s of '%s' matches %s", o->f.no_cudnn ? "CUDA release" : "CUDA+cuDNN pair",
		  source, b.s);
	if (!n->cuda_match)
		out_hint("no CUDA release is in --cuda; see 'cuenv ls-remote cuda'");
	else if (!n->cuda_platform)
		out_hint("%zu CUDA releases are in --cuda, none has archives for the platform",
			 n->cuda_match);
	else if (!n->cuda_driver)
		out_hint("%zu CUDA releases are in --cuda, the driver runs none of them%s",
			 n->cuda_platform,
			 o->f.minor_compat ? ""
					   : " (--minor-compat judges by the compatibility floor)");
	else if (!n->cudnn_match)
		out_hint("no cuDNN release is in --cudnn; see 'cuenv ls-remote cudnn'");
	else
		out_hint(
		    "%zu cuDNN releases are in --cudnn, none has a build for those CUDA releases",
		    n->cudnn_match);
	buf_release(&b);
	return 3;
}

int cmd_matrix(int argc, char **argv)
{
	struct opts o;
	struct cli_ctx x;
	struct matrix all = {0};
	struct matrix_counts sum = {0};
	char err[1024] = "";
	unsigned i;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	rc = cli_ctx_open(&x, o.nr_platforms ? o.platforms[0] : NULL, o.profile, 0);
	if (rc)
		return rc;
	if (!o.nr_platforms)
		o.platforms[o.nr_platforms++] = x.platform;
	for (i = 0; i < o.nr_platforms; i++) {
		struct matrix m;

		rc = resolve_matrix(&x.cat, &o.f, o.platforms[i], x.profile, &m, err, sizeof(err));
		if (rc < 0) {
			rc = cli_fail(rc, err);
			goto out;
		}
		all.rows = xrealloc(all.rows, (all.nr + m.nr + 1) * sizeof(*all.rows));
		if (m.nr)
			memcpy(all.rows + all.nr, m.rows, m.nr * sizeof(*m.rows));
		all.nr += m.nr;
		sum.cuda_match += m.counts.cuda_match;
		sum.cuda_platform += m.counts.cuda_platform;
		sum.cuda_driver += m.counts.cuda_driver;
		sum.cudnn_match += m.counts.cudnn_match;
		sum.unlisted += m.counts.unlisted;
		free(m.rows);
	}
	if (!all.nr) {
		rc = report_empty(&o, &sum, x.cat.source);
		goto out;
	}
	if (sum.unlisted)
		out_warn("%zu pair%s outside NVIDIA's support lists (no listed cuDNN in --cudnn "
			 "for that CUDA minor)",
			 sum.unlisted, sum.unlisted == 1 ? " is" : "s are");
	if (o.format == FMT_GITHUB && all.nr > GITHUB_MAX_JOBS)
		out_warn("%zu jobs: GitHub Actions runs at most %d per matrix; narrow with --cuda, "
			 "--cudnn or --latest-patch",
			 all.nr, GITHUB_MAX_JOBS);
	if (o.format == FMT_GITLAB && all.nr > GITLAB_MAX_JOBS)
		out_warn("%zu jobs: GitLab runs at most %d per parallel:matrix; narrow with "
			 "--cuda, --cudnn or --latest-patch",
			 all.nr, GITLAB_MAX_JOBS);
	switch (o.format) {
	case FMT_GITHUB:
		print_github(all.rows, all.nr);
		break;
	case FMT_GITLAB:
		print_gitlab(all.rows, all.nr);
		break;
	case FMT_JSON:
		print_json(all.rows, all.nr);
		break;
	default:
		print_text(all.rows, all.nr);
		break;
	}
	rc = 0;
out:
	matrix_release(&all);
	cli_ctx_release(&x);
	return rc;
}
