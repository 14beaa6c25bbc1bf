// SPDX-License-Identifier: MIT
/* Transfers through libcurl: the only file that includes it. */
#include "fetch.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "checkpoint.h"
#include "error.h"
#include "verify.h"
#include "xalloc.h"
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
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_cleanup)(CURLM *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
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
	    load_symbol(&api.easy_strerror, "curl_easy_strerror") ||
	    load_symbol(&api.multi_init, "curl_multi_init") ||
	    load_symbol(&api.multi_add_handle, "curl_multi_add_handle") ||
	    load_symbol(&api.multi_remove_handle, "curl_multi_remove_handle") ||
	    load_symbol(&api.multi_perform, "curl_multi_perform") ||
	    load_symbol(&api.multi_poll, "curl_multi_poll") ||
	    load_symbol(&api.multi_info_read, "curl_multi_info_read") ||
	    load_symbol(&api.multi_cleanup, "curl_multi_cleanup") ||
	    load_symbol(&api.slist_append, "curl_slist_append") ||
	    load_symbol(&api.slist_free_all, "curl_slist_free_all")) {
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

/* The settings every transfer gets (RELIABILITY.md 1.7). */
static void common_options(CURL *h, const char *url, unsigned flags, unsigned connect_s,
			   unsigned stall_s, char *cerr)
{
	const char *ca = getenv("CUENV_CA_BUNDLE");
	const char *protos = (flags & FETCH_ALLOW_PLAIN) ? "https,http,file" : "https";

	api.easy_setopt(h, CURLOPT_URL, url);
	api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, protos);
	api.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR,
			 strncmp(url, "https:", 6) ? "https,http" : "https");
	api.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	api.easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)connect_s);
	api.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	api.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)stall_s);
	api.easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	api.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	api.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && *ca)
		api.easy_setopt(h, CURLOPT_CAINFO, ca);
	api.easy_setopt(h, CURLOPT_USERAGENT, "cuenv/" CUENV_VERSION);
	api.easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
}

static void set_options(CURL *h, const char *url, unsigned flags, struct sink *s, char *cerr)
{
	struct fetch_opts o;

	fetch_opts_default(&o);
	common_options(h, url, flags, o.connect_s, o.stall_s, cerr);
	api.easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
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
	} else if (cc == CURLE_OK && status && status != 200) {
		/* A 3xx libcurl did not follow (no Location), a 204...: its body is no document. */
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

/* ---- the fetcher: many archives at once ---- */

static unsigned env_uint(const char *name, unsigned def, unsigned min, unsigned max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max)
		return def;
	return (unsigned)n;
}

void fetch_opts_default(struct fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->parallel = 6;
	o->attempts = env_uint("CUENV_RETRIES", 5, 0, 100) + 1;
	o->backoff_ms = env_uint("CUENV_RETRY_BASE_MS", 1000, 0, 600000);
	o->backoff_max_ms = 30000;
	o->retry_after_max_s = env_uint("CUENV_RETRY_AFTER_MAX", 60, 0, 86400);
	o->stall_s = env_uint("CUENV_STALL_TIMEOUT", 30, 1, 3600);
	o->connect_s = env_uint("CUENV_CONNECT_TIMEOUT", 30, 1, 3600);
}

struct fetch_xfer {
	struct fetcher *f;
	struct fetch_item *it;
	CURL *h;
	struct curl_slist *headers;
	int fd;
	struct verify_sha256 *hash;
	uint64_t offset;		/* where this attempt started */
	long long retry_at;		/* ms; 0 when not waiting */
	bool resumed;			/* some bytes came from an earlier attempt */
	bool restarted;			/* already started over once after a bad digest */
	bool bad_range;			/* a 206 with other bytes than asked for */
	int fail;			/* a verdict from a callback: negative code */
	char validator[256];		/* ETag or Last-Modified we resume with (If-Range) */
	char resp_etag[256];		/* the current response's, until its headers end */
	char resp_modified[256];
	char *validator_path;		/* "<part>.validator": the validator across runs */
	long long range_start;		/* from Content-Range; -1 when absent */
	bool html;			/* Content-Type: text/html */
	char peek[16];			/* the body's first bytes, to recognise HTML */
	size_t peek_len;
	char cerr[CURL_ERROR_SIZE];
	struct fetch_xfer *next;
};

