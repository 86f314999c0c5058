/*
 * getcpu(2), Linux call 309: the CPU and node of the caller, written to
 * each non-NULL pointer; tcache ignored; EFAULT after both writes tried.
 */
#include "h_common.h"

#include <sched.h>

#define SENTINEL 0xdeadbeefu

static long
getcpu(void *cpu, void *node, void *tcache)
{
	return syscall(NR_getcpu, cpu, node, tcache);
}

/*
 * A thread whose affinity changed may move at its next context switch
 * (NetBSD) rather than before the call returns (Linux): sleep once.
 */
static void
settle(void)
{
	sleep_ms(2);
}

/* Pins the caller to the first CPU it may run on; returns that CPU. */
static int
pin_one(void)
{
	cpu_set_t set;
	int c;

	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	for (c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		CPU_ZERO(&set);
		CPU_SET(c, &set);
		if (sched_setaffinity(0, sizeof(set), &set) == -1)
			skip("sched_setaffinity is not available");
		settle();
		return c;
	}
	fail_at(__LINE__, "no CPU in the affinity mask");
}

/* Whether *p still holds SENTINEL. */
static int
untouched(const unsigned *p)
{
	return *p == SENTINEL;
}

static void
c_pinned(void)
{
	cpu_set_t all, one;
	unsigned cpu, node;
	int c, n = 0;

	/* Every CPU the process may use, in turn. */
	CHECK(sched_getaffinity(0, sizeof(all), &all) == 0);
	for (c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == -1)
			skip("sched_setaffinity is not available");
		settle();
		cpu = node = SENTINEL;
		CHECK_RET(getcpu(&cpu, &node, NULL), 0);
		CHECK_EQ(cpu, c);
		CHECK(!untouched(&node));
		n++;
	}
	CHECK(n >= 1);
}

static void
c_cpu_only(void)
{
	unsigned cpu = SENTINEL;
	int c = pin_one();

	CHECK_RET(getcpu(&cpu, NULL, NULL), 0);
	CHECK_EQ(cpu, c);
}

static void
c_node_only(void)
{
	unsigned cpu = SENTINEL, node = SENTINEL, node2 = SENTINEL;

	pin_one();
	CHECK_RET(getcpu(NULL, &node, NULL), 0);
	CHECK(!untouched(&node));
	CHECK_RET(getcpu(&cpu, &node2, NULL), 0);
	CHECK_EQ(node, node2);
}

/* The node is the one Linux's sysfs lists for the CPU (0 without NUMA). */
static void
c_node_of_cpu(void)
{
	unsigned cpu, node = SENTINEL;
	char path[64];
	int c, n, want = 0;

	c = pin_one();
	for (n = 0; n < 1024; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d",
		    c, n);
		if (access(path, F_OK) == 0) {
			want = n;
			break;
		}
	}
	CHECK_RET(getcpu(&cpu, &node, NULL), 0);
	CHECK_EQ(cpu, c);
	CHECK_EQ(node, want);
}

static void
c_all_null(void)
{
	CHECK_RET(getcpu(NULL, NULL, NULL), 0);
}

/* tcache is not used at all, so even an unmapped one does not matter. */
static void
c_tcache_ignored(void)
{
	unsigned cpu = SENTINEL;
	int c = pin_one();

	CHECK_RET(getcpu(&cpu, NULL, unmapped()), 0);
	CHECK_EQ(cpu, c);
}

/* A bad cpu pointer: EFAULT, and node is written all the same. */
static void
c_efault_cpu(void)
{
	unsigned node = SENTINEL;

	pin_one();
	CHECK_ERR(getcpu(unmapped(), &node, NULL), EFAULT);
	CHECK(!untouched(&node));
}

/* A bad node pointer: EFAULT, and cpu is written all the same. */
static void
c_efault_node(void)
{
	unsigned cpu = SENTINEL;
	int c = pin_one();

	CHECK_ERR(getcpu(&cpu, unmapped(), NULL), EFAULT);
	CHECK_EQ(cpu, c);
}

/* A read-only page is as bad as an unmapped one. */
static void
c_efault_readonly(void)
{
	unsigned *p;

	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK_ERR(getcpu(p, NULL, NULL), EFAULT);
	CHECK_EQ(*p, 0);
}

static const struct tcase cases[] = {
	CASE(pinned),
	CASE(cpu_only),
	CASE(node_only),
	CASE(node_of_cpu),
	CASE(all_null),
	CASE(tcache_ignored),
	CASE(efault_cpu),
	CASE(efault_node),
	CASE(efault_readonly),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
