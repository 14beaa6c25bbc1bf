// SPDX-License-Identifier: MIT
/*
 * manifest.c: every bundled NVIDIA manifest parses, the quirks of
 * nvidia-redist-facts.md A.3 come out right, and hostile input is refused
 * with a message naming the file, the JSON path and the reason.
 */
#include "helpers.h"

#include <dirent.h>

#include "manifest.h"
#include "verify.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* Parse a bundled manifest (manifests/<product>/redistrib_<label>.json); must succeed. */
static void parse_bundled(struct manifest *m, enum manifest_product p, const char *label)
{
	char *rel = xasprintf("manifests/%s/redistrib_%s.json", manifest_product_name(p), label);
	char err[512] = "";
	size_t len;
	char *data = test_read(rel, &len);

	if (manifest_parse(m, data, len, p, label, err, sizeof(err)) < 0)
		fail_msg("%s: %s", rel, err);
	free(data);
	free(rel);
}

static const struct manifest_component *component(const struct manifest *m, const char *key)
{
	const struct manifest_component *c = manifest_component(m, key);

	if (!c)
		fail_msg("no component '%s' in %s", key, m->label);
	return c;
}

static const struct manifest_archive *archive(const struct manifest_component *c,
					      const char *platform, const char *variant)
{
	const struct manifest_archive *a = manifest_archive(c, platform, variant);

	if (!a)
		fail_msg("%s has no archive for %s/%s", c->key, platform, variant ? variant : "-");
	return a;
}

static void assert_sha256(const unsigned char *sha, const char *hex)
{
	char got[VERIFY_SHA256_HEX];

	assert_string_equal(verify_hex(sha, 32, got), hex);
}

/*
 * Building blocks for small hostile documents. DOC() is a CUDA manifest
 * with a release date around some members; COMP() one whose component
 * cuda_cudart has the given body; LEAF a valid archive object.
 */
#define SHA "\"dc126fb171d996c495756d44d565f7dd927245cbdc7191b9f8d5075d09ada699\""
#define LEAF "{\"relative_path\": \"a/b.tar.xz\", \"sha256\": " SHA ", \"size\": \"1\"}"
#define DOC(members) "{\"release_date\": \"2024-03-05\", " members "}"
#define COMP(body) DOC("\"cuda_cudart\": {" body "}")
#define V1 "\"version\": \"1\", "

/*
 * A realistic CUDA manifest with one archive whose fields are given as raw
 * JSON text (so a test can put a number where a string belongs).
 */
static char *cuda_doc(const char *path_json, const char *sha_json, const char *size_json)
{
	return xasprintf("{\"release_date\": \"2024-03-05\", \"release_label\": \"12.4.0\","
			 " \"release_product\": \"cuda\", \"cuda_cudart\": {"
			 "\"name\": \"CUDA Runtime (cudart)\", \"license\": \"CUDA Toolkit\","
			 " \"version\": \"12.4.99\", \"linux-x86_64\": {"
			 "\"relative_path\": %s, \"sha256\": %s,"
			 " \"md5\": \"e7e92cb8df507755853c9caffcaebdc6\", \"size\": %s}}}",
			 path_json, sha_json, size_json);
}

#define GOOD_PATH \
	"\"cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.99-archive.tar.xz\""
#define GOOD_SIZE "\"1100116\""

/* The same for a cuDNN manifest with a cuda12 variant under linux-x86_64. */
static char *cudnn_doc(const char *sha_json)
{
	return xasprintf("{\"release_date\": \"2025-09-04\", \"release_label\": \"9.13.0\","
			 " \"release_product\": \"cudnn\", \"cudnn\": {\"version\": \"9.13.0.50\","
			 " \"linux-x86_64\": {\"cuda12\": {\"relative_path\": \"cudnn/linux-x86_64/"
			 "cudnn-linux-x86_64-9.13.0.50_cuda12-archive.tar.xz\","
			 " \"sha256\": %s, \"size\": \"873944756\"}},"
			 " \"cuda_variant\": [\"12\"]}}",
			 sha_json);
}

/* assert_manifest_rejects() for a document from the builders above, which it frees. */
#define assert_doc_rejects(doc, product, label, jpath, reason)                       \
	do {                                                                          \
		char *doc_ = (doc);                                                   \
		_assert_manifest_rejects(doc_, strlen(doc_), (product), (label), (jpath), \
					 (reason), __FILE__, __LINE__);               \
		free(doc_);                                                           \
	} while (0)

/* A table of documents refused with a JSON path (NULL: none) and a reason. */
struct reject {
	enum manifest_product product;	/* labels: cuda 12.4.0, cudnn 9.13.0 */
	const char *doc, *jpath, *reason;
};

static void assert_all_rejected(const struct reject *cases, size_t n, const char *file,
				int line)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct reject *r = &cases[i];

		const char *label = r->product == MANIFEST_CUDA ? "12.4.0" : "9.13.0";

		_assert_manifest_rejects(r->doc, strlen(r->doc), r->product, label, r->jpath,
					 r->reason, file, line);
	}
}

