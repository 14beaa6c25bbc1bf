// SPDX-License-Identifier: MIT
/* The store, the envs and the archive cache on disk: staging, rename, receipts, gc. */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "checkpoint.h"
#include "error.h"
#include "fs.h"
#include "layout.h"
#include "verify.h"
#include "xalloc.h"
#include "banned.h"

#define RECEIPT STORE_RECEIPT
#define ENV_RECEIPT LAYOUT_ENV_RECEIPT
#define RECEIPT_MAX (64u << 20)

/* ---- layout ---- */

void store_paths(struct store *s, const char *root, const char *cache)
{
	memset(s, 0, sizeof(*s));
	s->root = xstrdup(root);
	s->cache = xstrdup(cache);
	s->store_dir = xasprintf("%s/store", root);
	s->envs_dir = xasprintf("%s/envs", root);
	s->tmp_dir = xasprintf("%s/tmp", root);
	s->locks_dir = xasprintf("%s/locks", root);
	s->archives_dir = xasprintf("%s/archives", cache);
}

/*
 * Roots sharing one cache register in $CUENV_CACHE/roots/<hash of the root's
 * path>, a file holding that path: 'cuenv gc' in any of them keeps the
 * archives the others' envs were built from.
 */
static char *root_ref_path(const struct store *s)
{
	uint64_t h = 1469598103934665603ULL;
	const char *p;

	for (p = s->root; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return xasprintf("%s/roots/%016llx", s->cache, (unsigned long long)h);
}

static void register_root(const struct store *s)
{
	char *dir = xasprintf("%s/roots", s->cache), *ref = root_ref_path(s);
	struct buf want = BUF_INIT, have = BUF_INIT;

	buf_addf(&want, "%s\n", s->root);
	if (s->root[0] == '/' && fs_mkdir_p(dir, 0755) == 0 &&
	    (fs_read_file(ref, 4096, &have) < 0 || strcmp(have.s, want.s)))
		fs_write_atomic(ref, want.s, want.len, 0644);
	buf_release(&want);
	buf_release(&have);
	free(ref);
	free(dir);
}

int store_open(struct store *s, const char *root, const char *cache, char *err, size_t errlen)
{
	char **dirs[5];
	size_t i;
	int rc;

	store_paths(s, root, cache);
	dirs[0] = &s->store_dir;
	dirs[1] = &s->envs_dir;
	dirs[2] = &s->tmp_dir;
	dirs[3] = &s->locks_dir;
	dirs[4] = &s->archives_dir;
	for (i = 0; i < 5; i++) {
		rc = fs_mkdir_p(*dirs[i], 0755);
		if (rc < 0) {
			snprintf(err, errlen, "cannot create '%s': %s", *dirs[i], strerror(-rc));
			return rc;
		}
	}
	register_root(s);
	return 0;
}

void store_release(struct store *s)
{
	free(s->root);
	free(s->cache);
	free(s->store_dir);
	free(s->envs_dir);
	free(s->tmp_dir);
	free(s->locks_dir);
	free(s->archives_dir);
	memset(s, 0, sizeof(*s));
}

/* "dir/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz" -> "cuda_cudart-…-12.4.127-archive" */
static char *archive_top(const char *relative_path)
{
	const char *base = strrchr(relative_path, '/');
	size_t n;

	base = base ? base + 1 : relative_path;
	n = strlen(base);
	if (n > 7 && !strcmp(base + n - 7, ".tar.xz"))
		n -= 7;
	return xstrndup(base, n);
}

char *store_entry_name(const char *relative_path, const unsigned char sha256[32])
{
	char *top = archive_top(relative_path), *name;
	char hex[VERIFY_SHA256_HEX];
	size_t n = strlen(top);

	if (n > 8 && !strcmp(top + n - 8, "-archive"))
		top[n - 8] = '\0';
	name = xasprintf("%s-%.12s", top, verify_hex(sha256, 32, hex));
	free(top);
	return name;
}

bool store_has_entry(const struct store *s, const char *entry)
{
	char *p = xasprintf("%s/%s/" RECEIPT, s->store_dir, entry);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

char *store_archive_path(const struct store *s, const unsigned char sha256[32])
{
	char hex[VERIFY_SHA256_HEX];

	return xasprintf("%s/%s.tar.xz", s->archives_dir, verify_hex(sha256, 32, hex));
}

char *store_part_path(const struct store *s, const unsigned char sha256[32])
{
	char hex[VERIFY_SHA256_HEX];

	return xasprintf("%s/%s.part", s->archives_dir, verify_hex(sha256, 32, hex));
}

char *store_lock_path(const struct store *s, const char *kind, const char *name)
{
	if (!strcmp(kind, "archive"))
		return xasprintf("%s/%s.lock", s->archives_dir, name);
	return xasprintf("%s/%s-%s.lock", s->locks_dir, kind, name);
}

char *store_env_path(const struct store *s, const char *name)
{
	return xasprintf("%s/%s", s->envs_dir, name);
}

/* ---- the archive cache ---- */

static int evict(const char *path, int fd, int rc, char *err, size_t errlen, const char *why)
{
	if (fd >= 0)
		close(fd);
	unlink(path);
	snprintf(err, errlen, "cached archive '%s' %s; removed it", path, why);
	return rc;
}

int store_open_cached(const char *path, uint64_t size, const unsigned char sha256[32], int *out,
		      char *err, size_t errlen)
{
	unsigned char got[VERIFY_SHA256_LEN];
	struct verify_sha256 *h;
	char chunk[1 << 16];
	struct stat st;
	int fd;

	*out = -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return evict(path, -1, -CUE_ECHECKSUM, err, errlen, "cannot be opened safely");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return evict(path, fd, -CUE_ECHECKSUM, err, errlen, "is not a regular file");
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return evict(path, fd, -CUE_ECHECKSUM, err, errlen,
			     "is writable by others or owned by another user");
	if ((uint64_t)st.st_size != size)
		return evict(path, fd, -CUE_ESIZE, err, errlen, "has the wrong size");
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	h = verify_sha256_new();
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		verify_sha256_update(h, chunk, (size_t)n);
	}
	verify_sha256_final(h, got);
	verify_sha256_free(h);
	if (memcmp(got, sha256, sizeof(got)))
		return evict(path, fd, -CUE_ECHECKSUM, err, errlen, "has a bad checksum");
	lseek(fd, 0, SEEK_SET);
	*out = fd;
	return 0;
}

/* ---- staging ---- */

/* Remove tmp/<prefix>* left by dead processes; the caller holds the name's lock. */
static void clean_staging(struct store *s, const char *prefix)
{
	size_t n = strlen(prefix);
	struct dirent *d;
	DIR *dh = opendir(s->tmp_dir);
	int dfd;

	if (!dh)
		return;
	dfd = dirfd(dh);
	while ((d = readdir(dh))) {
		if (!strncmp(d->d_name, prefix, n) && strchr(d->d_name + n, '.') == NULL)
			fs_rm_rf_at(dfd, d->d_name);
	}
	closedir(dh);
}

static char *make_staging(struct store *s, const char *kind, const char *name, char *err,
			  size_t errlen)
{
	char *prefix = xasprintf("%s-%s.", kind, name);
	char *tmpl = xasprintf("%s/%sXXXXXX", s->tmp_dir, prefix);

	clean_staging(s, prefix);
	free(prefix);
	if (!mkdtemp(tmpl)) {
		snprintf(err, errlen, "cannot create a staging directory in '%s': %s", s->tmp_dir,
			 strerror(errno));
		free(tmpl);
		return NULL;
	}
	/* mkdtemp makes it 0700; once renamed it is a store entry or env like any other. */
	chmod(tmpl, 0755);
	return tmpl;
}

/* Move a finished staging directory to final: rename, or an atomic exchange if final exists. */
static int commit_dir(const char *staging, const char *final, const char *parent)
{
	int rc = 0;

	if (rename(staging, final) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return -errno;
		rc = fs_exchange(staging, final);
		if (rc < 0)
			return rc;
		/* staging now holds the old tree. */
		fs_rm_rf(staging);
	}
	return fs_fsync_dir(parent);
}

/* ---- store entries ---- */

static void receipt_component(struct buf *b, const struct store_component *c)
{
	char hex[VERIFY_SHA256_HEX];

	buf_addf(b, "product\t%s\ncomponent\t%s\nversion\t%s\nrelative_path\t%s\n", c->product,
		 c->name, c->version, c->relative_path);
	buf_addf(b, "sha256\t%s\nsize\t%llu\n", verify_hex(c->sha256, 32, hex),
		 (unsigned long long)c->size);
}

static void receipt_files(struct buf *b, const struct extract_result *res)
{
	char hex[VERIFY_SHA256_HEX];
	size_t i;

	/* Names never hold control characters (extract.c refuses them): tabs and newlines are safe. */
	for (i = 0; i < res->nr; i++) {
		const struct extract_file *f = &res->files[i];

		if (f->type == EXTRACT_FILE)
			buf_addf(b, "f\t%04o\t%llu\t%s\t%s\n", (unsigned)f->mode,
				 (unsigned long long)f->size, verify_hex(f->sha256, 32, hex), f->path);
		else if (f->type == EXTRACT_DIR)
			buf_addf(b, "d\t%s\n", f->path);
		else
			buf_addf(b, "l\t%s\t%s\n", f->path, f->target);
	}
}

static int write_at(int dfd, const char *name, const struct buf *b)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	size_t off = 0;
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (off < b->len) {
		ssize_t n = write(fd, b->s + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && !rc)
		rc = -errno;
	return rc;
}

static int finish_entry(struct store *s, const struct store_component *c, const char *staging,
			int dfd, const struct extract_result *res)
{
	struct buf b = BUF_INIT;
	char *final = xasprintf("%s/%s", s->store_dir, c->entry);
	int rc;

	buf_adds(&b, "cuenv-store\t1\n");
	receipt_component(&b, c);
	receipt_files(&b, res);
	rc = write_at(dfd, RECEIPT, &b);
	if (!rc)
		rc = fs_syncfs(dfd);
	if (!rc) {
		checkpoint("before-store-rename");
		rc = commit_dir(staging, final, s->store_dir);
		checkpoint("after-store-rename");
	}
	buf_release(&b);
	free(final);
	return rc;
}

int store_unpack(struct store *s, const struct store_component *c, int fd,
		 const struct extract_limits *lim, volatile sig_atomic_t *cancel, char *err,
		 size_t errlen)
{
	struct extract_result res;
	char *staging, *top = archive_top(c->relative_path);
	int dfd = -1, rc;

	memset(&res, 0, sizeof(res));
	staging = make_staging(s, "store", c->entry, err, errlen);
	if (!staging) {
		free(top);
		return -CUE_EDATA;
	}
	dfd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", staging, strerror(errno));
		goto out;
	}
	rc = extract_archive(fd, top, dfd, lim, cancel, &res);
	if (rc < 0) {
		/* A system error (ENOSPC, EIO, ...) concerns the disk, not the archive: say which. */
		if (rc > -CUE_EBASE && rc != -ECANCELED)
			snprintf(err, errlen, "%s (unpacking in '%s')", res.err, s->tmp_dir);
		else
			snprintf(err, errlen, "%s", res.err);
		goto out;
	}
	rc = finish_entry(s, c, staging, dfd, &res);
	if (rc < 0)
		snprintf(err, errlen, "cannot store '%s %s' in '%s': %s", c->name, c->version,
			 s->store_dir, strerror(-rc));
out:
	if (dfd >= 0)
		close(dfd);
	if (rc < 0)
		fs_rm_rf(staging);
	extract_result_release(&res);
	free(staging);
	free(top);
	return rc;
}

