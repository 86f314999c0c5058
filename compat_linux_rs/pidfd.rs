//! pidfds: files of the module's own type that refer to one process.
//!
//! Linux (`kernel/pid.c`, `fs/pidfs.c` of 6.x): a pidfd refers to a
//! process through its `struct pid`, never to a later process that reuses
//! its ID. It polls readable (`POLLIN`, `POLLRDNORM`) once the process has
//! exited and can be waited for, and also `POLLHUP` once it has been
//! reaped; it is never writable. read(2) and write(2) fail with `EINVAL`,
//! lseek(2) with `ESPIPE`, other ioctls with `ENOTTY`; fstat(2) gives mode
//! 0700 without a file type, owner root, one link and an inode number per
//! process.
//!
//! On NetBSD a pidfd is a file (`DTYPE_MISC`) whose operations are this
//! module's (`clrs_pidfd_fileops`, `ffi/shim.c`), with a `struct
//! clrs_pidfd` as `f_data`. The process it refers to has a `struct
//! clrs_pidproc`, shared by all its pidfds: kept in the process's
//! specificdata (`proc_setspecific`) from its first pidfd on, set while
//! the process is held by its `p_reflock` so that it cannot reach its
//! exit meanwhile. `exit1` runs the key's destructor
//! ([`clrs_pidproc_exit`]) through `proc_finispecific`, with `proc_lock`
//! held, and in the same hold of `proc_lock` makes the process a zombie
//! and signals its parent (kern_exit.c 1.285 and 1.298): so when a poller
//! wakes, a wait(2) finds the zombie, as on Linux. The process's identity
//! (ID, `struct proc`, start time) tells its zombie from a later process
//! with its ID, and so whether it has been reaped.
//!
//! Deviations: `POLLHUP`, which a reaped process adds, is reported to a
//! poll made after the reaping, but does not wake one already waiting
//! (NetBSD tells nothing of the reaping), nor to a poll(2) that asks for
//! `POLLOUT` alone (what NetBSD's select asks of its write set, where the
//! hang-up would read as writable: Linux answers that poll `POLLHUP`);
//! epoll, built on kqueue in NetBSD 11's Linux emulation, reports
//! `EPOLLIN` but never `EPOLLHUP`; fstat's `st_dev` is 0.

use core::ffi::c_int;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::errno::Errno;
use crate::file::FileRef;
use crate::lwp::Lwp;
use crate::process::{HeldProc, Identity, ProcTable};
use crate::sys;

/// `PIDFD_NONBLOCK` of `include/uapi/linux/pidfd.h`: Linux's `O_NONBLOCK`.
pub const PIDFD_NONBLOCK: u32 = 0o4000;

/// poll(2) bits, the same on Linux and NetBSD.
const POLLIN: c_int = 0x1;
const POLLOUT: c_int = 0x4;
const POLLERR: c_int = 0x8;
const POLLHUP: c_int = 0x10;
const POLLRDNORM: c_int = 0x40;

/// What NetBSD's select(2) asks of a descriptor in its write set
/// (`sel_flag`, sys_select.c: `POLLWRNORM`, which is `POLLOUT` in
/// NetBSD's sys/poll.h, `POLLHUP` and `POLLERR`), counting it writable for
/// any bit answered; poll(2) for `POLLOUT` alone asks the same (`pollscan`
/// adds `POLLERR` and `POLLHUP`).
const SELECT_WRITE_SCAN: c_int = POLLOUT | POLLHUP | POLLERR;

/// The inode numbers fstat(2) reports, one per process, never reused
/// while the module is loaded.
static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// `pp_refs` of a `clrs_pidproc`.
fn refs(pp: NonNull<sys::clrs_pidproc>) -> &'static AtomicU32 {
    // SAFETY: pp_refs is a u_int, aligned, and only ever accessed
    // atomically; the object lives while a reference is counted.
    unsafe { AtomicU32::from_ptr(&raw mut (*pp.as_ptr()).pp_refs) }
}

