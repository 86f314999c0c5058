/*
 * plant: runs a program on a Linux that answers one kind of call wrongly,
 * so that the differential fuzzer's own tests can check that it finds,
 * reports and reduces a difference (atf-tests/difffuzz).
 *
 *	plant NR ARG0 ERRNO PROGRAM [ARGS...]
 *
 * System call NR whose first argument has ARG0 in its low 32 bits fails
 * with ERRNO before the kernel looks at it, as a handler that checked one
 * condition too early would; every other call is the host's.  A seccomp
 * filter does it, inherited by PROGRAM.
 */
#include <sys/prctl.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long
number(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || *s == '\0') {
		fprintf(stderr, "plant: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	unsigned nr, arg0, err;

	if (argc < 5) {
		fprintf(stderr, "usage: plant NR ARG0 ERRNO PROGRAM [ARGS...]\n");
		return 2;
	}
	nr = (unsigned)number(argv[1]);
	arg0 = (unsigned)number(argv[2]);
	err = (unsigned)number(argv[3]) & SECCOMP_RET_DATA;

	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* The low half of the first argument (little-endian). */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arg0, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		fprintf(stderr, "plant: seccomp: %s\n", strerror(errno));
		return 2;
	}
	execv(argv[4], argv + 4);
	fprintf(stderr, "plant: %s: %s\n", argv[4], strerror(errno));
	return 2;
}
