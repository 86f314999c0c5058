//! Tests of `semtimedop.rs`.

use std::time::{Duration, Instant};

use super::*;
use crate::model::{
    self, ModelLwp, SemSet as Set, assert_balanced, linux_errno, same_as_host, trace_reset,
};

unsafe extern "C" {
    fn pthread_self() -> usize;
    fn pthread_kill(thread: usize, sig: i32) -> i32;
}
const SIGUSR1: i32 = 10;

/// `struct sembuf` entries.
fn ops(list: &[(u16, i16, i16)]) -> Vec<[u8; 6]> {
    list.iter()
        .map(|&(num, op, flg)| {
            let mut b = [0u8; 6];
            b[..2].copy_from_slice(&num.to_ne_bytes());
            b[2..4].copy_from_slice(&op.to_ne_bytes());
            b[4..].copy_from_slice(&flg.to_ne_bytes());
            b
        })
        .collect()
}

fn regs(semid: i32, sops: &[[u8; 6]], nsops: u64, timeout: Option<&[i64; 2]>) -> [u64; 6] {
    let t = timeout.map_or(0, |t| t.as_ptr() as u64);
    [semid as u64, sops.as_ptr() as u64, nsops, t, 0, 0]
}

fn module(r: [u64; 6]) -> i32 {
    let lwp = ModelLwp::on_cpu(0);
    trace_reset();
    let (error, _) = model::call(&lwp, NR, r);
    assert_balanced();
    error
}

const NOWAIT: i16 = 0o4000;

#[test]
fn arguments_are_checked_in_linux_order() {
    let set = Set::new(1);
    let lwp = ModelLwp::on_cpu(0);
    let one = ops(&[(0, 1, 0)]);
    let bad_time = [-1i64, 0];
    let too_many = 100_000;
    let cases = [
        // An unreadable timeout comes first, then nsops, then sops.
        [u64::MAX, 8, too_many, 8, 0, 0],
        [u64::MAX, 8, too_many, 0, 0, 0],
        [u64::MAX, 8, 0, 0, 0, 0],
        [u64::MAX, 8, 2, 0, 0, 0],
        regs(-1, &one, 1, Some(&bad_time)),
        regs(set.0, &one, 1, Some(&bad_time)),
        regs(set.0, &one, 1, Some(&[0, 1_000_000_000])),
        regs(set.0, &one, 1, Some(&[0, -1])),
        regs(set.0, &ops(&[(5, 1, 0)]), 1, None),
        regs(set.0 + 1_000_000, &one, 1, None),
    ];
    let expected = [
        sys::EFAULT,
        sys::E2BIG,
        sys::EINVAL,
        sys::EFAULT,
        sys::EINVAL,
        sys::EINVAL,
        sys::EINVAL,
        sys::EINVAL,
        sys::EFBIG,
        sys::EINVAL,
    ];
    for (r, e) in cases.into_iter().zip(expected) {
        assert_eq!(same_as_host(&lwp, NR, r), e as i32, "{r:x?}");
    }
    assert_eq!(set.get(0), 0, "nothing was done");
}

#[test]
fn operations_are_done() {
    let set = Set::new(2);
    assert_eq!(
        module(regs(set.0, &ops(&[(0, 2, 0), (1, 1, 0)]), 2, None)),
        0
    );
    assert_eq!(
        module(regs(set.0, &ops(&[(0, -1, 0)]), 1, Some(&[1, 0]))),
        0
    );
    assert_eq!((set.get(0), set.get(1)), (1, 1));
}

#[test]
fn ipc_nowait_and_zero_timeouts_do_not_wait() {
    let set = Set::new(1);
    let lwp = ModelLwp::on_cpu(0);
    let take = ops(&[(0, -1, NOWAIT)]);
    assert_eq!(
        same_as_host(&lwp, NR, regs(set.0, &take, 1, None)),
        sys::EAGAIN as i32
    );
    let take = ops(&[(0, -1, 0)]);
    let start = Instant::now();
    assert_eq!(
        same_as_host(&lwp, NR, regs(set.0, &take, 1, Some(&[0, 0]))),
        sys::EAGAIN as i32
    );
    assert!(start.elapsed() < Duration::from_millis(500));
}

