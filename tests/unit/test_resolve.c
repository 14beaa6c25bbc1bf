// SPDX-License-Identifier: MIT
/*
 * resolve.c against the bundled catalogue: the spec grammar, the cases of
 * tests/unit/data/resolve.txt, every bundled label, and the invariants every
 * plan keeps (profiles never take driver pieces, URLs and sizes add up).
 */
#include "helpers.h"

#include "catalogue.h"
#include "resolve.h"
#include "verify.h"

#define NR(a) (sizeof(a) / sizeof((a)[0]))

static const char *const platforms[] = { "linux-x86_64", "linux-sbsa", "linux-aarch64" };
static const enum resolve_profile profiles[] = { PROFILE_RUNTIME, PROFILE_DEVEL, PROFILE_FULL };

/*
 * Components that must never be installed, whatever the profile: driver and
 * data-centre plumbing (nvidia-redist-facts.md (f), "never by default") and
 * cuda_compat, which shadows the driver's own libcuda.
 */
static const char *const driver_pieces[] = {
	"nvidia_driver", "fabricmanager", "imex", "libnvidia_nscq", "nvidia_fs", "libnvsdm",
	"mft", "mft_autocomplete", "mft_oem", "nvlsm", "collectx_bringup", "driver_assistant",
	"cuda_compat",
};

/* ---- fixture: the bundled snapshot, opened once ---- */

static int open_bundle(void **state)
{
	struct catalogue *c = xcalloc(1, sizeof(*c));
	char err[512] = "";

	/* No source and a cache that does not exist: the snapshot and nothing else. */
	if (catalogue_open(c, NULL, "/nonexistent-cache", 0, err, sizeof(err)) < 0) {
		print_error("catalogue_open: %s\n", err);
		free(c);
		return -1;
	}
	*state = c;
	return 0;
}

static int close_bundle(void **state)
{
	catalogue_release(*state);
	free(*state);
	return 0;
}

/* ---- plan invariants ---- */

static bool is_driver_piece(const char *key)
{
	size_t i;

	for (i = 0; i < NR(driver_pieces); i++) {
		if (!strcmp(driver_pieces[i], key))
			return true;
	}
	return false;
}

/* The sha256 of the bundled file manifests/<product>/redistrib_<label>.json. */
static void bundled_sha256(enum manifest_product p, const char *label, unsigned char out[32])
{
	char *rel = xasprintf("manifests/%s/redistrib_%s.json", manifest_product_name(p), label);
	size_t len;
	char *data = test_read(rel, &len);

	verify_sha256_buf(data, len, out);
	free(data);
	free(rel);
}

static const char *check_component(struct catalogue *c, const struct plan *p,
				   const struct plan_component *pc, char *why, size_t len)
{
	char *url = catalogue_url(c, pc->product, pc->relative_path);
	const char *unsafe;
	bool url_ok = !strcmp(url, pc->url);

	free(url);
	if (is_driver_piece(pc->name))
		snprintf(why, len, "driver component %s in the plan", pc->name);
	else if (!resolve_profile_wants(p->profile, pc->product, pc->name))
		snprintf(why, len, "%s is not in profile %s", pc->name,
			 resolve_profile_name(p->profile));
	else if (manifest_check_path(pc->relative_path, &unsafe) < 0)
		snprintf(why, len, "unsafe path %s: %s", pc->relative_path, unsafe);
	else if (!url_ok)
		snprintf(why, len, "url %s is not the source's URL of %s", pc->url,
			 pc->relative_path);
	else
		return NULL;
	return why;
}

/*
 * What every successful plan must satisfy; returns NULL, or the first broken
 * rule in why.
 */
