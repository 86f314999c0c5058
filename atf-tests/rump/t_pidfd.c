/*
 * t_pidfd: pidfd_open, pidfd_send_signal and pidfd_getfd on the rump
 * kernel's own processes (made by rfork, as t_procmem makes them), their
 * descriptors and files (fd_allocfile, fd_affix, fd_abort; the kernel's
 * fcntl, fstat, read, write, lseek, dup and close reaching the module's
 * fileops), readiness through the kernel's own poll(2), select(2) and
 * kevent(2) before and after the process exits (its proc specificdata
 * destructor), signals posted with proc_lock and p_lock held (LOCKDEBUG
 * checks them), another process's descriptor taken with fd_getfile2 and
 * fd_dup while the process is held by p_reflock, and kauth(9)'s refusals.
 *
 * What a rump kernel cannot show, and why (tools/rump/README.md):
 * - zombies: a rump process's last LWP frees the process at once
 *   (rumpkern/lwproc.c, lwproc_freelwp and lwproc_proc_free: no exit1, no
 *   SZOMB, no wait), so an exited process is always a reaped one here:
 *   readable and hung up at once, ESRCH for a signal;
 * - a permitted unprivileged request: the rump kernel has secmodel_suser
 *   (root may) but neither kern_sig.c's signal listener nor sys_process.c's
 *   ptrace listener (rumpkern/Makefile.rumpkern), so kauth refuses a
 *   non-root user even its own processes; that case is skipped, and only
 *   refusals across users, which a NetBSD kernel gives as well, are
 *   asserted;
 * - the signal's siginfo: the rump kernel's kpsignal records the signal
 *   number only (rumpkern/signals.c, RUMP_SIGMODEL_RECORD).
 */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "h_rump.h"

/* Linux's pidfd flags (include/uapi/linux/pidfd.h) and signals. */
#define	L_PIDFD_NONBLOCK	04000
#define	L_PIDFD_THREAD		0200
#define	L_PIDFD_SIGNAL_THREAD	1
#define	L_SIGUSR1		10
#define	L_SIGSTKFLT		16
#define	L_SI_QUEUE		(-1)
#define	L_SI_USER		0

/* NetBSD's numbers, which the rump kernel records (sys/signal.h). */
#define	NB_SIGUSR1		30
#define	NB_SIGUSR2		31

/* NetBSD's fcntl(2) commands and flag (sys/fcntl.h; Linux's agree). */
#define	NB_F_GETFD		1
#define	NB_F_GETFL		3
#define	NB_F_SETFL		4
#define	NB_FD_CLOEXEC		1
#define	NB_O_ACCMODE		3
#define	NB_DTYPE_MISC		5	/* sys/file.h */

#ifdef __NetBSD__
#include <sys/event.h>
#include <sys/stat.h>
#define	nb_stat		stat
#define	nb_kevent	kevent
#else
/* NetBSD's struct stat (sys/stat.h, since 5.0) on amd64. */
struct nb_stat {
	uint64_t	st_dev;
	uint32_t	st_mode;
	uint64_t	st_ino;
	uint32_t	st_nlink;
	uint32_t	st_uid;
	uint32_t	st_gid;
	uint64_t	st_rdev;
	struct {
		int64_t	tv_sec;
		long	tv_nsec;
	}		st_times[4];
	int64_t		st_size;
	int64_t		st_blocks;
	uint32_t	st_blksize;
	uint32_t	st_flags;
	uint32_t	st_gen;
	uint32_t	st_spare[2];
};
/* NetBSD's struct kevent (sys/event.h of 7.99) and its values. */
struct nb_kevent {
	uintptr_t	ident;
	uint32_t	filter;
	uint32_t	flags;
	uint32_t	fflags;
	int64_t		data;
	intptr_t	udata;
};
#define	EVFILT_READ	0
#define	EVFILT_WRITE	1
#define	EV_ADD		0x0001
#define	EV_ENABLE	0x0004
#endif

static int
pidfd_open(pid_t pid, unsigned flags)
{

	return (int)CALL(NR_PIDFD_OPEN, pid, flags, 0, 0, 0, 0);
}

