// SPDX-License-Identifier: MIT
/* Dotted numeric versions, compared numerically part by part. */
#include "version.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "banned.h"

int version_parsen(const char *s, size_t len, struct version *v)
{
	size_t i = 0;

	memset(v, 0, sizeof(*v));
	if (len == 0)
		return -CUE_ESPEC;
	for (;;) {
		uint32_t n = 0;
		size_t digits = 0;

		if (v->nr == VERSION_MAX_PARTS)
			return -CUE_ESPEC;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (++digits > VERSION_MAX_DIGITS)
				return -CUE_ESPEC;
			n = n * 10 + (uint32_t)(s[i++] - '0');
		}
		if (digits == 0)
			return -CUE_ESPEC;
		v->part[v->nr++] = n;
		if (i == len)
			return 0;
		if (s[i++] != '.' || i == len)
			return -CUE_ESPEC;
	}
}

int version_parse(const char *s, struct version *v)
{
	return version_parsen(s, strlen(s), v);
}

int version_cmp(const struct version *a, const struct version *b)
{
	unsigned i;

	for (i = 0; i < a->nr && i < b->nr; i++) {
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	}
	if (a->nr == b->nr)
		return 0;
	return a->nr < b->nr ? -1 : 1;
}

bool version_has_prefix(const struct version *v, const struct version *prefix)
{
	unsigned i;

	if (prefix->nr > v->nr)
		return false;
	for (i = 0; i < prefix->nr; i++) {
		if (v->part[i] != prefix->part[i])
			return false;
	}
	return true;
}

const char *version_str(const struct version *v, char *dst, size_t len)
{
	size_t off = 0;
	unsigned i;

	if (len)
		dst[0] = '\0';
	for (i = 0; i < v->nr && off < len; i++) {
		int n = snprintf(dst + off, len - off, i ? ".%u" : "%u", (unsigned)v->part[i]);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	return dst;
}
