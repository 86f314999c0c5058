/*
 * host.c: the host (Linux) side of the kernel model; see model.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <sys/statvfs.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sem.h>
#include <dirent.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "model.h"

/*
 * The process whose memory, descriptors and working directory stand for
 * user space, per thread: this process by default (the unit tests), or
 * one that linuxrun traces.
 */
static __thread int host_user_pid;	/* 0: this process */
static __thread int host_user_pidfd = -1;
/* Set by linuxrun when a signal the thread took is to end its sleeps. */
static __thread const int *host_user_signalled;

void
model_user_process(int pid, int pidfd, const int *signalled)
{

	host_user_pid = pid;
	host_user_pidfd = pidfd;
	host_user_signalled = signalled;
}

bool
host_user_traced(void)
{

	return host_user_pid != 0;
}

/*
 * Whether the traced thread took a signal that ends an interruptible
 * sleep of its LWP.  The thread waits in the host kernel while linuxrun
 * serves its call; a signal interrupts that wait and stops the thread for
 * linuxrun, which tells from the signal's disposition whether NetBSD
 * would end the sleep (one the process catches, or whose default action
 * kills it) and then sets the flag.
 */
static bool
host_traced_signal_pending(void)
{

	return host_user_signalled != NULL &&
	    __atomic_load_n(host_user_signalled, __ATOMIC_ACQUIRE) != 0;
}

static bool host_self_begin(void);
static void host_self_end(bool);
static int host_proc_stat(int, struct host_proc *);

/* process_vm_{read,write}v: EFAULT instead of a crash. */
int
host_copy_from_user(const void *uaddr, void *kaddr, size_t len)
{
	struct iovec local = { kaddr, len };
	struct iovec remote = { (void *)uaddr, len };
	pid_t pid = host_user_pid != 0 ? host_user_pid : getpid();
	bool self;
	ssize_t n;

	if (len == 0)
		return 0;
	self = host_self_begin();
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	host_self_end(self);
	return n == (ssize_t)len ? 0 : EFAULT;
}

int
host_copy_to_user(const void *kaddr, void *uaddr, size_t len)
{
	struct iovec local = { (void *)kaddr, len };
	struct iovec remote = { uaddr, len };
	pid_t pid = host_user_pid != 0 ? host_user_pid : getpid();
	bool self;
	ssize_t n;

	if (len == 0)
		return 0;
	self = host_self_begin();
	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	host_self_end(self);
	return n == (ssize_t)len ? 0 : EFAULT;
}

/*
 * The user process's descriptor ufd as one of ours, or -1 if it has none:
 * the same number here, a duplicate (pidfd_getfd) of a traced process's,
 * sharing its open file description (offset, flags).
 */
int
host_fd_get(int ufd)
{

	bool self;
	int fd;

	if (host_user_pid == 0)
		return ufd >= 0 && fcntl(ufd, F_GETFD) != -1 ? ufd : -1;
	self = host_self_begin();
	fd = (int)syscall(SYS_pidfd_getfd, host_user_pidfd, ufd, 0);
	host_self_end(self);
	return fd;
}

void
host_fd_put(int fd)
{

	if (host_user_pid != 0 && fd >= 0)
		close(fd);
}

int
host_fd_dup(int fd)
{

	return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

int
host_fd_reopen(int fd, bool write_)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, (write_ ? O_WRONLY : O_RDONLY) | O_NOCTTY |
	    O_CLOEXEC);
}

void
host_fd_close(int fd)
{

	if (fd >= 0)
		close(fd);
}

void
host_report(const char *what)
{

	fprintf(stderr, "model: %s\n", what);
}

void
host_vreport(const char *fmt, va_list ap)
{

	vfprintf(stderr, fmt, ap);
}

void
host_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{

	vsnprintf(buf, len, fmt, ap);
}

/*
 * A directory descriptor of the user process as one of ours: AT_FDCWD is
 * its working directory; -1 where it has no such descriptor, which the
 * host refuses with EBADF where a relative path needs it.
 */
static int
host_at(int udirfd)
{

	if (host_user_pid == 0)
		return udirfd;
	if (udirfd == AT_FDCWD) {
		char cwd[64];
		bool self;
		int fd;

		snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", host_user_pid);
		self = host_self_begin();
		fd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
		host_self_end(self);
		return fd;
	}
	return host_fd_get(udirfd);
}

static void
host_at_put(int fd)
{

	host_fd_put(fd);
}

void
host_file_info(int fd, struct host_file *info)
{
	struct stat st;
	struct statvfs sv;
	int fl;

	*info = (struct host_file){ .kind = HOST_CLOSED };
	if (fstat(fd, &st) != 0 || (fl = fcntl(fd, F_GETFL)) == -1)
		return;
	info->kind = S_ISREG(st.st_mode) ? HOST_REG : S_ISDIR(st.st_mode) ?
	    HOST_DIR : S_ISLNK(st.st_mode) ? HOST_LNK : S_ISBLK(st.st_mode) ?
	    HOST_BLK : S_ISCHR(st.st_mode) ? HOST_CHR : S_ISFIFO(st.st_mode) ?
	    HOST_FIFO : HOST_SOCK;
	info->readable = (fl & O_ACCMODE) != O_WRONLY && !(fl & O_PATH);
	info->writable = (fl & O_ACCMODE) != O_RDONLY;
	info->append = (fl & O_APPEND) != 0;
	info->sync = (fl & O_SYNC) == O_SYNC;
	info->dsync = (fl & O_DSYNC) != 0 && !info->sync;
	if (fstatvfs(fd, &sv) == 0) {
		info->rdonly_fs = (sv.f_flag & ST_RDONLY) != 0;
		info->noexec_fs = (sv.f_flag & ST_NOEXEC) != 0;
	}
	info->dev = st.st_dev;
	info->ino = st.st_ino;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		/* The inode's flags; an O_PATH descriptor cannot ask. */
		int ffd = (fcntl(fd, F_GETFL) & O_PATH) != 0 ?
		    host_fd_reopen(fd, false) : fd;

		if (ffd >= 0 && ioctl(ffd, FS_IOC_GETFLAGS, &fl) == 0) {
			info->append_only = (fl & FS_APPEND_FL) != 0;
			info->immutable = (fl & FS_IMMUTABLE_FL) != 0;
		}
		if (ffd != fd)
			host_fd_close(ffd);
	}
	info->mode = st.st_mode & 07777;
	info->uid = st.st_uid;
	info->gid = st.st_gid;
}