/* ---- reading an entry's receipt back ---- */

/* Split line at tabs into at most max fields; returns how many. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	for (f[n++] = line; n < max && (f[n] = strchr(f[n - 1], '\t')); n++)
		*f[n]++ = '\0';
	return n;
}

static bool parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, base);
	return !*end && errno == 0;
}

static int entry_header(struct store_entry *e, const char *key, const char *v)
{
	struct store_component *c = &e->c;
	char **slot = !strcmp(key, "product")	      ? &c->product
		      : !strcmp(key, "component")     ? &c->name
		      : !strcmp(key, "version")	      ? &c->version
		      : !strcmp(key, "relative_path") ? &c->relative_path
						      : NULL;

	if (slot) {
		free(*slot);
		*slot = xstrdup(v);
		return 0;
	}
	if (!strcmp(key, "sha256"))
		return verify_unhex(v, c->sha256, 32);
	if (!strcmp(key, "size"))
		return parse_u64(v, 10, &c->size) ? 0 : -1;
	return strcmp(key, "cuenv-store") ? -1 : 0;
}

/* One line: "f\tmode\tsize\tsha\tpath", "d\tpath", "l\tpath\ttarget" or a header line. */
static int entry_line(struct store_entry *e, char *line)
{
	char *f[6];
	int n = split_tabs(line, f, 6);
	struct store_file *x;
	uint64_t mode;

	if (strcmp(f[0], "f") && strcmp(f[0], "d") && strcmp(f[0], "l"))
		return n == 2 ? entry_header(e, f[0], f[1]) : -1;
	if (e->nr == e->alloc) {
		e->alloc = e->alloc ? 2 * e->alloc : 64;
		e->files = xrealloc(e->files, e->alloc * sizeof(*e->files));
	}
	x = &e->files[e->nr];
	memset(x, 0, sizeof(*x));
	x->type = f[0][0];
	if (x->type == 'd' && n == 2) {
		x->path = xstrdup(f[1]);
	} else if (x->type == 'l' && n == 3) {
		x->path = xstrdup(f[1]);
		x->target = xstrdup(f[2]);
	} else if (x->type == 'f' && n == 5 && parse_u64(f[1], 8, &mode) && mode <= 07777 &&
		   parse_u64(f[2], 10, &x->size) && verify_unhex(f[3], x->sha256, 32) == 0) {
		x->mode = (mode_t)mode;
		x->path = xstrdup(f[4]);
	} else {
		return -1;
	}
	e->nr++;
	return 0;
}

