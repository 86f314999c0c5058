/*
 * preadv2(2), Linux call 327: offsets and the file position, the end of
 * the file, the iovec rules of readv(2), the RWF_* flags, streams and
 * directories.
 */
#include <sys/uio.h>

#include "h_common.h"

/* Linux's RWF_* values. */
#define L_RWF_HIPRI	0x01
#define L_RWF_DSYNC	0x02
#define L_RWF_SYNC	0x04
#define L_RWF_NOWAIT	0x08
#define L_RWF_APPEND	0x10
#define L_RWF_NOAPPEND	0x20
#define L_RWF_ATOMIC	0x40

/* pos_h is junk: x86-64 takes the offset from pos_l alone. */
static long
preadv2(int fd, const struct iovec *iov, unsigned long cnt, long pos, int fl)
{
	return syscall(NR_preadv2, (long)fd, iov, cnt, pos, 0xdeadbeefUL,
	    (long)fl);
}

/* "f" holds "0123456789abcdef"; returns it open for reading. */
static int
setup(void)
{
	int fd;

	put_file("f", "0123456789abcdef");
	CHECK((fd = open("f", O_RDONLY)) >= 0);
	return fd;
}

static void
c_offset(void)
{
	char a[3], b[5];
	struct iovec iov[2] = { { a, 3 }, { b, 5 } };
	int fd = setup();

	CHECK(lseek(fd, 2, SEEK_SET) == 2);
	CHECK_RET(preadv2(fd, iov, 2, 4, 0), 8);
	CHECK(memcmp(a, "456", 3) == 0 && memcmp(b, "789ab", 5) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
}

static void
c_position(void)
{
	char a[4], b[2];
	struct iovec iov[2] = { { a, 4 }, { b, 2 } };
	int fd = setup();

	CHECK(lseek(fd, 5, SEEK_SET) == 5);
	CHECK_RET(preadv2(fd, iov, 2, -1, 0), 6);
	CHECK(memcmp(a, "5678", 4) == 0 && memcmp(b, "9a", 2) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 11);
	CHECK_RET(preadv2(fd, iov, 2, -1, 0), 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 16);
	CHECK_RET(preadv2(fd, iov, 2, -1, 0), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 16);
}

static void
c_eof(void)
{
	char a[8];
	struct iovec iov[1] = { { a, 8 } };
	int fd = setup();

	CHECK_RET(preadv2(fd, iov, 1, 12, 0), 4);
	CHECK(memcmp(a, "cdef", 4) == 0);
	CHECK_RET(preadv2(fd, iov, 1, 16, 0), 0);
	CHECK_RET(preadv2(fd, iov, 1, 1LL << 40, 0), 0);
}

/* Flags that change nothing in a read are taken. */
static void
c_flags_taken(void)
{
	static const int flags[] = { L_RWF_HIPRI, L_RWF_DSYNC, L_RWF_SYNC,
	    L_RWF_APPEND, L_RWF_NOAPPEND, L_RWF_HIPRI | L_RWF_SYNC };
	char a[4];
	struct iovec iov[1] = { { a, 4 } };
	size_t i;
	int fd = setup();

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		memset(a, 0, sizeof(a));
		CHECK_RET(preadv2(fd, iov, 1, 6, flags[i]), 4);
		CHECK(memcmp(a, "6789", 4) == 0);
	}
}

/* Refused flags, looked at only when there is something to read. */
static void
c_flags_refused(void)
{
	char a[4];
	struct iovec iov[2] = { { a, 4 }, { a, 0 } };
	int fd = setup();

	CHECK_ERR(preadv2(fd, iov, 1, 0, 0x200), EOPNOTSUPP);
	CHECK_ERR(preadv2(fd, iov, 1, 0, (int)0x80000000), EOPNOTSUPP);
	CHECK_ERR(preadv2(fd, iov, 1, 0, L_RWF_APPEND | L_RWF_NOAPPEND),
	    EINVAL);
	CHECK_ERR(preadv2(fd, iov, 1, 0, L_RWF_ATOMIC), EOPNOTSUPP);
	CHECK_RET(preadv2(fd, iov, 0, 0, 0xffff), 0);
	CHECK_RET(preadv2(fd, &iov[1], 1, 0, 0xffff), 0);
	/* the flags are an int: the upper half of the register is not */
	CHECK_RET(syscall(NR_preadv2, fd, iov, 1, 0, 0, 0xffffffff00000001UL),
	    4);
}

