// SPDX-License-Identifier: MIT
/* Messages to the user on stderr, in one style. */
#include "out.h"

#include <stdarg.h>

#include "banned.h"

static FILE *stream;
static enum out_level level = OUT_NORMAL;

void out_set_stream(FILE *f)
{
	stream = f;
}

void out_set_level(enum out_level l)
{
	level = l;
}

enum out_level out_get_level(void)
{
	return level;
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = stream ? stream : stderr;

	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

/*
 * Errors, warnings and hints are one line each, whatever a name in them
 * holds (a path with a newline, a pin with an escape sequence): control
 * characters are printed as '?', as the shim does.
 */
static void emit_line(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = stream ? stream : stderr;
	char msg[4096];
	size_t i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; msg[i]; i++) {
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	}
	fputs(prefix, f);
	fputs(msg, f);
	fputc('\n', f);
	fflush(f);
}

void out_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_line("cuenv: error: ", fmt, ap);
	va_end(ap);
}

void out_warn(const char *fmt, ...)
{
	va_list ap;

	if (level == OUT_QUIET)
		return;
	va_start(ap, fmt);
	emit_line("cuenv: warning: ", fmt, ap);
	va_end(ap);
}

void out_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_line("hint: ", fmt, ap);
	va_end(ap);
}

void out_info(const char *fmt, ...)
{
	va_list ap;

	if (level == OUT_QUIET)
		return;
	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void out_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < OUT_VERBOSE)
		return;
	va_start(ap, fmt);
	emit("cuenv: debug: ", fmt, ap);
	va_end(ap);
}

const char *out_bytes(unsigned long long n, char *dst, size_t len)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	int u = -1;

	if (n < 1000) {
		snprintf(dst, len, "%llu B", n);
		return dst;
	}
	while (v >= 1000.0 && u < 4) {
		v /= 1000.0;
		u++;
	}
	snprintf(dst, len, "%.1f %s", v, units[u]);
	return dst;
}
