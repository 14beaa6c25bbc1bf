// SPDX-License-Identifier: MIT
/* The checks of cuenv doctor: probe the machine, judge it against the env. */
#include "doctor.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cudalib.h"
#include "elfdyn.h"
#include "env.h"
#include "fs.h"
#include "hostcc.h"
#include "integrity.h"
#include "layout.h"
#include "ldcache.h"
#include "pyenv.h"
#include "version.h"
#include "xalloc.h"
#include "banned.h"

#define COMPAT_TIMEOUT_MS 20000

extern char **environ;

const char *doctor_status_name(enum doctor_status s)
{
	static const char *const names[] = { "ok", "warning", "error" };

	return names[s];
}

/* ---- building a check ---- */

struct check {
	enum doctor_status status;
	struct buf found, todo;
};

static void found(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void todo(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line(struct buf *b, const char *fmt, va_list ap)
{
	if (b->len)
		buf_addch(b, '\n');
	buf_vaddf(b, fmt, ap);
}

static void found(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line(&c->found, fmt, ap);
	va_end(ap);
}

static void todo(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line(&c->todo, fmt, ap);
	va_end(ap);
}

static void worse(struct check *c, enum doctor_status s)
{
	if (s > c->status)
		c->status = s;
}

static void add(struct doctor *d, const char *id, const char *title, struct check *c)
{
	struct doctor_check *k;

	d->checks = xrealloc(d->checks, (d->nr + 1) * sizeof(*d->checks));
	k = &d->checks[d->nr++];
	k->id = id;
	k->title = title;
	k->status = c->status;
	k->found = buf_detach(&c->found);
	k->todo = buf_detach(&c->todo);
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- the env ---- */

static int vparse(const char *s, struct version *v)
{
	return s ? version_parse(s, v) : -1;
}

/* CUDA major and minor of the env ("12.4.1"): false without an env. */
static bool env_cuda(const struct doctor *d, unsigned *major, unsigned *minor)
{
	struct version v;

	if (!d->have_env || vparse(d->env.cuda, &v) < 0 || v.nr < 2)
		return false;
	*major = v.part[0];
	*minor = v.part[1];
	return true;
}

static const struct support_cuda *env_support(const struct doctor *d,
					      const struct doctor_input *in)
{
	struct version v;

	if (!d->have_env || vparse(d->env.cuda, &v) < 0)
		return NULL;
	return support_cuda(&in->cat->support, &v);
}

static void load_env(struct doctor *d, const struct doctor_input *in)
{
	struct store_env *envs = NULL;
	struct store s;
	size_t nr = 0, i;
	char *compat;

	if (!in->env_name)
		return;
	store_paths(&s, in->root, in->cache);
	if (store_list_envs(&s, &envs, &nr) == 0) {
		for (i = 0; i < nr; i++) {
			if (!strcmp(envs[i].name, in->env_name)) {
				d->env = envs[i];
				memset(&envs[i], 0, sizeof(envs[i]));
				d->have_env = true;
			}
		}
		store_envs_free(envs, nr);
	}
	store_release(&s);
	compat = xasprintf("%s/" LAYOUT_ENV_COMPAT "/libcuda.so.1", in->env_prefix);
	if (d->have_env && access(compat, F_OK) == 0) {
		d->has_compat = true;
		driver_probe_lib(compat, COMPAT_TIMEOUT_MS, &d->compat);
	}
	free(compat);
}

/* ---- driver ---- */

static int drv_cmp(const char *a, const char *b)
{
	struct version x, y;

	if (version_parse(a, &x) < 0 || version_parse(b, &y) < 0)
		return 0;
	return version_cmp(&x, &y);
}

/* The newest CUDA label whose toolkit minimum the driver meets, or NULL. */
static const char *newest_runnable(const struct support *s, const char *drv, char *dst, size_t n)
{
	size_t i;

	for (i = s->nr_cuda; i-- > 0;) {
		if (drv_cmp(s->cuda[i].driver_min, drv) <= 0)
			return version_str(&s->cuda[i].label, dst, n);
	}
	return NULL;
}

static bool any_datacenter(const struct driver_info *drv)
{
	int i;

	for (i = 0; i < drv->nr_gpus; i++) {
		if (driver_is_datacenter(drv->gpus[i].name))
			return true;
	}
	return false;
}

/* Does the env's CUDA manifest have cuda_compat for this platform? */
static bool compat_offered(const struct doctor *d, const struct doctor_input *in)
{
	struct catalogue_entry *e = catalogue_find(in->cat, MANIFEST_CUDA, d->env.cuda);
	const struct manifest_component *comp;
	const struct manifest *m;
	char err[256];

	return e && catalogue_manifest(in->cat, e, &m, err, sizeof(err)) == 0 &&
	       (comp = manifest_component(m, "cuda_compat")) &&
	       manifest_archive(comp, in->platform, NULL);
}

/* The driver is too old for the env: what forward compatibility could do. */
static void forward_compat(struct check *c, const struct doctor *d, const struct doctor_input *in,
			   const struct support_cuda *row)
{
	bool dc = any_datacenter(&d->drv), jetson = !strcmp(in->platform, "linux-aarch64");
	unsigned major = 0, minor = 0;
	char newest[32];

	env_cuda(d, &major, &minor);
	if (!dc && !jetson) {
		found(c, "forward compatibility (NVIDIA's cuda_compat) is only for data-centre GPUs "
			 "and Jetson%s", d->drv.nr_gpus ? "; this GPU is not one"
						       : "; no GPU was seen to tell");
		todo(c, "upgrade the driver to %s or newer", row->driver_min);
	} else if (d->has_compat) {
		/* the compat check below says how that went */
	} else if (compat_offered(d, in)) {
		found(c, "forward compatibility could run it: CUDA %s's manifest has cuda_compat for %s",
		      d->env.cuda, in->platform);
		todo(c, "run 'cuenv install --with cuda_compat %s' (kept inside the env: its compat/ "
			"comes first on LD_LIBRARY_PATH), or upgrade the driver to %s or newer",
		     d->env.spec ? d->env.spec : d->env.cuda, row->driver_min);
	} else {
		found(c, "forward compatibility could run CUDA %u.%u on this %s, but NVIDIA ships it "
			 "for %s only as the cuda-compat-%u-%u package of its CUDA repositories, not "
			 "as a redistributable archive cuenv can put in the env",
		      major, minor, jetson ? "Jetson" : "data-centre GPU", in->platform, major, minor);
		todo(c, "upgrade the driver to %s or newer, or install cuda-compat-%u-%u (system "
			"package; put its /usr/local/cuda-%u.%u/compat first on LD_LIBRARY_PATH)",
		     row->driver_min, major, minor, major, minor);
	}
	if (d->drv.version[0] && newest_runnable(&in->cat->support, d->drv.version, newest,
						 sizeof(newest)))
		todo(c, "or use a CUDA this driver runs: the newest is %s ('cuenv use %s')", newest,
		     newest);
}

static void judge_version(struct check *c, const struct doctor *d, const struct doctor_input *in,
			  const struct support_cuda *row)
{
	const char *v = d->drv.version;

	if (drv_cmp(v, row->driver_min) >= 0) {
		found(c, "CUDA %s needs driver %s or newer (%s): met", d->env.cuda, row->driver_min,
		      strcmp(row->source, "table") ? "the driver NVIDIA bundles with it"
						   : "NVIDIA's release-notes table");
		return;
	}
	if (drv_cmp(v, row->mvc_min) >= 0) {
		worse(c, DOCTOR_WARNING);
		found(c, "below CUDA %s's minimum %s, above the minor-version-compatibility floor %s: "
			 "programs run with CUDA %u's minor-version compatibility (no PTX JIT of newer "
			 "code: 'the provided PTX was compiled with an unsupported toolchain')",
		      d->env.cuda, row->driver_min, row->mvc_min, (unsigned)row->label.part[0]);
		todo(c, "upgrade the driver to %s or newer for everything CUDA %s offers",
		     row->driver_min, d->env.cuda);
		return;
	}
	worse(c, DOCTOR_ERROR);
	found(c, "too old for CUDA %s: it needs %s (minor-version compatibility: %s); programs "
		 "fail with 'CUDA driver version is insufficient for CUDA runtime version'",
	      d->env.cuda, row->driver_min, row->mvc_min);
	forward_compat(c, d, in, row);
}

/* Only cuDriverGetVersion is known: judge by the CUDA version the driver supports. */
static void judge_api(struct check *c, const struct doctor *d, const struct support_cuda *row)
{
	unsigned major = 0, minor = 0, dm = (unsigned)d->drv.lib.cuda_version / 1000,
		 dn = (unsigned)d->drv.lib.cuda_version % 1000 / 10;

	if (!env_cuda(d, &major, &minor) || !d->drv.lib.cuda_version)
		return;
	if (dm > major || (dm == major && dn >= minor)) {
		found(c, "the driver supports CUDA %u.%u: enough for CUDA %s", dm, dn, d->env.cuda);
	} else if (dm == major) {
		worse(c, DOCTOR_WARNING);
		found(c, "the driver supports CUDA %u.%u only: CUDA %s runs with minor-version "
			 "compatibility%s%s", dm, dn, d->env.cuda, row ? " if the driver is at least " : "",
		      row ? row->mvc_min : "");
	} else {
		worse(c, DOCTOR_ERROR);
		found(c, "the driver supports CUDA %u.%u: too old for CUDA %s", dm, dn, d->env.cuda);
	}
}

/* Does the env's compat libcuda initialise and cover the env's CUDA? */
static bool compat_covers(const struct doctor *d)
{
	unsigned major, minor;

	return d->has_compat && d->compat.loaded && d->compat.init_rc == 0 &&
	       env_cuda(d, &major, &minor) &&
	       (unsigned)d->compat.cuda_version >= major * 1000 + minor * 10;
}

static void check_compat(struct check *c, const struct doctor *d, const struct support_cuda *row)
{
	const struct driver_lib *k = &d->compat;

	found(c, "the env has a forward-compatibility libcuda (%s/" LAYOUT_ENV_COMPAT "), first on "
		 "LD_LIBRARY_PATH", d->env.name);
	if (!k->loaded) {
		worse(c, DOCTOR_ERROR);
		found(c, "it does not load: %s", k->error);
		return;
	}
	found(c, "it supports CUDA %d.%d; cuInit: %s", k->cuda_version / 1000,
	      k->cuda_version % 1000 / 10, k->init_rc == 0 ? "ok" : k->init_name);
	if (compat_covers(d) && (!row || !d->drv.have_version ||
				 drv_cmp(d->drv.version, row->driver_min) < 0)) {
		/* It does the job the driver cannot: the env's programs run. */
		c->status = DOCTOR_OK;
		found(c, "forward compatibility active: programs in the env run CUDA %s through it",
		      d->env.cuda);
		buf_reset(&c->todo);
		return;
	}
	if (k->init_rc == 0 && !compat_covers(d)) {
		worse(c, DOCTOR_ERROR);
		todo(c, "the compat libcuda is older than CUDA %s: install the env again with a newer "
			"cuda_compat", d->env.cuda);
	} else if (k->init_rc == 804) {
		worse(c, DOCTOR_ERROR);
		todo(c, "this GPU cannot use forward compatibility: reinstall the env without "
			"--with cuda_compat, and upgrade the driver");
	} else if (k->init_rc == 803) {
		worse(c, DOCTOR_ERROR);
		todo(c, "the compat package does not support this kernel driver's branch: see "
			"NVIDIA's forward-compatibility support matrix");
	} else if (k->init_rc != 0 && k->init_rc != 100) {
		worse(c, DOCTOR_WARNING);
	} else if (row && d->drv.have_version && drv_cmp(d->drv.version, row->driver_min) >= 0) {
		worse(c, DOCTOR_WARNING);
		todo(c, "the driver (%s) is new enough without it: NVIDIA advises against the compat "
			"package on a driver that needs none; reinstall the env without --with "
			"cuda_compat", d->drv.version);
	}
}

static void check_driver(struct doctor *d, const struct doctor_input *in)
{
	const struct support_cuda *row = env_support(d, in);
	const struct driver_info *drv = &d->drv;
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };

	if (!drv->have_version && !drv->lib.loaded) {
		found(&c, "no NVIDIA driver: no %s, no libcuda.so.1 (%s)%s", drv->proc_path,
		      drv->lib.error, drv->smi_status == 127 ? ", no nvidia-smi" : "");
		found(&c, "build-only: compiling and linking work; running GPU code needs a driver%s%s",
		      row ? " at least " : "", row ? row->driver_min : "");
		add(d, "driver", "NVIDIA driver", &c);
		return;
	}
	if (drv->have_version)
		found(&c, "driver %s (%s)", drv->version,
		      !strcmp(drv->version_source, "nvidia-smi") ? "nvidia-smi" : drv->proc_path);
	if (drv->lib.loaded)
		found(&c, "libcuda: %s, supports CUDA %d.%d; cuInit: %s", drv->lib.path,
		      drv->lib.cuda_version / 1000, drv->lib.cuda_version % 1000 / 10,
		      drv->lib.init_rc == 0 ? "ok" : drv->lib.init_name);
	else
		found(&c, "libcuda.so.1 does not load: %s", drv->lib.error);
	if (drv->lib.loaded && drv->lib.init_rc == 34) {
		worse(&c, DOCTOR_ERROR);
		todo(&c, "'%s' is NVIDIA's stub library (for linking only): take its directory off "
			 "LD_LIBRARY_PATH", drv->lib.path);
	}
	if (!d->have_env) {
		found(&c, "no env to compare with");
	} else if (!row && drv->have_version) {
		found(&c, "CUDA %s is not in support.txt: its minimum driver is not known", d->env.cuda);
	} else if (drv->have_version) {
		judge_version(&c, d, in, row);
	} else {
		judge_api(&c, d, row);
	}
	if (d->has_compat)
		check_compat(&c, d, row);
	add(d, "driver", "NVIDIA driver", &c);
}

/* ---- GPUs ---- */

static const char *arch_name(int cc)
{
	if (cc < 30)
		return "Fermi or older";
	if (cc < 50)
		return "Kepler";
	if (cc < 60)
		return "Maxwell";
	if (cc < 70)
		return "Pascal";
	if (cc == 70 || cc == 72)
		return "Volta";
	if (cc == 75)
		return "Turing";
	if (cc < 89)
		return "Ampere";
	if (cc == 89)
		return "Ada";
	if (cc < 100)
		return "Hopper";
	return "Blackwell";
}

static void judge_arch(struct check *c, const struct driver_gpu *g, const char *what,
		       const struct support_arch *a, const char *alternative)
{
	int cc = g->cc_major * 10 + g->cc_minor;

	if (!a) {
		found(c, "  %s: no list of architectures known (support.txt)", what);
		return;
	}
	if ((unsigned)cc < a->cc_min) {
		worse(c, DOCTOR_ERROR);
		found(c, "  %s builds for compute capability %s only [%s]: %d.%d (%s) is not supported",
		      what, a->cc_text, a->source, g->cc_major, g->cc_minor, arch_name(cc));
		todo(c, "for %s (%d.%d): %s", g->name, g->cc_major, g->cc_minor, alternative);
	} else if ((unsigned)cc > a->cc_max) {
		worse(c, DOCTOR_WARNING);
		found(c, "  %s builds for compute capability %s [%s]: %d.%d (%s) is newer, so only code "
			 "shipped as PTX runs (JIT-compiled by the driver)",
		      what, a->cc_text, a->source, g->cc_major, g->cc_minor, arch_name(cc));
		todo(c, "for %s (%d.%d): a newer release%s", g->name, g->cc_major, g->cc_minor,
		     cc >= 100 ? " (Blackwell needs CUDA 12.8 or newer)" : "");
	} else {
		found(c, "  %s: supported (compute capability %s) [%s]", what, a->cc_text, a->source);
	}
}

static void check_gpus(struct doctor *d, const struct doctor_input *in)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };
	const struct driver_info *drv = &d->drv;
	struct version cv, dv;
	int i;

	if (!drv->nr_gpus) {
		found(&c, "no GPU visible%s%s%s", drv->lib.loaded ? " (cuInit: " : "",
		      drv->lib.loaded ? (drv->lib.init_rc ? drv->lib.init_name : "ok, 0 devices") : "",
		      drv->lib.loaded ? ")" : "");
		found(&c, "build-only: nothing to check against the env's architectures");
		add(d, "gpus", "GPUs", &c);
		return;
	}
	for (i = 0; i < drv->nr_gpus; i++) {
		const struct driver_gpu *g = &drv->gpus[i];
		char what[64], prod[16];

		if (g->cc_major < 0) {
			found(&c, "GPU %d: %s, compute capability unknown (%s)", i, g->name, drv->gpu_source);
			continue;
		}
		found(&c, "GPU %d: %s, compute capability %d.%d (%s, %s)", i, g->name, g->cc_major,
		      g->cc_minor, arch_name(g->cc_major * 10 + g->cc_minor), drv->gpu_source);
		if (!d->have_env || vparse(d->env.cuda, &cv) < 0)
			continue;
		snprintf(what, sizeof(what), "CUDA %s", d->env.cuda);
		judge_arch(&c, g, what, support_arch(&in->cat->support, "cuda", &cv),
			   cv.part[0] >= 13 ? "CUDA 12.x still builds for it" : "another CUDA release");
		if (!d->env.cudnn || vparse(d->env.cudnn, &dv) < 0)
			continue;
		if (dv.nr > 3)
			dv.nr = 3;
		snprintf(prod, sizeof(prod), "cudnn%u", (unsigned)cv.part[0]);
		snprintf(what, sizeof(what), "cuDNN %s (its cuda%u build)", d->env.cudnn,
			 (unsigned)cv.part[0]);
		judge_arch(&c, g, what, support_arch(&in->cat->support, prod, &dv),
			   "an older cuDNN, or the cuDNN of a CUDA 12 env");
	}
	add(d, "gpus", "GPUs", &c);
}

