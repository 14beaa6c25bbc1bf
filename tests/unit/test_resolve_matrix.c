// SPDX-License-Identifier: MIT
/*
 * resolve.c's ranges and matrices ('cuenv matrix') against the bundled
 * catalogue: the range grammar (tests/unit/data/ranges.txt), and the
 * promises of resolve_matrix(): every row is the pair 'resolve' gives for
 * its exact spec, rows are sorted, the driver, --latest-patch,
 * --newest-cudnn and CUDA-only filters do what they say.
 */
#include "helpers.h"

#include "catalogue.h"
#include "resolve.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static int open_bundle(void **state)
{
	struct catalogue *c = xcalloc(1, sizeof(*c));
	char err[512] = "";

	if (catalogue_open(c, NULL, "/nonexistent-cache", 0, err, sizeof(err)) < 0) {
		print_error("catalogue_open: %s\n", err);
		free(c);
		return -1;
	}
	*state = c;
	return 0;
}

static int close_bundle(void **state)
{
	catalogue_release(*state);
	free(*state);
	return 0;
}

static struct range range_of(const char *s)
{
	struct range r;
	char err[256];

	if (resolve_range_parse(s, "--cuda", &r, err, sizeof(err)) < 0)
		fail_msg("'%s' does not parse: %s", s, err);
	return r;
}

static struct version ver(const char *s)
{
	struct version v;

	assert_int_equal(version_parse(s, &v), 0);
	return v;
}

/* ---- ranges ---- */

static void test_range_table(void **state)
{
	struct test_table t;
	char *line;

	(void)state;
	test_table_open(&t, "tests/unit/data/ranges.txt");
	while ((line = test_table_next(&t))) {
		char range[128], v[32], want[8], err[256];
		struct range r;
		struct version vv;
		bool got;

		/* The range may be double-quoted (it has blanks). */
		if (*line == '"') {
			char *end = strchr(line + 1, '"');

			if (!end || sscanf(end + 1, "%31s %7s", v, want) != 2) {
				test_table_fail(&t, "malformed line '%s'", line);
				continue;
			}
			snprintf(range, sizeof(range), "%.*s", (int)(end - line - 1), line + 1);
		} else if (sscanf(line, "%127s %31s %7s", range, v, want) != 3) {
			test_table_fail(&t, "malformed line '%s'", line);
			continue;
		}
		if (resolve_range_parse(range, "--cuda", &r, err, sizeof(err)) < 0) {
			test_table_fail(&t, "'%s' does not parse: %s", range, err);
			continue;
		}
		if (version_parse(v, &vv) < 0) {
			test_table_fail(&t, "bad version '%s'", v);
			continue;
		}
		got = resolve_range_matches(&r, &vv);
		if (got != !strcmp(want, "yes"))
			test_table_fail(&t, "'%s' %s %s, expected %s", range,
					got ? "matches" : "does not match", v, want);
	}
	test_table_close(&t, 30);
}

static void test_range_rejects(void **state)
{
	static const char *const bad[] = {
		"", " ", ",", "abc", ">=", "12..4", "12.4.1.2", ">=12.x", "12,,13", "~12", "12-13",
		">=12 13", "1,2,3,4,5,6,7,8,9", "12.", ".12", "<<12", "v12",
		"1234567890",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(bad); i++) {
		struct range r;
		char err[256] = "";

		if (resolve_range_parse(bad[i], "--cudnn", &r, err, sizeof(err)) != -CUE_ESPEC)
			fail_msg("range '%s' was accepted", bad[i]);
		/* The message names the option and the whole range. */
		if (strncmp(err, "invalid --cudnn range '", 23) || !strstr(err, bad[i]))
			fail_msg("message for '%s' does not name it: %s", bad[i], err);
	}
}

static void test_empty_range_matches_all(void **state)
{
	struct range r;
	struct version v = ver("1.2.3");

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_true(resolve_range_matches(&r, &v));
}

/* ---- matrices ---- */

static struct matrix run_matrix(struct catalogue *c, const struct matrix_filter *f,
				const char *platform)
{
	struct matrix m;
	char err[512] = "";

	if (resolve_matrix(c, f, platform, PROFILE_DEVEL, &m, err, sizeof(err)) < 0)
		fail_msg("resolve_matrix: %s", err);
	return m;
}

