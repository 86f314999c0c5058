/*
 * shim.c: what the Rust handlers need from struct internals and inline
 * kernel functions, which stay on the C side.
 */

#include "shim.h"

/*
 * A CPU's index and NUMA node, from struct cpu_data, which struct cpu_info
 * begins with on x86 (x86/include/cpu.h).  Built against the kernel's own
 * headers, the compiler knows the layout; off NetBSD, kpi.h writes out the
 * head of struct cpu_data, and the load-time check guards it.
 */
#ifdef _KERNEL
#define	CLRS_CPU_INDEX(ci)	((ci)->ci_data.cpu_index)
#define	CLRS_CPU_NUMA(ci)	((ci)->ci_data.cpu_numa_id)
#else
#define	CLRS_CPU_HEAD(ci)	((const struct clrs_cpu_data_head *)(ci))
#define	CLRS_CPU_INDEX(ci)	(CLRS_CPU_HEAD(ci)->cpu_index)
#define	CLRS_CPU_NUMA(ci)	(CLRS_CPU_HEAD(ci)->cpu_numa_id)
#endif

static bool clrs_cpu_layout_ok;

/* Every attached CPU must show its own index where the layout puts it. */
bool
clrs_cpu_layout_check(void)
{
	struct cpu_info *ci;
	u_int i;

	clrs_cpu_layout_ok = true;
	for (i = 0; i < maxcpus; i++) {
		if ((ci = cpu_lookup(i)) != NULL && CLRS_CPU_INDEX(ci) != i)
			clrs_cpu_layout_ok = false;
	}
	return clrs_cpu_layout_ok;
}

void
clrs_lwp_cpu(struct lwp *l, u_int *cpu, u_int *node)
{
	struct cpu_info *ci = l->l_cpu;
	u_int i;

	*node = 0;
	if (clrs_cpu_layout_ok) {
		*cpu = CLRS_CPU_INDEX(ci);
		*node = CLRS_CPU_NUMA(ci);
		return;
	}
	/* The kernel's own lookup still gives the index. */
	*cpu = 0;
	for (i = 0; i < maxcpus; i++) {
		if (cpu_lookup(i) == ci) {
			*cpu = i;
			break;
		}
	}
}

kauth_cred_t
clrs_lwp_cred(struct lwp *l)
{

	return l->l_cred;
}

int
clrs_semopm(void)
{

	return seminfo.semopm;
}

#if __NetBSD_Version__ < 1100000000
/*
 * NetBSD 10 has no timed semop(2), and the semaphore internals a timed
 * wait would need (semlock, semcv) are private to sysv_sem.c.  So semop
 * runs with the caller's own arguments, and a callout ends its sleep when
 * the time is up, as _lwp_wakeup(2) ends one (sys__lwp_wakeup, sys_lwp.c):
 * under the LWP's lock, LW_CANCELLED, and lwp_unsleep if the LWP sleeps
 * interruptibly.  sleepq_block (kern_sleepq.c 1.71) then returns EINTR,
 * and so does the next interruptible sleep if the flag came while the LWP
 * was not asleep yet; semop makes any error of its wait EINTR.  The flag
 * is ours alone (only _lwp_wakeup sets it otherwise, which Linux programs
 * cannot call), and is cleared once the callout cannot fire again.
 */
struct clrs_timeout {
	struct lwp	*ct_lwp;
	bool		ct_expired;	/* the LWP's lock */
	callout_t	ct_callout;
};

static void
clrs_timeout_expire(void *arg)
{
	struct clrs_timeout *ct = arg;
	struct lwp *l = ct->ct_lwp;

	lwp_lock(l);
	ct->ct_expired = true;
	l->l_flag |= LW_CANCELLED;
	if (l->l_stat == LSSLEEP && (l->l_flag & LW_SINTR) != 0)
		lwp_unsleep(l, true);	/* unlocks */
	else
		lwp_unlock(l);
}

int
clrs_semop_timed(struct lwp *l, const struct sys_semop_args *uap,
    register_t *retval, int ticks, bool *expired)
{
	struct clrs_timeout ct = { .ct_lwp = l };
	int error;

	KASSERT(l == curlwp);
	if (ticks == 0) {
		clrs_timeout_expire(&ct);
	} else {
		callout_init(&ct.ct_callout, CALLOUT_MPSAFE);
		callout_setfunc(&ct.ct_callout, clrs_timeout_expire, &ct);
		callout_schedule(&ct.ct_callout, ticks);
	}
	error = sys_semop(l, uap, retval);
	if (ticks != 0) {
		callout_halt(&ct.ct_callout, NULL);
		callout_destroy(&ct.ct_callout);
	}
	if (ct.ct_expired) {
		lwp_lock(l);
		l->l_flag &= ~LW_CANCELLED;
		lwp_unlock(l);
	}
	*expired = ct.ct_expired;
	return error;
}
#endif