/* ---- host compiler ---- */

static void describe_cc(struct check *c, const char *role, const struct hostcc *cc, int rc)
{
	if (rc == -ENOENT)
		found(c, "%s: '%s' not found on PATH", role, cc->cmd);
	else if (rc < 0)
		found(c, "%s: %s ('%s') is not a gcc or clang nvcc knows", role, cc->path, cc->banner);
	else
		found(c, "%s: %s, %s %d.%d", role, cc->path, cc->kind, cc->major, cc->minor);
}

static void check_compiler(struct doctor *d, const struct doctor_input *in)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };
	const char *ccbin = getenv("NVCC_CCBIN"), *path = getenv("PATH");
	struct hostcc_limits lim;
	struct hostcc cc, alt, cxx;
	struct buf h = BUF_INIT;
	char *hc;
	int rc;

	if (!d->have_env) {
		found(&c, "no env: nothing to compare the host compiler with");
		add(d, "compiler", "host compiler", &c);
		return;
	}
	hc = xasprintf("%s/include/crt/host_config.h", in->env_prefix);
	if (fs_read_file(hc, 1 << 20, &h) < 0) {
		found(&c, "the env has no nvcc headers (include/crt/host_config.h; profile %s): "
			  "nothing to check", d->env.profile);
		goto out;
	}
	if (hostcc_parse_config(h.s, h.len, &lim) < 0) {
		worse(&c, DOCTOR_WARNING);
		found(&c, "%s names no gcc or clang limit: the host compiler cannot be checked", hc);
		goto out;
	}
	found(&c, "CUDA %s's nvcc accepts gcc up to %d and clang up to %d (%s)", d->env.cuda,
	      lim.gcc_max, lim.clang_max, "include/crt/host_config.h");
	rc = hostcc_probe(ccbin && *ccbin ? ccbin : "gcc", path ? path : "", &cc);
	describe_cc(&c, ccbin && *ccbin ? "nvcc runs NVCC_CCBIN" : "nvcc runs gcc (NVCC_CCBIN unset)",
		    &cc, rc);
	if (rc == 0 && hostcc_accepted(&cc, &lim)) {
		found(&c, "accepted");
	} else {
		worse(&c, rc == -ENOENT ? DOCTOR_WARNING : DOCTOR_ERROR);
		if (rc == 0)
			found(&c, "too new: nvcc stops with 'unsupported %s version'",
			      !strcmp(cc.kind, "gcc") ? "GNU" : "clang");
		if (hostcc_find_accepted(path ? path : "", &lim, &alt) == 0) {
			todo(&c, "use %s (%s %d.%d): export NVCC_CCBIN=%s, or nvcc -ccbin %s; CMake: "
				 "-DCMAKE_CUDA_HOST_COMPILER=%s", alt.path, alt.kind, alt.major, alt.minor,
			     alt.path, alt.path, alt.path);
		} else {
			todo(&c, "install gcc %d or older (Debian/Ubuntu: apt install g++-%d) and set "
				 "NVCC_CCBIN to it; nvcc -allow-unsupported-compiler skips the check at "
				 "your own risk", lim.gcc_max, lim.gcc_max);
		}
	}
	/* Build systems take c++ as the C++ compiler; CMake hands nvcc that one too. */
	rc = hostcc_probe("c++", path ? path : "", &cxx);
	if (rc == 0 && strcmp(cxx.path, cc.path)) {
		describe_cc(&c, "c++ (CMake's CMAKE_CXX_COMPILER default)", &cxx, rc);
		if (!hostcc_accepted(&cxx, &lim)) {
			worse(&c, DOCTOR_WARNING);
			found(&c, "not accepted by this nvcc");
		}
	}
