// SPDX-License-Identifier: MIT
/* Spec grammar, pairing and profiles: pure functions over the catalogue. */
#include "resolve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "platform.h"
#include "verify.h"
#include "xalloc.h"
#include "banned.h"

/* ---- spec grammar ---- */

static int bad_spec(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "invalid spec '%.*s': %s", SPEC_MAX_LEN, s, why);
	return -CUE_ESPEC;
}

static int parse_cudnn(const char *s, const char *part, struct spec *out, char *err,
		       size_t errlen)
{
	if (!*part) {
		out->cudnn_op = SPEC_CUDNN_ANY;
		return 0;
	}
	if (!strncmp(part, ">=", 2)) {
		out->cudnn_op = SPEC_CUDNN_MIN;
		if (version_parse(part + 2, &out->cudnn) < 0 || out->cudnn.nr > 3)
			return bad_spec(err, errlen, s,
					"expected a cuDNN version after '>=', such as >=9.3");
		return 0;
	}
	out->cudnn_op = SPEC_CUDNN_PREFIX;
	if (version_parse(part, &out->cudnn) < 0 || out->cudnn.nr > 3)
		return bad_spec(err, errlen, s,
				"expected a cuDNN version such as cudnn9, cudnn9.1 or cudnn>=9.3");
	return 0;
}

int resolve_spec_parse(const char *s, struct spec *out, char *err, size_t errlen)
{
	const char *plus;
	size_t n = strlen(s);

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return bad_spec(err, errlen, s, "empty");
	if (n > SPEC_MAX_LEN)
		return bad_spec(err, errlen, s, "longer than 64 characters");
	plus = strchr(s, '+');
	n = plus ? (size_t)(plus - s) : n;
	if (n == 6 && !strncmp(s, "latest", 6))
		out->latest = true;
	else if (version_parsen(s, n, &out->cuda) < 0 || out->cuda.nr > 3)
		return bad_spec(err, errlen, s,
				"expected a CUDA version such as 12, 12.4 or 12.4.1, or 'latest'");
	if (!plus)
		return 0;
	if (strncmp(plus + 1, "cudnn", 5))
		return bad_spec(err, errlen, s, "expected '+cudnn' after the CUDA version");
	return parse_cudnn(s, plus + 6, out, err, errlen);
}

/* ---- profiles ---- */

static const char *const profile_names[] = { "runtime", "devel", "full" };

/* Shared libraries a program needs at run time. */
static const char *const cuda_runtime[] = {
	"cuda_cudart", "cuda_nvrtc", "libcublas", "libcufft", "libcurand", "libcusolver",
	"libcusparse", "libnpp", "libnvjitlink", "libnvjpeg", "libnvfatbin", "cuda_nvtx",
	"cuda_cupti", NULL,
};

/*
 * Compiler, headers, static libraries, small tools. cuda_crt, libnvvm,
 * libnvptxcompiler and cuda_culibos exist from 13.0 on, where NVIDIA split
 * them out of cuda_nvcc; nvcc does not work without them.
 */
static const char *const cuda_devel[] = {
	"cuda_nvcc", "cuda_cccl", "cuda_cuobjdump", "cuda_nvdisasm", "cuda_nvprune",
	"cuda_cuxxfilt", "cuda_profiler_api", "cuda_nvml_dev", "cuda_sanitizer_api",
	"cuda_opencl", "libcufile", "cuda_crt", "libnvvm", "libnvptxcompiler", "cuda_culibos",
	NULL,
};

/*
 * Never installed: driver pieces would shadow the kernel-matched driver,
 * the rest is data-centre plumbing. cuda_compat (forward compatibility) is
 * opt-in only.
 */
static const char *const never[] = {
	"nvidia_driver", "fabricmanager", "imex", "libnvidia_nscq", "nvidia_fs", "libnvsdm",
	"mft", "mft_autocomplete", "mft_oem", "nvlsm", "collectx_bringup", "driver_assistant",
	"cuda_compat", NULL,
};

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++) {
		if (!strcmp(*list, key))
			return true;
	}
	return false;
}

int resolve_profile_parse(const char *name, enum resolve_profile *out)
{
	size_t i;

	for (i = 0; i < sizeof(profile_names) / sizeof(profile_names[0]); i++) {
		if (!strcmp(name, profile_names[i])) {
			*out = (enum resolve_profile)i;
			return 0;
		}
	}
	return -CUE_EUSAGE;
}

const char *resolve_profile_name(enum resolve_profile p)
{
	return profile_names[p];
}

bool resolve_profile_wants(enum resolve_profile p, enum manifest_product product,
			   const char *key)
{
	if (product == MANIFEST_CUDNN) {
		/* cudnn_jit is another build of the same library, not an addition. */
		if (!strcmp(key, "cudnn"))
			return true;
		return p == PROFILE_FULL && !strcmp(key, "cudnn_samples");
	}
	if (in_list(never, key))
		return false;
	if (in_list(cuda_runtime, key))
		return true;
	if (p == PROFILE_RUNTIME)
		return false;
	return p == PROFILE_FULL || in_list(cuda_devel, key);
}

/* ---- helpers ---- */

