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
//! On NetBSD the CPU's index and NUMA node come from its `struct cpu_info`
//! (`ci_data.cpu_index`, `ci_data.cpu_numa_id`), as NetBSD 11's own getcpu
//! reports them. A module built off NetBSD knows that structure from its
//! own description of it (`ffi/kpi.h`); at load it checks that every CPU
//! shows its own index there, and if one does not, it says so once on the
//! console and reports node 0.
//!
//! Deviation: NetBSD numbers nodes by ACPI proximity domain, Linux
//! renumbers them from 0; they agree on usual machines.

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
