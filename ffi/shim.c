/*
 * shim.c: what the Rust handlers need from struct internals and inline
 * kernel functions, which stay on the C side.
 */

#include "shim.h"

void
clrs_lwp_cpu(struct lwp *l, u_int *cpu, u_int *node)
{
	struct cpu_info *ci = l->l_cpu;
#ifdef _KERNEL
	*cpu = cpu_index(ci);
	*node = ci->ci_data.cpu_numa_id;
#else
	/*
	 * The installed headers do not describe struct cpu_info, so find the
	 * index by the kernel's own lookup; the NUMA node is not reachable.
	 */
	u_int i;

	*cpu = 0;
	*node = 0;
	for (i = 0; i < maxcpus; i++) {
		if (cpu_lookup(i) == ci) {
			*cpu = i;
			break;
		}
	}
#endif
}

kauth_cred_t
clrs_lwp_cred(struct lwp *l)
{

	return l->l_cred;
}

register_t
clrs_lwp_user_sp(struct lwp *l)
{

	return l->l_md.md_regs->tf_rsp;
}

int
clrs_semopm(void)
{

	return seminfo.semopm;
}

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
clrs_vnode_size(struct vnode *vp, kauth_cred_t cred, off_t *size)
{
	struct vattr va;
	int error;

	vn_lock(vp, LK_SHARED | LK_RETRY);
	error = VOP_GETATTR(vp, &va, cred);
	VOP_UNLOCK(vp);
	if (error == 0)
		*size = (off_t)va.va_size;
	return error;
}

u_int
clrs_vnode_type(struct vnode *vp)
{

	return vp->v_type;
}

int
clrs_vnode_syncfs(struct vnode *vp, kauth_cred_t cred)
{
	struct mount *mp = vp->v_mount;
	int async, error = 0;

	/* The open file holds the vnode, and the vnode its mount. */
	if (vp->v_type == VBAD || mp == NULL)
		return 0;
	mutex_enter(mp->mnt_updating);
	if ((mp->mnt_flag & MNT_RDONLY) == 0) {
		/* As sync(2): an async mount is written out too. */
		async = mp->mnt_flag & MNT_ASYNC;
		mp->mnt_flag &= ~MNT_ASYNC;
		error = VFS_SYNC(mp, MNT_WAIT, cred);
		mp->mnt_flag |= async;
	}
	mutex_exit(mp->mnt_updating);
	return error;
}
