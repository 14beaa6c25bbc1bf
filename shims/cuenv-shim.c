// SPDX-License-Identifier: MIT
/* cuenv-shim: run <tool> from the env the pin names; it looks things up, never resolves. */
/*
 * Every $CUENV_ROOT/shims/<tool> is a hard link to this program. The pin, the
 * env and the environment are as src/layout.h says. It never forks and never
 * prints on stdout: exit status, signals and PID are the program's own.
 * Exit 127: no program to run; 126: it cannot be run, or the pin is unusable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/layout.h"

#define SPEC_MAX       64		/* resolve.h SPEC_MAX_LEN */
#define VER_MAX_PARTS  6		/* version.h VERSION_MAX_PARTS */
#define VER_MAX_DIGITS 9		/* version.h VERSION_MAX_DIGITS */
#define FILE_MAX       (1 << 20)	/* cuenv.lock and .wrappers */
#define ENV_RECEIPT    ".cuenv/receipt" /* store.c: an env without one is not installed */
#define NAME_CHARS     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-"
#define MAX_ROOTS      17		/* $CUENV_ROOT and 16 of CUENV_SYSTEM_ROOT */

extern char **environ;

struct ver {
	unsigned nr;
	uint32_t part[VER_MAX_PARTS];
};

enum cudnn_op { CUDNN_NONE, CUDNN_ANY, CUDNN_PREFIX, CUDNN_MIN };

struct spec {
	bool latest;
	struct ver cuda;
	enum cudnn_op op;
	struct ver cudnn;
};

struct shim {
	char root[PATH_MAX];
	/* root, then the read-only roots of CUENV_SYSTEM_ROOT (layout.h) */
	char roots[MAX_ROOTS][PATH_MAX];
	unsigned nr_roots;
	char dir[PATH_MAX]; /* $CUENV_ROOT/shims */
	const char *tool;   /* borrowed from argv[0] */
	struct stat self;   /* /proc/self/exe */
	struct stat shims;  /* dir */
	char depth[32];	    /* "CUENV_SHIM_DEPTH=N" for the program */
};

struct pin {
	char spec[SPEC_MAX + 1];
	char profile[16];
	char source[PATH_MAX]; /* "CUENV_VERSION" or the pin file */
	bool from_env;	       /* CUENV_VERSION */
	unsigned line;	       /* of the spec in source */
	char lock[PATH_MAX];   /* the lock that may sit beside it; "" for none */
	char dir[PATH_MAX];    /* the project directory; "" for the others */
};

/* Pins, locks and .wrappers are read here one at a time. */
static char fbuf[FILE_MAX + 1];

__attribute__((format(printf, 2, 0))) static void say(const char *kind, const char *fmt, va_list ap)
{
	char msg[3 * PATH_MAX];
	size_t i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Names come from argv, files and the environment: keep it one line. */
	for (i = 0; msg[i]; i++) {
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	}
	fprintf(stderr, "cuenv-shim: %s: %s\n", kind, msg);
}

__attribute__((format(printf, 1, 2))) static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("warning", fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static _Noreturn void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("error", fmt, ap);
	va_end(ap);
	exit(status);
}

