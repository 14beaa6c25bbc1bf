// SPDX-License-Identifier: MIT
/* paths.c: the system roots of CUENV_SYSTEM_ROOT (paths_split_roots). */
#include "helpers.h"

#include "paths.h"

/* Join a NULL-terminated list with '|' for one comparison. */
static char *joined(char **list)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; list[i]; i++)
		buf_addf(&b, "%s%s", i ? "|" : "", list[i]);
	paths_free_list(list);
	return buf_detach(&b);
}

static void check(const char *value, const char *own, const char *want)
{
	char *got = joined(paths_split_roots(value, own));

	if (strcmp(got, want))
		fail_msg("paths_split_roots('%s', '%s') = '%s', expected '%s'", value ? value : "(null)",
			 own ? own : "(null)", got, want);
	free(got);
}

static void test_split_roots(void **state)
{
	(void)state;
	check(NULL, NULL, "");
	check("", NULL, "");
	check("/a", NULL, "/a");
	check("/a:/b", NULL, "/a|/b");
	/* Empty and relative elements are ignored (an empty one is not the cwd). */
	check("::/a::rel:./x:/b:", NULL, "/a|/b");
	/* Trailing slashes dropped, repeats and the user's own root left out. */
	check("/a/:/a://b//:/own", "/own", "/a|//b");
	check("/", NULL, "/");
}

static void test_system_roots_env(void **state)
{
	char *got;

	(void)state;
	setenv("CUENV_ROOT", "/home/u/root", 1);
	setenv("CUENV_SYSTEM_ROOT", "/shared/cuenv:/home/u/root:/opt/cuenv", 1);
	got = joined(paths_system_roots());
	assert_string_equal(got, "/shared/cuenv|/opt/cuenv");
	free(got);
	unsetenv("CUENV_SYSTEM_ROOT");
	got = joined(paths_system_roots());
	assert_string_equal(got, "");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_roots),
		cmocka_unit_test(test_system_roots_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
