// SPDX-License-Identifier: MIT
/* NVIDIA redistrib manifests: strict JSON to structs, the only user of jansson. */
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "verify.h"
#include "version.h"
#include "xalloc.h"
#include "banned.h"

#define MAX_NAME 64
#define MAX_PATH_LEN 512

struct parse {
	struct manifest *m;
	char file[96];
	char *err;
	size_t errlen;
	size_t alloc_components;
};

static int fail(struct parse *p, const char *jpath, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *p, const char *jpath, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	buf_addf(&b, "%s: ", p->file);
	if (jpath && *jpath)
		buf_addf(&b, "%s: ", jpath);
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s", b.s);
	buf_release(&b);
	return -CUE_EMANIFEST;
}

/* "<file>: <jpath>.<field>: <reason>", the shape the issue asks for. */
static int fail_field(struct parse *p, const char *jpath, const char *field, const char *reason)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_addf(&b, "%s.%s", jpath, field);
	rc = fail(p, b.s, "%s", reason);
	buf_release(&b);
	return rc;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* Keys and versions become file and directory names later: keep them tame. */
static bool is_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	/* "." and ".." are made of allowed characters but name directories already. */
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '+'))
			return false;
	}
	return true;
}

static bool is_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != '-')
			return false;
	}
	return true;
}

int manifest_check_path(const char *path, const char **why)
{
	const char *seg = path;
	size_t n = strlen(path);
	const char *s;

	if (n == 0)
		return *why = "empty", -CUE_EUNSAFEPATH;
	if (n > MAX_PATH_LEN)
		return *why = "longer than 512 bytes", -CUE_EUNSAFEPATH;
	if (path[0] == '/')
		return *why = "absolute path", -CUE_EUNSAFEPATH;
	for (s = path; *s; s++) {
		char c = *s;

		if (c == '\\')
			return *why = "contains a backslash", -CUE_EUNSAFEPATH;
		if (c == ':')
			return *why = "contains ':' (a scheme or drive)", -CUE_EUNSAFEPATH;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '+' || c == '/'))
			return *why = "contains a character outside [A-Za-z0-9._+-/]", -CUE_EUNSAFEPATH;
	}
	for (s = path;; s++) {
		if (*s != '/' && *s)
			continue;
		if (s == seg)
			return *why = "contains an empty segment", -CUE_EUNSAFEPATH;
		if ((s - seg == 1 && seg[0] == '.') || (s - seg == 2 && seg[0] == '.' && seg[1] == '.'))
			return *why = "contains a '.' or '..' segment", -CUE_EUNSAFEPATH;
		if (!*s)
			break;
		seg = s + 1;
	}
	return 0;
}

