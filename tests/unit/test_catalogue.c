// SPDX-License-Identifier: MIT
/*
 * catalogue.c: the bundled snapshot, a file:// source that must never be
 * mixed with it, hostile manifests served by a source, and which source URLs
 * cuenv accepts at all.
 */
#include "helpers.h"

#include <dirent.h>
#include <sys/stat.h>

#include "catalogue.h"
#include "resolve.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a scratch source directory ---- */

struct source {
	char *dir;		/* a new temporary directory */
	char *url;		/* file://<dir> */
};

static void source_init(struct source *s)
{
	s->dir = test_mkdtemp("cuenv-test-source");
	s->url = xasprintf("file://%s", s->dir);
}

/* Write <dir>/<product>/redist/<name> with len bytes of data. */
static void source_put(struct source *s, const char *product, const char *name,
		       const char *data, size_t len)
{
	char *sub = xasprintf("%s/%s/redist", s->dir, product);
	char *path = xasprintf("%s/%s", sub, name);

	assert_rc(fs_mkdir_p(sub, 0755), 0);
	assert_rc(fs_write_atomic(path, data, len, 0644), 0);
	free(path);
	free(sub);
}

/* Copy manifests/<product>/redistrib_<label>.json from the bundle. */
static void source_copy(struct source *s, const char *product, const char *label)
{
	char *rel = xasprintf("manifests/%s/redistrib_%s.json", product, label);
	char *name = xasprintf("redistrib_%s.json", label);
	size_t len;
	char *data = test_read(rel, &len);

	source_put(s, product, name, data, len);
	free(data);
	free(name);
	free(rel);
}

/* rm -r of a directory this test made (no symlinks are ever created in it). */
static void remove_tree(const char *path)
{
	DIR *dh = opendir(path);
	struct dirent *d;

	if (dh) {
		while ((d = readdir(dh))) {
			char *child;

			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			child = xasprintf("%s/%s", path, d->d_name);
			remove_tree(child);
			free(child);
		}
		closedir(dh);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void source_release(struct source *s)
{
	remove_tree(s->dir);
	free(s->dir);
	free(s->url);
}

/* The labels of a product, oldest first, joined by spaces. */
static char *labels(const struct catalogue *c, enum manifest_product p)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < c->nr[p]; i++)
		buf_addf(&b, "%s%s", i ? " " : "", c->entries[p][i].label);
	return buf_detach(&b);
}

static void assert_labels(const struct catalogue *c, enum manifest_product p, const char *want)
{
	char *got = labels(c, p);

	assert_string_equal(got, want);
	free(got);
}

/* ---- the bundled snapshot ---- */

static void test_bundle(void **state)
{
	struct catalogue c;
	char err[512] = "";
	size_t k, i;

	(void)state;
	assert_rc(catalogue_open(&c, NULL, "/nonexistent-cache", 0, err, sizeof(err)), 0);
	assert_true(c.is_default);
	assert_string_equal(c.source, CATALOGUE_DEFAULT_SOURCE);
	assert_int_equal(c.nr[MANIFEST_CUDA], 37);
	assert_int_equal(c.nr[MANIFEST_CUDNN], 35);
	assert_int_equal(c.support.nr_cuda, 37);
	/* Oldest first, by version: 9.2.0 before 9.10.0, never by text. */
	for (k = 0; k < 2; k++) {
		for (i = 1; i < c.nr[k]; i++)
			assert_true(version_cmp(&c.entries[k][i - 1].version,
						&c.entries[k][i].version) < 0);
	}
	assert_string_equal(c.entries[MANIFEST_CUDA][0].label, "11.4.2");
	assert_string_equal(c.entries[MANIFEST_CUDA][36].label, "13.0.2");
	assert_string_equal(c.entries[MANIFEST_CUDNN][0].label, "8.5.0");
	assert_string_equal(c.entries[MANIFEST_CUDNN][34].label, "9.14.0");
	assert_non_null(catalogue_find(&c, MANIFEST_CUDA, "12.4.1"));
	assert_null(catalogue_find(&c, MANIFEST_CUDA, "12.7.0"));
	assert_null(catalogue_find(&c, MANIFEST_CUDA, "9.14.0"));	/* other product */
	assert_non_null(catalogue_find(&c, MANIFEST_CUDNN, "9.14.0"));
	catalogue_release(&c);
}

