// SPDX-License-Identifier: MIT
/* cuenv sbom: an env's components as CycloneDX 1.5 or SPDX 2.3 JSON. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "catalogue.h"
#include "cli.h"
#include "config.h"
#include "layout.h"
#include "out.h"
#include "paths.h"
#include "pin.h"
#include "store.h"
#include "verify.h"
#include "version.h"
#include "xalloc.h"
#include "banned.h"

#define SUPPLIER "NVIDIA Corporation"

enum format { FMT_CYCLONEDX, FMT_SPDX };

struct opts {
	const char *spec, *profile;
	enum format fmt;
};

/* One archive of the env, whatever it was read from. */
struct item {
	const char *product;			    /* "cuda" or "cudnn" */
	const char *name, *version, *relative_path; /* borrowed */
	const unsigned char *sha256;
	uint64_t size;
	char *url;
	const char *title, *license; /* from the manifest, NULL when unknown */
	char *license_url;
};

struct bom {
	const char *env, *spec, *platform, *profile, *source, *cuda, *cudnn, *cudnn_label;
	const char *from; /* "cuenv.lock" or "the env's receipt" */
	struct item *items;
	size_t nr;
	char created[32]; /* "2024-05-01T12:00:00Z" */
	char serial[40];  /* a UUID, from the document's digest */
	/* What the borrowed strings live in. */
	struct pinned pd;
	struct store_env *envs;
	size_t nr_envs;
	struct catalogue cat;
	bool have_cat;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	for (;;) {
		while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
			if (c == 'f' && !strcmp(optarg, "cyclonedx"))
				o->fmt = FMT_CYCLONEDX;
			else if (c == 'f' && !strcmp(optarg, "spdx"))
				o->fmt = FMT_SPDX;
			else if (c == 'f')
				return cli_bad_usage(
				    "sbom", "unknown format '%s' (cyclonedx or spdx)", optarg);
			else if (c == 'P')
				o->profile = optarg;
			else if (c == ':')
				return cli_bad_usage("sbom", "option '%s' needs a value",
						     argv[optind - 1]);
			else
				return cli_bad_usage("sbom", "unknown option '%s'",
						     argv[optind - 1]);
		}
		if (optind >= argc)
			break;
		if (o->spec)
			return cli_bad_usage("sbom", "unexpected argument '%s'", argv[optind]);
		o->spec = argv[optind++];
	}
	return 0;
}

/* SOURCE_DATE_EPOCH (reproducible builds) or now, as ISO 8601 UTC. */
static int timestamp(char *dst, size_t len)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	struct tm tm;

	if (e) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(e, &end, 10);
		/* Up to 9999-12-31: four-digit years only. */
		if (!*e || !isdigit((unsigned char)*e) || *end || errno || v > 253402300799ULL) {
			out_error("SOURCE_DATE_EPOCH '%s' is not a number of seconds since 1970",
				  e);
			return 2;
		}
		t = (time_t)v;
	}
	if (!gmtime_r(&t, &tm) || !strftime(dst, len, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		out_error("cannot format the time %lld", (long long)t);
		return 1;
	}
	return 0;
}

static enum manifest_product product_of(const char *s)
{
	return !strcmp(s, "cudnn") ? MANIFEST_CUDNN : MANIFEST_CUDA;
}

static void add_item(struct bom *b, const char *product, const char *name, const char *version,
		     const char *relative_path, const unsigned char *sha256, uint64_t size)
{
	struct item *it;

	b->items = xrealloc(b->items, (b->nr + 1) * sizeof(*b->items));
	it = &b->items[b->nr++];
	memset(it, 0, sizeof(*it));
	it->product = product;
	it->name = name;
	it->version = version;
	it->relative_path = relative_path;
	it->sha256 = sha256;
	it->size = size;
	it->url = xasprintf("%s/%s/redist/%s", b->source, product, relative_path);
}

static void from_lock(struct bom *b)
{
	const struct lock *l = &b->pd.lock;
	size_t i;

	b->env = l->env;
	b->spec = l->spec;
	b->platform = l->platform;
	b->profile = l->profile;
	b->source = l->source;
	b->cuda = l->cuda;
	b->cudnn = l->cudnn;
	b->cudnn_label = l->cudnn_label;
	b->from = LAYOUT_LOCK_FILE;
	for (i = 0; i < l->nr; i++)
		add_item(b, l->archives[i].product, l->archives[i].name, l->archives[i].version,
			 l->archives[i].relative_path, l->archives[i].sha256, l->archives[i].size);
}

