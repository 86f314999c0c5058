/*
 * h_rump.h: what the rump kernel test programs share.
 *
 * Each test case boots its own rump kernel (kyua runs every case in a
 * process of its own), makes a process in it, mounts the file system the
 * case names, and calls the module's handlers through the harness's
 * dispatcher (tools/rump/harness/clrs_rump.h) by their Linux numbers.
 * Results are NetBSD errno values (RUMP_E*): what the handlers return to
 * compat_linux, which translates them for the Linux program.
 */
#ifndef _H_RUMP_H_
#define _H_RUMP_H_

#include <sys/types.h>
#include <stdint.h>

#include <atf-c.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

#include "clrs_rump.h"

/* Linux amd64 system call numbers of the module's calls. */
#define	NR_SEMTIMEDOP		220
#define	NR_SYNC_FILE_RANGE	277
#define	NR_SYNCFS		306
#define	NR_GETCPU		309
#define	NR_PROCESS_VM_READV	310
#define	NR_PROCESS_VM_WRITEV	311
#define	NR_RENAMEAT2		316
#define	NR_MEMBARRIER		324
#define	NR_MLOCK2		325
#define	NR_COPY_FILE_RANGE	326
#define	NR_PREADV2		327
#define	NR_PWRITEV2		328
#define	NR_PIDFD_SEND_SIGNAL	424
#define	NR_PIDFD_OPEN		434
#define	NR_CLONE3		435
#define	NR_OPENAT2		437
#define	NR_PIDFD_GETFD		438
#define	NR_FACCESSAT2		439
#define	NR_FCHMODAT2		452

/* Linux flag values (include/uapi/linux/fcntl.h, fs.h, sched.h). */
#define	L_AT_FDCWD		(-100)
#define	L_AT_SYMLINK_NOFOLLOW	0x100
#define	L_AT_EACCESS		0x200
#define	L_AT_EMPTY_PATH		0x1000
#define	L_RENAME_NOREPLACE	1
#define	L_RENAME_EXCHANGE	2
#define	L_RENAME_WHITEOUT	4
#define	L_SFR_WAIT_BEFORE	1
#define	L_SFR_WRITE		2
#define	L_SFR_WAIT_AFTER	4

/* The file systems a case runs on. */
enum clrs_fs { CLRS_TMPFS, CLRS_FFS };
/* Where it is mounted. */
#define	MNT	"/mnt"

/*
 * Mounts fs on dir (made if missing) with the mount flags (RUMP_MNT_*):
 * for ffs the file system in the host file image, as a block device.
 * 0 or a NetBSD errno.
 */
int	clrs_mount(enum clrs_fs, const char *, const char *, int);
/*
 * Boots the rump kernel (signals recorded, not raised), makes a process
 * for the calling thread and mounts fs at MNT; for ffs a copy of the
 * empty image the config variable ffs_image names, left in the case's
 * working folder as "ffs.img".
 */
void	clrs_boot(const atf_tc_t *, enum clrs_fs);
/* The process clrs_boot made. */
pid_t	clrs_pid(void);
/* Binds a new LWP of that process to the calling thread (and releases it). */
void	clrs_thread_enter(void);
void	clrs_thread_leave(void);

/*
 * One Linux system call through the dispatcher: the result, or -1 with
 * the handler's NetBSD errno in clrs_errno.  Each thread has a user stack
 * of its own (CLRS_USTACK bytes), whose top the trap frame gets.
 */
#define	CLRS_USTACK	(64 * 1024)
extern __thread int clrs_errno;
int64_t	clrs_call(unsigned long, uint64_t, uint64_t, uint64_t, uint64_t,
	    uint64_t, uint64_t);
#define	CALL(nr, a, b, c, d, e, f) \
	clrs_call((nr), (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), \
	    (uint64_t)(d), (uint64_t)(e), (uint64_t)(f))
/* The calling thread's user stack, for checks of what was written there. */
unsigned char *clrs_user_stack(void);

/* Checks that a call failed with errno e. */
#define	CHECK_ERR(e, call) do {						\
	int64_t r_ = (call);						\
	ATF_CHECK_MSG(r_ == -1 && clrs_errno == (e),			\
	    "%s: %lld, errno %d, expected errno %d (%s)", #call,	\
	    (long long)r_, r_ == -1 ? clrs_errno : 0, (e), #e);	\
} while (0)
/* Checks that a call returned v. */
#define	CHECK_RET(v, call) do {						\
	int64_t r_ = (call);						\
	ATF_CHECK_MSG(r_ == (int64_t)(v),				\
	    "%s: %lld (errno %d), expected %lld", #call,		\
	    (long long)r_, r_ == -1 ? clrs_errno : 0, (long long)(v));	\
} while (0)
/* A rump system call that must succeed. */
#define	RL(x) ATF_REQUIRE_MSG((x) != -1, "%s: errno %d", #x, errno)