struct vnode *
clrs_lwp_cwd(struct lwp *l)
{
	struct cwdinfo *cwdi = l->l_proc->p_cwdi;
	struct vnode *vp;

	rw_enter(&cwdi->cwdi_lock, RW_READER);
	vp = cwdi->cwdi_cdir;
	vref(vp);
	rw_exit(&cwdi->cwdi_lock);
	return vp;
}

/* Read unlocked, as do_open reads it. */
mode_t
clrs_lwp_umask(struct lwp *l)
{

	return l->l_proc->p_cwdi->cwdi_cmask;
}

rlim_t
clrs_lwp_fsize_limit(struct lwp *l)
{

	return l->l_proc->p_rlimit[RLIMIT_FSIZE].rlim_cur;
}

void
clrs_lwp_sigxfsz(struct lwp *l)
{

	mutex_enter(&proc_lock);
	psignal(l->l_proc, SIGXFSZ);
	mutex_exit(&proc_lock);
}

void
clrs_file_set_vnode(file_t *fp, struct vnode *vp, int fflags)
{

	fp->f_flag = fflags & FMASK;
	fp->f_type = DTYPE_VNODE;
	fp->f_ops = &vnops;
	fp->f_vnode = vp;
}

int
clrs_vnode_readlink(struct vnode *vp, kauth_cred_t cred, char *buf,
    size_t *len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = *len };
	struct uio uio = {
		.uio_iov = &iov,
		.uio_iovcnt = 1,
		.uio_offset = 0,
		.uio_resid = *len,
		.uio_rw = UIO_READ,
	};
	int error;

	UIO_SETUP_SYSSPACE(&uio);
	error = VOP_READLINK(vp, &uio, cred);
	*len -= uio.uio_resid;
	return error;
}

struct vnode *
clrs_file_vnode(file_t *fp)
{

	return fp->f_type == DTYPE_VNODE ? fp->f_vnode : NULL;
}

kauth_cred_t
clrs_file_cred(file_t *fp)
{

	return fp->f_cred;
}

int
clrs_file_flags(file_t *fp)
{

	return fp->f_flag;
}

/* As vn_read and vn_write compute it (vfs_vnops.c 1.241). */
int
clrs_file_ioflags(file_t *fp, bool write)
{
	struct vnode *vp = fp->f_vnode;
	int fflag = fp->f_flag, ioflag = IO_ADV_ENCODE(fp->f_advice);

	if (fflag & FNONBLOCK)
		ioflag |= IO_NDELAY;
	if (write) {
		if ((fflag & FFSYNC) != 0 || (vp->v_mount != NULL &&
		    (vp->v_mount->mnt_flag & MNT_SYNCHRONOUS) != 0))
			ioflag |= IO_SYNC;
		else if (fflag & FDSYNC)
			ioflag |= IO_DSYNC;
	} else if ((fflag & (FFSYNC | FRSYNC)) == (FFSYNC | FRSYNC)) {
		ioflag |= IO_SYNC;
	}
	if (fflag & FALTIO)
		ioflag |= IO_ALTSEMANTICS;
	if (fflag & FDIRECT)
		ioflag |= IO_DIRECT;
	return ioflag;
}

off_t
clrs_file_offset(file_t *fp)
{
	off_t offset;

	mutex_enter(&fp->f_lock);
	offset = fp->f_offset;
	mutex_exit(&fp->f_lock);
	return offset;
}

void
clrs_file_set_offset(file_t *fp, off_t offset)
{

	mutex_enter(&fp->f_lock);
	fp->f_offset = offset;
	mutex_exit(&fp->f_lock);
}

int
clrs_vnode_attr(struct vnode *vp, kauth_cred_t cred, struct clrs_attr *attr)
{
	struct vattr va;
	int error;

	error = VOP_GETATTR(vp, &va, cred);
	if (error == 0) {
		attr->ca_size = (off_t)va.va_size;
		attr->ca_uid = va.va_uid;
		attr->ca_gid = va.va_gid;
		attr->ca_append_only = (va.va_flags & APPEND) != 0;
		attr->ca_immutable = (va.va_flags & IMMUTABLE) != 0;
	}
	return error;
}

