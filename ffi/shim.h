/*
 * shim.h: the contract between the Rust handlers and the C glue.
 *
 * Rust provides the table of Linux system calls it implements; C
 * installs it into compat_linux's sysent table and provides the few
 * operations Rust must not do itself because they touch kernel struct
 * internals or inline functions.  bindgen reads this file, so both
 * sides share one definition of every type here.
 */
#ifndef _COMPAT_LINUX_RS_SHIM_H_
#define _COMPAT_LINUX_RS_SHIM_H_

#include "kpi.h"

/* One Linux system call the module implements. */
struct clrs_syscall {
	u_short		cs_code;	/* Linux amd64 system call number */
	u_short		cs_narg;	/* register arguments it reads */
	sy_call_t	*cs_call;	/* handler, NetBSD sysent calling convention */
};

/*
 * Defined in Rust: the table, ordered by cs_code, and the number of calls
 * inside its handlers (an AtomicU32), counted from the first instruction
 * of the handler's trampoline to the last but its return.
 */
extern const struct clrs_syscall clrs_syscalls[];
extern const size_t clrs_nsyscalls;
extern volatile u_int clrs_calls_inside;

/*
 * Defined in Rust (compat_linux_rs/nosys.rs): the record of calls to
 * compat_linux's empty slots.  clrs_record_nosys is the entry of every
 * slot that holds linux_sys_nosys while the module is loaded, counted in
 * clrs_calls_inside like the handlers.  The report is one line per call
 * made ("name number calls processes program"), cut to fit `len` bytes
 * with its NUL; it returns the length without the NUL.  The log setting
 * is 0 (off), 1 (once per process and call) or 2 (every call, at most
 * CLRS_NOSYS_LOG_PER_SECOND lines a second).
 */
int	clrs_record_nosys(struct lwp *, const void *, register_t *);
void	clrs_nosys_reset(void);
size_t	clrs_nosys_report(char *, size_t);
int	clrs_nosys_log_mode(void);
bool	clrs_nosys_set_log_mode(int);
#define	CLRS_NOSYS_LOG_PER_SECOND	10
/* Room for the report: every empty slot, with the longest fields. */
#define	CLRS_NOSYS_REPORT_SIZE	(32 * 1024)

/* Defined in C (shim.c): struct internals and inline functions. */

/*
 * Whether struct cpu_info is laid out as this build expects (see shim.c),
 * checked once at load; if not, clrs_lwp_cpu reports NUMA node 0.
 */
bool	clrs_cpu_layout_check(void);
/* The index of the CPU the LWP is running on, and that CPU's NUMA node. */
void	clrs_lwp_cpu(struct lwp *, u_int *, u_int *);
kauth_cred_t clrs_lwp_cred(struct lwp *);
/* The most operations one semop(2) takes (seminfo.semopm). */
int	clrs_semopm(void);
#if __NetBSD_Version__ < 1100000000
/*
 * semop(2) for the calling LWP, with its interruptible sleeps ended once
 * `ticks` clock ticks have passed (0: at once); *expired says whether
 * they had.  See shim.c.
 */
int	clrs_semop_timed(struct lwp *, const struct sys_semop_args *,
	    register_t *, int, bool *);
#endif
/*
 * The slot of linux_sysent the LWP's call came in through, or -1; the
 * LWP's process, its ID and its name (p_comm).
 */
int	clrs_lwp_syscall_slot(struct lwp *);
struct proc *clrs_lwp_process(struct lwp *, pid_t *, char[MAXCOMLEN + 1]);
/* Whether process `pid` is still process `p` (not exited and reaped). */
bool	clrs_proc_is(pid_t, const struct proc *);
/*
 * log(9)s that the LWP's process made Linux call `nr`, which NetBSD lacks;
 * with `limited`, only while the module's lines stay within
 * CLRS_NOSYS_LOG_PER_SECOND (ppsratecheck(9)).  init and fini at load and
 * unload.
 */
void	clrs_log_init(void);
void	clrs_log_fini(void);
void	clrs_log_nosys(struct lwp *, const char *, int, bool);
/* The process's working directory, referenced (vrele it). */
struct vnode *clrs_lwp_cwd(struct lwp *);
/* The process's file creation mask (cwdi_cmask). */
mode_t	clrs_lwp_umask(struct lwp *);
/*
 * The soft RLIMIT_FSIZE of the LWP's process, and SIGXFSZ to it: what
 * vn_rdwr enforces on every write (enforce_rlimit_fsize, vfs_vnops.c).
 */