#define assert_rejected(cases) assert_all_rejected((cases), NR(cases), __FILE__, __LINE__)

/* ---- the bundle ---- */

static void check_bundled_archives(enum manifest_product p, const struct manifest_component *c)
{
	size_t k;

	for (k = 0; k < c->nr_archives; k++) {
		const char *why;

		assert_rc(manifest_check_path(c->archives[k].relative_path, &why), 0);
		/* CUDA leaves are flat; cuDNN's library is always per variant. */
		if (p == MANIFEST_CUDA)
			assert_null(c->archives[k].variant);
		else if (!strcmp(c->key, "cudnn"))
			assert_non_null(c->archives[k].variant);
	}
}

/* Parse every redistrib_*.json under manifests/<product>; returns how many. */
static size_t parse_dir(enum manifest_product p, size_t *archives)
{
	char *rel = xasprintf("manifests/%s", manifest_product_name(p));
	char *dir = test_path(rel);
	DIR *dh = opendir(dir);
	struct dirent *d;
	size_t n = 0, i;

	assert_non_null(dh);
	while ((d = readdir(dh))) {
		size_t len = strlen(d->d_name);
		struct manifest m;
		char *label;

		if (strncmp(d->d_name, "redistrib_", 10) || len < 16 ||
		    strcmp(d->d_name + len - 5, ".json"))
			continue;
		label = xstrndup(d->d_name + 10, len - 15);
		parse_bundled(&m, p, label);
		assert_string_equal(m.label, label);
		assert_int_equal(strlen(m.release_date), 10);
		assert_true(m.nr_components > 0);
		for (i = 0; i < m.nr_components; i++) {
			assert_true(m.components[i].nr_archives > 0);
			*archives += m.components[i].nr_archives;
			check_bundled_archives(p, &m.components[i]);
		}
		manifest_release(&m);
		free(label);
		n++;
	}
	closedir(dh);
	free(dir);
	free(rel);
	return n;
}

/*
 * 37 CUDA and 35 cuDNN manifests. The archive totals were counted by a
 * separate script (objects with a relative_path, at any depth): equal totals
 * mean no archive was silently skipped.
 */
static void test_every_bundled_manifest_parses(void **state)
{
	size_t cuda_archives = 0, cudnn_archives = 0;

	(void)state;
	assert_int_equal(parse_dir(MANIFEST_CUDA, &cuda_archives), 37);
	assert_int_equal(parse_dir(MANIFEST_CUDNN, &cudnn_archives), 35);
	assert_int_equal(cuda_archives, 4865);
	assert_int_equal(cudnn_archives, 377);
}

/* The abridged example of nvidia-redist-facts.md A.1, checked against the real file. */
static void test_cuda_12_4_0_cudart(void **state)
{
	struct manifest m;
	const struct manifest_component *c;
	const struct manifest_archive *a;

	(void)state;
	parse_bundled(&m, MANIFEST_CUDA, "12.4.0");
	assert_int_equal(m.product, MANIFEST_CUDA);
	assert_string_equal(m.release_date, "2024-03-05");
	assert_int_equal(m.nr_components, 41);
	c = component(&m, "cuda_cudart");
	assert_string_equal(c->name, "CUDA Runtime (cudart)");
	assert_string_equal(c->license, "CUDA Toolkit");
	assert_string_equal(c->version, "12.4.99");
	a = archive(c, "linux-x86_64", NULL);
	assert_string_equal(a->relative_path, "cuda_cudart/linux-x86_64/"
					      "cuda_cudart-linux-x86_64-12.4.99-archive.tar.xz");
	assert_int_equal(a->size, 1100116);
	assert_sha256(a->sha256,
		      "dc126fb171d996c495756d44d565f7dd927245cbdc7191b9f8d5075d09ada699");
	a = archive(c, "windows-x86_64", NULL);
	assert_int_equal(a->size, 2474121);
	assert_sha256(a->sha256,
		      "1034ca43da4afbc79f69269cc60dc081de631e1c0d229d60f045d9516409317a");
	/* A component version is not the label: libcublas 12.4.2.65 in 12.4.0. */
	assert_string_equal(component(&m, "libcublas")->version, "12.4.2.65");
	assert_null(manifest_component(&m, "no_such_component"));
	assert_null(manifest_archive(c, "linux-x86_64", "cuda12"));
	manifest_release(&m);
}

/* Before 12.2.0 there is no release_label: the label comes from the file name. */
static void test_cuda_11_8_0_label_from_file_name(void **state)
{
	struct manifest m;

	(void)state;
	parse_bundled(&m, MANIFEST_CUDA, "11.8.0");
	assert_string_equal(m.label, "11.8.0");
	assert_string_equal(m.release_date, "2022-10-03");
	/* Components stay in file order. */
	assert_string_equal(m.components[0].key, "cuda_cccl");
	assert_string_equal(m.components[0].version, "11.8.89");
	manifest_release(&m);
}

