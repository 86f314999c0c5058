/*
 * membarrier(2), Linux call 324: what QUERY reports, flags and commands
 * checked, the global barriers without registration, the private ones
 * refused (EPERM) before it, GET_REGISTRATIONS, registrations shared by
 * threads, kept by a forked child and dropped by exec; the rseq commands
 * as the kernel's rseq support goes.
 */
#include <pthread.h>

#include "h_common.h"

#define QUERY					0
#define GLOBAL					(1 << 0)
#define GLOBAL_EXPEDITED			(1 << 1)
#define REGISTER_GLOBAL_EXPEDITED		(1 << 2)
#define PRIVATE_EXPEDITED			(1 << 3)
#define REGISTER_PRIVATE_EXPEDITED		(1 << 4)
#define PRIVATE_EXPEDITED_SYNC_CORE		(1 << 5)
#define REGISTER_PRIVATE_EXPEDITED_SYNC_CORE	(1 << 6)
#define PRIVATE_EXPEDITED_RSEQ			(1 << 7)
#define REGISTER_PRIVATE_EXPEDITED_RSEQ		(1 << 8)
#define GET_REGISTRATIONS			(1 << 9)
#define RSEQ_COMMANDS	(PRIVATE_EXPEDITED_RSEQ | REGISTER_PRIVATE_EXPEDITED_RSEQ)
#define FLAG_CPU	1
#define NR_rseq		334

static long
membarrier(long cmd, long flags, long cpu)
{
	return syscall(NR_membarrier, cmd, flags, cpu);
}

/* Whether the kernel has rseq(2): a NULL area is EINVAL then, else ENOSYS. */
static int
have_rseq(void)
{
	errno = 0;
	return syscall(NR_rseq, NULL, 0, 0, 0) == 0 || errno != ENOSYS;
}

static void
c_query(void)
{
	long want = GLOBAL | GLOBAL_EXPEDITED | REGISTER_GLOBAL_EXPEDITED |
	    PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED |
	    PRIVATE_EXPEDITED_SYNC_CORE | REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |
	    GET_REGISTRATIONS;

	if (have_rseq())
		want |= RSEQ_COMMANDS;
	CHECK_RET(membarrier(QUERY, 0, 0), want);
	/* The upper halves of the registers are not the arguments. */
	CHECK_RET(membarrier(1L << 32, 1L << 32, 7), want);
}

static void
c_einval(void)
{
	CHECK_ERR(membarrier(QUERY, 1, 0), EINVAL);
	CHECK_ERR(membarrier(GLOBAL, 1U << 31, 0), EINVAL);
	CHECK_ERR(membarrier(PRIVATE_EXPEDITED, FLAG_CPU, 0), EINVAL);
	CHECK_ERR(membarrier(GET_REGISTRATIONS, 1, 0), EINVAL);
	CHECK_ERR(membarrier(3, 0, 0), EINVAL);
	CHECK_ERR(membarrier(1 << 10, 0, 0), EINVAL);
	CHECK_ERR(membarrier(-1, 0, 0), EINVAL);
	/* The rseq command takes FLAG_CPU, and nothing else. */
	CHECK_ERR(membarrier(PRIVATE_EXPEDITED_RSEQ, 2, 0), EINVAL);
	CHECK_ERR(membarrier(PRIVATE_EXPEDITED_RSEQ, 3, 0), EINVAL);
}

static void
global_child(void)
{
	CHECK_RET(membarrier(GLOBAL, 0, 0), 0);
	CHECK_RET(membarrier(GLOBAL_EXPEDITED, 0, 0), 0);
	CHECK_RET(membarrier(GET_REGISTRATIONS, 0, 0), 0);
}

/* No registration needed for the global barriers. */
static void
c_global(void)
{
	in_child(global_child);
}

static void
private_child(void)
{
	CHECK_ERR(membarrier(PRIVATE_EXPEDITED, 0, 0), EPERM);
	CHECK_ERR(membarrier(PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), EPERM);
	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_RET(membarrier(PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_ERR(membarrier(PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), EPERM);
	CHECK_RET(membarrier(GET_REGISTRATIONS, 0, 0),
	    REGISTER_PRIVATE_EXPEDITED);
}

/* EPERM before the registration, 0 after. */
static void
c_private_expedited(void)
{
	in_child(private_child);
}

static void
sync_core_child(void)
{
	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), 0);
	CHECK_RET(membarrier(PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), 0);
	/* Marked as registering for PRIVATE_EXPEDITED, and not ready for it. */
	CHECK_RET(membarrier(GET_REGISTRATIONS, 0, 0),
	    REGISTER_PRIVATE_EXPEDITED | REGISTER_PRIVATE_EXPEDITED_SYNC_CORE);
	CHECK_ERR(membarrier(PRIVATE_EXPEDITED, 0, 0), EPERM);
}

