//! Randomised robustness runs of every handler's argument decoding through
//! the kernel model: random registers (mixed with values that matter:
//! scratch descriptors, pointers into random user memory, unmapped and
//! kernel addresses, boundary numbers) and random user memory. A handler
//! must return, without panicking, crashing or leaking a file, lock,
//! credential, vnode or buffer.
//!
//! Not part of `make test`: `make fuzz` runs each target for
//! `CLRS_FUZZ_SECONDS` (default 10) in a scratch working directory.
//!
//! A call that blocks (a semaphore wait without a timeout, on operations
//! from random memory) is ended by a deadline: a [`Watchdog`] signals the
//! fuzzing thread, which ends an interruptible sleep with `EINTR`. Each
//! target reports how many calls the deadline ended; a call that outlives
//! [`GIVE_UP`] deadlines stops the run with its registers.

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::model::{self, ModelLwp, assert_balanced, trace, trace_reset};
use crate::sys;

unsafe extern "C" {
    fn pthread_self() -> usize;
    fn pthread_kill(thread: usize, sig: i32) -> i32;
}

/// The deadline's signal: not SIGUSR1, which the model's own tests post.
const SIGUSR2: i32 = 12;
/// How long one call may run before the deadline signals it.
const DEADLINE: Duration = Duration::from_millis(50);
/// Deadlines after which a call that still runs stops the run.
const GIVE_UP: u32 = 100;

/// What the fuzzing thread and its watchdog share.
#[derive(Default)]
struct Watched {
    /// The number of the call in progress, 0 between calls.
    call: AtomicU64,
    /// The last call the deadline signalled.
    signalled: AtomicU64,
    regs: [AtomicU64; 6],
    stop: AtomicBool,
}

/// Signals the fuzzing thread while one of its calls runs past [`DEADLINE`].
struct Watchdog {
    watched: Arc<Watched>,
    thread: Option<JoinHandle<()>>,
    next: u64,
}

impl Watchdog {
    fn start(nr: u16) -> Watchdog {
        // The signal only ends a sleep: semop(2) is never restarted.
        model::catch_signal(SIGUSR2);
        let watched = Arc::new(Watched::default());
        // SAFETY: the calling thread's own handle, alive while it fuzzes.
        let target = unsafe { pthread_self() };
        let w = Arc::clone(&watched);
        let thread = std::thread::spawn(move || {
            let (mut seen, mut since) = (0, Instant::now());
            while !w.stop.load(Ordering::Acquire) {
                std::thread::sleep(DEADLINE / 5);
                let call = w.call.load(Ordering::Acquire);
                if call == 0 || call != seen {
                    (seen, since) = (call, Instant::now());
                    continue;
                }
                let late = since.elapsed();
                if late >= DEADLINE * GIVE_UP {
                    let regs = w.regs.each_ref().map(|r| r.load(Ordering::Relaxed));
                    eprintln!(
                        "fuzz {nr}: a call ran {late:?}, past {GIVE_UP} deadlines: {regs:x?}"
                    );
                    std::process::abort();
                }
                if late >= DEADLINE {
                    w.signalled.store(call, Ordering::Release);
                    // SAFETY: the fuzzing thread outlives the watchdog
                    // (stopped and joined before the thread returns).
                    unsafe { pthread_kill(target, SIGUSR2) };
                }
            }
        });
        Watchdog {
            watched,
            thread: Some(thread),
            next: 0,
        }
    }

