//! Tests of `pidfd_send_signal.rs` through the kernel model, with the host
//! (Linux) as the reference for its errors; what the module hands
//! kpsignal2 is read from the model's trace.

use super::*;
use crate::model::{self, ModelLwp, host, linux_errno, trace, trace_reset};
use crate::pidfd_model::*;
use crate::sys;

/// NetBSD's numbers (sys/signal.h) for what the tests send.
const NETBSD_SIGUSR1: i32 = 30;
const NETBSD_SIGCONT: i32 = 19;
const NETBSD_SIGRTMIN: i32 = 33;
const SIGUSR1: i32 = 10;
const SIGCONT: i32 = 18;

/// A Linux siginfo_t (128 bytes).
struct Info([u8; 128]);

impl Info {
    fn new(signo: i32, code: i32) -> Info {
        let mut info = Info([0; 128]);
        info.set(0, signo);
        info.set(8, code);
        info
    }
    fn set(&mut self, at: usize, value: i32) {
        self.0[at..at + 4].copy_from_slice(&value.to_ne_bytes());
    }
    fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }
}

/// pidfd_send_signal through the module: 0, or the NetBSD errno.
fn send(lwp: &ModelLwp, pidfd: i32, sig: i32, info: u64, flags: u32) -> i32 {
    let regs = [pidfd as u64, sig as u64, info, flags.into(), 0, 0];
    call(lwp, NR, regs).err().unwrap_or(0)
}

/// The host's answer for the same call on host pidfd `pidfd`.
fn host_send(pidfd: i32, sig: i32, info: u64, flags: u32) -> Result<i64, i32> {
    host(NR, [pidfd as u64, sig as u64, info, flags.into(), 0, 0])
}

/// A host pidfd of process `pid`, closed on drop.
struct HostPidfd(i32);

impl HostPidfd {
    fn of(pid: u32) -> HostPidfd {
        HostPidfd(host(434, [pid.into(), 0, 0, 0, 0, 0]).unwrap() as i32)
    }
}

impl Drop for HostPidfd {
    fn drop(&mut self) {
        close_fd(self.0);
    }
}

fn same_error(module: i32, host: Result<i64, i32>, what: &str) {
    assert_ne!(module, 0, "{what}");
    assert_eq!(Err(linux_errno(module)), host.map(|_| 0), "{what}");
}

#[test]
fn flags_descriptors_and_numbers_are_checked_like_linux() {
    let _module = Loaded::new();
    let lwp = caller();
    let _p = Proc::new(33001);
    let pidfd = pidfd_open(&lwp, 33001, 0).unwrap();
    let me = HostPidfd::of(std::process::id());
    for flags in [3, 5, 8, 1 << 31] {
        same_error(
            send(&lwp, pidfd, 0, 0, flags),
            host_send(me.0, 0, 0, flags),
            "flags",
        );
    }
    same_error(
        send(&lwp, model::CLOSED_FD as i32, 0, 0, 0),
        host_send(model::CLOSED_FD as i32, 0, 0, 0),
        "closed",
    );
    let file = model::Scratch::new("pidfd-send", 1);
    let regular = std::os::fd::AsRawFd::as_raw_fd(&file.file);
    same_error(
        send(&lwp, regular, 0, 0, 0),
        host_send(regular, 0, 0, 0),
        "a file",
    );
    for sig in [65, -1, i32::MAX] {
        same_error(
            send(&lwp, pidfd, sig, 0, 0),
            host_send(me.0, sig, 0, 0),
            "sig",
        );
    }
    // Linux's SIGSTKFLT, which NetBSD does not have.
    assert_eq!(send(&lwp, pidfd, 16, 0, 0), sys::EINVAL as i32);
    assert_eq!(send(&lwp, pidfd, 0, 0, 0), 0, "a probe");
    close_fd(pidfd);
}

