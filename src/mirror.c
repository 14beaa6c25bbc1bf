// SPDX-License-Identifier: MIT
/* Mirrors in NVIDIA's layout: sync (verified, incremental, resumable) and verify. */
#include "mirror.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "install.h"
#include "store.h"
#include "verify.h"
#include "xalloc.h"
#include "banned.h"

#define POLL_MS	  100
#define INDEX_MAX (64u << 20)

static const enum manifest_product products[] = {MANIFEST_CUDA, MANIFEST_CUDNN};

/* ---- the set ---- */

static void add_manifest(struct mirror_set *s, struct catalogue *c, enum manifest_product p,
			 const char *label)
{
	struct catalogue_entry *e = catalogue_find(c, p, label);
	char *path;
	size_t i;

	if (!e)
		return;
	path = xasprintf("%s/redist/redistrib_%s.json", manifest_product_name(p), label);
	for (i = 0; i < s->nr_manifests; i++) {
		if (!strcmp(s->manifests[i].path, path)) {
			free(path);
			return;
		}
	}
	s->manifests = xrealloc(s->manifests, (s->nr_manifests + 1) * sizeof(*s->manifests));
	s->manifests[s->nr_manifests++] = (struct mirror_manifest){path, e->data, e->len};
}

void mirror_set_add(struct mirror_set *s, struct catalogue *c, const struct plan *p)
{
	size_t i, k;

	add_manifest(s, c, MANIFEST_CUDA, p->cuda.label);
	if (p->has_cudnn)
		add_manifest(s, c, MANIFEST_CUDNN, p->cudnn.label);
	for (i = 0; i < p->nr_components; i++) {
		const struct plan_component *pc = &p->components[i];
		char *path = xasprintf("%s/redist/%s", manifest_product_name(pc->product),
				       pc->relative_path);
		struct mirror_archive *a;

		for (k = 0; k < s->nr_archives && strcmp(s->archives[k].path, path); k++)
			;
		if (k < s->nr_archives) {
			free(path);
			continue;
		}
		s->archives = xrealloc(s->archives, (s->nr_archives + 1) * sizeof(*s->archives));
		a = &s->archives[s->nr_archives++];
		memset(a, 0, sizeof(*a));
		a->path = path;
		a->url = xstrdup(pc->url);
		a->name = xstrdup(pc->name);
		a->version = xstrdup(pc->version);
		memcpy(a->sha256, pc->sha256, 32);
		a->size = pc->size;
	}
}

void mirror_set_release(struct mirror_set *s)
{
	size_t i;

	for (i = 0; i < s->nr_archives; i++) {
		free(s->archives[i].path);
		free(s->archives[i].url);
		free(s->archives[i].name);
		free(s->archives[i].version);
		free(s->archives[i].part);
	}
	free(s->archives);
	for (i = 0; i < s->nr_manifests; i++)
		free(s->manifests[i].path);
	free(s->manifests);
	memset(s, 0, sizeof(*s));
}

/* ---- files ---- */

/*
 * Is path a regular file (not a symlink) of this size and sha256? Returns
 * 0, -ENOENT, -CUE_ESIZE or -CUE_ECHECKSUM (with why), or -errno.
 */
static int check_file(const char *path, uint64_t size, const unsigned char sha256[32], char *why,
		      size_t whylen)
{
	unsigned char got[VERIFY_SHA256_LEN];
	char hex[VERIFY_SHA256_HEX], want[VERIFY_SHA256_HEX];
	struct verify_sha256 *h;
	char chunk[1 << 16];
	struct stat st;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, whylen, "%s", errno == ENOENT ? "missing" : strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return -CUE_ECHECKSUM;
	}
	if ((uint64_t)st.st_size != size) {
		snprintf(why, whylen, "%llu bytes, expected %llu", (unsigned long long)st.st_size,
			 (unsigned long long)size);
		close(fd);
		return -CUE_ESIZE;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	h = verify_sha256_new();
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(why, whylen, "cannot read: %s", strerror(errno));
			break;
		}
		verify_sha256_update(h, chunk, (size_t)n);
	}
	verify_sha256_final(h, got);
	verify_sha256_free(h);
	close(fd);
	if (!rc && memcmp(got, sha256, 32)) {
		snprintf(why, whylen, "sha256 %.12s..., expected %.12s...",
			 verify_hex(got, 32, hex), verify_hex(sha256, 32, want));
		rc = -CUE_ECHECKSUM;
	}
	return rc;
}

