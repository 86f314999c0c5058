//! process_vm_writev(2): copy into another process's memory.
//!
//! Linux contract (`mm/process_vm_access.c` of 6.x, process_vm_writev(2)):
//! `ssize_t process_vm_writev(pid_t pid, const struct iovec *local_iov,
//! unsigned long liovcnt, const struct iovec *remote_iov, unsigned long
//! riovcnt, unsigned long flags)` copies the caller's local buffers into
//! the remote buffers of process (or thread) `pid`, in order as one stream,
//! with process_vm_readv's checks in the same order (see
//! [`crate::process_vm_readv`]). The copy stops at the first byte that
//! cannot be copied: a local byte that is not readable, or a remote page
//! that is not mapped writable (the whole page; a read-only mapping is not
//! forced, unlike ptrace's `PTRACE_POKEDATA`). The result is the number of
//! bytes copied; `EFAULT` if none could be.
//!
//! On NetBSD: as process_vm_readv, with its deviations; the remote side is
//! written with `uvm_io(9)` without `UVM_IO_FIXPROT`, so a read-only page
//! stays unwritten there too.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::process_vm::{Direction, process_vm};
use crate::sys::register_t;

/// Linux amd64 system call number.
pub const NR: u16 = 311;

/// The handler.
pub fn process_vm_writev(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    process_vm(lwp, args, Direction::Write)
}

#[cfg(test)]
#[path = "tests/process_vm_writev.rs"]
mod tests;
