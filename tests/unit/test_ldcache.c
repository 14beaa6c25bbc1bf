// SPDX-License-Identifier: MIT
/* ldcache.c: glibc's cache formats, lookups by architecture, hostile files. */
#include "helpers.h"

#include <errno.h>

#include "ldcache.h"

/* A new-format cache with n entries {flags, name, path}, strings after the table. */
static size_t make_cache(unsigned char *out, size_t cap, const uint32_t *flags,
			 const char *const *names, const char *const *paths, size_t n, size_t at)
{
	size_t str = at + 48 + n * 24, i;

	memset(out, 0, cap);
	memcpy(out + at, "glibc-ld.so.cache1.1", 20);
	out[at + 20] = (unsigned char)n;
	for (i = 0; i < n; i++) {
		unsigned char *e = out + at + 48 + i * 24;
		uint32_t key = (uint32_t)(str - at), value;

		memcpy(out + str, names[i], strlen(names[i]) + 1);
		str += strlen(names[i]) + 1;
		value = (uint32_t)(str - at);
		memcpy(out + str, paths[i], strlen(paths[i]) + 1);
		str += strlen(paths[i]) + 1;
		memcpy(e, &flags[i], 4);
		memcpy(e + 4, &key, 4);
		memcpy(e + 8, &value, 4);
	}
	assert_true(str <= cap);
	return str;
}

static const uint32_t flags[] = { 0x0003, 0x0303, 0x0a03, 0x0303 };
static const char *const names[] = { "libcudnn.so.9", "libcudnn.so.9", "libcudnn.so.9",
				     "libcudart.so.13" };
static const char *const paths[] = { "/usr/lib32/libcudnn.so.9", "/usr/local/cuda/lib/libcudnn.so.9",
				     "/usr/lib/aarch64-linux-gnu/libcudnn.so.9",
				     "/usr/local/cuda/lib/libcudart.so.13" };

static void test_new_format(void **state)
{
	unsigned char buf[2048];
	size_t len = make_cache(buf, sizeof(buf), flags, names, paths, 4, 0);
	const struct ldcache_entry *e;
	struct ldcache c;

	(void)state;
	assert_int_equal(ldcache_parse(buf, len, &c), 0);
	assert_int_equal(c.nr, 4);
	assert_string_equal(c.v[3].path, "/usr/local/cuda/lib/libcudart.so.13");
	e = ldcache_lookup(&c, "libcudnn.so.9");
#if defined(__x86_64__)
	/* The 32-bit and aarch64 entries come first but are not this machine's. */
	assert_non_null(e);
	assert_string_equal(e->path, "/usr/local/cuda/lib/libcudnn.so.9");
#endif
	assert_null(ldcache_lookup(&c, "libcudnn.so.8"));
	ldcache_release(&c);
}

/* The old table first, the new one after it: offsets count from the new header. */
static void test_old_then_new(void **state)
{
	unsigned char buf[2048];
	size_t len;
	struct ldcache c;

	(void)state;
	len = make_cache(buf, sizeof(buf), flags, names, paths, 4, 16 + 2 * 12);
	memcpy(buf, "ld.so-1.7.0", 11);
	buf[12] = 2;
	assert_int_equal(ldcache_parse(buf, len, &c), 0);
	assert_int_equal(c.nr, 4);
	assert_string_equal(c.v[0].name, "libcudnn.so.9");
	ldcache_release(&c);
}

static void test_hostile(void **state)
{
	unsigned char buf[2048];
	size_t len = make_cache(buf, sizeof(buf), flags, names, paths, 4, 0);
	struct ldcache c;

	(void)state;
	/* Truncated anywhere: never read past the end. */
	for (size_t n = 0; n < len - 1; n += 7)
		if (ldcache_parse(buf, n, &c) == 0)
			ldcache_release(&c);
	assert_int_equal(ldcache_parse("nothing", 7, &c), -EINVAL);
	/* A count larger than the file. */
	buf[20] = 0xff;
	buf[21] = 0xff;
	assert_int_equal(ldcache_parse(buf, len, &c), -EINVAL);
	/* A string offset past the end. */
	buf[20] = 4;
	buf[21] = 0;
	buf[48 + 4] = 0xff;
	buf[48 + 5] = 0xff;
	assert_int_equal(ldcache_parse(buf, len, &c), -EINVAL);
}

/* This machine's own cache, when it has one: every entry has a name and a path. */
static void test_real_cache(void **state)
{
	struct ldcache c;
	size_t i;

	(void)state;
	if (ldcache_read("/etc/ld.so.cache", &c) < 0)
		skip();
	assert_true(c.nr > 0);
	for (i = 0; i < c.nr; i++)
		assert_true(c.v[i].path[0] == '/' && c.v[i].name[0]);
	assert_non_null(ldcache_lookup(&c, "libc.so.6"));
	ldcache_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_format),
		cmocka_unit_test(test_old_then_new),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_real_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