/* Linux's siginfo: signo, errno, code, then the rest of 128 bytes. */
struct l_siginfo {
	int32_t		lsi_signo;
	int32_t		lsi_errno;
	int32_t		lsi_code;
	int32_t		pad;
	int32_t		lsi_pid;
	uint32_t	lsi_uid;
	uint8_t		rest[104];
};

/*
 * A new process, child of the calling LWP's, with a descriptor table of
 * its own; the caller's LWP is current again on return.  *lp gets the
 * child's only LWP.
 */
static pid_t
spawn(struct lwp **lp)
{
	struct lwp *self = rump_pub_lwproc_curlwp();
	pid_t pid;

	RL(rump_pub_lwproc_rfork(RUMP_RFCFDG));
	pid = rump_sys_getpid();
	*lp = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(self);
	return pid;
}

/* Runs as l until leave(): the caller's LWP is given back. */
static struct lwp *
enter(struct lwp *l)
{
	struct lwp *self = rump_pub_lwproc_curlwp();

	rump_pub_lwproc_switch(l);
	return self;
}

static void
leave(struct lwp *self)
{

	rump_pub_lwproc_switch(self);
}

/* The process whose only LWP l is exits (its last LWP released). */
static void
end(struct lwp *l)
{
	struct lwp *self = enter(l);

	rump_pub_lwproc_releaselwp();
	leave(self);
}

static int
poll_now(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	int n;

	n = rump_sys_poll(&p, 1, 0);
	ATF_REQUIRE_MSG(n != -1, "poll: errno %d", errno);
	return n == 0 ? 0 : p.revents;
}

/* Whether select(2) finds fd in its set now. */
enum sel_set { SEL_READ, SEL_WRITE, SEL_EXCEPT };
static int
select_now(int fd, enum sel_set which)
{
	struct timeval tv = { 0, 0 };
	fd_set set;
	int n;

	ATF_REQUIRE(fd < 32);	/* the first word, laid out alike */
	FD_ZERO(&set);
	FD_SET(fd, &set);
	n = rump_sys_select(fd + 1, which == SEL_READ ? &set : NULL,
	    which == SEL_WRITE ? &set : NULL,
	    which == SEL_EXCEPT ? &set : NULL, &tv);
	ATF_REQUIRE_MSG(n != -1, "select: errno %d", errno);
	return n == 1 && FD_ISSET(fd, &set);
}

