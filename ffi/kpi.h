/*
 * kpi.h: the NetBSD kernel interfaces compat_linux_rs uses, declared once.
 *
 * Two ways to build:
 *
 *   in-tree (-D_KERNEL -D_MODULE, on NetBSD with the kernel sources):
 *	the real kernel headers are included first, so every prototype
 *	below is checked by the compiler against the kernel's own.
 *
 *   on any host (-D_KMEMUSER, against NetBSD's installed headers):
 *	struct layouts (lwp, kmutex, ...) come from the installed headers;
 *	the kernel-only declarations those headers leave out are supplied
 *	here, in the one block marked "not in the installed headers".
 *
 * Everything declared here is a function or object the module really
 * uses; the test suite lists the module's undefined symbols against it.
 */
#ifndef _COMPAT_LINUX_RS_KPI_H_
#define _COMPAT_LINUX_RS_KPI_H_

#ifndef _KERNEL
#define	__EXPOSE_MOUNT		/* struct mount, for the C shims */
#define	__UIO_EXPOSE		/* struct uio, likewise */
#include <stdbool.h>		/* what sys/types.h gives the kernel */
#endif

#include <sys/param.h>
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/callout.h>
#include <sys/event.h>
#include <sys/fcntl.h>
#include <sys/file.h>
#include <sys/filedesc.h>
#include <sys/kmem.h>
#include <sys/lwp.h>
#include <sys/mount.h>
#include <sys/mutex.h>
#include <sys/module.h>
#include <sys/namei.h>
#include <sys/proc.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/resourcevar.h>
#include <sys/rwlock.h>
#include <sys/sched.h>
#include <sys/select.h>
#include <sys/selinfo.h>
#include <sys/sem.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/syscallargs.h>
#include <sys/sysctl.h>
#include <sys/syslog.h>
#include <sys/uio.h>
#include <sys/unistd.h>
#include <sys/vnode.h>
#include <machine/vmparam.h>
#include <uvm/uvm_extern.h>
#include <prop/proplib.h>

#ifdef _KERNEL
#include <sys/systm.h>
#include <sys/cpu.h>
#include <sys/kauth.h>
#include <sys/resourcevar.h>
#include <sys/signalvar.h>
#include <sys/vfs_syscalls.h>
#include <sys/xcall.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <compat/linux/common/linux_types.h>
#include <compat/linux/common/linux_signal.h>
/* What linux_syscallargs.h's IPC calls need, as compat_linux's sources. */
#include <compat/linux/common/linux_ipc.h>
#include <compat/linux/common/linux_msg.h>
#include <compat/linux/common/linux_shm.h>
#include <compat/linux/common/linux_sem.h>
#include <compat/linux/linux_syscallargs.h>
#else /* !_KERNEL: not in the installed headers */

/* sys/systm.h */
typedef int sy_call_t(struct lwp *, const void *, register_t *);

struct sysent {
	short		sy_narg;
	short		sy_argsize;
	int		sy_flags;
	sy_call_t	*sy_call;
	uint32_t	sy_entry;
	uint32_t	sy_return;
};

#define	KASSERT(e)	((void)0)

/* sys/module.h, _KERNEL part */
typedef struct modinfo {
	u_int		mi_version;
	modclass_t	mi_class;
	int		(*mi_modcmd)(modcmd_t, void *);
	const char	*mi_name;
	const char	*mi_required;
} const modinfo_t;

#define	MODULE(class, name, required)				\
static int __CONCAT(name,_modcmd)(modcmd_t, void *);		\
static const modinfo_t __CONCAT(name,_modinfo) = {		\
	.mi_version = __NetBSD_Version__,			\
	.mi_class = (class),					\
	.mi_modcmd = __CONCAT(name,_modcmd),			\
	.mi_name = __STRING(name),				\
	.mi_required = (required)				\
};								\
__link_set_add_rodata(modules, __CONCAT(name,_modinfo))

/* sys/xcall.h */
typedef void (*xcfunc_t)(void *, void *);

