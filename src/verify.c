// SPDX-License-Identifier: MIT
/* SHA-256 through OpenSSL's EVP interface, and hex encoding. */
#include "verify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <pthread.h>

#include <openssl/evp.h>

#include "banned.h"

/*
 * libcrypto is loaded on the first digest, not at start-up: the commands
 * that run most often (exec, env, the shell hook) never hash anything, and
 * OpenSSL 3 costs a millisecond or two of loading and set-up.
 */
static struct {
	bool ready;
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	const EVP_MD *(*sha256)(void);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
	int (*digest)(const void *, size_t, unsigned char *, unsigned int *, const EVP_MD *,
		      ENGINE *);
} ssl;

static pthread_once_t ssl_once = PTHREAD_ONCE_INIT;

static bool sym(void *dl, void *dst, const char *name)
{
	void *p = dlsym(dl, name);

	memcpy(dst, &p, sizeof(p));
	return p != NULL;
}

static void load_libcrypto(void)
{
	void *dl = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);

	ssl.ready = dl && sym(dl, &ssl.ctx_new, "EVP_MD_CTX_new") &&
		    sym(dl, &ssl.ctx_free, "EVP_MD_CTX_free") && sym(dl, &ssl.sha256, "EVP_sha256") &&
		    sym(dl, &ssl.init, "EVP_DigestInit_ex") &&
		    sym(dl, &ssl.update, "EVP_DigestUpdate") &&
		    sym(dl, &ssl.final, "EVP_DigestFinal_ex") && sym(dl, &ssl.digest, "EVP_Digest");
}

/* A digest is not optional: without libcrypto nothing can be verified, so stop. */
static void need_libcrypto(void)
{
	pthread_once(&ssl_once, load_libcrypto);
	if (!ssl.ready) {
		fprintf(stderr, "cuenv: fatal: cannot load libcrypto.so.3 (OpenSSL 3) for SHA-256\n");
		abort();
	}
}

struct verify_sha256 {
	EVP_MD_CTX *ctx;
};

struct verify_sha256 *verify_sha256_new(void)
{
	struct verify_sha256 *h;

	need_libcrypto();
	h = malloc(sizeof(*h));
	if (!h || !(h->ctx = ssl.ctx_new()) || ssl.init(h->ctx, ssl.sha256(), NULL) != 1) {
		fprintf(stderr, "cuenv: fatal: cannot set up SHA-256\n");
		abort();
	}
	return h;
}

void verify_sha256_update(struct verify_sha256 *h, const void *data, size_t len)
{
	if (len)
		ssl.update(h->ctx, data, len);
}

void verify_sha256_final(struct verify_sha256 *h, unsigned char out[VERIFY_SHA256_LEN])
{
	unsigned int n = VERIFY_SHA256_LEN;

	ssl.final(h->ctx, out, &n);
}

void verify_sha256_free(struct verify_sha256 *h)
{
	if (!h)
		return;
	ssl.ctx_free(h->ctx);
	free(h);
}

void verify_sha256_buf(const void *data, size_t len, unsigned char out[VERIFY_SHA256_LEN])
{
	unsigned int n = VERIFY_SHA256_LEN;

	need_libcrypto();
	if (ssl.digest(data, len, out, &n, ssl.sha256(), NULL) != 1) {
		fprintf(stderr, "cuenv: fatal: SHA-256 failed\n");
		abort();
	}
}

char *verify_hex(const unsigned char *bytes, size_t n, char *dst)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[bytes[i] >> 4];
		dst[2 * i + 1] = digits[bytes[i] & 15];
	}
	dst[2 * n] = '\0';
	return dst;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int verify_unhex(const char *hex, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (!hex[2 * i] || (hi = nibble(hex[2 * i])) < 0 ||
		    !hex[2 * i + 1] || (lo = nibble(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * n] ? -1 : 0;
}
