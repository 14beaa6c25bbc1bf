// SPDX-License-Identifier: MIT
/* The explicit command table, usage texts and the set-up commands share. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "layout.h"
#include "out.h"
#include "version.h"
#include "xalloc.h"
#include "paths.h"
#include "platform.h"
#include "shims.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

#define SOURCE_HELP \
	"The source is NVIDIA's (https://developer.download.nvidia.com/compute) unless\n" \
	"CUENV_MIRROR or 'mirror = URL' in the config file names another one.\n"

const struct cmd cli_commands[] = {
	{ "install", "download, verify and unpack a CUDA (+cuDNN) pair into an env",
	  "usage: cuenv install SPEC... [--profile P] [--platform P] [--jobs N] [--quiet] [--json]\n"
	  "       cuenv install [--locked] [--jobs N] [--quiet] [--json]\n"
	  "\n"
	  "With no SPEC, install what this directory's pin asks for: exactly its\n"
	  "cuenv.lock when the lock matches the pin; --locked refuses when it does not.\n"
	  "\n"
	  "Resolve each SPEC, download what the store lacks (several archives at once,\n"
	  "SHA-256 checked as bytes arrive), unpack into the store and assemble the env\n"
	  "prefix, then print its path. Running it again does nothing and uses no network.\n"
	  "\n"
	  "  --profile P    runtime, devel (default) or full\n"
	  "  --platform P   as for 'cuenv resolve'\n"
	  "  -j, --jobs N   downloads at once (default 6; config 'jobs', CUENV_JOBS)\n"
	  "  -q, --quiet    print only errors\n"
	  "  --json         print a JSON summary on stdout\n"
	  "\n"
	  "Ctrl-C stops cleanly: nothing half-done becomes visible, partial downloads\n"
	  "are resumed next time. Exit status 4: network or source, 5: integrity.\n"
	  "\n" SOURCE_HELP,
	  cmd_install, "--profile --platform --jobs --quiet --json --locked --help", "@labels" },
	{ "list", "list installed envs, their size and the store entries they share",
	  "usage: cuenv list [--json]\n", cmd_list, "--json --help", NULL },
	{ "prefix", "print the prefix of an installed env",
	  "usage: cuenv prefix SPEC [--profile P]\n"
	  "\n"
	  "Print the path of the newest installed env that satisfies SPEC (or has the\n"
	  "exact name SPEC). Exit status 3 when none is installed.\n",
	  cmd_prefix, "--profile --help", "@installed" },
	{ "verify", "re-hash installed files against what install recorded",
	  "usage: cuenv verify [SPEC] [--json]\n",
	  cmd_verify, "--json --help", "@installed" },
	{ "uninstall", "remove an installed env",
	  "usage: cuenv uninstall SPEC [--profile P] [--all]\n"
	  "\n"
	  "Remove the installed env that satisfies SPEC (or has the exact name SPEC).\n"
	  "When several do, name one exactly or pass --all. Store entries stay until\n"
	  "'cuenv gc'.\n",
	  cmd_uninstall, "--profile --all --help", "@installed" },
	{ "gc", "remove store entries and downloads no env uses",
	  "usage: cuenv gc [--json]\n"
	  "\n"
	  "Remove store entries and cached archives that no installed env uses, partial\n"
	  "downloads and staging left by interrupted runs, and report what was freed.\n",
	  cmd_gc, "--json --help", NULL },

	{ "use", "pin a CUDA (+cuDNN) pair for this directory, lock it and install it",
	  "usage: cuenv use SPEC [--profile P] [--platform P] [--global] [--quiet]\n"
	  "\n"
	  "Resolve SPEC, install it if missing, then write .cuda-version (the spec as\n"
	  "typed, and 'profile = P' when not devel) and cuenv.lock (the exact labels,\n"
	  "platform, profile, manifests' sha256 and every archive) in this directory.\n"
	  "With --global, set the default for directories without a pin instead.\n"
	  "\n"
	  "Lookup order everywhere: CUENV_VERSION, then the nearest .cuda-version from\n"
	  "the current directory up, then the global default.\n",
	  cmd_use, "--profile --platform --global --quiet --help", "@labels" },
	{ "current", "show the active pair and what chose it",
	  "usage: cuenv current [--json]\n"
	  "\n"
	  "Print the env the pin here selects and which variable or file set it.\n"
	  "Exit status 3 when nothing is pinned or the pinned pair is not installed.\n",
	  cmd_current, "--json --help", NULL },
	{ "why", "explain which pair is active, what chose it and how it resolved",
	  "usage: cuenv why [SPEC] [--json]\n",
	  cmd_why, "--profile --platform --json --help", "@labels" },
	{ "exec", "run a program with an env's variables",
	  "usage: cuenv exec [SPEC] [--profile P] -- COMMAND [ARGS...]\n"
	  "\n"
	  "Run COMMAND (looked up on the env's PATH) with the variables of the env SPEC\n"
	  "names, or of the pinned env. cuenv replaces itself with COMMAND: the PID,\n"
	  "signals and exit status are the program's own.\n",
	  cmd_exec, "--profile --help", "@installed" },
	{ "env", "print an env's variables for a shell, CI or other tools",
	  "usage: cuenv env [SPEC] [--profile P] [--shell bash|zsh|fish|json|github|dotenv]\n"
	  "\n"
	  "Print the variables of the env SPEC names, or of the pinned env: PATH and\n"
	  "LD_LIBRARY_PATH prepended (no empty element, a previous env's entries\n"
	  "removed), CUDA_HOME, CUDA_PATH, CUDA_ROOT, CUDAToolkit_ROOT, CUDNN_PATH,\n"
	  "CUDNN_HOME, CUDNN_ROOT, CUENV_ACTIVE. With --shell github inside GitHub\n"
	  "Actions they are appended to $GITHUB_ENV and $GITHUB_PATH.\n",
	  cmd_env, "--profile --shell --help", "@installed" },
	{ "hook", "print shell code that activates the pinned env on cd",
	  "usage: cuenv hook bash|zsh|fish\n"
	  "\n"
	  "  bash: eval \"$(cuenv hook bash)\"        in ~/.bashrc\n"
	  "  zsh:  eval \"$(cuenv hook zsh)\"         in ~/.zshrc\n"
	  "  fish: cuenv hook fish | source          in ~/.config/fish/config.fish\n"
	  "\n"
	  "On each prompt, when the directory or the pin changed, the pinned env is\n"
	  "applied to the shell (or the user's own values restored on leaving); when\n"
	  "nothing changed the check runs no process.\n",
	  cmd_hook, "--help", "bash zsh fish" },
	{ "which", "print the real program a shim would run here",
	  "usage: cuenv which PROGRAM\n", cmd_which, "--help", NULL },
	{ "doctor", "check driver, GPUs, compiler, loader and Python against an env",
	  "usage: cuenv doctor [SPEC] [--json]\n",
	  cmd_doctor, "--profile --json --help", "@installed" },
	{ "shim", "manage shims: wrappers for programs cuenv does not own",
	  "usage: cuenv shim add NAME... | remove NAME... | list | refresh\n"
	  "\n"
	  "Put $CUENV_ROOT/shims first on PATH and every tool of the installed envs\n"
	  "(nvcc, ptxas, ...) runs the pinned env's. 'add' makes a shim for a program\n"
	  "cuenv does not own (python, cmake, torchrun): it runs the next NAME on PATH\n"
	  "with the pinned env's variables.\n",
	  cmd_shim, "--help", "add remove list refresh" },
	{ "resolve", "show the exact CUDA and cuDNN archives a spec stands for",
	  "usage: cuenv resolve SPEC [--profile P] [--platform P] [--json]\n"
	  "\n"
	  "Resolve SPEC against the source's catalogue and print the chosen releases\n"
	  "and every archive of the profile with its version and size.\n"
	  "\n"
	  "SPEC:  12 | 12.4 | 12.4.1 | latest, optionally followed by\n"
	  "       +cudnn9 | +cudnn9.1 | +cudnn9.1.1 | +cudnn>=9.3 | +cudnn\n"
	  "\n"
	  "  --profile P    runtime, devel (default) or full\n"
	  "  --platform P   linux-x86_64, linux-sbsa, linux-aarch64 (Jetson) or\n"
	  "                 linux-ppc64le; default: this machine (CUENV_PLATFORM)\n"
	  "  --json         one JSON object on stdout\n"
	  "\n" SOURCE_HELP,
	  cmd_resolve, "--profile --platform --json --help", "@labels" },
	{ "ls-remote", "list the CUDA and cuDNN releases of the source",
	  "usage: cuenv ls-remote [cuda|cudnn] [--platform P] [--json]\n"
	  "\n"
	  "List the labels the source offers, oldest first, with release dates. For\n"
	  "cuDNN, also the CUDA majors each release has builds for on the platform.\n"
	  "\n"
	  "  --platform P   as for 'cuenv resolve'\n"
	  "  --json         one JSON object on stdout\n"
	  "\n" SOURCE_HELP,
	  cmd_ls_remote, "--platform --json --help", "cuda cudnn" },
	{ "matrix", "list compatible CUDA+cuDNN pairs as a CI matrix",
	  "usage: cuenv matrix [--cuda RANGE] [--cudnn RANGE] [--platform P] [--driver VERSION] [--latest-patch] [--format github|gitlab|json]\n",
	  cmd_matrix, "--cuda --cudnn --platform --driver --latest-patch --format --help", NULL },
	{ "cache-key", "print a stable cache key for CI caches from the lock",
	  "usage: cuenv cache-key [SPEC]\n",
	  cmd_cache_key, "--profile --platform --help", "@labels" },
	{ "mirror", "write or check a mirror for air-gapped sites",
	  "usage: cuenv mirror sync DIR SPEC... [--all-platforms]\n       cuenv mirror verify DIR\n",
	  cmd_mirror, "--all-platforms --platform --profile --help", "sync verify" },
	{ "update", "refresh the catalogue from the source",
	  "usage: cuenv update [--quiet]\n"
	  "\n"
	  "Fetch the source's directory listings and every manifest they name into\n"
	  "the cache ($CUENV_CACHE/catalogue). Each manifest is validated before it\n"
	  "is kept; a bad one fails the update and the previous catalogue stays.\n"
	  "\n" SOURCE_HELP,
	  cmd_update, "--quiet --help", NULL },
	{ "modulefile", "print an Lmod or Environment Modules modulefile for an env",
	  "usage: cuenv modulefile SPEC [--format lua|tcl]\n",
	  cmd_modulefile, "--format --profile --help", "@installed" },
	{ "export", "write configuration for other tools: direnv, cmake, devcontainer, dockerfile",
	  "usage: cuenv export direnv|cmake|devcontainer|dockerfile [SPEC]\n",
	  cmd_export, "--profile --help", "direnv cmake devcontainer dockerfile" },
	{ "sbom", "print a software bill of materials of an env",
	  "usage: cuenv sbom [SPEC] [--format cyclonedx|spdx]\n",
	  cmd_sbom, "--format --profile --help", "@labels" },
	{ "completion", "print shell completion code",
	  "usage: cuenv completion bash|zsh|fish\n"
	  "\n"
	  "Print the completion script for a shell, generated from the command table.\n"
	  "  bash: source <(cuenv completion bash)\n"
	  "  zsh:  cuenv completion zsh > \"${fpath[1]}/_cuenv\"\n"
	  "  fish: cuenv completion fish > ~/.config/fish/completions/cuenv.fish\n",
	  cmd_completion, "--help", "bash zsh fish" },
	{ "help", "show help for cuenv or one of its commands",
	  "usage: cuenv help [COMMAND]\n", cmd_help, "--help", "@commands" },
};

const unsigned cli_nr_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cmd *cli_find(const char *name)
{
	unsigned i;

	for (i = 0; i < cli_nr_commands; i++) {
		if (!strcmp(cli_commands[i].name, name))
			return &cli_commands[i];
	}
	return NULL;
}

void cli_print_help(void)
{
	unsigned i;

	fputs("usage: cuenv [--quiet | --verbose] COMMAND [ARGS]\n"
	      "       cuenv --version | --help\n"
	      "\n"
	      "Keep many CUDA Toolkit and cuDNN versions side by side, per user, without root.\n"
	      "\n"
	      "Commands:\n",
	      stdout);
	for (i = 0; i < cli_nr_commands; i++)
		printf("  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fputs("\n"
	      "Run 'cuenv help COMMAND' or 'cuenv COMMAND --help' for a command's options.\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 no match, 4 network or source,\n"
	      "5 integrity.\n",
	      stdout);
}

/* Edit distance, to suggest the command a typo meant. */
static unsigned distance(const char *a, const char *b)
{
	unsigned row[32], i, j, prev, tmp;
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 31 || lb >= 31)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev
						       : 1 + (prev < row[j - 1] ? (prev < row[j] ? prev : row[j])
										: (row[j - 1] < row[j] ? row[j - 1] : row[j]));
			prev = tmp;
		}
	}
	return row[lb];
}

