/*
 * sigchld.c: getcpu, which linuxrun routes to the module, made over and
 * over from one place while children exit, so that SIGCHLD keeps meeting
 * the calls: in a wait linuxrun has taken, in one it has not taken yet,
 * and just after an answer, as the thread makes its next call.  With
 * SIGCHLD left at its default (ignored: the calls are made again), caught
 * (the handler runs, getcpu is not interrupted on Linux), and caught with
 * SA_RESTART.  Every call must return 0 with its results written (no
 * call answered without being run, none lost: a lost one never returns,
 * and the alarm then kills the program).  It passes on Linux itself, the
 * reference, and must pass through linuxrun.
 *
 * Build: musl-gcc -static -o sigchld sigchld.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define	NR_GETCPU	309
/* Rounds of one child each, and calls per round (about 1.5 s a case). */
#define	ROUNDS		1000
#define	CALLS		20
/* Seconds before a lost call ends the program (SIGALRM kills it). */
#define	LIMIT		120

static volatile sig_atomic_t caught;

static void
on_sigchld(int sig)
{

	(void)sig;
	caught++;
}

/*
 * ROUNDS times: a child that exits at once, CALLS getcpu calls meanwhile,
 * then the child reaped.  The number of calls that did not return 0 with
 * both results written.
 */
static long
calls_while_children_exit(void)
{
	long bad = 0;
	int round, i, status;
	pid_t child;

	for (round = 0; round < ROUNDS; round++) {
		if ((child = fork()) == -1)
			return -1;
		if (child == 0)
			_exit(0);
		for (i = 0; i < CALLS; i++) {
			unsigned int cpu = ~0u, node = ~0u;

			if (syscall(NR_GETCPU, &cpu, &node, NULL) != 0 ||
			    cpu == ~0u || node == ~0u)
				bad++;
		}
		while (waitpid(child, &status, 0) == -1)
			if (errno != EINTR)
				return -1;
	}
	return bad;
}

/* Sets SIGCHLD's disposition: the default, or the handler with flags. */
static int
on_child_exit(int handled, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handled ? on_sigchld : SIG_DFL;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGCHLD, &sa, NULL);
}

int
main(void)
{

	alarm(LIMIT);
	check("SIGCHLD default", on_child_exit(0, 0), 0);
	check("getcpu run and answered while children exit, SIGCHLD "
	    "default", calls_while_children_exit(), 0);
	check("SIGCHLD caught", on_child_exit(1, 0), 0);
	check("getcpu run and answered while children exit, SIGCHLD "
	    "caught", calls_while_children_exit(), 0);
	check("the handler ran", caught > 0, 1);
	check("SIGCHLD caught with SA_RESTART", on_child_exit(1, SA_RESTART),
	    0);
	check("getcpu run and answered while children exit, SIGCHLD "
	    "caught with SA_RESTART", calls_while_children_exit(), 0);
	return tap_done();
}
