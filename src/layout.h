/*
 * layout.h - names shared by cuenv and its shim (shims/cuenv-shim.c).
 *
 * Header-only constants, no includes: the shim is libc-only and includes
 * nothing else from src/. Both sides compute the same environment for an
 * env prefix P named N (DESIGN.md "Running things"):
 *
 *	PATH			P/bin, then the old PATH without empty elements,
 *				without P/bin and without any entry below
 *				$CUENV_ROOT/envs/ or a system root's envs/ (a
 *				previously active env)
 *	LD_LIBRARY_PATH		P/lib, then the old value filtered the same way;
 *				P/LAYOUT_ENV_COMPAT first when that directory exists
 *				(NVIDIA's cuda_compat, installed with
 *				'cuenv install --with cuda_compat': its libcuda must
 *				win over the system's)
 *	CUDA_HOME CUDA_PATH CUDA_ROOT CUDAToolkit_ROOT	P
 *	CUDNN_PATH CUDNN_HOME CUDNN_ROOT	P when N contains "+cudnn-", else unset
 *	CUENV_ACTIVE		N
 *
 * How a pin becomes an env, without parsing a manifest:
 *  1. the pin: $CUENV_VERSION (non-empty), else the nearest trusted
 *     LAYOUT_PIN_FILE from the current directory up (stopping after $HOME
 *     and CUENV_CEILING_DIRS and at a mount point; trusted as pin.h says),
 *     else the global pin $CUENV_ROOT/LAYOUT_GLOBAL_PIN; its first
 *     non-comment line is the spec, "profile = P" on a later line picks the
 *     profile (default devel);
 *  2. a pin file with a LAYOUT_LOCK_FILE beside it (the global pin:
 *     LAYOUT_GLOBAL_LOCK), trusted and valid as pin.h says, whose "spec"
 *     and "profile" lines equal the pin's names the env exactly in its
 *     "env = N" line;
 *  3. otherwise the newest installed env whose name
 *     "cuda-<label>[+cudnn-<version>]-<profile>" satisfies the spec.
 *
 * Installed means envs/<name>/LAYOUT_ENV_RECEIPT exists in $CUENV_ROOT or
 * in one of the shared read-only roots of LAYOUT_SYSTEM_ROOT_VAR (a ':'
 * list of absolute paths, searched after $CUENV_ROOT in order; a name in an
 * earlier root hides it in later ones). Nothing is ever written to a system
 * root: envs are run from there, installs go to $CUENV_ROOT.
 */
#ifndef CUENV_LAYOUT_H
#define CUENV_LAYOUT_H

#define LAYOUT_PIN_FILE ".cuda-version"
#define LAYOUT_LOCK_FILE "cuenv.lock"
#define LAYOUT_GLOBAL_PIN "global-version"
#define LAYOUT_GLOBAL_LOCK "global-version.lock"
#define LAYOUT_ENVS_DIR "envs"
#define LAYOUT_SYSTEM_ROOT_VAR "CUENV_SYSTEM_ROOT"
#define LAYOUT_SHIMS_DIR "shims"
/* In the shims directory: the shim program all shim names are hard links to. */
#define LAYOUT_SHIM_BINARY ".cuenv-shim"
/* In the shims directory: user wrappers (cuenv shim add), one name per line. */
#define LAYOUT_WRAPPERS ".wrappers"
/*
 * "pin-generation.<N>": moved to N+1 by 'cuenv use' so shell hooks notice a
 * pin changed with one stat() and no process.
 */
#define LAYOUT_PIN_GENERATION "pin-generation"

/* Inside an env: the forward-compatibility driver libraries (cuda_compat's compat/). */
#define LAYOUT_ENV_COMPAT "compat"

/* Inside an env: its receipt; an env is installed when this file exists. */
#define LAYOUT_ENV_RECEIPT ".cuenv/receipt"

#define LAYOUT_DEFAULT_PROFILE "devel"
/* Pins larger than this are refused (they are one line and a few settings). */
#define LAYOUT_PIN_MAX 4096
/* A shim started by a shim more often than this is looping: give up. */
#define LAYOUT_SHIM_MAX_DEPTH 20
#define LAYOUT_SHIM_DEPTH_VAR "CUENV_SHIM_DEPTH"

#endif
