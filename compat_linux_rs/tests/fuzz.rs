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
    let loaded =
        (makes_pidfds(nr) || nr == crate::membarrier::NR).then(crate::pidfd_model::Loaded::new);
    let scratch = model::Scratch::new("fuzz", 4096);
    std::fs::create_dir(scratch.dir.join("d")).unwrap();
    let dir = std::fs::File::open(&scratch.dir).unwrap();
    let (pipe_r, _pipe_w) = std::io::pipe().unwrap();
    // Never a read that waits: the handlers' decoding is under test.
    set_nonblocking(pipe_r.as_raw_fd());
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
    // Another process that process_vm_writev may scribble over: a child
    // that waits to be killed.
    let process_vm = [crate::process_vm_readv::NR, crate::process_vm_writev::NR];
    let sacrificed = process_vm.contains(&nr).then(Sacrificed::new);
    let lwp = ModelLwp::on_cpu(0);
    // membarrier registers the calling process: one of the model's own,
    // which exits before the unload.
    if nr == crate::membarrier::NR {
        lwp.set_process(MEMBARRIER_PID, c"fuzz");
    }
    // A pidfd of the caller's own process, for the calls that take one.
    let pidfd = makes_pidfds(nr).then(|| crate::pidfd_model::pidfd_open(&lwp, 1, 0).unwrap());
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
        // chmod and open: only names in the scratch folders (no '/', no
        // '.'), and modes their owner can still use.
        if nr == crate::fchmodat2::NR || nr == crate::openat2::NR {
            for b in inputs
                .memory
                .iter_mut()
                .filter(|b| **b == b'/' || **b == b'.')
            {
                *b = b'x';
            }
            if nr == crate::fchmodat2::NR {
                regs[2] |= 0o700;
            }
        }
        // Vectored I/O: iovecs on a 16-byte boundary of the memory, each
        // at most 64 KiB, so that a write stays small.
        if nr == crate::preadv2::NR || nr == crate::pwritev2::NR {
            let mem = inputs.memory.as_ptr() as u64;
            if let Some(offset) = regs[1].checked_sub(mem)
                && offset < inputs.memory.len() as u64
            {
                regs[1] = mem + offset / 16 * 16;
            }
            for iov in inputs.memory.chunks_exact_mut(16) {
                iov[10..].fill(0);
            }
        }
        if nr == crate::process_vm_readv::NR || nr == crate::process_vm_writev::NR {
            let child = sacrificed.as_ref().map_or(0, |c| c.0);
            regs = process_vm_registers(&mut rng, &mut inputs.memory, nr, child);
        }
        if nr == crate::membarrier::NR {
            regs[0] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, regs[0]][rng.below(12) as usize];
            regs[1] = [0, 0, 1, regs[1]][rng.below(4) as usize];
        }
        trace_reset();
        // SAFETY: a live LWP of the model, the one making the calls.
        unsafe { sys::model_lwp_current(lwp.as_ptr()) };
        let ((error, value), signalled) = watchdog.call(&lwp, nr, regs);
        if nr == crate::openat2::NR && error == 0 {
            // SAFETY: the descriptor the call made, closed once.
            drop(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(value as i32) });
        }
        if makes_pidfds(nr) {
            let made = (error == 0 && nr == crate::pidfd_getfd::NR).then_some(value as i32);
            close_new_fds(&baseline, made.as_slice());
        }
        if nr == crate::mlock2::NR {
            // SAFETY: undoes whatever the call locked of this process.
            unsafe { munlockall() };
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
        // whole run. A process's membarrier record stays with it (freed at
        // its exit, or at unload).
        let allocated = if makes_pidfds(nr) {
            let most = (sys::MODEL_NPROCS as usize + 1) * size_of::<sys::clrs_pidproc>()
                + size_of::<sys::clrs_pidfd>();
            kept += i64::from(t.allocated as i32);
            assert!(kept <= most as i64, "{kept} bytes kept after {regs:x?}");
            0
        } else if nr == crate::membarrier::NR {
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
    if nr == crate::membarrier::NR {
        // SAFETY: the model's process table.
        unsafe { sys::model_process_exit(MEMBARRIER_PID) };
    }
    drop(loaded);
    println!(
        "fuzz {nr}: {calls} calls in {seconds} s, {ended} ended by the deadline \
         ({ended_eintr} of them with EINTR)"
    );
}

fn set_nonblocking(fd: i32) {
    unsafe extern "C" {
        fn fcntl(fd: i32, cmd: i32, ...) -> i32;
    }
    const F_GETFL: i32 = 3;
    const F_SETFL: i32 = 4;
    const O_NONBLOCK: i32 = 0o4000;
    // SAFETY: flags of a descriptor this test owns.
    unsafe { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) };
}