out:
	buf_release(&h);
	free(hc);
	add(d, "compiler", "host compiler", &c);
}

/* ---- loader precedence ---- */

struct so {
	char *name;		/* "libcudnn_ops.so.9" */
	char *dir;		/* where the loader would find it */
	const char *origin;	/* "LD_LIBRARY_PATH", "ld.so.cache", "the env" */
	struct cudalib lib;
};

struct so_set {
	struct so *v;
	size_t nr;
};

static struct so *so_find(const struct so_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	}
	return NULL;
}

/* The first occurrence of a name wins, as it does for the loader. */
static void so_add(struct so_set *s, const char *name, const char *dir, const char *origin,
		   const struct cudalib *l)
{
	if (so_find(s, name))
		return;
	s->v = xrealloc(s->v, (s->nr + 1) * sizeof(*s->v));
	s->v[s->nr].name = xstrdup(name);
	s->v[s->nr].dir = xstrdup(dir);
	s->v[s->nr].origin = origin;
	s->v[s->nr++].lib = *l;
}

static void so_free(struct so_set *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		free(s->v[i].name);
		free(s->v[i].dir);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The CUDA-family names with a version ("libcudnn.so.9", not "libcudnn.so") in dir. */
static void scan_dir(struct so_set *s, const char *dir, const char *origin)
{
	DIR *dd = opendir(dir);
	struct dirent *e;

	while (dd && (e = readdir(dd))) {
		struct cudalib l;

		if (cudalib_parse(e->d_name, &l) && l.version[0])
			so_add(s, e->d_name, dir, origin, &l);
	}
	if (dd)
		closedir(dd);
}

/* The env's major of a family (-1: the env has none); with want >= 0, whether it has that one. */
static int env_major(const struct so_set *s, const char *family, int want)
{
	int found = -1;
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (strcmp(s->v[i].lib.family, family))
			continue;
		if (want < 0 || cudalib_major(&s->v[i].lib) == want)
			return cudalib_major(&s->v[i].lib);
		found = found < 0 ? cudalib_major(&s->v[i].lib) : found;
	}
	return want < 0 ? found : -1;
}

