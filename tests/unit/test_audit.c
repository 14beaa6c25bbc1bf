// SPDX-License-Identifier: MIT
/* audit.c: the LD_AUDIT module's records, placed and flagged. */
#include "helpers.h"

#include "audit.h"

#define ENV "/r/envs/cuda-12.4.1+cudnn-9.14.0.64-devel"
#define ENVS "/r/envs"

static const char records[] =
	"P\t100\t1\t/usr/bin/python3.11\n"
	"O\t100\t0\t/lib/x86_64-linux-gnu/libc.so.6\n"
	"O\t100\t0\t/v/site-packages/nvidia/cudnn/lib/libcudnn.so.9\n"
	"O\t100\t0\t" ENV "/lib/libcudnn_ops.so.9\n"
	"O\t100\t0\t" ENV "/lib/libcudnn_cnn.so.9\n"
	"O\t100\t0\t/usr/lib/x86_64-linux-gnu/libcuda.so.1\n"
	"O\t100\t0\t" ENV "/lib/libcudnn_ops.so.9\n"		/* again: counted once */
	"P\t101\t100\t/bin/sh\n"
	"P\t101\t100\t/usr/bin/child\n"			/* the same pid after an exec */
	"O\t101\t0\t/r/envs/cuda-13.0.2-devel/lib/libcudart.so.13\n"
	"O\t101\t0\t/opt/with\\ttab/libnccl.so.2\n"
	"O\t102\t0\t" ENV "/lib/libcublas.so.12\n"		/* a fork: no P line */
	"garbage line\n"
	"O\t103\t0\t/cut/short/libcudart.so";		/* the last line, unfinished */

static void test_parse(void **state)
{
	struct audit_report r;
	const struct audit_proc *p;

	(void)state;
	audit_parse(records, strlen(records), ENV, ENVS, false, &r);
	assert_int_equal(r.nr_procs, 4);
	assert_int_equal(r.nr_bad_lines, 1);
	p = &r.procs[0];
	assert_int_equal(p->pid, 100);
	assert_string_equal(p->exe, "/usr/bin/python3.11");
	assert_int_equal(p->nr_objects, 6);
	assert_int_equal(p->nr_libs, 4);
	assert_string_equal(p->libs[0].lib.family, "cudnn");
	assert_int_equal(p->libs[0].where, AUDIT_OUTSIDE);
	assert_true(p->libs[0].outside);
	assert_true(p->libs[0].mixed);
	assert_int_equal(p->libs[1].where, AUDIT_IN_ENV);
	assert_false(p->libs[1].outside);
	assert_true(p->libs[1].mixed);
	/* The driver belongs outside: not flagged. */
	assert_string_equal(p->libs[3].lib.family, "driver");
	assert_false(p->libs[3].outside);
	assert_false(p->libs[3].mixed);
	assert_int_equal(p->nr_mixed, 1);
	assert_string_equal(p->mixed[0], "cudnn");
	/* pid 101: the image after exec has the libraries. */
	assert_string_equal(r.procs[1].exe, "/bin/sh");
	assert_int_equal(r.procs[1].nr_libs, 0);
	assert_string_equal(r.procs[2].exe, "/usr/bin/child");
	assert_int_equal(r.procs[2].libs[0].where, AUDIT_OTHER_ENV);
	assert_true(r.procs[2].libs[0].outside);
	assert_string_equal(r.procs[2].libs[1].path, "/opt/with\ttab/libnccl.so.2");
	assert_int_equal(r.procs[3].pid, 102);
	assert_int_equal(r.procs[3].libs[0].where, AUDIT_IN_ENV);
	assert_int_equal(r.nr_libs, 7);
	assert_int_equal(r.nr_outside, 3);
	assert_int_equal(r.nr_mixed, 1);
	audit_report_release(&r);
}

/* With a forward-compatibility libcuda in the env, the system's is flagged. */
static void test_compat(void **state)
{
	const char *rec = "P\t5\t1\t/x\nO\t5\t0\t/usr/lib/libcuda.so.1\n";
	struct audit_report r;

	(void)state;
	audit_parse(rec, strlen(rec), ENV, ENVS, true, &r);
	assert_true(r.procs[0].libs[0].outside);
	audit_report_release(&r);
	audit_parse("", 0, ENV, ENVS, false, &r);
	assert_int_equal(r.nr_procs, 0);
	audit_report_release(&r);
}

static void test_tunables(void **state)
{
	char *t;

	(void)state;
	t = audit_tunables(NULL);
	assert_string_equal(t, "glibc.rtld.optional_static_tls=576");
	free(t);
	t = audit_tunables("");
	assert_string_equal(t, "glibc.rtld.optional_static_tls=576");
	free(t);
	t = audit_tunables("glibc.malloc.check=3");
	assert_string_equal(t, "glibc.malloc.check=3:glibc.rtld.optional_static_tls=576");
	free(t);
	t = audit_tunables("a=1:glibc.rtld.optional_static_tls=4096:b=2");
	assert_string_equal(t, "a=1:glibc.rtld.optional_static_tls=4160:b=2");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_compat),
		cmocka_unit_test(test_tunables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
