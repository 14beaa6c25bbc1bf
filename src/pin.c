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
			free(p->profile);
			p->profile = xstrdup(value);
			p->profile_line = n;
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

/* Read a pin file: a regular file, small; never block on a fifo. */
static int read_pin(const char *path, struct buf *b, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), rc;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -CUE_EDATA;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > LAYOUT_PIN_MAX) {
		close(fd);
		snprintf(err, errlen, "'%s' is not a small regular file", path);
		return -CUE_EDATA;
	}
	close(fd);
	rc = fs_read_file(path, LAYOUT_PIN_MAX, b);
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
	int rc = read_pin(path, &b, err, errlen);

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

/* A pin another user can write must not choose what runs here. */
static bool trusted(const char *path, char *warn, size_t warnlen)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	if (st.st_uid == geteuid() || st.st_uid == 0)
		return true;
	snprintf(warn, warnlen, "ignoring '%s': it belongs to another user (uid %u)", path,
		 (unsigned)st.st_uid);
	return false;
}

int pin_find(struct pin *p, const char *cwd, const char *root, char *warn, size_t warnlen,
	     char *err, size_t errlen)
{
	const char *v = getenv("CUENV_VERSION");
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
	dir = xstrdup(cwd);
	for (;;) {
		path = xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", LAYOUT_PIN_FILE);
		if (access(path, F_OK) == 0 && trusted(path, warn, warnlen)) {
			rc = load_file(p, path, PIN_FILE, err, errlen);
			free(path);
			free(dir);
			return rc;
		}
		free(path);
		slash = strrchr(dir, '/');
		if (!slash || !strcmp(dir, "/"))
			break;
		*(slash == dir ? slash + 1 : slash) = '\0';
	}
	free(dir);
	path = xasprintf("%s/%s", root, LAYOUT_GLOBAL_PIN);
	if (access(path, F_OK) == 0)
		rc = load_file(p, path, PIN_GLOBAL, err, errlen);
	free(path);
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

int lock_write(const char *path, const struct plan *p, const char *source)
{
	char hex[VERIFY_SHA256_HEX], *name = plan_name(p);
	struct buf b = BUF_INIT;
	size_t i;
	int rc;

	buf_adds(&b, "# cuenv.lock: written by 'cuenv use'. 'cuenv install' here installs exactly\n"
		     "# this; 'cuenv install --locked' refuses when it no longer matches the pin.\n");
	buf_addf(&b, "lock-version = 1\nspec = %s\nprofile = %s\nplatform = %s\nsource = %s\n",
		 p->spec, resolve_profile_name(p->profile), p->platform, source);
	buf_addf(&b, "env = %s\ncuda = %s\ncuda-manifest-sha256 = %s\n", name, p->cuda.label,
		 verify_hex(p->cuda.manifest_sha256, 32, hex));
	if (p->has_cudnn) {
		buf_addf(&b, "cudnn = %s\ncudnn-label = %s\ncudnn-variant = %s\n", p->cudnn.version,
			 p->cudnn.label, p->cudnn_variant);
		buf_addf(&b, "cudnn-manifest-sha256 = %s\n",
			 verify_hex(p->cudnn.manifest_sha256, 32, hex));
	}
	for (i = 0; i < p->nr_components; i++) {
		const struct plan_component *c = &p->components[i];

		buf_addf(&b, "archive = %s %s %s %llu %s %s\n", manifest_product_name(c->product),
			 c->name, c->version, (unsigned long long)c->size,
			 verify_hex(c->sha256, 32, hex), c->relative_path);
	}
	rc = fs_write_atomic(path, b.s, b.len, 0644);
	buf_release(&b);
	free(name);
	return rc;
}

static int lock_archive(struct lock *l, char *value)
{
	char *f[7], *end;
	struct lock_archive *a;
	int n = 0;

	/* "product name version size sha256 relative_path": no field holds a space. */
	for (f[n++] = value; n < 7 && (f[n] = strchr(f[n - 1], ' ')); n++)
		*f[n]++ = '\0';
	if (n != 6)
		return -1;
	l->archives = xrealloc(l->archives, (l->nr + 1) * sizeof(*a));
	a = &l->archives[l->nr];
	memset(a, 0, sizeof(*a));
	a->size = strtoull(f[3], &end, 10);
	if (*end || (strcmp(f[0], "cuda") && strcmp(f[0], "cudnn")) ||
	    verify_unhex(f[4], a->sha256, 32) < 0)
		return -1;
	a->product = xstrdup(f[0]);
	a->name = xstrdup(f[1]);
	a->version = xstrdup(f[2]);
	a->relative_path = xstrdup(f[5]);
	l->nr++;
	return 0;
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

static int lock_line(struct lock *l, char *key, char *value)
{
	char **slot = lock_slot(l, key);
	const char *why;

	if (slot) {
		free(*slot);
		*slot = xstrdup(value);
		return 0;
	}
	if (!strcmp(key, "archive"))
		return lock_archive(l, value) < 0 ||
			       manifest_check_path(l->archives[l->nr - 1].relative_path, &why) < 0
			       ? -1
			       : 0;
	if (!strcmp(key, "cuda-manifest-sha256"))
		return verify_unhex(value, l->cuda_manifest, 32);
	if (!strcmp(key, "cudnn-manifest-sha256"))
		return verify_unhex(value, l->cudnn_manifest, 32);
	if (!strcmp(key, "lock-version"))
		return strcmp(value, "1") ? -1 : 0;
	return 0;
}

int lock_parse(struct lock *l, const char *data, size_t len, const char *name, char *err,
	       size_t errlen)
{
	char *copy = xstrndup(data, len), *line, *next, *key, *value;
	unsigned n = 0;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	for (line = copy; line && !rc; line = next) {
		n++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line = config_trim(line);
		if (!*line || *line == '#')
			continue;
		if (!config_key_value(line, &key, &value) || lock_line(l, key, value) < 0)
			rc = bad(err, errlen, name, n, "not a valid lock line");
	}
	if (!rc && (!l->spec || !l->profile || !l->platform || !l->source || !l->env ||
		    !l->cuda || !l->nr))
		rc = bad(err, errlen, name, n, "incomplete lock (spec, profile, platform, source, "
					       "env, cuda and archives are needed)");
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
