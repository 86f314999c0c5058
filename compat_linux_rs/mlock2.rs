//! mlock2(2): lock pages in memory.
//!
//! Linux contract (`mm/mlock.c` of 6.x, mlock2(2)): `int mlock2(const void
//! *addr, size_t len, unsigned int flags)` locks the pages that hold
//! `[addr, addr + len)`, as mlock(2) does, checked in this order:
//! 1. `flags` other than 0 or `MLOCK_ONFAULT` (1) → `EINVAL`;
//! 2. a soft `RLIMIT_MEMLOCK` of 0 and no `CAP_IPC_LOCK` → `EPERM` (even
//!    for a length of 0);
//! 3. the range rounded out to whole pages (the length wraps around like
//!    the CPU's arithmetic: a huge length can become 0);
//! 4. more pages than the limit allows, counting those the process has
//!    locked already (but not twice those in the range), and no
//!    `CAP_IPC_LOCK` → `ENOMEM`;
//! 5. an end before the start → `EINVAL`; an empty range → 0;
//! 6. a page of the range not mapped → `ENOMEM`; pages that cannot be
//!    brought in → `ENOMEM` or `EAGAIN`.
//!
//! With `MLOCK_ONFAULT`, Linux locks each page only when it is first
//! touched; without, it faults them all in at once.
//!
//! On NetBSD the pages are locked by compat_linux's own mlock(2),
//! `sys_mlock` (`uvm/uvm_mmap.c`), after steps 1 to 5 above with NetBSD's
//! notion of the privilege (`kauth(9)` `KAUTH_PROCESS_RLIMIT`, `BYPASS`:
//! the superuser) and of the end of user space. Deviations:
//! - `MLOCK_ONFAULT` locks and faults in every page at once, as flags 0
//!   does: UVM wires pages only by faulting them in (`uvm_map_pageable`);
//! - step 4 counts only the range: a request that, with the pages the
//!   process has locked already, goes past the limit gets NetBSD's answer,
//!   `EAGAIN` (`sys_mlock` counts every wired page of the process, also
//!   those in the range), and so does the superuser past the limit, and
//!   anyone past the system's limit on wired pages (`uvmexp.wiredmax`).

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys::{self, register_t};

/// Linux amd64 system call number.
pub const NR: u16 = 325;

/// `MLOCK_ONFAULT` (`include/uapi/asm-generic/mman-common.h`).
const MLOCK_ONFAULT: u32 = 1;

const PAGE_SIZE: u64 = sys::PAGE_SIZE as u64;

/// The handler.
pub fn mlock2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let (addr, len) = (args.u64::<0>(), args.u64::<1>());
    if args.uint::<2>() & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    let (limit, privileged) = lwp.memlock_limit();
    if limit == Some(0) && !privileged {
        return Err(Errno::EPERM);
    }
    let start = addr & !(PAGE_SIZE - 1);
    let len = len.wrapping_add(addr - start).wrapping_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    if let Some(limit) = limit
        && !privileged
        && len / PAGE_SIZE > limit / PAGE_SIZE
    {
        return Err(Errno::ENOMEM);
    }
    let end = start.wrapping_add(len);
    if end < start {
        return Err(Errno::EINVAL);
    }
    if end == start {
        return Ok(0);
    }
    if end > lwp.user_space_end() {
        return Err(Errno::ENOMEM);
    }
    let regs = [start, len].map(|r| r as register_t);
    let mut retval: [register_t; 2] = [0; 2];
    // SAFETY: compat_linux's own mlock(2) for the calling LWP, two
    // argument registers laid out as sys_mlock_args (one register per
    // argument on amd64) and a result slot.
    Errno::check(unsafe {
        sys::sys_mlock(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
    })?;
    Ok(0)
}

#[cfg(test)]
#[path = "tests/mlock2.rs"]
mod tests;
