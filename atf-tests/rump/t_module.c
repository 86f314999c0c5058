/*
 * t_module: compat_linux_rs as a module file, loaded by the rump kernel's
 * kobj and module framework through modctl(2): the version check on the
 * shipped .kmod, INIT installing the handlers, FINI refusing while a call
 * is inside the module or a pidfd is open (EBUSY), and succeeding after
 * the call returns or the pidfd is closed.
 *
 * The module file here ("kmod") is linked from the same Rust objects and
 * C glue as the shipped one, with the glue compiled for this rump kernel
 * and finished the same way (ffi/kmodule.ld, tools/kobj-relocs).
 */

#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h_rump.h"

#ifdef __NetBSD__
#include <sys/module.h>
#else
/* sys/sys/module.h of NetBSD. */
typedef struct modctl_load {
	const char	*ml_filename;
	int		ml_flags;
	const char	*ml_props;
	size_t		ml_propslen;
} modctl_load_t;
enum modctl { MODCTL_LOAD, MODCTL_UNLOAD };
#endif

#define	MODNAME		"compat_linux_rs"
#define	MODPATH		"/" MODNAME ".kmod"
#define	OVERRIDE_FALSE	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"	\
	"<plist version=\"1.0\"><dict><key>override</key><false/></dict>"	\
	"</plist>"

/* The module's calls: number and the slot they take. */
static const unsigned long calls[] = {
	NR_SEMTIMEDOP, NR_SYNC_FILE_RANGE, NR_SYNCFS, NR_GETCPU,
	NR_RENAMEAT2, NR_COPY_FILE_RANGE, NR_CLONE3, NR_FACCESSAT2,
};
#define	NCALLS	(sizeof(calls) / sizeof(calls[0]))

/* What compat_linux's own table holds in each of those slots. */
static int
empty_slot(unsigned long nr)
{

	return rump_clrs_compat_has(nr) ? CLRS_SLOT_COMPAT : CLRS_SLOT_NOSYS;
}

static void
check_slots(int ours, int override)
{
	size_t i;
	int want;

	for (i = 0; i < NCALLS; i++) {
		want = empty_slot(calls[i]);
		if (ours && (override || want == CLRS_SLOT_NOSYS))
			want = CLRS_SLOT_OTHER;
		ATF_CHECK_EQ_MSG(rump_clrs_slot(calls[i]), want,
		    "slot %lu holds %d, expected %d", calls[i],
		    rump_clrs_slot(calls[i]), want);
	}
}

/* Loads the module file the config variable var names (one per case). */
static int
modload(const atf_tc_t *tc, const char *var, const char *props)
{
	static int registered;
	modctl_load_t ml;

	if (!registered) {
		ATF_REQUIRE_EQ(rump_pub_etfs_register(MODPATH,
		    atf_tc_get_config_var(tc, var), RUMP_ETFS_REG), 0);
		registered = 1;
	}
	memset(&ml, 0, sizeof(ml));
	ml.ml_filename = MODPATH;
	ml.ml_props = props;
	ml.ml_propslen = props == NULL ? 0 : strlen(props) + 1;
	return rump_sys_modctl(MODCTL_LOAD, &ml);
}

static int
modunload(void)
{

	return rump_sys_modctl(MODCTL_UNLOAD, (void *)(uintptr_t)MODNAME);
}

ATF_TC(shipped_kmod);
ATF_TC_HEAD(shipped_kmod, tc)
{
	atf_tc_set_md_var(tc, "descr", "the shipped .kmod is read by kobj "
	    "and refused by the version check of a kernel of another release");
	atf_tc_set_md_var(tc, "require.config", "shipped_kmod release");
}
ATF_TC_BODY(shipped_kmod, tc)
{
	int release = atoi(atf_tc_get_config_var(tc, "release"));

	clrs_boot(tc, CLRS_TMPFS);
	if (rump_getversion() / 1000000 == release * 100)
		atf_tc_skip("this rump kernel (%d) is of the module's release: "
		    "see load_unload", rump_getversion());
	/* module_compatible() (kern/kern_module.c): major.minor must match */
	ATF_CHECK_EQ(modload(tc, "shipped_kmod", NULL), -1);
	ATF_CHECK_EQ_MSG(errno, RUMP_EPROGMISMATCH, "errno %d", errno);
	check_slots(0, 1);
}