#[test]
fn a_siginfo_is_checked_like_linux() {
    let _module = Loaded::new();
    let lwp = caller();
    let _p = Proc::new(33002);
    let other = pidfd_open(&lwp, 33002, 0).unwrap();
    let own = pidfd_open(&lwp, 1, 0).unwrap();
    let me = HostPidfd::of(std::process::id());
    // SAFETY: plain query.
    let parent = HostPidfd::of(unsafe { getppid() } as u32);
    model::catch_signal(SIGUSR1);
    // Unreadable.
    same_error(
        send(&lwp, own, SIGUSR1, 8, 0),
        host_send(me.0, SIGUSR1, 8, 0),
        "EFAULT",
    );
    // si_signo other than sig.
    let info = Info::new(12, -1);
    same_error(
        send(&lwp, own, SIGUSR1, info.addr(), 0),
        host_send(me.0, SIGUSR1, info.addr(), 0),
        "signo",
    );
    // A code whose layout Linux does not know, with bytes past 48.
    let mut info = Info::new(SIGUSR1, 100);
    info.set(60, 1);
    same_error(
        send(&lwp, own, SIGUSR1, info.addr(), 0),
        host_send(me.0, SIGUSR1, info.addr(), 0),
        "E2BIG",
    );
    // A kill(2) or kernel code to another process.
    for code in [0, 6, -6] {
        let info = Info::new(0, code);
        same_error(
            send(&lwp, other, 0, info.addr(), 0),
            host_send(parent.0, 0, info.addr(), 0),
            "EPERM",
        );
    }
    // ... which the caller may send itself (from its first thread).
    assert_eq!(send(&lwp, own, 0, Info::new(0, 0).addr(), 0), 0);
    close_fd(other);
    close_fd(own);
}

unsafe extern "C" {
    fn getppid() -> i32;
}

#[test]
fn the_signal_goes_to_kpsignal2_as_kill_sends_it() {
    let _module = Loaded::new();
    let lwp = caller();
    let _p = Proc::new(33003);
    let pidfd = pidfd_open(&lwp, 33003, 0).unwrap();
    trace_reset();
    assert_eq!(send(&lwp, pidfd, SIGUSR1, 0, 0), 0);
    let t = trace();
    assert_eq!((t.signals, t.signal_pid, t.signal_lid), (1, 33003, 0));
    let ksi = t.signal_info;
    assert_eq!(
        (ksi._signo, ksi._code),
        (NETBSD_SIGUSR1, sys::SI_USER as i32)
    );
    // SAFETY: the rt member is the one SI_USER fills.
    let (pid, uid) = unsafe { (ksi._reason._rt._pid, ksi._reason._rt._uid) };
    assert_eq!(
        (pid, uid),
        (1, own_ids().uid),
        "the caller's process and real user"
    );

    // To the thread whose ID is the process's.
    assert_eq!(send(&lwp, pidfd, 34, 0, 1), 0);
    let t = trace();
    assert_eq!((t.signals, t.signal_lid), (2, 33003));
    assert_eq!(
        (t.signal_info._signo, t.signal_info._code),
        (NETBSD_SIGRTMIN + 2, sys::SI_LWP)
    );

    // A queued signal keeps what the sender put in.
    let mut info = Info::new(SIGUSR1, -1);
    info.set(16, 77);
    info.set(20, 88);
    info.set(24, 0x1234);
    assert_eq!(send(&lwp, pidfd, SIGUSR1, info.addr(), 2), 0);
    let t = trace();
    let ksi = t.signal_info;
    // SAFETY: as above.
    let (pid, uid, value) = unsafe {
        (
            ksi._reason._rt._pid,
            ksi._reason._rt._uid,
            ksi._reason._rt._value.sival_ptr as usize,
        )
    };
    assert_eq!(
        (t.signals, ksi._code, pid, uid, value),
        (3, sys::SI_QUEUE, 77, 88, 0x1234)
    );

    // The caller's own thread, without a pidfd.
    assert_eq!(send(&lwp, -10000, SIGUSR1, 0, 0), 0);
    let t = trace();
    assert_eq!((t.signals, t.signal_pid, t.signal_lid), (4, 1, 1));
    assert_eq!(send(&lwp, -10001, 0, 0, 0), 0);
    assert_eq!(trace().signals, 4, "signal 0 is a probe");
    close_fd(pidfd);
}

