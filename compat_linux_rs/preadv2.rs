//! preadv2(2): read into several buffers, at an offset or the file's
//! position, with flags.
//!
//! Linux contract (`fs/read_write.c` of 6.x, `SYSCALL_DEFINE6(preadv2)`;
//! readv(2)): `ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt,
//! unsigned long pos_l, unsigned long pos_h, int flags)`, checked in the
//! order [`crate::rw`] gives: offset below -1 `EINVAL`; `EBADF`; an offset
//! on a pipe, socket or FIFO `ESPIPE`; not open for reading `EBADF`; the
//! iovecs (`EINVAL` for more than 1024 or a negative length, `EFAULT`); no
//! bytes asked: 0; the position plus the bytes past the largest offset
//! `EINVAL`; the flags (`EOPNOTSUPP`, `EINVAL`, `EPERM`); a directory
//! `EISDIR`. Returns the bytes read: fewer at the end of the file, or where
//! a buffer that cannot be written is reached (`EFAULT` if none were).
//! With offset -1 the file's position is used and advanced; otherwise it
//! is left alone. `RWF_HIPRI` is a hint; `RWF_DSYNC`, `RWF_SYNC`,
//! `RWF_APPEND` and `RWF_NOAPPEND` change nothing in a read, but
//! `RWF_APPEND` with `RWF_NOAPPEND` is `EINVAL`, and `RWF_NOAPPEND` on an
//! `O_APPEND` descriptor of an append-only file `EPERM`.
//!
//! Deviations (see [`crate::rw`]): `RWF_NOWAIT` is `EOPNOTSUPP` on every
//! file (Linux reads what is at hand from a pipe, a socket or the page
//! cache of most disk file systems, and answers `EOPNOTSUPP` on tmpfs);
//! `RWF_DONTCACHE` is `EOPNOTSUPP` (Linux has it on some disk file
//! systems). A pipe, socket or device is read by NetBSD's readv(2): an
//! unwritable buffer reached after some bytes is `EFAULT` there, where
//! Linux returns the bytes.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::rw::{Direction, transfer};
use crate::sys::register_t;

/// Linux amd64 system call number.
pub const NR: u16 = 327;

/// The handler.
pub fn preadv2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    transfer(lwp, args, Direction::Read)
}

#[cfg(test)]
#[path = "tests/preadv2.rs"]
mod tests;