/* sys/namei.h, _KERNEL part: the typesafe flags of namei_simple. */
struct namei_simple_flags_type;
typedef const struct namei_simple_flags_type *namei_simple_flags_t;
extern const namei_simple_flags_t NSM_NOFOLLOW_NOEMULROOT;
extern const namei_simple_flags_t NSM_NOFOLLOW_TRYEMULROOT;
extern const namei_simple_flags_t NSM_FOLLOW_NOEMULROOT;
extern const namei_simple_flags_t NSM_FOLLOW_TRYEMULROOT;

/* sys/namei.h, _KERNEL part: path buffers for namei. */
struct pathbuf;
struct pathbuf *pathbuf_create(const char *);
void	pathbuf_destroy(struct pathbuf *);

/* compat/linux/linux_syscallargs.h, amd64: one register per argument. */
struct linux_sys_clone_args {
	register_t	flags;
	register_t	stack;
	register_t	parent_tidptr;
	register_t	child_tidptr;
	register_t	tls;
};

/*
 * sys/resourcevar.h: the head of struct plimit, which the module reads
 * only through p_rlimit, as vn_rdwr does.
 */
struct plimit {
	struct rlimit	pl_rlimit[RLIM_NLIMITS];
};

/*
 * sys/cpu_data.h, absent from the installed headers: the head of struct
 * cpu_data, as far as cpu_numa_id, as in revisions 1.54 to 1.57 (2023 to
 * 2025, NetBSD 11), whose head netbsd-10's is taken to share (its fields
 * date from 2019 and 2020).
 */
struct clrs_cpu_data_head {
	u_int		cpu_index;
	lwp_t		*cpu_biglock_wanted;
	kcondvar_t	cpu_xcall;
	int		cpu_xcall_pending;
	u_int		cpu_psz_read_depth;
	uint32_t	cpu_ipipend[1];		/* IPI_BITWORDS, sys/ipi.h */
	struct schedstate_percpu cpu_schedstate;
	u_int		cpu_package_id;
	u_int		cpu_core_id;
	u_int		cpu_smt_id;
	u_int		cpu_numa_id;
};

/* sys/atomic.h, _KERNEL part: the same ordering by the compiler's builtin. */
#define	atomic_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define	atomic_load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)

/* sys/lwp.h, _KERNEL part: lwp_lock and lwp_unlock, as written there. */
void	mutex_spin_enter(kmutex_t *);
void	mutex_spin_exit(kmutex_t *);

static __inline void
lwp_lock(lwp_t *l)
{
	kmutex_t *old = __atomic_load_n(&l->l_mutex, __ATOMIC_ACQUIRE);

	mutex_spin_enter(old);
	while (__predict_false(__atomic_load_n(&l->l_mutex,
	    __ATOMIC_RELAXED) != old)) {
		mutex_spin_exit(old);
		old = __atomic_load_n(&l->l_mutex, __ATOMIC_ACQUIRE);
		mutex_spin_enter(old);
	}
}

static __inline void
lwp_unlock(lwp_t *l)
{

	mutex_spin_exit(l->l_mutex);
}

/* x86/include/intrdefs.h: the level of an adaptive mutex. */
#define	IPL_NONE	0x0

/*
 * sys/sysctl.h, _KERNEL part (where sysctl_createv is also a macro that
 * checks each node's data pointer against its type).
 */
#define	SYSCTLFN_PROTO const int *, u_int, void *,			\
	size_t *, const void *, size_t,					\
	const int *, struct lwp *, const struct sysctlnode *
#define	SYSCTLFN_ARGS const int *name, u_int namelen,			\
	void *oldp, size_t *oldlenp,					\
	const void *newp, size_t newlen,				\
	const int *oname, struct lwp *l,				\
	const struct sysctlnode *rnode
#define	SYSCTLFN_CALL(node) name, namelen, oldp,			\
	oldlenp, newp, newlen,						\
	oname, l, node