static const char *plan_invariants(struct catalogue *c, const struct plan *p, char *why,
				   size_t len)
{
	unsigned char sha[32];
	uint64_t total = 0;
	char *name, variant[16];
	size_t i, k;

	if (!p->nr_components)
		return snprintf(why, len, "no components"), why;
	for (i = 0; i < p->nr_components; i++) {
		if (check_component(c, p, &p->components[i], why, len))
			return why;
		for (k = 0; k < i; k++) {
			if (!strcmp(p->components[k].name, p->components[i].name))
				return snprintf(why, len, "%s twice", p->components[i].name), why;
		}
		total += p->components[i].size;
	}
	if (total != p->download_size)
		return snprintf(why, len, "download_size is not the sum of the sizes"), why;
	if (strcmp(p->cuda.version, p->cuda.label) || !*p->driver_min || !*p->driver_mvc_min)
		return snprintf(why, len, "CUDA release or driver fields incomplete"), why;
	/* The lock records the manifest's own sha256: the bundled file's bytes. */
	bundled_sha256(MANIFEST_CUDA, p->cuda.label, sha);
	if (memcmp(sha, p->cuda.manifest_sha256, 32))
		return snprintf(why, len, "CUDA manifest_sha256 is not the file's"), why;
	name = plan_name(p);
	if (p->has_cudnn) {
		snprintf(variant, sizeof(variant), "cuda%.*s", (int)strcspn(p->cuda.label, "."),
			 p->cuda.label);
		bundled_sha256(MANIFEST_CUDNN, p->cudnn.label, sha);
		if (strcmp(p->cudnn_variant, variant) ||
		    strncmp(p->cudnn.version, p->cudnn.label, strlen(p->cudnn.label)) ||
		    memcmp(sha, p->cudnn.manifest_sha256, 32))
			snprintf(why, len, "cuDNN variant, version or manifest_sha256 wrong");
		else if ((p->cudnn_listed == SUPPORT_NO) != (p->nr_warnings > 0))
			snprintf(why, len, "a warning without an unlisted pair, or the reverse");
		else
			why = NULL;
	} else {
		why = p->nr_warnings ? (snprintf(why, len, "a warning without cuDNN"), why) : NULL;
	}
	free(name);
	return why;
}

/* plan_name: the env's exact name, built from the plan. */
static void assert_plan_name(const struct plan *p)
{
	const char *profile = resolve_profile_name(p->profile);
	char *want = p->has_cudnn ? xasprintf("cuda-%s+cudnn-%s-%s", p->cuda.label,
					      p->cudnn.version, profile)
				  : xasprintf("cuda-%s-%s", p->cuda.label, profile);
	char *name = plan_name(p);

	assert_string_equal(name, want);
	free(name);
	free(want);
}

/* Resolve text on platform/profile; the spec must parse. Returns resolve()'s rc. */
static int run_resolve(struct catalogue *c, const char *text, const char *platform,
		       enum resolve_profile profile, struct plan *p, char *err, size_t errlen)
{
	struct spec s;
	int rc = resolve_spec_parse(text, &s, err, errlen);

	if (rc < 0)
		return rc;
	return resolve(c, text, &s, platform, profile, p, err, errlen);
}

/* ---- resolve.txt ---- */

struct expect {
	bool error;
	int exit_code;
	const char *text;		/* error: part of the message */
	const char *cuda, *cudnn, *variant;
	const char *warning;		/* part of the only warning, or NULL for none */
	long components;		/* -1: not checked */
	const char *has[16], *lacks[16];
	size_t nr_has, nr_lacks;
};

/* "spec [--platform P] [--profile P]" */
static bool parse_request(struct test_table *t, char *s, const char **spec,
			  const char **platform, enum resolve_profile *profile)
{
	const char *w;

	*spec = test_word(&s);
	*platform = "linux-x86_64";
	*profile = PROFILE_DEVEL;
	while ((w = test_word(&s))) {
		const char *v = test_word(&s);

		if (v && !strcmp(w, "--platform"))
			*platform = v;
		else if (!v || strcmp(w, "--profile") || resolve_profile_parse(v, profile) < 0)
			return test_table_fail(t, "bad request option '%s'", w), false;
	}
	return *spec != NULL;
}

static bool parse_list_word(struct expect *e, const char *w, const char *v)
{
	if (!strcmp(w, "has") && e->nr_has < NR(e->has))
		e->has[e->nr_has++] = v;
	else if (!strcmp(w, "lacks") && e->nr_lacks < NR(e->lacks))
		e->lacks[e->nr_lacks++] = v;
	else if (!strcmp(w, "warning"))
		e->warning = v;
	else if (!strcmp(w, "components"))
		e->components = strtol(v, NULL, 10);
	else if (!strcmp(w, "cudnn"))
		e->cudnn = v;
	else
		return false;
	return true;
}

static bool parse_expect(struct test_table *t, char *s, struct expect *e)
{
	const char *w = test_word(&s), *v;

	memset(e, 0, sizeof(*e));
	e->components = -1;
	if (w && !strcmp(w, "error")) {
		const char *code = test_word(&s);

		e->error = true;
		e->exit_code = code ? (int)strtol(code, NULL, 10) : -1;
		e->text = test_word(&s);
		if (e->text && !test_word(&s))
			return true;
	} else if (w && !strcmp(w, "cuda") && (e->cuda = test_word(&s))) {
		while ((w = test_word(&s)) && (v = test_word(&s))) {
			if (!parse_list_word(e, w, v))
				break;
			if (!strcmp(w, "cudnn") && !(e->variant = test_word(&s)))
				break;
		}
		if (!w)
			return true;
	}
	test_table_fail(t, "cannot read the expected result");
	return false;
}