int
clrs_vnode_setmode(struct vnode *vp, kauth_cred_t cred, mode_t mode)
{
	struct vattr va;

	vattr_null(&va);
	va.va_mode = mode & ALLPERMS;
	return VOP_SETATTR(vp, &va, cred);
}

u_int
clrs_vnode_type(struct vnode *vp)
{

	return vp->v_type;
}

const struct mount *
clrs_vnode_mount(struct vnode *vp)
{

	return vp->v_mount;
}

int
clrs_vnode_mount_flags(struct vnode *vp)
{

	return vp->v_mount->mnt_flag;
}

int
clrs_vnode_filesize_bits(struct vnode *vp, register_t *bits)
{

	return VOP_PATHCONF(vp, _PC_FILESIZEBITS, bits);
}

/*
 * sync(2)'s protocol, for one mount (do_sys_sync in vfs_syscalls.c; vfs_busy
 * and dounmount in vfs_mount.c 1.93):
 *  - the vnode lock keeps v_mount stable (vgone moves a vnode to the dead
 *    mount under it), and the vnode's own reference on its mount lets
 *    vfs_ref take ours;
 *  - vfs_busy enters the mount's fstrans section with no vnode lock held,
 *    since unmount's vfs_suspend may need vnode locks while it waits for
 *    such sections to end;
 *  - mnt_updating only then: dounmount takes it after suspending.
 * vfs_busy waits out an unmount in progress and fails once the file system
 * is gone: nothing is left to sync, so that is success.  So are a revoked
 * vnode and a read-only mount.
 */
int
clrs_vnode_syncfs(struct vnode *vp, kauth_cred_t cred)
{
	struct mount *mp;
	int async, error = 0;

	vn_lock(vp, LK_SHARED | LK_RETRY);
	mp = vp->v_mount;
	if (vp->v_type == VBAD || mp == NULL) {
		VOP_UNLOCK(vp);
		return 0;
	}
	vfs_ref(mp);
	VOP_UNLOCK(vp);

	if (vfs_busy(mp) != 0) {
		vfs_rele(mp);
		return 0;
	}
	mutex_enter(mp->mnt_updating);
	if ((mp->mnt_flag & MNT_RDONLY) == 0) {
		/* As sync(2): an async mount is written out too. */
		async = mp->mnt_flag & MNT_ASYNC;
		mp->mnt_flag &= ~MNT_ASYNC;
		error = VFS_SYNC(mp, MNT_WAIT, cred);
		mp->mnt_flag |= async;
	}
	mutex_exit(mp->mnt_updating);
	vfs_unbusy(mp);
	vfs_rele(mp);
	return error;
}

/*
 * The slot of compat_linux's table the LWP's call came in through:
 * sy_call() points l_sysent at it for the call (see compat_linux_rs.c);
 * -1 if it points elsewhere.
 */
int
clrs_lwp_syscall_slot(struct lwp *l)
{
	uintptr_t sy = (uintptr_t)l->l_sysent, base = (uintptr_t)linux_sysent;

	if (sy < base || sy >= base + CLRS_LINUX_NSYSENT * sizeof(struct sysent))
		return -1;
	return (sy - base) / sizeof(struct sysent);
}

/*
 * The LWP's process and its ID.  p_comm changes only in execve, after the
 * process's other LWPs have exited, so the calling LWP reads its own
 * process's name without a lock, as log(9) callers do.
 */
struct proc *
clrs_lwp_process(struct lwp *l, pid_t *pid, char comm[MAXCOMLEN + 1])
{
	struct proc *p = l->l_proc;

	*pid = p->p_pid;
	memcpy(comm, p->p_comm, MAXCOMLEN + 1);
	comm[MAXCOMLEN] = '\0';
	return p;
}

bool
clrs_proc_is(pid_t pid, const struct proc *p)
{
	bool same;

	mutex_enter(&proc_lock);
	same = proc_find_raw(pid) == p;
	mutex_exit(&proc_lock);
	return same;
}

/* ppsratecheck(9)'s state, which its callers must serialise. */
static kmutex_t clrs_log_lock;
static struct timeval clrs_log_last;
static int clrs_log_pps;

void
clrs_log_init(void)
{

	mutex_init(&clrs_log_lock, MUTEX_DEFAULT, IPL_NONE);
	timerclear(&clrs_log_last);
	clrs_log_pps = 0;
}

void
clrs_log_fini(void)
{

	mutex_destroy(&clrs_log_lock);
}

