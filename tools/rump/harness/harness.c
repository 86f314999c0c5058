/*
 * harness.c: what the rump kernel lacks for compat_linux_rs, test-only.
 *
 * A rump kernel has no compat_linux: no Linux system call table, no
 * Linux clone, no dispatcher entering that table, and its LWPs have no
 * trap frame.  This file supplies those, as small as NetBSD's own are,
 * and the probes the tests read the kernel's reference counts with.
 * Everything else the module calls is the rump kernel's real code.
 */

#include <sys/param.h>
#include <sys/types.h>
#include <sys/atomic.h>
#include <sys/errno.h>
#include <sys/file.h>
#include <sys/filedesc.h>
#include <sys/kauth.h>
#include <sys/lockdebug.h>
#include <sys/lwp.h>
#include <sys/module.h>
#include <sys/mount.h>
#include <sys/mutex.h>
#include <sys/namei.h>
#include <sys/once.h>
#include <sys/proc.h>
#include <sys/sem.h>
#include <sys/syscallargs.h>
#include <sys/syscallvar.h>
#include <sys/sysctl.h>
#include <sys/systm.h>
#include <sys/vnode.h>

#include <machine/frame.h>

#include <uvm/uvm_extern.h>

#include "linuxipc.h"
#include <compat/linux/linux_syscallargs.h>

#include <rump-sys/kern.h>

#include "clrs_rump.h"

/*
 * Where 7.99 and 10/11 differ in what the harness itself touches (the
 * 10/11 side follows ffi/kpi.h and vfs_mount.c 1.93; not yet compiled on
 * NetBSD): proc_lock is a kmutex_t * in 7.99, mnt_updating embedded in
 * its struct mount, a mount reference its mnt_refcnt with vfs_destroy()
 * to drop it, and only 7.99 counts busy users in mnt_busynest.
 */
#if __NetBSD_Version__ >= 1000000000
#define	CLRS_PROC_LOCK		(&proc_lock)
#define	CLRS_MNT_UPDATING(mp)	((mp)->mnt_updating)
#define	CLRS_MNT_REF(mp)	vfs_ref(mp)
#define	CLRS_MNT_RELE(mp)	vfs_rele(mp)
#define	CLRS_MNT_BUSY(mp)	0u
#else
#define	CLRS_PROC_LOCK		proc_lock
#define	CLRS_MNT_UPDATING(mp)	(&(mp)->mnt_updating)
#define	CLRS_MNT_REF(mp)	atomic_inc_uint(&(mp)->mnt_refcnt)
#define	CLRS_MNT_RELE(mp)	vfs_destroy(mp)
#define	CLRS_MNT_BUSY(mp)	(*(volatile u_int *)&(mp)->mnt_busynest)
#endif

/*
 * compat_linux, as far as the module sees it: a module of that name, which
 * needs sysv_ipc as the real one does (so rump initialises sysv_ipc
 * before it), and its amd64 table, linux_sysent
 * (compat/linux/arch/amd64/linux_sysent.c), whose unimplemented slots
 * hold linux_sys_nosys.  NetBSD 11's compat_linux implements getcpu (309)
 * and faccessat2 (439) itself (syscalls.master 1.74): its INIT puts them in
 * where CLRS_RELEASE says the table is 11's.  Its INIT also makes the
 * sysctl node emul.linux, as linux_sysctl_init does (the module puts its
 * own nodes under it), and emul itself unless a rump library has.
 */
MODULE(MODULE_CLASS_EXEC, compat_linux, "sysv_ipc");

int	linux_sys_nosys(struct lwp *, const void *, register_t *);

struct sysent linux_sysent[CLRS_RUMP_NSYSENT] = {
	[0 ... CLRS_RUMP_NSYSENT - 1] = { .sy_call = linux_sys_nosys },
};

/*
 * Its Linux-to-NetBSD signal numbers (arch/amd64/linux_sigarray.c 1.3):
 * 1 to 31 the same but SIGSTKFLT (none), Linux's real-time signals 32 to
 * 62 on NetBSD's 33 to 63, and none for 63.
 */
