/*
 * bench: copy_file_range through the module against a read/write loop of
 * the same buffer size through the rump kernel's own system calls, on the
 * rump kernel's tmpfs and on an ffs image, from 4 KiB to 256 MiB.
 *
 * usage: bench FFS_IMAGE
 * FFS_IMAGE is an empty ffs image large enough for two 256 MiB files; the
 * benchmark writes to it.  Prints one table of MB/s and their ratio.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "h_rump.h"

/* The module's copy buffer (compat_linux_rs/copy_file_range.rs, CHUNK). */
#define	BUFSIZE		(64 * 1024)
/* Each figure is the best of at least this many runs, and of as many as
 * fit in MIN_NS. */
#define	MIN_RUNS	3
#define	MIN_NS		300000000ull

static const uint64_t sizes[] = {
	4 << 10, 64 << 10, 1 << 20, 16 << 20, 256 << 20,
};

static void
die(const char *what, int error)
{

	fprintf(stderr, "bench: %s: errno %d\n", what, error);
	exit(1);
}

static int
open_or_die(const char *path, int flags)
{
	int fd;

	if ((fd = rump_sys_open(path, flags, 0644)) == -1)
		die(path, errno);
	return fd;
}

/* A source file of size bytes, written in BUFSIZE pieces. */
static void
make_source(const char *path, uint64_t size, unsigned char *buf)
{
	uint64_t at;
	size_t n;
	int fd;

	fd = open_or_die(path, RUMP_O_WRONLY | RUMP_O_CREAT | RUMP_O_TRUNC);
	for (at = 0; at < size; at += n) {
		n = size - at < BUFSIZE ? (size_t)(size - at) : BUFSIZE;
		clrs_fill(buf, n, at, 5);
		if (rump_sys_write(fd, buf, n) != (ssize_t)n)
			die("write", errno);
	}
	/* Written out before it is read (atf-tests/rump/h_rump.h). */
	if (rump_sys_fsync(fd) == -1)
		die("fsync", errno);
	rump_sys_close(fd);
}

static uint64_t
copy_cfr(const char *src, const char *dst, uint64_t size)
{
	uint64_t t0, done = 0;
	int64_t n;
	int in, out;

	in = open_or_die(src, RUMP_O_RDONLY);
	out = open_or_die(dst, RUMP_O_WRONLY | RUMP_O_CREAT | RUMP_O_TRUNC);
	t0 = clrs_now();
	while (done < size) {
		n = CALL(NR_COPY_FILE_RANGE, in, 0, out, 0, size - done, 0);
		if (n <= 0)
			die("copy_file_range", n == 0 ? 0 : clrs_errno);
		done += (uint64_t)n;
	}
	t0 = clrs_now() - t0;
	rump_sys_close(in);
	rump_sys_close(out);
	return t0;
}

static uint64_t
copy_rw(const char *src, const char *dst, uint64_t size, unsigned char *buf)
{
	uint64_t t0, done = 0;
	ssize_t n;
	int in, out;

	in = open_or_die(src, RUMP_O_RDONLY);
	out = open_or_die(dst, RUMP_O_WRONLY | RUMP_O_CREAT | RUMP_O_TRUNC);
	t0 = clrs_now();
	while (done < size) {
		if ((n = rump_sys_read(in, buf, BUFSIZE)) <= 0)
			die("read", n == 0 ? 0 : errno);
		if (rump_sys_write(out, buf, (size_t)n) != n)
			die("write", errno);
		done += (uint64_t)n;
	}
	t0 = clrs_now() - t0;
	rump_sys_close(in);
	rump_sys_close(out);
	return t0;
}

/* The destination holds the source's bytes. */
static void
verify(const char *dst, uint64_t size, unsigned char *buf)
{
	uint64_t at, i;
	ssize_t n;
	int fd;

	fd = open_or_die(dst, RUMP_O_RDONLY);
	if (rump_sys_fsync(fd) == -1 ||
	    rump_sys_posix_fadvise(fd, 0, 0, 1 /* POSIX_FADV_RANDOM */) != 0)
		die("fsync, fadvise", errno);
	for (at = 0; at < size; at += (uint64_t)n) {
		if ((n = rump_sys_read(fd, buf, BUFSIZE)) <= 0)
			die("verify: short file", 0);
		for (i = 0; i < (uint64_t)n; i++) {
			if (buf[i] != clrs_pattern(at + i, 5))
				die("verify: copy differs", 0);
		}
	}
	rump_sys_close(fd);
}

static double
mbps(uint64_t size, uint64_t ns)
{

	return (double)size / 1e6 / ((double)ns / 1e9);
}

static void
bench(const char *fs, const char *dir, unsigned char *buf)
{
	char src[64], dst[64];
	uint64_t best_cfr, best_rw, t, spent;
	size_t i;
	int runs;

	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		make_source(src, sizes[i], buf);
		best_cfr = best_rw = UINT64_MAX;
		spent = 0;
		for (runs = 0; runs < MIN_RUNS || spent < MIN_NS; runs++) {
			t = copy_cfr(src, dst, sizes[i]);
			best_cfr = t < best_cfr ? t : best_cfr;
			spent += t;
			t = copy_rw(src, dst, sizes[i], buf);
			best_rw = t < best_rw ? t : best_rw;
			spent += t;
		}
		copy_cfr(src, dst, sizes[i]);
		verify(dst, sizes[i], buf);
		printf("  %-6s %8llu KiB %9.0f %9.0f %7.2f %5d\n", fs,
		    (unsigned long long)(sizes[i] >> 10),
		    mbps(sizes[i], best_cfr), mbps(sizes[i], best_rw),
		    (double)best_rw / (double)best_cfr, runs);
		fflush(stdout);
		rump_sys_unlink(src);
		rump_sys_unlink(dst);
	}
}

int
main(int argc, char **argv)
{
	unsigned char *buf;
	int error;

	if (argc != 2) {
		fprintf(stderr, "usage: bench FFS_IMAGE\n");
		return 2;
	}
	if ((buf = malloc(BUFSIZE)) == NULL)
		die("malloc", ENOMEM);
	if ((error = rump_init()) != 0)
		die("rump_init", error);
	if ((error = rump_pub_lwproc_rfork(RUMP_RFCFDG)) != 0)
		die("rfork", error);
	if ((error = clrs_mount(CLRS_TMPFS, "/tmpfs", NULL, 0)) != 0)
		die("mount tmpfs", error);
	if ((error = clrs_mount(CLRS_FFS, "/ffs", argv[1], 0)) != 0)
		die("mount ffs", error);

	printf("copy_file_range through the module against read(2)/write(2) "
	    "of %d KiB\nthrough the rump kernel's system calls "
	    "(NetBSD 7.99.34, DIAGNOSTIC, LOCKDEBUG);\nMB/s, best of "
	    "the runs; ratio: copy_file_range's speed over read/write's\n",
	    BUFSIZE >> 10);
	printf("  %-6s %12s %9s %9s %7s %5s\n", "fs", "size",
	    "cfr", "r/w", "ratio", "runs");
	bench("tmpfs", "/tmpfs", buf);
	bench("ffs", "/ffs", buf);
	free(buf);
	return 0;
}