#define	SYSCTL_DESCR(s)	s
struct sysctllog;
int	sysctl_createv(struct sysctllog **, int,
	    const struct sysctlnode **, const struct sysctlnode **,
	    int, int, const char *, const char *,
	    int (*)(SYSCTLFN_PROTO), u_quad_t, void *, size_t, ...);
int	sysctl_lookup(SYSCTLFN_PROTO);
void	sysctl_teardown(struct sysctllog **);

/*
 * sys/kauth.h, absent from the installed headers: the process scope's
 * actions and requests this module asks about, numbered as the enums of
 * kauth.h 1.80 (2018-09-04) and 1.90 (2023-10-04, NetBSD-current between
 * the netbsd-10 and netbsd-11 branch points) both number them.  1.73
 * (2015) differs: it still has KAUTH_REQ_PROCESS_PROCFS_CTL before
 * PROCFS_READ, so its RLIMIT_BYPASS is 14.  kauth_action_t is uint32_t in
 * 1.80 and uint64_t in 1.90 (KAUTH_VNODE_ADD_LINK is bit 32); which one
 * netbsd-10 has was not read.  It is passed here as 64 bits, which is
 * right for both on amd64: a callee that takes 32 bits reads the low half
 * of the register.  In-tree the header's own definitions are used.
 */
typedef uint64_t kauth_action_t;
#define	KAUTH_ARG(arg)			((void *)(unsigned long)(arg))
#define	KAUTH_PROCESS_CANSEE		1
#define	KAUTH_PROCESS_PTRACE		8
#define	KAUTH_PROCESS_RLIMIT		9
#define	KAUTH_PROCESS_SIGNAL		15
#define	KAUTH_REQ_PROCESS_CANSEE_ENTRY	2
#define	KAUTH_REQ_PROCESS_RLIMIT_BYPASS	13

/* sys/xcall.h: a cross-call run from an interrupt on each CPU. */
#define	XC_HIGHPRI	0x01

/*
 * x86/cpu.h: for a module (_MODULE), as in-tree, curlwp is the kernel's
 * x86_curlwp (amd64/cpufunc.S), not the inline %gs load.
 */
lwp_t	*x86_curlwp(void);
#define	curlwp		x86_curlwp()

/* sys/fcntl.h, _KERNEL part. */
#define	FNONBLOCK	O_NONBLOCK

/* sys/siginfo.h, _KERNEL part. */
typedef struct ksiginfo {
	u_long			ksi_flags;
	TAILQ_ENTRY(ksiginfo)	ksi_list;
	struct _ksiginfo	ksi_info;
	lwpid_t			ksi_lid;
} ksiginfo_t;

/* sys/event.h, _KERNEL part (the same in NetBSD 10 and 11). */
#define	NOTE_SUBMIT	0x01000000U
struct filterops {
	int	f_flags;
	int	(*f_attach)	(struct knote *);
	void	(*f_detach)	(struct knote *);
	int	(*f_event)	(struct knote *, long);
	int	(*f_touch)	(struct knote *, struct kevent *, long);
};
#define	FILTEROP_ISFD	__BIT(0)
#define	FILTEROP_MPSAFE	__BIT(1)
struct kfilter;
struct knote {
	SLIST_ENTRY(knote)	kn_link;
	SLIST_ENTRY(knote)	kn_selnext;
	TAILQ_ENTRY(knote)	kn_tqe;
	struct kqueue		*kn_kq;
	struct kevent		kn_kevent;
	uint32_t		kn_status;
	uint32_t		kn_sfflags;
	uintptr_t		kn_sdata;
	void			*kn_obj;
	const struct filterops	*kn_fop;
	struct kfilter		*kn_kfilter;
	void 			*kn_hook;
	int			kn_hookid;
};
#define	kn_id		kn_kevent.ident
#define	kn_filter	kn_kevent.filter
#define	kn_flags	kn_kevent.flags
#define	kn_fflags	kn_kevent.fflags
#define	kn_data		kn_kevent.data

#endif /* !_KERNEL */