static bool plan_has(const struct plan *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->nr_components; i++) {
		if (!strcmp(p->components[i].name, key))
			return true;
	}
	return false;
}

static void check_success(struct test_table *t, struct catalogue *c, const struct plan *p,
			  const struct expect *e)
{
	char why[512];
	size_t i;

	if (strcmp(p->cuda.label, e->cuda))
		test_table_fail(t, "CUDA %s, expected %s", p->cuda.label, e->cuda);
	if (!e->cudnn != !p->has_cudnn ||
	    (e->cudnn &&
	     (strcmp(p->cudnn.version, e->cudnn) || strcmp(p->cudnn_variant, e->variant))))
		test_table_fail(t, "cuDNN %s %s, expected %s %s",
				p->has_cudnn ? p->cudnn.version : "none", p->cudnn_variant,
				e->cudnn ? e->cudnn : "none", e->variant ? e->variant : "");
	if (e->warning ? p->nr_warnings != 1 || !strstr(p->warnings[0], e->warning)
		       : p->nr_warnings != 0)
		test_table_fail(t, "warnings: %zu, first \"%s\"; expected %s", p->nr_warnings,
				p->nr_warnings ? p->warnings[0] : "",
				e->warning ? e->warning : "none");
	if (e->components >= 0 && p->nr_components != (size_t)e->components)
		test_table_fail(t, "%zu components, expected %ld", p->nr_components, e->components);
	for (i = 0; i < e->nr_has; i++) {
		if (!plan_has(p, e->has[i]))
			test_table_fail(t, "no %s in the plan", e->has[i]);
	}
	for (i = 0; i < e->nr_lacks; i++) {
		if (plan_has(p, e->lacks[i]))
			test_table_fail(t, "%s in the plan", e->lacks[i]);
	}
	if (plan_invariants(c, p, why, sizeof(why)))
		test_table_fail(t, "%s", why);
}

static void check_case(struct test_table *t, struct catalogue *c, char *line)
{
	char *arrow = strstr(line, " -> ");
	const char *spec, *platform;
	enum resolve_profile profile;
	struct expect e;
	struct plan p;
	char err[512] = "";
	int rc;

	if (!arrow) {
		test_table_fail(t, "no ' -> '");
		return;
	}
	*arrow = '\0';
	if (!parse_request(t, line, &spec, &platform, &profile) || !parse_expect(t, arrow + 4, &e))
		return;
	rc = run_resolve(c, spec, platform, profile, &p, err, sizeof(err));
	if (e.error) {
		if (rc >= 0 || cue_exit_code(rc) != e.exit_code || !strstr(err, e.text))
			test_table_fail(t, "%s: rc %d (exit %d) \"%s\"; expected exit %d, \"%s\"",
					spec, rc, rc < 0 ? cue_exit_code(rc) : 0, err, e.exit_code,
					e.text);
	} else if (rc < 0) {
		test_table_fail(t, "%s: %s", spec, err);
	} else {
		if (strcmp(p.spec, spec) || strcmp(p.platform, platform) || p.profile != profile)
			test_table_fail(t, "the plan does not record the request");
		check_success(t, c, &p, &e);
	}
	if (rc == 0)
		plan_release(&p);
}

static void test_resolve_table(void **state)
{
	struct test_table t;
	char *line;

	test_table_open(&t, "tests/unit/data/resolve.txt");
	while ((line = test_table_next(&t)))
		check_case(&t, *state, line);
	test_table_close(&t, 60);
}

/* ---- every bundled label ---- */

/* Each CUDA label resolves to itself as an exact spec (devel, linux-x86_64). */
static void test_every_cuda_label_resolves(void **state)
{
	struct catalogue *c = *state;
	size_t i;

	assert_int_equal(c->nr[MANIFEST_CUDA], 37);
	for (i = 0; i < c->nr[MANIFEST_CUDA]; i++) {
		const char *label = c->entries[MANIFEST_CUDA][i].label;
		char err[512] = "", why[512];
		struct plan p;

		if (run_resolve(c, label, "linux-x86_64", PROFILE_DEVEL, &p, err, sizeof(err)) < 0)
			fail_msg("%s: %s", label, err);
		assert_string_equal(p.cuda.label, label);
		assert_false(p.has_cudnn);
		assert_true(plan_has(&p, "cuda_nvcc"));
		if (plan_invariants(c, &p, why, sizeof(why)))
			fail_msg("%s: %s", label, why);
		assert_plan_name(&p);
		plan_release(&p);
	}
}