/* cuDNN nests archives one level deeper, by "cudaN" variant. */
static void test_cudnn_9_13_0_variants(void **state)
{
	struct manifest m;
	const struct manifest_component *c;
	const struct manifest_archive *a;

	(void)state;
	parse_bundled(&m, MANIFEST_CUDNN, "9.13.0");
	assert_int_equal(m.product, MANIFEST_CUDNN);
	assert_string_equal(m.release_date, "2025-09-04");
	c = component(&m, "cudnn");
	assert_string_equal(c->version, "9.13.0.50");
	a = archive(c, "linux-x86_64", "cuda12");
	assert_string_equal(a->variant, "cuda12");
	assert_string_equal(a->relative_path, "cudnn/linux-x86_64/"
					      "cudnn-linux-x86_64-9.13.0.50_cuda12-archive.tar.xz");
	assert_int_equal(a->size, 873944756);
	assert_sha256(a->sha256,
		      "28c5c59316464434eb7bafe75fc36285160c28d559a50056ded13394955d1f7d");
	a = archive(c, "linux-x86_64", "cuda13");
	assert_int_equal(a->size, 641302680);
	assert_sha256(a->sha256,
		      "02f47d9456773c80d97ed245efd9eb22bb985dcfdb74559213536035291e7a01");
	/* No flat archive and no CUDA 11 build in 9.13. */
	assert_null(manifest_archive(c, "linux-x86_64", NULL));
	assert_null(manifest_archive(c, "linux-x86_64", "cuda11"));
	archive(c, "linux-sbsa", "cuda13");
	archive(c, "linux-aarch64", "cuda12");
	manifest_release(&m);
}

/* cuDNN 9 ships its samples once, under the platform key "source". */
static void test_cudnn_samples_source_platform(void **state)
{
	struct manifest m;
	const struct manifest_component *c;
	const struct manifest_archive *a;

	(void)state;
	parse_bundled(&m, MANIFEST_CUDNN, "9.13.0");
	c = component(&m, "cudnn_samples");
	assert_int_equal(c->nr_archives, 1);
	a = archive(c, "source", NULL);
	assert_null(a->variant);
	assert_string_equal(a->relative_path,
			    "cudnn_samples/source/cudnn_samples-source-9.13.0.50-archive.tar.xz");
	assert_int_equal(a->size, 1666920);
	manifest_release(&m);
}

/* A.3 #2: imex's file name starts with "nvidia-imex", not its key. */
static void test_imex_relative_path_is_taken_as_is(void **state)
{
	struct manifest m;
	const struct manifest_archive *a;
	const char *base;

	(void)state;
	parse_bundled(&m, MANIFEST_CUDA, "12.5.0");
	a = archive(component(&m, "imex"), "linux-x86_64", NULL);
	assert_string_equal(a->relative_path,
			    "imex/linux-x86_64/nvidia-imex-linux-x86_64-555.42.02-archive.tar.xz");
	base = strrchr(a->relative_path, '/') + 1;
	assert_true(strncmp(base, "imex", 4) != 0);
	manifest_release(&m);
}

/* A.3 #3: driver_assistant has the platform "linux-all" and a path under source/. */
static void test_driver_assistant_linux_all(void **state)
{
	struct manifest m;
	const struct manifest_component *c;
	const struct manifest_archive *a;

	(void)state;
	parse_bundled(&m, MANIFEST_CUDA, "12.8.0");
	c = component(&m, "driver_assistant");
	assert_int_equal(c->nr_archives, 1);
	a = archive(c, "linux-all", NULL);
	assert_string_equal(a->relative_path,
			    "driver_assistant/source/driver_assistant-0.18.86.10-archive.tar.xz");
	assert_int_equal(a->size, 38132);
	assert_null(manifest_archive(c, "linux-x86_64", NULL));
	manifest_release(&m);
}

/*
 * A.3 #5, cuDNN 9.27.0 windows-arm64: flat archive keys and a cuda13 variant
 * object side by side. Both are archives.
 */
static void test_mixed_leaf_and_variant(void **state)
{
	static const char doc[] =
		"{\"release_date\": \"2025-12-01\", \"release_label\": \"9.27.0\","
		" \"release_product\": \"cudnn\","
		" \"cudnn\": {\"version\": \"9.27.0.10\", \"windows-arm64\": {"
		"  \"relative_path\": \"cudnn/windows-arm64/"
		"cudnn-windows-arm64-9.27.0.10_cuda13.4-archive.zip\","
		"  \"sha256\": \"aa000000000000000000000000000000"
		"00000000000000000000000000000000\","
		"  \"md5\": \"00000000000000000000000000000000\", \"size\": \"10\","
		"  \"cuda13\": {\"relative_path\": \"cudnn/windows-arm64/"
		"cudnn-windows-arm64-9.27.0.10_cuda13-archive.zip\","
		"   \"sha256\": \"bb000000000000000000000000000000"
		"00000000000000000000000000000000\","
		"   \"size\": \"20\"}},"
		" \"cuda_variant\": [\"12\", \"13\"]}}";
	struct manifest m;
	char err[256] = "";
	const struct manifest_component *c;

	(void)state;
	assert_rc(manifest_parse(&m, doc, strlen(doc), MANIFEST_CUDNN, "9.27.0", err, sizeof(err)),
		  0);
	c = component(&m, "cudnn");
	assert_int_equal(c->nr_archives, 2);
	assert_int_equal(archive(c, "windows-arm64", NULL)->size, 10);
	assert_contains(archive(c, "windows-arm64", NULL)->relative_path, "_cuda13.4-archive.zip");
	assert_int_equal(archive(c, "windows-arm64", "cuda13")->size, 20);
	assert_int_equal(archive(c, "windows-arm64", "cuda13")->sha256[0], 0xbb);
	manifest_release(&m);
}

