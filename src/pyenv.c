// SPDX-License-Identifier: MIT
/* A Python environment's CUDA wheels and frameworks, read from files only. */
#include "pyenv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "proc.h"
#include "xalloc.h"
#include "banned.h"

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void add_site(struct pyenv *p, const char *dir)
{
	size_t i;

	if (!is_dir(dir))
		return;
	for (i = 0; i < p->nr_sites; i++) {
		if (!strcmp(p->sites[i], dir))
			return;
	}
	p->sites = xrealloc(p->sites, (p->nr_sites + 1) * sizeof(*p->sites));
	p->sites[p->nr_sites++] = xstrdup(dir);
}

/* <base>/python3.X/<leaf> for every python3.X directory in base. */
static void add_sites_in(struct pyenv *p, const char *base, const char *leaf)
{
	DIR *d = opendir(base);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (!strncmp(e->d_name, "python3", 7)) {
			char *s = xasprintf("%s/%s/%s", base, e->d_name, leaf);

			add_site(p, s);
			free(s);
		}
	}
	if (d)
		closedir(d);
}

/* "nvidia_cudnn_cu12" -> "nvidia-cudnn-cu12" (PEP 503, lowercase) */
static char *normalise(const char *s, size_t n)
{
	char *out = xstrndup(s, n), *c;

	for (c = out; *c; c++)
		*c = *c == '_' || *c == '.' ? '-' : (char)tolower((unsigned char)*c);
	return out;
}

static bool wanted(const char *name)
{
	static const char *const prefixes[] = { "nvidia-", "torch", "jax", "tensorflow", "cupy",
						NULL };
	int i;

	for (i = 0; prefixes[i]; i++) {
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

static void scan_dists(struct pyenv *p, const char *site)
{
	DIR *d = opendir(site);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		const char *dash;
		char *name;

		if (n < 11 || strcmp(e->d_name + n - 10, ".dist-info"))
			continue;
		/* "<name>-<version>.dist-info"; the name has no '-' (it is escaped to '_'). */
		dash = strchr(e->d_name, '-');
		if (!dash || dash > e->d_name + n - 10)
			continue;
		name = normalise(e->d_name, (size_t)(dash - e->d_name));
		if (!wanted(name) || pyenv_dist(p, name)) {
			free(name);
			continue;
		}
		p->dists = xrealloc(p->dists, (p->nr_dists + 1) * sizeof(*p->dists));
		p->dists[p->nr_dists].name = name;
		p->dists[p->nr_dists].version =
			xstrndup(dash + 1, (size_t)(e->d_name + n - 10 - (dash + 1)));
		p->dists[p->nr_dists++].site = xstrdup(site);
	}
	if (d)
		closedir(d);
}

const struct pyenv_dist *pyenv_dist(const struct pyenv *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nr_dists; i++) {
		if (!strcmp(p->dists[i].name, name))
			return &p->dists[i];
	}
	return NULL;
}

/* The quoted value on the first line of text that starts with key ("cuda", "__version__"). */
static char *py_value(const char *text, const char *key)
{
	const char *line = text;

	while (line && *line) {
		const char *eol = strchr(line, '\n'), *q, *e;
		size_t klen = strlen(key);

		if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == '=' ||
						  line[klen] == ':')) {
			const char *end = eol ? eol : line + strlen(line), *eq = memchr(line, '=', (size_t)(end - line));

			if (eq && (q = strpbrk(eq, "'\"")) && q < end &&
			    (e = strchr(q + 1, *q)) && e < end)
				return xstrndup(q + 1, (size_t)(e - q - 1));
			return NULL;	/* "cuda = None": a CPU-only build */
		}
		line = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* The value of 'key': '...' in a Python dict literal. */
static char *dict_value(const char *text, const char *key)
{
	char *pat = xasprintf("'%s': '", key);
	const char *s = strstr(text, pat), *e;
	char *v = NULL;

	if (s) {
		s += strlen(pat);
		if ((e = strchr(s, '\'')))
			v = xstrndup(s, (size_t)(e - s));
	}
	free(pat);
	return v;
}

static void inspect_lib(struct pyenv_framework *f, const char *path)
{
	if (!is_file(path))
		return;
	f->lib = xstrdup(path);
	f->have_dyn = elfdyn_read(path, &f->dyn) == 0;
}

static void scan_torch(struct pyenv *p, const char *site)
{
	char *vp = xasprintf("%s/torch/version.py", site), *lib;
	struct buf b = BUF_INIT;

	if (p->torch.present || fs_read_file(vp, 1 << 16, &b) < 0) {
		free(vp);
		return;
	}
	p->torch.present = true;
	p->torch.site = xstrdup(site);
	p->torch.version = py_value(b.s, "__version__");
	p->torch.cuda = py_value(b.s, "cuda");
	lib = xasprintf("%s/torch/lib/libtorch_cuda.so", site);
	inspect_lib(&p->torch, lib);
	free(lib);
	buf_release(&b);
	free(vp);
}

