/*
 * compat_linux_rs: module glue.
 *
 * The handlers are Rust (compat_linux_rs/); this file puts them into
 * compat_linux's system call table on load and takes them out on unload.
 *
 * Why not syscall_establish(9)/syscall_disestablish(9):
 *  - establish takes only slots that hold sys_nomodule, but compat_linux
 *    fills its unimplemented slots with linux_sys_nosys, and a slot we
 *    override holds compat_linux's own handler: it would return EBUSY;
 *  - disestablish puts back sys_nosys or sys_nomodule as the emulation's
 *    e_nomodbits say (all zero for Linux: sys_nosys), and sys_nosys posts
 *    SIGSYS, where a Linux program must get ENOSYS from linux_sys_nosys,
 *    or the handler compat_linux had before us.
 * So this file follows the kernel's own protocol with the previous entry
 * of every slot it changes remembered: the slots of the Rust handlers,
 * and (module property "record_nosys", default true) every slot that
 * holds linux_sys_nosys, which gets the recorder of unimplemented calls
 * (compat_linux_rs/nosys.rs).  On unload it puts each previous handler back,
 * waits for a cross-call on every CPU, and then looks for a call that can
 * still run our code; if there is one, our handlers go back in and unload
 * fails with EBUSY.  Two guards tell:
 *  - the count of calls inside our handlers and the recorder
 *    (clrs_calls_inside), which their trampoline (dispatch in
 *    compat_linux_rs/table.rs) raises first
 *    and lowers last: a call asleep in semtimedop, or copying, is seen
 *    whatever the dispatcher did;
 *  - l_sysent: compat_linux's amd64 dispatcher enters a handler through
 *    sy_call() (sys/syscallvar.h), which sets l_sysent to the slot before
 *    it loads sy_call and clears it after the handler returns
 *    (linux_syscall.c 1.31, 2010, and 1.32, 2015; the revisions of 10 and
 *    11 could not be read, and no copy since 2010 calls sy_call any other
 *    way).  It alone covers a thread between loading sy_call and the
 *    trampoline's first instruction, and between its last store to the
 *    count and its return.  The cross-call orders every CPU's stores to
 *    both before our second look.
 * Unload also fails with EBUSY while a process holds a membarrier(2)
 * registration (clrs_membarrier_registered, ffi/shim.c), which unloading
 * would silently take from it; with no call inside, none can be made.  The
 * module's process-specific data key and exec hook are removed last
 * (clrs_membarrier_fini): proc_specific_key_delete runs the destructor of
 * every record left, under the specificdata lock that process exit's
 * proc_finispecific also takes, and the exec hook goes with exec_lock
 * held as writer, so that no exec is running it (kern_exec.c runs the
 * hooks with exec_lock held as reader).
 *
 * INIT and FINI run with the kernel config lock held (module_load and
 * module_unload take it), which is also what serialises every other
 * writer of a sysent table.
 *
 * pidfds (pidfd_open, clone3's CLONE_PIDFD) are files of the module's own
 * type, whose file operations and kqueue filters are the module's code,
 * and whose processes hold its proc specificdata (compat_linux_rs/pidfd.rs):
 *  - unload fails with EBUSY while a pidfd is open anywhere: each file
 *    keeps a struct clrs_pidfd listed until it is closed.  Every other
 *    entry into the module through a pidfd (read, poll, stat, kqfilter,
 *    a knote's filter) runs with a reference to the file or its
 *    descriptor held by the caller, released in the kernel's code after
 *    the entry returns, so it is done before the file's close begins;
 *  - the close itself (fo_close, from closef) is the last entry, and the
 *    kernel frees the file after it without telling the module: the
 *    pidfd's pf_closing is 1 while fo_close runs, and the kernel's
 *    atomic_dec_uint_nv, to which fo_close jumps as its last instruction,
 *    sets it to 0 (clrs_pidfd_fo_close in shim.c).  Unload fails while a
 *    closed pidfd's pf_closing is not 0;
 *  - both are checked once the handlers are out of the table and no call
 *    is inside them (below), so no pidfd can be made meanwhile;
 *  - the processes' data goes with proc_specific_key_delete, which runs
 *    the module's destructor for each under the specificdata domain lock,
 *    the lock exit1's proc_finispecific holds around the destructor too:
 *    once it returns, no destructor of the module runs or will.
 *
 * The record is read and its log switched through sysctl nodes under
 * emul.linux (which compat_linux creates), made with the module's own
 * sysctl log.  sysctl_teardown takes the sysctl tree lock as writer, and
 * sysctl(2) holds it while a node's function runs (kern_sysctl.c), so once
 * teardown returns no thread is in clrs_sysctl_nosys or clrs_sysctl_log.
 */