int store_read_entry(const struct store *s, const char *name, struct store_entry *e)
{
	char *path = xasprintf("%s/%s/" RECEIPT, s->store_dir, name), *line, *next;
	struct buf b = BUF_INIT;
	int rc;

	memset(e, 0, sizeof(*e));
	e->c.entry = xstrdup(name);
	rc = fs_read_file(path, RECEIPT_MAX, &b);
	if (rc == 0 && strncmp(b.s, "cuenv-store\t1\n", 14))
		rc = -CUE_EDATA;
	for (line = b.s; rc == 0 && *line; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			rc = -CUE_EDATA;	/* cut short */
			break;
		}
		*next++ = '\0';
		if (entry_line(e, line) < 0)
			rc = -CUE_EDATA;
	}
	if (rc == 0 && (!e->c.name || !e->c.relative_path))
		rc = -CUE_EDATA;
	buf_release(&b);
	free(path);
	return rc;
}

void store_entry_release(struct store_entry *e)
{
	size_t i;

	for (i = 0; i < e->nr; i++) {
		free(e->files[i].path);
		free(e->files[i].target);
	}
	free(e->files);
	free(e->c.product);
	free(e->c.name);
	free(e->c.version);
	free(e->c.relative_path);
	free(e->c.entry);
	memset(e, 0, sizeof(*e));
}

