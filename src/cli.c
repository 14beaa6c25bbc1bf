// SPDX-License-Identifier: MIT
/* The explicit command table, usage texts and the set-up commands share. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "out.h"
#include "version.h"
#include "xalloc.h"
#include "paths.h"
#include "platform.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

#define SOURCE_HELP \
	"The source is NVIDIA's (https://developer.download.nvidia.com/compute) unless\n" \
	"CUENV_MIRROR or 'mirror = URL' in the config file names another one.\n"

const struct cmd cli_commands[] = {
	{ "install", "download, verify and unpack a CUDA (+cuDNN) pair into an env",
	  "usage: cuenv install SPEC... [--profile P] [--platform P] [--jobs N] [--quiet] [--json]\n"
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
	  cmd_install, "--profile --platform --jobs --quiet --json --help", NULL },
	{ "list", "list installed envs, their size and the store entries they share",
	  "usage: cuenv list [--json]\n", cmd_list, "--json --help", NULL },
	{ "prefix", "print the prefix of an installed env",
	  "usage: cuenv prefix SPEC [--profile P]\n"
	  "\n"
	  "Print the path of the newest installed env that satisfies SPEC (or has the\n"
	  "exact name SPEC). Exit status 3 when none is installed.\n",
	  cmd_prefix, "--profile --help", NULL },
	{ "uninstall", "remove an installed env",
	  "usage: cuenv uninstall SPEC [--profile P] [--all]\n"
	  "\n"
	  "Remove the installed env that satisfies SPEC (or has the exact name SPEC).\n"
	  "When several do, name one exactly or pass --all. Store entries stay until\n"
	  "'cuenv gc'.\n",
	  cmd_uninstall, "--profile --all --help", NULL },
	{ "gc", "remove store entries and downloads no env uses",
	  "usage: cuenv gc [--json]\n"
	  "\n"
	  "Remove store entries and cached archives that no installed env uses, partial\n"
	  "downloads and staging left by interrupted runs, and report what was freed.\n",
	  cmd_gc, "--json --help", NULL },

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
	  cmd_resolve, "--profile --platform --json --help", NULL },
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
	{ "update", "refresh the catalogue from the source",
	  "usage: cuenv update [--quiet]\n"
	  "\n"
	  "Fetch the source's directory listings and every manifest they name into\n"
	  "the cache ($CUENV_CACHE/catalogue). Each manifest is validated before it\n"
	  "is kept; a bad one fails the update and the previous catalogue stays.\n"
	  "\n" SOURCE_HELP,
	  cmd_update, "--quiet --help", NULL },
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
