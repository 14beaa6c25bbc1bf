// SPDX-License-Identifier: MIT
/* hostcc.c: nvcc's host-compiler limits and compiler banners. */
#include "helpers.h"

#include <errno.h>

#include "hostcc.h"

/* The shape of crt/host_config.h in CUDA 12.x (a gcc "> N" test, a clang ">= N" test). */
static const char config12[] =
	"#if defined(__GNUC__)\n"
	"#if __GNUC__ > 13\n"
	"#error -- unsupported GNU version! gcc versions later than 13 are not supported!\n"
	"#endif /* __GNUC__ > 13 */\n"
	"#if defined(__clang__) && !defined(__ibmxl_vrm__) && !defined(__ICC)\n"
	"#if (__clang_major__ >= 18) || (__clang_major__ < 3) || ((__clang_major__ == 3) &&  (__clang_minor__ < 3))\n"
	"#error -- unsupported clang version! clang version must be less than 18 and greater than 3.2 .\n"
	"#endif\n"
	"#endif\n";

/* 13.x adds a Grace clang and a HOS clang check before the generic one. */
static const char config13[] =
	"#if (__GRCO_CLANG_COMPILER__ == 1) && ((__clang_major__ < 16) || (__clang_major__ > 20))\n"
	"#error -- unsupported Grace clang version! The version must be 16.x to 20.x.\n"
	"#endif\n"
	"#if __GNUC__ > 15\n"
	"\t#error -- unsupported GNU version! gcc versions later than 15 are not supported!\n"
	"#endif\n"
	"#if (__clang_major__ >= 22) || (__clang_major__ < 3)\n"
	"#error -- unsupported HOS clang version! The version must be must be less than 22\n"
	"#endif\n"
	"#if (__clang_major__ >= 21) || (__clang_major__ < 3) || ((__clang_major__ == 3) &&  (__clang_minor__ < 3))\n"
	"#error -- unsupported clang version! clang version must be less than 21 and greater than 3.2 .\n"
	"#endif\n";

static void test_config(void **state)
{
	struct hostcc_limits lim;

	(void)state;
	assert_int_equal(hostcc_parse_config(config12, strlen(config12), &lim), 0);
	assert_int_equal(lim.gcc_max, 13);
	assert_int_equal(lim.clang_max, 17);
	assert_int_equal(hostcc_parse_config(config13, strlen(config13), &lim), 0);
	assert_int_equal(lim.gcc_max, 15);
	assert_int_equal(lim.clang_max, 20);
	assert_int_equal(hostcc_parse_config("#if 1\n#endif\n", 13, &lim), -EINVAL);
	assert_int_equal(lim.gcc_max, -1);
}

/* The real header of the CUDA on this machine, when there is one. */
static void test_real_config(void **state)
{
	struct hostcc_limits lim;
	struct buf b = BUF_INIT;

	(void)state;
	if (fs_read_file("/usr/local/cuda/include/crt/host_config.h", 1 << 20, &b) < 0)
		skip();
	assert_int_equal(hostcc_parse_config(b.s, b.len, &lim), 0);
	assert_true(lim.gcc_max >= 11 && lim.gcc_max < 40);
	assert_true(lim.clang_max >= 12 && lim.clang_max < 40);
	buf_release(&b);
}

static void test_banners(void **state)
{
	static const struct {
		const char *text, *kind;
		int major, minor;
	} cases[] = {
		{ "gcc (Debian 12.2.0-14+deb12u1) 12.2.0\nCopyright (C) 2022 Free Software Foundation", "gcc", 12, 2 },
		{ "g++ (GCC) 13.2.1 20230801\n", "gcc", 13, 2 },
		{ "cc (Ubuntu 13.2.0-23ubuntu4) 13.2.0\nCopyright (C) 2023 Free Software Foundation, Inc.", "gcc", 13, 2 },
		{ "Debian clang version 14.0.6\nTarget: x86_64-pc-linux-gnu\n", "clang", 14, 0 },
		{ "clang version 21.1.0 (https://github.com/llvm/llvm-project)\n", "clang", 21, 1 },
	};
	struct hostcc cc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&cc, 0, sizeof(cc));
		assert_int_equal(hostcc_parse_version(cases[i].text, &cc), 0);
		assert_string_equal(cc.kind, cases[i].kind);
		assert_int_equal(cc.major, cases[i].major);
		assert_int_equal(cc.minor, cases[i].minor);
	}
	assert_int_equal(hostcc_parse_version("icx (ICX) 2024.0.0\n", &cc), -EINVAL);
	assert_int_equal(hostcc_parse_version("", &cc), -EINVAL);
}

static void test_accepted(void **state)
{
	struct hostcc_limits lim = { 13, 17 };
	struct hostcc cc = { .kind = "gcc", .major = 13, .minor = 2 };

	(void)state;
	assert_true(hostcc_accepted(&cc, &lim));
	cc.major = 14;
	assert_false(hostcc_accepted(&cc, &lim));
	snprintf(cc.kind, sizeof(cc.kind), "clang");
	assert_true(hostcc_accepted(&cc, &lim));
	cc.major = 18;
	assert_false(hostcc_accepted(&cc, &lim));
	lim.clang_max = -1;
	cc.major = 3;
	assert_false(hostcc_accepted(&cc, &lim));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_real_config),
		cmocka_unit_test(test_banners),
		cmocka_unit_test(test_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
