// SPDX-License-Identifier: MIT
/* The load audit's records: read, place and flag each CUDA-family library. */
#include "audit.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "xalloc.h"
#include "banned.h"

const char *audit_where_name(enum audit_where w)
{
	static const char *const names[] = { "env", "another env", "outside" };

	return names[w];
}

/* Undo the module's escapes (\\, \t, \n) in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*d++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return n && !strncmp(path, dir, n) && (path[n] == '/' || dir[n - 1] == '/');
}

/* The latest image of pid (an exec starts a new one), or NULL. */
static struct audit_proc *find_proc(struct audit_report *r, long pid)
{
	size_t i;

	for (i = r->nr_procs; i-- > 0;) {
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	}
	return NULL;
}

static struct audit_proc *new_proc(struct audit_report *r, long pid, long ppid, const char *exe)
{
	struct audit_proc *p;

	r->procs = xrealloc(r->procs, (r->nr_procs + 1) * sizeof(*r->procs));
	p = &r->procs[r->nr_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid;
	p->exe = xstrdup(exe);
	return p;
}

static void add_object(struct audit_proc *p, const char *path, const char *prefix,
		       const char *envs_dir, bool has_compat)
{
	const char *base = strrchr(path, '/');
	struct audit_lib l;
	char *slash;
	size_t i;

	p->nr_objects++;
	memset(&l, 0, sizeof(l));
	if (!cudalib_parse(base ? base + 1 : path, &l.lib))
		return;
	l.real = fs_realpath(path);
	if (!l.real)
		l.real = xstrdup(path);
	for (i = 0; i < p->nr_libs; i++) {
		if (!strcmp(p->libs[i].real, l.real)) {
			free(l.real);
			return;
		}
	}
	l.path = xstrdup(path);
	l.dir = xstrdup(l.real);
	if ((slash = strrchr(l.dir, '/')))
		*slash = '\0';
	/* The env's files are hard links into the store: their paths stay under the env. */
	if (below(path, prefix) || below(l.real, prefix))
		l.where = AUDIT_IN_ENV;
	else if (below(path, envs_dir) || below(l.real, envs_dir))
		l.where = AUDIT_OTHER_ENV;
	else
		l.where = AUDIT_OUTSIDE;
	if (l.where != AUDIT_IN_ENV)
		l.outside = strcmp(l.lib.family, "driver") != 0 ||
			    (has_compat && !strcmp(l.lib.stem, "cuda"));
	p->libs = xrealloc(p->libs, (p->nr_libs + 1) * sizeof(*p->libs));
	p->libs[p->nr_libs++] = l;
}

/* Families of p whose libraries come from more than one directory. */
static void find_mixed(struct audit_proc *p)
{
	size_t i, k;

	for (i = 0; i < p->nr_libs; i++) {
		struct audit_lib *a = &p->libs[i];
		bool seen = false;

		if (!strcmp(a->lib.family, "driver"))
			continue;
		for (k = 0; k < p->nr_libs; k++) {
			struct audit_lib *b = &p->libs[k];

			if (k != i && !strcmp(a->lib.family, b->lib.family) && strcmp(a->dir, b->dir))
				a->mixed = true;
		}
		if (!a->mixed)
			continue;
		for (k = 0; k < p->nr_mixed; k++)
			seen |= !strcmp(p->mixed[k], a->lib.family);
		if (!seen) {
			p->mixed = xrealloc(p->mixed, (p->nr_mixed + 1) * sizeof(*p->mixed));
			p->mixed[p->nr_mixed++] = xstrdup(a->lib.family);
		}
	}
}

static bool parse_line(struct audit_report *r, char *line, const char *prefix,
		       const char *envs_dir, bool has_compat)
{
	char *f[4], *end;
	struct audit_proc *p;
	long pid, other;
	int n = 0;

	for (f[n++] = line; n < 4 && (f[n] = strchr(f[n - 1], '\t')); n++)
		*f[n]++ = '\0';
	if (n != 4 || (strcmp(f[0], "P") && strcmp(f[0], "O")))
		return false;
	pid = strtol(f[1], &end, 10);
	if (*end || pid <= 0)
		return false;
	other = strtol(f[2], &end, 10);
	if (*end)
		return false;
	unescape(f[3]);
	if (!strcmp(f[0], "P")) {
		new_proc(r, pid, other, f[3]);
		return true;
	}
	/* A fork without an exec writes no P line of its own: it continues its parent's image. */
	if (!(p = find_proc(r, pid)))
		p = new_proc(r, pid, 0, "?");
	add_object(p, f[3], prefix, envs_dir, has_compat);
	return true;
}

void audit_parse(const char *data, size_t len, const char *prefix, const char *envs_dir,
		 bool has_compat, struct audit_report *r)
{
	char *text = xstrndup(data, len), *line, *next;
	size_t i, k;

	memset(r, 0, sizeof(*r));
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else if (*line)
			break;	/* a line cut short by a killed process */
		if (!parse_line(r, line, prefix, envs_dir, has_compat))
			r->nr_bad_lines++;
	}
	free(text);
	for (i = 0; i < r->nr_procs; i++) {
		find_mixed(&r->procs[i]);
		r->nr_mixed += r->procs[i].nr_mixed;
		for (k = 0; k < r->procs[i].nr_libs; k++) {
			r->nr_libs++;
			r->nr_outside += r->procs[i].libs[k].outside;
		}
	}
}

void audit_report_release(struct audit_report *r)
{
	size_t i, k;

	for (i = 0; i < r->nr_procs; i++) {
		struct audit_proc *p = &r->procs[i];

		for (k = 0; k < p->nr_libs; k++) {
			free(p->libs[k].path);
			free(p->libs[k].real);
			free(p->libs[k].dir);
		}
		for (k = 0; k < p->nr_mixed; k++)
			free(p->mixed[k]);
		free(p->libs);
		free(p->mixed);
		free(p->exe);
	}
	free(r->procs);
	memset(r, 0, sizeof(*r));
}

char *audit_find_module(void)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = '\0';
	p = xasprintf("%s/" AUDIT_MODULE, exe);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	p = xasprintf("%s/../libexec/cuenv/" AUDIT_MODULE, exe);
	if (access(p, R_OK) == 0) {
		char *real = fs_realpath(p);

		free(p);
		return real;
	}
	free(p);
	return NULL;
}

char *audit_tunables(const char *current)
{
	static const char key[] = "glibc.rtld.optional_static_tls=";
	const char *at = current ? strstr(current, key) : NULL;
	unsigned long v = AUDIT_STATIC_TLS_DEFAULT;
	char *end;

	if (!current || !*current)
		return xasprintf("%s%d", key, AUDIT_STATIC_TLS_DEFAULT + AUDIT_STATIC_TLS_EXTRA);
	if (!at)
		return xasprintf("%s:%s%d", current, key,
				 AUDIT_STATIC_TLS_DEFAULT + AUDIT_STATIC_TLS_EXTRA);
	v = strtoul(at + strlen(key), &end, 0);
	/* Tunables are "a=b:c=d": replace this one's value, keep the rest as it was. */
	return xasprintf("%.*s%s%lu%s", (int)(at - current), current, key,
			 v + AUDIT_STATIC_TLS_EXTRA, end);
}
