/*
 * hostcc.h - the host C++ compiler nvcc will run, against what the env's nvcc accepts.
 *
 * nvcc refuses a gcc or clang newer than it knows ("unsupported GNU version!
 * gcc versions later than 13 are not supported!"). The limits are #error
 * lines in the env's own include/crt/host_config.h; the compiler is the one
 * nvcc runs: NVCC_CCBIN when set, else gcc from PATH (what `nvcc --dryrun`
 * shows on Linux).
 *
 *	struct hostcc_limits lim;
 *	hostcc_parse_config(text, len, &lim);		// lim.gcc_max == 13
 *	struct hostcc cc;
 *	hostcc_probe("gcc", path, &cc);			// cc.kind "gcc", cc.major 12
 */
#ifndef CUENV_HOSTCC_H
#define CUENV_HOSTCC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct hostcc_limits {
	int gcc_max;	/* newest gcc major nvcc accepts; -1 unknown */
	int clang_max;	/* newest clang major; -1 unknown */
};

struct hostcc {
	char cmd[PATH_MAX];	/* as asked: "gcc", "/usr/bin/g++-13" */
	char path[PATH_MAX];	/* where it was found; "" when not found */
	char kind[8];		/* "gcc", "clang" or "" (not recognised) */
	int major, minor;	/* -1 when unknown */
	char banner[160];	/* first line of --version */
};

/* Read the limits from host_config.h text. Returns 0, or -EINVAL when none was found. */
int hostcc_parse_config(const char *data, size_t len, struct hostcc_limits *out);

/* Recognise "--version" output: sets kind, major, minor, banner. Returns 0 or -EINVAL. */
int hostcc_parse_version(const char *text, struct hostcc *out);

/*
 * Find cmd on path (the ':' list; a cmd with '/' is taken as is) and run
 * "cmd --version". Returns 0, -ENOENT when not found, or -EINVAL when the
 * output is not a gcc's or clang's.
 */
int hostcc_probe(const char *cmd, const char *path, struct hostcc *out);

/* Whether a probed compiler is within the limits (false when either is unknown). */
bool hostcc_accepted(const struct hostcc *cc, const struct hostcc_limits *lim);

/*
 * The newest compiler on path that nvcc accepts, trying g++-N and clang++-N
 * (N from the limit down to the limit - 8) and the plain g++ and clang++.
 * Returns 0 with *out, or -ENOENT.
 */
int hostcc_find_accepted(const char *path, const struct hostcc_limits *lim, struct hostcc *out);

#endif
