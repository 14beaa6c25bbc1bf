/*
 * manifest.h - NVIDIA redistrib_<label>.json manifests as C structs.
 *
 * Both schemas are read: CUDA (component -> platform -> archive) and cuDNN
 * (component -> platform -> "cudaN" variant -> archive), with every quirk of
 * the real files: no release_label before CUDA 12.2.0, sizes as strings,
 * "source" and "linux-all" platforms, and objects that are an archive and a
 * variant holder at once. An object is an archive if and only if it has
 * "relative_path".
 *
 * Validation is strict: a bad archive entry is an error that names the
 * manifest, the JSON path and the reason, never a silently skipped archive.
 * Everything is copied out of the JSON tree; the tree never leaves manifest.c.
 *
 *	struct manifest m;
 *	char err[256];
 *	if (manifest_parse(&m, data, len, MANIFEST_CUDA, "12.4.1", err, sizeof(err)) < 0)
 *		fail(err);
 *	...
 *	manifest_release(&m);
 */
#ifndef CUENV_MANIFEST_H
#define CUENV_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

enum manifest_product { MANIFEST_CUDA, MANIFEST_CUDNN };

struct manifest_archive {
	char *platform;		/* "linux-x86_64", "source", … */
	char *variant;		/* "cuda12" for cuDNN builds, NULL for CUDA */
	char *relative_path;	/* validated: relative, no "..", no scheme */
	unsigned char sha256[32];
	uint64_t size;		/* compressed size in bytes */
};

struct manifest_component {
	char *key;		/* "cuda_cudart", "cudnn", … */
	char *name;		/* human name, may be "" */
	char *license;		/* may be "" */
	char *license_path;	/* below the manifest's directory, unchecked; may be "" */
	char *version;		/* component version, not the release label */
	struct manifest_archive *archives;
	size_t nr_archives;
};

struct manifest {
	enum manifest_product product;
	char *label;		/* "12.4.1" */
	char *release_date;	/* "YYYY-MM-DD" */
	struct manifest_component *components;	/* in file order */
	size_t nr_components;
};

/* Longest manifest accepted; NVIDIA's largest is under 100 kB. */
#define MANIFEST_MAX_SIZE (8u << 20)

/*
 * Parse the len bytes at data as a manifest of the given product whose file
 * name says label. A release_label inside the file must equal it. On error,
 * returns -CUE_EMANIFEST and writes "<product>/redistrib_<label>.json:
 * <json path>: <reason>" into err; m is then empty. On success the caller
 * owns m and frees it with manifest_release().
 */
int manifest_parse(struct manifest *m, const char *data, size_t len,
		   enum manifest_product product, const char *label, char *err,
		   size_t errlen);

void manifest_release(struct manifest *m);

/* The component called key, or NULL. Borrowed from m. */
const struct manifest_component *manifest_component(const struct manifest *m, const char *key);

/*
 * The archive of c for platform and variant (NULL for none), or NULL.
 * Borrowed from the manifest.
 */
const struct manifest_archive *manifest_archive(const struct manifest_component *c,
						const char *platform, const char *variant);

/* "cuda" or "cudnn". */
const char *manifest_product_name(enum manifest_product p);

/*
 * Check a relative_path: non-empty, at most 512 bytes, only [A-Za-z0-9._+-/],
 * no leading '/', no empty, "." or ".." segment. Returns 0 or -CUE_EUNSAFEPATH
 * with a reason in *why.
 */
int manifest_check_path(const char *path, const char **why);

#endif
