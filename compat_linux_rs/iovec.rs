//! A program's array of `struct iovec`, copied in and checked as Linux's
//! readv(2) and writev(2) check it (`lib/iov_iter.c` of 6.x:
//! `import_iovec`, `iovec_from_user`, `copy_iovec_from_user`,
//! `import_ubuf`):
//! 1. a count above `UIO_MAXIOV` (1024) → `EINVAL`; a count of 0 is an
//!    empty transfer;
//! 2. the array must lie in user space, else `EFAULT`; its elements are
//!    read in order, and the first one that cannot be read is `EFAULT`,
//!    unless an earlier one has a length that is negative as a `ssize_t`
//!    (`EINVAL`);
//! 3. every buffer must lie in user space (`access_ok`), else `EFAULT`;
//!    the lengths are cut so that their total is at most `MAX_RW_COUNT`
//!    (0x7ffff000), never an error. A single buffer is cut first and
//!    checked after, more than one are checked whole and cut after.
//!
//! Nothing else is checked up front: a buffer in user space but not
//! mapped ends the transfer where it is reached.

use core::mem::size_of;

use crate::errno::Errno;
use crate::file::KernelBuf;
use crate::sys;
use crate::user::UserAddr;

/// Linux's `UIO_MAXIOV`, which NetBSD's `IOV_MAX` equals.
pub const UIO_MAXIOV: u32 = 1024;

/// Linux's `MAX_RW_COUNT`: `INT_MAX` rounded down to a page.
pub const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// The end of user space as Linux's `access_ok` sees it on x86-64 with
/// 4-level page tables (`TASK_SIZE_MAX`): a range must end below it. No
/// NetBSD/amd64 process has memory there (`VM_MAXUSER_ADDRESS` is lower),
/// so a range it lets through still faults where it is not mapped.
const USER_SPACE_END: u64 = 0x7fff_ffff_f000;

/// Whether `[addr, addr + len)` lies in user space, as `access_ok`
/// answers: the sum must not wrap and must end below [`USER_SPACE_END`].
fn in_user_space(addr: u64, len: u64) -> bool {
    addr.checked_add(len)
        .is_some_and(|end| end < USER_SPACE_END)
}

/// One element as the program lays it out: Linux's and NetBSD's
/// `struct iovec` on amd64 alike (a pointer, then a `size_t`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Iovec {
    base: u64,
    len: u64,
}

const _: () = {
    assert!(size_of::<Iovec>() == size_of::<sys::iovec>());
    assert!(core::mem::offset_of!(sys::iovec, iov_base) == 0);
    assert!(core::mem::offset_of!(sys::iovec, iov_len) == 8);
};

/// The checked iovecs, in kernel memory, in the layout NetBSD's
/// `do_filereadv` takes with `FOF_IOV_SYSSPACE`.
pub struct Iovecs {
    buf: Option<KernelBuf>,
    count: usize,
    total: u64,
}

impl Iovecs {
    /// Copies in and checks `count` iovecs at `addr`.
    pub fn import(addr: u64, count: u32) -> Result<Iovecs, Errno> {
        if count == 0 {
            return Ok(Iovecs {
                buf: None,
                count: 0,
                total: 0,
            });
        }
        if count > UIO_MAXIOV {
            return Err(Errno::EINVAL);
        }
        let count = count as usize;
        let size = count * size_of::<Iovec>();
        if !in_user_space(addr, size as u64) {
            return Err(Errno::EFAULT);
        }
        let mut buf = KernelBuf::new(size)?;
        let bytes = buf.as_mut_slice();
        if UserAddr::new(addr).read_into(bytes).is_err() {
            // Which comes first: an unreadable element, or a negative
            // length before it.
            let mut one = [0u8; size_of::<Iovec>()];
            for i in 0..count {
                UserAddr::new(addr)
                    .offset(i * size_of::<Iovec>())
                    .read_into(&mut one)?;
                if (iovec_of(&one).len as i64) < 0 {
                    return Err(Errno::EINVAL);
                }
            }
            return Err(Errno::EFAULT);
        }
        let mut total: u64 = 0;
        let single = count == 1;
        for chunk in bytes.chunks_exact_mut(size_of::<Iovec>()) {
            let mut iov = iovec_of(chunk);
            if (iov.len as i64) < 0 {
                return Err(Errno::EINVAL);
            }
            if single {
                iov.len = iov.len.min(MAX_RW_COUNT);
            }
            if !in_user_space(iov.base, iov.len) {
                return Err(Errno::EFAULT);
            }
            iov.len = iov.len.min(MAX_RW_COUNT - total);
            total += iov.len;
            chunk.copy_from_slice(&bytes_of(&iov));
        }
        Ok(Iovecs {
            buf: Some(buf),
            count,
            total,
        })
    }

    /// The bytes all the buffers hold together (at most `MAX_RW_COUNT`).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Each buffer: its user address and length.
    pub fn buffers(&mut self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.buf
            .as_mut()
            .map(|buf| buf.as_mut_slice())
            .unwrap_or_default()
            .chunks_exact(size_of::<Iovec>())
            .map(|chunk| {
                let iov = iovec_of(chunk);
                (iov.base, iov.len as usize)
            })
    }

    /// The array as NetBSD's `struct iovec`s, and their count.
    pub fn as_kernel_array(&mut self) -> (*const sys::iovec, i32) {
        let ptr = self
            .buf
            .as_mut()
            .map_or(core::ptr::null(), |buf| buf.as_mut_slice().as_ptr());
        (ptr.cast(), self.count as i32)
    }
}

fn iovec_of(bytes: &[u8]) -> Iovec {
    let word = |i: usize| {
        let mut w = [0u8; 8];
        if let Some(src) = bytes.get(i..i + 8) {
            w.copy_from_slice(src);
        }
        u64::from_ne_bytes(w)
    };
    Iovec {
        base: word(0),
        len: word(8),
    }
}

fn bytes_of(iov: &Iovec) -> [u8; size_of::<Iovec>()] {
    let mut out = [0u8; size_of::<Iovec>()];
    out[..8].copy_from_slice(&iov.base.to_ne_bytes());
    out[8..].copy_from_slice(&iov.len.to_ne_bytes());
    out
}

#[cfg(test)]
#[path = "tests/iovec.rs"]
mod tests;
