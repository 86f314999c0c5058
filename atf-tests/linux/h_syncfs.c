/*
 * syncfs(2), Linux call 306: any open descriptor, EBADF otherwise; only
 * the low 32 bits of the argument are the descriptor.
 */
#include "h_common.h"

#include <sys/socket.h>

static long
syncfs_(long fd)
{
	return syscall(NR_syncfs, fd);
}

static void
c_file(void)
{
	int fd;

	CHECK((fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
	CHECK(write(fd, "synced", 6) == 6);
	CHECK_RET(syncfs_(fd), 0);
	CHECK(close(fd) == 0);
	CHECK_FILE("f", "synced", 6);
}

static void
c_readonly(void)
{
	int fd;

	put_file("f", "data");
	CHECK((fd = open("f", O_RDONLY)) >= 0);
	CHECK_RET(syncfs_(fd), 0);
}

static void
c_directory(void)
{
	int fd;

	CHECK((fd = open(".", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_RET(syncfs_(fd), 0);
}

static void
c_pipe(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK_RET(syncfs_(p[0]), 0);
	CHECK_RET(syncfs_(p[1]), 0);
}

static void
c_socket(void)
{
	int s[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	CHECK_RET(syncfs_(s[0]), 0);
}

static void
c_ebadf(void)
{
	int fd;

	CHECK_ERR(syncfs_(999), EBADF);
	CHECK_ERR(syncfs_(-1), EBADF);
	CHECK((fd = open(".", O_RDONLY)) >= 0);
	CHECK(close(fd) == 0);
	CHECK_ERR(syncfs_(fd), EBADF);
}

/* The argument is an int: the upper half of the register is ignored. */
static void
c_upper_bits(void)
{
	int fd;

	CHECK((fd = open(".", O_RDONLY)) >= 0);
	CHECK_RET(syncfs_((long)(0xabcd0000ul << 16 << 16) | fd), 0);
	CHECK_ERR(syncfs_((long)(0x1ul << 32) | 999), EBADF);
}

static const struct tcase cases[] = {
	CASE(file),
	CASE(readonly),
	CASE(directory),
	CASE(pipe),
	CASE(socket),
	CASE(ebadf),
	CASE(upper_bits),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
