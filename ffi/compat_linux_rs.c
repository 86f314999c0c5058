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
 * of every slot remembered: on unload it puts each previous handler back,
 * waits for a cross-call on every CPU, and then looks for a call that can
 * still run our code; if there is one, our handlers go back in and unload
 * fails with EBUSY.  Two guards tell:
 *  - the count of calls inside our handlers (clrs_calls_inside), which
 *    their trampoline (dispatch in compat_linux_rs/table.rs) raises first
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
 *
 * INIT and FINI run with the kernel config lock held (module_load and
 * module_unload take it), which is also what serialises every other
 * writer of a sysent table.
 */

#include "shim.h"

MODULE(MODULE_CLASS_MISC, compat_linux_rs, "compat_linux");

static struct sysent clrs_saved[CLRS_MAX_SYSCALLS];
static bool clrs_installed[CLRS_MAX_SYSCALLS];

static bool
clrs_slot_empty(const struct sysent *sy)
{

	return sy->sy_call == linux_sys_nosys || sy->sy_call == sys_nosys;
}

static int
clrs_install(bool override)
{
	size_t i;

	/* The Rust table is checked at compile time; this guards the glue. */
	if (clrs_nsyscalls > CLRS_MAX_SYSCALLS)
		return EINVAL;
	for (i = 0; i < clrs_nsyscalls; i++) {
		if (clrs_syscalls[i].cs_code >= CLRS_LINUX_NSYSENT)
			return EINVAL;
	}

	for (i = 0; i < clrs_nsyscalls; i++) {
		const struct clrs_syscall *cs = &clrs_syscalls[i];
		struct sysent *sy = &linux_sysent[cs->cs_code];

		if (!override && !clrs_slot_empty(sy))
			continue;
		clrs_saved[i] = *sy;
		sy->sy_narg = cs->cs_narg;
		sy->sy_argsize = cs->cs_narg * sizeof(register_t);
		sy->sy_flags = 0;
		/* The entry is complete before a CPU can call through it. */
		atomic_store_release(&sy->sy_call, cs->cs_call);
		clrs_installed[i] = true;
	}
	return 0;
}

/* Whether a call is inside our code, or may be about to enter it. */
static bool
clrs_busy(void)
{
	struct lwp *l;
	size_t i;
	bool busy = false;

	if (atomic_load_acquire(&clrs_calls_inside) != 0)
		return true;
	mutex_enter(&proc_lock);
	LIST_FOREACH(l, &alllwp, l_list) {
		const struct sysent *active = l->l_sysent;

		for (i = 0; i < clrs_nsyscalls && !busy; i++) {
			busy = clrs_installed[i] &&
			    active == &linux_sysent[clrs_syscalls[i].cs_code];
		}
		if (busy)
			break;
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

	for (i = 0; i < clrs_nsyscalls; i++) {
		struct sysent *sy = &linux_sysent[clrs_syscalls[i].cs_code];

		if (clrs_installed[i]) {
			atomic_store_release(&sy->sy_call, ours ?
			    clrs_syscalls[i].cs_call : clrs_saved[i].sy_call);
		}
	}
}

static int
clrs_uninstall(void)
{
	size_t i;

	/* Common case, changing nothing: a call sleeps in one of ours. */
	if (clrs_busy())
		return EBUSY;

	clrs_set_calls(false);
	xc_wait(xc_broadcast(0, clrs_xc_nop, NULL, NULL));
	if (clrs_busy()) {
		/* An LWP entered between the first scan and the stores. */
		clrs_set_calls(true);
		return EBUSY;
	}

	for (i = 0; i < clrs_nsyscalls; i++) {
		if (clrs_installed[i]) {
			linux_sysent[clrs_syscalls[i].cs_code] = clrs_saved[i];
			clrs_installed[i] = false;
		}
	}
	return 0;
}

/*
 * The module property "override" (bool, default true) says whether slots
 * that compat_linux already implements are taken over, or only empty ones.
 */
static int
clrs_override(prop_dictionary_t props, bool *override)
{

	*override = true;
	if (props == NULL || prop_dictionary_get(props, "override") == NULL)
		return 0;
	return prop_dictionary_get_bool(props, "override", override) ?
	    0 : EINVAL;
}

static int
compat_linux_rs_modcmd(modcmd_t cmd, void *arg)
{
	bool override;
	int error;

	switch (cmd) {
	case MODULE_CMD_INIT:
		error = clrs_override(arg, &override);
		if (error != 0)
			return error;
		if (!clrs_cpu_layout_check()) {
			printf("compat_linux_rs: struct cpu_info is not laid out "
			    "as this module expects; getcpu reports NUMA node 0\n");
		}
		return clrs_install(override);
	case MODULE_CMD_FINI:
		return clrs_uninstall();
	default:
		return ENOTTY;
	}
}
