// SPDX-License-Identifier: MIT
/* Transfers through libcurl: the only file that includes it. */
#include "fetch.h"

#include <dlfcn.h>
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

/*
 * libcurl is loaded when the first transfer needs it, not at start-up: with
 * its dependencies it is two thirds of the dynamic loader's work, and most
 * commands (resolve, exec, env, the hook) never touch the network. The
 * soname libcurl.so.4 has been stable since 2006.
 */
static struct {
	void *dl;
	bool ready;
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
} api;

static int load_symbol(void *dst, const char *name)
{
	void *sym = dlsym(api.dl, name);

	if (!sym)
		return -1;
	memcpy(dst, &sym, sizeof(sym));
	return 0;
}

static int load_curl(char *err, size_t errlen)
{
	const char *why;

	if (api.ready)
		return 0;
	api.dl = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!api.dl) {
		why = dlerror();
		snprintf(err, errlen, "cannot load libcurl.so.4: %s", why ? why : "not found");
		return -CUE_ENETWORK;
	}
	if (load_symbol(&api.global_init, "curl_global_init") ||
	    load_symbol(&api.global_cleanup, "curl_global_cleanup") ||
	    load_symbol(&api.easy_init, "curl_easy_init") ||
	    load_symbol(&api.easy_setopt, "curl_easy_setopt") ||
	    load_symbol(&api.easy_perform, "curl_easy_perform") ||
	    load_symbol(&api.easy_getinfo, "curl_easy_getinfo") ||
	    load_symbol(&api.easy_cleanup, "curl_easy_cleanup") ||
	    load_symbol(&api.easy_strerror, "curl_easy_strerror")) {
		snprintf(err, errlen, "libcurl.so.4 lacks a function cuenv needs");
		return -CUE_ENETWORK;
	}
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -CUE_ENETWORK;
	}
	api.ready = true;
	return 0;
}

void fetch_global_cleanup(void)
{
	if (api.ready)
		api.global_cleanup();
	/* The library stays mapped: libcurl's dependencies may have atexit handlers. */
	api.ready = false;
}

static void set_options(CURL *h, const char *url, unsigned flags, struct sink *s, char *cerr)
{
	const char *ca = getenv("CUENV_CA_BUNDLE");
	const char *protos = (flags & FETCH_ALLOW_PLAIN) ? "https,http,file" : "https";

	api.easy_setopt(h, CURLOPT_URL, url);
	api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, protos);
	api.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
			 strncmp(url, "https:", 6) ? "https,http" : "https");
	api.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	api.easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	api.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	api.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
	api.easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	api.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	api.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && *ca)
		api.easy_setopt(h, CURLOPT_CAINFO, ca);
	api.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	api.easy_setopt(h, CURLOPT_USERAGENT, "cuenv/" CUENV_VERSION);
	api.easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	api.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	api.easy_setopt(h, CURLOPT_WRITEDATA, s);
}

int fetch_buffer(const char *url, size_t max, unsigned flags, struct buf *out, char *err,
		 size_t errlen)
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct sink s = { out, out->len, max, false };
	long status = 0;
	CURLcode cc;
	CURL *h;
	int rc;

	if ((rc = load_curl(err, errlen)) < 0)
		return rc;
	h = api.easy_init();
	if (!h) {
		snprintf(err, errlen, "%s: cannot set up a transfer", url);
		return -CUE_ENETWORK;
	}
	set_options(h, url, flags, &s, cerr);
	cc = api.easy_perform(h);
	api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "%s: response larger than %zu bytes", url, max);
		rc = -CUE_ESIZE;
	} else if (cc == CURLE_HTTP_RETURNED_ERROR || status >= 400) {
		snprintf(err, errlen, "%s: HTTP %ld", url, status);
		rc = -CUE_EHTTP;
	} else if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, *cerr ? cerr : api.easy_strerror(cc));
		rc = -CUE_ENETWORK;
	}
	if (rc)
		buf_setlen(out, s.start);
	api.easy_cleanup(h);
	return rc;
}
