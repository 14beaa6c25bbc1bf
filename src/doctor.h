/*
 * doctor.h - does an env work on this machine? The checks of 'cuenv doctor'.
 *
 * Each check has a status, what was found and what to do; doctor_run()
 * probes the machine (driver.h, hostcc.h, ldcache.h, pyenv.h, the store) and
 * judges the results against the env's data (support.txt: driver minima and
 * GPU architectures; the env's own crt/host_config.h; its lib/ directory).
 * Nothing here prints: cmd_doctor.c renders the checks as text or JSON.
 *
 * Test seams, besides those of driver.h:
 *	CUENV_TEST_LDCACHE	read instead of /etc/ld.so.cache
 *
 *	struct doctor d;
 *	doctor_run(&d, &in);
 *	for (i = 0; i < d.nr; i++) ... d.checks[i].status, .found, .todo ...
 *	doctor_release(&d);
 */
#ifndef CUENV_DOCTOR_H
#define CUENV_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "catalogue.h"
#include "driver.h"
#include "pin.h"
#include "store.h"

enum doctor_status { DOCTOR_OK, DOCTOR_WARNING, DOCTOR_ERROR };

struct doctor_check {
	const char *id;		/* "driver", "gpus", "compiler", "loader", "python", "pin", ... */
	const char *title;
	enum doctor_status status;
	char *found;		/* one or more lines, no trailing newline */
	char *todo;		/* "" when there is nothing to do */
};

/* What the command worked out before the checks. */
struct doctor_input {
	const char *root;		/* CUENV_ROOT */
	const char *cache;
	const char *platform;
	struct catalogue *cat;		/* for support.txt and the env's CUDA manifest */
	const char *spec;		/* the spec in force, NULL when none */
	const char *from;		/* what chose it: "set by /p/.cuda-version" */
	const char *env_name;		/* the env checked; NULL when none is installed */
	const char *env_prefix;
	const struct pin *pin;		/* NULL without one */
	bool pin_broken;		/* a pin exists but cannot be read */
	const char *lock_path;		/* NULL: no lock applies (CUENV_VERSION, a spec) */
	bool have_lock, lock_matches;
	const struct lock *lock;
	const char *lock_problem;
};

struct doctor {
	struct doctor_check *checks;
	size_t nr;
	struct driver_info drv;
	bool have_env;
	struct store_env env;		/* the env's receipt */
	bool has_compat;
	struct driver_lib compat;	/* the env's compat/libcuda.so.1, probed */
};

void doctor_run(struct doctor *d, const struct doctor_input *in);
void doctor_release(struct doctor *d);

const char *doctor_status_name(enum doctor_status s);

#endif