char *store_env_dest(const char *component, const struct store_file *f)
{
	/* Every archive has its own LICENSE at the top: keep them apart. */
	if (f->type == 'f' && !strchr(f->path, '/'))
		return xasprintf("share/licenses/%s/%s", component, f->path);
	return xstrdup(f->path);
}

/* ---- env assembly ---- */

/* What is already at a path of the env being built, to tell conflicts from repeats. */
struct seen {
	char *path;
	char type;
	unsigned char sha256[32];
	char *target;
	const char *owner;	/* component name, borrowed */
};

struct seen_map {
	struct seen *v;
	size_t cap, nr;
};

static size_t hash_path(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct seen *seen_slot(struct seen_map *m, const char *path)
{
	size_t i;

	if (m->nr * 2 >= m->cap) {
		struct seen_map bigger = { xcalloc(m->cap ? m->cap * 2 : 1024, sizeof(struct seen)),
					   m->cap ? m->cap * 2 : 1024, 0 };

		for (i = 0; i < m->cap; i++) {
			if (m->v[i].path)
				*seen_slot(&bigger, m->v[i].path) = m->v[i];
		}
		bigger.nr = m->nr;
		free(m->v);
		*m = bigger;
	}
	for (i = hash_path(path) & (m->cap - 1); m->v[i].path; i = (i + 1) & (m->cap - 1)) {
		if (!strcmp(m->v[i].path, path))
			return &m->v[i];
	}
	return &m->v[i];
}

static void seen_free(struct seen_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->v[i].path);
		free(m->v[i].target);
	}
	free(m->v);
}