void
clrs_log_nosys(struct lwp *l, const char *name, int nr, bool limited)
{
	struct proc *p = l->l_proc;
	bool allowed = true;

	if (limited) {
		mutex_enter(&clrs_log_lock);
		allowed = ppsratecheck(&clrs_log_last, &clrs_log_pps,
		    CLRS_NOSYS_LOG_PER_SECOND);
		mutex_exit(&clrs_log_lock);
	}
	if (allowed) {
		log(LOG_NOTICE, "linux: pid %d (%s): syscall %s (%d) "
		    "not implemented\n", p->p_pid, p->p_comm, name, nr);
	}
}

/*
 * pidfds: the file type (see compat_linux_rs/pidfd.rs for the objects,
 * and compat_linux_rs.c for what unload waits for).
 */
kmutex_t clrs_pidfd_lock;
krwlock_t clrs_pidfd_attach_lock;
struct clrs_pidfd *clrs_pidfds;
specificdata_key_t clrs_pidfd_key;

int
clrs_pidfd_init(void)
{
	int error;

	mutex_init(&clrs_pidfd_lock, MUTEX_DEFAULT, IPL_NONE);
	rw_init(&clrs_pidfd_attach_lock);
	clrs_pidfds = NULL;
	error = proc_specific_key_create(&clrs_pidfd_key, clrs_pidproc_exit);
	if (error != 0) {
		rw_destroy(&clrs_pidfd_attach_lock);
		mutex_destroy(&clrs_pidfd_lock);
	}
	return error;
}

vaddr_t
clrs_vmspace_end(struct vmspace *vm)
{

	return vm_map_max(&vm->vm_map);
}

vaddr_t
clrs_lwp_user_end(struct lwp *l)
{

	return clrs_vmspace_end(l->l_proc->p_vmspace);
}

/*
 * The target of process_vm_readv(2) and process_vm_writev(2), held as
 * kern.proc_args holds one (sysctl_kern_proc_args, kern_proc.c 1.263):
 * found under proc_lock (by process or LWP ID, as Linux finds a task by
 * any thread's ID), checked under its p_lock as ptrace(2)'s attach checks
 * it (ptrace_find's KAUTH_PROCESS_CANSEE, which fails as ESRCH there too;
 * do_ptrace's KAUTH_PROCESS_PTRACE with PT_ATTACH, and ptrace_allowed's
 * proc_isunder for a chrooted caller; a system process, whose address
 * space is the kernel's, is never a target), and held by p_reflock as
 * reader while its vmspace is referenced: exec and exit take p_reflock as
 * writer before they replace or tear down p_vmspace (execve_loadvm and
 * exit1; an exiting process has PS_WEXIT set before).  A process that
 * shares the caller's address space needs no permission, as on Linux
 * (mm_access); it is compared once p_reflock keeps p_vmspace stable.
 * rw_tryenter fails while an exec of the process holds p_reflock: the exec
 * is waited out a clock tick at a time, interruptibly, as Linux waits for
 * the exec's lock (mm_access); an exiting process is ESRCH.  The address
 * space is then referenced as the process's own references it, and stays
 * usable (though no longer the process's) if the process execs or exits
 * meanwhile, as Linux's mm reference does.
 */
int
clrs_proc_vmspace(struct lwp *l, pid_t pid, struct vmspace **vmp)
{
	struct proc *p;
	int error;

	if (pid <= 0)
		return ESRCH;
	for (;;) {
		mutex_enter(&proc_lock);
		if ((p = proc_find_lwpid(pid)) == NULL) {
			mutex_exit(&proc_lock);
			return ESRCH;
		}
		mutex_enter(p->p_lock);
		if ((p->p_flag & PK_SYSTEM) != 0 ||
		    (p->p_sflag & PS_WEXIT) != 0 ||
		    kauth_authorize_process(l->l_cred, KAUTH_PROCESS_CANSEE, p,
		    KAUTH_ARG(KAUTH_REQ_PROCESS_CANSEE_ENTRY), NULL, NULL) != 0)
			error = ESRCH;
		else if (!rw_tryenter(&p->p_reflock, RW_READER))
			error = EBUSY;
		else if (p->p_vmspace != l->l_proc->p_vmspace &&
		    kauth_authorize_process(l->l_cred, KAUTH_PROCESS_PTRACE, p,
		    KAUTH_ARG(PT_ATTACH), NULL, NULL) != 0) {
			rw_exit(&p->p_reflock);
			error = EPERM;
		} else
			error = 0;
		mutex_exit(p->p_lock);
		mutex_exit(&proc_lock);
		if (error != EBUSY)
			break;
		/* A tick's sleep ends with EWOULDBLOCK; anything else: a signal. */
		error = kpause("clrspvm", true, 1, NULL);
		if (error != 0 && error != EWOULDBLOCK)
			return error;
	}
	if (error != 0)
		return error;
	if (p->p_vmspace != l->l_proc->p_vmspace && !proc_isunder(p, l))
		error = EPERM;
	else if (proc_vmspace_getref(p, vmp) != 0)
		error = ESRCH;
	rw_exit(&p->p_reflock);
	return error;
}