rlim_t	clrs_lwp_fsize_limit(struct lwp *);
void	clrs_lwp_sigxfsz(struct lwp *);

/*
 * A file from fd_allocfile made the vnode descriptor vn_open's vnode is
 * for, with the open flags (F*), as open(2) sets it up (open_setfp).
 */
void	clrs_file_set_vnode(file_t *, struct vnode *, int);
/*
 * VOP_READLINK into a kernel buffer; *len is the buffer's size, then the
 * length of the link's text.  The caller holds the vnode lock.
 */
int	clrs_vnode_readlink(struct vnode *, kauth_cred_t, char *, size_t *);
/* A file's vnode, or NULL if the descriptor is not a vnode (pipe, socket). */
struct vnode *clrs_file_vnode(file_t *);
kauth_cred_t clrs_file_cred(file_t *);
/* f_flag: FREAD, FWRITE, FAPPEND, ... */
int	clrs_file_flags(file_t *);
/*
 * The ioflag read(2) (vn_read) or write(2) (vn_write) would pass to
 * VOP_READ or VOP_WRITE for the file, less IO_UNIT and IO_APPEND, which
 * the caller decides: the access hint, IO_NDELAY, IO_SYNC or IO_DSYNC,
 * IO_ALTSEMANTICS, IO_DIRECT.
 */
int	clrs_file_ioflags(file_t *, bool);
/* The descriptor's offset, read and set under the file's lock. */
off_t	clrs_file_offset(file_t *);
void	clrs_file_set_offset(file_t *, off_t);
/* The vnode's type (enum vtype: VREG, VDIR, ...). */
u_int	clrs_vnode_type(struct vnode *);
/* The mount the vnode is on, to compare, and its flags (MNT_RDONLY, ...). */
const struct mount *clrs_vnode_mount(struct vnode *);
int	clrs_vnode_mount_flags(struct vnode *);
/* VOP_PATHCONF of _PC_FILESIZEBITS; the caller holds the vnode lock. */
int	clrs_vnode_filesize_bits(struct vnode *, register_t *);
/* What VOP_GETATTR says of a file, as far as the handlers ask. */
struct clrs_attr {
	off_t		ca_size;
	uid_t		ca_uid;
	gid_t		ca_gid;
	bool		ca_append_only;	/* va_flags & APPEND */
	bool		ca_immutable;	/* va_flags & IMMUTABLE */
};
/* VOP_GETATTR; the caller holds the vnode lock. */
int	clrs_vnode_attr(struct vnode *, kauth_cred_t, struct clrs_attr *);
/*
 * VOP_SETATTR of the permission bits alone, as chmod(2) does
 * (change_mode, vfs_syscalls.c); the caller holds the vnode lock
 * exclusively.
 */
int	clrs_vnode_setmode(struct vnode *, kauth_cred_t, mode_t);

/*
 * Syncs the file system that holds the vnode and waits for it, as sync(2)
 * syncs each file system, but one only: 0 for a read-only, revoked or
 * unmounted one.
 */
int	clrs_vnode_syncfs(struct vnode *, kauth_cred_t);

/*
 * pidfds (compat_linux_rs/pidfd.rs, compat_linux_rs/process.rs).
 *
 * A process some pidfd refers to has one struct clrs_pidproc, in the
 * process's specificdata (clrs_pidfd_key) from its first pidfd until it
 * exits, when exit1 runs the key's destructor (clrs_pidproc_exit) with
 * proc_lock held; every pidfd of it holds a reference too.  A pidfd made
 * for a process that had already exited has one of its own, never
 * attached.
 */
struct clrs_pidproc {
	kmutex_t	pp_lock;	/* pp_exited, pp_sel */
	struct selinfo	pp_sel;		/* polls and knotes of its pidfds */
	volatile u_int	pp_refs;	/* pidfds, and 1 while attached */
	bool		pp_exited;	/* the exit has been seen (pp_lock) */
	pid_t		pp_pid;
	/*
	 * Which process: its struct proc and start time, only compared with
	 * those of the process proc_find_raw(pp_pid) finds; both stay set
	 * after the exit, to tell the zombie from a process reusing the ID.
	 * pp_proc is NULL for a process that had been reaped already.
	 */
	struct proc	*pp_proc;
	struct timeval	pp_start;
	uint64_t	pp_ino;		/* st_ino of its pidfds */
};