const int linux_to_native_signo[64] = {
	0, SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS,
	SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
	0, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG,
	SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
	SIGRTMIN, SIGRTMIN + 1, SIGRTMIN + 2, SIGRTMIN + 3,
	SIGRTMIN + 4, SIGRTMIN + 5, SIGRTMIN + 6, SIGRTMIN + 7,
	SIGRTMIN + 8, SIGRTMIN + 9, SIGRTMIN + 10, SIGRTMIN + 11,
	SIGRTMIN + 12, SIGRTMIN + 13, SIGRTMIN + 14, SIGRTMIN + 15,
	SIGRTMIN + 16, SIGRTMIN + 17, SIGRTMIN + 18, SIGRTMIN + 19,
	SIGRTMIN + 20, SIGRTMIN + 21, SIGRTMIN + 22, SIGRTMIN + 23,
	SIGRTMIN + 24, SIGRTMIN + 25, SIGRTMIN + 26, SIGRTMIN + 27,
	SIGRTMIN + 28, SIGRTMIN + 29, SIGRTMIN + 30,
	0,
};

static int	clrs_compat_own(struct lwp *, const void *, register_t *);
static struct sysctllog *compat_linux_sysctllog;

static int
compat_linux_modcmd(modcmd_t cmd, void *arg)
{
	int error;

	switch (cmd) {
	case MODULE_CMD_INIT:
		error = sysctl_createv(&compat_linux_sysctllog, 0, NULL, NULL,
		    CTLFLAG_PERMANENT, CTLTYPE_NODE, "emul", NULL,
		    NULL, 0, NULL, 0, CTL_EMUL, CTL_EOL);
		if (error == 0 || error == EEXIST) {
			error = sysctl_createv(&compat_linux_sysctllog, 0, NULL,
			    NULL, CTLFLAG_PERMANENT, CTLTYPE_NODE, "linux", NULL,
			    NULL, 0, NULL, 0, CTL_EMUL, EMUL_LINUX, CTL_EOL);
		}
		if (error != 0)
			return error;
#if CLRS_RELEASE >= 11
		/* Its own getcpu (309) and faccessat2 (439). */
		linux_sysent[309] = (struct sysent){ .sy_narg = 3,
		    .sy_argsize = 3 * sizeof(register_t),
		    .sy_call = clrs_compat_own };
		linux_sysent[439] = (struct sysent){ .sy_narg = 4,
		    .sy_argsize = 4 * sizeof(register_t),
		    .sy_call = clrs_compat_own };
#endif
		return 0;
	case MODULE_CMD_FINI:
		return 0;
	default:
		return ENOTTY;
	}
}

int
linux_sys_nosys(struct lwp *l, const void *v, register_t *retval)
{

	return ENOSYS;
}

/* compat_linux's own handler of a slot, told apart by its result. */
static int
clrs_compat_own(struct lwp *l, const void *v, register_t *retval)
{

	*retval = CLRS_COMPAT_OWN_RESULT;
	return 0;
}

int
rump_clrs_compat_has(unsigned long nr)
{

	return nr < CLRS_RUMP_NSYSENT &&
	    linux_sysent[nr].sy_call == clrs_compat_own;
}

/*
 * compat_linux's clone cannot run in a rump kernel (there is no user
 * context to copy); the harness records what it is asked and answers as
 * the parent would, with the child's TID.
 */
static kmutex_t clrs_clone_lock;
static struct clrs_clone_call clrs_clone_last;

static int
clrs_init(void)
{

	mutex_init(&clrs_clone_lock, MUTEX_DEFAULT, IPL_NONE);
	return 0;
}
static ONCE_DECL(clrs_once);

