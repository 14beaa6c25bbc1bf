// SPDX-License-Identifier: MIT
/* cuenv hook: shell code that activates the pinned env on every prompt, for nothing when nothing changed. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "env.h"
#include "fs.h"
#include "layout.h"
#include "out.h"
#include "paths.h"
#include "store.h"
#include "xalloc.h"
#include "banned.h"

/*
 * The prompt-time check is pure shell and costs a few stat calls: it
 * compares $PWD and $CUENV_VERSION with what the last activation saw, checks
 * that the pin generation it saw still exists ('cuenv use' renames
 * pin-generation.N to N+1), and that the pin file is not newer than it. Only
 * when one differs does it run 'cuenv hook SHELL --eval'. @CUENV@ is the
 * quoted absolute path of cuenv, @GEN@ the quoted generation file prefix.
 */
static const char bash_code[] =
	"# cuenv: eval \"$(cuenv hook bash)\" in ~/.bashrc\n"
	"_cuenv_hook() {\n"
	"    if [ \"${_CUENV_KEY-}\" = \"$PWD|${CUENV_VERSION-}\" ] && [ -e @GEN@\"${_CUENV_GEN-x}\" ]; then\n"
	"        [ -z \"${_CUENV_PIN-}\" ] && return 0\n"
	"        [ \"$_CUENV_PIN\" -nt @GEN@\"$_CUENV_GEN\" ] || return 0\n"
	"    fi\n"
	"    eval \"$(@CUENV@ hook bash --eval)\"\n"
	"}\n"
	"case \";${PROMPT_COMMAND-};\" in\n"
	"*\";_cuenv_hook;\"*) ;;\n"
	"*) PROMPT_COMMAND=\"_cuenv_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}\" ;;\n"
	"esac\n"
	"_cuenv_hook\n";

static const char zsh_code[] =
	"# cuenv: eval \"$(cuenv hook zsh)\" in ~/.zshrc\n"
	"_cuenv_hook() {\n"
	"    if [ \"${_CUENV_KEY-}\" = \"$PWD|${CUENV_VERSION-}\" ] && [ -e @GEN@\"${_CUENV_GEN-x}\" ]; then\n"
	"        [ -z \"${_CUENV_PIN-}\" ] && return 0\n"
	"        [ \"$_CUENV_PIN\" -nt @GEN@\"$_CUENV_GEN\" ] || return 0\n"
	"    fi\n"
	"    eval \"$(@CUENV@ hook zsh --eval)\"\n"
	"}\n"
	"typeset -ag precmd_functions chpwd_functions\n"
	"(( ${precmd_functions[(I)_cuenv_hook]} )) || precmd_functions=(_cuenv_hook $precmd_functions)\n"
	"(( ${chpwd_functions[(I)_cuenv_hook]} )) || chpwd_functions=(_cuenv_hook $chpwd_functions)\n"
	"_cuenv_hook\n";

static const char fish_code[] =
	"# cuenv: cuenv hook fish | source   in ~/.config/fish/config.fish\n"
	"function _cuenv_hook --on-event fish_prompt --on-variable PWD\n"
	"    if test \"$_CUENV_KEY\" = \"$PWD|$CUENV_VERSION\"; and test -e @GEN@\"$_CUENV_GEN\"\n"
	"        if test -z \"$_CUENV_PIN\"; or not test \"$_CUENV_PIN\" -nt @GEN@\"$_CUENV_GEN\"\n"
	"            return\n"
	"        end\n"
	"    end\n"
	"    @CUENV@ hook fish --eval | source\n"
	"end\n"
	"_cuenv_hook\n";

static void shell_quote(struct buf *b, const char *s)
{
	buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addch(b, *s);
	}
	buf_addch(b, '\'');
}

static void expand(struct buf *out, const char *code, const char *cuenv, const char *gen)
{
	const char *s;

	for (s = code; *s; s++) {
		if (!strncmp(s, "@CUENV@", 7)) {
			shell_quote(out, cuenv);
			s += 6;
		} else if (!strncmp(s, "@GEN@", 5)) {
			shell_quote(out, gen);
			s += 4;
		} else {
			buf_addch(out, *s);
		}
	}
}

static int print_code(const char *shell, const char *root)
{
	char exe[PATH_MAX], *gen = xasprintf("%s/" LAYOUT_PIN_GENERATION ".", root);
	struct buf out = BUF_INIT;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		snprintf(exe, sizeof(exe), "cuenv");
	expand(&out, !strcmp(shell, "fish") ? fish_code : !strcmp(shell, "zsh") ? zsh_code : bash_code,
	       exe, gen);
	fputs(out.s, stdout);
	buf_release(&out);
	free(gen);
	return 0;
}

