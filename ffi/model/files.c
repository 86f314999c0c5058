/*
 * files.c: the model's files of the module's own type (its pidfds), the
 * descriptor functions that make, reach, duplicate and close files
 * (kern_descrip.c), poll(2) and kqueue(2) records (sys_select.c,
 * kern_event.c), and what the model does with the host's news
 * (model_process_pending).  See model.h.
 *
 * The rules kept (kern_descrip.c 1.229 and later): fd_allocfile reserves
 * a descriptor of the calling process and a file with no reference
 * (f_count 0) holding the caller's credential; the caller then
 * fd_affix'es it, which gives the descriptor its reference, or
 * fd_abort's it, which frees the file without fo_close (and must not
 * hold a vnode); nothing is left reserved when the call returns.  A
 * vnode file (openat2's, from vn_open) is the host descriptor vn_open
 * opened once affixed (kernel.c: model_vnode_affix), found again by
 * fd_getfile as any other.
 * fd_getfile2 references another process's file (f_count), which its
 * caller keeps from exiting, and closef gives that back; the last
 * reference's closef calls fo_close.  selrecord is made only from a
 * file's fo_poll, with the polling LWP; a selinfo is destroyed with no
 * knote on it.
 *
 * On the host, a module file installed in the user process is the read
 * end of a pipe whose write end the model keeps: the user process can
 * poll it, select it, hand it to epoll, duplicate and close it.  The
 * model makes it readable once the file's fo_poll says POLLIN (which its
 * EVFILT_READ filter must agree with), and calls closef when the host
 * says no read end is left (the write end fails).  The host's
 * descriptors of a module file together hold one reference: fd_dup of one
 * adds a host descriptor, not a reference.  POLLHUP cannot be shown on
 * such a pipe, and read(2), write(2), fstat(2) and ioctl(2) on the
 * descriptor are the host's, not the file's operations; the unit tests
 * reach those through model_file_*.
 */

/* struct uio, as the kernel has it (sys/uio.h). */
#define	__UIO_EXPOSE
#include "model.h"

#include <sys/poll.h>
#include <sys/uio.h>

#define	MODEL_NMODFILES	64
static struct model_modfile {
	file_t		file;
	bool		used;
	bool		foreign;	/* another process's, held: see fd_getfile2 */
	bool		affixed;	/* installed: it has a pipe */
	int		wfd;		/* the pipe's write end */
	unsigned long	dev, ino;	/* the pipe */
	bool		ready;		/* its read end is readable */
	bool		poll;		/* to be polled: made, or notified */
	struct selinfo	*sip;		/* what its last poll recorded */
	struct knote	knote;		/* the model's EVFILT_READ note on it */
	bool		knote_on;
	int		hostfd;		/* a foreign file's host descriptor */
} model_modfiles[MODEL_NMODFILES];
static kmutex_t model_modfiles_lock;

/* This thread's reserved descriptors (fd_allocfile), at most a few. */
static __thread struct model_reserved {
	file_t		*fp;
	int		fd;
	struct proc	*p;
	bool		exclose;
} model_reserved[4];

/* This thread's fd_getfile2 references and the host descriptors behind. */
static __thread struct model_hold {
	file_t		*fp;
	int		hostfd;
} model_holds[4];

/* The file fo_poll runs for on this thread, if any: selrecord's. */
static __thread struct model_modfile *model_polling;

bool
model_is_files_lock(kmutex_t *mtx)
{

	return mtx == &model_modfiles_lock;
}

static struct model_modfile *
model_modfile(file_t *fp)
{
	const char *p = (const char *)fp;

	if (p < (const char *)model_modfiles ||
	    p >= (const char *)(model_modfiles + MODEL_NMODFILES))
		return NULL;
	return (struct model_modfile *)(void *)fp;
}

/* A free slot, taken; model_modfiles_lock held. */
static struct model_modfile *
model_modfile_new(void)
{
	size_t i;

	for (i = 0; i < MODEL_NMODFILES; i++) {
		struct model_modfile *mf = &model_modfiles[i];

		if (!mf->used) {
			__builtin_memset(mf, 0, sizeof(*mf));
			mf->used = true;
			mf->wfd = mf->hostfd = -1;
			return mf;
		}
	}
	return NULL;
}

