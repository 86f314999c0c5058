//! NetBSD error numbers, as handlers return them.
//!
//! compat_linux's dispatcher maps a handler's NetBSD errno to the Linux one
//! (`native_to_linux_errno`), so handlers speak NetBSD here.

use core::num::NonZeroU16;

use crate::sys;

/// A NetBSD errno value: never zero, and always one the headers define.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Errno(NonZeroU16);

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

errnos!(EBADF, EFAULT, EINVAL, ESPIPE);

impl Errno {
    const fn from_header(value: u32) -> Errno {
        assert!(value > 0 && value <= sys::ELAST && value <= u16::MAX as u32);
        match NonZeroU16::new(value as u16) {
            Some(nonzero) => Errno(nonzero),
            None => panic!("errno 0"),
        }
    }

    /// Interprets a kernel function's return value: 0 is success.
    pub fn check(error: core::ffi::c_int) -> Result<(), Errno> {
        match u16::try_from(error).ok().and_then(NonZeroU16::new) {
            None if error == 0 => Ok(()),
            Some(nonzero) if u32::from(nonzero.get()) <= sys::ELAST => Err(Errno(nonzero)),
            // A kernel function returned something that is not an errno;
            // EINVAL keeps the dispatcher's table lookup in range.
            _ => Err(Errno::EINVAL),
        }
    }

    /// The value the sysent convention returns.
    pub fn get(self) -> core::ffi::c_int {
        core::ffi::c_int::from(self.0.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_maps_kernel_results() {
        assert_eq!(Errno::check(0), Ok(()));
        assert_eq!(Errno::check(sys::EFAULT as i32), Err(Errno::EFAULT));
        assert_eq!(Errno::EFAULT.get(), sys::EFAULT as i32);
        // Not errno values: kept in the dispatcher's table range.
        assert_eq!(Errno::check(-3), Err(Errno::EINVAL));
        assert_eq!(Errno::check(sys::ELAST as i32 + 1), Err(Errno::EINVAL));
    }
}
