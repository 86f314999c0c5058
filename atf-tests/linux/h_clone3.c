/*
 * clone3(2), Linux call 435: the size and contents of struct clone_args
 * checked (EINVAL, E2BIG, EFAULT), a fork-like child, and a CLONE_VM |
 * CLONE_VFORK child running on its own stack.
 */
#include "h_common.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>

#define CLONE_PIDFD		0x00001000ull
#define CLONE_VM		0x00000100ull
#define CLONE_SIGHAND		0x00000800ull
#define CLONE_VFORK		0x00004000ull
#define CLONE_PARENT		0x00008000ull
#define CLONE_THREAD		0x00010000ull
#define CLONE_PARENT_SETTID	0x00100000ull
#define CLONE_DETACHED		0x00400000ull

/* Linux's struct clone_args, version 2 (88 bytes). */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/*
 * A child that should not have been created exits at once with status 99,
 * and is reaped, so that a failing check is reported once.
 */
static long
clone3(void *args, size_t size)
{
	long pid;
	int status;

	pid = syscall(NR_clone3, args, size);
	if (pid == 0)
		_exit(99);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return pid;
}

/* The child of a fork-like clone3 exits with this status at once. */
#define CHILD_STATUS	42

static void
wait_child(long pid, int want)
{
	int status;

	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), want);
}

/* A fork-like clone3 of size bytes from buf; the child exits at once. */
static void
fork_like(void *buf, size_t size)
{
	long pid;

	pid = syscall(NR_clone3, buf, size);
	if (pid == 0)
		_exit(CHILD_STATUS);
	wait_child(pid, CHILD_STATUS);
}

static void
c_fork_like(void)
{
	struct clone_args a = { .exit_signal = SIGCHLD };
	struct clone_args v2 = { .exit_signal = SIGCHLD };

	/* version 0 (64 bytes) and the whole structure */
	fork_like(&a, 64);
	fork_like(&v2, sizeof(v2));
}

static void
c_size_small(void)
{
	struct clone_args a = { .exit_signal = SIGCHLD };

	CHECK_ERR(clone3(&a, 63), EINVAL);
	CHECK_ERR(clone3(&a, 0), EINVAL);
	CHECK_ERR(clone3(&a, 8), EINVAL);
}

static void
c_size_big(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *buf;

	CHECK((buf = calloc(2, page)) != NULL);
	((struct clone_args *)buf)->exit_signal = SIGCHLD;
	CHECK_ERR(clone3(buf, page + 1), E2BIG);
	CHECK_ERR(clone3(buf, SIZE_MAX), E2BIG);
	/* a whole page, zero past the structure, is fine */
	fork_like(buf, page);
}

/* Bytes past the structure the kernel knows must be zero. */
static void
c_nonzero_tail(void)
{
	char buf[256] = { 0 };

	((struct clone_args *)(void *)buf)->exit_signal = SIGCHLD;
	fork_like(buf, sizeof(buf));
	buf[200] = 1;
	CHECK_ERR(clone3(buf, sizeof(buf)), E2BIG);
	CHECK_ERR(clone3(buf, 201), E2BIG);
	fork_like(buf, 200);
}

static void
c_bad_flags(void)
{
	struct clone_args a = { .exit_signal = SIGCHLD };

	/* bits 32 and 33 are CLONE_CLEAR_SIGHAND and CLONE_INTO_CGROUP */
	a.flags = 1ull << 34;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	a.flags = 1ull << 63;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	/* a signal number in the flags, or CLONE_DETACHED */
	a.flags = SIGCHLD;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	a.flags = CLONE_DETACHED;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	/* CLONE_SIGHAND needs CLONE_VM, CLONE_THREAD needs CLONE_SIGHAND */
	a.flags = CLONE_SIGHAND;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	a.flags = CLONE_THREAD | CLONE_VM, a.exit_signal = 0;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
}

static void
c_exit_signal(void)
{
	struct clone_args a = { 0 };

	a.exit_signal = 0x100;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	a.exit_signal = 65;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	a.exit_signal = 1ull << 40 | SIGCHLD;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	/* no exit signal with CLONE_THREAD or CLONE_PARENT */
	a.exit_signal = SIGCHLD;
	a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	a.flags = CLONE_PARENT;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
}

static void
c_stack_mismatch(void)
{
	static char stack[8192];
	struct clone_args a = { .exit_signal = SIGCHLD };

	a.stack = (uintptr_t)stack;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	a.stack = 0, a.stack_size = sizeof(stack);
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
}

static volatile int vm_shared;

/*
 * The CLONE_VM child: it shares the parent's memory and its thread
 * pointer, so it touches no libc state, just memory and the exit call.
 */
static void __attribute__((__noreturn__, __used__))
vm_child(void)
{
	vm_shared = 0x5a5a;
	__asm__ volatile("syscall" : : "a"(60L), "D"(7L) : "memory");
	for (;;)
		continue;
}

/*
 * clone3 whose child starts on the new stack in vm_child: the child must
 * not return into this frame, which belongs to the parent.
 */
