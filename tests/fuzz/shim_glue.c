// SPDX-License-Identifier: MIT
/*
 * The shim's own pin, lock and spec readers, compiled into fuzz_pin so that
 * it can hold them against pin.c and resolve.c (the shim is one file with a
 * main(); its functions are static). die() becomes a longjmp back here and
 * its message goes to /dev/null: "the shim would exit 126" is a result.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim_glue.h"

static FILE *shim_devnull;
static jmp_buf shim_jump;

#undef stderr
#define stderr (shim_devnull ? shim_devnull : stderr)
#define exit(status) longjmp(shim_jump, (status) + 1)
#define main shim_main
#include "../../shims/cuenv-shim.c"
#undef main
#undef exit
#undef stderr

static void quiet(void)
{
	if (!shim_devnull)
		shim_devnull = fopen("/dev/null", "w");
}

/* The file's bytes as slurp() would hand them over: NULL when refused. */
static char *as_slurped(const char *data, size_t len, size_t max)
{
	if (len > max || memchr(data, '\0', len))
		return NULL;
	memcpy(fbuf, data, len);
	fbuf[len] = '\0';
	return strncmp(fbuf, "\xEF\xBB\xBF", 3) ? fbuf : fbuf + 3;
}

int shim_glue_pin(const char *data, size_t len, char *spec, char *profile)
{
	static struct pin p;
	char *text;

	quiet();
	memset(&p, 0, sizeof(p));
	snprintf(p.source, sizeof(p.source), "fuzz/.cuda-version");
	snprintf(p.profile, sizeof(p.profile), "%s", LAYOUT_DEFAULT_PROFILE);
	text = as_slurped(data, len, LAYOUT_PIN_MAX);
	if (!text)
		return 0;
	if (setjmp(shim_jump))
		return 0;
	parse_pin(&p, text);
	snprintf(spec, SHIM_GLUE_SPEC, "%s", p.spec);
	snprintf(profile, SHIM_GLUE_PROFILE, "%s", p.profile);
	return 1;
}

int shim_glue_spec(const char *spec)
{
	struct spec sp;

	return spec_parse(spec, &sp);
}

int shim_glue_lock(const char *data, size_t len, char *env, char *spec, char *profile)
{
	const char *v[K_NR];
	char *text;

	quiet();
	text = as_slurped(data, len, FILE_MAX);
	if (!text || !lock_valid(text, v))
		return 0;
	snprintf(env, SHIM_GLUE_NAME, "%s", v[K_ENV]);
	snprintf(spec, SHIM_GLUE_NAME, "%s", v[K_SPEC]);
	snprintf(profile, SHIM_GLUE_NAME, "%s", v[K_PROFILE]);
	return 1;
}