unsafe extern "C" {
    fn fork() -> i32;
    fn kill(pid: i32, sig: i32) -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn pause() -> i32;
    fn prctl(option: i32, ...) -> i32;
    fn _exit(status: i32) -> !;
    fn munlockall() -> i32;
}

const PR_SET_PDEATHSIG: i32 = 1;

/// A child process that waits until it is killed.
struct Sacrificed(i32);

impl Sacrificed {
    fn new() -> Sacrificed {
        // SAFETY: the child only waits for its signal.
        let pid = unsafe { fork() };
        assert!(pid >= 0, "fork");
        if pid == 0 {
            // SAFETY: waits; SIGKILL ends it, also when the fuzzer dies.
            unsafe {
                prctl(PR_SET_PDEATHSIG, 9);
                loop {
                    pause();
                }
            }
        }
        Sacrificed(pid)
    }
}

impl Drop for Sacrificed {
    fn drop(&mut self) {
        let mut status = 0;
        // SAFETY: our own child.
        unsafe {
            kill(self.0, 9);
            waitpid(self.0, &mut status, 0);
        }
    }
}

/// The model's process that fuzzes membarrier, whose registrations it
/// drops at its exit, before the unload.
const MEMBARRIER_PID: i32 = 7777;

/// Registers and vectors for process_vm_readv and process_vm_writev: the
/// caller's buffers only in the fuzzer's memory (or unmapped or kernel
/// addresses), so that no call writes over the test process; remote ones
/// in the sacrificed child (or, to read, this process).
fn process_vm_registers(rng: &mut Rng, memory: &mut [u8], nr: u16, child: i32) -> [u64; 6] {
    let mem = memory.as_ptr() as u64;
    let len = memory.len() as u64;
    for element in memory.chunks_exact_mut(16) {
        // A length that is not negative stays within the memory, unless
        // the element points nowhere.
        let (base, size) = match rng.below(8) {
            0 => (16, rng.next()),
            1 => (0xffff_8000_0000_0000 | rng.below(1 << 20), rng.next()),
            2 => (mem + rng.below(len), u64::MAX),
            3 => (mem + rng.below(len), 1 << 63 | rng.next()),
            _ => {
                let offset = rng.below(len);
                (mem + offset, rng.below((len - offset).min(600) + 1))
            }
        };
        element[..8].copy_from_slice(&base.to_ne_bytes());
        element[8..].copy_from_slice(&size.to_ne_bytes());
    }
    let array = |rng: &mut Rng| match rng.below(5) {
        0 => 16,
        1 => 0xffff_8000_0000_0000,
        _ => mem + rng.below(len / 16) * 16 + [0, 8][rng.below(2) as usize],
    };
    let count =
        |rng: &mut Rng| [0, 1, 2, 3, 8, 1024, 1025, 1 << 32 | 1, rng.next()][rng.below(9) as usize];
    let own = u64::from(std::process::id());
    let pid = match rng.below(6) {
        0 if nr == crate::process_vm_readv::NR => own,
        1 => 0,
        2 => u64::MAX,
        3 => 0x3fff_ffff,
        _ => child as u64,
    };
    let flags = if rng.below(8) == 0 { rng.next() } else { 0 };
    [pid, array(rng), count(rng), array(rng), count(rng), flags]
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
    fuzz_fchmodat2 => crate::fchmodat2::NR,
    fuzz_openat2 => crate::openat2::NR,
    fuzz_preadv2 => crate::preadv2::NR,
    fuzz_pwritev2 => crate::pwritev2::NR,
    fuzz_process_vm_readv => crate::process_vm_readv::NR,
    fuzz_process_vm_writev => crate::process_vm_writev::NR,
    fuzz_membarrier => crate::membarrier::NR,
    fuzz_mlock2 => crate::mlock2::NR,
    fuzz_pidfd_open => crate::pidfd_open::NR,
    fuzz_pidfd_send_signal => crate::pidfd_send_signal::NR,
    fuzz_pidfd_getfd => crate::pidfd_getfd::NR,
}
