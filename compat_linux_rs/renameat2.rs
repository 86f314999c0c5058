//! renameat2(2): rename a file, with flags.
//!
//! Linux contract (`fs/namei.c` of 6.x, `do_renameat2`; rename(2)):
//! `int renameat2(int olddirfd, const char *oldpath, int newdirfd,
//! const char *newpath, unsigned int flags)`, checked in this order:
//! 1. flags outside `RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT`,
//!    or `RENAME_EXCHANGE` with either of the others → `EINVAL`;
//! 2. the old name, then the new one, is copied in (`EFAULT`,
//!    `ENAMETOOLONG`; empty → `ENOENT`) and its parent directory found: a
//!    relative path needs `AT_FDCWD` or an open directory (`EBADF`,
//!    `ENOTDIR`; an absolute one ignores the descriptor), then every
//!    component but the last is looked up, and the parent searched
//!    (`ENOENT`, `ENOTDIR`, `EACCES`, `ELOOP`, ...);
//! 3. the parents on different mounts → `EXDEV`;
//! 4. an old last component `.` or `..` (or the root) → `EBUSY`; a new one
//!    → `EEXIST` with `RENAME_NOREPLACE`, else `EBUSY`;
//! 5. the old name looked up (missing → `ENOENT`), then the new one;
//!    `RENAME_NOREPLACE` and the new name there → `EEXIST`;
//!    `RENAME_EXCHANGE` and the new name missing → `ENOENT`, or a
//!    non-directory with a trailing slash → `ENOTDIR`; a non-directory old
//!    name with a trailing slash, or (without `RENAME_EXCHANGE`) a new
//!    name with one → `ENOTDIR`;
//! 6. the old name a directory that holds the new name's parent (or is it)
//!    → `EINVAL`; the new name one that holds the old name's parent →
//!    `ENOTEMPTY` (`EINVAL` with `RENAME_EXCHANGE`);
//! 7. both names the same file: nothing is done, and the call succeeds;
//! 8. `vfs_rename`'s checks: write and search permission on the old
//!    name's directory, then on the new name's (`EACCES`); without
//!    `RENAME_EXCHANGE`, a directory onto a non-directory → `ENOTDIR`, a
//!    non-directory onto a directory → `EISDIR`; a directory moved to
//!    another parent must be writable (`EACCES`);
//! 9. the file system's rename, whose own errors follow (`ENOTEMPTY`, ...).
//!
//! A file system without `RENAME_NOREPLACE`, `RENAME_EXCHANGE` or
//! `RENAME_WHITEOUT` fails them with `EINVAL` at step 9.
//!
//! On NetBSD the module copies both names in and finds their parents and
//! last components itself (`nameiat_simple_kernel`), so that its errors
//! come in Linux's order; then the rename is NetBSD's, which looks the
//! names up again. With flags 0, when both names are reached from the
//! working directory (`AT_FDCWD`, or absolute) it is the POSIX rename
//! (`sys___posix_rename`), atomic, with POSIX's same-file rule; otherwise
//! `sys_renameat`, with `AT_FDCWD` for an absolute name (NetBSD 10's
//! lookup would check its descriptor), whose BSD rule would remove the old
//! link of a file renamed onto another of its links: the module's step 6
//! comes first.
//!
//! With a flag, the module makes the checks of steps 6 to 8 itself before
//! it answers as such a file system would. Not checked: the sticky
//! directory rule (`EPERM`), a mount point (`EBUSY`), the link count
//! (`EMLINK`), and `RENAME_WHITEOUT`'s need of the privilege to make
//! device files, which Linux checks first (`EPERM` for a caller without
//! `CAP_MKNOD`).
//!
//! NetBSD has no rename that a module can make atomic without replacing,
//! exchange or leave a whiteout: its file systems make the decision to
//! replace inside `VOP_RENAME` (`genfs_rename`), which unlocks the target
//! directory and looks the target up again after any check a caller could
//! make, and creators take only the directory lock. So every flag behaves
//! as on a Linux file system without it: `EEXIST` when
//! `RENAME_NOREPLACE` finds the new name, `EINVAL` otherwise, on which
//! glibc and gnulib (`mv -n`, `cp -n`) fall back to their own emulation.
//! Nothing is ever renamed with a flag, so no race can make one replace a
//! file: a racing creator changes only which of `EEXIST` or `EINVAL` comes
//! back.
//!
//! Deviations: a path is at most NetBSD's `PATH_MAX` of 1024 bytes (Linux:
//! 4096); a link to the old file created at the new name between step 6
//! and `sys_renameat` makes the rename remove the old name, where Linux
//! would leave both.

use core::ops::Range;

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::{FileRef, VnodeRef};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::{KernelName, KernelPath};

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

