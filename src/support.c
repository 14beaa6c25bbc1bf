// SPDX-License-Identifier: MIT
/* The support data file: driver minima and cuDNN support lists. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "xalloc.h"
#include "banned.h"

#define MAX_FIELDS 6

static int split(char *line, char **field)
{
	int n = 0;
	char *s = line;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			*s++ = '\0';
		if (!*s)
			break;
		if (n == MAX_FIELDS)
			return -1;
		field[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
	return n;
}

static int copy_field(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int parse_minors(const char *text, uint64_t *mask)
{
	const char *s = text;

	*mask = 0;
	while (*s) {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (end == s || lo > 63)
			return -1;
		s = end;
		if (*s == '-') {
			hi = strtoul(++s, &end, 10);
			if (end == s || hi > 63 || hi < lo)
				return -1;
			s = end;
		}
		for (; lo <= hi; lo++)
			*mask |= UINT64_C(1) << lo;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return -1;
	}
	return *mask ? 0 : -1;
}

static int parse_cuda(struct support *s, char **f, size_t *alloc)
{
	struct support_cuda r;
	struct version dv;

	memset(&r, 0, sizeof(r));
	if (version_parse(f[1], &r.label) < 0 || version_parse(f[2], &dv) < 0 ||
	    version_parse(f[3], &dv) < 0 || copy_field(r.driver_min, sizeof(r.driver_min), f[2]) ||
	    copy_field(r.mvc_min, sizeof(r.mvc_min), f[3]) ||
	    copy_field(r.source, sizeof(r.source), f[4]))
		return -1;
	xgrow(&s->cuda, sizeof(r), s->nr_cuda + 1, alloc);
	s->cuda[s->nr_cuda++] = r;
	return 0;
}

static int parse_cudnn(struct support *s, char **f, size_t *alloc)
{
	struct support_cudnn r;
	char *end;

	memset(&r, 0, sizeof(r));
	if (version_parse(f[1], &r.label) < 0 || strncmp(f[2], "cuda", 4))
		return -1;
	r.cuda_major = (unsigned)strtoul(f[2] + 4, &end, 10);
	if (end == f[2] + 4 || *end || r.cuda_major > 99)
		return -1;
	if (parse_minors(f[3], &r.minors) < 0 ||
	    copy_field(r.minors_text, sizeof(r.minors_text), f[3]) ||
	    copy_field(r.source, sizeof(r.source), f[4]))
		return -1;
	xgrow(&s->cudnn, sizeof(r), s->nr_cudnn + 1, alloc);
	s->cudnn[s->nr_cudnn++] = r;
	return 0;
}

/* "7.5" -> 75 */
static int parse_cc(const char *s, const char *end, unsigned *cc)
{
	struct version v;

	if (version_parsen(s, (size_t)(end - s), &v) < 0 || v.nr != 2 || v.part[0] > 99 ||
	    v.part[1] > 9)
		return -1;
	*cc = v.part[0] * 10 + v.part[1];
	return 0;
}

static int parse_arch(struct support *s, char **f, size_t *alloc)
{
	struct support_arch r;
	const char *dash;

	memset(&r, 0, sizeof(r));
	if (strcmp(f[1], "cuda") && (strncmp(f[1], "cudnn", 5) || !f[1][5]))
		return -1;
	if (copy_field(r.product, sizeof(r.product), f[1]) || !(dash = strchr(f[2], '-')) ||
	    version_parsen(f[2], (size_t)(dash - f[2]), &r.from) < 0 ||
	    version_parse(dash + 1, &r.to) < 0 || version_cmp(&r.from, &r.to) > 0)
		return -1;
	if (!(dash = strchr(f[3], '-')) || parse_cc(f[3], dash, &r.cc_min) < 0 ||
	    parse_cc(dash + 1, dash + 1 + strlen(dash + 1), &r.cc_max) < 0 || r.cc_min > r.cc_max ||
	    copy_field(r.cc_text, sizeof(r.cc_text), f[3]) ||
	    copy_field(r.source, sizeof(r.source), f[4]))
		return -1;
	xgrow(&s->arch, sizeof(r), s->nr_arch + 1, alloc);
	s->arch[s->nr_arch++] = r;
	return 0;
}

int support_parse(struct support *s, const char *data, size_t len, char *err, size_t errlen)
{
	char *copy = xstrndup(data, len), *line = copy, *next;
	size_t alloc_cuda = 0, alloc_cudnn = 0, alloc_arch = 0;
	unsigned lineno = 0;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	for (; line; line = next) {
		char *f[MAX_FIELDS];
		int n;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#')
			continue;
		n = split(line, f);
		if (n == 0)
			continue;
		if (n == 5 && !strcmp(f[0], "cuda"))
			rc = parse_cuda(s, f, &alloc_cuda);
		else if (n == 5 && !strcmp(f[0], "cudnn"))
			rc = parse_cudnn(s, f, &alloc_cudnn);
		else if (n == 5 && !strcmp(f[0], "arch"))
			rc = parse_arch(s, f, &alloc_arch);
		else
			rc = -1;
		if (rc < 0) {
			snprintf(err, errlen, "support.txt:%u: not a valid cuda, cudnn or arch row", lineno);
			support_release(s);
			rc = -CUE_EDATA;
			break;
		}
	}
	free(copy);
	return rc;
}

void support_release(struct support *s)
{
	free(s->cuda);
	free(s->cudnn);
	free(s->arch);
	memset(s, 0, sizeof(*s));
}

const struct support_cuda *support_cuda(const struct support *s, const struct version *label)
{
	size_t i;

	for (i = 0; i < s->nr_cuda; i++) {
		if (!version_cmp(&s->cuda[i].label, label))
			return &s->cuda[i];
	}
	return NULL;
}

enum support_answer support_cudnn_lists(const struct support *s, const struct version *cudnn,
					 unsigned major, unsigned minor,
					 const struct support_cudnn **row)
{
	size_t i;

	for (i = 0; i < s->nr_cudnn; i++) {
		const struct support_cudnn *r = &s->cudnn[i];

		if (version_cmp(&r->label, cudnn) || r->cuda_major != major)
			continue;
		if (row)
			*row = r;
		return minor < 64 && (r->minors >> minor & 1) ? SUPPORT_YES : SUPPORT_NO;
	}
	return SUPPORT_UNKNOWN;
}

const struct support_arch *support_arch(const struct support *s, const char *product,
					const struct version *v)
{
	size_t i;

	for (i = 0; i < s->nr_arch; i++) {
		const struct support_arch *r = &s->arch[i];
		struct version t = *v;

		if (strcmp(r->product, product))
			continue;
		/* "12.0-12.7" covers 12.4.1: compare on the row's own precision. */
		if (t.nr > r->from.nr)
			t.nr = r->from.nr;
		if (version_cmp(&t, &r->from) >= 0) {
			t = *v;
			if (t.nr > r->to.nr)
				t.nr = r->to.nr;
			if (version_cmp(&t, &r->to) <= 0)
				return r;
		}
	}
	return NULL;
}