static void from_env(struct bom *b, const struct store_env *e)
{
	size_t i;

	b->env = e->name;
	b->spec = e->spec;
	b->platform = e->platform;
	b->profile = e->profile;
	b->source = e->source;
	b->cuda = e->cuda;
	b->cudnn = e->cudnn;
	b->from = "the env's receipt";
	for (i = 0; i < e->nr_components; i++) {
		const struct store_component *c = &e->components[i];

		add_item(b, c->product, c->name, c->version, c->relative_path, c->sha256, c->size);
	}
}

/*
 * The input: without SPEC the pin's lock when it matches (installed or not),
 * else the installed env the pin or SPEC selects. Returns 0 or an exit status.
 */
static int gather(struct bom *b, const struct opts *o)
{
	struct cli_target t;
	size_t *match = NULL, nr_match = 0;
	int rc;

	if (!o->spec && cli_pinned_quiet(&b->pd) == 0 && b->pd.lock_matches &&
	    (!o->profile || !strcmp(o->profile, b->pd.lock.profile))) {
		from_lock(b);
		return 0;
	}
	cli_pinned_release(&b->pd);
	rc = cli_target(&t, o->spec, o->profile, "sbom");
	if (!rc && !t.name)
		rc = cli_target_missing(&t);
	if (!rc)
		rc = cli_installed("sbom", t.name, NULL, &b->envs, &b->nr_envs, &match, &nr_match);
	if (!rc && !nr_match) {
		out_error("cannot read the receipt of '%s'", t.name);
		rc = 1;
	}
	if (!rc)
		from_env(b, &b->envs[match[0]]);
	free(match);
	cli_target_release(&t);
	return rc;
}

/* A licence path inside the manifest's directory, or NULL. */
static bool plain_relative(const char *p)
{
	return *p && *p != '/' && !strstr(p, "..") && !strstr(p, "://") &&
	       strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+") ==
		   strlen(p);
}

static const struct manifest *manifest_for(struct bom *b, enum manifest_product p)
{
	const struct manifest *m = NULL;
	struct catalogue_entry *e = NULL;
	struct version v;
	char err[512];
	size_t i;

	if (p == MANIFEST_CUDA) {
		e = catalogue_find(&b->cat, p, b->cuda);
	} else if (b->cudnn_label) {
		e = catalogue_find(&b->cat, p, b->cudnn_label);
	} else if (b->cudnn && version_parse(b->cudnn, &v) == 0) {
		/* A receipt has the version (9.14.0.64): its release's label is a prefix of it. */
		for (i = b->cat.nr[p]; i-- > 0 && !e;) {
			if (version_has_prefix(&v, &b->cat.entries[p][i].version))
				e = &b->cat.entries[p][i];
		}
	}
	if (e && catalogue_manifest(&b->cat, e, &m, err, sizeof(err)) < 0) {
		out_warn("%s", err);
		m = NULL;
	}
	return m;
}

/* Licences from the manifests of the source the env came from, without the network. */
static void licences(struct bom *b)
{
	const struct manifest *m[2] = { NULL, NULL };
	char err[512], *cache = paths_cache();
	size_t i, k;

	if (catalogue_open(&b->cat, b->source, cache, CATALOGUE_OFFLINE, err, sizeof(err)) < 0) {
		out_warn("licences unknown: %s", err);
		free(cache);
		return;
	}
	b->have_cat = true;
	free(cache);
	for (k = 0; k < 2; k++)
		m[k] = (k == MANIFEST_CUDNN && !b->cudnn)
			   ? NULL
			   : manifest_for(b, (enum manifest_product)k);
	for (i = 0; i < b->nr; i++) {
		struct item *it = &b->items[i];
		const struct manifest *mm = m[product_of(it->product)];
		const struct manifest_component *c = mm ? manifest_component(mm, it->name) : NULL;

		if (!c)
			continue;
		it->title = *c->name ? c->name : NULL;
		it->license = *c->license ? c->license : NULL;
		if (it->license && plain_relative(c->license_path))
			it->license_url =
			    xasprintf("%s/%s/redist/%s", b->source, it->product, c->license_path);
	}
	for (k = 0; k < 2; k++) {
		if ((k == MANIFEST_CUDA || b->cudnn) && !m[k])
			out_warn("licences of the %s components unknown: no %s manifest in the "
				 "catalogue of '%s'",
				 manifest_product_name((enum manifest_product)k),
				 manifest_product_name((enum manifest_product)k), b->source);
	}
}

