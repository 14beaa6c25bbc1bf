/*
 * version.h - dotted numeric versions: parse, compare, match prefixes.
 *
 * NVIDIA labels and component versions are dot-separated decimal numbers
 * ("12.4.1", "9.14.0.64", "2024.1.0.13"). They compare numerically part by
 * part, so 9.10 > 9.9 and 12.10 > 12.9; a shorter version that is a prefix of
 * a longer one sorts first (12.4 < 12.4.0).
 *
 *	struct version v;
 *	if (version_parse("12.4", &v) == 0 && version_has_prefix(&label, &v))
 *		...
 *
 * Kept apart from resolve.c because the catalogue, the support data and the
 * spec parser all order versions the same way.
 */
#ifndef CUENV_VERSION_H
#define CUENV_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VERSION_MAX_PARTS 6
/* Each part is at most 9 digits, so it fits a uint32_t. */
#define VERSION_MAX_DIGITS 9

struct version {
	unsigned nr;
	uint32_t part[VERSION_MAX_PARTS];
};

/*
 * Parse s (1 to VERSION_MAX_PARTS decimal parts joined by '.', nothing else).
 * Returns 0, or -CUE_ESPEC when s is not such a version.
 */
int version_parse(const char *s, struct version *v);
/* The same for the first len bytes of s. */
int version_parsen(const char *s, size_t len, struct version *v);

/* <0, 0, >0 like strcmp, numerically part by part. */
int version_cmp(const struct version *a, const struct version *b);
/* True when every part of prefix equals the same part of v. */
bool version_has_prefix(const struct version *v, const struct version *prefix);
/* Write "1.2.3" into dst (at most len bytes, always terminated). */
const char *version_str(const struct version *v, char *dst, size_t len);

#endif