static int parent_dir(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');
	int rc = 0;

	if (slash) {
		*slash = '\0';
		rc = fs_mkdir_p(d, 0755);
	}
	free(d);
	return rc;
}

static void fsync_parent(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/');

	if (slash) {
		*slash = '\0';
		fs_fsync_dir(d);
	}
	free(d);
}

/* Copy the open file fd to path through a temporary name. */
static int copy_into(int fd, const char *path)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char chunk[1 << 16];
	ssize_t n;
	int out, rc = 0;

	unlink(tmp);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = -errno;
		goto done;
	}
	while (!rc && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		ssize_t off = 0;

		if (n < 0) {
			if (errno != EINTR)
				rc = -errno;
			continue;
		}
		while (!rc && off < n) {
			ssize_t w = write(out, chunk + off, (size_t)(n - off));

			if (w < 0 && errno != EINTR)
				rc = -errno;
			else if (w > 0)
				off += w;
		}
	}
	if (!rc && fsync(out) < 0)
		rc = -errno;
	if (close(out) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	else
		fsync_parent(path);
done:
	free(tmp);
	return rc;
}

/* ---- the index ---- */

struct record {
	bool manifest;
	char *path;
	unsigned char sha256[32];
	uint64_t size;
};

struct records {
	struct record *v;
	size_t nr;
};

static void records_put(struct records *rs, bool manifest, const char *path,
			const unsigned char sha256[32], uint64_t size)
{
	size_t i;

	for (i = 0; i < rs->nr && strcmp(rs->v[i].path, path); i++)
		;
	if (i == rs->nr) {
		rs->v = xrealloc(rs->v, (rs->nr + 1) * sizeof(*rs->v));
		rs->v[rs->nr++].path = xstrdup(path);
	}
	rs->v[i].manifest = manifest;
	memcpy(rs->v[i].sha256, sha256, 32);
	rs->v[i].size = size;
}