static int parse_size(const json_t *v, uint64_t *out)
{
	const char *s;
	uint64_t n = 0;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -1;
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (!*s || strlen(s) > 20)
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

static const char *get_string(struct parse *p, const json_t *obj, const char *key,
			      const char *jpath, bool required, int *rc)
{
	const json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			*rc = fail(p, jpath, "missing '%s'", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		*rc = fail(p, jpath, "'%s' is %s, not a string", key, type_name(v));
		return NULL;
	}
	return json_string_value(v);
}

static int parse_archive(struct parse *p, struct manifest_component *c, const json_t *leaf,
			 const char *platform, const char *variant, const char *jpath)
{
	struct manifest_archive a = { 0 };
	const char *path, *sha, *md5, *why;
	const json_t *size;
	int rc = 0;

	path = get_string(p, leaf, "relative_path", jpath, true, &rc);
	sha = get_string(p, leaf, "sha256", jpath, true, &rc);
	md5 = get_string(p, leaf, "md5", jpath, false, &rc);
	if (rc)
		return rc;
	if (manifest_check_path(path, &why) < 0)
		return fail(p, jpath, "relative_path '%.80s': %s", path, why);
	if (verify_unhex(sha, a.sha256, sizeof(a.sha256)) < 0)
		return fail_field(p, jpath, "sha256", "not 64 hex digits");
	if (md5) {
		unsigned char tmp[16];

		if (verify_unhex(md5, tmp, sizeof(tmp)) < 0)
			return fail_field(p, jpath, "md5", "not 32 hex digits");
	}
	size = json_object_get(leaf, "size");
	if (!size)
		return fail(p, jpath, "missing 'size'");
	/* Between 1 byte and what a file offset can hold: an archive is never empty. */
	if (parse_size(size, &a.size) < 0 || a.size == 0 || a.size > INT64_MAX)
		return fail_field(p, jpath, "size",
				  "not a decimal number of bytes from 1 to 2^63-1");
	a.platform = xstrdup(platform);
	a.variant = variant ? xstrdup(variant) : NULL;
	a.relative_path = xstrdup(path);
	c->archives = xrealloc(c->archives, (c->nr_archives + 1) * sizeof(a));
	c->archives[c->nr_archives++] = a;
	return 0;
}

static bool is_variant_key(const char *k)
{
	size_t n = strlen(k);

	return n > 4 && n <= 7 && !strncmp(k, "cuda", 4) && strspn(k + 4, "0123456789") == n - 4;
}

static int parse_platform(struct parse *p, struct manifest_component *c, const char *platform,
			  const json_t *obj, const char *cpath)
{
	struct buf path = BUF_INIT;
	const char *key;
	json_t *v;
	bool leaf = json_object_get(obj, "relative_path") != NULL;
	size_t before = c->nr_archives;
	int rc = 0;

	buf_addf(&path, "%s.%s", cpath, platform);
	if (!is_name(platform, MAX_NAME)) {
		rc = fail(p, cpath, "platform key '%.64s' is not a plain name", platform);
		goto out;
	}
	if (leaf && (rc = parse_archive(p, c, obj, platform, NULL, path.s)) < 0)
		goto out;
	json_object_foreach((json_t *)obj, key, v) {
		size_t base = path.len;

		if (!json_is_object(v)) {
			if (leaf)
				continue; /* md5, size, … of the archive itself */
			rc = fail(p, path.s, "'%.64s' is %s, not a variant object", key, type_name(v));
			goto out;
		}
		buf_addf(&path, ".%s", key);
		if (!is_variant_key(key)) {
			rc = fail(p, path.s, "not a CUDA variant key (cudaN)");
			goto out;
		}
		if (!json_object_get(v, "relative_path")) {
			rc = fail(p, path.s, "missing 'relative_path'");
			goto out;
		}
		if ((rc = parse_archive(p, c, v, platform, key, path.s)) < 0)
			goto out;
		buf_setlen(&path, base);
	}
	if (c->nr_archives == before)
		rc = fail(p, path.s, "no archive");
out:
	buf_release(&path);
	return rc;
}

static int check_variants(struct parse *p, const json_t *v, const char *cpath)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return fail(p, cpath, "cuda_variant is %s, not an array", type_name(v));
	json_array_foreach(v, i, e) {
		const char *s = json_is_string(e) ? json_string_value(e) : "";

		if (!*s || strlen(s) > 3 || strspn(s, "0123456789") != strlen(s))
			return fail(p, cpath, "cuda_variant[%zu]: not a CUDA major version", i);
	}
	return 0;
}

static void component_release(struct manifest_component *c)
{
	size_t i;

	for (i = 0; i < c->nr_archives; i++) {
		free(c->archives[i].platform);
		free(c->archives[i].variant);
		free(c->archives[i].relative_path);
	}
	free(c->archives);
	free(c->key);
	free(c->name);
	free(c->license);
	free(c->license_path);
	free(c->version);
	memset(c, 0, sizeof(*c));
}

static int fill_component(struct parse *p, struct manifest_component *c, const json_t *obj)
{
	const char *key, *version, *name, *license, *license_path;
	json_t *v;
	int rc = 0;

	version = get_string(p, obj, "version", c->key, true, &rc);
	name = get_string(p, obj, "name", c->key, false, &rc);
	license = get_string(p, obj, "license", c->key, false, &rc);
	license_path = get_string(p, obj, "license_path", c->key, false, &rc);
	if (rc)
		return rc;
	if (!is_name(version, MAX_NAME))
		return fail(p, c->key, "version '%.64s' is not a plain version", version);
	c->version = xstrdup(version);
	c->name = xstrdup(name ? name : "");
	c->license = xstrdup(license ? license : "");
	c->license_path = xstrdup(license_path ? license_path : "");
	json_object_foreach((json_t *)obj, key, v) {
		if (!strcmp(key, "cuda_variant")) {
			rc = check_variants(p, v, c->key);
		} else if (json_is_object(v)) {
			rc = parse_platform(p, c, key, v, c->key);
		} else if (!json_is_string(v)) {
			rc = fail(p, c->key, "'%.64s' is %s, not a platform object", key, type_name(v));
		}
		if (rc < 0)
			return rc;
	}
	if (c->nr_archives == 0)
		return fail(p, c->key, "no archive for any platform");
	return 0;
}

