//! Pointers into the calling process's address space.
//!
//! A [`UserPtr`] is an address the program chose; it is never dereferenced.
//! Data crosses only through the kernel's `copyin`/`copyout`, which fault
//! safely and return `EFAULT` for addresses the program may not access.

use core::marker::PhantomData;
use core::mem::size_of;

use crate::errno::Errno;
use crate::file::KernelBuf;
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

/// Types for which every bit pattern is a valid value, so they can be
/// copied in from user memory.
///
/// # Safety
/// Implement only for types without padding, invalid values or pointers.
pub unsafe trait Plain: Copy + Default {}

// SAFETY: integers: no padding, every bit pattern valid.
unsafe impl Plain for u32 {}
// SAFETY: as above.
unsafe impl Plain for i64 {}

/// An address in the user address space, for byte-wise copies.
#[derive(Clone, Copy)]
pub struct UserAddr(u64);

impl UserAddr {
    /// Wraps an address taken from a system call argument.
    pub const fn new(addr: u64) -> UserAddr {
        UserAddr(addr)
    }

    /// The address `offset` bytes further on; wraps like the CPU would,
    /// and copyin fails on whatever is not user memory.
    pub const fn offset(self, offset: usize) -> UserAddr {
        UserAddr(self.0.wrapping_add(offset as u64))
    }

    /// Copies `buf.len()` bytes from the user address into `buf`.
    pub fn read_into(self, buf: &mut [u8]) -> Result<(), Errno> {
        // SAFETY: copyin writes at most buf.len() bytes into `buf` and
        // checks the user range itself, failing with EFAULT.
        Errno::check(unsafe {
            sys::copyin(
                self.0 as usize as *const core::ffi::c_void,
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        })
    }
}

impl UserAddr {
    /// Copies `buf` to the user address.
    pub fn write_from(self, buf: &[u8]) -> Result<(), Errno> {
        // SAFETY: copyout reads buf.len() bytes of `buf` and checks the
        // user range itself, failing with EFAULT.
        Errno::check(unsafe {
            sys::copyout(
                buf.as_ptr().cast(),
                self.0 as usize as *mut core::ffi::c_void,
                buf.len(),
            )
        })
    }
}

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

    /// Copies the value in from the user address.
    pub fn read(self) -> Result<T, Errno>
    where
        T: Plain,
    {
        let mut value = T::default();
        // SAFETY: `T: Plain`: any bytes make a valid T, so the value may
        // be filled byte by byte.
        let bytes = unsafe {
            core::slice::from_raw_parts_mut((&raw mut value).cast::<u8>(), size_of::<T>())
        };
        UserAddr::new(self.addr).read_into(bytes)?;
        Ok(value)
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

/// A path copied in from user memory with copyinstr(9), as namei copies
/// one: at most `PATH_MAX` (1024) bytes with its NUL, in a kernel buffer.
pub struct KernelPath {
    buf: KernelBuf,
    len: usize,
}

impl KernelPath {
    /// Copies the path at `addr` in: `EFAULT` where it cannot be read,
    /// `ENAMETOOLONG` if no NUL ends it within `PATH_MAX` bytes.
    pub fn copy_in(addr: u64) -> Result<KernelPath, Errno> {
        let mut buf = KernelBuf::new(sys::PATH_MAX as usize)?;
        let bytes = buf.as_mut_slice();
        let mut done = 0;
        // SAFETY: copyinstr writes at most bytes.len() bytes into the
        // buffer, NUL included, and checks the user range itself.
        Errno::check(unsafe {
            sys::copyinstr(
                addr as usize as *const core::ffi::c_void,
                bytes.as_mut_ptr().cast(),
                bytes.len(),
                &mut done,
            )
        })?;
        // `done` counts the NUL.
        let len = done.saturating_sub(1);
        Ok(KernelPath { buf, len })
    }

    /// The path without its NUL.
    pub fn as_bytes(&mut self) -> &[u8] {
        let len = self.len;
        self.buf.as_mut_slice().get(..len).unwrap_or_default()
    }

    /// The whole path, for kernel functions that take a C string.
    pub fn whole(&mut self) -> KernelName<'_> {
        let len = self.len;
        self.name(0, len)
    }

    /// The part `[start, end)` of the path as a C string: a NUL is written
    /// at `end` (so the path is cut there for good, which is how a part
    /// before another is taken, and then that other).
    pub fn name(&mut self, start: usize, end: usize) -> KernelName<'_> {
        let bytes = self.buf.as_mut_slice();
        if let Some(b) = bytes.get_mut(end) {
            *b = 0;
        }
        let start = start.min(end);
        KernelName {
            ptr: bytes
                .get(start..)
                .map_or(c"".as_ptr(), |b| b.as_ptr().cast()),
            _path: PhantomData,
        }
    }

    /// Whether the path is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the path starts at the root (and so ignores a directory
    /// descriptor).
    pub fn is_absolute(&mut self) -> bool {
        self.as_bytes().first() == Some(&b'/')
    }
}

/// A NUL-terminated path in kernel memory, part of a [`KernelPath`] or a
/// constant.
#[derive(Clone, Copy)]
pub struct KernelName<'a> {
    ptr: *const core::ffi::c_char,
    _path: PhantomData<&'a [u8]>,
}

impl KernelName<'static> {
    /// `/`.
    pub const ROOT: KernelName<'static> = KernelName {
        ptr: c"/".as_ptr(),
        _path: PhantomData,
    };
}

impl KernelName<'_> {
    /// The C string.
    pub fn as_ptr(self) -> *const core::ffi::c_char {
        self.ptr
    }
}
