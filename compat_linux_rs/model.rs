//! Test helpers over the user-space kernel model (`ffi/model/`), which
//! stands in for the kernel under the handlers, shims and module glue.

use std::sync::{Mutex, MutexGuard};

use crate::sys;

/// An LWP of the model, on `alllwp` while it lives.
pub struct ModelLwp(*mut sys::lwp);

impl ModelLwp {
    /// A fresh LWP running on CPU `cpu`.
    pub fn on_cpu(cpu: u32) -> ModelLwp {
        // SAFETY: the model allocates from its own pool.
        let l = unsafe { sys::model_lwp_new(cpu) };
        assert!(!l.is_null(), "model LWP pool exhausted");
        ModelLwp(l)
    }

    /// The pointer handlers receive.
    pub fn as_ptr(&self) -> *mut sys::lwp {
        self.0
    }

    /// Marks the LWP as inside Linux system call `code` (0: none).
    pub fn in_syscall(&self, code: u16) {
        // SAFETY: a live model LWP.
        unsafe { sys::model_lwp_in_syscall(self.0, code.into()) }
    }
}

impl Drop for ModelLwp {
    fn drop(&mut self) {
        // SAFETY: allocated by model_lwp_new, freed once.
        unsafe { sys::model_lwp_free(self.0) }
    }
}

/// Serialises the tests that use the model's global state (the sysent
/// table, module properties).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
