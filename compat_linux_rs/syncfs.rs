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
mod tests {
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    use super::*;
    use crate::model::{
        CLOSED_FD, ModelLwp, Scratch, assert_balanced, same_as_host, trace, trace_reset,
    };
    use crate::sys;

    fn run(fd: u64) -> i32 {
        let lwp = ModelLwp::on_cpu(1);
        trace_reset();
        let error = same_as_host(&lwp, NR, [fd, 0, 0, 0, 0, 0]);
        assert_balanced();
        error
    }

    #[test]
    fn syncs_the_file_system_and_waits() {
        let s = Scratch::new("syncfs", 10);
        assert_eq!(run(s.file.as_raw_fd() as u64), 0);
        let t = trace();
        assert_eq!((t.vfs_syncs, t.vfs_sync_wait as u32), (1, sys::MNT_WAIT));
        assert!(t.vfs_sync_locked, "under the mount's update lock");
        let dir = std::fs::File::open(&s.dir).unwrap();
        assert_eq!(run(dir.as_raw_fd() as u64), 0);
    }

    #[test]
    fn async_mounts_are_synced_and_stay_async() {
        let s = Scratch::new("syncfs", 10);
        let fd = s.file.as_raw_fd();
        let _serial = crate::model::serial();
        // SAFETY: marks the model's mount; other tests hold `serial()`.
        unsafe { sys::model_mount_set_async(fd, true) };
        assert_eq!(run(fd as u64), 0);
        assert!(trace().vfs_sync_async_cleared, "MNT_ASYNC off for the sync");
        trace_reset();
        assert_eq!(run(fd as u64), 0);
        assert!(trace().vfs_sync_async_cleared, "and back on after it");
        // SAFETY: as above.
        unsafe { sys::model_mount_set_async(fd, false) };
    }

    #[test]
    fn pipes_and_sockets_have_nothing_to_sync() {
        let (a, _b) = UnixStream::pair().unwrap();
        assert_eq!(run(a.as_raw_fd() as u64), 0);
        let (reader, _writer) = std::io::pipe().unwrap();
        assert_eq!(run(reader.as_raw_fd() as u64), 0);
        assert_eq!(trace().vfs_syncs, 0);
    }

    #[test]
    fn closed_and_negative_descriptors_are_ebadf() {
        assert_eq!(run(CLOSED_FD), sys::EBADF as i32);
        assert_eq!(run(0xffff_ffff), sys::EBADF as i32);
        assert_eq!(trace().vfs_syncs, 0);
    }
}