    /// Makes one call under the deadline; also returns whether the
    /// deadline signalled it.
    fn call(&mut self, lwp: &ModelLwp, nr: u16, regs: [u64; 6]) -> ((i32, sys::register_t), bool) {
        self.next += 1;
        for (slot, r) in self.watched.regs.iter().zip(regs) {
            slot.store(r, Ordering::Relaxed);
        }
        self.watched.call.store(self.next, Ordering::Release);
        let result = model::call(lwp, nr, regs);
        self.watched.call.store(0, Ordering::Release);
        (
            result,
            self.watched.signalled.load(Ordering::Acquire) == self.next,
        )
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.watched.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// xorshift64*: small, seedable, good enough to pick test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the registers are drawn from.
struct Inputs {
    fds: Vec<u64>,
    memory: Vec<u8>,
    semid: u64,
}

impl Inputs {
    fn register(&self, rng: &mut Rng) -> u64 {
        let mem = self.memory.as_ptr() as u64;
        match rng.below(12) {
            0 => rng.next(),
            1 => rng.below(0x100),
            2 => self.fds[rng.below(self.fds.len() as u64) as usize],
            3 | 4 => mem + rng.below(self.memory.len() as u64),
            5 => mem + self.memory.len() as u64 - rng.below(16),
            6 => rng.below(4096),
            7 => 0xffff_8000_0000_0000 | rng.below(1 << 20),
            8 => [
                0,
                1,
                u32::MAX as u64,
                i32::MAX as u64,
                i64::MAX as u64,
                u64::MAX,
            ][rng.below(6) as usize],
            9 => self.semid,
            10 => (-100i64) as u64, // AT_FDCWD
            _ => 1 << rng.below(64),
        }
    }
}

/// The descriptors this process has open.
fn open_fds() -> Vec<i32> {
    unsafe extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
    let listed: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    // The listing's own descriptor is closed by now.
    // SAFETY: F_GETFD of a number has no effect.
    listed
        .into_iter()
        .filter(|&fd| unsafe { fcntl(fd, 1) } >= 0)
        .collect()
}

/// Closes the pidfds a call made (pidfd_open, pidfd_getfd, clone3's
/// CLONE_PIDFD), so that a run does not run out of them, and has the model
/// act on the closes; pidfd_getfd's other duplicates too. The model's own
/// host descriptors (pipes' write ends, pidfds of host processes) are left
/// alone.
fn close_new_fds(baseline: &[i32], own: &[i32]) {
    for fd in open_fds() {
        // SAFETY: plain data out; the model looks the descriptor up.
        let pidfd = unsafe {
            let mut st: sys::stat = core::mem::zeroed();
            sys::model_file_stat(fd, &mut st) == 0
        };
        if !baseline.contains(&fd) && (pidfd || own.contains(&fd)) {
            crate::pidfd_model::close_fd(fd);
        }
    }
    crate::pidfd_model::pending();
}

/// The calls that make pidfds, which need the module loaded (INIT makes
/// their state).
fn makes_pidfds(nr: u16) -> bool {
    [
        crate::pidfd_open::NR,
        crate::pidfd_send_signal::NR,
        crate::pidfd_getfd::NR,
        crate::clone3::NR,
    ]
    .contains(&nr)
}

fn run(nr: u16, seconds: u64) {
    let loaded = makes_pidfds(nr).then(crate::pidfd_model::Loaded::new);
    let scratch = model::Scratch::new("fuzz", 4096);
    std::fs::create_dir(scratch.dir.join("d")).unwrap();
    let dir = std::fs::File::open(&scratch.dir).unwrap();
    let (pipe_r, _pipe_w) = std::io::pipe().unwrap();
    let set = model::SemSet::new(4);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ u64::from(nr));
    let mut inputs = Inputs {
        fds: vec![
            scratch.file.as_raw_fd() as u64,
            dir.as_raw_fd() as u64,
            pipe_r.as_raw_fd() as u64,
            model::CLOSED_FD,
        ],
        memory: vec![0; 8192],
        semid: set.0 as u64,
    };
    let lwp = ModelLwp::on_cpu(0);
    // A pidfd of the caller's own process, for the calls that take one.
    let pidfd = loaded
        .is_some()
        .then(|| crate::pidfd_model::pidfd_open(&lwp, 1, 0).unwrap());
    inputs.fds.extend(pidfd.map(|fd| fd as u64));
    let baseline = open_fds();
    let mut watchdog = Watchdog::start(nr);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut calls, mut ended, mut ended_eintr) = (0u64, 0u64, 0u64);
    let mut kept = 0i64;
    while Instant::now() < deadline {
        for b in inputs.memory.iter_mut() {
            *b = if rng.below(4) == 0 {
                rng.next() as u8
            } else {
                0
            };
        }
        let regs = [0; 6].map(|_: u64| inputs.register(&mut rng));
        // Never a blocking semaphore wait or a huge copy: those are the
        // handlers' business, not their decoding's. Every sembuf (6 bytes,
        // sem_flg in the last two) gets IPC_NOWAIT (0o4000), so the
        // operations array must start on a 6-byte boundary of the memory.
        let mut regs = regs;
        if nr == crate::semtimedop::NR {
            let mem = inputs.memory.as_ptr() as u64;
            if let Some(offset) = regs[1].checked_sub(mem)
                && offset < inputs.memory.len() as u64
            {
                regs[1] = mem + offset / 6 * 6;
            }
            for op in inputs.memory.chunks_exact_mut(6) {
                op[5] |= 0x08;
            }
        }
        if nr == crate::copy_file_range::NR {
            regs[4] %= 1 << 16;
        }
        trace_reset();
        // SAFETY: a live LWP of the model, the one making the calls.
        unsafe { sys::model_lwp_current(lwp.as_ptr()) };
        let ((error, value), signalled) = watchdog.call(&lwp, nr, regs);
        if loaded.is_some() {
            let made = (error == 0 && nr == crate::pidfd_getfd::NR).then_some(value as i32);
            close_new_fds(&baseline, made.as_slice());
        }
        if signalled {
            ended += 1;
            ended_eintr += u64::from(error == sys::EINTR as i32);
        }
        assert_balanced();
        let t = trace();
        // The pidfd calls keep memory past a call: a process's pidfd state
        // while it lives (one per process of the model), a closed pidfd's
        // record until the next one is made. No more may be kept, over the
        // whole run.
        let allocated = if loaded.is_some() {
            let most = (sys::MODEL_NPROCS as usize + 1) * size_of::<sys::clrs_pidproc>()
                + size_of::<sys::clrs_pidfd>();
            kept += i64::from(t.allocated as i32);
            assert!(kept <= most as i64, "{kept} bytes kept after {regs:x?}");
            0
        } else {
            t.allocated
        };
        assert_eq!(
            (allocated, t.creds_held, t.vnodes_referenced),
            (0, 0, 0),
            "{regs:x?}"
        );
        calls += 1;
    }
    drop(watchdog);
    if let Some(fd) = pidfd {
        crate::pidfd_model::close_fd(fd);
    }
    drop(loaded);
    println!(
        "fuzz {nr}: {calls} calls in {seconds} s, {ended} ended by the deadline \
         ({ended_eintr} of them with EINTR)"
    );
}

fn seconds() -> u64 {
    std::env::var("CLRS_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

macro_rules! fuzz_targets {
    ($($name:ident => $nr:path),* $(,)?) => {
        $(
            #[test]
            #[ignore = "fuzzing: make fuzz"]
            fn $name() {
                run($nr, seconds());
            }
        )*
    };
}

fuzz_targets! {
    fuzz_semtimedop => crate::semtimedop::NR,
    fuzz_sync_file_range => crate::sync_file_range::NR,
    fuzz_syncfs => crate::syncfs::NR,
    fuzz_getcpu => crate::getcpu::NR,
    fuzz_renameat2 => crate::renameat2::NR,
    fuzz_copy_file_range => crate::copy_file_range::NR,
    fuzz_clone3 => crate::clone3::NR,
    fuzz_faccessat2 => crate::faccessat2::NR,
    fuzz_pidfd_open => crate::pidfd_open::NR,
    fuzz_pidfd_send_signal => crate::pidfd_send_signal::NR,
    fuzz_pidfd_getfd => crate::pidfd_getfd::NR,
}