/*
 * A descriptor for an operation on the file itself, which on NetBSD does not
 * depend on how the file was opened, where Linux refuses an O_PATH
 * descriptor (fsync, sync_file_range, syncfs: EBADF): such a one is opened
 * again for reading through /proc, or, for a symbolic link, its directory
 * (on the same file system).  fd itself otherwise; -1 on failure.
 */
static int
host_file_fd(int fd)
{
	char proc[64], path[PATH_MAX], *slash;
	int fl = fcntl(fd, F_GETFL), again;
	ssize_t n;

	if (fl == -1 || !(fl & O_PATH))
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	again = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (again >= 0)
		return again;
	if ((n = readlink(proc, path, sizeof(path) - 1)) <= 0)
		return -1;
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		return -1;
	*(slash == path ? slash + 1 : slash) = '\0';
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void
host_file_fd_put(int fd, int file_fd)
{

	if (file_fd != fd && file_fd >= 0)
		close(file_fd);
}

int
host_fsync_range(int fd, bool dataonly, bool wait, long long lo, long long hi)
{
	unsigned flags = SYNC_FILE_RANGE_WRITE;
	int ffd = host_file_fd(fd), error;

	if (ffd < 0)
		return errno;
	if (wait && lo == 0 && hi == 0) {
		error = (dataonly ? fdatasync(ffd) : fsync(ffd)) == 0 ? 0 : errno;
	} else {
		if (wait)
			flags |= SYNC_FILE_RANGE_WAIT_BEFORE |
			    SYNC_FILE_RANGE_WAIT_AFTER;
		error = sync_file_range(ffd, lo, hi == 0 ? 0 : hi - lo,
		    flags) == 0 ? 0 : errno;
	}
	host_file_fd_put(fd, ffd);
	return error;
}

int
host_syncfs(int fd)
{
	int ffd = host_file_fd(fd), error;

	if (ffd < 0)
		return errno;
	error = syncfs(ffd) == 0 ? 0 : errno;
	host_file_fd_put(fd, ffd);
	return error;
}

int
host_statat(int udirfd, const char *path, bool follow, unsigned long *dev,
    unsigned long *ino)
{
	struct stat st;
	int dirfd = host_at(udirfd), error = 0;

	if (fstatat(dirfd, path, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
		error = errno;
	host_at_put(dirfd);
	if (error == 0) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
	return error;
}

int
host_renameat(int uolddirfd, const char *old, int unewdirfd, const char *new)
{
	int olddirfd = host_at(uolddirfd), newdirfd = host_at(unewdirfd);
	int error;

	error = renameat(olddirfd, old, newdirfd, new) == 0 ? 0 : errno;
	host_at_put(olddirfd);
	host_at_put(newdirfd);
	return error;
}

int
host_unlinkat(int udirfd, const char *path)
{
	struct stat st;
	int dirfd = host_at(udirfd), error;

	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
		error = errno;
	else
		error = unlinkat(dirfd, path,
		    S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) == 0 ? 0 : errno;
	host_at_put(dirfd);
	return error;
}

long
host_pread(int fd, void *buf, size_t len, long long off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n < 0 ? -errno : n;
}

long
host_pwrite(int fd, const void *buf, size_t len, long long off)
{
	ssize_t n = pwrite(fd, buf, len, off);

	return n < 0 ? -errno : n;
}

long
host_stream_io(int fd, void *buf, size_t len, bool write_, bool wait)
{
	struct pollfd pfd = { fd, write_ ? POLLOUT : POLLIN, 0 };
	struct timespec now = { 0, 0 };
	sigset_t pipe, pending;
	bool pipe_pending;
	int fl = fcntl(fd, F_GETFL);
	ssize_t n;

	if (fl != -1 && (fl & O_NONBLOCK) == 0) {
		while (poll(&pfd, 1, 0) == 0) {
			if (!wait)
				return 0;
			if (host_signal_pending())
				return -EINTR;
			(void)poll(&pfd, 1, 10);
			pfd.revents = 0;
		}
	}
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigpending(&pending);
	pipe_pending = sigismember(&pending, SIGPIPE) == 1;
	n = write_ ? write(fd, buf, len) : read(fd, buf, len);
	if (n >= 0)
		return n;
	n = -errno;
	if (n == -EPIPE && !pipe_pending)
		(void)sigtimedwait(&pipe, NULL, &now);
	return n;
}

int
host_size(int fd, long long *size)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return errno;
	*size = st.st_size;
	return 0;
}

long long
host_offset(int fd)
{

	return lseek(fd, 0, SEEK_CUR);
}

void
host_set_offset(int fd, long long off)
{

	(void)lseek(fd, off, SEEK_SET);
}

/*
 * kmem_alloc(9) serves up to 16 KiB from pool caches and maps fresh pages
 * for anything larger (subr_kmem.c, KMEM_BIG_MAXSIZE); so does the model,
 * whose benchmarks would otherwise see malloc's reuse instead.
 */
#define	HOST_CACHED_MAX	16384
void *
host_alloc(size_t len)
{
	void *p;

	if (len <= HOST_CACHED_MAX)
		return malloc(len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void
host_free(void *p, size_t len)
{

	if (len <= HOST_CACHED_MAX)
		free(p);
	else
		munmap(p, len);
}

static int
host_faccessat2_at(int dirfd, const char *path, int mode, int flags)
{

	return syscall(SYS_faccessat2, dirfd, path, mode, flags) == 0 ? 0 : errno;
}

/*
 * Host credentials.  Linux keeps credentials per thread, and the raw
 * system calls change the calling thread's only (glibc's wrappers change
 * every thread's), so a thread can make a host call with a kauth
 * credential's IDs and take its own back after.  A thread that is
 * privileged (user ID 0 among its real, effective and saved ones) goes
 * through effective user 0, whose capabilities setgroups and setresgid
 * need, and keeps saved user 0 to come back; any other can take on only
 * IDs it has, and a credential it cannot take on fails the host call
 * with that error: never with more privilege than the credential's.
 */
static __thread struct host_cred host_own;	/* this thread's, while switched */
static __thread struct host_cred host_taken;	/* the one it took on */
static __thread unsigned int host_taken_suid;
static __thread bool host_switched, host_groups_switched;
static int host_cred_set(const struct host_cred *, unsigned int, bool);

void
host_cred_self(struct host_cred *c)
{
	gid_t groups[NGROUPS_MAX];
	int n, i;

	(void)syscall(SYS_getresuid, &c->uid, &c->euid, &c->suid);
	(void)syscall(SYS_getresgid, &c->gid, &c->egid, &c->sgid);
	n = (int)syscall(SYS_getgroups, NGROUPS_MAX, groups);
	c->ngroups = n < 0 ? 0 : n < HOST_NGROUPS ? n : HOST_NGROUPS;
	for (i = 0; i < c->ngroups; i++)
		c->groups[i] = groups[i];
}

static bool
host_cred_same(const struct host_cred *a, const struct host_cred *b)
{

	return a->uid == b->uid && a->euid == b->euid && a->suid == b->suid &&
	    a->gid == b->gid && a->egid == b->egid && a->sgid == b->sgid &&
	    a->ngroups == b->ngroups && memcmp(a->groups, b->groups,
	    (size_t)a->ngroups * sizeof(a->groups[0])) == 0;
}

/*
 * Takes on c, keeping saved user ID suid; its groups only if they are not
 * the thread's already (setgroups needs privilege even for the same ones).
 */
static int
host_cred_set(const struct host_cred *c, unsigned int suid, bool groups)
{
	gid_t list[HOST_NGROUPS];
	int i;

	for (i = 0; i < c->ngroups; i++)
		list[i] = c->groups[i];
	/* Fails harmlessly for a thread that cannot. */
	(void)syscall(SYS_setresuid, -1, 0, -1);
	if ((groups && syscall(SYS_setgroups, c->ngroups, list) != 0) ||
	    syscall(SYS_setresgid, c->gid, c->egid, c->sgid) != 0 ||
	    syscall(SYS_setresuid, c->uid, c->euid, suid) != 0)
		return errno;
	return 0;
}

int
host_cred_enter(const struct host_cred *c)
{
	bool privileged;
	int error;

	host_cred_self(&host_own);
	if (host_cred_same(c, &host_own))
		return 0;
	privileged = host_own.uid == 0 || host_own.euid == 0 ||
	    host_own.suid == 0;
	host_switched = true;
	host_groups_switched = c->ngroups != host_own.ngroups ||
	    memcmp(c->groups, host_own.groups,
	    (size_t)c->ngroups * sizeof(c->groups[0])) != 0;
	host_taken = *c;
	host_taken_suid = privileged ? 0 : c->suid;
	error = host_cred_set(c, host_taken_suid, host_groups_switched);
	if (error != 0)
		host_cred_exit();
	return error;
}

void
host_cred_exit(void)
{

	if (!host_switched)
		return;
	host_switched = false;
	(void)host_cred_set(&host_own, host_own.suid, host_groups_switched);
}

/*
 * Reaching the user process (its memory, descriptors and working
 * directory) takes ptrace access, which is linuxrun's, not the user's: a
 * thread inside a host call made with another credential goes back to its
 * own for that.
 */
static bool
host_self_begin(void)
{

	if (!host_switched)
		return false;
	(void)host_cred_set(&host_own, host_own.suid, host_groups_switched);
	return true;
}

static void
host_self_end(bool switched)
{

	if (switched)
		(void)host_cred_set(&host_taken, host_taken_suid,
		    host_groups_switched);
}

int
host_lookup(int dirfd, const char *path, bool follow)
{
	int at = dirfd == AT_FDCWD ? host_at(AT_FDCWD) : dirfd, fd;

	fd = openat(at, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		fd = -errno;
	if (dirfd == AT_FDCWD)
		host_at_put(at);
	return fd;
}

/* Whether gid is c's effective group or one of its supplementary ones. */
static bool
host_cred_ismember(const struct host_cred *c, unsigned gid)
{
	bool member = c->egid == gid;
	int i;

	for (i = 0; i < c->ngroups && !member; i++)
		member = c->groups[i] == gid;
	return member;
}

int
host_setmode(int fd, unsigned mode, const struct host_cred *c)
{
	char path[64];
	struct stat st;

	if (fstat(fd, &st) != 0)
		return errno;
	if (c->euid != 0) {
		/* genfs_can_chmod: the owner only; no sticky file; SGID
		 * only in the group; SUID only for the owner. */
		if (c->euid != st.st_uid)
			return EPERM;
		if (!S_ISDIR(st.st_mode) && (mode & S_ISVTX) != 0)
			return -1;
		if ((mode & S_ISGID) != 0 && !host_cred_ismember(c, st.st_gid))
			return EPERM;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return chmod(path, mode) == 0 ? 0 : errno;
}

int
host_open(int udirfd, const char *path, int fflags, int cmode)
{
	/* NetBSD's F* (fcntl.h) to Linux's O_*. */
	static const struct { int netbsd, host; } map[] = {
		{ 0x00000004, O_NONBLOCK }, { 0x00000008, O_APPEND },
		{ 0x00000080, O_SYNC }, { 0x00000100, O_NOFOLLOW },
		{ 0x00000200, O_CREAT }, { 0x00000400, O_TRUNC },
		{ 0x00000800, O_EXCL }, { 0x00008000, O_NOCTTY },
		{ 0x00010000, O_DSYNC }, { 0x00080000, O_DIRECT },
		{ 0x00200000, O_DIRECTORY },
	};
	int dirfd = udirfd == AT_FDCWD ? host_at(AT_FDCWD) : udirfd;
	int flags = O_CLOEXEC, fd = -1, error;
	size_t i;

	/* FREAD 1, FWRITE 2 */
	flags |= (fflags & 3) == 3 ? O_RDWR : (fflags & 2) ? O_WRONLY : O_RDONLY;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if ((fflags & map[i].netbsd) == map[i].netbsd)
			flags |= map[i].host;
	}
	/*
	 * The caller applied the user's mask, as do_open does; this process's
	 * own applies again, harmlessly where it is the same (the unit
	 * tests), and is lifted for a traced process, whose calls into the
	 * model run one at a time.
	 */
	mode_t old = host_user_pid != 0 ? umask(0) : 0;

	fd = openat(dirfd, path, flags, cmode);
	error = fd < 0 ? errno : 0;
	if (host_user_pid != 0)
		umask(old);
	if (udirfd == AT_FDCWD)
		host_at_put(dirfd);
	return error != 0 ? -error : fd;
}

int
host_symlink(const char *target, int dirfd, const char *path)
{

	return symlinkat(target, dirfd, path) == 0 ? 0 : errno;
}

long
host_readlink(int fd, char *buf, size_t len)
{
	ssize_t n = readlinkat(fd, "", buf, len);

	return n < 0 ? -errno : n;
}

int
host_faccess_fd(int fd, int mode)
{

	return host_faccessat2_at(fd, "", mode, AT_EMPTY_PATH | AT_EACCESS);
}

/* Tests fork children that call into the model (see model_after_fork). */
__attribute__((constructor)) static void
host_fork_init(void)
{

	pthread_atfork(NULL, NULL, model_after_fork);
}

/* The thread's signal mask outside the model's kernel. */
static __thread sigset_t host_user_mask;
static __thread bool host_in_kernel;

unsigned
host_umask(void)
{
	char path[64], line[256];
	unsigned mask = 022;
	FILE *f;

	/* From /proc: umask(2) would change it for the other threads too. */
	snprintf(path, sizeof(path), "/proc/%d/status",
	    host_user_pid != 0 ? host_user_pid : getpid());
	if ((f = fopen(path, "re")) == NULL)
		return mask;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	}
	fclose(f);
	return mask;
}

unsigned long long
host_fsize_limit(void)
{
	struct rlimit rl;

	if (prlimit(host_user_pid, RLIMIT_FSIZE, NULL, &rl) != 0)
		return RLIM_INFINITY;
	return rl.rlim_cur;
}

void
host_signal_user(int sig)
{

	if (host_user_pid != 0)
		kill(host_user_pid, sig);
}

void
model_kernel_enter(void)
{
	sigset_t all;

	model_proc_refresh();
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &host_user_mask);
	host_in_kernel = true;
}

void
model_kernel_exit(void)
{

	host_in_kernel = false;
	pthread_sigmask(SIG_SETMASK, &host_user_mask, NULL);
}

void
host_post_sigusr1(void)
{

	pthread_kill(pthread_self(), SIGUSR1);
}

/* The signals whose default action is to do nothing (signal(7)). */
#define	HOST_SIGBIT(sig)	(1ULL << ((sig) - 1))
#define	HOST_DEFAULT_IGNORED	(HOST_SIGBIT(SIGCHLD) | HOST_SIGBIT(SIGURG) | \
	HOST_SIGBIT(SIGWINCH) | HOST_SIGBIT(SIGCONT))

bool
host_signal_pending(void)
{
	sigset_t pending;

	if (host_user_traced())
		return host_traced_signal_pending();

	/*
	 * As for a traced thread: a signal the process ignores, or whose
	 * default is to do nothing (a test's child exiting: SIGCHLD), is
	 * never posted to an LWP (sigpost).
	 */
	sigpending(&pending);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sigismember(&pending, sig) != 1 ||
		    sigismember(&host_user_mask, sig) != 0 ||
		    sigaction(sig, NULL, &sa) != 0 || sa.sa_handler == SIG_IGN)
			continue;
		if (sa.sa_handler == SIG_DFL && sig < 64 &&
		    (HOST_SIGBIT(sig) & HOST_DEFAULT_IGNORED) != 0)
			continue;
		return true;
	}
	return false;
}

