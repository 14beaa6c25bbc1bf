// SPDX-License-Identifier: MIT
/* The shims directory: hard links to one shim program, one per tool name. */
#include "shims.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "checkpoint.h"
#include "fs.h"
#include "layout.h"
#include "paths.h"
#include "xalloc.h"
#include "banned.h"

bool shims_valid_name(const char *name)
{
	size_t n = strlen(name);
	const char *s;

	if (n == 0 || n > 255 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (s = name; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '+' || *s == '-'))
			return false;
	}
	return true;
}

char *shims_find_binary(void)
{
	char exe[PATH_MAX], *slash, *p;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	p = xasprintf("%s/cuenv-shim", exe);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	p = xasprintf("%s/../libexec/cuenv/cuenv-shim", exe);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	return NULL;
}

static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *s;

	for (s = list; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		if (!strncmp(s, name, n) && (s[n] == '\n' || s[n] == '\0'))
			return true;
	}
	return false;
}

static char *wrappers_path(const char *root)
{
	return xasprintf("%s/" LAYOUT_SHIMS_DIR "/" LAYOUT_WRAPPERS, root);
}

bool shims_is_wrapper(const char *root, const char *name)
{
	char *list = shims_wrappers(root);
	bool yes = listed(list, name);

	free(list);
	return yes;
}

char *shims_wrappers(const char *root)
{
	struct buf b = BUF_INIT;
	char *p = wrappers_path(root);

	fs_read_file(p, 1 << 20, &b);
	free(p);
	return buf_detach(&b);
}

/* Collect the executables of every env's bin/ into names (one per line). */
static void env_tools(const char *root, struct buf *names)
{
	char *envs = xasprintf("%s/" LAYOUT_ENVS_DIR, root);
	DIR *dh = opendir(envs), *bh;
	struct dirent *d, *t;

	while (dh && (d = readdir(dh))) {
		char *bin = xasprintf("%s/%s/bin", envs, d->d_name);

		bh = d->d_name[0] == '.' ? NULL : opendir(bin);
		while (bh && (t = readdir(bh))) {
			char *tool = xasprintf("%s/%s", bin, t->d_name);
			struct stat st;

			/* Dot names are the shims directory's own files. */
			if (t->d_name[0] != '.' && shims_valid_name(t->d_name) &&
			    !listed(names->s, t->d_name) &&
			    stat(tool, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
				buf_addf(names, "%s\n", t->d_name);
			free(tool);
		}
		if (bh)
			closedir(bh);
		free(bin);
	}
	if (dh)
		closedir(dh);
	free(envs);
}

/* Install the shim program as shims/.cuenv-shim when missing or different. */
static int update_binary(const char *dir, const char *binary, struct stat *out)
{
	char *dst = xasprintf("%s/" LAYOUT_SHIM_BINARY, dir);
	struct buf want = BUF_INIT, have = BUF_INIT;
	int rc = fs_read_file(binary, 16u << 20, &want);

	if (!rc && (fs_read_file(dst, 16u << 20, &have) < 0 || have.len != want.len ||
		    memcmp(have.s, want.s, want.len)))
		rc = fs_write_atomic(dst, want.s, want.len, 0755);
	if (!rc && stat(dst, out) < 0)
		rc = -errno;
	buf_release(&want);
	buf_release(&have);
	free(dst);
	return rc;
}

/* shims/<name> -> a hard link to the shim copy, replaced atomically. */
static int link_name(int dfd, const char *name, const struct stat *shim)
{
	struct stat st;
	char tmp[300];

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == shim->st_ino &&
	    st.st_dev == shim->st_dev)
		return 0;
	snprintf(tmp, sizeof(tmp), ".new.%ld", (long)getpid());
	unlinkat(dfd, tmp, 0);
	if (linkat(dfd, LAYOUT_SHIM_BINARY, dfd, tmp, 0) < 0)
		return -errno;
	if (renameat(dfd, tmp, dfd, name) < 0) {
		int e = errno;

		unlinkat(dfd, tmp, 0);
		return -e;
	}
	return 0;
}

static int sync_names(const char *dir, const char *names, const struct stat *shim)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	const char *s, *e;
	struct dirent *d;
	DIR *dh;

	if (dfd < 0)
		return -errno;
	for (s = names; !rc && *s; s = e + 1) {
		char *name;

		e = strchr(s, '\n');
		name = xstrndup(s, (size_t)(e - s));
		rc = link_name(dfd, name, shim);
		free(name);
		/* Some names linked, others not yet: a crash here must heal next time. */
		if (s == names)
			checkpoint("shims-refresh");
	}
	/* Names no env provides any more (and not a wrapper) go. */
	dh = rc ? NULL : fdopendir(dup(dfd));
	if (dh)
		fs_remove_stale(dir, ".new.");
	if (dh && !*names)
		checkpoint("shims-refresh");
	while (dh && (d = readdir(dh))) {
		if (d->d_name[0] != '.' && !listed(names, d->d_name))
			unlinkat(dfd, d->d_name, 0);
	}
	if (dh)
		closedir(dh);
	close(dfd);
	return rc;
}

