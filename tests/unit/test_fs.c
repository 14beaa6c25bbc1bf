// SPDX-License-Identifier: MIT
/* fs.c: atomic writes remove what killed writers left, and only that. */
#include "helpers.h"

#include <sys/stat.h>
#include <sys/wait.h>

/* The pid of a process that has just ended. */
static long dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	assert_true(p > 0);
	assert_int_equal(waitpid(p, NULL, 0), p);
	return (long)p;
}

static bool exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool yes = lstat(p, &st) == 0;

	free(p);
	return yes;
}

static void touch(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);

	assert_int_equal(fs_write_atomic(p, "x", 1, 0644), 0);
	free(p);
}

static void test_atomic_write_removes_dead_writers_temp_files(void **state)
{
	char *dir = test_mkdtemp("cuenv-test-fs"), *path = xasprintf("%s/cuenv.lock", dir);
	char dead[64], live[64], other[64];

	(void)state;
	snprintf(dead, sizeof(dead), "cuenv.lock.tmp.%ld", dead_pid());
	snprintf(live, sizeof(live), "cuenv.lock.tmp.%ld", (long)getppid());
	snprintf(other, sizeof(other), ".cuda-version.tmp.%ld", dead_pid());
	touch(dir, dead);
	touch(dir, live);
	touch(dir, other);
	touch(dir, "cuenv.lock.tmp.notapid");
	assert_int_equal(fs_write_atomic(path, "new\n", 4, 0644), 0);
	assert_false(exists(dir, dead));
	/* A live writer's file, another file's temp file and odd names stay. */
	assert_true(exists(dir, live));
	assert_true(exists(dir, other));
	assert_true(exists(dir, "cuenv.lock.tmp.notapid"));
	assert_true(exists(dir, "cuenv.lock"));
	fs_rm_rf(dir);
	free(path);
	free(dir);
}

static void test_remove_stale_prefix(void **state)
{
	char *dir = test_mkdtemp("cuenv-test-fs"), name[64];

	(void)state;
	snprintf(name, sizeof(name), ".new.%ld", dead_pid());
	touch(dir, name);
	touch(dir, ".new.");
	touch(dir, "nvcc");
	fs_remove_stale(dir, ".new.");
	assert_false(exists(dir, name));
	assert_true(exists(dir, ".new."));
	assert_true(exists(dir, "nvcc"));
	fs_remove_stale("/nonexistent/dir", ".new.");
	fs_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_write_removes_dead_writers_temp_files),
		cmocka_unit_test(test_remove_stale_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