static void records_free(struct records *rs)
{
	size_t i;

	for (i = 0; i < rs->nr; i++)
		free(rs->v[i].path);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

/* "cuda/redist/<safe relative path>" or the same under cudnn/. */
static bool safe_mirror_path(const char *path)
{
	const char *why;
	size_t k;

	for (k = 0; k < 2; k++) {
		const char *pn = manifest_product_name(products[k]);
		size_t n = strlen(pn);

		if (!strncmp(path, pn, n) && !strncmp(path + n, "/redist/", 8))
			return manifest_check_path(path + n + 8, &why) == 0;
	}
	return false;
}

/* Read dir's index into rs. Returns 0, -ENOENT, or -CUE_EDATA with err. */
static int index_read(const char *dir, struct records *rs, char *err, size_t errlen)
{
	char *path = xasprintf("%s/" MIRROR_INDEX, dir);
	struct buf b = BUF_INIT;
	char *line, *next;
	unsigned lineno = 0;
	int rc = fs_read_file(path, INDEX_MAX, &b);

	if (rc < 0) {
		if (rc != -ENOENT)
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
		goto out;
	}
	for (line = b.s; line && *line; line = next) {
		char kind[16], hex[VERIFY_SHA256_HEX], file[1100];
		unsigned long long size;
		unsigned char sha[32];

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '#' || !*line)
			continue;
		if (sscanf(line, "%15s %64s %llu %1099s", kind, hex, &size, file) != 4 ||
		    (strcmp(kind, "manifest") && strcmp(kind, "archive")) ||
		    verify_unhex(hex, sha, sizeof(sha)) < 0 || !safe_mirror_path(file)) {
			snprintf(err, errlen, "%s:%u: not 'manifest|archive SHA256 SIZE PATH'",
				 path, lineno);
			rc = -CUE_EDATA;
			goto out;
		}
		records_put(rs, !strcmp(kind, "manifest"), file, sha, size);
	}
out:
	buf_release(&b);
	free(path);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static int index_write(const char *dir, struct records *rs, char *err, size_t errlen)
{
	char *path = xasprintf("%s/" MIRROR_INDEX, dir);
	char hex[VERIFY_SHA256_HEX];
	struct buf b = BUF_INIT;
	size_t i;
	int rc;

	if (rs->nr)
		qsort(rs->v, rs->nr, sizeof(*rs->v), by_path);
	buf_adds(&b, "# cuenv mirror: what 'cuenv mirror sync' put here; 'cuenv mirror verify' "
		     "checks it\n");
	for (i = 0; i < rs->nr; i++)
		buf_addf(&b, "%s %s %llu %s\n", rs->v[i].manifest ? "manifest" : "archive",
			 verify_hex(rs->v[i].sha256, 32, hex), (unsigned long long)rs->v[i].size,
			 rs->v[i].path);
	rc = fs_write_atomic(path, b.s, b.len, 0644);
	if (rc < 0)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
	buf_release(&b);
	free(path);
	return rc;
}

/* ---- listings ---- */

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* <product>/redist/index.html: a link to each manifest, for servers without autoindex. */
static int write_listing(const char *dir, enum manifest_product p, char *err, size_t errlen)
{
	char *rd = xasprintf("%s/%s/redist", dir, manifest_product_name(p));
	char *path = xasprintf("%s/index.html", rd), **names = NULL;
	struct buf b = BUF_INIT, old = BUF_INIT;
	size_t nr = 0, i;
	struct dirent *d;
	DIR *dh = opendir(rd);
	int rc = 0;

	if (!dh)
		goto out;
	while ((d = readdir(dh))) {
		size_t n = strlen(d->d_name);

		if (n > 15 && !strncmp(d->d_name, "redistrib_", 10) &&
		    !strcmp(d->d_name + n - 5, ".json")) {
			names = xrealloc(names, (nr + 1) * sizeof(*names));
			names[nr++] = xstrdup(d->d_name);
		}
	}
	closedir(dh);
	if (nr)
		qsort(names, nr, sizeof(*names), by_str);
	buf_addf(&b, "<!DOCTYPE html>\n<html><head><title>%s/redist</title></head><body>\n<pre>\n",
		 manifest_product_name(p));
	for (i = 0; i < nr; i++)
		buf_addf(&b, "<a href=\"%s\">%s</a>\n", names[i], names[i]);
	buf_adds(&b, "</pre>\n</body></html>\n");
	/* Unchanged: leave the file (and its time) alone. */
	if (fs_read_file(path, 1 << 24, &old) == 0 && old.len == b.len &&
	    !memcmp(old.s, b.s, b.len))
		goto out;
	rc = fs_write_atomic(path, b.s, b.len, 0644);
	if (rc < 0)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-rc));
out:
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	buf_release(&b);
	buf_release(&old);
	free(path);
	free(rd);
	return rc;
}

/* ---- sync ---- */

struct sync {
	const char *dir;
	const struct mirror_opts *o;
	struct mirror_result *r;
	int failed_rc;
	char *err;
	size_t errlen;
};

static void swarn(struct sync *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void swarn(struct sync *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->o->ev.warn)
		s->o->ev.warn(s->o->ev.ctx, msg);
}

static void settle(struct sync *s, struct mirror_archive *a, enum mirror_state st)
{
	a->state = st;
	if (st == MIRROR_PRESENT)
		s->r->present++;
	else if (st == MIRROR_FROM_CACHE)
		s->r->from_cache++;
	else if (st == MIRROR_FETCHED)
		s->r->fetched++;
	if (s->o->ev.state)
		s->o->ev.state(s->o->ev.ctx, a);
}

