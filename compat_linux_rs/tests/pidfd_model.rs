//! What the pidfd calls' tests share: the module loaded (its pidfd key
//! and locks are made at INIT), processes of the model, and the host side
//! of the pidfds the model makes (a pipe's read end, see
//! `ffi/model/files.c`).

use std::sync::MutexGuard;

use crate::model::{self, ModelLwp, modcmd, serial};
use crate::sys;

/// The module loaded, by a test that holds `serial()` (INIT and FINI are
/// global); unloaded on drop once every pidfd is closed.
pub struct Loaded {
    _serial: MutexGuard<'static, ()>,
}

impl Loaded {
    pub fn new() -> Loaded {
        let serial = serial();
        // SAFETY: the model's one dictionary, empty; the tests hold serial().
        let props =
            unsafe { sys::model_props(c"".as_ptr(), sys::model_prop::MODEL_PROP_NONE, false) };
        assert_eq!(modcmd(sys::modcmd_MODULE_CMD_INIT, props), 0);
        Loaded { _serial: serial }
    }

    /// Unloads the module: EBUSY while a pidfd is open.
    pub fn fini(&self) -> i32 {
        modcmd(sys::modcmd_MODULE_CMD_FINI, core::ptr::null_mut())
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        // Another test's forked child may hold a copy of a pidfd for the
        // moment it lives (the tests share one process): wait it out.
        let mut error = 0;
        for _ in 0..500 {
            pending();
            error = self.fini();
            if error != sys::EBUSY as i32 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        if !std::thread::panicking() {
            assert_eq!(error, 0, "FINI: a pidfd left open");
            // SAFETY: reads the model's count.
            assert_eq!(unsafe { sys::model_files_open() }, 0, "a pidfd not freed");
        }
    }
}

/// What the host did, acted on as the kernel would (model.h).
pub fn pending() {
    // SAFETY: no lock is held between calls.
    unsafe { sys::model_process_pending() }
}

/// A process of the model, reaped on drop if it still exists.
pub struct Proc(pub i32);

impl Proc {
    /// Process `pid`, a child of the model's first process, with the
    /// tests' own IDs.
    pub fn new(pid: i32) -> Proc {
        // SAFETY: the model's process table; 0 names the first process.
        unsafe { sys::model_proc_set_parent(pid, 0) };
        Proc(pid)
    }

    /// With real and effective user `uid` (and the tests' groups).
    pub fn with_uid(pid: i32, uid: u32) -> Proc {
        let p = Proc::new(pid);
        let mut ids = own_ids();
        (ids.uid, ids.euid, ids.suid) = (uid, uid, uid);
        // SAFETY: a process of the table and plain data.
        unsafe { sys::model_proc_set_cred(pid, &ids) };
        p
    }

    /// exit1: the process is a zombie.
    pub fn exit(&self) {
        // SAFETY: the model's process table; no lock held.
        unsafe { sys::model_process_zombie(self.0) }
    }