static void bom_release(struct bom *b)
{
	size_t i;

	for (i = 0; i < b->nr; i++) {
		free(b->items[i].url);
		free(b->items[i].license_url);
	}
	free(b->items);
	if (b->have_cat)
		catalogue_release(&b->cat);
	store_envs_free(b->envs, b->nr_envs);
	cli_pinned_release(&b->pd);
}

/* ---- JSON helpers ---- */

static void key(struct buf *o, int indent, const char *k, bool *first)
{
	buf_addf(o, "%s\n%*s", *first ? "" : ",", indent, "");
	buf_add_json_str(o, k);
	buf_adds(o, ": ");
	*first = false;
}

static void kv(struct buf *o, int indent, const char *k, const char *v, bool *first)
{
	key(o, indent, k, first);
	buf_add_json_str(o, v);
}

/* A purl qualifier value or version: everything but unreserved characters escaped. */
static void pct(struct buf *o, const char *s)
{
	for (; *s; s++) {
		if (isalnum((unsigned char)*s) || strchr("-._~", *s))
			buf_addch(o, *s);
		else
			buf_addf(o, "%%%02X", (unsigned char)*s);
	}
}

static char *purl(const struct item *it, bool qualifiers)
{
	struct buf b = BUF_INIT;
	char hex[VERIFY_SHA256_HEX];

	buf_adds(&b, "pkg:generic/nvidia/");
	pct(&b, it->name);
	buf_addch(&b, '@');
	pct(&b, it->version);
	if (qualifiers) {
		buf_addf(&b, "?checksum=sha256:%s&download_url=", verify_hex(it->sha256, 32, hex));
		pct(&b, it->url);
	}
	return buf_detach(&b);
}

/* Licences SPDX knows by these exact identifiers; others become LicenseRef-. */
static bool spdx_id(const char *s)
{
	static const char *const ids[] = { "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause",
					   NULL };
	size_t i;

	for (i = 0; s && ids[i]; i++) {
		if (!strcmp(s, ids[i]))
			return true;
	}
	return false;
}

/* "LicenseRef-NVIDIA-CUDA-Toolkit": idstring characters only. */
static char *licence_ref(const char *name)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "LicenseRef-NVIDIA-");
	for (; *name; name++)
		buf_addch(&b, isalnum((unsigned char)*name) || *name == '.' ? *name : '-');
	return buf_detach(&b);
}

/* The serial number: a UUID (version 4 layout) from the digest of the document. */
static void serial_from(struct bom *b, const struct buf *doc)
{
	unsigned char d[32];

	verify_sha256_buf(doc->s, doc->len, d);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x40);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	snprintf(b->serial, sizeof(b->serial),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1],
		 d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14],
		 d[15]);
}

static char *env_version(const struct bom *b)
{
	return b->cudnn ? xasprintf("%s+cudnn%s", b->cuda, b->cudnn) : xstrdup(b->cuda);
}

static char *env_description(const struct bom *b)
{
	return b->cudnn ? xasprintf("CUDA Toolkit %s with cuDNN %s (%s profile) for %s, from %s",
				    b->cuda, b->cudnn, b->profile, b->platform, b->from)
			: xasprintf("CUDA Toolkit %s (%s profile) for %s, from %s", b->cuda,
				    b->profile, b->platform, b->from);
}

/* ---- CycloneDX 1.5 ---- */

static void cdx_property(struct buf *o, int indent, const char *name, const char *value,
			 bool *first)
{
	bool f = true;

	buf_addf(o, "%s\n%*s{", *first ? "" : ",", indent, "");
	kv(o, indent + 2, "name", name, &f);
	kv(o, indent + 2, "value", value, &f);
	buf_addf(o, "\n%*s}", indent, "");
	*first = false;
}