static struct model_reserved *
model_reservation(file_t *fp, int fd)
{
	size_t i;

	for (i = 0; i < __arraycount(model_reserved); i++) {
		if (model_reserved[i].fd == fd && model_reserved[i].p != NULL &&
		    (fp == NULL || model_reserved[i].fp == fp))
			return &model_reserved[i];
	}
	return NULL;
}

static int
model_host_errno(int error)
{

	return error == 23 ? ENFILE : EMFILE;	/* Linux ENFILE, EMFILE */
}

int
fd_allocfile(file_t **fpp, int *fdp)
{
	struct model_reserved *r = NULL;
	struct model_modfile *mf;
	struct lwp *l = x86_curlwp();
	size_t i;
	int fd;

	for (i = 0; i < __arraycount(model_reserved); i++) {
		if (model_reserved[i].p == NULL)
			r = &model_reserved[i];
	}
	if (l == NULL || r == NULL) {
		model_violation("fd_allocfile: no calling LWP, or too many "
		    "descriptors reserved at once");
		return EMFILE;
	}
	if ((fd = host_user_fd_reserve()) < 0)
		return model_host_errno(-fd);
	if (!model_fd_reserve(fd)) {
		host_user_fd_release(fd);
		return EMFILE;
	}
	mutex_enter(&model_modfiles_lock);
	mf = model_modfile_new();
	mutex_exit(&model_modfiles_lock);
	if (mf == NULL) {
		model_fd_unreserve(fd);
		host_user_fd_release(fd);
		return ENFILE;
	}
	/* The file holds the calling LWP's credential (kauth_cred_hold). */
	mf->file.f_cred = model_caller_cred();
	*r = (struct model_reserved){ &mf->file, fd, l->l_proc, false };
	model_trace()->files_reserved++;
	*fpp = &mf->file;
	*fdp = fd;
	return 0;
}

void
fd_set_exclose(struct lwp *l, int fd, bool exclose)
{
	struct model_reserved *r = model_reservation(NULL, fd);

	if (l != x86_curlwp() || r == NULL) {
		model_violation("fd_set_exclose: not a descriptor the calling "
		    "LWP reserved");
		return;
	}
	r->exclose = exclose;
}

/*
 * Gives reservation r up: the number is the host's from here; the file,
 * unless kept, is freed (ffree), and its credential with it.
 */
static void
model_unreserve(struct model_reserved *r, bool keep)
{
	struct model_modfile *mf = model_modfile(r->fp);

	model_fd_unreserve(r->fd);
	if (!keep) {
		model_cred_free(r->fp->f_cred);
		mutex_enter(&model_modfiles_lock);
		mf->used = false;
		mutex_exit(&model_modfiles_lock);
	}
	r->p = NULL;
	r->fp = NULL;
	r->fd = -1;
	model_trace()->files_reserved--;
}

void
fd_abort(struct proc *p, file_t *fp, unsigned fd)
{
	struct model_reserved *r = model_reservation(fp, (int)fd);

	if (r == NULL || r->p != p) {
		model_violation("fd_abort: not a descriptor the process "
		    "reserved");
		return;
	}
	if (fp != NULL && fp->f_count != 0)
		model_violation("fd_abort: the file has references");
	if (fp != NULL && fp->f_vnode != NULL)
		model_violation("fd_abort: the file has a vnode (ffree leaks it)");
	/*
	 * The model's reservation ends before the host number is free: a
	 * thread that opens a file at that number next must find it (the
	 * other order answered its fd_getfile EBADF in between).
	 */
	model_unreserve(r, false);
	host_user_fd_release((int)fd);
}

