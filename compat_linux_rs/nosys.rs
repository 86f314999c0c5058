//! The record of Linux system calls NetBSD does not implement.
//!
//! While the module is loaded, every slot of compat_linux's table that
//! holds its "not implemented" entry (`linux_sys_nosys`) holds
//! [`record`] instead (`ffi/compat_linux_rs.c`), which counts the call and
//! then returns what `linux_sys_nosys` returns: `ENOSYS`, nothing else.
//!
//! Per Linux call number the record keeps how many calls there were, by
//! how many distinct processes, and the name of the last program that made
//! one, in fixed memory: atomics only, no allocation and no lock on the way
//! of a call, except a try-lock that skips the name when another caller is
//! writing it. A process counts once per call number while it lives: the
//! record follows up to [`PROCESSES`] processes at once, by process ID,
//! each with one bit per call number, and when all are taken it frees the
//! places of processes that have exited (looked up under `proc_lock`, on
//! the first such call and then on every [`PROCESSES`]th); the calls of a
//! process it cannot follow are counted but not the process.
//!
//! `sysctl emul.linux.compat_linux_rs.nosys` prints the record, and
//! `emul.linux.compat_linux_rs.log` says whether calls are logged through
//! log(9), as FreeBSD's Linux emulation can: never (0, the default), the
//! first call of each number by each process (1), or every call (2), at most
//! `CLRS_NOSYS_LOG_PER_SECOND` lines a second (`ppsratecheck(9)`), which
//! also bounds the first calls of processes the record cannot follow.

use core::ffi::{CStr, c_char, c_int, c_void};
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, AtomicU8, AtomicU32, AtomicU64};

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::{COMLEN, Lwp, Process};
use crate::sys::{self, register_t};

include!(concat!(env!("OUT_DIR"), "/linux_names.rs"));

/// Slots of compat_linux's amd64 table (`LINUX_SYS_NSYSENT`).
const NSYSENT: usize = sys::CLRS_LINUX_NSYSENT as usize;
/// Processes followed at once.
pub const PROCESSES: usize = 256;

const _: () = assert!(LINUX_NAMES.len() == NSYSENT && NSYSENT.is_multiple_of(64));

/// What is known of one call number.
struct Slot {
    calls: AtomicU64,
    processes: AtomicU32,
    naming: AtomicBool,
    last_program: [AtomicU8; COMLEN],
}

impl Slot {
    /// Records `comm` as the last program, unless another caller is
    /// writing one right now.
    fn set_last_program(&self, comm: &[u8; COMLEN]) {
        if self.naming.swap(true, Acquire) {
            return;
        }
        for (to, &from) in self.last_program.iter().zip(comm) {
            to.store(from, Relaxed);
        }
        self.naming.store(false, Release);
    }
}

/// A followed process: its ID (0: the place is free), its `struct proc`
/// (null while its first caller fills the place in) and which call numbers
/// it has made, one bit each.
struct Followed {
    pid: AtomicI32,
    proc: AtomicPtr<c_void>,
    made: [AtomicU64; NSYSENT / 64],
}

impl Followed {
    /// Clears the bits, then frees the place.
    fn forget(&self) {
        for word in &self.made {
            word.store(0, Relaxed);
        }
        self.proc.store(core::ptr::null_mut(), Relaxed);
        self.pid.store(0, Release);
    }
}

static SLOTS: [Slot; NSYSENT] = [const {
    Slot {
        calls: AtomicU64::new(0),
        processes: AtomicU32::new(0),
        naming: AtomicBool::new(false),
        last_program: [const { AtomicU8::new(0) }; COMLEN],
    }
}; NSYSENT];
static FOLLOWED: [Followed; PROCESSES] = [const {
    Followed {
        pid: AtomicI32::new(0),
        proc: AtomicPtr::new(core::ptr::null_mut()),
        made: [const { AtomicU64::new(0) }; NSYSENT / 64],
    }
}; PROCESSES];
/// Calls that found every place taken, which paces the look for exited
/// processes.
static FULL: AtomicU32 = AtomicU32::new(0);
static LOG_MODE: AtomicU32 = AtomicU32::new(0);

/// The places of `FOLLOWED` in the order a process with ID `pid` tries them.
fn places(pid: i32) -> impl Iterator<Item = &'static Followed> {
    let start = pid.unsigned_abs() as usize % PROCESSES;
    (0..PROCESSES).map(move |i| &FOLLOWED[(start + i) % PROCESSES])
}

/// The place of `process`, taken now if it has none; `None` when every
/// place follows a live process.
fn followed(process: &Process) -> Option<&'static Followed> {
    if let Some(place) = places(process.pid).find(|f| f.pid.load(Acquire) == process.pid) {
        let proc = place.proc.load(Acquire);
        // Another process had this ID before, and the place was not freed.
        if !proc.is_null()
            && proc != process.proc
            && place
                .proc
                .compare_exchange(proc, process.proc, Relaxed, Relaxed)
                .is_ok()
        {
            for word in &place.made {
                word.store(0, Relaxed);
            }
        }
        return Some(place);
    }
    claim(process).or_else(|| {
        if !FULL.fetch_add(1, Relaxed).is_multiple_of(PROCESSES as u32) {
            return None;
        }
        for place in &FOLLOWED {
            let (pid, proc) = (place.pid.load(Acquire), place.proc.load(Acquire));
            if pid != 0 && !proc.is_null() && !Process::is_alive(pid, proc) {
                place.forget();
            }
        }
        claim(process)
    })
}

