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

/*
 * Whose memory, descriptors and working directory are user space for the
 * calling thread: pid 0, this process (the default, for the unit tests),
 * or a process linuxrun traces, with a pidfd of it and a flag linuxrun
 * sets when a signal the calling thread took is to end the call's sleeps
 * (NULL: none will).
 */
void	model_user_process(int pid, int pidfd, const int *signalled);
/*
 * Whether that is a traced process; whether the calling thread has a
 * signal pending that its user side neither blocks nor ignores (for a
 * traced thread: that linuxrun set its flag).
 */
bool	host_user_traced(void);
bool	host_signal_pending(void);

/*
 * A kauth credential's IDs, as both halves see them: real, effective and
 * saved user and group IDs, and the supplementary groups, at most NetBSD's
 * NGROUPS (16).
 */
#define	HOST_NGROUPS	16
struct host_cred {
	unsigned int	uid, euid, suid;
	unsigned int	gid, egid, sgid;
	int		ngroups;
	unsigned int	groups[HOST_NGROUPS];
};
/* The calling thread's own IDs (its first HOST_NGROUPS groups). */
void	host_cred_self(struct host_cred *);
/*
 * A host call made for a kernel function runs with the credential the
 * function was given: the calling thread takes on its IDs first (0, or a
 * host errno, and then the call must not be made) and its own back after.
 */
int	host_cred_enter(const struct host_cred *);
void	host_cred_exit(void);

/*
 * A host process (or thread) ID's process: its ID, parent, whether it is
 * a zombie, a kernel thread, not dumpable (it changed IDs), and its
 * credential; -1 if there is none.  This process's ID, and the user
 * process's.  Whether pid's root directory is at or under under's.
 */
struct host_proc {
	int		tgid, ppid;
	bool		zombie, kthread, sugid;
	struct host_cred cred;
	int		pgid, sid;	/* process group, session */
	unsigned long long start_us;	/* start, microseconds after boot */
};
int	host_proc_info(int, struct host_proc *);
int	host_self_pid(void);
int	host_user_pid_now(void);
bool	host_root_isunder(int pid, int under);
/*
 * Moves len bytes between kaddr and uaddr of host process pid (0: the user
 * process): the bytes moved, or minus a host errno.
 */
long	host_vm_rw(int pid, void *kaddr, unsigned long uaddr, size_t len,
	    bool write);
/*
 * Memory locking of host process pid (0: the user process): its soft
 * RLIMIT_MEMLOCK, the bytes it has locked, whether [start, end) is mapped
 * whole; the machine's pages; locking a range of this process.
 */
unsigned long long host_memlock_limit(int pid);
unsigned long long host_locked_bytes(int pid);
bool	host_range_mapped(int pid, unsigned long start, unsigned long end);
unsigned long long host_phys_pages(void);
int	host_mlock(unsigned long start, size_t len);
/*
 * A host pidfd of process pid, watched (model_watch_wait), or -1; closing
 * one; what became of its process.  The host IDs of the members of
 * process group pgid (at most max).  A signal to process pid (its thread
 * lid if not 0) with Linux's siginfo lsi, as the host can send it.  A
 * duplicate of descriptor ufd of pidfd's process, or -1.
 */
enum host_pidfd_state {
	HOST_PIDFD_LIVE, HOST_PIDFD_EXITED, HOST_PIDFD_REAPED
};
int	host_pidfd_watch(int pid);
void	host_pidfd_unwatch(int fd);
enum host_pidfd_state host_pidfd_state(int fd);
int	host_pgrp_members(int pgid, int *pids, int max);
void	host_signal_deliver(int pid, int lid, const int32_t lsi[32]);
/*
 * The siginfo of a signal host_signal_deliver sent as kill(2) does, to
 * thread tid of process pid: false if there is none (then it is another's).
 */
