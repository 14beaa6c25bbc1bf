// SPDX-License-Identifier: MIT
/* Compare installed store entries and envs with their receipts, re-hashing every file. */
#include "integrity.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "layout.h"
#include "verify.h"
#include "xalloc.h"
#include "banned.h"

#define HASH_CHUNK (256u << 10)
#define MAX_THREADS 8
#define MAX_DEPTH 256

/* ---- what belongs at each path of a tree ---- */

struct want {
	/* 'f' file, 'd' directory, 'l' symlink, 'D' a parent directory, 'R' a receipt file */
	char type;
	mode_t mode;
	const unsigned char *sha256;
	const char *target;
};

struct map_slot {
	char *key;
	struct want w;
};

struct pathmap {
	struct map_slot *v;
	size_t cap, nr;
};

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct map_slot *map_slot(const struct pathmap *m, const char *key)
{
	size_t i;

	for (i = hash_str(key) & (m->cap - 1); m->v[i].key; i = (i + 1) & (m->cap - 1)) {
		if (!strcmp(m->v[i].key, key))
			break;
	}
	return &m->v[i];
}

static const struct want *map_find(const struct pathmap *m, const char *key)
{
	struct map_slot *sl;

	if (!m->cap)
		return NULL;
	sl = map_slot(m, key);
	return sl->key ? &sl->w : NULL;
}

/* Add key unless present; returns whether it was added. */
static bool map_add(struct pathmap *m, const char *key, const struct want *w)
{
	struct map_slot *sl;
	size_t i;

	if (m->nr * 2 >= m->cap) {
		struct pathmap bigger = { xcalloc(m->cap ? 2 * m->cap : 256, sizeof(*m->v)),
					  m->cap ? 2 * m->cap : 256, m->nr };

		for (i = 0; i < m->cap; i++) {
			if (m->v[i].key)
				*map_slot(&bigger, m->v[i].key) = m->v[i];
		}
		free(m->v);
		*m = bigger;
	}
	sl = map_slot(m, key);
	if (sl->key)
		return false;
	sl->key = xstrdup(key);
	sl->w = *w;
	m->nr++;
	return true;
}

/* The directories above path, as extraction and assembly create them. */
static void map_add_parents(struct pathmap *m, const char *path)
{
	static const struct want dir = { 'D', 0, NULL, NULL };
	char *p = xstrdup(path), *slash;

	while ((slash = strrchr(p, '/'))) {
		*slash = '\0';
		map_add(m, p, &dir);
	}
	free(p);
}

static void map_free(struct pathmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->v[i].key);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- the run's state ---- */

struct job {
	char *path;		/* where to read the inode from */
	dev_t dev;
	ino_t ino;
	uint64_t size;
	unsigned char got[32];
	uint64_t bytes;
	int rc;
};

struct inode_slot {
	dev_t dev;
	ino_t ino;
	size_t job;		/* index + 1; 0: free */
};

struct file_check {
	size_t job;
	unsigned char want[32];
	char *path;
	const char *owner;
	bool in_env;
};

struct cached_entry {
	char *name;
	int rc;
	bool checked;		/* check_entry() ran: it reported a bad receipt */
	struct store_entry e;
};

struct audit {
	const struct store *s;
	struct integrity_result *r;
	struct job *jobs;
	size_t nr_jobs, alloc_jobs;
	struct inode_slot *inodes;
	size_t inode_cap;
	struct file_check *checks;
	size_t nr_checks, alloc_checks;
	struct cached_entry *entries;
	size_t nr_entries;
};

static void problem(struct audit *au, enum integrity_kind kind, const char *path, const char *owner,
		    bool in_env, const char *expected, const char *got)
{
	struct integrity_result *r = au->r;
	struct integrity_problem *p;

	if (r->nr == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 16;
		r->problems = xrealloc(r->problems, r->alloc * sizeof(*r->problems));
	}
	p = &r->problems[r->nr++];
	p->kind = kind;
	p->path = xstrdup(path);
	p->owner = xstrdup(owner);
	p->in_env = in_env;
	p->expected = expected ? xstrdup(expected) : NULL;
	p->got = got ? xstrdup(got) : NULL;
}

