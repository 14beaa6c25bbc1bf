// SPDX-License-Identifier: MIT
/* cuenv resolve: show the exact releases and archives a spec stands for. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "out.h"
#include "verify.h"
#include "banned.h"

struct opts {
	const char *spec;
	const char *profile;
	const char *platform;
	int json;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'P' },
		{ "platform", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
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
		case 'j':
			o->json = 1;
			break;
		default:
			return cli_bad_usage("resolve", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_bad_usage("resolve", optind == argc ? "no spec given"
							       : "'resolve' takes one spec");
	o->spec = argv[optind];
	return 0;
}

static void json_release(struct buf *b, const char *key, const struct plan_release *r)
{
	char hex[VERIFY_SHA256_HEX];

	buf_addf(b, "\"%s\":{\"version\":", key);
	buf_add_json_str(b, r->version);
	buf_adds(b, ",\"label\":");
	buf_add_json_str(b, r->label);
	buf_adds(b, ",\"release_date\":");
	buf_add_json_str(b, r->release_date);
	buf_addf(b, ",\"manifest_sha256\":\"%s\"",
		 verify_hex(r->manifest_sha256, sizeof(r->manifest_sha256), hex));
}

static const char *listed_name(enum support_answer a)
{
	return a == SUPPORT_YES ? "listed" : a == SUPPORT_NO ? "unlisted" : "unknown";
}

static void print_json(const struct plan *p, const char *source)
{
	struct buf b = BUF_INIT;
	char hex[VERIFY_SHA256_HEX];
	size_t i;

	buf_adds(&b, "{\"spec\":");
	buf_add_json_str(&b, p->spec);
	buf_addf(&b, ",\"platform\":\"%s\",\"profile\":\"%s\",\"source\":", p->platform,
		 resolve_profile_name(p->profile));
	buf_add_json_str(&b, source);
	buf_adds(&b, ",");
	json_release(&b, "cuda", &p->cuda);
	buf_addf(&b, ",\"driver_min\":\"%s\",\"driver_min_compat\":\"%s\",\"driver_source\":\"%s\"}",
		 p->driver_min, p->driver_mvc_min, p->driver_source);
	if (p->has_cudnn) {
		buf_adds(&b, ",");
		json_release(&b, "cudnn", &p->cudnn);
		buf_addf(&b, ",\"variant\":\"%s\",\"support\":\"%s\"}", p->cudnn_variant,
			 listed_name(p->cudnn_listed));
	} else {
		buf_adds(&b, ",\"cudnn\":null");
	}
	buf_adds(&b, ",\"components\":[");
	for (i = 0; i < p->nr_components; i++) {
		const struct plan_component *c = &p->components[i];

		buf_addf(&b, "%s{\"product\":\"%s\",\"name\":", i ? "," : "",
			 manifest_product_name(c->product));
		buf_add_json_str(&b, c->name);
		buf_adds(&b, ",\"version\":");
		buf_add_json_str(&b, c->version);
		buf_adds(&b, ",\"url\":");
		buf_add_json_str(&b, c->url);
		buf_adds(&b, ",\"relative_path\":");
		buf_add_json_str(&b, c->relative_path);
		buf_addf(&b, ",\"sha256\":\"%s\",\"size\":%llu}",
			 verify_hex(c->sha256, sizeof(c->sha256), hex), (unsigned long long)c->size);
	}
	buf_addf(&b, "],\"download_size\":%llu,\"warnings\":[", (unsigned long long)p->download_size);
	for (i = 0; i < p->nr_warnings; i++) {
		if (i)
			buf_addch(&b, ',');
		buf_add_json_str(&b, p->warnings[i]);
	}
	buf_adds(&b, "]}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

static void print_human(const struct plan *p)
{
	char size[32];
	size_t i;

	printf("cuda   %-12s released %s, needs driver >= %s", p->cuda.label, p->cuda.release_date,
	       *p->driver_min ? p->driver_min : "(unknown)");
	if (*p->driver_mvc_min)
		printf(" (>= %s with minor-version compatibility)", p->driver_mvc_min);
	putchar('\n');
	if (p->has_cudnn)
		printf("cudnn  %-12s released %s, %s build%s\n", p->cudnn.version,
		       p->cudnn.release_date, p->cudnn_variant,
		       p->cudnn_listed == SUPPORT_YES	? ", listed by NVIDIA for this CUDA"
		       : p->cudnn_listed == SUPPORT_NO ? ", NOT listed by NVIDIA for this CUDA"
						       : "");
	printf("platform %s, profile %s\n\n", p->platform, resolve_profile_name(p->profile));
	for (i = 0; i < p->nr_components; i++) {
		const struct plan_component *c = &p->components[i];

		printf("  %-22s %-16s %10s\n", c->name, c->version,
		       out_bytes(c->size, size, sizeof(size)));
	}
	printf("\n%zu archives, %s to download\n", p->nr_components,
	       out_bytes(p->download_size, size, sizeof(size)));
}

int cmd_resolve(int argc, char **argv)
{
	struct opts o = { 0 };
	struct cli_ctx x;
	struct spec spec;
	struct plan plan;
	char err[512] = "";
	size_t i;
	int rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	if ((rc = resolve_spec_parse(o.spec, &spec, err, sizeof(err))) < 0) {
		out_error("%s", err);
		out_hint("see 'cuenv resolve --help'");
		return 2;
	}
	rc = cli_ctx_open(&x, o.platform, o.profile, 0);
	if (rc == 0) {
		int r = resolve(&x.cat, o.spec, &spec, x.platform, x.profile, &plan, err,
				sizeof(err));

		if (r < 0) {
			rc = cli_fail(r, err);
		} else {
			for (i = 0; i < plan.nr_warnings; i++)
				out_warn("%s", plan.warnings[i]);
			if (o.json)
				print_json(&plan, x.cat.source);
			else
				print_human(&plan);
			plan_release(&plan);
		}
	}
	cli_ctx_release(&x);
	return rc;
}
