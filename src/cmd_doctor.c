// SPDX-License-Identifier: MIT
/* cuenv doctor: check this machine against an env, and say what to do. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "doctor.h"
#include "out.h"
#include "paths.h"
#include "banned.h"

struct opts {
	const char *spec, *profile;
	bool json;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'P')
			o->profile = optarg;
		else if (c == 'J')
			o->json = true;
		else
			return cli_bad_usage("doctor", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		o->spec = argv[optind++];
	if (optind < argc)
		return cli_bad_usage("doctor", "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Lines of text, each after a prefix; the first after first. */
static void indent(FILE *f, const char *first, const char *rest, const char *text)
{
	const char *s = text;
	bool one = true;

	while (*s) {
		size_t n = strcspn(s, "\n");

		fprintf(f, "%s%.*s\n", one ? first : rest, (int)n, s);
		one = false;
		s += n + (s[n] == '\n');
	}
}

static void print_text(const struct doctor *d, const struct doctor_input *in)
{
	size_t i, n[3] = { 0, 0, 0 };

	if (in->env_name)
		printf("cuenv doctor: %s ('%s', %s) on %s\n\n", in->env_name, in->spec, in->from,
		       in->platform);
	else if (in->spec)
		printf("cuenv doctor: '%s' (%s, not installed) on %s\n\n", in->spec, in->from,
		       in->platform);
	else
		printf("cuenv doctor: no env, this machine only (%s)\n\n", in->platform);
	for (i = 0; i < d->nr; i++) {
		const struct doctor_check *c = &d->checks[i];
		char head[64];

		n[c->status]++;
		snprintf(head, sizeof(head), "%-8s %-18s ", doctor_status_name(c->status), c->title);
		indent(stdout, head, "                            ", c->found);
		if (*c->todo)
			indent(stdout, "                            -> ",
			       "                            -> ", c->todo);
	}
	printf("\n%zu checks: %zu ok, %zu warning%s, %zu error%s\n", d->nr, n[0], n[1],
	       n[1] == 1 ? "" : "s", n[2], n[2] == 1 ? "" : "s");
}

static void json_str_or_null(struct buf *b, const char *s)
{
	if (s)
		buf_add_json_str(b, s);
	else
		buf_adds(b, "null");
}

static void json_gpus(struct buf *b, const struct driver_gpu *g, int nr)
{
	int i;

	buf_addch(b, '[');
	for (i = 0; i < nr; i++) {
		buf_addf(b, "%s{\"name\":", i ? "," : "");
		buf_add_json_str(b, g[i].name);
		if (g[i].cc_major >= 0)
			buf_addf(b, ",\"compute_capability\":\"%d.%d\"}", g[i].cc_major, g[i].cc_minor);
		else
			buf_adds(b, ",\"compute_capability\":null}");
	}
	buf_addch(b, ']');
}

static void json_driver(struct buf *b, const struct driver_info *drv)
{
	buf_adds(b, "\"driver\":{\"version\":");
	json_str_or_null(b, drv->have_version ? drv->version : NULL);
	buf_adds(b, ",\"version_source\":");
	json_str_or_null(b, drv->have_version ? drv->version_source : NULL);
	buf_adds(b, ",\"libcuda\":");
	json_str_or_null(b, drv->lib.loaded ? drv->lib.path : NULL);
	if (drv->lib.loaded && drv->lib.cuda_version)
		buf_addf(b, ",\"cuda_version\":\"%d.%d\"", drv->lib.cuda_version / 1000,
			 drv->lib.cuda_version % 1000 / 10);
	else
		buf_adds(b, ",\"cuda_version\":null");
	buf_adds(b, ",\"cu_init\":");
	json_str_or_null(b, drv->lib.loaded ? drv->lib.init_name : NULL);
	buf_adds(b, ",\"gpu_source\":");
	json_str_or_null(b, drv->gpu_source);
	buf_adds(b, "},\"gpus\":");
	json_gpus(b, drv->gpus, drv->nr_gpus);
}

