/*
 * resolve.h - from what a user types ("12.4+cudnn9") to an exact plan.
 *
 * Spec grammar (DESIGN.md "Resolution"):
 *
 *	spec  := cuda [ "+cudnn" [ cudnn ] ]
 *	cuda  := "latest" | N | N.N | N.N.N          newest matching CUDA label
 *	cudnn := N | N.N | N.N.N                     newest matching cuDNN label
 *	       | ">=" N[.N[.N]]                      at least this, same major
 *
 * "+cudnn" with nothing after it takes any cuDNN release.
 *
 * Pairing: the cuDNN candidates are the releases that match and have a build
 * for the CUDA label's major on the platform. The newest candidate whose
 * support list (support.txt) includes the CUDA minor wins, a release with no
 * known list counting as including it; when none does, the newest candidate
 * is taken with a warning. "latest" walks down from the newest CUDA label to
 * the first one that a matching cuDNN supports.
 *
 * Nothing here does I/O: the catalogue has everything in memory.
 *
 *	struct spec s;
 *	struct plan p;
 *	if (resolve_spec_parse("12.4+cudnn9", &s, err, sizeof(err)) == 0 &&
 *	    resolve(&cat, &s, "linux-x86_64", PROFILE_DEVEL, &p, err, sizeof(err)) == 0)
 *		... p.components[i] ...
 *	plan_release(&p);
 */
#ifndef CUENV_RESOLVE_H
#define CUENV_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "support.h"
#include "version.h"

#define SPEC_MAX_LEN 64

enum resolve_profile { PROFILE_RUNTIME, PROFILE_DEVEL, PROFILE_FULL };

enum spec_cudnn { SPEC_CUDNN_NONE, SPEC_CUDNN_ANY, SPEC_CUDNN_PREFIX, SPEC_CUDNN_MIN };

struct spec {
	bool latest;		/* "latest": cuda is empty */
	struct version cuda;	/* a prefix */
	enum spec_cudnn cudnn_op;
	struct version cudnn;	/* a prefix or a minimum */
};

/*
 * Parse s. Returns 0, or -CUE_ESPEC with "invalid spec '<s>': <why>" in err.
 */
int resolve_spec_parse(const char *s, struct spec *out, char *err, size_t errlen);

/* Returns 0 and sets *out, or -CUE_EUSAGE for a name that is not a profile. */
int resolve_profile_parse(const char *name, enum resolve_profile *out);
const char *resolve_profile_name(enum resolve_profile p);
/* Whether a profile installs a component (by manifest key) of a product. */
bool resolve_profile_wants(enum resolve_profile p, enum manifest_product product,
			   const char *key);

struct plan_component {
	enum manifest_product product;
	char *name;		/* manifest key: "cuda_cudart" */
	char *version;
	char *relative_path;
	char *url;
	unsigned char sha256[32];
	uint64_t size;
};

struct plan_release {
	char *label;		/* "12.4.1", "9.14.0" */
	char *version;		/* cuDNN: "9.14.0.64"; CUDA: the label */
	char *release_date;
	unsigned char manifest_sha256[32];
};

struct plan {
	char *spec;
	char *platform;
	enum resolve_profile profile;
	struct plan_release cuda;
	char driver_min[24];	/* toolkit's minimum driver, "" when unknown */
	char driver_mvc_min[24];	/* minor-version-compatibility floor, "" when unknown */
	const char *driver_source;	/* "table", "bundled" or "manifest" */
	bool has_cudnn;
	struct plan_release cudnn;
	char cudnn_variant[8];	/* "cuda12" */
	enum support_answer cudnn_listed;
	struct plan_component *components;
	size_t nr_components;
	uint64_t download_size;
	char **warnings;
	size_t nr_warnings;
};

/*
 * Resolve spec (text is spec as typed, kept in the plan) on platform with a
 * profile. Returns 0 with *out filled (free with plan_release()), or
 * -CUE_ENOMATCH / -CUE_EPLATFORM with a message saying which constraint
 * failed and the nearest candidates, or -CUE_EMANIFEST for a bad manifest.
 */
int resolve(struct catalogue *c, const char *text, const struct spec *spec,
	    const char *platform, enum resolve_profile profile, struct plan *out, char *err,
	    size_t errlen);

void plan_release(struct plan *p);

/*
 * Does an installed pair (CUDA label, cuDNN version or NULL) satisfy spec?
 * A spec without "+cudnn" matches only envs without cuDNN.
 */
bool resolve_spec_matches(const struct spec *spec, const char *cuda, const char *cudnn);

/*
 * Add a CUDA component the profile leaves out (cuda_compat, cuda_gdb,
 * nsight_compute, ...) from the manifest of the plan's CUDA label, for the
 * plan's platform. A component already in the plan is left alone. Returns 0,
 * -CUE_EUSAGE for a driver piece (nvidia_driver, fabricmanager, ...: they
 * would shadow the kernel's driver), or -CUE_ENOMATCH when the manifest has
 * no such component or no archive of it for the platform (err says which
 * platforms it has).
 */
int resolve_add_component(struct catalogue *c, struct plan *p, const char *key, char *err,
			  size_t errlen);

/* Append one archive to a plan (its download size too). Copies every string. */
void plan_add_component(struct plan *p, enum manifest_product product, const char *name,
			const char *version, const char *relative_path, const char *url,
			const unsigned char sha256[32], uint64_t size);