#[test]
fn a_zombie_takes_no_signal_and_a_reaped_process_is_esrch() {
    let _module = Loaded::new();
    let lwp = caller();
    let p = Proc::new(33004);
    let pidfd = pidfd_open(&lwp, 33004, 0).unwrap();
    p.exit();
    trace_reset();
    assert_eq!(send(&lwp, pidfd, SIGUSR1, 0, 0), 0);
    assert_eq!(trace().signals, 0);
    p.reap();
    assert_eq!(send(&lwp, pidfd, SIGUSR1, 0, 0), sys::ESRCH as i32);
    assert_eq!(send(&lwp, pidfd, 0, 0, 0), sys::ESRCH as i32);
    close_fd(pidfd);
}

#[test]
fn permission_is_kills() {
    let _module = Loaded::new();
    let _p = Proc::with_uid(33005, 2000);
    let root = caller();
    let pidfd = pidfd_open(&root, 33005, 0).unwrap();
    let mut ids = own_ids();
    (ids.uid, ids.euid, ids.suid) = (1000, 1000, 1000);
    let user = caller_as(&ids);
    trace_reset();
    assert_eq!(send(&user, pidfd, SIGUSR1, 0, 0), sys::EPERM as i32);
    assert_eq!(
        send(&user, pidfd, 0, 0, 0),
        sys::EPERM as i32,
        "a probe too"
    );
    // SIGCONT within the session.
    assert_eq!(send(&user, pidfd, SIGCONT, 0, 0), 0);
    assert_eq!(trace().signal_info._signo, NETBSD_SIGCONT);
    // SAFETY: the model's process table.
    unsafe { sys::model_proc_set_pgrp(33005, 33005, 33005) };
    assert_eq!(send(&user, pidfd, SIGCONT, 0, 0), sys::EPERM as i32);
    // The caller's effective user ID is the target's real one.
    ids.euid = 2000;
    let setuid = caller_as(&ids);
    assert_eq!(send(&setuid, pidfd, SIGUSR1, 0, 0), 0);
    // The superuser.
    if own_ids().euid == 0 {
        assert_eq!(send(&root, pidfd, SIGUSR1, 0, 0), 0);
    }
    close_fd(pidfd);
}

#[test]
fn a_process_group_is_signalled_member_by_member() {
    let _module = Loaded::new();
    let lwp = caller();
    let (a, b, c) = (
        Proc::new(33006),
        Proc::new(33007),
        Proc::with_uid(33008, 2000),
    );
    for pid in [33006, 33007, 33008] {
        // SAFETY: the model's process table.
        unsafe { sys::model_proc_set_pgrp(pid, 33006, 1) };
    }
    let leader = pidfd_open(&lwp, 33006, 0).unwrap();
    let member = pidfd_open(&lwp, 33007, 0).unwrap();
    trace_reset();
    assert_eq!(send(&lwp, leader, SIGUSR1, 0, 4), 0);
    let everyone = if own_ids().euid == 0 { 3 } else { 2 };
    assert_eq!(trace().signals, everyone);
    // No group has the member's ID.
    assert_eq!(send(&lwp, member, SIGUSR1, 0, 4), sys::ESRCH as i32);
    if own_ids().euid == 0 {
        // As a user: the other users' members are skipped, not errors.
        let mut ids = own_ids();
        (ids.uid, ids.euid, ids.suid) = (1000, 1000, 1000);
        let user = caller_as(&ids);
        // SAFETY: the model's process table.
        unsafe { sys::model_proc_set_cred(33006, &ids) };
        trace_reset();
        assert_eq!(send(&user, leader, SIGUSR1, 0, 4), 0);
        assert_eq!(trace().signals, 1);
    }
    close_fd(leader);
    close_fd(member);
    drop((a, b, c));
}