/* The newest CUDA label of a major, or NULL. */
static const char *newest_cuda_of_major(struct catalogue *c, unsigned major)
{
	size_t i;

	for (i = c->nr[MANIFEST_CUDA]; i-- > 0;) {
		if (c->entries[MANIFEST_CUDA][i].version.part[0] == major)
			return c->entries[MANIFEST_CUDA][i].label;
	}
	return NULL;
}

/* Resolve "<cuda>+cudnn<label>" and expect exactly that pair. */
static void expect_pair(struct catalogue *c, const char *cuda, const char *cudnn)
{
	char *spec = xasprintf("%s+cudnn%s", cuda, cudnn);
	char err[512] = "", why[512];
	struct plan p;

	if (run_resolve(c, spec, "linux-x86_64", PROFILE_DEVEL, &p, err, sizeof(err)) < 0)
		fail_msg("%s: %s", spec, err);
	if (strcmp(p.cuda.label, cuda) || !p.has_cudnn || strcmp(p.cudnn.label, cudnn))
		fail_msg("%s gave cuda %s cudnn %s", spec, p.cuda.label,
			 p.has_cudnn ? p.cudnn.label : "none");
	if (plan_invariants(c, &p, why, sizeof(why)))
		fail_msg("%s: %s", spec, why);
	assert_plan_name(&p);
	plan_release(&p);
	free(spec);
}

/*
 * Each cuDNN label resolves, paired with the newest CUDA label of every
 * major it has a linux-x86_64 build for (CUDA 10 builds have no toolkit in
 * the bundle). Every label must get at least one pair.
 */
static void test_every_cudnn_label_resolves(void **state)
{
	struct catalogue *c = *state;
	size_t i, pairs = 0;
	unsigned major;

	assert_int_equal(c->nr[MANIFEST_CUDNN], 35);
	for (i = 0; i < c->nr[MANIFEST_CUDNN]; i++) {
		struct catalogue_entry *e = &c->entries[MANIFEST_CUDNN][i];
		const struct manifest_component *lib;
		const struct manifest *m;
		char err[512] = "";
		size_t before = pairs;

		assert_rc(catalogue_manifest(c, e, &m, err, sizeof(err)), 0);
		lib = manifest_component(m, "cudnn");
		assert_non_null(lib);
		for (major = 10; major <= 13; major++) {
			char variant[16];
			const char *cuda = newest_cuda_of_major(c, major);

			snprintf(variant, sizeof(variant), "cuda%u", major);
			if (cuda && manifest_archive(lib, "linux-x86_64", variant)) {
				expect_pair(c, cuda, e->label);
				pairs++;
			}
		}
		if (pairs == before)
			fail_msg("cuDNN %s pairs with no CUDA label", e->label);
	}
	/* 8.5-8.7 (3 labels): 11; 8.8-9.10.2 (27): 11, 12; 9.11 (2): 12; 9.13-9.14 (3): 12, 13. */
	assert_int_equal(pairs, 3 + 2 * 27 + 2 + 2 * 3);
}

/*
 * Every label, on every Linux platform, in every profile: a plan never takes
 * a driver piece. A label without archives for the platform fails with
 * -CUE_EPLATFORM; on linux-aarch64 those are 11.4-11.7, 12.3 and 13.0 (17).
 */
static void test_no_profile_takes_driver_pieces(void **state)
{
	struct catalogue *c = *state;
	size_t i, k, j, refused[NR(platforms)] = { 0 };

	for (i = 0; i < c->nr[MANIFEST_CUDA]; i++) {
		const char *label = c->entries[MANIFEST_CUDA][i].label;

		for (k = 0; k < NR(platforms); k++) {
			for (j = 0; j < NR(profiles); j++) {
				char err[512] = "", why[512];
				struct plan p;
				int rc = run_resolve(c, label, platforms[k], profiles[j], &p, err,
						     sizeof(err));

				if (rc == -CUE_EPLATFORM) {
					refused[k]++;
					continue;
				}
				if (rc < 0)
					fail_msg("%s on %s: %s", label, platforms[k], err);
				if (plan_invariants(c, &p, why, sizeof(why)))
					fail_msg("%s on %s, %s: %s", label, platforms[k],
						 resolve_profile_name(profiles[j]), why);
				plan_release(&p);
			}
		}
	}
	assert_int_equal(refused[0], 0);
	assert_int_equal(refused[1], 0);
	assert_int_equal(refused[2], 17 * NR(profiles));
}

