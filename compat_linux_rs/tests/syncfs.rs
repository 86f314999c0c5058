//! Tests of `syncfs.rs`.

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

#[test]
fn a_file_system_being_unmounted_has_nothing_to_sync() {
    // tmpfs, a file system of its own: no other test syncs it meanwhile.
    let path = std::path::Path::new("/dev/shm").join(format!("clrs-syncfs-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let fd = file.as_raw_fd();
    let _serial = crate::model::serial();
    // SAFETY: marks the model's mount; the tests that use /dev/shm hold
    // `serial()`.
    unsafe { sys::model_mount_set_gone(fd, true) };
    let error = run(fd as u64);
    let syncs = trace().vfs_syncs;
    // SAFETY: as above.
    unsafe { sys::model_mount_set_gone(fd, false) };
    std::fs::remove_file(&path).unwrap();
    assert_eq!((error, syncs), (0, 0));
}
