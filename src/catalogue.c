// SPDX-License-Identifier: MIT
/* The labels and manifests of a source: bundled snapshot, cache, refresh. */
#include "catalogue.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "buf.h"
#include "error.h"
#include "fetch.h"
#include "fs.h"
#include "verify.h"
#include "xalloc.h"
#include "banned.h"

#define LISTING_MAX (16u << 20)
#define MAX_LABELS 4096

static const enum manifest_product products[] = { MANIFEST_CUDA, MANIFEST_CUDNN };

/* "redistrib_12.4.1.json" -> "12.4.1"; NULL when name is not such a file. */
static char *label_of(const char *name, size_t len)
{
	static const char pre[] = "redistrib_", suf[] = ".json";
	size_t n;
	struct version v;

	if (len <= sizeof(pre) - 1 + sizeof(suf) - 1 || strncmp(name, pre, sizeof(pre) - 1) ||
	    strncmp(name + len - (sizeof(suf) - 1), suf, sizeof(suf) - 1))
		return NULL;
	n = len - (sizeof(pre) - 1) - (sizeof(suf) - 1);
	if (version_parsen(name + sizeof(pre) - 1, n, &v) < 0)
		return NULL;
	return xstrndup(name + sizeof(pre) - 1, n);
}

static void entry_free(struct catalogue_entry *e)
{
	if (e->parsed) {
		manifest_release(e->parsed);
		free(e->parsed);
	}
	free(e->owned);
	free(e->label);
}

/* Add or replace the entry for a label; takes ownership of owned. */
static void add_entry(struct catalogue *c, enum manifest_product p, const char *label,
		      const char *data, size_t len, char *owned)
{
	struct catalogue_entry *e = catalogue_find(c, p, label);

	if (e) {
		entry_free(e);
	} else {
		c->entries[p] = xrealloc(c->entries[p], (c->nr[p] + 1) * sizeof(*e));
		e = &c->entries[p][c->nr[p]++];
	}
	memset(e, 0, sizeof(*e));
	e->product = p;
	e->label = xstrdup(label);
	version_parse(label, &e->version);
	e->data = data;
	e->len = len;
	e->owned = owned;
}

static int by_version(const void *a, const void *b)
{
	const struct catalogue_entry *x = a, *y = b;

	return version_cmp(&x->version, &y->version);
}

static void sort_entries(struct catalogue *c)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		if (c->nr[i])
			qsort(c->entries[i], c->nr[i], sizeof(*c->entries[i]), by_version);
	}
}

static int load_bundle(struct catalogue *c, char *err, size_t errlen)
{
	const struct bundle_file *support = NULL;
	size_t i, k;

	for (i = 0; i < bundle_nr_files; i++) {
		const struct bundle_file *f = &bundle_files[i];

		if (!strcmp(f->path, "support.txt")) {
			support = f;
			continue;
		}
		for (k = 0; k < 2; k++) {
			const char *pn = manifest_product_name(products[k]);
			size_t pl = strlen(pn);
			char *label;

			if (strncmp(f->path, pn, pl) || f->path[pl] != '/')
				continue;
			label = label_of(f->path + pl + 1, strlen(f->path + pl + 1));
			if (label)
				add_entry(c, products[k], label, f->data, f->len, NULL);
			free(label);
		}
	}
	if (!support) {
		snprintf(err, errlen, "the bundled catalogue has no support.txt");
		return -CUE_EDATA;
	}
	return support_parse(&c->support, support->data, support->len, err, errlen);
}

/* ---- file:// sources: read in place ---- */

