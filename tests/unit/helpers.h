/*
 * helpers.h - what cuenv's cmocka tests share: finding the source tree,
 * reading data tables, and domain asserts that say what went wrong in
 * cuenv's own terms (error codes by name, the message that was expected).
 *
 * Everything here is static inline: each test file is its own program and
 * uses only some of these, and -Wmissing-prototypes wants no extern helpers.
 *
 *	struct test_table t;
 *	char *line;
 *	test_table_open(&t, "tests/unit/data/versions.txt");
 *	while ((line = test_table_next(&t)))
 *		if (!ok(line))
 *			test_table_fail(&t, "'%s' does not hold", line);
 *	test_table_close(&t);	// fails the test if any line failed
 *
 * Tables report every failing line (file:line: why) before the test fails,
 * so one broken case does not hide the others.
 */
#ifndef CUENV_TEST_HELPERS_H
#define CUENV_TEST_HELPERS_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "fs.h"
#include "manifest.h"
#include "xalloc.h"

/* ---- the source tree ---- */

/*
 * The repository root: the current directory when it holds manifests/
 * (make and tests/run-tests.sh run from there), else four levels above the
 * test binary (build/<flavor>/tests/test_x).
 */
static inline const char *test_root(void)
{
	static char root[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;
	int up;

	if (root[0])
		return root;
	if (access("manifests/support.txt", R_OK) == 0) {
		snprintf(root, sizeof(root), ".");
		return root;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (up = 0; up < 4; up++) {
			char *slash = strrchr(exe, '/');

			if (slash)
				*slash = '\0';
		}
		snprintf(root, sizeof(root), "%s", exe);
		return root;
	}
	fail_msg("cannot find the repository root (run the tests from it)");
	return ".";
}

/* root/rel, newly allocated. */
static inline char *test_path(const char *rel)
{
	return xasprintf("%s/%s", test_root(), rel);
}

/* The whole file root/rel, NUL-terminated; fails the test when unreadable. */
static inline char *test_read(const char *rel, size_t *len)
{
	struct buf b = BUF_INIT;
	char *path = test_path(rel);
	int rc = fs_read_file(path, 64u << 20, &b);

	if (rc < 0)
		fail_msg("cannot read '%s': %s", path, cue_strerror(rc));
	free(path);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

/* A new empty directory under $TMPDIR (else /tmp), newly allocated. */
static inline char *test_mkdtemp(const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/%s-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp", prefix);

	if (!mkdtemp(dir))
		fail_msg("mkdtemp(%s) failed", dir);
	return dir;
}

/* ---- data tables ---- */

struct test_table {
	const char *name;	/* for messages: "versions.txt" */
	char *data;
	char *next;
	unsigned lineno;
	unsigned cases;
	unsigned failures;
};

static inline void test_table_open(struct test_table *t, const char *rel)
{
	const char *slash = strrchr(rel, '/');

	memset(t, 0, sizeof(*t));
	t->name = slash ? slash + 1 : rel;
	t->data = test_read(rel, NULL);
	t->next = t->data;
}

/*
 * The next case: the line with a '#' comment (at the start, or after a
 * blank outside double quotes) and surrounding blanks removed. Blank and
 * comment-only lines are skipped. NULL at the end.
 */
static inline char *test_table_next(struct test_table *t)
{
	while (t->next) {
		char *line = t->next, *end, *s;
		bool quoted = false;

		t->next = strchr(line, '\n');
		if (t->next)
			*t->next++ = '\0';
		t->lineno++;
		for (s = line; *s; s++) {
			if (*s == '"')
				quoted = !quoted;
			if (*s == '#' && !quoted && (s == line || s[-1] == ' ' || s[-1] == '\t')) {
				*s = '\0';
				break;
			}
		}
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (*line) {
			t->cases++;
			return line;
		}
	}
	return NULL;
}

static inline void test_table_fail(struct test_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Report a failing case as "<table>:<line>: <why>" and go on. */
static inline void test_table_fail(struct test_table *t, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s:%u: %s\n", t->name, t->lineno, msg);
	t->failures++;
}

/* Free the table; fail when a case failed or when there were fewer than min. */
static inline void test_table_close(struct test_table *t, unsigned min_cases)
{
	unsigned failures = t->failures, cases = t->cases;

	free(t->data);
	memset(t, 0, sizeof(*t));
	if (cases < min_cases)
		fail_msg("only %u cases, expected at least %u", cases, min_cases);
	if (failures)
		fail_msg("%u of %u cases failed", failures, cases);
}

/*
 * Split off the next blank-separated word of *cursor, or the contents of a
 * "double-quoted string" (no escapes). NULL when nothing is left.
 */
static inline char *test_word(char **cursor)
{
	char *s = *cursor, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return *cursor = s, NULL;
	if (*s == '"') {
		w = ++s;
		while (*s && *s != '"')
			s++;
	} else {
		w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	if (*s)
		*s++ = '\0';
	*cursor = s;
	return w;
}

/* ---- domain asserts ---- */

/* "CUE_EMANIFEST", "ENOENT (No such file…)", "0": an rc as a person reads it. */
static inline const char *test_rc_name(int rc, char *dst, size_t len)
{
	switch (-rc) {
#define TEST_RC_CASE(name, code, msg) \
	case name:                    \
		return #name;
		CUE_ERRORS(TEST_RC_CASE)
#undef TEST_RC_CASE
	default:
		break;
	}
	if (rc == 0)
		return "0";
	snprintf(dst, len, "%d (%s)", rc, cue_strerror(rc));
	return dst;
}

/* An rc (0 or negative) equals the expected one; names both when not. */
#define assert_rc(rc, expected) _assert_rc((rc), (expected), __FILE__, __LINE__)
static inline void _assert_rc(int rc, int expected, const char *file, int line)
{
	char a[96], b[96];

	if (rc == expected)
		return;
	print_error("rc is %s, expected %s\n", test_rc_name(rc, a, sizeof(a)),
		    test_rc_name(expected, b, sizeof(b)));
	_fail(file, line);
}

/* haystack contains needle (a message says what the reader needs). */
#define assert_contains(haystack, needle) \
	_assert_contains((haystack), (needle), __FILE__, __LINE__)
static inline void _assert_contains(const char *haystack, const char *needle, const char *file,
				    int line)
{
	if (haystack && needle && strstr(haystack, needle))
		return;
	print_error("\"%s\" does not contain \"%s\"\n", haystack ? haystack : "(null)",
		    needle ? needle : "(null)");
	_fail(file, line);
}

/* A struct buf holds exactly the string s, with its invariants intact. */
#define assert_buf_equal(b, s) _assert_buf_equal((b), (s), __FILE__, __LINE__)
static inline void _assert_buf_equal(const struct buf *b, const char *s, const char *file,
				     int line)
{
	if (b->s && b->s[b->len] == '\0' && b->len == strlen(s) && !memcmp(b->s, s, b->len) &&
	    (b->alloc == 0 || b->len < b->alloc))
		return;
	print_error("buf is \"%.*s\" (len %zu, alloc %zu), expected \"%s\"\n",
		    b->s ? (int)b->len : 0, b->s ? b->s : "", b->len, b->alloc, s);
	_fail(file, line);
}

/*
 * manifest_parse() refuses the len bytes of data as <product>/<label>: it
 * returns -CUE_EMANIFEST, leaves m empty, and its message names the file,
 * the JSON path (when jpath is not NULL) and the reason.
 */
#define assert_manifest_rejects(data, len, product, label, jpath, reason) \
	_assert_manifest_rejects((data), (len), (product), (label), (jpath), (reason), \
				 __FILE__, __LINE__)
static inline void _assert_manifest_rejects(const char *data, size_t len,
					    enum manifest_product product, const char *label,
					    const char *jpath, const char *reason, const char *file,
					    int line)
{
	struct manifest m;
	char err[512] = "", want_file[128], want_path[256];
	int rc = manifest_parse(&m, data, len, product, label, err, sizeof(err));
	bool ok = rc == -CUE_EMANIFEST && m.nr_components == 0 && !m.components && !m.label &&
		  !m.release_date;

	snprintf(want_file, sizeof(want_file), "%s/redistrib_%s.json: ",
		 manifest_product_name(product), label);
	snprintf(want_path, sizeof(want_path), ": %s: ", jpath ? jpath : "");
	ok = ok && !strncmp(err, want_file, strlen(want_file)) && strstr(err, reason) &&
	     (!jpath || strstr(err, want_path));
	if (ok)
		return;
	print_error("manifest_parse: rc %d, err \"%s\"; expected -CUE_EMANIFEST naming "
		    "\"%s\"%s%s and \"%s\"\n",
		    rc, err, want_file, jpath ? ", path " : "", jpath ? jpath : "", reason);
	if (rc == 0)
		manifest_release(&m);
	_fail(file, line);
}

#endif