int cli_unknown_command(const char *name)
{
	const char *best = NULL;
	unsigned i, d, bd = 3;

	for (i = 0; i < cli_nr_commands; i++) {
		d = distance(name, cli_commands[i].name);
		if (d < bd) {
			bd = d;
			best = cli_commands[i].name;
		}
	}
	out_error("unknown command '%s'", name);
	if (best)
		out_hint("did you mean '%s'? see 'cuenv --help'", best);
	else
		out_hint("see 'cuenv --help'");
	return 2;
}

int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		cli_print_help();
		return 0;
	}
	if (argc > 2)
		return cli_bad_usage("help", "'help' takes one command name");
	if (!strcmp(argv[1], "--help"))
		return cli_usage(cli_find("help"));
	c = cli_find(argv[1]);
	if (!c)
		return cli_unknown_command(argv[1]);
	return cli_usage(c);
}

int cli_usage(const struct cmd *c)
{
	fputs(c->usage, stdout);
	return 0;
}

int cli_bad_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_error("%s", msg);
	out_hint("see 'cuenv %s --help'", cmd);
	return 2;
}

int cli_fail(int rc, const char *msg)
{
	out_error("%s", msg && *msg ? msg : cue_strerror(rc));
	return cue_exit_code(rc);
}

int cli_ctx_open(struct cli_ctx *x, const char *platform, const char *profile, unsigned flags)
{
	char err[512] = "";
	int rc;

	memset(x, 0, sizeof(*x));
	x->cache = paths_cache();
	rc = config_load(&x->cfg, err, sizeof(err));
	if (rc < 0)
		return cli_fail(rc, err);
	if (!platform)
		platform = x->cfg.platform;
	if (!platform && !(platform = platform_detect())) {
		out_error("this machine is not one NVIDIA ships Linux archives for");
		out_hint("set CUENV_PLATFORM to one of %s", platform_list());
		return 1;
	}
	if (!platform_known(platform)) {
		out_error("unknown platform '%s' (known: %s)", platform, platform_list());
		return 2;
	}
	x->platform = platform;
	if (!profile)
		profile = x->cfg.profile ? x->cfg.profile : "devel";
	if (resolve_profile_parse(profile, &x->profile) < 0) {
		out_error("unknown profile '%s' (known: runtime, devel, full)", profile);
		return 2;
	}
	rc = catalogue_open(&x->cat, x->cfg.mirror, x->cache, flags, err, sizeof(err));
	if (rc < 0)
		return cli_fail(rc, err);
	return 0;
}