/// A counted reference to a process's `clrs_pidproc`, released on drop
/// (the last one frees it).
pub struct PidProc(NonNull<sys::clrs_pidproc>);

impl PidProc {
    /// A new one for the process `identity` names, counting itself and,
    /// unless `exited`, the process's attachment too.
    fn new(identity: &Identity, exited: bool) -> Result<PidProc, Errno> {
        let size = core::mem::size_of::<sys::clrs_pidproc>();
        // SAFETY: a sleeping allocation in system call context.
        let pp = NonNull::new(unsafe { sys::kmem_zalloc(size, sys::KM_SLEEP) })
            .ok_or(Errno::ENOMEM)?
            .cast::<sys::clrs_pidproc>();
        // SAFETY: the fresh zeroed object, set up before anyone else sees
        // it; the lock and selinfo are made as their kernel functions say.
        unsafe {
            let p = pp.as_ptr();
            sys::mutex_init(&raw mut (*p).pp_lock, sys::kmutex_type_t_MUTEX_DEFAULT, 0);
            sys::selinit(&raw mut (*p).pp_sel);
            (*p).pp_refs = if exited { 1 } else { 2 };
            (*p).pp_exited = exited;
            (*p).pp_pid = identity.pid;
            (*p).pp_proc = identity.proc;
            (*p).pp_start = identity.start;
            (*p).pp_ino = NEXT_INO.fetch_add(1, Ordering::Relaxed);
        }
        Ok(PidProc(pp))
    }

    /// A pidfd's view of a process that has exited (`identity` names its
    /// zombie, or it is gone).
    pub fn exited(identity: &Identity) -> Result<PidProc, Errno> {
        PidProc::new(identity, true)
    }

    /// The live process `held`, which `identity` names: its shared
    /// `clrs_pidproc`, made and attached to it for its first pidfd.
    pub fn attach(held: &HeldProc, identity: &Identity) -> Result<PidProc, Errno> {
        // Made before the lock, freed if the process has one already.
        let fresh = PidProc::new(identity, false)?;
        let _attaching = Attaching::lock();
        // SAFETY: the process is held (p_reflock), so its specificdata
        // stays until the release: exit1 finishes it only after taking
        // p_reflock as writer. clrs_pidfd_attach_lock serialises the get
        // and the set against other pidfds of the process; the destructor
        // does not take it (it runs with the domain lock held, which the
        // set takes).
        unsafe {
            let found = sys::proc_getspecific(held.as_ptr(), sys::clrs_pidfd_key);
            if let Some(pp) = NonNull::new(found.cast::<sys::clrs_pidproc>()) {
                refs(pp).fetch_add(1, Ordering::Relaxed);
                // `fresh` was never attached: both its counts go.
                refs(fresh.0).fetch_sub(1, Ordering::Relaxed);
                return Ok(PidProc(pp));
            }
            sys::proc_setspecific(held.as_ptr(), sys::clrs_pidfd_key, fresh.0.as_ptr().cast());
        }
        Ok(fresh)
    }

    /// The process's identity.
    pub fn identity(&self) -> Identity {
        identity(self.0)
    }

    /// What has become of the process, seen with `proc_lock` held.
    pub fn status<'t>(&self, table: &'t ProcTable) -> Status<'t> {
        status(self.0, table)
    }

    /// Gives the reference to a `clrs_pidfd`, which releases it on close.
    fn into_raw(self) -> NonNull<sys::clrs_pidproc> {
        let pp = self.0;
        core::mem::forget(self);
        pp
    }

    /// Releases a reference given away by `into_raw`.
    ///
    /// # Safety
    /// `pp` carries one counted reference, which the caller gives up.
    unsafe fn release_raw(pp: NonNull<sys::clrs_pidproc>) {
        drop(PidProc(pp));
    }
}

