//! syncfs(2): write out the file system that holds an open file.
//!
//! Linux contract (`fs/sync.c`, syncfs(2)): `int syncfs(int fd)`
//! - `fd` not open → `EBADF`;
//! - syncs the file system holding `fd` and waits for it; returns the
//!   write-back error, if any (Linux 5.8 and later);
//! - any open descriptor is accepted: for a pipe or socket (Linux's
//!   internal pipefs and sockfs) there is nothing to write, and it succeeds.
//!
//! On NetBSD the file system is synced as sync(2) syncs each one (the mount's
//! update lock held, `MNT_ASYNC` mounts included), but with `MNT_WAIT`, and
//! a read-only or revoked one is left alone.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::FileRef;
use crate::lwp::Lwp;
use crate::sys::register_t;

/// Linux amd64 system call number.
pub const NR: u16 = 306;

/// The handler.
pub fn syncfs(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let file = FileRef::get(args.int::<0>())?;
    if let Some(vnode) = file.vnode() {
        vnode.sync_filesystem(lwp.cred())?;
    }
    Ok(0)
}

#[cfg(test)]
#[path = "tests/syncfs.rs"]
mod tests;
