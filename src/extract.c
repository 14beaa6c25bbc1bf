// SPDX-License-Identifier: MIT
/* Secure streaming extraction of verified .tar.xz archives: the only user of libarchive. */
#include "extract.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "checkpoint.h"
#include "error.h"
#include "fs.h"
#include "verify.h"
#include "xalloc.h"
#include "banned.h"

#define MAX_LINK_HOPS 40
#define BLOCK_SIZE (256 * 1024)

/*
 * libarchive is loaded when the first archive is unpacked, not at start-up:
 * with libxml2, ICU and libstdc++ behind it, it was most of the dynamic
 * loader's work for every command, the shell hook's included. The soname
 * libarchive.so.13 has been stable since libarchive 3.0 (2011).
 */
static struct {
	bool ready;
	char why[256];
	mode_t (*entry_filetype)(struct archive_entry *);
	const char *(*entry_hardlink)(struct archive_entry *);
	const char *(*entry_pathname)(struct archive_entry *);
	mode_t (*entry_perm)(struct archive_entry *);
	la_int64_t (*entry_size)(struct archive_entry *);
	int (*entry_sparse_count)(struct archive_entry *);
	const char *(*entry_symlink)(struct archive_entry *);
	const char *(*error_string)(struct archive *);
	int (*filter_code)(struct archive *, int);
	int (*read_data_block)(struct archive *, const void **, size_t *, la_int64_t *);
	int (*read_free)(struct archive *);
	struct archive *(*read_new)(void);
	int (*read_next_header)(struct archive *, struct archive_entry **);
	int (*read_open_fd)(struct archive *, int, size_t);
	int (*read_support_filter_xz)(struct archive *);
	int (*read_support_format_tar)(struct archive *);
} la;

static pthread_once_t la_once = PTHREAD_ONCE_INIT;

static bool sym(void *dl, void *dst, const char *name)
{
	void *p = dlsym(dl, name);

	memcpy(dst, &p, sizeof(p));
	return p != NULL;
}

static void load_libarchive(void)
{
	void *dl = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
	const char *e;

	if (!dl) {
		e = dlerror();
		snprintf(la.why, sizeof(la.why), "cannot load libarchive.so.13: %s",
			 e ? e : "not found");
		return;
	}
	if (!sym(dl, &la.entry_filetype, "archive_entry_filetype") ||
	    !sym(dl, &la.entry_hardlink, "archive_entry_hardlink") ||
	    !sym(dl, &la.entry_pathname, "archive_entry_pathname") ||
	    !sym(dl, &la.entry_perm, "archive_entry_perm") ||
	    !sym(dl, &la.entry_size, "archive_entry_size") ||
	    !sym(dl, &la.entry_sparse_count, "archive_entry_sparse_count") ||
	    !sym(dl, &la.entry_symlink, "archive_entry_symlink") ||
	    !sym(dl, &la.error_string, "archive_error_string") ||
	    !sym(dl, &la.filter_code, "archive_filter_code") ||
	    !sym(dl, &la.read_data_block, "archive_read_data_block") ||
	    !sym(dl, &la.read_free, "archive_read_free") ||
	    !sym(dl, &la.read_new, "archive_read_new") ||
	    !sym(dl, &la.read_next_header, "archive_read_next_header") ||
	    !sym(dl, &la.read_open_fd, "archive_read_open_fd") ||
	    !sym(dl, &la.read_support_filter_xz, "archive_read_support_filter_xz") ||
	    !sym(dl, &la.read_support_format_tar, "archive_read_support_format_tar")) {
		snprintf(la.why, sizeof(la.why), "libarchive.so.13 lacks a function cuenv needs");
		return;
	}
	la.ready = true;
}

struct ctx {
	int root;
	const struct extract_limits *lim;
	volatile sig_atomic_t *cancel;
	struct extract_result *res;
	uint64_t entries;
	/* The last parent directory opened, to avoid walking the path again. */
	char *parent_path;
	int parent_fd;
};

