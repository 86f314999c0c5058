/*
 * kernel.c: the NetBSD side of the kernel model; see model.h.
 */

#include "model.h"

/* sys/systm.h: a system call argument's value. */
#define	SCARG(p, k)	((p)->k.le.datum)

static void model_assert_sleepable(const char *);

/* Copying: the test process's memory stands for user space. */

int
copyin(const void *uaddr, void *kaddr, size_t len)
{

	model_trace()->user_copies++;
	model_assert_sleepable("copyin: a mutex is held (it may fault)");
	return host_copy_from_user(uaddr, kaddr, len) == 0 ? 0 : EFAULT;
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{

	model_trace()->user_copies++;
	model_assert_sleepable("copyout: a mutex is held (it may fault)");
	return host_copy_to_user(kaddr, uaddr, len) == 0 ? 0 : EFAULT;
}

/*
 * Locks: a spin lock on the owner word, which holds a token of the owning
 * thread (the tests do not contend much); as in NetBSD, only the owner
 * may release a mutex, and a mutex is not entered twice.
 */

static bool model_is_updating_lock(kmutex_t *);
static bool mutex_owned_by_me(kmutex_t *);
static int model_errno(int);
/* Aligned, so that a token with its low bit set marks an rwlock's writer. */
static __thread long model_thread_token;
/*
 * The kernel's mutexes this thread holds (the model's own locks aside): a
 * NetBSD LWP may not sleep holding one (mutex(9)), which the functions
 * that may sleep check (model_assert_sleepable).
 */
static __thread u_int model_mutexes_held;
static bool model_is_private_lock(kmutex_t *);

static void
model_assert_sleepable(const char *what)
{

	if (model_mutexes_held != 0)
		model_violation(what);
}

void
mutex_init(kmutex_t *mtx, kmutex_type_t type, int ipl)
{

	if (type != MUTEX_DEFAULT || ipl != IPL_NONE)
		model_violation("mutex_init: not an adaptive mutex");
	__atomic_store_n(&mtx->u.mtxa_owner, 0, __ATOMIC_RELEASE);
}

void
mutex_destroy(kmutex_t *mtx)
{

	if (__atomic_load_n(&mtx->u.mtxa_owner, __ATOMIC_ACQUIRE) != 0)
		model_violation("mutex_destroy: held");
}

void
mutex_enter(kmutex_t *mtx)
{
	uintptr_t unowned = 0, me = (uintptr_t)&model_thread_token;

	if (mutex_owned_by_me(mtx))
		model_violation("mutex_enter: already held");
	if (model_is_updating_lock(mtx))
		model_trace()->mounts_locked++;
	while (!__atomic_compare_exchange_n(&mtx->u.mtxa_owner, &unowned, me,
	    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		unowned = 0;
	if (!model_is_private_lock(mtx))
		model_mutexes_held++;
}

void
mutex_exit(kmutex_t *mtx)
{

	if (!mutex_owned_by_me(mtx))
		model_violation("mutex_exit: not held by this thread");
	if (model_is_updating_lock(mtx))
		model_trace()->mounts_locked--;
	if (!model_is_private_lock(mtx))
		model_mutexes_held--;
	__atomic_store_n(&mtx->u.mtxa_owner, 0, __ATOMIC_RELEASE);
}

/* Spin mutexes (the LWPs' locks): the same rules. */

void
mutex_spin_enter(kmutex_t *mtx)
{
	uintptr_t unowned = 0, me = (uintptr_t)&model_thread_token;

	if (mutex_owned_by_me(mtx))
		model_violation("mutex_spin_enter: already held");
	while (!__atomic_compare_exchange_n(&mtx->u.mtxa_owner, &unowned, me,
	    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		unowned = 0;
	model_mutexes_held++;
}

void
mutex_spin_exit(kmutex_t *mtx)
{

	if (!mutex_owned_by_me(mtx))
		model_violation("mutex_spin_exit: not held by this thread");
	model_mutexes_held--;
	__atomic_store_n(&mtx->u.mtxa_owner, 0, __ATOMIC_RELEASE);
}

static bool
mutex_owned_by_me(kmutex_t *mtx)
{

	return __atomic_load_n(&mtx->u.mtxa_owner, __ATOMIC_RELAXED) ==
	    (uintptr_t)&model_thread_token;
}

/* Cross-calls: one process, so a full barrier is what remains of one. */

u_int model_xc_calls;

uint64_t
xc_broadcast(unsigned int flags, xcfunc_t func, void *arg0, void *arg1)
{

	if ((flags & XC_HIGHPRI) != 0)
		model_trace()->xc_highpri++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	func(arg0, arg1);
	return ++model_xc_calls;
}

/* It waits for every CPU's xcall: it sleeps. */
void
xc_wait(uint64_t where)
{

	(void)where;
	model_assert_sleepable("xc_wait: a mutex is held");
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * CPUs: struct cpu_info begins with struct cpu_data; one NUMA node, as on
 * most machines, unless a test asks for more.
 */

#define	MODEL_MAXCPUS	8
const u_int model_ncpu = 4;
u_int maxcpus = MODEL_MAXCPUS;
static struct clrs_cpu_data_head model_cpu_info[MODEL_MAXCPUS];

struct cpu_info *
cpu_lookup(u_int idx)
{

	/* NetBSD attaches CPUs from 0; the rest of the array is NULL. */
	return idx < model_ncpu ? (struct cpu_info *)&model_cpu_info[idx] : NULL;
}

void
model_cpus_reset(bool laid_out, u_int per_node)
{
	u_int i;

	for (i = 0; i < model_ncpu; i++) {
		model_cpu_info[i].cpu_index = laid_out ? i : i + 100;
		model_cpu_info[i].cpu_numa_id = i / per_node;
	}
}

__attribute__((constructor)) static void
model_cpus_init(void)
{

	model_cpus_reset(true, model_ncpu);
}

/* The console and the message buffer: what the module printed. */
u_int model_printfs;
u_int model_logs;
char model_log_last[256];

void
log(int level, const char *fmt, ...)
{
	__builtin_va_list ap;

	if (level < LOG_EMERG || level > LOG_DEBUG)
		model_violation("log: not a priority");
	__builtin_va_start(ap, fmt);
	host_vformat(model_log_last, sizeof(model_log_last), fmt, ap);
	__builtin_va_end(ap);
	model_logs++;
}

/* kern_rate.c: getmicrouptime is the host's monotonic clock. */
int
ppsratecheck(struct timeval *lasttime, int *curpps, int maxpps)
{
	long long now = host_uptime_us();
	long long last = lasttime->tv_sec * 1000000LL + lasttime->tv_usec;
	int allowed;

	if (!timerisset(lasttime) || now - last >= 1000000) {
		lasttime->tv_sec = now / 1000000;
		lasttime->tv_usec = now % 1000000;
		*curpps = 0;
	}
	allowed = maxpps < 0 || *curpps < maxpps;
	if (*curpps != __INT_MAX__)
		(*curpps)++;
	return allowed;
}

void
printf(const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	host_vreport(fmt, ap);
	__builtin_va_end(ap);
	model_printfs++;
}

/* LWPs: a fixed pool, on alllwp while in use. */

kmutex_t proc_lock;
struct lwplist alllwp = LIST_HEAD_INITIALIZER(alllwp);

/*
 * Credentials (kern_auth.c): an LWP's is its thread's, with the thread's
 * real, effective and saved IDs and groups (linuxrun gives the traced
 * thread's); kauth_cred_dup makes a copy the caller changes and frees.
 * A host call made for a kernel function runs with the credential the
 * function was given, or with its LWP's (host_cred_enter).
 */
struct kauth_cred {
	u_int			refs;
	struct host_cred	ids;
};

static kauth_cred_t
model_cred_new(const struct host_cred *ids)
{
	kauth_cred_t cred = host_alloc(sizeof(*cred));

	cred->refs = 1;
	cred->ids = *ids;
	return cred;
}

/* The LWP each thread runs as: the last it made (model_lwp_new). */
static __thread struct lwp *model_curlwp;

/*
 * A credential for a file: the host does not tell who opened it, so the
 * model gives it the IDs of the LWP that first reaches it.
 */
kauth_cred_t
model_caller_cred(void)
{
	struct host_cred own;

	if (model_curlwp != NULL)
		return model_cred_new(&model_curlwp->l_cred->ids);
	host_cred_self(&own);
	return model_cred_new(&own);
}

/*
 * The one process.  Its limits are the user process's, read again each
 * time a thread enters the kernel (concurrent calls of processes with
 * different limits would see one of them).  Its working directory is the
 * calling thread's user process's, looked up when a thread takes the
 * working directory lock and released when it lets go: in between, the
 * vnode is referenced as cwdi_cdir, and nothing is held outside a call.
 */
static struct cwdinfo model_cwdi;
static kmutex_t model_cwdi_lock;
static struct plimit model_plimit;
static struct proc model_proc = { .p_cwdi = &model_cwdi,
    .p_limit = &model_plimit, .p_pid = 1, .p_comm = "model" };

void
model_proc_refresh(void)
{
	unsigned long long fsize = host_fsize_limit();
	unsigned long long memlock = host_memlock_limit(0);

	model_plimit.pl_rlimit[RLIMIT_FSIZE].rlim_cur =
	    fsize > RLIM_INFINITY ? RLIM_INFINITY : fsize;
	model_cwdi.cwdi_cmask = host_umask();
	model_plimit.pl_rlimit[RLIMIT_MEMLOCK].rlim_cur =
	    memlock > RLIM_INFINITY ? RLIM_INFINITY : memlock;
}

/* A signal to the process: a traced one gets it, a test records it. */
void
psignal(struct proc *p, int sig)
{

	(void)p;
	if (sig == SIGXFSZ)
		model_trace()->sigxfsz++;
	if (sig == SIGPIPE)
		model_trace()->sigpipe++;
	host_signal_user(sig);
}

static struct lwp model_lwps[64];
static bool model_lwp_used[64];
/* Each LWP's lock, saved registers and area that stands for its stack. */
static kmutex_t model_lwp_locks[64];
static struct trapframe model_frames[64];
static char model_stacks[64][4096] __aligned(16);

void
model_lwp_set_user_sp(struct lwp *l, register_t sp)
{

	l->l_md.md_regs->tf_rsp = sp;
}

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
			l->l_proc = &model_proc;
			l->l_mutex = &model_lwp_locks[i];
			l->l_stat = LSONPROC;
			l->l_md.md_regs = &model_frames[i];
			l->l_md.md_regs->tf_rsp =
			    (register_t)&model_stacks[i][sizeof(model_stacks[i])];
			LIST_INSERT_HEAD(&alllwp, l, l_list);
		}
	}
	mutex_exit(&proc_lock);
	if (l != NULL) {
		struct host_cred own;

		host_cred_self(&own);
		l->l_cred = model_cred_new(&own);
		model_curlwp = l;
	}
	return l;
}

void
model_lwp_set_cred(struct lwp *l, const struct host_cred *ids)
{

	l->l_cred->ids = *ids;
}

void
model_lwp_free(struct lwp *l)
{

	if (model_curlwp == l)
		model_curlwp = NULL;
	if (l->l_cred->refs != 1)
		model_violation("model_lwp_free: the LWP's credential is held");
	host_free(l->l_cred, sizeof(*l->l_cred));
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

/*
 * More processes: as the first one (limits, working directory), but each
 * with its own ID, name, p_lock, credential, address space, parent,
 * start time and process group, until it exits.  Slot 0 is the first one.
 * A host process stands for itself (linuxrun's traced processes, and
 * processes the module looks up by ID): its credential, set-ID mark,
 * kernel-thread mark and parent are the host's, read again at each
 * lookup, its start time and process group are the host's, its address
 * space is its host memory, and a host pidfd tells the model of its exit
 * and reaping (model_proc_sync).  Other processes are the unit tests' own.
 */
static struct proc model_procs[MODEL_NPROCS];
#define	MODEL_NKEYS	8
static struct model_procx {
	kmutex_t	lock;
	bool		host;
	void		*specific[MODEL_NKEYS];
	bool		finished;	/* proc_finispecific has run */
	struct pstats	stats;		/* p_stats, for p_start */
	int		hostfd;		/* a host process's pidfd, or -1 */
} model_procx[MODEL_NPROCS + 1];

static struct model_procx *
model_px(const struct proc *p)
{

	return &model_procx[p == &model_proc ? 0 : p - model_procs + 1];
}

/*
 * Whether processes are the host's (linuxrun: the user processes, and
 * whatever they name by ID) rather than the unit tests' own: set for
 * linuxrun's threads, or for the calling thread when it is a traced
 * process's.
 */
static bool model_hostprocs;

void
model_host_processes(bool host)
{

	model_hostprocs = host;
}

static bool
model_hosted(void)
{

	return model_hostprocs || host_user_traced();
}

static struct vmspace *model_vmspace_new(int);
static void model_vmspace_rele(struct vmspace *);
static void kauth_cred_free_internal(kauth_cred_t);
static struct proc *model_proc_host(pid_t, int);
static void model_specific_fini(struct proc *);
static void model_pgrp_join(struct proc *, pid_t, pid_t);
static void model_pgrp_leave(struct proc *);
static void model_rw_enter(krwlock_t *, const krw_t);
static void model_rw_exit(krwlock_t *);

/*
 * fork1 sets p_start from getmicrotime; the unit tests' processes get
 * times that only go forward, so that no two are alike.
 */
static void
model_start_time(struct timeval *tv)
{
	static long long last;
	long long now = host_uptime_us(), prev;

	prev = __atomic_load_n(&last, __ATOMIC_RELAXED);
	do {
		if (now <= prev)
			now = prev + 1;
	} while (!__atomic_compare_exchange_n(&last, &prev, now, false,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	tv->tv_sec = now / 1000000;
	tv->tv_usec = now % 1000000;
}

/*
 * Sets up a free slot for process `pid`: a host process if `hp` says what
 * the host has of it (a zombie there is one here), else a test's own, in
 * the first process's group; proc_lock held.
 */
static struct proc *
model_proc_alloc(pid_t pid, const struct host_proc *hp)
{
	static size_t next;
	struct model_procx *px;
	struct host_cred ids;
	struct proc *p = NULL;
	size_t i;

	/*
	 * The slots are taken in turn: the host may give a reaped process's
	 * ID to the next at once (ns_last_pid), which NetBSD does not (it
	 * cycles through 2000 IDs and more first, kern_proc.c), and a host
	 * process's start time is only as fine as a clock tick.
	 */
	for (i = 0; i < MODEL_NPROCS && p == NULL; i++) {
		if (model_procs[(next + i) % MODEL_NPROCS].p_pid == 0) {
			p = &model_procs[(next + i) % MODEL_NPROCS];
			next = (next + i + 1) % MODEL_NPROCS;
		}
	}
	if (p == NULL) {
		model_violation("model: too many processes");
		return NULL;
	}
	px = model_px(p);
	__builtin_memset(p, 0, sizeof(*p));
	p->p_cwdi = &model_cwdi;
	p->p_limit = &model_plimit;
	p->p_pid = pid;
	p->p_stat = hp != NULL && hp->zombie ? SZOMB : SACTIVE;
	p->p_lock = &px->lock;
	p->p_stats = &px->stats;
	host_cred_self(&ids);
	p->p_cred = model_cred_new(&ids);
	p->p_vmspace = model_vmspace_new(hp != NULL ? pid : -1);
	px->host = hp != NULL;
	__builtin_memset(px->specific, 0, sizeof(px->specific));
	px->finished = p->p_stat == SZOMB;
	__builtin_memset(&px->stats, 0, sizeof(px->stats));
	px->hostfd = -1;
	if (hp != NULL) {
		px->stats.p_start.tv_sec = hp->start_us / 1000000;
		px->stats.p_start.tv_usec = hp->start_us % 1000000;
		px->hostfd = host_pidfd_watch(pid);
		model_pgrp_join(p, hp->pgid, hp->sid);
	} else {
		model_start_time(&px->stats.p_start);
		model_pgrp_join(p, model_proc.p_pgid,
		    model_proc.p_session->s_sid);
	}
	return p;
}

/* Process `pid` of the table, if any; proc_lock held. */
static struct proc *
model_proc_lookup(pid_t pid)
{
	size_t i;

	for (i = 0; i < MODEL_NPROCS; i++) {
		if (pid != 0 && model_procs[i].p_pid == pid)
			return &model_procs[i];
	}
	return NULL;
}

void
model_lwp_set_process(struct lwp *l, int pid, const char *comm)
{
	struct proc *p = pid == 0 ? &model_proc : NULL;

	mutex_enter(&proc_lock);
	if (p == NULL && (p = model_proc_lookup(pid)) == NULL) {
		/* linuxrun's processes are host ones. */
		p = model_hosted() ? model_proc_host(pid, 0) : NULL;
		if (p == NULL)
			p = model_proc_alloc(pid, NULL);
	}
	if (p != NULL) {
		if (comm != NULL)
			__builtin_strncpy(p->p_comm, comm, MAXCOMLEN);
		l->l_proc = p;
	}
	mutex_exit(&proc_lock);
}

/*
 * exit1 (kern_exit.c 1.298), as far as anyone else can tell: SDYING and
 * PS_WEXIT under p_lock; p_reflock taken as writer, which waits out its
 * holders; then in one hold of proc_lock the process's specificdata
 * destructors (proc_finispecific), SDEAD, and SZOMB under p_lock;
 * p_reflock let go last, proc_lock after.
 */
static void
model_exit1(struct proc *p)
{

	mutex_enter(p->p_lock);
	p->p_stat = SDYING;
	p->p_sflag |= PS_WEXIT;
	mutex_exit(p->p_lock);
	model_rw_enter(&p->p_reflock, RW_WRITER);
	mutex_enter(&proc_lock);
	model_specific_fini(p);
	p->p_stat = SDEAD;
	mutex_enter(p->p_lock);
	p->p_stat = SZOMB;
	mutex_exit(p->p_lock);
	model_rw_exit(&p->p_reflock);
	mutex_exit(&proc_lock);
}

/*
 * A zombie's reaping (proc_free, with proc_lock held): it leaves its
 * group, its ID and slot are free, and its address space and credential
 * go.
 */
static void
model_proc_free(struct proc *p)
{
	struct model_procx *px = model_px(p);
	size_t key;

	if (p->p_stat != SZOMB)
		model_violation("proc_free: not a zombie");
	if (__atomic_load_n(&p->p_reflock.rw_owner, __ATOMIC_ACQUIRE) != 0)
		model_violation("proc_free: p_reflock is held (by the module?)");
	for (key = 0; key < MODEL_NKEYS; key++) {
		if (px->specific[key] != NULL)
			model_violation("proc_free: specificdata left");
	}
	model_pgrp_leave(p);
	model_vmspace_rele(p->p_vmspace);
	kauth_cred_free_internal(p->p_cred);
	host_pidfd_unwatch(px->hostfd);
	px->hostfd = -1;
	p->p_pid = 0;
}

void
model_process_zombie(int pid)
{
	struct proc *p;

	mutex_enter(&proc_lock);
	p = model_proc_lookup(pid);
	if (p != NULL && p->p_stat == SZOMB)
		p = NULL;
	mutex_exit(&proc_lock);
	if (p != NULL)
		model_exit1(p);
}

void
model_process_exit(int pid)
{
	struct proc *p;

	model_process_zombie(pid);
	mutex_enter(&proc_lock);
	if ((p = model_proc_lookup(pid)) != NULL)
		model_proc_free(p);
	mutex_exit(&proc_lock);
}

/*
 * proc_find_raw (kern_proc.c): by process ID, in any state; proc_lock
 * held.  For linuxrun, the host's processes (see proc_find_lwpid).
 */
proc_t *
proc_find_raw(pid_t pid)
{
	struct proc *p;

	if (!mutex_owned_by_me(&proc_lock))
		model_violation("proc_find_raw: proc_lock not held");
	if (pid <= 0)
		return NULL;
	if (!model_hosted() && pid == model_proc.p_pid)
		return &model_proc;
	p = model_proc_lookup(pid);
	if ((p == NULL || model_px(p)->host) && model_hosted())
		p = model_proc_host(pid, 0);
	return p != NULL && p->p_pid == pid ? p : NULL;
}

int
model_syscall(struct lwp *l, u_int code, const register_t *args,
    register_t *retval)
{
	const struct sysent *sy = &linux_sysent[code & (CLRS_LINUX_NSYSENT - 1)];
	int error;

	l->l_sysent = sy;
	error = (*__atomic_load_n(&sy->sy_call, __ATOMIC_ACQUIRE))(l, args,
	    retval);
	l->l_sysent = NULL;
	return error;
}

/* compat_linux's table, and what fills its slots. */

struct sysent linux_sysent[CLRS_LINUX_NSYSENT];

static bool model_nosys_held;
u_int model_nosys_waiting;

void
model_nosys_hold(bool hold)
{

	__atomic_store_n(&model_nosys_held, hold, __ATOMIC_RELEASE);
}

int
linux_sys_nosys(struct lwp *l, const void *uap, register_t *retval)
{

	(void)l, (void)uap, (void)retval;
	if (__atomic_load_n(&model_nosys_held, __ATOMIC_ACQUIRE)) {
		__atomic_add_fetch(&model_nosys_waiting, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&model_nosys_held, __ATOMIC_ACQUIRE))
			host_yield();
		__atomic_sub_fetch(&model_nosys_waiting, 1, __ATOMIC_SEQ_CST);
	}
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
	if (native != 0)
		model_sysent_native(native);
}

void
model_sysent_native(u_int code)
{

	linux_sysent[code % CLRS_LINUX_NSYSENT] = (struct sysent){
		.sy_narg = 3,
		.sy_argsize = 3 * sizeof(register_t),
		.sy_flags = 0x4000000,
		.sy_call = model_native_syscall,
	};
}

/* Module properties: a dictionary of at most one entry. */

struct _prop_dictionary {
	const char	*key;
	enum model_prop	kind;
	bool		value;
};

static struct _prop_dictionary model_dict;

prop_dictionary_t
model_props(const char *key, enum model_prop kind, bool value)
{

	model_dict.key = key;
	model_dict.kind = kind;
	model_dict.value = value;
	return &model_dict;
}

prop_object_t
prop_dictionary_get(prop_dictionary_t dict, const char *key)
{

	if (dict->kind == MODEL_PROP_NONE || __builtin_strcmp(key, dict->key) != 0)
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

/* What the tests see of this thread's calls. */

static __thread struct model_trace model_trace_data;

struct model_trace *
model_trace(void)
{

	return &model_trace_data;
}

void
model_trace_reset(void)
{

	__builtin_memset(&model_trace_data, 0, sizeof(model_trace_data));
}

/*
 * What a DIAGNOSTIC kernel would stop on (a KASSERT, a lock order
 * assertion): recorded for the tests, which fail on any, and reported.
 */
void
model_violation(const char *what)
{
	struct model_trace *t = model_trace();

	t->violations++;
	t->violation = what;
	host_report(what);
}

/*
 * Mounts, as NetBSD's mount list holds them: one per host file system
 * (st_dev), made when first reached and kept, with the reference mount(2)
 * gives it; each vnode on it holds another (vfs_insmntque).  vfs_busy is
 * fstrans_start and vfs_ref, and fails once the mount is gone
 * (vfs_mount.c 1.93).  A mount keeps no host descriptor: VFS_SYNC reaches
 * the file system through one of its vnodes, so nothing of a user's file
 * system is held once no call is using it.
 */

#define	MODEL_NMOUNTS	16
static struct model_mount {
	unsigned long	dev;
	struct mount	mount;
	kmutex_t	updating;
	bool		used;
	bool		gone;	/* unmounted: vfs_busy fails */
} model_mounts[MODEL_NMOUNTS];
static kmutex_t model_mounts_lock;
/* This thread's vfs_busy sections, per mount. */
static __thread u_int model_busy[MODEL_NMOUNTS];

static struct mount *
model_mount_of(const struct host_file *info)
{
	struct model_mount *mm = NULL;
	size_t i;

	mutex_enter(&model_mounts_lock);
	for (i = 0; i < MODEL_NMOUNTS && mm == NULL; i++) {
		if (model_mounts[i].used && model_mounts[i].dev == info->dev)
			mm = &model_mounts[i];
	}
	for (i = 0; i < MODEL_NMOUNTS && mm == NULL; i++) {
		if (!model_mounts[i].used) {
			mm = &model_mounts[i];
			mm->used = true;
			mm->dev = info->dev;
			mm->mount.mnt_updating = &mm->updating;
			mm->mount.mnt_refcnt = 1;
		}
	}
	if (mm != NULL) {
		mm->mount.mnt_flag = (mm->mount.mnt_flag &
		    ~(MNT_RDONLY | MNT_NOEXEC)) |
		    (info->rdonly_fs ? MNT_RDONLY : 0) |
		    (info->noexec_fs ? MNT_NOEXEC : 0);
	}
	mutex_exit(&model_mounts_lock);
	return mm == NULL ? NULL : &mm->mount;
}

static struct model_mount *
model_mount(struct mount *mp)
{

	return (struct model_mount *)((char *)mp -
	    __builtin_offsetof(struct model_mount, mount));
}

static struct mount *
model_mount_of_fd(int fd)
{
	struct host_file info;

	host_file_info(fd, &info);
	return model_mount_of(&info);
}

void
model_mount_set_async(int fd, bool async)
{
	struct mount *mp = model_mount_of_fd(fd);

	mp->mnt_flag = (mp->mnt_flag & ~MNT_ASYNC) | (async ? MNT_ASYNC : 0);
}

void
model_mount_set_gone(int fd, bool gone)
{

	model_mount(model_mount_of_fd(fd))->gone = gone;
}

void
vfs_ref(struct mount *mp)
{

	if (__atomic_fetch_add(&mp->mnt_refcnt, 1, __ATOMIC_RELAXED) <= 0)
		model_violation("vfs_ref: mount without a reference");
}

void
vfs_rele(struct mount *mp)
{

	if (__atomic_fetch_sub(&mp->mnt_refcnt, 1, __ATOMIC_RELEASE) <= 1)
		model_violation("vfs_rele: the mount list's reference dropped");
}

int
vfs_busy(struct mount *mp)
{
	struct model_mount *mm = model_mount(mp);

	if (__atomic_load_n(&mp->mnt_refcnt, __ATOMIC_RELAXED) <= 0)
		model_violation("vfs_busy: the caller holds no reference");
	if (model_trace()->vnodes_locked != 0)
		model_violation("vfs_busy: a vnode lock is held");
	if (mm->gone)
		return ENOENT;
	model_busy[mm - model_mounts]++;
	vfs_ref(mp);
	return 0;
}

void
vfs_unbusy(struct mount *mp)
{
	struct model_mount *mm = model_mount(mp);

	if (model_busy[mm - model_mounts] == 0)
		model_violation("vfs_unbusy: the mount is not busy");
	else
		model_busy[mm - model_mounts]--;
	vfs_rele(mp);
}

/*
 * Files and vnodes: descriptor n of the user process is the model's file
 * n, described afresh from the host when first held.  Its vnode is the
 * one vnode of that file (st_dev, st_ino), as NetBSD's vnode cache has
 * it: every descriptor and name of the file reaches the same vnode, which
 * lives while referenced.  A vnode does its I/O through duplicates of
 * descriptors of the file that it closes with its last reference: one
 * that can read, one that can write without O_APPEND (kept from whichever
 * file first offers each), and the first one it saw.
 */

#define	MODEL_NVNODES	256
static struct model_vnode {
	struct vnode	vnode;
	unsigned long	dev, ino;
	u_int		refs;
	u_int		shared;		/* holders of the lock, shared */
	const void	*owner;		/* the exclusive holder's token */
	int		anyfd, readfd, writefd;
} model_vnodes[MODEL_NVNODES];
static kmutex_t model_vnodes_lock;

static struct model_vnode *
model_vnode(struct vnode *vp)
{

	return (struct model_vnode *)((char *)vp -
	    __builtin_offsetof(struct model_vnode, vnode));
}

static bool
model_is_table_vnode(struct vnode *vp)
{
	const char *p = (const char *)vp;

	return p >= (const char *)model_vnodes &&
	    p < (const char *)(model_vnodes + MODEL_NVNODES);
}

/* The vnode of the file host descriptor fd is open on, referenced. */
static struct vnode *
model_vnode_get(int fd, const struct host_file *info, u_int vtype)
{
	struct model_vnode *mv = NULL, *free = NULL;
	size_t i;

	mutex_enter(&model_vnodes_lock);
	for (i = 0; i < MODEL_NVNODES && mv == NULL; i++) {
		if (model_vnodes[i].refs == 0) {
			if (free == NULL)
				free = &model_vnodes[i];
		} else if (model_vnodes[i].dev == info->dev &&
		    model_vnodes[i].ino == info->ino) {
			mv = &model_vnodes[i];
		}
	}
	if (mv == NULL && (mv = free) != NULL) {
		__builtin_memset(&mv->vnode, 0, sizeof(mv->vnode));
		mv->vnode.v_type = vtype;
		mv->vnode.v_mount = model_mount_of(info);
		vfs_ref(mv->vnode.v_mount);
		mv->dev = info->dev;
		mv->ino = info->ino;
		mv->shared = 0;
		mv->owner = NULL;
		mv->anyfd = host_fd_dup(fd);
		mv->readfd = mv->writefd = -1;
	}
	if (mv != NULL) {
		mv->refs++;
		if (info->readable && mv->readfd < 0)
			mv->readfd = host_fd_dup(fd);
		if (info->writable && !info->append && mv->writefd < 0)
			mv->writefd = host_fd_dup(fd);
		/*
		 * A vnode writes where it is told; a host descriptor opened
		 * O_APPEND would not, so the file is opened again without it,
		 * which an append-only file refuses: that one keeps the
		 * O_APPEND descriptor, right only at the end of the file,
		 * where ffs_write lets an append-only file be written.
		 */
		if (info->writable && info->append && mv->writefd < 0 &&
		    (mv->writefd = host_fd_reopen(fd, true)) < 0)
			mv->writefd = host_fd_dup(fd);
	}
	mutex_exit(&model_vnodes_lock);
	return mv == NULL ? NULL : &mv->vnode;
}

#define	MODEL_NFILES	1024
/* In refs: reserved by fd_allocfile, which fd_getfile does not see. */
#define	MODEL_FILE_RESERVED	0x80000000u
static struct model_file {
	file_t		file;
	int		hostfd;
	u_int		refs;
	file_t		*module;	/* or a file of the module's type */
} model_files[MODEL_NFILES];
static kmutex_t model_files_lock;	/* refs, and describing a file */

/* Drops a vnode reference; the last one frees the vnode. */
static void
model_vrele(struct vnode *vp)
{
	struct model_vnode *mv;

	if (!model_is_table_vnode(vp))
		return;
	mv = model_vnode(vp);
	mutex_enter(&model_vnodes_lock);
	if (mv->refs == 0) {
		model_violation("vrele: vnode without a reference");
	} else if (--mv->refs == 0) {
		if (mv->shared != 0 || mv->owner != NULL)
			model_violation("vrele: last reference of a locked vnode");
		host_fd_close(mv->anyfd);
		host_fd_close(mv->readfd);
		host_fd_close(mv->writefd);
		vfs_rele(vp->v_mount);
	}
	mutex_exit(&model_vnodes_lock);
}

file_t *
fd_getfile(unsigned fd)
{
	struct model_file *mf;
	struct host_file info;
	u_int refs;
	int hostfd;

	if (fd >= MODEL_NFILES || (hostfd = host_fd_get((int)fd)) < 0)
		return NULL;
	host_file_info(hostfd, &info);
	if (info.kind == HOST_CLOSED) {
		host_fd_put(hostfd);
		return NULL;
	}
	mf = &model_files[fd];
	/* The first holder describes the file, the last lets it go. */
	mutex_enter(&model_files_lock);
	refs = mf->refs;
	if ((refs & MODEL_FILE_RESERVED) != 0) {
		/* fd_allocfile's, not the process's until fd_affix. */
		mutex_exit(&model_files_lock);
		host_fd_put(hostfd);
		return NULL;
	}
	mf->refs++;
	if (refs != 0) {
		host_fd_put(hostfd);	/* the first holder's stays */
	} else if ((mf->module = model_module_file(&info)) != NULL) {
		/* A file of the module's own type (files.c). */
		mf->hostfd = hostfd;
	} else {
		static const u_int vtypes[] = {
			[HOST_REG] = VREG, [HOST_DIR] = VDIR, [HOST_LNK] = VLNK,
			[HOST_BLK] = VBLK, [HOST_CHR] = VCHR,
		};

		__builtin_memset(&mf->file, 0, sizeof(mf->file));
		mf->hostfd = hostfd;
		/* Its opener's credential, which the host does not keep. */
		mf->file.f_cred = model_caller_cred();
		mf->file.f_offset = host_offset(hostfd);
		mf->file.f_flag = (info.readable ? FREAD : 0) |
		    (info.writable ? FWRITE : 0) | (info.append ? FAPPEND : 0) |
		    (info.sync ? FFSYNC : 0) | (info.dsync ? FDSYNC : 0);
		/* NetBSD: pipe(2) gives DTYPE_PIPE; a FIFO's vnode is VFIFO. */
		if (info.kind == HOST_SOCK) {
			mf->file.f_type = DTYPE_SOCKET;
		} else if (info.kind == HOST_FIFO) {
			mf->file.f_type = DTYPE_PIPE;
		} else {
			mf->file.f_type = DTYPE_VNODE;
			mf->file.f_vnode = model_vnode_get(hostfd, &info,
			    vtypes[info.kind]);
		}
	}
	mutex_exit(&model_files_lock);
	model_trace()->files_held++;
	return mf->module != NULL ? mf->module : &mf->file;
}

/* The host descriptor file fp is held by (fd_getfile), or -1. */
int
model_file_held_fd(file_t *fp)
{
	size_t i;

	for (i = 0; i < MODEL_NFILES; i++) {
		if ((model_files[i].module == fp || (model_files[i].module ==
		    NULL && &model_files[i].file == fp)) &&
		    __atomic_load_n(&model_files[i].refs, __ATOMIC_ACQUIRE) > 0)
			return model_files[i].hostfd;
	}
	return -1;
}

void
fd_putfile(unsigned fd)
{
	struct model_file *mf = &model_files[fd];

	model_trace()->files_held--;
	/*
	 * The last holder hands the descriptor's offset back to the host and
	 * lets go of its vnode and the host descriptor.
	 */
	mutex_enter(&model_files_lock);
	if (mf->refs == 1 && mf->module != NULL) {
		mf->module = NULL;
		host_fd_put(mf->hostfd);
	} else if (mf->refs == 1) {
		if (mf->file.f_type == DTYPE_VNODE) {
			if (mf->file.f_vnode->v_type == VREG)
				host_set_offset(mf->hostfd, mf->file.f_offset);
			model_vrele(mf->file.f_vnode);
		}
		host_free(mf->file.f_cred, sizeof(*mf->file.f_cred));
		host_fd_put(mf->hostfd);
	}
	mf->refs--;
	mutex_exit(&model_files_lock);
}

/* The host descriptor a vnode operation goes through: -1 if none can. */
static int
model_vnode_fd(struct vnode *vp, enum uio_rw rw, bool any)
{
	struct model_vnode *mv;

	mv = model_vnode(vp);
	if (any)
		return mv->readfd >= 0 ? mv->readfd :
		    mv->writefd >= 0 ? mv->writefd : mv->anyfd;
	return rw == UIO_READ ? mv->readfd : mv->writefd;
}

/*
 * The vnode lock, as vn_lock(9) takes it: shared or exclusive, waited for.
 * Each thread knows the locks it holds; taking one it holds already (the
 * module never needs to) is a violation, as is releasing one it does not
 * hold.  Vnodes outside the table (none the module reaches) are counted
 * only.
 */
#define	MODEL_HELD_MAX	8
static __thread struct model_held {
	struct vnode	*vp;
	bool		exclusive;
} model_held[MODEL_HELD_MAX];

static struct model_held *
model_held_find(struct vnode *vp)
{
	size_t i;

	for (i = 0; i < MODEL_HELD_MAX; i++) {
		if (model_held[i].vp == vp)
			return &model_held[i];
	}
	return NULL;
}

int
vn_lock(struct vnode *vp, int flags)
{
	struct model_vnode *mv;
	struct model_held *h;
	bool exclusive = (flags & LK_EXCLUSIVE) != 0, got = false;

	if ((flags & (LK_EXCLUSIVE | LK_SHARED)) == 0 || (flags & LK_RETRY) == 0)
		return EINVAL;	/* the module only takes retrying locks */
	model_trace()->vnodes_locked++;
	if (!model_is_table_vnode(vp))
		return 0;
	if (model_held_find(vp) != NULL) {
		model_violation("vn_lock: the vnode is locked by this LWP already");
		return 0;
	}
	if ((h = model_held_find(NULL)) == NULL) {
		model_violation("vn_lock: more vnode locks than the model holds");
		return 0;
	}
	mv = model_vnode(vp);
	while (!got) {
		mutex_enter(&model_vnodes_lock);
		if (mv->owner == NULL && (!exclusive || mv->shared == 0)) {
			if (exclusive)
				mv->owner = &model_thread_token;
			else
				mv->shared++;
			got = true;
		}
		mutex_exit(&model_vnodes_lock);
	}
	h->vp = vp;
	h->exclusive = exclusive;
	return 0;
}

int
VOP_UNLOCK(struct vnode *vp)
{
	struct model_vnode *mv;
	struct model_held *h;

	model_trace()->vnodes_locked--;
	if (!model_is_table_vnode(vp))
		return 0;
	if ((h = model_held_find(vp)) == NULL) {
		model_violation("VOP_UNLOCK: the vnode is not locked by this LWP");
		return 0;
	}
	mv = model_vnode(vp);
	mutex_enter(&model_vnodes_lock);
	if (h->exclusive)
		mv->owner = NULL;
	else
		mv->shared--;
	mutex_exit(&model_vnodes_lock);
	h->vp = NULL;
	return 0;
}

/*
 * In a child the tests fork, only the forking thread goes on: the model's
 * locks that other threads held, and the vnode locks they held, are free.
 */
void
model_after_fork(void)
{
	struct model_held *h;
	size_t i;

	__atomic_store_n(&proc_lock.u.mtxa_owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&model_cwdi_lock.u.mtxa_owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&model_mounts_lock.u.mtxa_owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&model_vnodes_lock.u.mtxa_owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&model_files_lock.u.mtxa_owner, 0, __ATOMIC_RELAXED);
	for (i = 0; i < MODEL_NVNODES; i++) {
		h = model_held_find(&model_vnodes[i].vnode);
		model_vnodes[i].shared = h != NULL && !h->exclusive;
		model_vnodes[i].owner = h != NULL && h->exclusive ?
		    &model_thread_token : NULL;
	}
}

/* Whether this thread holds the vnode's lock (exclusively, if asked). */
static bool
model_vnode_locked_as(struct vnode *vp, bool exclusive)
{
	struct model_held *h;

	if (!model_is_table_vnode(vp))
		return model_trace()->vnodes_locked > 0;
	h = model_held_find(vp);
	return h != NULL && (h->exclusive || !exclusive);
}

static bool
model_vnode_locked(struct vnode *vp)
{

	return model_vnode_locked_as(vp, false);
}

int
VOP_FSYNC(struct vnode *vp, kauth_cred_t cred, int flags, off_t lo, off_t hi)
{
	struct model_trace *t = model_trace();

	int error;

	t->fsyncs++;
	t->fsync_flags = flags;
	t->fsync_lo = lo;
	t->fsync_hi = hi;
	t->fsync_locked = model_vnode_locked(vp);
	if (!t->fsync_locked)
		model_violation("VOP_FSYNC: vnode not locked");
	if ((error = host_cred_enter(&cred->ids)) != 0)
		return model_errno(error);
	error = host_fsync_range(model_vnode_fd(vp, UIO_READ, true),
	    (flags & FSYNC_DATAONLY) != 0, (flags & FSYNC_WAIT) != 0, lo, hi);
	host_cred_exit();
	return error == 0 ? 0 : EIO;
}

int
VFS_SYNC(struct mount *mp, int waitfor, struct kauth_cred *cred)
{
	struct model_trace *t = model_trace();
	struct model_vnode *mv = NULL;
	int fd = -1, error;
	size_t i;

	if (model_busy[model_mount(mp) - model_mounts] == 0)
		model_violation("VFS_SYNC: the mount is not busy");
	if (t->vnodes_locked != 0)
		model_violation("VFS_SYNC: a vnode lock is held");
	t->vfs_syncs++;
	t->vfs_sync_wait = waitfor;
	t->vfs_sync_async_cleared = (mp->mnt_flag & MNT_ASYNC) == 0;
	t->vfs_sync_locked = t->mounts_locked > 0;
	/*
	 * Through a vnode of the mount, referenced meanwhile: another
	 * thread's last vrele would close its descriptors.
	 */
	mutex_enter(&model_vnodes_lock);
	for (i = 0; i < MODEL_NVNODES && mv == NULL; i++) {
		if (model_vnodes[i].refs > 0 &&
		    model_vnodes[i].vnode.v_mount == mp) {
			mv = &model_vnodes[i];
			mv->refs++;
			fd = model_vnode_fd(&mv->vnode, UIO_READ, true);
		}
	}
	mutex_exit(&model_vnodes_lock);
	/* The model reaches a file system only through a vnode of it. */
	if (mv == NULL)
		return EIO;
	if ((error = host_cred_enter(&cred->ids)) == 0) {
		error = host_syncfs(fd);
		host_cred_exit();
		error = error == 0 ? 0 : EIO;
	} else
		error = model_errno(error);
	model_vrele(&mv->vnode);
	return error;
}

static bool
model_is_updating_lock(kmutex_t *mtx)
{
	const char *p = (const char *)mtx;

	return p >= (const char *)model_mounts &&
	    p < (const char *)(model_mounts + MODEL_NMOUNTS);
}

/*
 * compat_linux's clone(2): recorded, and a child that is never run here;
 * linuxrun reads the request and has the traced thread perform it, or
 * performs it at once (model_clone_performer).  A test may have a
 * fork-like clone make a child process (model_clone_child): fork1 makes
 * it a child of the caller, in its process group, with its credential.
 */
/* Linux's CLONE_THREAD (linux_sched.h). */
#define	MODEL_LINUX_CLONE_THREAD	0x00010000
static __thread bool model_clone_makes_child;
static __thread int (*model_clone_fn)(void *, const register_t[5], int *);
static __thread void *model_clone_arg;

void
model_clone_child(bool make)
{

	model_clone_makes_child = make;
}

void
model_clone_performer(int (*fn)(void *, const register_t[5], int *),
    void *arg)
{

	model_clone_fn = fn;
	model_clone_arg = arg;
}

int
linux_sys_clone(struct lwp *l, const struct linux_sys_clone_args *uap,
    register_t *retval)
{
	static int next_child = MODEL_CHILD_TID;
	struct model_trace *t = model_trace();
	struct proc *parent = l->l_proc, *child;
	int pid, error;

	t->clones++;
	t->clone_args[0] = uap->flags;
	t->clone_args[1] = uap->stack;
	t->clone_args[2] = uap->parent_tidptr;
	t->clone_args[3] = uap->child_tidptr;
	t->clone_args[4] = uap->tls;
	retval[0] = MODEL_CHILD_TID;
	if (model_clone_fn != NULL) {
		t->clones--;
		if ((error = model_clone_fn(model_clone_arg, t->clone_args,
		    &pid)) != 0)
			return error;
		retval[0] = pid;
		return 0;
	}
	if (!model_clone_makes_child || (uap->flags & MODEL_LINUX_CLONE_THREAD) != 0)
		return 0;
	model_assert_sleepable("fork1: a mutex is held");
	pid = __atomic_add_fetch(&next_child, 1, __ATOMIC_RELAXED);
	mutex_enter(&proc_lock);
	if ((child = model_proc_alloc(pid, NULL)) != NULL) {
		child->p_pptr = parent;
		child->p_cred->ids = parent->p_cred->ids;
		model_pgrp_leave(child);
		model_pgrp_join(child, parent->p_pgid, parent->p_session->s_sid);
	}
	mutex_exit(&proc_lock);
	if (child == NULL)
		return EAGAIN;
	retval[0] = pid;
	return 0;
}

bool
model_clone_request(register_t args[5])
{
	struct model_trace *t = model_trace();

	if (t->clones == 0)
		return false;
	__builtin_memcpy(args, t->clone_args, sizeof(t->clone_args));
	return true;
}

/*
 * Path operations.  User paths are copied in as copyinstr(9) copies them,
 * at most NetBSD's PATH_MAX (1024) bytes for namei; the host resolves
 * them, and its errno values are Linux's, turned into NetBSD's here.
 */

int
copyinstr(const void *uaddr, void *kaddr, size_t len, size_t *done)
{
	const char *upath = uaddr;
	char *kpath = kaddr;
	size_t copied = 0, chunk, i;

	model_trace()->user_copies++;
	while (copied < len) {
		/* To the end of the page: the next one may not be mapped. */
		chunk = PAGE_SIZE - ((uintptr_t)(upath + copied) & (PAGE_SIZE - 1));
		if (chunk > len - copied)
			chunk = len - copied;
		if (host_copy_from_user(upath + copied, kpath + copied, chunk) != 0)
			return EFAULT;
		for (i = copied; i < copied + chunk; i++) {
			if (kpath[i] == '\0') {
				if (done != NULL)
					*done = i + 1;
				return 0;
			}
		}
		copied += chunk;
	}
	return ENAMETOOLONG;
}

static int
model_copyinpath(const char *upath, char *kpath)
{

	return copyinstr(upath, kpath, PATH_MAX, NULL);
}

static int
model_errno(int host)
{

	switch (host) {
	case 36:	/* Linux ENAMETOOLONG */
		return ENAMETOOLONG;
	case 39:	/* Linux ENOTEMPTY */
		return ENOTEMPTY;
	case 40:	/* Linux ELOOP */
		return ELOOP;
	case 43:	/* Linux EIDRM */
		return EIDRM;
	case 107:	/* Linux ENOTCONN: a write to an unconnected socket */
		return ENOTCONN;
	default:	/* EPERM .. ERANGE have the same numbers */
		return host <= ERANGE ? host : EIO;
	}
}

int
do_sys_statat(struct lwp *l, int fdat, const char *path, unsigned int nd_flag,
    struct stat *sb)
{
	char kpath[PATH_MAX];
	unsigned long dev, ino;
	int error;

	if ((error = model_copyinpath(path, kpath)) != 0)
		return error;
	if ((error = host_cred_enter(&l->l_cred->ids)) == 0) {
		error = host_statat(fdat, kpath, (nd_flag & FOLLOW) != 0, &dev,
		    &ino);
		host_cred_exit();
	}
	if (error != 0)
		return model_errno(error);
	__builtin_memset(sb, 0, sizeof(*sb));
	sb->st_dev = dev;
	sb->st_ino = ino;
	return 0;
}

int
sys___posix_rename(struct lwp *l, const struct sys___posix_rename_args *uap,
    register_t *retval)
{
	char from[PATH_MAX], to[PATH_MAX];
	int error;

	(void)retval;
	model_trace()->renames_posix++;
	if ((error = model_copyinpath(SCARG(uap, from), from)) != 0 ||
	    (error = model_copyinpath(SCARG(uap, to), to)) != 0)
		return error;
	if ((error = host_cred_enter(&l->l_cred->ids)) == 0) {
		error = host_renameat(AT_FDCWD, from, AT_FDCWD, to);
		host_cred_exit();
	}
	return model_errno(error);
}

/* BSD semantics: a link renamed onto another link of its file goes away. */
int
sys_renameat(struct lwp *l, const struct sys_renameat_args *uap,
    register_t *retval)
{
	char from[PATH_MAX], to[PATH_MAX];
	unsigned long fdev, fino, tdev, tino;
	int error;

	(void)retval;
	model_trace()->renames_bsd++;
	if ((error = model_copyinpath(SCARG(uap, from), from)) != 0 ||
	    (error = model_copyinpath(SCARG(uap, to), to)) != 0)
		return error;
	if ((error = host_cred_enter(&l->l_cred->ids)) != 0)
		return model_errno(error);
	if (host_statat(SCARG(uap, fromfd), from, false, &fdev, &fino) == 0 &&
	    host_statat(SCARG(uap, tofd), to, false, &tdev, &tino) == 0 &&
	    fdev == tdev && fino == tino) {
		error = SCARG(uap, fromfd) == SCARG(uap, tofd) &&
		    __builtin_strcmp(from, to) == 0 ? 0 :
		    host_unlinkat(SCARG(uap, fromfd), from);
	} else {
		error = host_renameat(SCARG(uap, fromfd), from,
		    SCARG(uap, tofd), to);
	}
	host_cred_exit();
	return model_errno(error);
}

int
VOP_GETATTR(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct host_file info;
	int fd = model_vnode_fd(vp, UIO_READ, true), error;
	long long size;

	if (!model_vnode_locked(vp))
		model_violation("VOP_GETATTR: vnode not locked");
	if ((error = host_cred_enter(&cred->ids)) == 0) {
		error = host_size(fd, &size);
		host_cred_exit();
	}
	if (error != 0)
		return model_errno(error);
	host_file_info(fd, &info);
	__builtin_memset(va, 0, sizeof(*va));
	va->va_size = (u_quad_t)size;
	va->va_flags = (info.append_only ? SF_APPEND : 0) |
	    (info.immutable ? SF_IMMUTABLE : 0);
	va->va_mode = info.mode;
	va->va_uid = info.uid;
	va->va_gid = info.gid;
	return 0;
}

/* sys/vnode.h, _KERNEL-only there. */
#define	VNOVAL	(-1)

/* vattr_null (vfs_subr.c): every attribute VNOVAL, so unchanged. */
void
vattr_null(struct vattr *va)
{

	__builtin_memset(va, 0xff, sizeof(*va));
	va->va_type = VNON;
	va->va_vaflags = 0;
}

/*
 * VOP_SETATTR of the mode, as ufs_setattr and ufs_chmod do it: the vnode
 * locked exclusively; an immutable or append-only file EPERM, a read-only
 * mount EROFS, then genfs_can_chmod's rules (host_setmode).  The module
 * changes nothing else.
 */
int
VOP_SETATTR(struct vnode *vp, struct vattr *va, kauth_cred_t cred)
{
	struct vattr unchanged;
	struct host_file info;
	int fd = model_vnode_fd(vp, UIO_READ, true), error;

	if (!model_vnode_locked_as(vp, true))
		model_violation("VOP_SETATTR: vnode not locked exclusively");
	vattr_null(&unchanged);
	unchanged.va_mode = va->va_mode;
	if (__builtin_memcmp(&unchanged, va, sizeof(*va)) != 0 ||
	    va->va_mode == (mode_t)VNOVAL)
		return EINVAL;	/* the module sets the mode alone */
	host_file_info(fd, &info);
	if (info.immutable || info.append_only)
		return EPERM;
	if (vp->v_mount->mnt_flag & MNT_RDONLY)
		return EROFS;
	if ((error = host_cred_enter(&cred->ids)) != 0)
		return model_errno(error);
	error = host_setmode(fd, va->va_mode & ALLPERMS, &cred->ids);
	host_cred_exit();
	return error == -1 ? EFTYPE : model_errno(error);
}

/*
 * The model's file systems declare 44 bits of file size, and refuse a
 * write past what that holds, as ffs_write does past its largest size.
 */
#define	MODEL_FILESIZEBITS	44
#define	MODEL_MAXFILESIZE	((1LL << (MODEL_FILESIZEBITS - 1)) - 1)

int
VOP_PATHCONF(struct vnode *vp, int name, register_t *retval)
{

	if (!model_vnode_locked(vp))
		model_violation("VOP_PATHCONF: vnode not locked");
	if (name != _PC_FILESIZEBITS)
		return EINVAL;
	*retval = MODEL_FILESIZEBITS;
	return 0;
}

/* What vn_rdwr moves at once between user memory and a host file. */
#define	MODEL_RDWR_CHUNK	65536

/*
 * pread or pwrite between user memory at base and the host file, or read
 * or write for a stream (offset -1: a pipe, socket or device, which may
 * make the first transfer wait, interruptibly), as uiomove(9) moves it: a
 * page that cannot be reached ends the transfer with EFAULT, after what
 * was moved before it (*moved).  0, EFAULT or a host errno.
 */
static int
model_rdwr_user(int fd, enum uio_rw rw, char *base, size_t len, off_t offset,
    bool wait, size_t *moved)
{
	char *bounce = host_alloc(MODEL_RDWR_CHUNK);
	size_t done = 0, want, have, page;
	int error = 0;
	long n;

	while (done < len && error == 0) {
		want = len - done < MODEL_RDWR_CHUNK ? len - done :
		    MODEL_RDWR_CHUNK;
		if (rw == UIO_READ) {
			n = offset < 0 ? host_stream_io(fd, bounce, want, false,
			    wait && done == 0) :
			    host_pread(fd, bounce, want, offset + (off_t)done);
			if (n < 0) {
				error = -(int)n;
				break;
			}
			have = (size_t)n;
		} else {
			have = want;
		}
		/* The pages of user memory, one at a time. */
		for (page = 0; page < have && error == 0; ) {
			size_t at = done + page, chunk = PAGE_SIZE -
			    ((uintptr_t)(base + at) & (PAGE_SIZE - 1));

			if (chunk > have - page)
				chunk = have - page;
			if ((rw == UIO_READ ? host_copy_to_user(bounce + page,
			    base + at, chunk) : host_copy_from_user(base + at,
			    bounce + page, chunk)) != 0)
				error = EFAULT;
			else
				page += chunk;
		}
		if (rw == UIO_WRITE && page > 0) {
			n = offset < 0 ? host_stream_io(fd, bounce, page, true,
			    true) :
			    host_pwrite(fd, bounce, page, offset + (off_t)done);
			if (n < 0) {
				error = -(int)n;
				break;
			}
			page = (size_t)n;
		}
		done += page;
		if (page < want)
			break;	/* the end of the file, a fault, a short write */
	}
	host_free(bounce, MODEL_RDWR_CHUNK);
	*moved = done;
	return error;
}

/*
 * vn_rdwr (vfs_vnops.c 1.241): the vnode locked for the call (shared to
 * read, exclusive to write) unless the caller holds it (IO_NODELOCKED);
 * a write to a regular file past RLIMIT_FSIZE fails whole
 * (enforce_rlimit_fsize, which asserts the exclusive lock), and past the
 * largest file size as ffs_write does.
 */
int
vn_rdwr(enum uio_rw rw, struct vnode *vp, void *base, int len, off_t offset,
    enum uio_seg seg, int ioflg, kauth_cred_t cred, size_t *aresid,
    struct lwp *l)
{
	static const int known = IO_SYNC | IO_NODELOCKED | IO_NDELAY |
	    IO_ALTSEMANTICS | IO_DIRECT | IO_ADV_MASK;
	struct model_trace *t = model_trace();
	struct host_file info;
	long long size;
	int fd = model_vnode_fd(vp, rw, false);
	int asked = len, error = 0;
	size_t moved = 0;
	long n;

	if ((seg != UIO_SYSSPACE && seg != UIO_USERSPACE) ||
	    (ioflg & ~known) != 0 || len < 0)
		return EINVAL;	/* the module passes no other flags */
	if ((ioflg & IO_NODELOCKED) == 0)
		vn_lock(vp, (rw == UIO_READ ? LK_SHARED : LK_EXCLUSIVE) |
		    LK_RETRY);
	else if (!model_vnode_locked_as(vp, rw == UIO_WRITE &&
	    vp->v_type == VREG))
		model_violation("vn_rdwr: IO_NODELOCKED without the lock the "
		    "operation needs");
	/* Only the module's checks of the file's open mode lead here. */
	if (fd < 0) {
		error = EBADF;
		goto out;
	}
	t->rdwrs++;
	t->rdwr_ioflags = ioflg;
	if (rw == UIO_WRITE && vp->v_type == VREG) {
		/* enforce_rlimit_fsize, then ffs_write. */
		if ((uint64_t)offset + (uint64_t)len >
		    l->l_proc->p_rlimit[RLIMIT_FSIZE].rlim_cur) {
			psignal(l->l_proc, SIGXFSZ);
			error = EFBIG;
			goto out;
		}
		if (offset < 0 || offset + (off_t)len > MODEL_MAXFILESIZE) {
			error = EFBIG;
			goto out;
		}
		/* ffs_write: an append-only file only at its end. */
		host_file_info(fd, &info);
		if (info.append_only && (host_size(fd, &size) != 0 ||
		    offset != size)) {
			error = EPERM;
			goto out;
		}
	}
	if ((error = host_cred_enter(&cred->ids)) != 0) {
		error = model_errno(error);
		goto out;
	}
	if (seg == UIO_USERSPACE) {
		error = model_errno(model_rdwr_user(fd, rw, base, (size_t)len,
		    offset, false, &moved));
		n = (long)moved;
	} else if (t->rdwr_discard) {
		if (rw == UIO_READ)
			__builtin_memset(base, 0, (size_t)len);
		n = len;
	} else if (rw == UIO_READ) {
		n = host_pread(fd, base, (size_t)len, offset);
	} else if (t->fail_write_after != 0 &&
	    t->rdwrs >= (u_int)t->fail_write_after) {
		n = -EIO;
	} else {
		if (t->short_write_after != 0 && t->rdwrs >= t->short_write_after)
			len /= 2;
		n = host_pwrite(fd, base, (size_t)len, offset);
	}
	if (n >= 0 && rw == UIO_WRITE && (ioflg & IO_DSYNC) != 0 &&
	    host_fsync_range(fd, (ioflg & IO_SYNC) != IO_SYNC, true, 0, 0) != 0)
		n = -EIO;
	host_cred_exit();
	if (n < 0) {
		error = model_errno((int)-n);
		goto out;
	}
	*aresid = (size_t)(asked - n);
out:
	if ((ioflg & IO_NODELOCKED) == 0)
		VOP_UNLOCK(vp);
	return error;
}

/*
 * readv(2) and writev(2) through a descriptor's file operations
 * (do_filereadv and do_filewritev, sys_generic.c 1.130; vn_read and
 * vn_write, vfs_vnops.c 1.241): iovcnt 0 and lengths past SSIZE_MAX are
 * EINVAL, a descriptor not open for the direction EBADF, an offset on
 * anything but a vnode other than a FIFO ESPIPE.  A vnode file moves at
 * the offset under its vnode lock (exclusive to write or to advance the
 * descriptor's offset), appending where the descriptor is O_APPEND; a pipe,
 * socket or device moves as a stream, the first transfer waiting until it
 * can go or a signal comes (EINTR).  An error after part of the transfer
 * is still the error, but for EINTR; EPIPE posts SIGPIPE unless the
 * descriptor has FNOSIGPIPE.  The module passes kernel iovec arrays only.
 */
static int
model_filerw(enum uio_rw rw, int fd, const struct iovec *iov, int iovcnt,
    off_t *offset, int flags, register_t *retval)
{
	struct model_file *mf;
	struct vnode *vp;
	file_t *fp;
	size_t total = 0, done = 0, moved;
	off_t at = -1;
	bool file, lock_excl;
	int i, hostfd, error = 0;

	if (iovcnt == 0)
		return EINVAL;
	if ((flags & FOF_IOV_SYSSPACE) == 0 || iovcnt < 0)
		return EINVAL;
	if ((fp = fd_getfile((unsigned)fd)) == NULL)
		return EBADF;
	mf = (struct model_file *)fp;
	if ((fp->f_flag & (rw == UIO_READ ? FREAD : FWRITE)) == 0) {
		error = EBADF;
		goto out;
	}
	vp = fp->f_type == DTYPE_VNODE ? fp->f_vnode : NULL;
	if (offset == NULL) {
		offset = &fp->f_offset;
	} else if (vp == NULL || vp->v_type == VFIFO) {
		error = ESPIPE;
		goto out;
	}
	for (i = 0; i < iovcnt; i++) {
		total += iov[i].iov_len;
		if (iov[i].iov_len > SSIZE_MAX || total > SSIZE_MAX) {
			error = EINVAL;
			goto out;
		}
	}
	file = vp != NULL && (vp->v_type == VREG || vp->v_type == VDIR);
	lock_excl = rw == UIO_WRITE ||
	    (offset == &fp->f_offset && (flags & FOF_UPDATE_OFFSET) != 0);
	if (file) {
		vn_lock(vp, (lock_excl ? LK_EXCLUSIVE : LK_SHARED) | LK_RETRY);
		at = *offset;
		if (rw == UIO_WRITE && (fp->f_flag & FAPPEND) != 0) {
			long long size;

			if ((error = host_size(model_vnode_fd(vp, UIO_READ,
			    true), &size)) != 0) {
				error = model_errno(error);
				goto unlock;
			}
			at = size;
		}
		if (rw == UIO_WRITE && (uint64_t)at + total >
		    model_plimit.pl_rlimit[RLIMIT_FSIZE].rlim_cur) {
			psignal(&model_proc, SIGXFSZ);
			error = EFBIG;
			goto unlock;
		}
		hostfd = model_vnode_fd(vp, rw, false);
	} else {
		if (vp != NULL && offset != &fp->f_offset)
			at = *offset;
		hostfd = mf->hostfd;
	}
	for (i = 0; i < iovcnt && error == 0; i++) {
		error = model_errno(model_rdwr_user(hostfd, rw,
		    (char *)iov[i].iov_base, iov[i].iov_len,
		    at < 0 ? -1 : at + (off_t)done, done == 0, &moved));
		done += moved;
		if (moved < iov[i].iov_len)
			break;
	}
	if ((flags & FOF_UPDATE_OFFSET) != 0 && file)
		*offset = at + (off_t)done;
unlock:
	if (file)
		VOP_UNLOCK(vp);
	if (error == EINTR && done > 0)
		error = 0;
	if (error == EPIPE && (fp->f_flag & FNOSIGPIPE) == 0)
		psignal(&model_proc, SIGPIPE);
	*retval = (register_t)done;
out:
	fd_putfile((unsigned)fd);
	return error;
}

int
do_filereadv(int fd, const struct iovec *iov, int iovcnt, off_t *offset,
    int flags, register_t *retval)
{

	return model_filerw(UIO_READ, fd, iov, iovcnt, offset, flags, retval);
}

int
do_filewritev(int fd, const struct iovec *iov, int iovcnt, off_t *offset,
    int flags, register_t *retval)
{

	return model_filerw(UIO_WRITE, fd, iov, iovcnt, offset, flags, retval);
}

void *
kmem_alloc(size_t len, km_flag_t flags)
{

	if (flags == KM_SLEEP)
		model_assert_sleepable("kmem_alloc: KM_SLEEP with a mutex held");
	model_trace()->allocated += len;
	return host_alloc(len);
}

void *
kmem_zalloc(size_t len, km_flag_t flags)
{
	void *p = kmem_alloc(len, flags);

	if (p != NULL)
		__builtin_memset(p, 0, len);
	return p;
}

void
kmem_free(void *p, size_t len)
{

	model_trace()->allocated -= len;
	host_free(p, len);
}

int
sigispending(struct lwp *l, int signo)
{
	struct model_trace *t = model_trace();

	(void)l, (void)signo;
	/* The thread's own signals, and the tests' scripted one. */
	return host_signal_pending() ||
	    (t->signal_after != 0 && t->rdwrs >= t->signal_after);
}

kauth_cred_t
kauth_cred_dup(kauth_cred_t cred)
{

	model_trace()->creds_held++;
	return model_cred_new(&cred->ids);
}

void
kauth_cred_free(kauth_cred_t cred)
{

	model_trace()->creds_held--;
	if (cred->refs == 0)
		model_violation("kauth_cred_free: credential already freed");
	else if (--cred->refs == 0)
		host_free(cred, sizeof(*cred));
}

uid_t
kauth_cred_getuid(kauth_cred_t cred)
{

	return cred->ids.uid;
}

gid_t
kauth_cred_getgid(kauth_cred_t cred)
{

	return cred->ids.gid;
}

uid_t
kauth_cred_geteuid(kauth_cred_t cred)
{

	return cred->ids.euid;
}

/* kern_auth.c: the effective group, then the supplementary ones. */
int
kauth_cred_ismember_gid(kauth_cred_t cred, gid_t gid, int *member)
{
	int i;

	*member = cred->ids.egid == gid;
	for (i = 0; i < cred->ids.ngroups && !*member; i++)
		*member = cred->ids.groups[i] == gid;
	return 0;
}

/* Only a credential no one else holds may change (KASSERT there). */
void
kauth_cred_seteuid(kauth_cred_t cred, uid_t uid)
{

	if (cred->refs != 1)
		model_violation("kauth_cred_seteuid: a shared credential");
	cred->ids.euid = uid;
}

void
kauth_cred_setegid(kauth_cred_t cred, gid_t gid)
{

	if (cred->refs != 1)
		model_violation("kauth_cred_setegid: a shared credential");
	cred->ids.egid = gid;
}

/*
 * The working directory's lock stands for the user process's working
 * directory (see model_proc); the others are readers-writer locks.
 */
void
rw_enter(krwlock_t *rw, const krw_t op)
{

	if (rw != &model_cwdi.cwdi_lock) {
		model_rw_enter(rw, op);
		return;
	}
	mutex_enter(&model_cwdi_lock);
	if (nameiat_simple_kernel(NULL, ".", NSM_FOLLOW_TRYEMULROOT,
	    &model_cwdi.cwdi_cdir) != 0)
		model_violation("rw_enter: the user's working directory is gone");
	model_trace()->vnodes_referenced--;	/* the cwdinfo's, not a call's */
}

void
rw_exit(krwlock_t *rw)
{

	if (rw != &model_cwdi.cwdi_lock) {
		model_rw_exit(rw);
		return;
	}
	if (model_cwdi.cwdi_cdir != NULL)
		model_vrele(model_cwdi.cwdi_cdir);
	model_cwdi.cwdi_cdir = NULL;
	mutex_exit(&model_cwdi_lock);
}

void
vref(struct vnode *vp)
{

	if (model_is_table_vnode(vp)) {
		mutex_enter(&model_vnodes_lock);
		if (model_vnode(vp)->refs++ == 0)
			model_violation("vref: vnode without a reference");
		mutex_exit(&model_vnodes_lock);
	}
	model_trace()->vnodes_referenced++;
}

void
vrele(struct vnode *vp)
{

	model_vrele(vp);
	model_trace()->vnodes_referenced--;
}

int
VOP_ACCESS(struct vnode *vp, accmode_t accmode, kauth_cred_t cred)
{
	struct model_trace *t = model_trace();
	int mode = ((accmode & VREAD) ? 4 : 0) | ((accmode & VWRITE) ? 2 : 0) |
	    ((accmode & VEXEC) ? 1 : 0);
	int error;

	if (!model_vnode_locked(vp))
		model_violation("VOP_ACCESS: vnode not locked");
	t->access_real_ids = cred->ids.euid == cred->ids.uid &&
	    cred->ids.egid == cred->ids.gid;
	if ((error = host_cred_enter(&cred->ids)) == 0) {
		error = host_faccess_fd(model_vnode_fd(vp, UIO_READ, true),
		    mode);
		host_cred_exit();
	}
	return model_errno(error);
}

/* namei_simple's flags: distinct addresses. */
static const char model_nsm[4];
const namei_simple_flags_t NSM_NOFOLLOW_TRYEMULROOT =
    (namei_simple_flags_t)&model_nsm[0];
const namei_simple_flags_t NSM_FOLLOW_TRYEMULROOT =
    (namei_simple_flags_t)&model_nsm[1];
const namei_simple_flags_t NSM_NOFOLLOW_NOEMULROOT =
    (namei_simple_flags_t)&model_nsm[2];
const namei_simple_flags_t NSM_FOLLOW_NOEMULROOT =
    (namei_simple_flags_t)&model_nsm[3];

/* The lookup of a kernel path from a directory vnode, as namei's. */
int
nameiat_simple_kernel(struct vnode *dvp, const char *path,
    namei_simple_flags_t sflags, struct vnode **vpp)
{
	static const u_int vtypes[] = {
		[HOST_REG] = VREG, [HOST_DIR] = VDIR, [HOST_LNK] = VLNK,
		[HOST_BLK] = VBLK, [HOST_CHR] = VCHR, [HOST_FIFO] = VFIFO,
		[HOST_SOCK] = VSOCK,
	};
	struct host_file info;
	int dirfd, fd, error;

	/* The model has no emulation root: both kinds look the same up. */
	if ((const char *)sflags < model_nsm ||
	    (const char *)sflags >= model_nsm + sizeof(model_nsm))
		return EINVAL;
	if (path[0] == '\0')
		return ENOENT;
	/* With the calling LWP's credential (kauth_cred_get()). */
	if (model_curlwp == NULL)
		model_violation("nameiat_simple_kernel: no calling LWP");
	else if ((error = host_cred_enter(&model_curlwp->l_cred->ids)) != 0)
		return model_errno(error);
	dirfd = dvp == NULL ? AT_FDCWD : model_vnode_fd(dvp, UIO_READ, true);
	fd = host_lookup(dirfd, path, sflags == NSM_FOLLOW_TRYEMULROOT ||
	    sflags == NSM_FOLLOW_NOEMULROOT);
	host_cred_exit();
	if (fd < 0)
		return model_errno(-fd);
	host_file_info(fd, &info);
	*vpp = model_vnode_get(fd, &info, vtypes[info.kind]);
	host_fd_close(fd);
	if (*vpp == NULL)
		return ENFILE;
	model_trace()->vnodes_referenced++;
	return 0;
}

/* SysV semaphores on the host's; a signal gives ERESTART, as NetBSD does
 * for a handler with SA_RESTART. */

struct seminfo seminfo;
int hz = MODEL_HZ;

/* The host's limit on operations per call, set before any test runs. */
__attribute__((constructor)) static void
model_seminfo_init(void)
{

	seminfo.semopm = host_semopm();
}

/*
 * An interruptible sleep of the model's LWP as sleepq_block has it
 * (kern_sleepq.c 1.71): LW_CANCELLED ends it before it starts, and clears
 * itself then; lwp_unsleep ends it, and then LW_CANCELLED makes it EINTR.
 */
static int
model_sleep_begin(void *arg)
{
	struct lwp *l = arg;
	int error = 0;

	lwp_lock(l);
	if (l->l_flag & LW_CANCELLED) {
		l->l_flag &= ~LW_CANCELLED;
		error = EINTR;
	} else {
		l->l_stat = LSSLEEP;
		l->l_flag |= LW_SINTR;
	}
	lwp_unlock(l);
	return error;
}

static bool
model_sleep_woken(void *arg)
{
	struct lwp *l = arg;
	bool woken;

	lwp_lock(l);
	woken = l->l_stat != LSSLEEP;
	lwp_unlock(l);
	return woken;
}

static void
model_sleep_end(void *arg)
{
	struct lwp *l = arg;

	lwp_lock(l);
	l->l_stat = LSONPROC;
	l->l_flag &= ~LW_SINTR;
	lwp_unlock(l);
}

void
lwp_unsleep(lwp_t *l, bool unlock)
{

	if (!mutex_owned_by_me(l->l_mutex) || l->l_stat != LSSLEEP)
		model_violation("lwp_unsleep: LWP not locked, or not asleep");
	l->l_stat = LSONPROC;
	l->l_flag &= ~LW_SINTR;
	if (unlock)
		lwp_unlock(l);
}

static int
model_semop(struct lwp *l, int semid, void *sops, size_t nsops,
    const void *timeout)
{
	struct model_trace *t = model_trace();
	const struct host_sleeper sleeper = { model_sleep_begin,
	    model_sleep_woken, model_sleep_end, l };
	int error;

	if (++t->semops == t->signal_at_semop)
		host_post_sigusr1();
	/* IPC permissions are the LWP's effective IDs' (ipcperm). */
	if ((error = host_cred_enter(&l->l_cred->ids)) != 0)
		return model_errno(error);
	error = host_semop(semid, sops, nsops, timeout, &sleeper);
	host_cred_exit();
	/* A signal, or lwp_unsleep: semop says EINTR for any end of its wait. */
	if (error == 11)	/* Linux EAGAIN: IPC_NOWAIT, or the timeout */
		return timeout != NULL && t->semop_timeout_errno != 0 &&
		    host_semop_timed_out() ? t->semop_timeout_errno : EAGAIN;
	return model_errno(error);
}

int
sys_semop(struct lwp *l, const struct sys_semop_args *uap, register_t *retval)
{

	(void)retval;
	return model_semop(l, SCARG(uap, semid), SCARG(uap, sops),
	    SCARG(uap, nsops), NULL);
}

#if __NetBSD_Version__ >= 1100000000
int
sys_semtimedop(struct lwp *l, const struct sys_semtimedop_args *uap,
    register_t *retval)
{

	(void)retval;
	return model_semop(l, SCARG(uap, semid), SCARG(uap, sops),
	    SCARG(uap, nsops), SCARG(uap, timeout));
}
#endif

/*
 * Callouts: a host thread each, which calls the function at the deadline
 * unless halted first; a model tick is 1000 / MODEL_HZ ms.
 */
void
callout_init(callout_t *c, u_int flags)
{

	if ((flags & CALLOUT_MPSAFE) == 0)
		model_violation("callout_init: not MPSAFE: the kernel lock");
	c->_c_store[0] = host_callout_new();
}

void
callout_setfunc(callout_t *c, void (*fn)(void *), void *arg)
{

	host_callout_setfunc(c->_c_store[0], fn, arg);
}

void
callout_schedule(callout_t *c, int ticks)
{

	host_callout_schedule(c->_c_store[0],
	    (long long)ticks * 1000 / MODEL_HZ);
}

bool
callout_halt(callout_t *c, void *interlock)
{

	if (interlock != NULL)
		model_violation("callout_halt: the module takes no interlock");
	return host_callout_halt(c->_c_store[0]);
}

void
callout_destroy(callout_t *c)
{

	if (!host_callout_free(c->_c_store[0]))
		model_violation("callout_destroy: still pending or running");
	c->_c_store[0] = NULL;
}

/*
 * Opening files, as open(2) does it (do_open, vfs_syscalls.c; vn_open,
 * vfs_vnops.c 1.241): fd_allocfile reserves the lowest free descriptor of
 * the user process and a file; vn_open opens the host file (as the calling
 * thread's user) and returns its vnode referenced and locked exclusively;
 * fd_affix installs the open host file at the reserved number, fd_abort
 * frees it.  The host file vn_open opened waits, per thread, for fd_affix.
 */
struct pathbuf {
	char	path[PATH_MAX];
};

struct pathbuf *
pathbuf_create(const char *path)
{
	struct pathbuf *pb = kmem_alloc(sizeof(*pb), KM_SLEEP);
	size_t i;

	for (i = 0; i < sizeof(pb->path) - 1 && path[i] != '\0'; i++)
		pb->path[i] = path[i];
	pb->path[i] = '\0';
	return pb;
}

void
pathbuf_destroy(struct pathbuf *pb)
{

	kmem_free(pb, sizeof(*pb));
}

const struct fileops vnops;

/* The host file vn_open opened last on this thread, for fd_affix. */
static __thread struct {
	struct vnode	*vp;
	int		hostfd;
} model_opened = { NULL, -1 };

/*
 * A descriptor number fd_allocfile reserved: fd_getfile does not see it
 * until fd_affix (files.c), as NetBSD's fd_getfile does not see a
 * reserved descriptor (ff_file NULL).  Another thread may still hold what
 * it took the number for: that lets go first.  False past the model's
 * table.
 */
bool
model_fd_reserve(int fd)
{

	if (fd < 0 || fd >= MODEL_NFILES)
		return false;
	for (;;) {
		bool reserved;

		mutex_enter(&model_files_lock);
		if ((reserved = model_files[fd].refs == 0))
			model_files[fd].refs = MODEL_FILE_RESERVED;
		mutex_exit(&model_files_lock);
		if (reserved)
			return true;
	}
}

/* The reservation of fd ended: the descriptor is the host's from here. */
void
model_fd_unreserve(int fd)
{

	mutex_enter(&model_files_lock);
	model_files[fd].refs &= ~MODEL_FILE_RESERVED;
	mutex_exit(&model_files_lock);
}

/*
 * fd_affix of a file vn_open opened: the open host file goes in at the
 * reserved number, and the file keeps vn_open's reference (the host
 * descriptor is the file from here, found again by fd_getfile).
 */
void
model_vnode_affix(file_t *fp, int fd, bool exclose)
{
	int error;

	if (fp->f_vnode != model_opened.vp || model_opened.hostfd < 0) {
		model_violation("fd_affix: not the file vn_open opened");
		host_user_fd_release(fd);
	} else if (model_vnode_locked(fp->f_vnode)) {
		model_violation("fd_affix: the vnode is still locked");
	}
	if (model_opened.hostfd >= 0) {
		error = host_user_fd_install(model_opened.hostfd, fd, exclose);
		if (error != 0)
			model_violation("fd_affix: the host would not install it");
		host_fd_close(model_opened.hostfd);
	}
	model_opened.hostfd = -1;
	model_opened.vp = NULL;
	model_vrele(fp->f_vnode);
	model_trace()->vnodes_referenced--;
	model_trace()->opens++;
}

/* A credential the model made (model_caller_cred), let go. */
void
model_cred_free(kauth_cred_t cred)
{

	host_free(cred, sizeof(*cred));
}

int
vn_open(struct vnode *at_dvp, struct pathbuf *pb, int nmode, int fmode,
    int cmode, struct vnode **ret_vp, bool *ret_domove, int *ret_fd)
{
	static const u_int vtypes[] = {
		[HOST_REG] = VREG, [HOST_DIR] = VDIR, [HOST_LNK] = VLNK,
		[HOST_BLK] = VBLK, [HOST_CHR] = VCHR, [HOST_FIFO] = VFIFO,
		[HOST_SOCK] = VSOCK,
	};
	struct host_file info;
	int fd, dirfd;

	if ((nmode & ~(TRYEMULROOT | NOCHROOT)) != 0 ||
	    (ret_domove == NULL) != (ret_fd == NULL))
		model_violation("vn_open: bad nmode or return slots");
	if ((fmode & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return EINVAL;
	if (model_opened.hostfd >= 0)
		model_violation("vn_open: an opened file was never affixed");
	dirfd = at_dvp == NULL ? AT_FDCWD : model_vnode_fd(at_dvp, UIO_READ,
	    true);
	if (model_trace()->plant_link != NULL) {
		(void)host_symlink(model_trace()->plant_link, dirfd, pb->path);
		model_trace()->plant_link = NULL;
	}
	/* vn_open works with the calling LWP's credential (l_cred). */
	if (model_curlwp == NULL) {
		model_violation("vn_open: no calling LWP");
		return EINVAL;
	}
	if ((fd = host_cred_enter(&model_curlwp->l_cred->ids)) != 0)
		return model_errno(fd);
	fd = host_open(dirfd, pb->path, fmode, cmode);
	host_cred_exit();
	if (fd < 0) {
		/* vn_open: a final symbolic link is EFTYPE, a socket EOPNOTSUPP. */
		if (-fd == 40 && (fmode & O_NOFOLLOW) != 0)
			return EFTYPE;
		if (-fd == 6)	/* Linux ENXIO: a socket */
			return EOPNOTSUPP;
		return model_errno(-fd);
	}
	host_file_info(fd, &info);
	*ret_vp = model_vnode_get(fd, &info, vtypes[info.kind]);
	if (*ret_vp == NULL) {
		host_fd_close(fd);
		return ENFILE;
	}
	model_trace()->vnodes_referenced++;
	vn_lock(*ret_vp, LK_EXCLUSIVE | LK_RETRY);
	model_opened.vp = *ret_vp;
	model_opened.hostfd = fd;
	return 0;
}

/* VOP_READLINK (ufs_readlink): the link's text into the uio. */
int
VOP_READLINK(struct vnode *vp, struct uio *uio, kauth_cred_t cred)
{
	char text[PATH_MAX];
	long n;

	(void)cred;
	if (!model_vnode_locked(vp))
		model_violation("VOP_READLINK: vnode not locked");
	if (vp->v_type != VLNK)
		return EINVAL;
	if (uio->uio_iovcnt != 1 || uio->uio_vmspace != NULL)
		return EINVAL;	/* the module reads into one kernel buffer */
	n = host_readlink(model_vnode_fd(vp, UIO_READ, true), text,
	    sizeof(text));
	if (n < 0)
		return model_errno((int)-n);
	if ((size_t)n > uio->uio_resid)
		n = (long)uio->uio_resid;
	__builtin_memcpy(uio->uio_iov->iov_base, text, (size_t)n);
	uio->uio_resid -= (size_t)n;
	uio->uio_offset += n;
	return 0;
}

void
uio_setup_sysspace(struct uio *uio)
{

	uio->uio_vmspace = NULL;	/* the model's vmspace_kernel() */
}

/*
 * sysctl: the tree under emul.linux (which compat_linux makes), as
 * kern_sysctl.c keeps it.  sysctl_createv creates a node under a path of
 * numbers (CTL_CREATE: the next free one from CREATE_BASE) and records it
 * in the caller's log; sysctl_teardown destroys the log's nodes, newest
 * first, and a node with children left is an error.  The tree lock is a
 * mutex here: sysctl(2) holds it while a node's function runs, teardown
 * takes it, so teardown waits for a running function.
 */

#define	MODEL_NSYSCTL	16
#define	MODEL_EMUL_LINUX	(-1)	/* the parent index of emul.linux */
static struct model_sysctl {
	bool		used;
	int		parent;
	struct sysctlnode node;
} model_sysctl_tree[MODEL_NSYSCTL];
static kmutex_t model_sysctl_lock;

struct sysctllog {
	int	nodes[MODEL_NSYSCTL];
	u_int	n;
};

static int
model_sysctl_child(int parent, int num, const char *name)
{
	int i;

	for (i = 0; i < MODEL_NSYSCTL; i++) {
		const struct model_sysctl *ms = &model_sysctl_tree[i];

		if (ms->used && ms->parent == parent &&
		    (name != NULL ? __builtin_strcmp(ms->node.sysctl_name,
		    name) == 0 : ms->node.sysctl_num == num))
			return i;
	}
	return -2;
}

int
(sysctl_createv)(struct sysctllog **log, int cflags,
    const struct sysctlnode **rnode, const struct sysctlnode **cnode,
    int flags, int type, const char *name, const char *desc,
    int (*func)(SYSCTLFN_PROTO), u_quad_t qv, void *newp, size_t newlen,
    ...)
{
	__builtin_va_list ap;
	struct model_sysctl *ms = NULL;
	int parent, num, next, i;
	int error = 0;

	(void)cflags, (void)desc, (void)qv;
	mutex_enter(&model_sysctl_lock);
	if (rnode != NULL) {
		parent = (const struct model_sysctl *)(const void *)
		    ((const char *)*rnode - __builtin_offsetof(struct model_sysctl,
		    node)) - model_sysctl_tree;
	} else
		parent = -3;
	__builtin_va_start(ap, newlen);
	num = __builtin_va_arg(ap, int);
	if (rnode == NULL) {
		/* From the root: only emul.linux exists in the model. */
		next = num == CTL_EOL ? CTL_EOL : __builtin_va_arg(ap, int);
		if (num == CTL_EMUL && next == EMUL_LINUX) {
			parent = MODEL_EMUL_LINUX;
			num = __builtin_va_arg(ap, int);
		} else
			error = ENOENT;
	}
	while (error == 0 && (next = __builtin_va_arg(ap, int)) != CTL_EOL) {
		if ((parent = model_sysctl_child(parent, num, NULL)) < 0)
			error = ENOENT;
		num = next;
	}
	__builtin_va_end(ap);
	if (error == 0 && model_sysctl_child(parent, 0, name) >= 0)
		error = EEXIST;
	if (error == 0 && num == CTL_CREATE) {
		for (num = CREATE_BASE; model_sysctl_child(parent, num, NULL) >= 0;)
			num++;
	}
	if (error == 0 && (type == CTLTYPE_NODE ? newlen != 0 || newp != NULL :
	    type == CTLTYPE_INT ? newlen != 0 && newlen != sizeof(int) :
	    type == CTLTYPE_STRING ? newlen == 0 && func == NULL && newp == NULL :
	    true))
		error = EINVAL;
	for (i = 0; error == 0 && ms == NULL && i < MODEL_NSYSCTL; i++) {
		if (!model_sysctl_tree[i].used)
			ms = &model_sysctl_tree[i];
	}
	if (error == 0 && ms == NULL)
		error = ENOMEM;
	if (error == 0 && *log == NULL &&
	    (*log = host_alloc(sizeof(**log))) != NULL)
		__builtin_memset(*log, 0, sizeof(**log));
	if (error == 0 && *log == NULL)
		error = ENOMEM;
	if (error == 0) {
		__builtin_memset(ms, 0, sizeof(*ms));
		ms->used = true;
		ms->parent = parent;
		ms->node.sysctl_flags = SYSCTL_VERSION | flags | type;
		ms->node.sysctl_num = num;
		__builtin_strncpy(ms->node.sysctl_name, name,
		    sizeof(ms->node.sysctl_name) - 1);
		ms->node.sysctl_data = newp;
		ms->node.sysctl_size = type == CTLTYPE_INT ? sizeof(int) :
		    newlen;
		ms->node.sysctl_func = (void *)func;
		(*log)->nodes[(*log)->n++] = ms - model_sysctl_tree;
		if (cnode != NULL)
			*cnode = &ms->node;
	}
	mutex_exit(&model_sysctl_lock);
	return error;
}

void
sysctl_teardown(struct sysctllog **log)
{

	if (log == NULL || *log == NULL)
		return;
	mutex_enter(&model_sysctl_lock);
	while ((*log)->n > 0) {
		int i = (*log)->nodes[--(*log)->n];

		if (model_sysctl_child(i, 0, NULL) >= 0 ||
		    model_sysctl_child(i, CREATE_BASE, NULL) >= 0)
			model_violation("sysctl_teardown: a node has children");
		model_sysctl_tree[i].used = false;
	}
	mutex_exit(&model_sysctl_lock);
	host_free(*log, sizeof(**log));
	*log = NULL;
}

u_int
model_sysctl_nodes(void)
{
	u_int n = 0;
	int i;

	for (i = 0; i < MODEL_NSYSCTL; i++)
		n += model_sysctl_tree[i].used;
	return n;
}

/* kern_sysctl.c's sysctl_lookup for int and string nodes, for the kernel. */
int
sysctl_lookup(SYSCTLFN_ARGS)
{
	size_t sz;
	void *d = rnode->sysctl_data;

	(void)name, (void)oname, (void)l;
	if (!mutex_owned_by_me(&model_sysctl_lock))
		model_violation("sysctl_lookup: outside sysctl(2)");
	if (newlen == 0)
		newp = NULL;
	if (SYSCTL_TYPE(rnode->sysctl_flags) == CTLTYPE_NODE || namelen != 0)
		return EINVAL;
	if ((rnode->sysctl_flags & CTLFLAG_READWRITE) == 0 && newp != NULL)
		return EPERM;
	sz = SYSCTL_TYPE(rnode->sysctl_flags) == CTLTYPE_STRING ?
	    __builtin_strlen(d) + 1 : rnode->sysctl_size;
	if (oldp != NULL)
		__builtin_memcpy(oldp, d, sz < *oldlenp ? sz : *oldlenp);
	*oldlenp = sz;
	if (newp == NULL)
		return 0;
	if (SYSCTL_TYPE(rnode->sysctl_flags) != CTLTYPE_INT) {
		model_violation("sysctl_lookup: writes only int nodes");
		return EINVAL;
	}
	if (newlen != sizeof(int))
		return EINVAL;
	__builtin_memcpy(d, newp, sizeof(int));
	return 0;
}

/*
 * sysctl(2) by name, as root: the node's function, or sysctl_lookup; and
 * ENOMEM for a buffer too small for the whole value (sys___sysctl).
 */
int
model_sysctl(const char *path, void *oldp, size_t *oldlenp, const void *newp,
    size_t newlen)
{
	const char *prefix = "emul.linux.";
	char part[SYSCTL_NAMELEN];
	int node = MODEL_EMUL_LINUX, error;
	size_t len, oldlen = oldlenp != NULL ? *oldlenp : 0, given = oldlen;
	const struct sysctlnode *rnode;

	if (__builtin_strncmp(path, prefix, __builtin_strlen(prefix)) != 0)
		return ENOENT;
	mutex_enter(&model_sysctl_lock);
	for (path += __builtin_strlen(prefix); node != -2 && *path != '\0';) {
		for (len = 0; path[len] != '\0' && path[len] != '.'; len++)
			continue;
		if (len >= sizeof(part)) {
			node = -2;
			break;
		}
		__builtin_memcpy(part, path, len);
		part[len] = '\0';
		node = model_sysctl_child(node, 0, part);
		path += len + (path[len] == '.');
	}
	if (node < 0) {
		mutex_exit(&model_sysctl_lock);
		return ENOENT;
	}
	rnode = &model_sysctl_tree[node].node;
	/* sys___sysctl passes its own oldlen, copied in and out. */
	error = rnode->sysctl_func != NULL ?
	    ((int (*)(SYSCTLFN_PROTO))rnode->sysctl_func)(NULL, 0, oldp,
		&oldlen, newp, newlen, NULL, NULL, rnode) :
	    sysctl_lookup(NULL, 0, oldp, &oldlen, newp, newlen, NULL, NULL,
		rnode);
	mutex_exit(&model_sysctl_lock);
	if (oldlenp != NULL)
		*oldlenp = oldlen;
	if (error == 0 && oldp != NULL && given < oldlen)
		error = ENOMEM;
	return error;
}

/*
 * Address spaces (uvm/uvm_extern.h): the model's, each the memory of a
 * host process (-1: none; 0: the calling thread's user process), with its
 * map's bounds from NetBSD's VM_MIN_ADDRESS (0 on amd64) to the end of the
 * host's user space (0x7ffffffff000, Linux's TASK_SIZE_MAX), and one for
 * the system processes: the kernel's.
 * A process holds a reference to its own; exit drops it, and so does exec
 * when it makes a new one.
 */
#define	MODEL_USER_START	0UL
#define	MODEL_USER_END		0x7ffffffff000UL
#define	MODEL_NVMSPACES		(2 * (MODEL_NPROCS + 1))
static struct model_vmspace {
	struct vmspace	vm;
	int		hostpid;
	bool		used;
} model_vmspaces[MODEL_NVMSPACES];
static struct vmspace model_kernel_vmspace;

static struct vmspace *
model_vmspace_new(int hostpid)
{
	struct model_vmspace *mv;
	size_t i;

	for (i = 0; i < MODEL_NVMSPACES; i++) {
		mv = &model_vmspaces[i];
		if (!__atomic_test_and_set(&mv->used, __ATOMIC_ACQUIRE)) {
			__builtin_memset(&mv->vm, 0, sizeof(mv->vm));
			mv->vm.vm_refcnt = 1;
			vm_map_setmin(&mv->vm.vm_map, MODEL_USER_START);
			vm_map_setmax(&mv->vm.vm_map, MODEL_USER_END);
			mv->hostpid = hostpid;
			return &mv->vm;
		}
	}
	model_violation("model: too many address spaces");
	return &model_kernel_vmspace;
}

static struct model_vmspace *
model_mv(struct vmspace *vm)
{
	const char *p = (const char *)vm;

	if (p < (const char *)model_vmspaces ||
	    p >= (const char *)(model_vmspaces + MODEL_NVMSPACES))
		return NULL;
	return (struct model_vmspace *)vm;
}

static void
model_vmspace_rele(struct vmspace *vm)
{
	struct model_vmspace *mv = model_mv(vm);
	int left;

	if (mv == NULL)
		return;
	left = __atomic_sub_fetch(&vm->vm_refcnt, 1, __ATOMIC_ACQ_REL);
	if (left < 0)
		model_violation("uvmspace_free: no reference left");
	else if (left == 0)
		__atomic_clear(&mv->used, __ATOMIC_RELEASE);
}

/* The model's first process, as the others are set up. */
__attribute__((constructor)) static void
model_proc_init(void)
{
	struct host_cred own;

	model_proc.p_lock = &model_px(&model_proc)->lock;
	model_proc.p_stat = SACTIVE;
	model_proc.p_stats = &model_px(&model_proc)->stats;
	model_start_time(&model_proc.p_stats->p_start);
	model_px(&model_proc)->hostfd = -1;
	host_cred_self(&own);
	model_proc.p_cred = model_cred_new(&own);
	model_proc.p_vmspace = model_vmspace_new(0);
	model_kernel_vmspace.vm_refcnt = 1;
	model_pgrp_join(&model_proc, model_proc.p_pid, model_proc.p_pid);
}

/*
 * Process groups and sessions (kern_proc.c): a group lives while it has
 * members (a zombie stays in its group until reaped), and pgrp_find finds
 * only such a one; proc_lock held.  The sessions are only told apart.
 */
static struct pgrp model_pgrps[MODEL_NPROCS + 1];
static struct session model_sessions[MODEL_NPROCS + 1];

static struct session *
model_session(pid_t sid)
{
	struct session *free = NULL;
	size_t i;

	for (i = 0; i < __arraycount(model_sessions); i++) {
		if (model_sessions[i].s_count > 0 &&
		    model_sessions[i].s_sid == sid)
			return &model_sessions[i];
		if (model_sessions[i].s_count == 0 && free == NULL)
			free = &model_sessions[i];
	}
	if (free != NULL)
		free->s_sid = sid;
	return free;
}

static void
model_pgrp_join(struct proc *p, pid_t pgid, pid_t sid)
{
	struct pgrp *pg = NULL, *free = NULL;
	size_t i;

	for (i = 0; i < __arraycount(model_pgrps) && pg == NULL; i++) {
		if (!LIST_EMPTY(&model_pgrps[i].pg_members) &&
		    model_pgrps[i].pg_id == pgid)
			pg = &model_pgrps[i];
		else if (LIST_EMPTY(&model_pgrps[i].pg_members) && free == NULL)
			free = &model_pgrps[i];
	}
	if (pg == NULL && (pg = free) != NULL) {
		pg->pg_id = pgid;
		if ((pg->pg_session = model_session(sid)) != NULL)
			pg->pg_session->s_count++;
	}
	if (pg == NULL || pg->pg_session == NULL) {
		model_violation("model: too many process groups");
		return;
	}
	LIST_INSERT_HEAD(&pg->pg_members, p, p_pglist);
	p->p_pgrp = pg;
}

static void
model_pgrp_leave(struct proc *p)
{
	struct pgrp *pg = p->p_pgrp;

	if (pg == NULL)
		return;
	LIST_REMOVE(p, p_pglist);
	p->p_pgrp = NULL;
	if (LIST_EMPTY(&pg->pg_members))
		pg->pg_session->s_count--;
}

void
model_proc_set_pgrp(int pid, int pgid, int sid)
{
	struct proc *p;

	mutex_enter(&proc_lock);
	p = pid == 0 ? &model_proc : model_proc_lookup(pid);
	if (p != NULL) {
		model_pgrp_leave(p);
		model_pgrp_join(p, pgid, sid);
	}
	mutex_exit(&proc_lock);
}

/*
 * pgrp_find: for linuxrun, the host's members of the group are the
 * model's first.
 */
struct pgrp *
pgrp_find(pid_t pgid)
{
	int members[MODEL_NPROCS];
	int i, n;

	if (!mutex_owned_by_me(&proc_lock))
		model_violation("pgrp_find: proc_lock not held");
	if (model_hosted()) {
		n = host_pgrp_members(pgid, members, MODEL_NPROCS);
		for (i = 0; i < n; i++)
			(void)model_proc_host(members[i], 0);
	}
	for (i = 0; i < (int)__arraycount(model_pgrps); i++) {
		if (!LIST_EMPTY(&model_pgrps[i].pg_members) &&
		    model_pgrps[i].pg_id == pgid)
			return &model_pgrps[i];
	}
	return NULL;
}

/*
 * What the host did to its processes since the model last looked: an
 * exit runs exit1's part (model_exit1), a reaping proc_free's.  Called
 * with no lock held, by one thread at a time (host_sync_begin).
 */
void
model_proc_sync(void)
{
	struct proc *exited[MODEL_NPROCS], *reaped[MODEL_NPROCS];
	size_t i, nexited = 0, nreaped = 0;
	enum host_pidfd_state state;

	host_sync_begin();
	mutex_enter(&proc_lock);
	for (i = 0; i < MODEL_NPROCS; i++) {
		struct proc *p = &model_procs[i];

		if (p->p_pid == 0 || !model_px(p)->host)
			continue;
		state = host_pidfd_state(model_px(p)->hostfd);
		if (state != HOST_PIDFD_LIVE && p->p_stat != SZOMB)
			exited[nexited++] = p;
		if (state == HOST_PIDFD_REAPED)
			reaped[nreaped++] = p;
	}
	mutex_exit(&proc_lock);
	for (i = 0; i < nexited; i++)
		model_exit1(exited[i]);
	mutex_enter(&proc_lock);
	for (i = 0; i < nreaped; i++)
		model_proc_free(reaped[i]);
	mutex_exit(&proc_lock);
	host_sync_end();
}

static void
kauth_cred_free_internal(kauth_cred_t cred)
{

	if (--cred->refs == 0)
		host_free(cred, sizeof(*cred));
}

/* The host process a process stands for (0: the user process). */
static int
model_hostpid(const struct proc *p)
{

	if (p == &model_proc)
		return 0;
	return model_px(p)->host ? p->p_pid : -1;
}

/* Takes on the host's view of host process p. */
static void
model_proc_from_host(struct proc *p, const struct host_proc *hp, int depth)
{

	p->p_cred->ids = hp->cred;
	p->p_flag = (p->p_flag & ~(PK_SUGID | PK_SYSTEM)) |
	    (hp->sugid ? PK_SUGID : 0) | (hp->kthread ? PK_SYSTEM : 0);
	if (hp->kthread && p->p_vmspace != &model_kernel_vmspace) {
		model_vmspace_rele(p->p_vmspace);
		p->p_vmspace = &model_kernel_vmspace;
	}
	p->p_pptr = hp->ppid > 1 && hp->ppid != host_self_pid() && depth < 8 ?
	    model_proc_host(hp->ppid, depth + 1) : NULL;
}

/*
 * The host process (thread group) of host ID `id`, in the table, made if
 * need be (a zombie, if it has exited); NULL if the host has none.  What
 * becomes of one the table has is model_proc_sync's: a lookup changes
 * nothing of it but what the host says of a live one.  proc_lock held.
 */
static struct proc *
model_proc_host(pid_t id, int depth)
{
	struct host_proc hp;
	struct proc *p;

	if (host_proc_info(id, &hp) != 0)
		return NULL;
	p = model_proc_lookup(hp.tgid);
	if (p == NULL && (p = model_proc_alloc(hp.tgid, &hp)) == NULL)
		return NULL;
	if (model_px(p)->host && !hp.zombie &&
	    (p->p_stat == SACTIVE || p->p_stat == SSTOP))
		model_proc_from_host(p, &hp, depth);
	return p;
}

/*
 * proc_find_lwpid (kern_proc.c): by process or LWP ID, only processes
 * that live (SACTIVE, SSTOP); proc_lock held.  Host processes are looked
 * up afresh; the unit tests' own ones in the table, and the first process
 * by its ID unless linuxrun's processes are the user ones.
 */
proc_t *
proc_find_lwpid(pid_t id)
{
	struct proc *p;

	if (!mutex_owned_by_me(&proc_lock))
		model_violation("proc_find_lwpid: proc_lock not held");
	if (id <= 0)
		return NULL;
	if (!model_hosted() && id == model_proc.p_pid)
		return &model_proc;
	p = model_proc_lookup(id);
	if (p == NULL || model_px(p)->host)
		p = model_proc_host(id, 0);
	return p != NULL && (p->p_stat == SACTIVE || p->p_stat == SSTOP) ?
	    p : NULL;
}

static struct proc *
model_curproc(void)
{

	return model_curlwp != NULL ? model_curlwp->l_proc : NULL;
}

static bool model_rw_held_by_me(krwlock_t *);

bool
model_proc_held(struct proc *p)
{

	return p == model_curproc() || model_rw_held_by_me(&p->p_reflock);
}

int
model_proc_hostfd(struct proc *p)
{

	if (p == &model_proc && !model_hosted())
		return MODEL_PROC_SELF;
	return model_px(p)->host ? model_px(p)->hostfd : -1;
}

/*
 * Readers-writer locks (rwlock(9)): free 0, a writer's token with bit 0
 * set, or twice the number of readers.  Each thread knows the locks it
 * reads, so that a rule "p_reflock held" can be checked.
 */
static __thread krwlock_t *model_reading[8];

static bool
model_rw_held_by_me(krwlock_t *rw)
{
	uintptr_t owner = __atomic_load_n(&rw->rw_owner, __ATOMIC_RELAXED);
	size_t i;

	if (owner == ((uintptr_t)&model_thread_token | 1))
		return true;
	for (i = 0; i < __arraycount(model_reading); i++) {
		if (model_reading[i] == rw)
			return true;
	}
	return false;
}

static bool
model_rw_try(krwlock_t *rw, const krw_t op)
{
	uintptr_t owner = __atomic_load_n(&rw->rw_owner, __ATOMIC_RELAXED);
	size_t i;

	if (op == RW_WRITER) {
		owner = 0;
		if (!__atomic_compare_exchange_n(&rw->rw_owner, &owner,
		    (uintptr_t)&model_thread_token | 1, false, __ATOMIC_ACQUIRE,
		    __ATOMIC_RELAXED))
			return false;
	} else {
		if ((owner & 1) != 0 ||
		    !__atomic_compare_exchange_n(&rw->rw_owner, &owner,
		    owner + 2, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return false;
		for (i = 0; i < __arraycount(model_reading); i++) {
			if (model_reading[i] == NULL) {
				model_reading[i] = rw;
				break;
			}
		}
	}
	model_trace()->rwlocks_held++;
	return true;
}

static void
model_rw_enter(krwlock_t *rw, const krw_t op)
{

	model_assert_sleepable("rw_enter: a mutex is held (it may sleep)");
	if (model_rw_held_by_me(rw))
		model_violation("rw_enter: already held by this thread");
	while (!model_rw_try(rw, op))
		host_yield();
}

static void
model_rw_exit(krwlock_t *rw)
{
	uintptr_t owner = __atomic_load_n(&rw->rw_owner, __ATOMIC_RELAXED);
	size_t i;

	if (!model_rw_held_by_me(rw)) {
		model_violation("rw_exit: not held by this thread");
		return;
	}
	model_trace()->rwlocks_held--;
	if ((owner & 1) != 0) {
		__atomic_store_n(&rw->rw_owner, 0, __ATOMIC_RELEASE);
		return;
	}
	for (i = 0; i < __arraycount(model_reading); i++) {
		if (model_reading[i] == rw) {
			model_reading[i] = NULL;
			break;
		}
	}
	__atomic_sub_fetch(&rw->rw_owner, 2, __ATOMIC_RELEASE);
}

/* rw_tryenter does not sleep: allowed under a mutex (proc_lock). */
int
rw_tryenter(krwlock_t *rw, const krw_t op)
{

	if (model_rw_held_by_me(rw)) {
		model_violation("rw_tryenter: already held by this thread");
		return 0;
	}
	return model_rw_try(rw, op);
}

void
rw_init(krwlock_t *rw)
{

	rw->rw_owner = 0;
}

void
rw_destroy(krwlock_t *rw)
{

	if (rw->rw_owner != 0)
		model_violation("rw_destroy: held");
}

/*
 * kauth(9)'s process scope as NetBSD's listeners answer the requests the
 * module makes: the superuser (effective user ID 0, secmodel_suser) may
 * see, trace, signal and go past limits; ptrace's listener
 * (sys_ptrace_common.c) lets a caller attach to a process of its own real
 * user ID that has not changed IDs (PK_SUGID); the signal listener
 * (kern_sig.c) lets a caller signal a process one of whose real or
 * effective user IDs is one of its own (kauth_cred_uidmatch), and send
 * SIGCONT within its session; the process listener (kern_proc.c) lets
 * anyone see a process's entry.  securelevel (secmodel_securelevel.c)
 * denies tracing init above -1, as a multi-user system runs at 1: the
 * host's init, for linuxrun (the unit tests' first process is the tests'
 * own).  Not modelled: security.curtain.  Callers hold the process's
 * p_lock, which protects p_cred, as ptrace_find, do_ptrace and kill1 hold
 * it; the credential is the calling LWP's (kauth_cred_get()).
 */
int
kauth_authorize_process(kauth_cred_t cred, kauth_action_t action,
    struct proc *p, void *arg1, void *arg2, void *arg3)
{
	unsigned long req = (unsigned long)arg1;
	bool root = cred->ids.euid == 0, allow = false;
	const struct host_cred *c = &cred->ids, *t = &p->p_cred->ids;
	struct proc *cur = model_curproc();

	(void)arg2, (void)arg3;
	if ((action == KAUTH_PROCESS_CANSEE || action == KAUTH_PROCESS_PTRACE ||
	    action == KAUTH_PROCESS_SIGNAL) && !mutex_owned_by_me(p->p_lock))
		model_violation("kauth_authorize_process: p_lock not held");
	if (model_curlwp != NULL && cred != model_curlwp->l_cred)
		model_violation("kauth_authorize_process: not the calling "
		    "LWP's credential");
	switch (action) {
	case KAUTH_PROCESS_CANSEE:
		allow = req == KAUTH_REQ_PROCESS_CANSEE_ENTRY;
		break;
	case KAUTH_PROCESS_PTRACE:
		allow = root || (req == PT_ATTACH &&
		    cred->ids.uid == p->p_cred->ids.uid &&
		    (p->p_flag & PK_SUGID) == 0);
		if (model_px(p)->host && p->p_pid == 1)
			allow = false;
		break;
	case KAUTH_PROCESS_SIGNAL:
		allow = root || c->uid == t->uid || c->euid == t->uid ||
		    c->uid == t->euid || c->euid == t->euid ||
		    (req == SIGCONT && cur != NULL && cur->p_pgrp != NULL &&
		    p->p_pgrp != NULL && cur->p_session == p->p_session);
		break;
	case KAUTH_PROCESS_RLIMIT:
		allow = root && req == KAUTH_REQ_PROCESS_RLIMIT_BYPASS;
		break;
	default:
		model_violation("kauth_authorize_process: an action the "
		    "model does not know");
	}
	return allow ? 0 : EPERM;
}

/* proc_isunder (kern_proc.c): takes the processes' cwdi locks. */
int
proc_isunder(struct proc *p, struct lwp *l)
{
	int pid = model_hostpid(p), under = model_hostpid(l->l_proc);

	model_assert_sleepable("proc_isunder: a mutex is held");
	if (pid < 0 || under < 0)
		return 1;	/* the tests' own processes have no roots */
	return host_root_isunder(pid == 0 ? host_user_pid_now() : pid,
	    under == 0 ? host_user_pid_now() : under);
}

/*
 * proc_vmspace_getref (kern_proc.c 1.263): EFAULT for an exiting process or
 * a vmspace without references.  Its callers hold p_reflock (copy_procargs,
 * procfs), which is what keeps p_vmspace from an exec or exit meanwhile.
 */
int
proc_vmspace_getref(struct proc *p, struct vmspace **vmp)
{

	if (p != model_curproc() && !model_rw_held_by_me(&p->p_reflock))
		model_violation("proc_vmspace_getref: p_reflock not held");
	if ((p != model_curproc() && (p->p_sflag & PS_WEXIT) != 0) ||
	    p->p_vmspace->vm_refcnt < 1)
		return EFAULT;
	__atomic_add_fetch(&p->p_vmspace->vm_refcnt, 1, __ATOMIC_RELAXED);
	*vmp = p->p_vmspace;
	model_trace()->vmspaces_held++;
	return 0;
}

void
uvmspace_free(struct vmspace *vm)
{

	model_assert_sleepable("uvmspace_free: a mutex is held");
	model_trace()->vmspaces_held--;
	model_vmspace_rele(vm);
}

/*
 * uvm_io (uvm_io.c): nothing at or past the end of user space, and no
 * word of it (0 for a range that starts there, the rest cut off for one
 * that reaches it: "EOF truncate"); EIO for a range that wraps; else the
 * range a chunk of up to MAXBSIZE (64 KiB) at a time, each extracted from
 * the map whole or not at all (UVM_EXTRACT_CONTIG): the first chunk that
 * is not all mapped (or, to write, writable) fails the rest.
 */
#define	MODEL_MAXBSIZE	65536UL
static int
model_uvm_io(struct model_vmspace *mv, unsigned long base, char *kaddr,
    size_t len, bool write)
{
	unsigned long end = vm_map_max(&mv->vm.vm_map), off;
	size_t togo = len, chunk, sz;
	long n;

	if (base + (togo - 1) < base)
		return EIO;
	if (base >= end)
		return 0;
	if (base + (togo - 1) >= end)
		togo -= base + togo - end;
	off = base & PAGE_MASK;
	base -= off;
	chunk = (togo + off + PAGE_MASK) & ~(size_t)PAGE_MASK;
	if (chunk > MODEL_MAXBSIZE)
		chunk = MODEL_MAXBSIZE;
	for (; togo > 0; off = 0, base += chunk) {
		sz = chunk - off < togo ? chunk - off : togo;
		n = mv->hostpid < 0 ? -EFAULT :
		    host_vm_rw(mv->hostpid, kaddr, base + off, sz, write);
		if (n != (long)sz)
			return EFAULT;
		kaddr += sz;
		togo -= sz;
	}
	return 0;
}

static int
model_vmspace_io(struct vmspace *vm, unsigned long uaddr, void *kaddr,
    size_t len, bool write)
{
	struct model_vmspace *mv = model_mv(vm);
	struct proc *cur = model_curproc();

	model_assert_sleepable("copyin_vmspace: a mutex is held");
	model_trace()->vmspace_ios++;
	if (len == 0)
		return 0;
	if (vm == &model_kernel_vmspace || mv == NULL) {
		/* NetBSD would kcopy: a kernel address, from a user one. */
		model_violation("copyin_vmspace: the kernel's address space");
		return EFAULT;
	}
	if (vm->vm_refcnt < 1)
		model_violation("copyin_vmspace: an address space freed");
	if (cur != NULL && vm == cur->p_vmspace)
		return write ? copyout(kaddr, (void *)uaddr, len) :
		    copyin((const void *)uaddr, kaddr, len);
	return model_uvm_io(mv, uaddr, kaddr, len, write);
}

int
copyin_vmspace(struct vmspace *vm, const void *uaddr, void *kaddr, size_t len)
{

	return model_vmspace_io(vm, (unsigned long)uaddr, kaddr, len, false);
}

int
copyout_vmspace(struct vmspace *vm, const void *kaddr, void *uaddr, size_t len)
{

	return model_vmspace_io(vm, (unsigned long)uaddr, (void *)(uintptr_t)kaddr,
	    len, true);
}

/*
 * kpause (kern_synch.c): sleeps timo ticks; EWOULDBLOCK when they have
 * passed (sleepq_block), EINTR for a signal if intr.
 */
int
kpause(const char *wmesg, bool intr, int timo, kmutex_t *mtx)
{
	long long until = host_uptime_us() + (long long)timo * 1000000 / hz;

	(void)wmesg;
	if (mtx != NULL)
		model_violation("kpause: the module passes no interlock");
	model_assert_sleepable("kpause: a mutex is held");
	if (++model_trace()->kpauses == model_trace()->signal_at_kpause)
		host_post_sigusr1();
	while (host_uptime_us() < until) {
		if (intr && host_signal_pending())
			return EINTR;
		host_yield();
	}
	return EWOULDBLOCK;
}

/*
 * Process-specific data (kern_proc.c over subr_specificdata.c): a key's
 * destructor runs, under the domain lock, for each datum when its process
 * is freed, and for every datum when the key is deleted.
 */
static kmutex_t model_sd_lock;
static specificdata_dtor_t model_sd_dtors[MODEL_NKEYS];

int
proc_specific_key_create(specificdata_key_t *keyp, specificdata_dtor_t dtor)
{
	specificdata_key_t key;

	model_assert_sleepable("proc_specific_key_create: a mutex is held");
	mutex_enter(&model_sd_lock);
	for (key = 0; key < MODEL_NKEYS && model_sd_dtors[key] != NULL; key++)
		continue;
	if (key < MODEL_NKEYS)
		model_sd_dtors[key] = dtor;
	mutex_exit(&model_sd_lock);
	if (key == MODEL_NKEYS)
		return ENOMEM;
	*keyp = key;
	return 0;
}

static void
model_specific_destroy(struct proc *p, specificdata_key_t key)
{
	void *data = model_px(p)->specific[key];

	if (data != NULL) {
		model_px(p)->specific[key] = NULL;
		model_sd_dtors[key](data);
	}
}

void
proc_specific_key_delete(specificdata_key_t key)
{
	size_t i;

	model_assert_sleepable("proc_specific_key_delete: a mutex is held");
	mutex_enter(&model_sd_lock);
	if (key < MODEL_NKEYS && model_sd_dtors[key] != NULL) {
		model_specific_destroy(&model_proc, key);
		for (i = 0; i < MODEL_NPROCS; i++) {
			if (model_procs[i].p_pid != 0)
				model_specific_destroy(&model_procs[i], key);
		}
		model_sd_dtors[key] = NULL;
	} else
		model_violation("proc_specific_key_delete: not a key");
	mutex_exit(&model_sd_lock);
}

static void
model_specific_fini(struct proc *p)
{
	specificdata_key_t key;

	mutex_enter(&model_sd_lock);
	for (key = 0; key < MODEL_NKEYS; key++) {
		if (model_sd_dtors[key] != NULL)
			model_specific_destroy(p, key);
	}
	mutex_exit(&model_sd_lock);
}

void *
proc_getspecific(struct proc *p, specificdata_key_t key)
{

	if (key >= MODEL_NKEYS || model_sd_dtors[key] == NULL) {
		model_violation("proc_getspecific: not a key");
		return NULL;
	}
	return __atomic_load_n(&model_px(p)->specific[key], __ATOMIC_ACQUIRE);
}

/* It may allocate the process's container: it may sleep. */
void
proc_setspecific(struct proc *p, specificdata_key_t key, void *data)
{

	model_assert_sleepable("proc_setspecific: a mutex is held");
	if (key >= MODEL_NKEYS || model_sd_dtors[key] == NULL) {
		model_violation("proc_setspecific: not a key");
		return;
	}
	__atomic_store_n(&model_px(p)->specific[key], data, __ATOMIC_RELEASE);
}

bool
model_proc_has_specific(int pid)
{
	struct proc *p = pid == 0 ? &model_proc : NULL;
	bool has = false;
	size_t key;

	mutex_enter(&proc_lock);
	if (p == NULL)
		p = model_proc_lookup(pid);
	for (key = 0; p != NULL && key < MODEL_NKEYS; key++)
		has |= model_px(p)->specific[key] != NULL;
	mutex_exit(&proc_lock);
	return has;
}

u_int
model_specific_keys(void)
{
	u_int n = 0;
	size_t key;

	for (key = 0; key < MODEL_NKEYS; key++)
		n += model_sd_dtors[key] != NULL;
	return n;
}

/*
 * Exec hooks (kern_hook.c): a list that execve walks unlocked, with
 * exec_lock held as reader.  The module changes the list only with
 * exec_lock held as writer, so that no exec walks it meanwhile; the model
 * holds it to that.
 */
krwlock_t exec_lock;
#define	MODEL_NHOOKS	4
static struct model_hook {
	void	(*fn)(struct proc *, void *);
	void	*arg;
} model_exechooks_list[MODEL_NHOOKS];

void *
exechook_establish(void (*fn)(struct proc *, void *), void *arg)
{
	size_t i;

	if (__atomic_load_n(&exec_lock.rw_owner, __ATOMIC_RELAXED) !=
	    ((uintptr_t)&model_thread_token | 1))
		model_violation("exechook_establish: exec_lock not written");
	for (i = 0; i < MODEL_NHOOKS; i++) {
		if (model_exechooks_list[i].fn == NULL) {
			model_exechooks_list[i].fn = fn;
			model_exechooks_list[i].arg = arg;
			return &model_exechooks_list[i];
		}
	}
	return NULL;
}

void
exechook_disestablish(void *vhook)
{
	struct model_hook *hook = vhook;

	if (__atomic_load_n(&exec_lock.rw_owner, __ATOMIC_RELAXED) !=
	    ((uintptr_t)&model_thread_token | 1))
		model_violation("exechook_disestablish: exec_lock not written");
	if (hook == NULL || hook->fn == NULL)
		model_violation("exechook_disestablish: not established");
	else
		hook->fn = NULL;
}

u_int
model_exechooks(void)
{
	u_int n = 0;
	size_t i;

	for (i = 0; i < MODEL_NHOOKS; i++)
		n += model_exechooks_list[i].fn != NULL;
	return n;
}

/*
 * execve for process pid, as far as the module can tell: exec_lock as
 * reader, p_reflock as writer (execve_loadvm), uvmspace_exec's new address
 * space when the old one has other references, then doexechooks.
 */
void
model_process_exec(int pid)
{
	struct proc *p;
	size_t i;

	/* Every process has its struct proc: a host one is made if need be. */
	mutex_enter(&proc_lock);
	p = pid == 0 ? &model_proc : model_proc_lookup(pid);
	if (p == NULL)
		p = model_proc_host(pid, 0);
	mutex_exit(&proc_lock);
	if (p == NULL)
		return;
	model_rw_enter(&exec_lock, RW_READER);
	model_rw_enter(&p->p_reflock, RW_WRITER);
	if (p->p_vmspace->vm_refcnt > 1 &&
	    p->p_vmspace != &model_kernel_vmspace) {
		struct vmspace *old = p->p_vmspace;

		p->p_vmspace = model_vmspace_new(model_mv(old)->hostpid);
		model_vmspace_rele(old);
	}
	for (i = 0; i < MODEL_NHOOKS; i++) {
		if (model_exechooks_list[i].fn != NULL)
			model_exechooks_list[i].fn(p,
			    model_exechooks_list[i].arg);
	}
	model_rw_exit(&p->p_reflock);
	model_rw_exit(&exec_lock);
}

void
model_proc_hold_exec(int pid, bool hold)
{
	struct proc *p;

	mutex_enter(&proc_lock);
	p = model_proc_lookup(pid);
	mutex_exit(&proc_lock);
	if (p == NULL)
		return;
	if (hold)
		model_rw_enter(&p->p_reflock, RW_WRITER);
	else
		model_rw_exit(&p->p_reflock);
}

void
model_lwp_set_host_process(struct lwp *l, int pid)
{
	struct proc *p;

	mutex_enter(&proc_lock);
	p = model_proc_host(pid, 0);
	mutex_exit(&proc_lock);
	if (p != NULL)
		l->l_proc = p;
	else
		model_violation("model_lwp_set_host_process: no such process");
}

static struct proc *
model_proc_get(int pid)
{
	struct proc *p;

	mutex_enter(&proc_lock);
	p = pid == 0 ? &model_proc : model_proc_lookup(pid);
	if (p == NULL)
		p = model_proc_alloc(pid, false);
	mutex_exit(&proc_lock);
	return p;
}

void
model_proc_set_parent(int pid, int ppid)
{
	struct proc *p = model_proc_get(pid), *pp = model_proc_get(ppid);

	if (p != NULL)
		p->p_pptr = pp;
}

void
model_proc_set_cred(int pid, const struct host_cred *ids)
{
	struct proc *p = model_proc_get(pid);

	if (p != NULL)
		p->p_cred->ids = *ids;
}

void
model_proc_set_flags(int pid, bool sugid, bool system)
{
	struct proc *p = model_proc_get(pid);

	if (p == NULL)
		return;
	p->p_flag = (sugid ? PK_SUGID : 0) | (system ? PK_SYSTEM : 0);
	if (system && p->p_vmspace != &model_kernel_vmspace) {
		model_vmspace_rele(p->p_vmspace);
		p->p_vmspace = &model_kernel_vmspace;
	}
}

/* atomic_ops(3), as the kernel's: full barriers. */
u_int
atomic_cas_uint(volatile u_int *p, u_int expected, u_int new)
{

	__atomic_compare_exchange_n(p, &expected, new, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return expected;
}

u_int
atomic_swap_uint(volatile u_int *p, u_int new)
{

	return __atomic_exchange_n(p, new, __ATOMIC_SEQ_CST);
}

void
atomic_inc_uint(volatile u_int *p)
{

	__atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}

void
atomic_dec_uint(volatile u_int *p)
{

	if (__atomic_fetch_sub(p, 1, __ATOMIC_SEQ_CST) == 0)
		model_violation("atomic_dec_uint: below zero");
}

void
membar_sync(void)
{

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * mlock(2), sys_mlock (uvm_mmap.c): the range rounded out to pages and
 * range_test'ed against the process's map (EINVAL, as the 2016 text has
 * it); EAGAIN past the system's wired pages (a third of the machine's,
 * uvm_init's wiredmax) or, counting the process's wired pages, past its
 * soft RLIMIT_MEMLOCK, for anyone; then uvm_map_pageable wires the pages,
 * failing on a hole with EFAULT, which sys_mlock turns into ENOMEM.  The
 * wiring is the host's mlock: of this process at once, or, for a process
 * linuxrun traces, recorded for linuxrun to have the process make.
 */
int
sys_mlock(struct lwp *l, const struct sys_mlock_args *uap, register_t *retval)
{
	struct model_trace *t = model_trace();
	struct vm_map *map = &l->l_proc->p_vmspace->vm_map;
	int pid = model_hostpid(l->l_proc);
	unsigned long addr = (unsigned long)SCARG(uap, addr), size, off;
	int error;

	(void)retval;
	model_assert_sleepable("sys_mlock: a mutex is held");
	off = addr & PAGE_MASK;
	addr -= off;
	size = (SCARG(uap, len) + off + PAGE_MASK) & ~(unsigned long)PAGE_MASK;
	if (addr < vm_map_min(map) || addr + size > vm_map_max(map) ||
	    addr > addr + size)
		return EINVAL;
	if (size / PAGE_SIZE > host_phys_pages() / 3)
		return EAGAIN;
	if (size + host_locked_bytes(pid < 0 ? 0 : pid) >
	    l->l_proc->p_rlimit[RLIMIT_MEMLOCK].rlim_cur)
		return EAGAIN;
	if (!host_range_mapped(pid < 0 ? 0 : pid, addr, addr + size))
		return ENOMEM;
	t->mlocks++;
	t->mlock_start = addr;
	t->mlock_len = size;
	if (host_user_traced() || size == 0)
		return 0;
	error = host_mlock(addr, size);
	return error == 0 ? 0 : error == 11 ? EAGAIN : model_errno(error);
}

bool
model_mlock_request(unsigned long *start, size_t *len)
{
	struct model_trace *t = model_trace();

	if (t->mlocks == 0 || t->mlock_len == 0)
		return false;
	*start = t->mlock_start;
	*len = t->mlock_len;
	return true;
}

/*
 * Signals.  compat_linux's Linux-to-NetBSD signal numbers on amd64
 * (linux_sigarray.c 1.3): the same for 1 to 31 but SIGSTKFLT (none),
 * Linux's real-time signals 32 to 62 on NetBSD's 33 (SIGRTMIN) to 63, and
 * none for 63.
 */
#define	MODEL_LINUX_SIGRTMIN	32
const int linux_to_native_signo[CLRS_LINUX_NSIG] = {
	0, SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS,
	SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
	0, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG,
	SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS,
	[MODEL_LINUX_SIGRTMIN] = SIGRTMIN,
	SIGRTMIN + 1, SIGRTMIN + 2, SIGRTMIN + 3, SIGRTMIN + 4, SIGRTMIN + 5,
	SIGRTMIN + 6, SIGRTMIN + 7, SIGRTMIN + 8, SIGRTMIN + 9, SIGRTMIN + 10,
	SIGRTMIN + 11, SIGRTMIN + 12, SIGRTMIN + 13, SIGRTMIN + 14,
	SIGRTMIN + 15, SIGRTMIN + 16, SIGRTMIN + 17, SIGRTMIN + 18,
	SIGRTMIN + 19, SIGRTMIN + 20, SIGRTMIN + 21, SIGRTMIN + 22,
	SIGRTMIN + 23, SIGRTMIN + 24, SIGRTMIN + 25, SIGRTMIN + 26,
	SIGRTMIN + 27, SIGRTMIN + 28, SIGRTMIN + 29, SIGRTMIN + 30,
	[CLRS_LINUX_NSIG - 1] = 0,
};

/* native_to_linux_signo: the inverse, 0 where Linux has none. */
static int
model_linux_signo(int sig)
{
	int lsig;

	for (lsig = 1; lsig < CLRS_LINUX_NSIG; lsig++) {
		if (linux_to_native_signo[lsig] == sig)
			return lsig;
	}
	return 0;
}

/*
 * The siginfo a Linux process gets for ksi on NetBSD: compat_linux's
 * native_to_linux_siginfo and native_to_linux_si_code (linux_signal.c),
 * into Linux's 128-byte siginfo_t (si_signo, si_errno, si_code, then the
 * union at 16: pid and uid, then the value, status or band at 24).
 */
static void
model_linux_siginfo(const struct _ksiginfo *ksi, int32_t lsi[32])
{
	/* NetBSD's SI_USER ... SI_LWP (0 to -5) as Linux numbers them. */
	static const int codes[] = { 0, -1, -2, -4, -3, -6 };
	int64_t *word = (int64_t *)(void *)&lsi[6];

	__builtin_memset(lsi, 0, 32 * sizeof(lsi[0]));
	lsi[0] = model_linux_signo(ksi->_signo);
	lsi[1] = ksi->_errno > 0 && ksi->_errno <= ERANGE ? ksi->_errno : 0;
	lsi[2] = ksi->_code <= 0 && -ksi->_code < (int)__arraycount(codes) ?
	    codes[-ksi->_code] : ksi->_code;
	switch (ksi->_code) {
	case SI_NOINFO:
		break;
	case SI_USER:
		lsi[4] = ksi->_reason._rt._pid;
		lsi[5] = ksi->_reason._rt._uid;
		if (lsi[0] == 14 || lsi[0] >= MODEL_LINUX_SIGRTMIN)
			*word = (int64_t)(intptr_t)ksi->_reason._rt._value.sival_ptr;
		break;
	case SI_TIMER:
	case SI_QUEUE:
		lsi[5] = ksi->_reason._rt._uid;
		*word = (int64_t)(intptr_t)ksi->_reason._rt._value.sival_ptr;
		break;
	case SI_ASYNCIO:
	case SI_MESGQ:
		*word = (int64_t)(intptr_t)ksi->_reason._rt._value.sival_ptr;
		break;
	default:
		/* The module sends neither child, fault nor poll codes. */
		break;
	}
}

/*
 * kpsignal2 (kern_sig.c): with proc_lock and the process's p_lock held;
 * a process that is not live (SIDL, SDYING, SZOMB) drops the signal, and
 * so does a process without the LWP a directed one names (lwp_find).
 * Recorded for the tests; a host process gets it from the host as the
 * Linux process would on NetBSD (model_linux_siginfo).
 */
int
kpsignal2(struct proc *p, ksiginfo_t *ksi)
{
	struct model_trace *t = model_trace();
	int32_t lsi[32];

	if (!mutex_owned_by_me(&proc_lock) || !mutex_owned_by_me(p->p_lock))
		model_violation("kpsignal2: proc_lock or p_lock not held");
	if (ksi->ksi_info._signo <= 0 || ksi->ksi_info._signo >= NSIG)
		model_violation("kpsignal2: not a signal");
	if (p->p_stat != SACTIVE && p->p_stat != SSTOP)
		return 0;
	t->signals++;
	t->signal_pid = p->p_pid;
	t->signal_lid = ksi->ksi_lid;
	t->signal_info = ksi->ksi_info;
	if (model_px(p)->host) {
		model_linux_siginfo(&ksi->ksi_info, lsi);
		host_signal_deliver(p->p_pid, ksi->ksi_lid, lsi);
	}
	return 0;
}

/* x86_curlwp (amd64/cpufunc.S), which a module's curlwp calls. */
lwp_t *
x86_curlwp(void)
{

	return model_curlwp;
}

/* The LWP the calling thread runs as from now on. */
void
model_lwp_current(struct lwp *l)
{

	model_curlwp = l;
}

/* The LWP's ID: linuxrun's thread ID, or what a test gives it. */
void
model_lwp_set_lid(struct lwp *l, int lid)
{

	l->l_lid = lid;
}

static bool
model_is_private_lock(kmutex_t *mtx)
{

	return mtx == &model_vnodes_lock || mtx == &model_mounts_lock ||
	    mtx == &model_sysctl_lock || mtx == &model_cwdi_lock ||
	    model_is_files_lock(mtx);
}