static void cdx_component(struct buf *o, const struct item *it)
{
	char hex[VERIFY_SHA256_HEX], size[24], *ref = purl(it, false), *full = purl(it, true);
	bool f = true, g;

	buf_adds(o, "\n    {");
	kv(o, 6, "type", "library", &f);
	kv(o, 6, "bom-ref", ref, &f);
	key(o, 6, "supplier", &f);
	buf_adds(o, "{ \"name\": \"" SUPPLIER "\" }");
	kv(o, 6, "name", it->name, &f);
	kv(o, 6, "version", it->version, &f);
	if (it->title)
		kv(o, 6, "description", it->title, &f);
	key(o, 6, "hashes", &f);
	buf_addf(o, "[ { \"alg\": \"SHA-256\", \"content\": \"%s\" } ]",
		 verify_hex(it->sha256, 32, hex));
	if (it->license) {
		key(o, 6, "licenses", &f);
		buf_addf(o, "[ { \"license\": { \"%s\": ", spdx_id(it->license) ? "id" : "name");
		buf_add_json_str(o, it->license);
		if (it->license_url) {
			buf_adds(o, ", \"url\": ");
			buf_add_json_str(o, it->license_url);
		}
		buf_adds(o, " } } ]");
	}
	kv(o, 6, "purl", full, &f);
	key(o, 6, "externalReferences", &f);
	buf_adds(o, "[ { \"type\": \"distribution\", \"url\": ");
	buf_add_json_str(o, it->url);
	buf_adds(o, " } ]");
	key(o, 6, "properties", &f);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)it->size);
	buf_adds(o, "[");
	g = true;
	cdx_property(o, 8, "cuenv:product", it->product, &g);
	cdx_property(o, 8, "cuenv:size", size, &g);
	buf_adds(o, "\n      ]\n    }");
	free(ref);
	free(full);
}

static void cyclonedx(struct buf *o, struct bom *b)
{
	char *ver = env_version(b), *desc = env_description(b),
	     *ref = xasprintf("cuenv-env:%s", b->env);
	bool f = true, g;
	size_t i;

	buf_adds(o, "{");
	kv(o, 2, "bomFormat", "CycloneDX", &f);
	kv(o, 2, "specVersion", "1.5", &f);
	key(o, 2, "serialNumber", &f);
	buf_addf(o, "\"urn:uuid:%s\"", b->serial);
	key(o, 2, "version", &f);
	buf_adds(o, "1");
	key(o, 2, "metadata", &f);
	buf_adds(o, "{");
	g = true;
	kv(o, 4, "timestamp", b->created, &g);
	key(o, 4, "tools", &g);
	buf_adds(o, "{ \"components\": [ { \"type\": \"application\", \"name\": \"cuenv\", "
		    "\"version\": \"" CUENV_VERSION "\" } ] }");
	key(o, 4, "component", &g);
	buf_adds(o, "{");
	f = true;
	kv(o, 6, "type", "framework", &f);
	kv(o, 6, "bom-ref", ref, &f);
	kv(o, 6, "name", b->env, &f);
	kv(o, 6, "version", ver, &f);
	kv(o, 6, "description", desc, &f);
	buf_adds(o, "\n    }");
	key(o, 4, "properties", &g);
	buf_adds(o, "[");
	f = true;
	cdx_property(o, 6, "cuenv:spec", b->spec, &f);
	cdx_property(o, 6, "cuenv:platform", b->platform, &f);
	cdx_property(o, 6, "cuenv:profile", b->profile, &f);
	cdx_property(o, 6, "cuenv:source", b->source, &f);
	buf_adds(o, "\n    ]\n  }");
	f = false;
	key(o, 2, "components", &f);
	buf_adds(o, "[");
	for (i = 0; i < b->nr; i++) {
		if (i)
			buf_addch(o, ',');
		cdx_component(o, &b->items[i]);
	}
	buf_adds(o, "\n  ]");
	key(o, 2, "dependencies", &f);
	buf_adds(o, "[\n    {\n      \"ref\": ");
	buf_add_json_str(o, ref);
	buf_adds(o, ",\n      \"dependsOn\": [");
	for (i = 0; i < b->nr; i++) {
		char *r = purl(&b->items[i], false);

		buf_addf(o, "%s\n        ", i ? "," : "");
		buf_add_json_str(o, r);
		free(r);
	}
	buf_adds(o, "\n      ]\n    }\n  ]\n}\n");
	free(ver);
	free(desc);
	free(ref);
}

