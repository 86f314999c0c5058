/*
 * Shared by the pidfd helpers (h_pidfd_open.c, h_pidfd_send_signal.c,
 * h_pidfd_getfd.c): the calls by number, children that wait to be told
 * to exit, and waits for a descriptor to poll readable.
 */
#ifndef H_PIDFD_H
#define H_PIDFD_H

#include "h_common.h"

#include <poll.h>
#include <signal.h>

#define PIDFD_NONBLOCK		O_NONBLOCK
#define PIDFD_SIGNAL_THREAD	1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

static inline long
pidfd_open(long pid, unsigned long flags)
{
	return syscall(NR_pidfd_open, pid, flags);
}

static inline long
pidfd_send_signal(long pidfd, long sig, void *info, unsigned long flags)
{
	return syscall(NR_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline long
pidfd_getfd(long pidfd, long fd, unsigned long flags)
{
	return syscall(NR_pidfd_getfd, pidfd, fd, flags);
}

/* A child that waits until told to exit (with status 0). */
struct child {
	pid_t	pid;
	int	go;	/* write a byte: the child exits */
};

static inline struct child
spawn(void)
{
	struct child c;
	int fds[2];
	char b;

	CHECK(pipe(fds) == 0);
	CHECK((c.pid = fork()) >= 0);
	if (c.pid == 0) {
		close(fds[1]);
		(void)read(fds[0], &b, 1);
		_exit(0);
	}
	close(fds[0]);
	c.go = fds[1];
	return c;
}

/* Tells the child to exit. */
static inline void
child_go(struct child *c)
{
	CHECK(write(c->go, "x", 1) == 1);
	close(c->go);
	c->go = -1;
}

/* The child exits; it stays a zombie until reaped. */
static inline void
child_exit(struct child *c)
{
	siginfo_t si;

	child_go(c);
	/* waitid's WNOWAIT: wait for the exit, reap nothing. */
	CHECK(waitid(P_PID, c->pid, &si, WEXITED | WNOWAIT) == 0);
}

static inline void
child_reap(struct child *c)
{
	int status;

	if (c->go >= 0)
		child_go(c);
	CHECK_EQ(waitpid(c->pid, &status, 0), c->pid);
	CHECK(WIFEXITED(status));
}

/* poll(2) of fd for POLLIN, waiting ms: its revents. */
static inline int
poll_in(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	CHECK(poll(&p, 1, ms) >= 0);
	return p.revents;
}

/* Runs fn in a child as user 65534 (a root caller only); its status. */
static inline void
as_nobody(void (*fn)(void *), void *arg)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip("needs root to become another user");
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK(setresgid(65534, 65534, 65534) == 0);
		CHECK(setresuid(65534, 65534, 65534) == 0);
		fn(arg);
		_exit(0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

#endif /* H_PIDFD_H */