/* The time of a clock tick at MODEL_HZ (100). */
#define	HOST_TICK_NS	10000000LL

static long long
host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
host_yield(void)
{

	sched_yield();
}

long long
host_uptime_us(void)
{

	return host_now_ns() / 1000;
}

static __thread bool host_semop_timeout_passed;

/*
 * Whether the first operation that cannot be done now has IPC_NOWAIT: as
 * semop does them in order (sysv_sem.c, ipc/sem.c), on the values now.
 */
static bool
host_semop_blocker_nowait(int semid, const struct sembuf *op, size_t nsops)
{
	int vals[64];
	size_t i, j;

	for (i = 0; i < nsops; i++) {
		for (j = 0; j < i && op[j].sem_num != op[i].sem_num; j++)
			continue;
		if (op[i].sem_num >= 64)
			return false;
		if (j == i)
			vals[op[i].sem_num] = semctl(semid, op[i].sem_num, GETVAL);
		if (op[i].sem_op < 0 ? vals[op[i].sem_num] + op[i].sem_op < 0 :
		    op[i].sem_op == 0 && vals[op[i].sem_num] != 0)
			return (op[i].sem_flg & IPC_NOWAIT) != 0;
		vals[op[i].sem_num] += op[i].sem_op;
	}
	return false;
}

