/*
 * threads.c: glibc's pthread_create and posix_spawn, which create their
 * threads and processes with clone3 (linuxrun routes it to the module).
 * Starts 8 threads and joins them, and spawns itself.  It passes on Linux
 * itself, the reference, and must pass through linuxrun.  One TAP line per
 * check; exit 0 if every check passed.
 *
 * Build: gcc -static -pthread -o threads threads.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"

#define	NTHREADS	8

extern char **environ;

static int counter;
static pid_t tids[NTHREADS];

static void *
worker(void *arg)
{
	int i = (int)(long)arg;

	tids[i] = gettid();
	__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
	return (void *)(long)(i * 10);
}

int
main(int argc, char **argv)
{
	pthread_t threads[NTHREADS];
	char *child_argv[] = { argv[0], "child", NULL };
	void *result;
	int i, j, distinct = 1, status, joined = 0;
	pid_t pid;

	if (argc == 2 && strcmp(argv[1], "child") == 0)
		return 42;
	for (i = 0; i < NTHREADS; i++) {
		check("pthread_create", pthread_create(&threads[i], NULL,
		    worker, (void *)(long)i), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		if (pthread_join(threads[i], &result) == 0 &&
		    result == (void *)(long)(i * 10))
			joined++;
	}
	check("every thread joined with its result", joined, NTHREADS);
	check("every thread ran", counter, NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		for (j = 0; j < i; j++)
			distinct &= tids[i] != tids[j];
		distinct &= tids[i] != getpid();
	}
	check("each thread had a TID of its own", distinct, 1);
	check("posix_spawn", posix_spawn(&pid, argv[0], NULL, NULL, child_argv,
	    environ), 0);
	check("the spawned process exited 42", waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1, 42);
	return tap_done();
}