/*
 * A pidfd: the f_data of a file of clrs_pidfd_fileops.  It outlives the
 * file, listed (clrs_pidfds, clrs_pidfd_lock) until pf_closing is back at
 * 0 after the file's close: see clrs_pidfd_fo_close in shim.c.
 */
struct clrs_pidfd {
	struct clrs_pidproc	*pf_proc;
	volatile u_int		pf_closing;	/* 1 while fo_close runs */
	bool			pf_closed;	/* clrs_pidfd_lock */
	struct clrs_pidfd	*pf_next;	/* clrs_pidfd_lock */
};

/*
 * The module's pidfds and their lock, made and destroyed by INIT and FINI
 * (clrs_pidfd_init, clrs_pidfd_fini); the lock that serialises attaching
 * a struct clrs_pidproc to a process, a sleep lock, as proc_setspecific
 * may allocate; the proc specificdata key.
 */
extern kmutex_t clrs_pidfd_lock;
extern krwlock_t clrs_pidfd_attach_lock;
extern struct clrs_pidfd *clrs_pidfds;
extern specificdata_key_t clrs_pidfd_key;
int	clrs_pidfd_init(void);
void	clrs_pidfd_fini(void);

/*
 * Defined in Rust (pidfd.rs): the key's destructor; whether a pidfd is
 * open or still closing (FINI must wait); freeing every closed one; the
 * fileops and filterops entries (clrs_pidfd_close does fo_close's work
 * and returns the word clrs_pidfd_fo_close decrements last).
 */
void	clrs_pidproc_exit(void *);
bool	clrs_pidfd_busy(void);
void	clrs_pidfd_reclaim(void);
int	clrs_pidfd_read(file_t *, off_t *, struct uio *, kauth_cred_t, int);
int	clrs_pidfd_write(file_t *, off_t *, struct uio *, kauth_cred_t, int);
int	clrs_pidfd_ioctl(file_t *, u_long, void *);
int	clrs_pidfd_poll(file_t *, int);
int	clrs_pidfd_stat(file_t *, struct stat *);
int	clrs_pidfd_kqfilter(file_t *, struct knote *);
volatile u_int *clrs_pidfd_close(file_t *);
void	clrs_pidfd_filt_detach(struct knote *);
int	clrs_pidfd_filt_read(struct knote *, long);
int	clrs_pidfd_filt_write(struct knote *, long);

/* Defined in C (shim.c). */

/* The file is a pidfd: its struct clrs_pidfd; NULL for any other file. */
struct clrs_pidfd *clrs_file_pidfd(file_t *);
/*
 * Makes a file from fd_allocfile a pidfd: O_RDWR, O_NONBLOCK if asked,
 * the pidfd fileops.
 */
void	clrs_file_set_pidfd(file_t *, struct clrs_pidfd *, bool);
/* The ioctls fcntl(2)'s F_SETFL makes (sys/filio.h), for Rust. */
enum { CLRS_FIONBIO = FIONBIO, CLRS_FIOASYNC = FIOASYNC };
/* FNONBLOCK of the file. */
bool	clrs_file_nonblock(file_t *);
/* fd_dup(9) into the calling process, close-on-exec, at the lowest number. */
int	clrs_fd_dup_cloexec(file_t *, int *);
/* The calling LWP (curlwp), for selrecord(9) in fo_poll. */
struct lwp *clrs_curlwp(void);
/* The LWP's ID, and its process. */
lwpid_t	clrs_lwp_lid(struct lwp *);
struct proc *clrs_lwp_proc(struct lwp *);
/*
 * A knote of a pidfd: which filter (kn_filter); attaching a filter's ops
 * and the process to it; the process it watches; its kn_data.
 */
uint32_t clrs_knote_filter(struct knote *);
void	clrs_knote_attach(struct knote *, const struct filterops *,
	    struct clrs_pidproc *);
struct clrs_pidproc *clrs_knote_pidproc(struct knote *);
void	clrs_knote_set_data(struct knote *, int64_t);
extern const struct filterops clrs_pidfd_read_filtops;
extern const struct filterops clrs_pidfd_write_filtops;

