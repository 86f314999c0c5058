/*
 * tap.h: the TAP output the linuxrun test programs share: one line per
 * check, the plan at the end, exit status 0 only if every check passed.
 */
#ifndef TAP_H
#define TAP_H

#include <stdio.h>

static int checks, failures;

static void
check(const char *what, long got, long want)
{

	checks++;
	if (got == want) {
		printf("ok %d - %s\n", checks, what);
	} else {
		failures++;
		printf("not ok %d - %s: got %ld, want %ld\n", checks, what,
		    got, want);
	}
}

/* Prints the plan; the program's exit status. */
static int
tap_done(void)
{

	printf("1..%d\n", checks);
	return failures == 0 ? 0 : 1;
}

#endif /* TAP_H */
