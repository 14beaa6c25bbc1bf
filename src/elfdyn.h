/*
 * elfdyn.h - what the dynamic loader reads from a shared object: its SONAME,
 * DT_NEEDED list, DT_RPATH and DT_RUNPATH.
 *
 * 64-bit little-endian ELF only (every platform NVIDIA ships Linux archives
 * for). Reading a file touches only its headers and dynamic segment, never
 * the whole file (libcublasLt is hundreds of megabytes).
 *
 *	struct elfdyn d;
 *	if (elfdyn_read("/p/lib/libcudnn.so.9", &d) == 0) {
 *		... d.soname, d.runpath (NULL when absent) ...
 *		elfdyn_release(&d);
 *	}
 */
#ifndef CUENV_ELFDYN_H
#define CUENV_ELFDYN_H

#include <stddef.h>

struct elfdyn {
	char *soname;		/* NULL when absent */
	char *rpath;		/* DT_RPATH, NULL when absent */
	char *runpath;		/* DT_RUNPATH, NULL when absent */
	char **needed;		/* DT_NEEDED, in order */
	size_t nr_needed;
};

/*
 * Parse a whole file held in memory. Returns 0 with *out filled (release with
 * elfdyn_release()), or -ENOEXEC for anything that is not a well-formed
 * 64-bit little-endian ELF object with a dynamic segment.
 */
int elfdyn_parse(const void *data, size_t len, struct elfdyn *out);

/* The same for a file. Returns 0, -ENOEXEC or -errno. */
int elfdyn_read(const char *path, struct elfdyn *out);

void elfdyn_release(struct elfdyn *d);

#endif
