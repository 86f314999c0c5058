/*
 * clrs_rump.h: what the rump test harness (tools/rump/harness/) offers a
 * test program, besides the rump kernel's own rump_sys_* calls.
 *
 * Every function here is entered from the test program (a rump client in
 * the same process) and runs inside the rump kernel on the calling
 * thread's LWP.  Only plain C types cross, so the header is shared by the
 * kernel side (harness.c) and the test programs (atf-tests/rump/).
 * Results are NetBSD errno values (0 for success).
 */
#ifndef _CLRS_RUMP_H_
#define _CLRS_RUMP_H_

#ifdef _KERNEL
#include <sys/stdint.h>
#else
#include <stdint.h>
#endif

/* Linux system call numbers past this are folded, as compat_linux does. */
#define	CLRS_RUMP_NSYSENT	512

/*
 * Enters linux_sysent[nr] as compat_linux's amd64 linux_syscall() does:
 * a trap frame with the six argument registers and the user stack pointer
 * user_sp, l_sysent recorded around the call (sy_call(), sys/syscallvar.h),
 * and LOCKDEBUG's check that no lock is held on the way back to user
 * space (mi_userret()).  Returns the handler's NetBSD errno, ERESTART
 * (-3) and EJUSTRETURN (-2) included; *retval gets rval[0] on success.
 */
int	rump_clrs_syscall(unsigned long nr, const uint64_t args[6],
	    int64_t *retval, uint64_t user_sp);

/*
 * 0: the dispatcher calls sy_call without recording l_sysent, as amd64
 * linux_syscall.c 1.27 (2008) did, so that FINI's count of calls inside
 * the handlers is its only guard; 1 (the default): as sy_call() does.
 */
void	rump_clrs_dispatch_sysent(int);

/* What a slot of linux_sysent holds now. */
enum clrs_slot {
	CLRS_SLOT_NOSYS,	/* linux_sys_nosys: not implemented */
	CLRS_SLOT_COMPAT,	/* compat_linux's own handler (the harness's) */
	CLRS_SLOT_OTHER		/* anything else: the module's */
};
int	rump_clrs_slot(unsigned long nr);
/* The value compat_linux's own handlers return, to tell them apart. */
#define	CLRS_COMPAT_OWN_RESULT	0x4c494e58	/* "LINX" */
/* Which slots the harness's compat_linux implements itself. */
int	rump_clrs_compat_has(unsigned long nr);

/*
 * sysctl(2) of the node a dotted name ("emul.linux.compat_linux_rs.log")
 * names, by the kernel's own tree, lock and sysctl_lookup, as the calling
 * LWP: the NetBSD errno.  oldp and newp are the caller's memory.
 */
int	rump_clrs_sysctl(const char *name, void *oldp, size_t *oldlenp,
	    const void *newp, size_t newlen);

/* The arguments of the last call of compat_linux's clone. */
struct clrs_clone_call {
	uint64_t	flags, stack, parent_tidptr, child_tidptr, tls;
	uint64_t	calls;		/* calls so far */
};
/* The harness's clone gives the child's TID: CLRS_CLONE_TID. */
#define	CLRS_CLONE_TID		4242
void	rump_clrs_last_clone(struct clrs_clone_call *);

/* Reference counts the kernel keeps, read under the kernel's rules. */
struct clrs_refs {
	unsigned	file_refs;	/* the open file's f_count */
	unsigned	fd_users;	/* the descriptor's ff_refcnt (fd_getfile) */
	unsigned	vnode_refs;	/* its vnode's v_usecount */
	int		vnode_locked;	/* VOP_ISLOCKED of that vnode */
	unsigned	mount_refs;	/* the vnode's mount's mnt_refcnt */
	unsigned	mount_busy;	/* that mount's mnt_busynest */
	int		file_type;	/* the open file's f_type (DTYPE_*) */
	int		module_file;	/* its f_ops are the module's (pidfd) */
};
int	rump_clrs_fd_refs(int fd, struct clrs_refs *);
/* v_usecount and lock state of the vnode a path names (not followed). */
int	rump_clrs_path_refs(const char *path, struct clrs_refs *);
/* Credentials allocated and not yet freed since the first call. */
long	rump_clrs_live_creds(void);

/*
 * Holds the update lock of the mount that holds path (what a mount update
 * or sync(2) holds while it works), with a reference on the mount, until
 * rump_clrs_updating_release() from the same thread drops both.
 * rump_clrs_held_mount() reads that mount's state meanwhile.
 */
int	rump_clrs_updating_hold(const char *path);
void	rump_clrs_updating_release(void);
struct clrs_mount_state {
	unsigned	refcnt, busy;
	int		unmounting;	/* an unmount is under way */
	int		gone;		/* the unmount is done */
};
void	rump_clrs_held_mount(struct clrs_mount_state *);

/*
 * Gives the calling LWP's process (every local rump process shares its
 * address space) a user space that ends at `end`: the map of a local rump
 * process has no room (rumpkern/vm.c), though its user memory is the
 * host process's.
 */
void	rump_clrs_user_space(uint64_t end);

/* Posts signal sig to process pid (psignal(9)). */
int	rump_clrs_kill(int pid, int sig);
/*
 * Whether an interruptible sleep of the kind sysv_sem.c takes
 * (cv_timedwait_sig(9)) ends for an LW_CANCELLED on the LWP and for a
 * pending signal, as NetBSD's sleep queues make it: what the NetBSD 10
 * module's semtimedop needs to end a wait at its timeout.  Uses and then
 * clears SIGUSR2 of the calling process.
 */
int	rump_clrs_sleep_cancellable(void);
/* Takes the signals recorded for process pid as delivered. */
void	rump_clrs_clear_signals(int pid);
/*
 * Whether signal sig (NetBSD's number) is pending for process pid: 1 or
 * 0, -1 for no such process.
 */
int	rump_clrs_signal_pending(int pid, int sig);

/*
 * The module's pidfds (compat_linux_rs/pidfd.rs): 1 while one is open or
 * its close is still in the module's code (what makes FINI refuse), 0
 * when none, -1 where the module is not linked in (a module file).
 */
int	rump_clrs_pidfd_busy(void);

/*
 * SysV semaphores, NetBSD's own kern/sysv_sem.c: semget(2), semop(2) and
 * semctl(2)'s GETVAL, SETVAL, GETNCNT and IPC_RMID through the kernel's
 * system call functions.
 */
int	rump_clrs_semget(long key, int nsems, int flags, int *semid);
int	rump_clrs_semop(int semid, void *sops, unsigned nsops);
int	rump_clrs_semctl(int semid, int semnum, int cmd, int arg, int *result);

/*
 * The 7.99 rump kernel's struct cpu_info has no NUMA node; the harness
 * says which node getcpu must report (0).
 */
#define	CLRS_RUMP_NUMA_NODE	0

#endif /* _CLRS_RUMP_H_ */