static void scan_tensorflow(struct pyenv *p, const char *site)
{
	char *bp = xasprintf("%s/tensorflow/python/platform/build_info.py", site);
	const struct pyenv_dist *d;
	struct buf b = BUF_INIT;

	if (!p->tensorflow.present && fs_read_file(bp, 1 << 16, &b) == 0) {
		p->tensorflow.present = true;
		p->tensorflow.site = xstrdup(site);
		p->tensorflow.cuda = dict_value(b.s, "cuda_version");
		p->tensorflow.cudnn = dict_value(b.s, "cudnn_version");
		d = pyenv_dist(p, "tensorflow");
		p->tensorflow.version = d ? xstrdup(d->version) : NULL;
	}
	buf_release(&b);
	free(bp);
}

/* JAX: the CUDA plugin wheel says the CUDA major ("jax-cuda12-plugin"). */
static void scan_jax(struct pyenv *p)
{
	const struct pyenv_dist *jax = pyenv_dist(p, "jaxlib");
	size_t i;

	if (!jax)
		jax = pyenv_dist(p, "jax");
	if (!jax)
		return;
	p->jax.present = true;
	p->jax.version = xstrdup(jax->version);
	p->jax.site = xstrdup(jax->site);
	for (i = 0; i < p->nr_dists; i++) {
		const char *n = p->dists[i].name;

		if (!strncmp(n, "jax-cuda", 8) && isdigit((unsigned char)n[8])) {
			p->jax.cuda = xstrndup(n + 8, strspn(n + 8, "0123456789"));
			break;
		}
	}
}

/* nvidia/cudnn/lib/libcudnn.so.N of the nvidia-cudnn-cuXX wheel. */
static void scan_wheel_cudnn(struct pyenv *p)
{
	size_t i;
	int major;

	for (i = 0; i < p->nr_dists && !p->wheel_cudnn_lib; i++) {
		const struct pyenv_dist *d = &p->dists[i];

		if (strncmp(d->name, "nvidia-cudnn-cu", 15))
			continue;
		for (major = 12; major >= 7 && !p->wheel_cudnn_lib; major--) {
			char *lib = xasprintf("%s/nvidia/cudnn/lib/libcudnn.so.%d", d->site, major);

			if (is_file(lib)) {
				p->wheel_cudnn_lib = lib;
				p->wheel_cudnn_version = xstrdup(d->version);
				p->have_wheel_cudnn_dyn = elfdyn_read(lib, &p->wheel_cudnn_dyn) == 0;
			} else {
				free(lib);
			}
		}
	}
}

/*
 * What the python3 on PATH says its prefix and package directories are: its
 * site directories, the entries .pth files add, and PYTHONPATH's, which the
 * programs it runs honour (isolated mode, -I, keeps the current directory
 * and PYTHON* variables from changing this query itself; no import but site).
 */
static int ask_python(const char *py, struct pyenv *out)
{
	char *argv[] = { (char *)py, "-I", "-c",
			 "import os, site, sys\nprint(sys.prefix)\n"
			 "pp = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]\n"
			 "for p in site.getsitepackages() + [site.getusersitepackages()] + pp + sys.path:\n"
			 "    if os.path.isabs(p) and os.path.isdir(p): print(p)",
			 NULL };
	struct buf b = BUF_INIT;
	char *line, *next;
	int status, rc;

	rc = proc_capture(argv, 10000, 1 << 16, &b, &status);
	if (rc < 0 || status != 0 || !b.len) {
		buf_release(&b);
		return -ENOENT;
	}
	for (line = b.s; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!out->prefix)
			out->prefix = xstrdup(line);
		else if (*line == '/')
			add_site(out, line);
	}
	buf_release(&b);
	return out->prefix ? 0 : -ENOENT;
}

