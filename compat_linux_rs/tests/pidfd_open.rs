//! Tests of `pidfd_open.rs` through the kernel model, with the host
//! (Linux) as the reference for its errors.

use super::*;
use crate::model::{self, host, linux_errno, trace, trace_reset};
use crate::pidfd_model::{
    Loaded, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, Proc, caller, close_fd, close_last, fd_flags,
    file_poll, file_poll_events, host_poll, pending,
};
use crate::sys;

const PIDFD_THREAD: u32 = 0o200;
const O_NONBLOCK: i32 = 0o4000;
const FD_CLOEXEC: i32 = 1;
/// A process ID no host process has (above Linux's PID_MAX_LIMIT).
const NO_PID: i32 = 0x3fff_ffff;

fn gettid() -> i32 {
    host(186, [0; 6]).unwrap() as i32
}

/// The module's pidfd_open.
fn open(lwp: &crate::model::ModelLwp, pid: i32, flags: u32) -> Result<i32, i32> {
    crate::pidfd_model::pidfd_open(lwp, pid, flags)
}

/// The host's pidfd_open, its descriptor closed.
fn host_open(pid: i32, flags: u32) -> Result<i64, i32> {
    let r = host(NR, [pid as u64, flags.into(), 0, 0, 0, 0]);
    if let Ok(fd) = r {
        close_fd(fd as i32);
    }
    r
}

#[test]
fn flags_then_ids_are_checked_like_linux() {
    let _module = Loaded::new();
    let lwp = caller();
    let me = std::process::id() as i32;
    // Flags before the ID (a live process's), then the ID's sign.
    for (pid, flags) in [
        (me, 1),
        (me, 0o4000 | 2),
        (me, 1 << 31),
        (0, 0),
        (-1, 0),
        (i32::MIN, O_NONBLOCK as u32),
        (0, 1),
    ] {
        let module = open(&lwp, pid, flags);
        assert_eq!(module, Err(sys::EINVAL as i32), "{pid} {flags:#x}");
        assert_eq!(host_open(pid, flags), Err(22), "{pid} {flags:#x}");
    }
    // PIDFD_THREAD (Linux 6.9) is not provided.
    assert_eq!(open(&lwp, 1, PIDFD_THREAD), Err(sys::EINVAL as i32));
    assert_eq!(trace().violations, 0);
}

#[test]
fn no_such_process_is_esrch_and_a_thread_id_enoent() {
    let _module = Loaded::new();
    let lwp = caller();
    let module = open(&lwp, NO_PID, 0).map_err(linux_errno);
    assert_eq!(module, Err(3));
    assert_eq!(host_open(NO_PID, 0), Err(3));
    // A thread of this process that does not lead it: the model finds it
    // through the host, as proc_find_lwpid finds an LWP.
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        tid_tx.send(gettid()).unwrap();
        let _ = done_rx.recv();
    });
    let tid = tid_rx.recv().unwrap();
    assert_eq!(open(&lwp, tid, 0).map_err(linux_errno), Err(2));
    assert_eq!(host_open(tid, 0), Err(2));
    done_tx.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn a_live_process_gets_a_close_on_exec_pidfd_readable_at_its_exit() {
    let module = Loaded::new();
    trace_reset();
    let lwp = caller();
    let p = Proc::new(31001);
    let fd = open(&lwp, 31001, 0).unwrap();
    let (fdflags, flflags) = fd_flags(fd);
    assert_eq!(fdflags & FD_CLOEXEC, FD_CLOEXEC);
    assert_eq!(flflags & O_NONBLOCK, 0);
    pending();
    assert_eq!(host_poll(fd, POLLIN, 0), 0, "readable while it lives");
    assert_eq!(file_poll(fd), 0);
    // SAFETY: reads the model's table.
    assert!(
        unsafe { sys::model_proc_has_specific(31001) },
        "not attached"
    );
    // Unload is refused while a pidfd is open (its operations are ours).
    assert_eq!(module.fini(), sys::EBUSY as i32);
    p.exit();
    pending();
    assert_eq!(host_poll(fd, POLLIN, 0), POLLIN, "not readable at the exit");
    assert_eq!(file_poll(fd), POLLIN | POLLRDNORM);
    p.reap();
    assert_eq!(file_poll(fd), POLLIN | POLLRDNORM | POLLHUP);
    // select's write set asks for POLLWRNORM (POLLOUT), POLLHUP and
    // POLLERR, and counts any answer: a pidfd is never writable (Linux's
    // select).
    assert_eq!(file_poll_events(fd, POLLOUT), 0, "writable to select");
    close_last(fd);
    assert_eq!(trace().files_closed, 1);
    // SAFETY: reads the model's count.
    assert_eq!(unsafe { sys::model_files_open() }, 0);
    assert_eq!(trace().violations, 0, "{}", model::violation(&trace()));
}