struct ctx {
	struct catalogue *c;
	const struct spec *spec;
	const char *text;
	const char *platform;
	enum resolve_profile profile;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *x, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct ctx *x, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *vstr(const struct version *v, char *dst, size_t len)
{
	return version_str(v, dst, len);
}

/* The archive a profile would take from a component on this platform. */
static const struct manifest_archive *pick_archive(const struct manifest_component *comp,
						   const char *platform, const char *variant)
{
	const struct manifest_archive *a = manifest_archive(comp, platform, variant);

	/* cuDNN 9 ships its samples once, as platform "source". */
	if (!a && !strcmp(comp->key, "cudnn_samples"))
		a = manifest_archive(comp, "source", NULL);
	return a;
}

static bool cuda_has_platform(const struct manifest *m, const char *platform,
			      enum resolve_profile profile)
{
	size_t i;

	for (i = 0; i < m->nr_components; i++) {
		const struct manifest_component *comp = &m->components[i];

		if (resolve_profile_wants(profile, MANIFEST_CUDA, comp->key) &&
		    manifest_archive(comp, platform, NULL))
			return true;
	}
	return false;
}

static bool cudnn_has_build(const struct manifest *m, const char *platform, const char *variant)
{
	const struct manifest_component *comp = manifest_component(m, "cudnn");

	return comp && manifest_archive(comp, platform, variant);
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

/* Text of the cuDNN part of a spec, for messages: "9.10", ">=9.3", "any". */
static const char *cudnn_text(const struct spec *s, char *dst, size_t len)
{
	char v[64];

	vstr(&s->cudnn, v, sizeof(v));
	if (s->cudnn_op == SPEC_CUDNN_ANY)
		snprintf(dst, len, "(any release)");
	else
		snprintf(dst, len, "%s%s", s->cudnn_op == SPEC_CUDNN_MIN ? ">=" : "", v);
	return dst;
}

/* "0-6,8" for CUDA 12 -> "12.0-12.6, 12.8" */
static void minors_text(const char *text, unsigned major, struct buf *out)
{
	const char *s = text;

	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10);

		buf_addf(out, "%u.%lu", major, lo);
		s = end;
		if (*s == '-') {
			unsigned long hi = strtoul(s + 1, &end, 10);

			buf_addf(out, "-%u.%lu", major, hi);
			s = end;
		}
		if (*s == ',') {
			buf_adds(out, ", ");
			s++;
		}
	}
}

struct pick {
	struct catalogue_entry *e;
	const struct manifest *m;
	enum support_answer listed;
	const struct support_cudnn *row;
};

struct cudnn_search {
	struct pick best;	/* newest listed (or unknown) candidate */
	struct pick newest;	/* newest candidate */
	size_t matching;	/* releases matching the spec, built or not */
};

static int search_cudnn(struct ctx *x, const struct version *cuda, const char *variant,
			struct cudnn_search *r)
{
	struct catalogue *c = x->c;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	for (i = c->nr[MANIFEST_CUDNN]; i-- > 0;) {
		struct catalogue_entry *e = &c->entries[MANIFEST_CUDNN][i];
		struct pick p = { e, NULL, SUPPORT_UNKNOWN, NULL };

		if (!cudnn_matches(x->spec, &e->version))
			continue;
		r->matching++;
		rc = catalogue_manifest(c, e, &p.m, x->err, x->errlen);
		if (rc < 0)
			return rc;
		if (!cudnn_has_build(p.m, x->platform, variant))
			continue;
		p.listed = support_cudnn_lists(&c->support, &e->version, cuda->part[0],
					       cuda->nr > 1 ? cuda->part[1] : 0, &p.row);
		if (!r->newest.e)
			r->newest = p;
		if (!r->best.e && p.listed != SUPPORT_NO) {
			r->best = p;
			break;
		}
	}
	return 0;
}

/*
 * The releases of product p that satisfy ok(), nearest to the span of
 * entries [lo, hi] (indices into the sorted list): the last one before it
 * and the first one after it. Writes "a or b" / "a" / "" into out.
 */
typedef bool entry_ok_fn(struct ctx *x, struct catalogue_entry *e, const void *arg);

static void nearest(struct ctx *x, enum manifest_product p, size_t lo, size_t hi,
		    entry_ok_fn *ok, const void *arg, struct buf *out)
{
	struct catalogue_entry *v = x->c->entries[p];
	size_t n = x->c->nr[p], i;
	const char *before = NULL, *after = NULL;

	for (i = lo; i-- > 0;) {
		if (ok(x, &v[i], arg)) {
			before = v[i].label;
			break;
		}
	}
	for (i = hi + 1; i < n; i++) {
		if (ok(x, &v[i], arg)) {
			after = v[i].label;
			break;
		}
	}
	if (before)
		buf_adds(out, before);
	if (before && after)
		buf_adds(out, " or ");
	if (after)
		buf_adds(out, after);
}

static bool any_entry(struct ctx *x, struct catalogue_entry *e, const void *arg)
{
	(void)x;
	(void)e;
	(void)arg;
	return true;
}

static bool cuda_on_platform(struct ctx *x, struct catalogue_entry *e, const void *arg)
{
	const struct manifest *m;
	char err[256];

	(void)arg;
	return catalogue_manifest(x->c, e, &m, err, sizeof(err)) == 0 &&
	       cuda_has_platform(m, x->platform, x->profile);
}

