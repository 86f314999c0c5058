//! Processes found by ID, for the pidfd calls.
//!
//! NetBSD's rules (kern_proc.c, kern_exit.c, read at 1.280 of 2025 and
//! 1.298 of 2023): a process is found by ID with `proc_lock` held
//! (`proc_find_raw`), and its `struct proc` may be used only while
//! `proc_lock` is held, or while its `p_reflock` is held as reader, which
//! `exit1` and `execve` take as writer before they change it; `exit1`
//! runs the process's specificdata destructors, marks it `SDEAD` and then
//! `SZOMB` in one hold of `proc_lock`, and the parent's wait frees it
//! (`proc_free`, also under `proc_lock`), after which its ID may be used
//! again. [`ProcTable`] is `proc_lock` held; a [`Proc`] cannot outlive it;
//! a [`HeldProc`] is a process held as procfs and ptrace hold one.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::errno::Errno;
use crate::file::Cred;
use crate::sys;

/// `proc_lock`, held until drop.
pub struct ProcTable(PhantomData<*mut ()>);

impl ProcTable {
    /// Takes `proc_lock`.
    pub fn lock() -> ProcTable {
        // SAFETY: the kernel's process list lock, taken from a system call
        // with no spin lock held; released on drop.
        unsafe { sys::mutex_enter(&raw mut sys::proc_lock) };
        ProcTable(PhantomData)
    }

    /// The process whose process ID is `pid`, in any state (`SIDL` to
    /// `SZOMB`); a thread ID other than its process's finds nothing.
    pub fn find(&self, pid: i32) -> Option<Proc<'_>> {
        // SAFETY: proc_lock is held, as proc_find_raw requires.
        let p = unsafe { sys::proc_find_raw(pid) };
        NonNull::new(p).map(|p| Proc {
            p,
            _table: PhantomData,
        })
    }

    /// Whether `pid` is the ID of a thread (LWP) of a live process, other
    /// than its first one (whose ID is the process's).
    pub fn is_thread(&self, pid: i32) -> bool {
        // SAFETY: proc_lock is held, as proc_find_lwpid requires; it
        // finds live processes by the ID of any of their LWPs.
        let p = unsafe { sys::proc_find_lwpid(pid) };
        NonNull::new(p).is_some_and(|p| {
            Proc {
                p,
                _table: PhantomData,
            }
            .pid()
                != pid
        })
    }

    /// The process `identity` stands for, if its ID still names it
    /// (exited or not, but not yet reaped).
    pub fn find_identity(&self, identity: &Identity) -> Option<Proc<'_>> {
        let proc = NonNull::new(identity.proc)?;
        self.find(identity.pid)
            .filter(|p| p.p == proc && same_time(&p.start(), &identity.start))
    }
}

impl ProcTable {
    /// Whether process group `pgid` has members.
    pub fn group_exists(&self, pgid: i32) -> bool {
        // SAFETY: proc_lock is held, as pgrp_find requires.
        !unsafe { sys::pgrp_find(pgid) }.is_null()
    }

    /// Sends the signal `info` describes to each member of process group
    /// `pgid` that kill(2)'s permission allows: `ESRCH` if it has none,
    /// the last refusal if none allows it.
    pub fn signal_group(
        &self,
        cred: Cred<'_>,
        pgid: i32,
        info: &sys::_ksiginfo,
    ) -> Result<(), Errno> {
        // SAFETY: proc_lock is held; a live credential; the shim copies
        // `info`.
        Errno::check(unsafe { sys::clrs_pgrp_signal(cred.as_ptr(), pgid, info) })
    }
}

impl Drop for ProcTable {
    fn drop(&mut self) {
        // SAFETY: taken in `lock`, by this thread.
        unsafe { sys::mutex_exit(&raw mut sys::proc_lock) };
    }
}

/// A process's state (`p_stat`), as far as the pidfd calls tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Being made by fork (`SIDL`): not yet found by ID.
    Embryo,
    /// Running or stopped (`SACTIVE`, `SSTOP`).
    Live,
    /// In `exit1`, before its specificdata destructors (`SDYING`).
    Exiting,
    /// A zombie, waiting for its parent (`SZOMB`, or `SDEAD`, which is
    /// never seen with `proc_lock` held).
    Exited,
}

/// A process, valid while the `proc_lock` hold it came from lasts.
pub struct Proc<'t> {
    p: NonNull<sys::proc_t>,
    _table: PhantomData<&'t ProcTable>,
}

