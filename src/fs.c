// SPDX-License-Identifier: MIT
/* File-system helpers: whole-file reads, atomic replacement, mkdir -p, locks. */
/* The one file with Linux-only calls: syncfs, renameat2. */
#define _GNU_SOURCE
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "checkpoint.h"
#include "xalloc.h"
#include "banned.h"

int fs_read_file(const char *path, size_t max, struct buf *out)
{
	size_t start = out->len;
	char chunk[65536];
	int fd, rc = 0;

	struct stat st;

	/* Never block in open() on a fifo; read files and devices such as /dev/null only. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		if (out->len - start + (size_t)n > max) {
			rc = -EFBIG;
			break;
		}
		buf_add(out, chunk, (size_t)n);
	}
	close(fd);
	if (rc)
		buf_setlen(out, start);
	return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = -errno;
	close(fd);
	return rc;
}

/* Whether "<prefix><pid>" names a process that no longer exists. */
static bool dead_owner(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;
	long pid;

	if (strncmp(name, prefix, n) || !name[n])
		return false;
	errno = 0;
	pid = strtol(name + n, &end, 10);
	if (*end || errno || pid <= 0 || pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

void fs_remove_stale(const char *dir, const char *prefix)
{
	DIR *dh = opendir(dir);
	struct dirent *d;

	while (dh && (d = readdir(dh))) {
		if (dead_owner(d->d_name, prefix))
			unlinkat(dirfd(dh), d->d_name, 0);
	}
	if (dh)
		closedir(dh);
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *base, *prefix, *cp;
	int fd, rc;

	if (slash)
		*slash = '\0';
	base = slash ? slash + 1 : dir;
	/* What a process killed between write and rename left here. */
	prefix = xasprintf("%s.tmp.", base);
	fs_remove_stale(slash ? (*dir ? dir : "/") : ".", prefix);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = write_all(fd, data, len);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	cp = xasprintf("before-rename:%s", base);
	if (!rc)
		checkpoint(cp);
	free(cp);
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		goto out;
	}
	cp = xasprintf("after-rename:%s", base);
	checkpoint(cp);
	free(cp);
	if (slash)
		rc = fs_fsync_dir(*dir ? dir : "/");
out:
	free(prefix);
	free(tmp);
	free(dir);
	return rc;
}

int fs_mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				rc = -errno;
				break;
			}
			*s = c;
		}
		if (!*s)
			break;
	}
	if (!rc) {
		struct stat st;

		if (stat(path, &st) < 0)
			rc = -errno;
		else if (!S_ISDIR(st.st_mode))
			rc = -ENOTDIR;
	}
	free(p);
	return rc;
}

static int rm_tree_at(int dirfd, const char *name, unsigned depth)
{
	struct stat st;
	struct dirent *d;
	DIR *dh;
	int fd, rc = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (depth > 4096)
		return -ELOOP;
	/* Read-only directories (from archives or the store) must become writable first. */
	if ((st.st_mode & 0700) != 0700)
		fchmodat(dirfd, name, (st.st_mode & 07777) | 0700, 0);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dh = fdopendir(fd);
	if (!dh) {
		close(fd);
		return -errno;
	}
	while ((d = readdir(dh))) {
		int r;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		r = rm_tree_at(fd, d->d_name, depth + 1);
		if (r && !rc)
			rc = r;
	}
	closedir(dh);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !rc)
		rc = -errno;
	return rc;
}

int fs_rm_rf_at(int dirfd, const char *name)
{
	return rm_tree_at(dirfd, name, 0);
}

int fs_rm_rf(const char *path)
{
	return rm_tree_at(AT_FDCWD, path, 0);
}

int fs_syncfs(int fd)
{
	return syncfs(fd) < 0 ? -errno : 0;
}

int fs_exchange(const char *a, const char *b)
{
#ifdef SYS_renameat2
	if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) == 0)
		return 0;
	return -errno;
#else
	(void)a;
	(void)b;
	return -ENOSYS;
#endif
}

int fs_lock(const char *path, unsigned flags, int *out)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	int op = (flags & FS_LOCK_SHARED ? LOCK_SH : LOCK_EX) | (flags & FS_LOCK_TRY ? LOCK_NB : 0);

	*out = -1;
	if (fd < 0)
		return -errno;
	while (flock(fd, op) < 0) {
		int e = errno;

		if (e == EINTR && !(flags & FS_LOCK_TRY))
			continue;
		close(fd);
		return -e;
	}
	*out = fd;
	return 0;
}

void fs_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

struct inode_set {
	struct {
		dev_t dev;
		ino_t ino;
	} *v;
	size_t nr, alloc;
};

static bool seen_inode(struct inode_set *s, const struct stat *st)
{
	size_t i;

	if (st->st_nlink < 2)
		return false;
	for (i = 0; i < s->nr; i++) {
		if (s->v[i].dev == st->st_dev && s->v[i].ino == st->st_ino)
			return true;
	}
	xgrow(&s->v, sizeof(*s->v), s->nr + 1, &s->alloc);
	s->v[s->nr].dev = st->st_dev;
	s->v[s->nr++].ino = st->st_ino;
	return false;
}

static unsigned long long du_at(int dirfd, const char *name, struct inode_set *seen,
				unsigned depth)
{
	unsigned long long total = 0;
	struct stat st;
	struct dirent *d;
	DIR *dh;
	int fd;

	if (depth > 4096 || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISREG(st.st_mode))
		return seen_inode(seen, &st) ? 0 : (unsigned long long)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(dh = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((d = readdir(dh))) {
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			total += du_at(fd, d->d_name, seen, depth + 1);
	}
	closedir(dh);
	return total;
}

unsigned long long fs_du(const char *path)
{
	struct inode_set seen = { 0 };
	unsigned long long n = du_at(AT_FDCWD, path, &seen, 0);

	free(seen.v);
	return n;
}

int fs_open_dir_at(int root, const char *rel, bool create)
{
	char *copy = xstrdup(rel), *comp, *next;
	int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), nfd;

	if (fd < 0)
		fd = -errno;
	for (comp = copy; fd >= 0 && comp && *comp; comp = next) {
		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		if (create && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			nfd = -errno;
		} else {
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0)
				nfd = -errno;
		}
		close(fd);
		fd = nfd;
	}
	free(copy);
	return fd;
}

int fs_copy_file_at(int sdir, const char *sname, int ddir, const char *dname, mode_t mode)
{
	char chunk[65536];
	int in, out, rc = 0;

	in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	for (;;) {
		ssize_t n = read(in, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				rc = -errno;
			break;
		}
		if ((rc = write_all(out, chunk, (size_t)n)) < 0)
			break;
	}
	if (!rc && fchmod(out, mode) < 0)
		rc = -errno;
	if (close(out) < 0 && !rc)
		rc = -errno;
	close(in);
	if (rc)
		unlinkat(ddir, dname, 0);
	return rc;
}

char *fs_realpath(const char *path)
{
	return realpath(path, NULL);
}
