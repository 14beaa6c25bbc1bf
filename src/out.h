/*
 * out.h - messages to the user.
 *
 * Only the cmd_* layer and main.c print. Primary output goes to stdout with
 * plain printf; everything here goes to stderr (or the stream set with
 * out_set_stream(), which tests use with fmemopen()). Messages follow git's
 * style: lowercase, no full stop, the subject in single quotes.
 *
 *	out_error("unknown command '%s'", name);	// cuenv: error: unknown command 'x'
 *	out_hint("see 'cuenv --help'");			// hint: see 'cuenv --help'
 */
#ifndef CUENV_OUT_H
#define CUENV_OUT_H

#include <stdbool.h>
#include <stdio.h>

enum out_level { OUT_QUIET = 0, OUT_NORMAL = 1, OUT_VERBOSE = 2 };

void out_set_stream(FILE *f);
void out_set_level(enum out_level level);
enum out_level out_get_level(void);

void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warnings are dropped at OUT_QUIET. */
void out_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational lines on stderr, dropped at OUT_QUIET. */
void out_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only at OUT_VERBOSE. */
void out_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Format a byte count for people: "1.2 MB", "2.6 GB", "512 B" (SI units). */
const char *out_bytes(unsigned long long n, char *dst, size_t len);

#endif