impl Proc<'_> {
    /// The kernel's pointer, to compare or hand to a kernel function.
    pub fn as_ptr(&self) -> *mut sys::proc_t {
        self.p.as_ptr()
    }

    /// Its process ID.
    pub fn pid(&self) -> i32 {
        // SAFETY: a process found under the proc_lock still held; p_pid
        // is set before the process can be found.
        unsafe { sys::clrs_proc_pid(self.p.as_ptr()) }
    }

    /// Its state.
    pub fn state(&self) -> State {
        // SAFETY: as for `pid`; the shim reads p_stat.
        match u32::try_from(unsafe { sys::clrs_proc_stat(self.p.as_ptr()) }) {
            Ok(sys::SACTIVE | sys::SSTOP) => State::Live,
            Ok(sys::SDYING) => State::Exiting,
            Ok(sys::SZOMB | sys::SDEAD) => State::Exited,
            _ => State::Embryo,
        }
    }

    /// When it was started (fork's `p_start`).
    pub fn start(&self) -> sys::timeval {
        // SAFETY: plain data, for which zero is a valid value.
        let mut start: sys::timeval = unsafe { core::mem::zeroed() };
        // SAFETY: as for `pid`; p_stats stays until the process is freed.
        unsafe { sys::clrs_proc_start(self.p.as_ptr(), &mut start) };
        start
    }

    /// Whether `parent` is its parent process.
    pub fn is_child_of(&self, parent: *const sys::proc_t) -> bool {
        // SAFETY: as for `pid`; p_pptr is protected by proc_lock.
        core::ptr::eq(unsafe { sys::clrs_proc_parent(self.p.as_ptr()) }, parent)
    }

    /// What identifies it across the reuse of its ID.
    pub fn identity(&self) -> Identity {
        Identity {
            pid: self.pid(),
            proc: self.p.as_ptr(),
            start: self.start(),
        }
    }

    /// Holds the process (live only) as procfs does, so that it neither
    /// exits nor execs until the hold is dropped; `None` while an exec or
    /// exit holds it.
    pub fn try_hold(&self) -> Option<HeldProc> {
        // SAFETY: as for `pid`; the shim takes p_lock and tries p_reflock
        // as reader.
        unsafe { sys::clrs_proc_tryhold(self.p.as_ptr()) }.then(|| HeldProc(self.p))
    }

    /// kauth(9)'s decision on sending NetBSD signal `signo` (0: probe).
    pub fn may_signal(&self, cred: Cred<'_>, signo: i32) -> Result<(), Errno> {
        // SAFETY: as for `pid`; a live credential; the shim takes p_lock.
        Errno::check(unsafe { sys::clrs_proc_may_signal(cred.as_ptr(), self.p.as_ptr(), signo) })
    }

    /// kauth(9)'s decision on attaching a debugger (ptrace `PT_ATTACH`).
    pub fn may_attach(&self, cred: Cred<'_>) -> Result<(), Errno> {
        // SAFETY: as `may_signal`.
        Errno::check(unsafe { sys::clrs_proc_may_attach(cred.as_ptr(), self.p.as_ptr()) })
    }

    /// Sends the signal `info` describes (NetBSD's number and siginfo),
    /// to its LWP `lid` if not 0, after kauth(9)'s decision as kill(2)
    /// asks for it; a signal to a process that is not live is dropped, as
    /// kpsignal2 drops it.
    pub fn signal(&self, cred: Cred<'_>, info: &sys::_ksiginfo, lid: i32) -> Result<(), Errno> {
        // SAFETY: as `may_signal`; the shim copies `info`.
        Errno::check(unsafe { sys::clrs_proc_signal(cred.as_ptr(), self.p.as_ptr(), info, lid) })
    }
}

/// A process held by its `p_reflock` (read), released on drop: it can be
/// used without `proc_lock`, and does not exit or exec meanwhile.
pub struct HeldProc(NonNull<sys::proc_t>);

impl HeldProc {
    /// The kernel's pointer.
    pub fn as_ptr(&self) -> *mut sys::proc_t {
        self.0.as_ptr()
    }
}

impl Drop for HeldProc {
    fn drop(&mut self) {
        // SAFETY: the hold clrs_proc_tryhold took.
        unsafe { sys::clrs_proc_release(self.0.as_ptr()) }
    }
}

/// What tells a process from a later one with its ID: the ID, the
/// `struct proc` (only compared) and the start time. `proc` is null for a
/// process that was already gone when it was named.
#[derive(Clone, Copy)]
pub struct Identity {
    /// The process ID.
    pub pid: i32,
    /// Its `struct proc`, never dereferenced through this.
    pub proc: *mut sys::proc_t,
    /// Its start time.
    pub start: sys::timeval,
}

impl Identity {
    /// A process that is gone.
    pub fn gone(pid: i32) -> Identity {
        Identity {
            pid,
            proc: core::ptr::null_mut(),
            // SAFETY: plain data, for which zero is a valid value.
            start: unsafe { core::mem::zeroed() },
        }
    }
}

/// Whether two start times are the same.
fn same_time(a: &sys::timeval, b: &sys::timeval) -> bool {
    a.tv_sec == b.tv_sec && a.tv_usec == b.tv_usec
}

/// Waits a clock tick, for an exec or exit of a process to make way;
/// `ERESTART` if `interruptible` and a signal came (the call is then made
/// again after it).
pub fn wait_a_tick(interruptible: bool) -> Result<(), Errno> {
    // SAFETY: a sleep of one tick in system call context, no lock held.
    match unsafe { sys::kpause(c"clrspid".as_ptr(), interruptible, 1, core::ptr::null_mut()) } {
        0 => Ok(()),
        e if e == sys::EWOULDBLOCK as i32 => Ok(()),
        _ => Err(Errno::RESTART),
    }
}
