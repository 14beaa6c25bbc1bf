/*
 * fs.h - small file-system helpers: whole-file reads, atomic writes, mkdir -p.
 *
 * Atomic writes follow the usual recipe: write "<path>.tmp.<pid>" created
 * with O_EXCL, fsync it, rename it over path, fsync the directory. A crash
 * leaves either the old file or the new one, plus at most a stray .tmp file.
 *
 *	struct buf b = BUF_INIT;
 *	if (fs_read_file("/etc/x", 1 << 20, &b) == 0) ...
 *	fs_write_atomic("/tmp/y", b.s, b.len, 0644);
 */
#ifndef CUENV_FS_H
#define CUENV_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/*
 * Append the contents of path to out. Returns 0, -errno, or -EFBIG when the
 * file is larger than max bytes (out is then unchanged).
 */
int fs_read_file(const char *path, size_t max, struct buf *out);
/* Replace path atomically with len bytes of data. Returns 0 or -errno. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* mkdir -p with the given mode for created directories. Returns 0 or -errno. */
int fs_mkdir_p(const char *path, mode_t mode);
/* fsync a directory so a rename in it is durable. Returns 0 or -errno. */
int fs_fsync_dir(const char *dir);

#endif