/* ---- SPDX 2.3 ---- */

/* "SPDXRef-Package-cuda-cuda-cudart": idstring characters only. */
static char *spdx_ref(const struct item *it)
{
	struct buf b = BUF_INIT;
	const char *s;

	buf_addf(&b, "SPDXRef-Package-%s-", it->product);
	for (s = it->name; *s; s++)
		buf_addch(&b, isalnum((unsigned char)*s) || *s == '.' ? *s : '-');
	return buf_detach(&b);
}

static void spdx_package(struct buf *o, const struct item *it)
{
	char hex[VERIFY_SHA256_HEX], *id = spdx_ref(it), *p = purl(it, true);
	char *lic = it->license
			? (spdx_id(it->license) ? xstrdup(it->license) : licence_ref(it->license))
			: xstrdup("NOASSERTION");
	bool f = true;

	buf_adds(o, ",\n    {");
	kv(o, 6, "SPDXID", id, &f);
	kv(o, 6, "name", it->name, &f);
	kv(o, 6, "versionInfo", it->version, &f);
	kv(o, 6, "supplier", "Organization: " SUPPLIER, &f);
	kv(o, 6, "downloadLocation", it->url, &f);
	key(o, 6, "filesAnalyzed", &f);
	buf_adds(o, "false");
	key(o, 6, "checksums", &f);
	buf_addf(o, "[ { \"algorithm\": \"SHA256\", \"checksumValue\": \"%s\" } ]",
		 verify_hex(it->sha256, 32, hex));
	kv(o, 6, "licenseConcluded", "NOASSERTION", &f);
	kv(o, 6, "licenseDeclared", lic, &f);
	kv(o, 6, "copyrightText", "NOASSERTION", &f);
	if (it->title)
		kv(o, 6, "summary", it->title, &f);
	kv(o, 6, "primaryPackagePurpose", "LIBRARY", &f);
	key(o, 6, "externalRefs", &f);
	buf_adds(o, "[ { \"referenceCategory\": \"PACKAGE-MANAGER\", \"referenceType\": \"purl\", "
		    "\"referenceLocator\": ");
	buf_add_json_str(o, p);
	buf_adds(o, " } ]\n    }");
	free(id);
	free(p);
	free(lic);
}

/* Every distinct licence URL of the components from i on whose licence is ref. */
static void see_alsos(struct buf *o, const struct bom *b, size_t i, const char *ref)
{
	bool f = true;
	size_t j, k;

	buf_adds(o, ",\n      \"seeAlsos\": [");
	for (j = i; j < b->nr; j++) {
		const struct item *it = &b->items[j];
		char *r;
		bool same;

		if (!it->license_url || !it->license || spdx_id(it->license))
			continue;
		r = licence_ref(it->license);
		same = !strcmp(r, ref);
		free(r);
		for (k = i; same && k < j; k++) {
			if (b->items[k].license_url &&
			    !strcmp(b->items[k].license_url, it->license_url))
				same = false;
		}
		if (!same)
			continue;
		buf_addf(o, "%s\n        ", f ? "" : ",");
		buf_add_json_str(o, it->license_url);
		f = false;
	}
	buf_adds(o, "\n      ]");
}

/* hasExtractedLicensingInfos: each LicenseRef- once, with the licence's URLs. */
static void spdx_licences(struct buf *o, const struct bom *b)
{
	bool any = false, f;
	size_t i, j;

	for (i = 0; i < b->nr; i++) {
		const struct item *it = &b->items[i];
		char *ref, *text;

		if (!it->license || spdx_id(it->license))
			continue;
		ref = licence_ref(it->license);
		for (j = 0; j < i; j++) {
			char *r2 = b->items[j].license && !spdx_id(b->items[j].license)
				       ? licence_ref(b->items[j].license)
				       : NULL;
			bool same = r2 && !strcmp(r2, ref);

			free(r2);
			if (same)
				break;
		}
		if (j < i) {
			free(ref);
			continue;
		}
		buf_adds(o, any ? ",\n    {" : ",\n  \"hasExtractedLicensingInfos\": [\n    {");
		any = true;
		f = true;
		kv(o, 6, "licenseId", ref, &f);
		kv(o, 6, "name", it->license, &f);
		text = it->license_url
			   ? xasprintf("NVIDIA's licence '%s' (the 'license' of the component in "
				       "NVIDIA's manifest); its text: %s",
				       it->license, it->license_url)
			   : xasprintf("NVIDIA's licence '%s' (the 'license' of the component in "
				       "NVIDIA's manifest)",
				       it->license);
		kv(o, 6, "extractedText", text, &f);
		if (it->license_url)
			see_alsos(o, b, i, ref);
		buf_adds(o, "\n    }");
		free(ref);
		free(text);
	}
	if (any)
		buf_adds(o, "\n  ]");
}