/* The generation number, moved on first when the pin file was edited since. */
static unsigned long generation(const char *root, const struct pin *pin)
{
	unsigned long n = pins_generation(root);
	char *p = xasprintf("%s/" LAYOUT_PIN_GENERATION ".%lu", root, n);
	struct stat ps, gs;

	if (!n || stat(p, &gs) < 0 ||
	    (pin->path && stat(pin->path, &ps) == 0 &&
	     (ps.st_mtim.tv_sec > gs.st_mtim.tv_sec ||
	      (ps.st_mtim.tv_sec == gs.st_mtim.tv_sec && ps.st_mtim.tv_nsec > gs.st_mtim.tv_nsec))))
		n = pins_bump_generation(root);
	free(p);
	return n;
}

/* Which env the pin asks for, quietly: NULL when there is no pin or it is not installed. */
static char *wanted(const struct pinned *pd, bool *missing)
{
	struct store_env *envs;
	size_t nr, *match, nr_match;
	char *name = NULL;

	*missing = false;
	if (pd->pin.source == PIN_NONE)
		return NULL;
	if (pd->lock_matches) {
		char *prefix = cli_env_prefix(pd->lock.env, NULL);

		if (prefix)
			name = xstrdup(pd->lock.env);
		free(prefix);
	}
	if (!name && cli_installed_all("hook", pd->pin.spec, pd->pin.profile, &envs, &nr, &match,
				       &nr_match) == 0) {
		if (nr_match)
			name = xstrdup(envs[match[0]].name);
		free(match);
		store_envs_free(envs, nr);
	}
	*missing = !name;
	return name;
}

static void plan_ops(struct env_ops *ops, const char *root, const char *name)
{
	const char *active = getenv("CUENV_ACTIVE");
	char *prefix;

	if (!name) {
		if (active && *active)
			env_deactivate(ops, root, env_getenv, NULL, true);
		return;
	}
	if (active && !strcmp(active, name))
		return;
	prefix = cli_env_prefix(name, NULL);
	if (!prefix)
		return;
	if (!paths_listable(prefix)) {
		out_warn("env prefix '%s' contains ':' or a control character: not activated",
			 prefix);
		free(prefix);
		return;
	}
	env_save_originals(ops, env_getenv, NULL);
	/* The same variables as 'cuenv env' gives; the user's own come back on leaving. */
	env_activate(ops, root, prefix, name, env_getenv, NULL);
	free(prefix);
}

static int eval_env(const char *shell, const char *root)
{
	enum env_shell sh = !strcmp(shell, "fish") ? ENV_SHELL_FISH : ENV_SHELL_BASH;
	struct env_ops ops = { 0 };
	struct buf out = BUF_INIT;
	struct pinned pd;
	bool missing;
	char *name, from[512];
	unsigned long gen;
	int rc = cli_pinned_quiet(&pd);

	gen = generation(root, &pd.pin);
	name = rc ? NULL : wanted(&pd, &missing);
	if (!rc && missing)
		out_warn("'%s' (set by %s) is not installed; run 'cuenv install' in '%s'",
			 pd.pin.spec, pin_describe(&pd.pin, from, sizeof(from)),
			 pd.pin.dir ? pd.pin.dir : ".");
	plan_ops(&ops, root, name);
	env_render(&ops, sh, &out, NULL);
	if (sh == ENV_SHELL_FISH)
		buf_addf(&out, "set -g _CUENV_KEY \"$PWD|$CUENV_VERSION\";\nset -g _CUENV_GEN %lu;\n"
			       "set -g _CUENV_PIN ",
			 gen);
	else
		buf_addf(&out, "_CUENV_KEY=\"$PWD|${CUENV_VERSION-}\";\n_CUENV_GEN=%lu;\n_CUENV_PIN=",
			 gen);
	shell_quote(&out, pd.pin.path ? pd.pin.path : "");
	buf_adds(&out, ";\n");
	fputs(out.s, stdout);
	buf_release(&out);
	env_ops_release(&ops);
	free(name);
	cli_pinned_release(&pd);
	return 0;
}

int cmd_hook(int argc, char **argv)
{
	char *root;
	int rc;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--eval")))
		return cli_bad_usage("hook", "expected a shell: bash, zsh or fish");
	if (strcmp(argv[1], "bash") && strcmp(argv[1], "zsh") && strcmp(argv[1], "fish"))
		return cli_bad_usage("hook", "unknown shell '%s' (bash, zsh or fish)", argv[1]);
	root = paths_root();
	rc = argc == 3 ? eval_env(argv[1], root) : print_code(argv[1], root);
	free(root);
	return rc;
}
