/*
 * t_races: what a model of the kernel cannot show: the module's calls
 * racing other threads of the real kernel (unmount, truncate, rename,
 * semaphore operations, file creation), with DIAGNOSTIC and LOCKDEBUG.
 * A race that hangs is caught by a watchdog and fails the case.
 */

#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "h_rump.h"

/* A thread in the test's rump process, and what its work returned. */
struct worker {
	pthread_t	thread;
	void		(*work)(struct worker *);
	void		*arg;
	int64_t		ret;
	int		err;
	volatile int	done;
	uint64_t	started, ended;
};

static void *
worker_main(void *v)
{
	struct worker *w = v;

	clrs_thread_enter();
	w->started = clrs_now();
	w->work(w);
	w->ended = clrs_now();
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	clrs_thread_leave();
	return NULL;
}

static void
worker_start(struct worker *w, void (*work)(struct worker *), void *arg)
{

	memset(w, 0, sizeof(*w));
	w->work = work;
	w->arg = arg;
	ATF_REQUIRE_EQ(pthread_create(&w->thread, NULL, worker_main, w), 0);
}

static int
worker_done(const struct worker *w)
{

	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/* Waits up to ms for the worker; 0 if it did not finish (hung). */
static int
worker_wait(struct worker *w, unsigned ms)
{
	uint64_t until = clrs_now() + (uint64_t)ms * 1000000;

	while (!worker_done(w)) {
		if (clrs_now() > until)
			return 0;
		clrs_sleep_ms(1);
	}
	ATF_REQUIRE_EQ(pthread_join(w->thread, NULL), 0);
	return 1;
}

/* --- syncfs against unmount ------------------------------------------------ */

static void
do_syncfs(struct worker *w)
{

	w->ret = CALL(NR_SYNCFS, *(int *)w->arg, 0, 0, 0, 0, 0);
	w->err = clrs_errno;
}

static void
do_unmount(struct worker *w)
{

	w->ret = rump_sys_unmount(MNT, RUMP_MNT_FORCE);
	w->err = errno;
}

/*
 * The mount's update lock is held (as a mount update or a sync(2) of it
 * holds it while it works) while syncfs and then a forced unmount of the
 * same file system start.  sync(2)'s protocol, which syncfs must follow,
 * keeps the mount busy while it waits, so the unmount cannot go ahead
 * under it: on 7.99 dounmount() refuses a busy mount (EBUSY), on 10 and
 * 11 it waits for the busy section.  Without it the unmount takes the
 * mount apart while syncfs still holds a pointer to it (7.99), or the two
 * wait for each other (10, 11: unmount suspends the file system first,
 * syncfs's VFS_SYNC waits for it to resume).
 */
FS_TC(syncfs_umount, "syncfs racing a forced unmount of its file system")
{
	struct worker syncer, unmounter;
	struct clrs_mount_state st;
	uint64_t until;
	int fd, went_ahead = 0;

	fd = clrs_create("f", "data", 4, 0644);
	RL(rump_sys_chdir("/"));
	ATF_REQUIRE_EQ(rump_clrs_updating_hold(MNT), 0);
	worker_start(&syncer, do_syncfs, &fd);
	clrs_sleep_ms(200);
	ATF_REQUIRE_MSG(!worker_done(&syncer), "syncfs did not wait for the "
	    "mount's update lock");
	worker_start(&unmounter, do_unmount, NULL);
	/* Until the unmount is refused or under way. */
	until = clrs_now() + 1000000000ull;
	do {
		clrs_sleep_ms(5);
		rump_clrs_held_mount(&st);
	} while (!worker_done(&unmounter) && !st.unmounting &&
	    clrs_now() < until);
	if (rump_getversion() < 1000000000)
		went_ahead = st.unmounting && !worker_done(&syncer);
	rump_clrs_updating_release();

	if (!worker_wait(&syncer, 10000) || !worker_wait(&unmounter, 10000))
		atf_tc_fail("deadlock: syncfs %s, unmount %s 10 s after the "
		    "update lock was released",
		    worker_done(&syncer) ? "returned" : "hangs",
		    worker_done(&unmounter) ? "returned" : "hangs");
	ATF_CHECK_MSG(!went_ahead, "the unmount went ahead while syncfs "
	    "waited: syncfs does not keep the mount busy");
	ATF_CHECK_MSG(syncer.ret == 0, "syncfs: %lld, errno %d",
	    (long long)syncer.ret, syncer.err);
	ATF_CHECK_MSG(unmounter.ret == 0 ||
	    (unmounter.ret == -1 && unmounter.err == RUMP_EBUSY),
	    "unmount: %lld, errno %d", (long long)unmounter.ret,
	    unmounter.err);
	if (unmounter.ret == -1) {
		/* Still mounted and whole: syncfs and unmount again. */
		CHECK_RET(0, CALL(NR_SYNCFS, fd, 0, 0, 0, 0, 0));
		RL(rump_sys_close(fd));
		RL(rump_sys_unmount(MNT, 0));
	}
}

/* --- copy_file_range against truncate and rename --------------------------- */

#define	BIG	(16 * 1024 * 1024)

struct copy_job {
	int		in, out;
	uint64_t	len;
};

static void
do_copy(struct worker *w)
{
	struct copy_job *job = w->arg;

	w->ret = CALL(NR_COPY_FILE_RANGE, job->in, 0, job->out, 0, job->len,
	    0);
	w->err = clrs_errno;
}

static int
make_source(const char *path)
{
	unsigned char *data;
	int fd;

	ATF_REQUIRE((data = malloc(BIG)) != NULL);
	clrs_fill(data, BIG, 0, 7);
	fd = clrs_create(path, data, BIG, 0644);
	free(data);
	/* Written out before the module reads it (h_rump.h says why). */
	RL(rump_sys_fsync(fd));
	return fd;
}

/* The output holds n bytes, each the source's (pattern 7) from 0. */
static void
check_copied(int out, int64_t n)
{
	unsigned char *got;
	int64_t i;

	ATF_CHECK_EQ(rump_sys_lseek(out, 0, SEEK_END), n);
	clrs_quiesce(out);
	ATF_REQUIRE((got = malloc(BIG)) != NULL);
	ATF_REQUIRE_EQ(rump_sys_pread(out, got, BIG, 0), n);
	for (i = 0; i < n; i++) {
		if (got[i] != clrs_pattern((uint64_t)i, 7))
			break;
	}
	ATF_CHECK_MSG(i == n, "byte %lld of the copy differs from the source",
	    (long long)i);
	free(got);
}

/*
 * The source is cut short while it is copied: the copy stops where the
 * source ends, and every byte copied is the source's (Linux: "fewer bytes
 * than asked if the input ends").
 */
FS_TC(copy_truncate, "copy_file_range racing a truncate of its source")
{
	static const off_t cuts[] = { 0, 4096, 3 * 1024 * 1024 + 17,
	    BIG / 2, BIG - 1 };
	struct copy_job job;
	struct worker copier;
	struct clrs_counts c;
	size_t i;
	int trunc_fd;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		job.in = make_source("src");
		job.out = clrs_create("dst", NULL, 0, 0644);
		job.len = BIG;
		trunc_fd = rump_sys_open("src", RUMP_O_RDWR);
		RL(trunc_fd);
		clrs_counts(&c, 3, job.in, job.out, trunc_fd);
		worker_start(&copier, do_copy, &job);
		/* Once the copy is under way. */
		while (!worker_done(&copier) &&
		    rump_sys_lseek(job.out, 0, SEEK_END) == 0)
			sched_yield();
		RL(rump_sys_ftruncate(trunc_fd, cuts[i]));
		if (!worker_wait(&copier, 60000))
			atf_tc_fail("copy_file_range hangs after a truncate");
		ATF_CHECK_MSG(copier.ret >= 0 && copier.ret <= BIG,
		    "cut at %lld: copied %lld, errno %d", (long long)cuts[i],
		    (long long)copier.ret, copier.err);
		if (copier.ret >= 0)
			check_copied(job.out, copier.ret);
		clrs_check_counts(&c);
		RL(rump_sys_close(trunc_fd));
		RL(rump_sys_close(job.in));
		RL(rump_sys_close(job.out));
	}
}