static bool cudnn_built_for(struct ctx *x, struct catalogue_entry *e, const void *variant)
{
	const struct manifest *m;
	char err[256];

	return catalogue_manifest(x->c, e, &m, err, sizeof(err)) == 0 &&
	       cudnn_has_build(m, x->platform, variant);
}

/* Indices of the first and last entries for which match() holds; false if none. */
static bool span(struct ctx *x, enum manifest_product p, size_t *lo, size_t *hi)
{
	size_t i;
	bool found = false;

	for (i = 0; i < x->c->nr[p]; i++) {
		struct catalogue_entry *e = &x->c->entries[p][i];
		bool m = p == MANIFEST_CUDA ? (x->spec->latest || version_has_prefix(&e->version, &x->spec->cuda))
					    : cudnn_matches(x->spec, &e->version);

		if (!m)
			continue;
		if (!found)
			*lo = i;
		*hi = i;
		found = true;
	}
	return found;
}

static int no_cuda_match(struct ctx *x)
{
	struct buf near = BUF_INIT;
	char v[64];
	size_t lo = 0, hi = 0, i;
	int rc;

	vstr(&x->spec->cuda, v, sizeof(v));
	if (!span(x, MANIFEST_CUDA, &lo, &hi)) {
		/* Place the missing version among the labels to name its neighbours. */
		for (i = 0; i < x->c->nr[MANIFEST_CUDA] &&
			    version_cmp(&x->c->entries[MANIFEST_CUDA][i].version, &x->spec->cuda) < 0;
		     i++)
			;
		nearest(x, MANIFEST_CUDA, i, i - 1, any_entry, NULL, &near);
		rc = fail(x, -CUE_ENOMATCH, "no CUDA release matches '%s'%s%s%s", v,
			  near.len ? " (nearest: " : "", near.s, near.len ? ")" : "");
	} else {
		nearest(x, MANIFEST_CUDA, lo, hi, cuda_on_platform, NULL, &near);
		rc = fail(x, -CUE_EPLATFORM, "CUDA %s has no archives for %s (%s)%s%s", 
			  x->spec->latest ? "(any release)" : v, x->platform,
			  platform_describe(x->platform), near.len ? "; nearest with some: " : "",
			  near.s);
	}
	buf_release(&near);
	return rc;
}

static int no_cudnn_match(struct ctx *x, const struct catalogue_entry *cuda, const char *variant)
{
	struct buf near = BUF_INIT;
	char t[80];
	size_t lo = 0, hi = 0, i;
	int rc;

	cudnn_text(x->spec, t, sizeof(t));
	if (!span(x, MANIFEST_CUDNN, &lo, &hi)) {
		for (i = 0; i < x->c->nr[MANIFEST_CUDNN] &&
			    version_cmp(&x->c->entries[MANIFEST_CUDNN][i].version, &x->spec->cudnn) < 0;
		     i++)
			;
		nearest(x, MANIFEST_CUDNN, i, i - 1, any_entry, NULL, &near);
		rc = fail(x, -CUE_ENOMATCH, "no cuDNN release matches '%s'%s%s%s", t,
			  near.len ? " (nearest: " : "", near.s, near.len ? ")" : "");
	} else {
		const char *newest = NULL;

		nearest(x, MANIFEST_CUDNN, lo, hi, cudnn_built_for, variant, &near);
		for (i = x->c->nr[MANIFEST_CUDNN]; i-- > 0 && !newest;) {
			if (cudnn_built_for(x, &x->c->entries[MANIFEST_CUDNN][i], variant))
				newest = x->c->entries[MANIFEST_CUDNN][i].label;
		}
		rc = fail(x, -CUE_ENOMATCH, "cuDNN %s has no build for CUDA %u on %s%s%s%s%s",
			  t, (unsigned)cuda->version.part[0], x->platform,
			  near.len ? "; nearest with one: " : "", near.s,
			  newest && !strstr(near.s, newest) ? ", newest: " : "",
			  newest && !strstr(near.s, newest) ? newest : "");
	}
	buf_release(&near);
	return rc;
}

/* ---- the plan ---- */

static void warn(struct plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct plan *p, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	p->warnings = xrealloc(p->warnings, (p->nr_warnings + 1) * sizeof(*p->warnings));
	p->warnings[p->nr_warnings++] = buf_detach(&b);
}

static void set_release(struct plan_release *r, const struct catalogue_entry *e,
			const struct manifest *m, const char *version)
{
	r->label = xstrdup(e->label);
	r->version = xstrdup(version);
	r->release_date = xstrdup(m->release_date);
	verify_sha256_buf(e->data, e->len, r->manifest_sha256);
}

/* The profile's components of m; with only set, that one component whatever the profile. */
static void add_matching(struct ctx *x, struct plan *p, enum manifest_product product,
			 const struct manifest *m, const char *variant, const char *only)
{
	size_t i;

	for (i = 0; i < m->nr_components; i++) {
		const struct manifest_component *comp = &m->components[i];
		const struct manifest_archive *a;
		char *url;

		if (only ? strcmp(comp->key, only) != 0
			 : !resolve_profile_wants(p->profile, product, comp->key))
			continue;
		a = pick_archive(comp, x->platform, variant);
		if (!a)
			continue;
		url = catalogue_url(x->c, product, a->relative_path);
		plan_add_component(p, product, comp->key, comp->version, a->relative_path, url,
				   a->sha256, a->size);
		free(url);
	}
}

