// SPDX-License-Identifier: MIT
/* pin.c: pins, locks from a project that may be hostile, and whose pins count. */
#include "helpers.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "pin.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))
#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char good_lock[] =
	"# written by cuenv use\n"
	"lock-version = 1\n"
	"spec = 12.4+cudnn9\n"
	"profile = devel\n"
	"platform = linux-x86_64\n"
	"source = https://developer.download.nvidia.com/compute\n"
	"env = cuda-12.4.1+cudnn-9.14.0.64-devel\n"
	"cuda = 12.4.1\n"
	"cuda-manifest-sha256 = " SHA "\n"
	"cudnn = 9.14.0.64\n"
	"cudnn-label = 9.14.0\n"
	"cudnn-variant = cuda12\n"
	"cudnn-manifest-sha256 = " SHA "\n"
	"archive = cuda cuda_cudart 12.4.127 1093260 " SHA
	" cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz\n"
	"archive = cudnn cudnn 9.14.0.64 900000000000 " SHA
	" cudnn/linux-x86_64/cudnn-linux-x86_64-9.14.0.64_cuda12-archive.tar.xz\n";

/* The good lock with the line starting with key replaced by line (or added). */
static char *lock_with(const char *key, const char *line)
{
	struct buf b = BUF_INIT;
	const char *s = good_lock, *nl;
	bool done = false;

	for (; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!done && !strncmp(s, key, strlen(key))) {
			buf_adds(&b, line);
			buf_addch(&b, '\n');
			done = true;
		} else {
			buf_add(&b, s, (size_t)(nl - s) + 1);
		}
	}
	if (!done) {
		buf_adds(&b, line);
		buf_addch(&b, '\n');
	}
	return buf_detach(&b);
}

static void test_good_lock(void **state)
{
	struct lock l;
	struct plan p;
	char err[256] = "", *name;

	(void)state;
	assert_rc(lock_parse(&l, good_lock, strlen(good_lock), "cuenv.lock", err, sizeof(err)), 0);
	assert_string_equal(l.env, "cuda-12.4.1+cudnn-9.14.0.64-devel");
	assert_int_equal(l.nr, 2);
	assert_true(l.archives[1].size == 900000000000ULL);
	lock_to_plan(&l, NULL, &p);
	name = plan_name(&p);
	assert_string_equal(name, l.env);
	free(name);
	plan_release(&p);
	lock_release(&l);
}

/* Every line a hostile project could put in its lock, refused with the line named. */
static void test_hostile_lock(void **state)
{
	static const struct {
		const char *key, *line, *why;
	} bad[] = {
		{ "env =", "env = ../../../tmp/evil", "not an env name" },
		{ "env =", "env = cuda-12.6.3-devel", "env is not the name" },
		{ "cuda =", "cuda = 12.4.1/../../x", "not a version" },
		{ "cudnn =", "cudnn = 9/../x", "not a version" },
		{ "profile =", "profile = ../x", "unknown profile" },
		{ "platform =", "platform = linux/x86", "characters outside" },
		{ "spec =", "spec = 12.4\x1b[2J", "control character" },
		{ "spec =", "spec = 12.4+cudnn9\nspec = 12.6", "key given twice" },
		{ "lock-version", "lock-version = 2", "unknown lock-version" },
		{ "cudnn-variant", "# no variant", "cudnn needs cudnn-label and cudnn-variant" },
		{ "archive = cuda ", "archive = cuda cuda_cudart 12.4.127 -1 " SHA " a/b.tar.xz",
		  "archive size" },
		{ "archive = cuda ", "archive = cuda cuda_cudart 12.4.127 0 " SHA " a/b.tar.xz",
		  "archive size" },
		{ "archive = cuda ", "archive = cuda cuda_cudart 12.4.127 012 " SHA " a/b.tar.xz",
		  "archive size" },
		{ "archive = cuda ", "archive = cuda cuda_cudart 12.4.127 9223372036854775808 " SHA
		  " a/b.tar.xz", "archive size" },
		{ "archive = cuda ", "archive = cuda ../x 12.4.127 1 " SHA " a/b.tar.xz",
		  "archive name or version" },
		{ "archive = cuda ",
		  "archive = cuda cuda_cudart 12.4.127 1 sha256:" SHA " a/b.tar.xz",
		  "archive sha256" },
		{ "archive = cuda ", "archive = cuda cuda_cudart 12.4.127 1 " SHA " ../etc/passwd",
		  "safe relative path" },
		{ "archive = cuda ", "archive = cuda cuda_cudart 12.4.127 1 " SHA " /etc/passwd",
		  "safe relative path" },
		{ "archive = cuda ", "archive = driver x 1 1 " SHA " a/b.tar.xz",
		  "neither cuda nor" },
		{ "archive = cuda ", "archive = cuda x 1 1 " SHA, "six fields" },
	};
	struct lock l;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < NR(bad); i++) {
		char *text = lock_with(bad[i].key, bad[i].line);

		*err = '\0';
		assert_rc(lock_parse(&l, text, strlen(text), "cuenv.lock", err, sizeof(err)),
			  -CUE_EDATA);
		assert_contains(err, "cuenv.lock:");
		assert_contains(err, bad[i].why);
		assert_null(l.env);
		free(text);
	}
}

