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
