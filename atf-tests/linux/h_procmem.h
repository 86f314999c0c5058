/*
 * Shared by the process_vm_readv(2) and process_vm_writev(2) helpers:
 * another process to read or write (a child, told when to go), a process
 * ID that is not in use, and the permission check across an exec.
 */
#ifndef H_PROCMEM_H
#define H_PROCMEM_H

#include <signal.h>
#include <sys/uio.h>

/*
 * A child that stays until child_end: in the child, child_start returns
 * with pid 0; the child sets up and calls child_ready, which tells the
 * parent (its thread's ID too) and waits.  In the parent, child_start
 * returns once the child is ready.
 */
struct child {
	pid_t	pid;
	int	ready[2], done[2];
};

static inline void
child_start(struct child *c, pid_t *tid)
{
	pid_t got;

	CHECK(pipe(c->ready) == 0 && pipe(c->done) == 0);
	CHECK((c->pid = fork()) >= 0);
	if (c->pid == 0) {
		close(c->ready[0]);
		close(c->done[1]);
		return;
	}
	close(c->ready[1]);
	close(c->done[0]);
	CHECK(read(c->ready[0], &got, sizeof(got)) == sizeof(got));
	if (tid != NULL)
		*tid = got;
}

/* Tells the parent, and returns when it calls child_end. */
static inline void
child_ready_then(struct child *c)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);
	char byte;

	if (write(c->ready[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(2);
	while (read(c->done[0], &byte, 1) > 0)
		continue;
}

static inline void __attribute__((__noreturn__))
child_ready(struct child *c)
{
	child_ready_then(c);
	_exit(0);
}

static inline void
child_end(struct child *c)
{
	int status;

	close(c->done[1]);
	CHECK(waitpid(c->pid, &status, 0) == c->pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(c->ready[0]);
}

/* A process ID no process has. */
static inline pid_t
unused_pid(void)
{
	static const pid_t candidates[] = { 4194303, 999999, 77777, 29999 };
	size_t i;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (kill(candidates[i], 0) == -1 && errno == ESRCH)
			return candidates[i];
	}
	skip("no unused process ID found");
}

/*
 * The checks of process_vm_readv and process_vm_writev (call `nr`), in
 * Linux's order, each made where a later one would fail too: flags, the
 * local vector (count, array, lengths), the remote one, and only then
 * the process.
 */
static inline void
argument_checks(long nr)
{
	static struct iovec many[1025];
	char buf[16];
	struct iovec l = { buf, 16 }, neg = { buf, (size_t)-1 };
	pid_t nowhere = unused_pid();
	void *bad = unmapped();

	CHECK_ERR(syscall(nr, nowhere, bad, 1025, bad, 1025, 1), EINVAL);
	CHECK_ERR(syscall(nr, nowhere, &l, 1, &l, 1, 1UL << 40), EINVAL);
	CHECK_ERR(syscall(nr, nowhere, many, 1025, bad, 1, 0), EINVAL);
	CHECK_ERR(syscall(nr, nowhere, bad, 1, bad, 1, 0), EFAULT);
	CHECK_ERR(syscall(nr, nowhere, &neg, 1, bad, 1, 0), EINVAL);
	/* nothing on the caller's side: 0, the rest unexamined */
	CHECK_RET(syscall(nr, nowhere, &l, 0, bad, 1025, 0), 0);
	CHECK_ERR(syscall(nr, nowhere, &l, 1, many, 1025, 0), EINVAL);
	CHECK_ERR(syscall(nr, nowhere, &l, 1, bad, 1, 0), EFAULT);
	CHECK_ERR(syscall(nr, nowhere, &l, 1, &neg, 1, 0), EINVAL);
	/* nothing on the remote side: 0, before the process is looked up */
	CHECK_RET(syscall(nr, nowhere, &l, 1, bad, 0, 0), 0);
	CHECK_ERR(syscall(nr, nowhere, &l, 1, &l, 1, 0), ESRCH);
	CHECK_ERR(syscall(nr, 0, &l, 1, &l, 1, 0), ESRCH);
}

static inline void
need_root(void)
{
	if (geteuid() != 0)
		skip("needs root, to become another user");
}

/*
 * The probe: this program run as "PROGRAM exec_probe READY DONE" by a
 * child that executes it, which tells the address of its data on READY and
 * waits for DONE to close.
 */
static char probe_data[16] = "after the exec";

static inline void
procmem_probe(int argc, char **argv)
{
	void *where = probe_data;
	char byte;
	int ready, done;

	if (argc != 4 || strcmp(argv[1], "exec_probe") != 0)
		return;
	ready = atoi(argv[2]);
	done = atoi(argv[3]);
	if (write(ready, &where, sizeof(where)) != sizeof(where))
		_exit(2);
	while (read(done, &byte, 1) > 0)
		continue;
	_exit(0);
}

/*
 * As nobody, call `nr` (process_vm_readv or process_vm_writev) on a child
 * that became nobody too: refused (EPERM) while the child has changed IDs
 * since its last exec (Linux: it is not dumpable; NetBSD: PK_SUGID), done
 * once it has executed a program.
 */
static inline void
same_user_after_exec(long nr)
{
	static char buf[16] = "from the caller";
	struct iovec l = { buf, 16 }, r;
	int ready[2], done[2], status;
	char fds[2][16];
	void *where;
	pid_t pid, child;

	CHECK((pid = fork()) >= 0);
	if (pid == 0) {
		become_nobody();
		if (access(self_path, X_OK) != 0)
			_exit(SKIP_STATUS);
		CHECK(pipe(ready) == 0 && pipe(done) == 0);
		CHECK((child = fork()) >= 0);
		if (child == 0) {
			char byte = 0;

			close(done[1]);
			/* Ready before the exec, then run the probe. */
			if (write(ready[1], &byte, 1) != 1)
				_exit(2);
			if (read(done[0], &byte, 1) != 1)
				_exit(3);
			snprintf(fds[0], sizeof(fds[0]), "%d", ready[1]);
			snprintf(fds[1], sizeof(fds[1]), "%d", done[0]);
			execl(self_path, self_path, "exec_probe", fds[0],
			    fds[1], (char *)NULL);
			_exit(4);
		}
		close(ready[1]);
		close(done[0]);
		CHECK(read(ready[0], fds[0], 1) == 1);
		r = (struct iovec){ buf, 16 };
		CHECK_ERR(syscall(nr, child, &l, 1, &r, 1, 0), EPERM);
		CHECK(write(done[1], "", 1) == 1);
		CHECK(read(ready[0], &where, sizeof(where)) ==
		    sizeof(where));
		r = (struct iovec){ where, 16 };
		CHECK_RET(syscall(nr, child, &l, 1, &r, 1, 0), 16);
		close(done[1]);
		CHECK(waitpid(child, &status, 0) == child);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS)
		skip("nobody may not run this program (its path)");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#endif /* H_PROCMEM_H */