int
linux_sys_clone(struct lwp *l, const struct linux_sys_clone_args *uap,
    register_t *retval)
{

	RUN_ONCE(&clrs_once, clrs_init);
	mutex_enter(&clrs_clone_lock);
	clrs_clone_last.flags = (uint64_t)SCARG(uap, flags);
	clrs_clone_last.stack = (uint64_t)(uintptr_t)SCARG(uap, stack);
	clrs_clone_last.parent_tidptr =
	    (uint64_t)(uintptr_t)SCARG(uap, parent_tidptr);
	clrs_clone_last.child_tidptr =
	    (uint64_t)(uintptr_t)SCARG(uap, child_tidptr);
	clrs_clone_last.tls = (uint64_t)(uintptr_t)SCARG(uap, tls);
	clrs_clone_last.calls++;
	mutex_exit(&clrs_clone_lock);
	*retval = CLRS_CLONE_TID;
	return 0;
}

void
rump_clrs_last_clone(struct clrs_clone_call *out)
{

	rump_schedule();
	RUN_ONCE(&clrs_once, clrs_init);
	mutex_enter(&clrs_clone_lock);
	*out = clrs_clone_last;
	mutex_exit(&clrs_clone_lock);
	rump_unschedule();
}

int
rump_clrs_slot(unsigned long nr)
{
	sy_call_t *call;

	if (nr >= CLRS_RUMP_NSYSENT)
		return -1;
	call = __atomic_load_n(&linux_sysent[nr].sy_call, __ATOMIC_ACQUIRE);
	if (call == linux_sys_nosys)
		return CLRS_SLOT_NOSYS;
	if (call == clrs_compat_own)
		return CLRS_SLOT_COMPAT;
	return CLRS_SLOT_OTHER;
}

/* Whether the dispatcher records l_sysent (rump_clrs_dispatch_sysent). */
static volatile int clrs_record_sysent = 1;

void
rump_clrs_dispatch_sysent(int record)
{

	clrs_record_sysent = record;
}

/*
 * The dispatcher: sys/arch/amd64/amd64/linux_syscall.c (linux_syscall()),
 * with a trap frame built from the arguments instead of taken from a
 * trap.  The frame lives on this LWP's kernel stack for the call, as a
 * real one does, and l_md.md_regs points at it meanwhile.
 */
int
rump_clrs_syscall(unsigned long nr, const uint64_t args[6], int64_t *retval,
    uint64_t user_sp)
{
	struct trapframe frame, *saved;
	const struct sysent *callp;
	register_t rval[2];
	struct lwp *l;
	struct proc *p;
	int error;

	rump_schedule();
	l = curlwp;
	p = l->l_proc;

	memset(&frame, 0, sizeof(frame));
	frame.tf_rax = nr;
	frame.tf_rdi = args[0];
	frame.tf_rsi = args[1];
	frame.tf_rdx = args[2];
	frame.tf_r10 = args[3];
	frame.tf_r8 = args[4];
	frame.tf_r9 = args[5];
	frame.tf_rsp = user_sp;
	saved = l->l_md.md_regs;
	l->l_md.md_regs = &frame;

	LWP_CACHE_CREDS(l, p);
	callp = linux_sysent + (nr & (CLRS_RUMP_NSYSENT - 1));
	rval[0] = 0;
	rval[1] = 0;
	/* The six registers are adjacent in the frame, as linux_syscall's
	 * "#define args (&frame->tf_rdi)" relies on. */
	if (clrs_record_sysent)
		error = sy_call(callp, l, &frame.tf_rdi, rval);
	else
		error = (*callp->sy_call)(l, &frame.tf_rdi, rval);
	if (error == 0)
		*retval = rval[0];

	/* mi_userret() (sys/userret.h): nothing held on the way out. */
	KASSERT(l->l_blcnt == 0);
	LOCKDEBUG_BARRIER(NULL, 0);
	KASSERT(l->l_sysent == NULL);

	l->l_md.md_regs = saved;
	rump_unschedule();
	return error;
}

/* --- the kernel's own reference counts ---------------------------------- */

/*
 * The module's pidfd probes (ffi/shim.h), weak: linked in with the glue,
 * absent where the module is a file for kobj (t_module).
 */
bool	clrs_pidfd_busy(void) __attribute__((__weak__));
struct clrs_pidfd *clrs_file_pidfd(file_t *) __attribute__((__weak__));