struct fetcher {
	CURLM *multi;
	struct fetch_opts o;
	struct fetch_events ev;
	struct fetch_xfer *all;		/* every unfinished item */
	unsigned running;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int xfail(struct fetch_xfer *x, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int xfail(struct fetch_xfer *x, int rc, const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(x->it->err, sizeof(x->it->err), "%s: %s", x->it->url, why);
	x->it->rc = rc;
	return rc;
}

/*
 * The validator of a partial download lives beside it, so that a later run
 * resumes with If-Range too: a server whose file changed since then answers
 * 200 with all of it, not 206 with the tail of another file. It is a hint,
 * not a commitment (the digest decides): written without fsync, and a torn
 * or foreign one only costs a fresh start.
 */
static bool good_validator(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= 256)
		return false;
	for (; *v; v++) {
		if ((unsigned char)*v < 0x20 || (unsigned char)*v >= 0x7f)
			return false;
	}
	return true;
}

static void load_validator(struct fetch_xfer *x)
{
	char buf[258];
	ssize_t n;
	int fd = open(x->validator_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	*x->validator = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	/* Longer than any validator we write: not ours. */
	if (n <= 0 || n > 255)
		return;
	buf[n] = '\0';
	if (good_validator(buf))
		memcpy(x->validator, buf, (size_t)n + 1);
}

static void save_validator(struct fetch_xfer *x)
{
	char *tmp;
	int fd;

	unlink(x->validator_path);
	if (!good_validator(x->validator))
		return;
	tmp = xasprintf("%s.%ld", x->validator_path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		bool ok = write(fd, x->validator, strlen(x->validator)) ==
			  (ssize_t)strlen(x->validator);

		if (close(fd) == 0 && ok && rename(tmp, x->validator_path) == 0) {
			free(tmp);
			return;
		}
	}
	unlink(tmp);
	free(tmp);
}

/* Start the part file over: no bytes, a fresh digest. */
static int restart_part(struct fetch_xfer *x)
{
	if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)
		return -errno;
	verify_sha256_free(x->hash);
	x->hash = verify_sha256_new();
	x->it->received = 0;
	x->resumed = false;
	x->peek_len = 0;
	unlink(x->validator_path);
	return 0;
}

/*
 * Open the part file. Bytes a killed process left there are hashed again
 * before they count (nothing on disk is trusted without its digest).
 */
static int open_part(struct fetch_xfer *x)
{
	char chunk[1 << 16];
	struct stat st;
	ssize_t n;

	/*
	 * A partial download is only resumed when it is a plain file of ours that
	 * nobody else can write: anything else in its place (a symlink, a fifo,
	 * another user's file) is removed, never followed or opened.
	 */
	if (lstat(x->it->part_path, &st) == 0 &&
	    (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) &&
	    unlink(x->it->part_path) < 0)
		return xfail(x, -errno, "cannot replace '%s': %s", x->it->part_path,
			     strerror(errno));
	x->fd = open(x->it->part_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		     0644);
	if (x->fd < 0)
		return xfail(x, -errno, "cannot open '%s': %s", x->it->part_path, strerror(errno));
	x->hash = verify_sha256_new();
	if (fstat(x->fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > x->it->size)
		return restart_part(x) < 0 ? xfail(x, -EIO, "cannot reset a partial file") : 0;
	if (st.st_size > 0)
		load_validator(x);
	while ((n = read(x->fd, chunk, sizeof(chunk))) > 0) {
		verify_sha256_update(x->hash, chunk, (size_t)n);
		x->it->received += (uint64_t)n;
	}
	x->resumed = x->it->received > 0;
	return 0;
}

static int check_length(struct fetch_xfer *x)
{
	curl_off_t cl = -1;

	api.easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	/* Fail before the body when the server announces another size than the manifest. */
	if (cl >= 0 && (uint64_t)cl != x->it->size - x->offset)
		return xfail(x, -CUE_ESIZE, "server announces %lld bytes, the manifest %llu%s",
			     (long long)cl + (long long)x->offset, (unsigned long long)x->it->size,
			     x->html ? "; the server sent an HTML page (a captive portal or an "
				       "error page?)"
				     : "");
	return 0;
}

/*
 * At the end of a final response's headers: a 200 to a range request means
 * the server ignored the range (or the file changed, under If-Range) and
 * sends everything, so start over; a 206 must resume where we asked; the
 * announced length must be the manifest's.
 */
static int check_response(struct fetch_xfer *x)
{
	long status = 0;

	api.easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 300 || status < 200)
		return 0;
	if (x->offset && status == 200) {
		if (restart_part(x) < 0)
			return xfail(x, -EIO, "cannot start '%s' over", x->it->part_path);
		x->offset = 0;
	} else if (status == 206 && x->range_start != (long long)x->offset) {
		/* Not the bytes we asked for (or no Content-Range at all): start over. */
		x->bad_range = true;
		if (x->range_start < 0)
			return xfail(x, -CUE_ENETWORK, "server sent a partial response (206) "
						       "without a Content-Range");
		return xfail(x, -CUE_ENETWORK, "server sent bytes from %lld, not from %llu",
			     x->range_start, (unsigned long long)x->offset);
	}
	/* The bytes that follow belong to this version of the file: remember which. */
	if (status == 200 || !*x->validator) {
		/* A weak ETag cannot go in If-Range (RFC 9110): Last-Modified then. */
		const char *v = x->resp_modified;

		if (*x->resp_etag && strncmp(x->resp_etag, "W/", 2))
			v = x->resp_etag;

		snprintf(x->validator, sizeof(x->validator), "%s", v);
		save_validator(x);
	}
	return check_length(x);
}

static void header_value(const char *p, size_t len, size_t skip, char *dst, size_t dstlen)
{
	size_t v = skip, e = len;

	while (v < e && (p[v] == ' ' || p[v] == '\t'))
		v++;
	while (e > v && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
		e--;
	if (e - v < dstlen)
		snprintf(dst, dstlen, "%.*s", (int)(e - v), p + v);
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct fetch_xfer *x = ctx;
	size_t len = size * n;
	char tmp[64];

	if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		if (check_response(x) < 0) {
			x->fail = x->it->rc;
			return 0;
		}
		return len;
	}
	if (!strncasecmp(p, "HTTP/", 5)) {
		/* A new response (after a redirect): forget the last one's headers. */
		x->range_start = -1;
		x->html = false;
		*x->resp_etag = *x->resp_modified = '\0';
	} else if (len > 21 && !strncasecmp(p, "content-range: bytes ", 21)) {
		header_value(p, len, 21, tmp, sizeof(tmp));
		x->range_start = strtoll(tmp, NULL, 10);
	} else if (len > 13 && !strncasecmp(p, "content-type:", 13)) {
		header_value(p, len, 13, tmp, sizeof(tmp));
		x->html = !strncasecmp(tmp, "text/html", 9);
	} else if (len > 5 && !strncasecmp(p, "etag:", 5)) {
		header_value(p, len, 5, x->resp_etag, sizeof(x->resp_etag));
	} else if (len > 14 && !strncasecmp(p, "last-modified:", 14)) {
		header_value(p, len, 14, x->resp_modified, sizeof(x->resp_modified));
	}
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct fetch_xfer *x = ctx;
	size_t len = size * n, off = 0;
	long status = 0;

	/*
	 * Only a 200 or 206 carries the archive. libcurl hands over the body of
	 * any other final answer (a 3xx it does not follow, such as one without
	 * a Location): never a byte of it into the partial file.
	 */
	api.easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 && status != 206 && status != 0 /* file:// */) {
		x->fail = xfail(x, -CUE_EHTTP, "HTTP %ld%s", status,
				status >= 300 && status < 400 ? " (a redirect without a Location)"
							      : "");
		return 0;
	}
	/* The hard cap lives here: MAXFILESIZE is not enforced in flight before curl 8.4. */
	if (x->it->received + len > x->it->size) {
		x->fail = xfail(x, -CUE_ESIZE, "server sent more than the manifest's %llu bytes",
				(unsigned long long)x->it->size);
		return 0;
	}
	if (x->it->received == 0 && x->peek_len == 0) {
		x->peek_len = len < sizeof(x->peek) ? len : sizeof(x->peek);
		memcpy(x->peek, p, x->peek_len);
	}
	while (off < len) {
		ssize_t w = write(x->fd, p + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			x->fail = xfail(x, -errno, "cannot write '%s': %s", x->it->part_path,
					strerror(errno));
			return 0;
		}
		off += (size_t)w;
	}
	verify_sha256_update(x->hash, p, len);
	x->it->received += len;
	checkpoint("download-started");
	if (x->f->ev.progress)
		x->f->ev.progress(x->f->ev.ctx, x->it);
	return len;
}

