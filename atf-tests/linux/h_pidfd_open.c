/*
 * pidfd_open(2), Linux call 434: a descriptor that refers to a process,
 * close-on-exec, that polls readable once the process has exited, never
 * a later process that takes its ID; EINVAL, ESRCH, ENOENT.
 */
#include "h_pidfd.h"

#include <limits.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

static void
c_flags(void)
{
	CHECK_ERR(pidfd_open(getpid(), 1), EINVAL);
	CHECK_ERR(pidfd_open(getpid(), O_NONBLOCK | O_CLOEXEC), EINVAL);
	CHECK_ERR(pidfd_open(getpid(), ~0ul), EINVAL);
	/* the flags first */
	CHECK_ERR(pidfd_open(0, 1), EINVAL);
}

static void
c_bad_pid(void)
{
	CHECK_ERR(pidfd_open(0, 0), EINVAL);
	CHECK_ERR(pidfd_open(-1, 0), EINVAL);
	CHECK_ERR(pidfd_open(INT_MIN, 0), EINVAL);
	/* a pid_t: the upper half of the register is not looked at */
	CHECK_ERR(pidfd_open(0xffffffff00000000l, 0), EINVAL);
}

/* A reaped child's ID names nothing (until another process takes it). */
static void
c_no_process(void)
{
	struct child c = spawn();

	child_reap(&c);
	CHECK_ERR(pidfd_open(c.pid, 0), ESRCH);
}

static void *
thread_tid(void *arg)
{
	*(long *)arg = syscall(SYS_gettid);
	return NULL;
}

