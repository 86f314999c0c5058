/*
 * t_procmem: process_vm_readv, process_vm_writev, membarrier and mlock2
 * against the 7.99 rump kernel's own process lookup (proc_lock, p_lock,
 * p_reflock under LOCKDEBUG), kauth(9) (secmodel_suser and bsd44;
 * ptrace's listener is not linked in), process-specific data, exec hooks
 * (the registrations' key and hook are made when the module loads),
 * cross-calls and process exit.
 *
 * A rump kernel's local processes share one address space (this host
 * process's memory), so process_vm_* always reads "its own" memory there:
 * no permission is asked, and faults are only NULL pages; this rump
 * kernel has no security model either (kauth allows what no listener
 * decides).  mlock2 stops before the locking, which the rump kernel has no
 * mlock(2) for.
 */
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/resource.h>

#include <errno.h>
#include <string.h>

#include "h_rump.h"

/* Linux amd64's end of user space, where this host process's memory is. */
#define	USER_END	0x7ffffffff000ULL

static void
boot(const atf_tc_t *tc)
{

	clrs_boot(tc, CLRS_TMPFS);
	rump_clrs_user_space(USER_END);
}

/* --- process_vm_readv, process_vm_writev ---------------------------------- */

ATF_TC_WITHOUT_HEAD(process_vm);
ATF_TC_BODY(process_vm, tc)
{
	static char theirs[64] = "in the other rump process", mine[64];
	struct iovec l[2] = { { mine, 10 }, { mine + 10, 54 } };
	struct iovec r[2] = { { theirs, 30 }, { theirs + 30, 34 } };
	static struct iovec many[1025];
	struct lwp *otherl;
	pid_t me, other;

	boot(tc);
	me = clrs_pid();
	/* Another process (rfork), found under proc_lock and held. */
	RL(rump_pub_lwproc_rfork(RUMP_RFCFDG));
	other = rump_sys_getpid();
	otherl = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(NULL);
	ATF_REQUIRE_EQ(rump_pub_lwproc_newlwp(me), 0);
	CHECK_RET(64, CALL(NR_PROCESS_VM_READV, other, l, 2, r, 2, 0));
	ATF_CHECK(strcmp(mine, "in the other rump process") == 0);
	strcpy(mine, "written back");
	CHECK_RET(64, CALL(NR_PROCESS_VM_WRITEV, other, l, 2, r, 2, 0));
	ATF_CHECK(strcmp(theirs, "written back") == 0);
	/* The checks, in Linux's order. */
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PROCESS_VM_READV, other, l, 1, r, 1, 1));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_PROCESS_VM_READV, other, many, 1025,
	    r, 1, 0));
	CHECK_RET(0, CALL(NR_PROCESS_VM_READV, 99999, l, 0, r, 1, 0));
	CHECK_RET(0, CALL(NR_PROCESS_VM_READV, 99999, l, 1, r, 0, 0));
	CHECK_ERR(RUMP_ESRCH, CALL(NR_PROCESS_VM_READV, 99999, l, 1, r, 1, 0));
	CHECK_ERR(RUMP_ESRCH, CALL(NR_PROCESS_VM_WRITEV, 0, l, 1, r, 1, 0));
	/* A local buffer past the end of user space: EFAULT first. */
	l[1].iov_base = (void *)(USER_END - 8);
	l[1].iov_len = 16;
	CHECK_ERR(RUMP_EFAULT, CALL(NR_PROCESS_VM_READV, other, l, 2, r, 2, 0));
	/* Gone: ESRCH. */
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(otherl);
	rump_pub_lwproc_releaselwp();	/* its only LWP: it exits */
	ATF_REQUIRE_EQ(rump_pub_lwproc_newlwp(me), 0);
	CHECK_ERR(RUMP_ESRCH, CALL(NR_PROCESS_VM_READV, other, l, 1, r, 1, 0));
}

/* --- membarrier ----------------------------------------------------------- */

#define	MB_QUERY		0
#define	MB_GLOBAL		1
#define	MB_GLOBAL_EXPEDITED	2
#define	MB_PRIVATE_EXPEDITED	8
#define	MB_REGISTER_PRIVATE	16
#define	MB_SYNC_CORE		32
#define	MB_REGISTER_SYNC_CORE	64
#define	MB_RSEQ			128
#define	MB_GET_REGISTRATIONS	512

