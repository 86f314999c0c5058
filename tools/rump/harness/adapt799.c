/*
 * adapt799.c: the NetBSD 10/11 kernel interfaces the module uses, where
 * the 7.99 rump kernel has a different one, written over 7.99's.
 *
 * Two callers:
 *  - the Rust objects, unchanged from the module's: bindgen gave them the
 *    10/11 constants, so the calls that take flags whose values differ
 *    are renamed to clrs_abi_* here (tools/rump/abi-check lists every
 *    constant the Rust code uses and fails the build on a difference not
 *    translated here);
 *  - the C glue, recompiled against 7.99: compat799.h maps the calls
 *    whose prototype differs onto clrs_h_* here.
 * Any flag bit not known is a bug in the caller, and stops the kernel.
 */

#include <sys/param.h>
#include <sys/types.h>
#include <sys/atomic.h>
#include <sys/event.h>
#include <sys/fcntl.h>
#include <sys/kauth.h>
#include <sys/lwp.h>
#include <sys/mount.h>
#include <sys/namei.h>
#include <sys/proc.h>
#include <sys/select.h>
#include <sys/signalvar.h>
#include <sys/systm.h>
#include <sys/vnode.h>

#include "abi1011.h"	/* the 10/11 values, from the module's bindings */

int	clrs_abi_vn_lock(struct vnode *, int);
int	clrs_abi_VOP_ACCESS(struct vnode *, int, kauth_cred_t);
int	clrs_h_kpsignal2(struct proc *, ksiginfo_t *);
proc_t	*proc_find_lwpid(pid_t);
void	selrecord_knote(struct selinfo *, struct knote *);
bool	selremove_knote(struct selinfo *, struct knote *);
void	clrs_h_mutex_enter(kmutex_t *);
void	clrs_h_mutex_exit(kmutex_t *);
int	clrs_h_vfs_busy(struct mount *);
void	clrs_h_vfs_unbusy(struct mount *);
void	clrs_h_vfs_ref(struct mount *);
void	clrs_h_vfs_rele(struct mount *);

/* Each 10/11 bit and its 7.99 counterpart (sys/vnode.h of each). */
struct clrs_bit {
	int	from, to;
};

static int
clrs_translate(const char *what, int value, const struct clrs_bit *bits,
    size_t nbits)
{
	int known = 0, out = 0;
	size_t i;

	for (i = 0; i < nbits; i++) {
		known |= bits[i].from;
		if (value & bits[i].from)
			out |= bits[i].to;
	}
	if (value & ~known)
		panic("%s: flags %#x not known in 10/11", what, value & ~known);
	return out;
}

static const struct clrs_bit clrs_lk_bits[] = {
	{ CLRS_1011_LK_SHARED, LK_SHARED },
	{ CLRS_1011_LK_EXCLUSIVE, LK_EXCLUSIVE },
	{ CLRS_1011_LK_RETRY, LK_RETRY },
};

int
clrs_abi_vn_lock(struct vnode *vp, int flags)
{

	return vn_lock(vp, clrs_translate("vn_lock", flags, clrs_lk_bits,
	    __arraycount(clrs_lk_bits)));
}

static const struct clrs_bit clrs_access_bits[] = {
	{ CLRS_1011_VREAD, VREAD },
	{ CLRS_1011_VWRITE, VWRITE },
	{ CLRS_1011_VEXEC, VEXEC },
};

int
clrs_abi_VOP_ACCESS(struct vnode *vp, int mode, kauth_cred_t cred)
{

	return VOP_ACCESS(vp, clrs_translate("VOP_ACCESS", mode,
	    clrs_access_bits, __arraycount(clrs_access_bits)), cred);
}

/*
 * The mount busy protocol.  In 10/11 vfs_busy(mp) enters the file
 * system's fstrans section and takes a reference, failing only when the
 * mount is going away; in 7.99 vfs_busy(mp, NULL) raises mnt_busynest
 * (which makes dounmount() fail with EBUSY) and takes a reference,
 * failing with ENOENT once the mount is gone (kern/vfs_mount.c).
 * vfs_ref/vfs_rele are 7.99's mnt_refcnt increment and vfs_destroy().
 */
int
clrs_h_vfs_busy(struct mount *mp)
{

	return vfs_busy(mp, NULL);
}

void
clrs_h_vfs_unbusy(struct mount *mp)
{

	vfs_unbusy(mp, false, NULL);
}

void
clrs_h_vfs_ref(struct mount *mp)
{

	KASSERT(mp->mnt_refcnt > 0);
	atomic_inc_uint(&mp->mnt_refcnt);
}

void
clrs_h_vfs_rele(struct mount *mp)
{

	vfs_destroy(mp);
}

/*
 * vn_open of 10/11 (vfs_vnops.c 1.225): the path from at_dvp (or the
 * working directory) with namei flags nmode, the vnode referenced and
 * locked in *ret_vp; a file system that hands back a descriptor (EDUPFD,
 * EMOVEFD) gives it in *ret_fd, or EOPNOTSUPP to a caller without one.
 * 7.99's vn_open (vfs_vnops.c of 2016) does the lookup, create, checks
 * and VOP_OPEN alike from a nameidata its caller (do_open) sets up, and
 * leaves the descriptor cases to the caller with l_dupfd.  Beyond that,
 * 10/11 differ in what the module never asks for: O_CREAT without O_EXCL
 * looks up with NONEXCLHACK (an existing ".", ".." or mount point opened
 * rather than EISDIR from namei), and vn_openchk knows FEXEC and
 * O_REGULAR and refuses VNON and VBAD vnodes (ENXIO).
 */
