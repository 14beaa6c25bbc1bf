/*
 * fetch.h - HTTP(S) and file:// transfers through libcurl.
 *
 * libcurl is included by fetch.c only. Transfers are https-only unless the
 * caller passes FETCH_ALLOW_PLAIN because the user named an http:// or
 * file:// source explicitly; redirects are never allowed to leave https.
 * TLS verification is always on; CUENV_CA_BUNDLE names a CA file for tests.
 *
 *	struct buf body = BUF_INIT;
 *	char err[256];
 *	if (fetch_buffer(url, 1 << 20, FETCH_ALLOW_PLAIN, &body, err, sizeof(err)) < 0)
 *		fail(err);
 *
 * Archives go through a fetcher: libcurl's multi interface, several
 * transfers at once, each into a .part file with SHA-256 computed as bytes
 * arrive, a hard cap at the manifest size in the write callback, bounded
 * retries with exponential backoff (resets, truncation, stalls, 408, 429
 * with Retry-After, 5xx), and resume with Range/If-Range, restarting from
 * zero when the server ignores the range or the file changed.
 */
#ifndef CUENV_FETCH_H
#define CUENV_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum fetch_flags {
	FETCH_ALLOW_PLAIN = 1 << 0,	/* also http:// and file:// */
};

/*
 * libcurl is loaded (dlopen) by the first transfer, so commands that never
 * download do not pay for it. Call fetch_global_cleanup() once before exit.
 */
void fetch_global_cleanup(void);

/*
 * GET url into out (appended). Fails with -CUE_EHTTP on a status >= 400,
 * -CUE_ESIZE when the body exceeds max bytes, -CUE_ENETWORK otherwise; err
 * then holds "<url>: <cause>".
 */
int fetch_buffer(const char *url, size_t max, unsigned flags, struct buf *out, char *err,
		 size_t errlen);

struct fetch_opts {
	unsigned flags;			/* enum fetch_flags */
	unsigned parallel;		/* transfers at once */
	unsigned attempts;		/* tries per archive, at least 1 */
	unsigned backoff_ms;		/* first retry delay; doubles */
	unsigned backoff_max_ms;
	unsigned retry_after_max_s;	/* longer Retry-After fails the archive */
	unsigned stall_s;		/* below 1 kB/s for this long: stalled */
	unsigned connect_s;
};

/* Defaults, with CUENV_RETRIES, CUENV_RETRY_BASE_MS, CUENV_RETRY_AFTER_MAX, CUENV_STALL_TIMEOUT applied. */
void fetch_opts_default(struct fetch_opts *o);

struct fetch_xfer;

/* One archive to download. The caller owns it; the fetcher fills the results. */
struct fetch_item {
	const char *url;
	const char *part_path;		/* bytes go here; an existing file is resumed */
	uint64_t size;			/* from the manifest: exact */
	unsigned char sha256[32];	/* from the manifest */
	void *user;
	/* results */
	uint64_t received;		/* bytes in part_path */
	unsigned attempts;
	int rc;				/* 0 or a negative code */
	char err[512];			/* "<url>: <cause>" */
	struct fetch_xfer *x;		/* private */
};

struct fetch_events {
	void *ctx;
	/* Called as bytes arrive (often: throttle drawing yourself). May be NULL. */
	void (*progress)(void *ctx, struct fetch_item *it);
	/* A failed attempt that will be retried after delay_ms. May be NULL. */
	void (*retry)(void *ctx, struct fetch_item *it, const char *why, unsigned delay_ms);
	/* Finished: it->rc is 0 and part_path is complete, fsynced and verified, or it failed. */
	void (*done)(void *ctx, struct fetch_item *it);
};

struct fetcher;

/* Returns 0 with *f, or -CUE_ENETWORK with err (libcurl cannot be loaded). */
int fetcher_new(struct fetcher **f, const struct fetch_opts *o, const struct fetch_events *ev,
		char *err, size_t errlen);
/* Queue an item; it starts when a slot is free. */
void fetcher_add(struct fetcher *f, struct fetch_item *it);
/*
 * Move transfers forward for at most timeout_ms, returning early when
 * extra_fd (>= 0) becomes readable. Calls the events. Returns the number of
 * items still queued, running or waiting to retry.
 */
size_t fetcher_run(struct fetcher *f, int timeout_ms, int extra_fd);
/* Stop everything (partial files stay for a later resume) and free f. */
void fetcher_free(struct fetcher *f);

#endif
