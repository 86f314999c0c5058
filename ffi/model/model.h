/*
 * model.h: a user-space model of the NetBSD kernel functions the module
 * calls, so that the handlers, the C shims and the module glue run for
 * real in host tests.
 *
 * Two halves:
 *   kernel.c	compiled like the glue, against NetBSD's headers: the
 *		kernel objects (linux_sysent, alllwp, proc_lock, ...) and
 *		functions, with NetBSD semantics;
 *   host.c	compiled against the host's (Linux) headers: the host system
 *		calls kernel.c builds on, behind the host_* functions below.
 * "User memory" is the test process's own memory; copyin/copyout fail with
 * EFAULT where it is not mapped, as the kernel's do.
 *
 * The model_* functions are for the tests.
 */
#ifndef _COMPAT_LINUX_RS_MODEL_H_
#define _COMPAT_LINUX_RS_MODEL_H_

#ifdef _KMEMUSER
#include "../shim.h"
#else
#include <stdbool.h>
#include <stddef.h>
#endif

/* host.c: 0 or a host errno (EFAULT for an address that is not mapped). */
int	host_copy_from_user(const void *, void *, size_t);
int	host_copy_to_user(const void *, void *, size_t);

#ifdef _KMEMUSER
/* A fresh LWP on alllwp, running on CPU `cpu` (< model_ncpu). */
struct lwp *model_lwp_new(u_int cpu);
void	model_lwp_free(struct lwp *);
/* Marks the LWP as inside Linux system call `code` (0 for none). */
void	model_lwp_in_syscall(struct lwp *, u_int code);

/*
 * Fills linux_sysent as compat_linux does: linux_sys_nosys in every slot,
 * except model_native_syscall, standing for one of compat_linux's own
 * handlers, in slot `native` (0 for none).
 */
void	model_sysent_reset(u_int native);
int	model_native_syscall(struct lwp *, const void *, register_t *);
extern const u_int model_ncpu;

/* Module properties: a dictionary with one entry, or NULL for none. */
enum model_prop { MODEL_PROP_NONE, MODEL_PROP_BOOL, MODEL_PROP_STRING };
prop_dictionary_t model_props(enum model_prop, bool);

/* The module's modcmd, found through link_set_modules as kobj finds it. */
int	model_modcmd(modcmd_t, void *);
const modinfo_t *model_modinfo(void);
/* Cross-calls since the start: xc_broadcast calls made. */
extern u_int model_xc_calls;
#endif

#endif /* _COMPAT_LINUX_RS_MODEL_H_ */
