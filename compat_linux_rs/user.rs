//! Pointers into the calling process's address space.
//!
//! A [`UserPtr`] is an address the program chose; it is never dereferenced.
//! Data crosses only through the kernel's `copyin`/`copyout`, which fault
//! safely and return `EFAULT` for addresses the program may not access.

use core::marker::PhantomData;
use core::mem::size_of;

use crate::errno::Errno;
use crate::sys;

/// An address in the user address space holding a `T`.
///
/// `T` is plain data: the bytes of a `T` are what crosses.
pub struct UserPtr<T> {
    addr: u64,
    _type: PhantomData<*mut T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T: Copy> UserPtr<T> {
    /// Wraps an address taken from a system call argument.
    pub const fn new(addr: u64) -> UserPtr<T> {
        UserPtr {
            addr,
            _type: PhantomData,
        }
    }

    /// Whether the program passed NULL.
    pub fn is_null(self) -> bool {
        self.addr == 0
    }

    /// Copies `value` out unless the program passed NULL, the common
    /// "optional result" argument.
    pub fn write_unless_null(self, value: &T) -> Result<(), Errno> {
        if self.is_null() {
            Ok(())
        } else {
            self.write(value)
        }
    }

    /// Copies `value` to the user address.
    pub fn write(self, value: &T) -> Result<(), Errno> {
        // SAFETY: copyout reads size_of::<T>() bytes from a valid `&T` and
        // checks the user range itself, failing with EFAULT.
        Errno::check(unsafe {
            sys::copyout(
                (value as *const T).cast(),
                self.addr as usize as *mut core::ffi::c_void,
                size_of::<T>(),
            )
        })
    }
}
