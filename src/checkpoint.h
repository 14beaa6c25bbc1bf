/*
 * checkpoint.h - the crash-test seam.
 *
 * When CUENV_TEST_CHECKPOINT names a checkpoint, the process reaching it
 * writes "checkpoint <name> <pid>" to the file CUENV_TEST_CHECKPOINT_FILE (or
 * stderr) and then waits to be killed, so tests can kill -9 an install at
 * every named step (the rustup technique). Unset, a checkpoint costs one
 * getenv().
 *
 * Names: after-lock (a store entry's lock taken), download-started, after-verify, mid-extract,
 * before-store-rename, after-store-rename, env-assembly, before-env-rename,
 * after-env-rename, shims-refresh (a refresh halfway: its first shim linked,
 * or with no tools left, stale shims not yet removed);
 * and for every atomic file write (fs.h) before-rename:<file name> and
 * after-rename:<file name>, e.g. before-rename:cuenv.lock,
 * after-rename:.cuda-version, before-rename:.cuenv-shim.
 */
#ifndef CUENV_CHECKPOINT_H
#define CUENV_CHECKPOINT_H

void checkpoint(const char *name);

#endif