static void
do_renames(struct worker *w)
{
	volatile int *stop = w->arg;
	int n = 0, fd;

	/* The source's name back and forth, and another file over the
	 * destination's name, through the module's renameat2. */
	while (!*stop) {
		if (CALL(NR_RENAMEAT2, L_AT_FDCWD, "src", L_AT_FDCWD, "src2",
		    0, 0) != 0 ||
		    CALL(NR_RENAMEAT2, L_AT_FDCWD, "src2", L_AT_FDCWD, "src",
		    0, 0) != 0)
			break;
		fd = rump_sys_open("other", RUMP_O_RDWR | RUMP_O_CREAT, 0644);
		if (fd == -1)
			break;
		rump_sys_close(fd);
		if (CALL(NR_RENAMEAT2, L_AT_FDCWD, "other", L_AT_FDCWD, "dst",
		    0, 0) != 0)
			break;
		n++;
	}
	w->ret = n;
	w->err = *stop ? 0 : clrs_errno;
}

/*
 * Renames of the source and of the destination's name while the data is
 * copied: the open files are what is copied, whatever their names.
 */
FS_TC(copy_rename, "copy_file_range racing renames of its files")
{
	struct copy_job job;
	struct worker copier, renamer;
	struct clrs_counts c;
	volatile int stop = 0;
	int round;

	for (round = 0; round < 3; round++) {
		job.in = make_source("src");
		job.out = clrs_create("dst", NULL, 0, 0644);
		job.len = BIG;
		clrs_counts(&c, 2, job.in, job.out);
		c.files_change = 1;
		stop = 0;
		worker_start(&renamer, do_renames, (void *)(uintptr_t)&stop);
		worker_start(&copier, do_copy, &job);
		if (!worker_wait(&copier, 60000))
			atf_tc_fail("copy_file_range hangs against renames");
		stop = 1;
		if (!worker_wait(&renamer, 60000))
			atf_tc_fail("renameat2 hangs against copy_file_range");
		ATF_CHECK_MSG(renamer.err == 0, "a rename failed: errno %d",
		    renamer.err);
		ATF_CHECK_EQ_MSG(copier.ret, BIG, "copied %lld, errno %d",
		    (long long)copier.ret, copier.err);
		check_copied(job.out, BIG);
		clrs_check_counts(&c);
		RL(rump_sys_close(job.in));
		RL(rump_sys_close(job.out));
		(void)rump_sys_unlink("src2");
	}
}