impl Drop for PidProc {
    fn drop(&mut self) {
        if refs(self.0).fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        core::sync::atomic::fence(Ordering::Acquire);
        // SAFETY: the last reference: no pidfd, knote, poller (selinfo
        // records go with seldestroy) or process can reach the object.
        unsafe {
            let p = self.0.as_ptr();
            sys::seldestroy(&raw mut (*p).pp_sel);
            sys::mutex_destroy(&raw mut (*p).pp_lock);
            sys::kmem_free(p.cast(), core::mem::size_of::<sys::clrs_pidproc>());
        }
    }
}

/// The identity of the process `pp` stands for (set when `pp` is made,
/// never changed).
fn identity(pp: NonNull<sys::clrs_pidproc>) -> Identity {
    let p = pp.as_ptr();
    // SAFETY: a live object (the caller holds a reference, or the file
    // that holds one); these fields do not change after it is made.
    unsafe {
        Identity {
            pid: (*p).pp_pid,
            proc: (*p).pp_proc,
            start: (*p).pp_start,
        }
    }
}

/// What has become of `pp`'s process, seen with `proc_lock` held: the
/// destructor that marks the exit runs only in `exit1` with it held (or at
/// unload, when no pidfd exists), so `pp_exited` is stable here, and while
/// it is false the process has not reached its exit's `proc_finispecific`,
/// so it has not been freed either.
fn status<'t>(pp: NonNull<sys::clrs_pidproc>, table: &'t ProcTable) -> Status<'t> {
    // SAFETY: a live object; a read of a bool the destructor writes under
    // proc_lock, which `table` holds.
    let exited = unsafe { core::ptr::read_volatile(&raw const (*pp.as_ptr()).pp_exited) };
    match (exited, table.find_identity(&identity(pp))) {
        (false, Some(p)) => Status::Live(p),
        (true, Some(p)) => Status::Zombie(p),
        _ => Status::Reaped,
    }
}

/// A pidfd's process, as [`PidProc::status`] sees it.
pub enum Status<'t> {
    /// Running, stopped or exiting, not yet at the destructor.
    Live(crate::process::Proc<'t>),
    /// Exited, a zombie its parent can wait for.
    Zombie(crate::process::Proc<'t>),
    /// Exited and waited for: its ID names nothing, or another process.
    Reaped,
}

/// `clrs_pidfd_attach_lock` held as writer: attaching a process's
/// `clrs_pidproc` (a sleep lock, as `proc_setspecific` may allocate).
struct Attaching;

impl Attaching {
    fn lock() -> Attaching {
        // SAFETY: the module's lock, made at INIT, taken from a system call
        // with no lock held; released on drop.
        unsafe { sys::rw_enter(&raw mut sys::clrs_pidfd_attach_lock, sys::krw_t_RW_WRITER) };
        Attaching
    }
}

impl Drop for Attaching {
    fn drop(&mut self) {
        // SAFETY: taken in `lock` by this thread.
        unsafe { sys::rw_exit(&raw mut sys::clrs_pidfd_attach_lock) };
    }
}

/// `clrs_pidfd_lock` held: the list of the module's pidfds.
struct Registry;

impl Registry {
    fn lock() -> Registry {
        // SAFETY: the module's lock, made at INIT, taken with no spin lock
        // held.
        unsafe { sys::mutex_enter(&raw mut sys::clrs_pidfd_lock) };
        Registry
    }

    /// Frees the closed pidfds whose close has left the module.
    fn reclaim(&self) {
        // SAFETY: the list is this lock's; a closed pidfd is reached from
        // nothing else, and one whose pf_closing is 0 is no longer touched
        // by its closing thread (see clrs_pidfd_fo_close).
        unsafe {
            let mut link = &raw mut sys::clrs_pidfds;
            while let Some(pf) = NonNull::new(*link) {
                let pf = pf.as_ptr();
                if (*pf).pf_closed && closing(pf).load(Ordering::Acquire) == 0 {
                    *link = (*pf).pf_next;
                    sys::kmem_free(pf.cast(), core::mem::size_of::<sys::clrs_pidfd>());
                } else {
                    link = &raw mut (*pf).pf_next;
                }
            }
        }
    }

    /// Whether a pidfd is open or its close has not left the module.
    fn busy(&self) -> bool {
        // SAFETY: the list is this lock's.
        unsafe {
            let mut pf = sys::clrs_pidfds;
            while !pf.is_null() {
                if !(*pf).pf_closed || closing(pf).load(Ordering::Acquire) != 0 {
                    return true;
                }
                pf = (*pf).pf_next;
            }
        }
        false
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // SAFETY: taken in `lock` by this thread.
        unsafe { sys::mutex_exit(&raw mut sys::clrs_pidfd_lock) };
    }
}

/// `pf_closing` of a pidfd.
///
/// # Safety
/// `pf` is a listed pidfd.
unsafe fn closing(pf: *mut sys::clrs_pidfd) -> &'static AtomicU32 {
    // SAFETY: the caller's pidfd; pf_closing is an aligned u_int only
    // accessed atomically.
    unsafe { AtomicU32::from_ptr(&raw mut (*pf).pf_closing) }
}

