/*
 * cudalib.h - which shared objects belong to CUDA, cuDNN, NCCL and friends.
 *
 * One table of families for cuenv doctor's loader check and for the load
 * audit of cuenv exec --audit: "libcudnn_ops.so.9.14.0" is family "cudnn",
 * stem "cudnn_ops", version "9.14.0". The driver's own libraries (libcuda,
 * libnvidia-*) form family "driver": they come from the system, never from
 * an env (except a forward-compatibility libcuda in the env's compat/).
 *
 *	struct cudalib l;
 *	if (cudalib_parse("libcublasLt.so.12", &l)) ... l.family == "cublas" ...
 */
#ifndef CUENV_CUDALIB_H
#define CUENV_CUDALIB_H

#include <stdbool.h>

struct cudalib {
	const char *family;	/* static: "cudnn", "cudart", "driver", ... */
	char stem[64];		/* "cudnn_ops" */
	char version[32];	/* after ".so.": "9.14.0"; "" for a bare .so */
};

/* Classify a file name (no directory). False when it is no CUDA-family library. */
bool cudalib_parse(const char *name, struct cudalib *out);

/* The first part of the version ("9" of "9.14.0"), or -1. */
int cudalib_major(const struct cudalib *l);

/* People's name of a family: "cuDNN", "CUDA runtime", ... */
const char *cudalib_family_title(const char *family);

#endif
