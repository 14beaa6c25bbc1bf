// SPDX-License-Identifier: MIT
/*
 * env.c: env_declare() is the one list every rendering starts from (the
 * modulefiles, the container and CMake files), and env_activate() built on
 * it still gives what DESIGN.md "Running things" says.
 */
#include "helpers.h"

#include <string.h>

#include "env.h"

#define P "/r/envs/cuda-12.4.1+cudnn-9.14.0.64-devel"

/* A fixed environment for env_activate(): name=value pairs, NULL-terminated. */
static const char *table_get(void *ctx, const char *name)
{
	const char *const *kv = ctx;

	for (; kv[0]; kv += 2) {
		if (!strcmp(kv[0], name))
			return kv[1];
	}
	return NULL;
}

static const char *op_value(const struct env_ops *ops, const char *name, bool *found)
{
	size_t i;

	for (i = 0; i < ops->nr; i++) {
		if (!strcmp(ops->v[i].name, name)) {
			*found = true;
			return ops->v[i].value;
		}
	}
	*found = false;
	return NULL;
}

static void test_declare_pair(void **state)
{
	static const struct {
		enum env_decl_kind kind;
		const char *name, *value;
		bool cudnn;
	} want[] = {
		{ ENV_DECL_PREPEND, "PATH", P "/bin", false },
		{ ENV_DECL_PREPEND, "LD_LIBRARY_PATH", P "/lib", false },
		{ ENV_DECL_SET, "CUDA_HOME", P, false },
		{ ENV_DECL_SET, "CUDA_PATH", P, false },
		{ ENV_DECL_SET, "CUDA_ROOT", P, false },
		{ ENV_DECL_SET, "CUDAToolkit_ROOT", P, false },
		{ ENV_DECL_SET, "CUDNN_PATH", P, true },
		{ ENV_DECL_SET, "CUDNN_HOME", P, true },
		{ ENV_DECL_SET, "CUDNN_ROOT", P, true },
		{ ENV_DECL_SET, "CUENV_ACTIVE", "cuda-12.4.1+cudnn-9.14.0.64-devel", false },
	};
	struct env_decls d;
	size_t i;

	(void)state;
	env_declare(&d, P, "cuda-12.4.1+cudnn-9.14.0.64-devel");
	assert_int_equal(d.nr, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < d.nr; i++) {
		assert_int_equal(d.v[i].kind, want[i].kind);
		assert_string_equal(d.v[i].name, want[i].name);
		assert_string_equal(d.v[i].value, want[i].value);
		assert_int_equal(d.v[i].cudnn, want[i].cudnn);
	}
	assert_string_equal(env_decl_value(&d, "CUDAToolkit_ROOT"), P);
	assert_null(env_decl_value(&d, "HOME"));
	env_decls_release(&d);
	assert_int_equal(d.nr, 0);
}

static void test_declare_without_cudnn(void **state)
{
	struct env_decls d;
	size_t i, unset = 0;

	(void)state;
	env_declare(&d, "/r/envs/cuda-12.6.3-runtime", "cuda-12.6.3-runtime");
	for (i = 0; i < d.nr; i++) {
		if (!d.v[i].cudnn)
			continue;
		assert_int_equal(d.v[i].kind, ENV_DECL_UNSET);
		assert_null(d.v[i].value);
		unset++;
	}
	assert_int_equal(unset, 3);
	assert_null(env_decl_value(&d, "CUDNN_ROOT"));
	assert_string_equal(env_decl_value(&d, "CUENV_ACTIVE"), "cuda-12.6.3-runtime");
	env_decls_release(&d);
}

/* env_activate() applies the declarations to current values: prepend, filter, set, unset. */
static void test_activate_from_declarations(void **state)
{
	static const char *const cur[] = {
		"PATH", "/r/envs/old/bin::/usr/bin:" P "/bin",
		"LD_LIBRARY_PATH", "/opt/lib",
		"CUDNN_PATH", "/mine",
		NULL,
	};
	struct env_ops ops = { 0 };
	bool found;

	(void)state;
	env_activate(&ops, "/r", "/r/envs/cuda-12.6.3-devel", "cuda-12.6.3-devel", table_get,
		     (void *)cur);
	assert_string_equal(op_value(&ops, "PATH", &found),
			    "/r/envs/cuda-12.6.3-devel/bin:/usr/bin");
	assert_string_equal(op_value(&ops, "LD_LIBRARY_PATH", &found),
			    "/r/envs/cuda-12.6.3-devel/lib:/opt/lib");
	assert_string_equal(op_value(&ops, "CUDA_HOME", &found), "/r/envs/cuda-12.6.3-devel");
	assert_null(op_value(&ops, "CUDNN_PATH", &found));
	assert_true(found);
	assert_string_equal(op_value(&ops, "CUENV_ACTIVE", &found), "cuda-12.6.3-devel");
	env_ops_release(&ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declare_pair),
		cmocka_unit_test(test_declare_without_cudnn),
		cmocka_unit_test(test_activate_from_declarations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
