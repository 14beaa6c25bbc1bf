// SPDX-License-Identifier: MIT
/* elfdyn.c: the dynamic section of real objects, and of broken ones. */
#include "helpers.h"

#include <errno.h>

#include "elfdyn.h"

/* This test program: a dynamic executable that needs libc, with no SONAME. */
static void test_self(void **state)
{
	struct elfdyn d;
	size_t i;
	bool libc = false;

	(void)state;
	assert_int_equal(elfdyn_read("/proc/self/exe", &d), 0);
	assert_null(d.soname);
	for (i = 0; i < d.nr_needed; i++)
		libc |= !strcmp(d.needed[i], "libc.so.6");
	assert_true(libc);
	elfdyn_release(&d);
}

/* A shared library with a SONAME and a DT_RUNPATH, built here. */
static void test_library(void **state)
{
	char *dir = test_mkdtemp("elfdyn"), *src = xasprintf("%s/x.c", dir);
	char *so = xasprintf("%s/libx.so.3", dir), *cmd;
	struct elfdyn d;
	FILE *f = fopen(src, "w");

	(void)state;
	assert_non_null(f);
	fputs("int x(void) { return 3; }\n", f);
	fclose(f);
	cmd = xasprintf("cc -shared -fPIC -Wl,-soname,libx.so.3 -Wl,--enable-new-dtags "
			"-Wl,-rpath,'$ORIGIN/../lib' -o %s %s -lm", so, src);
	if (system(cmd) != 0)
		skip();
	assert_int_equal(elfdyn_read(so, &d), 0);
	assert_string_equal(d.soname, "libx.so.3");
	assert_string_equal(d.runpath, "$ORIGIN/../lib");
	assert_null(d.rpath);
	elfdyn_release(&d);
	free(cmd);
	cmd = xasprintf("cc -shared -fPIC -Wl,--disable-new-dtags -Wl,-rpath,/opt/a:/opt/b -o %s %s",
			so, src);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(elfdyn_read(so, &d), 0);
	assert_string_equal(d.rpath, "/opt/a:/opt/b");
	assert_null(d.runpath);
	assert_null(d.soname);
	elfdyn_release(&d);
	free(cmd);
	cmd = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(so);
	free(src);
	free(dir);
}

/* Cut short at every length, or with bytes flipped: an error or a result, never a crash. */
static void test_hostile(void **state)
{
	struct buf b = BUF_INIT;
	struct elfdyn d;
	size_t n;

	(void)state;
	assert_int_equal(fs_read_file("/proc/self/exe", 64 << 20, &b), 0);
	for (n = 0; n < 8192 && n < b.len; n += 13) {
		if (elfdyn_parse(b.s, n, &d) == 0)
			elfdyn_release(&d);
	}
	for (n = 16; n < 4096 && n < b.len; n += 17) {
		char *copy = xmalloc(b.len);

		memcpy(copy, b.s, b.len);
		copy[n] ^= 0x5a;
		if (elfdyn_parse(copy, b.len, &d) == 0)
			elfdyn_release(&d);
		free(copy);
	}
	assert_int_equal(elfdyn_parse("#!/bin/sh\n", 10, &d), -ENOEXEC);
	assert_int_equal(elfdyn_read("/nonexistent/libx.so", &d), -ENOENT);
	assert_int_equal(elfdyn_read("/", &d), -ENOEXEC);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_library),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
