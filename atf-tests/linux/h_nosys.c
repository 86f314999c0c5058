/*
 * Linux system call numbers that nothing implements: Linux answers ENOSYS
 * for a number it does not assign; NetBSD's Linux emulation, for an empty
 * slot of its table, with the module's record of unimplemented calls in
 * between.  No signal either way (NetBSD's native sys_nosys would post
 * SIGSYS).
 */
#include "h_common.h"

#include <signal.h>

/* Unassigned on amd64: in the gap 335-423, and the table's last slot. */
static const long unassigned[] = { 400, 511 };

static void
on_sigsys(int sig)
{
	(void)sig;
	fail_at(__LINE__, "SIGSYS");
}

static void
c_unassigned(void)
{
	size_t i;

	CHECK(signal(SIGSYS, on_sigsys) != SIG_ERR);
	for (i = 0; i < sizeof(unassigned) / sizeof(unassigned[0]); i++) {
		/* Arguments do not matter: junk in every register. */
		CHECK_ERR(syscall(unassigned[i], -1L, 0x1234L, ~0L, 7L, 8L, 9L),
		    ENOSYS);
		CHECK_ERR(syscall(unassigned[i]), ENOSYS);
	}
}

static const struct tcase cases[] = {
	CASE(unassigned),
};

int
main(int argc, char **argv)
{
	return RUN_CASES(cases);
}
