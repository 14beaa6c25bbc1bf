// SPDX-License-Identifier: MIT
/* libFuzzer target: resolve_spec_parse() on arbitrary text, then resolve() on the bundle. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "error.h"
#include "resolve.h"
#include "version.h"
#include "banned.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const char *const platforms[] = {"linux-x86_64", "linux-sbsa"};
static const enum resolve_profile profiles[] = {PROFILE_RUNTIME, PROFILE_DEVEL, PROFILE_FULL};

/*
 * The bundled catalogue, opened once. Manifests are parsed lazily and stay
 * cached in it, reachable, so LeakSanitizer does not count them; it is never
 * released because the process ends with the fuzzer.
 */
static struct catalogue cat;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	(void)argc;
	(void)argv;
	/* No cache directory: only the snapshot compiled into cuenv, never the network. */
	if (catalogue_open(&cat, NULL, "/nonexistent", 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_spec: cannot open the bundled catalogue: %s\n", err);
		abort();
	}
	return 0;
}

static bool cudnn_matches(const struct spec *s, const struct version *label)
{
	switch (s->cudnn_op) {
	case SPEC_CUDNN_ANY:
		return true;
	case SPEC_CUDNN_PREFIX:
		return version_has_prefix(label, &s->cudnn);
	case SPEC_CUDNN_MIN:
		return label->part[0] == s->cudnn.part[0] && version_cmp(label, &s->cudnn) >= 0;
	default:
		return false;
	}
}

static void check_release(const struct plan_release *r)
{
	CHECK(r->label && r->version && r->release_date);
	CHECK(strlen(r->release_date) == 10);
}

static void check_components(const struct plan *p)
{
	bool have_cuda = false, have_cudnn = false;
	uint64_t total = 0;
	char url[1024];
	size_t i;

	for (i = 0; i < p->nr_components; i++) {
		const struct plan_component *c = &p->components[i];
		const char *why = NULL;

		CHECK(c->name && c->version && c->relative_path && c->url);
		CHECK(resolve_profile_wants(p->profile, c->product, c->name));
		CHECK(manifest_check_path(c->relative_path, &why) == 0);
		snprintf(url, sizeof(url), "%s/%s/redist/%s", cat.source,
			 manifest_product_name(c->product), c->relative_path);
		CHECK(!strcmp(c->url, url));
		have_cuda |= c->product == MANIFEST_CUDA;
		have_cudnn |= c->product == MANIFEST_CUDNN && !strcmp(c->name, "cudnn");
		total += c->size;
	}
	CHECK(total == p->download_size);
	/* resolve() only picks a CUDA label with a wanted archive, and a cuDNN with a build. */
	CHECK(have_cuda);
	CHECK(have_cudnn == p->has_cudnn);
}

static void check_plan(const struct plan *p, const char *text, const struct spec *s,
		       const char *platform, enum resolve_profile profile)
{
	struct version v;
	char variant[16];
	char *name;
	size_t i;

	CHECK(p->spec && !strcmp(p->spec, text));
	CHECK(p->platform && !strcmp(p->platform, platform));
	CHECK(p->profile == profile);
	check_release(&p->cuda);
	CHECK(version_parse(p->cuda.label, &v) == 0);
	CHECK(s->latest || version_has_prefix(&v, &s->cuda));
	CHECK(p->driver_source != NULL);
	CHECK(memchr(p->driver_min, '\0', sizeof(p->driver_min)) != NULL);
	CHECK(memchr(p->driver_mvc_min, '\0', sizeof(p->driver_mvc_min)) != NULL);
	CHECK(p->has_cudnn == (s->cudnn_op != SPEC_CUDNN_NONE));
	if (p->has_cudnn) {
		struct version dv;

		check_release(&p->cudnn);
		CHECK(version_parse(p->cudnn.label, &dv) == 0);
		CHECK(cudnn_matches(s, &dv));
		snprintf(variant, sizeof(variant), "cuda%u", (unsigned)v.part[0]);
		CHECK(!strcmp(p->cudnn_variant, variant));
		CHECK(p->cudnn_listed >= SUPPORT_UNKNOWN && p->cudnn_listed <= SUPPORT_YES);
		/* A pair NVIDIA does not list is never taken silently. */
		CHECK(p->cudnn_listed != SUPPORT_NO || p->nr_warnings > 0);
	}
	check_components(p);
	for (i = 0; i < p->nr_warnings; i++)
		CHECK(p->warnings[i] && *p->warnings[i]);
	name = plan_name(p);
	CHECK(name && !strncmp(name, "cuda-", 5));
	free(name);
}

static void run(const char *text, const struct spec *s, const char *platform,
		enum resolve_profile profile)
{
	struct plan p;
	char err[512] = "";
	int rc;

	rc = resolve(&cat, text, s, platform, profile, &p, err, sizeof(err));
	if (rc < 0) {
		/* The bundled manifests are valid: only "no match" answers are expected. */
		if (rc != -CUE_ENOMATCH && rc != -CUE_EPLATFORM)
			fprintf(stderr, "resolve '%s' on %s: %d: %s\n", text, platform, rc, err);
		CHECK(rc == -CUE_ENOMATCH || rc == -CUE_EPLATFORM);
		CHECK(*err);
		return;
	}
	CHECK(rc == 0);
	check_plan(&p, text, s, platform, profile);
	plan_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec s;
	char err[512] = "";
	char *text;
	size_t i, k;

	/* A spec is a command-line word: a NUL-terminated copy, cut at any NUL inside. */
	text = malloc(size + 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if (resolve_spec_parse(text, &s, err, sizeof(err)) < 0) {
		CHECK(!strncmp(err, "invalid spec '", 14));
		goto out;
	}
	CHECK(strlen(text) <= SPEC_MAX_LEN);
	for (i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		for (k = 0; k < sizeof(profiles) / sizeof(profiles[0]); k++)
			run(text, &s, platforms[i], profiles[k]);
	}
out:
	free(text);
	return 0;
}
