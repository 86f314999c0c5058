/*
 * mlock2(2), Linux call 325: flags 0 or MLOCK_ONFAULT (EINVAL otherwise),
 * the pages of the range locked (VmLck, where /proc has it), the errors of
 * mlock(2) in Linux's order: EPERM with a limit of 0, ENOMEM past the
 * limit or for an unmapped page, EINVAL for a range that wraps.
 */
#include <sys/resource.h>

#include "h_common.h"

/* MLOCK_ONFAULT (1) from <sys/mman.h>, as Linux's. */
static long
sys_mlock2(const void *addr, unsigned long len, long flags)
{
	return syscall(NR_mlock2, addr, len, flags);
}

/* The kilobytes the process has locked: VmLck, or -1 without it. */
static long
vmlck(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmLck: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static long
need_vmlck(void)
{
	long kb = vmlck();

	if (kb < 0)
		skip("no VmLck in /proc/self/status to tell what is locked");
	return kb;
}

/* n pages, the middle one unmapped if hole. */
static char *
pages(int n, int hole)
{
	char *p;

	p = mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (hole)
		CHECK(munmap(p + n / 2 * 4096, 4096) == 0);
	return p;
}

/* Runs f in a child that is nobody, with RLIMIT_MEMLOCK at limit. */
static void
as_nobody(rlim_t limit, void (*f)(void))
{
	struct rlimit rl = { limit, limit };
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip("needs root, to become another user");
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
		become_nobody();
		f();
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Two pages and a byte from an offset: the three pages they touch. */
static void
c_locks_pages(void)
{
	char *p = pages(4, 0);
	long before = need_vmlck();

	CHECK_RET(sys_mlock2(p + 100, 2 * 4096 + 1, 0), 0);
	CHECK_EQ(vmlck() - before, 12);
	/* Again: counted once. */
	CHECK_RET(sys_mlock2(p, 3 * 4096, 0), 0);
	CHECK_EQ(vmlck() - before, 12);
	CHECK(munlock(p, 4 * 4096) == 0);
	CHECK_EQ(vmlck(), before);
}

static void
c_onfault_locks(void)
{
	char *p = pages(4, 0);
	long before = need_vmlck();

	CHECK_RET(sys_mlock2(p, 4 * 4096, MLOCK_ONFAULT), 0);
	CHECK_EQ(vmlck() - before, 16);
	CHECK(munlock(p, 4 * 4096) == 0);
}

/* Linux brings in no page with MLOCK_ONFAULT: none is resident. */
static void
c_onfault_leaves_pages_out(void)
{
	char *p = pages(4, 0);
	unsigned char vec[4];

	CHECK_RET(sys_mlock2(p, 4 * 4096, MLOCK_ONFAULT), 0);
	CHECK(mincore(p, 4 * 4096, vec) == 0);
	CHECK_EQ(vec[0] | vec[1] | vec[2] | vec[3], 0);
	/* Without it, every page is brought in. */
	CHECK_RET(sys_mlock2(p, 4 * 4096, 0), 0);
	CHECK(mincore(p, 4 * 4096, vec) == 0);
	CHECK_EQ(vec[0] & vec[1] & vec[2] & vec[3] & 1, 1);
	CHECK(munlock(p, 4 * 4096) == 0);
}

static void
c_bad_flags(void)
{
	char *p = pages(1, 0);

	CHECK_ERR(sys_mlock2(p, 4096, 2), EINVAL);
	CHECK_ERR(sys_mlock2(p, 4096, 3), EINVAL);
	CHECK_ERR(sys_mlock2(p, 4096, -1), EINVAL);
	CHECK_ERR(sys_mlock2(p, 4096, 0x80000000L), EINVAL);
	/* Only the int: the upper half is not the argument. */
	CHECK_RET(sys_mlock2(p, 4096, 1L << 32), 0);
	CHECK(munlock(p, 4096) == 0);
}

static void
c_unmapped(void)
{
	char *p = pages(3, 1);

	CHECK_ERR(sys_mlock2(p, 3 * 4096, 0), ENOMEM);
	CHECK_ERR(sys_mlock2(p + 4096, 1, 0), ENOMEM);
	/* Nothing to lock: 0, unless the start is not page-aligned. */
	CHECK_RET(sys_mlock2(p + 4096, 0, 0), 0);
	CHECK_ERR(sys_mlock2(p + 4096 + 1, 0, 0), ENOMEM);
	CHECK_ERR(sys_mlock2((void *)0xffff800000000000UL, 4096, 0), ENOMEM);
	CHECK_ERR(sys_mlock2(NULL, 4096, 0), ENOMEM);
}

/* As root (no limit applies): lengths that wrap around. */
static void
c_wrap(void)
{
	char *p = pages(1, 0);

	if (geteuid() != 0)
		skip("needs root: past the limit, an unprivileged caller is refused first");
	/* Rounded up to a page, SIZE_MAX wraps to nothing at all. */
	CHECK_RET(sys_mlock2(p, (unsigned long)-1, 0), 0);
	CHECK_ERR(sys_mlock2(p, (unsigned long)-1 - 8192, 0), EINVAL);
	CHECK_ERR(sys_mlock2((void *)-4096L, 4096, 0), EINVAL);
}

static void
limit_zero(void)
{
	char *p = pages(1, 0);

	CHECK_ERR(sys_mlock2(p, 4096, 0), EPERM);
	CHECK_ERR(sys_mlock2(p, 0, 0), EPERM);
	CHECK_ERR(sys_mlock2(p, 4096, 2), EINVAL);
}

/* A limit of 0: EPERM, for nothing to lock too; flags come first. */
static void
c_eperm_limit_zero(void)
{
	as_nobody(0, limit_zero);
}

static void
limit_page(void)
{
	char *p = pages(3, 0);

	CHECK_ERR(sys_mlock2(p, 2 * 4096, 0), ENOMEM);
	CHECK_RET(sys_mlock2(p, 4096, 0), 0);
	CHECK(munlock(p, 4096) == 0);
}

/* Past the limit: ENOMEM; within it: locked. */
static void
c_enomem_past_limit(void)
{
	as_nobody(4096, limit_page);
}

/* Root may go past its limit on Linux (CAP_IPC_LOCK). */
static void
c_root_past_limit(void)
{
	struct rlimit rl = { 0, 0 };
	char *p = pages(1, 0);
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip("needs root");
	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
		CHECK_RET(sys_mlock2(p, 4096, 0), 0);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static const struct tcase cases[] = {
	CASE(locks_pages),
	CASE(onfault_locks),
	CASE(onfault_leaves_pages_out),
	CASE(bad_flags),
	CASE(unmapped),
	CASE(wrap),
	CASE(eperm_limit_zero),
	CASE(enomem_past_limit),
	CASE(root_past_limit),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
