/*
 * process_vm_readv(2), Linux call 310: another process's memory read into
 * the caller's, in order across both vectors; the bytes before the first
 * fault (EFAULT only for none); flags, counts, lengths and arrays checked
 * in Linux's order; ESRCH; EPERM as ptrace's attach, as an unprivileged
 * user too; a thread's ID.
 */
#include <pthread.h>
#include <sys/uio.h>

#include "h_common.h"
#include "h_procmem.h"

static long
readv_pid(pid_t pid, const struct iovec *l, unsigned long ln,
    const struct iovec *r, unsigned long rn, unsigned long flags)
{
	return syscall(NR_process_vm_readv, pid, l, ln, r, rn, flags);
}

/* A child's data: "page", three pages of a pattern, set after the fork. */
static void
fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static void
c_read_child(void)
{
	static unsigned char data[3 * 4096], buf[3 * 4096];
	struct iovec l = { buf, sizeof(buf) }, r = { data, sizeof(data) };
	struct child c;

	child_start(&c, NULL);
	if (c.pid == 0) {
		fill(data, sizeof(data), 1);
		child_ready(&c);
	}
	CHECK_RET(readv_pid(c.pid, &l, 1, &r, 1, 0), sizeof(data));
	fill(data, sizeof(data), 1);	/* what the child holds */
	CHECK(memcmp(buf, data, sizeof(data)) == 0);
	child_end(&c);
}

/* Both vectors cut in different places, empty elements skipped. */
static void
c_vectors(void)
{
	static unsigned char data[20000], buf[20000], want[20000];
	struct iovec r[4] = { { data + 100, 0 }, { data + 10, 5000 },
	    { NULL, 0 }, { data + 9000, 7000 } };
	struct iovec l[5] = { { buf, 3 }, { buf + 3, 0 }, { buf + 3, 9000 },
	    { buf + 9003, 1000 }, { buf + 19000, 1000 } };
	struct child c;

	child_start(&c, NULL);
	if (c.pid == 0) {
		fill(data, sizeof(data), 2);
		child_ready(&c);
	}
	/* 12000 bytes to read, 11003 places to put them: the shorter wins. */
	CHECK_RET(readv_pid(c.pid, l, 5, r, 4, 0), 11003);
	fill(want, sizeof(want), 2);
	CHECK(memcmp(buf, want + 10, 3) == 0);
	CHECK(memcmp(buf + 3, want + 13, 4997) == 0);
	CHECK(memcmp(buf + 5000, want + 9000, 4003) == 0);
	CHECK(memcmp(buf + 9003, want + 13003, 1000) == 0);
	CHECK(memcmp(buf + 19000, want + 14003, 1000) == 0);
	child_end(&c);
}

/* The child's pages: 0 and 1 readable, 2 a hole, 3 readable, 4 PROT_NONE. */
static void
faulty_child(struct child *c, unsigned char **pages)
{
	unsigned char *p;

	p = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	*pages = p;
	child_start(c, NULL);
	if (c->pid == 0) {
		fill(p, 5 * 4096, 3);
		CHECK(munmap(p + 2 * 4096, 4096) == 0);
		CHECK(mprotect(p + 4 * 4096, 4096, PROT_NONE) == 0);
		child_ready(c);
	}
}

static void
c_partial_remote(void)
{
	static unsigned char buf[5 * 4096];
	unsigned char *p, want[4096];
	struct iovec l = { buf, sizeof(buf) }, r;
	struct iovec rr[2];
	struct child c;

	faulty_child(&c, &p);
	fill(want, sizeof(want), 3);
	/* From page 1 on: the rest of page 1, then the hole. */
	r = (struct iovec){ p + 4096 + 100, 3 * 4096 };
	CHECK_RET(readv_pid(c.pid, &l, 1, &r, 1, 0), 4096 - 100);
	/* Page 3 up to the PROT_NONE page. */
	r = (struct iovec){ p + 3 * 4096 + 5, 2 * 4096 };
	CHECK_RET(readv_pid(c.pid, &l, 1, &r, 1, 0), 4096 - 5);
	/* Across elements: the first whole, the second up to the hole. */
	rr[0] = (struct iovec){ p, 10 };
	rr[1] = (struct iovec){ p + 2 * 4096 - 20, 100 };
	CHECK_RET(readv_pid(c.pid, &l, 1, rr, 2, 0), 30);
	/* Nothing readable at all: EFAULT. */
	r = (struct iovec){ p + 2 * 4096 + 1, 10 };
	CHECK_ERR(readv_pid(c.pid, &l, 1, &r, 1, 0), EFAULT);
	r = (struct iovec){ p + 4 * 4096, 10 };
	CHECK_ERR(readv_pid(c.pid, &l, 1, &r, 1, 0), EFAULT);
	child_end(&c);
}

