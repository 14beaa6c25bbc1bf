// SPDX-License-Identifier: MIT
/* cuenv current: the active pair and what chose it. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "out.h"
#include "banned.h"

static const char *source_word(const struct cli_target *t)
{
	switch (t->pd.pin.source) {
	case PIN_ENV:
		return "env";
	case PIN_FILE:
		return "file";
	case PIN_GLOBAL:
		return "global";
	default:
		return "none";
	}
}

static void print_json(const struct cli_target *t)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "{\"spec\":");
	buf_add_json_str(&b, t->spec);
	buf_adds(&b, ",\"profile\":");
	buf_add_json_str(&b, t->profile);
	buf_addf(&b, ",\"source\":\"%s\",\"pin\":", source_word(t));
	if (t->pd.pin.path)
		buf_add_json_str(&b, t->pd.pin.path);
	else
		buf_adds(&b, "null");
	buf_adds(&b, ",\"lock\":");
	if (t->pd.lock_matches)
		buf_add_json_str(&b, t->pd.lock_path);
	else
		buf_adds(&b, "null");
	buf_addf(&b, ",\"installed\":%s,\"env\":", t->name ? "true" : "false");
	if (t->name)
		buf_add_json_str(&b, t->name);
	else
		buf_adds(&b, "null");
	buf_adds(&b, ",\"prefix\":");
	if (t->prefix)
		buf_add_json_str(&b, t->prefix);
	else
		buf_adds(&b, "null");
	buf_adds(&b, "}\n");
	fputs(b.s, stdout);
	buf_release(&b);
}

int cmd_current(int argc, char **argv)
{
	struct cli_target t;
	int json = argc == 2 && !strcmp(argv[1], "--json"), rc;

	if (argc > 2 || (argc == 2 && !json))
		return cli_bad_usage("current", "unknown argument '%s'", argv[1]);
	rc = cli_target(&t, NULL, NULL, "current");
	if (rc == 0) {
		if (json)
			print_json(&t);
		else if (t.name)
			printf("%s (%s)\n", t.name, t.from);
		else
			printf("%s (%s; not installed)\n", t.spec, t.from);
		if (!t.name && !json)
			rc = cli_target_missing(&t);
		else if (!t.name)
			rc = 3;
		if (t.pd.have_lock && !t.pd.lock_matches)
			out_warn("%s", t.pd.lock_problem);
	}
	cli_target_release(&t);
	return rc;
}
