//! membarrier(2): memory barriers on the threads of other CPUs.
//!
//! Linux contract (`kernel/sched/membarrier.c` of 6.x, membarrier(2)):
//! `int membarrier(int cmd, unsigned int flags, int cpu_id)`.
//! - `flags` must be 0 (`EINVAL`), except that
//!   `MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ` also takes
//!   `MEMBARRIER_CMD_FLAG_CPU`, which makes it read `cpu_id`; a `cmd` that
//!   is not a command → `EINVAL`.
//! - `QUERY` (0) returns the commands supported, as a mask.
//! - `GLOBAL` (1): every thread of every process has passed a memory
//!   barrier (between its user-space accesses) before the call returns;
//!   `GLOBAL_EXPEDITED` (2): the same for the processes that registered
//!   with `REGISTER_GLOBAL_EXPEDITED` (4), faster; it needs no registration
//!   of the caller.
//! - `PRIVATE_EXPEDITED` (8): the same for the caller's own threads, and
//!   `EPERM` unless the process registered with
//!   `REGISTER_PRIVATE_EXPEDITED` (16); `PRIVATE_EXPEDITED_SYNC_CORE` (32)
//!   also has each of them execute a core serializing instruction, and
//!   needs `REGISTER_PRIVATE_EXPEDITED_SYNC_CORE` (64).
//! - `PRIVATE_EXPEDITED_RSEQ` (128) and its registration (256): `EINVAL`
//!   on a kernel without rseq, which NetBSD is.
//! - `GET_REGISTRATIONS` (512): the registration commands the process has
//!   made, as a mask. Registering for `SYNC_CORE` marks the process as
//!   registering for `PRIVATE_EXPEDITED` too, without making it ready for
//!   it: the mask then shows both, and `PRIVATE_EXPEDITED` still fails
//!   with `EPERM` (Linux 6.18 on the reference host does so).
//! - Registration is per address space (`mm`): kept by a forked child,
//!   dropped by exec, never undone otherwise; registering twice is 0.
//!
//! On NetBSD the barrier is a cross-call to every CPU (`xcall(9)`): a
//! low-priority one for `GLOBAL`, which makes every CPU switch to its
//! cross-call thread (what Linux's `synchronize_rcu` gives), a high-priority
//! one for the expedited commands, which interrupts every CPU at once, each
//! running `membar_sync` (and `cpuid`, which serializes, for `SYNC_CORE`).
//! Registrations are kept per process by the module (`ffi/shim.c`), taken
//! from the parent and dropped as below. While any process has one, the
//! module cannot be unloaded (`EBUSY`). Deviations:
//! - the expedited commands interrupt every CPU, where Linux interrupts only
//!   those running the processes concerned;
//! - registrations belong to the process, not to its address space: a
//!   process created with `CLONE_VM` but not `CLONE_THREAD` has its own;
//! - a forked child takes over its parent's registrations when it first
//!   uses membarrier, not at the fork (NetBSD's fork hooks cannot be
//!   removed safely at unload): those its parent made after the fork come
//!   too, and those of a parent that has exited or executed a program by
//!   then do not (a grandparent's do, if the parent never used membarrier).

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys::{self, register_t};

/// Linux amd64 system call number.
pub const NR: u16 = 324;

/// The commands (`include/uapi/linux/membarrier.h`).
const QUERY: i32 = 0;
const GLOBAL: i32 = 1 << 0;
const GLOBAL_EXPEDITED: i32 = 1 << 1;
const REGISTER_GLOBAL_EXPEDITED: i32 = 1 << 2;
const PRIVATE_EXPEDITED: i32 = 1 << 3;
const REGISTER_PRIVATE_EXPEDITED: i32 = 1 << 4;
const PRIVATE_EXPEDITED_SYNC_CORE: i32 = 1 << 5;
const REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: i32 = 1 << 6;
const PRIVATE_EXPEDITED_RSEQ: i32 = 1 << 7;
const REGISTER_PRIVATE_EXPEDITED_RSEQ: i32 = 1 << 8;
const GET_REGISTRATIONS: i32 = 1 << 9;
/// The flag `PRIVATE_EXPEDITED_RSEQ` takes.
const FLAG_CPU: u32 = 1 << 0;

/// What `QUERY` reports: everything but the rseq commands.
pub const SUPPORTED: i32 = GLOBAL
    | GLOBAL_EXPEDITED
    | REGISTER_GLOBAL_EXPEDITED
    | PRIVATE_EXPEDITED
    | REGISTER_PRIVATE_EXPEDITED
    | PRIVATE_EXPEDITED_SYNC_CORE
    | REGISTER_PRIVATE_EXPEDITED_SYNC_CORE
    | GET_REGISTRATIONS;