bool	model_signal_info(int pid, int tid, int sig, int32_t lsi[32]);
int	host_pidfd_getfd(int pidfd, int ufd);
/* One thread at a time follows the host's processes (model_proc_sync). */
void	host_sync_begin(void);
void	host_sync_end(void);
/*
 * Descriptors of the user process: the lowest number it has free,
 * reserved (or minus a host errno); given back; host descriptor fd
 * installed at it (0 or a host errno).  For a traced process, linuxrun's
 * installer does it, for this thread's calls.
 */
int	host_user_fd_reserve(void);
void	host_user_fd_release(int ufd);
int	host_user_fd_install(int fd, int ufd, bool cloexec);
void	model_user_fd_installer(int (*)(void *, int fd, int ufd, bool cloexec),
	    void *);
/*
 * A module file's host side (files.c): a pipe, the read end for the user
 * process (nonblocking or not), the write end kept and watched, and the read end's identity
 * (0 or a host errno); whether no read end is left; making the read end
 * readable; letting go of the write end.
 */
int	host_file_pipe(int *rfd, int *wfd, bool nonblock, unsigned long *dev,
	    unsigned long *ino);
bool	host_file_unread(int wfd);
void	host_file_ready(int wfd);
void	host_file_gone(int wfd);
/*
 * Waits until the host has news for model_process_pending: a watched
 * process exited or was reaped, or a module file's last descriptor
 * closed; false once model_watch_stop was called (for good).
 */
bool	model_watch_wait(void);
void	model_watch_stop(void);

/* host.c: 0 or a host errno (EFAULT for an address that is not mapped). */
int	host_copy_from_user(const void *, void *, size_t);
int	host_copy_to_user(const void *, void *, size_t);
/* A user descriptor as a host one (-1: none), and its release. */
int	host_fd_get(int);
void	host_fd_put(int);
/* A duplicate of host descriptor fd, and closing one (-1: none). */
int	host_fd_dup(int fd);
/*
 * The file of host descriptor fd opened again (a new open file, for
 * writing if asked, never O_APPEND), or -1 if the host refuses.
 */
int	host_fd_reopen(int fd, bool write);
void	host_fd_close(int fd);
/* Reports what a DIAGNOSTIC kernel would have stopped on; printf(9). */
void	host_report(const char *);
void	host_vreport(const char *, __builtin_va_list);
/*
 * vsnprintf, for log(9); microseconds of a monotonic clock; letting
 * another thread run.
 */
void	host_vformat(char *, size_t, const char *, __builtin_va_list);
long long host_uptime_us(void);
void	host_yield(void);

/* What the model needs to know of a host descriptor. */
enum host_kind {
	HOST_CLOSED, HOST_REG, HOST_DIR, HOST_LNK, HOST_BLK, HOST_CHR,
	HOST_FIFO, HOST_SOCK
};
struct host_file {
	enum host_kind	kind;
	bool		readable, writable, append, sync, dsync;
	bool		rdonly_fs, noexec_fs;
	bool		append_only;	/* chattr +a */
	bool		immutable;	/* chattr +i */
	unsigned	mode, uid, gid;
	unsigned long	dev, ino;
};
void	host_file_info(int, struct host_file *);
/* fdatasync/fsync of a range (hi 0: to the end), and syncfs; 0 or errno. */
int	host_fsync_range(int, bool, bool, long long, long long);
int	host_syncfs(int);
/*
 * Path operations: directory descriptors of the user process (AT_FDCWD:
 * its working directory), paths copied in; 0 or a host errno.
 */
int	host_statat(int, const char *, bool, unsigned long *, unsigned long *);
int	host_renameat(int, const char *, int, const char *);
int	host_unlinkat(int, const char *);
/* pread/pwrite: bytes moved, or minus a host errno; size; offsets. */
long	host_pread(int, void *, size_t, long long);
long	host_pwrite(int, const void *, size_t, long long);
/*
 * read or write of a stream (pipe, socket, device): if it cannot go now and
 * the descriptor blocks, waits unless told not to (then 0), ended by a
 * signal for the thread (minus EINTR).  A broken pipe's SIGPIPE is not
 * left to the calling thread.  Bytes moved, or minus a host errno.
 */