/*
 * A process, found by proc_find_raw(9) with proc_lock held, which the
 * caller still holds: its state (p_stat: SIDL, SACTIVE, ...), parent,
 * start time, and whether its process ID is `pid`.
 */
pid_t	clrs_proc_pid(const struct proc *);
int	clrs_proc_stat(const struct proc *);
const struct proc *clrs_proc_parent(const struct proc *);
void	clrs_proc_start(const struct proc *, struct timeval *);
/*
 * A hold on a live process (SACTIVE or SSTOP) as procfs and ptrace take
 * one: p_reflock as reader, which exit1 and execve take as writer, so
 * that the process neither exits (its proc specificdata stays) nor execs
 * while it is held; false where it cannot be had now (an exec or exit in
 * progress).  Taken with proc_lock held; held without it.
 */
bool	clrs_proc_tryhold(struct proc *);
void	clrs_proc_release(struct proc *);
/*
 * kauth(9) decisions for the credential on a process (proc_lock held):
 * KAUTH_PROCESS_SIGNAL for signal `signo` (NetBSD's), and
 * KAUTH_PROCESS_PTRACE for PT_ATTACH; 0 or EPERM.
 */
int	clrs_proc_may_signal(kauth_cred_t, struct proc *, int);
int	clrs_proc_may_attach(kauth_cred_t, struct proc *);
/*
 * kill(2)'s single-process part (kill1, sys_sig.c), with proc_lock held:
 * the signal permission, then the signal (NetBSD's number and siginfo, to
 * LWP `lid` if not 0) unless it is 0 or the process is no longer live;
 * 0 or EPERM.  And the same for each member of process group `pgid`:
 * ESRCH if there is none.
 */
int	clrs_proc_signal(kauth_cred_t, struct proc *, const struct _ksiginfo *,
	    lwpid_t);
int	clrs_pgrp_signal(kauth_cred_t, pid_t, const struct _ksiginfo *);
/* NetBSD's number of Linux signal `lsig` (1 to 63), 0 if none. */
int	clrs_linux_to_native_signo(int);

/*
 * process_vm_readv(2) and process_vm_writev(2): the end of an address
 * space (vm_map_max of its map: uvm_io(9) moves nothing at or past the
 * end of user space and says nothing of it), the LWP's, and the address space
 * of process `pid` (or of the process of LWP `pid`), referenced, to be
 * released with uvmspace_free: ESRCH for no such live process, a system
 * process, one that exits, or one the LWP may not see; EPERM where the LWP
 * may not attach to it as a debugger; EINTR or ERESTART for a signal while
 * an exec of the process is waited out.  See shim.c.
 */
vaddr_t	clrs_vmspace_end(struct vmspace *);
vaddr_t	clrs_lwp_user_end(struct lwp *);
int	clrs_proc_vmspace(struct lwp *, pid_t, struct vmspace **);

/*
 * membarrier(2): each process's registrations, a set of state bits the
 * Rust side defines, which a process takes over from its parent when it
 * first uses them and loses when it executes a program or is freed; the
 * barrier, a cross-call to every CPU (high priority: from an interrupt;
 * core: and a serializing instruction there); and whether any process
 * has a registration (unload must then fail).  init and fini at load and
 * unload, with no call inside the module.  See shim.c.
 */
int	clrs_membarrier_init(void);
void	clrs_membarrier_fini(void);
bool	clrs_membarrier_registered(void);
u_int	clrs_membarrier_state(struct lwp *);
void	clrs_membarrier_set(struct lwp *, u_int);
#define	CLRS_BARRIER_ALL	0	/* every CPU switches to its xcall thread */
#define	CLRS_BARRIER_EXPEDITED	1	/* every CPU runs a memory barrier */
#define	CLRS_BARRIER_CORE	2	/* ... and a serializing instruction */
void	clrs_membarrier_sync(int);

/*
 * mlock2(2): the soft RLIMIT_MEMLOCK of the LWP's process, and whether
 * its credential may go past it (KAUTH_PROCESS_RLIMIT, BYPASS).
 */
bool	clrs_lwp_memlock(struct lwp *, rlim_t *);

#endif /* _COMPAT_LINUX_RS_SHIM_H_ */
