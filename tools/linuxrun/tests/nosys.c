/*
 * nosys.c: raw Linux system calls that NetBSD's Linux emulation lacks in
 * one release or both, which linuxrun must answer ENOSYS as NetBSD would
 * (ffi/linux_syscalls.tab).  The argument says whose answers to
 * expect: "linux" (Linux itself, or linuxrun --host-syscalls),
 * "netbsd-10" or "netbsd-11" (linuxrun with that release's module).
 * For linuxrun --report's counts, the parent makes an rseq and then a
 * child another, after it has executed this program again through
 * /proc/self/exe (which names it "exe"), and the parent three
 * prctl.  Last, a sleep that an ignored signal
 * interrupts under a tracer resumes (restart_syscall, which NetBSD lacks,
 * is the host kernel's own).  One TAP line per check; exit 0 if all
 * passed.
 *
 * Build: musl-gcc -static -o nosys nosys.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

/* Linux x86-64 numbers, for C libraries whose headers predate them. */
#define	NR_SENDFILE		40
#define	NR_PRCTL		157
#define	NR_MEMFD_CREATE		319
#define	NR_STATX		332
#define	NR_RSEQ			334
#define	NR_CLOSE_RANGE		436

static long
sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
}

/* got is what Linux gives unless the release lacks the call: ENOSYS. */
static void
expect(const char *what, long got, long linux_result, int lacking)
{

	check(what, got, lacking ? -ENOSYS : linux_result);
}

static long
nonnegative(long r)
{

	return r >= 0 ? 0 : r;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int on_linux = strcmp(mode, "linux") == 0;
	int ten = strcmp(mode, "netbsd-10") == 0;
	int eleven = strcmp(mode, "netbsd-11") == 0;
	char statx_buf[256];
	int status, i;
	pid_t child;

	/* The child, executed again: 0 if its rseq gave ENOSYS. */
	if (strcmp(mode, "rseq") == 0)
		return sys(NR_RSEQ, 0, 0, 0, 0, 0, 0) == -ENOSYS ? 0 : 1;
	if (!on_linux && !ten && !eleven) {
		fprintf(stderr, "usage: nosys linux|netbsd-10|netbsd-11\n");
		return 2;
	}
	/*
	 * Lacking in both releases.  rseq of nothing and sendfile between no
	 * descriptors are errors on Linux; the child's rseq comes last.
	 */
	expect("rseq", sys(NR_RSEQ, 0, 0, 0, 0, 0, 0), -EINVAL, !on_linux);
	if ((child = fork()) == 0) {
		execl("/proc/self/exe", argv[0], "rseq", (char *)NULL);
		_exit(2);
	}
	check("the child's rseq gave what was expected",
	    waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	    WEXITSTATUS(status) == (on_linux ? 1 : 0), 1);
	expect("sendfile", sys(NR_SENDFILE, -1, -1, 0, 1, 0, 0), -EBADF,
	    !on_linux);
	for (i = 0; i < 3; i++)
		expect("prctl PR_GET_DUMPABLE", nonnegative(sys(NR_PRCTL, 3, 0,
		    0, 0, 0, 0)), 0, !on_linux);
	/* Lacking in NetBSD 10 only. */
	expect("statx", sys(NR_STATX, AT_FDCWD, (long)".", 0, 0x7ff,
	    (long)statx_buf, 0), 0, ten);
	expect("close_range", sys(NR_CLOSE_RANGE, 1000000, 1000001, 0, 0, 0,
	    0), 0, ten);
	expect("memfd_create", nonnegative(sys(NR_MEMFD_CREATE, (long)"nosys",
	    0, 0, 0, 0, 0)), 0, ten);
	/* In both. */
	check("getpid", sys(SYS_getpid, 0, 0, 0, 0, 0, 0), getpid());
	/* Past compat_linux's table of 512 slots; unassigned on Linux too. */
	check("number 600", sys(600, 0, 0, 0, 0, 0, 0), -ENOSYS);

	/*
	 * restart_syscall is the host kernel's: under a tracer, an ignored
	 * signal interrupts a sleep, which it resumes with that call.
	 */
	if ((child = fork()) == 0) {
		struct timespec ts = { 0, 200000000 };

		signal(SIGUSR1, SIG_IGN);
		_exit(sys(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0) == 0 ? 0 : 1);
	}
	usleep(50000);
	kill(child, SIGUSR1);
	check("a sleep goes on after an ignored signal", waitpid(child, &status,
	    0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, 1);
	return tap_done();
}