ATF_TC_WITHOUT_HEAD(membarrier);
ATF_TC_BODY(membarrier, tc)
{
	pid_t parent, child, other;

	boot(tc);
	parent = clrs_pid();
	CHECK_RET(0x27f, CALL(NR_MEMBARRIER, MB_QUERY, 0, 0, 0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_MEMBARRIER, MB_QUERY, 1, 0, 0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_MEMBARRIER, MB_RSEQ, 0, 0, 0, 0, 0));
	/* The kernel's cross-calls, low and high priority. */
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_GLOBAL, 0, 0, 0, 0, 0));
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_GLOBAL_EXPEDITED, 0, 0, 0, 0, 0));
	/* Registration in process-specific data. */
	CHECK_ERR(RUMP_EPERM, CALL(NR_MEMBARRIER, MB_PRIVATE_EXPEDITED, 0, 0,
	    0, 0, 0));
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_REGISTER_PRIVATE, 0, 0, 0, 0, 0));
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0));
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_REGISTER_SYNC_CORE, 0, 0, 0, 0,
	    0));
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_SYNC_CORE, 0, 0, 0, 0, 0));
	CHECK_RET(80, CALL(NR_MEMBARRIER, MB_GET_REGISTRATIONS, 0, 0, 0, 0,
	    0));
	/* A child (its p_pptr the caller) takes them over at first use. */
	RL(rump_pub_lwproc_rfork(RUMP_RFCFDG));
	child = rump_sys_getpid();
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0));
	CHECK_RET(80, CALL(NR_MEMBARRIER, MB_GET_REGISTRATIONS, 0, 0, 0, 0,
	    0));
	rump_pub_lwproc_releaselwp();	/* the child exits: its record goes */
	/* A process of another lineage (from no LWP: proc0's child) has none. */
	RL(rump_pub_lwproc_rfork(RUMP_RFCFDG));
	other = rump_sys_getpid();
	ATF_CHECK(other != child);
	CHECK_ERR(RUMP_EPERM, CALL(NR_MEMBARRIER, MB_PRIVATE_EXPEDITED, 0, 0,
	    0, 0, 0));
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_GET_REGISTRATIONS, 0, 0, 0, 0,
	    0));
	rump_pub_lwproc_releaselwp();
	ATF_REQUIRE_EQ(rump_pub_lwproc_newlwp(parent), 0);
	CHECK_RET(0, CALL(NR_MEMBARRIER, MB_PRIVATE_EXPEDITED, 0, 0, 0, 0, 0));
}

/* --- mlock2 --------------------------------------------------------------- */

static char page[4096] __attribute__((__aligned__(4096)));

static void
set_memlock(rlim_t limit)
{
	struct rlimit rl = { limit, limit };

	RL(rump_sys_setrlimit(RLIMIT_MEMLOCK, &rl));
}

ATF_TC_WITHOUT_HEAD(mlock2);
ATF_TC_BODY(mlock2, tc)
{

	boot(tc);
	CHECK_ERR(RUMP_EINVAL, CALL(NR_MLOCK2, page, 4096, 2, 0, 0, 0));
	CHECK_RET(0, CALL(NR_MLOCK2, page, 0, 0, 0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_MLOCK2, page, (uint64_t)-1 - 8192, 0,
	    0, 0, 0));
	CHECK_ERR(RUMP_ENOMEM, CALL(NR_MLOCK2, USER_END, 4096, 0, 0, 0, 0));
	/*
	 * The limit is gone past with kauth's leave (KAUTH_PROCESS_RLIMIT,
	 * BYPASS), to mlock(2), which this kernel lacks.  (This rump kernel
	 * has no security model, so kauth allows every request; the model
	 * and the conformance suite check the refusals.)
	 */
	set_memlock(0);
	CHECK_ERR(RUMP_ENOSYS, CALL(NR_MLOCK2, page, 4096, 0, 0, 0, 0));
	CHECK_ERR(RUMP_EINVAL, CALL(NR_MLOCK2, page, 4096, 4, 0, 0, 0));
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, process_vm);
	ATF_TP_ADD_TC(tp, membarrier);
	ATF_TP_ADD_TC(tp, mlock2);
	return atf_no_error();
}
