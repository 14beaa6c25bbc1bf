// SPDX-License-Identifier: MIT
/* cuenv why: which pair is active, what chose it, how it resolved, what the lock keeps. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "layout.h"
#include "out.h"
#include "platform.h"
#include "banned.h"

struct opts {
	const char *spec, *profile, *platform;
	bool json;
};

/* Everything the explanation says, worked out before printing. */
struct why {
	const struct cli_target *t;
	char chose[700];		/* what chose the pair */
	const char *source_word;	/* "command line", "env", "file", "global" */
	const char *profile;
	char profile_from[200];
	const char *platform;
	char platform_from[120];
	const char *catalogue;		/* where the labels came from */
	bool resolved;
	char resolve_err[600];
	struct resolve_trace tr;
	char *resolved_name;		/* what the spec gives today */
	const struct support_arch *cuda_arch, *cudnn_arch;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "platform", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'P')
			o->profile = optarg;
		else if (c == 'p')
			o->platform = optarg;
		else if (c == 'J')
			o->json = true;
		else
			return cli_bad_usage("why", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		o->spec = argv[optind++];
	if (optind < argc)
		return cli_bad_usage("why", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static void what_chose(struct why *w)
{
	const struct pin *p = &w->t->pd.pin;
	const char *v = getenv("CUENV_VERSION");

	if (!w->t->from_pin) {
		w->source_word = "command line";
		snprintf(w->chose, sizeof(w->chose), "the spec '%s' given on the command line",
			 w->t->spec);
		return;
	}
	switch (p->source) {
	case PIN_ENV:
		w->source_word = "env";
		snprintf(w->chose, sizeof(w->chose), "CUENV_VERSION='%s' (it comes before any "
			 LAYOUT_PIN_FILE " and the global default)", v ? v : "");
		break;
	case PIN_FILE:
		w->source_word = "file";
		snprintf(w->chose, sizeof(w->chose), "%s, line %u: '%s' (the nearest " LAYOUT_PIN_FILE
			 " from the current directory up; CUENV_VERSION is unset)", p->path,
			 p->spec_line, p->spec);
		break;
	default:
		w->source_word = "global";
		snprintf(w->chose, sizeof(w->chose), "the global default %s, line %u: '%s' (no "
			 "CUENV_VERSION, no " LAYOUT_PIN_FILE " from here up)", p->path, p->spec_line,
			 p->spec);
		break;
	}
}

static void where_from(struct why *w, const struct opts *o, const struct cli_ctx *x)
{
	const struct pin *p = &w->t->pd.pin;

	w->profile = w->t->profile ? w->t->profile : LAYOUT_DEFAULT_PROFILE;
	if (o->profile)
		snprintf(w->profile_from, sizeof(w->profile_from), "--profile");
	else if (w->t->from_pin && p->profile_line)
		snprintf(w->profile_from, sizeof(w->profile_from), "%s, line %u",
			 p->path ? p->path : "CUENV_VERSION", p->profile_line);
	else
		snprintf(w->profile_from, sizeof(w->profile_from), "the default");
	w->platform = x->platform;
	if (o->platform)
		snprintf(w->platform_from, sizeof(w->platform_from), "--platform");
	else if (getenv("CUENV_PLATFORM") && *getenv("CUENV_PLATFORM"))
		snprintf(w->platform_from, sizeof(w->platform_from), "CUENV_PLATFORM");
	else if (x->cfg.platform)
		snprintf(w->platform_from, sizeof(w->platform_from), "the config file");
	else
		snprintf(w->platform_from, sizeof(w->platform_from), "detected: %s",
			 platform_describe(x->platform));
}

static void explain(struct why *w, struct cli_ctx *x)
{
	enum resolve_profile profile;
	struct spec spec;
	struct version v;
	char prod[16];
	int rc;

	w->catalogue = x->cat.origin;
	if (resolve_profile_parse(w->profile, &profile) < 0 ||
	    resolve_spec_parse(w->t->spec, &spec, w->resolve_err, sizeof(w->resolve_err)) < 0)
		return;
	rc = resolve_explain(&x->cat, w->t->spec, &spec, w->platform, profile, &w->tr,
			     w->resolve_err, sizeof(w->resolve_err));
	if (rc < 0)
		return;
	w->resolved = true;
	w->resolved_name = plan_name(&w->tr.plan);
	if (version_parse(w->tr.plan.cuda.label, &v) == 0)
		w->cuda_arch = support_arch(&x->cat.support, "cuda", &v);
	if (w->tr.plan.has_cudnn && version_parse(w->tr.plan.cudnn.label, &v) == 0) {
		snprintf(prod, sizeof(prod), "cudnn%s", w->tr.plan.cudnn_variant + 4);
		w->cudnn_arch = support_arch(&x->cat.support, prod, &v);
	}
}

/* ---- text ---- */

static void print_items(const char *title, const struct trace_item *v, size_t nr)
{
	size_t i;

	printf("  %s\n", title);
	for (i = 0; i < nr; i++)
		printf("    %-8s %-15s %s\n", v[i].label, resolve_verdict_name(v[i].verdict), v[i].why);
}

static void print_lock_text(const struct why *w)
{
	const struct pinned *pd = &w->t->pd;

	if (!pd->lock_path) {
		printf("Lock:      none applies (%s)\n",
		       w->t->from_pin ? "CUENV_VERSION has no lock" : "a spec from the command line");
	} else if (!pd->have_lock || !pd->lock_matches) {
		printf("Lock:      %s; the env is chosen by resolving the spec against what is "
		       "installed\n", pd->lock_problem);
	} else {
		printf("Lock:      %s matches the pin and names %s exactly\n", pd->lock_path,
		       pd->lock.env);
		printf("           CUDA %s", pd->lock.cuda);
		if (pd->lock.cudnn)
			printf(", cuDNN %s (%s build)", pd->lock.cudnn, pd->lock.cudnn_variant);
		printf(", %s, %s: %zu archives, each with its size and sha256, and the manifests' "
		       "sha256\n", pd->lock.platform, pd->lock.profile, pd->lock.nr);
	}
}

static void print_resolution_text(const struct why *w)
{
	const struct plan *p = &w->tr.plan;
	size_t i;

	printf("\nHow '%s' resolves now (%s; %s, profile %s):\n", w->t->spec, w->catalogue,
	       w->platform, w->profile);
	if (!w->resolved) {
		printf("  it does not: %s\n", w->resolve_err);
		return;
	}
	print_items("CUDA labels the spec matches, newest first:", w->tr.cuda, w->tr.nr_cuda);
	if (p->has_cudnn)
		print_items("cuDNN releases the spec matches, newest first:", w->tr.cudnn,
			    w->tr.nr_cudnn);
	for (i = 0; i < p->nr_warnings; i++)
		printf("  warning: %s\n", p->warnings[i]);
	printf("  result: %s\n", w->resolved_name);
	if (w->t->name && strcmp(w->t->name, w->resolved_name))
		printf("  the env in use, %s, is not what the spec gives now: %s\n", w->t->name,
		       w->t->pd.lock_matches ? "the lock keeps it (run 'cuenv use SPEC' to move on)"
					     : "'cuenv install' would add the newer one");
}

static void print_constraints_text(const struct why *w)
{
	const struct plan *p = &w->tr.plan;

	if (!w->resolved)
		return;
	printf("\nConstraints of %s:\n", w->resolved_name);
	if (*p->driver_min)
		printf("  driver:  %s or newer for CUDA %s (%s); minor-version compatibility from "
		       "%s\n", p->driver_min, p->cuda.label,
		       !strcmp(p->driver_source, "table") ? "NVIDIA's release-notes table"
							  : "the driver NVIDIA bundles with it",
		       *p->driver_mvc_min ? p->driver_mvc_min : "?");
	if (w->cuda_arch)
		printf("  GPUs:    CUDA %s builds for compute capability %s [%s]\n", p->cuda.label,
		       w->cuda_arch->cc_text, w->cuda_arch->source);
	else
		printf("  GPUs:    CUDA %s: no architecture list known\n", p->cuda.label);
	if (p->has_cudnn)
		printf("           cuDNN %s (%s build): %s%s%s%s%s\n", p->cudnn.label, p->cudnn_variant,
		       w->cudnn_arch ? "compute capability " : "no architecture list known",
		       w->cudnn_arch ? w->cudnn_arch->cc_text : "", w->cudnn_arch ? " [" : "",
		       w->cudnn_arch ? w->cudnn_arch->source : "", w->cudnn_arch ? "]" : "");
	printf("  'cuenv doctor' checks this machine against them.\n");
}

static void print_text(const struct why *w)
{
	const struct cli_target *t = w->t;

	if (t->name)
		printf("%s is the env here.\n\n", t->name);
	else
		printf("'%s' is asked for here, and not installed.\n\n", t->spec);
	printf("Chosen by: %s\n", w->chose);
	printf("Profile:   %s (%s)\n", w->profile, w->profile_from);
	printf("Platform:  %s (%s)\n", w->platform, w->platform_from);
	print_lock_text(w);
	print_resolution_text(w);
	print_constraints_text(w);
}

/* ---- JSON ---- */

static void json_str(struct buf *b, const char *s)
{
	if (s)
		buf_add_json_str(b, s);
	else
		buf_adds(b, "null");
}

static void json_items(struct buf *b, const struct trace_item *v, size_t nr)
{
	size_t i;

	buf_addch(b, '[');
	for (i = 0; i < nr; i++) {
		buf_addf(b, "%s{\"label\":", i ? "," : "");
		buf_add_json_str(b, v[i].label);
		buf_addf(b, ",\"verdict\":\"%s\",\"why\":", resolve_verdict_name(v[i].verdict));
		buf_add_json_str(b, v[i].why);
		buf_addch(b, '}');
	}
	buf_addch(b, ']');
}

static void json_lock(struct buf *b, const struct pinned *pd)
{
	buf_adds(b, ",\"lock\":");
	if (!pd->lock_path) {
		buf_adds(b, "null");
		return;
	}
	buf_adds(b, "{\"path\":");
	buf_add_json_str(b, pd->lock_path);
	buf_addf(b, ",\"matches\":%s,\"problem\":", pd->lock_matches ? "true" : "false");
	json_str(b, pd->lock_matches ? NULL : pd->lock_problem);
	buf_adds(b, ",\"env\":");
	json_str(b, pd->have_lock ? pd->lock.env : NULL);
	buf_adds(b, ",\"cuda\":");
	json_str(b, pd->have_lock ? pd->lock.cuda : NULL);
	buf_adds(b, ",\"cudnn\":");
	json_str(b, pd->have_lock ? pd->lock.cudnn : NULL);
	buf_addf(b, ",\"archives\":%zu}", pd->have_lock ? pd->lock.nr : (size_t)0);
}

static void json_resolution(struct buf *b, const struct why *w)
{
	const struct plan *p = &w->tr.plan;
	size_t i;

	buf_adds(b, ",\"resolution\":");
	if (!w->resolved) {
		buf_adds(b, "{\"error\":");
		buf_add_json_str(b, w->resolve_err);
		buf_addch(b, '}');
		return;
	}
	buf_adds(b, "{\"catalogue\":");
	json_str(b, w->catalogue);
	buf_adds(b, ",\"result\":");
	buf_add_json_str(b, w->resolved_name);
	buf_adds(b, ",\"cuda\":");
	json_items(b, w->tr.cuda, w->tr.nr_cuda);
	buf_adds(b, ",\"cudnn\":");
	json_items(b, w->tr.cudnn, w->tr.nr_cudnn);
	buf_adds(b, ",\"cudnn_variant\":");
	json_str(b, p->has_cudnn ? p->cudnn_variant : NULL);
	buf_adds(b, ",\"warnings\":[");
	for (i = 0; i < p->nr_warnings; i++) {
		buf_adds(b, i ? "," : "");
		buf_add_json_str(b, p->warnings[i]);
	}
	buf_adds(b, "],\"driver_min\":");
	json_str(b, *p->driver_min ? p->driver_min : NULL);
	buf_adds(b, ",\"driver_mvc_min\":");
	json_str(b, *p->driver_mvc_min ? p->driver_mvc_min : NULL);
	buf_adds(b, ",\"driver_source\":");
	json_str(b, p->driver_source);
	buf_adds(b, ",\"cuda_compute_capability\":");
	json_str(b, w->cuda_arch ? w->cuda_arch->cc_text : NULL);
	buf_adds(b, ",\"cudnn_compute_capability\":");
	json_str(b, w->cudnn_arch ? w->cudnn_arch->cc_text : NULL);
	buf_addch(b, '}');
}

static void print_json(const struct why *w)
{
	const struct cli_target *t = w->t;
	struct buf b = BUF_INIT;

	buf_adds(&b, "{\"env\":");
	json_str(&b, t->name);
	buf_adds(&b, ",\"prefix\":");
	json_str(&b, t->prefix);
	buf_adds(&b, ",\"spec\":");
	buf_add_json_str(&b, t->spec);
	buf_addf(&b, ",\"source\":\"%s\",\"pin\":", w->source_word);
	json_str(&b, t->from_pin ? t->pd.pin.path : NULL);
	buf_adds(&b, ",\"chosen_by\":");
	buf_add_json_str(&b, w->chose);
	buf_adds(&b, ",\"profile\":");
	buf_add_json_str(&b, w->profile);
	buf_adds(&b, ",\"profile_from\":");
	buf_add_json_str(&b, w->profile_from);
	buf_adds(&b, ",\"platform\":");
	buf_add_json_str(&b, w->platform);
	buf_adds(&b, ",\"platform_from\":");
	buf_add_json_str(&b, w->platform_from);
	json_lock(&b, &t->pd);
	json_resolution(&b, w);
	buf_adds(&b, "}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

int cmd_why(int argc, char **argv)
{
	struct opts o = { 0 };
	struct cli_target t;
	struct cli_ctx x;
	struct why w;
	int rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	if ((rc = cli_ctx_open(&x, o.platform, o.profile, CATALOGUE_OFFLINE)) != 0)
		return rc;
	rc = cli_target(&t, o.spec, o.profile, "why");
	if (rc == 0) {
		memset(&w, 0, sizeof(w));
		w.t = &t;
		what_chose(&w);
		where_from(&w, &o, &x);
		explain(&w, &x);
		if (o.json)
			print_json(&w);
		else
			print_text(&w);
		if (w.resolved)
			resolve_trace_release(&w.tr);
		free(w.resolved_name);
	}
	cli_target_release(&t);
	cli_ctx_release(&x);
	return rc;
}
