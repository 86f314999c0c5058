/*
 * callcost.c: the time of one system call, for `make bench`: run natively
 * on Linux and through linuxrun, it gives the cost of a routed call against
 * a native one.  Prints "NAME NS" (nanoseconds per call) for getcpu,
 * faccessat2 of ".", and copy_file_range of 0 bytes (copy_file_range-0-bytes).
 *
 * Build: musl-gcc -static -o callcost callcost.c
 * Usage: callcost [CALLS]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define	NR_GETCPU		309
#define	NR_COPY_FILE_RANGE	326
#define	NR_FACCESSAT2		439

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 10000, i;
	unsigned cpu, node;
	int fd = open("/proc/self/exe", O_RDONLY);
	double start;

	if (calls <= 0 || fd == -1)
		return 2;
	start = now_ns();
	for (i = 0; i < calls; i++)
		syscall(NR_GETCPU, &cpu, &node, NULL);
	printf("getcpu %.0f\n", (now_ns() - start) / calls);
	start = now_ns();
	for (i = 0; i < calls; i++)
		syscall(NR_FACCESSAT2, AT_FDCWD, ".", F_OK, 0);
	printf("faccessat2 %.0f\n", (now_ns() - start) / calls);
	start = now_ns();
	for (i = 0; i < calls; i++)
		syscall(NR_COPY_FILE_RANGE, fd, NULL, fd, NULL, 0, 0);
	printf("copy_file_range-0-bytes %.0f\n", (now_ns() - start) / calls);
	return 0;
}