bool
host_semop_timed_out(void)
{

	return host_semop_timeout_passed;
}

/*
 * As the kernel does: try the operations; if they must wait, sleep
 * interruptibly.  The sleep is in slices of a clock tick, after each of
 * which a signal pending for the thread, or the LWP's sleep ended from
 * outside, ends it (a traced thread's signals are seen only between
 * slices anyway).  op is the kernel's copy of the operations, timeout a
 * user pointer.
 */
static int
host_semop_copied(int semid, struct sembuf *op, size_t nsops,
    const void *timeout, const struct host_sleeper *s)
{
	struct timespec limit, slice = { 0, 0 };
	long long deadline = -1, left;
	int error;

	host_semop_timeout_passed = false;
	if (timeout != NULL) {
		if (host_copy_from_user(timeout, &limit, sizeof(limit)) != 0)
			return EFAULT;
		if (limit.tv_sec < 0 || limit.tv_nsec < 0 ||
		    limit.tv_nsec >= 1000000000)
			return EINVAL;
		/*
		 * A wait is at most INT_MAX ticks, as tvtohz() (subr_time.c)
		 * saturates it; computing the end of a longer one would
		 * overflow into the past.
		 */
		if (limit.tv_sec >= INT_MAX / (1000000000LL / HOST_TICK_NS))
			deadline = host_now_ns() + INT_MAX * HOST_TICK_NS;
		else
			deadline = host_now_ns() +
			    limit.tv_sec * 1000000000LL + limit.tv_nsec;
	}
	if (semtimedop(semid, op, nsops, &slice) == 0)
		return 0;
	if (errno != EAGAIN)
		return errno;
	if (host_semop_blocker_nowait(semid, op, nsops))
		return EAGAIN;
	if (host_signal_pending())
		return EINTR;
	if ((error = s->begin(s->arg)) != 0)
		return error;
	for (;;) {
		left = deadline < 0 ? HOST_TICK_NS : deadline - host_now_ns();
		if (left <= 0) {
			host_semop_timeout_passed = true;
			error = EAGAIN;
			break;
		}
		slice.tv_nsec = left < HOST_TICK_NS ? left : HOST_TICK_NS;
		if (semtimedop(semid, op, nsops, &slice) == 0) {
			error = 0;
			break;
		}
		if (errno != EAGAIN) {
			error = errno;
			break;
		}
		if (host_semop_blocker_nowait(semid, op, nsops)) {
			error = EAGAIN;
			break;
		}
		if (host_signal_pending() || s->woken(s->arg)) {
			error = EINTR;
			break;
		}
	}
	s->end(s->arg);
	return error;
}