/*
 * Kernel-only pseudo-errors of sys/errno.h: the dispatcher restarts the
 * system call for ERESTART.  Token for token as there, so in-tree a
 * different value would be a redefinition error.
 */
#define	ERESTART	-3

/* Copying between user and kernel space: sys/systm.h. */
int	copyin(const void *, void *, size_t);
int	copyout(const void *, void *, size_t);
int	copyinstr(const void *, void *, size_t, size_t *);

/*
 * Locks, cross-calls, the LWP list and process lookup: sys/mutex.h,
 * sys/xcall.h, sys/proc.h (proc_find_raw wants proc_lock held).
 */
void	mutex_init(kmutex_t *, kmutex_type_t, int);
void	mutex_destroy(kmutex_t *);
void	mutex_enter(kmutex_t *);
void	mutex_exit(kmutex_t *);
uint64_t xc_broadcast(unsigned int, xcfunc_t, void *, void *);
void	xc_wait(uint64_t);
extern kmutex_t proc_lock;
extern struct lwplist alllwp;
proc_t	*proc_find_raw(pid_t);

/*
 * File descriptors: sys/filedesc.h.  A new descriptor as open(2) makes one
 * (do_open, vfs_syscalls.c): fd_allocfile reserves the lowest free number
 * and a file; fd_affix makes it the process's, fd_abort gives both back.
 */
file_t	*fd_getfile(unsigned);
void	fd_putfile(unsigned);
int	fd_allocfile(file_t **, int *);
void	fd_affix(struct proc *, file_t *, unsigned);
void	fd_abort(struct proc *, file_t *, unsigned);
void	fd_set_exclose(struct lwp *, int, bool);

/*
 * Opening a vnode: sys/vnode.h.  vn_open looks the path up from at_dvp
 * and returns the vnode referenced and locked exclusively; with NULL for
 * the last two arguments a file system that would hand back a descriptor
 * (EDUPFD, EMOVEFD) gives EOPNOTSUPP.  vnops: the file operations of a
 * vnode descriptor.
 */
int	vn_open(struct vnode *, struct pathbuf *, int, int, int,
	    struct vnode **, bool *, int *);
extern const struct fileops vnops;
int	VOP_READLINK(struct vnode *, struct uio *, kauth_cred_t);
void	uio_setup_sysspace(struct uio *);

/*
 * Vnodes and file systems: sys/vnode.h, sys/vnode_if.h, sys/mount.h.
 * The FSYNC_*, IO_* and F* file flags and the VOP_ACCESS modes are
 * _KERNEL-only; in-tree,
 * where the header defines them too, a different value would be a
 * redefinition error.
 */
#define	FSYNC_WAIT	0x0001
#define	FSYNC_DATAONLY	0x0002
#define	IO_DSYNC	0x00200
#define	IO_SYNC		(0x40|IO_DSYNC)
#define	IO_NODELOCKED	0x00080
#define	IO_NDELAY	0x00100
#define	IO_ALTSEMANTICS	0x00400
#define	IO_DIRECT	0x02000
#define	IO_ADV_MASK	0x00003
#define	IO_ADV_SHIFT	0
#define	IO_ADV_ENCODE(adv)	(((adv) << IO_ADV_SHIFT) & IO_ADV_MASK)
#define	FNOSIGPIPE	O_NOSIGPIPE
#define	FNONBLOCK	O_NONBLOCK
#define	FFSYNC		O_SYNC
#define	FDSYNC		O_DSYNC
#define	FRSYNC		O_RSYNC
#define	FALTIO		O_ALT_IO
#define	FDIRECT		O_DIRECT
#define	FEXEC		O_EXEC
#define	FCNTLFLAGS	(FAPPEND|FASYNC|FFSYNC|FNONBLOCK|FDSYNC|FRSYNC|FALTIO|\
			 FDIRECT|FNOSIGPIPE)
