/*
 * pidfd_getfd(2), Linux call 438: a duplicate, close-on-exec, of another
 * process's descriptor (the same open file), with ptrace(2)'s permission
 * to attach; EINVAL, EBADF, EPERM, ESRCH.
 */
#include "h_pidfd.h"


static int
own_pidfd(void)
{
	int fd;

	CHECK((fd = pidfd_open(getpid(), 0)) >= 0);
	return fd;
}

static void
c_flags(void)
{
	int fd = own_pidfd();

	CHECK_ERR(pidfd_getfd(fd, 0, 1), EINVAL);
	CHECK_ERR(pidfd_getfd(fd, 0, ~0ul), EINVAL);
	/* the flags first */
	CHECK_ERR(pidfd_getfd(-1, -1, 1), EINVAL);
	close(fd);
}

static void
c_bad_pidfd(void)
{
	int fds[2];

	CHECK_ERR(pidfd_getfd(-1, 0, 0), EBADF);
	CHECK_ERR(pidfd_getfd(999, 0, 0), EBADF);
	CHECK(pipe(fds) == 0);
	CHECK_ERR(pidfd_getfd(fds[0], 0, 0), EBADF);
}

static void
c_bad_target(void)
{
	int fd = own_pidfd();

	CHECK_ERR(pidfd_getfd(fd, -1, 0), EBADF);
	CHECK_ERR(pidfd_getfd(fd, 999, 0), EBADF);
	close(fd);
}

/* Its own descriptor: a new one for the same open file, close-on-exec. */
static void
c_own(void)
{
	struct stat a, b;
	int fd = own_pidfd(), file, dup;

	put_file("f", "0123456789");
	CHECK((file = open("f", O_RDWR)) >= 0);
	CHECK((dup = pidfd_getfd(fd, file, 0)) >= 0);
	CHECK(dup != file);
	CHECK_EQ(fcntl(dup, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK(fstat(file, &a) == 0 && fstat(dup, &b) == 0);
	CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	CHECK_EQ(lseek(file, 4, SEEK_SET), 4);
	CHECK_EQ(lseek(dup, 0, SEEK_CUR), 4);
	close(dup);
	close(file);
	close(fd);
}

/* A child's descriptor: the child opens a file and says which number. */
static void
c_child(void)
{
	int up[2], go[2], fd, got, n;
	struct stat a, b;
	pid_t pid;
	char buf[8];

	put_file("f", "");
	CHECK(pipe(up) == 0 && pipe(go) == 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK((n = open("f", O_WRONLY)) >= 0);
		CHECK(write(up[1], &n, sizeof(n)) == sizeof(n));
		(void)read(go[0], buf, 1);
		_exit(0);
	}
	CHECK(read(up[0], &n, sizeof(n)) == sizeof(n));
	CHECK((fd = pidfd_open(pid, 0)) >= 0);
	CHECK((got = pidfd_getfd(fd, n, 0)) >= 0);
	CHECK(fstat(got, &a) == 0 && stat("f", &b) == 0);
	CHECK(a.st_ino == b.st_ino);
	CHECK(write(got, "hi", 2) == 2);
	CHECK_FILE("f", "hi", 2);
	CHECK_ERR(pidfd_getfd(fd, 999, 0), EBADF);
	CHECK(write(go[1], "x", 1) == 1);
	CHECK_EQ(waitpid(pid, NULL, 0), pid);
	close(got);
	close(fd);
}

static void
take_root(void *arg)
{
	int fd;

	(void)arg;
	CHECK((fd = pidfd_open(getppid(), 0)) >= 0);
	CHECK_ERR(pidfd_getfd(fd, 0, 0), EPERM);
	close(fd);
}

static void
c_unprivileged(void)
{
	as_nobody(take_root, NULL);
}

/* An exited process has no descriptors left, nor a reaped one. */
static void
c_zombie(void)
{
	struct child c = spawn();
	int fd;

	CHECK((fd = pidfd_open(c.pid, 0)) >= 0);
	CHECK(pidfd_getfd(fd, 0, 0) >= 0);
	child_exit(&c);
	CHECK_ERR(pidfd_getfd(fd, 0, 0), ESRCH);
	child_reap(&c);
	CHECK_ERR(pidfd_getfd(fd, 0, 0), ESRCH);
	close(fd);
}

/* A pidfd's duplicate refers to the same process. */
static void
c_pidfd(void)
{
	struct child c = spawn();
	int own = own_pidfd(), fd, dup;

	CHECK((fd = pidfd_open(c.pid, 0)) >= 0);
	CHECK((dup = pidfd_getfd(own, fd, 0)) >= 0);
	CHECK_EQ(poll_in(dup, 0), 0);
	close(fd);
	child_go(&c);
	CHECK_EQ(poll_in(dup, 10000) & POLLIN, POLLIN);
	CHECK_RET(pidfd_send_signal(dup, 0, NULL, 0), 0);
	child_reap(&c);
	close(dup);
	close(own);
}

static const struct tcase cases[] = {
	CASE(flags),
	CASE(bad_pidfd),
	CASE(bad_target),
	CASE(own),
	CASE(child),
	CASE(unprivileged),
	CASE(zombie),
	CASE(pidfd),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
