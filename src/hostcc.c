// SPDX-License-Identifier: MIT
/* The host compiler against the limits in the env's crt/host_config.h. */
#include "hostcc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "proc.h"
#include "xalloc.h"
#include "banned.h"

#define PROBE_TIMEOUT_MS 10000

/* The number after the first occurrence of "what" and optional blanks and ">=" or ">". */
static int limit_after(const char *line, const char *what)
{
	const char *s = strstr(line, what);
	bool ge;
	long n;

	if (!s)
		return -1;
	s += strlen(what);
	while (*s == ' ' || *s == '\t')
		s++;
	ge = s[0] == '>' && s[1] == '=';
	if (*s != '>')
		return -1;
	s += ge ? 2 : 1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtol(s, NULL, 10);
	/* "> 13": 13 is the newest accepted; ">= 21": 20 is. */
	return (int)(ge ? n - 1 : n);
}

int hostcc_parse_config(const char *data, size_t len, struct hostcc_limits *out)
{
	char *text = xstrndup(data, len), *line, *next, *last_if = NULL;

	out->gcc_max = out->clang_max = -1;
	for (line = text; line; line = next) {
		const char *s;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (!strncmp(s, "#if", 3)) {
			last_if = line;
			continue;
		}
		if (strncmp(s, "#error", 6) || !last_if)
			continue;
		if (out->gcc_max < 0 && strstr(s, "unsupported GNU version"))
			out->gcc_max = limit_after(last_if, "__GNUC__");
		/* Not the "HOS clang" or "Grace clang" checks, which have their own ranges. */
		else if (out->clang_max < 0 && strstr(s, "unsupported clang version"))
			out->clang_max = limit_after(last_if, "__clang_major__");
	}
	free(text);
	return out->gcc_max < 0 && out->clang_max < 0 ? -EINVAL : 0;
}

int hostcc_parse_version(const char *text, struct hostcc *out)
{
	const char *s, *eol = text + strcspn(text, "\n");

	out->kind[0] = '\0';
	out->major = out->minor = -1;
	snprintf(out->banner, sizeof(out->banner), "%.*s", (int)(eol - text), text);
	if ((s = strstr(text, "clang version "))) {
		snprintf(out->kind, sizeof(out->kind), "clang");
		s += strlen("clang version ");
	} else if ((s = memchr(text, ')', (size_t)(eol - text)))) {
		/* "gcc (Debian 12.2.0-14) 12.2.0", "g++ (GCC) 13.2.1 20230801" */
		if (!strstr(text, "Free Software Foundation") && !strstr(out->banner, "GCC") &&
		    !strstr(out->banner, "gcc") && !strstr(out->banner, "g++"))
			return -EINVAL;
		snprintf(out->kind, sizeof(out->kind), "gcc");
		s++;
	} else {
		return -EINVAL;
	}
	while (*s == ' ')
		s++;
	if (sscanf(s, "%d.%d", &out->major, &out->minor) != 2) {
		out->kind[0] = '\0';
		out->major = out->minor = -1;
		return -EINVAL;
	}
	return 0;
}

int hostcc_probe(const char *cmd, const char *path, struct hostcc *out)
{
	struct buf b = BUF_INIT;
	char *found, *argv[3];
	int status, rc;

	memset(out, 0, sizeof(*out));
	out->major = out->minor = -1;
	snprintf(out->cmd, sizeof(out->cmd), "%s", cmd);
	found = strchr(cmd, '/') ? xstrdup(cmd) : proc_which(cmd, path);
	if (!found)
		return -ENOENT;
	snprintf(out->path, sizeof(out->path), "%s", found);
	argv[0] = found;
	argv[1] = "--version";
	argv[2] = NULL;
	rc = proc_capture(argv, PROBE_TIMEOUT_MS, 8192, &b, &status);
	if (rc == 0)
		rc = status == 0 ? hostcc_parse_version(b.s, out) : -EINVAL;
	if (rc == -ENOENT)
		out->path[0] = '\0';
	buf_release(&b);
	free(found);
	return rc;
}

bool hostcc_accepted(const struct hostcc *cc, const struct hostcc_limits *lim)
{
	if (!strcmp(cc->kind, "gcc"))
		return lim->gcc_max >= 0 && cc->major >= 0 && cc->major <= lim->gcc_max;
	if (!strcmp(cc->kind, "clang"))
		return lim->clang_max >= 0 && cc->major >= 0 && cc->major <= lim->clang_max;
	return false;
}

static bool try_one(const char *name, const char *path, const struct hostcc_limits *lim,
		    struct hostcc *best)
{
	struct hostcc cc;

	if (hostcc_probe(name, path, &cc) < 0 || !hostcc_accepted(&cc, lim))
		return false;
	if (!best->kind[0] || cc.major > best->major ||
	    (cc.major == best->major && !strcmp(cc.kind, "gcc") && strcmp(best->kind, "gcc")))
		*best = cc;
	return true;
}

int hostcc_find_accepted(const char *path, const struct hostcc_limits *lim, struct hostcc *out)
{
	char name[32];
	int n, found = 0;

	memset(out, 0, sizeof(*out));
	/* gcc first: it is what nvcc runs unless told otherwise. */
	for (n = lim->gcc_max; lim->gcc_max >= 0 && n >= lim->gcc_max - 8 && !found; n--) {
		snprintf(name, sizeof(name), "g++-%d", n);
		found |= try_one(name, path, lim, out);
	}
	found |= try_one("g++", path, lim, out);
	for (n = lim->clang_max; lim->clang_max >= 0 && n >= lim->clang_max - 8 && !found; n--) {
		snprintf(name, sizeof(name), "clang++-%d", n);
		found |= try_one(name, path, lim, out);
	}
	if (!found)
		found |= try_one("clang++", path, lim, out);
	return found ? 0 : -ENOENT;
}