/* The operations are user memory (of a traced process, too). */
int
host_semop(int semid, void *usops, size_t nsops, const void *timeout,
    const struct host_sleeper *sleeper)
{
	struct sembuf *op;
	int error;

	if (!host_in_kernel)
		return semtimedop(semid, usops, nsops, timeout) == 0 ? 0 : errno;
	if (nsops > (size_t)host_semopm())
		return E2BIG;
	if ((op = calloc(nsops == 0 ? 1 : nsops, sizeof(*op))) == NULL)
		return ENOMEM;
	if (host_copy_from_user(usops, op, nsops * sizeof(*op)) != 0)
		error = EFAULT;
	else
		error = host_semop_copied(semid, op, nsops, timeout, sleeper);
	free(op);
	return error;
}

int
host_semopm(void)
{
	int semmsl, semmns, semopm = 32;
	FILE *f = fopen("/proc/sys/kernel/sem", "r");

	if (f != NULL) {
		if (fscanf(f, "%d %d %d", &semmsl, &semmns, &semopm) != 3)
			semopm = 32;
		fclose(f);
	}
	return semopm;
}

/* Callouts. */
struct host_callout {
	pthread_mutex_t	mtx;
	pthread_cond_t	cv;
	pthread_t	thread;
	bool		started, halted, busy;
	long long	deadline;	/* CLOCK_MONOTONIC ns */
	void		(*fn)(void *);
	void		*arg;
};

void *
host_callout_new(void)
{
	struct host_callout *hc = calloc(1, sizeof(*hc));
	pthread_condattr_t ca;

	pthread_mutex_init(&hc->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hc->cv, &ca);
	pthread_condattr_destroy(&ca);
	return hc;
}

void
host_callout_setfunc(void *arg, void (*fn)(void *), void *fnarg)
{
	struct host_callout *hc = arg;

	hc->fn = fn;
	hc->arg = fnarg;
}