/* The env's LD_LIBRARY_PATH for a program run in it: env.c's computation. */
static char *effective_ldpath(const struct doctor_input *in, const char *name)
{
	struct env_ops ops = { 0 };
	char *v = NULL;
	size_t i;

	env_activate(&ops, in->root, in->env_prefix, name, env_getenv, NULL);
	for (i = 0; i < ops.nr; i++) {
		if (!strcmp(ops.v[i].name, "LD_LIBRARY_PATH") && ops.v[i].value)
			v = xstrdup(ops.v[i].value);
	}
	env_ops_release(&ops);
	return v;
}

static bool below_prefix(const char *dir, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(dir, prefix, n) && (dir[n] == '/' || dir[n] == '\0');
}

enum so_kind { SO_MIX, SO_MAJOR, SO_ABSENT, SO_HIDDEN };

/* Outside names of one kind, family and directory, for one line of the report. */
struct bucket {
	enum so_kind kind;
	const char *family;
	const char *origin;
	char *dir;
	int major;
	struct buf names;
	size_t n;
};

struct loader {
	struct so_set env, outside;
	struct bucket *b;
	size_t nr;
};

static void bucket_add(struct loader *L, enum so_kind kind, const struct so *o)
{
	struct bucket *k = NULL;
	size_t i;

	/* One line per family and major, except what the env lacks altogether: one per directory. */
	for (i = 0; i < L->nr && !k; i++) {
		if (L->b[i].kind == kind && !strcmp(L->b[i].dir, o->dir) &&
		    (kind == SO_ABSENT || (!strcmp(L->b[i].family, o->lib.family) &&
					   L->b[i].major == cudalib_major(&o->lib))))
			k = &L->b[i];
	}
	if (!k) {
		L->b = xrealloc(L->b, (L->nr + 1) * sizeof(*L->b));
		k = &L->b[L->nr++];
		memset(k, 0, sizeof(*k));
		k->kind = kind;
		k->family = o->lib.family;
		k->origin = o->origin;
		k->dir = xstrdup(o->dir);
		k->major = cudalib_major(&o->lib);
		buf_init(&k->names);
	}
	if (k->n++ < 8)
		buf_addf(&k->names, "%s%s", k->names.len ? ", " : "", o->name);
	else if (k->n == 9)
		buf_adds(&k->names, ", ...");
}

