/*
 * sync_file_range(2), Linux call 277: flags and range checked (EINVAL),
 * pipes and sockets refused (ESPIPE), a bad descriptor first (EBADF).
 */
#include "h_common.h"

#include <limits.h>
#include <sys/socket.h>

#define WAIT_BEFORE	1
#define WRITE		2
#define WAIT_AFTER	4

static long
sfr(int fd, long long off, long long nbytes, unsigned flags)
{
	return syscall(NR_sync_file_range, fd, off, nbytes, flags);
}

/* A file of 8 KiB of 'x', open for writing with the data still dirty. */
static int
dirty_file(int mode)
{
	char buf[8192];
	int fd;

	memset(buf, 'x', sizeof(buf));
	CHECK((fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	if (mode != O_RDWR) {
		close(fd);
		CHECK((fd = open("f", mode)) >= 0);
	}
	return fd;
}

static void
c_all_flags(void)
{
	struct stat st;
	int fd = dirty_file(O_RDWR);

	CHECK_RET(sfr(fd, 0, 0, WAIT_BEFORE | WRITE | WAIT_AFTER), 0);
	CHECK_RET(sfr(fd, 4096, 4096, WAIT_BEFORE | WRITE | WAIT_AFTER), 0);
	CHECK_RET(sfr(fd, 100, 1, WRITE), 0);
	CHECK_RET(sfr(fd, 0, 1, WAIT_BEFORE), 0);
	CHECK_RET(sfr(fd, 0, 1, WAIT_AFTER), 0);
	/* a range past the end of the file is fine */
	CHECK_RET(sfr(fd, 1 << 20, 4096, WRITE | WAIT_AFTER), 0);
	CHECK(fstat(fd, &st) == 0);
	CHECK_EQ(st.st_size, 8192);
}

static void
c_flags_zero(void)
{
	int fd = dirty_file(O_RDWR);

	CHECK_RET(sfr(fd, 0, 0, 0), 0);
	CHECK_RET(sfr(fd, 123, 456, 0), 0);
}

/* The file need not be open for writing. */
static void
c_readonly(void)
{
	int fd = dirty_file(O_RDONLY);

	CHECK_RET(sfr(fd, 0, 0, WAIT_BEFORE | WRITE | WAIT_AFTER), 0);
	CHECK_RET(sfr(fd, 0, 8192, WRITE), 0);
}

static void
c_directory(void)
{
	int fd;

	CHECK((fd = open(".", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_RET(sfr(fd, 0, 0, WAIT_BEFORE | WRITE | WAIT_AFTER), 0);
}

static void
c_bad_flags(void)
{
	int fd = dirty_file(O_RDWR);

	CHECK_ERR(sfr(fd, 0, 0, 8), EINVAL);
	CHECK_ERR(sfr(fd, 0, 0, 0x80000000u | WRITE), EINVAL);
	CHECK_ERR(sfr(fd, 0, 0, ~0u), EINVAL);
}

static void
c_bad_range(void)
{
	int fd = dirty_file(O_RDWR);

	CHECK_ERR(sfr(fd, -1, 0, WRITE), EINVAL);
	CHECK_ERR(sfr(fd, 0, -1, WRITE), EINVAL);
	CHECK_ERR(sfr(fd, LLONG_MIN, 0, 0), EINVAL);
	/* offset + nbytes past the largest loff_t */
	CHECK_ERR(sfr(fd, LLONG_MAX, 1, WRITE), EINVAL);
	CHECK_ERR(sfr(fd, LLONG_MAX - 10, 11, 0), EINVAL);
	/* right up to it is fine */
	CHECK_RET(sfr(fd, LLONG_MAX - 10, 10, WRITE), 0);
}

static void
c_espipe(void)
{
	int p[2], s[2];

	CHECK(pipe(p) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	CHECK_ERR(sfr(p[0], 0, 0, WRITE), ESPIPE);
	CHECK_ERR(sfr(p[1], 0, 0, 0), ESPIPE);
	CHECK_ERR(sfr(s[0], 0, 0, WAIT_AFTER), ESPIPE);
	/* the range is checked before the file type */
	CHECK_ERR(sfr(p[0], -1, 0, WRITE), EINVAL);
}

/* A bad descriptor is reported before anything else is checked. */
static void
c_ebadf(void)
{
	CHECK_ERR(sfr(999, 0, 0, WRITE), EBADF);
	CHECK_ERR(sfr(-1, 0, 0, 0), EBADF);
	CHECK_ERR(sfr(999, -1, -1, 8), EBADF);
}

static const struct tcase cases[] = {
	CASE(all_flags),
	CASE(flags_zero),
	CASE(readonly),
	CASE(directory),
	CASE(bad_flags),
	CASE(bad_range),
	CASE(espipe),
	CASE(ebadf),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