static int read_dir_source(struct catalogue *c, const char *root, enum manifest_product p,
			   char *err, size_t errlen)
{
	char *dir = xasprintf("%s/%s/redist", root, manifest_product_name(p));
	struct dirent *d;
	DIR *dh = opendir(dir);
	int rc = 0;

	if (!dh) {
		rc = errno == ENOENT ? 0 : -CUE_ESOURCE;
		if (rc)
			snprintf(err, errlen, "cannot read '%s': %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	while (!rc && (d = readdir(dh))) {
		char *label = label_of(d->d_name, strlen(d->d_name));
		struct buf b = BUF_INIT;
		char *path;

		if (!label)
			continue;
		path = xasprintf("%s/%s", dir, d->d_name);
		rc = fs_read_file(path, MANIFEST_MAX_SIZE, &b);
		if (rc < 0) {
			snprintf(err, errlen, "cannot read '%s': %s", path,
				 rc == -EFBIG ? "larger than a manifest can be" : strerror(-rc));
			rc = -CUE_ESOURCE;
		} else {
			size_t len = b.len;
			char *data = buf_detach(&b);

			add_entry(c, p, label, data, len, data);
		}
		buf_release(&b);
		free(path);
		free(label);
	}
	closedir(dh);
	free(dir);
	return rc;
}

/* ---- http(s) sources: listing, fetch, cache ---- */

struct labels {
	char **v;
	size_t nr;
};

static void labels_add(struct labels *l, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		if (strlen(l->v[i]) == n && !strncmp(l->v[i], s, n))
			return;
	}
	if (l->nr == MAX_LABELS)
		return;
	l->v = xrealloc(l->v, (l->nr + 1) * sizeof(*l->v));
	l->v[l->nr++] = xstrndup(s, n);
}

static void labels_free(struct labels *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->v[i]);
	free(l->v);
}

/*
 * Any directory listing qualifies (NVIDIA's index page, nginx autoindex,
 * python's http.server): every "redistrib_<version>.json" in the body is a
 * label. Only digits and dots can follow the prefix, so nothing the page
 * says can smuggle a path into a label.
 */
static void scan_listing(const char *body, size_t len, struct labels *out)
{
	static const char pre[] = "redistrib_";
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *hit = memchr(p, 'r', (size_t)(end - p)), *q;
		struct version v;

		if (!hit)
			break;
		p = hit + 1;
		if ((size_t)(end - hit) < sizeof(pre) + 5 || memcmp(hit, pre, sizeof(pre) - 1))
			continue;
		q = hit + sizeof(pre) - 1;
		while (q < end && ((*q >= '0' && *q <= '9') || *q == '.'))
			q++;
		/* The label's digits run into ".json": give the dot back. */
		if (q - hit < (long)sizeof(pre) || q[-1] != '.' || end - q < 4 || memcmp(q, "json", 4))
			continue;
		q--;
		if (version_parsen(hit + sizeof(pre) - 1, (size_t)(q - hit) - (sizeof(pre) - 1), &v))
			continue;
		labels_add(out, hit + sizeof(pre) - 1, (size_t)(q - hit) - (sizeof(pre) - 1));
	}
}

static unsigned fetch_flags(const char *source)
{
	return strncmp(source, "https://", 8) ? FETCH_ALLOW_PLAIN : 0;
}

static int fetch_listing(const struct catalogue *c, enum manifest_product p, struct labels *out,
			 char *err, size_t errlen)
{
	char *url = xasprintf("%s/%s/redist/", c->source, manifest_product_name(p));
	struct buf body = BUF_INIT;
	int rc = fetch_buffer(url, LISTING_MAX, fetch_flags(c->source), &body, err, errlen);

	if (rc == -CUE_ESIZE)
		rc = -CUE_ESOURCE;
	if (rc == 0)
		scan_listing(body.s, body.len, out);
	buf_release(&body);
	free(url);
	return rc;
}

static char *cache_dir_for(const char *cache, const char *source)
{
	unsigned char d[VERIFY_SHA256_LEN];
	char hex[VERIFY_SHA256_HEX];

	verify_sha256_buf(source, strlen(source), d);
	verify_hex(d, 8, hex);
	return xasprintf("%s/catalogue/%s", cache, hex);
}

