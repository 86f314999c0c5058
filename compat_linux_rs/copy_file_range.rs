//! copy_file_range(2): copy a range of bytes from one file to another.
//!
//! Linux contract (`fs/read_write.c` of 6.x, copy_file_range(2)):
//! `ssize_t copy_file_range(int fd_in, loff_t *off_in, int fd_out,
//! loff_t *off_out, size_t len, unsigned int flags)`, checked in this order:
//! 1. `fd_in`, then `fd_out`, not open → `EBADF`; an unreadable `*off_in`,
//!    then `*off_out` → `EFAULT`; `flags != 0` → `EINVAL`;
//! 2. a directory on either side → `EISDIR`; anything else that is not a
//!    regular file → `EINVAL`; `fd_in` not open for reading, `fd_out` not
//!    open for writing or open with `O_APPEND` → `EBADF`;
//! 3. the files on different file systems → `EXDEV` (since Linux 5.19;
//!    `cp` and glibc fall back to read and write on it);
//! 4. an offset plus `len` wrapping around as unsigned numbers →
//!    `EOVERFLOW` (so a negative offset with a non-zero `len` too);
//! 5. `len` cut to what `fd_in` holds past its offset;
//! 6. the output offset at or past the soft `RLIMIT_FSIZE` (compared as
//!    unsigned, so a negative one too) → `SIGXFSZ` and `EFBIG`, else the
//!    length cut to the limit; at or past the file system's largest file
//!    size (signed) → `EFBIG`, else the length cut to it;
//! 7. overlapping ranges of one file (one inode, through one descriptor or
//!    two) → `EINVAL`; then a negative offset → `EINVAL`;
//! 8. at most `MAX_RW_COUNT` (0x7ffff000) bytes are copied per call.
//!
//! A NULL offset pointer means the descriptor's offset, which is used and
//! advanced; otherwise `*off_in`/`*off_out` are used and written back, and
//! the descriptor offset is left alone (a failure to write them back is
//! `EFAULT`, though the data was copied). The call returns the bytes
//! copied: 0 for nothing to copy; fewer than asked if a signal arrives or a
//! write falls short, once something was copied (an error only if nothing
//! was). The output is written as write(2) would write it: synchronously
//! for `O_SYNC`, `O_DSYNC` or a synchronous mount.
//!
//! On NetBSD the data goes through a kernel buffer of [`CHUNK`] bytes with
//! vn_rdwr(9), with the output file's `IO_SYNC`/`IO_DSYNC`. vn_rdwr would
//! fail a whole chunk that crosses `RLIMIT_FSIZE` (and post `SIGXFSZ`), so
//! the limits are applied first, as Linux does. The file system's largest
//! file size is what it declares through `_PC_FILESIZEBITS`. Deviation:
//! where a file system declares more than it can hold (ffs declares 42
//! bits, and holds more or less by block size), a chunk that crosses its
//! real limit fails with `EFBIG`, and the call returns what was copied
//! before it, or `EFBIG`.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::{FileRef, KernelBuf, Vnode};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::UserPtr;

/// Linux amd64 system call number.
pub const NR: u16 = 326;

/// The copy buffer's size, chosen with `make bench` (2026-11-27; the model
/// on tmpfs; MB/s copying a 1 MiB and a 256 MiB file): 16 KiB 3339 and
/// 2727, 64 KiB 3379 and 3037, 256 KiB 2590 and 3567, 1 MiB 1380 and 2982.
/// 64 KiB is best or within 15% of the best at each size; the model
/// overstates the per-chunk cost that larger buffers save (a host system
/// call per vn_rdwr), while above 16 KiB kmem_alloc maps fresh pages for
/// every buffer in the kernel as in the model.
pub const CHUNK: usize = 64 * 1024;

/// Linux's `MAX_RW_COUNT`: `INT_MAX` rounded down to a page.
const MAX_RW_COUNT: u64 = 0x7fff_f000;

/// One side of the copy: the held file and where its offset lives.
struct Side {
    file: FileRef,
    offset_ptr: UserPtr<i64>,
    pos: i64,
}

impl Side {
    fn new(fd: i32, offset_ptr: UserPtr<i64>) -> Result<Side, Errno> {
        let file = FileRef::get(fd)?;
        Ok(Side {
            file,
            offset_ptr,
            pos: 0,
        })
    }

    fn load_offset(&mut self) -> Result<(), Errno> {
        self.pos = if self.offset_ptr.is_null() {
            self.file.offset()
        } else {
            self.offset_ptr.read()?
        };
        Ok(())
    }

