// SPDX-License-Identifier: MIT
/* cudalib.c: file names to CUDA families. */
#include "helpers.h"

#include "cudalib.h"

static void test_families(void **state)
{
	static const struct {
		const char *name, *family, *stem, *version;
		int major;
	} cases[] = {
		{ "libcudnn.so.9", "cudnn", "cudnn", "9", 9 },
		{ "libcudnn_ops.so.9.14.0", "cudnn", "cudnn_ops", "9.14.0", 9 },
		{ "libcudnn_engines_runtime_compiled.so.9", "cudnn", "cudnn_engines_runtime_compiled", "9", 9 },
		{ "libcudnn_ops_infer.so.8", "cudnn", "cudnn_ops_infer", "8", 8 },
		{ "libcudart.so.12.4.127", "cudart", "cudart", "12.4.127", 12 },
		{ "libcublasLt.so.13", "cublas", "cublasLt", "13", 13 },
		{ "libnccl.so.2", "nccl", "nccl", "2", 2 },
		{ "libnvJitLink.so.12", "nvjitlink", "nvJitLink", "12", 12 },
		{ "libnvrtc-builtins.so.13.0", "nvrtc", "nvrtc-builtins", "13.0", 13 },
		{ "libnvrtc.alt.so.13", "nvrtc", "nvrtc.alt", "13", 13 },
		{ "libcuda.so.1", "driver", "cuda", "1", 1 },
		{ "libcuda.so", "driver", "cuda", "", -1 },
		{ "libnvidia-ml.so.1", "driver", "nvidia-ml", "1", 1 },
		{ "libnppial.so.12", "npp", "nppial", "12", 12 },
		{ "libcufft.so.11", "cufft", "cufft", "11", 11 },
	};
	static const char *const not[] = { "libc.so.6", "libcudnn", "cudnn.so.9", "libcudnnx.so.9",
					   "libcuda.sox", "libnvidia-", "libcudnn_.so.9", "lib.so.1" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cudalib l;

		if (!cudalib_parse(cases[i].name, &l))
			fail_msg("'%s' not recognised", cases[i].name);
		assert_string_equal(l.family, cases[i].family);
		assert_string_equal(l.stem, cases[i].stem);
		assert_string_equal(l.version, cases[i].version);
		assert_int_equal(cudalib_major(&l), cases[i].major);
	}
	for (i = 0; i < sizeof(not) / sizeof(not[0]); i++) {
		struct cudalib l;

		if (cudalib_parse(not[i], &l))
			fail_msg("'%s' taken for %s", not[i], l.family);
	}
	assert_string_equal(cudalib_family_title("cudnn"), "cuDNN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
