//! pidfd_open(2): a descriptor that refers to a process.
//!
//! Linux contract (`kernel/pid.c` of 6.x, pidfd_open(2)):
//! `int pidfd_open(pid_t pid, unsigned int flags)`, checked in this order:
//! 1. `flags` other than `PIDFD_NONBLOCK` and `PIDFD_THREAD` → `EINVAL`;
//! 2. `pid` 0 or negative → `EINVAL`;
//! 3. no process or thread with that ID → `ESRCH`; the ID of a thread that
//!    does not lead its process → `ENOENT` (unless `PIDFD_THREAD`);
//! 4. no free descriptor → `EMFILE` (`ENFILE` system-wide).
//!
//! The descriptor is close-on-exec, `O_RDWR`, and `O_NONBLOCK` with
//! `PIDFD_NONBLOCK`; a zombie gets one too, readable at once. What the
//! descriptor does is in `pidfd.rs`.
//!
//! On NetBSD the process is looked up with `proc_lock` held; a live one is
//! held by its `p_reflock` while its pidfd state is attached (`pidfd.rs`).
//! While the process is executing a new program or exiting, `p_reflock` is
//! taken (procfs and ptrace fail with `EBUSY` then): the call waits a
//! clock tick and looks again, and a signal makes it start over after the
//! signal's handler.
//!
//! Deviations: `PIDFD_THREAD` (Linux 6.9: a pidfd of one thread) is not
//! provided: `EINVAL`, as before Linux 6.9.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::pidfd::{PIDFD_NONBLOCK, PidProc, Slot};
use crate::process::{self, ProcTable, State};
use crate::sys::register_t;

/// Linux amd64 system call number.
pub const NR: u16 = 434;

/// The pidfd state of process `pid`, as the lookup finds it; `ESRCH`,
/// `ENOENT` as above, `ERESTART` for a signal while waiting.
pub fn lookup(pid: i32) -> Result<PidProc, Errno> {
    loop {
        let table = ProcTable::lock();
        let Some(p) = table.find(pid) else {
            return Err(if table.is_thread(pid) {
                Errno::ENOENT
            } else {
                Errno::ESRCH
            });
        };
        let identity = p.identity();
        match p.state() {
            State::Embryo => return Err(Errno::ESRCH),
            State::Exited => {
                drop(table);
                return PidProc::exited(&identity);
            }
            State::Live | State::Exiting => {
                if let Some(held) = p.try_hold() {
                    drop(table);
                    return PidProc::attach(&held, &identity);
                }
            }
        }
        drop(table);
        process::wait_a_tick(true)?;
    }
}

/// The handler.
pub fn pidfd_open(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let pid = args.int::<0>();
    let flags = args.uint::<1>();
    if flags & !PIDFD_NONBLOCK != 0 || pid <= 0 {
        return Err(Errno::EINVAL);
    }
    let pp = lookup(pid)?;
    let slot = Slot::reserve(lwp)?;
    Ok(slot.install(lwp, pp, flags & PIDFD_NONBLOCK != 0).into())
}

#[cfg(test)]
#[path = "tests/pidfd_open.rs"]
mod tests;
