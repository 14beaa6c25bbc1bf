/*
 * audit.h - what 'cuenv exec --audit' learnt: the CUDA-family libraries each
 * process loaded, where from, and what is wrong with that.
 *
 * The records come from shims/cuenv-audit.c (an LD_AUDIT module; its header
 * describes the format). Each library is placed: inside the active env,
 * inside another cuenv env, or outside (a wheel, /usr/local/cuda, the
 * driver). Flagged are libraries of a CUDA family loaded from outside the
 * active env (the driver's own libcuda and libnvidia-* excepted, unless the
 * env brings a forward-compatibility libcuda), and any family one process
 * loaded from two directories (two cuDNN releases mixed, say).
 *
 *	struct audit_report r;
 *	audit_parse(data, len, prefix, envs_dir, has_compat, &r);
 *	for (i = 0; i < r.nr_procs; i++) ... r.procs[i].libs ...
 *	audit_report_release(&r);
 */
#ifndef CUENV_AUDIT_H
#define CUENV_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "cudalib.h"

/* The environment variable naming the record file, shared with the module. */
#define AUDIT_FILE_VAR "CUENV_AUDIT_FILE"
/* The module's file name, beside cuenv or in ../libexec/cuenv/. */
#define AUDIT_MODULE "cuenv-audit.so"

enum audit_where { AUDIT_IN_ENV, AUDIT_OTHER_ENV, AUDIT_OUTSIDE };

struct audit_lib {
	char *path;		/* as the loader named it */
	char *real;		/* the file: realpath, or path when it is gone */
	char *dir;		/* the directory of real */
	struct cudalib lib;
	enum audit_where where;
	bool outside;		/* flagged: outside the active env */
	bool mixed;		/* flagged: its family came from two directories */
};

struct audit_proc {
	long pid, ppid;
	char *exe;		/* the program image (a pid that execs has several) */
	size_t nr_objects;	/* every shared object mapped, CUDA or not */
	struct audit_lib *libs;	/* the CUDA-family ones, in load order */
	size_t nr_libs;
	char **mixed;		/* families loaded from two or more directories */
	size_t nr_mixed;
};

struct audit_report {
	struct audit_proc *procs;
	size_t nr_procs;
	size_t nr_libs, nr_outside, nr_mixed;
	size_t nr_bad_lines;	/* records that could not be read */
};

/*
 * Read the records and classify against the env at prefix (envs_dir: the
 * directory of all envs, to recognise another env; has_compat: the env has
 * a compat/ libcuda). Never fails; unreadable lines are counted.
 */
void audit_parse(const char *data, size_t len, const char *prefix, const char *envs_dir,
		 bool has_compat, struct audit_report *r);
void audit_report_release(struct audit_report *r);

const char *audit_where_name(enum audit_where w);

/*
 * GLIBC_TUNABLES for an audited program: current (NULL or "" when unset) with
 * glibc.rtld.optional_static_tls raised by AUDIT_STATIC_TLS_EXTRA over its
 * value (glibc's default 512 when absent). LD_AUDIT loads a second libc in
 * its own namespace, which takes a little of the static TLS the loader keeps
 * for dlopen()ed libraries with initial-exec TLS; without this, a library
 * that loads without the audit can fail under it with "cannot allocate memory
 * in static TLS block" (glibc bug 31991). 64 is the tunable's granularity on
 * glibc 2.36: the audit takes 16 bytes, so the program gets 48 bytes more
 * room than without the audit, rather than 16 less. Newly allocated.
 */
#define AUDIT_STATIC_TLS_DEFAULT 512
#define AUDIT_STATIC_TLS_EXTRA 64
char *audit_tunables(const char *current);

/*
 * The audit module beside the running cuenv: <bindir>/cuenv-audit.so (the
 * build's bin/) or <bindir>/../libexec/cuenv/cuenv-audit.so (make install).
 * Newly allocated, or NULL.
 */
char *audit_find_module(void);

#endif
