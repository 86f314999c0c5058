/*
 * pwritev2(2), Linux call 328: offsets and the file position, O_APPEND,
 * RWF_APPEND and RWF_NOAPPEND, RWF_SYNC and RWF_DSYNC, RLIMIT_FSIZE, the
 * iovec rules of writev(2), pipes.
 */
#include <sys/resource.h>
#include <sys/uio.h>

#include <signal.h>

#include "h_common.h"

/* Linux's RWF_* values. */
#define L_RWF_DSYNC	0x02
#define L_RWF_SYNC	0x04
#define L_RWF_NOWAIT	0x08
#define L_RWF_APPEND	0x10
#define L_RWF_NOAPPEND	0x20
#define L_RWF_ATOMIC	0x40
#define L_RWF_NOSIGNAL	0x100

static long
pwritev2(int fd, const struct iovec *iov, unsigned long cnt, long pos, int fl)
{
	return syscall(NR_pwritev2, (long)fd, iov, cnt, pos, 0xdeadbeefUL,
	    (long)fl);
}

static char AB[] = "AB", CDE[] = "CDE";

/* "f" holds "0123456789"; returns it open as flags say. */
static int
setup(int flags)
{
	int fd;

	put_file("f", "0123456789");
	CHECK((fd = open("f", flags)) >= 0);
	return fd;
}

static void
c_offset(void)
{
	struct iovec iov[2] = { { AB, 2 }, { CDE, 3 } };
	int fd = setup(O_RDWR);

	CHECK(lseek(fd, 1, SEEK_SET) == 1);
	CHECK_RET(pwritev2(fd, iov, 2, 3, 0), 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 1);
	CHECK_FILE("f", "012ABCDE89", 10);
	/* past the end: a hole of zeros */
	CHECK_RET(pwritev2(fd, iov, 1, 12, 0), 2);
	CHECK_FILE("f", "012ABCDE89\0\0AB", 14);
}

static void
c_position(void)
{
	struct iovec iov[2] = { { AB, 2 }, { CDE, 3 } };
	int fd = setup(O_RDWR);

	CHECK(lseek(fd, 8, SEEK_SET) == 8);
	CHECK_RET(pwritev2(fd, iov, 2, -1, 0), 5);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 13);
	CHECK_FILE("f", "01234567ABCDE", 13);
}

/* O_APPEND appends whatever the offset; RWF_NOAPPEND writes at it. */
static void
c_o_append(void)
{
	struct iovec iov[1] = { { AB, 2 } };
	int fd = setup(O_RDWR | O_APPEND);

	CHECK_RET(pwritev2(fd, iov, 1, 0, 0), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_FILE("f", "0123456789AB", 12);
	CHECK_RET(pwritev2(fd, iov, 1, 4, L_RWF_NOAPPEND), 2);
	CHECK_FILE("f", "0123AB6789AB", 12);
	CHECK_RET(pwritev2(fd, iov, 1, -1, 0), 2);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 14);
	CHECK_FILE("f", "0123AB6789ABAB", 14);
}

/* RWF_APPEND appends whatever the offset; -1 moves the position. */
static void
c_rwf_append(void)
{
	struct iovec iov[1] = { { CDE, 3 } };
	int fd = setup(O_RDWR);

	CHECK_RET(pwritev2(fd, iov, 1, 2, L_RWF_APPEND), 3);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
	CHECK_FILE("f", "0123456789CDE", 13);
	CHECK_RET(pwritev2(fd, iov, 1, -1, L_RWF_APPEND), 3);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 16);
	CHECK_FILE("f", "0123456789CDECDE", 16);
}

static void
c_flags_refused(void)
{
	struct iovec iov[2] = { { AB, 2 }, { AB, 0 } };
	int fd = setup(O_RDWR | O_APPEND);

	CHECK_ERR(pwritev2(fd, iov, 1, 0, 0x200), EOPNOTSUPP);
	CHECK_ERR(pwritev2(fd, iov, 1, 0, L_RWF_APPEND | L_RWF_NOAPPEND),
	    EINVAL);
	CHECK_ERR(pwritev2(fd, iov, 1, 0, L_RWF_ATOMIC), EOPNOTSUPP);
	CHECK_RET(pwritev2(fd, iov, 0, 0, 0xffff), 0);
	CHECK_RET(pwritev2(fd, &iov[1], 1, 0, 0xffff), 0);
	CHECK_FILE("f", "0123456789", 10);
}

/* The data is there after RWF_SYNC and RWF_DSYNC (and O_DSYNC's). */
static void
c_sync(void)
{
	struct iovec iov[2] = { { AB, 2 }, { CDE, 3 } };
	int fd = setup(O_RDWR), dfd;

	CHECK_RET(pwritev2(fd, iov, 2, 0, L_RWF_SYNC), 5);
	CHECK_RET(pwritev2(fd, iov, 1, 8, L_RWF_DSYNC), 2);
	CHECK((dfd = open("f", O_WRONLY | O_DSYNC)) >= 0);
	CHECK_RET(pwritev2(dfd, &iov[1], 1, 5, L_RWF_SYNC), 3);
	CHECK_FILE("f", "ABCDECDEAB", 10);
}

