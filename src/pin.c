// SPDX-License-Identifier: MIT
/* .cuda-version pins and cuenv.lock: parse, find, write. */
#include "pin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "error.h"
#include "fs.h"
#include "layout.h"
#include "verify.h"
#include "version.h"
#include "xalloc.h"
#include "banned.h"

static bool printable(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/* ---- pins ---- */

static int bad(char *err, size_t errlen, const char *name, unsigned line, const char *why)
{
	snprintf(err, errlen, "%s:%u: %s", name, line, why);
	return -CUE_EDATA;
}

int pin_parse(struct pin *p, const char *data, size_t len, const char *name, char *err,
	      size_t errlen)
{
	char *copy, *line, *next, *cudnn = NULL;
	unsigned n = 0;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
	}
	if (memchr(data, '\0', len))
		return bad(err, errlen, name, 1, "not a text file");
	copy = xstrndup(data, len);
	for (line = copy; line && !rc; line = next) {
		char *key, *value, *t;

		n++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		t = config_trim(line);
		if (!*t || *t == '#')
			continue;
		if (!printable(t)) {
			rc = bad(err, errlen, name, n, "control character");
		} else if (!p->spec) {
			/* The first line is the spec, whatever it holds ("12+cudnn>=9.3" has a '='). */
			p->spec = xstrdup(t);
			p->spec_line = n;
		} else if (!config_key_value(t, &key, &value)) {
			rc = bad(err, errlen, name, n, "expected 'key = value' after the spec");
		} else if (!strcmp(key, "profile")) {
			enum resolve_profile prof;

			free(p->profile);
			p->profile = xstrdup(value);
			p->profile_line = n;
			/* Every profile line counts, as in the shim: not only the last. */
			if (resolve_profile_parse(value, &prof) < 0) {
				snprintf(err, errlen,
					 "%s:%u: unknown profile '%.40s' (runtime, devel or full)",
					 name, n, value);
				rc = -CUE_EDATA;
			}
		} else if (!strcmp(key, "cudnn")) {
			free(cudnn);
			cudnn = xstrdup(value);
		}
		/* Other keys belong to other tools (or later versions): ignored. */
	}
	if (!rc && !p->spec)
		rc = bad(err, errlen, name, n ? n : 1, "no spec");
	if (!rc && cudnn && !strstr(p->spec, "+cudnn")) {
		char *s = xasprintf("%s+cudnn%s", p->spec, cudnn);

		free(p->spec);
		p->spec = s;
	}
	if (!rc && !p->profile)
		p->profile = xstrdup(LAYOUT_DEFAULT_PROFILE);
	free(cudnn);
	free(copy);
	if (rc)
		pin_release(p);
	return rc;
}

/*
 * Read a pin or lock: a regular file of at most max bytes; never block on a
 * fifo or a terminal. Returns 0, -ENOENT when there is no such name (a
 * dangling symlink is there: it fails), or -CUE_EDATA with err.
 */
static int read_small(const char *path, size_t max, struct buf *b, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0 && errno == ENOENT)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -CUE_EDATA;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		snprintf(err, errlen, "'%s' is not a small regular file", path);
		return -CUE_EDATA;
	}
	close(fd);
	rc = fs_read_file(path, max, b);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
		return -CUE_EDATA;
	}
	return 0;
}

static int load_file(struct pin *p, const char *path, enum pin_source src, char *err,
		     size_t errlen)
{
	struct buf b = BUF_INIT;
	char *slash;
	int rc = read_small(path, LAYOUT_PIN_MAX, &b, err, errlen);

	if (rc == -ENOENT) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(ENOENT));
		rc = -CUE_EDATA;
	}
	if (!rc)
		rc = pin_parse(p, b.s, b.len, path, err, errlen);
	buf_release(&b);
	if (rc)
		return rc;
	p->source = src;
	p->path = xstrdup(path);
	p->dir = xstrdup(path);
	slash = strrchr(p->dir, '/');
	if (slash)
		*(slash == p->dir ? slash + 1 : slash) = '\0';
	return 0;
}

static bool mine(uid_t uid)
{
	return uid == geteuid() || uid == 0;
}

/*
 * Can someone else write here? Others' write bit always counts; the group's
 * not when the group is the user's private one (gid == uid, the user's own
 * primary group, as Debian and most distributions create it for umask 002).
 */
static bool others_write(const struct stat *st)
{
	bool private_group = st->st_gid == getegid() && getegid() == geteuid();

	return (st->st_mode & 002) || ((st->st_mode & 020) && !private_group);
}