/*
 * With no pidfd open or closing (clrs_pidfd_busy) and no call inside the
 * module: the key's destructor frees what processes still hold
 * (specificdata_key_delete runs it under the domain lock, which also
 * waits out one that exit1 runs), then the closed pidfds go.
 */
void
clrs_pidfd_fini(void)
{

	proc_specific_key_delete(clrs_pidfd_key);
	clrs_pidfd_reclaim();
	KASSERT(clrs_pidfds == NULL);
	rw_destroy(&clrs_pidfd_attach_lock);
	mutex_destroy(&clrs_pidfd_lock);
}

/*
 * fo_close.  closef(9) calls it for the file's last reference and frees
 * the file after it returns, and nothing tells the module when the
 * closing thread has left its code: it may be preempted anywhere in it.
 * So the module's part (clrs_pidfd_close) returns the pidfd's pf_closing,
 * which it set to 1 first, and the last thing done in the module's text is
 * a jump to the kernel's atomic_dec_uint_nv (atomic.S: the decrement is
 * its one memory access, then it returns), which sets it back to 0 and
 * returns that 0 to closef as fo_close's result.  Unload refuses while a
 * pidfd's pf_closing is not 0.
 */
int	clrs_pidfd_fo_close(file_t *);
__asm__(
"	.text\n"
"	.p2align 4\n"
"	.type	clrs_pidfd_fo_close, @function\n"
"clrs_pidfd_fo_close:\n"
"	pushq	%rbp\n"
"	movq	%rsp, %rbp\n"
"	call	clrs_pidfd_close\n"
"	popq	%rbp\n"
"	movq	%rax, %rdi\n"
"	jmp	atomic_dec_uint_nv\n"
"	.size	clrs_pidfd_fo_close, . - clrs_pidfd_fo_close\n"
/* Its frame, for the stack check (llvm's -fstack-size-section format). */
"	.pushsection .stack_sizes, \"o\", @progbits, .text\n"
"	.quad	clrs_pidfd_fo_close\n"
"	.uleb128 8\n"
"	.popsection\n");

/*
 * Every operation is given, so that no caller depends on the kernel's
 * handling of a NULL one: fcntl and restart are the kernel's own no-ops,
 * the others answer as Linux does for a pidfd where NetBSD can.
 */
static int
clrs_pidfd_mmap(file_t *fp __unused, off_t *off __unused, size_t len __unused,
    int prot __unused, int *flagsp __unused, int *advicep __unused,
    struct uvm_object **uobjp __unused, int *maxprotp __unused)
{

	return ENODEV;
}

static int
clrs_pidfd_seek(file_t *fp __unused, off_t delta __unused, int whence __unused,
    off_t *newoffp __unused, int flags __unused)
{

	return ESPIPE;
}

#if __NetBSD_Version__ >= 1100000000
static int
clrs_pidfd_advlock(file_t *fp __unused, void *id __unused, int op __unused,
    struct flock *fl __unused, int flags __unused)
{

	return EOPNOTSUPP;
}

static int
clrs_pidfd_fpathconf(file_t *fp __unused, int name __unused,
    register_t *retval __unused)
{

	return EINVAL;
}

static int
clrs_pidfd_posix_fadvise(file_t *fp __unused, off_t offset __unused,
    off_t len __unused, int advice __unused)
{

	return ESPIPE;
}

static int
clrs_pidfd_truncate(file_t *fp __unused, off_t length __unused)
{

	return EOPNOTSUPP;
}
#endif

static const struct fileops clrs_pidfd_fileops = {
	.fo_name = "pidfd",
	.fo_read = clrs_pidfd_read,
	.fo_write = clrs_pidfd_write,
	.fo_ioctl = clrs_pidfd_ioctl,
	.fo_fcntl = fnullop_fcntl,
	.fo_poll = clrs_pidfd_poll,
	.fo_stat = clrs_pidfd_stat,
	.fo_close = clrs_pidfd_fo_close,
	.fo_kqfilter = clrs_pidfd_kqfilter,
	.fo_restart = fnullop_restart,
	.fo_mmap = clrs_pidfd_mmap,
	.fo_seek = clrs_pidfd_seek,
#if __NetBSD_Version__ >= 1100000000
	.fo_advlock = clrs_pidfd_advlock,
	.fo_fpathconf = clrs_pidfd_fpathconf,
	.fo_posix_fadvise = clrs_pidfd_posix_fadvise,
	.fo_truncate = clrs_pidfd_truncate,
#endif
};

