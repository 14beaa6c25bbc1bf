// SPDX-License-Identifier: MIT
/* SHA-256 through OpenSSL's EVP interface, and hex encoding. */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "banned.h"

struct verify_sha256 {
	EVP_MD_CTX *ctx;
};

struct verify_sha256 *verify_sha256_new(void)
{
	struct verify_sha256 *h = malloc(sizeof(*h));

	if (!h || !(h->ctx = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "cuenv: fatal: cannot set up SHA-256\n");
		abort();
	}
	return h;
}

void verify_sha256_update(struct verify_sha256 *h, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->ctx, data, len);
}

void verify_sha256_final(struct verify_sha256 *h, unsigned char out[VERIFY_SHA256_LEN])
{
	unsigned int n = VERIFY_SHA256_LEN;

	EVP_DigestFinal_ex(h->ctx, out, &n);
}

void verify_sha256_free(struct verify_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void verify_sha256_buf(const void *data, size_t len, unsigned char out[VERIFY_SHA256_LEN])
{
	unsigned int n = VERIFY_SHA256_LEN;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1) {
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