int shims_refresh(const char *root, const char *binary, char *err, size_t errlen)
{
	char *dir = xasprintf("%s/" LAYOUT_SHIMS_DIR, root), *wrappers = shims_wrappers(root);
	struct buf names = BUF_INIT;
	struct stat shim;
	const char *s, *e;
	int rc = fs_mkdir_p(dir, 0755);

	for (s = wrappers; *s; s = e ? e + 1 : s + strlen(s)) {
		e = strchr(s, '\n');
		buf_add(&names, s, e ? (size_t)(e - s) : strlen(s));
		buf_addch(&names, '\n');
	}
	env_tools(root, &names);
	/* The envs of the read-only system roots run through the user's shims too. */
	{
		char **sys = paths_system_roots();
		size_t i;

		for (i = 0; sys[i]; i++)
			env_tools(sys[i], &names);
		paths_free_list(sys);
	}
	if (!rc)
		rc = update_binary(dir, binary, &shim);
	if (!rc)
		rc = sync_names(dir, names.s, &shim);
	if (rc < 0)
		snprintf(err, errlen, "cannot refresh the shims in '%s': %s", dir, strerror(-rc));
	buf_release(&names);
	free(wrappers);
	free(dir);
	return rc;
}

static int write_wrappers(const char *root, const char *list, char *err, size_t errlen)
{
	char *dir = xasprintf("%s/" LAYOUT_SHIMS_DIR, root), *p = wrappers_path(root);
	int rc = fs_mkdir_p(dir, 0755);

	if (!rc)
		rc = fs_write_atomic(p, list, strlen(list), 0644);
	if (rc < 0)
		snprintf(err, errlen, "cannot write '%s': %s", p, strerror(-rc));
	free(dir);
	free(p);
	return rc;
}

int shims_wrapper_add(const char *root, const char *name, char *err, size_t errlen)
{
	char *list = shims_wrappers(root), *next;
	int rc;

	if (listed(list, name)) {
		free(list);
		return 1;
	}
	next = xasprintf("%s%s%s\n", list, *list && list[strlen(list) - 1] != '\n' ? "\n" : "",
			 name);
	rc = write_wrappers(root, next, err, errlen);
	free(list);
	free(next);
	return rc;
}

int shims_wrapper_remove(const char *root, const char *name, char *err, size_t errlen)
{
	char *list = shims_wrappers(root);
	struct buf out = BUF_INIT;
	const char *s, *e;
	int rc;

	if (!listed(list, name)) {
		free(list);
		return 1;
	}
	for (s = list; *s; s = e ? e + 1 : s + strlen(s)) {
		e = strchr(s, '\n');
		if (strncmp(s, name, strlen(name)) || (s[strlen(name)] != '\n' && s[strlen(name)]))
			buf_add(&out, s, e ? (size_t)(e - s + 1) : strlen(s));
	}
	rc = write_wrappers(root, out.s, err, errlen);
	buf_release(&out);
	free(list);
	return rc;
}
