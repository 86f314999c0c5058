/*
 * semtimedop(2), Linux call 220: operations done, timeouts (EAGAIN after
 * at least the time given), IPC_NOWAIT, EINTR never restarted, EIDRM when
 * another process removes the set, and the argument checks.
 */
#include "h_common.h"

#include <pthread.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/time.h>

static int semid = -1;

static long
semtimedop_(int id, void *sops, unsigned nsops, void *timeout)
{
	return syscall(NR_semtimedop, id, sops, nsops, timeout);
}

static void
remove_set(void)
{
	if (semid != -1)
		semctl(semid, 0, IPC_RMID);
	semid = -1;
}

/* A private set of two semaphores with these values, removed at the end. */
static void
new_set(int v0, int v1)
{
	CHECK((semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600)) >= 0);
	cleanup_hook = remove_set;
	CHECK(semctl(semid, 0, SETVAL, v0) == 0);
	CHECK(semctl(semid, 1, SETVAL, v1) == 0);
}

static int
val(int n)
{
	return semctl(semid, n, GETVAL);
}

static void
c_success(void)
{
	struct sembuf ops[2] = { { 0, -1, 0 }, { 1, 2, 0 } };
	struct sembuf zero = { 0, 0, 0 };
	struct timespec ts = { 1, 0 };

	new_set(1, 0);
	CHECK_RET(semtimedop_(semid, ops, 2, &ts), 0);
	CHECK_EQ(val(0), 0);
	CHECK_EQ(val(1), 2);
	/* wait-for-zero on a zero semaphore, and a NULL timeout */
	CHECK_RET(semtimedop_(semid, &zero, 1, &ts), 0);
	CHECK_RET(semtimedop_(semid, &ops[1], 1, NULL), 0);
	CHECK_EQ(val(1), 4);
}

static void
c_nsops_zero(void)
{
	struct sembuf op = { 0, 1, 0 };
	struct timespec ts = { 1, 0 };

	new_set(0, 0);
	CHECK_ERR(semtimedop_(semid, &op, 0, &ts), EINVAL);
	CHECK_ERR(semtimedop_(semid, &op, 0, NULL), EINVAL);
	CHECK_EQ(val(0), 0);
}

/* More operations than SEMOPM allows (500 on Linux). */
static void
c_too_many(void)
{
	struct sembuf *ops;
	unsigned n = 100000;

	new_set(0, 0);
	CHECK((ops = calloc(n, sizeof(*ops))) != NULL);
	CHECK_ERR(semtimedop_(semid, ops, n, NULL), E2BIG);
}

/* Bad timeouts, on an operation that would have to wait. */
static void
c_bad_timeout(void)
{
	struct sembuf op = { 0, -1, 0 };
	struct timespec ts;

	new_set(0, 0);
	ts.tv_sec = -1, ts.tv_nsec = 0;
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EINVAL);
	ts.tv_sec = 0, ts.tv_nsec = -1;
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EINVAL);
	ts.tv_sec = 0, ts.tv_nsec = 1000000000;
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EINVAL);
	ts.tv_sec = 1, ts.tv_nsec = 999999999 + 1;
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EINVAL);
}

/* The wait ends with EAGAIN, after no less than the time given. */
static void
c_timeout_expires(void)
{
	struct sembuf op = { 0, -1, 0 };
	struct timespec ts = { 0, 300 * 1000000 };
	long long t0, dt;

	new_set(0, 0);
	t0 = now_ms();
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EAGAIN);
	dt = now_ms() - t0;
	if (dt < 300 || dt > 10000)
		fail_at(__LINE__, "waited %lld ms for a 300 ms timeout", dt);
	CHECK_EQ(val(0), 0);
	/* a zero timeout fails at once */
	ts.tv_nsec = 0;
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EAGAIN);
}

static void
c_nowait(void)
{
	struct sembuf op = { 0, -1, IPC_NOWAIT };
	struct sembuf zero = { 1, 0, IPC_NOWAIT };
	struct timespec ts = { 5, 0 };
	long long t0;

	new_set(0, 1);
	t0 = now_ms();
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EAGAIN);
	CHECK_ERR(semtimedop_(semid, &zero, 1, NULL), EAGAIN);
	CHECK(now_ms() - t0 < 2000);
	CHECK_EQ(val(0), 0);
	CHECK_EQ(val(1), 1);
}

