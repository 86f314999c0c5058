//! pwritev2(2): write from several buffers, at an offset or the file's
//! position, with flags.
//!
//! Linux contract (`fs/read_write.c` of 6.x, `SYSCALL_DEFINE6(pwritev2)`,
//! `generic_write_checks` and `generic_write_sync` in `fs/` and
//! `mm/filemap.c`; writev(2)): `ssize_t pwritev2(int fd, const struct iovec
//! *iov, int iovcnt, unsigned long pos_l, unsigned long pos_h, int flags)`,
//! checked in the order [`crate::rw`] gives: offset below -1 `EINVAL`;
//! `EBADF`; an offset on a pipe, socket or FIFO `ESPIPE`; not open for
//! writing `EBADF`; the iovecs (`EINVAL`, `EFAULT`); no bytes: 0; the
//! position plus the bytes past the largest offset `EINVAL`; the flags
//! (`EOPNOTSUPP`, `EINVAL` for `RWF_APPEND` with `RWF_NOAPPEND`, `EPERM`
//! for `RWF_NOAPPEND` undoing `O_APPEND` on an append-only file). Then, on
//! a regular file:
//! - the data goes to the end of the file with `RWF_APPEND`, or on an
//!   `O_APPEND` descriptor without `RWF_NOAPPEND`, whatever the offset;
//!   otherwise at the offset, or at the file's position for -1;
//! - at or past the soft `RLIMIT_FSIZE` → `SIGXFSZ` and `EFBIG`, at or past
//!   the largest file size → `EFBIG`; otherwise the write is cut to both;
//! - with `RWF_DSYNC` (`RWF_SYNC`), the range written reaches stable
//!   storage (with its metadata) before the call returns, and an error in
//!   doing so is the call's;
//! - with offset -1 the position moves to the end of what was written,
//!   otherwise it is left alone.
//!
//! Returns the bytes written: fewer where a buffer that cannot be read is
//! reached (`EFAULT` if none were), or at the limits.
//!
//! On NetBSD a regular file is written under its exclusive vnode lock with
//! `vn_rdwr` from user memory, the file's own `O_SYNC`/`O_DSYNC` kept, and
//! `RWF_SYNC`/`RWF_DSYNC` made a `VOP_FSYNC` of the range written, as
//! Linux's `generic_write_sync` does; a block device gets a `VOP_FSYNC` of
//! itself. Other files go through NetBSD's writev(2).
//!
//! Deviations (see [`crate::rw`]): `RWF_NOWAIT`, `RWF_ATOMIC` and
//! `RWF_DONTCACHE` are `EOPNOTSUPP` on every file (Linux writes a pipe or
//! socket without waiting, and has the other two on some disk file
//! systems); on a pipe, socket or device, an unreadable buffer reached
//! after some bytes is `EFAULT` (NetBSD's writev), where Linux returns the
//! bytes; `RWF_APPEND` and `RWF_NOAPPEND` act on regular files only.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::rw::{Direction, transfer};
use crate::sys::register_t;

/// Linux amd64 system call number.
pub const NR: u16 = 328;

/// The handler.
pub fn pwritev2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    transfer(lwp, args, Direction::Write)
}

#[cfg(test)]
#[path = "tests/pwritev2.rs"]
mod tests;
