/*
 * pidfd_send_signal(2), Linux call 424: a signal to the process a pidfd
 * refers to (or its first thread, or its process group), with kill(2)'s
 * siginfo or the caller's own; EINVAL, EBADF, EFAULT, E2BIG, EPERM, ESRCH.
 */
#include "h_pidfd.h"

#include <limits.h>

#define PIDFD_SELF_THREAD	-10000
#define PIDFD_SELF_THREAD_GROUP	-10001
#ifndef SI_TKILL
#define SI_TKILL		-6
#endif
#ifndef SI_KERNEL
#define SI_KERNEL		0x80
#endif

/* What the last SIGUSR1 or SIGUSR2 brought. */
static volatile sig_atomic_t got;
static siginfo_t got_info;

static void
on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_info = *si;
	got = sig;
}

static void
catch(int sig)
{
	struct sigaction sa = { .sa_sigaction = on_signal,
	    .sa_flags = SA_SIGINFO };

	CHECK(sigaction(sig, &sa, NULL) == 0);
	got = 0;
}

/* Waits up to a second for the signal to arrive. */
static void
wait_signal(int sig)
{
	long long t0 = now_ms();

	while (got == 0 && now_ms() - t0 < 1000)
		sleep_ms(1);
	CHECK_EQ(got, sig);
	CHECK_EQ(got_info.si_signo, sig);
}

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

	CHECK_ERR(pidfd_send_signal(fd, 0, NULL, 3), EINVAL);
	CHECK_ERR(pidfd_send_signal(fd, 0, NULL, 8), EINVAL);
	CHECK_ERR(pidfd_send_signal(fd, 0, NULL, 1u << 31), EINVAL);
	CHECK_ERR(pidfd_send_signal(fd, 0, NULL,
	    PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_PROCESS_GROUP), EINVAL);
	/* the flags before the descriptor */
	CHECK_ERR(pidfd_send_signal(-1, 0, NULL, 3), EINVAL);
	CHECK_RET(pidfd_send_signal(fd, 0, NULL, PIDFD_SIGNAL_THREAD_GROUP), 0);
	close(fd);
}

static void
c_bad_fd(void)
{
	int fds[2];

	CHECK_ERR(pidfd_send_signal(-1, 0, NULL, 0), EBADF);
	CHECK_ERR(pidfd_send_signal(999, 0, NULL, 0), EBADF);
	CHECK(pipe(fds) == 0);
	CHECK_ERR(pidfd_send_signal(fds[0], 0, NULL, 0), EBADF);
	put_file("f", "x");
	CHECK((fds[1] = open("f", O_RDONLY)) >= 0);
	CHECK_ERR(pidfd_send_signal(fds[1], 0, NULL, 0), EBADF);
}

static void
c_sig_range(void)
{
	int fd = own_pidfd();

	CHECK_ERR(pidfd_send_signal(fd, 65, NULL, 0), EINVAL);
	CHECK_ERR(pidfd_send_signal(fd, -1, NULL, 0), EINVAL);
	CHECK_ERR(pidfd_send_signal(fd, INT_MAX, NULL, 0), EINVAL);
	CHECK_RET(pidfd_send_signal(fd, 0, NULL, 0), 0);
	close(fd);
}

/* Without a siginfo: kill(2)'s, with the sender's process and user. */
static void
c_kill_self(void)
{
	int fd = own_pidfd();

	catch(SIGUSR1);
	CHECK_RET(pidfd_send_signal(fd, SIGUSR1, NULL, 0), 0);
	wait_signal(SIGUSR1);
	CHECK_EQ(got_info.si_code, SI_USER);
	CHECK_EQ(got_info.si_pid, getpid());
	CHECK_EQ(got_info.si_uid, getuid());
	close(fd);
}

/* A siginfo of the caller's: a queued signal with its value and user. */
static void
c_queued(void)
{
	siginfo_t si = { 0 };
	int fd = own_pidfd();

	catch(SIGUSR2);
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 4242;
	CHECK_RET(pidfd_send_signal(fd, SIGUSR2, &si, 0), 0);
	wait_signal(SIGUSR2);
	CHECK_EQ(got_info.si_code, SI_QUEUE);
	CHECK_EQ(got_info.si_uid, getuid());
	CHECK_EQ(got_info.si_value.sival_int, 4242);
	close(fd);
}

/* ... and the process ID the caller put in. */
static void
c_queued_pid(void)
{
	siginfo_t si = { 0 };
	int fd = own_pidfd();

	catch(SIGUSR2);
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	CHECK_RET(pidfd_send_signal(fd, SIGUSR2, &si, 0), 0);
	wait_signal(SIGUSR2);
	CHECK_EQ(got_info.si_pid, getpid());
	close(fd);
}

/* PIDFD_SIGNAL_THREAD: to the thread whose ID is the process's. */
static void
c_thread(void)
{
	int fd = own_pidfd();

	catch(SIGUSR1);
	CHECK_RET(pidfd_send_signal(fd, SIGUSR1, NULL, PIDFD_SIGNAL_THREAD), 0);
	wait_signal(SIGUSR1);
	CHECK_EQ(got_info.si_code, SI_TKILL);
	catch(SIGUSR2);
	CHECK_RET(pidfd_send_signal(PIDFD_SELF_THREAD, SIGUSR2, NULL, 0), 0);
	wait_signal(SIGUSR2);
	CHECK_EQ(got_info.si_code, SI_TKILL);
	CHECK_RET(pidfd_send_signal(PIDFD_SELF_THREAD_GROUP, 0, NULL, 0), 0);
	close(fd);
}