static void *
host_callout_run(void *arg)
{
	struct host_callout *hc = arg;
	struct timespec at;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&hc->mtx);
	at.tv_sec = hc->deadline / 1000000000LL;
	at.tv_nsec = hc->deadline % 1000000000LL;
	while (!hc->halted && host_now_ns() < hc->deadline)
		pthread_cond_timedwait(&hc->cv, &hc->mtx, &at);
	if (!hc->halted) {
		pthread_mutex_unlock(&hc->mtx);
		hc->fn(hc->arg);
		pthread_mutex_lock(&hc->mtx);
	}
	hc->busy = false;
	pthread_mutex_unlock(&hc->mtx);
	return NULL;
}

void
host_callout_schedule(void *arg, long long ms)
{
	struct host_callout *hc = arg;

	pthread_mutex_lock(&hc->mtx);
	hc->deadline = host_now_ns() + ms * 1000000LL;
	hc->halted = false;
	hc->busy = hc->started = true;
	pthread_create(&hc->thread, NULL, host_callout_run, hc);
	pthread_mutex_unlock(&hc->mtx);
}

bool
host_callout_halt(void *arg)
{
	struct host_callout *hc = arg;
	bool started;

	pthread_mutex_lock(&hc->mtx);
	hc->halted = true;
	started = hc->started;
	hc->started = false;
	pthread_cond_broadcast(&hc->cv);
	pthread_mutex_unlock(&hc->mtx);
	if (started)
		pthread_join(hc->thread, NULL);
	return false;
}

bool
host_callout_free(void *arg)
{
	struct host_callout *hc = arg;

	if (hc->busy || hc->started)
		return false;
	pthread_cond_destroy(&hc->cv);
	pthread_mutex_destroy(&hc->mtx);
	free(hc);
	return true;
}

/*
 * Host processes, for the model's processes that stand for them: from
 * /proc/ID/status (proc_pid_status(5)) of a process or thread ID.  A
 * process that is not dumpable has the files in its /proc directory owned
 * by root (proc(5)): Linux's mark of a process that changed IDs, as
 * NetBSD's PK_SUGID is.
 */
int
host_proc_info(int id, struct host_proc *hp)
{
	char path[64], line[512];
	struct stat st;
	FILE *f;
	int found = 0;

	if (id <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", id);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	memset(hp, 0, sizeof(*hp));
	while (fgets(line, sizeof(line), f) != NULL) {
		char state;

		if (sscanf(line, "Tgid: %d", &hp->tgid) == 1 ||
		    sscanf(line, "PPid: %d", &hp->ppid) == 1)
			found++;
		else if (sscanf(line, "State: %c", &state) == 1)
			hp->zombie = state == 'Z' || state == 'X';
		else if (sscanf(line, "Uid: %u %u %u", &hp->cred.uid,
		    &hp->cred.euid, &hp->cred.suid) == 3)
			found++;
		else if (sscanf(line, "Gid: %u %u %u", &hp->cred.gid,
		    &hp->cred.egid, &hp->cred.sgid) == 3)
			found++;
		else if (strncmp(line, "Kthread:", 8) == 0)
			hp->kthread = atoi(line + 8) != 0;
		else if (strncmp(line, "Groups:", 7) == 0) {
			char *p = line + 7, *end;
			long g;

			while (hp->cred.ngroups < HOST_NGROUPS &&
			    (g = strtol(p, &end, 10), end != p)) {
				hp->cred.groups[hp->cred.ngroups++] = (unsigned)g;
				p = end;
			}
		}
	}
	fclose(f);
	if (found != 4)
		return -1;
	/* Kernels before the Kthread line: kthreadd and its children. */
	hp->kthread = hp->kthread || hp->tgid == 2 || hp->ppid == 2;
	snprintf(path, sizeof(path), "/proc/%d/status", hp->tgid);
	hp->sugid = stat(path, &st) == 0 && st.st_uid == 0 &&
	    hp->cred.euid != 0;
	return host_proc_stat(hp->tgid, hp);
}

/*
 * From /proc/ID/stat (proc_pid_stat(5)): the process group and session
 * (fields 5 and 6) and the start time (field 22, clock ticks after boot);
 * the fields after the command name, which may hold anything but ")".
 */
static int
host_proc_stat(int tgid, struct host_proc *hp)
{
	char path[64], line[1024], *p;
	unsigned long long start;
	long tck = sysconf(_SC_CLK_TCK);
	int pgid, sid, n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", tgid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return -1;
	n = sscanf(p + 1, " %*c %*d %d %d %*d %*d %*u %*u %*u %*u %*u %*u "
	    "%*u %*d %*d %*d %*d %*d %*d %llu", &pgid, &sid, &start);
	if (n != 3 || tck <= 0)
		return -1;
	hp->pgid = pgid;
	hp->sid = sid;
	hp->start_us = start / (unsigned long long)tck * 1000000 +
	    start % (unsigned long long)tck * (1000000 / (unsigned long long)tck);
	return 0;
}

int
host_self_pid(void)
{

	return getpid();
}

int
host_user_pid_now(void)
{

	return host_user_pid != 0 ? host_user_pid : getpid();
}

/* Whether process pid's root directory is at or under process under's. */
bool
host_root_isunder(int pid, int under)
{
	char path[64], root[PATH_MAX], top[PATH_MAX];
	ssize_t n, m;

	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	if ((n = readlink(path, root, sizeof(root) - 1)) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/root", under);
	if ((m = readlink(path, top, sizeof(top) - 1)) < 0)
		return false;
	root[n] = top[m] = '\0';
	if (strcmp(top, "/") == 0)
		return true;
	return strncmp(root, top, m) == 0 && (root[m] == '\0' || root[m] == '/');
}

/*
 * len bytes at uaddr of host process pid (0: the user process), moved
 * to or from kaddr; the bytes moved, or minus an errno.
 */
long
host_vm_rw(int pid, void *kaddr, unsigned long uaddr, size_t len, bool write)
{
	struct iovec local = { kaddr, len };
	struct iovec remote = { (void *)uaddr, len };
	bool self;
	ssize_t n;

	if (pid == 0)
		pid = host_user_pid_now();
	self = host_self_begin();
	n = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0) :
	    process_vm_readv(pid, &local, 1, &remote, 1, 0);
	host_self_end(self);
	return n < 0 ? -errno : n;
}

/*
 * The host's view of memory locking for process pid (0: the user process):
 * its soft RLIMIT_MEMLOCK, the bytes it has locked (VmLck), whether
 * [start, end) is mapped whole, the machine's pages; and locking a range
 * of this process (the unit tests' user process): 0 or an errno.
 */
/*
 * From /proc/PID/limits, which anyone may read: prlimit(2) of a process
 * of another user needs CAP_SYS_RESOURCE, which linuxrun may lack.
 */
unsigned long long
host_memlock_limit(int pid)
{
	char path[64], line[256], soft[32];
	unsigned long long limit = RLIM_INFINITY;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits",
	    pid == 0 ? host_user_pid_now() : pid);
	if ((f = fopen(path, "re")) == NULL)
		return RLIM_INFINITY;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "Max locked memory %31s", soft) == 1) {
			if (strcmp(soft, "unlimited") != 0)
				limit = strtoull(soft, NULL, 10);
			break;
		}
	}
	fclose(f);
	return limit;
}