void
fd_affix(struct proc *p, file_t *fp, unsigned fd)
{
	struct model_reserved *r = model_reservation(fp, (int)fd);
	struct model_modfile *mf = model_modfile(fp);
	unsigned long dev, ino;
	int rfd, wfd, error;

	if (r == NULL || r->p != p || mf == NULL) {
		model_violation("fd_affix: not a file and descriptor the "
		    "process reserved");
		return;
	}
	if (fp->f_type == DTYPE_VNODE) {
		/* vn_open's: the host descriptor is the file from here. */
		model_vnode_affix(fp, (int)fd, r->exclose);
		fp->f_vnode = NULL;
		model_unreserve(r, false);
		return;
	}
	if (fp->f_ops == NULL || fp->f_type == 0 || fp->f_count != 0)
		model_violation("fd_affix: a file without operations, or "
		    "with references");
	error = host_file_pipe(&rfd, &wfd, (fp->f_flag & FNONBLOCK) != 0, &dev,
	    &ino);
	if (error == 0) {
		error = host_user_fd_install(rfd, (int)fd, r->exclose);
		host_fd_close(rfd);
	}
	if (error != 0)
		model_violation("fd_affix: the host would not install it");
	mutex_enter(&model_modfiles_lock);
	fp->f_count++;
	mf->wfd = error == 0 ? wfd : -1;
	mf->dev = dev;
	mf->ino = ino;
	mf->affixed = error == 0;
	mf->poll = true;
	mutex_exit(&model_modfiles_lock);
	model_unreserve(r, true);
}

/*
 * The module file whose pipe's read end a host descriptor is: the write
 * end, the model's own, is none (for the unit tests both are in this
 * process's table).
 */
file_t *
model_module_file(const struct host_file *info)
{
	unsigned long dev = info->dev, ino = info->ino;
	file_t *fp = NULL;
	size_t i;

	if (info->kind != HOST_FIFO || !info->readable || info->writable)
		return NULL;
	mutex_enter(&model_modfiles_lock);
	for (i = 0; i < MODEL_NMODFILES && fp == NULL; i++) {
		struct model_modfile *mf = &model_modfiles[i];

		if (mf->used && mf->affixed && mf->dev == dev &&
		    mf->ino == ino && mf->file.f_count > 0)
			fp = &mf->file;
	}
	mutex_exit(&model_modfiles_lock);
	return fp;
}

/*
 * fd_getfile2: a file of process p, which its caller holds (p_reflock),
 * referenced.  A module file is itself; any other is a stand-in holding
 * a host duplicate, with one reference for the process's descriptor and
 * one for the caller.
 */
file_t *
fd_getfile2(proc_t *p, unsigned fd)
{
	struct model_modfile *mf;
	struct model_hold *hold = NULL;
	struct host_file info;
	int pidfd, hostfd;
	file_t *fp;
	size_t i;

	if (!model_proc_held(p))
		model_violation("fd_getfile2: the process is not held");
	for (i = 0; i < __arraycount(model_holds); i++) {
		if (model_holds[i].fp == NULL)
			hold = &model_holds[i];
	}
	if (hold == NULL) {
		model_violation("fd_getfile2: too many files held at once");
		return NULL;
	}
	pidfd = model_proc_hostfd(p);
	hostfd = pidfd == MODEL_PROC_SELF ? host_fd_dup((int)fd) :
	    pidfd >= 0 ? host_pidfd_getfd(pidfd, (int)fd) : -1;
	if (hostfd < 0)
		return NULL;
	host_file_info(hostfd, &info);
	if ((fp = model_module_file(&info)) != NULL) {
		mutex_enter(&model_modfiles_lock);
		fp->f_count++;
		mutex_exit(&model_modfiles_lock);
	} else {
		mutex_enter(&model_modfiles_lock);
		mf = model_modfile_new();
		mutex_exit(&model_modfiles_lock);
		if (mf == NULL) {
			host_fd_close(hostfd);
			return NULL;
		}
		mf->foreign = true;
		mf->hostfd = hostfd;
		fp = &mf->file;
		fp->f_count = 2;
		fp->f_type = info.kind == HOST_SOCK ? DTYPE_SOCKET :
		    info.kind == HOST_FIFO ? DTYPE_PIPE : DTYPE_VNODE;
		fp->f_flag = (info.readable ? FREAD : 0) |
		    (info.writable ? FWRITE : 0);
		hostfd = -1;
	}
	*hold = (struct model_hold){ fp, hostfd };
	model_trace()->files_held2++;
	return fp;
}