/* ... with the sender's process. */
static void
c_thread_sender(void)
{
	int fd = own_pidfd();

	catch(SIGUSR1);
	CHECK_RET(pidfd_send_signal(fd, SIGUSR1, NULL, PIDFD_SIGNAL_THREAD), 0);
	wait_signal(SIGUSR1);
	CHECK_EQ(got_info.si_pid, getpid());
	close(fd);
}

static void
c_bad_info(void)
{
	char big[256] = { 0 };
	siginfo_t *si = (siginfo_t *)(void *)big;
	struct child c = spawn();
	int fd = own_pidfd(), cfd;

	CHECK_ERR(pidfd_send_signal(fd, SIGUSR1, unmapped(), 0), EFAULT);
	si->si_signo = SIGUSR2;
	si->si_code = SI_QUEUE;
	CHECK_ERR(pidfd_send_signal(fd, SIGUSR1, si, 0), EINVAL);
	/* a code whose layout Linux does not know, with bytes past 48 */
	si->si_signo = SIGUSR1;
	si->si_code = 100;
	big[60] = 1;
	CHECK_ERR(pidfd_send_signal(fd, SIGUSR1, si, 0), E2BIG);
	/* kill(2)'s or the kernel's codes, only to oneself */
	big[60] = 0;
	CHECK((cfd = pidfd_open(c.pid, 0)) >= 0);
	si->si_signo = 0;
	si->si_code = SI_USER;
	CHECK_ERR(pidfd_send_signal(cfd, 0, si, 0), EPERM);
	si->si_code = SI_TKILL;
	CHECK_ERR(pidfd_send_signal(cfd, 0, si, 0), EPERM);
	si->si_code = SI_KERNEL;
	CHECK_ERR(pidfd_send_signal(cfd, 0, si, 0), EPERM);
	si->si_code = SI_USER;
	CHECK_RET(pidfd_send_signal(fd, 0, si, 0), 0);
	child_reap(&c);
	close(fd);
	close(cfd);
}

static void
c_zombie(void)
{
	struct child c = spawn();
	int fd;

	CHECK((fd = pidfd_open(c.pid, 0)) >= 0);
	child_exit(&c);
	CHECK_RET(pidfd_send_signal(fd, SIGKILL, NULL, 0), 0);
	CHECK_RET(pidfd_send_signal(fd, 0, NULL, 0), 0);
	child_reap(&c);
	CHECK_ERR(pidfd_send_signal(fd, SIGKILL, NULL, 0), ESRCH);
	CHECK_ERR(pidfd_send_signal(fd, 0, NULL, 0), ESRCH);
	close(fd);
}

static void
signal_root(void *arg)
{
	int fd;

	(void)arg;
	CHECK((fd = pidfd_open(getppid(), 0)) >= 0);
	CHECK_ERR(pidfd_send_signal(fd, SIGUSR1, NULL, 0), EPERM);
	CHECK_ERR(pidfd_send_signal(fd, 0, NULL, 0), EPERM);
	close(fd);
	/* its own process it may */
	CHECK((fd = pidfd_open(getpid(), 0)) >= 0);
	CHECK_RET(pidfd_send_signal(fd, 0, NULL, 0), 0);
	close(fd);
}

static void
c_unprivileged(void)
{
	as_nobody(signal_root, NULL);
}

/* A process group by its leader's pidfd; a member's names no group. */
static void
c_process_group(void)
{
	int member_up[2], ready[2], status, fd, mfd;
	pid_t leader, member;
	sigset_t usr1, old;
	char b;

	CHECK(pipe(member_up) == 0 && pipe(ready) == 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &usr1, &old) == 0);
	CHECK((leader = fork()) >= 0);
	if (leader == 0) {
		int sig;

		CHECK(setpgid(0, 0) == 0);
		CHECK((member = fork()) >= 0);
		if (member == 0) {
			CHECK(write(member_up[1], "x", 1) == 1);
			CHECK(sigwait(&usr1, &sig) == 0);
			_exit(sig == SIGUSR1 ? 7 : 1);
		}
		CHECK(read(member_up[0], &b, 1) == 1);
		CHECK(write(ready[1], &member, sizeof(member)) ==
		    sizeof(member));
		CHECK(sigwait(&usr1, &sig) == 0);
		CHECK_EQ(waitpid(member, &status, 0), member);
		_exit(sig == SIGUSR1 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 7 ? 7 : 1);
	}
	CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	CHECK(read(ready[0], &member, sizeof(member)) == sizeof(member));
	CHECK((fd = pidfd_open(leader, 0)) >= 0);
	/* the member, the leader's child: no group has its ID */
	CHECK((mfd = pidfd_open(member, 0)) >= 0);
	CHECK_ERR(pidfd_send_signal(mfd, SIGUSR1, NULL,
	    PIDFD_SIGNAL_PROCESS_GROUP), ESRCH);
	CHECK_RET(pidfd_send_signal(fd, SIGUSR1, NULL,
	    PIDFD_SIGNAL_PROCESS_GROUP), 0);
	CHECK_EQ(waitpid(leader, &status, 0), leader);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);
	close(fd);
	close(mfd);
}

/* Linux takes a /proc/PID directory descriptor for its process. */
static void
c_proc_dir(void)
{
	int fd;

	CHECK((fd = open("/proc/self", O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK_RET(pidfd_send_signal(fd, 0, NULL, 0), 0);
	close(fd);
}

static const struct tcase cases[] = {
	CASE(flags),
	CASE(bad_fd),
	CASE(sig_range),
	CASE(kill_self),
	CASE(queued),
	CASE(queued_pid),
	CASE(thread),
	CASE(thread_sender),
	CASE(bad_info),
	CASE(zombie),
	CASE(unprivileged),
	CASE(process_group),
	CASE(proc_dir),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
