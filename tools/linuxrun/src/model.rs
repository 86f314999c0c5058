//! The kernel model (`ffi/model/`), as linuxrun sees it: the symbol table
//! the module is linked against, and the model's own interface.

use std::collections::HashMap;
use std::ffi::{c_int, c_uint, c_void};

include!(concat!(env!("OUT_DIR"), "/kernel_symbols.rs"));

/// The kernel's symbol table: name to address.
pub fn symbol_table() -> HashMap<&'static str, u64> {
    kernel_symbols()
        .into_iter()
        .map(|(name, addr)| (name, addr as u64))
        .collect()
}

/// `struct sysent` (`ffi/kpi.h`, as `sys/systm.h`).
#[repr(C)]
pub struct Sysent {
    pub sy_narg: i16,
    pub sy_argsize: i16,
    pub sy_flags: c_int,
    pub sy_call: usize,
    pub sy_entry: u32,
    pub sy_return: u32,
}

/// `CLRS_LINUX_NSYSENT`: compat_linux's table size on amd64.
pub const LINUX_NSYSENT: usize = 512;

/// `enum model_prop`: a dictionary holding a boolean "override".
const MODEL_PROP_BOOL: c_int = 1;

unsafe extern "C" {
    static mut linux_sysent: [Sysent; LINUX_NSYSENT];
    fn linux_sys_nosys(l: *mut c_void, uap: *const c_void, retval: *mut i64) -> c_int;
    fn model_sysent_reset(native: c_uint);
    fn model_props(kind: c_int, value: bool) -> *mut c_void;
}

/// Fills compat_linux's table as compat_linux does: every slot empty.
pub fn sysent_reset() {
    // SAFETY: the model's table, not in use by any call.
    unsafe { model_sysent_reset(0) }
}

/// A property dictionary `{ override = value }` for modcmd INIT.
pub fn props_override(value: bool) -> *mut c_void {
    // SAFETY: the model keeps one static dictionary.
    unsafe { model_props(MODEL_PROP_BOOL, value) }
}

/// The Linux system call numbers whose slot holds something other than
/// compat_linux's empty entry, and their handlers.
pub fn installed() -> Vec<(usize, usize)> {
    let nosys = linux_sys_nosys as *const () as usize;
    // SAFETY: the model's table, read between calls into the module,
    // which alone writes it.
    let table = unsafe {
        std::slice::from_raw_parts((&raw const linux_sysent).cast::<Sysent>(), LINUX_NSYSENT)
    };
    table
        .iter()
        .enumerate()
        .filter(|(_, sy)| sy.sy_call != nosys)
        .map(|(nr, sy)| (nr, sy.sy_call))
        .collect()
}
