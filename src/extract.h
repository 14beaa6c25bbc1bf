/*
 * extract.h - secure extraction of one verified NVIDIA .tar.xz archive.
 *
 * libarchive is included by extract.c only, with the tar format and the xz
 * filter and nothing else (most of libarchive's CVEs live in other readers).
 * cuenv writes every file itself, relative to a staging directory fd, rather
 * than through archive_write_disk, because the policy is cuenv's:
 *
 *  - every entry lies under the single top directory "<stem>/", which is
 *    stripped; anything else fails the archive;
 *  - names: no absolute path, no "", "." or ".." component, no control
 *    character, backslash or invalid UTF-8 (overlong forms and surrogates
 *    included), at most EXTRACT_MAX_PATH bytes, EXTRACT_MAX_DEPTH components
 *    of at most EXTRACT_MAX_NAME bytes; nothing at the root whose name
 *    starts with ".cuenv" (the store's receipt and the env's .cuenv/ are
 *    cuenv's own);
 *  - types: regular files, directories, symlinks whose target stays inside
 *    the archive root (checked after the whole tree exists, following the
 *    other links), hard links to an earlier regular file without data;
 *    devices, fifos, sockets and sparse files fail the archive;
 *  - modes are cuenv's: files 0444, or 0555 when any x bit was set;
 *    directories 0755; no setuid, setgid or sticky bit, no owner;
 *  - parents are opened one component at a time with O_NOFOLLOW, files are
 *    created with O_EXCL: nothing is written through a symlink and a
 *    duplicate entry fails the archive;
 *  - limits on entries and total bytes (EXTRACT_MAX_* or the caller's).
 *
 * Any refusal fails the whole archive; the caller removes the staging tree.
 * Each regular file is hashed as it is written, for the store's receipt.
 */
#ifndef CUENV_EXTRACT_H
#define CUENV_EXTRACT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define EXTRACT_MAX_PATH 1024
#define EXTRACT_MAX_DEPTH 64
#define EXTRACT_MAX_NAME 255
#define EXTRACT_MAX_ENTRIES 200000
#define EXTRACT_MAX_BYTES (256ULL << 30)

struct extract_limits {
	uint64_t max_bytes;	/* total of regular file sizes */
	uint64_t max_entries;
};

enum extract_type { EXTRACT_FILE = 'f', EXTRACT_DIR = 'd', EXTRACT_LINK = 'l' };

struct extract_file {
	char *path;		/* relative to the archive root, top directory stripped */
	char type;		/* enum extract_type */
	mode_t mode;		/* as written */
	uint64_t size;
	unsigned char sha256[32];	/* regular files */
	char *target;		/* symlinks */
};

struct extract_result {
	struct extract_file *files;	/* in archive order */
	size_t nr;
	size_t alloc;
	uint64_t bytes;
	char err[512];
};

/*
 * Extract the archive read from fd (positioned at its start) into the empty
 * directory dirfd. top is the expected top directory ("<stem>-archive").
 * cancel, when not NULL, is polled between blocks. Returns 0, or
 * -CUE_EUNSAFEPATH (a refused entry), -CUE_EARCHIVE (corrupt or not a tar.xz),
 * -ECANCELED, or -errno (ENOSPC, …), with a message naming the entry in
 * res->err. Free res with extract_result_release() either way.
 */
int extract_archive(int fd, const char *top, int dirfd, const struct extract_limits *lim,
		    volatile sig_atomic_t *cancel, struct extract_result *res);

void extract_result_release(struct extract_result *res);

/*
 * Check one entry name (top directory already stripped): the name rules
 * above. Returns 0 or -CUE_EUNSAFEPATH with the reason in *why.
 */
int extract_check_name(const char *name, const char **why);

/*
 * Check that a symlink at link (relative to the root) with target stays
 * inside the root, lexically. Returns 0 or -CUE_EUNSAFEPATH.
 */
int extract_check_link(const char *link, const char *target, const char **why);

#endif