void cli_ctx_release(struct cli_ctx *x)
{
	catalogue_release(&x->cat);
	config_release(&x->cfg);
	free(x->cache);
}

static int newest_first(const struct store_env *a, const struct store_env *b)
{
	struct version x, y;
	int c;

	version_parse(a->cuda, &x);
	version_parse(b->cuda, &y);
	if ((c = version_cmp(&y, &x)))
		return c;
	if (a->cudnn && b->cudnn) {
		version_parse(a->cudnn, &x);
		version_parse(b->cudnn, &y);
		if ((c = version_cmp(&y, &x)))
			return c;
	}
	/* The default profile first. */
	return (strcmp(b->profile, "devel") == 0) - (strcmp(a->profile, "devel") == 0);
}

int cli_installed(const char *cmd, const char *text, const char *profile,
		  struct store_env **envs, size_t *nr, size_t **match, size_t *nr_match)
{
	char *root = paths_root(), *cache = paths_cache(), err[512];
	struct store s;
	struct spec spec;
	bool by_name = false;
	size_t i, k;
	int rc;

	*envs = NULL;
	*match = NULL;
	*nr = *nr_match = 0;
	store_paths(&s, root, cache);
	rc = store_list_envs(&s, envs, nr);
	store_release(&s);
	free(root);
	free(cache);
	if (rc < 0)
		return cli_fail(rc, "cannot read the installed envs");
	for (i = 0; i < *nr; i++)
		by_name |= !strcmp((*envs)[i].name, text);
	if (!by_name && resolve_spec_parse(text, &spec, err, sizeof(err)) < 0) {
		out_error("%s", err);
		out_hint("see 'cuenv %s --help'", cmd);
		return 2;
	}
	*match = xcalloc(*nr ? *nr : 1, sizeof(**match));
	for (i = 0; i < *nr; i++) {
		const struct store_env *e = &(*envs)[i];

		if (by_name ? strcmp(e->name, text) != 0
			    : (!resolve_spec_matches(&spec, e->cuda, e->cudnn) ||
			       (profile && strcmp(profile, e->profile))))
			continue;
		/* Insertion sort, newest first: the lists are short. */
		for (k = (*nr_match)++; k > 0 && newest_first(e, &(*envs)[(*match)[k - 1]]) < 0; k--)
			(*match)[k] = (*match)[k - 1];
		(*match)[k] = i;
	}
	return 0;
}