bool pin_trusted(const char *path, char *why, size_t whylen)
{
	struct stat st;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	bool ok = false;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (lstat(path, &st) == 0 && !mine(st.st_uid)) {
		snprintf(why, whylen, "it belongs to another user (uid %u)", (unsigned)st.st_uid);
	} else if (stat(path, &st) == 0 && !mine(st.st_uid)) {
		snprintf(why, whylen, "it belongs to another user (uid %u)", (unsigned)st.st_uid);
	} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && others_write(&st)) {
		snprintf(why, whylen, "it is writable by group or others (mode %04o)",
			 (unsigned)(st.st_mode & 07777));
	} else if (stat(slash ? dir : ".", &st) == 0 && !mine(st.st_uid)) {
		snprintf(why, whylen, "its directory belongs to another user (uid %u)",
			 (unsigned)st.st_uid);
	} else if (stat(slash ? dir : ".", &st) == 0 && others_write(&st) &&
		   !(st.st_mode & 01000)) { /* sticky */
		snprintf(why, whylen, "its directory is writable by group or others (mode %04o)",
			 (unsigned)(st.st_mode & 07777));
	} else {
		ok = true;
	}
	free(dir);
	return ok;
}

/* Where discovery stops: $HOME and the first 16 absolute directories of CUENV_CEILING_DIRS. */
struct ceilings {
	struct stat dir[17];
	size_t nr;
};

static void add_ceiling(struct ceilings *c, const char *path)
{
	if (stat(path, &c->dir[c->nr]) == 0 && S_ISDIR(c->dir[c->nr].st_mode))
		c->nr++;
}

static void find_ceilings(struct ceilings *c)
{
	const char *home = getenv("HOME"), *list = getenv("CUENV_CEILING_DIRS");
	char *copy, *e, *save = NULL;
	unsigned n = 0;

	c->nr = 0;
	if (home && *home == '/')
		add_ceiling(c, home);
	if (!list)
		return;
	copy = xstrdup(list);
	/* Relative entries are ignored, as the XDG rules have it for XDG_* variables. */
	for (e = strtok_r(copy, ":", &save); e && n < 16; e = strtok_r(NULL, ":", &save)) {
		if (*e == '/') {
			add_ceiling(c, e);
			n++;
		}
	}
	free(copy);
}

static bool at_ceiling(const struct ceilings *c, const struct stat *st)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		if (c->dir[i].st_dev == st->st_dev && c->dir[i].st_ino == st->st_ino)
			return true;
	}
	return false;
}

/*
 * One step of discovery: is there a pin in dir? 1 and *p filled when there
 * is one to use, 0 to go on, <0 for a pin that is there but unusable.
 */
static int pin_in(struct pin *p, const char *dir, char *warn, size_t warnlen, char *err,
		  size_t errlen)
{
	char *path = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", LAYOUT_PIN_FILE), why[128];
	struct stat st;
	int rc = 0;

	if (lstat(path, &st) == 0) {
		if (!pin_trusted(path, why, sizeof(why)))
			snprintf(warn, warnlen, "ignoring '%s': %s", path, why);
		else
			rc = load_file(p, path, PIN_FILE, err, errlen) < 0 ? -CUE_EDATA : 1;
	}
	free(path);
	return rc;
}

int pin_find(struct pin *p, const char *cwd, const char *root, char *warn, size_t warnlen,
	     char *err, size_t errlen)
{
	const char *v = getenv("CUENV_VERSION");
	struct ceilings ceil;
	struct stat here, up;
	char *dir, *path, *slash;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	*warn = '\0';
	if (v && *v) {
		rc = pin_parse(p, v, strlen(v), "CUENV_VERSION", err, errlen);
		if (!rc)
			p->source = PIN_ENV;
		return rc;
	}
	find_ceilings(&ceil);
	dir = xstrdup(cwd);
	for (;;) {
		rc = pin_in(p, dir, warn, warnlen, err, errlen);
		if (rc)
			break;
		slash = strrchr(dir, '/');
		if (!slash || !strcmp(dir, "/") || stat(dir, &here) < 0 || at_ceiling(&ceil, &here))
			break;
		*(slash == dir ? slash + 1 : slash) = '\0';
		/* Never into another file system: a mount point is a boundary, as git has it. */
		if (stat(dir, &up) < 0 || up.st_dev != here.st_dev)
			break;
	}
	free(dir);
	if (rc)
		return rc < 0 ? rc : 0;
	path = xasprintf("%s/%s", root, LAYOUT_GLOBAL_PIN);
	if (access(path, F_OK) == 0)
		rc = load_file(p, path, PIN_GLOBAL, err, errlen);
	free(path);
	return rc;
}