    fn is_dir(&self) -> bool {
        self.file
            .vnode()
            .is_some_and(|v| v.vtype() == sys::vtype_VDIR)
    }

    fn regular(&self) -> Option<Vnode<'_>> {
        self.file.vnode().filter(|v| v.vtype() == sys::vtype_VREG)
    }

    fn store_offset(&self, copied: i64) -> Result<(), Errno> {
        let pos = self.pos + copied;
        if self.offset_ptr.is_null() {
            self.file.set_offset(pos);
            Ok(())
        } else {
            self.offset_ptr.write(&pos)
        }
    }
}

/// The handler.
pub fn copy_file_range(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    copy_through_buffer(lwp, args, CHUNK)
}

/// The handler with a copy buffer of `chunk` bytes (the benchmark compares
/// sizes).
pub(crate) fn copy_through_buffer(
    lwp: &Lwp,
    args: &SyscallArgs,
    chunk: usize,
) -> Result<register_t, Errno> {
    let mut input = Side::new(args.int::<0>(), args.ptr::<1, i64>())?;
    let mut output = Side::new(args.int::<2>(), args.ptr::<3, i64>())?;
    input.load_offset()?;
    output.load_offset()?;
    let len = args.u64::<4>();
    if args.uint::<5>() != 0 {
        return Err(Errno::EINVAL);
    }

    if input.is_dir() || output.is_dir() {
        return Err(Errno::EISDIR);
    }
    let (Some(vin), Some(vout)) = (input.regular(), output.regular()) else {
        return Err(Errno::EINVAL);
    };
    let out_flags = output.file.flags();
    if input.file.flags() & sys::FREAD == 0
        || out_flags & sys::FWRITE == 0
        || out_flags & sys::FAPPEND != 0
    {
        return Err(Errno::EBADF);
    }
    if !vin.same_mount(&vout) {
        return Err(Errno::EXDEV);
    }
    let (pos_in, pos_out) = (input.pos, output.pos);
    if (pos_in as u64).checked_add(len).is_none() || (pos_out as u64).checked_add(len).is_none() {
        return Err(Errno::EOVERFLOW);
    }
    let size_in = vin.size(input.file.cred())?;
    let mut count = if pos_in >= size_in {
        0
    } else {
        len.min(size_in.wrapping_sub(pos_in) as u64)
    };
    if let Some(limit) = lwp.file_size_limit() {
        if pos_out as u64 >= limit {
            lwp.signal_file_size_exceeded();
            return Err(Errno::EFBIG);
        }
        count = count.min(limit - pos_out as u64);
    }
    let max_size = vout.max_file_size()?;
    if pos_out >= max_size {
        return Err(Errno::EFBIG);
    }
    count = count.min(
        max_size
            .checked_sub(pos_out)
            .map_or(u64::MAX, |room| room as u64),
    );
    if input.file.same_vnode(&output.file)
        && (pos_out as u64).wrapping_add(count) > pos_in as u64
        && (pos_out as u64) < (pos_in as u64).wrapping_add(count)
    {
        return Err(Errno::EINVAL);
    }
    if pos_in < 0 || pos_out < 0 {
        return Err(Errno::EINVAL);
    }
    let count = count.min(MAX_RW_COUNT);
    if count == 0 {
        return Ok(0);
    }

    // No bigger than the copy: a small copy does not pay for a large buffer.
    let mut buf = KernelBuf::new(chunk.min(count as usize))?;
    let buf = buf.as_mut_slice();
    let ioflags = output.file.ioflags(true);
    let mut copied: u64 = 0;
    while copied < count {
        let at = copied as i64;
        let want = buf.len().min((count - copied) as usize);
        let result = match buf.get_mut(..want) {
            Some(chunk) => vin.read_at(lwp, chunk, pos_in + at, input.file.cred()),
            None => Ok(0),
        };
        let result = result.and_then(|got| match buf.get(..got) {
            Some(chunk) => vout
                .write_at(lwp, chunk, pos_out + at, ioflags, output.file.cred())
                .map(|put| (got, put)),
            None => Ok((0, 0)),
        });
        match result {
            Ok((got, put)) => {
                copied += put as u64;
                if got == 0 || put < got || lwp.signal_pending() {
                    break;
                }
            }
            Err(e) if copied == 0 => return Err(e),
            Err(_) => break,
        }
    }

    if copied > 0 {
        let copied = copied as i64;
        let stored_in = input.store_offset(copied);
        output.store_offset(copied)?;
        stored_in?;
    }
    Ok(copied as register_t)
}

#[cfg(test)]
#[path = "tests/copy_file_range.rs"]
mod tests;