unsigned long long
host_locked_bytes(int pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status",
	    pid == 0 ? host_user_pid_now() : pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmLck: %llu", &kb) == 1)
			break;
	}
	fclose(f);
	return kb * 1024;
}

bool
host_range_mapped(int pid, unsigned long start, unsigned long end)
{
	char path[64], line[512];
	unsigned long lo, hi, at = start;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps",
	    pid == 0 ? host_user_pid_now() : pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	/* The lines are sorted by address and do not overlap. */
	while (at < end && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi <= at)
			continue;
		if (lo > at)
			break;
		at = hi;
	}
	fclose(f);
	return at >= end;
}

unsigned long long
host_phys_pages(void)
{

	return (unsigned long long)sysconf(_SC_PHYS_PAGES);
}

int
host_mlock(unsigned long start, size_t len)
{

	return mlock((void *)start, len) == 0 ? 0 : errno;
}

/*
 * Host processes' exits and reapings, through a host pidfd of each: it
 * polls readable once the process has exited, and hangs up once it has
 * been reaped.  The watch set (an epoll instance) holds these and the
 * write ends of module files' pipes, for a thread that waits for either
 * (model_watch_wait).  A pidfd is in it for the hang-up only once its
 * exit has been seen, so that a zombie does not keep it ready.
 */
static int host_watch_fd = -1;
static int host_watch_stop_fd = -1;	/* an eventfd: the waits end */
static pthread_once_t host_watch_once = PTHREAD_ONCE_INIT;

static void
host_watch_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN };

	host_watch_fd = epoll_create1(EPOLL_CLOEXEC);
	host_watch_stop_fd = eventfd(0, EFD_CLOEXEC);
	ev.data.fd = host_watch_stop_fd;
	(void)epoll_ctl(host_watch_fd, EPOLL_CTL_ADD, host_watch_stop_fd, &ev);
}

