// SPDX-License-Identifier: MIT
/* support.c: the real manifests/support.txt, lookups, and malformed rows. */
#include "helpers.h"

#include <dirent.h>

#include "support.h"
#include "version.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixture: the real support.txt ---- */

static int parse_real(void **state)
{
	struct support *s = xcalloc(1, sizeof(*s));
	char err[256] = "";
	size_t len;
	char *data = test_read("manifests/support.txt", &len);
	int rc = support_parse(s, data, len, err, sizeof(err));

	free(data);
	if (rc < 0) {
		print_error("support.txt: %s\n", err);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int release_real(void **state)
{
	support_release(*state);
	free(*state);
	return 0;
}

static struct version V(const char *s)
{
	struct version v;

	if (version_parse(s, &v) < 0)
		fail_msg("bad version '%s' in the test", s);
	return v;
}

static const struct support_cuda *cuda_row(const struct support *s, const char *label)
{
	struct version v = V(label);
	const struct support_cuda *r = support_cuda(s, &v);

	if (!r)
		fail_msg("no cuda row for %s", label);
	return r;
}

/* ---- the real file ---- */

static void test_cuda_rows(void **state)
{
	const struct support *s = *state;

	assert_int_equal(s->nr_cuda, 37);
	assert_string_equal(cuda_row(s, "11.4.2")->driver_min, "470.57.02");
	assert_string_equal(cuda_row(s, "11.4.2")->mvc_min, "450.80.02");
	/* The two overrides of nvidia-redist-facts.md (e): table values, not bundled drivers. */
	assert_string_equal(cuda_row(s, "12.8.0")->driver_min, "570.26");
	assert_string_equal(cuda_row(s, "12.8.0")->source, "table");
	assert_string_equal(cuda_row(s, "12.2.1")->driver_min, "535.86.09");
	assert_string_equal(cuda_row(s, "12.4.1")->driver_min, "550.54.15");
	assert_string_equal(cuda_row(s, "12.4.1")->mvc_min, "525.60.13");
	assert_string_equal(cuda_row(s, "12.9.1")->source, "bundled");
	assert_string_equal(cuda_row(s, "13.0.0")->driver_min, "580.65.06");
	assert_string_equal(cuda_row(s, "13.0.2")->mvc_min, "580.65.06");
}

/* Every CUDA manifest in the bundle has a driver row (the resolver relies on it). */
static void test_every_bundled_cuda_label_has_a_row(void **state)
{
	const struct support *s = *state;
	char *dir = test_path("manifests/cuda");
	DIR *dh = opendir(dir);
	struct dirent *d;
	size_t n = 0;

	assert_non_null(dh);
	while ((d = readdir(dh))) {
		size_t len = strlen(d->d_name);
		char *label;

		if (strncmp(d->d_name, "redistrib_", 10) || len < 16)
			continue;
		label = xstrndup(d->d_name + 10, len - 15);
		cuda_row(s, label);
		free(label);
		n++;
	}
	closedir(dh);
	free(dir);
	assert_int_equal(n, s->nr_cuda);
}

static void test_unknown_cuda_label(void **state)
{
	const struct support *s = *state;
	struct version v = V("12.7.0"), prefix = V("12.4");

	assert_null(support_cuda(s, &v));
	/* Lookups are exact: 12.4 is not 12.4.0 or 12.4.1. */
	assert_null(support_cuda(s, &prefix));
}

static void test_cudnn_lists(void **state)
{
	static const struct {
		const char *cudnn;
		unsigned major, minor;
		enum support_answer want;
	} cases[] = {
		{ "9.5.1", 12, 0, SUPPORT_YES },
		{ "9.5.1", 12, 6, SUPPORT_YES },
		{ "9.5.1", 12, 7, SUPPORT_NO },
		{ "9.5.1", 12, 8, SUPPORT_NO },
		{ "9.5.1", 11, 8, SUPPORT_YES },
		{ "9.10.2", 12, 9, SUPPORT_YES },
		{ "9.10.2", 11, 8, SUPPORT_YES },
		{ "9.10.2", 11, 7, SUPPORT_NO },	/* "8" alone, not "0-8" */
		{ "9.0.0", 12, 3, SUPPORT_YES },
		{ "9.0.0", 12, 4, SUPPORT_NO },
		{ "8.9.1", 12, 1, SUPPORT_YES },
		{ "8.9.1", 12, 2, SUPPORT_NO },
		{ "9.10.2", 12, 63, SUPPORT_NO },
		{ "9.10.2", 12, 64, SUPPORT_NO },	/* beyond the bitmask: no, not a crash */
		{ "9.10.2", 12, 1000, SUPPORT_NO },
		{ "9.14.0", 12, 4, SUPPORT_UNKNOWN },	/* no row for the release */
		{ "9.14.0", 13, 0, SUPPORT_UNKNOWN },
		{ "9.1.0", 12, 4, SUPPORT_UNKNOWN },	/* a row for cuda11 only */
		{ "9.1.0", 11, 8, SUPPORT_YES },
		{ "9.10.2", 13, 0, SUPPORT_UNKNOWN },	/* no row for that major */
		{ "9.5", 12, 0, SUPPORT_UNKNOWN },	/* labels are matched exactly */
	};
	const struct support *s = *state;
	size_t i;

	for (i = 0; i < NR(cases); i++) {
		struct version v = V(cases[i].cudnn);
		const struct support_cudnn *row = NULL;
		enum support_answer got =
			support_cudnn_lists(s, &v, cases[i].major, cases[i].minor, &row);

		if (got != cases[i].want)
			fail_msg("cuDNN %s for CUDA %u.%u: %d, expected %d", cases[i].cudnn,
				 cases[i].major, cases[i].minor, got, cases[i].want);
		if ((row != NULL) != (got != SUPPORT_UNKNOWN))
			fail_msg("cuDNN %s for CUDA %u: row %p", cases[i].cudnn, cases[i].major,
				 (const void *)row);
		assert_int_equal(support_cudnn_lists(s, &v, cases[i].major, cases[i].minor, NULL),
				 got);
	}
}

static void test_cudnn_row_fields(void **state)
{
	const struct support *s = *state;
	struct version v = V("9.5.1");
	const struct support_cudnn *row = NULL;

	support_cudnn_lists(s, &v, 12, 0, &row);
	assert_non_null(row);
	assert_int_equal(row->cuda_major, 12);
	assert_string_equal(row->minors_text, "0-6");
	assert_true(row->minors == 0x7f);
	assert_string_equal(row->source, "matrix");
	v = V("9.3.0");
	support_cudnn_lists(s, &v, 11, 8, &row);
	assert_string_equal(row->minors_text, "8");
	assert_true(row->minors == UINT64_C(1) << 8);
	assert_string_equal(row->source, "nixpkgs");
}

/* ---- small files ---- */

/* support_parse on text; returns rc and leaves err set. */
static int parse_text(struct support *s, const char *text, char *err, size_t errlen)
{
	return support_parse(s, text, strlen(text), err, errlen);
}

static void test_format(void **state)
{
	static const char text[] =
		"# comment\n"
		"\n"
		"   \t \n"
		"cuda 12.4.1 550.54.15 525.60.13 table\n"
		"cuda\t12.5.0\t\t555.42.02   525.60.13\tbundled\n"
		"cudnn 9.5.1 cuda12 0-3,5,7-8 matrix\n"
		"cudnn 9.5.1 cuda11 8 matrix";	/* no newline at the end */
	struct support s;
	char err[256] = "";
	struct version v = V("9.5.1");
	unsigned minor;

	(void)state;
	assert_rc(parse_text(&s, text, err, sizeof(err)), 0);
	assert_int_equal(s.nr_cuda, 2);
	assert_int_equal(s.nr_cudnn, 2);
	assert_string_equal(s.cuda[1].driver_min, "555.42.02");
	assert_string_equal(s.cuda[1].source, "bundled");
	for (minor = 0; minor < 10; minor++) {
		bool want = minor <= 3 || minor == 5 || minor == 7 || minor == 8;

		assert_int_equal(support_cudnn_lists(&s, &v, 12, minor, NULL),
				 want ? SUPPORT_YES : SUPPORT_NO);
	}
	assert_int_equal(support_cudnn_lists(&s, &v, 11, 8, NULL), SUPPORT_YES);
	support_release(&s);

	/* Only len bytes count: the second row is cut off and never seen. */
	assert_rc(support_parse(&s, text, strlen(text) - strlen("cudnn 9.5.1 cuda11 8 matrix"), err,
				sizeof(err)),
		  0);
	assert_int_equal(s.nr_cudnn, 1);
	support_release(&s);

	assert_rc(parse_text(&s, "", err, sizeof(err)), 0);
	assert_int_equal(s.nr_cuda + s.nr_cudnn, 0);
	support_release(&s);
}

/* A bad row is an error naming its line (line 3 here), and s is left empty. */
static void test_rejects_malformed_rows(void **state)
{
	static const char *const bad[] = {
		"cuda 12.4.1 550.54.15 525.60.13",		/* 4 fields */
		"cuda 12.4.1 550.54.15 525.60.13 table extra",	/* 6 */
		"cuda 12.4.1 550.54.15 525.60.13 table a b",	/* 7 */
		"rocm 6.0 1 2 table",
		"CUDA 12.4.1 550.54.15 525.60.13 table",
		"cuda 12.x 550.54.15 525.60.13 table",
		"cuda 12.4.1 latest 525.60.13 table",
		"cuda 12.4.1 550.54.15 525.60.x table",
		"cuda 12.4.1 123456789.123456789.1234 525.60.13 table",	/* 24 chars */
		"cuda 12.4.1 550.54.15 525.60.13 aaaaaaaaaaaaaaaa",	/* 16-char tag */
		"cudnn 9.5.1 cuda12 0-6",
		"cudnn 9.5.1 12 0-6 matrix",
		"cudnn 9.5.1 cuda 0-6 matrix",
		"cudnn 9.5.1 cudaX 0-6 matrix",
		"cudnn 9.5.1 cuda12x 0-6 matrix",
		"cudnn 9.5.1 cuda100 0-6 matrix",
		"cudnn 9.x cuda12 0-6 matrix",
		"cudnn 9.5.1 cuda12 6-0 matrix",
		"cudnn 9.5.1 cuda12 0-64 matrix",
		"cudnn 9.5.1 cuda12 64 matrix",
		"cudnn 9.5.1 cuda12 0-6, matrix",
		"cudnn 9.5.1 cuda12 ,0-6 matrix",
		"cudnn 9.5.1 cuda12 0,,6 matrix",
		"cudnn 9.5.1 cuda12 0--6 matrix",
		"cudnn 9.5.1 cuda12 0-6x matrix",
		"cudnn 9.5.1 cuda12 a matrix",
		"cudnn 9.5.1 cuda12 -1 matrix",
		"cudnn 9.5.1 cuda12 0;6 matrix",
		"cudnn 9.5.1 cuda12 0-1,2-3,4-5,6-7,8-9,10-11,12-13,14 matrix",	/* text > 31 */
		"  # a comment must start its line",
		"arch cuda 13.0 7.5-12.1 relnotes",		/* no range of releases */
		"arch cuda 13.0-12.0 7.5-12.1 relnotes",	/* from after to */
		"arch cuda 13.0-13.9 7-12.1 relnotes",	/* cc is major.minor */
		"arch cuda 13.0-13.9 12.1-7.5 relnotes",	/* min above max */
		"arch cuda 13.0-13.9 7.5-12.10 relnotes",	/* minor is one digit */
		"arch cudnn 9.0-9.9 7.5-12.0 matrix",	/* cudnn needs its variant */
		"arch nvcc 13.0-13.9 7.5-12.1 relnotes",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(bad); i++) {
		char *text = xasprintf("# header\ncuda 11.8.0 520.61.05 450.80.02 table\n%s\n"
				       "cuda 12.0.0 525.60.13 525.60.13 table\n", bad[i]);
		struct support s;
		char err[256] = "";
		int rc = parse_text(&s, text, err, sizeof(err));

		if (rc != -CUE_EDATA)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_string_equal(err, "support.txt:3: not a valid cuda, cudnn or arch row");
		assert_null(s.cuda);
		assert_null(s.cudnn);
		assert_int_equal(s.nr_cuda + s.nr_cudnn, 0);
		free(text);
	}
}

/* The arch rows: what each CUDA and cuDNN builds for, and their sources. */
static void test_arch_rows(void **state)
{
	const struct support *s = *state;
	static const struct {
		const char *product, *version;
		unsigned min, max;
		const char *source;
	} cases[] = {
		{ "cuda", "11.4.2", 35, 87, "cmake" },
		{ "cuda", "11.8.0", 35, 90, "cmake" },
		{ "cuda", "12.0.0", 50, 90, "llvm" },
		{ "cuda", "12.4.1", 50, 90, "llvm" },
		{ "cuda", "12.6.3", 50, 90, "llvm" },
		{ "cuda", "12.8.1", 50, 120, "features" },	/* Blackwell needs 12.8 */
		{ "cuda", "12.9.1", 50, 121, "features" },
		{ "cuda", "13.0.2", 75, 121, "relnotes" },	/* Maxwell, Pascal, Volta dropped */
		{ "cudnn12", "9.10.2", 50, 120, "matrix" },
		{ "cudnn13", "9.17.0", 75, 120, "matrix" },	/* Turing and newer */
		{ "cudnn13", "9.20.0", 75, 120, "matrix" },
	};
	struct version v;
	size_t i;

	for (i = 0; i < NR(cases); i++) {
		const struct support_arch *a;

		v = V(cases[i].version);
		a = support_arch(s, cases[i].product, &v);
		if (!a)
			fail_msg("no arch row for %s %s", cases[i].product, cases[i].version);
		assert_int_equal(a->cc_min, cases[i].min);
		assert_int_equal(a->cc_max, cases[i].max);
		assert_string_equal(a->source, cases[i].source);
	}
	/* Unknown: no row, never a guess. */
	v = V("9.14.0");
	assert_null(support_arch(s, "cudnn12", &v));
	assert_null(support_arch(s, "cudnn13", &v));
	v = V("11.2.0");
	assert_null(support_arch(s, "cuda", &v));
	v = V("12.4.1");
	assert_null(support_arch(s, "cudnn", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cuda_rows),
		cmocka_unit_test(test_every_bundled_cuda_label_has_a_row),
		cmocka_unit_test(test_unknown_cuda_label),
		cmocka_unit_test(test_cudnn_lists),
		cmocka_unit_test(test_cudnn_row_fields),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_rejects_malformed_rows),
		cmocka_unit_test(test_arch_rows),
	};

	return cmocka_run_group_tests(tests, parse_real, release_real);
}