/* Manifests are parsed on first use, once. */
static void test_manifest_is_parsed_lazily(void **state)
{
	struct catalogue c;
	struct catalogue_entry *e;
	const struct manifest *m, *again;
	char err[512] = "";

	(void)state;
	assert_rc(catalogue_open(&c, NULL, "/nonexistent-cache", 0, err, sizeof(err)), 0);
	e = catalogue_find(&c, MANIFEST_CUDNN, "9.13.0");
	assert_null(e->parsed);
	assert_rc(catalogue_manifest(&c, e, &m, err, sizeof(err)), 0);
	assert_string_equal(m->label, "9.13.0");
	assert_int_equal(m->product, MANIFEST_CUDNN);
	assert_rc(catalogue_manifest(&c, e, &again, err, sizeof(err)), 0);
	assert_ptr_equal(m, again);
	catalogue_release(&c);
}

static void test_urls(void **state)
{
	struct catalogue c;
	char err[512] = "";
	char *url;

	(void)state;
	assert_rc(catalogue_open(&c, NULL, "/nonexistent-cache", 0, err, sizeof(err)), 0);
	url = catalogue_url(&c, MANIFEST_CUDNN, "cudnn/linux-x86_64/x.tar.xz");
	assert_string_equal(url, "https://developer.download.nvidia.com/compute/cudnn/redist/"
				 "cudnn/linux-x86_64/x.tar.xz");
	free(url);
	url = catalogue_manifest_url(&c, MANIFEST_CUDA, "12.4.1");
	assert_string_equal(url, "https://developer.download.nvidia.com/compute/cuda/redist/"
				 "redistrib_12.4.1.json");
	free(url);
	catalogue_release(&c);
}

/* ---- file:// sources ---- */

/*
 * A mirror's own manifests only: the labels it has, never the bundle's (its
 * archives may differ from NVIDIA's). Files that are not redistrib_<version>.json
 * are not labels.
 */
static void test_file_source_has_only_its_labels(void **state)
{
	struct source s;
	struct catalogue c;
	const struct manifest *m;
	char err[512] = "";
	char *url, *slashed;

	(void)state;
	source_init(&s);
	source_copy(&s, "cuda", "12.4.1");
	source_copy(&s, "cuda", "11.8.0");
	source_copy(&s, "cudnn", "9.14.0");
	source_put(&s, "cuda", "README", "hi\n", 3);
	source_put(&s, "cuda", "redistrib_latest.json", "{}", 2);
	source_put(&s, "cuda", "redistrib_12.4.1.json.part", "{}", 2);
	source_put(&s, "cuda", "redistrib_.json", "{}", 2);

	/* A trailing slash on the source changes nothing. */
	slashed = xasprintf("%s/", s.url);
	assert_rc(catalogue_open(&c, slashed, "/nonexistent-cache", 0, err, sizeof(err)), 0);
	assert_false(c.is_default);
	assert_string_equal(c.source, s.url);
	assert_labels(&c, MANIFEST_CUDA, "11.8.0 12.4.1");
	assert_labels(&c, MANIFEST_CUDNN, "9.14.0");
	assert_null(catalogue_find(&c, MANIFEST_CUDA, "12.4.0"));
	assert_rc(catalogue_manifest(&c, catalogue_find(&c, MANIFEST_CUDA, "12.4.1"), &m, err,
				     sizeof(err)),
		  0);
	assert_non_null(manifest_component(m, "cuda_cudart"));
	/* Archive URLs point into the mirror. */
	url = catalogue_url(&c, MANIFEST_CUDA, "cuda_cudart/x.tar.xz");
	assert_true(!strncmp(url, s.url, strlen(s.url)));
	assert_string_equal(url + strlen(s.url), "/cuda/redist/cuda_cudart/x.tar.xz");
	free(url);
	catalogue_release(&c);
	free(slashed);
	source_release(&s);
}

/* Resolution sees the mirror's releases only. */
static void test_file_source_resolves_from_its_manifests(void **state)
{
	struct source s;
	struct catalogue c;
	struct spec spec;
	struct plan p;
	char err[512] = "";

	(void)state;
	source_init(&s);
	source_copy(&s, "cuda", "12.4.0");
	source_copy(&s, "cudnn", "9.1.1");
	assert_rc(catalogue_open(&c, s.url, "/nonexistent-cache", 0, err, sizeof(err)), 0);

	assert_rc(resolve_spec_parse("12+cudnn9", &spec, err, sizeof(err)), 0);
	assert_rc(resolve(&c, "12+cudnn9", &spec, "linux-x86_64", PROFILE_DEVEL, &p, err,
			  sizeof(err)),
		  0);
	assert_string_equal(p.cuda.label, "12.4.0");
	assert_string_equal(p.cudnn.version, "9.1.1.17");
	assert_true(!strncmp(p.components[0].url, s.url, strlen(s.url)));
	plan_release(&p);

	assert_rc(resolve_spec_parse("12.4.1", &spec, err, sizeof(err)), 0);
	assert_rc(resolve(&c, "12.4.1", &spec, "linux-x86_64", PROFILE_DEVEL, &p, err, sizeof(err)),
		  -CUE_ENOMATCH);
	assert_contains(err, "nearest: 12.4.0");
	catalogue_release(&c);
	source_release(&s);
}