#[test]
fn the_timeout_expires_with_eagain() {
    let set = Set::new(1);
    let take = ops(&[(0, -1, 0)]);
    let start = Instant::now();
    let error = module(regs(set.0, &take, 1, Some(&[0, 50_000_000])));
    let elapsed = start.elapsed();
    assert_eq!(
        linux_errno(error),
        model::host(NR, regs(set.0, &take, 1, Some(&[0, 50_000_000]))).unwrap_err()
    );
    assert_eq!(error, sys::EAGAIN as i32);
    assert!(elapsed >= Duration::from_millis(50), "waited {elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "waited {elapsed:?}");
    assert_eq!(model::trace().semops, 1, "one semop: no polling");
}

/// An operation that would block with `IPC_NOWAIT` ends the call at once,
/// even when another one of the set would wait and there is a timeout.
#[test]
fn ipc_nowait_on_the_blocking_operation_decides() {
    let set = Set::new(2);
    let lwp = ModelLwp::on_cpu(0);
    let first_nowait = ops(&[(0, -1, NOWAIT), (1, -1, 0)]);
    let start = Instant::now();
    assert_eq!(
        same_as_host(&lwp, NR, regs(set.0, &first_nowait, 2, Some(&[5, 0]))),
        sys::EAGAIN as i32
    );
    assert!(start.elapsed() < Duration::from_secs(1), "did not wait");
    // The first operation that cannot be done is the one that decides:
    // here it waits, until the timeout.
    let first_waits = ops(&[(0, -1, 0), (1, -1, NOWAIT)]);
    let start = Instant::now();
    assert_eq!(
        same_as_host(
            &lwp,
            NR,
            regs(set.0, &first_waits, 2, Some(&[0, 30_000_000]))
        ),
        sys::EAGAIN as i32
    );
    assert!(start.elapsed() >= Duration::from_millis(60), "both waited");
    // Once the first can be done, the second's IPC_NOWAIT decides.
    set.set(0, 1);
    let start = Instant::now();
    assert_eq!(
        same_as_host(&lwp, NR, regs(set.0, &first_waits, 2, Some(&[5, 0]))),
        sys::EAGAIN as i32
    );
    assert!(start.elapsed() < Duration::from_secs(1), "did not wait");
    assert_eq!((set.get(0), set.get(1)), (1, 0), "nothing was done");
}

/// Nothing is written to user memory the program did not pass: not
/// below its stack pointer either (a signal stack, a small thread stack).
#[test]
fn nothing_is_written_below_the_stack_pointer() {
    let set = Set::new(1);
    let take = ops(&[(0, -1, 0)]);
    let mut stack = vec![0x5au8; 4096];
    let lwp = ModelLwp::on_cpu(0);
    let top = stack.as_ptr() as u64 + stack.len() as u64;
    // SAFETY: a live model LWP; its saved stack pointer is only read.
    unsafe { sys::model_lwp_set_user_sp(lwp.as_ptr(), top as register_t) };
    trace_reset();
    let (error, _) = model::call(&lwp, NR, regs(set.0, &take, 1, Some(&[0, 20_000_000])));
    assert_eq!(error, sys::EAGAIN as i32);
    stack.truncate(4096);
    assert!(stack.iter().all(|&b| b == 0x5a), "user memory was written");
}

#[cfg(netbsd_semtimedop)]
#[test]
fn the_native_calls_timeout_is_eagain_however_it_says_so() {
    let set = Set::new(1);
    let take = ops(&[(0, -1, 0)]);
    for said in [sys::EINTR, sys::ETIMEDOUT, sys::EAGAIN] {
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        // SAFETY: this thread's trace.
        unsafe { (*sys::model_trace()).semop_timeout_errno = said as i32 };
        let (error, _) = model::call(&lwp, NR, regs(set.0, &take, 1, Some(&[0, 20_000_000])));
        assert_eq!(error, sys::EAGAIN as i32, "the kernel said {said}");
    }
}

#[test]
fn timeouts_are_clock_ticks_rounded_up_plus_one() {
    let t = |sec, nsec| Timeout { sec, nsec };
    assert_eq!(t(0, 0).ticks(100), 0);
    assert_eq!(t(0, 1).ticks(100), 2);
    assert_eq!(t(0, 10_000_000).ticks(100), 2);
    assert_eq!(t(0, 10_000_001).ticks(100), 3);
    assert_eq!(t(1, 0).ticks(100), 101);
    assert_eq!(t(i64::MAX, 999_999_999).ticks(100), i32::MAX);
}

#[test]
fn a_waiter_proceeds_when_the_value_allows() {
    let set = Set::new(1);
    let id = set.0;
    let waiter =
        std::thread::spawn(move || module(regs(id, &ops(&[(0, -1, 0)]), 1, Some(&[5, 0]))));
    std::thread::sleep(Duration::from_millis(60));
    set.set(0, 1);
    assert_eq!(waiter.join().unwrap(), 0);
    assert_eq!(set.get(0), 0);
}

#[test]
fn a_signal_interrupts_with_eintr_even_with_sa_restart() {
    model::catch_signal(SIGUSR1);
    let set = Set::new(1);
    for timeout in [None, Some([10i64, 0])] {
        let id = set.0;
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            // SAFETY: this thread's own handle.
            tx.send(unsafe { pthread_self() }).unwrap();
            module(regs(id, &ops(&[(0, -1, 0)]), 1, timeout.as_ref()))
        });
        let thread = rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(60));
        // SAFETY: the waiter is alive until it returns, after the signal.
        unsafe { pthread_kill(thread, SIGUSR1) };
        assert_eq!(
            waiter.join().unwrap(),
            sys::EINTR as i32,
            "timeout {timeout:?}"
        );
    }
}

#[test]
fn a_signal_posted_before_the_wait_interrupts() {
    model::catch_signal(SIGUSR1);
    let set = Set::new(1);
    let take = ops(&[(0, -1, 0)]);
    // SAFETY: the model's trace of this thread.
    unsafe { (*sys::model_trace()).signal_at_semop = 1 };
    let start = Instant::now();
    let lwp = ModelLwp::on_cpu(0);
    let (error, _) = model::call(&lwp, NR, regs(set.0, &take, 1, Some(&[10, 0])));
    assert_eq!(error, sys::EINTR as i32);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(set.get(0), 0);
}

#[test]
fn removing_the_set_ends_the_wait_with_eidrm() {
    for timeout in [None, Some([10i64, 0])] {
        let set = Set::new(1);
        let id = set.0;
        let waiter =
            std::thread::spawn(move || module(regs(id, &ops(&[(0, -1, 0)]), 1, timeout.as_ref())));
        std::thread::sleep(Duration::from_millis(60));
        set.remove();
        let start = Instant::now();
        assert_eq!(waiter.join().unwrap(), sys::EIDRM as i32, "{timeout:?}");
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