static void test_lock_bom_and_nul(void **state)
{
	struct buf b = BUF_INIT;
	struct lock l;
	char err[256];

	(void)state;
	buf_adds(&b, "\xef\xbb\xbf");
	buf_adds(&b, good_lock);
	assert_rc(lock_parse(&l, b.s, b.len, "cuenv.lock", err, sizeof(err)), 0);
	lock_release(&l);
	buf_addch(&b, '\0');
	assert_rc(lock_parse(&l, b.s, b.len, "cuenv.lock", err, sizeof(err)), -CUE_EDATA);
	assert_contains(err, "not a text file");
	buf_release(&b);
}

/* Every profile line counts, as the shim reads it. */
static void test_pin_profiles(void **state)
{
	static const char *const bad[] = { "12.4\nprofile = bogus\nprofile = runtime\n",
					   "12.4\nprofile = runtime\nprofile = \n" };
	struct pin p;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < NR(bad); i++) {
		assert_rc(pin_parse(&p, bad[i], strlen(bad[i]), "pin", err, sizeof(err)),
			  -CUE_EDATA);
		assert_contains(err, "unknown profile");
	}
	assert_rc(pin_parse(&p, "12.4\nprofile = runtime\n", 23, "pin", err, sizeof(err)), 0);
	assert_string_equal(p.profile, "runtime");
	pin_release(&p);
}

/* ---- whose pins count ---- */

static char dir[] = "/tmp/cuenv-test-pin.XXXXXX";

static void write_file(const char *path, const char *text, mode_t mode)
{
	assert_rc(fs_write_atomic(path, text, strlen(text), mode), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_trusted_modes(void **state)
{
	char path[512], why[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/.cuda-version", dir);
	write_file(path, "12.4\n", 0644);
	assert_true(pin_trusted(path, why, sizeof(why)));
	assert_int_equal(chmod(path, 0664), 0);
	/* Group-writable by the user's private group (gid == uid): trusted. */
	if (getegid() == geteuid())
		assert_true(pin_trusted(path, why, sizeof(why)));
	/* By another group: not (as root the test can pick one). */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 0, 65534), 0);
		assert_false(pin_trusted(path, why, sizeof(why)));
		assert_string_equal(why, "it is writable by group or others (mode 0664)");
		assert_int_equal(chown(path, 0, 0), 0);
	}
	assert_int_equal(chmod(path, 0666), 0);
	assert_false(pin_trusted(path, why, sizeof(why)));
	assert_string_equal(why, "it is writable by group or others (mode 0666)");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_false(pin_trusted(path, why, sizeof(why)));
	assert_string_equal(why, "its directory is writable by group or others (mode 0777)");
	assert_int_equal(chmod(dir, 01777), 0);
	assert_true(pin_trusted(path, why, sizeof(why)));
	assert_int_equal(chmod(dir, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_false(pin_trusted(path, why, sizeof(why)));
		assert_string_equal(why, "it belongs to another user (uid 65534)");
	}
	assert_int_equal(unlink(path), 0);
	/* Nothing there: nothing to distrust. */
	assert_true(pin_trusted(path, why, sizeof(why)));
}

static void test_find_stops_at_home_and_ceiling(void **state)
{
	char top[256], home[256], proj[256], path[512], warn[256], err[256];
	struct pin p;

	(void)state;
	snprintf(top, sizeof(top), "%s/top", dir);
	snprintf(home, sizeof(home), "%s/top/home", dir);
	snprintf(proj, sizeof(proj), "%s/top/home/proj", dir);
	assert_rc(fs_mkdir_p(proj, 0755), 0);
	snprintf(path, sizeof(path), "%s/.cuda-version", top);
	write_file(path, "12.6\n", 0644);
	unsetenv("CUENV_VERSION");
	unsetenv("CUENV_CEILING_DIRS");
	setenv("HOME", home, 1);
	assert_rc(pin_find(&p, proj, "/nonexistent", warn, sizeof(warn), err, sizeof(err)), 0);
	assert_int_equal(p.source, PIN_NONE);
	setenv("HOME", "/nonexistent", 1);
	assert_rc(pin_find(&p, proj, "/nonexistent", warn, sizeof(warn), err, sizeof(err)), 0);
	assert_int_equal(p.source, PIN_FILE);
	assert_string_equal(p.spec, "12.6");
	pin_release(&p);
	setenv("CUENV_CEILING_DIRS", home, 1);
	assert_rc(pin_find(&p, proj, "/nonexistent", warn, sizeof(warn), err, sizeof(err)), 0);
	assert_int_equal(p.source, PIN_NONE);
	unsetenv("CUENV_CEILING_DIRS");
	fs_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lock),
		cmocka_unit_test(test_hostile_lock),
		cmocka_unit_test(test_lock_bom_and_nul),
		cmocka_unit_test(test_pin_profiles),
		cmocka_unit_test(test_trusted_modes),
		cmocka_unit_test(test_find_stops_at_home_and_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
