/*
 * integrity.h - check installed store entries and envs against their receipts.
 *
 * What install recorded is the reference: each store entry's receipt lists
 * every file, directory and symlink extraction wrote, with each file's mode,
 * size and sha256; an env's receipt names its store entries, and its tree
 * follows from theirs by the assembly rules of store.h (hard links, the
 * first component wins a shared path, licences under share/licenses/,
 * lib64 -> lib). integrity_run() compares types, modes and symlink targets with
 * lstat(), re-hashes every regular file (each inode once, in parallel
 * threads with a fixed buffer each), and walks the trees for extra paths.
 * It only reads; the caller holds the store lock shared so that gc cannot
 * remove what is being checked.
 *
 *	struct integrity_opts o = { .all = true };
 *	struct integrity_result r;
 *	if (integrity_run(&s, &o, &r, err, sizeof(err)) == 0)
 *		for (i = 0; i < r.nr; i++) ... r.problems[i] ...
 *	integrity_result_release(&r);
 *
 * Limitation: the receipts themselves are trusted; whoever can rewrite a
 * file and its receipt line together is not detected.
 */
#ifndef CUENV_INTEGRITY_H
#define CUENV_INTEGRITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum integrity_kind {
	INTEGRITY_CHANGED,		/* other content: expected and got are sha256 hex */
	INTEGRITY_MISSING,
	INTEGRITY_EXTRA,		/* a path no receipt accounts for */
	INTEGRITY_MODE,		/* expected and got are octal modes */
	INTEGRITY_TYPE,		/* expected and got: "file", "directory", "symlink", ... */
	INTEGRITY_TARGET,		/* a symlink's target: expected and got */
	INTEGRITY_RECEIPT,		/* a receipt that cannot be read: got says why */
	INTEGRITY_UNREADABLE,	/* a file that cannot be read: got says why */
};

struct integrity_problem {
	enum integrity_kind kind;
	char *path;		/* absolute */
	char *owner;		/* the store entry's or env's name */
	bool in_env;		/* owner is an env (else a store entry) */
	char *expected, *got;	/* NULL where the kind has none */
};

struct integrity_opts {
	bool all;		/* every store entry and every env */
	char *const *envs;	/* else these envs (names) and their store entries */
	size_t nr_envs;
	unsigned threads;	/* hashing threads; 0: one per CPU, at most 8 */
};

struct integrity_result {
	struct integrity_problem *problems;	/* sorted by path */
	size_t nr, alloc;
	size_t entries, envs;		/* how many were checked */
	size_t files;			/* regular files hashed (each inode once) */
	uint64_t bytes;			/* bytes hashed */
};

/*
 * Check what o names. Returns 0 with r filled (r->nr == 0: everything is as
 * installed), or -errno with err when the store cannot be read at all.
 * Release r with integrity_result_release() in every case.
 */
int integrity_run(const struct store *s, const struct integrity_opts *o, struct integrity_result *r,
	      char *err, size_t errlen);
void integrity_result_release(struct integrity_result *r);

/* "changed", "missing", "extra", "mode", "type", "target", "receipt", "unreadable". */
const char *integrity_kind_name(enum integrity_kind k);

#endif
