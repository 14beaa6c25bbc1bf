/*
 * fs.h - small file-system helpers: whole-file reads, atomic writes, mkdir -p.
 *
 * Atomic writes follow the usual recipe: write "<path>.tmp.<pid>" created
 * with O_EXCL, fsync it, rename it over path, fsync the directory. A crash
 * leaves either the old file or the new one, plus at most a stray .tmp file,
 * which the next write of that path removes.
 *
 *	struct buf b = BUF_INIT;
 *	if (fs_read_file("/etc/x", 1 << 20, &b) == 0) ...
 *	fs_write_atomic("/tmp/y", b.s, b.len, 0644);
 */
#ifndef CUENV_FS_H
#define CUENV_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/*
 * Append the contents of path to out. Returns 0, -errno, -EINVAL for a fifo,
 * socket or directory (it never blocks), or -EFBIG when the file is larger
 * than max bytes (out is then unchanged).
 */
int fs_read_file(const char *path, size_t max, struct buf *out);
/*
 * Replace path atomically with len bytes of data. Returns 0 or -errno.
 * Temp files of dead processes beside path ("<name>.tmp.<pid>") are removed
 * first. Test checkpoints (checkpoint.h): "before-rename:<name>" once the
 * temp file is written and synced, "after-rename:<name>" once it is in place.
 */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/*
 * Remove the entries "<prefix><pid>" of dir whose process no longer exists
 * (what a process killed halfway through leaves behind).
 */
void fs_remove_stale(const char *dir, const char *prefix);
/* mkdir -p with the given mode for created directories. Returns 0 or -errno. */
int fs_mkdir_p(const char *path, mode_t mode);
/* fsync a directory so a rename in it is durable. Returns 0 or -errno. */
int fs_fsync_dir(const char *dir);

/*
 * Remove a tree without following symlinks, making read-only directories
 * writable first (NVIDIA ships read-only files). Missing path is success.
 * Returns 0 or the first -errno.
 */
int fs_rm_rf(const char *path);
/* The same for name relative to the directory fd dirfd. */
int fs_rm_rf_at(int dirfd, const char *name);

/* syncfs() of the file system holding fd (Linux); returns 0 or -errno. */
int fs_syncfs(int fd);

/*
 * Swap two paths atomically (renameat2 RENAME_EXCHANGE). Returns 0, or
 * -errno (-EINVAL or -ENOSYS where the file system cannot).
 */
int fs_exchange(const char *a, const char *b);

/*
 * Advisory locks with flock(2) on a file that is never deleted, so a lock
 * dies with its process and no stale lock survives a crash.
 *
 *	int fd;
 *	if (fs_lock(path, FS_LOCK_TRY, &fd) == 0) { ...; fs_unlock(fd); }
 */
enum fs_lock_flags {
	FS_LOCK_TRY = 1 << 0,		/* fail with -EWOULDBLOCK instead of waiting */
	FS_LOCK_SHARED = 1 << 1,	/* a shared (reader) lock */
};
/*
 * Open (creating) path and lock it, exclusively unless FS_LOCK_SHARED.
 * Returns 0 with *fd set, -EWOULDBLOCK when FS_LOCK_TRY finds it held,
 * -ENOLCK when the file system has no locks, or another -errno.
 */
int fs_lock(const char *path, unsigned flags, int *fd);
/* Release a lock taken with fs_lock() (fd < 0 is a no-op). */
void fs_unlock(int fd);

/*
 * Open the directory rel below the directory fd root one component at a
 * time, never following a symlink, creating missing ones (mode 0755) when
 * create is set. rel "" opens root itself. Returns a new fd or -errno
 * (-ELOOP or -ENOTDIR when a component is a symlink or a file).
 */
int fs_open_dir_at(int root, const char *rel, bool create);

/* Copy the regular file name in sdir to a new file name in ddir with mode. */
int fs_copy_file_at(int sdir, const char *sname, int ddir, const char *dname, mode_t mode);

/* Total bytes of regular files under path, counting each inode once. */
unsigned long long fs_du(const char *path);

/* realpath(3): the canonical absolute path, newly allocated, or NULL with errno set. */
char *fs_realpath(const char *path);

#endif