static void
clrs_vnode_refs(struct vnode *vp, struct clrs_refs *r)
{
	struct mount *mp;

	r->vnode_refs = vp->v_usecount;
	r->vnode_locked = VOP_ISLOCKED(vp);
	mp = vp->v_mount;
	if (mp != NULL) {
		r->mount_refs = mp->mnt_refcnt;
		r->mount_busy = CLRS_MNT_BUSY(mp);
	}
}

int
rump_clrs_fd_refs(int fd, struct clrs_refs *r)
{
	struct filedesc *fdp;
	fdfile_t *ff;
	file_t *fp;
	int error = 0;

	memset(r, 0, sizeof(*r));
	rump_schedule();
	fdp = curlwp->l_fd;
	mutex_enter(&fdp->fd_lock);
	if (fd < 0 || (u_int)fd >= fdp->fd_dt->dt_nfiles ||
	    (ff = fdp->fd_dt->dt_ff[fd]) == NULL ||
	    (fp = ff->ff_file) == NULL) {
		error = EBADF;
	} else {
		r->fd_users = ff->ff_refcnt;
		mutex_enter(&fp->f_lock);
		r->file_refs = fp->f_count;
		mutex_exit(&fp->f_lock);
		r->file_type = fp->f_type;
		r->module_file = clrs_file_pidfd != NULL &&
		    clrs_file_pidfd(fp) != NULL;
		if (fp->f_type == DTYPE_VNODE)
			clrs_vnode_refs(fp->f_vnode, r);
	}
	mutex_exit(&fdp->fd_lock);
	rump_unschedule();
	return error;
}

int
rump_clrs_path_refs(const char *path, struct clrs_refs *r)
{
	struct vnode *vp;
	int error;

	memset(r, 0, sizeof(*r));
	rump_schedule();
	error = namei_simple_kernel(path, NSM_NOFOLLOW_NOEMULROOT, &vp);
	if (error == 0) {
		clrs_vnode_refs(vp, r);
		r->vnode_refs--;	/* namei's own */
		vrele(vp);
	}
	rump_unschedule();
	return error;
}

/*
 * Live credentials: kauth calls the credential scope's listeners on every
 * allocation (KAUTH_CRED_INIT) and free (KAUTH_CRED_FREE) (kern_auth.c).
 */
static volatile long clrs_creds;
static kauth_listener_t clrs_cred_listener;

static int
clrs_cred_listen(kauth_cred_t cred, kauth_action_t action, void *cookie,
    void *arg0, void *arg1, void *arg2, void *arg3)
{

	if (action == KAUTH_CRED_INIT)
		atomic_inc_ulong((volatile unsigned long *)&clrs_creds);
	else if (action == KAUTH_CRED_FREE)
		atomic_dec_ulong((volatile unsigned long *)&clrs_creds);
	/* kauth_cred_hook() asserts that the credential scope allows. */
	return KAUTH_RESULT_ALLOW;
}

static int
clrs_cred_init(void)
{

	clrs_cred_listener = kauth_listen_scope(KAUTH_SCOPE_CRED,
	    clrs_cred_listen, NULL);
	return 0;
}
static ONCE_DECL(clrs_cred_once);

long
rump_clrs_live_creds(void)
{
	long n;

	rump_schedule();
	RUN_ONCE(&clrs_cred_once, clrs_cred_init);
	n = clrs_creds;
	rump_unschedule();
	return n;
}

/* --- a held update lock ------------------------------------------------- */

static struct mount *clrs_held_mp;

int
rump_clrs_updating_hold(const char *path)
{
	struct vnode *vp;
	struct mount *mp;
	int error;

	rump_schedule();
	KASSERT(clrs_held_mp == NULL);
	error = namei_simple_kernel(path, NSM_FOLLOW_NOEMULROOT, &vp);
	if (error == 0) {
		mp = vp->v_mount;
		/* A reference, as vfs_busy() takes one (vfs_mount.c). */
		CLRS_MNT_REF(mp);
		vrele(vp);
		mutex_enter(CLRS_MNT_UPDATING(mp));
		clrs_held_mp = mp;
	}
	rump_unschedule();
	return error;
}