static struct cached_entry *get_entry(struct audit *au, const char *name)
{
	struct cached_entry *ce;
	size_t i;

	for (i = 0; i < au->nr_entries; i++) {
		if (!strcmp(au->entries[i].name, name))
			return &au->entries[i];
	}
	au->entries = xrealloc(au->entries, (au->nr_entries + 1) * sizeof(*au->entries));
	ce = &au->entries[au->nr_entries++];
	ce->name = xstrdup(name);
	ce->checked = false;
	ce->rc = store_read_entry(au->s, name, &ce->e);
	return ce;
}

/* One hashing job per inode: an env's hard links and their store files are read once. */
static size_t job_for(struct audit *au, const char *path, const struct stat *st)
{
	size_t i, h, k;

	if (au->nr_jobs * 2 >= au->inode_cap) {
		size_t cap = au->inode_cap ? 2 * au->inode_cap : 1024;
		struct inode_slot *v = xcalloc(cap, sizeof(*v));

		for (k = 0; k < au->inode_cap; k++) {
			if (!au->inodes[k].job)
				continue;
			h = ((size_t)au->inodes[k].ino * 0x9E3779B97F4A7C15ULL) & (cap - 1);
			while (v[h].job)
				h = (h + 1) & (cap - 1);
			v[h] = au->inodes[k];
		}
		free(au->inodes);
		au->inodes = v;
		au->inode_cap = cap;
	}
	h = ((size_t)st->st_ino * 0x9E3779B97F4A7C15ULL) & (au->inode_cap - 1);
	for (; au->inodes[h].job; h = (h + 1) & (au->inode_cap - 1)) {
		if (au->inodes[h].ino == st->st_ino && au->inodes[h].dev == st->st_dev)
			return au->inodes[h].job - 1;
	}
	if (au->nr_jobs == au->alloc_jobs) {
		au->alloc_jobs = au->alloc_jobs ? 2 * au->alloc_jobs : 256;
		au->jobs = xrealloc(au->jobs, au->alloc_jobs * sizeof(*au->jobs));
	}
	i = au->nr_jobs++;
	memset(&au->jobs[i], 0, sizeof(au->jobs[i]));
	au->jobs[i].path = xstrdup(path);
	au->jobs[i].dev = st->st_dev;
	au->jobs[i].ino = st->st_ino;
	au->jobs[i].size = (uint64_t)st->st_size;
	au->inodes[h] = (struct inode_slot){ st->st_dev, st->st_ino, i + 1 };
	return i;
}

static void want_hash(struct audit *au, const char *path, const struct stat *st,
		      const unsigned char *sha, const char *owner, bool in_env)
{
	struct file_check *fc;

	if (au->nr_checks == au->alloc_checks) {
		au->alloc_checks = au->alloc_checks ? 2 * au->alloc_checks : 256;
		au->checks = xrealloc(au->checks, au->alloc_checks * sizeof(*au->checks));
	}
	fc = &au->checks[au->nr_checks++];
	fc->job = job_for(au, path, st);
	memcpy(fc->want, sha, 32);
	fc->path = xstrdup(path);
	fc->owner = owner;
	fc->in_env = in_env;
}

/* ---- comparing one path ---- */

static const char *type_name(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "directory" : S_ISLNK(m) ? "symlink"
	     : S_ISFIFO(m) ? "fifo" : S_ISSOCK(m) ? "socket" : "device";
}

static bool type_ok(char want, mode_t m)
{
	switch (want) {
	case 'f':
	case 'R':
		return S_ISREG(m);
	case 'l':
		return S_ISLNK(m);
	default:
		return S_ISDIR(m);
	}
}

static void mode_problem(struct audit *au, const char *path, const char *owner, bool in_env,
			 unsigned want, unsigned got)
{
	char e[16], g[16];

	snprintf(e, sizeof(e), "%04o", want);
	snprintf(g, sizeof(g), "%04o", got);
	problem(au, INTEGRITY_MODE, path, owner, in_env, e, g);
}

