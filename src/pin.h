/*
 * pin.h - which pair a directory wants (.cuda-version) and exactly what it
 * got (cuenv.lock).
 *
 * A pin file's first non-comment line is the spec as the user typed it;
 * "key = value" lines may follow ("profile = runtime"); '#' starts a
 * comment. Pins written by other CUDA version managers are read too: a bare
 * version, and "cudnn=9.1" lines (which add "+cudnn9.1" to the spec).
 *
 * Lookup (pin_find): $CUENV_VERSION, then the nearest .cuda-version from the
 * current directory up, then the global pin in $CUENV_ROOT. Discovery stops
 * after $HOME and after any directory of CUENV_CEILING_DIRS (absolute paths,
 * ':'-separated), and never goes up into another file system (a mount
 * point), as git does. A pin file is trusted (pin_trusted) only when it and
 * what it links to are owned by this user or root and writable by nobody
 * else, in a directory owned by this user or root that others cannot write
 * to (or that is sticky); an untrusted pin is skipped with a warning, as git
 * does with repositories it does not trust. A name that is there but is not
 * a small regular file (a fifo, a device, a dangling or looping symlink, a
 * directory, more than LAYOUT_PIN_MAX bytes) is an error, never a hang.
 *
 * The lock records the resolution: labels, platform, profile, source, the
 * env's name, each manifest's sha256 and every archive (product, name,
 * version, size, sha256, relative path), one "key = value" per line, so the
 * shim can read "spec", "profile" and "env" with a few lines of C.
 *
 *	struct pin p;
 *	if (pin_find(&p, cwd, root, warn, sizeof(warn), err, sizeof(err)) == 0 && p.source)
 *		... p.spec, p.profile, p.path ...
 *	pin_release(&p);
 */
#ifndef CUENV_PIN_H
#define CUENV_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "resolve.h"

enum pin_source { PIN_NONE, PIN_ENV, PIN_FILE, PIN_GLOBAL };

struct pin {
	enum pin_source source;
	char *path;		/* the pin file; NULL for CUENV_VERSION */
	char *dir;		/* its directory; NULL for CUENV_VERSION */
	char *spec;		/* the spec, "+cudnnX" added from a cudnn= line */
	char *profile;		/* from "profile = …", default devel */
	unsigned spec_line;	/* where they were written, for messages */
	unsigned profile_line;	/* 0: the default */
};

/*
 * Parse a pin file's bytes (name is used in messages). Returns 0, or
 * -CUE_EDATA with "<name>:<line>: <reason>" in err.
 */
int pin_parse(struct pin *p, const char *data, size_t len, const char *name, char *err,
	      size_t errlen);

/*
 * Find the pin that applies in cwd. Returns 0 with p->source PIN_NONE when
 * there is none; a negative code with err for an unreadable or malformed
 * pin. Skipped pins (another owner) are described in warn ("" if none).
 */
int pin_find(struct pin *p, const char *cwd, const char *root, char *warn, size_t warnlen,
	     char *err, size_t errlen);

/*
 * Is the pin or lock at path one that may choose what runs here (the rules
 * above)? When not, why holds the reason ("it belongs to another user (uid
 * 1000)"). A path that does not exist is trusted (there is nothing to read).
 */
bool pin_trusted(const char *path, char *why, size_t whylen);

/* "the environment variable CUENV_VERSION", "/p/.cuda-version", … for messages. */
const char *pin_describe(const struct pin *p, char *dst, size_t len);

/* Write a pin file atomically (the default profile is not written). */
int pin_write(const char *path, const char *spec, const char *profile);

void pin_release(struct pin *p);

/*
 * The pin generation: exactly one file $CUENV_ROOT/pin-generation.<N>.
 * Shell hooks check that the N they saw still exists with one stat();
 * 'cuenv use' (and a hook that notices an edited pin) moves it to N+1 by a
 * rename and sets its time to now. pins_generation() returns N, or 0 when
 * there is none yet; pins_bump_generation() returns the new N.
 */
unsigned long pins_generation(const char *root);
unsigned long pins_bump_generation(const char *root);

struct lock_archive {
	char *product, *name, *version, *relative_path;
	uint64_t size;
	unsigned char sha256[32];
};

struct lock {
	char *spec, *profile, *platform, *source, *env;
	char *cuda, *cudnn, *cudnn_label, *cudnn_variant;	/* cudnn* NULL without cuDNN */
	unsigned char cuda_manifest[32], cudnn_manifest[32];
	struct lock_archive *archives;
	size_t nr;
};

/*
 * Read and parse the lock at path if it is a small regular file and, with
 * check_trust (a project's lock, not the global one in $CUENV_ROOT),
 * trusted as a pin is. Returns 0, or -ENOENT / -CUE_EDATA with err saying
 * why it cannot be used.
 */
int lock_load(struct lock *l, const char *path, bool check_trust, char *err, size_t errlen);

/* Append the text of the lock of plan p (resolved from source) to b. */
void lock_format(struct buf *b, const struct plan *p, const char *source);

/* Write the lock of plan p (resolved from source) to path, atomically. */
int lock_write(const char *path, const struct plan *p, const char *source);

/* Locks are larger than pins (one line per archive) but still small. */
#define LOCK_MAX (1 << 20)

/*
 * Parse a lock. Every value is checked (a lock comes with a project that may
 * be hostile): known keys once each, versions, names of [A-Za-z0-9._+-],
 * archive sizes 1..2^63-1, 64-hex digests, safe relative paths, and the env
 * name must be the one cuda, cudnn and profile make. Returns 0 or -CUE_EDATA
 * with "<name>:<line>: <reason>".
 */
int lock_parse(struct lock *l, const char *data, size_t len, const char *name, char *err,
	       size_t errlen);

/*
 * The plan a lock stands for, archives and all, without the catalogue:
 * installing it gives the same env on every machine. URLs use source, or the
 * lock's own when NULL (a mirror serves the same bytes: the sha256 decide).
 * Release with plan_release().
 */
void lock_to_plan(const struct lock *l, const char *source, struct plan *p);

void lock_release(struct lock *l);

#endif