/* Files. */
int	clrs_create(const char *, const void *, size_t, int);
/*
 * Writes the file out and turns read-ahead off for the descriptor, before
 * the tests read a file back.  The 7.99 rump kernel's uvm_page_unbusy()
 * (sys/rump/librump/rumpkern/vm.c) dereferences its first page for a
 * DIAGNOSTIC lock check, though read-ahead's give-up path hands it a
 * missing first page when a page is busy (genfs_getpages() with
 * UFP_NOWAIT, miscfs/genfs/genfs_io.c): a read of a file whose pages are
 * being written back can crash that kernel, whoever reads.
 */
void	clrs_quiesce(int);
void	clrs_check_contents(const char *, const void *, size_t);
off_t	clrs_size(const char *);
int	clrs_exists(const char *);
/* byte i of the test pattern with seed s */
unsigned char clrs_pattern(uint64_t, unsigned);
void	clrs_fill(unsigned char *, size_t, uint64_t, unsigned);

/*
 * The kernel's counts around a call: the references of each descriptor
 * named (its file, its users, its vnode, that vnode's lock, its mount)
 * and of the working directory, and the live credentials.
 */
#define	CLRS_MAXFDS	4
struct clrs_counts {
	int		nfds;
	int		fds[CLRS_MAXFDS];
	struct clrs_refs fd[CLRS_MAXFDS];
	struct clrs_refs cwd, mnt;
	long		creds;
	/*
	 * Set when files are created or removed meanwhile: every vnode in
	 * the cache holds a reference on its mount, so the mount's count is
	 * then not compared.
	 */
	int		files_change;
};
void	clrs_counts(struct clrs_counts *, int, ...);
/* Checks the counts now against those taken before. */
void	clrs_check_counts(const struct clrs_counts *);

/* Nanoseconds on the monotonic clock. */
uint64_t clrs_now(void);
/* Sleeps ms milliseconds (the host's clock). */
void	clrs_sleep_ms(unsigned);

#ifndef __unused
#define	__unused	__attribute__((__unused__))
#endif

/*
 * FS_TC(name, descr) { body }: test cases NAME_tmpfs and NAME_ffs, each
 * booting the rump kernel with that file system on MNT and running the
 * body as NAME_on(tc, fs); ADD_FS_TC adds both.
 */
#define	FS_TC(name, descr)						\
static void name##_on(const atf_tc_t *, enum clrs_fs);			\
ATF_TC(name##_tmpfs);							\
ATF_TC_HEAD(name##_tmpfs, tc)						\
{									\
	atf_tc_set_md_var(tc, "descr", descr " (tmpfs)");		\
	atf_tc_set_md_var(tc, "timeout", "120");			\
}									\
ATF_TC_BODY(name##_tmpfs, tc)						\
{									\
	clrs_boot(tc, CLRS_TMPFS);					\
	name##_on(tc, CLRS_TMPFS);					\
}									\
ATF_TC(name##_ffs);							\
ATF_TC_HEAD(name##_ffs, tc)						\
{									\
	atf_tc_set_md_var(tc, "descr", descr " (ffs)");			\
	atf_tc_set_md_var(tc, "require.config", "ffs_image");		\
	atf_tc_set_md_var(tc, "timeout", "120");			\
}									\
ATF_TC_BODY(name##_ffs, tc)						\
{									\
	clrs_boot(tc, CLRS_FFS);					\
	name##_on(tc, CLRS_FFS);					\
}									\
static void								\
name##_on(const atf_tc_t *tc __unused, enum clrs_fs fs __unused)
#define	ADD_FS_TC(tp, name) do {					\
	ATF_TP_ADD_TC(tp, name##_tmpfs);				\
	ATF_TP_ADD_TC(tp, name##_ffs);					\
} while (0)

/* SysV semaphores: sys/ipc.h, sys/sem.h (the same layout on Linux). */
#define	SEM_IPC_CREAT	001000
#define	SEM_IPC_NOWAIT	004000
#define	SEM_GETVAL	5
#define	SEM_SETVAL	8
struct sembuf6 {
	unsigned short	sem_num;
	short		sem_op;
	short		sem_flg;
};
/* Linux's struct timespec on amd64. */
struct l_timespec {
	int64_t		tv_sec;
	int64_t		tv_nsec;
};
/*
 * Skips the case where the module calls a semtimedop(2) this rump kernel
 * lacks (the NetBSD 11 objects, config variable "release", on 7.99).
 */
void	clrs_require_semtimedop(const atf_tc_t *);
/*
 * Skips the case where a semtimedop must be ended while it sleeps (at
 * its timeout, or by a signal) and this rump kernel's sleeps cannot be.
 */
void	clrs_require_cancellable_sleep(void);
/* A private set of nsems semaphores, each set to value. */
int	clrs_semset(int, int);
int	clrs_semval(int, int);

#endif /* _H_RUMP_H_ */