static int parse_component(struct parse *p, const char *key, const json_t *obj)
{
	struct manifest *m = p->m;
	struct manifest_component *c;
	int rc;

	if (!is_name(key, MAX_NAME))
		return fail(p, NULL, "component key '%.64s' is not a plain name", key);
	xgrow(&m->components, sizeof(*m->components), m->nr_components + 1, &p->alloc_components);
	c = &m->components[m->nr_components];
	memset(c, 0, sizeof(*c));
	c->key = xstrdup(key);
	rc = fill_component(p, c, obj);
	if (rc < 0) {
		component_release(c);
		return rc;
	}
	m->nr_components++;
	return 0;
}

static int parse_meta(struct parse *p, const char *key, const json_t *v, const char *label)
{
	const char *s = json_string_value(v);
	const char *want = manifest_product_name(p->m->product);

	if (!strcmp(key, "release_date")) {
		if (!is_date(s))
			return fail(p, key, "'%.32s' is not a YYYY-MM-DD date", s);
		free(p->m->release_date);
		p->m->release_date = xstrdup(s);
	} else if (!strcmp(key, "release_label")) {
		if (strcmp(s, label))
			return fail(p, key, "'%.32s' does not match the file's label '%s'", s, label);
	} else if (!strcmp(key, "release_product")) {
		if (strcmp(s, want))
			return fail(p, key, "'%.32s' where '%s' was expected", s, want);
	}
	return 0;
}

static int parse_root(struct parse *p, const json_t *root, const char *label)
{
	const char *key;
	json_t *v;
	int rc = 0;

	if (!json_is_object(root))
		return fail(p, NULL, "top level is %s, not an object", type_name(root));
	json_object_foreach((json_t *)root, key, v) {
		if (json_is_object(v))
			rc = parse_component(p, key, v);
		else if (json_is_string(v))
			rc = parse_meta(p, key, v, label);
		else
			rc = fail(p, key, "is %s, not a string or a component object", type_name(v));
		if (rc < 0)
			return rc;
	}
	if (!p->m->release_date)
		return fail(p, NULL, "missing 'release_date'");
	if (p->m->nr_components == 0)
		return fail(p, NULL, "no components");
	return 0;
}

int manifest_parse(struct manifest *m, const char *data, size_t len,
		   enum manifest_product product, const char *label, char *err,
		   size_t errlen)
{
	struct parse p = { .m = m, .err = err, .errlen = errlen };
	struct version v;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	m->product = product;
	snprintf(p.file, sizeof(p.file), "%s/redistrib_%.40s.json",
		 manifest_product_name(product), label);
	if (version_parse(label, &v) < 0) {
		rc = fail(&p, NULL, "'%.40s' is not a release label", label);
		goto out;
	}
	if (len > MANIFEST_MAX_SIZE) {
		rc = fail(&p, NULL, "%zu bytes, more than the %u allowed", len, MANIFEST_MAX_SIZE);
		goto out;
	}
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = fail(&p, NULL, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		goto out;
	}
	m->label = xstrdup(label);
	rc = parse_root(&p, root, label);
out:
	json_decref(root);
	if (rc < 0)
		manifest_release(m);
	m->product = product;
	return rc;
}

void manifest_release(struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->nr_components; i++)
		component_release(&m->components[i]);
	free(m->components);
	free(m->label);
	free(m->release_date);
	memset(m, 0, sizeof(*m));
}

const struct manifest_component *manifest_component(const struct manifest *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->nr_components; i++) {
		if (!strcmp(m->components[i].key, key))
			return &m->components[i];
	}
	return NULL;
}

const struct manifest_archive *manifest_archive(const struct manifest_component *c,
						const char *platform, const char *variant)
{
	size_t i;

	for (i = 0; i < c->nr_archives; i++) {
		const struct manifest_archive *a = &c->archives[i];

		if (strcmp(a->platform, platform))
			continue;
		if (variant ? (a->variant && !strcmp(a->variant, variant)) : !a->variant)
			return a;
	}
	return NULL;
}

const char *manifest_product_name(enum manifest_product p)
{
	return p == MANIFEST_CUDNN ? "cudnn" : "cuda";
}
