//! System call arguments as the amd64 Linux dispatcher hands them over.
//!
//! `uap` points at the six saved argument registers (rdi, rsi, rdx, r10, r8,
//! r9), one `register_t` each. A Linux argument narrower than a register
//! occupies its low bytes and the rest is whatever the program left there,
//! so every accessor reads only the declared width.

use crate::sys::register_t;
use crate::user::UserPtr;

/// The argument registers of one system call.
#[derive(Clone, Copy)]
pub struct SyscallArgs {
    regs: [register_t; 6],
}

impl SyscallArgs {
    /// Copies the six argument registers out of the saved frame.
    ///
    /// # Safety
    /// `uap` must point at six readable `register_t` in kernel memory, as
    /// the sysent calling convention guarantees.
    pub unsafe fn from_frame(uap: *const core::ffi::c_void) -> SyscallArgs {
        // SAFETY: the caller guarantees six readable, aligned registers.
        let regs = unsafe { uap.cast::<[register_t; 6]>().read() };
        SyscallArgs { regs }
    }

    /// Arguments built from register values, for tests and fuzzing.
    pub const fn from_registers(regs: [register_t; 6]) -> SyscallArgs {
        SyscallArgs { regs }
    }

    /// The registers as the sysent calling convention passes them on.
    pub fn as_uap(&self) -> *const core::ffi::c_void {
        self.regs.as_ptr().cast()
    }

    fn reg<const N: usize>(&self) -> u64 {
        const { assert!(N < 6) };
        self.regs[N] as u64
    }

    /// Argument `N` as a C `int` (low 32 bits).
    pub fn int<const N: usize>(&self) -> i32 {
        self.reg::<N>() as u32 as i32
    }

    /// Argument `N` as a C `unsigned int` (low 32 bits).
    pub fn uint<const N: usize>(&self) -> u32 {
        self.reg::<N>() as u32
    }

    /// Argument `N` as a 64-bit value (`long`, `size_t`, `loff_t`).
    pub fn u64<const N: usize>(&self) -> u64 {
        self.reg::<N>()
    }

    /// Argument `N` as a pointer into the calling process.
    pub fn ptr<const N: usize, T: Copy>(&self) -> UserPtr<T> {
        UserPtr::new(self.reg::<N>())
    }
}

#[cfg(test)]
#[path = "tests/args.rs"]
mod tests;