static void collect_outside(struct loader *L, const struct doctor_input *in, const char *ldpath,
			    struct check *c)
{
	const char *cache = getenv("CUENV_TEST_LDCACHE"), *s = ldpath, *e;
	struct ldcache lc;
	size_t i;

	while (s && *s) {
		char *dir;

		e = strchr(s, ':');
		dir = e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
		if (*dir && !below_prefix(dir, in->env_prefix))
			scan_dir(&L->outside, dir, "LD_LIBRARY_PATH");
		free(dir);
		s = e ? e + 1 : NULL;
	}
	if (!cache || !*cache)
		cache = "/etc/ld.so.cache";
	if (ldcache_read(cache, &lc) < 0) {
		found(c, "%s cannot be read", cache);
		return;
	}
	for (i = 0; i < lc.nr; i++) {
		char *dir = xstrdup(lc.v[i].path), *slash = strrchr(dir, '/');
		struct cudalib l;

		if (slash)
			*slash = '\0';
		if (ldcache_native(&lc.v[i]) && cudalib_parse(lc.v[i].name, &l) && l.version[0] &&
		    !below_prefix(dir, in->env_prefix))
			so_add(&L->outside, lc.v[i].name, dir, "ld.so.cache", &l);
		free(dir);
	}
	ldcache_release(&lc);
}

/* Which kind an outside name is: hidden by the env, a mix, another major, or absent. */
static void classify(struct loader *L, const struct so *o)
{
	int major = cudalib_major(&o->lib);

	if (so_find(&L->env, o->name))
		bucket_add(L, SO_HIDDEN, o);
	else if (!strcmp(o->lib.family, "driver"))
		return;	/* the system's driver: where it belongs */
	else if (env_major(&L->env, o->lib.family, major) >= 0)
		bucket_add(L, SO_MIX, o);
	else if (env_major(&L->env, o->lib.family, -1) >= 0)
		bucket_add(L, SO_MAJOR, o);
	else
		bucket_add(L, SO_ABSENT, o);
}