#define	FMASK		(FREAD|FWRITE|FCNTLFLAGS|FEXEC)
#define	VEXEC		000000000100
#define	VWRITE		000000000200
#define	VREAD		000000000400
int	vn_lock(struct vnode *, int);
int	VOP_UNLOCK(struct vnode *);
int	VOP_FSYNC(struct vnode *, kauth_cred_t, int, off_t, off_t);
int	VOP_GETATTR(struct vnode *, struct vattr *, kauth_cred_t);
int	VOP_ACCESS(struct vnode *, accmode_t, kauth_cred_t);
int	VOP_PATHCONF(struct vnode *, int, register_t *);
int	VOP_SETATTR(struct vnode *, struct vattr *, kauth_cred_t);
void	vattr_null(struct vattr *);
void	vref(struct vnode *);
void	vrele(struct vnode *);
void	rw_enter(krwlock_t *, const krw_t);
void	rw_exit(krwlock_t *);
int	vn_rdwr(enum uio_rw, struct vnode *, void *, int, off_t, enum uio_seg,
	    int, kauth_cred_t, size_t *, struct lwp *);
int	VFS_SYNC(struct mount *, int, struct kauth_cred *);
/* sys/stat.h: the append-only and immutable file flags, _KERNEL-only there. */
#define	APPEND		(UF_APPEND | SF_APPEND)
#define	IMMUTABLE	(UF_IMMUTABLE | SF_IMMUTABLE)
int	vfs_busy(struct mount *);
void	vfs_unbusy(struct mount *);
void	vfs_ref(struct mount *);
void	vfs_rele(struct mount *);

/* Credentials: sys/kauth.h. */
kauth_cred_t kauth_cred_dup(kauth_cred_t);
void	kauth_cred_free(kauth_cred_t);
uid_t	kauth_cred_getuid(kauth_cred_t);
gid_t	kauth_cred_getgid(kauth_cred_t);
void	kauth_cred_seteuid(kauth_cred_t, uid_t);
void	kauth_cred_setegid(kauth_cred_t, gid_t);
uid_t	kauth_cred_geteuid(kauth_cred_t);
int	kauth_cred_ismember_gid(kauth_cred_t, gid_t, int *);

/*
 * SysV semaphores (kern/sysv_sem.c): semop(2), and on NetBSD 11 the native
 * semtimedop(2), both in the sysv_ipc module compat_linux requires.
 */
int	sys_semop(struct lwp *, const struct sys_semop_args *, register_t *);
extern struct seminfo seminfo;
#if __NetBSD_Version__ >= 1100000000
int	sys_semtimedop(struct lwp *, const struct sys_semtimedop_args *,
	    register_t *);
#endif

/*
 * Ending an LWP's interruptible sleep from outside, as _lwp_wakeup(2)
 * does (sys_lwp.c): sys/lwp.h (lwp_unsleep), sys/callout.h.
 */
void	lwp_unsleep(lwp_t *, bool);
void	callout_init(callout_t *, u_int);
void	callout_setfunc(callout_t *, void (*)(void *), void *);
void	callout_schedule(callout_t *, int);
bool	callout_halt(callout_t *, void *);
void	callout_destroy(callout_t *);
extern int hz;

/*
 * Reading and writing through a descriptor's file operations, as readv(2)
 * and writev(2) do (kern/sys_generic.c): with FOF_IOV_SYSSPACE the iovec
 * array is in kernel memory and the buffers it points at in the process's;
 * FOF_UPDATE_OFFSET uses and advances the descriptor's offset.  sys/file.h,
 * the flags _KERNEL-only there.
 */
#define	FOF_UPDATE_OFFSET	0x0001
#define	FOF_IOV_SYSSPACE	0x0100
int	do_filereadv(int, const struct iovec *, int, off_t *, int,
	    register_t *);
int	do_filewritev(int, const struct iovec *, int, off_t *, int,
	    register_t *);

/* Kernel memory (sys/kmem.h) and pending signals (sys/signalvar.h). */
void	*kmem_alloc(size_t, km_flag_t);
void	*kmem_zalloc(size_t, km_flag_t);
void	kmem_free(void *, size_t);
int	sigispending(struct lwp *, int);
void	psignal(struct proc *, int);