/* --- renameat2 RENAME_NOREPLACE against a creator of the target ---------- */

static void
do_noreplace(struct worker *w)
{
	int i, fd, other = 0;

	for (i = 0; i < 30000 && other == 0; i++) {
		fd = rump_sys_open("src", RUMP_O_RDWR | RUMP_O_CREAT, 0644);
		if (fd == -1 || rump_sys_pwrite(fd, "S", 1, 0) != 1) {
			other = -1;
			break;
		}
		rump_sys_close(fd);
		/* Linux renames onto a missing target; the creator removes
		 * what that leaves and tells a replace. */
		if (CALL(NR_RENAMEAT2, L_AT_FDCWD, "src", L_AT_FDCWD, "tgt",
		    L_RENAME_NOREPLACE, 0) == 0)
			continue;
		if (clrs_errno != RUMP_EEXIST &&
		    clrs_errno != RUMP_EINVAL)
			other = clrs_errno;
		if (!clrs_exists("src"))
			other = -2;	/* failed, yet renamed */
	}
	w->err = other;
}

static void
do_create_target(struct worker *w)
{
	volatile int *stop = w->arg;
	char byte;
	int fd, replaced = 0;

	while (!*stop && !replaced) {
		fd = rump_sys_open("tgt", RUMP_O_RDWR | RUMP_O_CREAT |
		    RUMP_O_EXCL, 0644);
		if (fd == -1) {
			/* A source renamed onto the missing target. */
			(void)rump_sys_unlink("tgt");
			continue;
		}
		(void)rump_sys_pwrite(fd, "T", 1, 0);
		rump_sys_close(fd);
		/* By its name: still the file created, never the renamed
		 * source. */
		fd = rump_sys_open("tgt", RUMP_O_RDONLY);
		if (fd != -1) {
			if (rump_sys_pread(fd, &byte, 1, 0) == 1 &&
			    byte == 'S')
				replaced = 1;
			rump_sys_close(fd);
		}
		(void)rump_sys_unlink("tgt");
	}
	w->ret = replaced;
}