/// What the last component of a path is (Linux's `LAST_*`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Last {
    /// A name.
    Normal,
    /// `.`, `..` or the root.
    Special,
}

/// Where a path's last component starts and ends, whether slashes follow
/// it, and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Split {
    last: Range<usize>,
    trailing_slash: bool,
    kind: Last,
}

impl Split {
    /// Splits a non-empty path as Linux's path walk does.
    fn of(path: &[u8]) -> Split {
        let end = path.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        let head = path.get(..end).unwrap_or_default();
        let start = head.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        let name = head.get(start..).unwrap_or_default();
        Split {
            last: start..end,
            trailing_slash: end < path.len(),
            kind: if name.is_empty() || name == b"." || name == b".." {
                Last::Special
            } else {
                Last::Normal
            },
        }
    }
}

/// A name after Linux's step 2: its parent directory found and searched.
struct Name {
    path: KernelPath,
    split: Split,
    parent: VnodeRef,
    /// The descriptor NetBSD's rename should take for the path.
    dirfd: i32,
}

impl Name {
    fn resolve(lwp: &Lwp, dirfd: i32, addr: u64) -> Result<Name, Errno> {
        let mut path = KernelPath::copy_in(addr)?;
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let absolute = path.is_absolute();
        let split = Split::of(path.as_bytes());
        let dirfd = if absolute { AT_FDCWD } else { dirfd };
        let dir = match dirfd {
            AT_FDCWD => None,
            fd => Some(FileRef::get(fd)?),
        };
        let dir = match &dir {
            Some(file) => match file.vnode() {
                Some(vnode) if vnode.vtype() == sys::vtype_VDIR => Some(vnode),
                _ => return Err(Errno::ENOTDIR),
            },
            None => None,
        };
        let parent = match split.last.start {
            0 => match &dir {
                Some(vnode) => vnode.reference(),
                None => VnodeRef::cwd(lwp),
            },
            // "a/b/c": "a/b" is looked up, ended where its slash was.
            start if path.as_bytes().iter().take(start).all(|&b| b == b'/') => {
                VnodeRef::lookup(None, KernelName::ROOT, true)?
            }
            start => VnodeRef::lookup(dir.as_ref(), path.name(0, start - 1), true)?,
        };
        if parent.vnode().vtype() != sys::vtype_VDIR {
            return Err(Errno::ENOTDIR);
        }
        parent.vnode().access(sys::VEXEC, lwp.cred())?;
        Ok(Name {
            path,
            split,
            parent,
            dirfd,
        })
    }

