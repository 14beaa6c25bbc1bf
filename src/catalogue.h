/*
 * catalogue.h - the releases of a source: which CUDA and cuDNN labels exist
 * and their manifests.
 *
 * A source is a base URL with NVIDIA's layout below it
 * (<base>/cuda/redist/redistrib_<label>.json, <base>/cudnn/redist/…).
 *
 *  - The default source (NVIDIA) uses the snapshot compiled into cuenv, with
 *    whatever `cuenv update` fetched since laid over it.
 *  - An http(s) mirror uses its own manifests only, discovered from its
 *    directory listings and kept in $CUENV_CACHE/catalogue/<id>/; a cached
 *    copy is trusted only while it still has the sha256 recorded when it was
 *    fetched. The first use of a mirror fetches them.
 *  - A file:// mirror is read in place every time.
 *
 * catalogue_open() does all the I/O; manifests are parsed lazily, in memory,
 * when the resolver first asks for one, so resolving one spec parses only
 * the few manifests it looks at.
 *
 *	struct catalogue c;
 *	if (catalogue_open(&c, NULL, cache, 0, err, sizeof(err)) < 0) fail(err);
 *	for (i = c.nr[MANIFEST_CUDA]; i-- > 0;)	// newest first
 *		catalogue_manifest(&c, &c.entries[MANIFEST_CUDA][i], &m, err, sizeof(err));
 *	catalogue_release(&c);
 */
#ifndef CUENV_CATALOGUE_H
#define CUENV_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"
#include "support.h"
#include "version.h"

#define CATALOGUE_DEFAULT_SOURCE "https://developer.download.nvidia.com/compute"

struct catalogue_entry {
	enum manifest_product product;
	char *label;
	struct version version;
	const char *data;	/* the manifest's bytes: the bundle's or owned */
	size_t len;
	char *owned;		/* non-NULL when data was read or fetched */
	struct manifest *parsed;	/* NULL until catalogue_manifest() */
};

struct catalogue {
	char *source;		/* base URL without a trailing '/' */
	bool is_default;
	char *origin;		/* where the labels came from, for people */
	struct catalogue_entry *entries[2];	/* by product, oldest first */
	size_t nr[2];
	struct support support;
};

enum catalogue_flags {
	CATALOGUE_REFRESH = 1 << 0,	/* fetch the source's listing and manifests now */
	CATALOGUE_OFFLINE = 1 << 1,	/* never fetch: what is cached, or nothing (completion) */
};

/*
 * Open the catalogue of source (NULL: the default) with cache_dir as
 * $CUENV_CACHE. Returns 0, or a negative code with a message in err:
 * -CUE_ESOURCE for a source URL cuenv will not use, network codes when a
 * needed fetch fails, -CUE_EMANIFEST when the source serves a bad manifest.
 */
int catalogue_open(struct catalogue *c, const char *source, const char *cache_dir,
		   unsigned flags, char *err, size_t errlen);
void catalogue_release(struct catalogue *c);

/*
 * Check a source URL: https://, or http:// and file:// (explicit only).
 * Returns 0 or -CUE_ESOURCE with a reason in err.
 */
int catalogue_check_source(const char *source, char *err, size_t errlen);

/* The entry for a product's label, or NULL. Borrowed. */
struct catalogue_entry *catalogue_find(struct catalogue *c, enum manifest_product p,
				       const char *label);

/*
 * The parsed manifest of e, parsing it on first use. Returns 0 with *m
 * borrowed until catalogue_release(), or -CUE_EMANIFEST with err set.
 */
int catalogue_manifest(struct catalogue *c, struct catalogue_entry *e,
		       const struct manifest **m, char *err, size_t errlen);

/* The URL of an archive of product p: newly allocated; free() it. */
char *catalogue_url(const struct catalogue *c, enum manifest_product p,
		    const char *relative_path);

/* The URL of a manifest: newly allocated; free() it. */
char *catalogue_manifest_url(const struct catalogue *c, enum manifest_product p,
			     const char *label);

#endif