long	host_stream_io(int, void *, size_t, bool write, bool wait);
int	host_size(int, long long *);
long long host_offset(int);
void	host_set_offset(int, long long);
/*
 * A host descriptor (O_PATH) of what path names from host directory
 * descriptor dirfd (AT_FDCWD: the user process's working directory), or
 * minus a host errno.
 */
int	host_lookup(int dirfd, const char *path, bool follow);
/* faccessat2 of host descriptor fd itself, with the effective IDs. */
int	host_faccess_fd(int fd, int);
/*
 * chmod of the file of host descriptor fd with credential c, with
 * NetBSD's rules (genfs_can_chmod): 0, an errno, or -1 for EFTYPE (a
 * sticky bit on a file that is not a directory, not asked by root).
 */
int	host_setmode(int fd, unsigned mode, const struct host_cred *);
/*
 * openat of path from host directory descriptor dirfd (AT_FDCWD: the user
 * process's working directory) with NetBSD's open flags (F*, translated
 * here) and creation mode (made in a host_cred_enter section): a host
 * descriptor, or minus a host errno.
 */
int	host_open(int dirfd, const char *path, int fflags, int cmode);
/* symlinkat: a link to target at path in host directory dirfd. */
int	host_symlink(const char *target, int dirfd, const char *path);
/* readlink of the link host descriptor fd is open on (O_PATH). */
long	host_readlink(int fd, char *buf, size_t len);
/*
 * An LWP's interruptible sleep: begin() (an errno: it ends before it
 * starts), woken() (it has been ended from outside), end().
 */
struct host_sleeper {
	int	(*begin)(void *);
	bool	(*woken)(void *);
	void	(*end)(void *);
	void	*arg;
};
/*
 * SysV semaphores: 0 or a host errno (EINTR for a signal or a sleep ended
 * from outside); the operations and timeout are user memory.  Whether the
 * last EAGAIN of this thread was the timeout's.
 */
int	host_semop(int, void *, size_t, const void *timeout,
	    const struct host_sleeper *);
bool	host_semop_timed_out(void);
int	host_semopm(void);
/* A callout: a thread that calls fn(arg) ms from being scheduled. */
void	*host_callout_new(void);
void	host_callout_setfunc(void *, void (*)(void *), void *);
void	host_callout_schedule(void *, long long ms);
/* Stops it, waiting for fn if it runs; frees it (false: still busy). */
bool	host_callout_halt(void *);
bool	host_callout_free(void *);
/*
 * The calling thread enters or leaves the model's kernel.  Inside, its
 * signals are held pending, as a NetBSD LWP's are until an interruptible
 * sleep (which a pending signal ends at once) or the return to user space.
 */
void	model_kernel_enter(void);
void	model_kernel_exit(void);
/* Posts SIGUSR1 to the calling thread. */
void	host_post_sigusr1(void);
/* The user process's file creation mask. */
unsigned host_umask(void);
/* The user process's soft RLIMIT_FSIZE, and a signal to a traced one. */
unsigned long long host_fsize_limit(void);
void	host_signal_user(int);
/* kernel.c: the model's process takes on the user process's limits. */
void	model_proc_refresh(void);
/* kernel.c: the model's state in a forked child, whose other threads are gone. */
void	model_after_fork(void);
void	*host_alloc(size_t);
void	host_free(void *, size_t);

#ifdef _KMEMUSER
/* A fresh LWP on alllwp, running on CPU `cpu` (< model_ncpu). */
struct lwp *model_lwp_new(u_int cpu);
/* Gives the LWP credential ids (a new LWP has its thread's own). */
void	model_lwp_set_cred(struct lwp *, const struct host_cred *);
void	model_lwp_free(struct lwp *);
/* Marks the LWP as inside Linux system call `code` (0 for none). */
void	model_lwp_in_syscall(struct lwp *, u_int code);
/*
 * Makes the LWP one of process `pid` named `comm` (made if it is not
 * there; 0 for the model's first process, which is always there; a NULL
 * `comm` keeps the name), and lets a process exit and be reaped:
 * proc_find_raw no longer finds it.  Up to MODEL_NPROCS processes at once.
 */