/// Takes a free place for `process`; a thread of the same process that
/// takes it first (same ID) is as good.
fn claim(process: &Process) -> Option<&'static Followed> {
    places(process.pid).find(|place| {
        match place.pid.compare_exchange(0, process.pid, Acquire, Acquire) {
            Ok(_) => {
                place.proc.store(process.proc, Release);
                true
            }
            Err(pid) => pid == process.pid,
        }
    })
}

/// The handler of every slot that held `linux_sys_nosys`.
pub fn record(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    if let Some((nr, slot)) = lwp.syscall_slot().and_then(|nr| Some((nr, SLOTS.get(nr)?))) {
        let process = lwp.process();
        slot.calls.fetch_add(1, Relaxed);
        let first = followed(&process).and_then(|place| {
            let word = place.made.get(nr / 64)?;
            let bit = 1 << (nr % 64);
            Some(word.fetch_or(bit, Relaxed) & bit == 0)
        });
        if first == Some(true) {
            slot.processes.fetch_add(1, Relaxed);
        }
        slot.set_last_program(&process.comm);
        match (LOG_MODE.load(Relaxed), first) {
            (1, Some(true)) => lwp.log_nosys(name_of(nr), nr, false),
            (1, None) | (2, _) => lwp.log_nosys(name_of(nr), nr, true),
            _ => {}
        }
    }
    let mut retval: [register_t; 2] = [0; 2];
    // SAFETY: the calling LWP, its argument registers and a result slot:
    // the entry the slot held, which reads none of them.
    Errno::check(unsafe {
        sys::linux_sys_nosys(lwp.as_ptr(), args.as_uap(), retval.as_mut_ptr())
    })?;
    Ok(retval[0])
}

/// Linux's name of call `nr`; `?` for a number Linux does not assign.
fn name_of(nr: usize) -> &'static CStr {
    LINUX_NAMES.get(nr).copied().flatten().unwrap_or(c"?")
}

/// The log setting: 0, 1 or 2.
#[unsafe(no_mangle)]
pub extern "C" fn clrs_nosys_log_mode() -> c_int {
    LOG_MODE.load(Relaxed) as c_int
}

/// Sets the log setting; false, changing nothing, outside 0 to 2.
#[unsafe(no_mangle)]
pub extern "C" fn clrs_nosys_set_log_mode(mode: c_int) -> bool {
    match u32::try_from(mode) {
        Ok(mode @ 0..=2) => {
            LOG_MODE.store(mode, Relaxed);
            true
        }
        _ => false,
    }
}

/// Empties the record and turns logging off (at load).
#[unsafe(no_mangle)]
pub extern "C" fn clrs_nosys_reset() {
    for slot in &SLOTS {
        slot.calls.store(0, Relaxed);
        slot.processes.store(0, Relaxed);
        slot.last_program[0].store(0, Relaxed);
    }
    for place in &FOLLOWED {
        place.forget();
    }
    FULL.store(0, Relaxed);
    LOG_MODE.store(0, Relaxed);
}

/// A byte buffer written from the start, which drops what does not fit.
struct Text<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Text<'_> {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(to) = self.buf.get_mut(self.len) {
                *to = b;
                self.len += 1;
            }
        }
    }

    fn number(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (n % 10) as u8;
            at -= 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.bytes(digits.get(at..).unwrap_or_default());
    }

    fn written(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// The longest line of the report: name, four numbers, program, spaces.
const LINE: usize = 128;

/// Writes the record into `buf`, `len` bytes with the NUL: one line per
/// call number made, "name number calls processes program", as many whole
/// lines as fit. Returns the length without the NUL.
///
/// # Safety
/// `buf` must be writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clrs_nosys_report(buf: *mut c_char, len: usize) -> usize {
    if buf.is_null() || len == 0 {
        return 0;
    }
    // SAFETY: the caller's buffer, `len` bytes.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), len) };
    let room = len - 1;
    let mut report = Text { buf, len: 0 };
    for (nr, slot) in SLOTS.iter().enumerate() {
        let calls = slot.calls.load(Relaxed);
        if calls == 0 {
            continue;
        }
        let mut bytes = [0u8; LINE];
        let mut line = Text {
            buf: &mut bytes,
            len: 0,
        };
        line.bytes(name_of(nr).to_bytes());
        line.bytes(b" ");
        line.number(nr as u64);
        line.bytes(b" ");
        line.number(calls);
        line.bytes(b" ");
        line.number(slot.processes.load(Relaxed).into());
        line.bytes(b" ");
        for c in &slot.last_program {
            match c.load(Relaxed) {
                0 => break,
                c => line.bytes(&[c]),
            }
        }
        line.bytes(b"\n");
        if report.len + line.len > room {
            break;
        }
        report.bytes(line.written());
    }
    let end = report.len;
    report.bytes(b"\0");
    end
}

#[cfg(test)]
#[path = "tests/nosys.rs"]
mod tests;