static void
c_iovecs(void)
{
	static struct iovec many[1025];
	char a[4];
	struct iovec neg[2] = { { a, 4 }, { a, (size_t)-1 } };
	size_t i;
	int fd = setup();

	for (i = 0; i < 1025; i++)
		many[i] = (struct iovec){ a, 0 };
	many[0].iov_len = 1;
	CHECK_ERR(preadv2(fd, many, 1025, 0, 0), EINVAL);
	CHECK_RET(preadv2(fd, many, 1024, 0, 0), 1);
	CHECK_ERR(preadv2(fd, neg, 2, 0, 0), EINVAL);
	CHECK_ERR(preadv2(fd, unmapped(), 1, 0, 0), EFAULT);
	/* the count is an unsigned int: 2^32 + 1 is 1 */
	CHECK_RET(preadv2(fd, neg, (1UL << 32) | 1, 0, 0), 4);
}

/* A buffer that cannot be written ends the read there. */
static void
c_bad_buffer(void)
{
	char a[4], b[4];
	struct iovec iov[2] = { { a, 4 }, { unmapped(), 4 } };
	int fd = setup();

	CHECK_RET(preadv2(fd, iov, 2, 0, 0), 4);
	CHECK(memcmp(a, "0123", 4) == 0);
	iov[0].iov_base = unmapped();
	iov[1].iov_base = b;
	CHECK_ERR(preadv2(fd, iov, 2, 0, 0), EFAULT);
	/* outside user space: EFAULT before anything is read */
	iov[0].iov_base = a;
	iov[1].iov_base = (void *)0xffff800000000000UL;
	CHECK_ERR(preadv2(fd, iov, 2, 0, 0), EFAULT);
}

static void
c_offsets_and_fds(void)
{
	char a[4];
	struct iovec iov[1] = { { a, 4 } };
	int fd = setup(), wfd;

	CHECK_ERR(preadv2(fd, iov, 1, -2, 0), EINVAL);
	CHECK_ERR(preadv2(999, iov, 1, -2, 0), EINVAL);
	CHECK_ERR(preadv2(999, iov, 1, 0, 0), EBADF);
	CHECK_ERR(preadv2(fd, iov, 1, 0x7ffffffffffffffeLL, 0), EINVAL);
	CHECK((wfd = open("f", O_WRONLY)) >= 0);
	CHECK_ERR(preadv2(wfd, iov, 1, 0, 0), EBADF);
}

static void
c_pipe(void)
{
	char a[3], b[4];
	struct iovec iov[2] = { { a, 3 }, { b, 4 } };
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789", 10) == 10);
	CHECK_ERR(preadv2(p[0], iov, 2, 0, 0), ESPIPE);
	CHECK_RET(preadv2(p[0], iov, 2, -1, L_RWF_HIPRI), 7);
	CHECK(memcmp(a, "012", 3) == 0 && memcmp(b, "3456", 4) == 0);
	CHECK_RET(preadv2(p[0], iov, 2, -1, 0), 3);
	CHECK(memcmp(a, "789", 3) == 0);
}

static void
c_directory(void)
{
	char a[4];
	struct iovec iov[1] = { { a, 4 } };
	int fd;

	CHECK((fd = open(".", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_ERR(preadv2(fd, iov, 1, 0, 0), EISDIR);
	CHECK_ERR(preadv2(fd, iov, 1, -1, L_RWF_HIPRI), EISDIR);
	CHECK_ERR(preadv2(fd, iov, 1, 0, L_RWF_SYNC), EOPNOTSUPP);
	CHECK_RET(preadv2(fd, iov, 0, 0, L_RWF_SYNC), 0);
}

/* RWF_NOWAIT on a pipe: what is there, else EAGAIN. */
static void
c_nowait_pipe(void)
{
	char a[4];
	struct iovec iov[1] = { { a, 4 } };
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK_ERR(preadv2(p[0], iov, 1, -1, L_RWF_NOWAIT), EAGAIN);
	CHECK(write(p[1], "xy", 2) == 2);
	CHECK_RET(preadv2(p[0], iov, 1, -1, L_RWF_NOWAIT), 2);
}

static const struct tcase cases[] = {
	CASE(offset),
	CASE(position),
	CASE(eof),
	CASE(flags_taken),
	CASE(flags_refused),
	CASE(iovecs),
	CASE(bad_buffer),
	CASE(offsets_and_fds),
	CASE(pipe),
	CASE(directory),
	CASE(nowait_pipe),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
