// SPDX-License-Identifier: MIT
/* driver.c: the version file, nvidia-smi's CSV, error names, data-centre parts. */
#include "helpers.h"

#include <errno.h>

#include "driver.h"

static void test_proc(void **state)
{
	static const struct {
		const char *text, *version;
	} cases[] = {
		{ "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
		  "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n", "550.54.15" },
		{ "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build  (dvs-builder@U16)  Thu Jan 23 2025\n",
		  "570.86.15" },
		{ "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  580.65.06  Release Build\n", "580.65.06" },
		{ "GCC version: 12\nNVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 2023", "535.104.05" },
	};
	char v[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(driver_parse_proc(cases[i].text, strlen(cases[i].text), v, sizeof(v)), 0);
		assert_string_equal(v, cases[i].version);
	}
	assert_int_equal(driver_parse_proc("GCC version: 12.2.0\n", 20, v, sizeof(v)), -EINVAL);
	assert_int_equal(driver_parse_proc("NVRM version: none\n", 19, v, sizeof(v)), -EINVAL);
}

static void test_smi(void **state)
{
	const char *out = "NVIDIA H200, 9.0, 570.86.15\nTesla V100-SXM2-16GB, 7.0, 570.86.15\n"
			  "NVIDIA GeForce RTX 5090, 12.0, 570.86.15\n";
	struct driver_gpu g[4];
	char drv[32];

	(void)state;
	assert_int_equal(driver_parse_smi(out, g, 4, drv, sizeof(drv)), 3);
	assert_string_equal(drv, "570.86.15");
	assert_string_equal(g[0].name, "NVIDIA H200");
	assert_int_equal(g[0].cc_major, 9);
	assert_int_equal(g[0].cc_minor, 0);
	assert_string_equal(g[1].name, "Tesla V100-SXM2-16GB");
	assert_int_equal(g[2].cc_major, 12);
	/* Older nvidia-smi: "[N/A]" for a field it lacks. */
	assert_int_equal(driver_parse_smi("Tesla K80, [N/A], 470.82.01\n", g, 4, drv, sizeof(drv)), 1);
	assert_int_equal(g[0].cc_major, -1);
	assert_int_equal(driver_parse_smi("", g, 4, drv, sizeof(drv)), 0);
	assert_string_equal(drv, "");
	assert_int_equal(driver_parse_smi(out, g, 1, drv, sizeof(drv)), 1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(driver_error_name(100), "CUDA_ERROR_NO_DEVICE");
	assert_string_equal(driver_error_name(804), "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE");
	assert_string_equal(driver_error_name(12345), "CUresult 12345");
	assert_true(driver_is_datacenter("NVIDIA H100 80GB HBM3"));
	assert_true(driver_is_datacenter("Tesla V100-SXM2-16GB"));
	assert_true(driver_is_datacenter("NVIDIA A100-SXM4-40GB"));
	assert_true(driver_is_datacenter("NVIDIA L40S"));
	assert_true(driver_is_datacenter("NVIDIA RTX PRO 6000 Blackwell Server Edition"));
	assert_false(driver_is_datacenter("NVIDIA GeForce RTX 4090"));
	assert_false(driver_is_datacenter("NVIDIA RTX A1000"));
	assert_false(driver_is_datacenter("Quadro P4000"));
}

/* The probe of a library that is not there: an error, never a crash of cuenv. */
static void test_probe_missing(void **state)
{
	struct driver_lib l;

	(void)state;
	driver_probe_lib("/nonexistent/libcuda.so.1", 5000, &l);
	assert_false(l.loaded);
	assert_false(l.timed_out);
	assert_non_null(strstr(l.error, "/nonexistent/libcuda.so.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_smi),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_probe_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