struct assembly {
	struct store *s;
	int env_fd;
	struct seen_map seen;
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
	char *err;
	size_t errlen;
};

static void conflict(struct assembly *a, const char *path, const char *first, const char *second)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "'%s' differs between %s and %s; keeping %s's", path, first,
		 second, first);
	if (a->warn)
		a->warn(a->ctx, msg);
}

/* Place one receipt line's file, link or directory at dest in the env. */
static int place(struct assembly *a, const struct store_component *c, int entry_fd, char type,
		 const char *src, const char *dest, mode_t mode, const unsigned char *sha,
		 const char *target)
{
	const char *slash = strrchr(dest, '/'), *leaf = slash ? slash + 1 : dest;
	char *dir = slash ? xstrndup(dest, (size_t)(slash - dest)) : xstrdup("");
	struct seen *slot = seen_slot(&a->seen, dest);
	int pfd, rc = 0;

	if (slot->path) {
		bool same = slot->type == type &&
			    (type == 'd' || (type == 'f' && !memcmp(slot->sha256, sha, 32)) ||
			     (type == 'l' && !strcmp(slot->target, target)));

		if (!same)
			conflict(a, dest, slot->owner, c->name);
		free(dir);
		return 0;
	}
	pfd = fs_open_dir_at(a->env_fd, dir, true);
	if (pfd < 0) {
		/* A parent is a symlink or a file from an earlier component. */
		conflict(a, dest, "an earlier component", c->name);
		free(dir);
		return 0;
	}
	if (type == 'd') {
		if (mkdirat(pfd, leaf, 0755) < 0 && errno != EEXIST)
			rc = -errno;
	} else if (type == 'l') {
		if (symlinkat(target, pfd, leaf) < 0)
			rc = -errno;
	} else if (linkat(entry_fd, src, pfd, leaf, 0) < 0) {
		/* Another file system, or one without hard links: copy. */
		if (errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOTSUP)
			rc = fs_copy_file_at(entry_fd, src, pfd, leaf, mode);
		else
			rc = -errno;
	}
	close(pfd);
	if (rc < 0) {
		snprintf(a->err, a->errlen, "cannot place '%s' from %s: %s", dest, c->name,
			 strerror(-rc));
		free(dir);
		return rc;
	}
	slot->path = xstrdup(dest);
	slot->type = type;
	if (sha)
		memcpy(slot->sha256, sha, 32);
	slot->target = target ? xstrdup(target) : NULL;
	slot->owner = c->name;
	a->seen.nr++;
	free(dir);
	return 0;
}

static int place_file(struct assembly *a, const struct store_component *c, int entry_fd,
		      const struct store_file *f)
{
	char *dest = store_env_dest(c->name, f);
	int rc;

	if (f->type == 'f')
		rc = place(a, c, entry_fd, 'f', f->path, dest, f->mode, f->sha256, NULL);
	else
		rc = place(a, c, entry_fd, f->type, f->path, dest, f->type == 'd' ? 0755 : 0777,
			   NULL, f->target);
	free(dest);
	return rc;
}

static int place_component(struct assembly *a, const struct store_component *c)
{
	char *dir = xasprintf("%s/%s", a->s->store_dir, c->entry);
	struct store_entry e;
	size_t i;
	int fd = -1, rc;

	rc = store_read_entry(a->s, c->entry, &e);
	if (rc == 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rc < 0 || fd < 0) {
		snprintf(a->err, a->errlen, "store entry '%s' is missing or unreadable", c->entry);
		rc = -CUE_ENOTINSTALLED;
	}
	for (i = 0; !rc && i < e.nr; i++)
		rc = place_file(a, c, fd, &e.files[i]);
	if (fd >= 0)
		close(fd);
	store_entry_release(&e);
	free(dir);
	return rc;
}