/* sys/namei.h lookup flags, _KERNEL-only, checked in-tree as above. */
#define	NOFOLLOW	0x00000000
#define	TRYEMULROOT	0x00000010
#define	FOLLOW		0x00000040
#define	NOCHROOT	0x01000000

/*
 * Path operations: sys/vfs_syscalls.h, sys/namei.h, sys/syscallargs.h.
 * nameiat_simple_kernel looks a kernel path up from a directory vnode
 * (NULL: the working directory) and returns the vnode referenced; its
 * NSM_*_TRYEMULROOT flags try the emulation's root first.  sys_renameat
 * keeps BSD rename semantics (renaming a link onto another link of the same
 * file removes the source); sys___posix_rename has POSIX's (it does
 * nothing) but takes no directory descriptors.
 */
int	do_sys_statat(struct lwp *, int, const char *, unsigned int,
	    struct stat *);
int	nameiat_simple_kernel(struct vnode *, const char *,
	    namei_simple_flags_t, struct vnode **);
int	sys_renameat(struct lwp *, const struct sys_renameat_args *,
	    register_t *);
int	sys___posix_rename(struct lwp *, const struct sys___posix_rename_args *,
	    register_t *);

/*
 * The console and the message buffer, and a rate limit for messages:
 * sys/systm.h, sys/syslog.h, sys/timevar.h, lib/libkern.
 */
void	printf(const char *, ...) __printflike(1, 2);
void	log(int, const char *, ...) __printflike(2, 3);
int	ppsratecheck(struct timeval *, int *, int);
void	*memcpy(void *, const void *, size_t);
void	*memset(void *, int, size_t);

/* CPUs: sys/cpu.h (cpu_lookup), conf/param.c (maxcpus). */
struct cpu_info *cpu_lookup(u_int);
extern u_int maxcpus;

/* Module properties: prop/prop_dictionary.h. */
prop_object_t prop_dictionary_get(prop_dictionary_t, const char *);
bool	prop_dictionary_get_bool(prop_dictionary_t, const char *, bool *);

/*
 * compat_linux's system call table (compat/linux/arch/amd64/linux_sysent.c)
 * and what its unimplemented slots hold: linux_sys_nosys
 * (compat/linux/common/linux_misc.c), which returns ENOSYS without the
 * SIGSYS that the native sys_nosys posts.
 */
#define	CLRS_LINUX_NSYSENT	512	/* LINUX_SYS_NSYSENT on amd64 */
extern struct sysent linux_sysent[];
int	linux_sys_nosys(struct lwp *, const void *, register_t *);
int	sys_nosys(struct lwp *, const void *, register_t *);

/* compat_linux's clone(2) (compat/linux/common/linux_sched.c). */
int	linux_sys_clone(struct lwp *, const struct linux_sys_clone_args *,
	    register_t *);

/*
 * Another process's address space, reached as the kern.proc_args sysctl
 * reaches it (sysctl_kern_proc_args and copy_procargs, kern_proc.c 1.263):
 * proc_find_lwpid under proc_lock (sys/proc.h), the checks of ptrace(2)'s
 * attach (kauth_authorize_process: KAUTH_PROCESS_CANSEE then
 * KAUTH_PROCESS_PTRACE with PT_ATTACH, the target's p_lock held, as
 * ptrace_find and do_ptrace hold it; proc_isunder for a chrooted caller),
 * p_reflock taken as reader with rw_tryenter, which exec and exit take as
 * writer before they replace or tear down the address space
 * (execve_loadvm, exit1), proc_vmspace_getref, and copyin_vmspace and
 * copyout_vmspace (subr_copy.c: copyin and copyout for the caller's own
 * address space, uvm_io(9) with no protection fix-up for another).
 */
proc_t	*proc_find_lwpid(pid_t);
int	proc_isunder(struct proc *, struct lwp *);
int	kauth_authorize_process(kauth_cred_t, kauth_action_t, struct proc *,
	    void *, void *, void *);