/* --- pidfd_open ---------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(open);
ATF_TC_BODY(open, tc)
{
	struct clrs_counts c;
	struct clrs_refs r;
	struct nb_stat st, st2;
	struct lwp *child;
	pid_t pid;
	int fd, fd2, nbfd;

	clrs_boot(tc, CLRS_TMPFS);
	pid = spawn(&child);
	ATF_REQUIRE_EQ(rump_clrs_pidfd_busy(), 0);

	/* Flags, then the ID, then the process, in Linux's order. */
	clrs_counts(&c, 0);
	CHECK_ERR(RUMP_EINVAL, pidfd_open(pid, 1));
	CHECK_ERR(RUMP_EINVAL, pidfd_open(pid, L_PIDFD_THREAD));
	CHECK_ERR(RUMP_EINVAL, pidfd_open(pid, 0x80000000u));
	CHECK_ERR(RUMP_EINVAL, pidfd_open(0, 0));
	CHECK_ERR(RUMP_EINVAL, pidfd_open(-1, 0));
	CHECK_ERR(RUMP_EINVAL, pidfd_open(99999, 1));
	CHECK_ERR(RUMP_ESRCH, pidfd_open(99999, 0));
	/* Only the low 32 bits of the register are the pid. */
	CHECK_ERR(RUMP_ESRCH, CALL(NR_PIDFD_OPEN, 0x100000000ull | 99999, 0,
	    0, 0, 0, 0));
	clrs_check_counts(&c);
	ATF_CHECK_EQ(rump_clrs_pidfd_busy(), 0);

	/* A file of the module's type, close-on-exec, read-write. */
	fd = pidfd_open(pid, 0);
	ATF_REQUIRE_MSG(fd >= 0, "pidfd_open: errno %d", clrs_errno);
	ATF_CHECK_EQ(rump_clrs_pidfd_busy(), 1);
	ATF_REQUIRE_EQ(rump_clrs_fd_refs(fd, &r), 0);
	ATF_CHECK_EQ(r.module_file, 1);
	ATF_CHECK_EQ(r.file_type, NB_DTYPE_MISC);
	ATF_CHECK_EQ(r.file_refs, 1);
	ATF_CHECK_EQ(rump_sys_fcntl(fd, NB_F_GETFD), NB_FD_CLOEXEC);
	ATF_CHECK_EQ(rump_sys_fcntl(fd, NB_F_GETFL) &
	    (NB_O_ACCMODE | RUMP_O_NONBLOCK), RUMP_O_RDWR);
	/* The kernel's fstat, read, write and lseek, the module's answers. */
	RL(rump_sys_fstat(fd, (void *)&st));
	ATF_CHECK_EQ(st.st_mode, 0700);
	ATF_CHECK_EQ(st.st_nlink, 1);
	ATF_CHECK_EQ(st.st_uid, 0);
	ATF_CHECK(st.st_ino != 0);
	{
		char b[4];

		ATF_CHECK_EQ(rump_sys_read(fd, b, sizeof(b)), -1);
		ATF_CHECK_EQ(errno, RUMP_EINVAL);
		ATF_CHECK_EQ(rump_sys_write(fd, b, sizeof(b)), -1);
		ATF_CHECK_EQ(errno, RUMP_EINVAL);
		ATF_CHECK_EQ(rump_sys_lseek(fd, 0, 0), -1);
		ATF_CHECK_EQ(errno, RUMP_ESPIPE);
	}

	/* Another pidfd of the process: the same inode, its own file. */
	nbfd = pidfd_open(pid, L_PIDFD_NONBLOCK);
	ATF_REQUIRE_MSG(nbfd > fd, "pidfd_open: %d, errno %d", nbfd,
	    clrs_errno);
	ATF_CHECK_EQ(rump_sys_fcntl(nbfd, NB_F_GETFL) &
	    (NB_O_ACCMODE | RUMP_O_NONBLOCK), RUMP_O_RDWR | RUMP_O_NONBLOCK);
	RL(rump_sys_fstat(nbfd, (void *)&st2));
	ATF_CHECK_EQ(st2.st_ino, st.st_ino);
	/* F_SETFL reaches the module's ioctl with FIONBIO. */
	RL(rump_sys_fcntl(nbfd, NB_F_SETFL, 0));
	ATF_CHECK_EQ(rump_sys_fcntl(nbfd, NB_F_GETFL) & RUMP_O_NONBLOCK, 0);

	/* Its own process: another inode. */
	fd2 = pidfd_open(clrs_pid(), 0);
	ATF_REQUIRE_MSG(fd2 >= 0, "pidfd_open: errno %d", clrs_errno);
	RL(rump_sys_fstat(fd2, (void *)&st2));
	ATF_CHECK(st2.st_ino != st.st_ino);
	RL(rump_sys_close(fd2));

	/*
	 * A duplicate shares the file (f_count 2); the module's close runs
	 * at the last reference only (closef), then nothing is held.
	 */
	RL(fd2 = rump_sys_dup(fd));
	ATF_REQUIRE_EQ(rump_clrs_fd_refs(fd, &r), 0);
	ATF_CHECK_EQ(r.file_refs, 2);
	RL(rump_sys_close(nbfd));
	RL(rump_sys_close(fd));
	ATF_CHECK_EQ(rump_clrs_pidfd_busy(), 1);
	ATF_REQUIRE_EQ(rump_clrs_fd_refs(fd2, &r), 0);
	ATF_CHECK_EQ(r.file_refs, 1);
	ATF_CHECK_EQ(r.module_file, 1);
	ATF_CHECK_EQ(poll_now(fd2, POLLIN), 0);
	RL(rump_sys_close(fd2));
	ATF_CHECK_EQ(rump_clrs_pidfd_busy(), 0);
	ATF_CHECK_EQ(rump_sys_fcntl(fd2, NB_F_GETFD), -1);
	ATF_CHECK_EQ(errno, RUMP_EBADF);

	/* The lowest free descriptor, as fd_allocfile gives it. */
	CHECK_RET(fd, pidfd_open(clrs_pid(), 0));
	RL(rump_sys_close(fd));

	/* Gone: ESRCH. */
	end(child);
	CHECK_ERR(RUMP_ESRCH, pidfd_open(pid, 0));
	ATF_CHECK_EQ(rump_clrs_pidfd_busy(), 0);
}

