/*
 * shim_glue.h - the shim's readers (shims/cuenv-shim.c) for fuzz_pin, which
 * checks that cuenv and its shim read every pin, lock and spec the same way.
 */
#ifndef CUENV_SHIM_GLUE_H
#define CUENV_SHIM_GLUE_H

#include <stddef.h>

#define SHIM_GLUE_SPEC 65
#define SHIM_GLUE_PROFILE 16
#define SHIM_GLUE_NAME 4096

/* The shim reading a pin file's bytes: 1 with spec and profile, 0 when it would exit 126. */
int shim_glue_pin(const char *data, size_t len, char *spec, char *profile);
/* The shim's spec grammar: 1 when spec parses. */
int shim_glue_spec(const char *spec);
/* The shim reading a lock: 1 when it is valid, with its env, spec and profile. */
int shim_glue_lock(const char *data, size_t len, char *env, char *spec, char *profile);

#endif