static int fetch_manifest(struct catalogue *c, enum manifest_product p, const char *label,
			  const char *dir, struct buf *index, char *err, size_t errlen)
{
	char *url = catalogue_manifest_url(c, p, label), *path = NULL;
	struct buf body = BUF_INIT;
	unsigned char d[VERIFY_SHA256_LEN];
	char hex[VERIFY_SHA256_HEX];
	struct manifest m;
	int rc;

	rc = fetch_buffer(url, MANIFEST_MAX_SIZE, fetch_flags(c->source), &body, err, errlen);
	/* An oversized manifest is a bad source, not a bad archive. */
	if (rc == -CUE_ESIZE)
		rc = -CUE_EMANIFEST;
	if (rc < 0)
		goto out;
	rc = manifest_parse(&m, body.s, body.len, p, label, err, errlen);
	if (rc < 0)
		goto out;
	manifest_release(&m);
	path = xasprintf("%s/%s/redistrib_%s.json", dir, manifest_product_name(p), label);
	rc = fs_write_atomic(path, body.s, body.len, 0644);
	if (rc < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
		goto out;
	}
	verify_sha256_buf(body.s, body.len, d);
	buf_addf(index, "%s %s %s\n", manifest_product_name(p), label,
		 verify_hex(d, sizeof(d), hex));
	{
		size_t len = body.len;
		char *data = buf_detach(&body);

		add_entry(c, p, label, data, len, data);
	}
out:
	buf_release(&body);
	free(path);
	free(url);
	return rc;
}

static int fetch_all(struct catalogue *c, const char *dir, char *err, size_t errlen)
{
	struct buf index = BUF_INIT;
	char *index_path = xasprintf("%s/index", dir);
	size_t k, i, found = 0;
	int rc = 0;

	buf_addf(&index, "source %s\nfetched %lld\n", c->source, (long long)time(NULL));
	for (k = 0; k < 2 && !rc; k++) {
		struct labels l = { 0 };
		char *sub = xasprintf("%s/%s", dir, manifest_product_name(products[k]));

		rc = fs_mkdir_p(sub, 0755);
		if (rc < 0)
			snprintf(err, errlen, "cannot create '%s': %s", sub, strerror(-rc));
		if (!rc)
			rc = fetch_listing(c, products[k], &l, err, errlen);
		/* A mirror may carry CUDA only: a missing cudnn/redist/ is not an error. */
		if (rc == -CUE_EHTTP && products[k] == MANIFEST_CUDNN)
			rc = 0;
		for (i = 0; i < l.nr && !rc; i++)
			rc = fetch_manifest(c, products[k], l.v[i], dir, &index, err, errlen);
		found += l.nr;
		labels_free(&l);
		free(sub);
	}
	if (!rc && !found) {
		snprintf(err, errlen, "'%s' lists no redistrib_<label>.json manifests", c->source);
		rc = -CUE_ESOURCE;
	}
	if (!rc && (rc = fs_write_atomic(index_path, index.s, index.len, 0644)) < 0)
		snprintf(err, errlen, "cannot write '%s': %s", index_path, strerror(-rc));
	buf_release(&index);
	free(index_path);
	return rc;
}

/*
 * Fetch into a staging directory and replace the cache only when every
 * manifest arrived and validated: a failed update leaves the previous
 * catalogue as it was.
 */
static int refresh(struct catalogue *c, const char *dir, char *err, size_t errlen)
{
	char *stage = xasprintf("%s.new.%ld", dir, (long)getpid());
	int rc;

	fs_rm_rf(stage);
	rc = fetch_all(c, stage, err, errlen);
	if (!rc && rename(stage, dir) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			rc = fs_exchange(stage, dir);
		else
			rc = -errno;
		if (rc < 0)
			snprintf(err, errlen, "cannot update '%s': %s", dir, strerror(-rc));
	}
	fs_rm_rf(stage);
	free(stage);
	return rc;
}