/* The documents the hostile cases start from are themselves fine. */
static void test_templates_parse(void **state)
{
	char *docs[3];
	struct manifest m;
	char err[256] = "";
	size_t i;

	(void)state;
	docs[0] = cuda_doc(GOOD_PATH, SHA, GOOD_SIZE);
	docs[1] = xstrdup(COMP(V1 "\"linux-x86_64\": " LEAF));
	docs[2] = cudnn_doc(SHA);
	for (i = 0; i < NR(docs); i++) {
		enum manifest_product p = i < 2 ? MANIFEST_CUDA : MANIFEST_CUDNN;

		if (manifest_parse(&m, docs[i], strlen(docs[i]), p, i < 2 ? "12.4.0" : "9.13.0",
				   err, sizeof(err)) < 0)
			fail_msg("template %zu: %s", i, err);
		assert_int_equal(m.nr_components, 1);
		manifest_release(&m);
		free(docs[i]);
	}
}

/* ---- hostile input ---- */

static void test_rejects_malformed_json(void **state)
{
	static const struct reject cases[] = {
		{ MANIFEST_CUDA, "", NULL, "line 1" },
		{ MANIFEST_CUDA, "   ", NULL, "line 1" },
		{ MANIFEST_CUDA, "{", NULL, "line 1" },
		{ MANIFEST_CUDA, "{\"release_date\": }", NULL, "line 1" },
		{ MANIFEST_CUDA, "{\"release_date\": \"2024-03-05\",}", NULL, "line 1" },
		{ MANIFEST_CUDA, "{'release_date': '2024-03-05'}", NULL, "line 1" },
		{ MANIFEST_CUDA, DOC("\"c\": {}") " {}", NULL, "end of file expected" },
		{ MANIFEST_CUDA, "{\"a\": \"\\u0000\"}", NULL, "NUL" },
		{ MANIFEST_CUDA, "{\"a\": \"\xff\"}", NULL, "unable to decode byte 0xff" },
		{ MANIFEST_CUDA, "[]", NULL, "top level is an array, not an object" },
		{ MANIFEST_CUDA, "[" DOC("\"c\": {}") "]", NULL,
		  "top level is an array, not an object" },
		/* jansson itself wants an object or an array at the top. */
		{ MANIFEST_CUDA, "42", NULL, "'[' or '{' expected" },
		{ MANIFEST_CUDA, "\"12.4.0\"", NULL, "'[' or '{' expected" },
		{ MANIFEST_CUDA, "null", NULL, "'[' or '{' expected" },
		{ MANIFEST_CUDA, "{}", NULL, "missing 'release_date'" },
		{ MANIFEST_CUDA, DOC("\"release_label\": \"12.4.0\""), NULL, "no components" },
	};

	(void)state;
	assert_rejected(cases);
}

/* Every proper prefix of a good manifest is refused, whatever byte it stops at. */
static void test_rejects_every_truncation(void **state)
{
	char *doc = cuda_doc(GOOD_PATH, SHA, GOOD_SIZE);
	size_t len = strlen(doc), n;
	size_t real_len;
	char *real = test_read("manifests/cuda/redistrib_12.4.0.json", &real_len);

	(void)state;
	/* The last byte is the closing brace: every shorter prefix is cut short. */
	for (n = 0; n < len; n++)
		assert_manifest_rejects(doc, n, MANIFEST_CUDA, "12.4.0", NULL, "");
	assert_manifest_rejects(real, real_len / 2, MANIFEST_CUDA, "12.4.0", NULL, "line ");
	assert_manifest_rejects(real, real_len - 1, MANIFEST_CUDA, "12.4.0", NULL, "line ");
	free(real);
	free(doc);
}

