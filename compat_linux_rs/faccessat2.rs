//! faccessat2(2): check a user's permissions for a file.
//!
//! Linux contract (`fs/open.c`, access(2)):
//! `int faccessat2(int dirfd, const char *pathname, int mode, int flags)`
//! - `mode` outside `F_OK | R_OK | W_OK | X_OK` → `EINVAL`; then `flags`
//!   outside `AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH` → `EINVAL`;
//! - without `AT_EACCESS` the check uses the real user and group IDs, with
//!   it the effective ones;
//! - an absolute `pathname` ignores `dirfd`, even a bad one; a relative one
//!   needs `dirfd` to be `AT_FDCWD` or an open directory (`EBADF`,
//!   `ENOTDIR`);
//! - an empty `pathname` fails with `ENOENT`, unless `AT_EMPTY_PATH` is given:
//!   then the check is on the file `dirfd` refers to (the working directory
//!   for `AT_FDCWD`);
//! - a `pathname` that cannot be read → `EFAULT`.
//!
//! On NetBSD a path goes to `do_sys_accessat` with the flags translated
//! (Linux's `AT_EACCESS` is 0x200, NetBSD's 0x100, where Linux has
//! `AT_SYMLINK_NOFOLLOW`), and `AT_FDCWD` for an absolute path, since
//! NetBSD 10's lookup checks the descriptor of an absolute path too. An
//! empty path with `AT_EMPTY_PATH` is a `VOP_ACCESS` on the vnode.
//!
//! Deviations: `W_OK` on a program being run fails with `ETXTBSY`, as
//! NetBSD's access(2) does, where Linux succeeds; `AT_EMPTY_PATH` on a
//! pipe or socket succeeds for every mode (Linux checks the pipe's owner).

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::{Cwd, FileRef, Vnode};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::UserAddr;

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

/// `R_OK | W_OK | X_OK`, the same numbers on Linux and NetBSD.
const MODE_BITS: i32 = 7;

/// The `VOP_ACCESS` mode for an access(2) mode.
fn accmode(mode: i32) -> u32 {
    [(4, sys::VREAD), (2, sys::VWRITE), (1, sys::VEXEC)]
        .iter()
        .filter(|(bit, _)| mode & bit != 0)
        .fold(0, |acc, (_, v)| acc | v)
}

fn check_vnode(lwp: &Lwp, vnode: &Vnode<'_>, mode: i32, flags: AccessFlags) -> Result<(), Errno> {
    if flags.contains(AccessFlags::EACCESS) {
        vnode.access(accmode(mode), lwp.cred())
    } else {
        let real = lwp.cred().with_real_ids();
        vnode.access(accmode(mode), real.cred())
    }
}

/// The handler.
pub fn faccessat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let dirfd = args.int::<0>();
    let path = UserAddr::new(args.u64::<1>());
    let mode = args.int::<2>();
    if mode & !MODE_BITS != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = AccessFlags::from_bits(args.int::<3>() as u32).ok_or(Errno::EINVAL)?;

    let mut first = [0u8; 1];
    path.read_into(&mut first)?;
    if first[0] == 0 {
        if !flags.contains(AccessFlags::EMPTY_PATH) {
            return Err(Errno::ENOENT);
        }
        if dirfd == sys::AT_FDCWD {
            let cwd = Cwd::of(lwp);
            check_vnode(lwp, &cwd.vnode(), mode, flags)?;
        } else if let Some(vnode) = FileRef::get(dirfd)?.vnode() {
            check_vnode(lwp, &vnode, mode, flags)?;
        }
        return Ok(0);
    }

    let dirfd = if first[0] == b'/' {
        sys::AT_FDCWD
    } else {
        dirfd
    };
    if dirfd != sys::AT_FDCWD {
        let dir = FileRef::get(dirfd)?;
        if dir.vnode().map(|v| v.vtype()) != Some(sys::vtype_VDIR) {
            return Err(Errno::ENOTDIR);
        }
    }
    let mut netbsd_flags = 0;
    if flags.contains(AccessFlags::EACCESS) {
        netbsd_flags |= sys::AT_EACCESS;
    }
    if flags.contains(AccessFlags::SYMLINK_NOFOLLOW) {
        netbsd_flags |= sys::AT_SYMLINK_NOFOLLOW;
    }
    // SAFETY: the calling LWP and a user path, which do_sys_accessat copies
    // in itself.
    Errno::check(unsafe {
        sys::do_sys_accessat(
            lwp.as_ptr(),
            dirfd,
            args.u64::<1>() as usize as *const _,
            mode,
            netbsd_flags as i32,
        )
    })?;
    Ok(0)
}

#[cfg(test)]
#[path = "tests/faccessat2.rs"]
mod tests;
