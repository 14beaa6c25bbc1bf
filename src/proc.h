/*
 * proc.h - run a helper program and keep what it prints, bounded in time.
 *
 * For the probes of cuenv doctor (nvidia-smi, cc --version): the program's
 * stdout and stderr go to one buffer (at most max bytes kept), its stdin is
 * /dev/null, and it is killed when it runs longer than the time limit, so a
 * hung driver tool never hangs cuenv.
 *
 *	struct buf out = BUF_INIT;
 *	int status;
 *	char *argv[] = { "nvidia-smi", "-L", NULL };
 *	if (proc_capture(argv, 5000, 65536, &out, &status) == 0 && status == 0)
 *		...
 *	buf_release(&out);
 */
#ifndef CUENV_PROC_H
#define CUENV_PROC_H

#include <stddef.h>

#include "buf.h"

/*
 * Run argv[0] (looked up on PATH when it has no '/') with argv. Appends its
 * output to out and sets *status to its exit status, 128 + the signal that
 * ended it, or 124 when it was killed for running past timeout_ms. Returns 0,
 * or -ENOENT / -errno when it could not be started.
 */
int proc_capture(char *const argv[], int timeout_ms, size_t max, struct buf *out, int *status);

/*
 * Find name (no '/') on the ':' list path as an executable regular file.
 * Returns a newly allocated path or NULL.
 */
char *proc_which(const char *name, const char *path);

#endif