static void report_bucket(struct check *c, const struct loader *L, const struct bucket *k)
{
	const char *t = cudalib_family_title(k->family);

	switch (k->kind) {
	case SO_MIX:
		worse(c, DOCTOR_ERROR);
		found(c, "%s (%s): %s: %s %d libraries the env lacks; a program that opens them mixes "
			 "two %s releases", k->dir, k->origin, k->names.s, t, k->major, t);
		todo(c, "take %s off %s, or use an env with the same %s release", k->dir, k->origin, t);
		break;
	case SO_MAJOR:
		worse(c, DOCTOR_WARNING);
		found(c, "%s (%s): %s: %s %d (the env has %s %d): a program built for %d gets these, "
			 "next to the env's libraries", k->dir, k->origin, k->names.s, t, k->major, t,
		      env_major(&L->env, k->family, -1), k->major);
		break;
	case SO_ABSENT:
		found(c, "%s (%s): %s: not in the env (no such family there), programs get these",
		      k->dir, k->origin, k->names.s);
		break;
	case SO_HIDDEN:
		found(c, "%s (%s): %zu of the env's sonames (%s): the env's win while LD_LIBRARY_PATH "
			 "is set; setuid programs, programs that clear the environment and libraries "
			 "with a DT_RPATH to %s get these", k->dir, k->origin, k->n, k->names.s, k->dir);
		break;
	}
}

static void check_preload(struct check *c)
{
	const char *s = getenv("LD_PRELOAD");

	while (s && *s) {
		size_t n = strcspn(s, ": ");
		char *one = xstrndup(s, n);
		const char *base = strrchr(one, '/') ? strrchr(one, '/') + 1 : one;
		struct cudalib l;

		if (cudalib_parse(base, &l) && strcmp(l.family, "driver")) {
			worse(c, DOCTOR_ERROR);
			found(c, "LD_PRELOAD has %s: it wins over everything the env provides", one);
			todo(c, "unset LD_PRELOAD (or drop %s from it)", one);
		}
		free(one);
		s += n + (s[n] != '\0');
	}
}

static void check_loader(struct doctor *d, const struct doctor_input *in)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };
	struct loader L;
	char *ldpath, *lib, *compat;
	enum so_kind kind;
	size_t i;

	if (!d->have_env) {
		found(&c, "no env: nothing to check");
		add(d, "loader", "loader precedence", &c);
		return;
	}
	memset(&L, 0, sizeof(L));
	lib = xasprintf("%s/lib", in->env_prefix);
	compat = xasprintf("%s/" LAYOUT_ENV_COMPAT, in->env_prefix);
	if (is_dir(compat))
		scan_dir(&L.env, compat, "the env");
	scan_dir(&L.env, lib, "the env");
	ldpath = effective_ldpath(in, d->env.name);
	found(&c, "LD_LIBRARY_PATH of a program in the env: %s", ldpath ? ldpath : "(unset)");
	found(&c, "the env provides %zu CUDA-family sonames", L.env.nr);
	check_preload(&c);
	collect_outside(&L, in, ldpath, &c);
	for (i = 0; i < L.outside.nr; i++)
		classify(&L, &L.outside.v[i]);
	for (kind = SO_MIX; kind <= SO_HIDDEN; kind++) {
		for (i = 0; i < L.nr; i++) {
			if (L.b[i].kind == kind)
				report_bucket(&c, &L, &L.b[i]);
		}
	}
	for (i = 0; i < L.nr; i++) {
		free(L.b[i].dir);
		buf_release(&L.b[i].names);
	}
	free(L.b);
	so_free(&L.env);
	so_free(&L.outside);
	free(ldpath);
	free(lib);
	free(compat);
	add(d, "loader", "loader precedence", &c);
}

/* ---- Python ---- */

static void list_dists(struct check *c, const struct pyenv *p)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < p->nr_dists; i++)
		buf_addf(&b, "%s%s %s", b.len ? ", " : "", p->dists[i].name, p->dists[i].version);
	found(c, "packages: %s", b.len ? b.s : "none of nvidia-*, torch, jax, tensorflow, cupy");
	buf_release(&b);
}

static void judge_cuda_major(struct check *c, const struct doctor *d, const char *what,
			     const char *cuda)
{
	unsigned major, minor;
	struct version v;

	if (!cuda || version_parse(cuda, &v) < 0 || !env_cuda(d, &major, &minor))
		return;
	if (v.part[0] != major) {
		worse(c, DOCTOR_WARNING);
		found(c, "%s was built for CUDA %s; the env is CUDA %s: extensions built with the env's "
			 "nvcc will not match it", what, cuda, d->env.cuda);
		todo(c, "use an env of CUDA %u for %s ('cuenv use %u+cudnn')", (unsigned)v.part[0], what,
		     (unsigned)v.part[0]);
	}
}

