// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the archive entry policy of extract.c, on whole archives
 * and on single names.
 *
 * Input: one selector byte, then the payload.
 *   selector % 3 == 0: the payload is a tar stream; it is wrapped in a valid
 *                      .xz container (stored LZMA2 chunks, CRC32) so that the
 *                      mutations reach the tar reader and cuenv's policy
 *                      instead of dying in the xz checksum;
 *   selector % 3 == 1: the payload is the .tar.xz file itself;
 *   selector % 3 == 2: the payload is "name\0target": extract_check_name()
 *                      and extract_check_link() on their own.
 *
 * Archives are extracted with extract_archive() into a fresh staging
 * directory eight levels below a scratch directory that also holds the
 * sentinel "outside/" (victim 0600, vdir/ 0700) and is the working
 * directory while extract_archive() runs, so that relative escapes, "/proc/self/cwd/..." names and
 * symlinks through any of the parents would land where the checks look.
 * After every archive: nothing but the staging tree changed, and when the
 * archive was accepted the tree is exactly what extract_result lists, with
 * cuenv's modes, the recorded sha256, and symlinks that stay inside.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "extract.h"
#include "fs.h"
#include "verify.h"
#include "banned.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define TOP "top"
#define DEPTH 8
#define VICTIM "cuenv fuzz sentinel: nothing may change this\n"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[PATH_MAX];	/* the scratch directory, also the working directory */
static char parent[PATH_MAX];	/* base/d/d/.../d: staging is parent/s */
static int archive_fd = -1;	/* base/in.tar.xz */
static int base_fd = -1, home_fd = -1;	/* base, and the fuzzer's own working directory */
static unsigned char *xzbuf;
static size_t xzcap;

/* ---- a .xz container of stored chunks (the shape of mkmirror.py xz_store) ---- */

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c, n, k;

	for (n = 0; n < 256; n++) {
		for (c = n, k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

struct out {
	size_t len;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->len + n > xzcap) {
		xzcap = (o->len + n) * 2 + 4096;
		xzbuf = realloc(xzbuf, xzcap);
		CHECK(xzbuf != NULL);
	}
	memcpy(xzbuf + o->len, p, n);
	o->len += n;
}

static void put32(struct out *o, uint32_t v)
{
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

	put(o, b, 4);
}

static void put_varint(struct out *o, uint64_t v)
{
	unsigned char b;

	while (v >= 0x80) {
		b = (unsigned char)((v & 0x7f) | 0x80);
		put(o, &b, 1);
		v >>= 7;
	}
	b = (unsigned char)v;
	put(o, &b, 1);
}

static void put_zeros(struct out *o, size_t n)
{
	static const unsigned char z[4];

	put(o, z, n);
}

static size_t xz_wrap(const unsigned char *data, size_t len)
{
	static const unsigned char magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 1 };
	static const unsigned char flags[] = { 0, 1 };
	/* A block header: one filter, LZMA2 with a 64 KiB dictionary. */
	unsigned char bh[12] = { 2, 0x00, 0x21, 0x01, 0x08, 0, 0, 0 };
	struct out o = { 0 };
	size_t i, comp, idx_start, idx_len;
	unsigned char back[6];

	put(&o, magic, sizeof(magic));
	put32(&o, crc32(flags, 2));
	{
		uint32_t c = crc32(bh, 8);

		bh[8] = c & 0xff, bh[9] = (c >> 8) & 0xff, bh[10] = (c >> 16) & 0xff;
		bh[11] = (unsigned char)(c >> 24);
	}
	put(&o, bh, sizeof(bh));
	comp = o.len;
	for (i = 0; i < len; i += 65536) {
		size_t n = len - i < 65536 ? len - i : 65536;
		unsigned char ch[3] = { i == 0 ? 0x01 : 0x02, (unsigned char)((n - 1) >> 8),
					(unsigned char)((n - 1) & 0xff) };

		put(&o, ch, 3);
		put(&o, data + i, n);
	}
	put_zeros(&o, 1);
	comp = o.len - comp;
	put_zeros(&o, (4 - comp % 4) % 4);
	put32(&o, crc32(data, len));
	idx_start = o.len;
	put_zeros(&o, 1);
	put_varint(&o, 1);
	put_varint(&o, sizeof(bh) + comp + 4);
	put_varint(&o, len);
	put_zeros(&o, (4 - (o.len - idx_start) % 4) % 4);
	idx_len = o.len - idx_start;
	put32(&o, crc32(xzbuf + idx_start, idx_len));
	idx_len += 4;
	{
		uint32_t b = (uint32_t)(idx_len / 4 - 1);

		back[0] = b & 0xff, back[1] = (b >> 8) & 0xff, back[2] = (b >> 16) & 0xff;
		back[3] = (unsigned char)(b >> 24), back[4] = 0, back[5] = 1;
	}
	put32(&o, crc32(back, 6));
	put(&o, back, 6);
	put(&o, "YZ", 2);
	return o.len;
}

