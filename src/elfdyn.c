// SPDX-License-Identifier: MIT
/* The dynamic section of an ELF object: SONAME, NEEDED, RPATH, RUNPATH. */
#include "elfdyn.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"
#include "banned.h"

/* Bounds that no real library comes near; past them the input is hostile. */
#define MAX_PHDRS 512
#define MAX_DYN_BYTES (256 * 1024)
#define MAX_STRTAB (4 * 1024 * 1024)

/* A source of bytes: a buffer or a file descriptor. */
struct src {
	const unsigned char *data;
	size_t len;
	int fd;
	uint64_t size;
};

static int read_at(const struct src *s, uint64_t off, void *dst, size_t n)
{
	if (off > s->size || n > s->size - off)
		return -ENOEXEC;
	if (s->data) {
		memcpy(dst, s->data + off, n);
		return 0;
	}
	while (n) {
		ssize_t r = pread(s->fd, dst, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ENOEXEC;
		dst = (char *)dst + r;
		off += (uint64_t)r;
		n -= (size_t)r;
	}
	return 0;
}

/* The file offset of virtual address v, through the PT_LOAD segments. */
static int vaddr_offset(const Elf64_Phdr *ph, size_t n, uint64_t v, uint64_t *off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ph[i].p_type == PT_LOAD && v >= ph[i].p_vaddr &&
		    v - ph[i].p_vaddr < ph[i].p_filesz) {
			*off = ph[i].p_offset + (v - ph[i].p_vaddr);
			return 0;
		}
	}
	return -ENOEXEC;
}

static char *str_at(const char *tab, size_t len, uint64_t i)
{
	const char *end;

	if (i >= len)
		return NULL;
	end = memchr(tab + i, '\0', len - i);
	return end ? xstrndup(tab + i, (size_t)(end - tab - i)) : NULL;
}

static int read_headers(const struct src *s, Elf64_Phdr **ph, size_t *nph)
{
	Elf64_Ehdr eh;

	if (read_at(s, 0, &eh, sizeof(eh)) < 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		return -ENOEXEC;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	return -ENOEXEC;
#endif
	*nph = eh.e_phnum;
	*ph = xcalloc(*nph, sizeof(**ph));
	if (read_at(s, eh.e_phoff, *ph, *nph * sizeof(**ph)) < 0) {
		free(*ph);
		*ph = NULL;
		return -ENOEXEC;
	}
	return 0;
}

struct dyn_tags {
	uint64_t strtab, strsz, soname, rpath, runpath;
	int has_strtab, has_soname, has_rpath, has_runpath;
	uint64_t *needed;
	size_t nr_needed;
};

static int read_dynamic(const struct src *s, const Elf64_Phdr *dyn, struct dyn_tags *t)
{
	size_t n = dyn->p_filesz / sizeof(Elf64_Dyn), i;
	Elf64_Dyn *d;
	int rc;

	if (dyn->p_filesz > MAX_DYN_BYTES || n == 0)
		return -ENOEXEC;
	d = xcalloc(n, sizeof(*d));
	rc = read_at(s, dyn->p_offset, d, n * sizeof(*d));
	for (i = 0; !rc && i < n && d[i].d_tag != DT_NULL; i++) {
		switch (d[i].d_tag) {
		case DT_STRTAB:
			t->strtab = d[i].d_un.d_ptr;
			t->has_strtab = 1;
			break;
		case DT_STRSZ:
			t->strsz = d[i].d_un.d_val;
			break;
		case DT_SONAME:
			t->soname = d[i].d_un.d_val;
			t->has_soname = 1;
			break;
		case DT_RPATH:
			t->rpath = d[i].d_un.d_val;
			t->has_rpath = 1;
			break;
		case DT_RUNPATH:
			t->runpath = d[i].d_un.d_val;
			t->has_runpath = 1;
			break;
		case DT_NEEDED:
			t->needed = xrealloc(t->needed, (t->nr_needed + 1) * sizeof(*t->needed));
			t->needed[t->nr_needed++] = d[i].d_un.d_val;
			break;
		}
	}
	free(d);
	return rc;
}

static int parse(const struct src *s, struct elfdyn *out)
{
	struct dyn_tags t = { 0 };
	Elf64_Phdr *ph = NULL;
	uint64_t stroff = 0;
	char *tab = NULL;
	size_t nph = 0, i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_headers(s, &ph, &nph)) < 0)
		return rc;
	for (i = 0; i < nph && ph[i].p_type != PT_DYNAMIC; i++)
		;
	rc = i < nph ? read_dynamic(s, &ph[i], &t) : -ENOEXEC;
	if (!rc && (!t.has_strtab || t.strsz == 0 || t.strsz > MAX_STRTAB ||
		    vaddr_offset(ph, nph, t.strtab, &stroff) < 0))
		rc = -ENOEXEC;
	if (!rc) {
		tab = xmalloc(t.strsz);
		rc = read_at(s, stroff, tab, t.strsz);
	}
	if (!rc) {
		out->soname = t.has_soname ? str_at(tab, t.strsz, t.soname) : NULL;
		out->rpath = t.has_rpath ? str_at(tab, t.strsz, t.rpath) : NULL;
		out->runpath = t.has_runpath ? str_at(tab, t.strsz, t.runpath) : NULL;
		out->needed = xcalloc(t.nr_needed ? t.nr_needed : 1, sizeof(char *));
		for (i = 0; i < t.nr_needed; i++) {
			char *n = str_at(tab, t.strsz, t.needed[i]);

			if (n)
				out->needed[out->nr_needed++] = n;
		}
	}
	free(tab);
	free(t.needed);
	free(ph);
	if (rc < 0)
		elfdyn_release(out);
	return rc;
}

int elfdyn_parse(const void *data, size_t len, struct elfdyn *out)
{
	struct src s = { data, len, -1, len };

	return parse(&s, out);
}

int elfdyn_read(const char *path, struct elfdyn *out)
{
	struct src s = { NULL, 0, -1, 0 };
	struct stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	s.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s.fd < 0)
		return -errno;
	if (fstat(s.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(s.fd);
		return -ENOEXEC;
	}
	s.size = (uint64_t)st.st_size;
	rc = parse(&s, out);
	close(s.fd);
	return rc;
}

void elfdyn_release(struct elfdyn *d)
{
	size_t i;

	free(d->soname);
	free(d->rpath);
	free(d->runpath);
	for (i = 0; i < d->nr_needed; i++)
		free(d->needed[i]);
	free(d->needed);
	memset(d, 0, sizeof(*d));
}