static void test_rejects_wrong_types(void **state)
{
	static const struct reject cases[] = {
		{ MANIFEST_CUDA, COMP("\"version\": 12.4, \"linux-x86_64\": " LEAF), "cuda_cudart",
		  "'version' is a number, not a string" },
		{ MANIFEST_CUDA, COMP("\"linux-x86_64\": " LEAF), "cuda_cudart",
		  "missing 'version'" },
		{ MANIFEST_CUDA, COMP("\"version\": \"1.0/../x\", \"linux-x86_64\": " LEAF),
		  "cuda_cudart", "version '1.0/../x' is not a plain version" },
		{ MANIFEST_CUDA, COMP(V1 "\"name\": [], \"linux-x86_64\": " LEAF), "cuda_cudart",
		  "'name' is an array, not a string" },
		{ MANIFEST_CUDA, COMP(V1 "\"license_path\": 1, \"linux-x86_64\": " LEAF),
		  "cuda_cudart", "'license_path' is a number, not a string" },
		{ MANIFEST_CUDA, COMP(V1 "\"linux-x86_64\": 7"), "cuda_cudart",
		  "'linux-x86_64' is a number, not a platform object" },
		{ MANIFEST_CUDA, "{\"release_date\": 20240305, \"c\": {}}", "release_date",
		  "is a number, not a string or a component object" },
		{ MANIFEST_CUDA, DOC("\"x\": [1]"), "x",
		  "is an array, not a string or a component object" },
	};
	char *doc;

	(void)state;
	assert_rejected(cases);
	/* The three of the brief, in an otherwise real document. */
	doc = cuda_doc(GOOD_PATH, SHA, "{}");
	assert_doc_rejects(doc, MANIFEST_CUDA, "12.4.0", "cuda_cudart.linux-x86_64.size",
			   "not a decimal number of bytes");
	doc = cuda_doc(GOOD_PATH, "12345", GOOD_SIZE);
	assert_doc_rejects(doc, MANIFEST_CUDA, "12.4.0", "cuda_cudart.linux-x86_64",
			   "'sha256' is a number, not a string");
	doc = cuda_doc("true", SHA, GOOD_SIZE);
	assert_doc_rejects(doc, MANIFEST_CUDA, "12.4.0", "cuda_cudart.linux-x86_64",
			   "'relative_path' is a boolean, not a string");
}

/* size is a string of decimal bytes that fits in 64 bits, nothing else. */
static void test_size(void **state)
{
	static const char *const bad[] = {
		"\"18446744073709551616\"",	/* 2^64 */
		"\"99999999999999999999\"",	/* 20 digits, above 2^64 */
		"\"123456789012345678901\"",	/* 21 digits */
		"\"-1\"", "\"+1\"", "\"1e3\"", "\"\"", "\" 1\"", "\"1 \"", "\"0x10\"", "\"1.5\"",
		"-1", "1e3", "1.5", "null", "true", "[]", "{}",
		"\"0\"", "0",			/* an archive is never empty */
		"\"9223372036854775808\"",	/* 2^63: beyond a file offset */
		"\"18446744073709551615\"",
	};
	static const struct {
		const char *json;
		uint64_t value;
	} good[] = {
		{ "\"1\"", 1 },
		{ "\"9223372036854775807\"", INT64_MAX },	/* 2^63 - 1 */
		{ "\"4294967297\"", 4294967297ULL },	/* above 4 GiB: no 32-bit truncation */
		{ "\"00000000000000000001\"", 1 },
		{ "1100116", 1100116 },	/* a JSON integer is taken as well */
	};
	static const struct reject missing[] = {
		{ MANIFEST_CUDA, COMP(V1 "\"linux-x86_64\": {\"relative_path\": \"a\", \"sha256\": "
				  SHA "}"),
		  "cuda_cudart.linux-x86_64", "missing 'size'" },
	};
	struct manifest m;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < NR(bad); i++)
		assert_doc_rejects(cuda_doc(GOOD_PATH, SHA, bad[i]), MANIFEST_CUDA, "12.4.0",
				   "cuda_cudart.linux-x86_64.size",
				   "not a decimal number of bytes from 1 to 2^63-1");
	for (i = 0; i < NR(good); i++) {
		char *doc = cuda_doc(GOOD_PATH, SHA, good[i].json);

		assert_rc(manifest_parse(&m, doc, strlen(doc), MANIFEST_CUDA, "12.4.0", err,
					 sizeof(err)),
			  0);
		assert_true(m.components[0].archives[0].size == good[i].value);
		manifest_release(&m);
		free(doc);
	}
	assert_rejected(missing);
}