/* ---- pins and targets ---- */

static void check_lock(struct pinned *pd, struct cli_ctx *x)
{
	char err[512], why[128];

	/* A project's lock is trusted like its pin; the global one lives in the user's root. */
	if (pd->pin.source == PIN_FILE && access(pd->lock_path, F_OK) == 0 &&
	    !pin_trusted(pd->lock_path, why, sizeof(why))) {
		out_warn("ignoring '%s': %s", pd->lock_path, why);
		snprintf(pd->lock_problem, sizeof(pd->lock_problem), "'%s' is not trusted: %s",
			 pd->lock_path, why);
	} else if (lock_load(&pd->lock, pd->lock_path, false, err, sizeof(err)) < 0) {
		snprintf(pd->lock_problem, sizeof(pd->lock_problem), "%s", err);
	} else {
		pd->have_lock = true;
		if (strcmp(pd->lock.spec, pd->pin.spec) || strcmp(pd->lock.profile, pd->pin.profile))
			snprintf(pd->lock_problem, sizeof(pd->lock_problem),
				 "'%s' no longer matches '%s' (lock: %s, %s; pin: %s, %s)",
				 pd->lock_path, pd->pin.path, pd->lock.spec, pd->lock.profile,
				 pd->pin.spec, pd->pin.profile);
		else if (x && strcmp(pd->lock.platform, x->platform))
			snprintf(pd->lock_problem, sizeof(pd->lock_problem),
				 "'%s' is for %s, this machine is %s", pd->lock_path,
				 pd->lock.platform, x->platform);
		else
			pd->lock_matches = true;
	}
}