    /// The file the last component names, not followed if a symbolic
    /// link; `None` if there is none.
    fn lookup(&mut self) -> Result<Option<VnodeRef>, Errno> {
        let Range { start, end } = self.split.last;
        let name = self.path.name(start, end);
        match VnodeRef::lookup(Some(&self.parent.vnode()), name, false) {
            Ok(found) => Ok(Some(found)),
            Err(e) if e == Errno::ENOENT => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn is_dir(found: &Option<VnodeRef>) -> bool {
    found
        .as_ref()
        .is_some_and(|v| v.vnode().vtype() == sys::vtype_VDIR)
}

/// The handler.
pub fn renameat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let flags = RenameFlags::from_bits(args.uint::<4>()).ok_or(Errno::EINVAL)?;
    if flags.contains(RenameFlags::EXCHANGE)
        && flags.intersects(RenameFlags::NOREPLACE | RenameFlags::WHITEOUT)
    {
        return Err(Errno::EINVAL);
    }
    let mut old = Name::resolve(lwp, args.int::<0>(), args.u64::<1>())?;
    let mut new = Name::resolve(lwp, args.int::<2>(), args.u64::<3>())?;
    if !old.parent.vnode().same_mount(&new.parent.vnode()) {
        return Err(Errno::EXDEV);
    }
    if old.split.kind == Last::Special {
        return Err(Errno::EBUSY);
    }
    if new.split.kind == Last::Special {
        return Err(if flags.contains(RenameFlags::NOREPLACE) {
            Errno::EEXIST
        } else {
            Errno::EBUSY
        });
    }

    let Some(from) = old.lookup()? else {
        return Err(Errno::ENOENT);
    };
    let to = new.lookup()?;
    if flags.contains(RenameFlags::NOREPLACE) && to.is_some() {
        return Err(Errno::EEXIST);
    }
    if flags.contains(RenameFlags::EXCHANGE) {
        if to.is_none() {
            return Err(Errno::ENOENT);
        }
        if !is_dir(&to) && new.split.trailing_slash {
            return Err(Errno::ENOTDIR);
        }
    }
    if from.vnode().vtype() != sys::vtype_VDIR
        && (old.split.trailing_slash
            || (!flags.contains(RenameFlags::EXCHANGE) && new.split.trailing_slash))
    {
        return Err(Errno::ENOTDIR);
    }
    if !flags.is_empty() {
        return match vfs_checks(lwp, &old, &new, &from, to.as_ref(), flags)? {
            Checked::SameFile => Ok(0),
            Checked::Passed => Err(Errno::EINVAL),
        };
    }
    if to
        .as_ref()
        .is_some_and(|to| to.vnode().same_file(&from.vnode()))
    {
        return Ok(0);
    }
    drop((from, to));
    rename(lwp, &old, &new, args)
}

/// What Linux's checks between the lookups and the file system's rename
/// found, when none failed.
enum Checked {
    /// Both names are one file: done, with nothing to do.
    SameFile,
    /// The file system's turn.
    Passed,
}

/// Steps 6 to 8: `do_renameat2`'s ancestry ("trap") checks, then
/// `vfs_rename`'s same-file rule, `may_delete`, `may_create` and the
/// moved directory's permission.
fn vfs_checks(
    lwp: &Lwp,
    old: &Name,
    new: &Name,
    from: &VnodeRef,
    to: Option<&VnodeRef>,
    flags: RenameFlags,
) -> Result<Checked, Errno> {
    let exchange = flags.contains(RenameFlags::EXCHANGE);
    let from_dir = from.vnode().vtype() == sys::vtype_VDIR;
    let to_dir = to.is_some_and(|to| to.vnode().vtype() == sys::vtype_VDIR);
    if from_dir && holds(from, &new.parent)? {
        return Err(Errno::EINVAL);
    }
    if let Some(to) = to.filter(|_| to_dir)
        && holds(to, &old.parent)?
    {
        return Err(if exchange {
            Errno::EINVAL
        } else {
            Errno::ENOTEMPTY
        });
    }
    if to.is_some_and(|to| to.vnode().same_file(&from.vnode())) {
        return Ok(Checked::SameFile);
    }
    let cred = lwp.cred();
    old.parent.vnode().access(sys::VWRITE | sys::VEXEC, cred)?;
    new.parent.vnode().access(sys::VWRITE | sys::VEXEC, cred)?;
    if to.is_some() && !exchange && from_dir != to_dir {
        return Err(if from_dir {
            Errno::ENOTDIR
        } else {
            Errno::EISDIR
        });
    }
    if !old.parent.vnode().same_file(&new.parent.vnode()) {
        if from_dir {
            from.vnode().access(sys::VWRITE, cred)?;
        }
        if let Some(to) = to.filter(|_| exchange && to_dir) {
            to.vnode().access(sys::VWRITE, cred)?;
        }
    }
    Ok(Checked::Passed)
}

/// The most directories walked up from a name's parent: deeper than any
/// path of `PATH_MAX` bytes reaches; past it, `dir` is taken as outside.
const MAX_DEPTH: usize = 1024;

/// Whether directory `dir` is `ancestor` or lies under it, by `..` from
/// `dir` up to the root of its file system.
fn holds(ancestor: &VnodeRef, dir: &VnodeRef) -> Result<bool, Errno> {
    let mut at = dir.vnode().reference();
    for _ in 0..MAX_DEPTH {
        if at.vnode().same_file(&ancestor.vnode()) {
            return Ok(true);
        }
        let up = VnodeRef::lookup(Some(&at.vnode()), KernelName::DOTDOT, false)?;
        if up.vnode().same_file(&at.vnode()) || !up.vnode().same_mount(&at.vnode()) {
            return Ok(false);
        }
        at = up;
    }
    Ok(false)
}

/// NetBSD's rename of the two names, which it looks up again.
fn rename(lwp: &Lwp, old: &Name, new: &Name, args: &SyscallArgs) -> Result<register_t, Errno> {
    let mut retval: [register_t; 2] = [0; 2];
    if old.dirfd == AT_FDCWD && new.dirfd == AT_FDCWD {
        let regs = [args.u64::<1>(), args.u64::<3>(), 0, 0, 0, 0].map(|r| r as register_t);
        // SAFETY: the calling LWP, two argument registers laid out as
        // sys___posix_rename_args (user path pointers, copied in by the
        // callee) and a result slot.
        return Errno::check(unsafe {
            sys::sys___posix_rename(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
        })
        .map(|()| 0);
    }
    let regs = [
        old.dirfd as u64,
        args.u64::<1>(),
        new.dirfd as u64,
        args.u64::<3>(),
        0,
        0,
    ]
    .map(|r| r as register_t);
    // SAFETY: as above, laid out as sys_renameat_args.
    Errno::check(unsafe {
        sys::sys_renameat(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
    })
    .map(|()| 0)
}

#[cfg(test)]
#[path = "tests/renameat2.rs"]
mod tests;