ATF_TC(load_unload);
ATF_TC_HEAD(load_unload, tc)
{
	atf_tc_set_md_var(tc, "descr", "INIT installs the handlers, which "
	    "work; FINI restores compat_linux's table");
	atf_tc_set_md_var(tc, "require.config", "kmod");
}
ATF_TC_BODY(load_unload, tc)
{
	unsigned cpu = ~0u, node = ~0u;

	clrs_boot(tc, CLRS_TMPFS);
	check_slots(0, 1);
	CHECK_ERR(RUMP_ENOSYS, CALL(NR_SYNCFS, 0, 0, 0, 0, 0, 0));
	RL(modload(tc, "kmod", NULL));
	check_slots(1, 1);
	CHECK_RET(0, CALL(NR_GETCPU, &cpu, &node, 0, 0, 0, 0));
	ATF_CHECK_EQ(node, CLRS_RUMP_NUMA_NODE);
	CHECK_ERR(RUMP_EBADF, CALL(NR_SYNCFS, 99, 0, 0, 0, 0, 0));
	RL(modunload());
	check_slots(0, 1);
	CHECK_ERR(RUMP_ENOSYS, CALL(NR_SYNCFS, 0, 0, 0, 0, 0, 0));
	/* And again. */
	RL(modload(tc, "kmod", NULL));
	check_slots(1, 1);
	RL(modunload());
	check_slots(0, 1);
}

ATF_TC(record_nosys);
ATF_TC_HEAD(record_nosys, tc)
{
	atf_tc_set_md_var(tc, "descr", "a call to a slot compat_linux "
	    "leaves empty returns ENOSYS and is recorded: the kernel's sysctl "
	    "code reads the record and sets the log switch (0 to 2, EINVAL "
	    "otherwise); FINI takes the nodes away");
	atf_tc_set_md_var(tc, "require.config", "kmod");
}
ATF_TC_BODY(record_nosys, tc)
{
	char record[4096];
	size_t len = sizeof(record);
	int mode;

	clrs_boot(tc, CLRS_TMPFS);
	RL(modload(tc, "kmod", NULL));
	CHECK_ERR(RUMP_ENOSYS, CALL(400, 0, 0, 0, 0, 0, 0));
	CHECK_ERR(RUMP_ENOSYS, CALL(400, 1, 2, 3, 4, 5, 6));
	ATF_REQUIRE_EQ(rump_clrs_sysctl("emul.linux.compat_linux_rs.nosys",
	    record, &len, NULL, 0), 0);
	ATF_CHECK_MSG(len == strlen(record) + 1 &&
	    strncmp(record, "? 400 2 1 ", 10) == 0 &&
	    strchr(record, '\n') == record + len - 2,
	    "record (%zu bytes): %s", len, record);

	mode = 2;
	ATF_CHECK_EQ(rump_clrs_sysctl("emul.linux.compat_linux_rs.log",
	    NULL, NULL, &mode, sizeof(mode)), 0);
	mode = 3;
	ATF_CHECK_EQ(rump_clrs_sysctl("emul.linux.compat_linux_rs.log",
	    NULL, NULL, &mode, sizeof(mode)), RUMP_EINVAL);
	len = sizeof(mode);
	ATF_CHECK_EQ(rump_clrs_sysctl("emul.linux.compat_linux_rs.log",
	    &mode, &len, NULL, 0), 0);
	ATF_CHECK_EQ(mode, 2);
	CHECK_ERR(RUMP_ENOSYS, CALL(400, 0, 0, 0, 0, 0, 0));

	RL(modunload());
	len = sizeof(record);
	ATF_CHECK_EQ(rump_clrs_sysctl("emul.linux.compat_linux_rs.nosys",
	    record, &len, NULL, 0), RUMP_ENOENT);
	CHECK_ERR(RUMP_ENOSYS, CALL(400, 0, 0, 0, 0, 0, 0));
}