/* ---- explaining a resolution (cuenv why) ---- */

enum trace_verdict {
	TRACE_CHOSEN,
	TRACE_NEWER_SKIPPED,	/* matched, but was passed over: the reason says why */
	TRACE_NOT_CONSIDERED,	/* older than the one chosen: never looked at */
	TRACE_NO_MATCH,		/* the spec does not match it */
};

struct trace_item {
	char *label;
	enum trace_verdict verdict;
	char *why;		/* for people: "no archives for linux-sbsa" */
};

/*
 * How spec resolved on this catalogue: the plan, and for each CUDA label
 * the spec matches and each cuDNN release in the spec's range (newest first)
 * what happened to it and why. Pure, like resolve().
 */
struct resolve_trace {
	struct plan plan;
	struct trace_item *cuda, *cudnn;
	size_t nr_cuda, nr_cudnn;
};

/* Returns what resolve() returns; on success *t is filled (resolve_trace_release()). */
int resolve_explain(struct catalogue *c, const char *text, const struct spec *spec,
		    const char *platform, enum resolve_profile profile, struct resolve_trace *t,
		    char *err, size_t errlen);
void resolve_trace_release(struct resolve_trace *t);
const char *resolve_verdict_name(enum trace_verdict v);

/* "cuda-12.4.1+cudnn-9.14.0.64-devel": the env's exact name. Newly allocated. */
char *plan_name(const struct plan *p);

/*
 * A key for CI caches: "cuenv-<platform>-<profile>-<16 hex>", the hex the
 * start of the sha256 of a text naming the key's version, the platform, the
 * profile and the plan's archive digests sorted (one per line). It depends
 * on nothing else (not the spec, the source, the machine or the order of
 * archives), so a lock and a fresh resolution to the same archives give the
 * same key everywhere. Newly allocated.
 */
char *plan_cache_key(const struct plan *p);

/* ---- version ranges and CI matrices (cuenv matrix) ---- */

/*
 * A range is clauses joined by ',' (all must hold):
 *
 *	range  := clause { "," clause }
 *	clause := [ ">=" | ">" | "<=" | "<" | "=" | "==" ] N[.N[.N]] [ ".x" | ".*" ]
 *
 * A version is compared with as many parts as the clause has, so a bare
 * or '=' clause is a prefix ("12" is every 12.x.y, "12.4" every 12.4.y),
 * "<13" keeps 12.9.1 and drops 13.0.0, "<=12.4" keeps 12.4.1, and ">12.4"
 * starts at 12.5 (the usual reading of partial versions). The empty range
 * matches everything.
 */
#define RANGE_MAX_CLAUSES 8

enum range_op { RANGE_EQ, RANGE_GE, RANGE_GT, RANGE_LE, RANGE_LT };

struct range {
	unsigned nr;
	struct {
		enum range_op op;
		struct version v;
	} c[RANGE_MAX_CLAUSES];
};

/*
 * Parse s (what names it in messages: "--cuda"). Returns 0, or -CUE_ESPEC
 * with "invalid <what> range '<s>': <why>" in err.
 */
int resolve_range_parse(const char *s, const char *what, struct range *r, char *err,
			size_t errlen);
bool resolve_range_matches(const struct range *r, const struct version *v);

struct matrix_filter {
	struct range cuda;
	struct range cudnn;
	bool no_cudnn;		/* CUDA alone: one row per CUDA release */
	bool newest_cudnn;	/* per CUDA release, only the cuDNN 'resolve' would pick */
	bool latest_patch;	/* newest CUDA per major.minor, newest cuDNN per major.minor */
	bool have_driver;
	struct version driver;	/* the runner's driver */
	bool minor_compat;	/* judge it against the minor-version-compatibility floor */
};

/* Why rows were left out, for the message when none is left. */
struct matrix_counts {
	size_t cuda_match;	/* CUDA labels in --cuda */
	size_t cuda_platform;	/* ... with archives for the platform */
	size_t cuda_driver;	/* ... that the driver can run */
	size_t cudnn_match;	/* cuDNN labels in --cudnn */
	size_t unlisted;	/* rows outside NVIDIA's support lists */
};

struct matrix {
	struct plan *rows;	/* CUDA oldest first, then cuDNN oldest first */
	size_t nr;
	struct matrix_counts counts;
};

/*
 * Every pair of the catalogue on platform that satisfies f, each resolved
 * to a plan as 'cuenv resolve' would resolve its exact spec
 * ("12.4.1+cudnn9.14.0", kept in plan.spec):
 *
 *  - CUDA: labels in f->cuda with archives for the platform and profile;
 *    with a driver, those whose minimum driver (the toolkit's, or with
 *    f->minor_compat the floor of minor-version compatibility) it meets;
 *  - cuDNN, per CUDA label: releases in f->cudnn with a build for its
 *    major on the platform whose support list includes its minor (no known
 *    list counts as including it); when none does, the newest release
 *    with a build, marked unlisted - the pair 'resolve' takes with a
 *    warning.
 *
 * Returns 0 (m->nr may be 0; m->counts says why) or -CUE_EMANIFEST with err.
 * Release with matrix_release().
 */
int resolve_matrix(struct catalogue *c, const struct matrix_filter *f, const char *platform,
		   enum resolve_profile profile, struct matrix *m, char *err, size_t errlen);
void matrix_release(struct matrix *m);

#endif