static void
c_partial_local(void)
{
	static unsigned char data[4096];
	unsigned char *mine;
	struct iovec r = { data, 200 }, l, ll[2];
	struct child c;

	mine = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mine != MAP_FAILED);
	CHECK(mprotect(mine + 4096, 4096, PROT_READ) == 0);
	child_start(&c, NULL);
	if (c.pid == 0) {
		fill(data, sizeof(data), 4);
		child_ready(&c);
	}
	/* Into a read-only page: the bytes before it. */
	l = (struct iovec){ mine + 4096 - 30, 100 };
	CHECK_RET(readv_pid(c.pid, &l, 1, &r, 1, 0), 30);
	CHECK(mine[4096 - 1] == (unsigned char)(29 * 7 + 4));
	/* A second element that cannot be written: the first one's bytes. */
	ll[0] = (struct iovec){ mine, 50 };
	ll[1] = (struct iovec){ mine + 4096, 50 };
	CHECK_RET(readv_pid(c.pid, ll, 2, &r, 1, 0), 50);
	/* One past the end of user space fails the call before anything. */
	memset(mine, 0, 50);
	ll[1] = (struct iovec){ (void *)0xffff800000000000UL, 50 };
	CHECK_ERR(readv_pid(c.pid, ll, 2, &r, 1, 0), EFAULT);
	CHECK(mine[0] == 0);
	child_end(&c);
}

static void
c_checks(void)
{
	argument_checks(NR_process_vm_readv);
}

static void
c_esrch(void)
{
	char buf[8];
	struct iovec l = { buf, 8 };
	siginfo_t info;
	pid_t pid;

	CHECK_ERR(readv_pid(0, &l, 1, &l, 1, 0), ESRCH);
	CHECK_ERR(readv_pid(-1, &l, 1, &l, 1, 0), ESRCH);
	CHECK_ERR(readv_pid(unused_pid(), &l, 1, &l, 1, 0), ESRCH);
	/* A child that has exited, not yet waited for. */
	CHECK((pid = fork()) >= 0);
	if (pid == 0)
		_exit(0);
	CHECK(waitid(P_PID, pid, &info, WEXITED | WNOWAIT) == 0);
	CHECK_ERR(readv_pid(pid, &l, 1, &l, 1, 0), ESRCH);
	CHECK(waitpid(pid, NULL, 0) == pid);
}

/* As nobody: root's process (the parent) is refused, its own memory not. */
static void
c_eperm_unprivileged(void)
{
	static char secret[16] = "root's";
	char buf[16];
	struct iovec l = { buf, 16 }, r = { secret, 16 };
	pid_t parent = getpid(), pid;
	int status;

	need_root();
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		become_nobody();
		CHECK_ERR(readv_pid(parent, &l, 1, &r, 1, 0), EPERM);
		CHECK_RET(readv_pid(getpid(), &l, 1, &r, 1, 0), 16);
		CHECK(strcmp(buf, "root's") == 0);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/*
 * As nobody: a child that became nobody too is refused while it has
 * changed IDs since its last exec (Linux: not dumpable; NetBSD:
 * PK_SUGID), and readable once it has executed a program.
 */
static void
c_same_user_after_exec(void)
{
	need_root();
	same_user_after_exec(NR_process_vm_readv);
}

static pid_t thread_tid;
static char thread_data[32] = "seen through a thread";

static void *
idle_thread(void *arg)
{
	struct child *c = arg;

	thread_tid = (pid_t)syscall(SYS_gettid);
	child_ready(c);
	for (;;)
		pause();
	return NULL;
}

/* A thread's ID reaches its process, as Linux finds a task. */
static void
c_thread_id(void)
{
	char buf[32];
	struct iovec l = { buf, sizeof(buf) }, r = { thread_data, 32 };
	struct child c;
	pthread_t t;
	pid_t tid;

	child_start(&c, &tid);
	if (c.pid == 0) {
		CHECK(pthread_create(&t, NULL, idle_thread, &c) == 0);
		for (;;)
			pause();
	}
	CHECK(tid != c.pid);
	CHECK_RET(readv_pid(tid, &l, 1, &r, 1, 0), 32);
	CHECK(strcmp(buf, "seen through a thread") == 0);
	child_end(&c);
}

static const struct tcase cases[] = {
	CASE(read_child),
	CASE(vectors),
	CASE(partial_remote),
	CASE(partial_local),
	CASE(checks),
	CASE(esrch),
	CASE(eperm_unprivileged),
	CASE(same_user_after_exec),
	CASE(thread_id),
};

int
main(int argc, char **argv)
{
	procmem_probe(argc, argv);
	return RUN_CASES(cases);
}
