/*
 * t_rw: preadv2 and pwritev2 on the rump kernel's tmpfs and on an ffs
 * image: a regular file read and written under its vnode lock with
 * vn_rdwr (offsets, the descriptor's position, RWF_* flags, O_APPEND),
 * a pipe through the kernel's own do_filereadv/do_filewritev
 * (FOF_IOV_SYSSPACE), and the kernel's reference counts balanced around
 * every call.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "h_rump.h"

/* RWF_* (include/uapi/linux/fs.h). */
#define	L_RWF_HIPRI	0x01
#define	L_RWF_DSYNC	0x02
#define	L_RWF_SYNC	0x04
#define	L_RWF_NOWAIT	0x08
#define	L_RWF_APPEND	0x10
#define	L_RWF_NOAPPEND	0x20
#define	L_RWF_ATOMIC	0x40
#define	L_RWF_NOSIGNAL	0x100

enum { LEN = 10000 };

/* The descriptor's position. */
static off_t
position(int fd)
{

	return rump_sys_lseek(fd, 0, SEEK_CUR);
}

/* --- preadv2 --------------------------------------------------------------- */

FS_TC(preadv2, "preadv2: offsets, the position, flags, pipes, errors")
{
	static unsigned char data[LEN], got[64];
	static struct iovec many[1025];
	struct iovec iov[2] = { { got, 10 }, { got + 10, 50 } };
	struct clrs_counts c;
	int fd, wo, dirfd, pipefd[2];

	clrs_fill(data, sizeof(data), 0, 7);
	fd = clrs_create("f", data, sizeof(data), 0644);
	clrs_quiesce(fd);
	wo = rump_sys_open("f", RUMP_O_WRONLY);
	RL(wo);
	RL(rump_sys_mkdir("d", 0755));
	dirfd = rump_sys_open("d", RUMP_O_RDONLY);
	RL(dirfd);
	RL(rump_sys_pipe(pipefd));
	clrs_counts(&c, 4, fd, wo, dirfd, pipefd[0]);

	/* At an offset, both buffers filled; the position stays. */
	RL(rump_sys_lseek(fd, 7, SEEK_SET));
	CHECK_RET(60, CALL(NR_PREADV2, fd, iov, 2, 100, 0, 0));
	ATF_CHECK(memcmp(got, data + 100, 60) == 0);
	ATF_CHECK_EQ(position(fd), 7);
	/* Offset -1: the position, advanced. */
	memset(got, 0, sizeof(got));
	CHECK_RET(60, CALL(NR_PREADV2, fd, iov, 2, -1, 0, 0));
	ATF_CHECK(memcmp(got, data + 7, 60) == 0);
	ATF_CHECK_EQ(position(fd), 67);
	/* pos_h is not part of the offset on x86-64. */
	CHECK_RET(60, CALL(NR_PREADV2, fd, iov, 2, 200, 12345, 0));
	ATF_CHECK(memcmp(got, data + 200, 60) == 0);
	/* The end of the file: what is there, then nothing. */
	CHECK_RET(10, CALL(NR_PREADV2, fd, iov, 2, LEN - 10, 0, 0));
	ATF_CHECK(memcmp(got, data + LEN - 10, 10) == 0);
	CHECK_RET(0, CALL(NR_PREADV2, fd, iov, 2, LEN + 5, 0, 0));
	/* Flags a read takes. */
	CHECK_RET(60, CALL(NR_PREADV2, fd, iov, 2, 0, 0,
	    L_RWF_HIPRI | L_RWF_DSYNC | L_RWF_SYNC | L_RWF_NOSIGNAL));
	ATF_CHECK(memcmp(got, data, 60) == 0);
	CHECK_RET(60, CALL(NR_PREADV2, fd, iov, 2, 0, 0, L_RWF_APPEND));
	ATF_CHECK_EQ(position(fd), 67);
	clrs_check_counts(&c);

	/* Errors, in Linux's order. */
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PREADV2, fd, iov, 2, -2, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PREADV2, 999, iov, 2, -2, 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_PREADV2, 999, iov, 2, 0, 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_PREADV2, wo, iov, 2, 0, 0, 0));
	CHECK_ERR(RUMP_ESPIPE, CALL(NR_PREADV2, pipefd[0], iov, 2, 0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PREADV2, fd, many, 1025, 0, 0, 0));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_PREADV2, fd, 0, 2, 0, 0, 0));
	CHECK_RET(0, CALL(NR_PREADV2, fd, iov, 0, 0, 0, L_RWF_NOWAIT));
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_PREADV2, fd, iov, 2, 0, 0,
	    L_RWF_NOWAIT));
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_PREADV2, fd, iov, 2, 0, 0,
	    0x10000));
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_PREADV2, fd, iov, 2, 0, 0,
	    L_RWF_ATOMIC));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PREADV2, fd, iov, 2, 0, 0,
	    L_RWF_APPEND | L_RWF_NOAPPEND));
	CHECK_ERR(RUMP_EISDIR, CALL(NR_PREADV2, dirfd, iov, 2, 0, 0, 0));
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_PREADV2, dirfd, iov, 2, 0, 0,
	    L_RWF_DSYNC));
	clrs_check_counts(&c);

	/* A pipe: the kernel's readv, from its position only. */
	ATF_REQUIRE_EQ(rump_sys_write(pipefd[1], "through a pipe", 14), 14);
	memset(got, 0, sizeof(got));
	CHECK_RET(14, CALL(NR_PREADV2, pipefd[0], iov, 2, -1, 0, 0));
	ATF_CHECK(memcmp(got, "through a pipe", 14) == 0);
	clrs_check_counts(&c);
}

