/*
 * compat799.h: included before the module's C glue (ffi/compat_linux_rs.c,
 * ffi/shim.c) when it is compiled for the NetBSD 7.99.34 rump kernel.
 *
 * The glue is written against NetBSD 10 and 11, and ffi/kpi.h, compiled
 * with _KERNEL, declares the kernel interfaces as those releases have
 * them.  Here the 7.99 headers come first, so that each of their
 * declarations is read as 7.99 means it; then every name whose 10/11
 * interface differs from 7.99's is mapped onto a harness adapter with the
 * 10/11 interface (tools/rump/harness/adapt799.c), or onto an expression
 * with the same meaning.  What cannot be mapped by name (a struct member
 * whose type changed) is rewritten in the copied source by
 * tools/rump/glue799; each difference is listed there and here.
 */
#ifndef _CLRS_COMPAT799_H_
#define _CLRS_COMPAT799_H_

#include <sys/param.h>
#include <sys/types.h>
#include <sys/atomic.h>
#include <sys/errno.h>
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
#include <sys/rwlock.h>
#include <sys/sem.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/syscallargs.h>
#include <sys/uio.h>
#include <sys/vnode.h>
#include <sys/systm.h>
#include <sys/cpu.h>
#include <sys/kauth.h>
#include <sys/signalvar.h>
#include <sys/vfs_syscalls.h>
#include <sys/xcall.h>

/* What ffi/kpi.h's compat_linux headers need before them. */
#include "linuxipc.h"

/*
 * proc_lock: a kmutex_t in 10/11, a kmutex_t * in 7.99 (sys/proc.h).  A
 * macro does not expand itself again, so kpi.h's "extern kmutex_t
 * proc_lock" becomes 7.99's own declaration and "&proc_lock" the lock.
 */
#define	proc_lock	(*proc_lock)

/*
 * VOP_ACCESS modes: 0400/0200/0100 in 10/11, 4/2/1 in 7.99 (sys/vnode.h),
 * and 10/11 pass them as accmode_t.  kpi.h defines the 10/11 values; the
 * glue itself does not use them (the Rust handlers do, through
 * clrs_abi_VOP_ACCESS).
 */
#undef	VREAD
#undef	VWRITE
#undef	VEXEC
typedef int accmode_t;

/*
 * The mount busy protocol.  10/11: int vfs_busy(struct mount *) and void
 * vfs_unbusy(struct mount *), each taking and dropping a reference, and
 * vfs_ref/vfs_rele.  7.99: vfs_busy(mp, nextp), vfs_unbusy(mp, keepref,
 * nextp), and vfs_destroy() drops a reference (kern/vfs_mount.c 1.x of
 * 2016).
 */
#define	vfs_busy	clrs_h_vfs_busy
#define	vfs_unbusy	clrs_h_vfs_unbusy
#define	vfs_ref		clrs_h_vfs_ref
#define	vfs_rele	clrs_h_vfs_rele

/* kpsignal2 returns an int in 10/11, nothing in 7.99 (sys/signalvar.h). */
#define	kpsignal2	clrs_h_kpsignal2

/*
 * vn_open: 10/11's vn_open(at_dvp, pathbuf, nmode, fmode, cmode, &vp,
 * &domove, &fd) (vfs_vnops.c 1.225) takes the path and gives the vnode;
 * 7.99's vn_open(ndp, fmode, cmode) takes a nameidata its caller set up.
 * The harness's adapter has the 10/11 interface, over 7.99's.
 */
#define	vn_open		clrs_h_vn_open

/*
 * FEXEC: 10/11 keep an exec-only open's O_EXEC in f_flag (FMASK includes
 * FEXEC, fcntl.h of 10); 7.99 has no O_EXEC, and its FMASK is the rest.
 * With O_EXEC no bit here, kpi.h's FMASK is 7.99's own value.
 */
#undef	FMASK
#define	O_EXEC		0

/* sys/atomic.h of 10/11; 7.99 has neither. */
#define	atomic_store_release(p, v) \
	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define	atomic_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

#endif /* _CLRS_COMPAT799_H_ */