int lock_load(struct lock *l, const char *path, bool check_trust, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	char why[128];
	int rc;

	memset(l, 0, sizeof(*l));
	if (check_trust && !pin_trusted(path, why, sizeof(why))) {
		snprintf(err, errlen, "'%s' is not trusted: %s", path, why);
		return -CUE_EDATA;
	}
	rc = read_small(path, LOCK_MAX, &b, err, errlen);
	if (rc == -ENOENT)
		snprintf(err, errlen, "there is no lock '%s'", path);
	else if (!rc)
		rc = lock_parse(l, b.s, b.len, path, err, errlen);
	buf_release(&b);
	return rc;
}

const char *pin_describe(const struct pin *p, char *dst, size_t len)
{
	if (p->source == PIN_ENV)
		snprintf(dst, len, "the environment variable CUENV_VERSION");
	else if (p->source == PIN_GLOBAL)
		snprintf(dst, len, "the global default %s", p->path);
	else if (p->source == PIN_FILE)
		snprintf(dst, len, "%s", p->path);
	else
		snprintf(dst, len, "nothing");
	return dst;
}

int pin_write(const char *path, const char *spec, const char *profile)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_addf(&b, "%s\n", spec);
	if (profile && strcmp(profile, LAYOUT_DEFAULT_PROFILE))
		buf_addf(&b, "profile = %s\n", profile);
	rc = fs_write_atomic(path, b.s, b.len, 0644);
	buf_release(&b);
	return rc;
}

void pin_release(struct pin *p)
{
	free(p->path);
	free(p->dir);
	free(p->spec);
	free(p->profile);
	memset(p, 0, sizeof(*p));
}

/* ---- the lock ---- */

void lock_format(struct buf *b, const struct plan *p, const char *source)
{
	char hex[VERIFY_SHA256_HEX], *name = plan_name(p);
	size_t i;

	buf_adds(b,
		 "# cuenv.lock: written by 'cuenv use'. 'cuenv install' here installs exactly\n"
		 "# this; 'cuenv install --locked' refuses when it no longer matches the pin.\n");
	buf_addf(b, "lock-version = 1\nspec = %s\nprofile = %s\nplatform = %s\nsource = %s\n",
		 p->spec, resolve_profile_name(p->profile), p->platform, source);
	buf_addf(b, "env = %s\ncuda = %s\ncuda-manifest-sha256 = %s\n", name, p->cuda.label,
		 verify_hex(p->cuda.manifest_sha256, 32, hex));
	if (p->has_cudnn) {
		buf_addf(b, "cudnn = %s\ncudnn-label = %s\ncudnn-variant = %s\n", p->cudnn.version,
			 p->cudnn.label, p->cudnn_variant);
		buf_addf(b, "cudnn-manifest-sha256 = %s\n",
			 verify_hex(p->cudnn.manifest_sha256, 32, hex));
	}
	for (i = 0; i < p->nr_components; i++) {
		const struct plan_component *c = &p->components[i];

		buf_addf(b, "archive = %s %s %s %llu %s %s\n", manifest_product_name(c->product),
			 c->name, c->version, (unsigned long long)c->size,
			 verify_hex(c->sha256, 32, hex), c->relative_path);
	}
	free(name);
}

int lock_write(const char *path, const struct plan *p, const char *source)
{
	struct buf b = BUF_INIT;
	int rc;

	lock_format(&b, p, source);
	rc = fs_write_atomic(path, b.s, b.len, 0644);
	buf_release(&b);
	return rc;
}

/* Keys and versions become file names and messages: the manifest's rule (manifest.c is_name). */
static bool tame(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-") == n;
}

/* A decimal size as lock_write() writes it: digits only, no leading zero, 1 to 2^63-1. */
static bool parse_size(const char *s, uint64_t *out)
{
	uint64_t n = 0;

	if (!*s || *s == '0' || strlen(s) > 19)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > (uint64_t)INT64_MAX)
		return false;
	*out = n;
	return true;
}