/* The host descriptor this thread holds fp by, or -1. */
static int
model_hold_fd(file_t *fp)
{
	struct model_modfile *mf = model_modfile(fp);
	size_t i;

	if (mf != NULL && mf->foreign)
		return mf->hostfd;
	for (i = 0; i < __arraycount(model_holds); i++) {
		if (model_holds[i].fp == fp && model_holds[i].hostfd >= 0)
			return model_holds[i].hostfd;
	}
	return model_file_held_fd(fp);
}

/*
 * closef: one reference given back, this thread's fd_getfile2 one if it
 * has one; the last one's fo_close, then the file is freed.
 */
int
closef(file_t *fp)
{
	struct model_modfile *mf = model_modfile(fp);
	bool last, stand_in_done = false;
	int error = 0;
	size_t i;

	if (mf == NULL || !mf->used) {
		model_violation("closef: not a file of the model's");
		return 0;
	}
	for (i = 0; i < __arraycount(model_holds); i++) {
		if (model_holds[i].fp == fp) {
			host_fd_close(model_holds[i].hostfd);
			model_holds[i].fp = NULL;
			model_trace()->files_held2--;
			break;
		}
	}
	mutex_enter(&model_modfiles_lock);
	if (fp->f_count == 0)
		model_violation("closef: no reference left");
	else
		fp->f_count--;
	last = fp->f_count == 0 && !mf->foreign;
	if (mf->foreign && fp->f_count <= 1) {
		/* Only the other process's descriptor is left. */
		stand_in_done = true;
		mf->used = false;
	}
	mutex_exit(&model_modfiles_lock);
	if (stand_in_done)
		host_fd_close(mf->hostfd);
	if (last) {
		error = fp->f_ops->fo_close(fp);
		model_trace()->files_closed++;
		model_cred_free(fp->f_cred);	/* ffree */
		mutex_enter(&model_modfiles_lock);
		mf->used = false;
		mutex_exit(&model_modfiles_lock);
	}
	return error;
}

/*
 * fd_dup: the lowest free descriptor of the calling process gets the
 * file (a host duplicate of the descriptor the caller holds it by).
 */
static int
model_fd_dup(file_t *fp, int minfd, int *newfd, bool exclose)
{
	int hostfd = model_hold_fd(fp), fd, error;

	if (hostfd < 0) {
		model_violation("fd_dup: a file the caller does not hold");
		return EBADF;
	}
	if (minfd != 0)
		model_violation("fd_dup: the model's lowest number is 0");
	if ((fd = host_user_fd_reserve()) < 0)
		return model_host_errno(-fd);
	if ((error = host_user_fd_install(hostfd, fd, exclose)) != 0) {
		host_user_fd_release(fd);
		return model_host_errno(error);
	}
	*newfd = fd;
	return 0;
}

#if __NetBSD_Version__ >= 1100000000
int
fd_dup(file_t *fp, int minfd, int *newfd, bool exclose, bool foclose)
{

	if (foclose)
		model_violation("fd_dup: close-on-fork, which Linux has not");
	return model_fd_dup(fp, minfd, newfd, exclose);
}
#else
int
fd_dup(file_t *fp, int minfd, int *newfd, bool exclose)
{

	return model_fd_dup(fp, minfd, newfd, exclose);
}
#endif

/* The kernel's no-op file operations (kern_descrip.c). */
int
fnullop_fcntl(file_t *fp, u_int cmd, void *data)
{

	(void)fp, (void)data;
	return cmd == F_SETFL ? 0 : EOPNOTSUPP;
}

void
fnullop_restart(file_t *fp)
{

	(void)fp;
}

/* atomic_dec_uint_nv (atomic.S): the decrement, then the new value. */
unsigned int
atomic_dec_uint_nv(volatile unsigned int *p)
{

	return __atomic_sub_fetch(p, 1, __ATOMIC_SEQ_CST);
}

/*
 * selinfo records (sys_select.c): selinit zeroes one; selrecord, made
 * from fo_poll, records the poll; selnotify wakes the polls recorded and
 * runs the knotes on it (knote: f_event with the hint); seldestroy, of a
 * record no knote is on.  The model's polls are its own (a module file's
 * repoll, model_file_poll).
 */