#include "shim.h"

MODULE(MODULE_CLASS_MISC, compat_linux_rs, "compat_linux");

/*
 * What the module put into each slot of linux_sysent (NULL: nothing), and
 * the entry the slot held before.
 */
static sy_call_t *clrs_ours[CLRS_LINUX_NSYSENT];
static struct sysent clrs_saved[CLRS_LINUX_NSYSENT];
static struct sysctllog *clrs_sysctllog;

static bool
clrs_slot_empty(const struct sysent *sy)
{

	return sy->sy_call == linux_sys_nosys || sy->sy_call == sys_nosys;
}

static int
clrs_install(bool override, bool record_nosys)
{
	size_t i;

	/* The Rust table is checked at compile time; this guards the glue. */
	for (i = 0; i < clrs_nsyscalls; i++) {
		if (clrs_syscalls[i].cs_code >= CLRS_LINUX_NSYSENT)
			return EINVAL;
	}

	for (i = 0; i < clrs_nsyscalls; i++) {
		const struct clrs_syscall *cs = &clrs_syscalls[i];
		struct sysent *sy = &linux_sysent[cs->cs_code];

		if (!override && !clrs_slot_empty(sy))
			continue;
		clrs_saved[cs->cs_code] = *sy;
		clrs_ours[cs->cs_code] = cs->cs_call;
		sy->sy_narg = cs->cs_narg;
		sy->sy_argsize = cs->cs_narg * sizeof(register_t);
		sy->sy_flags = 0;
		/* The entry is complete before a CPU can call through it. */
		atomic_store_release(&sy->sy_call, cs->cs_call);
	}
	if (!record_nosys)
		return 0;
	for (i = 0; i < CLRS_LINUX_NSYSENT; i++) {
		struct sysent *sy = &linux_sysent[i];

		/* Only the call changes: the recorder takes no arguments. */
		if (clrs_ours[i] == NULL && sy->sy_call == linux_sys_nosys) {
			clrs_saved[i] = *sy;
			clrs_ours[i] = clrs_record_nosys;
			atomic_store_release(&sy->sy_call, clrs_record_nosys);
		}
	}
	return 0;
}

/* Whether a call is inside our code, or may be about to enter it. */
static bool
clrs_busy(void)
{
	struct lwp *l;
	bool busy = false;

	if (atomic_load_acquire(&clrs_calls_inside) != 0)
		return true;
	mutex_enter(&proc_lock);
	LIST_FOREACH(l, &alllwp, l_list) {
		int slot = clrs_lwp_syscall_slot(l);

		if (slot >= 0 && clrs_ours[slot] != NULL) {
			busy = true;
			break;
		}
	}
	mutex_exit(&proc_lock);
	return busy;
}

static void
clrs_xc_nop(void *arg0 __unused, void *arg1 __unused)
{
}

static void
clrs_set_calls(bool ours)
{
	size_t i;

	for (i = 0; i < CLRS_LINUX_NSYSENT; i++) {
		if (clrs_ours[i] != NULL) {
			atomic_store_release(&linux_sysent[i].sy_call,
			    ours ? clrs_ours[i] : clrs_saved[i].sy_call);
		}
	}
}

static int
clrs_uninstall(void)
{
	size_t i;

	/*
	 * Common case, changing nothing: a call sleeps in one of ours, a
	 * pidfd is open (its operations are this module's), or a process
	 * holds a membarrier(2) registration, which unloading would take
	 * from it.
	 */
	if (clrs_busy() || clrs_pidfd_busy() || clrs_membarrier_registered())
		return EBUSY;

	clrs_set_calls(false);
	xc_wait(xc_broadcast(0, clrs_xc_nop, NULL, NULL));
	/* With no call inside, no registration can be made any more. */
	if (clrs_busy() || clrs_pidfd_busy() || clrs_membarrier_registered()) {
		/*
		 * An LWP entered between the first scan and the stores, and
		 * may have made a pidfd.
		 */
		clrs_set_calls(true);
		return EBUSY;
	}

	for (i = 0; i < CLRS_LINUX_NSYSENT; i++) {
		if (clrs_ours[i] != NULL) {
			linux_sysent[i] = clrs_saved[i];
			clrs_ours[i] = NULL;
		}
	}
	return 0;
}

