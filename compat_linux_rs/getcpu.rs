//! getcpu(2): the CPU and NUMA node the calling thread is running on.
//!
//! Linux contract (`kernel/sys.c`, getcpu(2)):
//! `int getcpu(unsigned *cpu, unsigned *node, struct getcpu_cache *tcache)`
//! - writes the CPU index to `cpu` and the node to `node`, each only when
//!   the pointer is not NULL; `tcache` is ignored (unused since Linux 2.6.24);
//! - both writes are attempted even when the first faults, and the call then
//!   fails with `EFAULT`;
//! - returns 0; the answer may be stale as soon as it is returned.
//!
//! Deviation: NetBSD keeps the NUMA node in `struct cpu_info`, which the
//! installed headers do not describe, so a module built against them (the
//! Linux-host build) reports node 0; one built in-tree reports the real node.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys::register_t;

/// Linux amd64 system call number.
pub const NR: u16 = 309;

/// The handler.
pub fn getcpu(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let cpu_ptr = args.ptr::<0, u32>();
    let node_ptr = args.ptr::<1, u32>();
    let (cpu, node) = lwp.cpu();

    let cpu_result = cpu_ptr.write_unless_null(&cpu);
    let node_result = node_ptr.write_unless_null(&node);
    cpu_result.and(node_result).map(|()| 0)
}

#[cfg(test)]
#[path = "tests/getcpu.rs"]
mod tests;