int	clrs_h_vn_open(struct vnode *, struct pathbuf *, int, int, int,
	    struct vnode **, bool *, int *);

int
clrs_h_vn_open(struct vnode *at_dvp, struct pathbuf *pb, int nmode,
    int fmode, int cmode, struct vnode **ret_vp, bool *ret_domove,
    int *ret_fd)
{
	struct lwp *l = curlwp;
	struct nameidata nd;
	int error;

	KASSERT((nmode & (TRYEMULROOT | NOCHROOT)) == nmode);
	KASSERT(ret_vp != NULL);
	KASSERT((ret_domove == NULL) == (ret_fd == NULL));

	NDINIT(&nd, LOOKUP, nmode, pb);
	if (at_dvp != NULL)
		NDAT(&nd, at_dvp);
	l->l_dupfd = 0;
	error = vn_open(&nd, fmode, cmode);
	switch (error) {
	case EDUPFD:
	case EMOVEFD:
		if (ret_fd == NULL) {
			error = EOPNOTSUPP;
			break;
		}
		*ret_vp = NULL;
		*ret_domove = error == EMOVEFD;
		*ret_fd = l->l_dupfd;
		error = 0;
		break;
	case 0:
		*ret_vp = nd.ni_vp;
		break;
	}
	l->l_dupfd = 0;
	return error;
}

#if CLRS_RELEASE >= 11
/*
 * NetBSD 11's semtimedop(2), which the NetBSD 11 module calls: 7.99's
 * sysv_sem.c has none.  The cases that need it are skipped on this
 * kernel; a call that gets here anyway fails.
 */
int	sys_semtimedop(struct lwp *, const void *, register_t *);

int
sys_semtimedop(struct lwp *l, const void *uap, register_t *retval)
{

	return ENOSYS;
}
#endif

/*
 * kpsignal2: an int in 10/11 (0: posted or dropped), void in 7.99, whose
 * rump kernel has kpsignal only (rumpkern/signals.c: the signal model
 * the harness chose acts on it).
 */
int
clrs_h_kpsignal2(struct proc *p, ksiginfo_t *ksi)
{

	KASSERT(mutex_owned(proc_lock));
	KASSERT(mutex_owned(p->p_lock));
	kpsignal(p, ksi, NULL);
	return 0;
}

/*
 * mlock(2), which mlock2 ends in: uvm_mmap.c is not part of the rump
 * kernel, whose memory is the host's (rumpkern/vm.c wires nothing).  The
 * mlock2 cases here stop before it (flags, limits, lengths); a call that
 * gets here fails.
 */
struct sys_mlock_args;
int	sys_mlock(struct lwp *, const struct sys_mlock_args *, register_t *);

int
sys_mlock(struct lwp *l, const struct sys_mlock_args *uap, register_t *retval)
{

	return ENOSYS;
}

/*
 * proc_find_lwpid (10/11, kern_proc.c): a live process by its ID or one
 * of its LWPs'.  7.99's LWP IDs are numbered within each process, apart
 * from process IDs: only a process's own ID finds it.
 */
proc_t *
proc_find_lwpid(pid_t id)
{

	KASSERT(mutex_owned(proc_lock));
	return proc_find(id);
}

/*
 * proc_lock: a kmutex_t in 10/11 (kern_proc.c), a pointer to the one
 * procinit() allocates in 7.99.  The Rust objects lock it by its address:
 * tools/rump/rust-object renames their proc_lock to this stand-in, whose
 * address only is used, and their mutex_enter and mutex_exit to these,
 * which take 7.99's proc_lock for it and any other mutex as it is.
 */
kmutex_t clrs_h_proc_lock;

static kmutex_t *
clrs_h_mutex(kmutex_t *mtx)
{

	return mtx == &clrs_h_proc_lock ? proc_lock : mtx;
}

void
clrs_h_mutex_enter(kmutex_t *mtx)
{

	mutex_enter(clrs_h_mutex(mtx));
}

void
clrs_h_mutex_exit(kmutex_t *mtx)
{

	mutex_exit(clrs_h_mutex(mtx));
}

/*
 * selrecord_knote and selremove_knote (10/11, sys_select.c): a knote on
 * a selinfo's list, its caller holding the object's lock; 7.99's
 * filters do this themselves (SLIST on sel_klist).
 */
void
selrecord_knote(struct selinfo *sip, struct knote *kn)
{

	SLIST_INSERT_HEAD(&sip->sel_klist, kn, kn_selnext);
}

bool
selremove_knote(struct selinfo *sip, struct knote *kn)
{

	SLIST_REMOVE(&sip->sel_klist, kn, knote, kn_selnext);
	return SLIST_EMPTY(&sip->sel_klist);
}