/* Every row is what 'cuenv resolve <row spec>' gives, and rows are in order. */
static void check_rows(struct catalogue *c, const struct matrix *m, const char *platform)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		const struct plan *row = &m->rows[i];
		struct spec s;
		struct plan p;
		char err[512] = "";

		assert_string_equal(row->platform, platform);
		if (resolve_spec_parse(row->spec, &s, err, sizeof(err)) < 0)
			fail_msg("row spec '%s': %s", row->spec, err);
		if (resolve(c, row->spec, &s, platform, PROFILE_DEVEL, &p, err, sizeof(err)) < 0)
			fail_msg("row spec '%s' does not resolve: %s", row->spec, err);
		if (strcmp(p.cuda.label, row->cuda.label) || p.has_cudnn != row->has_cudnn ||
		    (p.has_cudnn && strcmp(p.cudnn.label, row->cudnn.label)) ||
		    p.nr_components != row->nr_components || p.download_size != row->download_size ||
		    strcmp(p.driver_min, row->driver_min))
			fail_msg("row '%s' (%s+%s) differs from resolve (%s+%s)", row->spec,
				 row->cuda.label, row->has_cudnn ? row->cudnn.label : "-", p.cuda.label,
				 p.has_cudnn ? p.cudnn.label : "-");
		plan_release(&p);
		if (i) {
			const struct plan *prev = &m->rows[i - 1];
			struct version a = ver(prev->cuda.label), b = ver(row->cuda.label);
			int d = version_cmp(&a, &b);

			if (d == 0 && row->has_cudnn) {
				a = ver(prev->cudnn.label);
				b = ver(row->cudnn.label);
				d = version_cmp(&a, &b);
			}
			if (d >= 0)
				fail_msg("rows out of order: '%s' before '%s'", prev->spec, row->spec);
		}
	}
}

static void test_matrix_rows_resolve(void **state)
{
	struct catalogue *c = *state;
	static const char *const platforms[] = { "linux-x86_64", "linux-sbsa", "linux-aarch64" };
	size_t k;

	for (k = 0; k < NR(platforms); k++) {
		struct matrix_filter f = { 0 };
		struct matrix m;

		f.cuda = range_of(">=11.8");
		m = run_matrix(c, &f, platforms[k]);
		if (!strcmp(platforms[k], "linux-x86_64"))
			assert_true(m.nr > 100);
		check_rows(c, &m, platforms[k]);
		matrix_release(&m);
	}
}

static void test_matrix_pairs_follow_builds(void **state)
{
	struct catalogue *c = *state;
	struct matrix_filter f = { 0 };
	struct matrix m;
	size_t i;

	/* cuDNN 9.11 has builds for CUDA 12 only: no 11.8 or 13.x row. */
	f.cuda = range_of(">=11");
	f.cudnn = range_of("9.11");
	m = run_matrix(c, &f, "linux-x86_64");
	assert_true(m.nr > 0);
	for (i = 0; i < m.nr; i++) {
		assert_string_equal(m.rows[i].cudnn_variant, "cuda12");
		assert_int_equal(ver(m.rows[i].cuda.label).part[0], 12);
		assert_int_equal(ver(m.rows[i].cudnn.label).part[1], 11);
	}
	matrix_release(&m);
}

static void test_matrix_unlisted_fallback(void **state)
{
	struct catalogue *c = *state;
	struct matrix_filter f = { 0 };
	struct matrix m;

	/* cuDNN 9.3.0 lists CUDA 12.0-12.6: with 12.9.1 it is the pair resolve warns about. */
	f.cuda = range_of("12.9.1");
	f.cudnn = range_of("9.3");
	m = run_matrix(c, &f, "linux-x86_64");
	assert_int_equal(m.nr, 1);
	assert_string_equal(m.rows[0].spec, "12.9.1+cudnn9.3.0");
	assert_int_equal(m.rows[0].cudnn_listed, SUPPORT_NO);
	assert_int_equal(m.rows[0].nr_warnings, 1);
	assert_int_equal(m.counts.unlisted, 1);
	check_rows(c, &m, "linux-x86_64");
	matrix_release(&m);
	/* With a listed candidate in range, the unlisted ones stay out. */
	f.cudnn = range_of(">=9.3,<9.11");
	m = run_matrix(c, &f, "linux-x86_64");
	assert_true(m.nr > 1);
	assert_string_equal(m.rows[m.nr - 1].spec, "12.9.1+cudnn9.10.2");
	for (size_t i = 0; i < m.nr; i++) {
		/* 9.3.0, 9.5.x and 9.7.1 list 12.0-12.8 at most; releases without a list stay. */
		assert_int_not_equal(m.rows[i].cudnn_listed, SUPPORT_NO);
		assert_string_not_equal(m.rows[i].cudnn.label, "9.3.0");
		assert_string_not_equal(m.rows[i].cudnn.label, "9.5.1");
		assert_string_not_equal(m.rows[i].cudnn.label, "9.7.1");
	}
	assert_int_equal(m.counts.unlisted, 0);
	matrix_release(&m);
}