void plan_add_component(struct plan *p, enum manifest_product product, const char *name,
			const char *version, const char *relative_path, const char *url,
			const unsigned char sha256[32], uint64_t size)
{
	struct plan_component *pc;

	p->components = xrealloc(p->components, (p->nr_components + 1) * sizeof(*pc));
	pc = &p->components[p->nr_components++];
	pc->product = product;
	pc->name = xstrdup(name);
	pc->version = xstrdup(version);
	pc->relative_path = xstrdup(relative_path);
	pc->url = xstrdup(url);
	memcpy(pc->sha256, sha256, sizeof(pc->sha256));
	pc->size = size;
	p->download_size += size;
}

static void add_components(struct ctx *x, struct plan *p, enum manifest_product product,
			   const struct manifest *m, const char *variant)
{
	add_matching(x, p, product, m, variant, NULL);
}

static void add_components_named(struct ctx *x, struct plan *p, const struct manifest *m,
				 const char *key)
{
	add_matching(x, p, MANIFEST_CUDA, m, NULL, key);
}

static void set_driver(struct ctx *x, struct plan *p, const struct catalogue_entry *e,
		       const struct manifest *m)
{
	static const char *const mvc[] = { [11] = "450.80.02", [12] = "525.60.13", [13] = "580.65.06" };
	const struct support_cuda *row = support_cuda(&x->c->support, &e->version);
	const struct manifest_component *drv = manifest_component(m, "nvidia_driver");
	unsigned major = e->version.part[0];

	if (row) {
		snprintf(p->driver_min, sizeof(p->driver_min), "%s", row->driver_min);
		snprintf(p->driver_mvc_min, sizeof(p->driver_mvc_min), "%s", row->mvc_min);
		p->driver_source = strcmp(row->source, "table") ? "bundled" : "table";
		return;
	}
	/* A label newer than support.txt: the driver NVIDIA bundles with it is a safe floor. */
	if (drv)
		snprintf(p->driver_min, sizeof(p->driver_min), "%s", drv->version);
	if (major < sizeof(mvc) / sizeof(mvc[0]) && mvc[major])
		snprintf(p->driver_mvc_min, sizeof(p->driver_mvc_min), "%s", mvc[major]);
	p->driver_source = "manifest";
}

static void warn_unlisted(struct plan *p, const struct pick *k, const struct version *cuda)
{
	struct buf list = BUF_INIT;

	minors_text(k->row->minors_text, k->row->cuda_major, &list);
	warn(p, "cuDNN %s lists CUDA %s for its cuda%u build; %u.%u is outside NVIDIA's support list",
	     k->e->label, list.s, k->row->cuda_major, (unsigned)cuda->part[0],
	     (unsigned)cuda->part[1]);
	buf_release(&list);
}

static int build_plan(struct ctx *x, struct catalogue_entry *cuda, const struct manifest *cm,
		      const struct pick *k, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	p->spec = xstrdup(x->text);
	p->platform = xstrdup(x->platform);
	p->profile = x->profile;
	set_release(&p->cuda, cuda, cm, cuda->label);
	set_driver(x, p, cuda, cm);
	add_components(x, p, MANIFEST_CUDA, cm, NULL);
	if (k && k->e) {
		const struct manifest_component *comp = manifest_component(k->m, "cudnn");

		p->has_cudnn = true;
		snprintf(p->cudnn_variant, sizeof(p->cudnn_variant), "cuda%u",
			 (unsigned)cuda->version.part[0]);
		set_release(&p->cudnn, k->e, k->m, comp->version);
		p->cudnn_listed = k->listed;
		add_components(x, p, MANIFEST_CUDNN, k->m, p->cudnn_variant);
		if (k->listed == SUPPORT_NO)
			warn_unlisted(p, k, &cuda->version);
	}
	return 0;
}

int resolve(struct catalogue *c, const char *text, const struct spec *spec,
	    const char *platform, enum resolve_profile profile, struct plan *out, char *err,
	    size_t errlen)
{
	struct ctx x = { c, spec, text, platform, profile, err, errlen };
	struct catalogue_entry *fb_cuda = NULL, *nobuild = NULL;
	const struct manifest *fb_m = NULL;
	struct pick fb_pick = { 0 };
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	for (i = c->nr[MANIFEST_CUDA]; i-- > 0;) {
		struct catalogue_entry *e = &c->entries[MANIFEST_CUDA][i];
		const struct manifest *m;
		struct cudnn_search s;
		char variant[16];

		if (!spec->latest && !version_has_prefix(&e->version, &spec->cuda))
			continue;
		if ((rc = catalogue_manifest(c, e, &m, err, errlen)) < 0)
			return rc;
		if (!cuda_has_platform(m, platform, profile))
			continue;
		if (spec->cudnn_op == SPEC_CUDNN_NONE)
			return build_plan(&x, e, m, NULL, out);
		snprintf(variant, sizeof(variant), "cuda%u", (unsigned)e->version.part[0]);
		if ((rc = search_cudnn(&x, &e->version, variant, &s)) < 0)
			return rc;
		if (s.best.e)
			return build_plan(&x, e, m, &s.best, out);
		if (!s.newest.e) {
			if (!nobuild)
				nobuild = e;
			continue;
		}
		if (!fb_cuda) {
			fb_cuda = e;
			fb_m = m;
			fb_pick = s.newest;
		}
		/* Only "latest" may walk down to an older CUDA for a listed pair. */
		if (!spec->latest)
			break;
	}
	if (fb_cuda)
		return build_plan(&x, fb_cuda, fb_m, &fb_pick, out);
	if (nobuild) {
		char variant[16];

		snprintf(variant, sizeof(variant), "cuda%u", (unsigned)nobuild->version.part[0]);
		return no_cudnn_match(&x, nobuild, variant);
	}
	return no_cuda_match(&x);
}

