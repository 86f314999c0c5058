/*
 * routed.c: raw Linux system calls that linuxrun routes to the module
 * (getcpu, syncfs, sync_file_range, faccessat2, renameat2,
 * copy_file_range), with the results Linux gives.  It passes on Linux
 * itself, the reference, and must pass through linuxrun.  Prints one TAP
 * line per check; exits 0 if every check passed.
 *
 * Build: musl-gcc -static -o routed routed.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tap.h"

/* Linux x86-64 numbers, for C libraries whose headers predate them. */
#define	NR_SYNC_FILE_RANGE	277
#define	NR_SYNCFS		306
#define	NR_GETCPU		309
#define	NR_RENAMEAT2		316
#define	NR_COPY_FILE_RANGE	326
#define	NR_FACCESSAT2		439
#define	L_RENAME_NOREPLACE	1
#define	L_AT_EMPTY_PATH		0x1000
#define	L_SYNC_FILE_RANGE_WRITE	2


/* A raw system call: its result, or minus its errno. */
static long
sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
}

static int
make_file(const char *name, const char *text, size_t len)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd == -1 || write(fd, text, len) != (ssize_t)len) {
		perror(name);
		exit(2);
	}
	return fd;
}

static void
test_getcpu(void)
{
	unsigned cpu = ~0u, node = ~0u;

	check("getcpu", sys(NR_GETCPU, (long)&cpu, (long)&node, 0, 0, 0, 0), 0);
	check("getcpu: a CPU index", cpu < 1024, 1);
	check("getcpu: node 0", node, 0);
	check("getcpu: unmapped cpu is EFAULT",
	    sys(NR_GETCPU, 8, 0, 0, 0, 0, 0), -EFAULT);
}

static void
test_sync(int fd)
{

	check("syncfs", sys(NR_SYNCFS, fd, 0, 0, 0, 0, 0), 0);
	check("syncfs: closed descriptor", sys(NR_SYNCFS, 999, 0, 0, 0, 0, 0),
	    -EBADF);
	check("sync_file_range", sys(NR_SYNC_FILE_RANGE, fd, 0, 4096,
	    L_SYNC_FILE_RANGE_WRITE, 0, 0), 0);
	check("sync_file_range: unknown flag", sys(NR_SYNC_FILE_RANGE, fd, 0, 0,
	    0x40, 0, 0), -EINVAL);
	check("sync_file_range: negative offset", sys(NR_SYNC_FILE_RANGE, fd,
	    -1, 0, 0, 0, 0), -EINVAL);
}

static void
test_faccessat2(int fd, int dirfd)
{

	check("faccessat2", sys(NR_FACCESSAT2, AT_FDCWD, (long)"a", R_OK | W_OK,
	    0, 0, 0), 0);
	check("faccessat2: missing", sys(NR_FACCESSAT2, AT_FDCWD,
	    (long)"missing", F_OK, 0, 0, 0), -ENOENT);
	check("faccessat2: relative to a directory descriptor",
	    sys(NR_FACCESSAT2, dirfd, (long)"a", F_OK, 0, 0, 0), 0);
	check("faccessat2: AT_EMPTY_PATH on a descriptor", sys(NR_FACCESSAT2,
	    fd, (long)"", R_OK, L_AT_EMPTY_PATH, 0, 0), 0);
	check("faccessat2: AT_EMPTY_PATH on the working directory",
	    sys(NR_FACCESSAT2, AT_FDCWD, (long)"", X_OK, L_AT_EMPTY_PATH, 0, 0),
	    0);
	check("faccessat2: unmapped path", sys(NR_FACCESSAT2, AT_FDCWD, 8, F_OK,
	    0, 0, 0), -EFAULT);
	check("faccessat2: relative path, closed descriptor",
	    sys(NR_FACCESSAT2, 999, (long)"a", F_OK, 0, 0, 0), -EBADF);
	check("faccessat2: absolute path, closed descriptor",
	    sys(NR_FACCESSAT2, 999, (long)"/", F_OK, 0, 0, 0), 0);
	check("faccessat2: unknown flag", sys(NR_FACCESSAT2, AT_FDCWD,
	    (long)"a", F_OK, 0x1, 0, 0), -EINVAL);
}

