//! renameat2(2): rename a file, with flags.
//!
//! Linux contract (`fs/namei.c`, rename(2)):
//! `int renameat2(int olddirfd, const char *oldpath, int newdirfd,
//! const char *newpath, unsigned int flags)`
//! - flags outside `RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT`, or
//!   `RENAME_EXCHANGE` with either of the others → `EINVAL`;
//! - flags 0 is rename(2) relative to the directory descriptors: when both
//!   names are links to the same file, it does nothing and succeeds;
//! - `RENAME_NOREPLACE` fails with `EEXIST` when the new name exists (after
//!   the old name is looked up), and never replaces it; a file system that
//!   cannot rename without replacing atomically fails with `EINVAL`;
//! - a file system without `RENAME_EXCHANGE` or `RENAME_WHITEOUT` fails
//!   with `EINVAL`.
//!
//! NetBSD has no atomic no-replace, exchange or whiteout rename a module can
//! reach, so every non-zero flag set behaves as on a Linux file system
//! without them: `EEXIST` when `RENAME_NOREPLACE` finds the new name, and
//! otherwise `EINVAL`, on which glibc and gnulib (`mv -n`, `cp -n`) fall
//! back to their own emulation. Nothing is ever renamed with a flag.
//!
//! Flags 0: when both names are at the working directory (`AT_FDCWD`, or an
//! absolute path) the call is NetBSD's POSIX rename (`sys___posix_rename`),
//! atomic with POSIX's same-file rule. Otherwise it is `sys_renameat`,
//! whose BSD rule would remove the old link of a file renamed onto another
//! of its links, so the module first compares the two names' files and
//! does nothing if they are one. Deviation: a link to the old file created
//! at the new name between that check and the rename makes the rename
//! remove the old name, where Linux would leave both.

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::UserAddr;

/// Linux amd64 system call number.
pub const NR: u16 = 316;

bitflags! {
    /// `RENAME_*`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RenameFlags: u32 {
        /// Do not replace the new name.
        const NOREPLACE = 1;
        /// Exchange the two names.
        const EXCHANGE = 2;
        /// Leave a whiteout at the old name.
        const WHITEOUT = 4;
    }
}

/// Linux and NetBSD agree on `AT_FDCWD` (-100).
const AT_FDCWD: i32 = sys::AT_FDCWD;

/// A name as a system call argument: a directory descriptor and a path.
#[derive(Clone, Copy)]
struct Name {
    dirfd: i32,
    path: u64,
}

impl Name {
    /// Whether the name is looked up from the working directory: `AT_FDCWD`
    /// or an absolute path (whose descriptor Linux ignores).
    fn at_cwd(self) -> Result<bool, Errno> {
        if self.dirfd == AT_FDCWD {
            return Ok(true);
        }
        let mut first = [0u8; 1];
        UserAddr::new(self.path).read_into(&mut first)?;
        Ok(first[0] == b'/')
    }

    /// The (device, inode) of the file the name refers to, not following a
    /// final symbolic link.
    fn file_id(self, lwp: &Lwp) -> Result<(u64, u64), Errno> {
        let mut sb = core::mem::MaybeUninit::<sys::stat>::zeroed();
        // SAFETY: do_sys_statat copies the path in itself and fills the
        // kernel `struct stat`, which is zeroed plain data.
        Errno::check(unsafe {
            sys::do_sys_statat(
                lwp.as_ptr(),
                self.dirfd,
                self.path as usize as *const _,
                sys::NOFOLLOW,
                sb.as_mut_ptr(),
            )
        })?;
        // SAFETY: zeroed plain data, now filled in.
        let sb = unsafe { sb.assume_init() };
        Ok((sb.st_dev, sb.st_ino))
    }
}

/// The handler.
pub fn renameat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let old = Name {
        dirfd: args.int::<0>(),
        path: args.u64::<1>(),
    };
    let new = Name {
        dirfd: args.int::<2>(),
        path: args.u64::<3>(),
    };
    let flags = RenameFlags::from_bits(args.uint::<4>()).ok_or(Errno::EINVAL)?;
    if flags.contains(RenameFlags::EXCHANGE)
        && flags.intersects(RenameFlags::NOREPLACE | RenameFlags::WHITEOUT)
    {
        return Err(Errno::EINVAL);
    }

    if !flags.is_empty() {
        // Linux's lookups come first: both names (the new one may be
        // missing unless exchanging), then RENAME_NOREPLACE's EEXIST.
        old.file_id(lwp)?;
        return match new.file_id(lwp) {
            Ok(_) if flags.contains(RenameFlags::NOREPLACE) => Err(Errno::EEXIST),
            Err(e) if e != Errno::ENOENT || flags.contains(RenameFlags::EXCHANGE) => Err(e),
            _ => Err(Errno::EINVAL),
        };
    }

    let mut retval: [register_t; 2] = [0; 2];
    if old.at_cwd()? && new.at_cwd()? {
        let regs = [old.path, new.path, 0, 0, 0, 0].map(|r| r as register_t);
        // SAFETY: the calling LWP, two argument registers laid out as
        // sys___posix_rename_args (user path pointers, copied in by the
        // callee) and a result slot.
        return Errno::check(unsafe {
            sys::sys___posix_rename(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
        })
        .map(|()| 0);
    }

    if let (Ok(from), Ok(to)) = (old.file_id(lwp), new.file_id(lwp))
        && from == to
    {
        return Ok(0);
    }
    let regs =
        [old.dirfd as u64, old.path, new.dirfd as u64, new.path, 0, 0].map(|r| r as register_t);
    // SAFETY: as above, laid out as sys_renameat_args.
    Errno::check(unsafe {
        sys::sys_renameat(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
    })
    .map(|()| 0)
}

#[cfg(test)]
#[path = "tests/renameat2.rs"]
mod tests;
