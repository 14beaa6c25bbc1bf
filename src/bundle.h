/*
 * bundle.h - the catalogue snapshot compiled into the binary.
 *
 * bundle.c is generated at build time by tools/embed.c from manifests/:
 * NVIDIA's redistrib manifests ("cuda/redistrib_12.4.1.json", …) and
 * support.txt, byte for byte. The data is static and never freed.
 */
#ifndef CUENV_BUNDLE_H
#define CUENV_BUNDLE_H

#include <stddef.h>

struct bundle_file {
	const char *path;	/* relative to manifests/ */
	const char *data;
	size_t len;
};

extern const struct bundle_file bundle_files[];
extern const size_t bundle_nr_files;

#endif