static int start(struct fetcher *f, struct fetch_xfer *x)
{
	char range[64];

	x->h = api.easy_init();
	if (!x->h)
		return xfail(x, -CUE_ENETWORK, "cannot set up a transfer");
	x->fail = 0;
	x->range_start = -1;
	x->offset = x->it->received;
	*x->cerr = '\0';
	/*
	 * No CURLOPT_MAXFILESIZE here: check_length() refuses a wrong length before
	 * the body, naming both sizes, and on_body() caps what arrives.
	 */
	common_options(x->h, x->it->url, f->o.flags, f->o.connect_s, f->o.stall_s, x->cerr);
	api.easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
	api.easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	api.easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
	api.easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	api.easy_setopt(x->h, CURLOPT_PRIVATE, x);
	if (x->offset) {
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)x->offset);
		api.easy_setopt(x->h, CURLOPT_RANGE, range);
		/* If the file changed since, the server sends all of it and we start over. */
		if (*x->validator) {
			char *hdr = xasprintf("If-Range: %s", x->validator);

			x->headers = api.slist_append(NULL, hdr);
			free(hdr);
			api.easy_setopt(x->h, CURLOPT_HTTPHEADER, x->headers);
		}
	}
	api.multi_add_handle(f->multi, x->h);
	f->running++;
	return 0;
}