static void env_receipt(struct buf *b, const struct store_env *env)
{
	char hex[VERIFY_SHA256_HEX];
	size_t i;

	buf_addf(b, "cuenv-env\t1\nname\t%s\nspec\t%s\nplatform\t%s\nprofile\t%s\nsource\t%s\n",
		 env->name, env->spec, env->platform, env->profile, env->source);
	buf_addf(b, "cuda\t%s\n", env->cuda);
	if (env->cudnn)
		buf_addf(b, "cudnn\t%s\n", env->cudnn);
	for (i = 0; i < env->nr_components; i++) {
		const struct store_component *c = &env->components[i];

		buf_addf(b, "component\t%s\t%s\t%s\t%s\t%llu\t%s\t%s\n", c->product, c->name,
			 c->version, verify_hex(c->sha256, 32, hex), (unsigned long long)c->size,
			 c->entry, c->relative_path);
	}
}

static int finish_env(struct assembly *a, const struct store_env *env)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int dfd, rc = 0;

	if (fstatat(a->env_fd, "lib", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	    symlinkat("lib", a->env_fd, "lib64") < 0 && errno != EEXIST)
		rc = -errno;
	env_receipt(&b, env);
	if (!rc && (dfd = fs_open_dir_at(a->env_fd, ".cuenv", true)) >= 0) {
		rc = write_at(dfd, "receipt", &b);
		close(dfd);
	} else if (!rc) {
		rc = -EIO;
	}
	if (!rc)
		rc = fs_syncfs(a->env_fd);
	if (rc < 0)
		snprintf(a->err, a->errlen, "cannot finish env '%s': %s", env->name, strerror(-rc));
	buf_release(&b);
	return rc;
}

int store_assemble_env(struct store *s, const struct store_env *env,
		       void (*warn)(void *ctx, const char *msg), void *ctx, char *err,
		       size_t errlen)
{
	struct assembly a = { s, -1, { 0 }, warn, ctx, err, errlen };
	char *staging = make_staging(s, "env", env->name, err, errlen), *final = NULL;
	size_t i;
	int rc = 0;

	if (!staging)
		return -CUE_EDATA;
	a.env_fd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a.env_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", staging, strerror(errno));
	}
	checkpoint("env-assembly");
	for (i = 0; !rc && i < env->nr_components; i++)
		rc = place_component(&a, &env->components[i]);
	if (!rc)
		rc = finish_env(&a, env);
	if (!rc) {
		final = store_env_path(s, env->name);
		checkpoint("before-env-rename");
		rc = commit_dir(staging, final, s->envs_dir);
		if (rc < 0)
			snprintf(err, errlen, "cannot install env '%s': %s", final, strerror(-rc));
		checkpoint("after-env-rename");
	}
	if (a.env_fd >= 0)
		close(a.env_fd);
	if (rc < 0)
		fs_rm_rf(staging);
	seen_free(&a.seen);
	free(staging);
	free(final);
	return rc;
}

/* ---- reading envs back ---- */

static void set_field(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

static int parse_component_line(struct store_env *env, char *line)
{
	char *f[8];
	struct store_component *c;
	int n = 0;

	for (f[n++] = line; n < 8 && (f[n] = strchr(f[n - 1], '\t')); n++)
		*f[n]++ = '\0';
	if (n != 8)
		return -1;
	env->components = xrealloc(env->components, (env->nr_components + 1) * sizeof(*c));
	c = &env->components[env->nr_components++];
	memset(c, 0, sizeof(*c));
	c->product = xstrdup(f[1]);
	c->name = xstrdup(f[2]);
	c->version = xstrdup(f[3]);
	verify_unhex(f[4], c->sha256, 32);
	c->size = strtoull(f[5], NULL, 10);
	c->entry = xstrdup(f[6]);
	c->relative_path = xstrdup(f[7]);
	return 0;
}

static int parse_env_receipt(struct store_env *env, char *text)
{
	char *line, *next, *tab;

	memset(env, 0, sizeof(*env));
	if (strncmp(text, "cuenv-env\t1\n", 12))
		return -1;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "component\t", 10)) {
			if (parse_component_line(env, line) < 0)
				return -1;
			continue;
		}
		tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab++ = '\0';
		if (!strcmp(line, "name"))
			set_field(&env->name, tab);
		else if (!strcmp(line, "spec"))
			set_field(&env->spec, tab);
		else if (!strcmp(line, "platform"))
			set_field(&env->platform, tab);
		else if (!strcmp(line, "profile"))
			set_field(&env->profile, tab);
		else if (!strcmp(line, "source"))
			set_field(&env->source, tab);
		else if (!strcmp(line, "cuda"))
			set_field(&env->cuda, tab);
		else if (!strcmp(line, "cudnn"))
			set_field(&env->cudnn, tab);
	}
	return env->name && env->cuda && env->profile ? 0 : -1;
}