/*
 * NOREPLACE never replaces: while another thread creates and removes the
 * target, a call fails with EEXIST (the target is there) or EINVAL (no
 * atomic no-replace rename on NetBSD) and leaves the source, or renames
 * onto a missing target; the file the creator made is never replaced.
 */
FS_TC(noreplace_creator, "renameat2 NOREPLACE racing a creator of the "
    "target")
{
	struct worker renamer, creator;
	struct clrs_counts c;
	volatile int stop = 0;

	clrs_counts(&c, 0);
	c.files_change = 1;
	worker_start(&creator, do_create_target, (void *)(uintptr_t)&stop);
	worker_start(&renamer, do_noreplace, NULL);
	if (!worker_wait(&renamer, 60000))
		atf_tc_fail("renameat2 hangs against a creator");
	stop = 1;
	if (!worker_wait(&creator, 60000))
		atf_tc_fail("the creator hangs against renameat2");
	ATF_CHECK_MSG(creator.ret == 0, "RENAME_NOREPLACE replaced the "
	    "target another thread had created");
	ATF_CHECK_MSG(renamer.err == 0, "RENAME_NOREPLACE: %s %d",
	    renamer.err > 0 ? "errno" : "failed but renamed, or could not "
	    "make the source:", renamer.err);
	clrs_check_counts(&c);
}

/* --- semtimedop woken, timed out, interrupted ------------------------------ */

struct sem_job {
	int		id;
	struct sembuf6	op;
	struct l_timespec ts;
	int		timed;
};

static void
do_semtimedop(struct worker *w)
{
	struct sem_job *job = w->arg;

	w->ret = CALL(NR_SEMTIMEDOP, job->id, &job->op, 1,
	    job->timed ? &job->ts : NULL, 0, 0);
	w->err = clrs_errno;
}

static int
sem_setup(const atf_tc_t *tc)
{

	clrs_boot(tc, CLRS_TMPFS);
	clrs_require_semtimedop(tc);
	return clrs_semset(2, 0);
}

static void
sem_post(int id, int num, int n)
{
	struct sembuf6 op = { (unsigned short)num, (short)n, 0 };

	ATF_REQUIRE_EQ(rump_clrs_semop(id, &op, 1), 0);
}