/* ---- the grammar ---- */

static void test_spec_parse_accepts(void **state)
{
	static const struct {
		const char *s;
		bool latest;
		const char *cuda;
		enum spec_cudnn op;
		const char *cudnn;
	} cases[] = {
		{ "12", false, "12", SPEC_CUDNN_NONE, NULL },
		{ "12.4", false, "12.4", SPEC_CUDNN_NONE, NULL },
		{ "12.4.1", false, "12.4.1", SPEC_CUDNN_NONE, NULL },
		{ "latest", true, NULL, SPEC_CUDNN_NONE, NULL },
		{ "12.4+cudnn", false, "12.4", SPEC_CUDNN_ANY, NULL },
		{ "12.4+cudnn9", false, "12.4", SPEC_CUDNN_PREFIX, "9" },
		{ "12.4+cudnn9.1", false, "12.4", SPEC_CUDNN_PREFIX, "9.1" },
		{ "12.4+cudnn9.1.1", false, "12.4", SPEC_CUDNN_PREFIX, "9.1.1" },
		{ "12.4+cudnn>=9.3", false, "12.4", SPEC_CUDNN_MIN, "9.3" },
		{ "12.4+cudnn>=9.3.1", false, "12.4", SPEC_CUDNN_MIN, "9.3.1" },
		{ "latest+cudnn9", true, NULL, SPEC_CUDNN_PREFIX, "9" },
		{ "latest+cudnn", true, NULL, SPEC_CUDNN_ANY, NULL },
		/* exactly SPEC_MAX_LEN (64) characters */
		{ "123456789.123456789.123456789+cudnn>=123456789.123456789.1234567", false,
		  "123456789.123456789.123456789", SPEC_CUDNN_MIN, "123456789.123456789.1234567" },
	};
	size_t i;

	(void)state;
	assert_int_equal(strlen(cases[NR(cases) - 1].s), SPEC_MAX_LEN);
	for (i = 0; i < NR(cases); i++) {
		struct spec s;
		struct version v;
		char err[256] = "";

		if (resolve_spec_parse(cases[i].s, &s, err, sizeof(err)) < 0)
			fail_msg("'%s' refused: %s", cases[i].s, err);
		assert_int_equal(s.latest, cases[i].latest);
		if (cases[i].cuda) {
			assert_rc(version_parse(cases[i].cuda, &v), 0);
			assert_int_equal(version_cmp(&s.cuda, &v), 0);
		}
		assert_int_equal(s.cudnn_op, cases[i].op);
		if (cases[i].cudnn) {
			assert_rc(version_parse(cases[i].cudnn, &v), 0);
			assert_int_equal(version_cmp(&s.cudnn, &v), 0);
		}
	}
}

static void test_spec_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"12.4+",
		"12.4+cudnn9+",
		"12.4+cuDNN9",
		"12.4+cudnn>=",
		"12.4.1.2",		/* a CUDA label has at most three parts */
		"12.4+cudnn9.1.1.1",
		"12.4+cudnn>=9.3.1.1",
		"latest2",
		"Latest",
		"latest+",
		"12.4 ",
		" 12.4",
		"12.4 +cudnn9",
		"12.4+cudnn 9",
		"+cudnn9",
		"12.4++cudnn9",
		"12.4+cudnn=9",
		"12.4+cudnn<9",
		"12.4+cudnn>9",
		"12.4+cudnn>=>=9.3",
		"12.4+cudnn-9",
		"12.4+cudnn9,10",
		"12.x",
		"v12.4",
		"12.4+rocm6",
		"12.",
		"1234567890",
		/* 65 characters */
		"123456789.123456789.123456789+cudnn>=123456789.123456789.12345678",
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(bad); i++) {
		struct spec s;
		char err[256] = "", *want;
		int rc = resolve_spec_parse(bad[i], &s, err, sizeof(err));

		if (rc != -CUE_ESPEC)
			fail_msg("'%s': rc %d, expected -CUE_ESPEC", bad[i], rc);
		want = xasprintf("invalid spec '%.64s': ", bad[i]);
		if (strncmp(err, want, strlen(want)))
			fail_msg("'%s': message \"%s\"", bad[i], err);
		free(want);
	}
}

