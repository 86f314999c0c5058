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
mod tests {
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    use super::*;
    use crate::model::{
        self, CLOSED_FD, ModelLwp, Scratch, assert_balanced, same_as_host, trace, trace_reset,
    };

    const ALL: u64 = 7;

    fn run(fd: u64, offset: i64, nbytes: i64, flags: u64) -> i32 {
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        let error = same_as_host(&lwp, NR, [fd, offset as u64, nbytes as u64, flags, 0, 0]);
        assert_balanced();
        error
    }

    #[test]
    fn syncs_whole_pages_of_the_range_and_waits() {
        let s = Scratch::new("sfr", 20000);
        assert_eq!(run(s.file.as_raw_fd() as u64, 5000, 100, ALL), 0);
        let t = trace();
        assert_eq!(t.fsyncs, 1);
        assert_eq!((t.fsync_lo, t.fsync_hi), (4096, 8192));
        assert_eq!(t.fsync_flags as u32, sys::FSYNC_DATAONLY | sys::FSYNC_WAIT);
        assert!(t.fsync_locked, "VOP_FSYNC with the vnode locked");
    }

    #[test]
    fn write_alone_starts_without_waiting() {
        let s = Scratch::new("sfr", 100);
        assert_eq!(run(s.file.as_raw_fd() as u64, 0, 4096, 2), 0);
        let t = trace();
        assert_eq!((t.fsyncs, t.fsync_flags as u32), (1, sys::FSYNC_DATAONLY));
        assert_eq!((t.fsync_lo, t.fsync_hi), (0, 4096));
    }

    #[test]
    fn zero_nbytes_is_to_the_end_of_the_file() {
        let s = Scratch::new("sfr", 100);
        assert_eq!(run(s.file.as_raw_fd() as u64, 8192, 0, ALL), 0);
        assert_eq!((trace().fsync_lo, trace().fsync_hi), (0, 0), "whole file");
    }

    #[test]
    fn zero_flags_does_nothing() {
        let s = Scratch::new("sfr", 100);
        assert_eq!(run(s.file.as_raw_fd() as u64, 0, 100, 0), 0);
        assert_eq!(trace().fsyncs, 0);
    }

    #[test]
    fn read_only_descriptors_and_directories_are_fine() {
        let s = Scratch::new("sfr", 100);
        let ro = std::fs::File::open(s.dir.join("file")).unwrap();
        assert_eq!(run(ro.as_raw_fd() as u64, 0, 0, ALL), 0);
        let dir = std::fs::File::open(&s.dir).unwrap();
        assert_eq!(run(dir.as_raw_fd() as u64, 0, 0, ALL), 0);
    }

    #[test]
    fn bad_flags_offsets_and_lengths_are_einval() {
        let s = Scratch::new("sfr", 100);
        let fd = s.file.as_raw_fd() as u64;
        for (offset, nbytes, flags) in [
            (0, 0, 8),
            (0, 0, 0x100),
            (-1, 0, ALL),
            (0, -1, ALL),
            (-4096, 10, 0),
            (i64::MAX - 10, 100, ALL),
            (i64::MIN, i64::MIN, ALL),
        ] {
            assert_eq!(run(fd, offset, nbytes, flags), sys::EINVAL as i32);
        }
        assert_eq!(trace().fsyncs, 0);
    }

    #[test]
    fn the_descriptor_is_checked_first_and_the_file_type_last() {
        assert_eq!(run(CLOSED_FD, -1, -1, 0x100), sys::EBADF as i32);
        let (reader, _writer) = std::io::pipe().unwrap();
        assert_eq!(
            run(reader.as_raw_fd() as u64, -1, 0, 0x100),
            sys::EINVAL as i32
        );
    }

    #[test]
    fn offsets_up_to_the_limit_are_valid() {
        let s = Scratch::new("sfr", 100);
        assert_eq!(run(s.file.as_raw_fd() as u64, i64::MAX - 100, 100, ALL), 0);
        assert_eq!(
            (trace().fsync_lo, trace().fsync_hi),
            (0, 0),
            "past the last page: whole file"
        );
    }

    #[test]
    fn closed_and_negative_descriptors_are_ebadf() {
        assert_eq!(run(CLOSED_FD, 0, 0, ALL), sys::EBADF as i32);
        assert_eq!(run(u32::MAX as u64, 0, 0, ALL), sys::EBADF as i32);
    }

    #[test]
    fn pipes_and_sockets_are_espipe() {
        let (a, _b) = UnixStream::pair().unwrap();
        assert_eq!(run(a.as_raw_fd() as u64, 0, 0, ALL), sys::ESPIPE as i32);
        let (reader, _writer) = std::io::pipe().unwrap();
        assert_eq!(run(reader.as_raw_fd() as u64, 0, 0, 0), sys::ESPIPE as i32);
    }

    #[test]
    fn only_the_declared_width_is_read() {
        let s = Scratch::new("sfr", 100);
        let lwp = ModelLwp::on_cpu(0);
        let garbage = 0xdead_beef_0000_0000_u64;
        let (error, _) = model::call(
            &lwp,
            NR,
            [s.file.as_raw_fd() as u64 | garbage, 0, 0, 2 | garbage, 0, 0],
        );
        assert_eq!(error, 0);
    }

    #[test]
    fn page_range_rounds_outwards() {
        assert_eq!(page_range(0, 1), (0, 4096));
        assert_eq!(page_range(4096, 4096), (4096, 8192));
        assert_eq!(page_range(4095, 2), (0, 8192));
        assert_eq!(page_range(10, 0), (0, 0));
        assert_eq!(page_range(i64::MAX - 1, 1), (0, 0));
    }
}