const struct filterops clrs_pidfd_read_filtops = {
	.f_flags = FILTEROP_ISFD | FILTEROP_MPSAFE,
	.f_detach = clrs_pidfd_filt_detach,
	.f_event = clrs_pidfd_filt_read,
};

const struct filterops clrs_pidfd_write_filtops = {
	.f_flags = FILTEROP_ISFD | FILTEROP_MPSAFE,
	.f_detach = clrs_pidfd_filt_detach,
	.f_event = clrs_pidfd_filt_write,
};

struct clrs_pidfd *
clrs_file_pidfd(file_t *fp)
{

	return fp->f_ops == &clrs_pidfd_fileops ? fp->f_data : NULL;
}

void
clrs_file_set_pidfd(file_t *fp, struct clrs_pidfd *pf, bool nonblock)
{

	fp->f_flag = FREAD | FWRITE | (nonblock ? FNONBLOCK : 0);
	fp->f_type = DTYPE_MISC;
	fp->f_ops = &clrs_pidfd_fileops;
	fp->f_data = pf;
}

bool
clrs_file_nonblock(file_t *fp)
{

	return (fp->f_flag & FNONBLOCK) != 0;
}

int
clrs_fd_dup_cloexec(file_t *fp, int *newfd)
{

#if __NetBSD_Version__ >= 1100000000
	return fd_dup(fp, 0, newfd, true, false);
#else
	return fd_dup(fp, 0, newfd, true);
#endif
}

struct lwp *
clrs_curlwp(void)
{

	return curlwp;
}

lwpid_t
clrs_lwp_lid(struct lwp *l)
{

	return l->l_lid;
}

struct proc *
clrs_lwp_proc(struct lwp *l)
{

	return l->l_proc;
}

uint32_t
clrs_knote_filter(struct knote *kn)
{

	return kn->kn_filter;
}

void
clrs_knote_attach(struct knote *kn, const struct filterops *fop,
    struct clrs_pidproc *pp)
{

	kn->kn_fop = fop;
	kn->kn_hook = pp;
}

struct clrs_pidproc *
clrs_knote_pidproc(struct knote *kn)
{

	return kn->kn_hook;
}

void
clrs_knote_set_data(struct knote *kn, int64_t data)
{

	kn->kn_data = data;
}

pid_t
clrs_proc_pid(const struct proc *p)
{

	KASSERT(mutex_owned(&proc_lock));
	return p->p_pid;
}

int
clrs_proc_stat(const struct proc *p)
{

	KASSERT(mutex_owned(&proc_lock));
	return p->p_stat;
}

const struct proc *
clrs_proc_parent(const struct proc *p)
{

	KASSERT(mutex_owned(&proc_lock));
	return p->p_pptr;
}

/* p_start is set by fork1 and stays until proc_free. */
void
clrs_proc_start(const struct proc *p, struct timeval *tv)
{

	KASSERT(mutex_owned(&proc_lock));
	*tv = p->p_stats->p_start;
}

/*
 * As sysctl_doeproc and procfs take a process (kern_proc.c): a live one
 * only, whose p_stat exit1 sets to SDYING under p_lock before it takes
 * p_reflock as writer, so that a reader here is either before exit1's
 * rw_enter or refused.
 */
bool
clrs_proc_tryhold(struct proc *p)
{
	bool held = false;

	KASSERT(mutex_owned(&proc_lock));
	mutex_enter(p->p_lock);
	if (p->p_stat == SACTIVE || p->p_stat == SSTOP)
		held = rw_tryenter(&p->p_reflock, RW_READER) != 0;
	mutex_exit(p->p_lock);
	return held;
}

void
clrs_proc_release(struct proc *p)
{

	rw_exit(&p->p_reflock);
}

/* Both under p_lock, which protects p_cred, as kill1 and ptrace do. */
int
clrs_proc_may_signal(kauth_cred_t cred, struct proc *p, int signo)
{
	int error;

	KASSERT(mutex_owned(&proc_lock));
	mutex_enter(p->p_lock);
	error = kauth_authorize_process(cred, KAUTH_PROCESS_SIGNAL, p,
	    KAUTH_ARG(signo), NULL, NULL);
	mutex_exit(p->p_lock);
	return error == 0 ? 0 : EPERM;
}