static void test_spec_errors_say_why(void **state)
{
	static const struct {
		const char *s, *why;
	} cases[] = {
		{ "", "empty" },
		{ "123456789.123456789.123456789+cudnn>=123456789.123456789.12345678",
		  "longer than 64 characters" },
		{ "12.4.1.2", "expected a CUDA version such as 12, 12.4 or 12.4.1, or 'latest'" },
		{ "12.4+cuDNN9", "expected '+cudnn' after the CUDA version" },
		{ "12.4+cudnn>=", "expected a cuDNN version after '>='" },
		{ "12.4+cudnn9+", "expected a cuDNN version such as cudnn9" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		struct spec s;
		char err[256] = "";

		assert_rc(resolve_spec_parse(cases[i].s, &s, err, sizeof(err)), -CUE_ESPEC);
		assert_contains(err, cases[i].why);
		assert_int_equal(cue_exit_code(-CUE_ESPEC), 2);
	}
}

/* ---- profiles ---- */

static void test_profile_names(void **state)
{
	static const char *const bad[] = { "", "Devel", "all", "devel ", "dev" };
	enum resolve_profile p;
	size_t i;

	(void)state;
	for (i = 0; i < NR(profiles); i++) {
		const char *name = resolve_profile_name(profiles[i]);

		assert_rc(resolve_profile_parse(name, &p), 0);
		assert_int_equal(p, profiles[i]);
	}
	assert_string_equal(resolve_profile_name(PROFILE_DEVEL), "devel");
	for (i = 0; i < NR(bad); i++)
		assert_rc(resolve_profile_parse(bad[i], &p), -CUE_EUSAGE);
}

static void test_profile_wants(void **state)
{
	static const struct {
		enum resolve_profile p;
		enum manifest_product product;
		const char *key;
		bool want;
	} cases[] = {
		{ PROFILE_RUNTIME, MANIFEST_CUDA, "cuda_cudart", true },
		{ PROFILE_RUNTIME, MANIFEST_CUDA, "libcublas", true },
		{ PROFILE_RUNTIME, MANIFEST_CUDA, "cuda_nvcc", false },
		{ PROFILE_RUNTIME, MANIFEST_CUDA, "cuda_crt", false },
		{ PROFILE_DEVEL, MANIFEST_CUDA, "cuda_cudart", true },
		{ PROFILE_DEVEL, MANIFEST_CUDA, "cuda_nvcc", true },
		{ PROFILE_DEVEL, MANIFEST_CUDA, "cuda_crt", true },	/* split from nvcc, 13.0 */
		{ PROFILE_DEVEL, MANIFEST_CUDA, "libnvvm", true },
		{ PROFILE_DEVEL, MANIFEST_CUDA, "nsight_compute", false },
		{ PROFILE_FULL, MANIFEST_CUDA, "nsight_compute", true },
		{ PROFILE_FULL, MANIFEST_CUDA, "cuda_demo_suite", true },
		{ PROFILE_RUNTIME, MANIFEST_CUDNN, "cudnn", true },
		{ PROFILE_DEVEL, MANIFEST_CUDNN, "cudnn_samples", false },
		{ PROFILE_FULL, MANIFEST_CUDNN, "cudnn_samples", true },
		{ PROFILE_FULL, MANIFEST_CUDNN, "cudnn_jit", false },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < NR(cases); i++) {
		if (resolve_profile_wants(cases[i].p, cases[i].product, cases[i].key) !=
		    cases[i].want)
			fail_msg("%s %s: expected %d", resolve_profile_name(cases[i].p),
				 cases[i].key, cases[i].want);
	}
	for (i = 0; i < NR(driver_pieces); i++) {
		for (k = 0; k < NR(profiles); k++)
			assert_false(resolve_profile_wants(profiles[k], MANIFEST_CUDA,
							   driver_pieces[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_every_cuda_label_resolves),
		cmocka_unit_test(test_every_cudnn_label_resolves),
		cmocka_unit_test(test_no_profile_takes_driver_pieces),
		cmocka_unit_test(test_spec_parse_accepts),
		cmocka_unit_test(test_spec_parse_rejects),
		cmocka_unit_test(test_spec_errors_say_why),
		cmocka_unit_test(test_profile_names),
		cmocka_unit_test(test_profile_wants),
	};

	return cmocka_run_group_tests(tests, open_bundle, close_bundle);
}
