//! The table of Linux system calls this module implements, which the C glue
//! installs into compat_linux's `linux_sysent`.

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicU32, Ordering};

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys::{self, clrs_syscall, register_t};

/// A system call handler: NetBSD errno on failure, `retval[0]` on success.
pub type Handler = fn(&Lwp, &SyscallArgs) -> Result<register_t, Errno>;

/// The calls inside the module's handlers, which unload waits out
/// (`clrs_busy` in `ffi/compat_linux_rs.c`).
#[unsafe(no_mangle)]
pub static clrs_calls_inside: AtomicU32 = AtomicU32::new(0);

/// Runs `handler` with the sysent calling convention, counted in
/// [`clrs_calls_inside`] from before the handler starts until it is done.
///
/// # Safety
/// `l`, `uap` and `retval` are what the dispatcher passes: the calling LWP,
/// its six saved argument registers and a writable result slot.
pub unsafe fn dispatch(
    l: *mut sys::lwp,
    uap: *const c_void,
    retval: *mut register_t,
    handler: Handler,
) -> c_int {
    clrs_calls_inside.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the caller's guarantees, passed on.
    let error = unsafe { run(l, uap, retval, handler) };
    clrs_calls_inside.fetch_sub(1, Ordering::Release);
    error
}

/// `dispatch` without the count.
///
/// # Safety
/// As for [`dispatch`].
unsafe fn run(
    l: *mut sys::lwp,
    uap: *const c_void,
    retval: *mut register_t,
    handler: Handler,
) -> c_int {
    let Some(lwp) = Lwp::new(l) else {
        return Errno::EINVAL.get();
    };
    // SAFETY: the dispatcher passes the saved argument registers.
    let args = unsafe { SyscallArgs::from_frame(uap) };
    match handler(&lwp, &args) {
        Ok(value) => {
            // SAFETY: the dispatcher passes a writable result slot.
            unsafe { retval.write(value) };
            0
        }
        Err(errno) => errno.get(),
    }
}

/// One table entry: Linux number, register arguments, handler.
macro_rules! syscall {
    ($code:expr, $narg:expr, $handler:path) => {{
        unsafe extern "C" fn entry(
            l: *mut sys::lwp,
            uap: *const c_void,
            retval: *mut register_t,
        ) -> c_int {
            // SAFETY: compat_linux's dispatcher calls sysent entries with
            // exactly what `dispatch` requires.
            unsafe { dispatch(l, uap, retval, $handler) }
        }
        clrs_syscall {
            cs_code: $code,
            cs_narg: $narg,
            cs_call: Some(entry),
        }
    }};
}

const SYSCALLS: [clrs_syscall; 19] = [
    syscall!(crate::semtimedop::NR, 4, crate::semtimedop::semtimedop),
    syscall!(
        crate::sync_file_range::NR,
        4,
        crate::sync_file_range::sync_file_range
    ),
    syscall!(crate::syncfs::NR, 1, crate::syncfs::syncfs),
    syscall!(crate::getcpu::NR, 3, crate::getcpu::getcpu),
    syscall!(
        crate::process_vm_readv::NR,
        6,
        crate::process_vm_readv::process_vm_readv
    ),
    syscall!(
        crate::process_vm_writev::NR,
        6,
        crate::process_vm_writev::process_vm_writev
    ),
    syscall!(crate::renameat2::NR, 5, crate::renameat2::renameat2),
    syscall!(crate::membarrier::NR, 3, crate::membarrier::membarrier),
    syscall!(crate::mlock2::NR, 3, crate::mlock2::mlock2),
    syscall!(
        crate::copy_file_range::NR,
        6,
        crate::copy_file_range::copy_file_range
    ),
    syscall!(crate::preadv2::NR, 6, crate::preadv2::preadv2),
    syscall!(crate::pwritev2::NR, 6, crate::pwritev2::pwritev2),
    syscall!(
        crate::pidfd_send_signal::NR,
        4,
        crate::pidfd_send_signal::pidfd_send_signal
    ),
    syscall!(crate::pidfd_open::NR, 2, crate::pidfd_open::pidfd_open),
    syscall!(crate::clone3::NR, 2, crate::clone3::clone3),
    syscall!(crate::openat2::NR, 4, crate::openat2::openat2),
    syscall!(crate::pidfd_getfd::NR, 3, crate::pidfd_getfd::pidfd_getfd),
    syscall!(crate::faccessat2::NR, 4, crate::faccessat2::faccessat2),
    syscall!(crate::fchmodat2::NR, 4, crate::fchmodat2::fchmodat2),
];

const _: () = {
    let mut i = 0;
    while i < SYSCALLS.len() {
        assert!((SYSCALLS[i].cs_code as u32) < sys::CLRS_LINUX_NSYSENT);
        assert!(SYSCALLS[i].cs_narg <= 6);
        assert!(i == 0 || SYSCALLS[i - 1].cs_code < SYSCALLS[i].cs_code);
        i += 1;
    }
};

/// The entry the C glue puts into every slot that holds `linux_sys_nosys`:
/// [`crate::nosys::record`], counted like the handlers.
///
/// # Safety
/// As for [`dispatch`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_record_nosys(
    l: *mut sys::lwp,
    uap: *const c_void,
    retval: *mut register_t,
) -> c_int {
    // SAFETY: the dispatcher's arguments, passed on.
    unsafe { dispatch(l, uap, retval, crate::nosys::record) }
}

/// The table the C glue installs (`ffi/shim.h`).
#[unsafe(no_mangle)]
pub static clrs_syscalls: [clrs_syscall; SYSCALLS.len()] = SYSCALLS;

/// The number of entries in [`clrs_syscalls`].
#[unsafe(no_mangle)]
pub static clrs_nsyscalls: usize = SYSCALLS.len();

#[cfg(test)]
#[path = "tests/table.rs"]
mod tests;