#define	MODEL_NPROCS	64
void	model_lwp_set_process(struct lwp *, int pid, const char *comm);
void	model_process_exit(int pid);
/*
 * Linux system call `code` through linux_sysent as compat_linux's
 * dispatcher makes it: sy_call() (sys/syscallvar.h) points l_sysent at
 * the slot for the call.
 */
int	model_syscall(struct lwp *, u_int code, const register_t *,
	    register_t *);

/*
 * Fills linux_sysent as compat_linux does: linux_sys_nosys in every slot,
 * except model_native_syscall, standing for one of compat_linux's own
 * handlers, in slot `native` (0 for none).
 */
void	model_sysent_reset(u_int native);
/* Makes slot `code` hold model_native_syscall, one of compat_linux's own. */
void	model_sysent_native(u_int code);
int	model_native_syscall(struct lwp *, const void *, register_t *);
/*
 * While held, linux_sys_nosys waits until let go, counted in
 * model_nosys_waiting: a call that stays inside an empty slot's entry.
 */
void	model_nosys_hold(bool);
extern u_int model_nosys_waiting;
extern const u_int model_ncpu;
/*
 * The CPUs' struct cpu_info as the module expects them (cpu_index at
 * its place), or with the index elsewhere; per_node CPUs on each NUMA
 * node (node index / per_node).
 */
void	model_cpus_reset(bool laid_out, u_int per_node);
/* printf(9) calls since the start; log(9) lines, and the last one. */
extern u_int model_printfs;
extern u_int model_logs;
extern char model_log_last[256];
/*
 * sysctl(2) of a node by name ("emul.linux.compat_linux_rs.log"), as root:
 * 0 or an errno.  emul.linux is there, as compat_linux makes it.
 */
int	model_sysctl(const char *, void *, size_t *, const void *, size_t);
/* Nodes under emul.linux. */
u_int	model_sysctl_nodes(void);

/* Module properties: a dictionary with one entry `key` (NONE: empty). */
enum model_prop { MODEL_PROP_NONE, MODEL_PROP_BOOL, MODEL_PROP_STRING };
prop_dictionary_t model_props(const char *key, enum model_prop, bool);

/* The module's modcmd, found through link_set_modules as kobj finds it. */
int	model_modcmd(modcmd_t, void *);
const modinfo_t *model_modinfo(void);
/* Cross-calls since the start: xc_broadcast calls made. */
extern u_int model_xc_calls;

/*
 * What this thread's calls into the model did, for the tests; reset by
 * model_trace_reset().  Held counts must be back at 0 after every call.
 */
