/*
 * h_rump.c: booting the rump kernel for a test case, calling the module's
 * handlers, files and the kernel's reference counts.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h_rump.h"

#ifdef __NetBSD__
#include <fs/tmpfs/tmpfs_args.h>
#include <ufs/ufs/ufsmount.h>
#else
/* sys/fs/tmpfs/tmpfs_args.h and sys/ufs/ufs/ufsmount.h of NetBSD. */
#define	TMPFS_ARGS_VERSION	1
struct tmpfs_args {
	int		ta_version;
	ino_t		ta_nodes_max;
	off_t		ta_size_max;
	uid_t		ta_root_uid;
	gid_t		ta_root_gid;
	mode_t		ta_root_mode;
};
struct ufs_args {
	char		*fspec;
};
#endif

__thread int clrs_errno;
static __thread unsigned char *clrs_ustack;
static pid_t clrs_process;

static void
clrs_copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	ATF_REQUIRE_MSG((in = open(from, O_RDONLY)) != -1, "%s: %s", from,
	    strerror(errno));
	ATF_REQUIRE((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ATF_REQUIRE(write(out, buf, (size_t)n) == n);
	ATF_REQUIRE(n == 0);
	close(in);
	close(out);
}

int
clrs_mount(enum clrs_fs fs, const char *dir, const char *image, int flags)
{
	static int ndevs;
	struct tmpfs_args targs;
	struct ufs_args uargs;
	char dev[32];
	int error;

	if (rump_sys_mkdir(dir, 0777) == -1 && errno != RUMP_EEXIST)
		return errno;
	switch (fs) {
	case CLRS_TMPFS:
		memset(&targs, 0, sizeof(targs));
		targs.ta_version = TMPFS_ARGS_VERSION;
		targs.ta_root_mode = 0777;
		if (rump_sys_mount(RUMP_MOUNT_TMPFS, dir, flags, &targs,
		    sizeof(targs)) == -1)
			return errno;
		return 0;
	case CLRS_FFS:
		snprintf(dev, sizeof(dev), "/dev/ffs%d", ndevs++);
		error = rump_pub_etfs_register(dev, image, RUMP_ETFS_BLK);
		if (error != 0)
			return error;
		memset(&uargs, 0, sizeof(uargs));
		uargs.fspec = dev;
		if (rump_sys_mount(RUMP_MOUNT_FFS, dir, flags, &uargs,
		    sizeof(uargs)) == -1 || rump_sys_chmod(dir, 0777) == -1)
			return errno;
		return 0;
	}
	return RUMP_EINVAL;
}

void
clrs_boot(const atf_tc_t *tc, enum clrs_fs fs)
{
	int error;

	/* The kernel's console is this stdout: unbuffered, so that a panic
	 * message reaches the report before abort(3). */
	setvbuf(stdout, NULL, _IONBF, 0);
	/* A signal for a rump process is recorded as pending, not raised
	 * in this host process (sys/rump/librump/rumpkern/signals.c). */
	rump_boot_setsigmodel(RUMP_SIGMODEL_RECORD);
	ATF_REQUIRE_EQ(rump_init(), 0);
	ATF_REQUIRE_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
	clrs_process = rump_sys_getpid();
	if (fs == CLRS_FFS)
		clrs_copy_file(atf_tc_get_config_var(tc, "ffs_image"),
		    "ffs.img");
	error = clrs_mount(fs, MNT, "ffs.img", 0);
	ATF_REQUIRE_MSG(error == 0, "mount on " MNT ": errno %d", error);
	RL(rump_sys_chdir(MNT));
}

pid_t
clrs_pid(void)
{

	return clrs_process;
}

void
clrs_thread_enter(void)
{

	ATF_REQUIRE_EQ(rump_pub_lwproc_newlwp(clrs_process), 0);
}

void
clrs_thread_leave(void)
{

	rump_pub_lwproc_releaselwp();
	free(clrs_ustack);
	clrs_ustack = NULL;
}

unsigned char *
clrs_user_stack(void)
{

	if (clrs_ustack == NULL)
		ATF_REQUIRE((clrs_ustack = aligned_alloc(64, CLRS_USTACK)) !=
		    NULL);
	return clrs_ustack;
}

int64_t
clrs_call(unsigned long nr, uint64_t a0, uint64_t a1, uint64_t a2,
    uint64_t a3, uint64_t a4, uint64_t a5)
{
	const uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
	int64_t rv = 0;
	int error;

	error = rump_clrs_syscall(nr, args, &rv,
	    (uint64_t)(uintptr_t)(clrs_user_stack() + CLRS_USTACK));
	if (error != 0) {
		clrs_errno = error;
		return -1;
	}
	return rv;
}

int
clrs_create(const char *path, const void *data, size_t len, int mode)
{
	int fd;

	fd = rump_sys_open(path, RUMP_O_RDWR | RUMP_O_CREAT | RUMP_O_TRUNC,
	    mode);
	ATF_REQUIRE_MSG(fd != -1, "create %s: errno %d", path, errno);
	if (len > 0)
		ATF_REQUIRE_EQ(rump_sys_write(fd, data, len), (ssize_t)len);
	RL(rump_sys_lseek(fd, 0, SEEK_SET));
	return fd;
}

void
clrs_quiesce(int fd)
{

	RL(rump_sys_fsync(fd));
	ATF_REQUIRE_EQ(rump_sys_posix_fadvise(fd, 0, 0,
	    1 /* POSIX_FADV_RANDOM */), 0);
}

void
clrs_check_contents(const char *path, const void *want, size_t len)
{
	unsigned char *got;
	ssize_t n;
	int fd;

	ATF_REQUIRE((got = malloc(len + 1)) != NULL);
	fd = rump_sys_open(path, RUMP_O_RDONLY);
	ATF_REQUIRE_MSG(fd != -1, "open %s: errno %d", path, errno);
	clrs_quiesce(fd);
	n = rump_sys_pread(fd, got, len + 1, 0);
	ATF_CHECK_MSG(n == (ssize_t)len, "%s holds %zd bytes, expected %zu",
	    path, n, len);
	ATF_CHECK_MSG(n >= 0 && memcmp(got, want, (size_t)n < len ?
	    (size_t)n : len) == 0, "%s: contents differ", path);
	rump_sys_close(fd);
	free(got);
}

off_t
clrs_size(const char *path)
{
	off_t size;
	int fd;

	fd = rump_sys_open(path, RUMP_O_RDONLY);
	ATF_REQUIRE_MSG(fd != -1, "open %s: errno %d", path, errno);
	size = rump_sys_lseek(fd, 0, SEEK_END);
	rump_sys_close(fd);
	return size;
}

int
clrs_exists(const char *path)
{

	return rump_sys_access(path, 0) == 0;
}

unsigned char
clrs_pattern(uint64_t i, unsigned seed)
{

	return (unsigned char)((i * 2654435761u + seed) >> 7);
}

void
clrs_fill(unsigned char *buf, size_t len, uint64_t from, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = clrs_pattern(from + i, seed);
}

void
clrs_counts(struct clrs_counts *c, int nfds, ...)
{
	va_list ap;
	int i;

	ATF_REQUIRE(nfds <= CLRS_MAXFDS);
	memset(c, 0, sizeof(*c));
	c->nfds = nfds;
	va_start(ap, nfds);
	for (i = 0; i < nfds; i++) {
		c->fds[i] = va_arg(ap, int);
		ATF_REQUIRE_EQ(rump_clrs_fd_refs(c->fds[i], &c->fd[i]), 0);
	}
	va_end(ap);
	ATF_REQUIRE_EQ(rump_clrs_path_refs(".", &c->cwd), 0);
	ATF_REQUIRE_EQ(rump_clrs_path_refs(MNT, &c->mnt), 0);
	c->creds = rump_clrs_live_creds();
}

static void
clrs_check_refs(const char *what, const struct clrs_refs *before,
    const struct clrs_refs *after, int files_change)
{

#define	SAME(field) ATF_CHECK_MSG(before->field == after->field,	\
	    "%s: " #field " %u before the call, %u after", what,	\
	    (unsigned)before->field, (unsigned)after->field)
	SAME(file_refs);
	SAME(fd_users);
	SAME(vnode_refs);
	SAME(vnode_locked);
	if (!files_change)
		SAME(mount_refs);
	SAME(mount_busy);
#undef	SAME
}

