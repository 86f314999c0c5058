//! What preadv2(2) and pwritev2(2) share: their arguments, Linux's order of
//! checks (`fs/read_write.c` of 6.x: `preadv2`/`pwritev2`, `do_readv`,
//! `do_preadv`, `vfs_readv`, `rw_verify_area`, `do_iter_readv_writev`,
//! `do_loop_readv_writev`; `kiocb_set_rw_flags` in `include/linux/fs.h`),
//! and the transfer.
//!
//! `(int fd, const struct iovec *iov, int iovcnt, unsigned long pos_l,
//! unsigned long pos_h, int flags)`. On x86-64 `pos_from_hilo` shifts
//! `pos_h` out of a 64-bit offset whole, so the offset is `pos_l`; `fd`
//! and `iovcnt` are passed as `unsigned long` and used as `unsigned int`.
//! In this order:
//! 1. an offset below -1 → `EINVAL`;
//! 2. `fd` not open → `EBADF`; an offset other than -1 on a pipe, socket or
//!    FIFO → `ESPIPE`; `fd` not open for reading (writing) → `EBADF`;
//! 3. the iovecs ([`crate::iovec`]): `EINVAL`, `EFAULT`; if they hold no
//!    bytes, the call returns 0 here, whatever the flags;
//! 4. the position (the offset, or the file's for -1) plus the bytes
//!    wrapping past the largest `loff_t` → `EINVAL` (not for streams);
//! 5. the flags: on a directory anything but `RWF_HIPRI` → `EOPNOTSUPP`;
//!    otherwise an unknown one → `EOPNOTSUPP`, `RWF_APPEND` with
//!    `RWF_NOAPPEND` → `EINVAL`, `RWF_NOWAIT` where the file cannot tell
//!    whether it would block, `RWF_ATOMIC` (always for reads, where the
//!    file cannot write atomically for writes) and `RWF_DONTCACHE` where
//!    the file system lacks it → `EOPNOTSUPP`; `RWF_NOAPPEND` on an
//!    `O_APPEND` descriptor of an append-only file → `EPERM`;
//! 6. the transfer: a directory → `EISDIR`; what was moved, or the error
//!    if nothing was. With the offset -1 the file's position is used and
//!    advanced (streams have none).
//!
//! On NetBSD a regular file is read and written here, under its vnode
//! lock (shared to read at an offset, exclusive otherwise, as `vn_read`
//! and `vn_write` take it), buffer by buffer with `vn_rdwr` from user
//! memory, so that Linux's append, size-limit and synchronous rules apply
//! to the call alone. Anything else goes through NetBSD's own
//! `do_filereadv`/`do_filewritev` (readv(2) and writev(2)) with the checked
//! iovecs (`FOF_IOV_SYSSPACE`).
//!
//! NetBSD gives a module no read or write that returns rather than block
//! (pipes and sockets take `O_NONBLOCK` from the descriptor alone, and the
//! page cache cannot be asked whether data is at hand), so every file is
//! one that cannot tell: `RWF_NOWAIT` is `EOPNOTSUPP`, as Linux answers on
//! tmpfs. No NetBSD file system writes atomically or drops cached pages
//! after the I/O: `RWF_ATOMIC` and `RWF_DONTCACHE` are `EOPNOTSUPP`.
//! NetBSD's writev(2) posts `SIGPIPE` unless the descriptor has
//! `O_NOSIGPIPE`, with no way to ask otherwise for one call:
//! `RWF_NOSIGNAL` on a write to anything but a regular file or a block
//! device (where it changes nothing) is `EOPNOTSUPP`; reads take it and
//! ignore it, as Linux does.

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::{FileRef, Moved, Vnode, VnodeLock};
use crate::iovec::{Buffers, Iovecs, Segment};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};