static void stop_handle(struct fetcher *f, struct fetch_xfer *x)
{
	if (!x->h)
		return;
	api.multi_remove_handle(f->multi, x->h);
	api.easy_cleanup(x->h);
	api.slist_free_all(x->headers);
	x->headers = NULL;
	x->h = NULL;
	f->running--;
}

static void finish(struct fetcher *f, struct fetch_xfer *x)
{
	struct fetch_xfer **pp;

	stop_handle(f, x);
	if (x->fd >= 0) {
		if (x->it->rc == 0 && fsync(x->fd) < 0)
			xfail(x, -errno, "cannot write '%s': %s", x->it->part_path, strerror(errno));
		close(x->fd);
	}
	/* Never keep a body that failed its size or digest check, nor an empty file. */
	if (x->it->rc == -CUE_ECHECKSUM || x->it->rc == -CUE_ESIZE ||
	    (x->it->rc && x->it->received == 0))
		unlink(x->it->part_path);
	/* A complete, verified file (about to be renamed) or none: no partial to resume. */
	if (x->it->rc == 0 || access(x->it->part_path, F_OK) < 0)
		unlink(x->validator_path);
	free(x->validator_path);
	verify_sha256_free(x->hash);
	for (pp = &f->all; *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	x->it->x = NULL;
	if (f->ev.done)
		f->ev.done(f->ev.ctx, x->it);
	free(x);
}

static bool looks_like_html(const struct fetch_xfer *x)
{
	size_t i = 0;

	while (i < x->peek_len && (x->peek[i] == ' ' || x->peek[i] == '\n' || x->peek[i] == '\r'))
		i++;
	return i < x->peek_len && x->peek[i] == '<';
}

/* All bytes are in: compare the digest computed as they arrived. */
static void verify_complete(struct fetcher *f, struct fetch_xfer *x)
{
	unsigned char got[VERIFY_SHA256_LEN];
	char want_hex[VERIFY_SHA256_HEX], got_hex[VERIFY_SHA256_HEX];

	verify_sha256_final(x->hash, got);
	if (!memcmp(got, x->it->sha256, sizeof(got))) {
		checkpoint("after-verify");
		finish(f, x);
		return;
	}
	/* Bytes from before a resume may belong to an older file: start over once. */
	if (x->resumed && !x->restarted && restart_part(x) == 0) {
		x->restarted = true;
		x->retry_at = now_ms();
		return;
	}
	xfail(x, -CUE_ECHECKSUM, "sha256 mismatch (expected %.12s…, got %.12s…)%s",
	      verify_hex(x->it->sha256, 32, want_hex), verify_hex(got, 32, got_hex),
	      looks_like_html(x) ? "; the server sent an HTML page (a captive portal or an error page?)"
				 : "");
	finish(f, x);
}

static bool retryable(CURLcode cc, long status)
{
	if (cc == CURLE_HTTP_RETURNED_ERROR || status >= 400)
		return status == 408 || status == 429 || status >= 500;
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

static void describe(struct fetch_xfer *x, CURLcode cc, long status)
{
	if (cc == CURLE_HTTP_RETURNED_ERROR || status >= 400)
		xfail(x, -CUE_EHTTP, "HTTP %ld", status);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		xfail(x, -CUE_ENETWORK, "stalled: below 1024 bytes/s for %u s or no connection (%s)",
		      x->f->o.stall_s, *x->cerr ? x->cerr : "timeout");
	else if (cc == CURLE_OUT_OF_MEMORY)
		/* What libcurl 7.88 reports for a header line over its 100 kB limit. */
		xfail(x, -CUE_ENETWORK, "response headers too large (libcurl: %s)",
		      *x->cerr ? x->cerr : api.easy_strerror(cc));
	else if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE)
		xfail(x, -CUE_ENETWORK, "TLS certificate verification failed: %s",
		      *x->cerr ? x->cerr : api.easy_strerror(cc));
	else if (cc != CURLE_OK)
		xfail(x, -CUE_ENETWORK, "%s (received %llu of %llu bytes)",
		      *x->cerr ? x->cerr : api.easy_strerror(cc),
		      (unsigned long long)x->it->received, (unsigned long long)x->it->size);
	else
		xfail(x, -CUE_ENETWORK, "transfer ended after %llu of %llu bytes",
		      (unsigned long long)x->it->received, (unsigned long long)x->it->size);
}

static void schedule_retry(struct fetcher *f, struct fetch_xfer *x, long status,
			   curl_off_t retry_after)
{
	unsigned delay = f->o.backoff_ms, i;

	for (i = 1; i < x->it->attempts && delay < f->o.backoff_max_ms; i++)
		delay *= 2;
	if (delay > f->o.backoff_max_ms)
		delay = f->o.backoff_max_ms;
	if ((status == 429 || status == 503) && retry_after > 0) {
		if ((unsigned long long)retry_after > f->o.retry_after_max_s) {
			xfail(x, -CUE_EHTTP, "HTTP %ld: server asked to retry after %lld s (limit %u s)",
			      status, (long long)retry_after, f->o.retry_after_max_s);
			finish(f, x);
			return;
		}
		delay = (unsigned)retry_after * 1000;
	}
	if (x->it->attempts >= f->o.attempts) {
		finish(f, x);
		return;
	}
	if (f->ev.retry)
		f->ev.retry(f->ev.ctx, x->it, x->it->err, delay);
	x->it->rc = 0;
	x->retry_at = now_ms() + delay;
}

static void on_done(struct fetcher *f, struct fetch_xfer *x, CURLcode cc)
{
	curl_off_t retry_after = 0;
	long status = 0;

	api.easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	api.easy_getinfo(x->h, CURLINFO_RETRY_AFTER, &retry_after);
	stop_handle(f, x);
	/* A 206 of the wrong bytes: forget the partial file and ask for all of it once more. */
	if (x->fail && x->bad_range && !x->restarted && restart_part(x) == 0 &&
	    ++x->it->attempts < f->o.attempts) {
		x->restarted = true;
		x->bad_range = false;
		x->fail = 0;
		x->it->rc = 0;
		x->retry_at = now_ms();
		return;
	}
	if (x->fail) {
		finish(f, x);
		return;
	}
	/* The server ignored our range, or the file changed under If-Range: start over. */
	if (cc == CURLE_RANGE_ERROR || status == 416 || (x->offset && status == 200)) {
		if (restart_part(x) < 0 || ++x->it->attempts >= f->o.attempts) {
			xfail(x, -CUE_ENETWORK, "cannot resume and cannot start over");
			finish(f, x);
			return;
		}
		x->retry_at = now_ms();
		return;
	}
	if (cc == CURLE_OK && status < 300 && x->it->received == x->it->size) {
		verify_complete(f, x);
		return;
	}
	describe(x, cc, status);
	x->it->attempts++;
	if (!retryable(cc, status) && !(cc == CURLE_OK && status < 300)) {
		finish(f, x);
		return;
	}
	schedule_retry(f, x, status, retry_after);
}

int fetcher_new(struct fetcher **out, const struct fetch_opts *o, const struct fetch_events *ev,
		char *err, size_t errlen)
{
	struct fetcher *f;
	int rc;

	*out = NULL;
	if ((rc = load_curl(err, errlen)) < 0)
		return rc;
	f = xcalloc(1, sizeof(*f));
	f->o = *o;
	if (f->o.parallel == 0)
		f->o.parallel = 1;
	if (f->o.attempts == 0)
		f->o.attempts = 1;
	f->ev = *ev;
	f->multi = api.multi_init();
	if (!f->multi) {
		free(f);
		snprintf(err, errlen, "cannot set up libcurl's multi interface");
		return -CUE_ENETWORK;
	}
	*out = f;
	return 0;
}

void fetcher_add(struct fetcher *f, struct fetch_item *it)
{
	struct fetch_xfer *x = xcalloc(1, sizeof(*x));

	x->f = f;
	x->it = it;
	x->fd = -1;
	x->validator_path = xasprintf("%s.validator", it->part_path);
	it->x = x;
	it->rc = 0;
	it->received = 0;
	it->attempts = 0;
	*it->err = '\0';
	x->next = f->all;
	f->all = x;
	x->retry_at = now_ms();
	if (open_part(x) < 0) {
		finish(f, x);
		return;
	}
}

/* Start what may start; returns the ms until the next retry is due (or -1). */
static long long start_ready(struct fetcher *f)
{
	long long now = now_ms(), next = -1;
	struct fetch_xfer *x, *n;

	for (x = f->all; x; x = n) {
		n = x->next;
		if (x->h || !x->retry_at)
			continue;
		if (x->retry_at > now) {
			if (next < 0 || x->retry_at - now < next)
				next = x->retry_at - now;
			continue;
		}
		if (f->running >= f->o.parallel)
			continue;
		x->retry_at = 0;
		/* A complete part file from an earlier run needs no request. */
		if (x->it->received == x->it->size) {
			verify_complete(f, x);
			continue;
		}
		if (start(f, x) < 0)
			finish(f, x);
	}
	return next;
}

static void collect(struct fetcher *f)
{
	CURLMsg *m;
	int left, still;

	api.multi_perform(f->multi, &still);
	while ((m = api.multi_info_read(f->multi, &left))) {
		struct fetch_xfer *x = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		api.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x)
			on_done(f, x, m->data.result);
	}
}

size_t fetcher_run(struct fetcher *f, int timeout_ms, int extra_fd)
{
	struct curl_waitfd wfd = { extra_fd, CURL_WAIT_POLLIN, 0 };
	struct fetch_xfer *x;
	long long next;
	size_t n = 0;
	int numfds;

	next = start_ready(f);
	if (next >= 0 && next < timeout_ms)
		timeout_ms = (int)next;
	collect(f);
	api.multi_poll(f->multi, extra_fd >= 0 ? &wfd : NULL, extra_fd >= 0 ? 1 : 0, timeout_ms,
		       &numfds);
	collect(f);
	start_ready(f);
	for (x = f->all; x; x = x->next)
		n++;
	return n;
}

void fetcher_free(struct fetcher *f)
{
	if (!f)
		return;
	while (f->all) {
		struct fetch_xfer *x = f->all;

		stop_handle(f, x);
		if (x->fd >= 0)
			close(x->fd);
		verify_sha256_free(x->hash);
		free(x->validator_path);
		x->it->x = NULL;
		f->all = x->next;
		free(x);
	}
	api.multi_cleanup(f->multi);
	free(f);
}