/* Format a path into dst (PATH_MAX bytes); exit 126 when it does not fit. */
__attribute__((format(printf, 2, 3))) static void xfmt(char *dst, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(dst, PATH_MAX, f, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		die(126, "'%.80s...': %s", dst, strerror(ENAMETOOLONG));
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		die(126, "out of memory");
	return p;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* A plain file name, as shims.c shims_valid_name() has it: tools and envs. */
static bool valid_name(const char *s)
{
	size_t n = strspn(s, NAME_CHARS);

	return n > 0 && n <= NAME_MAX && !s[n] && strcmp(s, ".") && strcmp(s, "..");
}

static bool printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/* The next element of a ':' list at *s; false at the end. */
static bool next_elem(const char **s, const char **elem, size_t *len)
{
	if (!*s || !**s)
		return false;
	*elem = *s;
	*len = strcspn(*s, ":");
	*s += *len + ((*s)[*len] == ':');
	return true;
}

/* ---- versions and specs, as version.c and resolve.c have them ---- */

static bool ver_parse(const char *s, size_t len, struct ver *v)
{
	size_t i = 0, digits;

	memset(v, 0, sizeof(*v));
	while (len > 0 && v->nr < VER_MAX_PARTS) {
		uint32_t n = 0;

		for (digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; digits++)
			n = n * 10 + (uint32_t)(s[i++] - '0');
		if (digits == 0 || digits > VER_MAX_DIGITS)
			return false;
		v->part[v->nr++] = n;
		if (i == len)
			return true;
		if (s[i++] != '.' || i == len)
			return false;
	}
	return false;
}

static int ver_cmp(const struct ver *a, const struct ver *b)
{
	unsigned i;

	for (i = 0; i < a->nr && i < b->nr; i++) {
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	}
	return a->nr == b->nr ? 0 : a->nr < b->nr ? -1 : 1;
}

static bool ver_has_prefix(struct ver v, const struct ver *prefix)
{
	if (v.nr < prefix->nr)
		return false;
	v.nr = prefix->nr;
	return ver_cmp(&v, prefix) == 0;
}

/* spec := ("latest" | N[.N[.N]]) ["+cudnn" [N[.N[.N]] | ">=" N[.N[.N]]]] */
static bool spec_parse(const char *s, struct spec *sp)
{
	const char *plus = strchr(s, '+'), *c;
	size_t n = plus ? (size_t)(plus - s) : strlen(s);

	memset(sp, 0, sizeof(*sp));
	if (strlen(s) > SPEC_MAX)
		return false;
	if (n == 6 && !strncmp(s, "latest", 6))
		sp->latest = true;
	else if (!ver_parse(s, n, &sp->cuda) || sp->cuda.nr > 3)
		return false;
	if (!plus)
		return true;
	if (strncmp(plus + 1, "cudnn", 5))
		return false;
	c = plus + 6;
	sp->op = !*c ? CUDNN_ANY : strncmp(c, ">=", 2) ? CUDNN_PREFIX : CUDNN_MIN;
	if (sp->op == CUDNN_MIN)
		c += 2;
	return sp->op == CUDNN_ANY || (ver_parse(c, strlen(c), &sp->cudnn) && sp->cudnn.nr <= 3);
}

/* resolve_spec_matches(): a spec without "+cudnn" takes only envs without cuDNN. */
static bool spec_matches(const struct spec *sp, const struct ver *cuda, const struct ver *cudnn)
{
	struct ver d = *cudnn;

	if (!sp->latest && !ver_has_prefix(*cuda, &sp->cuda))
		return false;
	if (sp->op == CUDNN_NONE || d.nr == 0)
		return sp->op == CUDNN_NONE && d.nr == 0;
	/* cuDNN labels have three parts; the installed version may have four. */
	if (d.nr > 3)
		d.nr = 3;
	if (sp->op == CUDNN_ANY)
		return true;
	if (sp->op == CUDNN_PREFIX)
		return ver_has_prefix(d, &sp->cudnn);
	return d.part[0] == sp->cudnn.part[0] && ver_cmp(&d, &sp->cudnn) >= 0;
}

/* ---- small text files: pins, locks, .wrappers ---- */

/*
 * Read path (a regular file of at most max bytes) into fbuf. Returns the text
 * after a UTF-8 BOM, or NULL when there is no such name. A name that is there
 * but unusable (a FIFO or device is never opened for reading, a dangling or
 * looping symlink, too large, not text) exits 126 when must is set, and is
 * passed over (NULL) otherwise.
 */
static char *slurp(const char *path, size_t max, bool must)
{
	const char *why = NULL, *err = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t r = 0;
	int fd;

	if (lstat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		return NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		err = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "is not a regular file";
	while (!why && !err) {
		r = read(fd, fbuf + len, max + 1 - len);
		len += r > 0 ? (size_t)r : 0;
		if (r < 0)
			err = strerror(errno);
		else if (len > max)
			why = "is larger than the limit";
		else if (r == 0)
			break;
	}
	if (fd >= 0)
		close(fd);
	fbuf[why || err ? 0 : len] = '\0';
	if (!why && !err && memchr(fbuf, '\0', len))
		why = "is not a text file";
	if (err && must)
		die(126, "cannot read '%s': %s", path, err);
	if (why && must && len > max)
		die(126, "'%s' is larger than %zu bytes", path, max);
	if (why && must)
		die(126, "'%s' %s", path, why);
	if (why || err)
		return NULL;
	return strncmp(fbuf, "\xEF\xBB\xBF", 3) ? fbuf : fbuf + 3;
}

static char *trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

/* The next line at *cur, trimmed (CR LF too), or NULL at the end. Writes into the text. */
static char *next_line(char **cur)
{
	char *s = *cur, *nl = strchr(s, '\n');

	if (!*s)
		return NULL;
	*cur = nl ? nl + 1 : s + strlen(s);
	if (nl)
		*nl = '\0';
	return trim(s);
}

/* "key = value", spaces optional. */
static bool split_kv(char *line, char **key, char **val)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return false;
	*eq = '\0';
	*key = trim(line);
	*val = trim(eq + 1);
	return true;
}

static _Noreturn void bad_spec(const struct pin *p, const char *s)
{
	if (p->from_env)
		die(126, "invalid spec '%.64s' in %s", s, p->source);
	die(126, "invalid spec '%.64s' in %s:%u", s, p->source, p->line);
}

/*
 * A setting after the spec: "profile = P", or "cudnn = V" as other CUDA
 * version managers write it (*cudnn points into the text). Others are ignored.
 */
static void pin_setting(struct pin *p, char *line, unsigned n, const char **cudnn)
{
	char *key, *val;

	if (!split_kv(line, &key, &val))
		die(126, "invalid line '%.64s' in %s:%u", line, p->source, n);
	if (!strcmp(key, "cudnn")) {
		*cudnn = val;
	} else if (!strcmp(key, "profile")) {
		if (strcmp(val, "runtime") && strcmp(val, "devel") && strcmp(val, "full"))
			die(126, "invalid profile '%.64s' in %s:%u", val, p->source, n);
		snprintf(p->profile, sizeof(p->profile), "%s", val);
	}
}

/*
 * The spec and settings of a pin's text: the first line that is not blank or
 * a comment is the spec (layout.h), as in pin.c.
 */
static void parse_pin(struct pin *p, char *cur)
{
	const char *cudnn = NULL;
	unsigned n = 0;
	char *line;

	for (p->line = 0; (line = next_line(&cur)) != NULL;) {
		n++;
		if (!*line || *line == '#')
			continue;
		if (!printable(line))
			die(126, "control character in %s:%u", p->source, n);
		if (p->line) {
			pin_setting(p, line, n, &cudnn);
			continue;
		}
		p->line = n;
		if (snprintf(p->spec, sizeof(p->spec), "%s", line) > SPEC_MAX)
			bad_spec(p, line);
	}
	if (!p->line)
		die(126, "no spec in '%s'", p->source);
	if (cudnn && !strstr(p->spec, "+cudnn")) {
		char spec[LAYOUT_PIN_MAX + SPEC_MAX + 8];

		if (snprintf(spec, sizeof(spec), "%s+cudnn%s", p->spec, cudnn) > SPEC_MAX)
			bad_spec(p, spec);
		snprintf(p->spec, sizeof(p->spec), "%.64s", spec);
	}
}

/* Read the pin file p->source. Returns false when there is none. */
static bool read_pin(struct pin *p)
{
	char *text = slurp(p->source, LAYOUT_PIN_MAX, true);

	if (text)
		parse_pin(p, text);
	return text != NULL;
}

static bool mine(uid_t uid)
{
	return uid == geteuid() || uid == 0;
}

/* pin.c others_write(): others' write bit, or the group's unless it is the user's private group. */
static bool others_write(const struct stat *st)
{
	bool private_group = st->st_gid == getegid() && getegid() == geteuid();

	return (st->st_mode & 002) || ((st->st_mode & 020) && !private_group);
}

/*
 * pin.c pin_trusted(): a pin (or lock) another user owns or can write, or
 * that sits in a directory others can write to (unless sticky), must not
 * choose what runs here. Says why on stderr when not.
 */
static bool trusted(const char *path)
{
	char dir[PATH_MAX], *slash;
	struct stat st;
	unsigned uid = 0, mode = 0;
	const char *why = NULL;

	xfmt(dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if ((lstat(path, &st) == 0 && !mine(st.st_uid)) ||
	    (stat(path, &st) == 0 && !mine(st.st_uid)))
		why = "it belongs to another user", uid = (unsigned)st.st_uid;
	else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && others_write(&st))
		why = "it is writable by group or others", mode = st.st_mode & 07777;
	else if (stat(slash ? dir : ".", &st) == 0 && !mine(st.st_uid))
		why = "its directory belongs to another user", uid = (unsigned)st.st_uid;
	else if (stat(slash ? dir : ".", &st) == 0 && others_write(&st) && !(st.st_mode & 01000))
		why = "its directory is writable by group or others", mode = st.st_mode & 07777;
	if (why && mode)
		warn("ignoring '%s': %s (mode %04o)", path, why, mode);
	else if (why)
		warn("ignoring '%s': %s (uid %u)", path, why, uid);
	return !why;
}

/* pin.c find_ceilings(): $HOME, then the absolute directories of CUENV_CEILING_DIRS. */
static bool at_ceiling(const struct stat *here)
{
	const char *home = getenv("HOME"), *list = getenv("CUENV_CEILING_DIRS"), *e;
	char dir[PATH_MAX];
	struct stat st;
	size_t n, count = 0;

	if (home && *home == '/' && stat(home, &st) == 0 && S_ISDIR(st.st_mode) &&
	    same_file(&st, here))
		return true;
	while (next_elem(&list, &e, &n) && count < 16) {
		if (n == 0 || *e != '/' || n >= sizeof(dir))
			continue;
		count++;
		memcpy(dir, e, n);
		dir[n] = '\0';
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && same_file(&st, here))
			return true;
	}
	return false;
}

/*
 * The nearest trusted LAYOUT_PIN_FILE from the current directory up, as
 * pin.c pin_find() has it: after $HOME or a ceiling directory, and at a
 * mount point, the search stops.
 */
static bool find_project_pin(struct pin *p)
{
	char dir[PATH_MAX];
	struct stat here, up;

	if (!getcwd(dir, sizeof(dir)) || dir[0] != '/')
		die(126, "cannot get the current directory: %s", strerror(errno));
	for (;;) {
		const char *d = strcmp(dir, "/") ? dir : "";
		char *slash;

		xfmt(p->source, "%s/%s", d, LAYOUT_PIN_FILE);
		if (lstat(p->source, &up) == 0 && trusted(p->source) && read_pin(p)) {
			xfmt(p->lock, "%s/%s", d, LAYOUT_LOCK_FILE);
			xfmt(p->dir, "%s", dir);
			return true;
		}
		if (!*d || stat(dir, &here) < 0 || at_ceiling(&here))
			return false;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash++;
		*slash = '\0';
		if (stat(dir, &up) < 0 || up.st_dev != here.st_dev)
			return false;
	}
}

/* layout.h step 1. Returns false when nothing pins a version. */
static bool find_pin(const struct shim *sh, struct pin *p)
{
	const char *v = getenv("CUENV_VERSION");

	snprintf(p->profile, sizeof(p->profile), "%s", LAYOUT_DEFAULT_PROFILE);
	if (v && *v) {
		p->from_env = true;
		snprintf(p->source, sizeof(p->source), "CUENV_VERSION");
		if (strlen(v) > LAYOUT_PIN_MAX)
			bad_spec(p, v);
		snprintf(fbuf, sizeof(fbuf), "%s", v);
		parse_pin(p, fbuf);
		return true;
	}
	if (find_project_pin(p))
		return true;
	xfmt(p->source, "%s/%s", sh->root, LAYOUT_GLOBAL_PIN);
	xfmt(p->lock, "%s/%s", sh->root, LAYOUT_GLOBAL_LOCK);
	return read_pin(p);
}

/* ---- from the pin to an env ---- */

/*
 * An env is installed when its receipt is there, as store.c lists envs: the
 * index of the first root that has it, or -1.
 */
static int installed_in(const struct shim *sh, const char *name)
{
	char path[PATH_MAX];
	unsigned i;

	if (!valid_name(name) || name[0] == '.')
		return -1;
	for (i = 0; i < sh->nr_roots; i++) {
		xfmt(path, "%s/%s/%s/%s", sh->roots[i], LAYOUT_ENVS_DIR, name, ENV_RECEIPT);
		if (access(path, F_OK) == 0)
			return (int)i;
	}
	return -1;
}

static bool installed(const struct shim *sh, const char *name)
{
	return installed_in(sh, name) >= 0;
}

/* manifest.c is_name(): [A-Za-z0-9._+-], 1..max bytes, not "." or "..". */
static bool tame(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && strcmp(s, ".") && strcmp(s, "..") &&
	       strspn(s, NAME_CHARS) == n;
}

static bool hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

/* manifest.c manifest_check_path(): a relative path of tame segments. */
static bool rel_path(const char *s)
{
	size_t n = strlen(s), seg;

	if (n == 0 || n > 512 || *s == '/' || strspn(s, NAME_CHARS "/") != n)
		return false;
	for (; *s; s += seg + (s[seg] == '/')) {
		seg = strcspn(s, "/");
		if (seg == 0 || (seg == 1 && s[0] == '.') || (seg == 2 && !strncmp(s, "..", 2)))
			return false;
		if (!s[seg])
			break;
	}
	return s[0] && s[strlen(s) - 1] != '/';
}

/* pin.c lock_archive(): "product name version size sha256 path". */
static bool lock_archive(char *v)
{
	char *f[7];
	int n = 0;

	for (f[n++] = v; n < 7 && (f[n] = strchr(f[n - 1], ' ')); n++)
		*f[n]++ = '\0';
	return n == 6 && (!strcmp(f[0], "cuda") || !strcmp(f[0], "cudnn")) && tame(f[1], 128) &&
	       tame(f[2], 64) && f[3][0] > '0' && f[3][0] <= '9' && strlen(f[3]) <= 19 &&
	       strspn(f[3], "0123456789") == strlen(f[3]) &&
	       (strlen(f[3]) < 19 || strcmp(f[3], "9223372036854775807") <= 0) && hex64(f[4]) &&
	       rel_path(f[5]);
}

enum { K_SPEC, K_PROFILE, K_PLATFORM, K_SOURCE, K_ENV, K_CUDA, K_CUDNN, K_LABEL, K_VARIANT, K_NR };

/* pin.c check_value(): is val a good value of key k? */
static bool lock_value(int k, const char *val)
{
	struct ver v;

	if (!printable(val))
		return false;
	switch (k) {
	case K_PROFILE:
		return !strcmp(val, "runtime") || !strcmp(val, "devel") || !strcmp(val, "full");
	case K_CUDA:
	case K_CUDNN:
	case K_LABEL:
		return ver_parse(val, strlen(val), &v);
	case K_PLATFORM:
	case K_VARIANT:
		return tame(val, 64);
	case K_ENV:
		return tame(val, NAME_MAX) && val[0] != '.';
	default:
		return *val && !strpbrk(val, " \t");
	}
}

/* pin.c lock_line(): false for a line that makes the whole lock invalid. */
static bool lock_line(char *line, const char **vals, bool *archives)
{
	static const char *const keys[K_NR] = {"spec", "profile", "platform", "source", "env",
					       "cuda", "cudnn", "cudnn-label", "cudnn-variant"};
	char *key, *val;
	int k;

	if (!split_kv(line, &key, &val))
		return false;
	for (k = 0; k < K_NR; k++) {
		if (!strcmp(key, keys[k])) {
			if (vals[k] || !lock_value(k, val))
				return false;
			vals[k] = val;
			return true;
		}
	}
	if (!strcmp(key, "archive"))
		return (*archives = lock_archive(val));
	if (!strcmp(key, "cuda-manifest-sha256") || !strcmp(key, "cudnn-manifest-sha256"))
		return hex64(val);
	return strcmp(key, "lock-version") || !strcmp(val, "1");
}

/*
 * pin.c lock_parse(): is text (changed in place) a valid lock? Fills v[K_*]
 * with pointers into text.
 */
static bool lock_valid(char *text, const char **v)
{
	char *line, want[NAME_MAX + 1];
	bool archives = false;
	int n;

	memset(v, 0, K_NR * sizeof(*v));
	while ((line = next_line(&text)) != NULL) {
		if (*line && *line != '#' && !lock_line(line, v, &archives))
			return false;
	}
	if (!archives || !v[K_SPEC] || !v[K_PROFILE] || !v[K_PLATFORM] || !v[K_SOURCE] ||
	    !v[K_ENV] || !v[K_CUDA] || (v[K_CUDNN] && (!v[K_LABEL] || !v[K_VARIANT])))
		return false;
	/* pin.c env_consistent(): the env is the one cuda, cudnn and profile make. */
	n = v[K_CUDNN] ? snprintf(want, sizeof(want), "cuda-%s+cudnn-%s-%s", v[K_CUDA],
				  v[K_CUDNN], v[K_PROFILE])
		       : snprintf(want, sizeof(want), "cuda-%s-%s", v[K_CUDA], v[K_PROFILE]);
	return n > 0 && (size_t)n < sizeof(want) && !strcmp(want, v[K_ENV]);
}

/*
 * layout.h step 2: the env named by a lock whose spec and profile are the
 * pin's. As cli.c has it (pin.c lock_load()), a lock that is untrusted (a
 * project's; the global one lives in the user's own root),
 * unreadable or invalid in any line is passed over, and so is one naming an
 * env that is not installed (for the newest installed match).
 */
static bool lock_env(const struct shim *sh, const struct pin *p, char *env)
{
	const char *v[K_NR];
	char *text;

	if (!*p->lock || access(p->lock, F_OK) < 0 || (*p->dir && !trusted(p->lock)))
		return false;
	text = slurp(p->lock, FILE_MAX, false);
	if (!text || !lock_valid(text, v) || strcmp(v[K_SPEC], p->spec) ||
	    strcmp(v[K_PROFILE], p->profile) || !installed(sh, v[K_ENV]))
		return false;
	snprintf(env, NAME_MAX + 1, "%s", v[K_ENV]);
	return true;
}

/* "cuda-<label>[+cudnn-<version>]-<profile>": its versions (cudnn->nr 0: none). */
static bool parse_env(const char *name, const char *profile, struct ver *cuda, struct ver *cudnn)
{
	const char *mid = name + 5, *dash = strrchr(name, '-'), *plus;

	memset(cudnn, 0, sizeof(*cudnn));
	if (strncmp(name, "cuda-", 5) || dash < mid || strcmp(dash + 1, profile))
		return false;
	plus = strstr(mid, "+cudnn-");
	if (!plus || plus + 6 >= dash)
		return ver_parse(mid, (size_t)(dash - mid), cuda);
	return ver_parse(mid, (size_t)(plus - mid), cuda) &&
	       ver_parse(plus + 7, (size_t)(dash - plus - 7), cudnn);
}

/* layout.h step 3: the newest installed env of the pin's profile that satisfies sp, in any root. */
static bool newest_env(const struct shim *sh, const struct pin *p, const struct spec *sp, char *env)
{
	struct ver c, d, best_c = {0}, best_d = {0};
	char dir[PATH_MAX];
	struct dirent *de;
	bool found = false;
	unsigned r;
	DIR *dp;

	for (r = 0; r < sh->nr_roots; r++) {
		xfmt(dir, "%s/%s", sh->roots[r], LAYOUT_ENVS_DIR);
		if (!(dp = opendir(dir)) && (errno == ENOENT || r > 0))
			continue;	/* an unreadable shared root is skipped, as cuenv does */
		if (!dp)
			die(126, "cannot read '%s': %s", dir, strerror(errno));
		while ((de = readdir(dp)) != NULL) {
			if (!parse_env(de->d_name, p->profile, &c, &d) || !spec_matches(sp, &c, &d) ||
			    installed_in(sh, de->d_name) != (int)r)
				continue;
			if (found && ver_cmp(&c, &best_c) < 0)
				continue;
			if (found && !ver_cmp(&c, &best_c) && ver_cmp(&d, &best_d) <= 0)
				continue;
			best_c = c;
			best_d = d;
			found = true;
			snprintf(env, NAME_MAX + 1, "%s", de->d_name);
		}
		closedir(dp);
	}
	return found;
}

/* A project pin installs with 'cuenv install' in its directory; the others need the spec. */
static _Noreturn void not_installed(const struct pin *p)
{
	const char *q = strchr(p->spec, '>') ? "\"" : "";
	char opt[32] = "";

	if (*p->dir)
		die(127, "'%s' (set by %s) is not installed; run 'cuenv install' in %s", p->spec,
		    p->source, p->dir);
	if (strcmp(p->profile, LAYOUT_DEFAULT_PROFILE))
		snprintf(opt, sizeof(opt), " --profile %s", p->profile);
	die(127, "'%s' (set by %s) is not installed; run 'cuenv install %s%s%s%s'", p->spec,
	    p->source, q, p->spec, q, opt);
}

/* cli.c cli_target(): the lock's env, an installed env named exactly, or the newest match. */
static void choose_env(const struct shim *sh, const struct pin *p, char *env)
{
	struct spec sp;

	if (lock_env(sh, p, env))
		return;
	if (installed(sh, p->spec)) {
		snprintf(env, NAME_MAX + 1, "%s", p->spec);
		return;
	}
	if (!spec_parse(p->spec, &sp))
		bad_spec(p, p->spec);
	if (!newest_env(sh, p, &sp, env))
		not_installed(p);
}

/* ---- the environment and the exec ---- */

static char *pair(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s=%s", name, value);
	return s;
}

/* Is the list element e (n bytes) below some root's envs/ (a previous env's)? */
static bool below_envs(const struct shim *sh, const char *e, size_t n)
{
	char below[PATH_MAX];
	unsigned i;

	for (i = 0; i < sh->nr_roots; i++) {
		xfmt(below, "%s/%s/", sh->roots[i], LAYOUT_ENVS_DIR);
		if (n > strlen(below) && !strncmp(e, below, strlen(below)))
			return true;
	}
	return false;
}

/* "VAR=first:<old VAR without empty elements, first, and anything below an envs/>". */
static char *prepend(const struct shim *sh, const char *var, const char *first)
{
	const char *old = getenv(var), *e;
	size_t cap = strlen(var) + strlen(first) + (old ? strlen(old) : 0) + 3, n;
	char *out = xmalloc(cap);
	size_t len = (size_t)snprintf(out, cap, "%s=%s", var, first);

	while (next_elem(&old, &e, &n)) {
		if (n == 0 || (n == strlen(first) && !strncmp(e, first, n)) || below_envs(sh, e, n))
			continue;
		out[len++] = ':';
		memcpy(out + len, e, n);
		len += n;
	}
	out[len] = '\0';
	return out;
}

/* Is entry ("NAME=value") one of the names in set ("NAME=value", or "NAME" to unset)? */
static bool in_set(const char *entry, const char *const *set, size_t nset)
{
	size_t len = strcspn(entry, "="), i;

	for (i = 0; i < nset; i++) {
		if (strcspn(set[i], "=") == len && !strncmp(entry, set[i], len))
			return true;
	}
	return false;
}

/* environ, with each name in set replaced by set's value or removed. */
static char **compose(const char *const *set, size_t nset)
{
	size_t n = 0, i, k = 0;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = xmalloc((n + nset + 1) * sizeof(*envp));
	for (i = 0; i < n; i++) {
		if (!in_set(environ[i], set, nset))
			envp[k++] = environ[i];
	}
	for (i = 0; i < nset; i++) {
		if (strchr(set[i], '='))
			envp[k++] = (char *)set[i];
	}
	envp[k] = NULL;
	return envp;
}

/* The environment of layout.h for prefix P of env name; *path: its PATH value. */
static char **env_for(const struct shim *sh, const char *prefix, const char *name,
		      const char **path)
{
	static const char *const cuda[] = {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT",
					   "CUDAToolkit_ROOT"};
	static const char *const cudnn[] = {"CUDNN_PATH", "CUDNN_HOME", "CUDNN_ROOT"};
	char bin[PATH_MAX], lib[2 * PATH_MAX + 2];
	const char *set[12];
	struct stat st;
	size_t n = 0, i;

	/* paths.c paths_listable(): a ':' would split it, a newline end a line. */
	if (strchr(prefix, ':') || !printable(prefix))
		die(126, "env prefix '%s' contains ':' or a control character", prefix);
	xfmt(bin, "%s/bin", prefix);
	/* cuda_compat's libcuda first, as env.c does (layout.h). */
	xfmt(lib, "%s/" LAYOUT_ENV_COMPAT, prefix);
	if (stat(lib, &st) == 0 && S_ISDIR(st.st_mode))
		xfmt(lib, "%s/" LAYOUT_ENV_COMPAT ":%s/lib", prefix, prefix);
	else
		xfmt(lib, "%s/lib", prefix);
	set[n++] = prepend(sh, "PATH", bin);
	set[n++] = prepend(sh, "LD_LIBRARY_PATH", lib);
	for (i = 0; i < sizeof(cuda) / sizeof(*cuda); i++)
		set[n++] = pair(cuda[i], prefix);
	for (i = 0; i < sizeof(cudnn) / sizeof(*cudnn); i++)
		set[n++] = strstr(name, "+cudnn-") ? pair(cudnn[i], prefix) : cudnn[i];
	set[n++] = pair("CUENV_ACTIVE", name);
	set[n++] = sh->depth;
	*path = set[0] + strlen("PATH=");
	return compose(set, n);
}

/* The first <tool> on the list path that is an executable file and not a shim. */
static bool search(const struct shim *sh, const char *path, char *out)
{
	char dir[PATH_MAX];
	struct stat st;
	const char *e;
	size_t n;

	while (next_elem(&path, &e, &n)) {
		if (n == 0 || n >= sizeof(dir))
			continue;
		memcpy(dir, e, n);
		dir[n] = '\0';
		if (stat(dir, &st) == 0 && same_file(&st, &sh->shims))
			continue;
		/* Another cuenv root's shims directory: its shim would only come back here. */
		if (snprintf(out, PATH_MAX, "%s/%s", dir, LAYOUT_SHIM_BINARY) < PATH_MAX &&
		    stat(out, &st) == 0)
			continue;
		if (snprintf(out, PATH_MAX, "%s/%s", dir, sh->tool) >= PATH_MAX ||
		    stat(out, &st) < 0 || !S_ISREG(st.st_mode) || same_file(&st, &sh->self) ||
		    access(out, X_OK) < 0)
			continue;
		return true;
	}
	return false;
}

/* Is the tool one of the user's wrappers (cuenv shim add)? */
static bool is_wrapper(const struct shim *sh)
{
	char path[PATH_MAX], *cur, *line;

	xfmt(path, "%s/%s", sh->dir, LAYOUT_WRAPPERS);
	cur = slurp(path, FILE_MAX, false);
	while (cur && (line = next_line(&cur)) != NULL) {
		if (!strcmp(line, sh->tool))
			return true;
	}
	return false;
}

static _Noreturn void run(const char *path, char **argv, char **envp)
{
	int err;

	execve(path, argv, envp);
	err = errno;
	die(err == ENOENT ? 127 : 126, "cannot run '%s': %s", path, strerror(err));
}

/* ---- setup ---- */

/* paths.c paths_root(), without the passwd fallback that a static libc lacks. */
static void find_root(char *root)
{
	const char *v = getenv("CUENV_ROOT");
	char cwd[PATH_MAX];

	if (v && *v && (*v == '/' || !getcwd(cwd, sizeof(cwd))))
		xfmt(root, "%s", v);
	else if (v && *v)
		xfmt(root, "%s/%s", cwd, v);
	else if ((v = getenv("XDG_DATA_HOME")) && *v == '/')
		xfmt(root, "%s/cuenv", v);
	else if ((v = getenv("HOME")) && *v == '/')
		xfmt(root, "%s/.local/share/cuenv", v);
	else
		die(126, "cannot find the cuenv root: set CUENV_ROOT or HOME");
}

/* paths.c paths_split_roots(): CUENV_SYSTEM_ROOT after the user's root, absolute, no repeats. */
static void find_system_roots(struct shim *sh)
{
	const char *s = getenv(LAYOUT_SYSTEM_ROOT_VAR), *e;
	unsigned i;

	xfmt(sh->roots[0], "%s", sh->root);
	sh->nr_roots = 1;
	while (s && *s && sh->nr_roots < MAX_ROOTS) {
		size_t n = strcspn(s, ":");

		e = s;
		s += n + (s[n] == ':');
		while (n > 1 && e[n - 1] == '/')
			n--;
		if (!n || *e != '/' || n >= PATH_MAX)
			continue;
		for (i = 0; i < sh->nr_roots; i++) {
			if (strlen(sh->roots[i]) == n && !strncmp(sh->roots[i], e, n))
				break;
		}
		if (i == sh->nr_roots) {
			memcpy(sh->roots[sh->nr_roots], e, n);
			sh->roots[sh->nr_roots++][n] = '\0';
		}
	}
}

/* The tool name, the shim directory, and proof that argv[0] names this program. */
static void setup(struct shim *sh, int argc, char **argv)
{
	const char *v = getenv(LAYOUT_SHIM_DEPTH_VAR), *slash;
	char link[PATH_MAX], *end = NULL;
	unsigned long depth = v && *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
	struct stat st;

	if (argc < 1 || !argv[0] || !*argv[0])
		die(126, "no program name in argv[0]");
	slash = strrchr(argv[0], '/');
	sh->tool = slash ? slash + 1 : argv[0];
	if (!*sh->tool)
		die(126, "no program name in argv[0] '%.64s'", argv[0]);
	if (!valid_name(sh->tool) || !strcmp(sh->tool, LAYOUT_SHIM_BINARY))
		die(127, "'%.64s' is not a cuenv shim", sh->tool);
	find_root(sh->root);
	find_system_roots(sh);
	xfmt(sh->dir, "%s/%s", sh->root, LAYOUT_SHIMS_DIR);
	if (stat("/proc/self/exe", &sh->self) < 0)
		die(126, "cannot stat '/proc/self/exe': %s", strerror(errno));
	xfmt(link, "%s/%s", sh->dir, sh->tool);
	if (stat(link, &st) < 0 || !same_file(&st, &sh->self) || stat(sh->dir, &sh->shims) < 0)
		die(127, "'%s' is not a cuenv shim", sh->tool);
	/* Not a number: count from 0 rather than refuse to run. */
	if (end && *end)
		depth = 0;
	if (depth >= LAYOUT_SHIM_MAX_DEPTH)
		die(126, "shim loop: '%s' went through shims more than %d times (%s)", sh->tool,
		    LAYOUT_SHIM_MAX_DEPTH, LAYOUT_SHIM_DEPTH_VAR);
	snprintf(sh->depth, sizeof(sh->depth), "%s=%lu", LAYOUT_SHIM_DEPTH_VAR, depth + 1);
}

int main(int argc, char **argv)
{
	static struct shim sh;
	static struct pin pin;
	char env[NAME_MAX + 1], prefix[PATH_MAX], prog[PATH_MAX];
	const char *path = getenv("PATH");
	char **envp;
	int r;

	setup(&sh, argc, argv);
	if (!find_pin(&sh, &pin)) {
		const char *depth_only[] = {sh.depth};

		if (!search(&sh, path, prog))
			die(127, "'%s' not found on PATH", sh.tool);
		run(prog, argv, compose(depth_only, 1));
	}
	choose_env(&sh, &pin, env);
	if ((r = installed_in(&sh, env)) < 0)	/* removed since */
		not_installed(&pin);
	xfmt(prefix, "%s/%s/%s", sh.roots[r], LAYOUT_ENVS_DIR, env);
	envp = env_for(&sh, prefix, env, &path);
	xfmt(prog, "%s/bin/%s", prefix, sh.tool);
	if (access(prog, F_OK) == 0)
		run(prog, argv, envp);
	if (!is_wrapper(&sh))
		die(127, "'%s' is not in %s (set by %s)", sh.tool, env, pin.source);
	if (!search(&sh, path, prog))
		die(127, "'%s' not found on PATH", sh.tool);
	run(prog, argv, envp);
}