/// Whether unload must wait: a pidfd is open, or a close is still in the
/// module's code.
#[unsafe(no_mangle)]
pub extern "C" fn clrs_pidfd_busy() -> bool {
    Registry::lock().busy()
}

/// Frees every closed pidfd whose close has left the module (all of them,
/// at unload).
#[unsafe(no_mangle)]
pub extern "C" fn clrs_pidfd_reclaim() {
    Registry::lock().reclaim();
}

/// A descriptor reserved for a pidfd (`fd_allocfile`): installed with
/// [`Slot::install`], or given back (`fd_abort`) on drop.
pub struct Slot {
    fp: NonNull<sys::file_t>,
    fd: c_int,
    pf: NonNull<sys::clrs_pidfd>,
    /// The calling process, whose descriptor it is.
    proc: *mut sys::proc_t,
}

impl Slot {
    /// Reserves the lowest free descriptor of the calling process and a
    /// file for it: `EMFILE` or `ENFILE` where there is none.
    pub fn reserve(lwp: &Lwp) -> Result<Slot, Errno> {
        let size = core::mem::size_of::<sys::clrs_pidfd>();
        // SAFETY: a sleeping allocation in system call context.
        let pf = NonNull::new(unsafe { sys::kmem_zalloc(size, sys::KM_SLEEP) })
            .ok_or(Errno::ENOMEM)?
            .cast::<sys::clrs_pidfd>();
        let mut fp = core::ptr::null_mut();
        let mut fd = -1;
        // SAFETY: fd_allocfile fills both results when it returns 0, and
        // a file always then; the object above is reached from nothing
        // else and goes on failure.
        let reserved = Errno::check(unsafe { sys::fd_allocfile(&mut fp, &mut fd) })
            .and_then(|()| NonNull::new(fp).ok_or(Errno::ENFILE));
        match reserved {
            Ok(fp) => Ok(Slot {
                fp,
                fd,
                pf,
                proc: lwp.proc_ptr(),
            }),
            Err(e) => {
                // SAFETY: as above.
                unsafe { sys::kmem_free(pf.as_ptr().cast(), size) };
                Err(e)
            }
        }
    }

    /// The descriptor's number.
    pub fn fd(&self) -> c_int {
        self.fd
    }