static void sfail(struct sync *s, struct mirror_archive *a, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void sfail(struct sync *s, struct mirror_archive *a, int rc, const char *fmt, ...)
{
	va_list ap;

	if (a)
		settle(s, a, MIRROR_FAILED);
	if (s->failed_rc)
		return;
	s->failed_rc = rc;
	va_start(ap, fmt);
	vsnprintf(s->err, s->errlen, fmt, ap);
	va_end(ap);
}

static void on_retry(void *ctx, struct fetch_item *it, const char *why, unsigned delay_ms)
{
	struct mirror_archive *a = it->user;

	swarn(ctx, "retrying '%s %s' in %.1f s: %s", a->name, a->version, delay_ms / 1000.0, why);
}

static void on_fetched(void *ctx, struct fetch_item *it)
{
	struct sync *s = ctx;
	struct mirror_archive *a = it->user;
	char *final = xasprintf("%s/%s", s->dir, a->path);

	if (it->rc == 0 && rename(a->part, final) < 0) {
		sfail(s, a, -errno, "cannot write '%s': %s", final, strerror(errno));
	} else if (it->rc == 0) {
		fsync_parent(final);
		s->r->downloaded += it->size;
		settle(s, a, MIRROR_FETCHED);
	} else {
		sfail(s, a, it->rc, "cannot download '%s %s': %s", a->name, a->version, it->err);
	}
	free(final);
}

/* Present and verified, copied from the cache, or queued for download (returns 1). */
static int place(struct sync *s, struct mirror_archive *a)
{
	char *final = xasprintf("%s/%s", s->dir, a->path), why[200];
	int rc, fd = -1;

	rc = check_file(final, a->size, a->sha256, why, sizeof(why));
	if (rc == 0) {
		settle(s, a, MIRROR_PRESENT);
		goto out;
	}
	if (rc != -ENOENT) {
		swarn(s, "'%s' in the mirror is %s; replacing it", a->path, why);
		if (unlink(final) < 0 && errno != ENOENT) {
			sfail(s, a, -errno, "cannot remove '%s': %s", final, strerror(errno));
			goto out;
		}
	}
	if ((rc = parent_dir(final)) < 0) {
		sfail(s, a, rc, "cannot create the directory of '%s': %s", final, strerror(-rc));
		goto out;
	}
	if (s->o->cache) {
		char hex[VERIFY_SHA256_HEX], cerr[512];
		char *cached =
		    xasprintf("%s/archives/%s.tar.xz", s->o->cache, verify_hex(a->sha256, 32, hex));

		rc = store_open_cached(cached, a->size, a->sha256, &fd, cerr, sizeof(cerr));
		free(cached);
		if (rc == 0) {
			rc = copy_into(fd, final);
			close(fd);
			if (rc == 0) {
				settle(s, a, MIRROR_FROM_CACHE);
				goto out;
			}
			swarn(s, "cannot copy '%s' from the cache: %s", a->path, strerror(-rc));
		}
	}
	a->part = xasprintf("%s.part", final);
	rc = 1;
out:
	free(final);
	return rc;
}

static int fetch_missing(struct sync *s, struct mirror_set *set)
{
	struct fetch_events ev = {s, NULL, on_retry, on_fetched};
	struct fetcher *f = NULL;
	struct fetch_opts fo;
	size_t i, queued = 0;
	int rc;

	fetch_opts_default(&fo);
	fo.flags = s->o->fetch_flags;
	if (s->o->jobs)
		fo.parallel = s->o->jobs;
	for (i = 0; i < set->nr_archives && !s->failed_rc; i++) {
		struct mirror_archive *a = &set->archives[i];

		if (s->o->cancel && *s->o->cancel)
			break;
		if ((rc = place(s, a)) <= 0)
			continue;
		if (!f && (rc = fetcher_new(&f, &fo, &ev, s->err, s->errlen)) < 0) {
			s->failed_rc = rc;
			break;
		}
		memset(&a->item, 0, sizeof(a->item));
		a->item.url = a->url;
		a->item.part_path = a->part;
		a->item.size = a->size;
		memcpy(a->item.sha256, a->sha256, 32);
		a->item.user = a;
		a->state = MIRROR_FETCHING;
		fetcher_add(f, &a->item);
		queued++;
	}
	while (f && queued && !s->failed_rc && !(s->o->cancel && *s->o->cancel)) {
		if (fetcher_run(f, POLL_MS, -1) == 0)
			break;
	}
	/* Stopping keeps the .part files: the next sync resumes them. */
	fetcher_free(f);
	if (!s->failed_rc && s->o->cancel && *s->o->cancel) {
		s->failed_rc = -ECANCELED;
		snprintf(s->err, s->errlen, "interrupted");
	}
	return s->failed_rc;
}

static int write_manifests(struct sync *s, struct mirror_set *set, struct records *rs)
{
	size_t i;
	int rc;

	for (i = 0; i < set->nr_manifests; i++) {
		const struct mirror_manifest *m = &set->manifests[i];
		char *path = xasprintf("%s/%s", s->dir, m->path);
		unsigned char sha[32];
		struct buf old = BUF_INIT;

		verify_sha256_buf(m->data, m->len, sha);
		rc = parent_dir(path);
		if (rc == 0 && !(fs_read_file(path, MANIFEST_MAX_SIZE, &old) == 0 &&
				 old.len == m->len && !memcmp(old.s, m->data, m->len))) {
			rc = fs_write_atomic(path, m->data, m->len, 0644);
			s->r->manifests_written += rc == 0;
		}
		buf_release(&old);
		if (rc < 0) {
			snprintf(s->err, s->errlen, "cannot write '%s': %s", path, strerror(-rc));
			free(path);
			return rc;
		}
		records_put(rs, true, m->path, sha, m->len);
		free(path);
	}
	for (i = 0; i < 2; i++) {
		if ((rc = write_listing(s->dir, products[i], s->err, s->errlen)) < 0)
			return rc;
	}
	return 0;
}

int mirror_sync(const char *dir, struct mirror_set *set, const struct mirror_opts *o,
		struct mirror_result *r, char *err, size_t errlen)
{
	struct sync s = {dir, o, r, 0, err, errlen};
	struct install_events lev = {o->ev.ctx, NULL, NULL, o->ev.warn};
	struct records rs = {0};
	char *lock = xasprintf("%s/" MIRROR_LOCK, dir);
	int fd = -1, rc;
	size_t i;

	memset(r, 0, sizeof(*r));
	rc = fs_mkdir_p(dir, 0755);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(-rc));
		goto out;
	}
	rc = install_lock_wait(lock, 0, &fd, &lev, "the mirror", o->cancel);
	if (rc < 0) {
		snprintf(err, errlen, "%s", rc == -ECANCELED ? "interrupted" : "");
		if (rc != -ECANCELED)
			snprintf(err, errlen, "cannot lock '%s': %s", lock,
				 rc == -ETIMEDOUT ? "timed out waiting for another sync"
						  : strerror(-rc));
		goto out;
	}
	rc = index_read(dir, &rs, err, errlen);
	if (rc < 0 && rc != -ENOENT)
		goto out;
	if ((rc = fetch_missing(&s, set)) < 0)
		goto out;
	for (i = 0; i < set->nr_archives; i++)
		records_put(&rs, false, set->archives[i].path, set->archives[i].sha256,
			    set->archives[i].size);
	if ((rc = write_manifests(&s, set, &rs)) < 0)
		goto out;
	rc = index_write(dir, &rs, err, errlen);
