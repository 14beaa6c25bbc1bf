// SPDX-License-Identifier: MIT
/* The install pipeline: store entries from cache or network, unpacked in threads, then the env. */
#include "install.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "checkpoint.h"
#include "error.h"
#include "fetch.h"
#include "fs.h"
#include "verify.h"
#include "xalloc.h"
#include "banned.h"

#define POLL_MS 100

/* Per task, what only the pipeline sees. */
struct slot {
	struct install_task *t;
	int entry_lock;
	int archive_lock;
	int fd;			/* the verified archive, for extraction */
	long long waiting_since;
	struct fetch_item item;
	char *part, *archive;
	/* extraction result, written by a worker */
	int rc;
	char err[512];
	struct slot *next_job;	/* queue links */
	struct slot *next_done;
};

struct pipeline {
	const struct install_opts *o;
	struct store s;
	struct slot *slots;
	size_t nr;
	struct fetcher *fetcher;
	struct extract_limits lim;
	volatile sig_atomic_t stop;	/* a failure: workers give up */
	int failed_rc;
	char *err;
	size_t errlen;
	uint64_t downloaded;
	/* the extraction queue */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *jobs;
	struct slot *done;
	bool closing;
	int wake[2];		/* workers write a byte when a job is done */
	pthread_t *threads;
	unsigned nr_threads;
	unsigned unpacking;
};

static long long now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

static unsigned lock_timeout(void)
{
	const char *v = getenv("CUENV_LOCK_TIMEOUT");
	char *end;
	unsigned long n;

	if (!v || !*v)
		return 600;
	n = strtoul(v, &end, 10);
	return *end || n > 86400 ? 600 : (unsigned)n;
}

static void set_state(struct pipeline *p, struct slot *sl, enum install_state st)
{
	sl->t->state = st;
	if (p->o->ev.state)
		p->o->ev.state(p->o->ev.ctx, sl->t);
}

static void warn(struct pipeline *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct pipeline *p, const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->o->ev.warn)
		p->o->ev.warn(p->o->ev.ctx, msg);
}

/* The first failure wins; it stops everything else. */
static void fail(struct pipeline *p, struct slot *sl, int rc, const char *msg)
{
	if (sl)
		set_state(p, sl, INSTALL_FAILED);
	if (p->failed_rc)
		return;
	p->failed_rc = rc;
	p->stop = 1;
	snprintf(p->err, p->errlen, "%s", msg);
}

const char *install_lock_why(int rc, const char *timeout_why)
{
	if (rc == -ETIMEDOUT)
		return timeout_why;
	/* NFS without lockd, some FUSE file systems (RELIABILITY.md REL-51): never run unlocked. */
	if (rc == -ENOLCK || rc == -EOPNOTSUPP)
		return "the file system does not support locks";
	return strerror(-rc);
}

int install_lock_wait(const char *path, unsigned flags, int *fd, struct install_events *ev,
		      const char *what, volatile sig_atomic_t *cancel)
{
	long long deadline = now_s() + lock_timeout();
	bool told = false;
	int rc;

	while ((rc = fs_lock(path, flags | FS_LOCK_TRY, fd)) == -EWOULDBLOCK) {
		if (!told && ev && ev->warn) {
			char msg[512];

			snprintf(msg, sizeof(msg), "waiting for another cuenv to finish with %s", what);
			ev->warn(ev->ctx, msg);
			told = true;
		}
		if (cancel && *cancel)
			return -ECANCELED;
		if (now_s() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
	return rc;
}

/* ---- extraction workers ---- */

static void *worker(void *arg)
{
	struct pipeline *p = arg;

	for (;;) {
		struct slot *sl;
		char one = 1;

		pthread_mutex_lock(&p->mu);
		while (!p->jobs && !p->closing)
			pthread_cond_wait(&p->cv, &p->mu);
		sl = p->jobs;
		if (sl)
			p->jobs = sl->next_job;
		pthread_mutex_unlock(&p->mu);
		if (!sl)
			return NULL;
		sl->rc = store_unpack(&p->s, &sl->t->c, sl->fd, &p->lim, &p->stop, sl->err,
				      sizeof(sl->err));
		pthread_mutex_lock(&p->mu);
		sl->next_done = p->done;
		p->done = sl;
		pthread_mutex_unlock(&p->mu);
		if (write(p->wake[1], &one, 1) < 0) {
			/* The main loop also polls on a timer: a lost wake-up only delays it. */
		}
	}
}

static int start_workers(struct pipeline *p)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned i;

	p->nr_threads = n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
	p->threads = xcalloc(p->nr_threads, sizeof(*p->threads));
	if (pipe(p->wake) < 0)
		return -errno;
	fcntl(p->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(p->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(p->wake[1], F_SETFD, FD_CLOEXEC);
	for (i = 0; i < p->nr_threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p)) {
			p->nr_threads = i;
			return -EAGAIN;
		}
	}
	return 0;
}

static void stop_workers(struct pipeline *p)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	p->closing = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nr_threads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	if (p->wake[0] >= 0)
		close(p->wake[0]);
	if (p->wake[1] >= 0)
		close(p->wake[1]);
}

