/*
 * store.h - cuenv's on-disk layout (DESIGN.md "On disk").
 *
 *	$CUENV_ROOT/store/<entry>/	one extracted archive, written once: files
 *					read-only, .cuenv-receipt lists every file
 *	$CUENV_ROOT/envs/<name>/	a merged prefix of hard links into the store,
 *					with .cuenv/receipt naming its entries
 *	$CUENV_ROOT/tmp/		staging; anything here after a crash is garbage
 *	$CUENV_ROOT/locks/		flock files, never deleted
 *	$CUENV_CACHE/archives/<sha256>.tar.xz	verified downloads, keyed by digest
 *	$CUENV_CACHE/archives/<sha256>.part	a download in progress (resumable)
 *	$CUENV_CACHE/archives/<sha256>.part.validator	its ETag or Last-Modified (If-Range)
 *	$CUENV_CACHE/roots/<hash>	the path of each root using this cache
 *
 * Everything becomes visible by one rename(2) of a complete staging
 * directory, after a syncfs(); a process killed at any instant leaves
 * nothing or a complete entry or env. Work on an entry or env happens under
 * its lock, and whoever takes a lock first removes staging left by dead
 * processes for that name.
 *
 *	struct store s;
 *	store_open(&s, root, cache, err, sizeof(err));
 *	if (!store_has_entry(&s, name)) ... store_unpack(&s, ...);
 *	store_assemble_env(&s, &env, err, sizeof(err));
 *	store_release(&s);
 */
#ifndef CUENV_STORE_H
#define CUENV_STORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "extract.h"

struct store {
	char *root;
	char *cache;
	char *store_dir, *envs_dir, *tmp_dir, *locks_dir, *archives_dir;
};

/* What an env is made of; the receipt of an env. */
struct store_component {
	char *product;		/* "cuda" or "cudnn" */
	char *name;		/* "cuda_cudart" */
	char *version;
	char *relative_path;
	unsigned char sha256[32];
	uint64_t size;
	char *entry;		/* store entry name */
};

/* One line of a store entry's receipt: what extraction wrote. */
struct store_file {
	char type;		/* 'f' regular file, 'd' directory, 'l' symlink */
	mode_t mode;		/* files: as written (0444 or 0555) */
	uint64_t size;		/* files */
	unsigned char sha256[32];	/* files */
	char *path;		/* relative to the entry (the top directory stripped) */
	char *target;		/* symlinks */
};

/* A store entry as its receipt describes it. */
struct store_entry {
	struct store_component c;	/* the archive; c.entry is the entry's name */
	struct store_file *files;	/* in archive order */
	size_t nr, alloc;
};

struct store_env {
	char *name;		/* "cuda-12.4.1+cudnn-9.14.0.64-devel" */
	char *spec, *platform, *profile, *source;
	char *cuda, *cudnn;	/* cudnn may be NULL */
	long long installed;	/* unix time: the receipt's mtime */
	struct store_component *components;
	size_t nr_components;
};

/* Fill s with the paths only, creating nothing (for commands that only read). */
void store_paths(struct store *s, const char *root, const char *cache);
/* Fill s and create the directories (mode 0755). Returns 0 or -errno with err. */
int store_open(struct store *s, const char *root, const char *cache, char *err, size_t errlen);
void store_release(struct store *s);

/*
 * The store entry name of an archive: "<file stem>-<12 hex of its sha256>",
 * e.g. "cuda_cudart-linux-x86_64-12.4.127-0123456789ab". Newly allocated.
 */
char *store_entry_name(const char *relative_path, const unsigned char sha256[32]);
/* The receipt inside every store entry: its archive and every file with its sha256. */
#define STORE_RECEIPT ".cuenv-receipt"

/* Whether store/<entry> exists (it is complete: it appeared by rename). */
bool store_has_entry(const struct store *s, const char *entry);

/* Newly allocated paths in the cache and the lock directory. */
char *store_archive_path(const struct store *s, const unsigned char sha256[32]);
char *store_part_path(const struct store *s, const unsigned char sha256[32]);
char *store_lock_path(const struct store *s, const char *kind, const char *name);

/*
 * Open a cached archive and check it before reuse: a regular file (not a
 * symlink or fifo) owned by this user and not group- or world-writable, of
 * the expected size and sha256. Returns 0 with *fd at offset 0, -ENOENT when
 * absent, or -CUE_ECHECKSUM / -CUE_ESIZE after removing a bad copy (so the
 * next step downloads it again).
 */
int store_open_cached(const char *path, uint64_t size, const unsigned char sha256[32], int *fd,
		      char *err, size_t errlen);

/*
 * Extract the archive at fd into store/<entry> through a staging directory,
 * with a receipt describing c. The caller holds the entry's lock. Returns 0
 * or a negative code with err naming the archive and the cause.
 */
int store_unpack(struct store *s, const struct store_component *c, int fd,
		 const struct extract_limits *lim, volatile sig_atomic_t *cancel, char *err,
		 size_t errlen);

/*
 * Build envs/<env->name> from its entries (hard links, copies where the
 * file system refuses; lib64 -> lib; licences under share/licenses/) and
 * write its receipt; replace an existing env of that name atomically. The
 * caller holds the env's lock. Conflicting files (same path, different
 * content) keep the first component's and are reported through warn.
 */
int store_assemble_env(struct store *s, const struct store_env *env,
		       void (*warn)(void *ctx, const char *msg), void *ctx, char *err,
		       size_t errlen);

/*
 * Read store/<name>/.cuenv-receipt into e. Returns 0, -ENOENT (no such entry
 * or no receipt), -CUE_EDATA (a malformed receipt) or another -errno.
 * Release e with store_entry_release() in every case.
 */
int store_read_entry(const struct store *s, const char *name, struct store_entry *e);
void store_entry_release(struct store_entry *e);

/*
 * Where file f of component (its name, "cuda_cudart") lies in an env,
 * relative to the env: its own path, except top-level files (each archive's
 * LICENSE), which go to share/licenses/<component>/. Newly allocated.
 */
char *store_env_dest(const char *component, const struct store_file *f);

/*
 * Read envs/<name>/.cuenv/receipt into env (installed: the receipt's mtime).
 * Returns 0, -ENOENT, -CUE_EDATA (malformed, or naming another env) or
 * another -errno. Release env with store_env_release() in every case.
 */
int store_read_env(const struct store *s, const char *name, struct store_env *env);

/* The path of envs/<name>: newly allocated. */
char *store_env_path(const struct store *s, const char *name);

/*
 * Read every env's receipt. Returns 0 with a newly allocated array (free with
 * store_envs_free()); unreadable envs are skipped.
 */
int store_list_envs(const struct store *s, struct store_env **envs, size_t *nr);
void store_envs_free(struct store_env *envs, size_t nr);
void store_env_release(struct store_env *env);

/* Remove envs/<name> (rename into tmp/, then delete). Returns 0 or -errno. */
int store_remove_env(struct store *s, const char *name);

struct store_gc_report {
	size_t entries, archives, partials, staging;
	unsigned long long bytes;
};

/*
 * Remove store entries and cached archives no env uses, and staging and
 * partial downloads whose lock nobody holds. An archive stays while any
 * process holds its lock (downloading or checking it) and while an env of
 * any root registered in the cache ($CUENV_CACHE/roots/) was built from it.
 * Returns 0 or -errno.
 */
int store_gc(struct store *s, struct store_gc_report *r, char *err, size_t errlen);

#endif