/* PyTorch: its RPATH to the wheels, and the wheel cuDNN's RUNPATH. */
static void judge_torch(struct check *c, const struct doctor *d, const struct pyenv *p)
{
	const struct pyenv_framework *t = &p->torch;
	struct version wv, ev;

	found(c, "torch %s, built for CUDA %s", t->version ? t->version : "?",
	      t->cuda ? t->cuda : "none (CPU only)");
	judge_cuda_major(c, d, "torch", t->cuda);
	if (t->have_dyn && t->dyn.rpath && !t->dyn.runpath)
		found(c, "%s has DT_RPATH %s: the libraries it links come from its wheels before "
			 "LD_LIBRARY_PATH, so it ignores the env's copies", t->lib, t->dyn.rpath);
	else if (t->have_dyn && t->dyn.runpath)
		found(c, "%s has DT_RUNPATH %s: LD_LIBRARY_PATH (the env) comes first for what it links",
		      t->lib, t->dyn.runpath);
	if (!p->wheel_cudnn_lib)
		return;
	found(c, "its cuDNN: %s (nvidia-cudnn wheel %s)%s%s", p->wheel_cudnn_lib,
	      p->wheel_cudnn_version, p->have_wheel_cudnn_dyn && p->wheel_cudnn_dyn.runpath ?
	      ", DT_RUNPATH " : "", p->have_wheel_cudnn_dyn && p->wheel_cudnn_dyn.runpath ?
	      p->wheel_cudnn_dyn.runpath : "");
	if (!d->have_env || !d->env.cudnn || vparse(d->env.cudnn, &ev) < 0 ||
	    vparse(p->wheel_cudnn_version, &wv) < 0 || wv.part[0] != ev.part[0])
		return;
	if (!p->have_wheel_cudnn_dyn || p->wheel_cudnn_dyn.rpath || !p->wheel_cudnn_dyn.runpath)
		return;
	if (ev.nr > 3)
		ev.nr = 3;
	if (wv.nr > 3)
		wv.nr = 3;
	if (!version_cmp(&ev, &wv))
		return;
	worse(c, DOCTOR_WARNING);
	found(c, "cuDNN mix: torch loads the wheel's libcudnn.so.%u (%s), whose sub-libraries "
		 "(libcudnn_ops, libcudnn_cnn, ..., opened by name) come from LD_LIBRARY_PATH first, "
		 "i.e. from the env's cuDNN %s (%s than the wheel's): DT_RUNPATH is searched after "
		 "LD_LIBRARY_PATH", (unsigned)wv.part[0], p->wheel_cudnn_version, d->env.cudnn,
	      version_cmp(&ev, &wv) < 0 ? "older" : "newer");
	todo(c, "run PyTorch outside the env, or use an env with the wheel's cuDNN "
		"('cuenv use %s+cudnn%u.%u')", d->env.cuda, (unsigned)wv.part[0], (unsigned)wv.part[1]);
}

static void check_python(struct doctor *d)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };
	struct pyenv p;

	if (pyenv_find(&p) < 0) {
		found(&c, "no Python environment (no VIRTUAL_ENV, no CONDA_PREFIX, no python3 on PATH)");
		add(d, "python", "Python", &c);
		return;
	}
	found(&c, "%s %s", p.kind, p.prefix);
	list_dists(&c, &p);
	if (p.torch.present)
		judge_torch(&c, d, &p);
	if (p.tensorflow.present) {
		found(&c, "tensorflow %s, built for CUDA %s and cuDNN %s (it opens them by name: the "
			  "env's are used)", p.tensorflow.version ? p.tensorflow.version : "?",
		      p.tensorflow.cuda ? p.tensorflow.cuda : "?",
		      p.tensorflow.cudnn ? p.tensorflow.cudnn : "?");
		judge_cuda_major(&c, d, "tensorflow", p.tensorflow.cuda);
	}
	if (p.jax.present) {
		found(&c, "jax %s%s%s", p.jax.version, p.jax.cuda ? ", CUDA plugin for CUDA " : " (no "
			  "CUDA plugin)", p.jax.cuda ? p.jax.cuda : "");
		judge_cuda_major(&c, d, "jax", p.jax.cuda);
	}
	pyenv_release(&p);
	add(d, "python", "Python", &c);
}

/* ---- pin, lock, store ---- */

static void check_pin(struct doctor *d, const struct doctor_input *in)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };

	if (in->pin_broken) {
		worse(&c, DOCTOR_ERROR);
		found(&c, "the pin here cannot be read (see the error above)");
		todo(&c, "fix the pin file, or run 'cuenv use SPEC' again");
	} else if (!in->spec) {
		found(&c, "nothing pinned here (CUENV_VERSION unset, no " LAYOUT_PIN_FILE ", no global "
			  "default): the machine was checked without an env");
		todo(&c, "give a SPEC ('cuenv doctor 12.4+cudnn9'), or pin one with 'cuenv use SPEC'");
	} else {
		found(&c, "'%s', %s", in->spec, in->from);
		if (!in->env_name) {
			worse(&c, DOCTOR_ERROR);
			found(&c, "not installed");
			todo(&c, "run 'cuenv install%s%s'", in->pin ? "" : " ", in->pin ? "" : in->spec);
		} else {
			found(&c, "env %s", in->env_name);
		}
	}
	add(d, "pin", "pin", &c);
}

static void check_lock(struct doctor *d, const struct doctor_input *in)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };

	if (!in->lock_path) {
		found(&c, "no lock applies (%s)", in->pin ? "CUENV_VERSION has none" :
			  in->spec ? "a spec from the command line" : "nothing pinned");
	} else if (!in->have_lock) {
		worse(&c, DOCTOR_WARNING);
		found(&c, "%s", in->lock_problem);
		todo(&c, "run 'cuenv use %s' to write it", in->spec);
	} else if (!in->lock_matches) {
		worse(&c, DOCTOR_WARNING);
		found(&c, "%s", in->lock_problem);
		todo(&c, "run 'cuenv use %s' to lock the pin again", in->spec);
	} else {
		found(&c, "%s pins %s (CUDA %s%s%s, %zu archives, manifests' sha256 recorded)",
		      in->lock_path, in->lock->env, in->lock->cuda, in->lock->cudnn ? ", cuDNN " : "",
		      in->lock->cudnn ? in->lock->cudnn : "", in->lock->nr);
		if (in->env_name && strcmp(in->env_name, in->lock->env)) {
			worse(&c, DOCTOR_WARNING);
			found(&c, "but the env in use is %s", in->env_name);
			todo(&c, "run 'cuenv install' to install what the lock names");
		}
	}
	add(d, "lock", "lock", &c);
}

