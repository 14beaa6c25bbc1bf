/*
 * ldcache.h - /etc/ld.so.cache, read the way the dynamic loader reads it.
 *
 * What a program gets for a soname that no LD_LIBRARY_PATH, DT_RPATH or
 * DT_RUNPATH directory holds comes from this file (written by ldconfig from
 * /etc/ld.so.conf). glibc's format "glibc-ld.so.cache1.1", alone or after the
 * old "ld.so-1.7.0" table; entries keep the file's order, which is the order
 * the loader searches.
 *
 *	struct ldcache c;
 *	if (ldcache_read("/etc/ld.so.cache", &c) == 0) {
 *		const struct ldcache_entry *e = ldcache_lookup(&c, "libcudnn.so.9");
 *		...
 *		ldcache_release(&c);
 *	}
 */
#ifndef CUENV_LDCACHE_H
#define CUENV_LDCACHE_H

#include <stddef.h>
#include <stdint.h>

struct ldcache_entry {
	char *name;	/* the soname: "libcudnn.so.9" */
	char *path;	/* "/usr/local/cuda-13.0/lib/libcudnn.so.9" */
	uint32_t flags;	/* glibc's: ELF libc6, and the architecture bits */
};

struct ldcache {
	struct ldcache_entry *v;
	size_t nr;
};

/* Returns 0 with *out filled (release with ldcache_release()), or -EINVAL. */
int ldcache_parse(const void *data, size_t len, struct ldcache *out);
/* The same for a file; -errno when it cannot be read. */
int ldcache_read(const char *path, struct ldcache *out);
void ldcache_release(struct ldcache *c);

/*
 * The entry this machine's loader would take for a soname: the first one
 * whose architecture bits are this machine's (x86_64, aarch64, ppc64le), or
 * NULL. Borrowed.
 */
const struct ldcache_entry *ldcache_lookup(const struct ldcache *c, const char *name);
/* Whether an entry is for this machine's architecture (not a 32-bit one). */
int ldcache_native(const struct ldcache_entry *e);

#endif