/* ---- the scratch directory ---- */

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

/* The scratch directory goes when the fuzzer exits normally (-max_total_time, -runs). */
static void remove_base(void)
{
	if (*base)
		fs_rm_rf(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];
	int i;

	(void)argc;
	(void)argv;
	crc_init();
	snprintf(base, sizeof(base), "%s/cuenv-fuzz-archive.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(base) != NULL);
	atexit(remove_base);
	home_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	base_fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(home_fd >= 0 && base_fd >= 0);
	CHECK(mkdirat(base_fd, "outside", 0700) == 0);
	CHECK(mkdirat(base_fd, "outside/vdir", 0700) == 0);
	snprintf(path, sizeof(path), "%s/outside/victim", base);
	write_file(path, VICTIM, 0600);
	snprintf(parent, sizeof(parent), "%s", base);
	for (i = 0; i < DEPTH; i++) {
		snprintf(path, sizeof(path), "%s/d", parent);
		CHECK(mkdir(path, 0755) == 0);
		snprintf(parent, sizeof(parent), "%s", path);
	}
	snprintf(path, sizeof(path), "%s/in.tar.xz", base);
	archive_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(archive_fd >= 0);
	return 0;
}

/* The names in directory path, sorted into one string "a b c". */
static void list_dir(const char *path, char *out, size_t len)
{
	char names[16][NAME_MAX + 1];
	size_t n = 0, i, k, o = 0;
	struct dirent *d;
	DIR *dh = opendir(path);

	CHECK(dh != NULL);
	while ((d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		CHECK(n < 16);
		snprintf(names[n++], sizeof(names[0]), "%s", d->d_name);
	}
	closedir(dh);
	for (i = 1; i < n; i++) {
		for (k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
			char t[NAME_MAX + 1];

			memcpy(t, names[k], sizeof(t));
			memcpy(names[k], names[k - 1], sizeof(t));
			memcpy(names[k - 1], t, sizeof(t));
		}
	}
	out[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? " " : "", names[i]);
}

/* Everything outside parent/s is as LLVMFuzzerInitialize left it. */
static void check_outside(bool staging_there)
{
	char names[4096], path[PATH_MAX], buf[128];
	struct stat st;
	ssize_t n;
	int fd, i;

	list_dir(base, names, sizeof(names));
	CHECK(!strcmp(names, "d in.tar.xz outside"));
	snprintf(path, sizeof(path), "%s/outside", base);
	list_dir(path, names, sizeof(names));
	CHECK(!strcmp(names, "vdir victim"));
	CHECK(lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
	snprintf(path, sizeof(path), "%s/outside/vdir", base);
	list_dir(path, names, sizeof(names));
	CHECK(!strcmp(names, ""));
	CHECK(lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
	snprintf(path, sizeof(path), "%s/outside/victim", base);
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1);
	CHECK((st.st_mode & 07777) == 0600);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	CHECK(n == (ssize_t)strlen(VICTIM) && !memcmp(buf, VICTIM, (size_t)n));
	snprintf(path, sizeof(path), "%s", base);
	for (i = 0; i < DEPTH; i++) {
		size_t l = strlen(path);

		snprintf(path + l, sizeof(path) - l, "/d");
		list_dir(path, names, sizeof(names));
		CHECK(!strcmp(names, i < DEPTH - 1 ? "d" : staging_there ? "s" : ""));
		CHECK(lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
	}
}

/* ---- the tree of an accepted archive ---- */

static const struct extract_file *lookup(const struct extract_result *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	}
	return NULL;
}

static void check_file(int dfd, const char *name, const struct extract_file *f,
		       const struct stat *st)
{
	struct verify_sha256 *h = verify_sha256_new();
	unsigned char got[32], chunk[8192];
	ssize_t n;
	int fd;

	CHECK(S_ISREG(st->st_mode));
	CHECK((st->st_mode & 07777) == 0444 || (st->st_mode & 07777) == 0555);
	CHECK((st->st_mode & 07777) == f->mode);
	CHECK((uint64_t)st->st_size == f->size);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd >= 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		verify_sha256_update(h, chunk, (size_t)n);
	close(fd);
	verify_sha256_final(h, got);
	verify_sha256_free(h);
	CHECK(!memcmp(got, f->sha256, 32));
}

/* Walk the tree below dfd (rel: its path in the archive); returns the entries seen. */
static size_t check_tree(int dfd, const char *rel, const struct extract_result *r)
{
	struct dirent *d;
	size_t seen = 0;
	DIR *dh;
	int fd = dup(dfd);

	CHECK(fd >= 0);
	dh = fdopendir(fd);
	CHECK(dh != NULL);
	while ((d = readdir(dh))) {
		char path[EXTRACT_MAX_PATH + NAME_MAX + 2];
		const struct extract_file *f;
		const char *why;
		struct stat st;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", d->d_name);
		CHECK(fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0);
		f = lookup(r, path);
		if (!f)
			fprintf(stderr, "unlisted path in staging: %s\n", path);
		CHECK(f != NULL);
		CHECK(extract_check_name(path, &why) == 0);
		seen++;
		if (f->type == EXTRACT_DIR) {
			int sub = openat(dfd, d->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
			CHECK(sub >= 0);
			seen += check_tree(sub, path, r);
			close(sub);
		} else if (f->type == EXTRACT_LINK) {
			char target[EXTRACT_MAX_PATH + 1];
			ssize_t n = readlinkat(dfd, d->d_name, target, sizeof(target) - 1);

			CHECK(S_ISLNK(st.st_mode) && n > 0);
			target[n] = '\0';
			CHECK(f->target && !strcmp(f->target, target));
			CHECK(extract_check_link(path, target, &why) == 0);
		} else {
			CHECK(f->type == EXTRACT_FILE);
			check_file(dfd, d->d_name, f, &st);
		}
	}
	closedir(dh);
	return seen;
}

/*
 * Every symlink of an accepted tree, resolved by the kernel from the
 * staging directory, ends inside it (or nowhere: a dangling link is allowed).
 */
static void check_links(const char *staging, const struct extract_result *r)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t i, n = strlen(staging);

	for (i = 0; i < r->nr; i++) {
		if (r->files[i].type != EXTRACT_LINK)
			continue;
		snprintf(path, sizeof(path), "%s/%s", staging, r->files[i].path);
		if (!realpath(path, real))
			continue;
		if (strncmp(real, staging, n) || (real[n] != '/' && real[n] != '\0'))
			fprintf(stderr, "symlink %s resolves to %s\n", r->files[i].path, real);
		CHECK(!strncmp(real, staging, n) && (real[n] == '/' || real[n] == '\0'));
	}
}

static void run_archive(const unsigned char *bytes, size_t len)
{
	struct extract_limits lim = { 1 << 20, 256 };
	struct extract_result res;
	char staging[PATH_MAX];
	int dfd, rc;
	size_t i, files = 0;

	CHECK(ftruncate(archive_fd, 0) == 0);
	CHECK(pwrite(archive_fd, bytes, len, 0) == (ssize_t)len);
	CHECK(lseek(archive_fd, 0, SEEK_SET) == 0);
	snprintf(staging, sizeof(staging), "%s/s", parent);
	CHECK(mkdir(staging, 0755) == 0);
	dfd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	/* cuenv never changes directory; the harness does, around the call only. */
	CHECK(fchdir(base_fd) == 0);
	rc = extract_archive(archive_fd, TOP, dfd, &lim, NULL, &res);
	CHECK(fchdir(home_fd) == 0);
	check_outside(true);
	if (rc < 0) {
		CHECK(res.err[0] != '\0');
		CHECK(rc == -CUE_EUNSAFEPATH || rc == -CUE_EARCHIVE || rc == -ENAMETOOLONG ||
		      rc == -ENOSPC || rc == -EMLINK || rc == -ENOENT);
		/* Messages never carry raw control characters (names are escaped). */
		for (i = 0; res.err[i]; i++)
			CHECK((unsigned char)res.err[i] >= 0x20 && res.err[i] != 0x7f);
	} else {
		CHECK(rc == 0 && res.nr > 0);
		for (i = 0; i < res.nr; i++)
			files += res.files[i].type == EXTRACT_FILE;
		CHECK(check_tree(dfd, "", &res) == res.nr);
		check_links(staging, &res);
		CHECK(res.bytes <= lim.max_bytes);
	}
	close(dfd);
	extract_result_release(&res);
	CHECK(fs_rm_rf(staging) == 0);
	check_outside(false);
	(void)files;
}

/* ---- single names ---- */

static void run_names(const char *data, size_t len)
{
	char *name = strndup(data, len), *target;
	const char *why = NULL;
	size_t nlen = strlen(name);

	CHECK(name != NULL);
	target = nlen < len ? strndup(data + nlen + 1, len - nlen - 1) : strdup("x");
	CHECK(target != NULL);
	if (extract_check_name(name, &why) == 0) {
		const char *s;

		CHECK(*name && name[0] != '/' && strlen(name) <= EXTRACT_MAX_PATH);
		CHECK(!strstr(name, "//") && name[nlen - 1] != '/');
		for (s = name; *s; s++)
			CHECK((unsigned char)*s >= 0x20 && *s != 0x7f && *s != '\\');
		CHECK(strcmp(name, ".") && strcmp(name, "..") && strncmp(name, "../", 3) &&
		      strncmp(name, "./", 2) && !strstr(name, "/../") && !strstr(name, "/./"));
		if (extract_check_link(name, target, &why) == 0) {
			long depth = 0;
			const char *seg = target;

			/* Lexically, the target never climbs above the root. */
			CHECK(target[0] != '/' && *target);
			for (s = name; *s; s++)
				depth += *s == '/';
			for (s = target;; s++) {
				if (*s && *s != '/')
					continue;
				if (s - seg == 2 && !strncmp(seg, "..", 2))
					depth--;
				else if (s != seg && !(s - seg == 1 && *seg == '.'))
					depth++;
				CHECK(depth >= 0);
				if (!*s)
					break;
				seg = s + 1;
			}
		}
	} else {
		CHECK(why && *why);
	}
	free(name);
	free(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		len = xz_wrap(data + 1, size - 1);
		run_archive(xzbuf, len);
		break;
	case 1:
		run_archive(data + 1, size - 1);
		break;
	default:
		run_names((const char *)data + 1, size - 1);
	}
	return 0;
}
