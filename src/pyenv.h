/*
 * pyenv.h - the CUDA side of a Python environment: nvidia-* wheels, PyTorch,
 * JAX and TensorFlow builds, and how their libraries find CUDA.
 *
 * The environment is $VIRTUAL_ENV, else $CONDA_PREFIX (their lib/python3.X/
 * site-packages), else the python3 on PATH, asked for its sys.prefix and
 * site directories (python3 -I, importing nothing but site: a pyenv or asdf
 * shim hides the real prefix). Nothing else runs: versions come from
 * *.dist-info directory names, torch/version.py and TensorFlow's
 * build_info.py, and library search paths from the ELF files themselves.
 *
 *	struct pyenv p;
 *	if (pyenv_find(&p) == 0) {
 *		... p.torch.version, p.torch.cuda, p.wheel_cudnn ...
 *		pyenv_release(&p);
 *	}
 */
#ifndef CUENV_PYENV_H
#define CUENV_PYENV_H

#include <stdbool.h>
#include <stddef.h>

#include "elfdyn.h"

struct pyenv_dist {
	char *name;		/* normalised: "nvidia-cudnn-cu12" */
	char *version;		/* "9.1.0.70" */
	char *site;		/* the site-packages directory it is in */
};

struct pyenv_framework {
	bool present;
	char *version;		/* "2.5.1+cu124" */
	char *cuda;		/* the CUDA it was built for: "12.4"; NULL: CPU-only or unknown */
	char *cudnn;		/* cuDNN it was built for, where it says ("8", "9") */
	char *site;
	char *lib;		/* a library of it that links CUDA: torch/lib/libtorch_cuda.so */
	bool have_dyn;
	struct elfdyn dyn;	/* that library's search paths and needs */
};

struct pyenv {
	char *prefix;		/* the environment's prefix */
	const char *kind;	/* "virtualenv", "conda", "python3 on PATH" */
	char **sites;		/* site-packages directories scanned */
	size_t nr_sites;
	struct pyenv_dist *dists;	/* nvidia-*, torch, jax*, tensorflow*, cupy* */
	size_t nr_dists;
	struct pyenv_framework torch, jax, tensorflow;
	/* The nvidia-cudnn wheel's main library, if any: nvidia/cudnn/lib/libcudnn.so.N */
	char *wheel_cudnn_lib;
	char *wheel_cudnn_version;	/* from its dist-info */
	bool have_wheel_cudnn_dyn;
	struct elfdyn wheel_cudnn_dyn;
};

/*
 * Find and scan the environment. Returns 0 with *out (release with
 * pyenv_release()), or -ENOENT when there is no Python environment at all.
 */
int pyenv_find(struct pyenv *out);

/* Scan one prefix (kind is a static string for people). Returns 0 or -ENOENT. */
int pyenv_scan(const char *prefix, const char *kind, struct pyenv *out);

/* The dist of that normalised name, or NULL. Borrowed. */
const struct pyenv_dist *pyenv_dist(const struct pyenv *p, const char *name);

void pyenv_release(struct pyenv *p);

#endif
