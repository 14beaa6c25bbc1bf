// SPDX-License-Identifier: MIT
/* The key = value settings file and its environment overrides. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "fs.h"
#include "paths.h"
#include "xalloc.h"
#include "banned.h"

char *config_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

bool config_key_value(char *line, char **key, char **value)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return false;
	*eq = '\0';
	*key = config_trim(line);
	*value = config_trim(eq + 1);
	return true;
}

static int set_jobs(struct config *cfg, const char *v)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n == 0 || n > 256 || *v == '-' || *v == '+')
		return -1;
	cfg->jobs = (unsigned)n;
	return 0;
}

static int set(struct config *cfg, const char *key, const char *value)
{
	char **slot = NULL;

	if (!strcmp(key, "mirror"))
		slot = &cfg->mirror;
	else if (!strcmp(key, "profile"))
		slot = &cfg->profile;
	else if (!strcmp(key, "platform"))
		slot = &cfg->platform;
	else if (!strcmp(key, "jobs"))
		return set_jobs(cfg, value) < 0 ? -2 : 0;
	else
		return -1;
	free(*slot);
	*slot = xstrdup(value);
	return 0;
}

int config_parse(struct config *cfg, const char *data, size_t len, const char *name, char *err,
		 size_t errlen)
{
	char *copy = xstrndup(data, len), *line = copy, *next;
	unsigned lineno = 0;
	int rc = 0;

	for (; line && !rc; line = next) {
		char *key, *value;
		int r;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		key = config_trim(line);
		if (!*key || *key == '#')
			continue;
		if (!config_key_value(key, &key, &value)) {
			snprintf(err, errlen, "%s:%u: expected 'key = value'", name, lineno);
			rc = -CUE_EDATA;
			break;
		}
		r = set(cfg, key, value);
		if (r == -1)
			snprintf(err, errlen, "%s:%u: unknown setting '%.40s'", name, lineno, key);
		else if (r == -2)
			snprintf(err, errlen, "%s:%u: jobs '%.40s' is not a number from 1 to 256",
				 name, lineno, value);
		if (r)
			rc = -CUE_EDATA;
	}
	free(copy);
	return rc;
}

int config_load(struct config *cfg, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	const char *v;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = paths_config_file();
	rc = fs_read_file(cfg->path, 1 << 20, &b);
	if (rc == 0)
		rc = config_parse(cfg, b.s, b.len, cfg->path, err, errlen);
	else if (rc == -ENOENT)
		rc = 0;
	else
		snprintf(err, errlen, "cannot read '%s': %s", cfg->path, strerror(-rc));
	buf_release(&b);
	if (rc < 0)
		return rc < -1023 ? rc : -CUE_EDATA;
	if ((v = getenv("CUENV_MIRROR")) && *v)
		set(cfg, "mirror", v);
	if ((v = getenv("CUENV_PROFILE")) && *v)
		set(cfg, "profile", v);
	if ((v = getenv("CUENV_PLATFORM")) && *v)
		set(cfg, "platform", v);
	if ((v = getenv("CUENV_JOBS")) && *v && set_jobs(cfg, v) < 0) {
		snprintf(err, errlen, "CUENV_JOBS '%.40s' is not a number from 1 to 256", v);
		return -CUE_EUSAGE;
	}
	return 0;
}

void config_release(struct config *cfg)
{
	free(cfg->mirror);
	free(cfg->profile);
	free(cfg->platform);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