static long
clone3_vm(struct clone_args *a)
{
	register void (*fn)(void) __asm__("r12") = vm_child;
	long ret;

	__asm__ volatile(
	    "syscall\n\t"
	    "testq %%rax, %%rax\n\t"
	    "jnz 1f\n\t"
	    "xorl %%ebp, %%ebp\n\t"
	    "call *%%r12\n\t"
	    "hlt\n"
	    "1:"
	    : "=a"(ret)
	    : "0"((long)NR_clone3), "D"(a), "S"(sizeof(*a)), "r"(fn)
	    : "rcx", "r11", "memory");
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

static void
c_vfork_vm(void)
{
	struct clone_args a = { .exit_signal = SIGCHLD };
	uint32_t ptid = 0;
	size_t size = 64 * 1024;
	char *stack;
	long pid;

	stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(stack != MAP_FAILED);
	a.flags = CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID;
	a.parent_tid = (uintptr_t)&ptid;
	a.stack = (uintptr_t)stack;
	a.stack_size = size;
	vm_shared = 0;
	pid = clone3_vm(&a);
	CHECK(pid > 0);
	/* CLONE_VFORK: the child has run and exited by now */
	CHECK_EQ(vm_shared, 0x5a5a);
	CHECK_EQ(ptid, pid);
	wait_child(pid, 7);
}

static void
c_efault(void)
{
	CHECK_ERR(clone3(unmapped(), 64), EFAULT);
	CHECK_ERR(clone3(NULL, 64), EFAULT);
}

/*
 * An unreadable set_tid array: EFAULT, for Linux copies it in with the
 * structure, before the checks of flags and stack (here a stack_size
 * without a stack, EINVAL once the array is readable).
 */
static void
c_set_tid_efault(void)
{
	struct clone_args a = { .exit_signal = SIGCHLD, .set_tid_size = 1 };

	a.set_tid = (uintptr_t)unmapped();
	CHECK_ERR(clone3(&a, sizeof(a)), EFAULT);
	a.stack_size = 4096;
	CHECK_ERR(clone3(&a, sizeof(a)), EFAULT);
}

/*
 * CLONE_PIDFD: a close-on-exec pidfd of the child, its number stored at
 * pidfd before the child runs; it polls readable once the child exits.
 */
static void
c_pidfd(void)
{
	struct clone_args a = { .flags = CLONE_PIDFD, .exit_signal = SIGCHLD };
	struct pollfd p = { -1, POLLIN, 0 };
	int pidfd = -1, go[2];
	long pid;
	char b;

	CHECK(pipe(go) == 0);
	a.pidfd = (uintptr_t)&pidfd;
	pid = syscall(NR_clone3, &a, sizeof(a));
	if (pid == 0) {
		(void)read(go[0], &b, 1);
		_exit(CHILD_STATUS);
	}
	CHECK(pid > 0);
	CHECK(pidfd >= 0);
	CHECK_EQ(fcntl(pidfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	p.fd = pidfd;
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_RET(syscall(NR_pidfd_send_signal, pidfd, 0, NULL, 0), 0);
	CHECK(write(go[1], "x", 1) == 1);
	CHECK_EQ(poll(&p, 1, 10000), 1);
	CHECK(p.revents & POLLIN);
	wait_child(pid, CHILD_STATUS);
	CHECK_ERR(syscall(NR_pidfd_send_signal, pidfd, 0, NULL, 0), ESRCH);
	close(pidfd);
}

/* A vfork child: the pidfd is there when the parent goes on. */
static void
c_pidfd_vfork(void)
{
	struct clone_args a = { .flags = CLONE_PIDFD | CLONE_VFORK,
	    .exit_signal = SIGCHLD };
	struct pollfd p = { -1, POLLIN, 0 };
	int pidfd = -1;
	long pid;

	a.pidfd = (uintptr_t)&pidfd;
	pid = syscall(NR_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(CHILD_STATUS);
	CHECK(pid > 0);
	CHECK(pidfd >= 0);
	p.fd = pidfd;
	/* the child has exited: a zombie until waited for */
	CHECK_EQ(poll(&p, 1, 10000), 1);
	CHECK(p.revents & POLLIN);
	wait_child(pid, CHILD_STATUS);
	close(pidfd);
}

/*
 * The number is stored before the child is made: an unwritable place is
 * EFAULT, and no child is made; at the parent TID's address, EINVAL.
 */
static void
c_pidfd_refused(void)
{
	struct clone_args a = { .flags = CLONE_PIDFD, .exit_signal = SIGCHLD };
	int fd, ptid;

	a.pidfd = (uintptr_t)unmapped();
	CHECK_ERR(clone3(&a, sizeof(a)), EFAULT);
	CHECK_ERR(waitpid(-1, NULL, WNOHANG), ECHILD);
	/* no descriptor was left behind: the next one is the lowest free */
	CHECK((fd = dup(0)) >= 0);
	close(fd);
	a.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
	a.pidfd = a.parent_tid = (uintptr_t)&ptid;
	CHECK_ERR(clone3(&a, sizeof(a)), EINVAL);
	CHECK((fd = dup(0)) >= 0 && fd <= 3);
	close(fd);
}

static const struct tcase cases[] = {
	CASE(fork_like),
	CASE(size_small),
	CASE(size_big),
	CASE(nonzero_tail),
	CASE(bad_flags),
	CASE(exit_signal),
	CASE(stack_mismatch),
	CASE(vfork_vm),
	CASE(efault),
	CASE(set_tid_efault),
	CASE(pidfd),
	CASE(pidfd_vfork),
	CASE(pidfd_refused),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
