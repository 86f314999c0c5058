//! Tests of `pidfd_getfd.rs` through the kernel model, with the host
//! (Linux) as the reference; another process's descriptors are a real
//! child process's, which the model stands for as a host process.

use std::os::fd::AsRawFd;

use super::*;
use crate::model::{self, ModelLwp, host, linux_errno, trace, trace_reset};
use crate::pidfd_model::*;
use crate::sys;

const FD_CLOEXEC: i32 = 1;

/// pidfd_getfd through the module: the new descriptor, or the errno.
fn getfd(lwp: &ModelLwp, pidfd: i32, targetfd: i32, flags: u32) -> Result<i32, i32> {
    call(
        lwp,
        NR,
        [pidfd as u64, targetfd as u64, flags.into(), 0, 0, 0],
    )
}

/// The host's pidfd_getfd, its descriptor closed.
fn host_getfd(pidfd: i32, targetfd: i32, flags: u32) -> Result<i64, i32> {
    let r = host(NR, [pidfd as u64, targetfd as u64, flags.into(), 0, 0, 0]);
    if let Ok(fd) = r {
        close_fd(fd as i32);
    }
    r
}

/// The file (device, inode) and offset of host descriptor `fd`.
fn identity(fd: i32) -> (u64, u64) {
    // SAFETY: fstat of a descriptor into a buffer of struct stat's size.
    let mut st = [0u64; 18];
    assert_eq!(
        host(5, [fd as u64, st.as_mut_ptr() as u64, 0, 0, 0, 0]),
        Ok(0)
    );
    (st[0], st[1])
}

fn lseek(fd: i32, off: i64, whence: u64) -> i64 {
    host(8, [fd as u64, off as u64, whence, 0, 0, 0]).unwrap()
}

/// A child process that holds a pipe's read end (as descriptor `fd`) and
/// waits until it is told to exit; the model knows it as a host process.
struct Child {
    pid: i32,
    fd: i32,
    go: i32,
    reaped: bool,
}

unsafe extern "C" {
    fn fork() -> i32;
    fn pipe(fds: *mut [i32; 2]) -> i32;
    fn read(fd: i32, buf: *mut u8, len: usize) -> isize;
    fn write(fd: i32, buf: *const u8, len: usize) -> isize;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn _exit(status: i32) -> !;
}

impl Child {
    fn spawn() -> Child {
        let (mut data, mut control) = ([0; 2], [0; 2]);
        // SAFETY: plain system calls; the child only reads and exits.
        unsafe {
            assert_eq!(pipe(&mut data), 0);
            assert_eq!(pipe(&mut control), 0);
            let pid = fork();
            assert!(pid >= 0);
            if pid == 0 {
                let mut b = 0u8;
                read(control[0], &mut b, 1);
                _exit(0);
            }
            close_fd(control[0]);
            let lwp = ModelLwp::on_cpu(0);
            sys::model_lwp_set_host_process(lwp.as_ptr(), pid);
            Child {
                pid,
                fd: data[0],
                go: control[1],
                reaped: false,
            }
        }
    }

    /// The child exits; it stays a zombie until `reap`.
    fn exit(&self) {
        // SAFETY: a byte to the child's control pipe, then a wait for the
        // exit without reaping (waitid with WNOWAIT).
        unsafe {
            assert_eq!(write(self.go, [1u8].as_ptr(), 1), 1);
            let mut info = [0u8; 128];
            const P_PID: u64 = 1;
            const WEXITED: u64 = 4;
            const WNOWAIT: u64 = 0x0100_0000;
            host(
                247,
                [
                    P_PID,
                    self.pid as u64,
                    info.as_mut_ptr() as u64,
                    WEXITED | WNOWAIT,
                    0,
                    0,
                ],
            )
            .unwrap();
        }
    }

    fn reap(&mut self) {
        // SAFETY: the child is ours.
        unsafe { waitpid(self.pid, core::ptr::null_mut(), 0) };
        self.reaped = true;
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if !self.reaped {
            // SAFETY: as above.
            unsafe { write(self.go, [1u8].as_ptr(), 1) };
            self.reap();
        }
        close_fd(self.go);
        close_fd(self.fd);
        pending();
    }
}

