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

void out_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("cuenv: error: ", fmt, ap);
	va_end(ap);
}

void out_warn(const char *fmt, ...)
{
	va_list ap;

	if (level == OUT_QUIET)
		return;
	va_start(ap, fmt);
	emit("cuenv: warning: ", fmt, ap);
	va_end(ap);
}

void out_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("hint: ", fmt, ap);
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