int
clrs_proc_may_attach(kauth_cred_t cred, struct proc *p)
{
	int error;

	KASSERT(mutex_owned(&proc_lock));
	mutex_enter(p->p_lock);
	error = kauth_authorize_process(cred, KAUTH_PROCESS_PTRACE, p,
	    KAUTH_ARG(PT_ATTACH), NULL, NULL);
	mutex_exit(p->p_lock);
	return error == 0 ? 0 : EPERM;
}

int
clrs_proc_signal(kauth_cred_t cred, struct proc *p,
    const struct _ksiginfo *info, lwpid_t lid)
{
	ksiginfo_t ksi;
	int error;

	KASSERT(mutex_owned(&proc_lock));
	mutex_enter(p->p_lock);
	error = kauth_authorize_process(cred, KAUTH_PROCESS_SIGNAL, p,
	    KAUTH_ARG(info->_signo), NULL, NULL);
	if (error == 0 && info->_signo != 0 &&
	    (p->p_stat == SACTIVE || p->p_stat == SSTOP)) {
		ksi = (ksiginfo_t){ .ksi_info = *info, .ksi_lid = lid };
		(void)kpsignal2(p, &ksi);
	}
	mutex_exit(p->p_lock);
	return error == 0 ? 0 : EPERM;
}

/*
 * As Linux's kill_pgrp_info: every member of the group (but the kernel's
 * own processes) asked for and signalled as above; 0 if any was permitted,
 * else the last error.  pgrp_find finds only a group with members.
 */
int
clrs_pgrp_signal(kauth_cred_t cred, pid_t pgid, const struct _ksiginfo *info)
{
	struct pgrp *pg;
	struct proc *p;
	int error = ESRCH;
	bool permitted = false;

	KASSERT(mutex_owned(&proc_lock));
	if ((pg = pgrp_find(pgid)) == NULL)
		return ESRCH;
	LIST_FOREACH(p, &pg->pg_members, p_pglist) {
		if ((p->p_flag & PK_SYSTEM) != 0)
			continue;
		error = clrs_proc_signal(cred, p, info, 0);
		permitted |= error == 0;
	}
	return permitted ? 0 : error;
}

#ifdef _KERNEL
CTASSERT(CLRS_LINUX_NSIG == LINUX__NSIG);
#endif

int
clrs_linux_to_native_signo(int lsig)
{

	return lsig > 0 && lsig < CLRS_LINUX_NSIG ? linux_to_native_signo[lsig] :
	    0;
}

/*
 * membarrier(2)'s registrations: a record per process, in proc-specific
 * data, made when the process first uses them.  A new record takes over
 * the registrations of the nearest ancestor that has a record, which is
 * what Linux's fork copies (the mm's membarrier_state) as far as a module
 * can tell without a fork hook: NetBSD's fork hooks run unlocked
 * (doforkhooks, kern_fork.c), so one could not be removed safely at
 * unload.  An exec hook clears a record (Linux's exec starts a new mm), and
 * gives a process that execs without one an empty one while any process
 * has registrations, so that it takes over none.  The key's destructor
 * frees a record when its process is freed; proc_specific_key_delete runs
 * it for every record at unload, and takes the domain lock every
 * destructor runs under (subr_specificdata.c), so none runs after.
 */
struct clrs_mb_record {
	volatile u_int	mr_state;
};

static specificdata_key_t clrs_mb_key;
static void *clrs_mb_hook;
/* Serialises the making of records. */
static krwlock_t clrs_mb_lock;
/* Records with a registration. */
static volatile u_int clrs_mb_registered;

static void
clrs_mb_dtor(void *arg)
{
	struct clrs_mb_record *mr = arg;

	if (mr->mr_state != 0)
		atomic_dec_uint(&clrs_mb_registered);
	kmem_free(mr, sizeof(*mr));
}

/*
 * The state of the nearest ancestor with a record.  Under proc_lock, a
 * process's p_pptr is a live process: exit1 hands an exiting process's
 * children to init under proc_lock, before the process can be freed, so
 * no ancestor's record is freed while it is read.
 */
static u_int
clrs_mb_inherited(struct proc *p)
{
	struct clrs_mb_record *mr;
	u_int state = 0;

	mutex_enter(&proc_lock);
	for (p = p->p_pptr; p != NULL && p->p_pid > 1; p = p->p_pptr) {
		if ((mr = proc_getspecific(p, clrs_mb_key)) != NULL) {
			state = mr->mr_state;
			break;
		}
	}
	mutex_exit(&proc_lock);
	return state;
}

