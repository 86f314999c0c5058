//! pidfd_getfd(2): a duplicate of another process's descriptor.
//!
//! Linux contract (`kernel/pid.c` of 6.x, pidfd_getfd(2)):
//! `int pidfd_getfd(int pidfd, int targetfd, unsigned int flags)`,
//! checked in this order:
//! 1. `flags` not 0 → `EINVAL`;
//! 2. `pidfd` not open or not a pidfd (a `/proc/PID` directory neither)
//!    → `EBADF`;
//! 3. the process has been reaped → `ESRCH`;
//! 4. no permission to attach a debugger to it (`ptrace_may_access`,
//!    `PTRACE_MODE_ATTACH_REALCREDS`; its own process always may) →
//!    `EPERM`;
//! 5. the process is exiting or a zombie (its descriptors are gone) →
//!    `ESRCH`; `targetfd` not open in it → `EBADF`;
//! 6. no free descriptor in the caller → `EMFILE`.
//!
//! The result is a new descriptor of the caller for the same open file
//! (offset and status flags shared), close-on-exec.
//!
//! On NetBSD the permission is kauth(9)'s `KAUTH_PROCESS_PTRACE` for
//! `PT_ATTACH`, which ptrace(2) asks for; the file is taken with
//! `fd_getfile2`, whose caller must keep the process from exiting or
//! forking: it is held by its `p_reflock`, as procfs holds one to read its
//! descriptors, and while an exec holds that the call waits a clock tick
//! and looks again (a signal makes it start over after the handler). The
//! duplicate is made with `fd_dup`, as dup(2) makes one, and `closef`
//! drops `fd_getfile2`'s reference.
//!
//! Deviations: the permission is NetBSD's: root, or the same real user ID
//! as the target's while the target has not changed its IDs
//! (`PK_SUGID`; Linux compares with all of the target's user and group
//! IDs and its dumpable flag), never init for anyone at securelevel 0 or
//! more; a process whose first thread has exited still has its
//! descriptors (Linux: `ESRCH`).

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::FileRef;
use crate::lwp::Lwp;
use crate::pidfd::{PidfdRef, Status};
use crate::process::{self, HeldProc, ProcTable, State};
use crate::sys::{self, register_t};

/// Linux amd64 system call number.
pub const NR: u16 = 438;

/// The target process, as step 5 needs it.
enum Target {
    /// The caller's own process: its descriptor table is the caller's.
    Caller,
    /// Another process, held.
    Held(HeldProc),
}

/// The handler.
pub fn pidfd_getfd(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let pidfd = args.int::<0>();
    let targetfd = args.int::<1>();
    if args.uint::<2>() != 0 {
        return Err(Errno::EINVAL);
    }
    let pp = PidfdRef::get(pidfd)?.process();

    let target = loop {
        let table = ProcTable::lock();
        let p = match pp.status(&table) {
            Status::Reaped => return Err(Errno::ESRCH),
            Status::Live(p) | Status::Zombie(p) => p,
        };
        let caller = core::ptr::eq(p.as_ptr(), lwp.proc_ptr());
        if !caller {
            p.may_attach(lwp.cred())?;
        }
        if p.state() != State::Live {
            return Err(Errno::ESRCH);
        }
        if caller {
            break Target::Caller;
        }
        if let Some(held) = p.try_hold() {
            break Target::Held(held);
        }
        drop(table);
        process::wait_a_tick(true)?;
    };

    let mut newfd = -1;
    match target {
        Target::Caller => {
            let file = FileRef::get(targetfd)?;
            // SAFETY: a held file of the caller; fd_dup takes its own
            // reference for the new descriptor.
            Errno::check(unsafe { sys::clrs_fd_dup_cloexec(file.as_ptr(), &mut newfd) })?;
        }
        Target::Held(held) => {
            let fd = u32::try_from(targetfd).map_err(|_| Errno::EBADF)?;
            // SAFETY: the process is held, so its descriptor table stays;
            // fd_getfile2 returns the file with a reference of its own.
            let fp = unsafe { sys::fd_getfile2(held.as_ptr(), fd) };
            drop(held);
            if fp.is_null() {
                return Err(Errno::EBADF);
            }
            // SAFETY: the referenced file: fd_dup takes a reference for the
            // new descriptor, and closef drops fd_getfile2's.
            let error = unsafe {
                let error = sys::clrs_fd_dup_cloexec(fp, &mut newfd);
                sys::closef(fp);
                error
            };
            Errno::check(error)?;
        }
    }
    Ok(newfd.into())
}

#[cfg(test)]
#[path = "tests/pidfd_getfd.rs"]
mod tests;
