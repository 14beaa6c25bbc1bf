// SPDX-License-Identifier: MIT
/* The NVIDIA driver and GPUs: the version file, libcuda through dlopen, nvidia-smi. */
#include "driver.h"

#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "proc.h"
#include "banned.h"

#define LIB_TIMEOUT_MS 20000
#define SMI_TIMEOUT_MS 20000
/* CUdevice_attribute: CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR */
#define ATTR_CC_MAJOR 75
#define ATTR_CC_MINOR 76

static const struct {
	int rc;
	const char *name;
} cu_errors[] = {
	{ 0, "CUDA_SUCCESS" },
	{ 1, "CUDA_ERROR_INVALID_VALUE" },
	{ 2, "CUDA_ERROR_OUT_OF_MEMORY" },
	{ 3, "CUDA_ERROR_NOT_INITIALIZED" },
	{ 4, "CUDA_ERROR_DEINITIALIZED" },
	{ 34, "CUDA_ERROR_STUB_LIBRARY" },
	{ 46, "CUDA_ERROR_DEVICE_UNAVAILABLE" },
	{ 100, "CUDA_ERROR_NO_DEVICE" },
	{ 101, "CUDA_ERROR_INVALID_DEVICE" },
	{ 802, "CUDA_ERROR_SYSTEM_NOT_READY" },
	{ 803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH" },
	{ 804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE" },
	{ 999, "CUDA_ERROR_UNKNOWN" },
};

const char *driver_error_name(int rc)
{
	static char other[32];
	size_t i;

	for (i = 0; i < sizeof(cu_errors) / sizeof(cu_errors[0]); i++) {
		if (cu_errors[i].rc == rc)
			return cu_errors[i].name;
	}
	snprintf(other, sizeof(other), "CUresult %d", rc);
	return other;
}

/* ---- the version file ---- */

/* A token of digits and dots with at least one dot: "550.54.15". */
static bool version_token(const char *s, size_t n)
{
	size_t i, dots = 0;

	if (!n || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[n - 1]))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return dots >= 1;
}

int driver_parse_proc(const char *data, size_t len, char *ver, size_t n)
{
	const char *line = data, *end = data + len;

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line)), *s;

		eol = eol ? eol : end;
		if ((size_t)(eol - line) > 13 && !strncmp(line, "NVRM version:", 13)) {
			for (s = line + 13; s < eol;) {
				const char *t;

				while (s < eol && isspace((unsigned char)*s))
					s++;
				for (t = s; t < eol && !isspace((unsigned char)*t);)
					t++;
				if (version_token(s, (size_t)(t - s)) && (size_t)(t - s) < n) {
					memcpy(ver, s, (size_t)(t - s));
					ver[t - s] = '\0';
					return 0;
				}
				s = t;
			}
		}
		line = eol + 1;
	}
	return -EINVAL;
}

/* ---- libcuda, in a child ---- */

typedef int cu_init_fn(unsigned);
typedef int cu_int_fn(int *);
typedef int cu_get_fn(int *, int);
typedef int cu_name_fn(char *, int, int);
typedef int cu_attr_fn(int *, int, int);
typedef int cu_errname_fn(int, const char **);