ATF_TC(override_false);
ATF_TC_HEAD(override_false, tc)
{
	atf_tc_set_md_var(tc, "descr", "with override=false only the slots "
	    "compat_linux leaves empty are taken, and given back");
	atf_tc_set_md_var(tc, "require.config", "kmod");
}
ATF_TC_BODY(override_false, tc)
{

	clrs_boot(tc, CLRS_TMPFS);
	RL(modload(tc, "kmod", OVERRIDE_FALSE));
	check_slots(1, 0);
	RL(modunload());
	check_slots(0, 0);
}

/* --- FINI with a call inside the module -------------------------------------- */

struct sleeper {
	pthread_t	thread;
	unsigned long	nr;
	uint64_t	args[6];
	int64_t		ret;
	int		err;
	volatile int	done;
};

static void *
sleeper_main(void *v)
{
	struct sleeper *s = v;

	clrs_thread_enter();
	s->ret = clrs_call(s->nr, s->args[0], s->args[1], s->args[2],
	    s->args[3], s->args[4], s->args[5]);
	s->err = clrs_errno;
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	clrs_thread_leave();
	return NULL;
}

/* While s is inside the module, FINI refuses; once it is out, it works. */
static void
unload_around(struct sleeper *s, void (*let_go)(void *), void *arg)
{
	int i;

	ATF_REQUIRE_EQ(pthread_create(&s->thread, NULL, sleeper_main, s), 0);
	clrs_sleep_ms(200);
	ATF_REQUIRE_MSG(!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE),
	    "the call did not wait");
	ATF_CHECK_EQ(modunload(), -1);
	ATF_CHECK_EQ_MSG(errno, RUMP_EBUSY, "errno %d", errno);
	check_slots(1, 1);
	let_go(arg);
	for (i = 0; i < 5000 && !__atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
	    i++)
		clrs_sleep_ms(1);
	ATF_REQUIRE_MSG(s->done, "the call did not return");
	ATF_REQUIRE_EQ(pthread_join(s->thread, NULL), 0);
	ATF_CHECK_MSG(s->ret == 0, "the call: %lld, errno %d",
	    (long long)s->ret, s->err);
	RL(modunload());
	check_slots(0, 1);
}

static void
release_updating(void *arg __unused)
{

	rump_clrs_updating_release();
}

ATF_TC(unload_busy_syncfs);
ATF_TC_HEAD(unload_busy_syncfs, tc)
{
	atf_tc_set_md_var(tc, "descr", "FINI gives EBUSY while syncfs waits "
	    "inside the module for the mount's update lock");
	atf_tc_set_md_var(tc, "require.config", "kmod");
	atf_tc_set_md_var(tc, "timeout", "60");
}
/* Unloads around a syncfs waiting inside for the mount's update lock. */
static void
unload_around_syncfs(void)
{
	struct sleeper s;
	int fd;

	fd = clrs_create("f", "x", 1, 0644);
	ATF_REQUIRE_EQ(rump_clrs_updating_hold(MNT), 0);
	memset(&s, 0, sizeof(s));
	s.nr = NR_SYNCFS;
	s.args[0] = (uint64_t)fd;
	unload_around(&s, release_updating, NULL);
}

ATF_TC_BODY(unload_busy_syncfs, tc)
{

	clrs_boot(tc, CLRS_TMPFS);
	RL(modload(tc, "kmod", NULL));
	unload_around_syncfs();
}

