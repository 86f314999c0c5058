/*
 * creds.c: routed calls made by an unprivileged user get that user's
 * answers.  Run as root: it makes a scratch folder in /tmp with a folder
 * and files of root's, a folder of nobody's, and System V semaphore sets
 * of root's with modes 0 and 0666; then a child takes on nobody's IDs
 * (65534, no supplementary groups) and makes raw semtimedop, renameat2,
 * faccessat2, copy_file_range, sync_file_range and syncfs calls, which
 * linuxrun routes to the module.  A descriptor root opened for writing
 * before the switch still writes (access is checked at open).  It passes
 * on Linux itself, the reference, and must pass through linuxrun.  One
 * TAP line per check; exit 0 if every check passed, 2 if it cannot run.
 *
 * Build: musl-gcc -static -o creds creds.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

/* Linux x86-64 numbers, for C libraries whose headers predate them. */
#define	NR_SEMTIMEDOP		220
#define	NR_SYNC_FILE_RANGE	277
#define	NR_SYNCFS		306
#define	NR_RENAMEAT2		316
#define	NR_COPY_FILE_RANGE	326
#define	NR_FACCESSAT2		439
#define	L_AT_EACCESS		0x200
#define	L_SYNC_FILE_RANGE_WRITE	2
#define	NOBODY			65534

static char top[] = "/tmp/clrs-creds.XXXXXX";

static long
sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
}

/* top/name, in a buffer of the caller's. */
static const char *
at(char *buf, const char *name)
{

	snprintf(buf, 256, "%s/%s", top, name);
	return buf;
}

static void
make(const char *name, mode_t mode, uid_t owner)
{
	char path[256];
	int fd = open(at(path, name), O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd == -1 || write(fd, "root's\n", 7) != 7 || fchmod(fd, mode) != 0 ||
	    fchown(fd, owner, owner) != 0) {
		perror(path);
		exit(2);
	}
	close(fd);
}

/*
 * The checks, as nobody (after one as root); writable is root's descriptor
 * of root/secret.
 */
static void
as_nobody(int closed_set, int open_set, int writable)
{
	struct sembuf up = { 0, 1, IPC_NOWAIT };
	char a[256], b[256];
	long long in = 0, out = 0;
	int ro, mine;

	/* The same thread's call as root, before: its IDs change between. */
	check("faccessat2 W_OK of root's 0644 file, as root",
	    sys(NR_FACCESSAT2, AT_FDCWD, (long)at(a, "root/public"), W_OK, 0,
	    0, 0), 0);
	if (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) != 0) {
		perror("taking on nobody's IDs");
		exit(2);
	}
	check("semtimedop on a mode-0 set of root's: EACCES",
	    sys(NR_SEMTIMEDOP, closed_set, (long)&up, 1, 0, 0, 0), -EACCES);
	check("semtimedop on a mode-0666 set of root's",
	    sys(NR_SEMTIMEDOP, open_set, (long)&up, 1, 0, 0, 0), 0);

	check("renameat2 in root's folder: EACCES", sys(NR_RENAMEAT2,
	    AT_FDCWD, (long)at(a, "root/public"), AT_FDCWD,
	    (long)at(b, "root/moved"), 0, 0), -EACCES);
	check("renameat2 out of root's folder into nobody's: EACCES",
	    sys(NR_RENAMEAT2, AT_FDCWD, (long)at(a, "root/public"), AT_FDCWD,
	    (long)at(b, "nobody/moved"), 0, 0), -EACCES);
	check("renameat2 in nobody's folder", sys(NR_RENAMEAT2, AT_FDCWD,
	    (long)at(a, "nobody/own"), AT_FDCWD, (long)at(b, "nobody/renamed"),
	    0, 0), 0);

	check("faccessat2 W_OK of root's 0644 file: EACCES",
	    sys(NR_FACCESSAT2, AT_FDCWD, (long)at(a, "root/public"), W_OK, 0,
	    0, 0), -EACCES);
	check("faccessat2 R_OK of it", sys(NR_FACCESSAT2, AT_FDCWD,
	    (long)at(a, "root/public"), R_OK, L_AT_EACCESS, 0, 0), 0);
	check("faccessat2 R_OK of root's 0600 file: EACCES",
	    sys(NR_FACCESSAT2, AT_FDCWD, (long)at(a, "root/secret"), R_OK,
	    L_AT_EACCESS, 0, 0), -EACCES);

	if ((ro = open(at(a, "root/public"), O_RDONLY)) == -1 ||
	    (mine = open(at(b, "nobody/renamed"), O_RDWR)) == -1) {
		perror("open");
		exit(2);
	}
	check("copy_file_range into a file opened read-only: EBADF",
	    sys(NR_COPY_FILE_RANGE, mine, (long)&in, ro, (long)&out, 7, 0),
	    -EBADF);
	check("copy_file_range of root's readable file into nobody's",
	    sys(NR_COPY_FILE_RANGE, ro, (long)&in, mine, (long)&out, 7, 0), 7);
	in = out = 0;
	check("copy_file_range through root's descriptor of a 0600 file",
	    sys(NR_COPY_FILE_RANGE, mine, (long)&in, writable, (long)&out, 7,
	    0), 7);
	check("sync_file_range of root's file opened read-only",
	    sys(NR_SYNC_FILE_RANGE, ro, 0, 0, L_SYNC_FILE_RANGE_WRITE, 0, 0), 0);
	check("syncfs of it", sys(NR_SYNCFS, ro, 0, 0, 0, 0, 0), 0);
	close(ro);
	close(mine);
}

/* Removes what the program and its child may have made. */
static void
clean(void)
{
	static const char *names[] = { "root/public", "root/secret",
	    "root/moved", "nobody/own", "nobody/renamed", "nobody/moved" };
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlink(at(path, names[i]));
	(void)rmdir(at(path, "root"));
	(void)rmdir(at(path, "nobody"));
	if (rmdir(top) != 0)
		perror(top);
}

int
main(void)
{
	char path[256];
	int closed_set, open_set, writable, status;
	pid_t child;

	if (geteuid() != 0) {
		fprintf(stderr, "creds: run as root\n");
		return 2;
	}
	if (mkdtemp(top) == NULL || chmod(top, 0755) != 0 ||
	    mkdir(at(path, "root"), 0755) != 0 ||
	    mkdir(at(path, "nobody"), 0755) != 0 ||
	    chown(at(path, "nobody"), NOBODY, NOBODY) != 0) {
		perror(top);
		return 2;
	}
	make("root/public", 0644, 0);
	make("root/secret", 0600, 0);
	make("nobody/own", 0644, NOBODY);
	closed_set = semget(IPC_PRIVATE, 1, 0);
	open_set = semget(IPC_PRIVATE, 1, 0666);
	writable = open(at(path, "root/secret"), O_WRONLY);
	if (closed_set == -1 || open_set == -1 || writable == -1) {
		perror("semget, open");
		return 2;
	}

	fflush(stdout);
	if ((child = fork()) == 0) {
		as_nobody(closed_set, open_set, writable);
		status = tap_done();
		fflush(stdout);
		_exit(status);
	}
	waitpid(child, &status, 0);
	semctl(closed_set, 0, IPC_RMID);
	semctl(open_set, 0, IPC_RMID);
	clean();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
