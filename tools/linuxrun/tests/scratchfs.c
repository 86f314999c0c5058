/*
 * scratchfs.c DIR: the calls linuxrun routes, on a file system mounted at
 * DIR by the caller: syncfs, sync_file_range, and copy_file_range to and
 * from it across file systems (EXDEV).  Then every descriptor is closed,
 * the TAP output printed, and the program waits for a signal, so that the
 * caller can unmount DIR while linuxrun still runs: it must hold nothing
 * of the program's files after a call.
 *
 * Build: musl-gcc -static -o scratchfs scratchfs.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"

#define	NR_SYNC_FILE_RANGE	277
#define	NR_SYNCFS		306
#define	NR_COPY_FILE_RANGE	326
#define	L_SYNC_FILE_RANGE_WRITE	2

static long
sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
}

static int
open_or_exit(const char *name, int flags)
{
	int fd = open(name, flags, 0644);

	if (fd == -1) {
		perror(name);
		exit(2);
	}
	return fd;
}

int
main(int argc, char **argv)
{
	int there, here, dir, copy, status;

	if (argc != 2 || chdir(argv[1]) != 0) {
		fprintf(stderr, "usage: scratchfs DIR (a mount point)\n");
		return 2;
	}
	there = open_or_exit("file", O_RDWR | O_CREAT | O_TRUNC);
	check("write", write(there, "0123456789", 10), 10);
	dir = open_or_exit(".", O_RDONLY | O_DIRECTORY);
	here = open_or_exit("/proc/self/exe", O_RDONLY);
	copy = open_or_exit("copy", O_WRONLY | O_CREAT | O_TRUNC);
	check("syncfs on the scratch file system",
	    sys(NR_SYNCFS, there, 0, 0, 0, 0, 0), 0);
	check("syncfs of its root directory", sys(NR_SYNCFS, dir, 0, 0, 0, 0, 0),
	    0);
	check("sync_file_range", sys(NR_SYNC_FILE_RANGE, there, 0, 10,
	    L_SYNC_FILE_RANGE_WRITE, 0, 0), 0);
	check("copy_file_range from another file system: EXDEV",
	    sys(NR_COPY_FILE_RANGE, here, 0, there, 0, 10, 0), -EXDEV);
	check("copy_file_range within it", sys(NR_COPY_FILE_RANGE, there, 0,
	    copy, 0, 10, 0), 0);
	check("close", close(there) | close(here) | close(dir) | close(copy),
	    0);
	check("chdir out", chdir("/"), 0);
	status = tap_done();
	fflush(stdout);
	pause();
	return status;
}
