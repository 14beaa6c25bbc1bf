// SPDX-License-Identifier: MIT
/* buf.c: the growable string keeps its invariants through every operation. */
#include "helpers.h"

#include "buf.h"

static void test_init_is_empty_and_unallocated(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_buf_equal(&b, "");
	assert_int_equal(b.alloc, 0);
	/* Releasing or resetting an empty buf is harmless, and it stays usable. */
	buf_reset(&b);
	buf_release(&b);
	buf_release(&b);
	assert_buf_equal(&b, "");
	buf_init(&b);
	assert_ptr_equal(b.s, buf_empty);
}

static void test_appends(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_adds(&b, "12.4");
	buf_addch(&b, '.');
	buf_add(&b, "1xyz", 1);
	assert_buf_equal(&b, "12.4.1");
	buf_addf(&b, "+cudnn%d.%s", 9, "14");
	assert_buf_equal(&b, "12.4.1+cudnn9.14");
	buf_add(&b, "", 0);
	buf_addf(&b, "%s", "");
	assert_buf_equal(&b, "12.4.1+cudnn9.14");
	buf_release(&b);
	assert_buf_equal(&b, "");
}

/* Many small appends: every reallocation keeps the contents and the NUL. */
static void test_growth(void **state)
{
	struct buf b = BUF_INIT;
	char *want = xmalloc(100001);
	size_t i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		want[i] = (char)('a' + i % 26);
		buf_addch(&b, want[i]);
		assert_int_equal(b.s[b.len], '\0');
	}
	want[i] = '\0';
	assert_buf_equal(&b, want);
	buf_addf(&b, "%0*d", 5000, 7);
	assert_int_equal(b.len, 105000);
	assert_int_equal(b.s[b.len - 1], '7');
	buf_release(&b);
	free(want);
}

/* buf_add keeps bytes after a NUL: len, not strlen, is the length. */
static void test_embedded_nul(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_add(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.s, "a\0b", 4);
	buf_release(&b);
}

static void test_reset_setlen_detach(void **state)
{
	struct buf b = BUF_INIT;
	size_t alloc;
	char *s;

	(void)state;
	buf_adds(&b, "cuda-12.4.1-devel");
	alloc = b.alloc;
	buf_setlen(&b, 4);
	assert_buf_equal(&b, "cuda");
	buf_reset(&b);
	assert_buf_equal(&b, "");
	assert_int_equal(b.alloc, alloc);	/* reset keeps the storage */
	buf_adds(&b, "envs");
	s = buf_detach(&b);
	assert_string_equal(s, "envs");
	assert_buf_equal(&b, "");
	assert_int_equal(b.alloc, 0);
	free(s);
	/* Detaching an empty buf still hands over memory the caller may free. */
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
	/* setlen on an unallocated buf changes nothing (and writes nothing). */
	buf_setlen(&b, 0);
	assert_buf_equal(&b, "");
}

static void test_json_str(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "12.4.1", "\"12.4.1\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "C:\\cuda", "\"C:\\\\cuda\"" },
		{ "a\nb\tc\rd", "\"a\\nb\\tc\\rd\"" },
		{ "\x01\x1f", "\"\\u0001\\u001f\"" },
		{ "\x7f", "\"\x7f\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },	/* UTF-8 passes through */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;

		buf_adds(&b, "x=");
		buf_add_json_str(&b, cases[i].in);
		if (strcmp(b.s + 2, cases[i].out))
			fail_msg("buf_add_json_str(\"%s\") gave %s", cases[i].in, b.s + 2);
		buf_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty_and_unallocated),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_reset_setlen_detach),
		cmocka_unit_test(test_json_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
