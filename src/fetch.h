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
 * NEEDSWORK: the install issue adds parallel downloads to files, resume and
 * retries; this is the small synchronous part the catalogue needs.
 */
#ifndef CUENV_FETCH_H
#define CUENV_FETCH_H

#include <stddef.h>

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

#endif