void store_env_release(struct store_env *env)
{
	size_t i;

	for (i = 0; i < env->nr_components; i++) {
		struct store_component *c = &env->components[i];

		free(c->product);
		free(c->name);
		free(c->version);
		free(c->relative_path);
		free(c->entry);
	}
	free(env->components);
	free(env->name);
	free(env->spec);
	free(env->platform);
	free(env->profile);
	free(env->source);
	free(env->cuda);
	free(env->cudnn);
	memset(env, 0, sizeof(*env));
}

void store_envs_free(struct store_env *envs, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		store_env_release(&envs[i]);
	free(envs);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct store_env *)a)->name, ((const struct store_env *)b)->name);
}

int store_read_env(const struct store *s, const char *name, struct store_env *env)
{
	char *p = xasprintf("%s/%s/" ENV_RECEIPT, s->envs_dir, name);
	struct buf b = BUF_INIT;
	struct stat st;
	int rc;

	memset(env, 0, sizeof(*env));
	rc = fs_read_file(p, RECEIPT_MAX, &b);
	/* No time inside the receipt: envs from one lock are byte-identical. */
	if (rc == 0 && (parse_env_receipt(env, b.s) < 0 || strcmp(env->name, name)))
		rc = -CUE_EDATA;
	if (rc == 0 && stat(p, &st) == 0)
		env->installed = (long long)st.st_mtime;
	buf_release(&b);
	free(p);
	return rc;
}

int store_list_envs(const struct store *s, struct store_env **out, size_t *nr)
{
	DIR *dh = opendir(s->envs_dir);
	struct store_env *v = NULL;
	size_t n = 0;
	struct dirent *d;

	*out = NULL;
	*nr = 0;
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dh))) {
		struct store_env env;

		if (d->d_name[0] == '.')
			continue;
		if (store_read_env(s, d->d_name, &env) == 0) {
			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = env;
		} else {
			store_env_release(&env);
		}
	}
	closedir(dh);
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*out = v;
	*nr = n;
	return 0;
}

int store_remove_env(struct store *s, const char *name)
{
	char *final = store_env_path(s, name);
	char *trash = xasprintf("%s/trash-%s.%ld", s->tmp_dir, name, (long)getpid());
	int rc = 0;

	/* One rename takes it out of sight; deleting the files can then take its time. */
	if (rename(final, trash) < 0)
		rc = -errno;
	else
		fs_fsync_dir(s->envs_dir);
	if (!rc)
		rc = fs_rm_rf(trash);
	free(final);
	free(trash);
	return rc;
}

/* ---- garbage collection ---- */

static bool in_use(const struct store_env *envs, size_t nr, const char *entry, const char *sha_hex)
{
	char hex[VERIFY_SHA256_HEX];
	size_t i, k;

	for (i = 0; i < nr; i++) {
		for (k = 0; k < envs[i].nr_components; k++) {
			const struct store_component *c = &envs[i].components[k];

			if (entry && !strcmp(c->entry, entry))
				return true;
			if (sha_hex && !strcmp(verify_hex(c->sha256, 32, hex), sha_hex))
				return true;
		}
	}
	return false;
}

static void gc_store(struct store *s, const struct store_env *envs, size_t nr,
		     struct store_gc_report *r)
{
	DIR *dh = opendir(s->store_dir);
	struct dirent *d;

	while (dh && (d = readdir(dh))) {
		char *p;

		if (d->d_name[0] == '.' || in_use(envs, nr, d->d_name, NULL))
			continue;
		p = xasprintf("%s/%s", s->store_dir, d->d_name);
		r->bytes += fs_du(p);
		if (fs_rm_rf(p) == 0)
			r->entries++;
		free(p);
	}
	if (dh)
		closedir(dh);
}