/* --- pwritev2 -------------------------------------------------------------- */

FS_TC(pwritev2, "pwritev2: offsets, the position, RWF_APPEND, O_APPEND")
{
	static unsigned char data[LEN], want[LEN + 200], got[16];
	struct iovec iov[2] = { { (void *)"0123456789", 10 },
	    { (void *)"abcdefghij", 6 } };
	struct clrs_counts c;
	int fd, ro, app, pipefd[2];

	clrs_fill(data, sizeof(data), 0, 9);
	fd = clrs_create("f", data, sizeof(data), 0644);
	ro = rump_sys_open("f", RUMP_O_RDONLY);
	RL(ro);
	app = rump_sys_open("f", RUMP_O_WRONLY | RUMP_O_APPEND);
	RL(app);
	RL(rump_sys_pipe(pipefd));
	clrs_counts(&c, 4, fd, ro, app, pipefd[1]);
	memcpy(want, data, LEN);

	/* At an offset; the position stays. */
	RL(rump_sys_lseek(fd, 3, SEEK_SET));
	CHECK_RET(16, CALL(NR_PWRITEV2, fd, iov, 2, 5000, 0, 0));
	memcpy(want + 5000, "0123456789abcdef", 16);
	ATF_CHECK_EQ(position(fd), 3);
	/* Offset -1: at the position, advanced. */
	CHECK_RET(16, CALL(NR_PWRITEV2, fd, iov, 2, -1, 0, 0));
	memcpy(want + 3, "0123456789abcdef", 16);
	ATF_CHECK_EQ(position(fd), 19);
	/* Synchronous, for this call only. */
	CHECK_RET(16, CALL(NR_PWRITEV2, fd, iov, 2, 100, 0, L_RWF_DSYNC));
	CHECK_RET(16, CALL(NR_PWRITEV2, fd, iov, 2, 200, 0,
	    L_RWF_SYNC | L_RWF_HIPRI | L_RWF_NOSIGNAL));
	memcpy(want + 100, "0123456789abcdef", 16);
	memcpy(want + 200, "0123456789abcdef", 16);
	clrs_check_contents("f", want, LEN);
	/* RWF_APPEND: at the end, whatever the offset. */
	CHECK_RET(16, CALL(NR_PWRITEV2, fd, iov, 2, 0, 0, L_RWF_APPEND));
	memcpy(want + LEN, "0123456789abcdef", 16);
	ATF_CHECK_EQ(position(fd), 19);
	/* O_APPEND: at the end; with RWF_NOAPPEND at the offset. */
	CHECK_RET(16, CALL(NR_PWRITEV2, app, iov, 2, 0, 0, 0));
	memcpy(want + LEN + 16, "0123456789abcdef", 16);
	CHECK_RET(16, CALL(NR_PWRITEV2, app, iov, 2, 40, 0, L_RWF_NOAPPEND));
	memcpy(want + 40, "0123456789abcdef", 16);
	clrs_check_contents("f", want, LEN + 32);
	/* Past the end: a hole, then the data. */
	CHECK_RET(16, CALL(NR_PWRITEV2, fd, iov, 2, LEN + 100, 0, 0));
	memset(want + LEN + 32, 0, 68);
	memcpy(want + LEN + 100, "0123456789abcdef", 16);
	clrs_check_contents("f", want, LEN + 116);
	c.files_change = 1;
	clrs_check_counts(&c);

	/* Errors. */
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PWRITEV2, fd, iov, 2, -2, 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_PWRITEV2, 999, iov, 2, 0, 0, 0));
	CHECK_ERR(RUMP_EBADF, CALL(NR_PWRITEV2, ro, iov, 2, 0, 0, 0));
	CHECK_ERR(RUMP_ESPIPE, CALL(NR_PWRITEV2, pipefd[1], iov, 2, 0, 0, 0));
	CHECK_ERR(RUMP_EFAULT, CALL(NR_PWRITEV2, fd, 0, 2, 0, 0, 0));
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_PWRITEV2, fd, iov, 2, 0, 0,
	    L_RWF_NOWAIT));
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_PWRITEV2, fd, iov, 2, 0, 0,
	    L_RWF_ATOMIC));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PWRITEV2, fd, iov, 2, 0, 0,
	    L_RWF_APPEND | L_RWF_NOAPPEND));
	/* NetBSD's writev posts SIGPIPE: no RWF_NOSIGNAL for a pipe. */
	CHECK_ERR(RUMP_EOPNOTSUPP, CALL(NR_PWRITEV2, pipefd[1], iov, 2, -1,
	    0, L_RWF_NOSIGNAL));
	clrs_check_contents("f", want, LEN + 116);
	clrs_check_counts(&c);

	/* A pipe: the kernel's writev. */
	CHECK_RET(16, CALL(NR_PWRITEV2, pipefd[1], iov, 2, -1, 0, 0));
	ATF_CHECK_EQ(rump_sys_read(pipefd[0], got, sizeof(got)), 16);
	ATF_CHECK(memcmp(got, "0123456789abcdef", 16) == 0);
	clrs_check_counts(&c);
}

ATF_TP_ADD_TCS(tp)
{

	ADD_FS_TC(tp, preadv2);
	ADD_FS_TC(tp, pwritev2);
	return atf_no_error();
}
