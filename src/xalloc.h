/*
 * xalloc.h - allocators that abort on failure.
 *
 * Every allocation in cuenv goes through these. Running out of memory is not
 * something a version manager can recover from, so callers never check for
 * NULL: they get memory or the process ends with a message.
 *
 *	char *s = xstrdup("12.4");
 *	char *p = xasprintf("%s/%s", root, name);
 *	free(s); free(p);
 */
#ifndef CUENV_XALLOC_H
#define CUENV_XALLOC_H

#include <stddef.h>

/* Each returns newly allocated memory; free() it. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *p (an array of *alloc elements of size elem) to hold at least nr. */
void xgrow(void *pp, size_t elem, size_t nr, size_t *alloc);

#endif