/// A process's registrations: Linux's `MEMBARRIER_STATE_*` bits
/// (`include/linux/sched/mm.h`), kept per process by the C side.
mod state {
    pub const PRIVATE_EXPEDITED_READY: u32 = 1 << 0;
    pub const PRIVATE_EXPEDITED: u32 = 1 << 1;
    pub const GLOBAL_EXPEDITED_READY: u32 = 1 << 2;
    pub const GLOBAL_EXPEDITED: u32 = 1 << 3;
    pub const PRIVATE_EXPEDITED_SYNC_CORE_READY: u32 = 1 << 4;
    pub const PRIVATE_EXPEDITED_SYNC_CORE: u32 = 1 << 5;
}

/// Which registration commands GET_REGISTRATIONS reports for which
/// state bits (`membarrier_get_registrations`).
const REPORTED: [(u32, i32); 3] = [
    (
        state::GLOBAL_EXPEDITED | state::GLOBAL_EXPEDITED_READY,
        REGISTER_GLOBAL_EXPEDITED,
    ),
    (
        state::PRIVATE_EXPEDITED | state::PRIVATE_EXPEDITED_READY,
        REGISTER_PRIVATE_EXPEDITED,
    ),
    (
        state::PRIVATE_EXPEDITED_SYNC_CORE | state::PRIVATE_EXPEDITED_SYNC_CORE_READY,
        REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
    ),
];

/// The kinds of cross-call (`CLRS_BARRIER_*`, `ffi/shim.h`).
#[derive(Clone, Copy)]
enum Barrier {
    All = sys::CLRS_BARRIER_ALL as isize,
    Expedited = sys::CLRS_BARRIER_EXPEDITED as isize,
    Core = sys::CLRS_BARRIER_CORE as isize,
}

fn barrier(how: Barrier) {
    // SAFETY: a cross-call to every CPU, waited for, from a system call.
    unsafe { sys::clrs_membarrier_sync(how as core::ffi::c_int) }
}

fn registrations(lwp: &Lwp) -> u32 {
    // SAFETY: the live calling LWP; the shim reads (or makes) its
    // process's record.
    unsafe { sys::clrs_membarrier_state(lwp.as_ptr()) }
}

fn register(lwp: &Lwp, bits: u32) -> Result<register_t, Errno> {
    // SAFETY: as above; the shim adds the bits to the record.
    unsafe { sys::clrs_membarrier_set(lwp.as_ptr(), bits) };
    Ok(0)
}

/// A barrier for the caller's own threads, if it registered for it.
fn private(lwp: &Lwp, ready: u32, how: Barrier) -> Result<register_t, Errno> {
    if registrations(lwp) & ready == 0 {
        return Err(Errno::EPERM);
    }
    barrier(how);
    Ok(0)
}

/// The handler.
pub fn membarrier(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let cmd = args.int::<0>();
    let flags = args.uint::<1>();
    let allowed = if cmd == PRIVATE_EXPEDITED_RSEQ {
        FLAG_CPU
    } else {
        0
    };
    if flags & !allowed != 0 {
        return Err(Errno::EINVAL);
    }
    match cmd {
        QUERY => Ok(SUPPORTED.into()),
        GLOBAL => {
            barrier(Barrier::All);
            Ok(0)
        }
        GLOBAL_EXPEDITED => {
            barrier(Barrier::Expedited);
            Ok(0)
        }
        REGISTER_GLOBAL_EXPEDITED => {
            register(lwp, state::GLOBAL_EXPEDITED | state::GLOBAL_EXPEDITED_READY)
        }
        PRIVATE_EXPEDITED => private(lwp, state::PRIVATE_EXPEDITED_READY, Barrier::Expedited),
        REGISTER_PRIVATE_EXPEDITED => register(
            lwp,
            state::PRIVATE_EXPEDITED | state::PRIVATE_EXPEDITED_READY,
        ),
        PRIVATE_EXPEDITED_SYNC_CORE => {
            private(lwp, state::PRIVATE_EXPEDITED_SYNC_CORE_READY, Barrier::Core)
        }
        REGISTER_PRIVATE_EXPEDITED_SYNC_CORE => register(
            lwp,
            state::PRIVATE_EXPEDITED
                | state::PRIVATE_EXPEDITED_SYNC_CORE
                | state::PRIVATE_EXPEDITED_SYNC_CORE_READY,
        ),
        GET_REGISTRATIONS => {
            let have = registrations(lwp);
            let mask = REPORTED
                .iter()
                .filter(|&&(bits, _)| have & bits != 0)
                .fold(0, |mask, &(_, cmd)| mask | cmd);
            Ok(mask.into())
        }
        // No rseq on NetBSD: what Linux without CONFIG_RSEQ answers.
        PRIVATE_EXPEDITED_RSEQ | REGISTER_PRIVATE_EXPEDITED_RSEQ => Err(Errno::EINVAL),
        _ => Err(Errno::EINVAL),
    }
}

#[cfg(test)]
#[path = "tests/membarrier.rs"]
mod tests;