    /// Makes the file a pidfd of `pp` (nonblocking if `nonblock`,
    /// close-on-exec) and installs it at the reserved number.
    pub fn install(self, lwp: &Lwp, pp: PidProc, nonblock: bool) -> c_int {
        let (fp, fd, pf, proc) = (self.fp, self.fd, self.pf, self.proc);
        core::mem::forget(self);
        let registry = Registry::lock();
        registry.reclaim();
        // SAFETY: the reserved file, not yet visible to anyone; the fresh
        // pidfd object is listed under the registry's lock, and the file
        // holds the process reference until its close; fd_affix publishes
        // it at the reserved number of the calling process.
        unsafe {
            let p = pf.as_ptr();
            (*p).pf_proc = pp.into_raw().as_ptr();
            (*p).pf_next = sys::clrs_pidfds;
            sys::clrs_pidfds = p;
            drop(registry);
            sys::clrs_file_set_pidfd(fp.as_ptr(), p, nonblock);
            sys::fd_set_exclose(lwp.as_ptr(), fd, true);
            sys::fd_affix(proc, fp.as_ptr(), fd as u32);
        }
        fd
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // SAFETY: the reservation fd_allocfile made, never installed, and
        // the pidfd object, never listed.
        unsafe {
            sys::fd_abort(self.proc, self.fp.as_ptr(), self.fd as u32);
            sys::kmem_free(
                self.pf.as_ptr().cast(),
                core::mem::size_of::<sys::clrs_pidfd>(),
            );
        }
    }
}

/// A pidfd descriptor of the calling process, held for the call.
pub struct PidfdRef {
    file: FileRef,
    pf: NonNull<sys::clrs_pidfd>,
}

impl PidfdRef {
    /// Descriptor `fd`: `EBADF` if it is not open or not a pidfd.
    pub fn get(fd: i32) -> Result<PidfdRef, Errno> {
        let file = FileRef::get(fd)?;
        // SAFETY: a held file; the shim compares its fileops.
        let pf =
            NonNull::new(unsafe { sys::clrs_file_pidfd(file.as_ptr()) }).ok_or(Errno::EBADF)?;
        Ok(PidfdRef { file, pf })
    }

    /// Its process.
    pub fn process(&self) -> PidProc {
        // SAFETY: the held file keeps its pidfd and the pidfd's reference
        // to the process; the new reference counted here is the caller's.
        unsafe {
            let pp = NonNull::new_unchecked((*self.pf.as_ptr()).pf_proc);
            refs(pp).fetch_add(1, Ordering::Relaxed);
            PidProc(pp)
        }
    }

    /// Whether it was made (or set) nonblocking.
    pub fn nonblock(&self) -> bool {
        // SAFETY: a held file; the shim reads f_flag.
        unsafe { sys::clrs_file_nonblock(self.file.as_ptr()) }
    }
}

/// A pidfd's process, from the file the kernel passes to a file operation
/// (which holds it for the operation).
///
/// # Safety
/// `fp` is a pidfd file, referenced by the caller.
unsafe fn file_pidproc(fp: *mut sys::file_t) -> NonNull<sys::clrs_pidproc> {
    // SAFETY: the caller's pidfd file: f_data is its pidfd, whose process
    // reference lasts until the file's close.
    unsafe { NonNull::new_unchecked((*sys::clrs_file_pidfd(fp)).pf_proc) }
}

/// The destructor of the process's specificdata: its exit (exit1, with
/// `proc_lock` held), or the module's unload (`proc_specific_key_delete`).
/// Marks the exit, wakes pollers and knotes, and drops the process's
/// reference.
///
/// # Safety
/// `data` is a `clrs_pidproc` attached to a process, whose attachment
/// reference this gives up.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_pidproc_exit(data: *mut core::ffi::c_void) {
    let Some(pp) = NonNull::new(data.cast::<sys::clrs_pidproc>()) else {
        return;
    };
    // SAFETY: the attached object is alive until its reference goes
    // below; its lock protects the flag and the selinfo, whose knotes are
    // told the lock is held (NOTE_SUBMIT).
    unsafe {
        let p = pp.as_ptr();
        sys::mutex_enter(&raw mut (*p).pp_lock);
        (*p).pp_exited = true;
        sys::selnotify(
            &raw mut (*p).pp_sel,
            POLLIN | POLLRDNORM,
            sys::NOTE_SUBMIT as i64,
        );
        sys::mutex_exit(&raw mut (*p).pp_lock);
        PidProc::release_raw(pp);
    }
}

