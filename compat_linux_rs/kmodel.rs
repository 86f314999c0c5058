//! A user-space stand-in for the kernel functions the handlers call, so the
//! host unit tests run the handlers for real.
//!
//! "User memory" is this test process's own memory: `copyout` writes with
//! process_vm_writev(2), which, like the kernel's copyout, fails with EFAULT
//! on an address that is not mapped writable instead of crashing.

use core::ffi::{c_int, c_void};

use crate::sys;

/// The LWP the tests pass to handlers; the shim reads its CPU from here.
#[repr(C)]
pub struct ModelLwp {
    pub cpu: u32,
    pub node: u32,
}

impl ModelLwp {
    pub fn as_lwp(&mut self) -> *mut sys::lwp {
        (self as *mut ModelLwp).cast()
    }
}

#[repr(C)]
struct IoVec {
    base: *mut c_void,
    len: usize,
}

unsafe extern "C" {
    fn process_vm_writev(
        pid: i32,
        local: *const IoVec,
        liovcnt: u64,
        remote: *const IoVec,
        riovcnt: u64,
        flags: u64,
    ) -> isize;
}

#[unsafe(no_mangle)]
extern "C" fn copyout(kaddr: *const c_void, uaddr: *mut c_void, len: usize) -> c_int {
    let local = IoVec {
        base: kaddr.cast_mut(),
        len,
    };
    let remote = IoVec { base: uaddr, len };
    // SAFETY: both iovecs describe `len` bytes; the kernel checks `remote`.
    let n = unsafe { process_vm_writev(std::process::id() as i32, &local, 1, &remote, 1, 0) };
    if n == len as isize {
        0
    } else {
        sys::EFAULT as c_int
    }
}

#[unsafe(no_mangle)]
extern "C" fn clrs_lwp_cpu(l: *mut sys::lwp, cpu: *mut u32, node: *mut u32) {
    // SAFETY: the tests pass a ModelLwp as the LWP, and the handler passes
    // two writable locals.
    unsafe {
        let lwp = &*l.cast::<ModelLwp>();
        cpu.write(lwp.cpu);
        node.write(lwp.node);
    }
}