static volatile sig_atomic_t xfsz;

static void
on_xfsz(int sig)
{
	(void)sig;
	xfsz++;
}

/* RLIMIT_FSIZE cuts the write; at the limit, EFBIG and SIGXFSZ. */
static void
c_rlimit_fsize(void)
{
	struct rlimit rl = { 12, RLIM_INFINITY };
	struct iovec iov[2] = { { AB, 2 }, { CDE, 3 } };
	int fd = setup(O_RDWR), status;
	pid_t pid;

	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK(signal(SIGXFSZ, on_xfsz) != SIG_ERR);
		CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		CHECK_RET(pwritev2(fd, iov, 2, 9, 0), 3);
		CHECK_EQ(xfsz, 0);
		CHECK_ERR(pwritev2(fd, iov, 2, 12, 0), EFBIG);
		CHECK_EQ(xfsz, 1);
		CHECK_ERR(pwritev2(fd, iov, 2, 0, L_RWF_APPEND), EFBIG);
		CHECK_EQ(xfsz, 2);
		CHECK_RET(pwritev2(fd, iov, 0, 20, 0), 0);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_FILE("f", "012345678ABC", 12);
}

static void
c_bad_buffer(void)
{
	struct iovec iov[3] = { { AB, 2 }, { unmapped(), 2 }, { CDE, 3 } };
	int fd = setup(O_RDWR);

	CHECK_RET(pwritev2(fd, iov, 3, 9, 0), 2);
	CHECK_FILE("f", "012345678AB", 11);
	CHECK_ERR(pwritev2(fd, &iov[1], 2, 0, 0), EFAULT);
	iov[1].iov_base = (void *)0xffff800000000000UL;
	CHECK_ERR(pwritev2(fd, iov, 3, 0, 0), EFAULT);
	CHECK_FILE("f", "012345678AB", 11);
}

static void
c_offsets_and_fds(void)
{
	struct iovec iov[1] = { { AB, 2 } };
	int fd = setup(O_RDONLY);

	/* not open for writing: EBADF, before the iovecs and flags */
	CHECK_ERR(pwritev2(fd, iov, 1, 0, 0), EBADF);
	CHECK_ERR(pwritev2(fd, unmapped(), 1, 0, 0xffff), EBADF);
	CHECK_ERR(pwritev2(fd, iov, 1, -2, 0), EINVAL);
	CHECK_ERR(pwritev2(999, iov, 1, 0, 0), EBADF);
	close(fd);
	fd = setup(O_WRONLY);
	CHECK_ERR(pwritev2(fd, iov, 1, 0x7fffffffffffffffLL, 0), EINVAL);
	CHECK_ERR(pwritev2(fd, iov, 1025, 0, 0), EINVAL);
}

static volatile sig_atomic_t pipes;

static void
on_pipe(int sig)
{
	(void)sig;
	pipes++;
}

static void
c_pipe(void)
{
	struct iovec iov[2] = { { AB, 2 }, { CDE, 3 } };
	char got[8];
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK_ERR(pwritev2(p[1], iov, 2, 0, 0), ESPIPE);
	CHECK_RET(pwritev2(p[1], iov, 2, -1, L_RWF_SYNC | L_RWF_APPEND), 5);
	CHECK(read(p[0], got, sizeof(got)) == 5 && memcmp(got, "ABCDE", 5) == 0);
	CHECK(signal(SIGPIPE, on_pipe) != SIG_ERR);
	close(p[0]);
	CHECK_ERR(pwritev2(p[1], iov, 2, -1, 0), EPIPE);
	CHECK_EQ(pipes, 1);
}

/* RWF_NOWAIT on a pipe: written if there is room. */
static void
c_nowait_pipe(void)
{
	struct iovec iov[1] = { { AB, 2 } };
	char got[2];
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK_RET(pwritev2(p[1], iov, 1, -1, L_RWF_NOWAIT), 2);
	CHECK(read(p[0], got, 2) == 2 && memcmp(got, "AB", 2) == 0);
}

/* RWF_NOSIGNAL: EPIPE without SIGPIPE (Linux 6.17). */
static void
c_nosignal_pipe(void)
{
	struct iovec iov[1] = { { AB, 2 } };
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(signal(SIGPIPE, on_pipe) != SIG_ERR);
	close(p[0]);
	CHECK_ERR(pwritev2(p[1], iov, 1, -1, L_RWF_NOSIGNAL), EPIPE);
	CHECK_EQ(pipes, 0);
}

static const struct tcase cases[] = {
	CASE(offset),
	CASE(position),
	CASE(o_append),
	CASE(rwf_append),
	CASE(flags_refused),
	CASE(sync),
	CASE(rlimit_fsize),
	CASE(bad_buffer),
	CASE(offsets_and_fds),
	CASE(pipe),
	CASE(nowait_pipe),
	CASE(nosignal_pipe),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