static void release_release(struct plan_release *r)
{
	free(r->label);
	free(r->version);
	free(r->release_date);
}

void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nr_components; i++) {
		free(p->components[i].name);
		free(p->components[i].version);
		free(p->components[i].relative_path);
		free(p->components[i].url);
	}
	free(p->components);
	for (i = 0; i < p->nr_warnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
	release_release(&p->cuda);
	release_release(&p->cudnn);
	free(p->spec);
	free(p->platform);
	memset(p, 0, sizeof(*p));
}

char *plan_name(const struct plan *p)
{
	if (p->has_cudnn)
		return xasprintf("cuda-%s+cudnn-%s-%s", p->cuda.label, p->cudnn.version,
				 resolve_profile_name(p->profile));
	return xasprintf("cuda-%s-%s", p->cuda.label, resolve_profile_name(p->profile));
}

static int by_digest(const void *a, const void *b)
{
	return memcmp(*(const unsigned char *const *)a, *(const unsigned char *const *)b, 32);
}

char *plan_cache_key(const struct plan *p)
{
	const unsigned char **d = xcalloc(p->nr_components + 1, sizeof(*d));
	struct buf text = BUF_INIT;
	unsigned char sum[VERIFY_SHA256_LEN];
	char hex[VERIFY_SHA256_HEX];
	size_t i;

	for (i = 0; i < p->nr_components; i++)
		d[i] = p->components[i].sha256;
	qsort(d, p->nr_components, sizeof(*d), by_digest);
	buf_addf(&text, "cuenv cache key 1\nplatform %s\nprofile %s\n", p->platform,
		 resolve_profile_name(p->profile));
	for (i = 0; i < p->nr_components; i++) {
		/* The same archive twice counts once. */
		if (i && !memcmp(d[i], d[i - 1], 32))
			continue;
		buf_addf(&text, "%s\n", verify_hex(d[i], 32, hex));
	}
	verify_sha256_buf(text.s, text.len, sum);
	buf_release(&text);
	free(d);
	return xasprintf("cuenv-%s-%s-%s", p->platform, resolve_profile_name(p->profile),
			 verify_hex(sum, 8, hex));
}

bool resolve_spec_matches(const struct spec *spec, const char *cuda, const char *cudnn)
{
	struct version cv, dv;

	if (version_parse(cuda, &cv) < 0)
		return false;
	if (!spec->latest && !version_has_prefix(&cv, &spec->cuda))
		return false;
	if (spec->cudnn_op == SPEC_CUDNN_NONE)
		return cudnn == NULL;
	if (!cudnn || version_parse(cudnn, &dv) < 0)
		return false;
	/* Labels have three parts; the installed version may have four (9.14.0.64). */
	if (dv.nr > 3)
		dv.nr = 3;
	return cudnn_matches(spec, &dv);
}

/* ---- version ranges ---- */

static int bad_range(char *err, size_t errlen, const char *what, const char *s, const char *why)
{
	snprintf(err, errlen, "invalid %s range '%.*s': %s", what, 128, s, why);
	return -CUE_ESPEC;
}