void
rump_clrs_updating_release(void)
{
	struct mount *mp;

	rump_schedule();
	mp = clrs_held_mp;
	KASSERT(mp != NULL);
	clrs_held_mp = NULL;
	mutex_exit(CLRS_MNT_UPDATING(mp));
	CLRS_MNT_RELE(mp);
	rump_unschedule();
}

/*
 * Read without mnt_unmounting: dounmount() holds that lock while it waits
 * for the update lock this thread holds (kern/vfs_mount.c).  Each field
 * is one aligned word; IMNT_UNMOUNT is set before that wait.
 */
void
rump_clrs_held_mount(struct clrs_mount_state *st)
{
	struct mount *mp;
	int iflag;

	rump_schedule();
	mp = clrs_held_mp;
	KASSERT(mp != NULL);
	st->refcnt = *(volatile int *)&mp->mnt_refcnt;
	st->busy = CLRS_MNT_BUSY(mp);
	iflag = *(volatile int *)&mp->mnt_iflag;
	st->unmounting = (iflag & IMNT_UNMOUNT) != 0;
	st->gone = (iflag & IMNT_GONE) != 0;
	rump_unschedule();
}

/* --- signals ------------------------------------------------------------- */

int
rump_clrs_kill(int pid, int sig)
{
	struct proc *p;
	int error = 0;

	rump_schedule();
	mutex_enter(CLRS_PROC_LOCK);
	if ((p = proc_find(pid)) == NULL)
		error = ESRCH;
	else
		psignal(p, sig);
	mutex_exit(CLRS_PROC_LOCK);
	rump_unschedule();
	return error;
}

/*
 * Whether an interruptible sleep of the kind sysv_sem.c's semop takes
 * (cv_timedwait_sig(9)) can be ended from outside as in a NetBSD kernel,
 * whose sleepq_block() with catch returns EINTR for an LW_CANCELLED set on
 * the LWP (as _lwp_wakeup(2) sets it) and for a pending signal: each tried
 * for one tick.
 */
int
rump_clrs_sleep_cancellable(void)
{
	struct lwp *l;
	struct proc *p;
	kmutex_t mtx;
	kcondvar_t cv;
	int cancelled, signalled;

	rump_schedule();
	l = curlwp;
	p = l->l_proc;
	mutex_init(&mtx, MUTEX_DEFAULT, IPL_NONE);
	cv_init(&cv, "clrsprb");
	mutex_enter(&mtx);
	lwp_lock(l);
	l->l_flag |= LW_CANCELLED;
	lwp_unlock(l);
	cancelled = cv_timedwait_sig(&cv, &mtx, 1);
	lwp_lock(l);
	l->l_flag &= ~LW_CANCELLED;
	lwp_unlock(l);
	psignal(p, SIGUSR2);
	signalled = cv_timedwait_sig(&cv, &mtx, 1);
	mutex_exit(&mtx);
	mutex_enter(p->p_lock);
	sigdelset(&p->p_sigpend.sp_set, SIGUSR2);
	mutex_exit(p->p_lock);
	cv_destroy(&cv);
	mutex_destroy(&mtx);
	rump_unschedule();
	return (cancelled == EINTR || cancelled == ERESTART) &&
	    (signalled == EINTR || signalled == ERESTART);
}

/* The signals recorded for process pid, taken as delivered. */
void
rump_clrs_clear_signals(int pid)
{
	struct proc *p;

	rump_schedule();
	mutex_enter(CLRS_PROC_LOCK);
	if ((p = proc_find(pid)) != NULL) {
		mutex_enter(p->p_lock);
		sigemptyset(&p->p_sigpend.sp_set);
		mutex_exit(p->p_lock);
	}
	mutex_exit(CLRS_PROC_LOCK);
	rump_unschedule();
}

int
rump_clrs_signal_pending(int pid, int sig)
{
	struct proc *p;
	int pending = -1;

	rump_schedule();
	mutex_enter(CLRS_PROC_LOCK);
	if ((p = proc_find(pid)) != NULL) {
		mutex_enter(p->p_lock);
		pending = sigismember(&p->p_sigpend.sp_set, sig);
		mutex_exit(p->p_lock);
	}
	mutex_exit(CLRS_PROC_LOCK);
	rump_unschedule();
	return pending;
}

