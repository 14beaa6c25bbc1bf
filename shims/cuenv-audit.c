// SPDX-License-Identifier: MIT
/*
 * cuenv-audit.so - an LD_AUDIT module for 'cuenv exec --audit': it records
 * every shared object the dynamic loader maps into a process, and nothing
 * else. It answers la_version and la_objopen only, and la_objopen returns 0
 * (no symbol-binding audit), so what loads, from where and in what order is
 * exactly what it would be without it.
 *
 * Records go to the file named by CUENV_AUDIT_FILE, which cuenv creates;
 * each is one write(2) of one line to a descriptor opened with O_APPEND, so
 * the lines of concurrent processes never interleave:
 *
 *	P <tab> pid <tab> ppid <tab> /proc/self/exe		once per process
 *	O <tab> pid <tab> namespace <tab> path			each object mapped
 *
 * with '\\', tab and newline in paths written as \\\\, \\t and \\n. Children
 * inherit LD_AUDIT and CUENV_AUDIT_FILE through their environment, and each
 * new program image opens the file again (the descriptor is close-on-exec).
 * A process that cannot open the file (another user, a cleared environment)
 * is simply not recorded; the loader ignores LD_AUDIT altogether for setuid
 * and setgid programs. libc only; built with -shared -fPIC.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd = -1;
static pid_t fd_pid;		/* the process that opened fd (fork keeps it) */
static pid_t told_pid;		/* the process whose P line is written */

unsigned int la_version(unsigned int version);
unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie);

unsigned int la_version(unsigned int version)
{
	return version < LAV_CURRENT ? version : LAV_CURRENT;
}

static size_t put(char *dst, size_t at, size_t cap, const char *s)
{
	for (; *s && at + 2 < cap; s++) {
		char c = *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\\' ? '\\' : 0;

		if (c) {
			dst[at++] = '\\';
			dst[at++] = c;
		} else {
			dst[at++] = *s;
		}
	}
	return at;
}

static size_t put_num(char *dst, size_t at, size_t cap, unsigned long n)
{
	char tmp[24];
	size_t k = 0;

	do
		tmp[k++] = (char)('0' + n % 10);
	while ((n /= 10) && k < sizeof(tmp));
	while (k && at + 1 < cap)
		dst[at++] = tmp[--k];
	return at;
}

static void emit(const char *line, size_t n)
{
	while (write(fd, line, n) < 0 && errno == EINTR)
		;
}

static int ready(void)
{
	const char *path;

	if (fd >= 0 && fd_pid == getpid())
		return 1;
	if (fd >= 0 && fd_pid != getpid())
		return (fd_pid = getpid()), 1;	/* forked: same file, new pid */
	path = getenv("CUENV_AUDIT_FILE");
	if (!path || !*path)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	fd_pid = getpid();
	return fd >= 0;
}

static void tell_process(void)
{
	char line[PATH_MAX + 64], exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t at = 0;

	exe[n > 0 ? n : 0] = '\0';
	told_pid = getpid();
	line[at++] = 'P';
	line[at++] = '\t';
	at = put_num(line, at, sizeof(line), (unsigned long)told_pid);
	line[at++] = '\t';
	at = put_num(line, at, sizeof(line), (unsigned long)getppid());
	line[at++] = '\t';
	at = put(line, at, sizeof(line) - 1, exe);
	line[at++] = '\n';
	emit(line, at);
}

unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	char line[2 * PATH_MAX + 64];
	size_t at = 0;

	(void)cookie;
	if (!ready())
		return 0;
	if (told_pid != getpid())
		tell_process();
	/* The program itself and the vDSO have no name. */
	if (!map->l_name || !*map->l_name)
		return 0;
	line[at++] = 'O';
	line[at++] = '\t';
	at = put_num(line, at, sizeof(line), (unsigned long)getpid());
	line[at++] = '\t';
	at = put_num(line, at, sizeof(line), (unsigned long)lmid);
	line[at++] = '\t';
	at = put(line, at, sizeof(line) - 1, map->l_name);
	line[at++] = '\n';
	emit(line, at);
	return 0;
}