static void
host_watch(int fd, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	pthread_once(&host_watch_once, host_watch_init);
	if (epoll_ctl(host_watch_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		(void)epoll_ctl(host_watch_fd, EPOLL_CTL_MOD, fd, &ev);
}

int
host_pidfd_watch(int pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0) {
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		host_watch(fd, EPOLLIN);
	}
	return fd;
}

void
host_pidfd_unwatch(int fd)
{

	if (fd < 0)
		return;
	(void)epoll_ctl(host_watch_fd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

enum host_pidfd_state
host_pidfd_state(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	if (fd < 0 || poll(&pfd, 1, 0) <= 0)
		return HOST_PIDFD_LIVE;
	if (pfd.revents & POLLHUP)
		return HOST_PIDFD_REAPED;
	/* Seen: from now on only the hang-up is of interest. */
	host_watch(fd, 0);
	return HOST_PIDFD_EXITED;
}

bool
model_watch_wait(void)
{
	struct epoll_event ev[16];
	struct pollfd stop = { -1, POLLIN, 0 };

	pthread_once(&host_watch_once, host_watch_init);
	(void)epoll_wait(host_watch_fd, ev, 16, -1);
	stop.fd = host_watch_stop_fd;
	return poll(&stop, 1, 0) == 0;
}

void
model_watch_stop(void)
{
	uint64_t one = 1;

	pthread_once(&host_watch_once, host_watch_init);
	(void)write(host_watch_stop_fd, &one, sizeof(one));
}

/* One thread at a time follows what the host did (model_proc_sync). */
static pthread_mutex_t host_sync_mutex = PTHREAD_MUTEX_INITIALIZER;

void
host_sync_begin(void)
{

	pthread_mutex_lock(&host_sync_mutex);
}

void
host_sync_end(void)
{

	pthread_mutex_unlock(&host_sync_mutex);
}

int
host_pgrp_members(int pgid, int *pids, int max)
{
	struct host_proc hp;
	struct dirent *d;
	DIR *dir;
	int n = 0, pid;

	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while (n < max && (d = readdir(dir)) != NULL) {
		if ((pid = atoi(d->d_name)) > 0 &&
		    host_proc_stat(pid, &hp) == 0 && hp.pgid == pgid)
			pids[n++] = pid;
	}
	closedir(dir);
	return n;
}

/*
 * A signal to host process pid (to its thread lid, if not 0), with the
 * Linux siginfo lsi.  The host sends one with a non-negative si_code, or
 * SI_TKILL, only as kill(2) and tgkill(2) send it, with this process's
 * ID and user (rt_sigqueueinfo(2): EPERM otherwise): its siginfo is kept
 * for linuxrun to give the receiver; any other goes as it is.
 */
/*
 * The siginfo of signals sent with kill(2) or tgkill(2), which carry this
 * process's ID and user instead of the sender's: linuxrun, which traces the
 * receiver, puts this one in place at its delivery stop (model_signal_info).
 */
#define	HOST_NSENT	32
static struct host_sent {
	int	pid, lid;
	int32_t	lsi[32];
} host_sent[HOST_NSENT];
static unsigned host_nsent;
static pthread_mutex_t host_sent_mutex = PTHREAD_MUTEX_INITIALIZER;

bool
model_signal_info(int pid, int tid, int sig, int32_t lsi[32])
{
	bool found = false;
	unsigned i;

	pthread_mutex_lock(&host_sent_mutex);
	for (i = 0; i < host_nsent && !found; i++) {
		struct host_sent *s = &host_sent[i];

		if (s->pid == pid && s->lsi[0] == sig &&
		    (s->lid == 0 || s->lid == tid)) {
			memcpy(lsi, s->lsi, sizeof(s->lsi));
			*s = host_sent[--host_nsent];
			found = true;
		}
	}
	pthread_mutex_unlock(&host_sent_mutex);
	return found;
}

void
host_signal_deliver(int pid, int lid, const int32_t lsi[32])
{
	siginfo_t info;
	long r;

	memcpy(&info, lsi, sizeof(info));
	if (lsi[2] >= 0 || lsi[2] == SI_TKILL) {
		pthread_mutex_lock(&host_sent_mutex);
		if (host_nsent < HOST_NSENT) {
			host_sent[host_nsent].pid = pid;
			host_sent[host_nsent].lid = lid;
			memcpy(host_sent[host_nsent].lsi, lsi,
			    sizeof(host_sent[0].lsi));
			host_nsent++;
		}
		pthread_mutex_unlock(&host_sent_mutex);
		r = lid != 0 ? syscall(SYS_tgkill, pid, lid, lsi[0]) :
		    kill(pid, lsi[0]);
	} else
		r = lid != 0 ? syscall(SYS_rt_tgsigqueueinfo, pid, lid, lsi[0],
		    &info) : syscall(SYS_rt_sigqueueinfo, pid, lsi[0], &info);
	if (r != 0 && errno != ESRCH) {
		char what[96];

		snprintf(what, sizeof(what), "host: signal %d to %d/%d: %s",
		    lsi[0], pid, lid, strerror(errno));
		host_report(what);
	}
}

/* A duplicate of descriptor ufd of host process pidfd's, or -1. */
int
host_pidfd_getfd(int pidfd, int ufd)
{
	bool self = host_self_begin();
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, ufd, 0);

	host_self_end(self);
	return fd;
}

/*
 * Descriptors made for the user process: a number reserved (the lowest
 * the process has free), then a host file installed at it, or the number
 * given back.  The unit tests' process is this one, whose number is held
 * by a placeholder until then; a traced one's is looked up in /proc, and
 * its file installed by linuxrun's installer (seccomp's ADDFD).
 */
static __thread int (*host_installer)(void *, int, int, bool);
static __thread void *host_installer_arg;

void
model_user_fd_installer(int (*fn)(void *, int, int, bool), void *arg)
{

	host_installer = fn;
	host_installer_arg = arg;
}

int
host_user_fd_reserve(void)
{
	char path[64];
	int fd;

	if (host_user_pid == 0) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (host_installer == NULL) {
		host_report("linuxrun sets no descriptor installer: "
		    "a routed call cannot make a descriptor");
		return -EMFILE;
	}
	/* The lowest number the traced process has free now. */
	for (fd = 0; fd < 65536; fd++) {
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", host_user_pid,
		    fd);
		if (lstat(path, &st) != 0 && errno == ENOENT)
			return fd;
	}
	return -EMFILE;
}

void
host_user_fd_release(int ufd)
{

	if (host_user_pid == 0)
		close(ufd);
}

int
host_user_fd_install(int fd, int ufd, bool cloexec)
{

	if (host_user_pid != 0)
		return host_installer == NULL ? EMFILE :
		    host_installer(host_installer_arg, fd, ufd, cloexec);
	return dup3(fd, ufd, cloexec ? O_CLOEXEC : 0) == ufd ? 0 : errno;
}

/*
 * A module file's host side: a pipe whose read end the user process gets
 * (nonblocking if the file is) and whose write end the model keeps
 * (watched: it fails, POLLERR, once no read end is left anywhere); the
 * read end's identity.
 */
int
host_file_pipe(int *rfd, int *wfd, bool nonblock, unsigned long *dev,
    unsigned long *ino)
{
	struct stat st;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) != 0)
		return errno;
	if ((nonblock && fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) ||
	    fstat(fds[0], &st) != 0) {
		close(fds[0]);
		close(fds[1]);
		return EMFILE;
	}
	*rfd = fds[0];
	*wfd = fds[1];
	*dev = st.st_dev;
	*ino = st.st_ino;
	host_watch(fds[1], 0);
	return 0;
}

bool
host_file_unread(int wfd)
{
	struct pollfd pfd = { wfd, 0, 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR) != 0;
}

void
host_file_ready(int wfd)
{
	char byte = 1;

	(void)write(wfd, &byte, 1);
}

void
host_file_gone(int wfd)
{

	(void)epoll_ctl(host_watch_fd, EPOLL_CTL_DEL, wfd, NULL);
	close(wfd);
}