static void test_matrix_driver(void **state)
{
	struct catalogue *c = *state;
	struct matrix_filter f = { 0 };
	struct matrix all, m;
	size_t i;
	bool saw_12_4 = false;

	f.cuda = range_of(">=12");
	f.no_cudnn = true;
	all = run_matrix(c, &f, "linux-x86_64");
	/* A 535 runner: the toolkit minimum stops at 12.2.x. */
	f.have_driver = true;
	f.driver = ver("535.104.05");
	m = run_matrix(c, &f, "linux-x86_64");
	assert_true(m.nr > 0 && m.nr < all.nr);
	for (i = 0; i < m.nr; i++) {
		struct version need = ver(m.rows[i].driver_min);

		assert_true(version_cmp(&need, &f.driver) <= 0);
		assert_true(ver(m.rows[i].cuda.label).part[1] <= 2);
	}
	assert_int_equal(m.counts.cuda_driver, m.nr);
	matrix_release(&m);
	/* Minor-version compatibility: every 12.x runs on 535 (>= 525.60.13), no 13.x. */
	f.minor_compat = true;
	m = run_matrix(c, &f, "linux-x86_64");
	for (i = 0; i < m.nr; i++) {
		assert_int_equal(ver(m.rows[i].cuda.label).part[0], 12);
		saw_12_4 |= !strcmp(m.rows[i].cuda.label, "12.4.1");
	}
	assert_true(saw_12_4);
	matrix_release(&m);
	/* Exactly the toolkit minimum is enough. */
	f.minor_compat = false;
	f.cuda = range_of("12.4.1");
	f.driver = ver("550.54.15");
	m = run_matrix(c, &f, "linux-x86_64");
	assert_int_equal(m.nr, 1);
	matrix_release(&m);
	f.driver = ver("550.54.14");
	m = run_matrix(c, &f, "linux-x86_64");
	assert_int_equal(m.nr, 0);
	assert_int_equal(m.counts.cuda_match, 1);
	assert_int_equal(m.counts.cuda_platform, 1);
	assert_int_equal(m.counts.cuda_driver, 0);
	matrix_release(&m);
	matrix_release(&all);
}

static void test_matrix_latest_patch(void **state)
{
	struct catalogue *c = *state;
	struct matrix_filter f = { 0 };
	struct matrix m;
	size_t i, k;

	f.cuda = range_of(">=12.0,<13");
	f.cudnn = range_of("9");
	f.latest_patch = true;
	m = run_matrix(c, &f, "linux-x86_64");
	assert_true(m.nr > 0);
	for (i = 0; i < m.nr; i++) {
		for (k = 0; k < m.nr; k++) {
			struct version a = ver(m.rows[i].cuda.label), b = ver(m.rows[k].cuda.label);
			struct version x = ver(m.rows[i].cudnn.label), y = ver(m.rows[k].cudnn.label);

			/* One CUDA patch per minor, one cuDNN patch per minor. */
			if (a.part[1] == b.part[1])
				assert_true(version_cmp(&a, &b) == 0);
			if (version_cmp(&a, &b) == 0 && x.part[1] == y.part[1])
				assert_true(version_cmp(&x, &y) == 0);
		}
		/* The newest patch: 12.4 is 12.4.1, 9.5 is 9.5.1. */
		assert_string_not_equal(m.rows[i].cuda.label, "12.4.0");
		assert_string_not_equal(m.rows[i].cudnn.label, "9.5.0");
	}
	check_rows(c, &m, "linux-x86_64");
	matrix_release(&m);
}