out:
	records_free(&rs);
	fs_unlock(fd);
	free(lock);
	return rc;
}

/* ---- verify ---- */

static void finding(struct mirror_report *r, const char *path, int rc, const char *why)
{
	struct mirror_finding *f;

	r->findings = xrealloc(r->findings, (r->nr_findings + 1) * sizeof(*r->findings));
	f = &r->findings[r->nr_findings++];
	f->path = xstrdup(path);
	f->problem = rc == -ENOENT ? MIRROR_MISSING : MIRROR_CHANGED;
	snprintf(f->detail, sizeof(f->detail), "%s", why);
}

static void check_record(const char *dir, const struct record *rec, struct mirror_report *r)
{
	char *full = xasprintf("%s/%s", dir, rec->path), why[200];
	int rc = check_file(full, rec->size, rec->sha256, why, sizeof(why));

	if (rc < 0)
		finding(r, rec->path, rc, why);
	if (rec->manifest)
		r->manifests++;
	else
		r->archives++;
	free(full);
}

/* No index: every archive present against the manifests present. */
static int verify_by_manifests(const char *dir, struct mirror_report *r, char *err, size_t errlen)
{
	size_t k;
	int rc = 0;

	for (k = 0; k < 2 && !rc; k++) {
		const char *pn = manifest_product_name(products[k]);
		char *rd = xasprintf("%s/%s/redist", dir, pn);
		DIR *dh = opendir(rd);
		struct dirent *d;

		while (dh && !rc && (d = readdir(dh))) {
			size_t n = strlen(d->d_name), i, j;
			struct buf b = BUF_INIT;
			struct manifest m;
			char *path, *label;

			if (n <= 15 || strncmp(d->d_name, "redistrib_", 10) ||
			    strcmp(d->d_name + n - 5, ".json"))
				continue;
			label = xstrndup(d->d_name + 10, n - 15);
			path = xasprintf("%s/%s", rd, d->d_name);
			rc = fs_read_file(path, MANIFEST_MAX_SIZE, &b);
			if (rc < 0)
				snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
			else
				rc =
				    manifest_parse(&m, b.s, b.len, products[k], label, err, errlen);
			r->manifests += rc == 0;
			for (i = 0; rc == 0 && i < m.nr_components; i++) {
				for (j = 0; j < m.components[i].nr_archives; j++) {
					const struct manifest_archive *a =
					    &m.components[i].archives[j];
					struct record rec = {false, NULL, {0}, a->size};
					char *full;

					rec.path = xasprintf("%s/redist/%s", pn, a->relative_path);
					memcpy(rec.sha256, a->sha256, 32);
					full = xasprintf("%s/%s", dir, rec.path);
					if (access(full, F_OK) == 0 || errno != ENOENT)
						check_record(dir, &rec, r);
					else
						r->not_held++;
					free(full);
					free(rec.path);
				}
			}
			if (rc == 0)
				manifest_release(&m);
			buf_release(&b);
			free(path);
			free(label);
		}
		if (dh)
			closedir(dh);
		free(rd);
	}
	if (!rc && !r->manifests) {
		snprintf(err, errlen,
			 "'%s' is not a mirror: no %s and no */redist/redistrib_*.json", dir,
			 MIRROR_INDEX);
		rc = -CUE_ESOURCE;
	}
	return rc;
}

int mirror_verify(const char *dir, struct mirror_report *r, char *err, size_t errlen)
{
	struct records rs = {0};
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = index_read(dir, &rs, err, errlen);
	if (rc == -ENOENT) {
		rc = verify_by_manifests(dir, r, err, errlen);
	} else if (rc == 0) {
		r->have_index = true;
		for (i = 0; i < rs.nr; i++)
			check_record(dir, &rs.v[i], r);
	}
	records_free(&rs);
	return rc;
}

void mirror_report_release(struct mirror_report *r)
{
	size_t i;

	for (i = 0; i < r->nr_findings; i++)
		free(r->findings[i].path);
	free(r->findings);
	memset(r, 0, sizeof(*r));
}
