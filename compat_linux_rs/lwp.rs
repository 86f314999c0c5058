//! The LWP (thread) making the system call.

use core::ptr::NonNull;

use crate::file::Cred;
use crate::sys;

/// `RLIM_INFINITY` of `sys/resource.h`, `~((u_quad_t)1 << 63)`.
const RLIM_INFINITY: u64 = i64::MAX as u64;

/// The calling LWP, as the dispatcher passes it to a handler.
///
/// Its fields are read only by the C shims, never from Rust.
pub struct Lwp(NonNull<sys::lwp>);

impl Lwp {
    /// Wraps the LWP pointer of a sysent call; `None` for NULL.
    pub fn new(l: *mut sys::lwp) -> Option<Lwp> {
        NonNull::new(l).map(Lwp)
    }

    /// The pointer, for kernel functions that take the calling LWP.
    pub fn as_ptr(&self) -> *mut sys::lwp {
        self.0.as_ptr()
    }

    /// The index of the CPU this LWP runs on, and that CPU's NUMA node.
    pub fn cpu(&self) -> (u32, u32) {
        let (mut cpu, mut node) = (0, 0);
        // SAFETY: the pointer is the live calling LWP (see `new`), and the
        // shim only reads its l_cpu and writes the two locals.
        unsafe { sys::clrs_lwp_cpu(self.0.as_ptr(), &mut cpu, &mut node) };
        (cpu, node)
    }

    /// Whether a signal is pending for the LWP.
    pub fn signal_pending(&self) -> bool {
        // SAFETY: the live calling LWP.
        unsafe { sys::sigispending(self.0.as_ptr(), 0) != 0 }
    }

    /// The process's soft `RLIMIT_FSIZE`: `None` for no limit.
    pub fn file_size_limit(&self) -> Option<u64> {
        // SAFETY: the live calling LWP; the shim reads its process's limit.
        let limit = unsafe { sys::clrs_lwp_fsize_limit(self.0.as_ptr()) };
        (limit != RLIM_INFINITY).then_some(limit)
    }

    /// Posts `SIGXFSZ` to the process, as a write past its limit does.
    pub fn signal_file_size_exceeded(&self) {
        // SAFETY: the live calling LWP; the shim takes proc_lock.
        unsafe { sys::clrs_lwp_sigxfsz(self.0.as_ptr()) }
    }

    /// The process's file creation mask.
    pub fn umask(&self) -> u32 {
        // SAFETY: the live calling LWP; the shim reads its process's mask.
        unsafe { sys::clrs_lwp_umask(self.0.as_ptr()) as u32 }
    }

    /// Where the process's user address space ends: no user buffer
    /// reaches past it.
    pub fn user_space_end(&self) -> u64 {
        // SAFETY: the live calling LWP; the shim reads its process's map.
        unsafe { sys::clrs_lwp_user_end(self.0.as_ptr()) as u64 }
    }

    /// The process's soft `RLIMIT_MEMLOCK` (`None`: no limit), and whether
    /// the LWP may lock memory past it.
    pub fn memlock_limit(&self) -> (Option<u64>, bool) {
        let mut limit = 0;
        // SAFETY: the live calling LWP and a place for the limit.
        let bypass = unsafe { sys::clrs_lwp_memlock(self.0.as_ptr(), &mut limit) };
        ((limit != RLIM_INFINITY).then_some(limit), bypass)
    }

    /// The LWP's credentials, live for the system call.
    pub fn cred(&self) -> Cred<'_> {
        // SAFETY: the live calling LWP; the shim reads l_cred.
        Cred::new(unsafe { sys::clrs_lwp_cred(self.0.as_ptr()) })
    }

    /// The LWP's ID (a Linux thread ID).
    pub fn lid(&self) -> i32 {
        // SAFETY: the live calling LWP; l_lid does not change.
        unsafe { sys::clrs_lwp_lid(self.0.as_ptr()) }
    }

    /// The LWP's process, only to compare or hand to kernel functions.
    pub fn proc_ptr(&self) -> *mut sys::proc_t {
        // SAFETY: the live calling LWP; l_proc does not change.
        unsafe { sys::clrs_lwp_proc(self.0.as_ptr()) }
    }

    /// The slot of compat_linux's table this call came in through.
    pub fn syscall_slot(&self) -> Option<usize> {
        // SAFETY: the live calling LWP; the shim reads its l_sysent.
        usize::try_from(unsafe { sys::clrs_lwp_syscall_slot(self.0.as_ptr()) }).ok()
    }

    /// The LWP's process: a token that tells it from every other live
    /// process, its ID and its name.
    pub fn process(&self) -> Process {
        let mut process = Process {
            proc: core::ptr::null_mut(),
            pid: 0,
            comm: [0; COMLEN],
        };
        // SAFETY: the live calling LWP, a pid and MAXCOMLEN + 1 bytes,
        // which the shim fills with a NUL-terminated name.
        process.proc = unsafe {
            sys::clrs_lwp_process(
                self.0.as_ptr(),
                &mut process.pid,
                process.comm.as_mut_ptr().cast(),
            )
        }
        .cast();
        process
    }

    /// Logs that the process made Linux call `nr` (named `name`), which
    /// NetBSD lacks; with `limited`, within the module's rate of lines.
    pub fn log_nosys(&self, name: &core::ffi::CStr, nr: usize, limited: bool) {
        let nr = core::ffi::c_int::try_from(nr).unwrap_or(-1);
        // SAFETY: the live calling LWP and a NUL-terminated name.
        unsafe { sys::clrs_log_nosys(self.0.as_ptr(), name.as_ptr(), nr, limited) }
    }
}

/// `MAXCOMLEN` + 1: a program's name as `p_comm` holds it.
pub const COMLEN: usize = sys::MAXCOMLEN as usize + 1;

/// A process, as [`Lwp::process`] saw it.
pub struct Process {
    /// Its `struct proc`, never dereferenced from Rust: to compare, or to
    /// pass to kernel functions that take the process.
    pub proc: *mut core::ffi::c_void,
    /// Its process ID.
    pub pid: i32,
    /// Its name, NUL-terminated.
    pub comm: [u8; COMLEN],
}

impl Process {
    /// Whether process `pid` is still the process `proc` stands for.
    pub fn is_alive(pid: i32, proc: *mut core::ffi::c_void) -> bool {
        // SAFETY: the shim only compares `proc` with the process it finds
        // for `pid`, under proc_lock.
        unsafe { sys::clrs_proc_is(pid, proc.cast()) }
    }
}
