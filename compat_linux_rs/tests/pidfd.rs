//! Tests of `pidfd.rs`: the file type's operations, its poll and kqueue
//! notes, its life and the module's unload, through the kernel model.

use crate::model::{trace, trace_reset};
use crate::pidfd_model::*;
use crate::sys;

const EVFILT_READ: i32 = 0;
const EVFILT_WRITE: i32 = 1;
const EVFILT_PROC: i32 = 4;

#[test]
fn its_operations_answer_as_linux_pidfds_do() {
    let _module = Loaded::new();
    let lwp = caller();
    let p = Proc::new(32001);
    let fd = pidfd_open(&lwp, 32001, 0).unwrap();
    let again = pidfd_open(&lwp, 32001, 0).unwrap();
    let q = Proc::new(32002);
    let other = pidfd_open(&lwp, 32002, 0).unwrap();
    // SAFETY: the model looks each descriptor up; plain data out.
    unsafe {
        assert_eq!(sys::model_file_rw(fd, false), sys::EINVAL as i32, "read");
        assert_eq!(sys::model_file_rw(fd, true), sys::EINVAL as i32, "write");
        assert_eq!(sys::model_file_seek(fd), sys::ESPIPE as i32);
        assert_eq!(sys::model_file_ioctl(fd, sys::CLRS_FIONBIO.into()), 0);
        assert_eq!(sys::model_file_ioctl(fd, sys::CLRS_FIOASYNC.into()), 0);
        assert_eq!(sys::model_file_ioctl(fd, 0x4004_667f), sys::ENOTTY as i32);
        let mut st: sys::stat = core::mem::zeroed();
        assert_eq!(sys::model_file_stat(fd, &mut st), 0);
        assert_eq!(
            (st.st_mode, st.st_nlink, st.st_uid, st.st_gid),
            (0o700, 1, 0, 0)
        );
        let mut st2: sys::stat = core::mem::zeroed();
        assert_eq!(sys::model_file_stat(again, &mut st2), 0);
        assert_eq!(st.st_ino, st2.st_ino, "one inode per process");
        assert_eq!(sys::model_file_stat(other, &mut st2), 0);
        assert_ne!(st.st_ino, st2.st_ino);
    }
    for fd in [fd, again, other] {
        close_fd(fd);
    }
    drop((p, q));
}

#[test]
fn kqueue_read_fires_at_the_exit_and_write_never() {
    let _module = Loaded::new();
    let lwp = caller();
    let p = Proc::new(32003);
    let fd = pidfd_open(&lwp, 32003, 0).unwrap();
    let kevent = |filter| {
        let mut fired = false;
        // SAFETY: the model looks the descriptor up.
        let error = unsafe { sys::model_file_kevent(fd, filter, &mut fired) };
        (error, fired)
    };
    assert_eq!(kevent(EVFILT_READ), (0, false));
    assert_eq!(kevent(EVFILT_WRITE), (0, false));
    assert_eq!(kevent(EVFILT_PROC), (sys::EINVAL as i32, false));
    p.exit();
    assert_eq!(kevent(EVFILT_READ), (0, true));
    assert_eq!(kevent(EVFILT_WRITE), (0, false));
    close_fd(fd);
}

#[test]
fn a_poll_waiting_for_the_exit_is_woken() {
    let _module = Loaded::new();
    let lwp = caller();
    let p = Proc::new(32004);
    let fd = pidfd_open(&lwp, 32004, 0).unwrap();
    pending();
    let poller = std::thread::spawn(move || host_poll(fd, POLLIN, 5000));
    std::thread::sleep(std::time::Duration::from_millis(50));
    p.exit();
    pending();
    assert_eq!(poller.join().unwrap(), POLLIN);
    close_fd(fd);
}

#[test]
fn closed_while_the_process_lives_then_the_exit_frees_all() {
    let _module = Loaded::new();
    trace_reset();
    let lwp = caller();
    let p = Proc::new(32005);
    let fd = pidfd_open(&lwp, 32005, 0).unwrap();
    close_last(fd);
    assert_eq!(trace().files_closed, 1);
    // SAFETY: reads the model's table.
    assert!(unsafe { sys::model_proc_has_specific(32005) });
    p.exit();
    // SAFETY: as above.
    assert!(!unsafe { sys::model_proc_has_specific(32005) });
    // Many pidfds opened and closed: the closed ones are freed as new
    // ones are made, so that nothing grows.
    let q = Proc::new(32006);
    let before = trace().allocated;
    for _ in 0..50 {
        let fd = pidfd_open(&lwp, 32006, 0).unwrap();
        close_last(fd);
    }
    assert!(
        trace().allocated <= before + 256,
        "{} bytes kept",
        trace().allocated - before
    );
    drop(q);
}

#[test]
fn unload_waits_for_every_pidfd_and_frees_what_processes_hold() {
    let module = Loaded::new();
    let lwp = caller();
    let _p = Proc::new(32007);
    let fd = pidfd_open(&lwp, 32007, 0).unwrap();
    let dup = {
        unsafe extern "C" {
            fn dup(fd: i32) -> i32;
        }
        // SAFETY: duplicates a descriptor of the test's.
        unsafe { dup(fd) }
    };
    close_fd(fd);
    pending();
    assert_eq!(
        module.fini(),
        sys::EBUSY as i32,
        "a duplicate is still open"
    );
    close_last(dup);
    // The process still has the pidfd's state attached: FINI's key
    // deletion frees it (Loaded's drop checks that FINI succeeds, and
    // the process is reaped after).
    // SAFETY: reads the model's table.
    assert!(unsafe { sys::model_proc_has_specific(32007) });
    drop(module);
    // SAFETY: as above.
    assert!(!unsafe { sys::model_proc_has_specific(32007) });
}