static void queue_unpack(struct pipeline *p, struct slot *sl)
{
	set_state(p, sl, INSTALL_UNPACKING);
	p->unpacking++;
	sl->next_job = NULL;
	pthread_mutex_lock(&p->mu);
	{
		struct slot **tail = &p->jobs;

		while (*tail)
			tail = &(*tail)->next_job;
		*tail = sl;
	}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* ---- downloads ---- */

static void on_progress(void *ctx, struct fetch_item *it)
{
	struct pipeline *p = ctx;
	struct slot *sl = it->user;

	sl->t->received = it->received;
	if (p->o->ev.progress)
		p->o->ev.progress(p->o->ev.ctx, sl->t);
}

static void on_retry(void *ctx, struct fetch_item *it, const char *why, unsigned delay_ms)
{
	struct pipeline *p = ctx;
	struct slot *sl = it->user;

	sl->t->attempts = it->attempts;
	warn(p, "retrying '%s %s' in %.1f s: %s", sl->t->c.name, sl->t->c.version,
	     delay_ms / 1000.0, why);
}

static void on_fetched(void *ctx, struct fetch_item *it)
{
	struct pipeline *p = ctx;
	struct slot *sl = it->user;
	char msg[768];
	int rc = it->rc;

	if (rc == 0 && rename(sl->part, sl->archive) < 0)
		rc = -errno;
	if (rc == 0) {
		fs_fsync_dir(p->s.archives_dir);
		p->downloaded += it->size;
		sl->fd = open(sl->archive, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (sl->fd < 0)
			rc = -errno;
	}
	fs_unlock(sl->archive_lock);
	sl->archive_lock = -1;
	if (rc == 0) {
		queue_unpack(p, sl);
		return;
	}
	snprintf(msg, sizeof(msg), "cannot download '%s %s': %s", sl->t->c.name, sl->t->c.version,
		 it->rc ? it->err : strerror(-rc));
	fail(p, sl, rc, msg);
}

static int ensure_fetcher(struct pipeline *p)
{
	struct fetch_opts o;
	struct fetch_events ev = { p, on_progress, on_retry, on_fetched };
	char err[512];
	int rc;

	if (p->fetcher)
		return 0;
	fetch_opts_default(&o);
	o.flags = p->o->fetch_flags;
	if (p->o->jobs)
		o.parallel = p->o->jobs;
	rc = fetcher_new(&p->fetcher, &o, &ev, err, sizeof(err));
	if (rc < 0)
		fail(p, NULL, rc, err);
	return rc;
}

static void start_download(struct pipeline *p, struct slot *sl)
{
	if (ensure_fetcher(p) < 0)
		return;
	memset(&sl->item, 0, sizeof(sl->item));
	sl->item.url = sl->t->url;
	sl->item.part_path = sl->part;
	sl->item.size = sl->t->c.size;
	memcpy(sl->item.sha256, sl->t->c.sha256, 32);
	sl->item.user = sl;
	set_state(p, sl, INSTALL_DOWNLOADING);
	fetcher_add(p->fetcher, &sl->item);
}

/* ---- one task's next step ---- */

/* Take a lock without waiting; 1 when taken, 0 when busy (too long: fails), <0 on error. */
static int try_lock(struct pipeline *p, struct slot *sl, const char *path, int *fd)
{
	char msg[640];
	int rc = fs_lock(path, FS_LOCK_TRY, fd);

	if (rc == 0)
		return 1;
	if (rc == -EWOULDBLOCK) {
		if (sl->t->state != INSTALL_WAITING) {
			sl->waiting_since = now_s();
			set_state(p, sl, INSTALL_WAITING);
			warn(p, "waiting for another cuenv to finish '%s %s'", sl->t->c.name,
			     sl->t->c.version);
		} else if (now_s() - sl->waiting_since > (long long)lock_timeout()) {
			snprintf(msg, sizeof(msg), "timed out after %u s waiting for the lock '%s'",
				 lock_timeout(), path);
			fail(p, sl, -ETIMEDOUT, msg);
		}
		return 0;
	}
	snprintf(msg, sizeof(msg), "cannot lock '%s': %s", path, install_lock_why(rc, ""));
	fail(p, sl, rc, msg);
	return rc;
}

static void advance(struct pipeline *p, struct slot *sl)
{
	char err[512];
	char *path;
	int rc;

	if (sl->entry_lock < 0) {
		path = store_lock_path(&p->s, "store", sl->t->c.entry);
		rc = try_lock(p, sl, path, &sl->entry_lock);
		free(path);
		if (rc <= 0)
			return;
		checkpoint("after-lock");
		/* Someone may have finished it while we waited. */
		if (store_has_entry(&p->s, sl->t->c.entry)) {
			fs_unlock(sl->entry_lock);
			sl->entry_lock = -1;
			set_state(p, sl, INSTALL_REUSED);
			return;
		}
	}
	if (sl->archive_lock < 0) {
		char hex[VERIFY_SHA256_HEX];

		path = store_lock_path(&p->s, "archive", verify_hex(sl->t->c.sha256, 32, hex));
		rc = try_lock(p, sl, path, &sl->archive_lock);
		free(path);
		if (rc <= 0)
			return;
	}
	rc = store_open_cached(sl->archive, sl->t->c.size, sl->t->c.sha256, &sl->fd, err,
			       sizeof(err));
	if (rc == 0) {
		fs_unlock(sl->archive_lock);
		sl->archive_lock = -1;
		sl->t->from_cache = true;
		queue_unpack(p, sl);
		return;
	}
	if (rc != -ENOENT)
		warn(p, "%s", err);
	start_download(p, sl);
}

/* ---- finished extractions ---- */

static void collect_unpacked(struct pipeline *p)
{
	struct slot *done, *sl;
	char buf[64], msg[768];

	while (read(p->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->mu);
	done = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->mu);
	for (sl = done; sl; sl = sl->next_done) {
		p->unpacking--;
		close(sl->fd);
		sl->fd = -1;
		fs_unlock(sl->entry_lock);
		sl->entry_lock = -1;
		if (sl->rc == 0) {
			set_state(p, sl, INSTALL_DONE);
			continue;
		}
		/* Its digest matched, yet it cannot be unpacked: do not keep it for next time. */
		if (sl->rc != -ECANCELED && sl->rc != -ENOSPC)
			unlink(sl->archive);
		snprintf(msg, sizeof(msg), "cannot unpack '%s %s' from %s: %s", sl->t->c.name,
			 sl->t->c.version, sl->t->url, sl->err);
		fail(p, sl, sl->rc == -ECANCELED ? -ECANCELED : sl->rc, msg);
	}
}

/* ---- the loop ---- */

static bool settled(const struct install_task *t)
{
	return t->state == INSTALL_DONE || t->state == INSTALL_REUSED || t->state == INSTALL_FAILED;
}

static void run_loop(struct pipeline *p)
{
	size_t i, open;

	for (;;) {
		if (p->o->cancel && *p->o->cancel)
			fail(p, NULL, -ECANCELED, "interrupted");
		if (p->failed_rc)
			break;
		for (i = 0, open = 0; i < p->nr; i++) {
			struct slot *sl = &p->slots[i];

			if (sl->t->state == INSTALL_QUEUED || sl->t->state == INSTALL_WAITING)
				advance(p, sl);
			open += !settled(sl->t);
		}
		if (!open || p->failed_rc)
			break;
		if (p->fetcher) {
			fetcher_run(p->fetcher, POLL_MS, p->wake[0]);
		} else {
			struct pollfd pfd = { p->wake[0], POLLIN, 0 };

			poll(&pfd, 1, POLL_MS);
		}
		collect_unpacked(p);
	}
}

/* After a failure or Ctrl-C: stop transfers, let workers give up, drop every lock. */
static void wind_down(struct pipeline *p)
{
	size_t i;

	p->stop = 1;
	fetcher_free(p->fetcher);
	p->fetcher = NULL;
	stop_workers(p);
	collect_unpacked(p);
	for (i = 0; i < p->nr; i++) {
		struct slot *sl = &p->slots[i];

		fs_unlock(sl->archive_lock);
		fs_unlock(sl->entry_lock);
		if (sl->fd >= 0)
			close(sl->fd);
		free(sl->part);
		free(sl->archive);
	}
}

void install_env_from_plan(const struct plan *p, const char *source, struct store_env *env)
{
	size_t i;

	memset(env, 0, sizeof(*env));
	env->name = plan_name(p);
	env->spec = xstrdup(p->spec);
	env->platform = xstrdup(p->platform);
	env->profile = xstrdup(resolve_profile_name(p->profile));
	env->source = xstrdup(source);
	env->cuda = xstrdup(p->cuda.label);
	env->cudnn = p->has_cudnn ? xstrdup(p->cudnn.version) : NULL;
	env->components = xcalloc(p->nr_components, sizeof(*env->components));
	env->nr_components = p->nr_components;
	for (i = 0; i < p->nr_components; i++) {
		const struct plan_component *pc = &p->components[i];
		struct store_component *c = &env->components[i];

		c->product = xstrdup(manifest_product_name(pc->product));
		c->name = xstrdup(pc->name);
		c->version = xstrdup(pc->version);
		c->relative_path = xstrdup(pc->relative_path);
		memcpy(c->sha256, pc->sha256, 32);
		c->size = pc->size;
		c->entry = store_entry_name(pc->relative_path, pc->sha256);
	}
}

/* Is envs/<name> complete and made of exactly these archives? */
static bool env_matches(const struct store *s, const struct store_env *want)
{
	struct store_env *envs;
	size_t nr, i, k;
	bool same = false;

	if (store_list_envs(s, &envs, &nr) < 0)
		return false;
	for (i = 0; i < nr; i++) {
		if (strcmp(envs[i].name, want->name) || envs[i].nr_components != want->nr_components)
			continue;
		same = true;
		for (k = 0; k < want->nr_components && same; k++)
			same = !memcmp(envs[i].components[k].sha256, want->components[k].sha256, 32);
	}
	store_envs_free(envs, nr);
	return same;
}

static void on_conflict(void *ctx, const char *msg)
{
	warn(ctx, "%s", msg);
}

static int assemble(struct pipeline *p, const struct store_env *env, struct install_result *r)
{
	char *lock = store_lock_path(&p->s, "env", env->name);
	int fd, rc;

	rc = install_lock_wait(lock, 0, &fd, (struct install_events *)&p->o->ev, env->name,
			       p->o->cancel);
	if (rc == -ECANCELED) {
		snprintf(p->err, p->errlen, "interrupted");
	} else if (rc < 0) {
		snprintf(p->err, p->errlen, "cannot lock '%s': %s", lock,
			 install_lock_why(rc, "timed out waiting for another cuenv"));
	} else if (env_matches(&p->s, env)) {
		r->already = p->downloaded == 0;
	} else {
		rc = store_assemble_env(&p->s, env, on_conflict, p, p->err, p->errlen);
	}
	fs_unlock(fd);
	free(lock);
	return rc;
}

static void setup_tasks(struct pipeline *p, const struct plan *plan, const struct store_env *env,
			struct install_result *r)
{
	size_t i;

	r->nr_tasks = plan->nr_components;
	r->tasks = xcalloc(r->nr_tasks ? r->nr_tasks : 1, sizeof(*r->tasks));
	p->nr = r->nr_tasks;
	p->slots = xcalloc(p->nr ? p->nr : 1, sizeof(*p->slots));
	for (i = 0; i < p->nr; i++) {
		struct slot *sl = &p->slots[i];
		struct install_task *t = &r->tasks[i];

		t->c = env->components[i];	/* borrowed from env */
		t->url = plan->components[i].url;
		t->state = store_has_entry(&p->s, t->c.entry) ? INSTALL_REUSED : INSTALL_QUEUED;
		sl->t = t;
		sl->entry_lock = sl->archive_lock = sl->fd = -1;
		sl->part = store_part_path(&p->s, t->c.sha256);
		sl->archive = store_archive_path(&p->s, t->c.sha256);
		if (t->state == INSTALL_REUSED)
			set_state(p, sl, INSTALL_REUSED);
	}
}

static void limits(struct extract_limits *lim)
{
	const char *b = getenv("CUENV_MAX_UNPACKED"), *e = getenv("CUENV_MAX_ENTRIES");

	lim->max_bytes = b && *b ? strtoull(b, NULL, 10) : EXTRACT_MAX_BYTES;
	lim->max_entries = e && *e ? strtoull(e, NULL, 10) : EXTRACT_MAX_ENTRIES;
}

/* Nothing to do: every task is a reused store entry. */
static void reused_tasks(const struct plan *plan, struct install_result *r)
{
	size_t i;

	r->nr_tasks = plan->nr_components;
	r->tasks = xcalloc(r->nr_tasks ? r->nr_tasks : 1, sizeof(*r->tasks));
	for (i = 0; i < r->nr_tasks; i++) {
		r->tasks[i].c = r->env.components[i];
		r->tasks[i].url = plan->components[i].url;
		r->tasks[i].state = INSTALL_REUSED;
	}
}

static int run_pipeline(struct pipeline *p, const struct plan *plan, struct install_result *r)
{
	int rc;

	limits(&p->lim);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->wake[0] = p->wake[1] = -1;
	setup_tasks(p, plan, &r->env, r);
	rc = start_workers(p);
	if (rc < 0)
		fail(p, NULL, rc, "cannot start extraction threads");
	else
		run_loop(p);
	wind_down(p);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->slots);
	r->downloaded = p->downloaded;
	return p->failed_rc;
}

int install_plan(const struct plan *plan, const struct install_opts *o, struct install_result *r,
		 char *err, size_t errlen)
{
	struct pipeline p;
	char *lock = NULL;
	int root_fd = -1, rc;

	memset(&p, 0, sizeof(p));
	memset(r, 0, sizeof(*r));
	p.o = o;
	p.err = err;
	p.errlen = errlen;
	rc = store_open(&p.s, o->root, o->cache, err, errlen);
	if (rc < 0)
		goto out;
	install_env_from_plan(plan, o->source, &r->env);
	r->name = xstrdup(r->env.name);
	r->prefix = store_env_path(&p.s, r->env.name);
	/* Shared with other installs, exclusive for gc: nothing vanishes under us. */
	lock = store_lock_path(&p.s, "root", "store");
	rc = install_lock_wait(lock, FS_LOCK_SHARED, &root_fd, (struct install_events *)&o->ev,
			       "the store", o->cancel);
	if (rc == -ECANCELED) {
		snprintf(err, errlen, "interrupted");
		goto out;
	} else if ((rc == -EROFS || rc == -EACCES) && env_matches(&p.s, &r->env)) {
		/* A root this process may only read (a read-only image): a complete env needs no lock. */
		rc = 0;
		r->already = true;
		reused_tasks(plan, r);
		goto out;
	} else if (rc < 0) {
		snprintf(err, errlen, "cannot lock '%s': %s", lock,
			 install_lock_why(rc, "timed out waiting for 'cuenv gc'"));
		goto out;
	}
	if (env_matches(&p.s, &r->env)) {
		r->already = true;
		reused_tasks(plan, r);
		goto out;
	}
	rc = run_pipeline(&p, plan, r);
	if (rc == 0)
		rc = assemble(&p, &r->env, r);
out:
	fs_unlock(root_fd);
	free(lock);
	store_release(&p.s);
	return rc;
}

void install_result_release(struct install_result *r)
{
	free(r->name);
	free(r->prefix);
	free(r->tasks);
	store_env_release(&r->env);
	memset(r, 0, sizeof(*r));
}