/* A child posts the semaphore after 300 ms; a NULL timeout waits for it. */
static void
c_null_timeout_blocks(void)
{
	struct sembuf op = { 0, -1, 0 }, post = { 0, 1, 0 };
	long long t0, dt;
	pid_t pid;
	int status;

	new_set(0, 0);
	t0 = now_ms();
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		sleep_ms(300);
		_exit(semop(semid, &post, 1) == 0 ? 0 : 1);
	}
	CHECK_RET(semtimedop_(semid, &op, 1, NULL), 0);
	dt = now_ms() - t0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (dt < 300)
		fail_at(__LINE__, "returned after %lld ms, before the post", dt);
	CHECK_EQ(val(0), 0);
}

static volatile sig_atomic_t caught;

static void
on_alarm(int sig)
{
	(void)sig;
	caught++;
}

/* SIGALRM after 200 ms, with an SA_RESTART handler. */
static void
alarm_in_200ms(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 0 }, { 0, 200000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

/* A signal ends the wait with EINTR, SA_RESTART notwithstanding. */
static void
eintr(struct timespec *ts)
{
	struct sembuf op = { 0, -1, 0 };
	long long t0, dt;

	new_set(0, 0);
	t0 = now_ms();
	alarm_in_200ms();
	CHECK_ERR(semtimedop_(semid, &op, 1, ts), EINTR);
	dt = now_ms() - t0;
	CHECK_EQ(caught, 1);
	if (dt < 150 || dt > 8000)
		fail_at(__LINE__, "EINTR after %lld ms, the signal came at "
		    "200 ms", dt);
	CHECK_EQ(val(0), 0);
}

static void
c_eintr_timeout(void)
{
	struct timespec ts = { 10, 0 };

	eintr(&ts);
}

static void
c_eintr_null_timeout(void)
{
	eintr(NULL);
}

/* Another process removes the set while we wait: EIDRM. */
static void
c_eidrm(void)
{
	struct sembuf op = { 0, -1, 0 };
	struct timespec ts = { 10, 0 };
	long long t0, dt;
	pid_t pid;
	int status, id;

	new_set(0, 0);
	id = semid;
	t0 = now_ms();
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		sleep_ms(200);
		_exit(semctl(id, 0, IPC_RMID) == 0 ? 0 : 1);
	}
	CHECK_ERR(semtimedop_(id, &op, 1, &ts), EIDRM);
	dt = now_ms() - t0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	semid = -1;
	if (dt > 8000)
		fail_at(__LINE__, "EIDRM after %lld ms", dt);
	/* the set is gone for good */
	CHECK_ERR(semtimedop_(id, &op, 1, &ts), EINVAL);
}

static void
c_efault(void)
{
	struct sembuf op = { 0, 1, 0 };
	struct timespec ts = { 1, 0 };

	new_set(0, 0);
	CHECK_ERR(semtimedop_(semid, unmapped(), 1, &ts), EFAULT);
	CHECK_ERR(semtimedop_(semid, &op, 1, unmapped()), EFAULT);
	CHECK_EQ(val(0), 0);
}

/* A negative or unknown set id. */
static void
c_bad_semid(void)
{
	struct sembuf op = { 0, 1, 0 };
	struct timespec ts = { 1, 0 };

	new_set(0, 0);
	CHECK_ERR(semtimedop_(-1, &op, 1, &ts), EINVAL);
	op.sem_num = 2;
	CHECK_ERR(semtimedop_(semid, &op, 1, &ts), EFBIG);
	CHECK_EQ(val(0), 0);
}

/*
 * Linux's order (ipc/sem.c): the timeout copied in (EFAULT), too many
 * operations (E2BIG), the operations copied in (EFAULT), then a negative
 * set id (EINVAL), then the timeout's values (EINVAL).
 */