ATF_TC(semtimedop_woken);
ATF_TC_HEAD(semtimedop_woken, tc)
{
	atf_tc_set_md_var(tc, "descr", "semtimedop waiting with a timeout is "
	    "woken by another thread's semop");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(semtimedop_woken, tc)
{
	struct sem_job job;
	struct worker waiter;
	int id;

	id = sem_setup(tc);
	job = (struct sem_job){ id, { 0, -1, 0 }, { 10, 0 }, 1 };
	worker_start(&waiter, do_semtimedop, &job);
	clrs_sleep_ms(100);
	ATF_REQUIRE_MSG(!worker_done(&waiter), "semtimedop did not wait");
	sem_post(id, 0, 1);
	if (!worker_wait(&waiter, 5000))
		atf_tc_fail("semtimedop was not woken by semop");
	ATF_CHECK_MSG(waiter.ret == 0, "semtimedop: %lld, errno %d",
	    (long long)waiter.ret, waiter.err);
	ATF_CHECK_EQ(clrs_semval(id, 0), 0);
	ATF_CHECK_MSG((waiter.ended - waiter.started) / 1000000 < 2000,
	    "woken after %llu ms", (unsigned long long)
	    ((waiter.ended - waiter.started) / 1000000));
}

ATF_TC(semtimedop_timeout);
ATF_TC_HEAD(semtimedop_timeout, tc)
{
	atf_tc_set_md_var(tc, "descr", "semtimedop times out after its "
	    "timeout while other operations on the set wake its waiters");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(semtimedop_timeout, tc)
{
	struct sem_job job;
	struct worker waiter;
	uint64_t ms;
	int id, i;

	id = sem_setup(tc);
	clrs_require_cancellable_sleep();
	job = (struct sem_job){ id, { 0, -1, 0 }, { 0, 300 * 1000 * 1000 },
	    1 };
	worker_start(&waiter, do_semtimedop, &job);
	/* Operations on the other semaphore of the set wake every waiter
	 * of the set (sysv_sem.c), which must not restart the timeout. */
	for (i = 0; i < 40 && !worker_done(&waiter); i++) {
		clrs_sleep_ms(10);
		sem_post(id, 1, 1);
	}
	if (!worker_wait(&waiter, 10000))
		atf_tc_fail("semtimedop did not time out");
	ms = (waiter.ended - waiter.started) / 1000000;
	ATF_CHECK_MSG(waiter.ret == -1 && waiter.err == RUMP_EAGAIN,
	    "semtimedop: %lld, errno %d", (long long)waiter.ret, waiter.err);
	ATF_CHECK_MSG(ms >= 300 && ms < 2000, "a 300 ms timeout took %llu ms",
	    (unsigned long long)ms);
}

ATF_TC(semtimedop_interrupted);
ATF_TC_HEAD(semtimedop_interrupted, tc)
{
	atf_tc_set_md_var(tc, "descr", "semtimedop waiting, with and without "
	    "a timeout, ends with EINTR when another thread signals it");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(semtimedop_interrupted, tc)
{
	struct sem_job job;
	struct worker waiter;
	int id, timed;

	id = sem_setup(tc);
	clrs_require_cancellable_sleep();
	for (timed = 0; timed < 2; timed++) {
		rump_clrs_clear_signals(clrs_pid());
		job = (struct sem_job){ id, { 0, -1, 0 }, { 10, 0 }, timed };
		worker_start(&waiter, do_semtimedop, &job);
		clrs_sleep_ms(100);
		ATF_REQUIRE(!worker_done(&waiter));
		ATF_REQUIRE_EQ(rump_clrs_kill(clrs_pid(), SIGUSR1), 0);
		if (!worker_wait(&waiter, 5000)) {
			sem_post(id, 0, 1);
			atf_tc_fail("a signal did not interrupt semtimedop");
		}
		ATF_CHECK_MSG(waiter.ret == -1 && waiter.err == RUMP_EINTR,
		    "semtimedop: %lld, errno %d", (long long)waiter.ret,
		    waiter.err);
	}
}

ATF_TP_ADD_TCS(tp)
{

	ADD_FS_TC(tp, syncfs_umount);
	ADD_FS_TC(tp, copy_truncate);
	ADD_FS_TC(tp, copy_rename);
	ADD_FS_TC(tp, noreplace_creator);
	ATF_TP_ADD_TC(tp, semtimedop_woken);
	ATF_TP_ADD_TC(tp, semtimedop_timeout);
	ATF_TP_ADD_TC(tp, semtimedop_interrupted);
	return atf_no_error();
}