int resolve_range_parse(const char *s, const char *what, struct range *r, char *err,
			size_t errlen)
{
	const char *p = s;

	memset(r, 0, sizeof(*r));
	if (strlen(s) > 128)
		return bad_range(err, errlen, what, s, "longer than 128 characters");
	for (;;) {
		enum range_op op = RANGE_EQ;
		const char *end;
		struct version v;
		size_t n;

		while (*p == ' ')
			p++;
		if (!strncmp(p, ">=", 2) || !strncmp(p, "<=", 2) || !strncmp(p, "==", 2)) {
			op = *p == '>' ? RANGE_GE : *p == '<' ? RANGE_LE : RANGE_EQ;
			p += 2;
		} else if (*p == '>' || *p == '<' || *p == '=') {
			op = *p == '>' ? RANGE_GT : *p == '<' ? RANGE_LT : RANGE_EQ;
			p++;
		}
		while (*p == ' ')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n && p[n - 1] == ' ')
			n--;
		/* "12.x" and "12.*" are the prefix 12. */
		if (n > 2 && p[n - 2] == '.' && (p[n - 1] == 'x' || p[n - 1] == 'X' || p[n - 1] == '*')) {
			if (op != RANGE_EQ)
				return bad_range(err, errlen, what, s,
						 "a wildcard ('.x') goes without an operator");
			n -= 2;
		}
		if (n == 0)
			return bad_range(err, errlen, what, s,
					 "expected a version such as 12, 12.4, >=12.0 or >=12.0,<13");
		if (r->nr == RANGE_MAX_CLAUSES)
			return bad_range(err, errlen, what, s, "more than 8 clauses");
		if (version_parsen(p, n, &v) < 0 || v.nr > 3) {
			char msg[200];

			snprintf(msg, sizeof(msg),
				 "'%.*s' is not a version such as 12, 12.4 or 12.4.1 (clauses: >=, >, <=, <, =, joined by ',')",
				 (int)(n < 40 ? n : 40), p);
			return bad_range(err, errlen, what, s, msg);
		}
		r->c[r->nr].op = op;
		r->c[r->nr++].v = v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

/* v against c, looking at c's parts only (missing parts of v count as 0). */
static int cmp_parts(const struct version *v, const struct version *c)
{
	unsigned i;

	for (i = 0; i < c->nr; i++) {
		uint32_t a = i < v->nr ? v->part[i] : 0;

		if (a != c->part[i])
			return a < c->part[i] ? -1 : 1;
	}
	return 0;
}

bool resolve_range_matches(const struct range *r, const struct version *v)
{
	unsigned i;

	for (i = 0; i < r->nr; i++) {
		int d = cmp_parts(v, &r->c[i].v);
		bool ok;

		switch (r->c[i].op) {
		case RANGE_GE:
			ok = d >= 0;
			break;
		case RANGE_GT:
			ok = d > 0;
			break;
		case RANGE_LE:
			ok = d <= 0;
			break;
		case RANGE_LT:
			ok = d < 0;
			break;
		default:
			ok = d == 0;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- matrices ---- */

static bool same_minor(const struct version *a, const struct version *b)
{
	return a->part[0] == b->part[0] && a->part[1] == b->part[1];
}

/* Can a runner with this driver run the toolkit of e? */
static bool driver_fits(struct ctx *x, const struct matrix_filter *f,
			const struct catalogue_entry *e, const struct manifest *m)
{
	struct plan tmp;
	struct version need;
	const char *req;

	if (!f->have_driver)
		return true;
	memset(&tmp, 0, sizeof(tmp));
	set_driver(x, &tmp, e, m);
	req = f->minor_compat ? tmp.driver_mvc_min : tmp.driver_min;
	/* Unknown requirement: it cannot be shown to fit. */
	if (!*req || version_parse(req, &need) < 0)
		return false;
	return version_cmp(&need, &f->driver) <= 0;
}

static void add_row(struct ctx *x, struct matrix *mx, struct catalogue_entry *cuda,
		    const struct manifest *cm, const struct pick *k)
{
	char *text = k ? xasprintf("%s+cudnn%s", cuda->label, k->e->label) : xstrdup(cuda->label);

	x->text = text;
	mx->rows = xrealloc(mx->rows, (mx->nr + 1) * sizeof(*mx->rows));
	build_plan(x, cuda, cm, k, &mx->rows[mx->nr++]);
	if (k && k->listed == SUPPORT_NO)
		mx->counts.unlisted++;
	x->text = NULL;
	free(text);
}

/* Keep the newest pick of each major.minor (picks oldest first). */
static size_t newest_per_minor(struct pick *v, size_t n)
{
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		if (i + 1 < n && same_minor(&v[i].e->version, &v[i + 1].e->version))
			continue;
		v[out++] = v[i];
	}
	return out;
}

static int matrix_pairs(struct ctx *x, const struct matrix_filter *f, struct matrix *mx,
			struct catalogue_entry *cuda, const struct manifest *cm)
{
	struct catalogue *c = x->c;
	struct pick *cand = xcalloc(c->nr[MANIFEST_CUDNN] + 1, sizeof(*cand));
	struct pick *ok = xcalloc(c->nr[MANIFEST_CUDNN] + 1, sizeof(*ok));
	size_t i, nc = 0, nok = 0;
	char variant[16];
	int rc = 0;

	snprintf(variant, sizeof(variant), "cuda%u", (unsigned)cuda->version.part[0]);
	for (i = 0; i < c->nr[MANIFEST_CUDNN]; i++) {
		struct catalogue_entry *e = &c->entries[MANIFEST_CUDNN][i];
		struct pick p = { e, NULL, SUPPORT_UNKNOWN, NULL };

		if (!resolve_range_matches(&f->cudnn, &e->version))
			continue;
		if ((rc = catalogue_manifest(c, e, &p.m, x->err, x->errlen)) < 0)
			goto out;
		if (!cudnn_has_build(p.m, x->platform, variant))
			continue;
		p.listed = support_cudnn_lists(&c->support, &e->version, cuda->version.part[0],
					       cuda->version.part[1], &p.row);
		cand[nc++] = p;
		if (p.listed != SUPPORT_NO)
			ok[nok++] = p;
	}
	if (f->latest_patch)
		nok = newest_per_minor(ok, nok);
	if (f->newest_cudnn && nok > 1) {
		ok[0] = ok[nok - 1];
		nok = 1;
	}
	/* None listed: the newest with a build, as 'resolve' takes it (with a warning). */
	if (!nok && nc)
		ok[nok++] = cand[nc - 1];
	for (i = 0; i < nok; i++)
		add_row(x, mx, cuda, cm, &ok[i]);
out:
	free(cand);
	free(ok);
	return rc;
}

int resolve_matrix(struct catalogue *c, const struct matrix_filter *f, const char *platform,
		   enum resolve_profile profile, struct matrix *m, char *err, size_t errlen)
{
	struct ctx x = { c, NULL, NULL, platform, profile, err, errlen };
	struct catalogue_entry **cudas = xcalloc(c->nr[MANIFEST_CUDA] + 1, sizeof(*cudas));
	size_t i, n = 0;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < c->nr[MANIFEST_CUDNN]; i++)
		m->counts.cudnn_match += resolve_range_matches(&f->cudnn, &c->entries[MANIFEST_CUDNN][i].version);
	for (i = 0; i < c->nr[MANIFEST_CUDA]; i++) {
		struct catalogue_entry *e = &c->entries[MANIFEST_CUDA][i];
		const struct manifest *cm;

		if (!resolve_range_matches(&f->cuda, &e->version))
			continue;
		m->counts.cuda_match++;
		if ((rc = catalogue_manifest(c, e, &cm, err, errlen)) < 0)
			goto out;
		if (!cuda_has_platform(cm, platform, profile))
			continue;
		m->counts.cuda_platform++;
		if (!driver_fits(&x, f, e, cm))
			continue;
		m->counts.cuda_driver++;
		/* Oldest first: with --latest-patch a newer patch replaces the last one. */
		if (f->latest_patch && n && same_minor(&cudas[n - 1]->version, &e->version))
			n--;
		cudas[n++] = e;
	}
	for (i = 0; i < n && !rc; i++) {
		const struct manifest *cm;

		catalogue_manifest(c, cudas[i], &cm, err, errlen);
		if (f->no_cudnn)
			add_row(&x, m, cudas[i], cm, NULL);
		else
			rc = matrix_pairs(&x, f, m, cudas[i], cm);
	}
out:
	free(cudas);
	if (rc < 0)
		matrix_release(m);
	return rc;
}

void matrix_release(struct matrix *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++)
		plan_release(&m->rows[i]);
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

/* ---- extra components ---- */

int resolve_add_component(struct catalogue *c, struct plan *p, const char *key, char *err,
			  size_t errlen)
{
	struct ctx x = { c, NULL, p->spec, p->platform, p->profile, err, errlen };
	struct catalogue_entry *e = catalogue_find(c, MANIFEST_CUDA, p->cuda.label);
	const struct manifest_component *comp;
	const struct manifest *m;
	struct buf where = BUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < p->nr_components; i++) {
		if (!strcmp(p->components[i].name, key))
			return 0;
	}
	if (in_list(never, key) && strcmp(key, "cuda_compat"))
		return fail(&x, -CUE_EUSAGE, "'%s' is a driver or system component: cuenv never "
				       "installs it (it would shadow the kernel's driver)", key);
	if (!e)
		return fail(&x, -CUE_ENOMATCH, "CUDA %s is not in the catalogue", p->cuda.label);
	if ((rc = catalogue_manifest(c, e, &m, err, errlen)) < 0)
		return rc;
	if (!(comp = manifest_component(m, key)))
		return fail(&x, -CUE_ENOMATCH, "CUDA %s has no component '%s'", p->cuda.label, key);
	if (manifest_archive(comp, p->platform, NULL)) {
		size_t before = p->nr_components;

		add_components_named(&x, p, m, key);
		return p->nr_components > before ? 0 : -CUE_ENOMATCH;
	}
	for (i = 0; i < comp->nr_archives; i++)
		buf_addf(&where, "%s%s", where.len ? ", " : "", comp->archives[i].platform);
	rc = fail(&x, -CUE_EPLATFORM, "CUDA %s has no '%s' archive for %s (only for %s)",
		  p->cuda.label, key, p->platform, where.len ? where.s : "no platform");
	buf_release(&where);
	return rc;
}

/* ---- explaining ---- */

const char *resolve_verdict_name(enum trace_verdict v)
{
	static const char *const names[] = { "chosen", "passed over", "not considered",
					     "does not match" };

	return names[v];
}

static void trace_add(struct trace_item **v, size_t *nr, const char *label,
		      enum trace_verdict verdict, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void trace_add(struct trace_item **v, size_t *nr, const char *label,
		      enum trace_verdict verdict, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	*v = xrealloc(*v, (*nr + 1) * sizeof(**v));
	(*v)[*nr].label = xstrdup(label);
	(*v)[*nr].verdict = verdict;
	(*v)[(*nr)++].why = buf_detach(&b);
}

/* Why each CUDA label the spec matches was or was not taken. */
static void explain_cuda(struct ctx *x, struct resolve_trace *t)
{
	const struct version *chosen = NULL;
	struct version cv;
	size_t i;

	if (version_parse(t->plan.cuda.label, &cv) == 0)
		chosen = &cv;
	for (i = x->c->nr[MANIFEST_CUDA]; i-- > 0;) {
		struct catalogue_entry *e = &x->c->entries[MANIFEST_CUDA][i];
		int cmp = version_cmp(&e->version, chosen);
		char v[16];

		if (!x->spec->latest && !version_has_prefix(&e->version, &x->spec->cuda))
			continue;
		snprintf(v, sizeof(v), "cuda%u", (unsigned)e->version.part[0]);
		if (cmp == 0)
			trace_add(&t->cuda, &t->nr_cuda, e->label, TRACE_CHOSEN,
				  "the newest label that matches%s",
				  x->spec->cudnn_op != SPEC_CUDNN_NONE ? " and has a cuDNN build" : "");
		else if (cmp < 0)
			trace_add(&t->cuda, &t->nr_cuda, e->label, TRACE_NOT_CONSIDERED,
				  "older than %s", t->plan.cuda.label);
		else if (!cuda_on_platform(x, e, NULL))
			trace_add(&t->cuda, &t->nr_cuda, e->label, TRACE_NEWER_SKIPPED,
				  "no archives of the %s profile for %s",
				  resolve_profile_name(x->profile), x->platform);
		else
			trace_add(&t->cuda, &t->nr_cuda, e->label, TRACE_NEWER_SKIPPED,
				  "no cuDNN release matching the spec has a %s build for %s%s", v,
				  x->platform, x->spec->latest ? " that lists this CUDA minor" : "");
		/* "latest" matches everything: name only the newest few and the choice. */
		if (x->spec->latest && t->nr_cuda >= 6 && cmp < 0)
			break;
	}
}

static const char *listed_word(enum support_answer a)
{
	return a == SUPPORT_YES ? "lists" : a == SUPPORT_NO ? "does not list" : "has no known list for";
}

/* "; its cuda13 build is for CUDA 13" for the other builds of a release on the platform. */
static const char *other_variants(struct ctx *x, struct catalogue_entry *e, const char *variant,
				  char *text, size_t size)
{
	const struct manifest_component *comp;
	const struct manifest *m;
	char err[256];
	size_t i, n = 0;

	text[0] = '\0';
	if (catalogue_manifest(x->c, e, &m, err, sizeof(err)) < 0 ||
	    !(comp = manifest_component(m, "cudnn")))
		return text;
	for (i = 0; i < comp->nr_archives; i++) {
		const struct manifest_archive *a = &comp->archives[i];
		size_t len = strlen(text);

		if (strcmp(a->platform, x->platform) || !a->variant || !strcmp(a->variant, variant))
			continue;
		snprintf(text + len, size - len, "%s%s", n++ ? ", " : "; not its ", a->variant);
	}
	if (n) {
		size_t len = strlen(text);

		snprintf(text + len, size - len, " build%s (the CUDA major decides)", n > 1 ? "s" : "");
	}
	return text;
}

/* Why each cuDNN release in the spec's range was or was not taken. */
static void explain_cudnn(struct ctx *x, struct resolve_trace *t)
{
	struct version cuda, chosen;
	const char *variant = t->plan.cudnn_variant;
	char others[128];
	size_t i;

	version_parse(t->plan.cuda.label, &cuda);
	version_parse(t->plan.cudnn.label, &chosen);
	for (i = x->c->nr[MANIFEST_CUDNN]; i-- > 0;) {
		struct catalogue_entry *e = &x->c->entries[MANIFEST_CUDNN][i];
		int cmp = version_cmp(&e->version, &chosen);
		enum support_answer a;

		if (!cudnn_matches(x->spec, &e->version))
			continue;
		if (cmp < 0) {
			trace_add(&t->cudnn, &t->nr_cudnn, e->label, TRACE_NOT_CONSIDERED,
				  "older than %s", t->plan.cudnn.label);
			if (t->nr_cudnn >= 12)
				break;
			continue;
		}
		a = support_cudnn_lists(&x->c->support, &e->version, cuda.part[0], cuda.part[1], NULL);
		if (cmp == 0)
			trace_add(&t->cudnn, &t->nr_cudnn, e->label, TRACE_CHOSEN,
				  "has a %s build for %s and %s CUDA %u.%u%s%s", variant, x->platform,
				  listed_word(a), (unsigned)cuda.part[0], (unsigned)cuda.part[1],
				  a == SUPPORT_NO ? " (no matching release lists it: newest taken)" : "",
				  other_variants(x, e, variant, others, sizeof(others)));
		else if (!cudnn_built_for(x, e, variant))
			trace_add(&t->cudnn, &t->nr_cudnn, e->label, TRACE_NEWER_SKIPPED,
				  "no %s build for %s", variant, x->platform);
		else
			trace_add(&t->cudnn, &t->nr_cudnn, e->label, TRACE_NEWER_SKIPPED,
				  "its support list leaves out CUDA %u.%u", (unsigned)cuda.part[0],
				  (unsigned)cuda.part[1]);
	}
}

int resolve_explain(struct catalogue *c, const char *text, const struct spec *spec,
		    const char *platform, enum resolve_profile profile, struct resolve_trace *t,
		    char *err, size_t errlen)
{
	struct ctx x = { c, spec, text, platform, profile, err, errlen };
	int rc;

	memset(t, 0, sizeof(*t));
	rc = resolve(c, text, spec, platform, profile, &t->plan, err, errlen);
	if (rc < 0)
		return rc;
	explain_cuda(&x, t);
	if (t->plan.has_cudnn)
		explain_cudnn(&x, t);
	return 0;
}

static void trace_items_free(struct trace_item *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(v[i].label);
		free(v[i].why);
	}
	free(v);
}

void resolve_trace_release(struct resolve_trace *t)
{
	plan_release(&t->plan);
	trace_items_free(t->cuda, t->nr_cuda);
	trace_items_free(t->cudnn, t->nr_cudnn);
	memset(t, 0, sizeof(*t));
}
