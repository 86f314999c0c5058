/*
 * copy_file_range(2), Linux call 326: offsets from pointers or from the
 * descriptors, short copies at the end of the input, and the checks:
 * flags, access modes, file types, offsets, overlap, size limits.
 */
#include "h_common.h"

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

static long
cfr(int in, long long *off_in, int out, long long *off_out, size_t len,
    unsigned flags)
{
	return syscall(NR_copy_file_range, in, off_in, out, off_out, len,
	    flags);
}

static off_t
pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

/* "in" holds ten digits, "out" is empty; both open read-write. */
static void
setup(int *in, int *out)
{
	put_file("in", "0123456789");
	CHECK((*in = open("in", O_RDWR)) >= 0);
	CHECK((*out = open("out", O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
}

/* NULL offset pointers use and advance the descriptors' offsets. */
static void
c_file_offsets(void)
{
	int in, out;

	setup(&in, &out);
	CHECK_RET(cfr(in, NULL, out, NULL, 4, 0), 4);
	CHECK_EQ(pos(in), 4);
	CHECK_EQ(pos(out), 4);
	CHECK_RET(cfr(in, NULL, out, NULL, 3, 0), 3);
	CHECK_EQ(pos(in), 7);
	CHECK_EQ(pos(out), 7);
	CHECK_FILE("out", "0123456", 7);
}

/* Offsets given by pointer are read and written back; fd offsets stay. */
static void
c_pointer_offsets(void)
{
	long long oi = 2, oo = 3;
	int in, out;

	setup(&in, &out);
	CHECK(lseek(in, 1, SEEK_SET) == 1);
	CHECK_RET(cfr(in, &oi, out, &oo, 5, 0), 5);
	CHECK_EQ(oi, 7);
	CHECK_EQ(oo, 8);
	CHECK_EQ(pos(in), 1);
	CHECK_EQ(pos(out), 0);
	CHECK_FILE("out", "\0\0\0" "23456", 8);
	/* one pointer, one descriptor offset */
	oi = 0;
	CHECK_RET(cfr(in, &oi, out, NULL, 2, 0), 2);
	CHECK_EQ(oi, 2);
	CHECK_EQ(pos(in), 1);
	CHECK_EQ(pos(out), 2);
	CHECK_FILE("out", "01\0" "23456", 8);
}

/* len 0, and an input offset at or past the end, copy nothing. */
static void
c_zero_and_eof(void)
{
	long long oi, oo = 0;
	int in, out;

	setup(&in, &out);
	CHECK_RET(cfr(in, NULL, out, NULL, 0, 0), 0);
	oi = 10;
	CHECK_RET(cfr(in, &oi, out, &oo, 5, 0), 0);
	CHECK_EQ(oi, 10);
	oi = 1000;
	CHECK_RET(cfr(in, &oi, out, &oo, 5, 0), 0);
	CHECK_EQ(oi, 1000);
	CHECK_EQ(oo, 0);
	CHECK_EQ(pos(in), 0);
	CHECK_FILE("out", "", 0);
}

/* A copy running past the end of the input stops there. */
static void
c_short_at_eof(void)
{
	long long oi = 6, oo = 0;
	int in, out;

	setup(&in, &out);
	CHECK_RET(cfr(in, &oi, out, &oo, 100, 0), 4);
	CHECK_EQ(oi, 10);
	CHECK_EQ(oo, 4);
	CHECK_FILE("out", "6789", 4);
	/* the whole file, in one call with a huge len */
	CHECK_RET(cfr(in, NULL, out, NULL, SIZE_MAX / 2, 0), 10);
	CHECK_FILE("out", "0123456789", 10);
}

static void
c_flags(void)
{
	int in, out;

	setup(&in, &out);
	CHECK_ERR(cfr(in, NULL, out, NULL, 4, 1), EINVAL);
	CHECK_ERR(cfr(in, NULL, out, NULL, 4, 0x80000000u), EINVAL);
	CHECK_ERR(cfr(in, NULL, out, NULL, 0, 1), EINVAL);
	CHECK_EQ(pos(in), 0);
	CHECK_FILE("out", "", 0);
}

static void
c_ebadf(void)
{
	int in, out, wo, ro, ap;

	setup(&in, &out);
	CHECK((wo = open("in", O_WRONLY)) >= 0);
	CHECK((ro = open("out", O_RDONLY)) >= 0);
	CHECK((ap = open("out", O_WRONLY | O_APPEND)) >= 0);
	CHECK_ERR(cfr(wo, NULL, out, NULL, 4, 0), EBADF);
	CHECK_ERR(cfr(in, NULL, ro, NULL, 4, 0), EBADF);
	CHECK_ERR(cfr(in, NULL, ap, NULL, 4, 0), EBADF);
	CHECK_ERR(cfr(999, NULL, out, NULL, 4, 0), EBADF);
	CHECK_ERR(cfr(in, NULL, 999, NULL, 4, 0), EBADF);
	CHECK_FILE("out", "", 0);
}

static void
c_eisdir(void)
{
	int in, out, dir;

	setup(&in, &out);
	CHECK((dir = open(".", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_ERR(cfr(dir, NULL, out, NULL, 4, 0), EISDIR);
	CHECK_ERR(cfr(in, NULL, dir, NULL, 4, 0), EISDIR);
}

/* Pipes and sockets are not regular files. */
static void
c_not_regular(void)
{
	int in, out, p[2], s[2];

	setup(&in, &out);
	CHECK(pipe(p) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	CHECK(write(p[1], "xy", 2) == 2);
	CHECK_ERR(cfr(p[0], NULL, out, NULL, 2, 0), EINVAL);
	CHECK_ERR(cfr(in, NULL, p[1], NULL, 2, 0), EINVAL);
	CHECK_ERR(cfr(in, NULL, s[0], NULL, 2, 0), EINVAL);
	CHECK_FILE("out", "", 0);
}

/*
 * A negative offset: EINVAL, unless offset + len wraps around as unsigned
 * numbers, which is EOVERFLOW first.
 */
static void
c_negative_offset(void)
{
	long long oi, oo;
	int in, out;

	setup(&in, &out);
	oi = -5, oo = 0;
	CHECK_ERR(cfr(in, &oi, out, &oo, 1, 0), EINVAL);
	oi = 0, oo = -5;
	CHECK_ERR(cfr(in, &oi, out, &oo, 1, 0), EINVAL);
	oi = -1, oo = 0;
	CHECK_ERR(cfr(in, &oi, out, &oo, 1, 0), EOVERFLOW);
	CHECK_EQ(oi, -1);
	CHECK_FILE("out", "", 0);
}

/* Overlapping ranges in one file; apart ones are fine. */
static void
c_overlap(void)
{
	long long oi, oo;
	int in, out;

	setup(&in, &out);
	oi = 0, oo = 2;
	CHECK_ERR(cfr(in, &oi, in, &oo, 4, 0), EINVAL);
	oi = 4, oo = 2;
	CHECK_ERR(cfr(in, &oi, in, &oo, 4, 0), EINVAL);
	oi = 0, oo = 0;
	CHECK_ERR(cfr(in, &oi, in, &oo, 4, 0), EINVAL);
	CHECK_FILE("in", "0123456789", 10);
	oi = 0, oo = 4;
	CHECK_RET(cfr(in, &oi, in, &oo, 4, 0), 4);
	CHECK_FILE("in", "0123012389", 10);
	oi = 0, oo = 10;
	CHECK_RET(cfr(in, &oi, in, &oo, 10, 0), 10);
	CHECK_FILE("in", "01230123890123012389", 20);
}

/* Offsets near the top of the range. */
static void
c_overflow(void)
{
	long long oi, oo;
	int in, out;

	setup(&in, &out);
	/* offset + len wraps: EOVERFLOW */
	oi = 1, oo = 0;
	CHECK_ERR(cfr(in, &oi, out, &oo, SIZE_MAX, 0), EOVERFLOW);
	oi = 0, oo = 2;
	CHECK_ERR(cfr(in, &oi, out, &oo, SIZE_MAX - 1, 0), EOVERFLOW);
	/* the output would end past the largest file size: EFBIG */
	oi = 0, oo = LLONG_MAX - 2;
	CHECK_ERR(cfr(in, &oi, out, &oo, 5, 0), EFBIG);
	CHECK_EQ(oo, LLONG_MAX - 2);
	CHECK_FILE("out", "", 0);
}

static void
c_efault(void)
{
	long long oo = 0;
	int in, out;

	setup(&in, &out);
	CHECK_ERR(cfr(in, unmapped(), out, &oo, 4, 0), EFAULT);
	CHECK_ERR(cfr(in, NULL, out, unmapped(), 4, 0), EFAULT);
	CHECK_EQ(pos(in), 0);
	CHECK_FILE("out", "", 0);
}

/* Two descriptors of one file are one file: the overlap is seen. */
static void
c_overlap_two_descriptors(void)
{
	long long oi, oo;
	int in, out, again;

	setup(&in, &out);
	CHECK((again = open("in", O_WRONLY)) >= 0);
	oi = 0, oo = 2;
	CHECK_ERR(cfr(in, &oi, again, &oo, 4, 0), EINVAL);
	CHECK_FILE("in", "0123456789", 10);
	oi = 0, oo = 6;
	CHECK_RET(cfr(in, &oi, again, &oo, 4, 0), 4);
	CHECK_FILE("in", "0123450123", 10);
}

/* Files on two file systems: EXDEV (Linux 5.19 and later). */
static void
c_exdev(void)
{
	static const char *const dirs[] = { "/dev/shm", "/tmp", "/var/tmp",
	    "/run" };
	struct stat here, there;
	char path[64];
	int in, out;
	size_t i;

	CHECK(stat(".", &here) == 0);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (stat(dirs[i], &there) == 0 && there.st_dev != here.st_dev &&
		    access(dirs[i], W_OK) == 0)
			break;
	}
	if (i == sizeof(dirs) / sizeof(dirs[0]))
		skip("no second file system to write to");
	snprintf(path, sizeof(path), "%s/clrs-exdev-%d", dirs[i], getpid());
	put_file("in", "0123456789");
	CHECK((in = open("in", O_RDONLY)) >= 0);
	CHECK((out = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
	unlink(path);
	CHECK_ERR(cfr(in, NULL, out, NULL, 10, 0), EXDEV);
	CHECK_EQ(pos(in), 0);
	CHECK_EQ(lseek(out, 0, SEEK_END), 0);
}

/*
 * RLIMIT_FSIZE shortens the copy; at or past it, nothing can be written:
 * EFBIG and SIGXFSZ.  In a child, whose limit this is.
 */
static volatile sig_atomic_t xfsz;

static void
on_xfsz(int sig)
{
	(void)sig;
	xfsz++;
}

static void
c_rlimit_fsize(void)
{
	struct rlimit rl = { 6, RLIM_INFINITY };
	long long oo;
	int in, out, status;
	pid_t pid;

	setup(&in, &out);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK(signal(SIGXFSZ, on_xfsz) != SIG_ERR);
		CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		oo = 0;
		CHECK_RET(cfr(in, NULL, out, &oo, 10, 0), 6);
		CHECK_EQ(oo, 6);
		CHECK_EQ(xfsz, 0);
		CHECK_ERR(cfr(in, NULL, out, &oo, 4, 0), EFBIG);
		CHECK_EQ(xfsz, 1);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_FILE("out", "012345", 6);
}

/* At or past the largest file size, even len 0: EFBIG. */
static void
c_past_largest_file(void)
{
	long long oi, oo;
	int in, out;

	setup(&in, &out);
	oi = 0, oo = LLONG_MAX;
	CHECK_ERR(cfr(in, &oi, out, &oo, 0, 0), EFBIG);
	oi = LLONG_MIN, oo = LLONG_MAX - 1;
	CHECK_ERR(cfr(in, &oi, out, &oo, 0, 0), EFBIG);
	CHECK_FILE("out", "", 0);
}

static const struct tcase cases[] = {
	CASE(file_offsets),
	CASE(pointer_offsets),
	CASE(zero_and_eof),
	CASE(short_at_eof),
	CASE(flags),
	CASE(ebadf),
	CASE(eisdir),
	CASE(not_regular),
	CASE(negative_offset),
	CASE(overlap),
	CASE(overflow),
	CASE(efault),
	CASE(overlap_two_descriptors),
	CASE(exdev),
	CASE(rlimit_fsize),
	CASE(past_largest_file),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