bitflags! {
    /// `RWF_*` (`include/uapi/linux/fs.h`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RwFlags: u32 {
        /// Polled I/O: a hint.
        const HIPRI = 0x01;
        /// The data written reaches stable storage before the call returns.
        const DSYNC = 0x02;
        /// As `DSYNC`, and the metadata too.
        const SYNC = 0x04;
        /// Do not wait for data that is not at hand.
        const NOWAIT = 0x08;
        /// Append, whatever the offset.
        const APPEND = 0x10;
        /// Write at the offset even on an `O_APPEND` descriptor.
        const NOAPPEND = 0x20;
        /// Write all or nothing.
        const ATOMIC = 0x40;
        /// Drop the pages from the cache after the I/O.
        const DONTCACHE = 0x80;
        /// No `SIGPIPE` for a write to a pipe or socket whose reader is
        /// gone (Linux 6.17).
        const NOSIGNAL = 0x100;
    }
}

/// Which way the bytes go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// preadv2.
    Read,
    /// pwritev2.
    Write,
}

/// The handlers' shared body.
pub(crate) fn transfer(lwp: &Lwp, args: &SyscallArgs, dir: Direction) -> Result<register_t, Errno> {
    let pos = args.u64::<3>() as i64;
    if pos < -1 {
        return Err(Errno::EINVAL);
    }
    let offset = (pos != -1).then_some(pos);
    let file = FileRef::get(args.int::<0>())?;
    let vnode = file.vnode();
    let vtype = vnode.as_ref().map(|v| v.vtype());
    if offset.is_some() && vtype.is_none_or(|t| t == sys::vtype_VFIFO) {
        return Err(Errno::ESPIPE);
    }
    let mode = match dir {
        Direction::Read => sys::FREAD,
        Direction::Write => sys::FWRITE,
    };
    if file.flags() & mode == 0 {
        return Err(Errno::EBADF);
    }
    let mut iovecs = Iovecs::copy_in(args.u64::<1>(), args.uint::<2>().into(), Buffers::Checked)?;
    if iovecs.total() == 0 {
        return Ok(0);
    }
    let raw_flags = args.uint::<5>();
    match (vnode, vtype) {
        (Some(vnode), Some(sys::vtype_VREG)) => {
            let regular = Regular {
                lwp,
                file: &file,
                vnode: &vnode,
                offset,
                raw_flags,
            };
            match dir {
                Direction::Read => regular.read(&mut iovecs),
                Direction::Write => regular.write(&mut iovecs),
            }
        }
        (_, Some(sys::vtype_VDIR)) => {
            verify_area(offset, iovecs.total())?;
            if raw_flags & !RwFlags::HIPRI.bits() != 0 {
                return Err(Errno::EOPNOTSUPP);
            }
            Err(Errno::EISDIR)
        }
        (vnode, _) => {
            if vnode.is_some() {
                verify_area(offset, iovecs.total())?;
            }
            let flags = check_flags(raw_flags, &file, || Ok(false))?;
            if dir == Direction::Write
                && flags.contains(RwFlags::NOSIGNAL)
                && vtype != Some(sys::vtype_VBLK)
            {
                return Err(Errno::EOPNOTSUPP);
            }
            let moved = through_file_ops(&file, &mut iovecs, offset, dir)?;
            // A block device is synced whole: Linux syncs the range.
            if dir == Direction::Write
                && moved > 0
                && flags.intersects(RwFlags::SYNC | RwFlags::DSYNC)
                && let Some(device) = file.vnode().filter(|v| v.vtype() == sys::vtype_VBLK)
            {
                device
                    .lock_exclusive()
                    .fsync(file.cred(), fsync_flags(flags), 0, 0)?;
            }
            Ok(moved as register_t)
        }
    }
}

/// `rw_verify_area`: the position plus the bytes must not pass the largest
/// `loff_t` (no file here has unsigned offsets).
fn verify_area(position: Option<i64>, total: u64) -> Result<(), Errno> {
    match position {
        Some(at) if at < 0 || at.checked_add(total as i64).is_none() => Err(Errno::EINVAL),
        _ => Ok(()),
    }
}