#[test]
fn flags_and_descriptors_are_checked_like_linux() {
    let _module = Loaded::new();
    let lwp = caller();
    let own = pidfd_open(&lwp, 1, 0).unwrap();
    let me = host(434, [std::process::id().into(), 0, 0, 0, 0, 0]).unwrap() as i32;
    let file = model::Scratch::new("getfd", 8);
    let regular = file.file.as_raw_fd();
    let cases = [
        ((own, 0, 1), (me, 0, 1)),
        ((own, 0, 1 << 31), (me, 0, 1 << 31)),
        (
            (model::CLOSED_FD as i32, 0, 0),
            (model::CLOSED_FD as i32, 0, 0),
        ),
        ((regular, 0, 0), (regular, 0, 0)),
        (
            (own, model::CLOSED_FD as i32, 0),
            (me, model::CLOSED_FD as i32, 0),
        ),
        ((own, -1, 0), (me, -1, 0)),
    ];
    for ((pidfd, target, flags), (hpidfd, htarget, hflags)) in cases {
        let module = getfd(&lwp, pidfd, target, flags).map_err(linux_errno);
        assert!(module.is_err(), "{pidfd} {target} {flags:#x}");
        assert_eq!(
            module.map(i64::from),
            host_getfd(hpidfd, htarget, hflags),
            "{pidfd} {target} {flags:#x}"
        );
    }
    close_fd(own);
    close_fd(me);
}

#[test]
fn its_own_descriptor_is_duplicated_close_on_exec() {
    let _module = Loaded::new();
    let lwp = caller();
    let own = pidfd_open(&lwp, 1, 0).unwrap();
    let file = model::Scratch::new("getfd", 8);
    let fd = file.file.as_raw_fd();
    let dup = getfd(&lwp, own, fd, 0).unwrap();
    assert_eq!(fd_flags(dup).0 & FD_CLOEXEC, FD_CLOEXEC);
    assert_eq!(identity(dup), identity(fd));
    lseek(fd, 5, 0);
    assert_eq!(lseek(dup, 0, 1), 5, "not the same open file");
    // A pidfd's duplicate is a pidfd of the same process.
    let pidfd_dup = getfd(&lwp, own, own, 0).unwrap();
    assert_eq!(file_poll(pidfd_dup), 0);
    for fd in [dup, pidfd_dup, own] {
        close_fd(fd);
    }
}

#[test]
fn another_processes_descriptor_with_ptraces_permission() {
    let _module = Loaded::new();
    let lwp = caller();
    let mut child = Child::spawn();
    let pidfd = pidfd_open(&lwp, child.pid, 0).unwrap();
    trace_reset();
    let got = getfd(&lwp, pidfd, child.fd, 0).unwrap();
    assert_eq!(identity(got), identity(child.fd), "not the child's pipe");
    assert_eq!(fd_flags(got).0 & FD_CLOEXEC, FD_CLOEXEC);
    close_fd(got);
    assert_eq!(getfd(&lwp, pidfd, 200, 0), Err(sys::EBADF as i32));
    // Another user may not attach to it.
    let mut ids = own_ids();
    let uid = ids.uid + 1;
    (ids.uid, ids.euid, ids.suid) = (uid, uid, uid);
    let other = caller_as(&ids);
    assert_eq!(getfd(&other, pidfd, child.fd, 0), Err(sys::EPERM as i32));
    // Exited: its descriptors are gone; then reaped.
    let hpidfd = host(434, [child.pid as u64, 0, 0, 0, 0, 0]).unwrap() as i32;
    child.exit();
    pending();
    assert_eq!(getfd(&lwp, pidfd, child.fd, 0), Err(sys::ESRCH as i32));
    assert_eq!(host_getfd(hpidfd, child.fd, 0), Err(3));
    child.reap();
    pending();
    assert_eq!(getfd(&lwp, pidfd, child.fd, 0), Err(sys::ESRCH as i32));
    assert_eq!(host_getfd(hpidfd, child.fd, 0), Err(3));
    assert_eq!(trace().violations, 0, "{}", model::violation(&trace()));
    close_fd(hpidfd);
    close_fd(pidfd);
}