/* Load what the cache holds; returns the number of entries that failed their sha256. */
static int load_cache(struct catalogue *c, const char *dir, bool *have_index)
{
	char *index_path = xasprintf("%s/index", dir);
	struct buf index = BUF_INIT;
	char *line, *next;
	int stale = 0;

	*have_index = fs_read_file(index_path, 1 << 20, &index) == 0;
	for (line = index.s; *have_index && line && *line; line = next) {
		char prod[8], label[40], hex[VERIFY_SHA256_HEX];
		unsigned char want[VERIFY_SHA256_LEN], got[VERIFY_SHA256_LEN];
		enum manifest_product p;
		struct buf b = BUF_INIT;
		struct version v;
		char *path;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%7s %39s %64s", prod, label, hex) != 3 ||
		    (strcmp(prod, "cuda") && strcmp(prod, "cudnn")))
			continue;
		p = strcmp(prod, "cuda") ? MANIFEST_CUDNN : MANIFEST_CUDA;
		path = xasprintf("%s/%s/redistrib_%s.json", dir, prod, label);
		if (version_parse(label, &v) < 0 || verify_unhex(hex, want, sizeof(want)) < 0 ||
		    fs_read_file(path, MANIFEST_MAX_SIZE, &b) < 0 ||
		    (verify_sha256_buf(b.s, b.len, got), memcmp(got, want, sizeof(got)))) {
			stale++;
		} else {
			size_t len = b.len;
			char *data = buf_detach(&b);

			add_entry(c, p, label, data, len, data);
		}
		buf_release(&b);
		free(path);
	}
	buf_release(&index);
	free(index_path);
	return stale;
}

