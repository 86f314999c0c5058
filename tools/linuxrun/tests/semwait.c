/*
 * semwait.c: semtimedop, which linuxrun routes to the module, where it
 * sleeps: no wait, a timeout, a wake-up by another process, and a signal
 * (EINTR, with or without SA_RESTART: semtimedop is never restarted).  A
 * waiter is seen asleep by another process (S in /proc/PID/stat, inside
 * semtimedop by /proc/PID/syscall), and a signal it ignores does not
 * end its wait.  It passes on Linux itself, the reference, and must pass
 * through linuxrun.  One TAP line per check; exit 0 if every check
 * passed.
 *
 * Build: musl-gcc -static -o semwait semwait.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define	NR_SEMTIMEDOP	220

static volatile sig_atomic_t alarms;

/*
 * Whether process pid sleeps inside system call nr: its state letter
 * (proc_pid_stat(5), after the command's ')') and the number
 * /proc/PID/syscall starts with.
 */
static int
asleep_in(pid_t pid, long nr)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;
	long in = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] != 'S')
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		in = strtol(buf, NULL, 10);
	}
	return in == nr;
}

/* Waits up to 2 s for process pid to sleep inside system call nr. */
static int
falls_asleep_in(pid_t pid, long nr)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (asleep_in(pid, nr))
			return 1;
		usleep(10000);
	}
	return 0;
}

static long
semtimedop_raw(int id, struct sembuf *ops, size_t n, struct timespec *t)
{
	long r = syscall(NR_SEMTIMEDOP, id, ops, n, t);

	return r == -1 ? -errno : r;
}

static long
ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void
on_alarm(int sig)
{

	(void)sig;
	alarms++;
}

/* SIGALRM in ms milliseconds, with or without SA_RESTART. */
static void
alarm_in(int ms, int flags)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 0 }, { 0, ms * 1000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

int
main(void)
{
	struct sembuf down = { 0, -1, 0 }, up = { 0, 1, 0 };
	struct sembuf down_nowait = { 0, -1, IPC_NOWAIT };
	struct timespec start, t50 = { 0, 50000000 }, bad = { 0, 1000000000 };
	int id, status;
	long r;
	pid_t child;

	if ((id = semget(IPC_PRIVATE, 1, 0600)) == -1) {
		perror("semget");
		return 2;
	}
	check("IPC_NOWAIT on 0: EAGAIN",
	    semtimedop_raw(id, &down_nowait, 1, NULL), -EAGAIN);
	clock_gettime(CLOCK_MONOTONIC, &start);
	check("50 ms timeout on 0: EAGAIN", semtimedop_raw(id, &down, 1, &t50),
	    -EAGAIN);
	r = ms_since(&start);
	check("the timeout was waited out", r >= 40 && r < 2000, 1);
	check("up", semtimedop_raw(id, &up, 1, NULL), 0);
	check("down, at once", semtimedop_raw(id, &down, 1, &t50), 0);
	check("timeout nanoseconds out of range: EINVAL",
	    semtimedop_raw(id, &down, 1, &bad), -EINVAL);
	check("unmapped operations: EFAULT",
	    semtimedop_raw(id, (struct sembuf *)8, 1, NULL), -EFAULT);

	alarm_in(100, 0);
	check("a signal ends the wait: EINTR", semtimedop_raw(id, &down, 1,
	    NULL), -EINTR);
	check("the handler ran", alarms, 1);
	alarm_in(100, SA_RESTART);
	check("SA_RESTART: EINTR all the same", semtimedop_raw(id, &down, 1,
	    NULL), -EINTR);
	check("the handler ran again", alarms, 2);

	if ((child = fork()) == 0) {
		usleep(100000);
		_exit(semop(id, &up, 1) == 0 ? 0 : 1);
	}
	check("woken by another process", semtimedop_raw(id, &down, 1, NULL), 0);
	check("which went up", waitpid(child, &status, 0) == child &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);

	if ((child = fork()) == 0) {
		signal(SIGUSR1, SIG_IGN);
		_exit(semtimedop_raw(id, &down, 1, NULL) == 0 ? 0 : 1);
	}
	check("a waiter is seen asleep in semtimedop",
	    falls_asleep_in(child, NR_SEMTIMEDOP), 1);
	kill(child, SIGUSR1);
	usleep(50000);
	check("an ignored signal leaves it asleep",
	    falls_asleep_in(child, NR_SEMTIMEDOP), 1);
	check("up", semop(id, &up, 1), 0);
	check("the waiter took it", waitpid(child, &status, 0) == child &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
	semctl(id, 0, IPC_RMID);
	return tap_done();
}