void
clrs_check_counts(const struct clrs_counts *before)
{
	struct clrs_counts after;
	char what[32];
	int i;

	memset(&after, 0, sizeof(after));
	for (i = 0; i < before->nfds; i++) {
		ATF_REQUIRE_EQ(rump_clrs_fd_refs(before->fds[i], &after.fd[i]),
		    0);
		snprintf(what, sizeof(what), "descriptor %d", before->fds[i]);
		clrs_check_refs(what, &before->fd[i], &after.fd[i],
		    before->files_change);
	}
	ATF_REQUIRE_EQ(rump_clrs_path_refs(".", &after.cwd), 0);
	clrs_check_refs("working directory", &before->cwd, &after.cwd,
	    before->files_change);
	ATF_REQUIRE_EQ(rump_clrs_path_refs(MNT, &after.mnt), 0);
	clrs_check_refs(MNT, &before->mnt, &after.mnt, before->files_change);
	after.creds = rump_clrs_live_creds();
	ATF_CHECK_MSG(before->creds == after.creds,
	    "live credentials: %ld before the call, %ld after",
	    before->creds, after.creds);
}

uint64_t
clrs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
clrs_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

void
clrs_require_semtimedop(const atf_tc_t *tc)
{

	if (atoi(atf_tc_get_config_var_wd(tc, "release", "10")) >= 11 &&
	    rump_getversion() < 1100000000)
		atf_tc_skip("the NetBSD 11 module calls sys_semtimedop, which "
		    "this rump kernel (%d) does not have", rump_getversion());
}

void
clrs_require_cancellable_sleep(void)
{

	if (!rump_clrs_sleep_cancellable())
		atf_tc_skip("this rump kernel's interruptible sleeps end for "
		    "neither LW_CANCELLED nor a signal: cv_wait_sig waits on "
		    "a host condition variable (sys/rump/librump/rumpkern/"
		    "locks.c, docvwait), and rump's scheduler changes an "
		    "LWP's l_mutex without holding it, so lwp_lock() of "
		    "another LWP races (rumpkern/scheduler.c)");
}

int
clrs_semset(int nsems, int value)
{
	int id, r, i;

	ATF_REQUIRE_EQ(rump_clrs_semget(0 /* IPC_PRIVATE */, nsems,
	    SEM_IPC_CREAT | 0600, &id), 0);
	for (i = 0; i < nsems; i++)
		ATF_REQUIRE_EQ(rump_clrs_semctl(id, i, SEM_SETVAL, value, &r),
		    0);
	return id;
}

int
clrs_semval(int id, int num)
{
	int r;

	ATF_REQUIRE_EQ(rump_clrs_semctl(id, num, SEM_GETVAL, 0, &r), 0);
	return r;
}