/// `kiocb_set_rw_flags`, for a file that cannot wait less, write
/// atomically or drop cached pages; `append_only` says whether the file is
/// append-only, asked only where `RWF_NOAPPEND` would undo `O_APPEND`.
fn check_flags(
    raw: u32,
    file: &FileRef,
    append_only: impl FnOnce() -> Result<bool, Errno>,
) -> Result<RwFlags, Errno> {
    if raw == 0 {
        return Ok(RwFlags::empty());
    }
    let flags = RwFlags::from_bits(raw).ok_or(Errno::EOPNOTSUPP)?;
    if flags.contains(RwFlags::APPEND | RwFlags::NOAPPEND) {
        return Err(Errno::EINVAL);
    }
    if flags.intersects(RwFlags::NOWAIT | RwFlags::ATOMIC | RwFlags::DONTCACHE) {
        return Err(Errno::EOPNOTSUPP);
    }
    if flags.contains(RwFlags::NOAPPEND) && file.flags() & sys::FAPPEND != 0 && append_only()? {
        return Err(Errno::EPERM);
    }
    Ok(flags)
}

/// `VOP_FSYNC` flags for `RWF_SYNC` or `RWF_DSYNC`.
fn fsync_flags(flags: RwFlags) -> u32 {
    if flags.contains(RwFlags::SYNC) {
        sys::FSYNC_WAIT
    } else {
        sys::FSYNC_WAIT | sys::FSYNC_DATAONLY
    }
}

/// A pipe, socket, FIFO or device: NetBSD's readv(2) or writev(2) of the
/// checked iovecs. It looks the descriptor up again: another thread that
/// replaces it meanwhile gets NetBSD's checks of the new file, which are
/// those above but for the flags.
fn through_file_ops(
    file: &FileRef,
    iovecs: &mut Iovecs,
    offset: Option<i64>,
    dir: Direction,
) -> Result<u64, Errno> {
    let (array, count) = iovecs.as_kernel_array();
    let mut at = offset.unwrap_or(0);
    let (at_ptr, fof) = match offset {
        Some(_) => (&raw mut at, sys::FOF_IOV_SYSSPACE),
        None => (
            core::ptr::null_mut(),
            sys::FOF_IOV_SYSSPACE | sys::FOF_UPDATE_OFFSET,
        ),
    };
    let call = match dir {
        Direction::Read => sys::do_filereadv,
        Direction::Write => sys::do_filewritev,
    };
    let mut moved: register_t = 0;
    // SAFETY: a descriptor number of the calling process, `count` checked
    // iovecs in kernel memory (FOF_IOV_SYSSPACE) whose buffers are user
    // addresses the callee reaches only through uiomove, an offset slot
    // or NULL, and a result slot.
    Errno::check(unsafe {
        call(
            file.number() as i32,
            array,
            count,
            at_ptr,
            fof as i32,
            &mut moved,
        )
    })?;
    Ok(moved as u64)
}

/// A regular file, read or written here under its vnode lock.
struct Regular<'a> {
    lwp: &'a Lwp,
    file: &'a FileRef,
    vnode: &'a Vnode<'a>,
    offset: Option<i64>,
    raw_flags: u32,
}

