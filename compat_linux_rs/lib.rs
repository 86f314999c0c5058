//! compat_linux_rs: newer Linux system calls for NetBSD's Linux emulation.
//!
//! The crate is linked into a NetBSD kernel module (`ffi/` holds the C
//! glue). Every handler follows the NetBSD sysent convention: it reads its
//! arguments from the saved registers, returns a NetBSD errno (compat_linux's
//! dispatcher translates it to Linux's) and stores its result in `retval[0]`.
//!
//! Rules the code keeps, so that the module is safe to load into a kernel:
//! user memory is touched only through `copyin`/`copyout` ([`user`]); only
//! the declared width of each argument is read ([`args`]); nothing panics,
//! and `make test` checks that no call into the panic machinery is left.

#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn, missing_docs)]

pub mod args;
pub mod errno;
pub mod file;
pub mod iovec;
pub mod lwp;
pub mod nosys;
pub mod pidfd;
pub mod process;
pub mod process_vm;
pub mod rw;
pub mod sys;
pub mod table;
pub mod user;

pub mod clone3;
pub mod copy_file_range;
pub mod faccessat2;
pub mod fchmodat2;
pub mod getcpu;
pub mod membarrier;
pub mod mlock2;
pub mod openat2;
pub mod pidfd_getfd;
pub mod pidfd_open;
pub mod pidfd_send_signal;
pub mod preadv2;
pub mod process_vm_readv;
pub mod process_vm_writev;
pub mod pwritev2;
pub mod renameat2;
pub mod semtimedop;
pub mod sync_file_range;
pub mod syncfs;

// Tests, the kernel model's Rust side, the fuzzer and the benchmarks:
// host-only code, kept apart from the module's own files.
#[cfg(test)]
#[path = "tests/bench.rs"]
mod bench;
#[cfg(test)]
#[path = "tests/fuzz.rs"]
mod fuzz;
#[cfg(test)]
#[path = "tests/kernel_model.rs"]
mod kernel_model;
#[cfg(test)]
#[path = "tests/model.rs"]
mod model;
#[cfg(test)]
#[path = "tests/module_tests.rs"]
mod module_tests;
#[cfg(test)]
#[path = "tests/pidfd_model.rs"]
mod pidfd_model;

/// Reached only through a panic, and `make test` proves that the linked
/// module has no call site that could panic.
#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