/* A pin's spec and profile must make sense: say which file and line when not. */
static int check_pin(const struct pin *pin, bool quiet)
{
	const char *where = pin->path ? pin->path : "CUENV_VERSION";
	enum resolve_profile profile;
	struct spec spec;
	char err[300];

	if (resolve_spec_parse(pin->spec, &spec, err, sizeof(err)) < 0) {
		(quiet ? out_warn : out_error)("%s:%u: %s", where, pin->spec_line, err);
		return 1;
	}
	if (resolve_profile_parse(pin->profile, &profile) < 0) {
		(quiet ? out_warn : out_error)("%s:%u: unknown profile '%s' (runtime, devel or full)",
					       where, pin->profile_line, pin->profile);
		return 1;
	}
	return 0;
}

static int find_pinned(struct pinned *pd, struct cli_ctx *x, bool quiet)
{
	char cwd[4096], warn[512], err[600], *root = paths_root();
	int rc;

	memset(pd, 0, sizeof(*pd));
	if (!getcwd(cwd, sizeof(cwd))) {
		free(root);
		out_error("cannot read the current directory: %s", strerror(errno));
		return 1;
	}
	rc = pin_find(&pd->pin, cwd, root, warn, sizeof(warn), err, sizeof(err));
	if (*warn)
		out_warn("%s", warn);
	if (rc < 0) {
		if (quiet)
			out_warn("%s", err);
		else
			out_error("%s", err);
		free(root);
		return 1;
	}
	if (pd->pin.source == PIN_NONE) {
		if (!quiet) {
			out_error("no CUDA pin here: CUENV_VERSION is unset, no %s from '%s' up, "
				  "and no global default",
				  LAYOUT_PIN_FILE, cwd);
			out_hint("run 'cuenv use SPEC' here, or 'cuenv use --global SPEC'");
		}
		free(root);
		return 3;
	}
	if ((rc = check_pin(&pd->pin, quiet)) != 0) {
		free(root);
		return rc;
	}
	if (pd->pin.source == PIN_FILE)
		pd->lock_path = xasprintf("%s/%s", pd->pin.dir, LAYOUT_LOCK_FILE);
	else if (pd->pin.source == PIN_GLOBAL)
		pd->lock_path = xasprintf("%s/%s", root, LAYOUT_GLOBAL_LOCK);
	if (pd->lock_path)
		check_lock(pd, x);
	free(root);
	return 0;
}

