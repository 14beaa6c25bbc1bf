/*
 * mirror.h - write a mirror of a source in NVIDIA's layout, and check one.
 *
 * A mirror directory is a source any static HTTP server or file:// can
 * serve as CUENV_MIRROR:
 *
 *	DIR/cuda/redist/redistrib_<label>.json	the source's manifest, byte for byte
 *	DIR/cuda/redist/<relative_path>		the archives synced, verified
 *	DIR/cuda/redist/index.html		links to every manifest (the listing
 *						catalogue discovery reads where the
 *						server has no autoindex)
 *	DIR/cudnn/redist/...			the same for cuDNN
 *	DIR/.cuenv-mirror.index			what sync put here: one line per file
 *						"manifest|archive <sha256> <size> <path>"
 *	DIR/.cuenv-mirror.lock			one sync at a time
 *
 * Manifests are copied verbatim, so their sha256 (recorded in locks) stay
 * NVIDIA's; a manifest lists every archive of its release, and only those
 * of the synced specs, platforms and profiles are present. A manifest is
 * written only after every archive of the sync is in place, so a mirror
 * never offers a release whose archives are still on their way.
 *
 * Archives are downloaded through fetch.h into "<file>.part" beside their
 * place (an interrupted sync resumes them), verified by sha256 as bytes
 * arrive, and renamed into place. A verified copy in $CUENV_CACHE/archives
 * is copied instead of downloading. Files already in place are re-hashed
 * and kept when they match (incremental), replaced when they do not.
 *
 *	struct mirror_set s = { 0 };
 *	mirror_set_add(&s, &cat, &plan);
 *	mirror_sync(dir, &s, &opts, &result, err, sizeof(err));
 *	mirror_set_release(&s);
 */
#ifndef CUENV_MIRROR_H
#define CUENV_MIRROR_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "fetch.h"
#include "resolve.h"

#define MIRROR_INDEX ".cuenv-mirror.index"
#define MIRROR_LOCK  ".cuenv-mirror.lock"

enum mirror_state {
	MIRROR_QUEUED,
	MIRROR_FETCHING,
	MIRROR_PRESENT,	   /* already in the mirror, verified */
	MIRROR_FROM_CACHE, /* copied from $CUENV_CACHE/archives */
	MIRROR_FETCHED,	   /* downloaded by this sync */
	MIRROR_FAILED,
};

struct mirror_archive {
	char *path; /* "cuda/redist/<relative_path>" */
	char *url;
	char *name, *version; /* for messages */
	unsigned char sha256[32];
	uint64_t size;
	enum mirror_state state;
	struct fetch_item item; /* private */
	char *part;		/* private */
};

struct mirror_manifest {
	char *path;	  /* "cuda/redist/redistrib_12.4.1.json" */
	const char *data; /* borrowed from the catalogue */
	size_t len;
};

struct mirror_set {
	struct mirror_archive *archives;
	size_t nr_archives;
	struct mirror_manifest *manifests;
	size_t nr_manifests;
};

/*
 * Add a plan's archives and its releases' manifests (from c, which must
 * outlive s) to s; duplicates are added once.
 */
void mirror_set_add(struct mirror_set *s, struct catalogue *c, const struct plan *p);
void mirror_set_release(struct mirror_set *s);

struct mirror_events {
	void *ctx;
	/* An archive settled: present, from the cache, fetched or failed. */
	void (*state)(void *ctx, const struct mirror_archive *a);
	/* Something worth a warning line (a replaced file, a retry). */
	void (*warn)(void *ctx, const char *msg);
};

struct mirror_opts {
	const char *cache;    /* $CUENV_CACHE, for verified downloads; NULL: not used */
	unsigned jobs;	      /* parallel downloads; 0: default */
	unsigned fetch_flags; /* enum fetch_flags */
	volatile sig_atomic_t *cancel;
	struct mirror_events ev;
};

struct mirror_result {
	size_t present, from_cache, fetched;
	uint64_t downloaded; /* bytes from the network */
	size_t manifests_written;
};

/*
 * Bring dir up to date with s. Returns 0, or a negative code with one line
 * in err naming the archive or file and the cause (network codes, integrity
 * codes, -ECANCELED, -ETIMEDOUT for the lock, -errno). After a failure the
 * archives already in place stay and nothing new is advertised.
 */
int mirror_sync(const char *dir, struct mirror_set *s, const struct mirror_opts *o,
		struct mirror_result *r, char *err, size_t errlen);

enum mirror_problem { MIRROR_MISSING, MIRROR_CHANGED };

struct mirror_finding {
	char *path;
	enum mirror_problem problem;
	char detail[200];
};

struct mirror_report {
	bool have_index;  /* checked against .cuenv-mirror.index */
	size_t manifests; /* manifest files checked */
	size_t archives;  /* archive files checked */
	size_t not_held;  /* without an index: archives the manifests list, absent */
	struct mirror_finding *findings;
	size_t nr_findings;
};

/*
 * Re-hash every file of the mirror at dir against .cuenv-mirror.index (or,
 * without one, every archive present against its manifest). Returns 0 with
 * r filled (findings are the differences), or a negative code with err when
 * dir is not a mirror or the index is malformed.
 */
int mirror_verify(const char *dir, struct mirror_report *r, char *err, size_t errlen);
void mirror_report_release(struct mirror_report *r);

#endif
