/*
 * kernel.c: the NetBSD side of the kernel model; see model.h.
 */

#include "model.h"

/* Copying: the test process's memory stands for user space. */

int
copyin(const void *uaddr, void *kaddr, size_t len)
{

	return host_copy_from_user(uaddr, kaddr, len) == 0 ? 0 : EFAULT;
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{

	return host_copy_to_user(kaddr, uaddr, len) == 0 ? 0 : EFAULT;
}

/* Locks: a spin lock on the owner word; the tests do not contend much. */

void
mutex_enter(kmutex_t *mtx)
{
	uintptr_t unowned = 0;

	while (!__atomic_compare_exchange_n(&mtx->u.mtxa_owner, &unowned, 1,
	    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		unowned = 0;
}

void
mutex_exit(kmutex_t *mtx)
{

	__atomic_store_n(&mtx->u.mtxa_owner, 0, __ATOMIC_RELEASE);
}

/* Cross-calls: one process, so a full barrier is what remains of one. */

u_int model_xc_calls;

uint64_t
xc_broadcast(unsigned int flags, xcfunc_t func, void *arg0, void *arg1)
{

	(void)flags;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	func(arg0, arg1);
	return ++model_xc_calls;
}

void
xc_wait(uint64_t where)
{

	(void)where;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* CPUs: distinct addresses stand for the cpu_info of each CPU. */

#define	MODEL_MAXCPUS	8
const u_int model_ncpu = 4;
u_int maxcpus = MODEL_MAXCPUS;
static char model_cpu_info[MODEL_MAXCPUS];

struct cpu_info *
cpu_lookup(u_int idx)
{

	/* NetBSD attaches CPUs from 0; the rest of the array is NULL. */
	return idx < model_ncpu ? (struct cpu_info *)&model_cpu_info[idx] : NULL;
}

/* LWPs: a fixed pool, on alllwp while in use. */

kmutex_t proc_lock;
struct lwplist alllwp = LIST_HEAD_INITIALIZER(alllwp);
static struct lwp model_lwps[64];
static bool model_lwp_used[64];

struct lwp *
model_lwp_new(u_int cpu)
{
	struct lwp *l = NULL;
	size_t i;

	mutex_enter(&proc_lock);
	for (i = 0; i < __arraycount(model_lwps) && l == NULL; i++) {
		if (!model_lwp_used[i]) {
			model_lwp_used[i] = true;
			l = &model_lwps[i];
			__builtin_memset(l, 0, sizeof(*l));
			l->l_cpu = cpu_lookup(cpu);
			LIST_INSERT_HEAD(&alllwp, l, l_list);
		}
	}
	mutex_exit(&proc_lock);
	return l;
}

void
model_lwp_free(struct lwp *l)
{

	mutex_enter(&proc_lock);
	LIST_REMOVE(l, l_list);
	model_lwp_used[l - model_lwps] = false;
	mutex_exit(&proc_lock);
}

void
model_lwp_in_syscall(struct lwp *l, u_int code)
{

	l->l_sysent = code == 0 ? NULL : &linux_sysent[code];
}

/* compat_linux's table, and what fills its slots. */

struct sysent linux_sysent[CLRS_LINUX_NSYSENT];

int
linux_sys_nosys(struct lwp *l, const void *uap, register_t *retval)
{

	(void)l, (void)uap, (void)retval;
	return ENOSYS;
}

int
sys_nosys(struct lwp *l, const void *uap, register_t *retval)
{

	/* The native one also posts SIGSYS. */
	(void)l, (void)uap, (void)retval;
	return ENOSYS;
}

int
model_native_syscall(struct lwp *l, const void *uap, register_t *retval)
{

	(void)l, (void)uap;
	retval[0] = 42;
	return 0;
}

void
model_sysent_reset(u_int native)
{
	size_t i;

	for (i = 0; i < __arraycount(linux_sysent); i++) {
		linux_sysent[i] = (struct sysent){ .sy_call = linux_sys_nosys };
	}
	if (native != 0) {
		linux_sysent[native] = (struct sysent){
			.sy_narg = 3,
			.sy_argsize = 3 * sizeof(register_t),
			.sy_flags = 0x4000000,
			.sy_call = model_native_syscall,
		};
	}
}

/* Module properties: a dictionary of at most one entry, "override". */

struct _prop_dictionary {
	enum model_prop	kind;
	bool		value;
};

static struct _prop_dictionary model_dict;

prop_dictionary_t
model_props(enum model_prop kind, bool value)
{

	model_dict.kind = kind;
	model_dict.value = value;
	return &model_dict;
}

prop_object_t
prop_dictionary_get(prop_dictionary_t dict, const char *key)
{

	if (dict->kind == MODEL_PROP_NONE || __builtin_strcmp(key, "override") != 0)
		return NULL;
	return dict;
}

bool
prop_dictionary_get_bool(prop_dictionary_t dict, const char *key, bool *valp)
{

	if (prop_dictionary_get(dict, key) == NULL ||
	    dict->kind != MODEL_PROP_BOOL)
		return false;
	*valp = dict->value;
	return true;
}

/* The module, as kobj finds it. */

extern modinfo_t *const __start_link_set_modules[];
extern modinfo_t *const __stop_link_set_modules[];

const modinfo_t *
model_modinfo(void)
{

	return __stop_link_set_modules - __start_link_set_modules == 1 ?
	    __start_link_set_modules[0] : NULL;
}

int
model_modcmd(modcmd_t cmd, void *arg)
{

	return model_modinfo()->mi_modcmd(cmd, arg);
}
