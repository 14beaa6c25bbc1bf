// SPDX-License-Identifier: MIT
/* store.c: reading receipts back (strictly), where an entry's files go in an env. */
#include "helpers.h"

#include <errno.h>
#include <sys/stat.h>

#include "store.h"
#include "verify.h"

#define SHA_A "6db248cd8ced8a99a9e9133bdd310ca4d78b6d11676eea857e703a7d2ae4f0a0"
#define HEADER \
	"cuenv-store\t1\nproduct\tcuda\ncomponent\tcuda_cudart\nversion\t12.4.127\n" \
	"relative_path\tcuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.127-archive.tar.xz\n" \
	"sha256\t" SHA_A "\nsize\t2560\n"

struct fixture {
	char *root;
	struct store s;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->root = test_mkdtemp("cuenv-test-store");
	store_paths(&f->s, f->root, f->root);
	assert_int_equal(fs_mkdir_p(f->s.store_dir, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fs_rm_rf(f->root);
	store_release(&f->s);
	free(f->root);
	free(f);
	return 0;
}

/* Write store/<name>/.cuenv-receipt with text and read it back. */
static int read_receipt(struct fixture *f, const char *name, const char *text,
			struct store_entry *e)
{
	char *dir = xasprintf("%s/%s", f->s.store_dir, name);
	char *path = xasprintf("%s/" STORE_RECEIPT, dir);
	int rc;

	fs_rm_rf(dir);
	assert_int_equal(fs_mkdir_p(dir, 0755), 0);
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0444), 0);
	rc = store_read_entry(&f->s, name, e);
	free(path);
	free(dir);
	return rc;
}

static void test_reads_every_kind_of_line(void **state)
{
	struct fixture *f = *state;
	struct store_entry e;
	char hex[VERIFY_SHA256_HEX];

	assert_int_equal(read_receipt(f, "x", HEADER "d\tlib\n"
						  "f\t0555\t14000\t" SHA_A "\tlib/libcudart.so.12.4.127\n"
						  "l\tlib/libcudart.so.12\tlibcudart.so.12.4.127\n"
						  "f\t0444\t187\t" SHA_A "\tLICENSE\n",
				      &e),
			 0);
	assert_string_equal(e.c.entry, "x");
	assert_string_equal(e.c.name, "cuda_cudart");
	assert_string_equal(e.c.version, "12.4.127");
	assert_int_equal(e.c.size, 2560);
	assert_string_equal(verify_hex(e.c.sha256, 32, hex), SHA_A);
	assert_int_equal(e.nr, 4);
	assert_int_equal(e.files[0].type, 'd');
	assert_string_equal(e.files[0].path, "lib");
	assert_int_equal(e.files[1].type, 'f');
	assert_int_equal(e.files[1].mode, 0555);
	assert_int_equal(e.files[1].size, 14000);
	assert_string_equal(verify_hex(e.files[1].sha256, 32, hex), SHA_A);
	assert_int_equal(e.files[2].type, 'l');
	assert_string_equal(e.files[2].target, "libcudart.so.12.4.127");
	store_entry_release(&e);
}

/* A receipt is the reference for verify and assembly: anything odd in it is refused. */
static void test_refuses_malformed_receipts(void **state)
{
	static const char *const bad[] = {
		"",
		"cuenv-store\t2\n",
		HEADER "f\t0555\t14000\t" SHA_A "\tlib/x",		/* no final newline */
		HEADER "f\t0855\t14000\t" SHA_A "\tlib/x\n",		/* not octal */
		HEADER "f\t10000\t1\t" SHA_A "\tlib/x\n",		/* beyond 07777 */
		HEADER "f\t0444\t-1\t" SHA_A "\tlib/x\n",
		HEADER "f\t0444\t12abc\t" SHA_A "\tlib/x\n",
		HEADER "f\t0444\t1\t" SHA_A "0\tlib/x\n",		/* 65 hex digits */
		HEADER "f\t0444\t1\tlib/x\n",
		HEADER "f\t0444\t1\t" SHA_A "\tlib/x\textra\n",
		HEADER "l\tlib/x\n",
		HEADER "d\tlib\tx\n",
		HEADER "q\tlib\n",
		HEADER "size\tbig\n",
		HEADER "sha256\tnope\n",
		HEADER "mystery\tline\n",
		"cuenv-store\t1\nsha256\t" SHA_A "\n",			/* no component */
	};
	struct fixture *f = *state;
	struct store_entry e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = read_receipt(f, "x", bad[i], &e);

		if (rc != -CUE_EDATA)
			fail_msg("case %zu: %d, expected -CUE_EDATA", i, rc);
		store_entry_release(&e);
	}
}

static void test_missing_entry_or_receipt(void **state)
{
	struct fixture *f = *state;
	struct store_entry e;
	char *dir = xasprintf("%s/empty", f->s.store_dir);

	assert_int_equal(store_read_entry(&f->s, "nosuch", &e), -ENOENT);
	store_entry_release(&e);
	assert_int_equal(fs_mkdir_p(dir, 0755), 0);
	assert_int_equal(store_read_entry(&f->s, "empty", &e), -ENOENT);
	store_entry_release(&e);
	free(dir);
}

static void test_env_dest(void **state)
{
	struct store_file lic = { 'f', 0444, 1, { 0 }, (char *)"LICENSE", NULL };
	struct store_file lib = { 'f', 0555, 1, { 0 }, (char *)"lib/libx.so", NULL };
	struct store_file top_dir = { 'd', 0, 0, { 0 }, (char *)"bin", NULL };
	struct store_file top_link = { 'l', 0, 0, { 0 }, (char *)"README", (char *)"LICENSE" };
	char *p;

	(void)state;
	p = store_env_dest("cuda_cudart", &lic);
	assert_string_equal(p, "share/licenses/cuda_cudart/LICENSE");
	free(p);
	p = store_env_dest("cuda_cudart", &lib);
	assert_string_equal(p, "lib/libx.so");
	free(p);
	p = store_env_dest("cuda_nvcc", &top_dir);
	assert_string_equal(p, "bin");
	free(p);
	p = store_env_dest("cuda_nvcc", &top_link);
	assert_string_equal(p, "README");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_every_kind_of_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_malformed_receipts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_entry_or_receipt, setup, teardown),
		cmocka_unit_test(test_env_dest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