static void check_link(struct audit *au, const char *path, const struct stat *st,
		       const struct want *w, const char *owner, bool in_env)
{
	size_t cap = (size_t)st->st_size + 2;
	char *got = xmalloc(cap);
	ssize_t n = readlink(path, got, cap);

	if (n < 0)
		problem(au, INTEGRITY_UNREADABLE, path, owner, in_env, NULL, strerror(errno));
	else if ((size_t)n >= cap || ((got[n] = '\0'), strcmp(got, w->target)))
		problem(au, INTEGRITY_TARGET, path, owner, in_env, w->target, (size_t)n >= cap ? "?" : got);
	free(got);
}

static void check_path(struct audit *au, const char *path, const struct want *w,
		       const char *owner, bool in_env)
{
	unsigned mode;
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			problem(au, INTEGRITY_MISSING, path, owner, in_env, NULL, NULL);
		else
			problem(au, INTEGRITY_UNREADABLE, path, owner, in_env, NULL, strerror(errno));
		return;
	}
	if (!type_ok(w->type, st.st_mode)) {
		problem(au, INTEGRITY_TYPE, path, owner, in_env, w->type == 'f' || w->type == 'R' ? "file"
							     : w->type == 'l' ? "symlink" : "directory",
			type_name(st.st_mode));
		return;
	}
	mode = (unsigned)st.st_mode & 07777;
	switch (w->type) {
	case 'f':
		/* Extraction set each file's mode itself: it is exact, whatever the umask. */
		if (mode != (unsigned)w->mode)
			mode_problem(au, path, owner, in_env, (unsigned)w->mode, mode);
		want_hash(au, path, &st, w->sha256, owner, in_env);
		break;
	case 'R':
		/* Created 0444 through the umask: only added bits are wrong. */
		if (mode & 07333)
			mode_problem(au, path, owner, in_env, 0444, mode);
		break;
	case 'l':
		check_link(au, path, &st, w, owner, in_env);
		break;
	default:
		if (mode & 07022)
			mode_problem(au, path, owner, in_env, 0755, mode);
	}
}

static void check_map(struct audit *au, const char *root, const struct pathmap *m,
		      const char *owner, bool in_env)
{
	static const struct want dir = { 'D', 0, NULL, NULL };
	size_t i;

	check_path(au, root, &dir, owner, in_env);
	for (i = 0; i < m->cap; i++) {
		char *p;

		if (!m->v[i].key)
			continue;
		p = xasprintf("%s/%s", root, m->v[i].key);
		check_path(au, p, &m->v[i].w, owner, in_env);
		free(p);
	}
}