static void test_matrix_newest_cudnn(void **state)
{
	struct catalogue *c = *state;
	struct matrix_filter f = { 0 };
	struct matrix m;
	size_t i;

	f.cuda = range_of(">=12.0");
	f.cudnn = range_of("9");
	f.newest_cudnn = true;
	m = run_matrix(c, &f, "linux-x86_64");
	for (i = 0; i < m.nr; i++) {
		struct spec s;
		struct plan p;
		char err[512], *spec = xasprintf("%s+cudnn9", m.rows[i].cuda.label);

		if (i)
			assert_string_not_equal(m.rows[i].cuda.label, m.rows[i - 1].cuda.label);
		/* The cuDNN 'resolve 12.x.y+cudnn9' picks. */
		assert_int_equal(resolve_spec_parse(spec, &s, err, sizeof(err)), 0);
		assert_int_equal(resolve(c, spec, &s, "linux-x86_64", PROFILE_DEVEL, &p, err, sizeof(err)), 0);
		assert_string_equal(p.cudnn.label, m.rows[i].cudnn.label);
		plan_release(&p);
		free(spec);
	}
	matrix_release(&m);
}

static void test_matrix_no_cudnn_and_empty(void **state)
{
	struct catalogue *c = *state;
	struct matrix_filter f = { 0 };
	struct matrix m;
	size_t i;

	f.cuda = range_of("12.4");
	f.no_cudnn = true;
	m = run_matrix(c, &f, "linux-x86_64");
	assert_int_equal(m.nr, 2);
	for (i = 0; i < m.nr; i++) {
		assert_false(m.rows[i].has_cudnn);
		assert_string_equal(m.rows[i].spec, m.rows[i].cuda.label);
	}
	matrix_release(&m);
	f.no_cudnn = false;
	f.cuda = range_of(">=99");
	m = run_matrix(c, &f, "linux-x86_64");
	assert_int_equal(m.nr, 0);
	assert_int_equal(m.counts.cuda_match, 0);
	matrix_release(&m);
	/* 13.x has no Jetson (linux-aarch64) archives. */
	f.cuda = range_of("13");
	m = run_matrix(c, &f, "linux-aarch64");
	assert_int_equal(m.nr, 0);
	assert_true(m.counts.cuda_match > 0);
	assert_int_equal(m.counts.cuda_platform, 0);
	matrix_release(&m);
}

/* ---- cache keys ---- */

static void test_cache_key(void **state)
{
	struct catalogue *c = *state;
	struct spec s;
	struct plan p;
	char err[512], *k1, *k2, *k3;
	size_t i, n;

	assert_int_equal(resolve_spec_parse("12.4.1+cudnn9.14.0", &s, err, sizeof(err)), 0);
	assert_int_equal(resolve(c, "12.4.1+cudnn9.14.0", &s, "linux-x86_64", PROFILE_DEVEL, &p, err,
				 sizeof(err)),
			 0);
	k1 = plan_cache_key(&p);
	assert_int_equal(strlen(k1), strlen("cuenv-linux-x86_64-devel-") + 16);
	assert_int_equal(strncmp(k1, "cuenv-linux-x86_64-devel-", 25), 0);
	/* Not the spec, the source or the order of the archives. */
	free(p.spec);
	p.spec = xstrdup("12.4+cudnn9");
	for (i = 0, n = p.nr_components; i < n / 2; i++) {
		struct plan_component t = p.components[i];

		p.components[i] = p.components[n - 1 - i];
		p.components[n - 1 - i] = t;
	}
	free(p.components[0].url);
	p.components[0].url = xstrdup("file:///elsewhere/x.tar.xz");
	k2 = plan_cache_key(&p);
	assert_string_equal(k1, k2);
	/* One archive's digest is the key's. */
	p.components[1].sha256[31] ^= 1;
	k3 = plan_cache_key(&p);
	assert_string_not_equal(k1, k3);
	assert_int_equal(strncmp(k3, "cuenv-linux-x86_64-devel-", 25), 0);
	free(k3);
	p.components[1].sha256[31] ^= 1;
	/* The profile is. */
	p.profile = PROFILE_FULL;
	k3 = plan_cache_key(&p);
	assert_int_equal(strncmp(k3, "cuenv-linux-x86_64-full-", 24), 0);
	free(k3);
	free(k1);
	free(k2);
	plan_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_table),
		cmocka_unit_test(test_range_rejects),
		cmocka_unit_test(test_empty_range_matches_all),
		cmocka_unit_test(test_matrix_rows_resolve),
		cmocka_unit_test(test_matrix_pairs_follow_builds),
		cmocka_unit_test(test_matrix_unlisted_fallback),
		cmocka_unit_test(test_matrix_driver),
		cmocka_unit_test(test_matrix_latest_patch),
		cmocka_unit_test(test_matrix_newest_cudnn),
		cmocka_unit_test(test_matrix_no_cudnn_and_empty),
		cmocka_unit_test(test_cache_key),
	};

	return cmocka_run_group_tests(tests, open_bundle, close_bundle);
}
