// SPDX-License-Identifier: MIT
/* cuenv ls-remote: the CUDA and cuDNN releases of the source. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "out.h"
#include "banned.h"

struct opts {
	const char *platform;
	int json;
	bool want[2];
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'p')
			o->platform = optarg;
		else if (c == 'j')
			o->json = 1;
		else
			return cli_bad_usage("ls-remote", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc - 1)
		return cli_bad_usage("ls-remote", "'ls-remote' takes at most one of cuda, cudnn");
	if (optind == argc) {
		o->want[MANIFEST_CUDA] = o->want[MANIFEST_CUDNN] = true;
	} else if (!strcmp(argv[optind], "cuda")) {
		o->want[MANIFEST_CUDA] = true;
	} else if (!strcmp(argv[optind], "cudnn")) {
		o->want[MANIFEST_CUDNN] = true;
	} else {
		return cli_bad_usage("ls-remote", "unknown product '%s' (expected cuda or cudnn)",
				     argv[optind]);
	}
	return 0;
}

/* The CUDA majors cuDNN has builds for on the platform, as " 12 13" (bits of mask). */
static unsigned cudnn_majors(const struct manifest *m, const char *platform)
{
	const struct manifest_component *c = manifest_component(m, "cudnn");
	unsigned mask = 0;
	size_t i;

	for (i = 0; c && i < c->nr_archives; i++) {
		const struct manifest_archive *a = &c->archives[i];
		unsigned major;

		if (strcmp(a->platform, platform) || !a->variant ||
		    sscanf(a->variant, "cuda%u", &major) != 1 || major >= 32)
			continue;
		mask |= 1u << major;
	}
	return mask;
}

static bool cuda_available(const struct manifest *m, const char *platform)
{
	const struct manifest_component *c = manifest_component(m, "cuda_cudart");

	return c && manifest_archive(c, platform, NULL);
}

static void print_row(struct buf *b, const struct opts *o, const struct cli_ctx *x,
		      const struct catalogue_entry *e, const struct manifest *m, bool first)
{
	unsigned major, mask = e->product == MANIFEST_CUDNN ? cudnn_majors(m, x->platform) : 0;

	if (o->json) {
		buf_addf(b, "%s{\"label\":", first ? "" : ",");
		buf_add_json_str(b, e->label);
		buf_addf(b, ",\"release_date\":\"%s\"", m->release_date);
		if (e->product == MANIFEST_CUDA) {
			buf_addf(b, ",\"available\":%s}",
				 cuda_available(m, x->platform) ? "true" : "false");
			return;
		}
		buf_adds(b, ",\"cuda_majors\":[");
		for (major = 0, first = true; major < 32; major++) {
			if (mask >> major & 1) {
				buf_addf(b, "%s%u", first ? "" : ",", major);
				first = false;
			}
		}
		buf_adds(b, "]}");
		return;
	}
	buf_addf(b, "%-9s %s", e->label, m->release_date);
	if (e->product == MANIFEST_CUDA) {
		if (!cuda_available(m, x->platform))
			buf_addf(b, "  (no %s archives)", x->platform);
	} else if (!mask) {
		buf_addf(b, "  (no %s builds)", x->platform);
	} else {
		buf_adds(b, " ");
		for (major = 0; major < 32; major++) {
			if (mask >> major & 1)
				buf_addf(b, " cuda%u", major);
		}
	}
	buf_addch(b, '\n');
}

static int list(struct cli_ctx *x, const struct opts *o, enum manifest_product p, struct buf *b)
{
	char err[512];
	size_t i;

	if (o->json)
		buf_addf(b, "%s\"%s\":[", p == MANIFEST_CUDNN && o->want[MANIFEST_CUDA] ? "," : "",
			 manifest_product_name(p));
	else if (o->want[!p])
		buf_addf(b, "%s%s:\n", p == MANIFEST_CUDNN ? "\n" : "", manifest_product_name(p));
	for (i = 0; i < x->cat.nr[p]; i++) {
		struct catalogue_entry *e = &x->cat.entries[p][i];
		const struct manifest *m;
		int rc = catalogue_manifest(&x->cat, e, &m, err, sizeof(err));

		if (rc < 0)
			return cli_fail(rc, err);
		print_row(b, o, x, e, m, i == 0);
	}
	if (o->json)
		buf_adds(b, "]");
	return 0;
}

int cmd_ls_remote(int argc, char **argv)
{
	struct opts o = { 0 };
	struct buf b = BUF_INIT;
	struct cli_ctx x;
	size_t k;
	int rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	rc = cli_ctx_open(&x, o.platform, NULL, 0);
	if (o.json && !rc) {
		buf_adds(&b, "{\"source\":");
		buf_add_json_str(&b, x.cat.source);
		buf_addf(&b, ",\"platform\":\"%s\",", x.platform);
	}
	for (k = 0; k < 2 && !rc; k++) {
		if (o.want[k])
			rc = list(&x, &o, (enum manifest_product)k, &b);
	}
	if (!rc) {
		if (o.json)
			buf_adds(&b, "}\n");
		fputs(b.s, stdout);
		out_debug("catalogue: %s", x.cat.origin);
	}
	buf_release(&b);
	cli_ctx_release(&x);
	return rc;
}