void
selinit(struct selinfo *sip)
{

	__builtin_memset(sip, 0, sizeof(*sip));
	SLIST_INIT(&sip->sel_klist);
}

void
seldestroy(struct selinfo *sip)
{
	size_t i;

	if (!SLIST_EMPTY(&sip->sel_klist))
		model_violation("seldestroy: a knote is on it (its memory "
		    "goes)");
	mutex_enter(&model_modfiles_lock);
	for (i = 0; i < MODEL_NMODFILES; i++) {
		if (model_modfiles[i].sip == sip)
			model_modfiles[i].sip = NULL;
	}
	mutex_exit(&model_modfiles_lock);
}

void
selrecord(struct lwp *l, struct selinfo *sip)
{

	if (model_polling == NULL || l != x86_curlwp()) {
		model_violation("selrecord: not from fo_poll of the polling "
		    "LWP");
		return;
	}
	mutex_enter(&model_modfiles_lock);
	model_polling->sip = sip;
	mutex_exit(&model_modfiles_lock);
}

void
selnotify(struct selinfo *sip, int events, long knhint)
{
	struct knote *kn;
	size_t i;

	(void)events;
	SLIST_FOREACH(kn, &sip->sel_klist, kn_selnext) {
		if (kn->kn_fop->f_event(kn, knhint) != 0)
			kn->kn_status |= 1;	/* KN_ACTIVE */
	}
	mutex_enter(&model_modfiles_lock);
	for (i = 0; i < MODEL_NMODFILES; i++) {
		if (model_modfiles[i].used && model_modfiles[i].sip == sip)
			model_modfiles[i].poll = true;
	}
	mutex_exit(&model_modfiles_lock);
}

void
selrecord_knote(struct selinfo *sip, struct knote *kn)
{

	SLIST_INSERT_HEAD(&sip->sel_klist, kn, kn_selnext);
}

bool
selremove_knote(struct selinfo *sip, struct knote *kn)
{

	SLIST_REMOVE(&sip->sel_klist, kn, knote, kn_selnext);
	return SLIST_EMPTY(&sip->sel_klist);
}

/*
 * fo_poll of a module file, as poll(2) makes it: by an LWP (one made for
 * a thread that has none, linuxrun's watcher), for the events asked and
 * POLLERR and POLLHUP (pollscan, sys_select.c; select's read and write
 * sets ask for both too).
 */
static int
model_fo_poll(struct model_modfile *mf, int events)
{
	struct lwp *poller = x86_curlwp() == NULL ? model_lwp_new(0) : NULL;
	int revents;

	model_polling = mf;
	revents = mf->file.f_ops->fo_poll(&mf->file,
	    events | POLLERR | POLLHUP);
	model_polling = NULL;
	if (poller != NULL)
		model_lwp_free(poller);
	return revents;
}

/*
 * A module file is polled again: its fo_poll, and its EVFILT_READ
 * filter, which must agree on whether it is readable; its read end is
 * made readable if it is.
 */
static void
model_repoll(struct model_modfile *mf)
{
	file_t *fp = &mf->file;
	int readable;
	bool fired = false;

	readable = model_fo_poll(mf, POLLIN | POLLRDNORM) &
	    (POLLIN | POLLRDNORM);
	if (!mf->knote_on) {
		__builtin_memset(&mf->knote, 0, sizeof(mf->knote));
		mf->knote.kn_kevent.filter = EVFILT_READ;
		if (fp->f_ops->fo_kqfilter(fp, &mf->knote) == 0)
			mf->knote_on = true;
		else
			model_violation("fo_kqfilter: EVFILT_READ refused");
	}
	if (mf->knote_on)
		fired = mf->knote.kn_fop->f_event(&mf->knote, 0) != 0;
	if ((readable != 0) != fired)
		model_violation("fo_poll and the EVFILT_READ filter disagree");
	if (readable != 0 && !mf->ready) {
		host_file_ready(mf->wfd);
		mf->ready = true;
	}
}

/*
 * The host's last descriptor of a module file is gone: its knotes go
 * (knote_fdclose), then the descriptors' reference (closef).
 */