/* An update promises every manifest was checked, wherever it came from. */
static int validate_all(struct catalogue *c, char *err, size_t errlen)
{
	const struct manifest *m;
	size_t k, i;
	int rc;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < c->nr[k]; i++) {
			rc = catalogue_manifest(c, &c->entries[k][i], &m, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* ---- public ---- */

int catalogue_check_source(const char *source, char *err, size_t errlen)
{
	const char *s, *rest = NULL;

	if (!strncmp(source, "https://", 8))
		rest = source + 8;
	else if (!strncmp(source, "http://", 7))
		rest = source + 7;
	else if (!strncmp(source, "file://", 7))
		rest = source + 7;
	if (!rest) {
		snprintf(err, errlen, "source '%.200s' is not an https://, http:// or file:// URL",
			 source);
		return -CUE_ESOURCE;
	}
	if (!*rest || (*rest == '/' && strncmp(source, "file://", 7))) {
		snprintf(err, errlen, "source '%.200s' has no host", source);
		return -CUE_ESOURCE;
	}
	if (!strncmp(source, "file://", 7) && *rest != '/') {
		snprintf(err, errlen, "source '%.200s' is not file:///absolute/path", source);
		return -CUE_ESOURCE;
	}
	for (s = source; *s; s++) {
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '?' || *s == '#') {
			snprintf(err, errlen,
				 "source '%.200s' contains a space, control character, '?' or '#'",
				 source);
			return -CUE_ESOURCE;
		}
	}
	return 0;
}

static int open_remote(struct catalogue *c, const char *cache_dir, unsigned flags, char *err,
		       size_t errlen)
{
	char *dir = cache_dir_for(cache_dir, c->source);
	bool have_index = false;
	int stale = 0, rc = 0;

	if (!(flags & CATALOGUE_REFRESH))
		stale = load_cache(c, dir, &have_index);
	if (!(flags & CATALOGUE_OFFLINE) &&
	    ((flags & CATALOGUE_REFRESH) || (!c->is_default && (!have_index || stale)))) {
		if (!c->is_default) {
			for (size_t k = 0; k < 2; k++) {
				while (c->nr[k])
					entry_free(&c->entries[k][--c->nr[k]]);
			}
		}
		rc = refresh(c, dir, err, errlen);
		free(c->origin);
		c->origin = xasprintf("%s (fetched now)", c->source);
	} else if (have_index) {
		free(c->origin);
		c->origin = c->is_default ? xasprintf("bundled snapshot, updated from %s", c->source)
					  : xasprintf("%s (cached)", c->source);
	}
	free(dir);
	return rc;
}

int catalogue_open(struct catalogue *c, const char *source, const char *cache_dir,
		   unsigned flags, char *err, size_t errlen)
{
	size_t n;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!source || !*source)
		source = CATALOGUE_DEFAULT_SOURCE;
	rc = catalogue_check_source(source, err, errlen);
	if (rc < 0)
		return rc;
	n = strlen(source);
	while (n > 8 && source[n - 1] == '/')
		n--;
	c->source = xstrndup(source, n);
	c->is_default = !strcmp(c->source, CATALOGUE_DEFAULT_SOURCE);
	rc = load_bundle(c, err, errlen);
	if (rc < 0)
		goto out;
	if (c->is_default) {
		c->origin = xstrdup("bundled snapshot");
	} else {
		/* A mirror's archives may differ from NVIDIA's: never mix in the snapshot. */
		for (size_t k = 0; k < 2; k++) {
			while (c->nr[k])
				entry_free(&c->entries[k][--c->nr[k]]);
		}
		c->origin = xstrdup(c->source);
	}
	if (!strncmp(c->source, "file://", 7)) {
		rc = read_dir_source(c, c->source + 7, MANIFEST_CUDA, err, errlen);
		if (!rc)
			rc = read_dir_source(c, c->source + 7, MANIFEST_CUDNN, err, errlen);
		if (!rc && (flags & CATALOGUE_REFRESH))
			rc = validate_all(c, err, errlen);
		if (!rc && !c->nr[MANIFEST_CUDA] && !c->nr[MANIFEST_CUDNN]) {
			snprintf(err, errlen, "'%s' has no cuda/redist/redistrib_<label>.json",
				 c->source);
			rc = -CUE_ESOURCE;
		}
	} else {
		rc = open_remote(c, cache_dir, flags, err, errlen);
	}
	sort_entries(c);
out:
	if (rc < 0)
		catalogue_release(c);
	return rc;
}

void catalogue_release(struct catalogue *c)
{
	size_t k, i;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < c->nr[k]; i++)
			entry_free(&c->entries[k][i]);
		free(c->entries[k]);
	}
	support_release(&c->support);
	free(c->source);
	free(c->origin);
	memset(c, 0, sizeof(*c));
}

struct catalogue_entry *catalogue_find(struct catalogue *c, enum manifest_product p,
				       const char *label)
{
	size_t i;

	for (i = 0; i < c->nr[p]; i++) {
		if (!strcmp(c->entries[p][i].label, label))
			return &c->entries[p][i];
	}
	return NULL;
}

int catalogue_manifest(struct catalogue *c, struct catalogue_entry *e,
		       const struct manifest **m, char *err, size_t errlen)
{
	struct manifest *parsed;
	int rc;

	(void)c;
	if (!e->parsed) {
		parsed = xcalloc(1, sizeof(*parsed));
		rc = manifest_parse(parsed, e->data, e->len, e->product, e->label, err, errlen);
		if (rc < 0) {
			free(parsed);
			return rc;
		}
		e->parsed = parsed;
	}
	*m = e->parsed;
	return 0;
}

char *catalogue_url(const struct catalogue *c, enum manifest_product p,
		    const char *relative_path)
{
	return xasprintf("%s/%s/redist/%s", c->source, manifest_product_name(p), relative_path);
}

char *catalogue_manifest_url(const struct catalogue *c, enum manifest_product p,
			     const char *label)
{
	return xasprintf("%s/%s/redist/redistrib_%s.json", c->source, manifest_product_name(p),
			 label);
}