/* --- readiness ------------------------------------------------------------ */

struct poller {
	pthread_t	thread;
	int		fd;
	int		n;
	short		revents;
	int		err;
	volatile int	done;
};

/* poll(2) for POLLIN on p->fd, up to 30 seconds, on an LWP of its own. */
static void *
poller_main(void *v)
{
	struct poller *p = v;
	struct pollfd pfd = { p->fd, POLLIN, 0 };

	clrs_thread_enter();
	p->n = rump_sys_poll(&pfd, 1, 30000);
	p->err = errno;
	p->revents = pfd.revents;
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	clrs_thread_leave();
	return NULL;
}

ATF_TC(poll);
ATF_TC_HEAD(poll, tc)
{
	atf_tc_set_md_var(tc, "descr", "a pidfd is neither readable nor "
	    "writable while its process lives; its exit wakes a poller "
	    "waiting in the kernel's poll(2), and poll, select and kevent "
	    "then find it readable and hung up (exited and reaped)");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(poll, tc)
{
	const struct nb_kevent reg[2] = {
		{ 0, EVFILT_READ, EV_ADD | EV_ENABLE, 0, 0, 0 },
		{ 0, EVFILT_WRITE, EV_ADD | EV_ENABLE, 0, 0, 0 },
	};
	const struct timespec now = { 0, 0 };
	struct nb_kevent ch[2], ev[2];
	struct poller p;
	struct lwp *child;
	pid_t pid;
	int fd, kq, i;

	clrs_boot(tc, CLRS_TMPFS);
	pid = spawn(&child);
	RL(fd = pidfd_open(pid, 0));
	ATF_CHECK_EQ(poll_now(fd, POLLIN | POLLRDNORM | POLLOUT), 0);
	ATF_CHECK(!select_now(fd, SEL_READ));
	ATF_CHECK(!select_now(fd, SEL_WRITE));
	ATF_CHECK(!select_now(fd, SEL_EXCEPT));
	/* The module's kqfilter: both filters attach, neither fires. */
	RL(kq = rump_sys_kqueue());
	memcpy(ch, reg, sizeof(ch));
	ch[0].ident = ch[1].ident = (uintptr_t)fd;
	ATF_REQUIRE_EQ(rump_sys_kevent(kq, (const void *)ch, 2, NULL, 0,
	    &now), 0);
	ATF_CHECK_EQ(rump_sys_kevent(kq, NULL, 0, (void *)ev, 2, &now), 0);

	memset(&p, 0, sizeof(p));
	p.fd = fd;
	ATF_REQUIRE_EQ(pthread_create(&p.thread, NULL, poller_main, &p), 0);
	clrs_sleep_ms(200);
	ATF_REQUIRE_MSG(!__atomic_load_n(&p.done, __ATOMIC_ACQUIRE),
	    "poll returned with the process alive: %d, revents %#x", p.n,
	    p.revents);
	/* The exit: the destructor's selnotify wakes the poller. */
	end(child);
	for (i = 0; i < 5000 && !__atomic_load_n(&p.done, __ATOMIC_ACQUIRE);
	    i++)
		clrs_sleep_ms(1);
	ATF_REQUIRE_MSG(p.done, "the exit did not wake the poller");
	ATF_REQUIRE_EQ(pthread_join(p.thread, NULL), 0);
	ATF_CHECK_MSG(p.n == 1 && p.revents == (POLLIN | POLLHUP),
	    "poll: %d (errno %d), revents %#x", p.n, p.err, p.revents);

	ATF_CHECK_EQ(poll_now(fd, POLLIN | POLLRDNORM | POLLOUT),
	    POLLIN | POLLRDNORM | POLLHUP);
	/*
	 * poll for POLLOUT alone asks what select's write scan asks
	 * (sys/poll.h: POLLWRNORM is POLLOUT): no POLLHUP, as pidfd.rs says.
	 */
	ATF_CHECK_EQ(poll_now(fd, POLLOUT), 0);
	ATF_CHECK_EQ(poll_now(fd, POLLIN | POLLOUT), POLLIN | POLLHUP);
	/*
	 * select's write and exception scans (sys_select.c, sel_flag: the
	 * first asks for POLLHUP too) count any bit fo_poll answers; Linux's
	 * select never finds a pidfd writable or exceptional.
	 */
	ATF_CHECK(select_now(fd, SEL_READ));
	ATF_CHECK(!select_now(fd, SEL_WRITE));
	ATF_CHECK(!select_now(fd, SEL_EXCEPT));
	ATF_CHECK_EQ(rump_sys_kevent(kq, NULL, 0, (void *)ev, 2, &now), 1);
	ATF_CHECK_EQ(ev[0].ident, (uintptr_t)fd);
	ATF_CHECK_EQ(ev[0].filter, EVFILT_READ);
	/* Closing the pidfd takes its knotes off (the module's detach). */
	RL(rump_sys_close(fd));
	ATF_CHECK_EQ(rump_sys_kevent(kq, NULL, 0, (void *)ev, 2, &now), 0);
	RL(rump_sys_close(kq));
	ATF_CHECK_EQ(rump_clrs_pidfd_busy(), 0);
}

/* --- pidfd_send_signal --------------------------------------------------- */

static int64_t
send_signal(int fd, int sig, const struct l_siginfo *info, unsigned flags)
{

	return CALL(NR_PIDFD_SEND_SIGNAL, fd, sig, info, flags, 0, 0);
}

ATF_TC_WITHOUT_HEAD(send_signal);
ATF_TC_BODY(send_signal, tc)
{
	struct l_siginfo info;
	struct clrs_counts c;
	struct lwp *child;
	pid_t pid;
	int fd, filefd;

	clrs_boot(tc, CLRS_TMPFS);
	pid = spawn(&child);
	RL(fd = pidfd_open(pid, 0));
	filefd = clrs_create("f", "x", 1, 0644);

	/* Signal 0 asks only; a signal is posted (kpsignal2, LOCKDEBUG). */
	clrs_counts(&c, 2, fd, filefd);
	CHECK_RET(0, send_signal(fd, 0, NULL, 0));
	ATF_CHECK_EQ(rump_clrs_signal_pending(pid, NB_SIGUSR1), 0);
	CHECK_RET(0, send_signal(fd, L_SIGUSR1, NULL, 0));
	ATF_CHECK_EQ(rump_clrs_signal_pending(pid, NB_SIGUSR1), 1);
	ATF_CHECK_EQ(rump_clrs_signal_pending(clrs_pid(), NB_SIGUSR1), 0);
	rump_clrs_clear_signals(pid);
	/* A siginfo of a queued signal, to another process. */
	memset(&info, 0, sizeof(info));
	info.lsi_signo = L_SIGUSR1;
	info.lsi_code = L_SI_QUEUE;
	CHECK_RET(0, send_signal(fd, L_SIGUSR1, &info, 0));
	ATF_CHECK_EQ(rump_clrs_signal_pending(pid, NB_SIGUSR1), 1);
	rump_clrs_clear_signals(pid);

	/* The errors, in Linux's order. */
	CHECK_ERR(RUMP_EINVAL, send_signal(fd, L_SIGUSR1, NULL, 8));
	CHECK_ERR(RUMP_EINVAL, send_signal(fd, L_SIGUSR1, NULL,
	    L_PIDFD_SIGNAL_THREAD | 2));
	CHECK_ERR(RUMP_EBADF, send_signal(filefd, L_SIGUSR1, NULL, 0));
	CHECK_ERR(RUMP_EBADF, send_signal(99, L_SIGUSR1, NULL, 0));
	CHECK_ERR(RUMP_EBADF, send_signal(-1, L_SIGUSR1, NULL, 0));
	info.lsi_signo = L_SIGUSR1 + 1;
	CHECK_ERR(RUMP_EINVAL, send_signal(fd, L_SIGUSR1, &info, 0));
	info.lsi_signo = L_SIGUSR1;
	info.lsi_code = L_SI_USER;	/* as kill(2): not from a user */
	CHECK_ERR(RUMP_EPERM, send_signal(fd, L_SIGUSR1, &info, 0));
	CHECK_ERR(RUMP_EINVAL, send_signal(fd, L_SIGSTKFLT, NULL, 0));
	CHECK_ERR(RUMP_EINVAL, send_signal(fd, 65, NULL, 0));
	CHECK_ERR(RUMP_EINVAL, send_signal(fd, -1, NULL, 0));
	clrs_check_counts(&c);
	ATF_CHECK_EQ(rump_clrs_signal_pending(pid, NB_SIGUSR1), 0);
	ATF_CHECK_EQ(rump_clrs_signal_pending(pid, NB_SIGUSR2), 0);

	/* Gone (reaped: see the head comment): ESRCH, the checks first. */
	end(child);
	CHECK_ERR(RUMP_ESRCH, send_signal(fd, 0, NULL, 0));
	CHECK_ERR(RUMP_ESRCH, send_signal(fd, L_SIGUSR1, NULL, 0));
	CHECK_ERR(RUMP_EINVAL, send_signal(fd, L_SIGUSR1, NULL, 8));
	RL(rump_sys_close(fd));
	RL(rump_sys_close(filefd));
}

/* --- pidfd_getfd --------------------------------------------------------- */

static int64_t
getfd(int pidfd, int targetfd, unsigned flags)
{

	return CALL(NR_PIDFD_GETFD, pidfd, targetfd, flags, 0, 0, 0);
}

ATF_TC_WITHOUT_HEAD(getfd);
ATF_TC_BODY(getfd, tc)
{
	struct clrs_counts c, cc;
	struct clrs_refs r;
	struct lwp *child, *self;
	char buf[8];
	pid_t pid;
	int pfd, theirs, mine, own;

	clrs_boot(tc, CLRS_TMPFS);
	pid = spawn(&child);
	/* A file of the child's, at offset 2. */
	self = enter(child);
	theirs = clrs_create(MNT "/f", "abcdef", 6, 0644);
	RL(rump_sys_lseek(theirs, 2, 0));
	clrs_counts(&cc, 1, theirs);
	leave(self);
	RL(pfd = pidfd_open(pid, 0));

	/* The same open file, shared: one more f_count, no vnode ref. */
	clrs_counts(&c, 1, pfd);
	mine = (int)getfd(pfd, theirs, 0);
	ATF_REQUIRE_MSG(mine >= 0, "pidfd_getfd: errno %d", clrs_errno);
	clrs_check_counts(&c);
	ATF_REQUIRE_EQ(rump_clrs_fd_refs(mine, &r), 0);
	ATF_CHECK_EQ(r.file_refs, 2);
	ATF_CHECK_EQ(r.vnode_refs, cc.fd[0].vnode_refs);
	ATF_CHECK_EQ(r.fd_users, 0);
	ATF_CHECK_EQ(rump_sys_fcntl(mine, NB_F_GETFD), NB_FD_CLOEXEC);
	ATF_CHECK_EQ(rump_sys_read(mine, buf, 2), 2);
	ATF_CHECK(memcmp(buf, "cd", 2) == 0);
	self = enter(child);
	/* Its offset moved with ours; its descriptor not held (ff_refcnt). */
	ATF_CHECK_EQ(rump_sys_lseek(theirs, 0, 1), 4);
	cc.fd[0].file_refs++;
	clrs_check_counts(&cc);
	leave(self);

	/* The errors, in Linux's order. */
	clrs_counts(&c, 2, pfd, mine);
	CHECK_ERR(RUMP_EINVAL, getfd(pfd, theirs, 1));
	CHECK_ERR(RUMP_EINVAL, getfd(mine, theirs, 1));
	CHECK_ERR(RUMP_EBADF, getfd(mine, theirs, 0));
	CHECK_ERR(RUMP_EBADF, getfd(99, theirs, 0));
	CHECK_ERR(RUMP_EBADF, getfd(pfd, theirs + 1, 0));
	CHECK_ERR(RUMP_EBADF, getfd(pfd, 99, 0));
	CHECK_ERR(RUMP_EBADF, getfd(pfd, -1, 0));
	clrs_check_counts(&c);

	/* Of its own process: a duplicate of the caller's descriptor. */
	RL(own = pidfd_open(clrs_pid(), 0));
	CHECK_RET(own + 1, getfd(own, mine, 0));
	ATF_REQUIRE_EQ(rump_clrs_fd_refs(mine, &r), 0);
	ATF_CHECK_EQ(r.file_refs, 3);
	ATF_CHECK_EQ(rump_sys_fcntl(own + 1, NB_F_GETFD), NB_FD_CLOEXEC);
	RL(rump_sys_close(own + 1));
	CHECK_ERR(RUMP_EBADF, getfd(own, own + 1, 0));
	RL(rump_sys_close(own));

	/* Closing ours leaves the child's. */
	RL(rump_sys_close(mine));
	self = enter(child);
	cc.fd[0].file_refs--;
	clrs_check_counts(&cc);
	leave(self);
	/*
	 * Gone: ESRCH.  Its exit frees its p_reflock (rw_destroy under
	 * LOCKDEBUG): no hold of the calls above was left.
	 */
	end(child);
	CHECK_ERR(RUMP_ESRCH, getfd(pfd, theirs, 0));
	CHECK_ERR(RUMP_EINVAL, getfd(pfd, theirs, 1));
	RL(rump_sys_close(pfd));
}

/* --- permissions -------------------------------------------------------- */

ATF_TC_WITHOUT_HEAD(other_user);
ATF_TC_BODY(other_user, tc)
{
	struct lwp *victim, *stranger, *self;
	struct clrs_counts c;
	pid_t vpid;
	int fd, vfd;

	clrs_boot(tc, CLRS_TMPFS);
	/* A root process with a file open, and another user's process. */
	vpid = spawn(&victim);
	self = enter(victim);
	vfd = clrs_create(MNT "/f", "x", 1, 0644);
	leave(self);
	(void)spawn(&stranger);
	self = enter(stranger);
	RL(rump_sys_setuid(1000));
	/* Anyone may refer to a process; kauth decides the rest. */
	RL(fd = pidfd_open(vpid, 0));
	clrs_counts(&c, 1, fd);
	CHECK_ERR(RUMP_EPERM, send_signal(fd, 0, NULL, 0));
	CHECK_ERR(RUMP_EPERM, send_signal(fd, L_SIGUSR1, NULL, 0));
	CHECK_ERR(RUMP_EPERM, getfd(fd, vfd, 0));
	CHECK_ERR(RUMP_EPERM, getfd(fd, 99, 0));
	clrs_check_counts(&c);
	ATF_CHECK_EQ(rump_clrs_signal_pending(vpid, NB_SIGUSR1), 0);
	RL(rump_sys_close(fd));
	leave(self);
	/* Root may. */
	RL(fd = pidfd_open(vpid, 0));
	CHECK_RET(0, send_signal(fd, L_SIGUSR1, NULL, 0));
	ATF_CHECK_EQ(rump_clrs_signal_pending(vpid, NB_SIGUSR1), 1);
	RL(vfd = (int)getfd(fd, vfd, 0));
	RL(rump_sys_close(vfd));
	RL(rump_sys_close(fd));
	end(stranger);
	end(victim);
}

ATF_TC_WITHOUT_HEAD(same_user);
ATF_TC_BODY(same_user, tc)
{

	atf_tc_skip("a rump kernel links neither kern_sig.c's signal "
	    "listener nor sys_process.c's ptrace listener (rumpkern/"
	    "Makefile.rumpkern: signals.c stands for kern_sig.c), so kauth "
	    "refuses an unprivileged user's signal and PT_ATTACH even to "
	    "its own processes, which NetBSD permits (kauth_cred_uidmatch); "
	    "the refusal across users is other_user");
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, open);
	ATF_TP_ADD_TC(tp, poll);
	ATF_TP_ADD_TC(tp, send_signal);
	ATF_TP_ADD_TC(tp, getfd);
	ATF_TP_ADD_TC(tp, other_user);
	ATF_TP_ADD_TC(tp, same_user);
	return atf_no_error();
}