static void
test_renameat2(int dirfd)
{
	struct stat st;
	long r;

	close(make_file("b", "bee", 3));
	check("renameat2 NOREPLACE onto a file", sys(NR_RENAMEAT2, AT_FDCWD,
	    (long)"b", AT_FDCWD, (long)"a", L_RENAME_NOREPLACE, 0), -EEXIST);
	check("renameat2 NOREPLACE: the target survives",
	    stat("a", &st) == 0 && st.st_size == 10, 1);
	/*
	 * Linux renames; a file system that cannot rename without replacing
	 * atomically fails with EINVAL and renames nothing (the module does).
	 */
	r = sys(NR_RENAMEAT2, dirfd, (long)"b", AT_FDCWD, (long)"c",
	    L_RENAME_NOREPLACE, 0);
	check("renameat2 NOREPLACE to a new name: 0 or EINVAL",
	    r == 0 || r == -EINVAL, 1);
	if (r == -EINVAL) {
		check("renameat2 NOREPLACE, EINVAL: nothing renamed",
		    stat("b", &st) == 0 && stat("c", &st) == -1, 1);
		check("renameat2 flags 0, relative to a directory descriptor",
		    sys(NR_RENAMEAT2, dirfd, (long)"b", AT_FDCWD, (long)"c", 0,
		    0), 0);
	}
	check("renameat2: renamed", stat("c", &st) == 0 &&
	    stat("b", &st) == -1, 1);
	check("renameat2: missing source", sys(NR_RENAMEAT2, AT_FDCWD,
	    (long)"b", AT_FDCWD, (long)"d", 0, 0), -ENOENT);
	check("renameat2: unknown flag", sys(NR_RENAMEAT2, AT_FDCWD, (long)"c",
	    AT_FDCWD, (long)"d", 0x80, 0), -EINVAL);
}

static void
test_copy_file_range(void)
{
	enum { LEN = 300000 };
	char *src = malloc(LEN), *dst = malloc(LEN);
	long long off_in = 1000, off_out = 0;
	int in, out;
	size_t i;

	for (i = 0; i < LEN; i++)
		src[i] = (char)(i * 7 + i / 251);
	in = make_file("in", src, LEN);
	out = make_file("out", "", 0);
	lseek(in, 0, SEEK_SET);
	check("copy_file_range: everything, file offsets",
	    sys(NR_COPY_FILE_RANGE, in, 0, out, 0, LEN, 0), LEN);
	check("copy_file_range: source offset moved", lseek(in, 0, SEEK_CUR),
	    LEN);
	check("copy_file_range: target offset moved", lseek(out, 0, SEEK_CUR),
	    LEN);
	check("copy_file_range: identical copy", pread(out, dst, LEN, 0) == LEN &&
	    memcmp(src, dst, LEN) == 0, 1);
	check("copy_file_range: explicit offsets", sys(NR_COPY_FILE_RANGE, in,
	    (long)&off_in, out, (long)&off_out, 5000, 0), 5000);
	check("copy_file_range: offsets written back", off_in == 6000 &&
	    off_out == 5000, 1);
	check("copy_file_range: file offsets untouched", lseek(in, 0, SEEK_CUR),
	    LEN);
	check("copy_file_range: at the end of the source", sys(NR_COPY_FILE_RANGE,
	    in, 0, out, 0, 100, 0), 0);
	check("copy_file_range: near SSIZE_MAX", sys(NR_COPY_FILE_RANGE, in,
	    (long)&off_in, out, (long)&off_out, 0x7ffffffffffff000L, 0),
	    LEN - 6000);
	check("copy_file_range: flags", sys(NR_COPY_FILE_RANGE, in, 0, out, 0,
	    1, 1), -EINVAL);
	check("copy_file_range: unmapped offset", sys(NR_COPY_FILE_RANGE, in, 8,
	    out, 0, 1, 0), -EFAULT);
	check("copy_file_range: closed descriptor", sys(NR_COPY_FILE_RANGE,
	    999, 0, out, 0, 1, 0), -EBADF);
	close(in);
	close(out);
	free(src);
	free(dst);
}

int
main(void)
{
	char dir[] = "/tmp/linuxrun-routed.XXXXXX";
	int fd, dirfd;

	if (mkdtemp(dir) == NULL || chdir(dir) == -1) {
		perror(dir);
		return 2;
	}
	fd = make_file("a", "0123456789", 10);
	dirfd = open(".", O_RDONLY | O_DIRECTORY);
	test_getcpu();
	test_sync(fd);
	test_faccessat2(fd, dirfd);
	test_renameat2(dirfd);
	test_copy_file_range();
	close(fd);
	close(dirfd);
	unlink("a");
	unlink("c");
	unlink("in");
	unlink("out");
	chdir("/");
	rmdir(dir);
	return tap_done();
}