static void spdx(struct buf *o, struct bom *b)
{
	char *ver = env_version(b), *desc = env_description(b),
	     *name = xasprintf("cuenv-%s", b->env);
	char *ns = xasprintf("https://spdx.org/spdxdocs/%s-%s", name, b->serial);
	bool f = true, g;
	size_t i;

	buf_adds(o, "{");
	kv(o, 2, "spdxVersion", "SPDX-2.3", &f);
	kv(o, 2, "dataLicense", "CC0-1.0", &f);
	kv(o, 2, "SPDXID", "SPDXRef-DOCUMENT", &f);
	kv(o, 2, "name", name, &f);
	kv(o, 2, "documentNamespace", ns, &f);
	key(o, 2, "creationInfo", &f);
	buf_adds(o, "{");
	g = true;
	kv(o, 4, "created", b->created, &g);
	key(o, 4, "creators", &g);
	buf_adds(o, "[ \"Tool: cuenv-" CUENV_VERSION "\" ]\n  }");
	key(o, 2, "packages", &f);
	buf_adds(o, "[\n    {");
	g = true;
	kv(o, 6, "SPDXID", "SPDXRef-Env", &g);
	kv(o, 6, "name", b->env, &g);
	kv(o, 6, "versionInfo", ver, &g);
	kv(o, 6, "downloadLocation", "NOASSERTION", &g);
	key(o, 6, "filesAnalyzed", &g);
	buf_adds(o, "false");
	kv(o, 6, "licenseConcluded", "NOASSERTION", &g);
	kv(o, 6, "licenseDeclared", "NOASSERTION", &g);
	kv(o, 6, "copyrightText", "NOASSERTION", &g);
	kv(o, 6, "description", desc, &g);
	kv(o, 6, "primaryPackagePurpose", "FRAMEWORK", &g);
	buf_adds(o, "\n    }");
	for (i = 0; i < b->nr; i++)
		spdx_package(o, &b->items[i]);
	buf_adds(o, "\n  ]");
	spdx_licences(o, b);
	key(o, 2, "relationships", &f);
	buf_adds(o, "[\n    { \"spdxElementId\": \"SPDXRef-DOCUMENT\", \"relationshipType\": "
		    "\"DESCRIBES\", \"relatedSpdxElement\": \"SPDXRef-Env\" }");
	for (i = 0; i < b->nr; i++) {
		char *id = spdx_ref(&b->items[i]);

		buf_addf(o,
			 ",\n    { \"spdxElementId\": \"SPDXRef-Env\", \"relationshipType\": "
			 "\"CONTAINS\", \"relatedSpdxElement\": \"%s\" }",
			 id);
		free(id);
	}
	buf_adds(o, "\n  ]\n}\n");
	free(ver);
	free(desc);
	free(name);
	free(ns);
}

/* Render twice: the serial number is the digest of the document without it. */
static void render(struct buf *o, struct bom *b, enum format fmt)
{
	memset(b->serial, '0', 36);
	b->serial[36] = '\0';
	(fmt == FMT_SPDX ? spdx : cyclonedx)(o, b);
	serial_from(b, o);
	buf_reset(o);
	(fmt == FMT_SPDX ? spdx : cyclonedx)(o, b);
}

int cmd_sbom(int argc, char **argv)
{
	struct opts o = { 0 };
	struct bom b;
	struct buf out = BUF_INIT;
	int rc;

	memset(&b, 0, sizeof(b));
	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	if ((rc = timestamp(b.created, sizeof(b.created))) != 0)
		return rc;
	rc = gather(&b, &o);
	if (!rc) {
		licences(&b);
		render(&out, &b, o.fmt);
		fputs(out.s, stdout);
	}
	buf_release(&out);
	bom_release(&b);
	return rc;
}