static const char *lock_archive(struct lock *l, char *value)
{
	char *f[7];
	struct lock_archive a;
	const char *why;
	int n = 0;

	/* "product name version size sha256 relative_path": no field holds a space. */
	for (f[n++] = value; n < 7 && (f[n] = strchr(f[n - 1], ' ')); n++)
		*f[n]++ = '\0';
	if (n != 6)
		return "an archive line has six fields: product name version size sha256 path";
	memset(&a, 0, sizeof(a));
	if (strcmp(f[0], "cuda") && strcmp(f[0], "cudnn"))
		return "archive product is neither cuda nor cudnn";
	if (!tame(f[1], 128) || !tame(f[2], 64))
		return "archive name or version has characters outside [A-Za-z0-9._+-]";
	if (!parse_size(f[3], &a.size))
		return "archive size is not a number from 1 to 2^63-1";
	if (verify_unhex(f[4], a.sha256, 32) < 0)
		return "archive sha256 is not 64 hex digits";
	if (manifest_check_path(f[5], &why) < 0)
		return "archive path is not a safe relative path";
	a.product = xstrdup(f[0]);
	a.name = xstrdup(f[1]);
	a.version = xstrdup(f[2]);
	a.relative_path = xstrdup(f[5]);
	l->archives = xrealloc(l->archives, (l->nr + 1) * sizeof(a));
	l->archives[l->nr++] = a;
	return NULL;
}

/* Each value is checked as it is read: a lock comes with a project, maybe a hostile one. */
static const char *check_value(const char *key, const char *value)
{
	struct version v;
	enum resolve_profile profile;

	if (!printable(value))
		return "control character";
	if (!strcmp(key, "profile"))
		return resolve_profile_parse(value, &profile) < 0 ? "unknown profile" : NULL;
	if (!strcmp(key, "cuda") || !strcmp(key, "cudnn") || !strcmp(key, "cudnn-label"))
		return version_parse(value, &v) < 0 ? "not a version" : NULL;
	if (!strcmp(key, "platform") || !strcmp(key, "cudnn-variant"))
		return tame(value, 64) ? NULL : "characters outside [A-Za-z0-9._+-]";
	if (!strcmp(key, "env"))
		return tame(value, 255) && value[0] != '.' ? NULL : "not an env name";
	if (!strcmp(key, "spec") || !strcmp(key, "source"))
		return *value && !strpbrk(value, " \t") ? NULL : "empty or contains a space";
	return NULL;
}

static char **lock_slot(struct lock *l, const char *key)
{
	static const char *const keys[] = { "spec", "profile", "platform", "source", "env",
					    "cuda", "cudnn", "cudnn-label", "cudnn-variant" };
	char **slots[] = { &l->spec, &l->profile, &l->platform, &l->source, &l->env,
			   &l->cuda, &l->cudnn, &l->cudnn_label, &l->cudnn_variant };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(key, keys[i]))
			return slots[i];
	}
	return NULL;
}

/* Returns NULL, or why the line is refused. */
static const char *lock_line(struct lock *l, char *key, char *value)
{
	char **slot = lock_slot(l, key);
	const char *why;

	if (slot) {
		if ((why = check_value(key, value)))
			return why;
		if (*slot)
			return "key given twice";
		*slot = xstrdup(value);
		return NULL;
	}
	if (!strcmp(key, "archive"))
		return lock_archive(l, value);
	if (!strcmp(key, "cuda-manifest-sha256"))
		return verify_unhex(value, l->cuda_manifest, 32) < 0 ? "not 64 hex digits" : NULL;
	if (!strcmp(key, "cudnn-manifest-sha256"))
		return verify_unhex(value, l->cudnn_manifest, 32) < 0 ? "not 64 hex digits" : NULL;
	if (!strcmp(key, "lock-version"))
		return strcmp(value, "1") ? "unknown lock-version" : NULL;
	return NULL;
}

/*
 * The env a lock names is the one its labels and profile make (plan_name()):
 * a lock cannot point at another env, nor at a path.
 */
static bool env_consistent(const struct lock *l)
{
	char *want = l->cudnn ? xasprintf("cuda-%s+cudnn-%s-%s", l->cuda, l->cudnn, l->profile)
			      : xasprintf("cuda-%s-%s", l->cuda, l->profile);
	bool ok = !strcmp(want, l->env);

	free(want);
	return ok;
}