static void test_digests(void **state)
{
	static const char *const bad[] = {
		/* 63, 65, a 'g', a blank, nothing */
		"\"dc126fb171d996c495756d44d565f7dd927245cbdc7191b9f8d5075d09ada69\"",
		"\"dc126fb171d996c495756d44d565f7dd927245cbdc7191b9f8d5075d09ada6990\"",
		"\"gc126fb171d996c495756d44d565f7dd927245cbdc7191b9f8d5075d09ada699\"",
		"\"dc126fb171d996c495756d44d565f7dd927245cbdc7191b9f8d5075d09ada69 \"",
		"\"\"",
	};
	static const struct reject other[] = {
		{ MANIFEST_CUDA, COMP(V1 "\"linux-x86_64\": {\"relative_path\": \"a\","
				  " \"size\": \"1\"}"),
		  "cuda_cudart.linux-x86_64", "missing 'sha256'" },
		{ MANIFEST_CUDA, COMP(V1 "\"linux-x86_64\": {\"relative_path\": \"a\", \"sha256\": "
				  SHA ", \"md5\": \"xyz\", \"size\": \"1\"}"),
		  "cuda_cudart.linux-x86_64.md5", "not 32 hex digits" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(bad); i++) {
		assert_doc_rejects(cuda_doc(GOOD_PATH, bad[i], GOOD_SIZE), MANIFEST_CUDA, "12.4.0",
				   "cuda_cudart.linux-x86_64.sha256", "not 64 hex digits");
		/* The path of a variant archive names the variant. */
		assert_doc_rejects(cudnn_doc(bad[i]), MANIFEST_CUDNN, "9.13.0",
				   "cudnn.linux-x86_64.cuda12.sha256", "not 64 hex digits");
	}
	assert_rejected(other);
}

/* JSON_REJECT_DUPLICATES: a second value for a key could hide the first. */
static void test_rejects_duplicate_keys(void **state)
{
	static const struct reject cases[] = {
		{ MANIFEST_CUDA, DOC("\"release_date\": \"2024-03-06\", \"c\": {" V1
				     "\"linux-x86_64\": " LEAF "}"),
		  NULL, "duplicate object key" },
		{ MANIFEST_CUDA, COMP(V1 "\"version\": \"2\", \"linux-x86_64\": " LEAF), NULL,
		  "duplicate object key" },
		{ MANIFEST_CUDA, COMP(V1 "\"linux-x86_64\": {\"relative_path\": \"a\", \"sha256\": "
				  SHA ", \"sha256\": " SHA ", \"size\": \"1\"}"),
		  NULL, "duplicate object key" },
		{ MANIFEST_CUDA, DOC("\"c\": {" V1 "\"linux-x86_64\": " LEAF "},"
				     " \"c\": {" V1 "\"linux-x86_64\": " LEAF "}"),
		  NULL, "duplicate object key" },
	};

	(void)state;
	assert_rejected(cases);
}

/* A relative_path is joined to a URL and later to a cache path: only tame ones. */
static void test_rejects_escaping_paths(void **state)
{
	static const struct {
		const char *path, *why;
	} cases[] = {
		{ "../x", "'.' or '..' segment" },
		{ "a/../../x", "'.' or '..' segment" },
		{ "a/..", "'.' or '..' segment" },
		{ "..", "'.' or '..' segment" },
		{ "./a", "'.' or '..' segment" },
		{ "a/./b", "'.' or '..' segment" },
		{ "/etc/passwd", "absolute path" },
		{ "https://evil/x", "contains ':'" },
		{ "C:x", "contains ':'" },
		{ "a\\b", "backslash" },
		{ "a//b", "empty segment" },
		{ "a/", "empty segment" },
		{ "%2e%2e/x", "outside [A-Za-z0-9._+-/]" },
		{ "a b", "outside" },
		{ "a\tb", "outside" },
		{ "a?x=1", "outside" },
		{ "a#b", "outside" },
		{ "~/x", "outside" },
		{ "\xc3\xa9", "outside" },
		{ "", "empty" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		struct buf json = BUF_INIT;

		buf_add_json_str(&json, cases[i].path);
		assert_doc_rejects(cuda_doc(json.s, SHA, GOOD_SIZE), MANIFEST_CUDA, "12.4.0",
				   "cuda_cudart.linux-x86_64", cases[i].why);
		buf_release(&json);
	}
}

static void test_rejects_long_path(void **state)
{
	char long_path[603];

	(void)state;
	memset(long_path + 1, 'a', 600);
	long_path[0] = '"';
	long_path[601] = '"';
	long_path[602] = '\0';
	assert_doc_rejects(cuda_doc(long_path, SHA, GOOD_SIZE), MANIFEST_CUDA, "12.4.0",
			   "cuda_cudart.linux-x86_64", "longer than 512 bytes");
}

static void test_rejects_release_metadata(void **state)
{
	static const struct reject cases[] = {
		/* The file says 12.4.1; its name says 12.4.0: which archives would we get? */
		{ MANIFEST_CUDA, DOC("\"release_label\": \"12.4.1\", \"c\": {" V1
				     "\"linux-x86_64\": " LEAF "}"),
		  "release_label", "'12.4.1' does not match the file's label '12.4.0'" },
		{ MANIFEST_CUDA, DOC("\"release_product\": \"cudnn\", \"c\": {" V1
				     "\"linux-x86_64\": " LEAF "}"),
		  "release_product", "'cudnn' where 'cuda' was expected" },
		{ MANIFEST_CUDNN, DOC("\"release_product\": \"cuda\", \"c\": {" V1
				      "\"linux-x86_64\": " LEAF "}"),
		  "release_product", "'cuda' where 'cudnn' was expected" },
		{ MANIFEST_CUDA, "{\"release_label\": \"12.4.0\", \"c\": {" V1
				 "\"linux-x86_64\": " LEAF "}}",
		  NULL, "missing 'release_date'" },
		{ MANIFEST_CUDA, "{\"release_date\": \"2024-3-5\", \"c\": {" V1
				 "\"linux-x86_64\": " LEAF "}}",
		  "release_date", "'2024-3-5' is not a YYYY-MM-DD date" },
	};

	(void)state;
	assert_rejected(cases);
	/* The label itself becomes part of file names. */
	assert_doc_rejects(cuda_doc(GOOD_PATH, SHA, GOOD_SIZE), MANIFEST_CUDA, "../12.4.0", NULL,
			   "'../12.4.0' is not a release label");
}

static void test_rejects_bad_structure(void **state)
{
	static const struct reject cases[] = {
		/* A platform object that is neither an archive nor holds variant objects. */
		{ MANIFEST_CUDA, COMP(V1 "\"linux-x86_64\": {\"sha256\": " SHA ", \"size\": 1}"),
		  "cuda_cudart.linux-x86_64", "'sha256' is a string, not a variant object" },
		{ MANIFEST_CUDA, COMP(V1 "\"linux-x86_64\": {}"), "cuda_cudart.linux-x86_64",
		  "no archive" },
		{ MANIFEST_CUDA, COMP("\"version\": \"1\""), "cuda_cudart",
		  "no archive for any platform" },
		/* Variant keys are "cuda" and a major version, nothing else. */
		{ MANIFEST_CUDNN, COMP(V1 "\"linux-x86_64\": {\"rocm6\": " LEAF "}"),
		  "cuda_cudart.linux-x86_64.rocm6", "not a CUDA variant key (cudaN)" },
		{ MANIFEST_CUDNN, COMP(V1 "\"linux-x86_64\": {\"cuda\": " LEAF "}"),
		  "cuda_cudart.linux-x86_64.cuda", "not a CUDA variant key (cudaN)" },
		{ MANIFEST_CUDNN, COMP(V1 "\"linux-x86_64\": {\"cuda12a\": " LEAF "}"),
		  "cuda_cudart.linux-x86_64.cuda12a", "not a CUDA variant key (cudaN)" },
		{ MANIFEST_CUDNN, COMP(V1 "\"linux-x86_64\": {\"cuda12\": {\"sha256\": " SHA "}}"),
		  "cuda_cudart.linux-x86_64.cuda12", "missing 'relative_path'" },
		{ MANIFEST_CUDNN, COMP(V1 "\"linux-x86_64\": " LEAF ", \"cuda_variant\": \"12\""),
		  "cuda_cudart", "cuda_variant is a string, not an array" },
		{ MANIFEST_CUDNN,
		  COMP(V1 "\"linux-x86_64\": " LEAF ", \"cuda_variant\": [\"12\", 1]"),
		  "cuda_cudart", "cuda_variant[1]: not a CUDA major version" },
		/* Keys and versions become file and directory names. */
		{ MANIFEST_CUDA, DOC("\"../c\": {" V1 "\"linux-x86_64\": " LEAF "}"), NULL,
		  "component key '../c' is not a plain name" },
		{ MANIFEST_CUDA, DOC("\"..\": {" V1 "\"linux-x86_64\": " LEAF "}"), NULL,
		  "component key '..' is not a plain name" },
		{ MANIFEST_CUDA, DOC("\".\": {" V1 "\"linux-x86_64\": " LEAF "}"), NULL,
		  "component key '.' is not a plain name" },
		{ MANIFEST_CUDA, COMP(V1 "\"linux/x86_64\": " LEAF), "cuda_cudart",
		  "platform key 'linux/x86_64' is not a plain name" },
		{ MANIFEST_CUDA, COMP(V1 "\"..\": " LEAF), "cuda_cudart",
		  "platform key '..' is not a plain name" },
		{ MANIFEST_CUDA, COMP("\"version\": \"..\", \"linux-x86_64\": " LEAF),
		  "cuda_cudart", "version '..' is not a plain version" },
	};

	(void)state;
	assert_rejected(cases);
}

/* jansson stops at its depth limit; nothing recurses without bound. */
static void test_rejects_deep_nesting(void **state)
{
	size_t n = 100000, i;
	char *doc = xmalloc(n);

	(void)state;
	memset(doc, '[', n);
	assert_manifest_rejects(doc, n, MANIFEST_CUDA, "12.4.0", NULL, "maximum parsing depth");
	for (i = 0; i < n / 5; i++)
		memcpy(doc + 5 * i, "{\"a\":", 5);
	assert_manifest_rejects(doc, n, MANIFEST_CUDA, "12.4.0", NULL, "maximum parsing depth");
	free(doc);
}

/*
 * Size limit: a 10 MB document is refused before it is parsed; one just
 * under MANIFEST_MAX_SIZE with a 7 MB string parses and keeps the string.
 */
static void test_huge_documents(void **state)
{
	static const char head[] = "{\"release_date\": \"2024-03-05\", \"c\": {" V1
				   "\"linux-x86_64\": " LEAF ", \"name\": \"";
	static const char tail[] = "\"}}";
	size_t big = 10u << 20, fits = 7u << 20;
	char *doc = xmalloc(sizeof(head) + big + sizeof(tail));
	struct manifest m;
	char err[256];
	char *msg;

	(void)state;
	memcpy(doc, head, sizeof(head) - 1);
	memset(doc + sizeof(head) - 1, 'x', big);
	memcpy(doc + sizeof(head) - 1 + big, tail, sizeof(tail));
	msg = xasprintf("more than the %u allowed", MANIFEST_MAX_SIZE);
	assert_manifest_rejects(doc, strlen(doc), MANIFEST_CUDA, "12.4.0", NULL, msg);
	free(msg);

	memcpy(doc + sizeof(head) - 1 + fits, tail, sizeof(tail));
	assert_true(strlen(doc) <= MANIFEST_MAX_SIZE);
	assert_rc(manifest_parse(&m, doc, strlen(doc), MANIFEST_CUDA, "12.4.0", err, sizeof(err)),
		  0);
	assert_int_equal(strlen(m.components[0].name), fits);
	manifest_release(&m);
	free(doc);
}

/* len, not a NUL, ends the buffer: a NUL byte anywhere inside is an error. */
static void test_rejects_nul_bytes(void **state)
{
	char *doc = cuda_doc(GOOD_PATH, SHA, GOOD_SIZE);
	size_t len = strlen(doc);
	char *copy = xmalloc(len + 1);
	size_t spots[3], i;

	(void)state;
	spots[0] = 1;					/* between '{' and the first key */
	spots[1] = (size_t)(strstr(doc, "dc126") - doc) + 3;	/* inside the sha256 */
	spots[2] = len;					/* after the closing brace */
	for (i = 0; i < NR(spots); i++) {
		memcpy(copy, doc, len + 1);
		copy[spots[i]] = '\0';
		assert_manifest_rejects(copy, len + (spots[i] == len), MANIFEST_CUDA, "12.4.0",
					NULL, "line 1");
	}
	free(copy);
	free(doc);
}

/* Errors land in err whatever its size, always terminated. */
static void test_small_error_buffer(void **state)
{
	char err[8];
	struct manifest m;

	(void)state;
	memset(err, 'X', sizeof(err));
	assert_rc(manifest_parse(&m, "[]", 2, MANIFEST_CUDA, "12.4.0", err, sizeof(err)),
		  -CUE_EMANIFEST);
	assert_string_equal(err, "cuda/re");
}

/* ---- manifest_check_path ---- */

static void test_check_path(void **state)
{
	static const struct {
		const char *path;
		const char *why;	/* NULL: accepted */
	} cases[] = {
		{ "cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-12.4.99-archive.tar.xz",
		  NULL },
		{ "cudnn/linux-x86_64/cudnn-linux-x86_64-9.13.0.50_cuda12-archive.tar.xz", NULL },
		{ "a", NULL },
		{ "a+b/c_d-e.f", NULL },
		{ "..a/b..", NULL },	/* dots inside a name are only dots */
		{ ".hidden", NULL },
		{ "", "empty" },
		{ "/a", "absolute path" },
		{ "..", "'.' or '..' segment" },
		{ ".", "'.' or '..' segment" },
		{ "a/.", "'.' or '..' segment" },
		{ "a/../b", "'.' or '..' segment" },
		{ "a//b", "empty segment" },
		{ "a/", "empty segment" },
		{ "a\\b", "backslash" },
		{ "c:", "':'" },
		{ "file:///etc", "':'" },
		{ "a b", "outside" },
		{ "a\nb", "outside" },
		{ "a*", "outside" },
		{ "%2e%2e", "outside" },
	};
	char long_path[514];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		int rc;

		why = NULL;
		rc = manifest_check_path(cases[i].path, &why);
		if (!cases[i].why) {
			if (rc)
				fail_msg("'%s' refused: %s", cases[i].path, why);
			continue;
		}
		if (rc != -CUE_EUNSAFEPATH)
			fail_msg("'%s' accepted", cases[i].path);
		assert_contains(why, cases[i].why);
	}
	/* 512 bytes is the most a path may have. */
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[512] = '\0';
	assert_rc(manifest_check_path(long_path, &why), 0);
	long_path[512] = 'a';
	long_path[513] = '\0';
	assert_rc(manifest_check_path(long_path, &why), -CUE_EUNSAFEPATH);
	assert_contains(why, "longer than 512 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_bundled_manifest_parses),
		cmocka_unit_test(test_cuda_12_4_0_cudart),
		cmocka_unit_test(test_cuda_11_8_0_label_from_file_name),
		cmocka_unit_test(test_cudnn_9_13_0_variants),
		cmocka_unit_test(test_cudnn_samples_source_platform),
		cmocka_unit_test(test_imex_relative_path_is_taken_as_is),
		cmocka_unit_test(test_driver_assistant_linux_all),
		cmocka_unit_test(test_mixed_leaf_and_variant),
		cmocka_unit_test(test_templates_parse),
		cmocka_unit_test(test_rejects_malformed_json),
		cmocka_unit_test(test_rejects_every_truncation),
		cmocka_unit_test(test_rejects_wrong_types),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_rejects_duplicate_keys),
		cmocka_unit_test(test_rejects_escaping_paths),
		cmocka_unit_test(test_rejects_long_path),
		cmocka_unit_test(test_rejects_release_metadata),
		cmocka_unit_test(test_rejects_bad_structure),
		cmocka_unit_test(test_rejects_deep_nesting),
		cmocka_unit_test(test_huge_documents),
		cmocka_unit_test(test_rejects_nul_bytes),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_check_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
