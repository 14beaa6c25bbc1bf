/*
 * support.h - what NVIDIA's manifests do not say (manifests/support.txt).
 *
 * Per CUDA label: the minimum driver for the toolkit and the floor under
 * minor-version compatibility. Per cuDNN release and CUDA major: the CUDA
 * minors NVIDIA's support matrix lists, where known. The file's own header
 * documents the format and the sources.
 *
 *	struct support s;
 *	support_parse(&s, data, len, err, sizeof(err));
 *	const struct support_cuda *row = support_cuda(&s, &label);	// may be NULL
 *	support_release(&s);
 */
#ifndef CUENV_SUPPORT_H
#define CUENV_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "version.h"

struct support_cuda {
	struct version label;
	char driver_min[24];	/* "550.54.15" */
	char mvc_min[24];	/* "525.60.13" */
	char source[16];	/* "table" or "bundled" */
};

struct support_cudnn {
	struct version label;
	unsigned cuda_major;
	uint64_t minors;	/* bit n set: CUDA <major>.n is listed */
	char minors_text[32];	/* as written: "0-6" */
	char source[16];
};

/*
 * Which GPUs a release builds for: compute capabilities cc_min..cc_max
 * (major * 10 + minor, 75 for 7.5) for the releases from..to of a product:
 * "cuda" (CUDA labels, compared on as many parts as from has) or
 * "cudnn<major>" (that build variant of the cuDNN labels).
 */
struct support_arch {
	char product[12];
	struct version from, to;
	unsigned cc_min, cc_max;
	char cc_text[16];	/* as written: "7.5-12.1" */
	char source[16];
};

struct support {
	struct support_cuda *cuda;
	size_t nr_cuda;
	struct support_cudnn *cudnn;
	size_t nr_cudnn;
	struct support_arch *arch;
	size_t nr_arch;
};

/*
 * Parse support.txt from a buffer. Returns 0, or -CUE_EDATA with
 * "support.txt:<line>: <reason>" in err (s is then empty). Free with
 * support_release().
 */
int support_parse(struct support *s, const char *data, size_t len, char *err, size_t errlen);
void support_release(struct support *s);

/* The row for a CUDA label, or NULL. Borrowed. */
const struct support_cuda *support_cuda(const struct support *s, const struct version *label);

enum support_answer { SUPPORT_UNKNOWN = -1, SUPPORT_NO = 0, SUPPORT_YES = 1 };

/*
 * Does NVIDIA list CUDA <major>.<minor> for this cuDNN release? When a row
 * exists, *row (if not NULL) points at it.
 */
enum support_answer support_cudnn_lists(const struct support *s, const struct version *cudnn,
					 unsigned major, unsigned minor,
					 const struct support_cudnn **row);

/* The arch row of product ("cuda", "cudnn12") covering version v, or NULL. */
const struct support_arch *support_arch(const struct support *s, const char *product,
					const struct version *v);

#endif
