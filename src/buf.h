/*
 * buf.h - a growable string that is always NUL-terminated.
 *
 *	struct buf b = BUF_INIT;
 *	buf_addf(&b, "%s/%s", root, "envs");
 *	puts(b.s);
 *	char *owned = buf_detach(&b);	// b is empty again; free(owned) later
 *	buf_release(&b);
 *
 * Invariants (from git's strbuf): b.s is never NULL and always ends with a
 * NUL at b.s[b.len]; b.len never counts that NUL. buf_detach() is the only
 * way to take ownership of the storage.
 */
#ifndef CUENV_BUF_H
#define CUENV_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *s;
	size_t len;
	size_t alloc;
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
/* Free the storage and reset to empty. */
void buf_release(struct buf *b);
/* Keep the storage, set the length to zero. */
void buf_reset(struct buf *b);
/* Return the string; the caller owns it and must free() it. b is reset. */
char *buf_detach(struct buf *b);

void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Append s as a JSON string literal, quotes included. */
void buf_add_json_str(struct buf *b, const char *s);
/* Shorten to len (len <= b->len). */
void buf_setlen(struct buf *b, size_t len);

#endif