static void check_store(struct doctor *d, const struct doctor_input *in)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };
	char *names[1] = { d->env.name }, err[512];
	struct integrity_opts o = { .envs = names, .nr_envs = 1 };
	struct integrity_result r = { 0 };
	struct store s;
	size_t i;
	int rc;

	if (!d->have_env) {
		found(&c, "no env to check");
		add(d, "store", "store", &c);
		return;
	}
	/* The same check as 'cuenv verify SPEC': every file re-hashed. */
	store_paths(&s, in->root, in->cache);
	rc = integrity_run(&s, &o, &r, err, sizeof(err));
	store_release(&s);
	if (rc < 0) {
		worse(&c, DOCTOR_ERROR);
		found(&c, "cannot check the store: %s", err);
	} else {
		found(&c, "%zu store entries, %zu files, %.1f MB re-hashed: %zu differences from what "
			  "install recorded", r.entries, r.files, r.bytes / 1e6, r.nr);
		for (i = 0; i < r.nr && i < 5; i++) {
			const struct integrity_problem *p = &r.problems[i];

			found(&c, "%s %s (%s %s)", integrity_kind_name(p->kind), p->path,
			      p->in_env ? "env" : "store entry", p->owner);
		}
		if (r.nr > 5)
			found(&c, "and %zu more", r.nr - 5);
		if (r.nr) {
			worse(&c, DOCTOR_ERROR);
			todo(&c, "see 'cuenv verify %s'; reinstall: 'cuenv uninstall %s' then "
				 "'cuenv install %s'", d->env.name, d->env.name, d->env.spec);
		}
	}
	integrity_result_release(&r);
	add(d, "store", "store", &c);
}

/* ---- variables ---- */

/* Every CUENV_* variable cuenv reads; CUENV_TEST_* are test seams. */
static const char *const known_vars[] = {
	"CUENV_ROOT", "CUENV_CACHE", "CUENV_CONFIG", "CUENV_MIRROR", "CUENV_PLATFORM",
	"CUENV_PROFILE", "CUENV_JOBS", "CUENV_VERSION", "CUENV_ACTIVE", "CUENV_SHIM_DEPTH",
	"CUENV_RETRIES", "CUENV_RETRY_BASE_MS", "CUENV_RETRY_AFTER_MAX", "CUENV_STALL_TIMEOUT",
	"CUENV_CONNECT_TIMEOUT", "CUENV_LOCK_TIMEOUT", "CUENV_CA_BUNDLE", "CUENV_MAX_UNPACKED",
	"CUENV_MAX_ENTRIES", "CUENV_AUDIT_FILE", "CUENV_SYSTEM_ROOT", "CUENV_CEILING_DIRS", NULL,
};

static bool known_var(const char *name, size_t n)
{
	int i;

	for (i = 0; known_vars[i]; i++) {
		if (strlen(known_vars[i]) == n && !strncmp(known_vars[i], name, n))
			return true;
	}
	return false;
}

static void check_vars(struct doctor *d, const struct doctor_input *in)
{
	struct check c = { DOCTOR_OK, BUF_INIT, BUF_INIT };
	const char *active = getenv("CUENV_ACTIVE"), *home = getenv("CUDA_HOME");
	size_t i, n = 0;

	for (i = 0; environ && environ[i]; i++) {
		const char *e = environ[i];
		size_t len = strcspn(e, "=");

		if (strncmp(e, "CUENV_", 6))
			continue;
		n++;
		found(&c, "%s", e);
		if (!strncmp(e, "CUENV_TEST_", 11)) {
			worse(&c, DOCTOR_WARNING);
			found(&c, "  a test seam: cuenv reads fakes instead of the machine");
		} else if (!known_var(e, len)) {
			worse(&c, DOCTOR_WARNING);
			found(&c, "  not a variable cuenv reads (a typo?)");
		}
	}
	if (!n)
		found(&c, "no CUENV_* variable set");
	if (active && d->have_env && strcmp(active, d->env.name)) {
		worse(&c, DOCTOR_WARNING);
		found(&c, "this shell has %s active, but the env here is %s", active, d->env.name);
		todo(&c, "start a new shell with the hook ('eval \"$(cuenv hook bash)\"'), or run "
			 "programs with 'cuenv exec'");
	}
	if (home && in->env_prefix && strcmp(home, in->env_prefix) && !active)
		found(&c, "CUDA_HOME=%s in this shell; programs run through cuenv get the env's", home);
	add(d, "vars", "CUENV_* variables", &c);
}

void doctor_run(struct doctor *d, const struct doctor_input *in)
{
	memset(d, 0, sizeof(*d));
	load_env(d, in);
	driver_probe(&d->drv);
	check_pin(d, in);
	check_lock(d, in);
	check_store(d, in);
	check_driver(d, in);
	check_gpus(d, in);
	check_compiler(d, in);
	check_loader(d, in);
	check_python(d);
	check_vars(d, in);
}

void doctor_release(struct doctor *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		free(d->checks[i].found);
		free(d->checks[i].todo);
	}
	free(d->checks);
	if (d->have_env)
		store_env_release(&d->env);
	memset(d, 0, sizeof(*d));
}