int lock_parse(struct lock *l, const char *data, size_t len, const char *name, char *err,
	       size_t errlen)
{
	char *copy, *line, *next, *key, *value;
	const char *why = NULL;
	unsigned n = 0;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3)) {
		data += 3;
		len -= 3;
	}
	if (memchr(data, '\0', len))
		return bad(err, errlen, name, 1, "not a text file");
	copy = xstrndup(data, len);
	for (line = copy; line && !rc; line = next) {
		n++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line = config_trim(line);
		if (!*line || *line == '#')
			continue;
		if (!config_key_value(line, &key, &value))
			rc = bad(err, errlen, name, n, "not a valid lock line");
		else if ((why = lock_line(l, key, value)) != NULL)
			rc = bad(err, errlen, name, n, why);
	}
	if (!rc && (!l->spec || !l->profile || !l->platform || !l->source || !l->env ||
		    !l->cuda || !l->nr))
		rc = bad(err, errlen, name, n, "incomplete lock (spec, profile, platform, source, "
					       "env, cuda and archives are needed)");
	if (!rc && l->cudnn && (!l->cudnn_label || !l->cudnn_variant))
		rc = bad(err, errlen, name, n, "cudnn needs cudnn-label and cudnn-variant");
	if (!rc && !env_consistent(l))
		rc = bad(err, errlen, name, n,
			 "env is not the name its cuda, cudnn and profile make");
	free(copy);
	if (rc)
		lock_release(l);
	return rc;
}

void lock_to_plan(const struct lock *l, const char *source, struct plan *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->spec = xstrdup(l->spec);
	p->platform = xstrdup(l->platform);
	resolve_profile_parse(l->profile, &p->profile);
	p->cuda.label = xstrdup(l->cuda);
	p->cuda.version = xstrdup(l->cuda);
	p->cuda.release_date = xstrdup("");
	memcpy(p->cuda.manifest_sha256, l->cuda_manifest, 32);
	if (l->cudnn) {
		p->has_cudnn = true;
		p->cudnn.version = xstrdup(l->cudnn);
		p->cudnn.label = xstrdup(l->cudnn_label ? l->cudnn_label : l->cudnn);
		p->cudnn.release_date = xstrdup("");
		memcpy(p->cudnn.manifest_sha256, l->cudnn_manifest, 32);
		snprintf(p->cudnn_variant, sizeof(p->cudnn_variant), "%s",
			 l->cudnn_variant ? l->cudnn_variant : "");
	}
	p->components = xcalloc(l->nr, sizeof(*p->components));
	p->nr_components = l->nr;
	for (i = 0; i < l->nr; i++) {
		const struct lock_archive *a = &l->archives[i];
		struct plan_component *c = &p->components[i];

		c->product = strcmp(a->product, "cuda") ? MANIFEST_CUDNN : MANIFEST_CUDA;
		c->name = xstrdup(a->name);
		c->version = xstrdup(a->version);
		c->relative_path = xstrdup(a->relative_path);
		c->url = xasprintf("%s/%s/redist/%s", source ? source : l->source, a->product,
				   a->relative_path);
		memcpy(c->sha256, a->sha256, 32);
		c->size = a->size;
		p->download_size += a->size;
	}
}

void lock_release(struct lock *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		free(l->archives[i].product);
		free(l->archives[i].name);
		free(l->archives[i].version);
		free(l->archives[i].relative_path);
	}
	free(l->archives);
	free(l->spec);
	free(l->profile);
	free(l->platform);
	free(l->source);
	free(l->env);
	free(l->cuda);
	free(l->cudnn);
	free(l->cudnn_label);
	free(l->cudnn_variant);
	memset(l, 0, sizeof(*l));
}

/* ---- the pin generation ---- */

unsigned long pins_generation(const char *root)
{
	static const char pre[] = LAYOUT_PIN_GENERATION ".";
	unsigned long n = 0;
	struct dirent *d;
	DIR *dh = opendir(root);

	while (dh && (d = readdir(dh))) {
		char *end;
		unsigned long k;

		if (strncmp(d->d_name, pre, sizeof(pre) - 1))
			continue;
		k = strtoul(d->d_name + sizeof(pre) - 1, &end, 10);
		if (!*end && k > n)
			n = k;
	}
	if (dh)
		closedir(dh);
	return n;
}

unsigned long pins_bump_generation(const char *root)
{
	unsigned long n = pins_generation(root);
	char *cur = xasprintf("%s/" LAYOUT_PIN_GENERATION ".%lu", root, n);
	char *next = xasprintf("%s/" LAYOUT_PIN_GENERATION ".%lu", root, n + 1);
	int fd;

	fs_mkdir_p(root, 0755);
	/* A rename: at every instant exactly one generation file exists. */
	if (!n || rename(cur, next) < 0) {
		fd = open(next, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	utimensat(AT_FDCWD, next, NULL, 0);
	free(cur);
	free(next);
	return n + 1;
}