/// read(2): Linux's pidfds have no read operation.
#[unsafe(no_mangle)]
pub extern "C" fn clrs_pidfd_read(
    _fp: *mut sys::file_t,
    _offset: *mut i64,
    _uio: *mut sys::uio,
    _cred: sys::kauth_cred_t,
    _flags: c_int,
) -> c_int {
    Errno::EINVAL.get()
}

/// write(2), likewise.
#[unsafe(no_mangle)]
pub extern "C" fn clrs_pidfd_write(
    _fp: *mut sys::file_t,
    _offset: *mut i64,
    _uio: *mut sys::uio,
    _cred: sys::kauth_cred_t,
    _flags: c_int,
) -> c_int {
    Errno::EINVAL.get()
}

/// ioctl(2): fcntl(2)'s `F_SETFL` asks for `FIONBIO` and `FIOASYNC`
/// (kern_descrip.c), which only set the file's flags, as Linux's
/// `F_SETFL` does on a pidfd; anything else is not a pidfd ioctl.
#[unsafe(no_mangle)]
pub extern "C" fn clrs_pidfd_ioctl(
    _fp: *mut sys::file_t,
    cmd: core::ffi::c_ulong,
    _data: *mut core::ffi::c_void,
) -> c_int {
    if cmd == sys::CLRS_FIONBIO as core::ffi::c_ulong
        || cmd == sys::CLRS_FIOASYNC as core::ffi::c_ulong
    {
        0
    } else {
        Errno::ENOTTY.get()
    }
}

/// poll(2) and select(2): `POLLIN`/`POLLRDNORM` once the process has
/// exited, and `POLLHUP` once it has been reaped; otherwise the poller
/// is recorded, under the same lock the destructor marks the exit under.
///
/// # Safety
/// `fp` is a pidfd file the caller holds.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_pidfd_poll(fp: *mut sys::file_t, events: c_int) -> c_int {
    // SAFETY: the caller's pidfd file.
    let pp = unsafe { file_pidproc(fp) };
    let p = pp.as_ptr();
    // SAFETY: the pidfd's process, alive while the file is; the flag and
    // the selinfo under its lock; selrecord with the polling LWP.
    let exited = unsafe {
        sys::mutex_enter(&raw mut (*p).pp_lock);
        let exited = (*p).pp_exited;
        if !exited && events & (POLLIN | POLLRDNORM) != 0 {
            sys::selrecord(sys::clrs_curlwp(), &raw mut (*p).pp_sel);
        }
        sys::mutex_exit(&raw mut (*p).pp_lock);
        exited
    };
    if !exited {
        return 0;
    }
    let hangup = wants_hangup(events) && matches!(status(pp, &ProcTable::lock()), Status::Reaped);
    events & (POLLIN | POLLRDNORM) | if hangup { POLLHUP } else { 0 }
}

/// Whether a poller is told of a reaped process's `POLLHUP`: poll(2)
/// always asks for it, and so does select(2)'s read set; select's
/// exception set does not ask, and its write set, which asks, would count
/// the pidfd writable, which Linux's select never finds it.
fn wants_hangup(events: c_int) -> bool {
    events & POLLHUP != 0 && events != SELECT_WRITE_SCAN
}

/// fstat(2): as Linux's pidfs says of a pidfd (see the module comment).
///
/// # Safety
/// `fp` is a pidfd file the caller holds, `st` a kernel `struct stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_pidfd_stat(fp: *mut sys::file_t, st: *mut sys::stat) -> c_int {
    // SAFETY: the caller's pidfd file and stat buffer; pp_ino does not
    // change after the object is made.
    unsafe {
        let pp = file_pidproc(fp).as_ptr();
        *st = core::mem::zeroed();
        (*st).st_mode = 0o700;
        (*st).st_nlink = 1;
        (*st).st_ino = (*pp).pp_ino;
        (*st).st_blksize = sys::PAGE_SIZE as _;
    }
    0
}

