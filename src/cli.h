/*
 * cli.h - the command table and what commands share.
 *
 * Each command lives in cmd_<name>.c with one entry point; main.c holds the
 * explicit table. A command parses its own options (getopt_long with a
 * leading '+'), calls modules, prints results on stdout and errors on
 * stderr through out.h, and returns an exit status of DESIGN.md.
 */
#ifndef CUENV_CLI_H
#define CUENV_CLI_H

#include <stdbool.h>

#include "catalogue.h"
#include "config.h"
#include "pin.h"
#include "resolve.h"

struct cmd {
	const char *name;
	const char *summary;
	const char *usage;	/* full help text, starting with "usage: " */
	int (*run)(int argc, char **argv);
	const char *options;	/* for completions: space-separated long options */
	const char *args;	/* for completions: words for the first argument */
};

extern const struct cmd cli_commands[];
extern const unsigned cli_nr_commands;

int cmd_install(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_uninstall(int argc, char **argv);
int cmd_prefix(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_use(int argc, char **argv);
int cmd_current(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_which(int argc, char **argv);
int cmd_shim(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_ls_remote(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_why(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_matrix(int argc, char **argv);
int cmd_cache_key(int argc, char **argv);
int cmd_mirror(int argc, char **argv);
int cmd_modulefile(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_sbom(int argc, char **argv);

/* The top-level help, on stdout. */
void cli_print_help(void);
/* "unknown command" with a did-you-mean hint; returns 2. */
int cli_unknown_command(const char *name);
/* The row for name, or NULL. */
const struct cmd *cli_find(const char *name);
/* Print a command's usage to stdout (on --help) and return 0. */
int cli_usage(const struct cmd *c);
/* One-line error for a bad option or argument of a command; returns 2. */
int cli_bad_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What most commands need: settings, the source's catalogue, platform, profile. */
struct cli_ctx {
	struct config cfg;
	struct catalogue cat;
	const char *platform;
	enum resolve_profile profile;
	char *cache;
};

/*
 * Load settings, then apply --platform and --profile (NULL when not given),
 * and open the catalogue with catalogue flags. Prints the error and returns
 * its exit status, or 0.
 */
int cli_ctx_open(struct cli_ctx *x, const char *platform, const char *profile, unsigned flags);
void cli_ctx_release(struct cli_ctx *x);

struct store_env;

/*
 * The installed envs that satisfy text (a spec, or an env's exact name) and
 * profile (NULL: any). Reads $CUENV_ROOT/envs; creates nothing. Returns 0
 * with *envs (free with store_envs_free()) and the indices of the matches,
 * newest first, in *match (free()); or an exit status after printing why.
 */
int cli_installed(const char *cmd, const char *text, const char *profile,
		  struct store_env **envs, size_t *nr, size_t **match, size_t *nr_match);
/*
 * The same over every root: $CUENV_ROOT first, then the read-only roots of
 * CUENV_SYSTEM_ROOT in order (an env name found in an earlier root hides
 * the same name in later ones). cli_installed() itself reads the user's
 * root only (for uninstall and gc, which change it).
 */
int cli_installed_all(const char *cmd, const char *text, const char *profile,
		      struct store_env **envs, size_t *nr, size_t **match, size_t *nr_match);

/*
 * The prefix of the installed env name: $CUENV_ROOT/envs/<name>, else the
 * first system root that has it. Newly allocated, or NULL when no root
 * has it; *system (may be NULL) says whether it is a system root's.
 */
char *cli_env_prefix(const char *name, bool *system);

struct cli_install_opts {
	unsigned jobs;
	bool quiet, json;
	bool print_prefix;	/* the env's path on stdout */
	const char *source;	/* where the plan's URLs point; NULL: the catalogue's */
};

/*
 * Install a resolved plan with the progress display, refresh the shims, and
 * report. Returns an exit status (130 on Ctrl-C).
 */
int cli_install(struct cli_ctx *x, const struct plan *plan, const struct cli_install_opts *o);
/* SIGINT and SIGTERM make installs stop cleanly (exit 130) instead of killing cuenv. */
void cli_catch_signals(void);

/* The pin of the current directory and, for a pin file, the lock beside it. */
struct pinned {
	struct pin pin;
	char *lock_path;	/* where the lock is or would be; NULL for CUENV_VERSION */
	bool have_lock;
	struct lock lock;
	bool lock_matches;	/* same spec, profile and platform as the pin and this machine */
	char lock_problem[512];	/* why not, for messages */
};

/*
 * Find the pin (x may be NULL: no platform check). Prints a message and
 * returns 3 when there is none, 1 for a malformed one; 0 otherwise.
 */
int cli_pinned(struct pinned *pd, struct cli_ctx *x);
void cli_pinned_release(struct pinned *pd);
/*
 * The same without messages for the normal cases (the shell hook runs it on
 * every directory change): no pin is not an error. A malformed pin is
 * reported once as a warning. Returns 0 when pd holds a pin.
 */
int cli_pinned_quiet(struct pinned *pd);

/* The env a command runs with: from an explicit spec, or from the pin. */
struct cli_target {
	struct pinned pd;
	bool from_pin;
	char *spec, *profile;
	char from[600];		/* "set by /p/.cuda-version", "given on the command line" */
	char *name;		/* env name, NULL when nothing installed matches */
	char *prefix;		/* its path */
};

/*
 * Work out the target. Returns 0 (t->name may be NULL: not installed) or an
 * exit status after printing why.
 */
int cli_target(struct cli_target *t, const char *spec, const char *profile, const char *cmd);
void cli_target_release(struct cli_target *t);
/* Print the "not installed" error for t and return 3. */
int cli_target_missing(const struct cli_target *t);

/* Refresh $CUENV_ROOT/shims after envs changed; a problem is a warning. */
void cli_refresh_shims(void);

/*
 * Add the platforms of a --platform list ("a,b") to v (nr of max used): each
 * must be known. Returns 0, or 2 after printing why.
 */
int cli_add_platforms(const char *cmd, char *list, const char **v, unsigned *nr, unsigned max);

/* Print "cuenv: error: <msg>" for rc and return its exit status. */
int cli_fail(int rc, const char *msg);

#endif
