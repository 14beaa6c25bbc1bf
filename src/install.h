/*
 * install.h - turn a resolved plan into a ready env: the install pipeline.
 *
 * For each archive of the plan: reuse its store entry if present; else take
 * the entry's lock, reuse a cached download after checking its sha256, or
 * download it (fetch.h: several at once, verified as bytes arrive), and hand
 * it to an extraction thread, so unpacking one archive overlaps downloading
 * the others. When every entry exists, the env is assembled under its own
 * lock and appears with one rename.
 *
 * Locks (flock, never deleted, so a killed process never blocks anyone):
 *	locks/root-store.lock		shared by installs, exclusive for gc
 *	locks/store-<entry>.lock	one producer per store entry
 *	<cache>/archives/<sha>.lock	one download per archive, across roots
 *	locks/env-<name>.lock		one assembler per env
 * Taken in that order; every wait is bounded (CUENV_LOCK_TIMEOUT seconds,
 * default 600) and re-checks what it waited for afterwards.
 */
#ifndef CUENV_INSTALL_H
#define CUENV_INSTALL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolve.h"
#include "store.h"

enum install_state {
	INSTALL_QUEUED,
	INSTALL_WAITING,	/* for another cuenv's lock */
	INSTALL_DOWNLOADING,
	INSTALL_UNPACKING,
	INSTALL_DONE,		/* unpacked by this run */
	INSTALL_REUSED,		/* already in the store */
	INSTALL_FAILED,
};

struct install_task {
	struct store_component c;
	const char *url;	/* borrowed from the plan */
	enum install_state state;
	bool from_cache;	/* the download was already in the cache */
	uint64_t received;	/* bytes of the current download */
	unsigned attempts;
};

struct install_events {
	void *ctx;
	/* A task changed state. */
	void (*state)(void *ctx, const struct install_task *t);
	/* Bytes arrived for a downloading task (called often). */
	void (*progress)(void *ctx, const struct install_task *t);
	/* Something worth a warning line (retries, file conflicts, lock waits). */
	void (*warn)(void *ctx, const char *msg);
};

struct install_opts {
	const char *root;
	const char *cache;
	const char *source;	/* for the env's receipt */
	unsigned jobs;		/* parallel downloads; 0: default */
	unsigned fetch_flags;	/* enum fetch_flags */
	volatile sig_atomic_t *cancel;
	struct install_events ev;
};

struct install_result {
	char *name;		/* env name; free() */
	char *prefix;		/* env path; free() */
	bool already;		/* nothing to do: the env was complete */
	struct install_task *tasks;	/* one per plan component */
	size_t nr_tasks;
	uint64_t downloaded;	/* bytes fetched from the network */
	struct store_env env;	/* what the env is made of; tasks borrow from it */
};

/*
 * Install plan p. Returns 0 with r filled (release with
 * install_result_release()), or a negative code with one line in err that
 * names the archive, URL and cause: network codes (4), -CUE_ECHECKSUM,
 * -CUE_ESIZE, -CUE_EUNSAFEPATH, -CUE_EDATA (5), -ECANCELED, or -errno.
 */
int install_plan(const struct plan *p, const struct install_opts *o, struct install_result *r,
		 char *err, size_t errlen);
void install_result_release(struct install_result *r);

/* Fill env from a plan (names, entries, receipt fields); release with store_env_release(). */
void install_env_from_plan(const struct plan *p, const char *source, struct store_env *env);

/*
 * Why taking a lock failed, for "cannot lock '<path>': <why>": timeout_why
 * for -ETIMEDOUT, a plain sentence for a file system without locks, else
 * strerror(). Borrowed strings.
 */
const char *install_lock_why(int rc, const char *timeout_why);

/*
 * Wait up to CUENV_LOCK_TIMEOUT for a lock; 0 or -errno (-ETIMEDOUT, or
 * -ECANCELED as soon as *cancel is set; cancel may be NULL).
 */
int install_lock_wait(const char *path, unsigned flags, int *fd, struct install_events *ev,
		      const char *what, volatile sig_atomic_t *cancel);

#endif