int
rump_clrs_pidfd_busy(void)
{
	int busy;

	if (clrs_pidfd_busy == NULL)
		return -1;
	rump_schedule();
	busy = clrs_pidfd_busy();
	rump_unschedule();
	return busy;
}

/* --- sysctl by name ----------------------------------------------------- */

int
rump_clrs_sysctl(const char *path, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	const struct sysctlnode *node = &sysctl_root;
	char part[SYSCTL_NAMELEN];
	size_t len, oldlen = oldlenp != NULL ? *oldlenp : 0;
	u_int i;
	int error = 0;

	rump_schedule();
	sysctl_lock(newp != NULL);
	while (error == 0 && *path != '\0') {
		for (len = 0; path[len] != '\0' && path[len] != '.'; len++)
			continue;
		if (len >= sizeof(part) ||
		    SYSCTL_TYPE(node->sysctl_flags) != CTLTYPE_NODE) {
			error = ENOENT;
			break;
		}
		memcpy(part, path, len);
		part[len] = '\0';
		path += len + (path[len] == '.');
		for (i = 0; i < node->sysctl_clen &&
		    strcmp(node->sysctl_child[i].sysctl_name, part) != 0; i++)
			continue;
		if (i == node->sysctl_clen)
			error = ENOENT;
		else
			node = &node->sysctl_child[i];
	}
	if (error == 0) {
		/* As sysctl_dispatch calls a leaf: no name left. */
		error = (node->sysctl_func != NULL ? node->sysctl_func :
		    sysctl_lookup)(NULL, 0, oldp, &oldlen, newp, newlen, NULL,
		    curlwp, node);
	}
	sysctl_unlock();
	rump_unschedule();
	if (oldlenp != NULL)
		*oldlenp = oldlen;
	return error;
}

/* --- SysV semaphores through kern/sysv_sem.c ---------------------------- */

/*
 * kern.ipc.sysvsem: kern/init_sysctl.c defines it, which no rump library
 * builds; sysv_sem.c sets it when it initialises.
 */
int kern_has_sysvsem;

int
rump_clrs_semget(long key, int nsems, int flags, int *semid)
{
	struct sys_semget_args ua;
	register_t rval[2] = { 0, 0 };
	int error;

	SCARG(&ua, key) = key;
	SCARG(&ua, nsems) = nsems;
	SCARG(&ua, semflg) = flags;
	rump_schedule();
	error = sys_semget(curlwp, &ua, rval);
	rump_unschedule();
	*semid = (int)rval[0];
	return error;
}

int
rump_clrs_semop(int semid, void *sops, unsigned nsops)
{
	struct sys_semop_args ua;
	register_t rval[2] = { 0, 0 };
	int error;

	SCARG(&ua, semid) = semid;
	SCARG(&ua, sops) = sops;
	SCARG(&ua, nsops) = nsops;
	rump_schedule();
	error = sys_semop(curlwp, &ua, rval);
	rump_unschedule();
	return error;
}

int
rump_clrs_semctl(int semid, int semnum, int cmd, int arg, int *result)
{
	union __semun un = { .val = arg };
	register_t rval[2] = { 0, 0 };
	int error;

	rump_schedule();
	error = semctl1(curlwp, semid, semnum, cmd,
	    cmd == SETVAL ? &un : NULL, rval);
	rump_unschedule();
	*result = (int)rval[0];
	return error;
}

/*
 * The end of the user address space of the calling LWP's process: a local
 * rump process's user memory is this host process's (copyin and copyout
 * are memcpy), but rumpkern/vm.c gives its vmspace a map with no room
 * (uvmspace_init(..., 0, 0)).  process_vm_readv, process_vm_writev and
 * mlock2 check buffers against the map's end, as uvm_io and mlock do.
 */
void
rump_clrs_user_space(uint64_t end)
{

	rump_schedule();
	vm_map_setmax(&curproc->p_vmspace->vm_map, (vaddr_t)end);
	rump_unschedule();
}
