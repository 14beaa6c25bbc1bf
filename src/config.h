/*
 * config.h - the settings file ($XDG_CONFIG_HOME/cuenv/config).
 *
 * Lines are "key = value"; '#' starts a comment line. Known keys: mirror,
 * profile, platform, jobs. Environment variables (CUENV_MIRROR,
 * CUENV_PROFILE, CUENV_PLATFORM, CUENV_JOBS) override the file, and command
 * options override both; config_load() applies the first two layers.
 *
 *	struct config cfg;
 *	if (config_load(&cfg, err, sizeof(err)) < 0) fail(err);
 *	... cfg.mirror may be NULL (the default source) ...
 *	config_release(&cfg);
 */
#ifndef CUENV_CONFIG_H
#define CUENV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char *mirror;	/* source base URL, NULL for NVIDIA's */
	char *profile;	/* NULL for the default, "devel" */
	char *platform;	/* NULL to detect */
	unsigned jobs;	/* 0 for automatic */
	char *path;	/* the file read, or the path that did not exist */
};

/* Parse a config buffer (name is used in messages). Returns 0 or -CUE_EDATA. */
int config_parse(struct config *cfg, const char *data, size_t len, const char *name, char *err,
		 size_t errlen);
/* Read the file (a missing file is fine), then the environment. */
int config_load(struct config *cfg, char *err, size_t errlen);
void config_release(struct config *cfg);

/* Shared by every "key = value" file (config, pins, locks): */
/* Strip blanks and a CR at both ends, in place; returns the start. */
char *config_trim(char *s);
/* Split "key = value" in place (blanks optional); false when there is no '='. */
bool config_key_value(char *line, char **key, char **value);

#endif