struct model_trace {
	u_int	files_held;	/* fd_getfile minus fd_putfile */
	u_int	vnodes_locked;	/* vn_lock minus VOP_UNLOCK */
	u_int	mounts_locked;	/* mnt_updating held */
	u_int	fsyncs;		/* VOP_FSYNC calls, and the last one's: */
	int	fsync_flags;
	off_t	fsync_lo, fsync_hi;
	bool	fsync_locked;	/* whether the vnode was locked for it */
	u_int	vfs_syncs;	/* VFS_SYNC calls, and the last one's: */
	int	vfs_sync_wait;
	bool	vfs_sync_async_cleared;	/* MNT_ASYNC off during the call */
	bool	vfs_sync_locked;	/* mnt_updating held during it */
	u_int	clones;		/* linux_sys_clone calls, and the last one's */
	register_t clone_args[5];	/* flags, stack, ptid, ctid, tls */
	u_int	renames_posix;	/* sys___posix_rename calls */
	u_int	renames_bsd;	/* sys_renameat calls */
	u_int	allocated;	/* kmem_alloc bytes not freed */
	u_int	rdwrs;		/* vn_rdwr calls, and the last one's ioflags */
	int	rdwr_ioflags;
	u_int	sigxfsz;	/* SIGXFSZ posted */
	u_int	sigpipe;	/* SIGPIPE posted */
	u_int	opens;		/* descriptors fd_affix installed */
	/*
	 * A symbolic link to this text that vn_open makes at its name just
	 * before it opens it, once: another thread's, between the module's
	 * lookup and its open.
	 */
	const char *plant_link;
	u_int	signal_after;	/* sigispending true from this vn_rdwr on */
	u_int	short_write_after;	/* writes from this one on are short */
	int	fail_write_after;	/* writes from this one on fail (EIO) */
	bool	rdwr_discard;	/* reads give zeros, writes go nowhere */
	u_int	creds_held;	/* kauth_cred_dup minus kauth_cred_free */
	u_int	vnodes_referenced;	/* vref minus vrele */
	bool	access_real_ids;	/* the last VOP_ACCESS's credential */
	u_int	semops;		/* sys_semop and sys_semtimedop calls */
	u_int	signal_at_semop;	/* semop call that first posts SIGUSR1 */
	/* What semtimedop says at its timeout (0: EAGAIN, as 2024's code). */
	int	semop_timeout_errno;
	u_int	user_copies;	/* copyin and copyout calls */
	/* What a DIAGNOSTIC kernel would have stopped on: count, last one. */
	u_int	violations;
	const char *violation;
	u_int	rwlocks_held;	/* rwlocks this thread holds (p_reflock, ...) */
	u_int	vmspaces_held;	/* proc_vmspace_getref minus uvmspace_free */
	u_int	vmspace_ios;	/* copyin_vmspace and copyout_vmspace calls */
	u_int	xc_highpri;	/* high-priority cross-calls */
	u_int	kpauses;	/* kpause calls */
	u_int	signal_at_kpause;	/* kpause call that posts SIGUSR1 */
	/* The last range sys_mlock wired, for a traced process to lock. */
	u_int	mlocks;
	unsigned long mlock_start;
	size_t	mlock_len;
	/* Signals kpsignal2 posted, and the last one: process, LWP, info. */
	u_int	signals;
	pid_t	signal_pid;
	lwpid_t	signal_lid;
	struct _ksiginfo signal_info;
	u_int	files_reserved;	/* fd_allocfile minus fd_affix, fd_abort */
	u_int	files_held2;	/* fd_getfile2 minus closef */
	u_int	files_closed;	/* module files' fo_close calls */
};
/* The clock rate the model's kernel runs at (ticks per second). */
#define	MODEL_HZ	100
/* The LWP's user stack pointer, as saved on entry to the kernel. */
void	model_lwp_set_user_sp(struct lwp *, register_t);
/* The TID linux_sys_clone reports for the child. */
#define	MODEL_CHILD_TID	4242
/*
 * Whether linux_sys_clone was called on this thread since the last
 * model_trace_reset(), and the arguments of the last call: flags, stack,
 * parent TID, child TID, TLS.
 */
bool	model_clone_request(register_t[5]);
struct model_trace *model_trace(void);
void	model_trace_reset(void);
/*
 * Processes for the tests: makes process `pid` a host process (its
 * credential and address space the host's), sets a table process's
 * parent, credential, PK_SUGID or PK_SYSTEM; has process `pid` execute a
 * program as execve does for the exec hooks (exec_lock as reader,
 * p_reflock as writer, a new address space if the old one is shared);
 * whether process `pid` has process-specific data under any key.
 */
void	model_lwp_set_host_process(struct lwp *, int pid);
void	model_proc_set_parent(int pid, int ppid);
void	model_proc_set_cred(int pid, const struct host_cred *);
void	model_proc_set_flags(int pid, bool sugid, bool system);
void	model_process_exec(int pid);
bool	model_proc_has_specific(int pid);
/*
 * Whether sys_mlock wired a range for a process linuxrun traces since the
 * last model_trace_reset(), and which: the process is to lock it itself.
 */
bool	model_mlock_request(unsigned long *start, size_t *len);
/* Holds process pid's p_reflock as writer (an exec under way), or lets go. */
void	model_proc_hold_exec(int pid, bool);
/* Keys of process-specific data in use, exec hooks established. */
u_int	model_specific_keys(void);
u_int	model_exechooks(void);
/*
 * Processes' lives, for the tests: process pid exits (exit1: its
 * specificdata destructors run) and stays a zombie until
 * model_process_exit reaps it; its process group and session; an LWP's
 * ID; whether process p is held (p_reflock read by this thread, or the
 * caller's own).  A host process's exit and reaping are the host's, which
 * the model follows in model_proc_sync.
 */