    /// The parent's wait: the process is gone.
    pub fn reap(&self) {
        // SAFETY: as `exit`.
        unsafe { sys::model_process_exit(self.0) }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.reap();
    }
}

/// The tests' own IDs, as a credential of the model.
pub fn own_ids() -> sys::host_cred {
    // SAFETY: plain data, filled by the model.
    let mut ids: sys::host_cred = unsafe { core::mem::zeroed() };
    // SAFETY: as above.
    unsafe { sys::host_cred_self(&mut ids) };
    ids
}

/// An LWP of the model's first process (ID 1), its first LWP (ID 1).
pub fn caller() -> ModelLwp {
    let lwp = ModelLwp::on_cpu(0);
    lwp.set_process(0, c"model");
    // SAFETY: a live LWP of the model.
    unsafe { sys::model_lwp_set_lid(lwp.as_ptr(), 1) };
    lwp
}

/// The same, with the credential `ids`.
pub fn caller_as(ids: &sys::host_cred) -> ModelLwp {
    let lwp = caller();
    // SAFETY: a live LWP and plain data.
    unsafe { sys::model_lwp_set_cred(lwp.as_ptr(), ids) };
    lwp
}

/// A pidfd call through the module, made by `lwp` (curlwp), which must
/// leave nothing held: its result, or the NetBSD errno.
pub fn call(lwp: &ModelLwp, nr: u16, regs: [u64; 6]) -> Result<i32, i32> {
    // SAFETY: a live LWP of the model.
    unsafe { sys::model_lwp_current(lwp.as_ptr()) };
    let (error, value) = model::call(lwp, nr, regs);
    balanced();
    if error == 0 {
        Ok(value as i32)
    } else {
        Err(error)
    }
}

/// pidfd_open through the module: the descriptor, or the NetBSD errno.
pub fn pidfd_open(lwp: &ModelLwp, pid: i32, flags: u32) -> Result<i32, i32> {
    call(
        lwp,
        crate::pidfd_open::NR,
        [pid as u64, flags.into(), 0, 0, 0, 0],
    )
}

/// Checks what every pidfd call must leave behind: nothing held.
pub fn balanced() {
    model::assert_balanced();
    let t = model::trace();
    assert_eq!(
        (t.files_reserved, t.files_held2, t.rwlocks_held),
        (0, 0, 0),
        "a descriptor reserved, a file or a process held"
    );
}

unsafe extern "C" {
    fn poll(fds: *mut [i32; 2], n: u64, timeout: i32) -> i32;
    fn close(fd: i32) -> i32;
    fn fcntl(fd: i32, cmd: i32, ...) -> i32;
}

pub const POLLIN: i16 = 0x1;
pub const POLLHUP: i16 = 0x10;
pub const POLLRDNORM: i16 = 0x40;
/// NetBSD's `POLLWRNORM` too (sys/poll.h).
pub const POLLOUT: i16 = 0x4;

/// poll(2) of host descriptor `fd` for `events`, waiting `ms`: revents.
pub fn host_poll(fd: i32, events: i16, ms: i32) -> i16 {
    // struct pollfd: fd, then events and revents (two shorts).
    let mut pfd = [fd, i32::from(events as u16)];
    // SAFETY: one struct pollfd, laid out as above.
    let n = unsafe { poll(&mut pfd, 1, ms) };
    assert!(n >= 0, "poll");
    (pfd[1] >> 16) as i16
}

/// Closes pidfd `fd`, the model's last descriptor of its file, and waits
/// until the model has closed the file (fo_close): a forked child of
/// another test may hold a copy for the moment it lives.
pub fn close_last(fd: i32) {
    let closed = crate::model::trace().files_closed;
    close_fd(fd);
    for _ in 0..500 {
        pending();
        if crate::model::trace().files_closed > closed {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("pidfd {fd} was not closed");
}

/// Closes host descriptor `fd`.
pub fn close_fd(fd: i32) {
    // SAFETY: a descriptor the test owns.
    assert_eq!(unsafe { close(fd) }, 0);
}

/// fcntl(2) F_GETFD and F_GETFL of `fd`.
pub fn fd_flags(fd: i32) -> (i32, i32) {
    const F_GETFD: i32 = 1;
    const F_GETFL: i32 = 3;
    // SAFETY: queries of a descriptor.
    unsafe { (fcntl(fd, F_GETFD), fcntl(fd, F_GETFL)) }
}

/// The module file's fo_poll for POLLIN|POLLRDNORM, as poll(2) asks it.
pub fn file_poll(fd: i32) -> i16 {
    file_poll_events(fd, POLLIN | POLLRDNORM)
}

/// The module file's fo_poll for `events`, as poll(2) asks it (with
/// POLLERR and POLLHUP added).
pub fn file_poll_events(fd: i32, events: i16) -> i16 {
    let mut revents = 0;
    // SAFETY: the model looks the descriptor up itself.
    let error = unsafe { sys::model_file_poll(fd, i32::from(events), &mut revents) };
    assert_eq!(error, 0, "not a pidfd");
    revents as i16
}
