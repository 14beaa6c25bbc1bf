// SPDX-License-Identifier: MIT
/* libFuzzer target: manifest_parse() on arbitrary bytes, then every field of the result. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "manifest.h"
#include "banned.h"

/*
 * Input layout: one selector byte, then the manifest's bytes. Bit 0 picks
 * the product, bits 1-2 the label the "file name" says. The seed corpus
 * starts each file with an ASCII digit so that it stays readable:
 *
 *	'0' cuda 12.4.1    '1' cudnn 9.14.0
 *	'2' cuda 11.8.0    '3' cudnn 9.1.1
 *	'4' cuda 12.8.0    '5' cudnn 8.5.0
 *	'6' cuda 13.0.0    '7' cudnn 8.9.7
 *
 * A release_label inside the file must equal the label, so a real manifest
 * needs its own label to get past the top level.
 */
static const char *const labels[2][4] = {
    [MANIFEST_CUDA] = {"12.4.1", "11.8.0", "12.8.0", "13.0.0"},
    [MANIFEST_CUDNN] = {"9.14.0", "9.1.1", "8.5.0", "8.9.7"},
};

/* Folded into by every byte the walk reads, so no read is optimised away. */
static volatile uint32_t sink;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static void touch(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t h = sink;
	size_t i;

	for (i = 0; i < n; i++)
		h = h * 31 + s[i];
	sink = h;
}

static size_t touch_str(const char *s)
{
	size_t n;

	CHECK(s != NULL);
	n = strlen(s);
	touch(s, n + 1);
	return n;
}

/* Only [A-Za-z0-9._+-], and not "." or "..": keys and versions become file names. */
static bool is_plain(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._+-") == strlen(s);
}

static void walk_archive(const struct manifest_component *c, const struct manifest_archive *a)
{
	const char *why = NULL;

	touch_str(a->platform);
	CHECK(is_plain(a->platform));
	if (a->variant) {
		size_t n = touch_str(a->variant);

		/* Variants ("cuda12") are a cuDNN thing, but a CUDA file may have them too. */
		CHECK(n > 4 && n <= 7 && !strncmp(a->variant, "cuda", 4));
		CHECK(strspn(a->variant + 4, "0123456789") == n - 4);
	}
	touch_str(a->relative_path);
	CHECK(manifest_check_path(a->relative_path, &why) == 0);
	touch(a->sha256, sizeof(a->sha256));
	touch(&a->size, sizeof(a->size));
	/* (platform, variant) is unique within a component: lookups find this very archive. */
	CHECK(manifest_archive(c, a->platform, a->variant) == a);
}

static void walk_component(const struct manifest *m, size_t i)
{
	const struct manifest_component *c = &m->components[i];
	size_t k;

	CHECK(is_plain(c->key) && touch_str(c->key) <= 64);
	touch_str(c->name);
	touch_str(c->license);
	CHECK(is_plain(c->version) && touch_str(c->version) <= 64);
	CHECK(c->nr_archives > 0 && c->archives != NULL);
	/* Keys are unique (duplicates are rejected), so the lookup is this component. */
	CHECK(manifest_component(m, c->key) == c);
	for (k = 0; k < c->nr_archives; k++)
		walk_archive(c, &c->archives[k]);
	CHECK(manifest_archive(c, "no such platform", NULL) == NULL);
	CHECK(manifest_archive(c, "linux-x86_64", "not a variant") == NULL);
}

static void walk(const struct manifest *m, enum manifest_product product, const char *label)
{
	size_t i;

	CHECK(m->product == product);
	CHECK(m->label && !strcmp(m->label, label));
	CHECK(touch_str(m->release_date) == 10);
	CHECK(m->nr_components > 0 && m->components != NULL);
	for (i = 0; i < m->nr_components; i++)
		walk_component(m, i);
	CHECK(manifest_component(m, "no such component") == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum manifest_product product;
	const char *label;
	struct manifest m;
	char err[256], want[64];
	int rc;

	if (size < 1)
		return 0;
	product = (data[0] & 1) ? MANIFEST_CUDNN : MANIFEST_CUDA;
	label = labels[product][(data[0] >> 1) & 3];
	memset(err, 0, sizeof(err));
	rc = manifest_parse(&m, (const char *)data + 1, size - 1, product, label, err, sizeof(err));
	if (rc < 0) {
		/* The contract on failure: one code, a message naming the file, m empty. */
		CHECK(rc == -CUE_EMANIFEST);
		snprintf(want, sizeof(want),
			 "%s/redistrib_%s.json: ", manifest_product_name(product), label);
		CHECK(!strncmp(err, want, strlen(want)));
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		CHECK(m.components == NULL && m.nr_components == 0);
		CHECK(m.label == NULL && m.release_date == NULL);
		return 0;
	}
	CHECK(rc == 0);
	walk(&m, product, label);
	manifest_release(&m);
	return 0;
}
