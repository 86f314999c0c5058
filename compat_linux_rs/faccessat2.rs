//! faccessat2(2): check a user's permissions for a file.
//!
//! Linux contract (`fs/open.c` of 6.x, `do_faccessat`; access(2)):
//! `int faccessat2(int dirfd, const char *pathname, int mode, int flags)`,
//! checked in this order:
//! 1. `mode` outside `F_OK | R_OK | W_OK | X_OK` → `EINVAL`; `flags`
//!    outside `AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH` →
//!    `EINVAL`;
//! 2. the path copied in: `EFAULT` where it cannot be read,
//!    `ENAMETOOLONG` if too long; an empty one → `ENOENT` unless
//!    `AT_EMPTY_PATH`, which means the file `dirfd` refers to (the working
//!    directory for `AT_FDCWD`);
//! 3. an absolute path ignores `dirfd`, even a bad one; a relative one
//!    needs `AT_FDCWD` or an open directory (`EBADF`, `ENOTDIR`); then the
//!    lookup's own errors;
//! 4. `X_OK` on a regular file of a `noexec` mount → `EACCES`; `W_OK` on a
//!    regular file, directory or symbolic link of a read-only mount →
//!    `EROFS`; then the permission check, with the real user and group
//!    IDs, or the effective ones with `AT_EACCESS`.
//!
//! A program being run can be checked for `W_OK` like any file: Linux has
//! no busy-text check in access(2).
//!
//! On NetBSD the path is copied in and looked up as namei does for a
//! system call (`nameiat_simple_kernel`, the emulation's root first), and
//! the vnode checked with `VOP_ACCESS`. NetBSD's access(2) cannot serve:
//! its `vn_writechk` refuses `W_OK` on a running program (`ETXTBSY`).
//!
//! Deviations: a path is at most NetBSD's `PATH_MAX` of 1024 bytes
//! (Linux: 4096), longer ones are `ENAMETOOLONG`; `AT_EMPTY_PATH` on a
//! pipe or socket succeeds for every mode (Linux checks the pipe's owner).

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::{Cred, Vnode, VnodeRef};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::KernelPath;

/// Linux amd64 system call number.
pub const NR: u16 = 439;

bitflags! {
    /// The `AT_*` flags faccessat2 takes, Linux values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct AccessFlags: u32 {
        /// Do not follow a final symbolic link.
        const SYMLINK_NOFOLLOW = 0x100;
        /// Check with the effective IDs.
        const EACCESS = 0x200;
        /// An empty path means `dirfd` itself.
        const EMPTY_PATH = 0x1000;
    }
}

bitflags! {
    /// access(2)'s mode bits, the same numbers on Linux and NetBSD.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct AccessMode: u32 {
        /// `R_OK`.
        const READ = 4;
        /// `W_OK`.
        const WRITE = 2;
        /// `X_OK`.
        const EXEC = 1;
    }
}

impl AccessMode {
    /// The `VOP_ACCESS` mode.
    fn accmode(self) -> u32 {
        [
            (AccessMode::READ, sys::VREAD),
            (AccessMode::WRITE, sys::VWRITE),
            (AccessMode::EXEC, sys::VEXEC),
        ]
        .iter()
        .filter(|(bit, _)| self.contains(*bit))
        .fold(0, |acc, (_, v)| acc | v)
    }
}

/// Linux's checks on the file found (step 4).
fn check(vnode: &Vnode<'_>, mode: AccessMode, cred: Cred<'_>) -> Result<(), Errno> {
    let vtype = vnode.vtype();
    let mount = vnode.mount_flags();
    if mode.contains(AccessMode::EXEC) && vtype == sys::vtype_VREG && mount & sys::MNT_NOEXEC != 0 {
        return Err(Errno::EACCES);
    }
    if mode.contains(AccessMode::WRITE)
        && [sys::vtype_VREG, sys::vtype_VDIR, sys::vtype_VLNK].contains(&vtype)
        && mount & sys::MNT_RDONLY != 0
    {
        return Err(Errno::EROFS);
    }
    vnode.access(mode.accmode(), cred)
}

/// The handler.
pub fn faccessat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let dirfd = args.int::<0>();
    let mode = AccessMode::from_bits(args.int::<2>() as u32).ok_or(Errno::EINVAL)?;
    let flags = AccessFlags::from_bits(args.uint::<3>()).ok_or(Errno::EINVAL)?;
    let mut path = KernelPath::copy_in(args.u64::<1>())?;
    if path.is_empty() && !flags.contains(AccessFlags::EMPTY_PATH) {
        return Err(Errno::ENOENT);
    }
    let real_ids = (!flags.contains(AccessFlags::EACCESS)).then(|| lwp.cred().with_real_ids());
    let cred = real_ids.as_ref().map_or(lwp.cred(), |ids| ids.cred());

    if path.is_empty() {
        if let Some(found) = VnodeRef::of_descriptor(lwp, dirfd)? {
            check(&found.vnode(), mode, cred)?;
        }
        return Ok(0);
    }
    let follow = !flags.contains(AccessFlags::SYMLINK_NOFOLLOW);
    let found = VnodeRef::at(dirfd, &mut path, follow)?;
    check(&found.vnode(), mode, cred)?;
    Ok(0)
}

#[cfg(test)]
#[path = "tests/faccessat2.rs"]
mod tests;
