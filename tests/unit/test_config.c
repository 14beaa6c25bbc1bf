// SPDX-License-Identifier: MIT
/* config.c: the key = value file and its environment overrides. */
#include "helpers.h"

#include "config.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static int parse(struct config *cfg, const char *text, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_parse(cfg, text, strlen(text), "config", err, errlen);
}

static void test_keys(void **state)
{
	static const char text[] =
		"# cuenv settings\n"
		"\n"
		"mirror = https://mirror.example/compute\n"
		"  profile=runtime\n"
		"\tplatform =\tlinux-sbsa  \n"
		"   # an indented comment\n"
		"jobs = 8\r\n";	/* CRLF from an editor elsewhere */
	struct config cfg;
	char err[256] = "";

	(void)state;
	assert_rc(parse(&cfg, text, err, sizeof(err)), 0);
	assert_string_equal(cfg.mirror, "https://mirror.example/compute");
	assert_string_equal(cfg.profile, "runtime");
	assert_string_equal(cfg.platform, "linux-sbsa");
	assert_int_equal(cfg.jobs, 8);
	config_release(&cfg);
	assert_null(cfg.mirror);
}

static void test_empty_and_defaults(void **state)
{
	struct config cfg;
	char err[256] = "";

	(void)state;
	assert_rc(parse(&cfg, "", err, sizeof(err)), 0);
	assert_null(cfg.mirror);
	assert_null(cfg.profile);
	assert_null(cfg.platform);
	assert_int_equal(cfg.jobs, 0);
	config_release(&cfg);
	assert_rc(parse(&cfg, "\n\n# only comments\n   \n", err, sizeof(err)), 0);
	assert_null(cfg.mirror);
	config_release(&cfg);
}

/* A key given twice: the last one wins (and the first is not leaked). */
static void test_last_value_wins(void **state)
{
	struct config cfg;
	char err[256] = "";

	(void)state;
	assert_rc(parse(&cfg, "mirror = a\nmirror = b\njobs = 2\njobs = 3\n", err, sizeof(err)), 0);
	assert_string_equal(cfg.mirror, "b");
	assert_int_equal(cfg.jobs, 3);
	config_release(&cfg);
}

/* Only len bytes are read; the buffer need not be terminated. */
static void test_len_bounds_the_buffer(void **state)
{
	static const char text[] = "profile = full\nbogus = 1\n";
	struct config cfg;
	char err[256] = "";

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_rc(config_parse(&cfg, text, strlen("profile = full\n"), "config", err, sizeof(err)),
		  0);
	assert_string_equal(cfg.profile, "full");
	config_release(&cfg);
}

/* Errors name the file and line, so the user can go and fix it. */
static void test_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "mirror = x\ncolour = blue\n", "config:2: unknown setting 'colour'" },
		{ "# c\n\nMirror = x\n", "config:3: unknown setting 'Mirror'" },
		{ "= x\n", "config:1: unknown setting ''" },
		{ "mirror x\n", "config:1: expected 'key = value'" },
		{ "profile = devel\n\n\njobs\n", "config:4: expected 'key = value'" },
		{ "jobs = 0\n", "config:1: jobs '0' is not a number from 1 to 256" },
		{ "jobs = many\n", "config:1: jobs 'many' is not a number from 1 to 256" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		struct config cfg;
		char err[256] = "";

		assert_rc(parse(&cfg, cases[i].text, err, sizeof(err)), -CUE_EDATA);
		assert_string_equal(err, cases[i].err);
		config_release(&cfg);
	}
}

static void test_jobs_range(void **state)
{
	static const struct {
		const char *value;
		unsigned jobs;	/* 0: refused */
	} cases[] = {
		{ "1", 1 },
		{ "16", 16 },
		{ "256", 256 },
		{ "0", 0 },
		{ "257", 0 },
		{ "-1", 0 },
		{ "+4", 0 },
		{ "", 0 },
		{ "4x", 0 },
		{ "4 4", 0 },
		{ "0x10", 0 },
		{ "99999999999999999999999", 0 },
		{ "4294967297", 0 },	/* 2^32 + 1 must not wrap to 1 */
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		char *text = xasprintf("jobs = %s\n", cases[i].value);
		struct config cfg;
		char err[256] = "";
		int rc = parse(&cfg, text, err, sizeof(err));

		if (cases[i].jobs) {
			assert_rc(rc, 0);
			assert_int_equal(cfg.jobs, cases[i].jobs);
		} else if (rc != -CUE_EDATA) {
			fail_msg("jobs = '%s' accepted as %u", cases[i].value, cfg.jobs);
		} else {
			assert_contains(err, "is not a number from 1 to 256");
		}
		config_release(&cfg);
		free(text);
	}
}

/* config_load: the file named by CUENV_CONFIG, then the environment on top. */
static void test_load_with_environment(void **state)
{
	char *dir = test_mkdtemp("cuenv-test-config");
	char *file = xasprintf("%s/config", dir);
	struct config cfg;
	char err[256] = "";
	static const char text[] =
		"mirror = https://from-file.example\nprofile = runtime\njobs = 2\n";

	(void)state;
	assert_rc(fs_write_atomic(file, text, strlen(text), 0644), 0);
	setenv("CUENV_CONFIG", file, 1);
	unsetenv("CUENV_MIRROR");
	unsetenv("CUENV_PROFILE");
	unsetenv("CUENV_PLATFORM");
	unsetenv("CUENV_JOBS");

	assert_rc(config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.path, file);
	assert_string_equal(cfg.mirror, "https://from-file.example");
	assert_int_equal(cfg.jobs, 2);
	config_release(&cfg);

	setenv("CUENV_MIRROR", "file:///srv/mirror", 1);
	setenv("CUENV_JOBS", "5", 1);
	setenv("CUENV_PROFILE", "", 1);	/* empty: not set */
	assert_rc(config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.mirror, "file:///srv/mirror");
	assert_string_equal(cfg.profile, "runtime");
	assert_int_equal(cfg.jobs, 5);
	config_release(&cfg);

	setenv("CUENV_JOBS", "0", 1);
	assert_rc(config_load(&cfg, err, sizeof(err)), -CUE_EUSAGE);
	assert_contains(err, "CUENV_JOBS '0'");
	config_release(&cfg);
	unsetenv("CUENV_JOBS");
	unsetenv("CUENV_MIRROR");
	unsetenv("CUENV_PROFILE");

	/* A missing file is fine: every setting keeps its default. */
	unlink(file);
	assert_rc(config_load(&cfg, err, sizeof(err)), 0);
	assert_null(cfg.mirror);
	config_release(&cfg);

	/* A bad file is an error naming it. */
	assert_rc(fs_write_atomic(file, "nope\n", 5, 0644), 0);
	assert_rc(config_load(&cfg, err, sizeof(err)), -CUE_EDATA);
	assert_contains(err, file);
	assert_contains(err, ":1: expected 'key = value'");
	config_release(&cfg);

	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
	unsetenv("CUENV_CONFIG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_empty_and_defaults),
		cmocka_unit_test(test_last_value_wins),
		cmocka_unit_test(test_len_bounds_the_buffer),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_jobs_range),
		cmocka_unit_test(test_load_with_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