static void print_json(const struct doctor *d, const struct doctor_input *in)
{
	struct buf b = BUF_INIT;
	size_t i, n[3] = { 0, 0, 0 };

	buf_adds(&b, "{\"env\":");
	if (d->have_env) {
		buf_adds(&b, "{\"name\":");
		buf_add_json_str(&b, d->env.name);
		buf_adds(&b, ",\"prefix\":");
		buf_add_json_str(&b, in->env_prefix);
		buf_adds(&b, ",\"cuda\":");
		buf_add_json_str(&b, d->env.cuda);
		buf_adds(&b, ",\"cudnn\":");
		json_str_or_null(&b, d->env.cudnn);
		buf_adds(&b, ",\"profile\":");
		buf_add_json_str(&b, d->env.profile);
		buf_addf(&b, ",\"forward_compat\":%s}", d->has_compat ? "true" : "false");
	} else {
		buf_adds(&b, "null");
	}
	buf_adds(&b, ",\"spec\":");
	json_str_or_null(&b, in->spec);
	buf_adds(&b, ",\"from\":");
	json_str_or_null(&b, in->spec ? in->from : NULL);
	buf_adds(&b, ",\"platform\":");
	buf_add_json_str(&b, in->platform);
	buf_addch(&b, ',');
	json_driver(&b, &d->drv);
	buf_adds(&b, ",\"checks\":[");
	for (i = 0; i < d->nr; i++) {
		const struct doctor_check *c = &d->checks[i];

		n[c->status]++;
		buf_addf(&b, "%s{\"id\":\"%s\",\"title\":", i ? "," : "", c->id);
		buf_add_json_str(&b, c->title);
		buf_addf(&b, ",\"status\":\"%s\",\"found\":", doctor_status_name(c->status));
		buf_add_json_str(&b, c->found);
		buf_adds(&b, ",\"todo\":");
		buf_add_json_str(&b, c->todo);
		buf_addch(&b, '}');
	}
	buf_addf(&b, "],\"summary\":{\"ok\":%zu,\"warning\":%zu,\"error\":%zu}}\n", n[0], n[1], n[2]);
	fputs(b.s, stdout);
	buf_release(&b);
}

/* The env to check: SPEC's, else the pin's; no pin is fine (the machine alone). */
static int find_target(const struct opts *o, struct cli_target *t, bool *have, bool *broken)
{
	struct pinned pd;
	int p, rc = 0;

	memset(t, 0, sizeof(*t));
	*have = *broken = false;
	if (o->spec) {
		rc = cli_target(t, o->spec, o->profile, "doctor");
		*have = !rc;
		return rc;
	}
	p = cli_pinned_quiet(&pd);
	cli_pinned_release(&pd);
	*broken = p == 1;
	if (p == 0) {
		rc = cli_target(t, NULL, o->profile, "doctor");
		*have = !rc;
	}
	return rc;
}

static void fill_input(struct doctor_input *in, const struct cli_target *t, bool have)
{
	if (!have)
		return;
	in->spec = t->spec;
	in->from = t->from;
	in->env_name = t->name;
	in->env_prefix = t->prefix;
	in->pin = t->from_pin ? &t->pd.pin : NULL;
	in->lock_path = t->pd.lock_path;
	in->have_lock = t->pd.have_lock;
	in->lock_matches = t->pd.lock_matches;
	in->lock = &t->pd.lock;
	in->lock_problem = t->pd.lock_problem;
}

int cmd_doctor(int argc, char **argv)
{
	struct doctor_input in;
	struct opts o = { 0 };
	struct cli_target t;
	struct cli_ctx x;
	struct doctor d;
	char *root = NULL;
	bool have, broken;
	int rc, error = 0;
	size_t i;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	if ((rc = cli_ctx_open(&x, NULL, o.profile, CATALOGUE_OFFLINE)) != 0)
		return rc;
	memset(&in, 0, sizeof(in));
	if ((rc = find_target(&o, &t, &have, &broken)) == 0) {
		root = paths_root();
		in.root = root;
		in.cache = x.cache;
		in.platform = x.platform;
		in.cat = &x.cat;
		in.pin_broken = broken;
		fill_input(&in, &t, have);
		doctor_run(&d, &in);
		if (o.json)
			print_json(&d, &in);
		else
			print_text(&d, &in);
		for (i = 0; i < d.nr; i++)
			error |= d.checks[i].status == DOCTOR_ERROR;
		doctor_release(&d);
		rc = error ? 1 : 0;
	}
	cli_target_release(&t);
	free(root);
	cli_ctx_release(&x);
	return rc;
}