static int refuse(struct ctx *x, int rc, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Names are printed escaped: a hostile name must not drive the terminal. */
static void escape(const char *s, char *dst, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80)
			o += (size_t)snprintf(dst + o, len - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

static int refuse(struct ctx *x, int rc, const char *name, const char *fmt, ...)
{
	char esc[200], why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (name) {
		escape(name, esc, sizeof(esc));
		snprintf(x->res->err, sizeof(x->res->err), "entry '%s': %s", esc, why);
	} else {
		snprintf(x->res->err, sizeof(x->res->err), "%s", why);
	}
	return rc;
}

static bool valid_utf8(const unsigned char *s)
{
	while (*s) {
		unsigned n, i;
		unsigned long cp;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0)
			n = 1, cp = *s & 0x1f;
		else if ((*s & 0xf0) == 0xe0)
			n = 2, cp = *s & 0x0f;
		else if ((*s & 0xf8) == 0xf0)
			n = 3, cp = *s & 0x07;
		else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

int extract_check_name(const char *name, const char **why)
{
	const char *s, *seg = name;
	unsigned depth = 1;

	if (!*name)
		return *why = "empty name", -CUE_EUNSAFEPATH;
	if (strlen(name) > EXTRACT_MAX_PATH)
		return *why = "name longer than 1024 bytes", -CUE_EUNSAFEPATH;
	if (name[0] == '/')
		return *why = "absolute path", -CUE_EUNSAFEPATH;
	for (s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return *why = "control character in name", -CUE_EUNSAFEPATH;
		if (c == '\\')
			return *why = "backslash in name", -CUE_EUNSAFEPATH;
		if (c == '/')
			depth++;
	}
	if (!valid_utf8((const unsigned char *)name))
		return *why = "name is not valid UTF-8", -CUE_EUNSAFEPATH;
	if (depth > EXTRACT_MAX_DEPTH)
		return *why = "more than 64 path components", -CUE_EUNSAFEPATH;
	/* The store's receipt and the env's .cuenv/ are at the root: archives keep clear. */
	if (!strncmp(name, ".cuenv", 6))
		return *why = "name reserved for cuenv's own files", -CUE_EUNSAFEPATH;
	for (s = name;; s++) {
		if (*s && *s != '/')
			continue;
		if (s == seg)
			return *why = "empty path component", -CUE_EUNSAFEPATH;
		if (s - seg > EXTRACT_MAX_NAME)
			return *why = "path component longer than 255 bytes", -CUE_EUNSAFEPATH;
		if ((s - seg == 1 && seg[0] == '.') || (s - seg == 2 && !strncmp(seg, "..", 2)))
			return *why = "'.' or '..' component", -CUE_EUNSAFEPATH;
		if (!*s)
			break;
		seg = s + 1;
	}
	return 0;
}

int extract_check_link(const char *link, const char *target, const char **why)
{
	const char *s, *seg;
	long depth = 0;

	if (!*target)
		return *why = "empty symlink target", -CUE_EUNSAFEPATH;
	if (strlen(target) > EXTRACT_MAX_PATH)
		return *why = "symlink target longer than 1024 bytes", -CUE_EUNSAFEPATH;
	if (target[0] == '/')
		return *why = "symlink to an absolute path", -CUE_EUNSAFEPATH;
	for (s = target; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			return *why = "control character or backslash in symlink target",
			       -CUE_EUNSAFEPATH;
	}
	for (s = link; *s; s++)
		depth += *s == '/';
	for (seg = s = target;; s++) {
		if (*s && *s != '/')
			continue;
		if (s - seg == 2 && !strncmp(seg, "..", 2))
			depth--;
		else if (s != seg && !(s - seg == 1 && seg[0] == '.'))
			depth++;
		if (depth < 0)
			return *why = "symlink target leaves the archive", -CUE_EUNSAFEPATH;
		if (!*s)
			break;
		seg = s + 1;
	}
	return 0;
}

static struct extract_file *record(struct ctx *x, const char *path, char type, mode_t mode)
{
	struct extract_result *r = x->res;
	struct extract_file *f;

	xgrow(&r->files, sizeof(*r->files), r->nr + 1, &r->alloc);
	f = &r->files[r->nr++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->type = type;
	f->mode = mode;
	return f;
}

/*
 * fs_open_dir_at(x->root, rel, true), recording each directory it has to
 * create: archives may leave out the entries of parent directories, and the
 * store's receipt lists everything that is in the entry.
 */
static int open_dirs(struct ctx *x, const char *rel)
{
	char *copy = xstrdup(rel), *comp, *next;
	int fd = openat(x->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), nfd;

	if (fd < 0)
		fd = -errno;
	for (comp = copy; fd >= 0 && comp && *comp; comp = next) {
		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		if (mkdirat(fd, comp, 0755) == 0) {
			char *made = xstrndup(rel, (size_t)(comp - copy) + strlen(comp));

			record(x, made, EXTRACT_DIR, 0755);
			free(made);
		} else if (errno != EEXIST) {
			nfd = -errno;
			close(fd);
			fd = nfd;
			break;
		}
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			nfd = -errno;
		close(fd);
		fd = nfd;
	}
	free(copy);
	return fd;
}

/*
 * Open the parent directory of rel below the root, creating directories as
 * needed, one component at a time and never following a symlink. Returns a
 * directory fd owned by x (do not close) or -errno; *leaf points into rel.
 */
static int open_parent(struct ctx *x, const char *rel, const char **leaf)
{
	const char *slash = strrchr(rel, '/');
	int fd;

	*leaf = slash ? slash + 1 : rel;
	if (!slash)
		return x->root;
	if (x->parent_path && strlen(x->parent_path) == (size_t)(slash - rel) &&
	    !strncmp(x->parent_path, rel, (size_t)(slash - rel)))
		return x->parent_fd;
	free(x->parent_path);
	x->parent_path = xstrndup(rel, (size_t)(slash - rel));
	fd = open_dirs(x, x->parent_path);
	if (x->parent_fd >= 0)
		close(x->parent_fd);
	x->parent_fd = fd < 0 ? -1 : fd;
	if (fd < 0) {
		free(x->parent_path);
		x->parent_path = NULL;
	}
	return fd;
}

static int parent_error(struct ctx *x, const char *name, int err)
{
	if (err == -ELOOP || err == -ENOTDIR)
		return refuse(x, -CUE_EUNSAFEPATH, name,
			      "a parent directory is a symlink or a file");
	return refuse(x, err, name, "%s", strerror(-err));
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int copy_data(struct ctx *x, struct archive *a, int fd, const char *name,
		     struct extract_file *f)
{
	struct verify_sha256 *h = verify_sha256_new();
	const void *block;
	size_t len;
	la_int64_t off;
	int r, rc = 0;

	while ((r = la.read_data_block(a, &block, &len, &off)) == ARCHIVE_OK) {
		if (x->cancel && *x->cancel) {
			rc = -ECANCELED;
			break;
		}
		/* A hole (offset jump) means sparse data: refused like sparse headers. */
		if ((uint64_t)off != f->size) {
			rc = refuse(x, -CUE_EUNSAFEPATH, name, "sparse file");
			break;
		}
		if (x->res->bytes + len > x->lim->max_bytes) {
			rc = refuse(x, -CUE_EUNSAFEPATH, name,
				    "unpacked size exceeds the limit of %llu bytes",
				    (unsigned long long)x->lim->max_bytes);
			break;
		}
		if ((rc = write_all(fd, block, len)) < 0) {
			rc = refuse(x, rc, name, "cannot write: %s", strerror(-rc));
			break;
		}
		verify_sha256_update(h, block, len);
		f->size += len;
		x->res->bytes += len;
	}
	if (!rc && r != ARCHIVE_EOF)
		rc = refuse(x, -CUE_EARCHIVE, name, "corrupt archive data: %s",
			    la.error_string(a) ? la.error_string(a) : "read error");
	verify_sha256_final(h, f->sha256);
	verify_sha256_free(h);
	return rc;
}

static int do_file(struct ctx *x, struct archive *a, struct archive_entry *e, const char *rel)
{
	mode_t mode = (la.entry_perm(e) & 0111) ? 0555 : 0444;
	struct extract_file *f;
	const char *leaf;
	int dfd, fd, rc;

	if (la.entry_size(e) < 0 ||
	    (uint64_t)la.entry_size(e) > x->lim->max_bytes - x->res->bytes)
		return refuse(x, -CUE_EUNSAFEPATH, rel,
			      "declared size exceeds the unpacked limit of %llu bytes",
			      (unsigned long long)x->lim->max_bytes);
	if ((dfd = open_parent(x, rel, &leaf)) < 0)
		return parent_error(x, rel, dfd);
	fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return refuse(x, -CUE_EUNSAFEPATH, rel, "duplicate entry");
	if (fd < 0)
		return refuse(x, -errno, rel, "cannot create: %s", strerror(errno));
	f = record(x, rel, EXTRACT_FILE, mode);
	rc = copy_data(x, a, fd, rel, f);
	if (!rc && fchmod(fd, mode) < 0)
		rc = refuse(x, -errno, rel, "cannot set mode: %s", strerror(errno));
	if (close(fd) < 0 && !rc)
		rc = refuse(x, -errno, rel, "cannot write: %s", strerror(errno));
	if (!rc)
		checkpoint("mid-extract");
	return rc;
}

static const struct extract_file *find_file(struct ctx *x, const char *path)
{
	size_t i;

	for (i = x->res->nr; i-- > 0;) {
		if (!strcmp(x->res->files[i].path, path))
			return &x->res->files[i];
	}
	return NULL;
}

static const char *strip_top(const char *name, const char *top);

static int do_hardlink(struct ctx *x, struct archive_entry *e, const char *rel, const char *top)
{
	const char *target = strip_top(la.entry_hardlink(e), top), *why, *leaf;
	const struct extract_file *t;
	int dfd;

	if (!target || !*target)
		return refuse(x, -CUE_EUNSAFEPATH, rel, "hard link to outside the archive root");
	if (extract_check_name(target, &why) < 0)
		return refuse(x, -CUE_EUNSAFEPATH, rel, "hard link target: %s", why);
	if (la.entry_size(e) > 0)
		return refuse(x, -CUE_EUNSAFEPATH, rel, "hard link carrying data");
	t = find_file(x, target);
	if (!t || t->type != EXTRACT_FILE)
		return refuse(x, -CUE_EUNSAFEPATH, rel,
			      "hard link to something that is not an earlier regular file");
	if ((dfd = open_parent(x, rel, &leaf)) < 0)
		return parent_error(x, rel, dfd);
	if (linkat(x->root, target, dfd, leaf, 0) < 0)
		return errno == EEXIST ? refuse(x, -CUE_EUNSAFEPATH, rel, "duplicate entry")
				       : refuse(x, -errno, rel, "cannot link: %s", strerror(errno));
	{
		struct extract_file *f = record(x, rel, EXTRACT_FILE, t->mode);
		const struct extract_file *src = find_file(x, target);

		f->size = src->size;
		memcpy(f->sha256, src->sha256, sizeof(f->sha256));
	}
	return 0;
}

static int do_dir(struct ctx *x, const char *rel)
{
	const char *leaf;
	struct stat st;
	int dfd;

	if ((dfd = open_parent(x, rel, &leaf)) < 0)
		return parent_error(x, rel, dfd);
	if (mkdirat(dfd, leaf, 0755) < 0) {
		if (errno != EEXIST)
			return refuse(x, -errno, rel, "cannot create: %s", strerror(errno));
		if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			return refuse(x, -CUE_EUNSAFEPATH, rel,
				      "directory where an earlier entry is not one");
		return 0;
	}
	record(x, rel, EXTRACT_DIR, 0755);
	return 0;
}

static int do_symlink(struct ctx *x, struct archive_entry *e, const char *rel)
{
	const char *target = la.entry_symlink(e), *why, *leaf;
	struct extract_file *f;
	int dfd;

	if (!target)
		return refuse(x, -CUE_EUNSAFEPATH, rel, "symlink without a target");
	if (extract_check_link(rel, target, &why) < 0)
		return refuse(x, -CUE_EUNSAFEPATH, rel, "%s", why);
	if ((dfd = open_parent(x, rel, &leaf)) < 0)
		return parent_error(x, rel, dfd);
	if (symlinkat(target, dfd, leaf) < 0)
		return errno == EEXIST ? refuse(x, -CUE_EUNSAFEPATH, rel, "duplicate entry")
				       : refuse(x, -errno, rel, "cannot create: %s", strerror(errno));
	f = record(x, rel, EXTRACT_LINK, 0777);
	f->target = xstrdup(target);
	return 0;
}

/* "./top/a/b" -> "a/b", "top/" -> "", anything outside top -> NULL. */
static const char *strip_top(const char *name, const char *top)
{
	size_t n = strlen(top);

	if (!name)
		return NULL;
	if (!strncmp(name, "./", 2))
		name += 2;
	if (strncmp(name, top, n))
		return NULL;
	if (name[n] == '\0')
		return name + n;
	return name[n] == '/' ? name + n + 1 : NULL;
}

/*
 * Follow a symlink's target through the tree as the kernel would, link by
 * link, and refuse when it climbs above the root. The lexical check at
 * creation is not enough on its own: a chain of individually harmless links
 * can add up to an escape.
 */
static int resolve_inside(struct ctx *x, const struct extract_file *f)
{
	char *resolved = xstrdup(f->path), *rest = xstrdup(f->target), *slash;
	unsigned hops = 0;
	int rc = 0;

	slash = strrchr(resolved, '/');
	*(slash ? slash : resolved) = '\0';
	while (*rest && !rc) {
		char *comp = rest, *next = strchr(rest, '/'), *cand, *tmp;
		struct stat st;

		if (next)
			*next++ = '\0';
		else
			next = rest + strlen(rest);
		if (!*comp || !strcmp(comp, ".")) {
			memmove(rest, next, strlen(next) + 1);
			continue;
		}
		if (!strcmp(comp, "..")) {
			if (!*resolved) {
				rc = refuse(x, -CUE_EUNSAFEPATH, f->path, "symlink leaves the archive");
				break;
			}
			slash = strrchr(resolved, '/');
			*(slash ? slash : resolved) = '\0';
			memmove(rest, next, strlen(next) + 1);
			continue;
		}
		cand = *resolved ? xasprintf("%s/%s", resolved, comp) : xstrdup(comp);
		if (fstatat(x->root, cand, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			char target[EXTRACT_MAX_PATH + 1];
			ssize_t n = readlinkat(x->root, cand, target, sizeof(target) - 1);

			if (++hops > MAX_LINK_HOPS || n <= 0 || target[0] == '/') {
				rc = refuse(x, -CUE_EUNSAFEPATH, f->path,
					    "symlink chain loops or leaves the archive");
			} else {
				target[n] = '\0';
				tmp = xasprintf("%s/%s", target, next);
				free(rest);
				rest = tmp;
			}
			free(cand);
			continue;
		}
		free(resolved);
		resolved = cand;
		memmove(rest, next, strlen(next) + 1);
	}
	free(resolved);
	free(rest);
	return rc;
}

static int do_entry(struct ctx *x, struct archive *a, struct archive_entry *e, const char *top)
{
	const char *raw = la.entry_pathname(e), *name, *why;
	char *rel;
	size_t n;
	int rc;

	name = strip_top(raw, top);
	if (!name)
		return refuse(x, -CUE_EUNSAFEPATH, raw ? raw : "(no name)",
			      "outside the archive root '%s/'", top);
	if (++x->entries > x->lim->max_entries)
		return refuse(x, -CUE_EUNSAFEPATH, NULL, "archive has more than %llu entries",
			      (unsigned long long)x->lim->max_entries);
	if (la.entry_sparse_count(e) > 0)
		return refuse(x, -CUE_EUNSAFEPATH, raw, "sparse file");
	n = strlen(name);
	rel = xstrndup(name, n && name[n - 1] == '/' ? n - 1 : n);
	if (!*rel) {
		/* The top directory itself: it must be a directory, and is the root. */
		rc = la.entry_filetype(e) == AE_IFDIR && !la.entry_hardlink(e)
			     ? 0
			     : refuse(x, -CUE_EUNSAFEPATH, raw, "archive root is not a directory");
	} else if (extract_check_name(rel, &why) < 0) {
		rc = refuse(x, -CUE_EUNSAFEPATH, raw, "%s", why);
	} else if (la.entry_hardlink(e)) {
		rc = do_hardlink(x, e, rel, top);
	} else {
		switch (la.entry_filetype(e)) {
		case AE_IFREG:
			rc = do_file(x, a, e, rel);
			break;
		case AE_IFDIR:
			rc = do_dir(x, rel);
			break;
		case AE_IFLNK:
			rc = do_symlink(x, e, rel);
			break;
		default:
			rc = refuse(x, -CUE_EUNSAFEPATH, rel,
				    "device, fifo, socket or other special entry");
		}
	}
	free(rel);
	return rc;
}

int extract_archive(int fd, const char *top, int dirfd, const struct extract_limits *lim,
		    volatile sig_atomic_t *cancel, struct extract_result *res)
{
	struct ctx x = { dirfd, lim, cancel, res, 0, NULL, -1 };
	struct archive *a;
	struct archive_entry *e;
	size_t i;
	int r, rc = 0;

	memset(res, 0, sizeof(*res));
	pthread_once(&la_once, load_libarchive);
	if (!la.ready)
		return refuse(&x, -ENOSYS, NULL, "%s", la.why);
	a = la.read_new();
	if (!a)
		return refuse(&x, -ENOMEM, NULL, "cannot set up libarchive");
	la.read_support_filter_xz(a);
	la.read_support_format_tar(a);
	if (la.read_open_fd(a, fd, BLOCK_SIZE) != ARCHIVE_OK) {
		rc = refuse(&x, -CUE_EARCHIVE, NULL, "not an xz-compressed tar archive (%s)",
			    la.error_string(a));
		goto out;
	}
	/* libarchive always reads uncompressed input too; NVIDIA's archives are xz. */
	if (la.filter_code(a, 0) != ARCHIVE_FILTER_XZ) {
		rc = refuse(&x, -CUE_EARCHIVE, NULL,
			    "not an xz-compressed tar archive (not compressed with xz)");
		goto out;
	}
	while (!rc) {
		if (cancel && *cancel) {
			rc = -ECANCELED;
			break;
		}
		r = la.read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = refuse(&x, -CUE_EARCHIVE, NULL, "%s (%s)",
				    x.entries ? "corrupt archive" : "not an xz-compressed tar archive",
				    la.error_string(a));
			break;
		}
		rc = do_entry(&x, a, e, top);
	}
	if (!rc && res->nr == 0)
		rc = refuse(&x, -CUE_EUNSAFEPATH, NULL, "archive has no entries");
	for (i = 0; !rc && i < res->nr; i++) {
		if (res->files[i].type == EXTRACT_LINK)
			rc = resolve_inside(&x, &res->files[i]);
	}
out:
	if (x.parent_fd >= 0)
		close(x.parent_fd);
	free(x.parent_path);
	la.read_free(a);
	return rc;
}

void extract_result_release(struct extract_result *res)
{
	size_t i;

	for (i = 0; i < res->nr; i++) {
		free(res->files[i].path);
		free(res->files[i].target);
	}
	free(res->files);
	memset(res, 0, sizeof(*res));
}
