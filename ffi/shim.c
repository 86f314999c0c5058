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
