//! fchmodat2(2): change a file's permission bits, with flags.
//!
//! Linux contract (`fs/open.c` of 6.x, `do_fchmodat` and `chmod_common`;
//! `notify_change` and `setattr_prepare` in `fs/attr.c`; Linux 6.6):
//! `int fchmodat2(int dirfd, const char *pathname, mode_t mode,
//! unsigned int flags)`, checked in this order:
//! 1. `flags` outside `AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH` → `EINVAL`;
//! 2. the path copied in (`EFAULT`, `ENAMETOOLONG`); an empty one →
//!    `ENOENT` unless `AT_EMPTY_PATH`, which means the file `dirfd` is open
//!    on (the working directory for `AT_FDCWD`);
//! 3. the lookup: an absolute path ignores `dirfd`; a relative one needs
//!    `AT_FDCWD` or a directory (`EBADF`, `ENOTDIR`); a final symbolic link
//!    is followed unless `AT_SYMLINK_NOFOLLOW`; then the lookup's errors;
//! 4. a read-only mount → `EROFS`;
//! 5. an immutable or append-only file → `EPERM`; a symbolic link →
//!    `EOPNOTSUPP` (Linux changes no link's mode, since 6.6);
//! 6. not the owner (and not privileged) → `EPERM`; `S_ISGID` asked by a
//!    caller outside the file's group (and not privileged) is dropped;
//!    then the mode (`mode & 07777`; `mode_t` is 16 bits) is set.
//!
//! The mode is the caller's effective user's to set.
//!
//! On NetBSD the module looks the path up as faccessat2 does and sets the
//! mode with `VOP_SETATTR` under the exclusive vnode lock, as chmod(2)
//! does (`change_mode`). NetBSD could change a symbolic link's mode
//! (lchmod(2)); the module answers as Linux does. NetBSD refuses
//! `S_ISGID` for a caller outside the group (`EPERM`) where Linux drops
//! the bit: the module drops it first, as Linux. Slot 452 lies past the
//! last call compat_linux's table (`linux_sysent`, 512 entries) defines,
//! among its `linux_sys_nosys` fillers; the amd64 dispatcher masks the
//! number with `LINUX_SYS_NSYSENT - 1` and calls the slot.
//!
//! Deviations: a path is at most NetBSD's `PATH_MAX` of 1024 bytes; an
//! unprivileged caller cannot set the sticky bit of a file that is not a
//! directory (NetBSD's `EFTYPE`, given as `EPERM`; Linux sets it);
//! `AT_EMPTY_PATH` on a pipe or socket is `EINVAL`, as NetBSD's fchmod(2)
//! answers (Linux changes the pipe's mode).

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::VnodeRef;
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::KernelPath;

/// Linux amd64 system call number.
pub const NR: u16 = 452;

bitflags! {
    /// The `AT_*` flags fchmodat2 takes, Linux values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct ChmodFlags: u32 {
        /// Do not follow a final symbolic link.
        const SYMLINK_NOFOLLOW = 0x100;
        /// An empty path means `dirfd` itself.
        const EMPTY_PATH = 0x1000;
    }
}

/// `S_ISGID`, `S_ISVTX` and `S_IALLUGO`: the same numbers on both systems.
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;
const S_IALLUGO: u32 = 0o7777;

/// The handler.
pub fn fchmodat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let dirfd = args.int::<0>();
    // umode_t: the low 16 bits.
    let mode = (args.uint::<2>() & 0xffff) & S_IALLUGO;
    let flags = ChmodFlags::from_bits(args.uint::<3>()).ok_or(Errno::EINVAL)?;
    let mut path = KernelPath::copy_in(args.u64::<1>())?;
    let found = if path.is_empty() {
        if !flags.contains(ChmodFlags::EMPTY_PATH) {
            return Err(Errno::ENOENT);
        }
        VnodeRef::of_descriptor(lwp, dirfd)?.ok_or(Errno::EINVAL)?
    } else {
        let follow = !flags.contains(ChmodFlags::SYMLINK_NOFOLLOW);
        VnodeRef::at(dirfd, &mut path, follow)?
    };
    let vnode = found.vnode();
    if vnode.mount_flags() & sys::MNT_RDONLY != 0 {
        return Err(Errno::EROFS);
    }
    let cred = lwp.cred();
    let lock = vnode.lock_exclusive();
    let attr = lock.attr(cred)?;
    if attr.ca_immutable || attr.ca_append_only {
        return Err(Errno::EPERM);
    }
    if vnode.vtype() == sys::vtype_VLNK {
        return Err(Errno::EOPNOTSUPP);
    }
    let mut mode = mode;
    if mode & S_ISGID != 0 && !cred.is_superuser() && !cred.in_group(attr.ca_gid)? {
        mode &= !S_ISGID;
    }
    match lock.set_mode(cred, mode) {
        // EFTYPE, which compat_linux would turn into ENOSYS.
        Err(e) if e == Errno::EFTYPE && mode & S_ISVTX != 0 => Err(Errno::EPERM),
        result => result.map(|()| 0),
    }
}

#[cfg(test)]
#[path = "tests/fchmodat2.rs"]
mod tests;