/* PYTHONPATH's directories come before the site directories, as in sys.path. */
static void add_pythonpath(struct pyenv *out)
{
	const char *pp = getenv("PYTHONPATH"), *s, *e;
	char **sites = out->sites;
	size_t nr = out->nr_sites, i;
	struct stat st;

	if (!pp || !*pp)
		return;
	out->sites = NULL;
	out->nr_sites = 0;
	for (s = pp; *s; s = *e ? e + 1 : e) {
		char *dir;

		e = strchr(s, ':');
		if (!e)
			e = s + strlen(s);
		dir = xstrndup(s, (size_t)(e - s));
		if (*dir == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			add_site(out, dir);
		free(dir);
	}
	for (i = 0; i < nr; i++) {
		add_site(out, sites[i]);
		free(sites[i]);
	}
	free(sites);
}

static void scan_sites(struct pyenv *out)
{
	size_t i;

	add_pythonpath(out);
	for (i = 0; i < out->nr_sites; i++)
		scan_dists(out, out->sites[i]);
	for (i = 0; i < out->nr_sites; i++) {
		scan_torch(out, out->sites[i]);
		scan_tensorflow(out, out->sites[i]);
	}
	scan_jax(out);
	scan_wheel_cudnn(out);
}

/* The site directories below a prefix: lib/python3.X/{site,dist}-packages and Debian's. */
static void prefix_sites(struct pyenv *out, const char *prefix)
{
	char *s = xasprintf("%s/lib", prefix);

	add_sites_in(out, s, "site-packages");
	add_sites_in(out, s, "dist-packages");
	free(s);
	s = xasprintf("%s/lib/python3/dist-packages", prefix);
	add_site(out, s);
	free(s);
	s = xasprintf("%s/local/lib", prefix);
	add_sites_in(out, s, "dist-packages");
	free(s);
}

/*
 * A virtualenv's python3 is a symbolic link to the base interpreter: the
 * pyvenv.cfg above its own bin/ says it is one, before the link is followed.
 */
static char *venv_of(const char *py)
{
	char *dir = xstrdup(py), *slash, *cfg;
	struct stat st;

	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	if (!slash || !(slash = strrchr(dir, '/'))) {
		free(dir);
		return NULL;
	}
	*slash = '\0';
	cfg = xasprintf("%s/pyvenv.cfg", *dir ? dir : "");
	if (stat(cfg, &st) == 0 && S_ISREG(st.st_mode)) {
		free(cfg);
		return dir;
	}
	free(cfg);
	free(dir);
	return NULL;
}

/* The prefix of an interpreter binary (two levels above its real path), if it has sites. */
static int guess_prefix(const char *py, struct pyenv *out)
{
	char *real = fs_realpath(py), *slash, *s, *venv = venv_of(py);
	const char *home = getenv("HOME");

	if (venv) {
		free(real);
		out->prefix = venv;
		out->kind = "virtualenv of the python3 on PATH";
		prefix_sites(out, venv);
		scan_sites(out);
		return 0;
	}

	if (!real || !(slash = strrchr(real, '/')) || strncmp(slash + 1, "python3", 7)) {
		free(real);
		return -ENOENT;
	}
	*slash = '\0';
	if ((slash = strrchr(real, '/')))
		*slash = '\0';
	out->prefix = xstrdup(*real ? real : "/");
	out->kind = "python3 on PATH";
	prefix_sites(out, out->prefix);
	free(real);
	if (!out->nr_sites)
		return -ENOENT;
	if (home && *home == '/') {
		s = xasprintf("%s/.local/lib", home);
		add_sites_in(out, s, "site-packages");
		free(s);
	}
	scan_sites(out);
	return 0;
}

int pyenv_scan(const char *prefix, const char *kind, struct pyenv *out)
{
	memset(out, 0, sizeof(*out));
	out->prefix = xstrdup(prefix);
	out->kind = kind;
	prefix_sites(out, prefix);
	scan_sites(out);
	return out->nr_sites ? 0 : -ENOENT;
}

int pyenv_find(struct pyenv *out)
{
	const char *v = getenv("VIRTUAL_ENV"), *c = getenv("CONDA_PREFIX"), *path = getenv("PATH");
	char *py;

	if (v && *v == '/')
		return pyenv_scan(v, "virtualenv", out);
	if (c && *c == '/')
		return pyenv_scan(c, "conda", out);
	memset(out, 0, sizeof(*out));
	py = proc_which("python3", path ? path : "");
	if (!py)
		return -ENOENT;
	/* /usr/bin/python3 -> /usr/bin/python3.11: the prefix is /usr, no process needed. */
	if (guess_prefix(py, out) == 0) {
		free(py);
		return 0;
	}
	pyenv_release(out);
	memset(out, 0, sizeof(*out));
	out->kind = "python3 on PATH";
	/* Ask it: a pyenv or asdf shim on PATH says nothing about the real prefix. */
	if (ask_python(py, out) < 0) {
		free(py);
		pyenv_release(out);
		return -ENOENT;
	}
	free(py);
	scan_sites(out);
	return 0;
}

static void framework_release(struct pyenv_framework *f)
{
	free(f->version);
	free(f->cuda);
	free(f->cudnn);
	free(f->site);
	free(f->lib);
	if (f->have_dyn)
		elfdyn_release(&f->dyn);
	memset(f, 0, sizeof(*f));
}

void pyenv_release(struct pyenv *p)
{
	size_t i;

	free(p->prefix);
	for (i = 0; i < p->nr_sites; i++)
		free(p->sites[i]);
	free(p->sites);
	for (i = 0; i < p->nr_dists; i++) {
		free(p->dists[i].name);
		free(p->dists[i].version);
		free(p->dists[i].site);
	}
	free(p->dists);
	framework_release(&p->torch);
	framework_release(&p->jax);
	framework_release(&p->tensorflow);
	free(p->wheel_cudnn_lib);
	free(p->wheel_cudnn_version);
	if (p->have_wheel_cudnn_dyn)
		elfdyn_release(&p->wheel_cudnn_dyn);
	memset(p, 0, sizeof(*p));
}