/* The process's record, made if it has none. */
static struct clrs_mb_record *
clrs_mb_record(struct proc *p, bool inherit)
{
	struct clrs_mb_record *mr, *made;

	if ((mr = proc_getspecific(p, clrs_mb_key)) != NULL)
		return mr;
	made = kmem_alloc(sizeof(*made), KM_SLEEP);
	made->mr_state = inherit ? clrs_mb_inherited(p) : 0;
	rw_enter(&clrs_mb_lock, RW_WRITER);
	if ((mr = proc_getspecific(p, clrs_mb_key)) == NULL) {
		if (made->mr_state != 0)
			atomic_inc_uint(&clrs_mb_registered);
		proc_setspecific(p, clrs_mb_key, made);
		mr = made;
		made = NULL;
	}
	rw_exit(&clrs_mb_lock);
	if (made != NULL)
		kmem_free(made, sizeof(*made));
	return mr;
}

/* Runs in execve, the process's other LWPs gone, exec_lock held. */
static void
clrs_mb_exec(struct proc *p, void *arg __unused)
{
	struct clrs_mb_record *mr;

	if ((mr = proc_getspecific(p, clrs_mb_key)) != NULL) {
		if (atomic_swap_uint(&mr->mr_state, 0) != 0)
			atomic_dec_uint(&clrs_mb_registered);
	} else if (clrs_mb_registered != 0)
		(void)clrs_mb_record(p, false);
}

int
clrs_membarrier_init(void)
{
	int error;

	if ((error = proc_specific_key_create(&clrs_mb_key,
	    clrs_mb_dtor)) != 0)
		return error;
	rw_init(&clrs_mb_lock);
	clrs_mb_registered = 0;
	rw_enter(&exec_lock, RW_WRITER);
	clrs_mb_hook = exechook_establish(clrs_mb_exec, NULL);
	rw_exit(&exec_lock);
	return 0;
}

void
clrs_membarrier_fini(void)
{

	rw_enter(&exec_lock, RW_WRITER);
	exechook_disestablish(clrs_mb_hook);
	rw_exit(&exec_lock);
	proc_specific_key_delete(clrs_mb_key);
	rw_destroy(&clrs_mb_lock);
}

bool
clrs_membarrier_registered(void)
{

	return atomic_load_acquire(&clrs_mb_registered) != 0;
}

u_int
clrs_membarrier_state(struct lwp *l)
{

	return clrs_mb_record(l->l_proc, true)->mr_state;
}

/* The caller's process's other LWPs may register at the same time. */
void
clrs_membarrier_set(struct lwp *l, u_int bits)
{
	struct clrs_mb_record *mr = clrs_mb_record(l->l_proc, true);
	u_int old;

	do {
		old = mr->mr_state;
	} while (atomic_cas_uint(&mr->mr_state, old, old | bits) != old);
	if (old == 0 && bits != 0)
		atomic_inc_uint(&clrs_mb_registered);
}

static void
clrs_mb_barrier(void *arg0 __unused, void *arg1 __unused)
{

	membar_sync();
}

/* cpuid serializes instruction execution (Intel SDM vol. 3, 9.3). */
static void
clrs_mb_barrier_core(void *arg0 __unused, void *arg1 __unused)
{
	u_int eax = 0, ebx, ecx = 0, edx;

	membar_sync();
	__asm volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx)
	    : : "memory");
}

/*
 * A low-priority cross-call runs in each CPU's xcall thread, so every CPU
 * switches context (what Linux's synchronize_rcu gives MEMBARRIER_CMD_GLOBAL);
 * a high-priority one interrupts each CPU at once (Linux's IPIs).
 */
void
clrs_membarrier_sync(int how)
{

	xc_wait(xc_broadcast(how == CLRS_BARRIER_ALL ? 0 : XC_HIGHPRI,
	    how == CLRS_BARRIER_CORE ? clrs_mb_barrier_core : clrs_mb_barrier,
	    NULL, NULL));
}

bool
clrs_lwp_memlock(struct lwp *l, rlim_t *limit)
{
	struct proc *p = l->l_proc;

	*limit = p->p_rlimit[RLIMIT_MEMLOCK].rlim_cur;
	return kauth_authorize_process(l->l_cred, KAUTH_PROCESS_RLIMIT, p,
	    KAUTH_ARG(KAUTH_REQ_PROCESS_RLIMIT_BYPASS),
	    &p->p_rlimit[RLIMIT_MEMLOCK], KAUTH_ARG(RLIMIT_MEMLOCK)) == 0;
}