int cli_pinned(struct pinned *pd, struct cli_ctx *x)
{
	return find_pinned(pd, x, false);
}

int cli_pinned_quiet(struct pinned *pd)
{
	return find_pinned(pd, NULL, true);
}

void cli_pinned_release(struct pinned *pd)
{
	pin_release(&pd->pin);
	if (pd->have_lock)
		lock_release(&pd->lock);
	free(pd->lock_path);
	memset(pd, 0, sizeof(*pd));
}

static bool env_installed(const char *name)
{
	char *root = paths_root(), *p = xasprintf("%s/envs/%s/" LAYOUT_ENV_RECEIPT, root, name);
	bool ok = access(p, F_OK) == 0;

	free(root);
	free(p);
	return ok;
}

int cli_target(struct cli_target *t, const char *spec, const char *profile, const char *cmd)
{
	struct store_env *envs;
	size_t nr, *match, nr_match;
	char *root;
	int rc;

	memset(t, 0, sizeof(*t));
	if (spec) {
		t->spec = xstrdup(spec);
		t->profile = profile ? xstrdup(profile) : NULL;
		snprintf(t->from, sizeof(t->from), "given on the command line");
	} else {
		if ((rc = cli_pinned(&t->pd, NULL)))
			return rc;
		t->from_pin = true;
		t->spec = xstrdup(t->pd.pin.spec);
		t->profile = xstrdup(profile ? profile : t->pd.pin.profile);
		snprintf(t->from, sizeof(t->from), "set by ");
		pin_describe(&t->pd.pin, t->from + 7, sizeof(t->from) - 7);
		/* The lock names the env exactly, unless another profile was asked for. */
		if (t->pd.lock_matches && (!profile || !strcmp(profile, t->pd.pin.profile)) &&
		    env_installed(t->pd.lock.env))
			t->name = xstrdup(t->pd.lock.env);
	}
	if (!t->name) {
		rc = cli_installed(cmd, t->spec, t->profile ? t->profile : "devel", &envs, &nr,
				   &match, &nr_match);
		if (rc)
			return rc;
		if (nr_match)
			t->name = xstrdup(envs[match[0]].name);
		free(match);
		store_envs_free(envs, nr);
	}
	if (t->name) {
		root = paths_root();
		t->prefix = xasprintf("%s/envs/%s", root, t->name);
		free(root);
		/* The shim refuses the same (exit 126): such a prefix cannot go on PATH. */
		if (!paths_listable(t->prefix)) {
			out_error("env prefix '%s' contains ':' or a control character: it "
				  "cannot go on PATH or LD_LIBRARY_PATH", t->prefix);
			out_hint("set CUENV_ROOT to a directory without ':'");
			return 1;
		}
	}
	return 0;
}

int cli_target_missing(const struct cli_target *t)
{
	out_error("'%s' (%s) is not installed", t->spec, t->from);
	if (t->from_pin && t->pd.pin.dir)
		out_hint("run 'cuenv install' in '%s'", t->pd.pin.dir);
	else
		out_hint("run 'cuenv install %s'", t->spec);
	return 3;
}

void cli_target_release(struct cli_target *t)
{
	cli_pinned_release(&t->pd);
	free(t->spec);
	free(t->profile);
	free(t->name);
	free(t->prefix);
	memset(t, 0, sizeof(*t));
}

void cli_refresh_shims(void)
{
	char *root = paths_root(), *bin = shims_find_binary(), err[512];

	if (!bin)
		out_warn("the shim program 'cuenv-shim' is not installed beside cuenv; shims not "
			 "refreshed");
	else if (shims_refresh(root, bin, err, sizeof(err)) < 0)
		out_warn("%s", err);
	free(bin);
	free(root);
}