/*
 * The envs of every other root registered in this cache (register_root());
 * a registration whose root has no envs directory any more is dropped.
 */
static void other_roots_envs(const struct store *s, struct store_env **all, size_t *nr)
{
	char *dir = xasprintf("%s/roots", s->cache), *mine = root_ref_path(s);
	struct dirent *d;
	DIR *dh = opendir(dir);

	*all = NULL;
	*nr = 0;
	while (dh && (d = readdir(dh))) {
		char *ref = xasprintf("%s/%s", dir, d->d_name), *nl;
		struct buf b = BUF_INIT;
		struct store other;
		struct store_env *envs;
		size_t n, i;

		if (d->d_name[0] != '.' && strcmp(ref, mine) && fs_read_file(ref, 4096, &b) == 0 &&
		    (nl = strchr(b.s, '\n')) != NULL && b.s[0] == '/') {
			*nl = '\0';
			store_paths(&other, b.s, s->cache);
			if (access(other.envs_dir, F_OK) < 0 && errno == ENOENT) {
				unlink(ref);
			} else if (store_list_envs(&other, &envs, &n) == 0) {
				*all = xrealloc(*all, (*nr + n + 1) * sizeof(**all));
				for (i = 0; i < n; i++)
					(*all)[(*nr)++] = envs[i];
				free(envs);
			}
			store_release(&other);
		}
		buf_release(&b);
		free(ref);
	}
	if (dh)
		closedir(dh);
	free(mine);
	free(dir);
}

static void gc_archives(struct store *s, const struct store_env *envs, size_t nr,
			struct store_gc_report *r)
{
	struct store_env *others;
	size_t nr_others;
	DIR *dh;
	struct dirent *d;

	other_roots_envs(s, &others, &nr_others);
	dh = opendir(s->archives_dir);
	while (dh && (d = readdir(dh))) {
		char hex[VERIFY_SHA256_HEX], *path, *lock;
		size_t n = strlen(d->d_name);
		/* A partial download, with the validator fetch.c keeps beside it for If-Range. */
		bool part = (n == 69 && !strcmp(d->d_name + 64, ".part")) ||
			    (n == 79 && !strcmp(d->d_name + 64, ".part.validator"));
		struct stat st;
		int fd;

		if (!part && !(n == 71 && !strcmp(d->d_name + 64, ".tar.xz")))
			continue;
		memcpy(hex, d->d_name, 64);
		hex[64] = '\0';
		if (!part && (in_use(envs, nr, NULL, hex) || in_use(others, nr_others, NULL, hex)))
			continue;
		/* Another root sharing this cache may be downloading it right now. */
		lock = store_lock_path(s, "archive", hex);
		path = xasprintf("%s/%s", s->archives_dir, d->d_name);
		if (fs_lock(lock, FS_LOCK_TRY, &fd) == 0) {
			if (lstat(path, &st) == 0 && unlink(path) == 0) {
				r->bytes += (unsigned long long)st.st_blocks * 512;
				if (n == 71)
					r->archives++;
				else if (n == 69)
					r->partials++;
			}
			fs_unlock(fd);
		}
		free(lock);
		free(path);
	}
	if (dh)
		closedir(dh);
	store_envs_free(others, nr_others);
}

int store_gc(struct store *s, struct store_gc_report *r, char *err, size_t errlen)
{
	struct store_env *envs;
	DIR *dh;
	struct dirent *d;
	size_t nr;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = store_list_envs(s, &envs, &nr);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", s->envs_dir, strerror(-rc));
		return rc;
	}
	gc_store(s, envs, nr, r);
	gc_archives(s, envs, nr, r);
	/* The caller holds the root lock exclusively: all staging is garbage. */
	dh = opendir(s->tmp_dir);
	while (dh && (d = readdir(dh))) {
		char *p;

		if (d->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", s->tmp_dir, d->d_name);
		r->bytes += fs_du(p);
		if (fs_rm_rf(p) == 0)
			r->staging++;
		free(p);
	}
	if (dh)
		closedir(dh);
	store_envs_free(envs, nr);
	return 0;
}