impl Regular<'_> {
    fn read(&self, iovecs: &mut Iovecs) -> Result<register_t, Errno> {
        match self.offset {
            // pread: a shared lock, as vn_read takes one when it leaves the
            // descriptor's offset alone.
            Some(_) => self.read_locked(&self.vnode.lock_shared(), iovecs),
            None => self.read_locked(&self.vnode.lock_exclusive(), iovecs),
        }
    }

    fn read_locked<M>(
        &self,
        lock: &VnodeLock<'_, M>,
        iovecs: &mut Iovecs,
    ) -> Result<register_t, Errno> {
        let cred = self.file.cred();
        let at = self.offset.unwrap_or_else(|| self.file.offset());
        verify_area(Some(at), iovecs.total())?;
        check_flags(self.raw_flags, self.file, || {
            lock.attr(cred).map(|a| a.ca_append_only)
        })?;
        let ioflags = self.file.ioflags(false);
        let total = iovecs.total();
        let moved = each_buffer(iovecs, total, |addr, len, done| {
            lock.read_user(self.lwp, addr, len, at + done as i64, ioflags, cred)
        })?;
        self.advance(at, moved);
        Ok(moved as register_t)
    }

    fn write(&self, iovecs: &mut Iovecs) -> Result<register_t, Errno> {
        let cred = self.file.cred();
        let lock = self.vnode.lock_exclusive();
        let position = self.offset.unwrap_or_else(|| self.file.offset());
        verify_area(Some(position), iovecs.total())?;
        let flags = check_flags(self.raw_flags, self.file, || {
            lock.attr(cred).map(|a| a.ca_append_only)
        })?;
        let append = flags.contains(RwFlags::APPEND)
            || (self.file.flags() & sys::FAPPEND != 0 && !flags.contains(RwFlags::NOAPPEND));
        let at = if append {
            lock.attr(cred)?.ca_size
        } else {
            position
        };
        let count = self.write_limit(&lock, at, iovecs.total())?;
        let ioflags = self.file.ioflags(true);
        let moved = each_buffer(iovecs, count, |addr, len, done| {
            lock.write_user(self.lwp, addr, len, at + done as i64, ioflags, cred)
        })?;
        if moved > 0 && flags.intersects(RwFlags::SYNC | RwFlags::DSYNC) {
            lock.fsync(cred, fsync_flags(flags), at, at + moved as i64)?;
        }
        self.advance(at, moved);
        Ok(moved as register_t)
    }

    /// `generic_write_check_limits`: at or past the soft `RLIMIT_FSIZE`,
    /// `SIGXFSZ` and `EFBIG`; at or past the largest file size, `EFBIG`;
    /// otherwise the count cut to both.
    fn write_limit<M>(&self, lock: &VnodeLock<'_, M>, at: i64, count: u64) -> Result<u64, Errno> {
        let mut count = count;
        if let Some(limit) = self.lwp.file_size_limit() {
            if at as u64 >= limit {
                self.lwp.signal_file_size_exceeded();
                return Err(Errno::EFBIG);
            }
            count = count.min(limit - at as u64);
        }
        let max = lock.max_file_size()?;
        if at >= max {
            return Err(Errno::EFBIG);
        }
        Ok(count.min((max - at) as u64))
    }

    /// With the offset -1, the descriptor's position moves past the bytes.
    fn advance(&self, at: i64, moved: u64) {
        if self.offset.is_none() {
            self.file.set_offset(at + moved as i64);
        }
    }
}

/// Moves up to `count` bytes buffer by buffer with `step(address, length,
/// bytes so far)`, stopping at the first short one: the bytes moved, or
/// the error if none were.
fn each_buffer(
    iovecs: &mut Iovecs,
    count: u64,
    mut step: impl FnMut(u64, usize, u64) -> Moved,
) -> Result<u64, Errno> {
    let mut done: u64 = 0;
    for i in 0..iovecs.count() {
        let Segment { base: addr, len } = iovecs.get(i);
        let want = len.min(count - done) as usize;
        if want == 0 {
            if done == count {
                break;
            }
            continue;
        }
        let Moved { bytes, error } = step(addr, want, done);
        done += bytes as u64;
        match error {
            Some(e) if done == 0 => return Err(e),
            Some(_) => break,
            None if bytes < want => break,
            None => {}
        }
    }
    Ok(done)
}

#[cfg(test)]
#[path = "tests/rw.rs"]
pub(crate) mod tests;