/// kqueue(2) (and NetBSD 11's epoll, built on it): `EVFILT_READ` fires
/// once the process has exited; `EVFILT_WRITE` can be registered, as
/// Linux's epoll takes `EPOLLOUT` for a pidfd, and never fires.
///
/// # Safety
/// `fp` is a pidfd file the caller holds, `kn` the knote being attached.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_pidfd_kqfilter(fp: *mut sys::file_t, kn: *mut sys::knote) -> c_int {
    // SAFETY: the caller's file and knote; the knote holds the file's
    // descriptor until its detach, and so the pidfd's process.
    unsafe {
        let pp = file_pidproc(fp).as_ptr();
        let ops = match sys::clrs_knote_filter(kn) {
            sys::EVFILT_READ => &raw const sys::clrs_pidfd_read_filtops,
            sys::EVFILT_WRITE => &raw const sys::clrs_pidfd_write_filtops,
            _ => return Errno::EINVAL.get(),
        };
        sys::clrs_knote_attach(kn, ops, pp);
        sys::mutex_enter(&raw mut (*pp).pp_lock);
        sys::selrecord_knote(&raw mut (*pp).pp_sel, kn);
        sys::mutex_exit(&raw mut (*pp).pp_lock);
    }
    0
}

/// A knote's detach: off the process's selinfo.
///
/// # Safety
/// `kn` was attached by [`clrs_pidfd_kqfilter`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_pidfd_filt_detach(kn: *mut sys::knote) {
    // SAFETY: the attached knote and its process, alive while the knote
    // holds the pidfd's descriptor.
    unsafe {
        let pp = sys::clrs_knote_pidproc(kn);
        sys::mutex_enter(&raw mut (*pp).pp_lock);
        sys::selremove_knote(&raw mut (*pp).pp_sel, kn);
        sys::mutex_exit(&raw mut (*pp).pp_lock);
    }
}

/// `EVFILT_READ`: whether the process has exited; `NOTE_SUBMIT` says the
/// destructor holds the lock already.
///
/// # Safety
/// As [`clrs_pidfd_filt_detach`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_pidfd_filt_read(
    kn: *mut sys::knote,
    hint: core::ffi::c_long,
) -> c_int {
    let locked = hint == sys::NOTE_SUBMIT as core::ffi::c_long;
    // SAFETY: as in clrs_pidfd_filt_detach; pp_exited under its lock.
    unsafe {
        let pp = sys::clrs_knote_pidproc(kn);
        if !locked {
            sys::mutex_enter(&raw mut (*pp).pp_lock);
        }
        let exited = (*pp).pp_exited;
        sys::clrs_knote_set_data(kn, 0);
        if !locked {
            sys::mutex_exit(&raw mut (*pp).pp_lock);
        }
        c_int::from(exited)
    }
}

/// `EVFILT_WRITE`: a pidfd is never writable.
#[unsafe(no_mangle)]
pub extern "C" fn clrs_pidfd_filt_write(_kn: *mut sys::knote, _hint: core::ffi::c_long) -> c_int {
    0
}

/// fo_close's work, called by `clrs_pidfd_fo_close` for the file's last
/// reference: sets `pf_closing`, marks the pidfd closed, releases its
/// process, and returns `pf_closing` for the kernel to clear last.
///
/// # Safety
/// `fp` is a pidfd file in closef, with no reference left.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_pidfd_close(fp: *mut sys::file_t) -> *mut u32 {
    // SAFETY: the file's pidfd, listed until reclaimed, which cannot happen
    // while pf_closing is 1; its process reference is given up here.
    unsafe {
        let pf = sys::clrs_file_pidfd(fp);
        closing(pf).store(1, Ordering::Relaxed);
        let pp = (*pf).pf_proc;
        {
            let _registry = Registry::lock();
            (*pf).pf_closed = true;
            (*pf).pf_proc = core::ptr::null_mut();
        }
        if let Some(pp) = NonNull::new(pp) {
            PidProc::release_raw(pp);
        }
        &raw mut (*pf).pf_closing
    }
}

#[cfg(test)]
#[path = "tests/pidfd.rs"]
mod tests;