/* Which file named libcuda.so* the child has mapped: /proc/self/maps. */
static void mapped_path(char *dst, size_t n)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/'), *base, *nl;

		if (!p)
			continue;
		if ((nl = strchr(p, '\n')))
			*nl = '\0';
		base = strrchr(p, '/') + 1;
		if (!strncmp(base, "libcuda.so", 10)) {
			snprintf(dst, n, "%s", p);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* dlsym into a function pointer without a cast between object and function pointers. */
static void sym(void *dl, const char *name, void *dst)
{
	void *p = dlsym(dl, name);

	memcpy(dst, &p, sizeof(p));
}

static void ask(const char *path, struct driver_lib *r)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cu_init_fn *init;
	cu_int_fn *version, *count;
	cu_get_fn *get;
	cu_name_fn *name;
	cu_attr_fn *attr;
	cu_errname_fn *errname;
	const char *en = NULL;
	int i, dev;

	if (!dl) {
		snprintf(r->error, sizeof(r->error), "%s", dlerror());
		return;
	}
	r->loaded = true;
	mapped_path(r->path, sizeof(r->path));
	sym(dl, "cuInit", &init);
	sym(dl, "cuDriverGetVersion", &version);
	sym(dl, "cuDeviceGetCount", &count);
	sym(dl, "cuDeviceGet", &get);
	sym(dl, "cuDeviceGetName", &name);
	sym(dl, "cuDeviceGetAttribute", &attr);
	sym(dl, "cuGetErrorName", &errname);
	if (!init || !version) {
		snprintf(r->error, sizeof(r->error), "no cuInit or cuDriverGetVersion in it");
		r->init_rc = -1;
		return;
	}
	/* The version needs no cuInit: it answers even where no GPU is usable. */
	if (version(&r->cuda_version) != 0)
		r->cuda_version = 0;
	r->init_rc = init(0);
	if (errname && errname(r->init_rc, &en) == 0 && en)
		snprintf(r->init_name, sizeof(r->init_name), "%s", en);
	else
		snprintf(r->init_name, sizeof(r->init_name), "%s", driver_error_name(r->init_rc));
	if (r->init_rc != 0 || !count || !get || count(&r->nr_gpus) != 0)
		return;
	if (r->nr_gpus > DRIVER_MAX_GPUS)
		r->nr_gpus = DRIVER_MAX_GPUS;
	for (i = 0; i < r->nr_gpus; i++) {
		struct driver_gpu *g = &r->gpus[i];

		g->cc_major = g->cc_minor = -1;
		if (get(&dev, i) != 0)
			continue;
		if (name && name(g->name, (int)sizeof(g->name), dev) != 0)
			g->name[0] = '\0';
		g->name[sizeof(g->name) - 1] = '\0';
		if (attr && (attr(&g->cc_major, ATTR_CC_MAJOR, dev) != 0 ||
			     attr(&g->cc_minor, ATTR_CC_MINOR, dev) != 0))
			g->cc_major = g->cc_minor = -1;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly n bytes by the deadline; false otherwise. */
static bool read_all(int fd, void *dst, size_t n, long long deadline)
{
	size_t got = 0;

	while (got < n) {
		long long left = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			if (errno == EINTR && left > 0)
				continue;
			return false;
		}
		r = read(fd, (char *)dst + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

void driver_probe_lib(const char *path, int timeout_ms, struct driver_lib *out)
{
	int fds[2], ws;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	out->init_rc = -1;
	if (pipe(fds) < 0) {
		snprintf(out->error, sizeof(out->error), "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(out->error, sizeof(out->error), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		struct driver_lib r;
		ssize_t w;

		close(fds[0]);
		memset(&r, 0, sizeof(r));
		r.init_rc = -1;
		ask(path, &r);
		w = write(fds[1], &r, sizeof(r));
		_exit(w == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	if (!read_all(fds[0], out, sizeof(*out), now_ms() + timeout_ms)) {
		kill(pid, SIGKILL);
		memset(out, 0, sizeof(*out));
		out->init_rc = -1;
		out->timed_out = true;
		snprintf(out->error, sizeof(out->error),
			 "the probe of '%s' did not answer within %d s (killed)", path,
			 timeout_ms / 1000);
	}
	close(fds[0]);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!out->timed_out && WIFSIGNALED(ws) && !out->loaded)
		snprintf(out->error, sizeof(out->error), "the probe of '%s' died of signal %d",
			 path, WTERMSIG(ws));
}

/* ---- nvidia-smi ---- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int driver_parse_smi(const char *data, struct driver_gpu *gpus, int max, char *drv, size_t n)
{
	char line[512];
	const char *s = data;
	int nr = 0;

	*drv = '\0';
	while (*s && nr < max) {
		size_t len = strcspn(s, "\n");
		char *c1, *c2, *cc;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), s);
		s += len + (s[len] == '\n');
		/* name, compute_cap, driver_version: the name is all before the last two commas. */
		if (!(c2 = strrchr(line, ',')))
			continue;
		*c2 = '\0';
		if (!(c1 = strrchr(line, ',')))
			continue;
		*c1 = '\0';
		cc = trim(c1 + 1);
		snprintf(gpus[nr].name, sizeof(gpus[nr].name), "%s", trim(line));
		if (sscanf(cc, "%d.%d", &gpus[nr].cc_major, &gpus[nr].cc_minor) != 2)
			gpus[nr].cc_major = gpus[nr].cc_minor = -1;
		if (!*drv)
			snprintf(drv, n, "%s", trim(c2 + 1));
		nr++;
	}
	return nr;
}

static void run_smi(struct driver_info *d)
{
	const char *prog = getenv("CUENV_TEST_NVIDIA_SMI");
	char *argv[] = { (char *)(prog && *prog ? prog : "nvidia-smi"),
			 "--query-gpu=name,compute_cap,driver_version", "--format=csv,noheader",
			 NULL };
	struct buf out = BUF_INIT;
	char drv[32];
	int rc;

	d->smi_ran = true;
	if (prog && !strcmp(prog, "none")) {
		d->smi_status = 127;
		return;
	}
	rc = proc_capture(argv, SMI_TIMEOUT_MS, 65536, &out, &d->smi_status);
	if (rc < 0) {
		d->smi_status = 127;
		buf_release(&out);
		return;
	}
	snprintf(d->smi_output, sizeof(d->smi_output), "%.*s", (int)strcspn(out.s, "\n"), out.s);
	if (d->smi_status == 0) {
		struct driver_gpu g[DRIVER_MAX_GPUS];
		int nr = driver_parse_smi(out.s, g, DRIVER_MAX_GPUS, drv, sizeof(drv));

		if (nr > 0 && !d->nr_gpus) {
			memcpy(d->gpus, g, sizeof(g[0]) * (size_t)nr);
			d->nr_gpus = nr;
			d->gpu_source = "nvidia-smi";
		}
		if (*drv && !d->have_version) {
			snprintf(d->version, sizeof(d->version), "%s", drv);
			d->have_version = true;
			d->version_source = "nvidia-smi";
		}
	}
	buf_release(&out);
}

void driver_probe(struct driver_info *d)
{
	const char *vf = getenv("CUENV_TEST_DRIVER_VERSION_FILE");
	const char *lib = getenv("CUENV_TEST_LIBCUDA");
	struct buf b = BUF_INIT;

	memset(d, 0, sizeof(*d));
	snprintf(d->proc_path, sizeof(d->proc_path), "%s", vf && *vf ? vf : DRIVER_PROC_VERSION);
	if (fs_read_file(d->proc_path, 65536, &b) == 0) {
		d->have_proc = true;
		if (driver_parse_proc(b.s, b.len, d->version, sizeof(d->version)) == 0) {
			d->have_version = true;
			d->version_source = "kernel module";
		}
	}
	buf_release(&b);
	if (lib && !strcmp(lib, "none")) {
		memset(&d->lib, 0, sizeof(d->lib));
		d->lib.init_rc = -1;
		snprintf(d->lib.error, sizeof(d->lib.error), "libcuda.so.1: cannot open shared object file");
	} else {
		driver_probe_lib(lib && *lib ? lib : "libcuda.so.1", LIB_TIMEOUT_MS, &d->lib);
	}
	if (d->lib.loaded && d->lib.init_rc == 0 && d->lib.nr_gpus > 0) {
		memcpy(d->gpus, d->lib.gpus, sizeof(d->gpus));
		d->nr_gpus = d->lib.nr_gpus;
		d->gpu_source = "driver API";
	}
	/* nvidia-smi when the driver API gave no GPUs, or nothing gave a driver version. */
	if ((!d->nr_gpus && !(d->lib.loaded && d->lib.init_rc == 100)) ||
	    (!d->have_version && d->lib.loaded))
		run_smi(d);
}

/* ---- data-centre parts ---- */

/*
 * NVIDIA's data-centre GPU names (the "NVIDIA " prefix removed), as whole
 * words. Forward compatibility is "applicable only for systems with NVIDIA
 * Data Center GPUs, select NGC Server Ready SKUs of RTX cards, and Jetson
 * boards" (docs.nvidia.com/deploy/cuda-compatibility/forward-compatibility.html);
 * the list of names is ours, from NVIDIA's product names.
 */
static const char *const datacenter[] = {
	"Tesla", "A2", "A10", "A10G", "A16", "A30", "A40", "A100", "A800", "H20", "H100", "H200",
	"H800", "GH200", "L4", "L20", "L40", "L40S", "B100", "B200", "B300", "GB200", "GB300",
	"V100", "T4", "P100", "P40", "P4", "K80", "Server", NULL,
};

bool driver_is_datacenter(const char *name)
{
	const char *s = name;

	while (*s) {
		size_t n;
		int i;

		while (*s && !isalnum((unsigned char)*s))
			s++;
		n = 0;
		while (isalnum((unsigned char)s[n]))
			n++;
		for (i = 0; datacenter[i]; i++) {
			if (strlen(datacenter[i]) == n && !strncmp(s, datacenter[i], n))
				return true;
		}
		s += n;
	}
	return false;
}
