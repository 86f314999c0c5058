//! process_vm_readv(2): copy from another process's memory.
//!
//! Linux contract (`mm/process_vm_access.c` and `lib/iov_iter.c` of 6.x,
//! process_vm_readv(2)): `ssize_t process_vm_readv(pid_t pid, const struct
//! iovec *local_iov, unsigned long liovcnt, const struct iovec *remote_iov,
//! unsigned long riovcnt, unsigned long flags)` copies from the remote
//! buffers of process (or thread) `pid` into the caller's local buffers,
//! both taken in order as one stream. Checked in this order:
//! 1. `flags != 0` → `EINVAL`;
//! 2. the local vector ([`crate::iovec`]): more than 1024 elements →
//!    `EINVAL`; unreadable → `EFAULT`; a length negative as an `ssize_t`
//!    → `EINVAL`; a buffer outside user space → `EFAULT`; the lengths cut
//!    to `MAX_RW_COUNT` (0x7ffff000) in all; nothing to copy → 0;
//! 3. the remote vector: the same, but neither checked nor cut; all its
//!    lengths 0 → 0 (before the process is looked up);
//! 4. no such process, or it has exited → `ESRCH`;
//! 5. the caller may not attach to it with ptrace (`PTRACE_MODE_ATTACH_
//!    REALCREDS`), unless it shares the caller's memory → `EPERM`;
//! 6. the bytes are copied up to the end of the shorter vector or the first
//!    byte that cannot be: a remote page that is not mapped readable (the
//!    whole page), a local byte that is not writable. The result is the
//!    number of bytes copied; `EFAULT` if none could be.
//!
//! On NetBSD (see [`crate::process_vm`] and `clrs_proc_vmspace`): the
//! process is found by process or LWP ID, as Linux finds a task by any
//! thread's ID; the permission is NetBSD's for attaching a debugger
//! (`kauth(9)` `KAUTH_PROCESS_CANSEE`, then `KAUTH_PROCESS_PTRACE` with
//! `PT_ATTACH`, and a chrooted caller reaches only processes under its
//! root), and the memory is the target's address space, referenced, read
//! with `uvm_io(9)`. Deviations:
//! - permission follows NetBSD's rules, not Linux's: the superuser (by
//!   effective user ID) may; anyone else only when its real user ID is the
//!   target's and the target has not changed IDs since it last executed a
//!   program (`PK_SUGID`). Linux compares the caller's real user and group
//!   IDs with all three of the target's and checks the target's dumpable
//!   flag; the two agree for processes that never changed IDs.
//!   A process the caller may not see at all (`security.curtain`) is
//!   `ESRCH`, as for ptrace;
//! - a system process (kernel thread) is `ESRCH`, as on Linux, where it has
//!   no memory to read;
//! - while the target executes a program, the call waits for it to finish,
//!   as on Linux; a signal ends that wait (`EINTR`, or the call restarts
//!   after a handler with `SA_RESTART`), where Linux waits on unless the
//!   signal kills;
//! - "user space" ends where NetBSD's ends (`VM_MAXUSER_ADDRESS`), not at
//!   Linux's 0x7ffffffff000.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::process_vm::{Direction, process_vm};
use crate::sys::register_t;

/// Linux amd64 system call number.
pub const NR: u16 = 310;

/// The handler.
pub fn process_vm_readv(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    process_vm(lwp, args, Direction::Read)
}

#[cfg(test)]
#[path = "tests/process_vm_readv.rs"]
mod tests;
