// SPDX-License-Identifier: MIT
/* version.c: parsing, ordering (tests/unit/data/versions.txt), prefixes, printing. */
#include "helpers.h"

#include "version.h"

/* <0, 0, >0 from an operator character; 2 for anything else. */
static int sign_of(const char *op)
{
	if (!strcmp(op, "<"))
		return -1;
	if (!strcmp(op, "="))
		return 0;
	if (!strcmp(op, ">"))
		return 1;
	return 2;
}

static int sign(int n)
{
	return n < 0 ? -1 : n > 0;
}

static const char *op_text(int s)
{
	return s < 0 ? "<" : s > 0 ? ">" : "=";
}

/* One versions.txt line: "A OP B"; reports and returns false when it fails. */
static bool check_order(struct test_table *t, char *line)
{
	char *a = test_word(&line), *op = test_word(&line), *b = test_word(&line);
	struct version va, vb;
	int want = op ? sign_of(op) : 2;

	if (!b || test_word(&line) || want == 2) {
		test_table_fail(t, "not 'A OP B' with OP one of < = >");
		return false;
	}
	if (version_parse(a, &va) < 0 || version_parse(b, &vb) < 0) {
		test_table_fail(t, "'%s' or '%s' does not parse", a, b);
		return false;
	}
	if (sign(version_cmp(&va, &vb)) != want) {
		test_table_fail(t, "%s %s %s, expected %s", a, op_text(version_cmp(&va, &vb)), b,
				op);
		return false;
	}
	/* Mirrored: a comparison that is not antisymmetric sorts differently each run. */
	if (sign(version_cmp(&vb, &va)) != -want) {
		test_table_fail(t, "mirrored: %s %s %s, expected %s", b,
				op_text(version_cmp(&vb, &va)), a, op_text(-want));
		return false;
	}
	if (version_cmp(&va, &va) || version_cmp(&vb, &vb)) {
		test_table_fail(t, "a version is not equal to itself");
		return false;
	}
	return true;
}

static void test_order_table(void **state)
{
	struct test_table t;
	char *line;

	(void)state;
	test_table_open(&t, "tests/unit/data/versions.txt");
	while ((line = test_table_next(&t)))
		check_order(&t, line);
	test_table_close(&t, 30);
}

static void test_parse_accepts(void **state)
{
	static const struct {
		const char *s;
		unsigned nr;
		uint32_t part[VERSION_MAX_PARTS];
	} cases[] = {
		{ "0", 1, { 0 } },
		{ "12", 1, { 12 } },
		{ "12.4.1", 3, { 12, 4, 1 } },
		{ "9.14.0.64", 4, { 9, 14, 0, 64 } },
		{ "2024.1.0.13", 4, { 2024, 1, 0, 13 } },
		{ "1.2.3.4.5.6", 6, { 1, 2, 3, 4, 5, 6 } },	/* VERSION_MAX_PARTS */
		{ "999999999", 1, { 999999999 } },		/* VERSION_MAX_DIGITS */
		{ "000000001.0", 2, { 1, 0 } },			/* 9 digits, leading zeros */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct version v;
		unsigned k;

		assert_rc(version_parse(cases[i].s, &v), 0);
		assert_int_equal(v.nr, cases[i].nr);
		for (k = 0; k < v.nr; k++)
			assert_int_equal(v.part[k], cases[i].part[k]);
	}
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",			/* empty */
		"1.",			/* trailing dot */
		".1",			/* leading dot */
		"1..2",			/* empty part */
		".",
		"..",
		"a",
		"1.a",
		"v12.4",
		"12.4a",
		"1.2.3.4.5.6.7",	/* seven parts: one too many */
		"1.2.3.4.5.6.",
		"1234567890",		/* ten digits would overflow a part */
		"1.4294967296",
		"12.0000000001",	/* ten digits, even if the value is small */
		"-1",
		"+1",
		" 1",
		"1 ",
		"1\n",
		"1,2",
		"1e3",
		"0x1",
		"12.4-rc1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct version v;

		if (version_parse(bad[i], &v) != -CUE_ESPEC)
			fail_msg("version_parse accepted \"%s\"", bad[i]);
	}
}

/* version_parsen reads only len bytes: the catalogue parses labels inside file names. */
static void test_parsen(void **state)
{
	struct version v;
	char s[32];

	(void)state;
	assert_rc(version_parsen("12.4.1.json", 6, &v), 0);
	assert_string_equal(version_str(&v, s, sizeof(s)), "12.4.1");
	assert_rc(version_parsen("12.4.", 4, &v), 0);
	assert_string_equal(version_str(&v, s, sizeof(s)), "12.4");
	assert_rc(version_parsen("12.4.", 5, &v), -CUE_ESPEC);
	assert_rc(version_parsen("12", 0, &v), -CUE_ESPEC);
}

static void test_has_prefix(void **state)
{
	static const struct {
		const char *v, *prefix;
		bool want;
	} cases[] = {
		{ "12.4.1", "12", true },
		{ "12.4.1", "12.4", true },
		{ "12.4.1", "12.4.1", true },
		{ "9.1.1", "9.1", true },
		{ "12.4", "12.4.1", false },	/* a prefix cannot be longer */
		{ "9.10.0", "9.1", false },	/* numeric parts: cudnn9.1 is not 9.10 */
		{ "12.40.1", "12.4", false },
		{ "12.4.1", "1", false },
		{ "12.4.1", "12.4.0", false },
		{ "13.0.2", "12", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct version v, p;

		assert_rc(version_parse(cases[i].v, &v), 0);
		assert_rc(version_parse(cases[i].prefix, &p), 0);
		if (version_has_prefix(&v, &p) != cases[i].want)
			fail_msg("version_has_prefix(%s, %s) is %d", cases[i].v, cases[i].prefix,
				 !cases[i].want);
	}
}

static void test_str(void **state)
{
	static const char *const round_trip[] = {
		"0", "12.4.1", "9.14.0.64", "2024.1.0.13", "1.2.3.4.5.6",
		"999999999.999999999.999999999.999999999.999999999.999999999",
	};
	struct version v;
	char s[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(round_trip) / sizeof(round_trip[0]); i++) {
		assert_rc(version_parse(round_trip[i], &v), 0);
		assert_string_equal(version_str(&v, s, sizeof(s)), round_trip[i]);
	}
	assert_rc(version_parse("012.04", &v), 0);
	assert_string_equal(version_str(&v, s, sizeof(s)), "12.4");
}

/* A short buffer gets a terminated prefix, and nothing is written past len. */
static void test_str_truncates(void **state)
{
	struct version v;
	char s[16];
	size_t len;

	(void)state;
	assert_rc(version_parse("12.4.1", &v), 0);
	for (len = 1; len <= 7; len++) {
		memset(s, 'X', sizeof(s));
		version_str(&v, s, len);
		assert_true(strlen(s) < len);
		assert_memory_equal(s, "12.4.1", strlen(s));
		assert_int_equal(s[len], 'X');
	}
	memset(s, 'X', sizeof(s));
	version_str(&v, s, 0);
	assert_int_equal(s[0], 'X');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_table),
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parsen),
		cmocka_unit_test(test_has_prefix),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_str_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
