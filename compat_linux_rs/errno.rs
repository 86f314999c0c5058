//! NetBSD error numbers, as handlers return them.
//!
//! compat_linux's dispatcher maps a handler's NetBSD errno to the Linux one
//! (`native_to_linux_errno`), so handlers speak NetBSD here.

use core::num::NonZeroI32;

use crate::sys;

/// A NetBSD errno value: never zero, and always one the headers define,
/// or the kernel's `ERESTART`, which makes the dispatcher restart the call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Errno(NonZeroI32);

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        impl Errno {
            $(
                #[doc = concat!("NetBSD `", stringify!($name), "`.")]
                pub const $name: Errno = Errno::from_header(sys::$name);
            )*
        }
    };
}

errnos!(
    E2BIG,
    EACCES,
    EAGAIN,
    EBADF,
    EBUSY,
    EEXIST,
    EFAULT,
    EFBIG,
    EFTYPE,
    EIDRM,
    EINTR,
    EINVAL,
    EISDIR,
    ELOOP,
    ENAMETOOLONG,
    ENOENT,
    ENOMEM,
    ENOSYS,
    ENOTDIR,
    ENOTEMPTY,
    ENXIO,
    EOPNOTSUPP,
    EOVERFLOW,
    EPERM,
    EROFS,
    ESPIPE,
    ESRCH,
    ETIMEDOUT,
    EXDEV
);

// The pidfd calls'.
errnos!(ENFILE, ENOTTY);

impl Errno {
    /// The kernel's `ERESTART`: the dispatcher makes the call again (after
    /// a signal's handler, if one interrupted it).
    pub const RESTART: Errno = match NonZeroI32::new(sys::ERESTART) {
        Some(e) => Errno(e),
        None => panic!("ERESTART is 0"),
    };

    const fn from_header(value: u32) -> Errno {
        assert!(value > 0 && value <= sys::ELAST);
        match NonZeroI32::new(value as i32) {
            Some(nonzero) => Errno(nonzero),
            None => panic!("errno 0"),
        }
    }

    /// Interprets a kernel function's return value: 0 is success.
    pub fn check(error: core::ffi::c_int) -> Result<(), Errno> {
        match NonZeroI32::new(error) {
            None => Ok(()),
            Some(e) if (1..=sys::ELAST as i32).contains(&error) || error == sys::ERESTART => {
                Err(Errno(e))
            }
            // A kernel function returned something that is not an errno;
            // EINVAL keeps the dispatcher's table lookup in range.
            Some(_) => Err(Errno::EINVAL),
        }
    }

    /// The value the sysent convention returns.
    pub fn get(self) -> core::ffi::c_int {
        self.0.get()
    }
}

#[cfg(test)]
#[path = "tests/errno.rs"]
mod tests;