static void
model_last_close(struct model_modfile *mf)
{

	if (mf->knote_on) {
		mf->knote.kn_fop->f_detach(&mf->knote);
		mf->knote_on = false;
	}
	mutex_enter(&model_modfiles_lock);
	mf->affixed = false;
	mutex_exit(&model_modfiles_lock);
	host_file_gone(mf->wfd);
	mf->wfd = -1;
	(void)closef(&mf->file);
}

void
model_process_pending(void)
{
	struct model_modfile *mf;
	bool closed, poll;
	size_t i;

	model_proc_sync();
	host_sync_begin();
	for (i = 0; i < MODEL_NMODFILES; i++) {
		mf = &model_modfiles[i];
		mutex_enter(&model_modfiles_lock);
		if (!mf->used || !mf->affixed) {
			mutex_exit(&model_modfiles_lock);
			continue;
		}
		closed = host_file_unread(mf->wfd);
		poll = mf->poll && !closed;
		mf->poll = false;
		mutex_exit(&model_modfiles_lock);
		if (closed)
			model_last_close(mf);
		else if (poll)
			model_repoll(mf);
	}
	host_sync_end();
}

u_int
model_files_open(void)
{
	u_int n = 0;
	size_t i;

	mutex_enter(&model_modfiles_lock);
	for (i = 0; i < MODEL_NMODFILES; i++)
		n += model_modfiles[i].used && !model_modfiles[i].foreign;
	mutex_exit(&model_modfiles_lock);
	return n;
}

/* The module file descriptor ufd of the user process stands for. */
static struct model_modfile *
model_user_modfile(int ufd)
{
	struct host_file info;
	file_t *fp = NULL;
	int hostfd;

	if ((hostfd = host_fd_get(ufd)) < 0)
		return NULL;
	host_file_info(hostfd, &info);
	fp = model_module_file(&info);
	host_fd_put(hostfd);
	return fp == NULL ? NULL : model_modfile(fp);
}

int
model_file_poll(int ufd, int events, int *revents)
{
	struct model_modfile *mf = model_user_modfile(ufd);

	if (mf == NULL)
		return EBADF;
	*revents = model_fo_poll(mf, events);
	return 0;
}

int
model_file_kevent(int ufd, int filter, bool *fired)
{
	struct model_modfile *mf = model_user_modfile(ufd);
	struct knote kn;
	int error;

	if (mf == NULL)
		return EBADF;
	__builtin_memset(&kn, 0, sizeof(kn));
	kn.kn_kevent.filter = filter;
	if ((error = mf->file.f_ops->fo_kqfilter(&mf->file, &kn)) != 0)
		return error;
	*fired = kn.kn_fop->f_event(&kn, 0) != 0;
	kn.kn_fop->f_detach(&kn);
	return 0;
}

int
model_file_stat(int ufd, struct stat *st)
{
	struct model_modfile *mf = model_user_modfile(ufd);

	if (mf == NULL)
		return EBADF;
	return mf->file.f_ops->fo_stat(&mf->file, st);
}

int
model_file_rw(int ufd, bool write)
{
	struct model_modfile *mf = model_user_modfile(ufd);
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	struct uio uio = { &iov, 1, 0, 1, write ? UIO_WRITE : UIO_READ, NULL };
	off_t off = 0;
	struct lwp *l = x86_curlwp();

	if (mf == NULL || l == NULL)
		return EBADF;
	return (write ? mf->file.f_ops->fo_write : mf->file.f_ops->fo_read)(
	    &mf->file, &off, &uio, l->l_cred, 0);
}

int
model_file_ioctl(int ufd, u_long cmd)
{
	struct model_modfile *mf = model_user_modfile(ufd);
	int data = 1;

	if (mf == NULL)
		return EBADF;
	return mf->file.f_ops->fo_ioctl(&mf->file, cmd, &data);
}

int
model_file_seek(int ufd)
{
	struct model_modfile *mf = model_user_modfile(ufd);
	off_t off = 0;

	if (mf == NULL)
		return EBADF;
	return mf->file.f_ops->fo_seek(&mf->file, 0, SEEK_SET, &off, 0);
}
