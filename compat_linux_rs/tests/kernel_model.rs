//! The kernel model keeps NetBSD's rules: what the module's tests rely on
//! the model to enforce.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;

use crate::model::{ModelLwp, Scratch, trace, trace_reset, violation};
use crate::sys;

/// Runs `f` inside the model's kernel on a fresh LWP, with a clean trace.
fn in_kernel<T>(f: impl FnOnce(*mut sys::lwp) -> T) -> T {
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    // SAFETY: the thread enters the model's kernel and leaves it after.
    unsafe { sys::model_kernel_enter() };
    let result = f(lwp.as_ptr());
    // SAFETY: as above.
    unsafe { sys::model_kernel_exit() };
    result
}

/// The vnode of descriptor `fd`, held by the file until `fd_putfile`.
fn vnode_of(fd: i32) -> *mut sys::vnode {
    // SAFETY: a descriptor of this process; the caller puts the file back.
    unsafe { sys::clrs_file_vnode(sys::fd_getfile(fd as u32)) }
}

#[test]
fn every_descriptor_of_a_file_reaches_one_vnode() {
    let s = Scratch::new("model", 10);
    let other = s.dir.join("other");
    std::fs::write(&other, b"x").unwrap();
    let a = File::open(s.dir.join("file")).unwrap();
    let b = OpenOptions::new()
        .write(true)
        .open(s.dir.join("file"))
        .unwrap();
    let c = File::open(&other).unwrap();
    let (va, vb, vc) = in_kernel(|_| {
        let vnodes = (
            vnode_of(a.as_raw_fd()),
            vnode_of(b.as_raw_fd()),
            vnode_of(c.as_raw_fd()),
        );
        for fd in [&a, &b, &c] {
            // SAFETY: puts back the files held above.
            unsafe { sys::fd_putfile(fd.as_raw_fd() as u32) };
        }
        vnodes
    });
    assert_eq!(va, vb, "two descriptors of one file");
    assert_ne!(va, vc, "two files");
    assert_eq!((trace().files_held, trace().violations), (0, 0));
}

#[test]
fn vfs_sync_wants_the_mount_busy_and_no_vnode_locked() {
    let s = Scratch::new("model", 10);
    let fd = s.file.as_raw_fd();
    let violations = in_kernel(|l| {
        let vp = vnode_of(fd);
        // SAFETY: a held vnode, its mount and the LWP's credential; each
        // call is one a module could make, in the order under test.
        unsafe {
            let mp = sys::clrs_vnode_mount(vp).cast_mut();
            let cred = sys::clrs_lwp_cred(l);
            sys::VFS_SYNC(mp, sys::MNT_WAIT as i32, cred);
            let unbusy = trace().violations;
            sys::vn_lock(vp, (sys::LK_SHARED | sys::LK_RETRY) as i32);
            let locked_busy = sys::vfs_busy(mp);
            sys::VOP_UNLOCK(vp);
            let after_lock = trace().violations;
            if locked_busy == 0 {
                sys::vfs_unbusy(mp);
            }
            assert_eq!(sys::vfs_busy(mp), 0);
            sys::VFS_SYNC(mp, sys::MNT_WAIT as i32, cred);
            sys::vfs_unbusy(mp);
            sys::fd_putfile(fd as u32);
            (unbusy, after_lock, trace().violations)
        }
    });
    assert_eq!(violations, (1, 2, 2), "{}", violation(&trace()));
}
