// SPDX-License-Identifier: MIT
/* Run a helper program, capture its output, kill it when it runs too long. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xalloc.h"
#include "banned.h"

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *proc_which(const char *name, const char *path)
{
	const char *s = path, *e;
	struct stat st;

	while (s && *s) {
		size_t n;
		char *p;

		e = strchr(s, ':');
		n = e ? (size_t)(e - s) : strlen(s);
		if (n) {
			p = xasprintf("%.*s/%s", (int)n, s, name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
				return p;
			free(p);
		}
		s = e ? e + 1 : NULL;
	}
	return NULL;
}

/* Read what the child wrote until it closes the pipe or the time is up. */
static bool drain(int fd, long long deadline, size_t max, struct buf *out)
{
	char chunk[4096];

	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		int r;

		if (left <= 0)
			return false;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (out->len < max)
			buf_add(out, chunk, (size_t)n < max - out->len ? (size_t)n : max - out->len);
	}
}

int proc_capture(char *const argv[], int timeout_ms, size_t max, struct buf *out, int *status)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], ws = 0, rc;
	bool finished;
	pid_t pid;

	*status = -1;
	if (pipe(pipefd) < 0)
		return -errno;
	fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addclose(&fa, pipefd[1]);
	rc = strchr(argv[0], '/') ? posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)
				  : posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		return -rc;
	}
	finished = drain(pipefd[0], now_ms() + timeout_ms, max, out);
	close(pipefd[0]);
	if (!finished)
		kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!finished)
		*status = 124;
	else if (WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	else
		*status = 128 + WTERMSIG(ws);
	/* posix_spawnp reports a missing program as exit 127 of the child. */
	if (finished && *status == 127 && !out->len)
		return -ENOENT;
	return 0;
}
