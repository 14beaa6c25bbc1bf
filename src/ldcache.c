// SPDX-License-Identifier: MIT
/* Parse glibc's /etc/ld.so.cache. */
#include "ldcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
#include "xalloc.h"
#include "banned.h"

#define MAGIC_NEW "glibc-ld.so.cache1.1"
#define MAGIC_OLD "ld.so-1.7.0"
#define HEADER_NEW 48	/* magic 20, nlibs 4, len_strings 4, flags 4, extension 4, unused 12 */
#define ENTRY_NEW 24	/* flags 4, key 4, value 4, osversion 4, hwcap 8 */
#define ENTRY_OLD 12
#define CACHE_MAX (64 * 1024 * 1024)

/* glibc's FLAG_ELF_LIBC6 and the architecture bits of this machine (dl-cache.h). */
#define FLAG_TYPE_MASK 0x00ff
#define FLAG_ELF_LIBC6 0x0003
#define FLAG_ARCH_MASK 0xff00
#if defined(__x86_64__)
#define FLAG_NATIVE 0x0300
#elif defined(__aarch64__)
#define FLAG_NATIVE 0x0a00
#elif defined(__powerpc64__)
#define FLAG_NATIVE 0x0500
#else
#define FLAG_NATIVE 0xffff	/* unknown: take any */
#endif

static uint32_t u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static char *string_at(const unsigned char *base, size_t len, uint32_t off)
{
	const unsigned char *end;

	if (off >= len)
		return NULL;
	end = memchr(base + off, '\0', len - off);
	return end ? xstrndup((const char *)base + off, (size_t)(end - base - off)) : NULL;
}

/* Where the new-format table starts: at 0, or after the old table. */
static long new_start(const unsigned char *d, size_t len)
{
	size_t off;

	if (len >= HEADER_NEW && !memcmp(d, MAGIC_NEW, strlen(MAGIC_NEW)))
		return 0;
	if (len < 16 || memcmp(d, MAGIC_OLD, strlen(MAGIC_OLD)))
		return -1;
	off = 16 + (size_t)u32(d + 12) * ENTRY_OLD;
	/* The new table follows, aligned; look within the alignment slack only. */
	for (; off + HEADER_NEW <= len && off < 16 + (size_t)u32(d + 12) * ENTRY_OLD + 16; off++) {
		if (!memcmp(d + off, MAGIC_NEW, strlen(MAGIC_NEW)))
			return (long)off;
	}
	return -1;
}

int ldcache_parse(const void *data, size_t len, struct ldcache *out)
{
	const unsigned char *d = data, *base;
	size_t blen, i, nlibs;
	long start = new_start(d, len);

	memset(out, 0, sizeof(*out));
	if (start < 0)
		return -EINVAL;
	/* String offsets count from the start of the new-format header. */
	base = d + start;
	blen = len - (size_t)start;
	nlibs = u32(base + 20);
	if (nlibs > (blen - HEADER_NEW) / ENTRY_NEW)
		return -EINVAL;
	out->v = xcalloc(nlibs ? nlibs : 1, sizeof(*out->v));
	for (i = 0; i < nlibs; i++) {
		const unsigned char *e = base + HEADER_NEW + i * ENTRY_NEW;
		char *name = string_at(base, blen, u32(e + 4)), *path = string_at(base, blen, u32(e + 8));

		if (!name || !path) {
			free(name);
			free(path);
			ldcache_release(out);
			return -EINVAL;
		}
		out->v[out->nr].name = name;
		out->v[out->nr].path = path;
		out->v[out->nr++].flags = u32(e);
	}
	return 0;
}

int ldcache_read(const char *path, struct ldcache *out)
{
	struct buf b = BUF_INIT;
	int rc = fs_read_file(path, CACHE_MAX, &b);

	memset(out, 0, sizeof(*out));
	if (rc == 0)
		rc = ldcache_parse(b.s, b.len, out);
	buf_release(&b);
	return rc;
}

void ldcache_release(struct ldcache *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		free(c->v[i].name);
		free(c->v[i].path);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int ldcache_native(const struct ldcache_entry *e)
{
	if ((e->flags & FLAG_TYPE_MASK) != FLAG_ELF_LIBC6)
		return 0;
	return FLAG_NATIVE == 0xffff || (e->flags & FLAG_ARCH_MASK) == FLAG_NATIVE;
}

const struct ldcache_entry *ldcache_lookup(const struct ldcache *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		if (!strcmp(c->v[i].name, name) && ldcache_native(&c->v[i]))
			return &c->v[i];
	}
	return NULL;
}
