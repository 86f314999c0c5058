//! sync_file_range(2): write out dirty pages of a byte range of a file.
//!
//! Linux contract (`fs/sync.c`, sync_file_range(2)):
//! `int sync_file_range(int fd, loff_t offset, loff_t nbytes, unsigned flags)`
//! - `fd` not open → `EBADF`, checked first (since Linux 5.2);
//! - then `flags` outside `SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER`,
//!   a negative `offset` or `nbytes`, or `offset + nbytes` overflowing →
//!   `EINVAL`;
//! - then a file that is not a regular file, directory, symbolic link or
//!   block device (a pipe, socket, FIFO, character device) → `ESPIPE`;
//! - `nbytes == 0` means from `offset` to the end of the file;
//! - `flags == 0` does nothing and succeeds;
//! - the file need not be open for writing; the range is taken in whole
//!   pages.
//!
//! On NetBSD the range goes to `VOP_FSYNC` with `FSYNC_DATAONLY`, like
//! fdatasync(2) of a range; with a `WAIT_*` flag it also waits
//! (`FSYNC_WAIT`), with `WRITE` alone it only starts the writes.
//!
//! Deviations: `WAIT_BEFORE` alone writes the range out and waits, where
//! Linux only waits for writes already under way; `nbytes == 0` syncs the
//! whole file, since NetBSD's file systems take `0, 0` as the whole file and
//! do not all take a range open at the top. Both do more I/O, never less.

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::FileRef;
use crate::lwp::Lwp;
use crate::sys::{self, register_t};

/// Linux amd64 system call number.
pub const NR: u16 = 277;

bitflags! {
    /// `SYNC_FILE_RANGE_*`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct SyncFileRangeFlags: u32 {
        /// Wait for writes of the range already under way.
        const WAIT_BEFORE = 1;
        /// Start writing the dirty pages of the range.
        const WRITE = 2;
        /// Wait for the writes to finish.
        const WAIT_AFTER = 4;
    }
}

const PAGE_SIZE: i64 = sys::PAGE_SIZE as i64;

/// The byte range `[lo, hi)` to hand to `VOP_FSYNC`: whole pages, or
/// `(0, 0)` for the whole file.
/// `offset` and `nbytes` are non-negative and their sum does not overflow.
fn page_range(offset: i64, nbytes: i64) -> (i64, i64) {
    let end = offset + nbytes;
    match end.checked_add(PAGE_SIZE - 1) {
        Some(hi) if nbytes != 0 => (offset - offset % PAGE_SIZE, hi - hi % PAGE_SIZE),
        _ => (0, 0),
    }
}

/// The handler.
pub fn sync_file_range(_lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let file = FileRef::get(args.int::<0>())?;
    let offset = args.u64::<1>() as i64;
    let nbytes = args.u64::<2>() as i64;
    let flags = SyncFileRangeFlags::from_bits(args.uint::<3>()).ok_or(Errno::EINVAL)?;
    if offset < 0 || nbytes < 0 || offset.checked_add(nbytes).is_none() {
        return Err(Errno::EINVAL);
    }
    let vnode = file.vnode().ok_or(Errno::ESPIPE)?;
    if ![
        sys::vtype_VREG,
        sys::vtype_VDIR,
        sys::vtype_VLNK,
        sys::vtype_VBLK,
    ]
    .contains(&vnode.vtype())
    {
        return Err(Errno::ESPIPE);
    }
    if flags.is_empty() {
        return Ok(0);
    }

    let mut fsync_flags = sys::FSYNC_DATAONLY;
    if flags.intersects(SyncFileRangeFlags::WAIT_BEFORE | SyncFileRangeFlags::WAIT_AFTER) {
        fsync_flags |= sys::FSYNC_WAIT;
    }
    let (lo, hi) = page_range(offset, nbytes);
    vnode
        .lock_exclusive()
        .fsync(file.cred(), fsync_flags, lo, hi)?;
    Ok(0)
}

#[cfg(test)]
#[path = "tests/sync_file_range.rs"]
mod tests;