/* A mirror that carries CUDA only is fine; one with no manifests at all is not. */
static void test_file_source_needs_manifests(void **state)
{
	struct source s;
	struct catalogue c;
	char err[512] = "";

	(void)state;
	source_init(&s);
	assert_rc(catalogue_open(&c, s.url, "/nonexistent-cache", 0, err, sizeof(err)),
		  -CUE_ESOURCE);
	assert_contains(err, "has no cuda/redist/redistrib_<label>.json");
	assert_null(c.source);	/* released on failure */

	source_copy(&s, "cuda", "13.0.2");
	assert_rc(catalogue_open(&c, s.url, "/nonexistent-cache", 0, err, sizeof(err)), 0);
	assert_labels(&c, MANIFEST_CUDA, "13.0.2");
	assert_int_equal(c.nr[MANIFEST_CUDNN], 0);
	catalogue_release(&c);
	source_release(&s);
}

/*
 * A hostile manifest on a mirror: opening the catalogue only lists labels;
 * the first use of that manifest fails with -CUE_EMANIFEST naming it.
 */
static void test_file_source_hostile_manifest(void **state)
{
	static const struct {
		const char *product, *label, *doc, *reason;
	} cases[] = {
		{ "cuda", "12.4.1",
		  "{\"release_date\": \"2024-04-12\", \"c\": {\"version\": \"1\", \"linux-x86_64\":"
		  " {\"relative_path\": \"../../../etc/passwd\", \"sha256\": \"00\","
		  " \"size\": \"1\"}}}",
		  "'.' or '..' segment" },
		{ "cuda", "12.4.1",
		  "{\"release_date\": \"2024-04-12\", \"release_label\": \"12.4.0\"}",
		  "does not match the file's label '12.4.1'" },
		{ "cuda", "12.4.1", "[[[[[[[[", "line 1" },
		{ "cudnn", "9.14.0",
		  "{\"release_date\": \"2025-01-01\", \"cudnn\": {\"version\": \"9.14.0.64\","
		  " \"linux-x86_64\": {\"cuda12\": {\"relative_path\": \"a\", \"sha256\": \"xyz\","
		  " \"size\": \"1\"}}}}",
		  "cudnn.linux-x86_64.cuda12.sha256: not 64 hex digits" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		struct source s;
		struct catalogue c;
		const struct manifest *m = NULL;
		char err[512] = "", *name = xasprintf("redistrib_%s.json", cases[i].label);
		char *file = xasprintf("%s/redistrib_%s.json: ", cases[i].product, cases[i].label);
		enum manifest_product p = strcmp(cases[i].product, "cuda") ? MANIFEST_CUDNN
									  : MANIFEST_CUDA;

		source_init(&s);
		source_copy(&s, "cuda", "12.4.0");
		source_put(&s, cases[i].product, name, cases[i].doc, strlen(cases[i].doc));
		assert_rc(catalogue_open(&c, s.url, "/nonexistent-cache", 0, err, sizeof(err)), 0);
		assert_rc(catalogue_manifest(&c, catalogue_find(&c, p, cases[i].label), &m, err,
					     sizeof(err)),
			  -CUE_EMANIFEST);
		assert_true(!strncmp(err, file, strlen(file)));
		assert_contains(err, cases[i].reason);
		/* The good manifest beside it still works. */
		assert_rc(catalogue_manifest(&c, catalogue_find(&c, MANIFEST_CUDA, "12.4.0"), &m,
					     err, sizeof(err)),
			  0);
		catalogue_release(&c);
		source_release(&s);
		free(file);
		free(name);
	}
}

/* The resolver passes a hostile manifest's error on instead of skipping the release. */
static void test_resolve_reports_hostile_manifest(void **state)
{
	static const char doc[] = "{\"release_date\": \"2024-04-12\", \"c\": {\"version\": \"1\","
				  " \"linux-x86_64\": {\"relative_path\": \"/abs\","
				  " \"sha256\": \"00\", \"size\": \"1\"}}}";
	struct source s;
	struct catalogue c;
	struct spec spec;
	struct plan p;
	char err[512] = "";

	(void)state;
	source_init(&s);
	source_copy(&s, "cuda", "12.4.0");
	source_put(&s, "cuda", "redistrib_12.4.1.json", doc, strlen(doc));
	assert_rc(catalogue_open(&c, s.url, "/nonexistent-cache", 0, err, sizeof(err)), 0);
	assert_rc(resolve_spec_parse("12.4", &spec, err, sizeof(err)), 0);
	assert_rc(resolve(&c, "12.4", &spec, "linux-x86_64", PROFILE_DEVEL, &p, err, sizeof(err)),
		  -CUE_EMANIFEST);
	assert_contains(err, "cuda/redistrib_12.4.1.json: c.linux-x86_64: relative_path '/abs'");
	catalogue_release(&c);
	source_release(&s);
}

/* A file larger than any manifest is refused while listing, before it is read. */
static void test_file_source_oversized_manifest(void **state)
{
	struct source s;
	struct catalogue c;
	char err[512] = "";
	char *path;

	(void)state;
	source_init(&s);
	source_copy(&s, "cuda", "12.4.0");
	path = xasprintf("%s/cuda/redist/redistrib_12.4.1.json", s.dir);
	source_put(&s, "cuda", "redistrib_12.4.1.json", "{}", 2);
	assert_int_equal(truncate(path, (off_t)MANIFEST_MAX_SIZE + 1), 0);
	assert_rc(catalogue_open(&c, s.url, "/nonexistent-cache", 0, err, sizeof(err)),
		  -CUE_ESOURCE);
	assert_contains(err, "larger than a manifest can be");
	free(path);
	source_release(&s);
}

/* ---- source URLs ---- */

static void test_check_source(void **state)
{
	static const struct {
		const char *url;
		const char *why;	/* NULL: accepted */
	} cases[] = {
		{ "https://developer.download.nvidia.com/compute", NULL },
		{ "https://mirror.example/nvidia/", NULL },
		{ "https://10.0.0.1:8443/x", NULL },
		{ "http://127.0.0.1:8000", NULL },	/* allowed when given explicitly */
		{ "file:///srv/mirror", NULL },
		{ "file:///", NULL },
		{ "ftp://mirror.example/x", "is not an https://, http:// or file:// URL" },
		{ "HTTPS://mirror.example", "is not an https://" },
		{ "mirror.example/x", "is not an https://" },
		{ "/srv/mirror", "is not an https://" },
		{ "", "is not an https://" },
		{ "file://rel/path", "is not file:///absolute/path" },
		{ "file://", "has no host" },
		{ "https://", "has no host" },
		{ "https:///x", "has no host" },
		{ "http://", "has no host" },
		{ "https://mirror.example/a b", "contains a space, control character, '?' or '#'" },
		{ "https://mirror.example/x?token=1", "'?'" },
		{ "https://mirror.example/x#frag", "'#'" },
		{ "https://mirror.example/\tx", "control character" },
		{ "https://mirror.example/x\n", "control character" },
		{ "file:///srv/my mirror", "space" },
		{ "https://mirror.example/\x7f", "control character" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		char err[512] = "";
		int rc = catalogue_check_source(cases[i].url, err, sizeof(err));

		if (!cases[i].why) {
			if (rc)
				fail_msg("'%s' refused: %s", cases[i].url, err);
			continue;
		}
		if (rc != -CUE_ESOURCE)
			fail_msg("'%s' accepted", cases[i].url);
		assert_contains(err, cases[i].why);
	}
}

/* catalogue_open refuses a bad source before any I/O and leaves c empty. */
static void test_open_refuses_bad_source(void **state)
{
	struct catalogue c;
	char err[512] = "";

	(void)state;
	assert_rc(catalogue_open(&c, "ftp://x/y", "/nonexistent-cache", 0, err, sizeof(err)),
		  -CUE_ESOURCE);
	assert_null(c.source);
	assert_int_equal(c.nr[MANIFEST_CUDA] + c.nr[MANIFEST_CUDNN], 0);
	assert_int_equal(cue_exit_code(-CUE_ESOURCE), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_manifest_is_parsed_lazily),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_file_source_has_only_its_labels),
		cmocka_unit_test(test_file_source_resolves_from_its_manifests),
		cmocka_unit_test(test_file_source_needs_manifests),
		cmocka_unit_test(test_file_source_hostile_manifest),
		cmocka_unit_test(test_resolve_reports_hostile_manifest),
		cmocka_unit_test(test_file_source_oversized_manifest),
		cmocka_unit_test(test_check_source),
		cmocka_unit_test(test_open_refuses_bad_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