/* emul.linux.compat_linux_rs.nosys: the record, as the Rust side writes it. */
static int
clrs_sysctl_nosys(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	char *report;
	int error;

	report = kmem_alloc(CLRS_NOSYS_REPORT_SIZE, KM_SLEEP);
	(void)clrs_nosys_report(report, CLRS_NOSYS_REPORT_SIZE);
	node.sysctl_data = report;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	kmem_free(report, CLRS_NOSYS_REPORT_SIZE);
	return error;
}

/* emul.linux.compat_linux_rs.log: 0, 1 or 2 (EINVAL for anything else). */
static int
clrs_sysctl_log(SYSCTLFN_ARGS)
{
	struct sysctlnode node = *rnode;
	int mode = clrs_nosys_log_mode();
	int error;

	node.sysctl_data = &mode;
	error = sysctl_lookup(SYSCTLFN_CALL(&node));
	if (error != 0 || newp == NULL)
		return error;
	return clrs_nosys_set_log_mode(mode) ? 0 : EINVAL;
}

static int
clrs_sysctl_init(void)
{
	const struct sysctlnode *node;
	int error;

	error = sysctl_createv(&clrs_sysctllog, 0, NULL, &node, 0,
	    CTLTYPE_NODE, "compat_linux_rs",
	    SYSCTL_DESCR("Newer Linux system calls (compat_linux_rs module)"),
	    NULL, 0, NULL, 0, CTL_EMUL, EMUL_LINUX, CTL_CREATE, CTL_EOL);
	if (error == 0) {
		error = sysctl_createv(&clrs_sysctllog, 0, &node, NULL, 0,
		    CTLTYPE_STRING, "nosys",
		    SYSCTL_DESCR("Linux calls made that NetBSD lacks: name, "
			"number, calls, processes, last program"),
		    clrs_sysctl_nosys, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	}
	if (error == 0) {
		error = sysctl_createv(&clrs_sysctllog, 0, &node, NULL,
		    CTLFLAG_READWRITE, CTLTYPE_INT, "log",
		    SYSCTL_DESCR("Log Linux calls NetBSD lacks: 0 never, "
			"1 once per process and call, 2 every call"),
		    clrs_sysctl_log, 0, NULL, 0, CTL_CREATE, CTL_EOL);
	}
	if (error != 0)
		sysctl_teardown(&clrs_sysctllog);
	return error;
}

/*
 * The module properties "override" (bool, default true: take over slots
 * that compat_linux already implements, not only empty ones) and
 * "record_nosys" (bool, default true: record calls to the empty slots).
 */
static int
clrs_prop_bool(prop_dictionary_t props, const char *key, bool *value)
{

	*value = true;
	if (props == NULL || prop_dictionary_get(props, key) == NULL)
		return 0;
	return prop_dictionary_get_bool(props, key, value) ? 0 : EINVAL;
}

static int
clrs_init(prop_dictionary_t props)
{
	bool override, record_nosys;
	int error;

	if ((error = clrs_prop_bool(props, "override", &override)) != 0 ||
	    (error = clrs_prop_bool(props, "record_nosys", &record_nosys)) != 0)
		return error;
	if (!clrs_cpu_layout_check()) {
		printf("compat_linux_rs: struct cpu_info is not laid out "
		    "as this module expects; getcpu reports NUMA node 0\n");
	}
	clrs_nosys_reset();
	if ((error = clrs_pidfd_init()) != 0)
		return error;
	if ((error = clrs_membarrier_init()) != 0) {
		clrs_pidfd_fini();
		return error;
	}
	clrs_log_init();
	if ((error = clrs_sysctl_init()) != 0) {
		clrs_log_fini();
		clrs_membarrier_fini();
		clrs_pidfd_fini();
		return error;
	}
	if ((error = clrs_install(override, record_nosys)) != 0) {
		sysctl_teardown(&clrs_sysctllog);
		clrs_log_fini();
		clrs_membarrier_fini();
		clrs_pidfd_fini();
	}
	return error;
}

static int
clrs_fini(void)
{
	int error;

	if ((error = clrs_uninstall()) != 0)
		return error;
	sysctl_teardown(&clrs_sysctllog);
	clrs_log_fini();
	clrs_membarrier_fini();
	clrs_pidfd_fini();
	return 0;
}

static int
compat_linux_rs_modcmd(modcmd_t cmd, void *arg)
{

	switch (cmd) {
	case MODULE_CMD_INIT:
		return clrs_init(arg);
	case MODULE_CMD_FINI:
		return clrs_fini();
	default:
		return ENOTTY;
	}
}