ATF_TC(unload_busy_count_only);
ATF_TC_HEAD(unload_busy_count_only, tc)
{
	atf_tc_set_md_var(tc, "descr", "FINI gives EBUSY for a call inside "
	    "the module that a dispatcher did not record in l_sysent: the "
	    "count kept by the handlers' trampoline");
	atf_tc_set_md_var(tc, "require.config", "kmod");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(unload_busy_count_only, tc)
{

	clrs_boot(tc, CLRS_TMPFS);
	RL(modload(tc, "kmod", NULL));
	rump_clrs_dispatch_sysent(0);
	unload_around_syncfs();
}

struct sem_let_go {
	int	id;
};

static void
post_semaphore(void *arg)
{
	struct sem_let_go *g = arg;
	struct sembuf6 op = { 0, 1, 0 };

	ATF_REQUIRE_EQ(rump_clrs_semop(g->id, &op, 1), 0);
}

ATF_TC(unload_busy_semtimedop);
ATF_TC_HEAD(unload_busy_semtimedop, tc)
{
	atf_tc_set_md_var(tc, "descr", "FINI gives EBUSY while semtimedop "
	    "sleeps inside the module, and works once it returned");
	atf_tc_set_md_var(tc, "require.config", "kmod");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(unload_busy_semtimedop, tc)
{
	struct l_timespec ts = { 30, 0 };
	struct sembuf6 op = { 0, -1, 0 };
	struct sem_let_go g;
	struct sleeper s;

	clrs_boot(tc, CLRS_TMPFS);
	clrs_require_semtimedop(tc);
	RL(modload(tc, "kmod", NULL));
	g.id = clrs_semset(1, 0);
	memset(&s, 0, sizeof(s));
	s.nr = NR_SEMTIMEDOP;
	s.args[0] = (uint64_t)g.id;
	s.args[1] = (uint64_t)(uintptr_t)&op;
	s.args[2] = 1;
	s.args[3] = (uint64_t)(uintptr_t)&ts;
	unload_around(&s, post_semaphore, &g);
}

ATF_TC(unload_busy_pidfd);
ATF_TC_HEAD(unload_busy_pidfd, tc)
{
	atf_tc_set_md_var(tc, "descr", "FINI gives EBUSY while a pidfd is "
	    "open (its file operations are the module's), a duplicate "
	    "included, and works once the last is closed; a process that "
	    "had a pidfd exits after the unload without the module");
	atf_tc_set_md_var(tc, "require.config", "kmod");
}
ATF_TC_BODY(unload_busy_pidfd, tc)
{
	struct lwp *self, *child;
	pid_t pid;
	int fd, dup;

	clrs_boot(tc, CLRS_TMPFS);
	RL(modload(tc, "kmod", NULL));
	/* A child, whose proc specificdata gets the module's record. */
	self = rump_pub_lwproc_curlwp();
	RL(rump_pub_lwproc_rfork(RUMP_RFCFDG));
	pid = rump_sys_getpid();
	child = rump_pub_lwproc_curlwp();
	rump_pub_lwproc_switch(self);

	fd = (int)CALL(NR_PIDFD_OPEN, pid, 0, 0, 0, 0, 0);
	ATF_REQUIRE_MSG(fd >= 0, "pidfd_open: errno %d", clrs_errno);
	ATF_CHECK_EQ(rump_clrs_pidfd_busy(), -1);	/* not linked in */
	ATF_CHECK_EQ(modunload(), -1);
	ATF_CHECK_EQ_MSG(errno, RUMP_EBUSY, "errno %d", errno);
	RL(dup = rump_sys_dup(fd));
	RL(rump_sys_close(fd));
	ATF_CHECK_EQ(modunload(), -1);
	ATF_CHECK_EQ_MSG(errno, RUMP_EBUSY, "errno %d", errno);
	check_slots(1, 1);
	CHECK_RET(0, CALL(NR_PIDFD_SEND_SIGNAL, dup, 0, 0, 0, 0, 0));
	RL(rump_sys_close(dup));
	RL(modunload());
	check_slots(0, 1);
	CHECK_ERR(RUMP_ENOSYS, CALL(NR_PIDFD_OPEN, pid, 0, 0, 0, 0, 0));
	/* Its exit runs no destructor of the unloaded module's. */
	rump_pub_lwproc_switch(child);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(self);
	/* Loaded again, it starts afresh. */
	RL(modload(tc, "kmod", NULL));
	RL(fd = (int)CALL(NR_PIDFD_OPEN, clrs_pid(), 0, 0, 0, 0, 0));
	RL(rump_sys_close(fd));
	RL(modunload());
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, shipped_kmod);
	ATF_TP_ADD_TC(tp, load_unload);
	ATF_TP_ADD_TC(tp, override_false);
	ATF_TP_ADD_TC(tp, record_nosys);
	ATF_TP_ADD_TC(tp, unload_busy_syncfs);
	ATF_TP_ADD_TC(tp, unload_busy_count_only);
	ATF_TP_ADD_TC(tp, unload_busy_semtimedop);
	ATF_TP_ADD_TC(tp, unload_busy_pidfd);
	return atf_no_error();
}