#[test]
fn pidfd_nonblock_makes_it_nonblocking() {
    let _module = Loaded::new();
    let lwp = caller();
    let _p = Proc::new(31002);
    let fd = open(&lwp, 31002, O_NONBLOCK as u32).unwrap();
    assert_eq!(fd_flags(fd).1 & O_NONBLOCK, O_NONBLOCK);
    close_fd(fd);
}

#[test]
fn a_zombie_gets_a_pidfd_readable_at_once_and_a_reaped_one_esrch() {
    let _module = Loaded::new();
    let lwp = caller();
    let p = Proc::new(31003);
    p.exit();
    let fd = open(&lwp, 31003, 0).unwrap();
    pending();
    assert_eq!(host_poll(fd, POLLIN, 0), POLLIN);
    assert_eq!(file_poll(fd), POLLIN | POLLRDNORM);
    // SAFETY: reads the model's table.
    assert!(
        !unsafe { sys::model_proc_has_specific(31003) },
        "a zombie attached"
    );
    p.reap();
    assert_eq!(open(&lwp, 31003, 0), Err(sys::ESRCH as i32));
    close_fd(fd);
}

#[test]
fn a_reused_id_names_the_new_process_and_not_to_the_old_pidfd() {
    let _module = Loaded::new();
    let lwp = caller();
    let old = Proc::new(31004);
    let a = open(&lwp, 31004, 0).unwrap();
    old.reap();
    // The ID again (another struct proc; the start time tells them apart
    // too).
    let new = Proc::new(31004);
    let b = open(&lwp, 31004, 0).unwrap();
    pending();
    assert_eq!(file_poll(a), POLLIN | POLLRDNORM | POLLHUP, "old: reaped");
    assert_eq!(host_poll(a, POLLIN, 0), POLLIN);
    assert_eq!(file_poll(b), 0, "new: alive");
    assert_eq!(host_poll(b, POLLIN, 0), 0);
    new.exit();
    pending();
    assert_eq!(file_poll(b), POLLIN | POLLRDNORM);
    close_fd(a);
    close_fd(b);
}

/// Holds process `pid`'s p_reflock as writer, as an exec does, from
/// another thread, until `release` is sent.
fn exec_under_way(pid: i32) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        // SAFETY: the model's process table; taken and let go here.
        unsafe { sys::model_proc_hold_exec(pid, true) };
        held_tx.send(()).unwrap();
        let _ = release_rx.recv();
        // SAFETY: as above.
        unsafe { sys::model_proc_hold_exec(pid, false) };
    });
    held_rx.recv().unwrap();
    (release_tx, thread)
}

unsafe extern "C" {
    fn pthread_self() -> usize;
    fn pthread_kill(thread: usize, sig: i32) -> i32;
}

#[test]
fn an_exec_under_way_is_waited_out_and_a_signal_restarts_the_call() {
    let _module = Loaded::new();
    let lwp = caller();
    let _p = Proc::new(31005);
    let (release, holder) = exec_under_way(31005);
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        release.send(()).unwrap();
    });
    trace_reset();
    let fd = open(&lwp, 31005, 0).unwrap();
    assert!(trace().kpauses >= 2, "not waited: {}", trace().kpauses);
    close_fd(fd);
    releaser.join().unwrap();
    holder.join().unwrap();

    // A signal while it waits: ERESTART, the call made again after it.
    model::catch_signal(10);
    let (release, holder) = exec_under_way(31005);
    // SAFETY: this thread's own handle, alive until the join below.
    let me = unsafe { pthread_self() };
    let signaller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(30));
        // SAFETY: the test thread waits in the call meanwhile.
        unsafe { pthread_kill(me, 10) };
    });
    assert_eq!(open(&lwp, 31005, 0), Err(sys::ERESTART));
    signaller.join().unwrap();
    release.send(()).unwrap();
    holder.join().unwrap();
}

#[test]
fn no_free_descriptor_is_emfile() {
    let _module = Loaded::new();
    let lwp = caller();
    let _p = Proc::new(31006);
    let me = std::process::id() as i32;
    let result = model::in_child(|| {
        const RLIMIT_NOFILE: i32 = 7;
        unsafe extern "C" {
            fn setrlimit(resource: i32, rlim: *const [u64; 2]) -> i32;
        }
        // Descriptors 0 to 2, and no more.
        // SAFETY: a limit of this child process.
        if unsafe { setrlimit(RLIMIT_NOFILE, &[3, 3]) } != 0 {
            return 1;
        }
        let module = open(&lwp, 31006, 0).map_err(linux_errno);
        let host = host(NR, [me as u64, 0, 0, 0, 0, 0]);
        if module == Err(24) && host == Err(24) {
            0
        } else {
            2
        }
    });
    assert_eq!(result, 0, "EMFILE from both");
}
