//! Arrays of `struct iovec` from user memory, read as Linux reads them for
//! the vectored calls (`iovec_from_user` and `__import_iovec`,
//! `lib/iov_iter.c` of Linux 6.x).
//!
//! - more than `UIO_MAXIOV` (1024) elements: `EINVAL`; none: an empty array
//!   (nothing is read);
//! - the array must lie in user space and be readable (`EFAULT`), and no
//!   element's length may be negative as an `ssize_t` (`EINVAL`); Linux
//!   reads the elements in order, so whichever of the two comes first
//!   decides;
//! - for the caller's own buffers (`Buffers::Checked`), each element must
//!   lie in user space (`EFAULT`, before anything is moved) and the lengths
//!   are cut so that they add up to at most `MAX_RW_COUNT`; a single
//!   element is cut first and then checked, several are checked whole and
//!   then cut (`__import_iovec_ubuf` and `__import_iovec`).

use crate::errno::Errno;
use crate::file::KernelBuf;
use crate::sys;
use crate::user::UserAddr;

/// Linux's `MAX_RW_COUNT`: `INT_MAX` rounded down to a page.
pub const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// The size of a Linux amd64 `struct iovec`: base and length, 8 bytes each.
const IOVEC_SIZE: usize = 16;

/// One element: a user address and a length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Where the bytes are, in the address space they belong to.
    pub base: u64,
    /// How many.
    pub len: u64,
}

/// Whose buffers an array describes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Buffers {
    /// The caller's: checked against its address space and cut to
    /// `MAX_RW_COUNT` in all, as `import_iovec` does.
    Checked,
    /// Another address space's, used as given (`iovec_from_user` only).
    AsGiven,
}

/// An array copied in, in kernel memory.
pub struct Iovecs {
    buf: Option<KernelBuf>,
    count: usize,
}

impl Iovecs {
    /// Reads `count` elements at `addr`; `user_end` is the end of the
    /// caller's user address space.
    pub fn copy_in(
        addr: u64,
        count: u64,
        buffers: Buffers,
        user_end: u64,
    ) -> Result<Iovecs, Errno> {
        if count > u64::from(sys::UIO_MAXIOV) {
            return Err(Errno::EINVAL);
        }
        let count = count as usize;
        if count == 0 {
            return Ok(Iovecs { buf: None, count });
        }
        let bytes = count * IOVEC_SIZE;
        if !in_user_space(addr, bytes as u64, user_end) {
            return Err(Errno::EFAULT);
        }
        let mut buf = KernelBuf::new(bytes)?;
        let array = buf.as_mut_slice();
        if UserAddr::new(addr).read_into(array).is_err() {
            // Which comes first: an element that cannot be read, or a
            // negative length before it.
            for (i, element) in array.chunks_exact_mut(IOVEC_SIZE).enumerate() {
                UserAddr::new(addr)
                    .offset(i * IOVEC_SIZE)
                    .read_into(element)?;
                if negative(element) {
                    return Err(Errno::EINVAL);
                }
            }
        }
        if array.chunks_exact(IOVEC_SIZE).any(negative) {
            return Err(Errno::EINVAL);
        }
        let mut iovecs = Iovecs {
            buf: Some(buf),
            count,
        };
        if buffers == Buffers::Checked {
            iovecs.check_and_cut(user_end)?;
        }
        Ok(iovecs)
    }

    fn check_and_cut(&mut self, user_end: u64) -> Result<(), Errno> {
        let single = self.count == 1;
        let mut total: u64 = 0;
        for i in 0..self.count {
            let Segment { base, len } = self.get(i);
            let cut = len.min(MAX_RW_COUNT - total);
            let checked = if single { cut } else { len };
            if !in_user_space(base, checked, user_end) {
                return Err(Errno::EFAULT);
            }
            self.set_len(i, cut);
            total += cut;
        }
        Ok(())
    }

    /// Element `i` (`i` below the count).
    pub fn get(&self, i: usize) -> Segment {
        let word = |at: usize| {
            self.element(i)
                .and_then(|e| e.get(at..at + 8))
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_ne_bytes)
        };
        Segment {
            base: word(0),
            len: word(8),
        }
    }

    fn element(&self, i: usize) -> Option<&[u8]> {
        let buf = self.buf.as_ref()?;
        buf.as_slice().get(i * IOVEC_SIZE..(i + 1) * IOVEC_SIZE)
    }

    fn set_len(&mut self, i: usize, len: u64) {
        if let Some(to) = self.buf.as_mut().and_then(|b| {
            b.as_mut_slice()
                .get_mut(i * IOVEC_SIZE + 8..(i + 1) * IOVEC_SIZE)
        }) {
            to.copy_from_slice(&len.to_ne_bytes());
        }
    }

    /// The number of elements.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The sum of the lengths (at most `MAX_RW_COUNT` for checked
    /// buffers; saturated otherwise).
    pub fn total(&self) -> u64 {
        (0..self.count).fold(0u64, |sum, i| sum.saturating_add(self.get(i).len))
    }
}

/// Whether the length half of an element is negative as an `ssize_t`.
fn negative(element: &[u8]) -> bool {
    element.get(15).is_some_and(|&top| top & 0x80 != 0)
}

/// Whether `len` bytes at `addr` lie in user space, which ends at `end`.
pub fn in_user_space(addr: u64, len: u64, end: u64) -> bool {
    addr.checked_add(len).is_some_and(|last| last <= end)
}

#[cfg(test)]
#[path = "tests/iovec.rs"]
mod tests;