/* Report what lies in the tree at fd (rel below root) but not in m. Closes fd. */
static void walk_extra(struct audit *au, int fd, const char *root, struct buf *rel,
		       const struct pathmap *m, const char *owner, bool in_env, int depth)
{
	DIR *dh = fdopendir(fd);
	struct dirent *d;

	if (!dh) {
		close(fd);
		return;
	}
	while ((d = readdir(dh))) {
		size_t len = rel->len;
		const struct want *w;
		struct stat st;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (len)
			buf_addch(rel, '/');
		buf_adds(rel, d->d_name);
		w = map_find(m, rel->s);
		if (!w) {
			char *p = xasprintf("%s/%s", root, rel->s);

			problem(au, INTEGRITY_EXTRA, p, owner, in_env, NULL, NULL);
			free(p);
		} else if ((w->type == 'd' || w->type == 'D') && depth < MAX_DEPTH &&
			   fstatat(dirfd(dh), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			   S_ISDIR(st.st_mode)) {
			int cfd = openat(dirfd(dh), d->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (cfd >= 0)
				walk_extra(au, cfd, root, rel, m, owner, in_env, depth + 1);
		}
		buf_setlen(rel, len);
	}
	closedir(dh);
}

static void check_tree(struct audit *au, const char *root, const struct pathmap *m,
		       const char *owner, bool in_env, bool extras)
{
	struct buf rel = BUF_INIT;
	int fd;

	check_map(au, root, m, owner, in_env);
	fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (extras && fd >= 0)
		walk_extra(au, fd, root, &rel, m, owner, in_env, 0);
	else if (fd >= 0)
		close(fd);
	buf_release(&rel);
}

/* A receipt that could not be read: missing, malformed or unreadable. */
static void receipt_problem(struct audit *au, const char *path, int rc, const char *owner,
			    bool in_env)
{
	if (rc == -ENOENT)
		problem(au, INTEGRITY_MISSING, path, owner, in_env, NULL, NULL);
	else if (rc == -CUE_EDATA)
		problem(au, INTEGRITY_RECEIPT, path, owner, in_env, NULL, "malformed receipt");
	else
		problem(au, INTEGRITY_UNREADABLE, path, owner, in_env, NULL, strerror(-rc));
}

static bool is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- a store entry ---- */

static void check_entry(struct audit *au, const char *name)
{
	static const struct want receipt = { 'R', 0, NULL, NULL };
	struct cached_entry *ce = get_entry(au, name);
	char *dir = xasprintf("%s/%s", au->s->store_dir, name);
	char *rpath = xasprintf("%s/" STORE_RECEIPT, dir), *should;
	struct pathmap m = { 0 };
	size_t i;

	au->r->entries++;
	ce->checked = true;
	if (ce->rc < 0) {
		receipt_problem(au, is_dir(dir) ? rpath : dir, ce->rc, name, false);
		goto out;
	}
	/* The name carries the archive's digest: the receipt must describe that archive. */
	should = store_entry_name(ce->e.c.relative_path, ce->e.c.sha256);
	if (strcmp(should, name))
		problem(au, INTEGRITY_RECEIPT, rpath, name, false, name, should);
	free(should);
	for (i = 0; i < ce->e.nr; i++) {
		const struct store_file *f = &ce->e.files[i];
		struct want w = { f->type, f->mode, f->sha256, f->target };

		map_add(&m, f->path, &w);
		map_add_parents(&m, f->path);
	}
	map_add(&m, STORE_RECEIPT, &receipt);
	check_tree(au, dir, &m, name, false, true);
out:
	map_free(&m);
	free(rpath);
	free(dir);
}

/* ---- an env ---- */

/* Assembly skips a path below a file or symlink an earlier component placed. */
static bool blocked(const struct pathmap *m, const char *path)
{
	char *p = xstrdup(path), *slash;
	bool yes = false;

	while (!yes && (slash = strrchr(p, '/'))) {
		const struct want *w;

		*slash = '\0';
		w = map_find(m, p);
		yes = w && w->type != 'd' && w->type != 'D';
	}
	free(p);
	return yes;
}

/* The env's expected tree from its components' receipts; false when one is missing. */
static bool env_map(struct audit *au, const struct store_env *env, struct pathmap *m)
{
	static const struct want lib64 = { 'l', 0777, NULL, "lib" };
	static const struct want receipt = { 'R', 0, NULL, NULL };
	bool complete = true;
	const struct want *lib;
	size_t k, i;

	for (k = 0; k < env->nr_components; k++) {
		const struct store_component *c = &env->components[k];
		const struct cached_entry *ce = get_entry(au, c->entry);

		if (ce->rc < 0) {
			char *dir = xasprintf("%s/%s", au->s->store_dir, c->entry);

			/* An entry checked on its own has reported this already. */
			if (!ce->checked && !is_dir(dir))
				problem(au, INTEGRITY_MISSING, dir, env->name, true, NULL, NULL);
			free(dir);
			complete = false;
			continue;
		}
		for (i = 0; i < ce->e.nr; i++) {
			const struct store_file *f = &ce->e.files[i];
			struct want w = { f->type, f->mode, f->sha256, f->target };
			char *dest = store_env_dest(c->name, f);

			if (!map_find(m, dest) && !blocked(m, dest)) {
				map_add(m, dest, &w);
				map_add_parents(m, dest);
			}
			free(dest);
		}
	}
	lib = map_find(m, "lib");
	if (lib && (lib->type == 'd' || lib->type == 'D'))
		map_add(m, "lib64", &lib64);
	map_add(m, LAYOUT_ENV_RECEIPT, &receipt);
	map_add_parents(m, LAYOUT_ENV_RECEIPT);
	return complete;
}

static void check_env(struct audit *au, const char *name)
{
	char *dir = xasprintf("%s/%s", au->s->envs_dir, name);
	char *rpath = xasprintf("%s/" LAYOUT_ENV_RECEIPT, dir);
	struct pathmap m = { 0 };
	struct store_env env;
	int rc;

	au->r->envs++;
	rc = store_read_env(au->s, name, &env);
	if (rc < 0)
		receipt_problem(au, is_dir(dir) ? rpath : dir, rc, name, true);
	else
		check_tree(au, dir, &m, name, true, env_map(au, &env, &m));
	store_env_release(&env);
	map_free(&m);
	free(rpath);
	free(dir);
}

/* ---- hashing in threads ---- */

struct pool {
	struct job **order;
	size_t nr, next;
	pthread_mutex_t mu;
};

static void hash_one(struct job *j, char *chunk)
{
	struct verify_sha256 *h;
	struct stat st;
	int fd = open(j->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		j->rc = -errno;
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != j->ino ||
	    st.st_dev != j->dev) {
		/* Replaced between lstat() and open(). */
		j->rc = -ESTALE;
		close(fd);
		return;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	h = verify_sha256_new();
	for (;;) {
		ssize_t n = read(fd, chunk, HASH_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			j->rc = -errno;
		if (n <= 0)
			break;
		verify_sha256_update(h, chunk, (size_t)n);
		j->bytes += (uint64_t)n;
	}
	verify_sha256_final(h, j->got);
	verify_sha256_free(h);
	close(fd);
}

static void *hash_worker(void *arg)
{
	struct pool *p = arg;
	char *chunk = xmalloc(HASH_CHUNK);

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->nr)
			break;
		hash_one(p->order[i], chunk);
	}
	free(chunk);
	return NULL;
}

/* Largest first, so that the last file to finish is a small one. */
static int bigger_first(const void *a, const void *b)
{
	uint64_t x = (*(struct job *const *)a)->size, y = (*(struct job *const *)b)->size;

	return x < y ? 1 : x > y ? -1 : 0;
}

static unsigned nr_threads(unsigned want, size_t jobs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = want ? want : cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (unsigned)cpus;

	return jobs < n ? (unsigned)(jobs ? jobs : 1) : n;
}

static void hash_all(struct audit *au, unsigned threads)
{
	struct pool p = { xcalloc(au->nr_jobs + 1, sizeof(struct job *)), au->nr_jobs, 0,
			  PTHREAD_MUTEX_INITIALIZER };
	unsigned n = nr_threads(threads, au->nr_jobs), i, started = 0;
	pthread_t *t = xcalloc(n, sizeof(*t));
	size_t k;

	for (k = 0; k < au->nr_jobs; k++)
		p.order[k] = &au->jobs[k];
	qsort(p.order, au->nr_jobs, sizeof(*p.order), bigger_first);
	for (i = 1; i < n; i++)
		started += pthread_create(&t[started], NULL, hash_worker, &p) == 0;
	hash_worker(&p);	/* this thread too; alone when no thread could start */
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&p.mu);
	free(t);
	free(p.order);
}

static void compare_hashes(struct audit *au)
{
	char want[VERIFY_SHA256_HEX], got[VERIFY_SHA256_HEX];
	size_t k;

	for (k = 0; k < au->nr_jobs; k++) {
		au->r->files += au->jobs[k].rc == 0;
		au->r->bytes += au->jobs[k].bytes;
	}
	for (k = 0; k < au->nr_checks; k++) {
		const struct file_check *fc = &au->checks[k];
		const struct job *j = &au->jobs[fc->job];

		if (j->rc == -ESTALE)
			problem(au, INTEGRITY_UNREADABLE, fc->path, fc->owner, fc->in_env, NULL,
				"replaced while being verified");
		else if (j->rc < 0)
			problem(au, INTEGRITY_UNREADABLE, fc->path, fc->owner, fc->in_env, NULL,
				strerror(-j->rc));
		else if (memcmp(j->got, fc->want, 32))
			problem(au, INTEGRITY_CHANGED, fc->path, fc->owner, fc->in_env,
				verify_hex(fc->want, 32, want), verify_hex(j->got, 32, got));
	}
}

/* ---- the run ---- */

static int by_path(const void *a, const void *b)
{
	const struct integrity_problem *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (int)x->kind - (int)y->kind;
}

/* Names in dir not starting with '.', or -errno (a missing dir is empty). */
static int list_dir(const char *dir, char ***names, size_t *nr)
{
	DIR *dh = opendir(dir);
	struct dirent *d;

	*names = NULL;
	*nr = 0;
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.')
			continue;
		*names = xrealloc(*names, (*nr + 1) * sizeof(**names));
		(*names)[(*nr)++] = xstrdup(d->d_name);
	}
	closedir(dh);
	return 0;
}

