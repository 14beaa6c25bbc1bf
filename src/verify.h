/*
 * verify.h - SHA-256 and the one hex helper.
 *
 * OpenSSL is included by verify.c only; the rest of cuenv sees this header.
 *
 *	struct verify_sha256 *h = verify_sha256_new();
 *	verify_sha256_update(h, chunk, n);	// as bytes arrive
 *	verify_sha256_final(h, digest);		// 32 raw bytes
 *	verify_sha256_free(h);
 */
#ifndef CUENV_VERIFY_H
#define CUENV_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#define VERIFY_SHA256_LEN 32
#define VERIFY_SHA256_HEX 65 /* 64 digits and the NUL */

struct verify_sha256;

/* Returns a new context; aborts when OpenSSL cannot allocate one. */
struct verify_sha256 *verify_sha256_new(void);
void verify_sha256_update(struct verify_sha256 *h, const void *data, size_t len);
/* Write the digest; the context may then only be freed. */
void verify_sha256_final(struct verify_sha256 *h, unsigned char out[VERIFY_SHA256_LEN]);
void verify_sha256_free(struct verify_sha256 *h);

/* One-shot digest of a buffer. */
void verify_sha256_buf(const void *data, size_t len, unsigned char out[VERIFY_SHA256_LEN]);

/* Lowercase hex of n bytes into dst (2n+1 bytes). Returns dst. */
char *verify_hex(const unsigned char *bytes, size_t n, char *dst);
/*
 * Decode exactly 2n hex digits (either case) from hex into out. Returns 0, or
 * -1 when hex is not exactly 2n hex digits.
 */
int verify_unhex(const char *hex, unsigned char *out, size_t n);

#endif