int	rw_tryenter(krwlock_t *, const krw_t);
int	proc_vmspace_getref(struct proc *, struct vmspace **);
void	uvmspace_free(struct vmspace *);
int	copyin_vmspace(struct vmspace *, const void *, void *, size_t);
int	copyout_vmspace(struct vmspace *, const void *, void *, size_t);
int	kpause(const char *, bool, int, kmutex_t *);

/* A process group by ID, proc_lock held (kern_proc.c), for the pidfd calls. */
struct pgrp *pgrp_find(pid_t);

/*
 * Per-process data (kern_proc.c: a key's destructor runs for each datum
 * when its process is freed, and for all of them when the key is
 * deleted) and exec hooks (kern_hook.c, sys/systm.h), which execve runs
 * with exec_lock held as reader (execve_loadvm, execve_runproc; posix_spawn's
 * parent holds it for its child): established and disestablished with it
 * held as writer, a hook is never run meanwhile.  rwlock(9), atomic_ops(3),
 * and a barrier on each CPU for membarrier(2).
 */
int	proc_specific_key_create(specificdata_key_t *, specificdata_dtor_t);
void	proc_specific_key_delete(specificdata_key_t);
void	*proc_getspecific(struct proc *, specificdata_key_t);
void	proc_setspecific(struct proc *, specificdata_key_t, void *);
void	*exechook_establish(void (*)(struct proc *, void *), void *);
void	exechook_disestablish(void *);
extern krwlock_t exec_lock;
void	rw_init(krwlock_t *);
void	rw_destroy(krwlock_t *);
u_int	atomic_cas_uint(volatile u_int *, u_int, u_int);
u_int	atomic_swap_uint(volatile u_int *, u_int);
void	atomic_inc_uint(volatile u_int *);
void	atomic_dec_uint(volatile u_int *);
void	membar_sync(void);

/* mlock(2) (uvm/uvm_mmap.c), which compat_linux's mlock is. */
int	sys_mlock(struct lwp *, const struct sys_mlock_args *, register_t *);

/*
 * More descriptors and files (sys/filedesc.h, sys/file.h; fd_allocfile
 * and its kind above): fd_dup gained a close-on-fork argument in NetBSD
 * 11 (O_CLOFORK).  fnullop_fcntl and fnullop_restart are the kernel's own
 * no-op file operations.
 */
file_t	*fd_getfile2(proc_t *, unsigned);
#if __NetBSD_Version__ >= 1100000000
int	fd_dup(file_t *, int, int *, bool, bool);
#else
int	fd_dup(file_t *, int, int *, bool);
#endif
int	closef(file_t *);
int	fnullop_fcntl(file_t *, u_int, void *);
void	fnullop_restart(file_t *);

/*
 * poll(2) and kqueue(2) notes: sys/select.h, sys/event.h.  A filter is
 * told that its object's lock is held by a hint of NOTE_SUBMIT (knote
 * callers such as selnotify pass it on).
 */
void	selinit(struct selinfo *);
void	seldestroy(struct selinfo *);
void	selrecord(struct lwp *, struct selinfo *);
void	selnotify(struct selinfo *, int, long);
void	selrecord_knote(struct selinfo *, struct knote *);
bool	selremove_knote(struct selinfo *, struct knote *);

/* atomic_ops(3): a real function on amd64 (atomic.S), which it must be. */
unsigned int atomic_dec_uint_nv(volatile unsigned int *);

/*
 * Signals: sys/signalvar.h; compat_linux's signal numbers, an array of
 * LINUX__NSIG entries on amd64 (arch/amd64/linux_sigarray.c,
 * linux_signal.h).
 */
int	kpsignal2(struct proc *, ksiginfo_t *);
#define	CLRS_LINUX_NSIG	64
extern const int linux_to_native_signo[];

#endif /* _COMPAT_LINUX_RS_KPI_H_ */