static void
c_sync_core(void)
{
	in_child(sync_core_child);
}

static void
registrations_child(void)
{
	long want = REGISTER_GLOBAL_EXPEDITED | REGISTER_PRIVATE_EXPEDITED |
	    REGISTER_PRIVATE_EXPEDITED_SYNC_CORE;

	CHECK_RET(membarrier(REGISTER_GLOBAL_EXPEDITED, 0, 0), 0);
	CHECK_RET(membarrier(GET_REGISTRATIONS, 0, 0),
	    REGISTER_GLOBAL_EXPEDITED);
	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0), 0);
	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_RET(membarrier(GET_REGISTRATIONS, 0, 0), want);
	CHECK_RET(membarrier(PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_RET(membarrier(GLOBAL_EXPEDITED, 0, 0), 0);
}

static void
c_registrations(void)
{
	in_child(registrations_child);
}

static void *
other_thread(void *arg)
{
	(void)arg;
	return (void *)membarrier(PRIVATE_EXPEDITED, 0, 0);
}

static void
threads_child(void)
{
	pthread_t t;
	void *ret;

	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0);
	CHECK(pthread_join(t, &ret) == 0);
	CHECK_EQ((long)ret, 0);
}

/* Registrations are the process's: its other threads have them. */
static void
c_threads(void)
{
	in_child(threads_child);
}

static void
fork_child(void)
{
	pid_t pid;
	int status;

	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK_RET(membarrier(PRIVATE_EXPEDITED, 0, 0), 0);
		CHECK_RET(membarrier(GET_REGISTRATIONS, 0, 0),
		    REGISTER_PRIVATE_EXPEDITED);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A forked child keeps its parent's registrations. */
static void
c_fork_keeps(void)
{
	in_child(fork_child);
}

static void
exec_child(void)
{
	pid_t pid;
	int status;

	CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	CHECK_RET(membarrier(REGISTER_GLOBAL_EXPEDITED, 0, 0), 0);
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		execl(self_path, self_path, "exec_probe", (char *)NULL);
		_exit(5);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The parent's own are untouched. */
	CHECK_RET(membarrier(PRIVATE_EXPEDITED, 0, 0), 0);
}

/* A program executed starts with none (a forked child execs: none). */
static void
c_exec_drops(void)
{
	in_child(exec_child);
}

/*
 * The rseq commands: with rseq, Linux refuses the barrier before the
 * registration (EPERM) and takes the registration; a kernel without rseq
 * (NetBSD) answers EINVAL to both, with or without FLAG_CPU.
 */
static void
rseq_child(void)
{
	if (have_rseq()) {
		CHECK_ERR(membarrier(PRIVATE_EXPEDITED_RSEQ, 0, 0), EPERM);
		CHECK_ERR(membarrier(PRIVATE_EXPEDITED_RSEQ, FLAG_CPU, 0),
		    EPERM);
		CHECK_RET(membarrier(REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0), 0);
	} else {
		CHECK_ERR(membarrier(PRIVATE_EXPEDITED_RSEQ, 0, 0), EINVAL);
		CHECK_ERR(membarrier(PRIVATE_EXPEDITED_RSEQ, FLAG_CPU, 0),
		    EINVAL);
		CHECK_ERR(membarrier(REGISTER_PRIVATE_EXPEDITED_RSEQ, 0, 0),
		    EINVAL);
		CHECK_RET(membarrier(GET_REGISTRATIONS, 0, 0), 0);
	}
}

static void
c_rseq(void)
{
	in_child(rseq_child);
}

static const struct tcase cases[] = {
	CASE(query),
	CASE(einval),
	CASE(global),
	CASE(private_expedited),
	CASE(sync_core),
	CASE(registrations),
	CASE(threads),
	CASE(fork_keeps),
	CASE(exec_drops),
	CASE(rseq),
};

int
main(int argc, char **argv)
{
	/* Executed by exec_child: registrations dropped. */
	if (argc == 2 && strcmp(argv[1], "exec_probe") == 0) {
		if (membarrier(GET_REGISTRATIONS, 0, 0) != 0 ||
		    membarrier(PRIVATE_EXPEDITED, 0, 0) != -1 ||
		    errno != EPERM)
			_exit(1);
		_exit(0);
	}
	return RUN_CASES(cases);
}
