//! The kernel model (`ffi/model/`), as linuxrun sees it: the symbol table
//! the module is linked against, and the model's own interface.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_uint, c_void};

include!(concat!(env!("OUT_DIR"), "/kernel_symbols.rs"));

/// The kernel's symbol table: name to address.
pub fn symbol_table() -> HashMap<&'static str, u64> {
    kernel_symbols()
        .into_iter()
        .map(|(name, addr)| (name, addr as u64))
        .collect()
}

/// A sysent handler: `sy_call_t` of `sys/systm.h`.
pub type SyCall = unsafe extern "C" fn(*mut c_void, *const u64, *mut i64) -> c_int;

/// `struct sysent` (`ffi/kpi.h`, as `sys/systm.h`).
#[repr(C)]
pub struct Sysent {
    pub sy_narg: i16,
    pub sy_argsize: i16,
    pub sy_flags: c_int,
    pub sy_call: Option<SyCall>,
    pub sy_entry: u32,
    pub sy_return: u32,
}

/// `CLRS_LINUX_NSYSENT`: compat_linux's table size on amd64.
pub const LINUX_NSYSENT: usize = 512;

/// `enum model_prop`: a dictionary holding one boolean.
const MODEL_PROP_BOOL: c_int = 1;

unsafe extern "C" {
    static mut linux_sysent: [Sysent; LINUX_NSYSENT];
    fn linux_sys_nosys(l: *mut c_void, uap: *const u64, retval: *mut i64) -> c_int;
    fn model_sysent_reset(native: c_uint);
    fn model_props(key: *const c_char, kind: c_int, value: bool) -> *mut c_void;
    fn model_lwp_new(cpu: c_uint) -> *mut c_void;
    fn model_lwp_free(l: *mut c_void);
    fn model_lwp_in_syscall(l: *mut c_void, code: c_uint);
    fn model_user_process(pid: c_int, tid: c_int, pidfd: c_int);
    fn model_lwp_set_user_sp(l: *mut c_void, sp: u64);
    fn model_kernel_enter();
    fn model_kernel_exit();
    static model_ncpu: c_uint;
    fn model_trace_reset();
    fn model_clone_request(args: *mut u64) -> bool;
}

/// Fills compat_linux's table as compat_linux does: every slot empty.
pub fn sysent_reset() {
    // SAFETY: the model's table, not in use by any call.
    unsafe { model_sysent_reset(0) }
}

/// The property dictionary for modcmd INIT: `{ record_nosys = false }`
/// (and so `override` true, its default). The empty slots stay as they
/// are: linuxrun lets the host kernel serve every call the module leaves.
pub fn props_no_record() -> *mut c_void {
    // SAFETY: the model keeps one static dictionary.
    unsafe { model_props(c"record_nosys".as_ptr(), MODEL_PROP_BOOL, false) }
}

/// The Linux system call numbers whose slot holds something other than
/// compat_linux's empty entry: number, argument count, handler.
pub fn installed() -> Vec<(usize, usize, SyCall)> {
    let nosys: SyCall = linux_sys_nosys;
    // SAFETY: the model's table, read between calls into the module,
    // which alone writes it.
    let table = unsafe {
        std::slice::from_raw_parts((&raw const linux_sysent).cast::<Sysent>(), LINUX_NSYSENT)
    };
    table
        .iter()
        .enumerate()
        .filter_map(|(nr, sy)| {
            let call = sy.sy_call.filter(|&c| !std::ptr::fn_addr_eq(c, nosys))?;
            Some((nr, sy.sy_narg as usize, call))
        })
        .collect()
}

/// A system call of a traced thread, as the dispatcher sees it.
#[derive(Clone, Copy)]
pub struct UserCall {
    /// The Linux system call number.
    pub nr: usize,
    /// The process (thread group), a pidfd of it, and the thread.
    pub pid: c_int,
    pub pidfd: c_int,
    pub tid: c_int,
    /// The host CPU the thread last ran on.
    pub cpu: u32,
    /// Its user stack pointer and six argument registers.
    pub sp: u64,
    pub args: [u64; 6],
}

/// What a handler did: its NetBSD errno (0, or ERESTART), `retval[0]`,
/// and the clone it asked compat_linux for, if any (flags, stack, parent
/// TID, child TID, TLS).
pub struct Outcome {
    pub error: c_int,
    pub value: i64,
    pub clone: Option<[u64; 5]>,
}

/// Calls `handler` as compat_linux's dispatcher does, for `call`: the
/// traced process's memory, descriptors and working directory are user
/// space for it.
pub fn call(handler: SyCall, call: &UserCall) -> Outcome {
    let mut retval = [0i64; 2];
    let mut clone = [0u64; 5];
    // SAFETY: the model's LWP pool, this thread's trace and user process;
    // the handler gets what the dispatcher passes (an LWP, six argument
    // registers, a two-slot result) inside the model's kernel, and the
    // LWP and user process are given back after it.
    unsafe {
        // NetBSD numbers CPUs from 0; the model has model_ncpu of them.
        let l = model_lwp_new(call.cpu % model_ncpu);
        assert!(!l.is_null(), "model LWP pool exhausted");
        model_lwp_set_user_sp(l, call.sp);
        // As the dispatcher sets l_sysent: FINI sees the LWP inside.
        model_lwp_in_syscall(l, call.nr as c_uint);
        model_user_process(call.pid, call.tid, call.pidfd);
        model_trace_reset();
        model_kernel_enter();
        let error = handler(l, call.args.as_ptr(), retval.as_mut_ptr());
        model_kernel_exit();
        let cloned = model_clone_request(clone.as_mut_ptr());
        model_user_process(0, 0, -1);
        model_lwp_in_syscall(l, 0);
        model_lwp_free(l);
        Outcome {
            error,
            value: retval[0],
            clone: cloned.then_some(clone),
        }
    }
}
