// SPDX-License-Identifier: MIT
/* Transfers through libcurl: the only file that includes it. */
#include "fetch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "error.h"
#include "banned.h"

#ifndef CUENV_VERSION
#define CUENV_VERSION "0"
#endif

struct sink {
	struct buf *out;
	size_t start;
	size_t max;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;

	/* The cap is enforced here, not after the fact: a hostile server cannot fill memory. */
	if (s->out->len - s->start + len > s->max) {
		s->too_big = true;
		return 0;
	}
	buf_add(s->out, p, len);
	return len;
}

int fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -CUE_ENETWORK;
}

void fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

static void set_options(CURL *h, const char *url, unsigned flags, struct sink *s, char *cerr)
{
	const char *ca = getenv("CUENV_CA_BUNDLE");
	const char *protos = (flags & FETCH_ALLOW_PLAIN) ? "https,http,file" : "https";

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
			 strncmp(url, "https:", 6) ? "https,http" : "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && *ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "cuenv/" CUENV_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
}

int fetch_buffer(const char *url, size_t max, unsigned flags, struct buf *out, char *err,
		 size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct sink s = { out, out->len, max, false };
	long status = 0;
	CURLcode cc;
	CURL *h;
	int rc = 0;

	h = curl_easy_init();
	if (!h) {
		snprintf(err, errlen, "%s: cannot set up a transfer", url);
		return -CUE_ENETWORK;
	}
	set_options(h, url, flags, &s, cerr);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "%s: response larger than %zu bytes", url, max);
		rc = -CUE_ESIZE;
	} else if (cc == CURLE_HTTP_RETURNED_ERROR || status >= 400) {
		snprintf(err, errlen, "%s: HTTP %ld", url, status);
		rc = -CUE_EHTTP;
	} else if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, *cerr ? cerr : curl_easy_strerror(cc));
		rc = -CUE_ENETWORK;
	}
	if (rc)
		buf_setlen(out, s.start);
	curl_easy_cleanup(h);
	return rc;
}