/* A thread that does not lead its process has an ID of its own. */
static void
c_thread(void)
{
	pthread_t t;
	long tid = 0;
	int n;

	CHECK(pthread_create(&t, NULL, thread_tid, &tid) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(tid > 0 && tid != getpid());
	/*
	 * Gone soon: pthread_join returns once the thread has left its
	 * stack, and the kernel may still be taking it apart (ENOENT).
	 */
	for (n = 0; n < 1000 && pidfd_open(tid, 0) == -1 && errno == ENOENT;
	    n++)
		sleep_ms(1);
	CHECK_ERR(pidfd_open(tid, 0), ESRCH);
}

static void *
thread_wait(void *arg)
{
	int *fds = arg;
	long tid = syscall(SYS_gettid);
	char b;

	CHECK(write(fds[1], &tid, sizeof(tid)) == sizeof(tid));
	(void)read(fds[0], &b, 1);
	return NULL;
}

static void
c_live_thread(void)
{
	pthread_t t;
	long tid;
	int to_main[2], to_thread[2], args[2];

	CHECK(pipe(to_main) == 0 && pipe(to_thread) == 0);
	args[0] = to_thread[0];
	args[1] = to_main[1];
	CHECK(pthread_create(&t, NULL, thread_wait, args) == 0);
	CHECK(read(to_main[0], &tid, sizeof(tid)) == sizeof(tid));
	CHECK_ERR(pidfd_open(tid, 0), ENOENT);
	CHECK(write(to_thread[1], "x", 1) == 1);
	CHECK(pthread_join(t, NULL) == 0);
}

static void
c_close_on_exec(void)
{
	int fd, fd2;

	CHECK((fd = pidfd_open(getpid(), 0)) >= 0);
	CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	CHECK((fd2 = pidfd_open(getpid(), PIDFD_NONBLOCK)) >= 0);
	CHECK_EQ(fcntl(fd2, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	/* its own process lives: not readable */
	CHECK_EQ(poll_in(fd, 0), 0);
	CHECK_RET(close(fd), 0);
	CHECK_RET(close(fd2), 0);
	CHECK_ERR(close(fd), EBADF);
}

/* The child exits while the parent waits in poll: POLLIN wakes it. */
static void
c_poll_exit(void)
{
	struct child c = spawn();
	long long t0;
	int fd, r;

	CHECK((fd = pidfd_open(c.pid, 0)) >= 0);
	CHECK_EQ(poll_in(fd, 50), 0);
	CHECK((r = fork()) >= 0);
	if (r == 0) {
		sleep_ms(200);
		child_go(&c);
		_exit(0);
	}
	close(c.go);
	c.go = -1;
	t0 = now_ms();
	CHECK_EQ(poll_in(fd, 10000) & POLLIN, POLLIN);
	CHECK(now_ms() - t0 < 9000);
	CHECK_EQ(waitpid(r, NULL, 0), r);
	child_reap(&c);
	close(fd);
}

static void
c_select_exit(void)
{
	struct child c = spawn();
	struct timeval tv = { 10, 0 }, zero = { 0, 0 };
	fd_set rd;
	int fd, n;

	CHECK((fd = pidfd_open(c.pid, 0)) >= 0);
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	CHECK_EQ(select(fd + 1, &rd, NULL, NULL, &zero), 0);
	child_go(&c);
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	CHECK((n = select(fd + 1, &rd, NULL, NULL, &tv)) == 1);
	CHECK(FD_ISSET(fd, &rd));
	child_reap(&c);
	close(fd);
}

static void
c_epoll_exit(void)
{
	struct child c = spawn();
	struct epoll_event ev = { .events = EPOLLIN }, got;
	int fd, ep, n;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1 && errno == ENOSYS) {
		child_reap(&c);
		skip("no epoll(7) here (NetBSD 10's Linux emulation has none)");
	}
	CHECK(ep >= 0);
	CHECK((fd = pidfd_open(c.pid, 0)) >= 0);
	ev.data.fd = fd;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK_EQ(epoll_wait(ep, &got, 1, 0), 0);
	child_go(&c);
	/* the child's SIGCHLD may end the wait (ptrace: ignored or not) */
	while ((n = epoll_wait(ep, &got, 1, 10000)) == -1 && errno == EINTR)
		continue;
	CHECK_EQ(n, 1);
	CHECK_EQ(got.data.fd, fd);
	CHECK(got.events & EPOLLIN);
	child_reap(&c);
	close(fd);
	close(ep);
}

/* A zombie has a pidfd, readable at once; reaped, it has none. */
static void
c_zombie(void)
{
	struct child c = spawn();
	int fd;

	child_exit(&c);
	CHECK((fd = pidfd_open(c.pid, 0)) >= 0);
	CHECK_EQ(poll_in(fd, 0) & POLLIN, POLLIN);
	child_reap(&c);
	CHECK_ERR(pidfd_open(c.pid, 0), ESRCH);
	/* the pidfd made before still says it exited */
	CHECK_EQ(poll_in(fd, 0) & POLLIN, POLLIN);
	close(fd);
}

/*
 * A pidfd refers to its process, not to a later one that takes its ID: a
 * root caller has the kernel hand out the ID again (ns_last_pid).
 */
static void
c_pid_reuse(void)
{
	struct child a = spawn(), b;
	int fa, fb, fd, tries;
	char last[32];

	CHECK((fa = pidfd_open(a.pid, 0)) >= 0);
	child_reap(&a);
	for (tries = 0; tries < 5; tries++) {
		if ((fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY)) < 0)
			skip("cannot have an ID used again: no writable "
			    "/proc/sys/kernel/ns_last_pid");
		snprintf(last, sizeof(last), "%d", a.pid - 1);
		CHECK(write(fd, last, strlen(last)) == (ssize_t)strlen(last));
		close(fd);
		b = spawn();
		if (b.pid == a.pid)
			break;
		child_reap(&b);
	}
	if (b.pid != a.pid)
		skip("another process took the ID first");
	CHECK_EQ(poll_in(fa, 0) & POLLIN, POLLIN);
	CHECK_ERR(pidfd_send_signal(fa, 0, NULL, 0), ESRCH);
	CHECK((fb = pidfd_open(b.pid, 0)) >= 0);
	CHECK_EQ(poll_in(fb, 0), 0);
	CHECK_RET(pidfd_send_signal(fb, 0, NULL, 0), 0);
	child_reap(&b);
	close(fa);
	close(fb);
}

static void
open_others(void *arg)
{
	int fd;

	(void)arg;
	/* no permission is needed to refer to a process */
	CHECK((fd = pidfd_open(getppid(), 0)) >= 0);
	close(fd);
	CHECK((fd = pidfd_open(1, 0)) >= 0);
	close(fd);
}

static void
c_unprivileged(void)
{
	as_nobody(open_others, NULL);
}

static const struct tcase cases[] = {
	CASE(flags),
	CASE(bad_pid),
	CASE(no_process),
	CASE(thread),
	CASE(live_thread),
	CASE(close_on_exec),
	CASE(poll_exit),
	CASE(select_exit),
	CASE(epoll_exit),
	CASE(zombie),
	CASE(pid_reuse),
	CASE(unprivileged),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