void	model_process_zombie(int pid);
void	model_proc_set_pgrp(int pid, int pgid, int sid);
void	model_lwp_set_lid(struct lwp *, int lid);
/* The LWP this thread runs as (curlwp): the last made, or this one. */
void	model_lwp_current(struct lwp *);
void	model_proc_sync(void);
/* linuxrun: processes are the host's, for every thread (see kernel.c). */
void	model_host_processes(bool);
bool	model_proc_held(struct proc *);
/*
 * While set for this thread, linux_sys_clone makes a fork-like clone's
 * child: a new process (IDs from MODEL_CHILD_TID + 1 on), the caller's
 * child, in its group, with its credential; a thread clone still only
 * reports MODEL_CHILD_TID.  For linuxrun, the thread performs the clone
 * at once through `performer` (0 and the child's ID, or an errno), when
 * set.
 */
void	model_clone_child(bool);
void	model_clone_performer(int (*)(void *, const register_t[5], int *),
	    void *);
/*
 * What the host did since the model last looked, for the model to act on
 * as the kernel would have: processes' exits and reapings
 * (model_proc_sync); a module file whose last descriptor was closed is
 * closed (closef); one that was made, or whose selinfo was notified, is
 * polled (fo_poll, and its EVFILT_READ filter) and its read end made
 * readable if it is.  Called with no lock held.
 */
void	model_process_pending(void);
/*
 * A module file's operations on descriptor ufd of the user process, as
 * the kernel makes them: fo_poll (in a poll, for `events`); attaching an
 * `filter` knote with fo_kqfilter, its f_event and its detach (the
 * event's result in *fired); fo_stat; fo_read or fo_write of one byte;
 * fo_ioctl; fo_seek (NetBSD's lseek).  An errno, or EBADF for a
 * descriptor that is not a module file.
 */
int	model_file_poll(int ufd, int events, int *revents);
int	model_file_kevent(int ufd, int filter, bool *fired);
int	model_file_stat(int ufd, struct stat *);
int	model_file_rw(int ufd, bool write);
int	model_file_ioctl(int ufd, u_long cmd);
int	model_file_seek(int ufd);
/* Module files the model has: made and not yet freed. */
u_int	model_files_open(void);
/*
 * Between kernel.c and files.c: a rule broken; the module file a host
 * descriptor (its read end) stands for, if any; the host descriptor this thread holds a module
 * file by (fd_getfile), or -1; whether a lock is files.c's own; a host
 * pidfd of process p, MODEL_PROC_SELF for the tests' own process (whose
 * descriptors are this process's), or -1 for a process without any.
 */
void	model_violation(const char *);
file_t	*model_module_file(const struct host_file *);
int	model_file_held_fd(file_t *);
bool	model_is_files_lock(kmutex_t *);
/*
 * kernel.c's side of a descriptor fd_allocfile reserved (files.c): the
 * number kept from fd_getfile (false past the model's table) and given
 * back; a vnode file vn_open opened put in at it; the credential a file
 * holds (model_caller_cred: the calling LWP's IDs), made and let go.
 */
bool	model_fd_reserve(int fd);
void	model_fd_unreserve(int fd);
void	model_vnode_affix(file_t *, int fd, bool exclose);
kauth_cred_t model_caller_cred(void);
void	model_cred_free(kauth_cred_t);
#define	MODEL_PROC_SELF	(-2)
int	model_proc_hostfd(struct proc *);
/* Marks the mount holding host descriptor fd as mounted MNT_ASYNC. */
void	model_mount_set_async(int fd, bool);
/* Marks it unmounted (vfs_busy fails), or mounted again. */
void	model_mount_set_gone(int fd, bool);
#endif

#endif /* _COMPAT_LINUX_RS_MODEL_H_ */
