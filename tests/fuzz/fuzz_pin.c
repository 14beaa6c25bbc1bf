// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the .cuda-version parser (pin_parse) and the cuenv.lock
 * parser (lock_parse), each held against the shim's own reader of the same
 * bytes (tests/fuzz/shim_glue.c): cuenv and its shim must accept the same
 * pins and locks and pick the same spec, profile and env.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "layout.h"
#include "manifest.h"
#include "pin.h"
#include "resolve.h"
#include "shim_glue.h"
#include "banned.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

static bool tame(const char *s)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-";

	return *s && strspn(s, ok) == strlen(s);
}

static void fuzz_pin(const char *data, size_t size)
{
	char err[512] = "", sspec[SHIM_GLUE_SPEC], sprofile[SHIM_GLUE_PROFILE];
	enum resolve_profile prof;
	struct spec spec;
	struct pin p;
	bool usable, shim;
	int rc;

	rc = pin_parse(&p, data, size, "fuzz/.cuda-version", err, sizeof(err));
	if (rc < 0) {
		CHECK(rc == -CUE_EDATA);
		CHECK(!strncmp(err, "fuzz/.cuda-version:", 19));
		CHECK(!p.spec && !p.profile);
	} else {
		CHECK(rc == 0 && p.spec && *p.spec && p.profile);
		CHECK(printable(p.spec) && printable(p.profile));
		CHECK(p.spec[0] != '#' && p.spec[0] != ' ' && p.spec[0] != '\t');
		CHECK(p.spec_line >= 1);
		CHECK(resolve_profile_parse(p.profile, &prof) == 0);
	}
	/* What both sides would run with: a pin file they read and a spec that parses. */
	usable = rc == 0 && size <= LAYOUT_PIN_MAX &&
		 resolve_spec_parse(p.spec, &spec, err, sizeof(err)) == 0;
	shim = shim_glue_pin(data, size, sspec, sprofile) && shim_glue_spec(sspec);
	if (usable != shim)
		fprintf(stderr, "pin: cuenv %s '%s', the shim %s '%s'\n",
			usable ? "takes" : "refuses", p.spec ? p.spec : "", shim ? "takes" : "refuses",
			shim ? sspec : "");
	CHECK(usable == shim);
	if (usable) {
		CHECK(!strcmp(p.spec, sspec));
		CHECK(!strcmp(p.profile, sprofile));
	}
	/* The spec grammar itself, both sides, on whatever the first line holds. */
	if (rc == 0 && strlen(p.spec) < SHIM_GLUE_SPEC)
		CHECK((resolve_spec_parse(p.spec, &spec, err, sizeof(err)) == 0) ==
		      (shim_glue_spec(p.spec) == 1));
	pin_release(&p);
}

/* A valid lock stands for a plan whose text parses back to the same lock. */
static void round_trip(const struct lock *l)
{
	struct lock again;
	struct plan plan;
	struct buf b = BUF_INIT;
	char err[512] = "", *name;
	size_t i;

	lock_to_plan(l, NULL, &plan);
	name = plan_name(&plan);
	CHECK(!strcmp(name, l->env));
	CHECK(!strchr(name, '/') && name[0] != '.');
	CHECK(plan.nr_components == l->nr);
	for (i = 0; i < plan.nr_components; i++) {
		const char *why;

		CHECK(manifest_check_path(plan.components[i].relative_path, &why) == 0);
		CHECK(plan.components[i].size > 0);
		CHECK(plan.components[i].size <= (uint64_t)INT64_MAX);
	}
	lock_format(&b, &plan, l->source);
	CHECK(lock_parse(&again, b.s, b.len, "again", err, sizeof(err)) == 0);
	CHECK(!strcmp(again.env, l->env) && !strcmp(again.spec, l->spec));
	CHECK(!strcmp(again.profile, l->profile) && !strcmp(again.platform, l->platform));
	CHECK(!strcmp(again.cuda, l->cuda) && !!again.cudnn == !!l->cudnn);
	CHECK(again.nr == l->nr);
	for (i = 0; i < l->nr; i++) {
		CHECK(!strcmp(again.archives[i].name, l->archives[i].name));
		CHECK(!strcmp(again.archives[i].relative_path, l->archives[i].relative_path));
		CHECK(again.archives[i].size == l->archives[i].size);
		CHECK(!memcmp(again.archives[i].sha256, l->archives[i].sha256, 32));
	}
	lock_release(&again);
	buf_release(&b);
	free(name);
	plan_release(&plan);
}

static void fuzz_lock(const char *data, size_t size)
{
	char err[512] = "", env[SHIM_GLUE_NAME], spec[SHIM_GLUE_NAME], profile[SHIM_GLUE_NAME];
	struct lock l;
	bool shim;
	size_t i;
	int rc;

	rc = lock_parse(&l, data, size, "fuzz/cuenv.lock", err, sizeof(err));
	shim = shim_glue_lock(data, size, env, spec, profile);
	if ((rc == 0) != shim)
		fprintf(stderr, "lock: cuenv %s (%s), the shim %s\n", rc ? "refuses" : "takes", err,
			shim ? "takes" : "refuses");
	CHECK((rc == 0) == shim);
	if (rc < 0) {
		CHECK(rc == -CUE_EDATA);
		CHECK(!strncmp(err, "fuzz/cuenv.lock:", 16));
		CHECK(!l.spec && !l.archives && !l.nr);
		return;
	}
	CHECK(!strcmp(env, l.env) && !strcmp(spec, l.spec) && !strcmp(profile, l.profile));
	CHECK(l.nr > 0 && tame(l.env) && tame(l.platform));
	for (i = 0; i < l.nr; i++)
		CHECK(!strcmp(l.archives[i].product, "cuda") ||
		      !strcmp(l.archives[i].product, "cudnn"));
	round_trip(&l);
	lock_release(&l);
}

/* The first byte picks the parser: even a pin, odd a lock. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_lock((const char *)data + 1, size - 1);
	else
		fuzz_pin((const char *)data + 1, size - 1);
	return 0;
}
