/*
 * process_vm_writev(2), Linux call 311: the caller's memory written into
 * another process's, in order across both vectors; the bytes before the
 * first fault, a read-only page of the target never forced; the checks in
 * Linux's order; ESRCH; EPERM as ptrace's attach, as an unprivileged user
 * too; the caller's own memory.
 */
#include <sys/uio.h>

#include "h_common.h"
#include "h_procmem.h"

static long
writev_pid(pid_t pid, const struct iovec *l, unsigned long ln,
    const struct iovec *r, unsigned long rn, unsigned long flags)
{
	return syscall(NR_process_vm_writev, pid, l, ln, r, rn, flags);
}

static long
readv_pid(pid_t pid, const struct iovec *l, const struct iovec *r)
{
	return syscall(NR_process_vm_readv, pid, l, 1UL, r, 1UL, 0UL);
}

static void
fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 13 + seed);
}

/* The child checks what arrived and says so in its exit status. */
static unsigned char target[3 * 4096];

static void
c_write_child(void)
{
	unsigned char src[sizeof(target)];
	struct iovec l = { src, sizeof(src) }, r = { target, sizeof(target) };
	struct child c;
	int status;

	fill(src, sizeof(src), 5);
	child_start(&c, NULL);
	if (c.pid == 0) {
		memset(target, 0, sizeof(target));
		child_ready_then(&c);
		_exit(memcmp(target, src, sizeof(target)) == 0 ? 0 : 1);
	}
	CHECK_RET(writev_pid(c.pid, &l, 1, &r, 1, 0), sizeof(target));
	close(c.done[1]);
	CHECK(waitpid(c.pid, &status, 0) == c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Both vectors cut in different places; read back with readv. */
static void
c_vectors(void)
{
	static unsigned char src[9000], back[8000], want[8000];
	struct iovec l[4] = { { src, 10 }, { src + 10, 0 }, { src + 100, 6000 },
	    { src + 8000, 1000 } };
	struct iovec r[3] = { { target + 5, 4000 }, { NULL, 0 },
	    { target + 6000, 4000 } };
	struct iovec all = { target, 8000 }, got = { back, 8000 };
	struct child c;

	fill(src, sizeof(src), 6);
	child_start(&c, NULL);
	if (c.pid == 0) {
		memset(target, 0, sizeof(target));
		child_ready(&c);
	}
	CHECK_RET(writev_pid(c.pid, l, 4, r, 3, 0), 7010);
	CHECK_RET(readv_pid(c.pid, &got, &all), 8000);
	memset(want, 0, sizeof(want));
	memcpy(want + 5, src, 10);
	memcpy(want + 15, src + 100, 3990);
	memcpy(want + 6000, src + 4090, 2000);
	CHECK(memcmp(back, want, sizeof(want)) == 0);
	child_end(&c);
}

/* The child's pages: 0 writable, 1 read-only, 2 a hole. */
static void
c_partial_remote(void)
{
	unsigned char src[3 * 4096], *p;
	struct iovec l = { src, sizeof(src) }, r, rr[2];
	struct child c;

	p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	fill(src, sizeof(src), 7);
	child_start(&c, NULL);
	if (c.pid == 0) {
		CHECK(mprotect(p + 4096, 4096, PROT_READ) == 0);
		CHECK(munmap(p + 2 * 4096, 4096) == 0);
		child_ready(&c);
	}
	/* Up to the read-only page, which is not forced. */
	r = (struct iovec){ p + 100, 2 * 4096 };
	CHECK_RET(writev_pid(c.pid, &l, 1, &r, 1, 0), 4096 - 100);
	CHECK_ERR(writev_pid(c.pid, &l, 1, &(struct iovec){ p + 4096, 8 }, 1,
	    0), EFAULT);
	/* Across elements, and a hole. */
	rr[0] = (struct iovec){ p, 10 };
	rr[1] = (struct iovec){ p + 2 * 4096, 10 };
	CHECK_RET(writev_pid(c.pid, &l, 1, rr, 2, 0), 10);
	CHECK_ERR(writev_pid(c.pid, &l, 1, &rr[1], 1, 0), EFAULT);
	child_end(&c);
}

static void
c_partial_local(void)
{
	unsigned char *mine;
	struct iovec l, r = { target, 200 }, ll[2];
	struct child c;

	mine = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(mine != MAP_FAILED);
	CHECK(munmap(mine + 4096, 4096) == 0);
	child_start(&c, NULL);
	if (c.pid == 0)
		child_ready(&c);
	/* From a buffer that runs into an unmapped page: the bytes before. */
	l = (struct iovec){ mine + 4096 - 40, 100 };
	CHECK_RET(writev_pid(c.pid, &l, 1, &r, 1, 0), 40);
	ll[0] = (struct iovec){ mine, 60 };
	ll[1] = (struct iovec){ mine + 4096, 60 };
	CHECK_RET(writev_pid(c.pid, ll, 2, &r, 1, 0), 60);
	CHECK_ERR(writev_pid(c.pid, &ll[1], 1, &r, 1, 0), EFAULT);
	child_end(&c);
}

static void
c_checks(void)
{
	argument_checks(NR_process_vm_writev);
}

/* The caller's own memory: no permission needed, a copy within it. */
static void
c_self(void)
{
	char from[32] = "copied within the process", to[32];
	struct iovec l = { from, 32 }, r = { to, 32 };

	memset(to, 0, sizeof(to));
	CHECK_RET(writev_pid(getpid(), &l, 1, &r, 1, 0), 32);
	CHECK(strcmp(to, "copied within the process") == 0);
}

/* As nobody: root's process (the parent) is refused, and left alone. */
static void
c_eperm_unprivileged(void)
{
	static char mine[16] = "root's";
	char evil[16] = "nobody's";
	struct iovec l = { evil, 16 }, r = { mine, 16 };
	pid_t parent = getpid(), pid;
	int status;

	need_root();
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		become_nobody();
		CHECK_ERR(writev_pid(parent, &l, 1, &r, 1, 0), EPERM);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strcmp(mine, "root's") == 0);
}

static void
c_same_user_after_exec(void)
{
	need_root();
	same_user_after_exec(NR_process_vm_writev);
}

static const struct tcase cases[] = {
	CASE(write_child),
	CASE(vectors),
	CASE(partial_remote),
	CASE(partial_local),
	CASE(checks),
	CASE(self),
	CASE(eperm_unprivileged),
	CASE(same_user_after_exec),
};

int
main(int argc, char **argv)
{
	procmem_probe(argc, argv);
	return RUN_CASES(cases);
}
