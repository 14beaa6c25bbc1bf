/*
 * driver.h - the NVIDIA driver and GPUs of this machine, as a program sees them.
 *
 * Three sources, none of them linked: the kernel module's version file
 * (/proc/driver/nvidia/version), the driver library libcuda.so.1 opened with
 * dlopen (cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet,
 * cuDeviceGetName, cuDeviceGetAttribute for the compute capability), and
 * nvidia-smi as a fallback. libcuda is asked in a child process bounded by a
 * timeout, so a hung or crashing driver cannot take cuenv with it, and two
 * different libcuda (the system's and an env's forward-compatibility copy)
 * never meet in one process.
 *
 * Test seams (environment variables; tests/bats/doctor.bats uses them):
 *	CUENV_TEST_DRIVER_VERSION_FILE	read instead of /proc/driver/nvidia/version
 *	CUENV_TEST_LIBCUDA		path of the libcuda.so.1 to open (a fake one
 *					built from tests/fixtures/fakecuda.c); "none":
 *					behave as if there were none
 *	CUENV_TEST_NVIDIA_SMI		program to run instead of nvidia-smi; "none":
 *					there is none
 *
 *	struct driver_info d;
 *	driver_probe(&d);
 *	if (d.have_version) ... d.version ("550.54.15") ...
 *	for (i = 0; i < d.nr_gpus; i++) ... d.gpus[i].name, .cc_major ...
 */
#ifndef CUENV_DRIVER_H
#define CUENV_DRIVER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define DRIVER_MAX_GPUS 16
#define DRIVER_PROC_VERSION "/proc/driver/nvidia/version"

struct driver_gpu {
	char name[96];
	int cc_major, cc_minor;	/* -1 when unknown */
};

/* What one libcuda.so.1 answered. */
struct driver_lib {
	bool loaded;		/* dlopen worked */
	bool timed_out;		/* the probe was killed */
	char path[PATH_MAX];	/* the file that was mapped */
	char error[200];	/* dlopen's message, when not loaded */
	int init_rc;		/* cuInit(0): 0, or a CUresult */
	char init_name[64];	/* "CUDA_ERROR_NO_DEVICE" */
	int cuda_version;	/* cuDriverGetVersion: 12040; 0 when unknown */
	int nr_gpus;
	struct driver_gpu gpus[DRIVER_MAX_GPUS];
};

struct driver_info {
	char proc_path[PATH_MAX];	/* the version file read (or tried) */
	bool have_proc;
	char version[32];		/* the kernel module's: "550.54.15" */
	bool have_version;		/* from the file, else nvidia-smi */
	const char *version_source;	/* "kernel module", "nvidia-smi" */
	struct driver_lib lib;		/* the system's libcuda.so.1 */
	bool smi_ran;
	int smi_status;			/* exit status; 127: not found */
	char smi_output[256];		/* first line, for messages */
	int nr_gpus;
	struct driver_gpu gpus[DRIVER_MAX_GPUS];
	const char *gpu_source;		/* "driver API", "nvidia-smi", NULL: none */
};

/* Probe everything above. Never fails: what is missing is recorded. */
void driver_probe(struct driver_info *d);

/*
 * Ask the libcuda at path (a file name such as "libcuda.so.1" is looked up
 * by the loader) in a child process, within timeout_ms.
 */
void driver_probe_lib(const char *path, int timeout_ms, struct driver_lib *out);

/* The version in a /proc/driver/nvidia/version text. Returns 0 or -EINVAL. */
int driver_parse_proc(const char *data, size_t len, char *ver, size_t n);

/*
 * Lines of "nvidia-smi --query-gpu=name,compute_cap,driver_version
 * --format=csv,noheader". Returns the number of GPUs (at most max) and the
 * driver version of the first one in drv ("" when none).
 */
int driver_parse_smi(const char *data, struct driver_gpu *gpus, int max, char *drv, size_t n);

/* The CUresult's name, "CUDA_ERROR_<...>" or "CUresult <n>". Static. */
const char *driver_error_name(int rc);

/*
 * Whether a GPU's name is one of NVIDIA's data-centre parts (Tesla, A100,
 * H100, L40, B200, ...): the GPUs forward compatibility is for.
 */
bool driver_is_datacenter(const char *name);

#endif