static void
c_check_order(void)
{
	struct sembuf op = { 0, 1, 0 };
	struct timespec bad = { -1, 0 };
	struct sembuf *ops;
	unsigned n = 100000;

	CHECK((ops = calloc(n, sizeof(*ops))) != NULL);
	CHECK_ERR(semtimedop_(-1, ops, n, unmapped()), EFAULT);
	CHECK_ERR(semtimedop_(-1, ops, n, &bad), E2BIG);
	CHECK_ERR(semtimedop_(-1, unmapped(), 1, &bad), EFAULT);
	CHECK_ERR(semtimedop_(-1, &op, 1, &bad), EINVAL);
	free(ops);
}

/*
 * A timed wait made with the stack pointer 128 bytes above a page nothing
 * is mapped at: the kernel must write nothing the call was not given, so
 * EAGAIN at the timeout, never EFAULT (nor anything overwritten below the
 * stack pointer).  From a small thread stack and from a signal stack.
 */
#define	LOW_STACK	(16 * 1024)
static char *low_bottom;		/* just above the unmapped page */
static long low_result, low_errno;

/* A stack of `size` bytes with an unmapped page below it. */
static char *
guarded_stack(size_t size)
{
	char *p;

	p = mmap(NULL, size + 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(mprotect(p, 4096, PROT_NONE) == 0);
	return p + 4096;
}

/* The system call itself, with no stack of its own. */
static inline long
semtimedop_inline(int id, void *sops, unsigned nsops, void *timeout)
{
	register long r10 __asm__("r10") = (long)timeout;
	long ret;

	__asm__ volatile ("syscall"
	    : "=a"(ret)
	    : "0"((long)NR_semtimedop), "D"((long)id), "S"(sops),
	      "d"((long)nsops), "r"(r10)
	    : "rcx", "r11", "memory");
	return ret;
}

static void __attribute__((__noinline__))
wait_low(void)
{
	struct sembuf ops[2] = { { 0, -1, 0 }, { 1, -1, 0 } };
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char *sp = __builtin_frame_address(0);
	volatile char *pad;
	long ret;

	/* Down to 128 bytes above the unmapped page, then the call. */
	pad = __builtin_alloca(sp - low_bottom - 128);
	pad[0] = 0;
	ret = semtimedop_inline(semid, ops, 2, &ts);
	low_result = ret < 0 ? -1 : ret;
	low_errno = ret < 0 ? -ret : 0;
}

static void *
low_thread(void *arg)
{
	(void)arg;
	wait_low();
	return NULL;
}

static void
check_low(void)
{
	if (low_result != -1 || low_errno != EAGAIN)
		fail_at(__LINE__, "semtimedop near the stack's end returned "
		    "%ld errno %ld (%s), expected -1 errno EAGAIN", low_result,
		    low_errno, strerror((int)low_errno));
	CHECK_EQ(val(0), 0);
}

static void
c_small_thread_stack(void)
{
	pthread_attr_t attr;
	pthread_t t;

	new_set(0, 0);
	low_bottom = guarded_stack(LOW_STACK);
	CHECK(pthread_attr_init(&attr) == 0);
	CHECK(pthread_attr_setstack(&attr, low_bottom, LOW_STACK) == 0);
	CHECK(pthread_create(&t, &attr, low_thread, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	check_low();
}

static void
on_low_signal(int sig)
{
	(void)sig;
	wait_low();
}

static void
c_signal_stack(void)
{
	struct sigaction sa = { .sa_handler = on_low_signal,
	    .sa_flags = SA_ONSTACK };
	stack_t ss = { .ss_size = LOW_STACK };

	new_set(0, 0);
	ss.ss_sp = low_bottom = guarded_stack(LOW_STACK);
	CHECK(sigaltstack(&ss, NULL) == 0);
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	CHECK(raise(SIGUSR2) == 0);
	check_low();
}

static const struct tcase cases[] = {
	CASE(success),
	CASE(nsops_zero),
	CASE(too_many),
	CASE(bad_timeout),
	CASE(timeout_expires),
	CASE(nowait),
	CASE(null_timeout_blocks),
	CASE(eintr_timeout),
	CASE(eintr_null_timeout),
	CASE(eidrm),
	CASE(efault),
	CASE(bad_semid),
	CASE(check_order),
	CASE(small_thread_stack),
	CASE(signal_stack),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