static void free_names(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

/* The store entries of the named envs, each once. */
static void entries_of(struct audit *au, char *const *envs, size_t nr, char ***out, size_t *nr_out)
{
	size_t i, k, j;

	*out = NULL;
	*nr_out = 0;
	for (i = 0; i < nr; i++) {
		struct store_env env;

		if (store_read_env(au->s, envs[i], &env) == 0) {
			for (k = 0; k < env.nr_components; k++) {
				const char *e = env.components[k].entry;

				for (j = 0; j < *nr_out && strcmp((*out)[j], e); j++)
					;
				if (j < *nr_out)
					continue;
				*out = xrealloc(*out, (*nr_out + 1) * sizeof(**out));
				(*out)[(*nr_out)++] = xstrdup(e);
			}
		}
		store_env_release(&env);
	}
}

static void integrity_free(struct audit *au)
{
	size_t i;

	for (i = 0; i < au->nr_jobs; i++)
		free(au->jobs[i].path);
	for (i = 0; i < au->nr_checks; i++)
		free(au->checks[i].path);
	for (i = 0; i < au->nr_entries; i++) {
		free(au->entries[i].name);
		store_entry_release(&au->entries[i].e);
	}
	free(au->jobs);
	free(au->inodes);
	free(au->checks);
	free(au->entries);
}

int integrity_run(const struct store *s, const struct integrity_opts *o, struct integrity_result *r,
	      char *err, size_t errlen)
{
	struct audit au = { s, r, NULL, 0, 0, NULL, 0, NULL, 0, 0, NULL, 0 };
	char **entries = NULL, **envs = NULL;
	size_t nr_entries = 0, nr_envs = 0, i;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (o->all) {
		rc = list_dir(s->store_dir, &entries, &nr_entries);
		if (rc == 0)
			rc = list_dir(s->envs_dir, &envs, &nr_envs);
		if (rc < 0) {
			snprintf(err, errlen, "cannot read '%s': %s", s->root, strerror(-rc));
			goto out;
		}
	} else {
		entries_of(&au, o->envs, o->nr_envs, &entries, &nr_entries);
	}
	for (i = 0; i < nr_entries; i++)
		check_entry(&au, entries[i]);
	for (i = 0; i < (o->all ? nr_envs : o->nr_envs); i++)
		check_env(&au, o->all ? envs[i] : o->envs[i]);
	hash_all(&au, o->threads);
	compare_hashes(&au);
	if (r->nr)
		qsort(r->problems, r->nr, sizeof(*r->problems), by_path);
out:
	free_names(entries, nr_entries);
	free_names(envs, nr_envs);
	integrity_free(&au);
	return rc;
}

void integrity_result_release(struct integrity_result *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		free(r->problems[i].path);
		free(r->problems[i].owner);
		free(r->problems[i].expected);
		free(r->problems[i].got);
	}
	free(r->problems);
	memset(r, 0, sizeof(*r));
}

const char *integrity_kind_name(enum integrity_kind k)
{
	static const char *const names[] = { "changed", "missing", "extra", "mode",
					     "type", "target", "receipt", "unreadable" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
