//! semtimedop(2): System V semaphore operations with a timeout.
//!
//! Linux contract (`ipc/sem.c`, semop(2)):
//! `int semtimedop(int semid, struct sembuf *sops, unsigned nsops,
//! const struct timespec *timeout)`
//! - an unreadable `timeout` → `EFAULT`; then `nsops` 0 or a negative
//!   `semid` → `EINVAL`; `nsops` above `SEMOPM` → `E2BIG`; unreadable
//!   `sops` → `EFAULT`; then a `timeout` with negative seconds or
//!   nanoseconds outside `[0, 1e9)` → `EINVAL`;
//! - a NULL `timeout` blocks like semop(2); when the (relative) timeout
//!   passes before the operations can be done → `EAGAIN`; so does an
//!   operation with `IPC_NOWAIT` that would block;
//! - a signal → `EINTR`, never restarted (SA_RESTART does not apply);
//! - a removed set → `EIDRM`; other errors as semop(2) (`EINVAL`, `EACCES`,
//!   `EFBIG`, `ERANGE`).
//!
//! NetBSD 11 has a native semtimedop(2), which does the operations.
//!
//! NetBSD 10 has only semop(2), and the semaphore internals a timed wait
//! would need are private to the kernel. Without a timeout the call is
//! semop(2). With one, the module polls: it tries the operations with
//! `IPC_NOWAIT` added to each, and until they succeed or the time is up
//! sleeps one clock tick between tries, interruptibly; a set removed
//! between tries (EINVAL on a retry) is `EIDRM`, as for a blocked waiter.
//! The flagged copy of `sops` is written to the calling thread's stack
//! below its red zone, where the program keeps nothing (signal delivery
//! uses the same place).
//! Deviations on NetBSD 10: the timeout is honoured to one clock tick
//! (10 ms at `HZ`=100) and the wait is not in line with blocked waiters; an
//! operation set that mixes `IPC_NOWAIT` and waiting operations waits for
//! all of them, where Linux fails at once if a `IPC_NOWAIT` one would
//! block.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::KernelBuf;
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::UserAddr;

/// Linux amd64 system call number.
pub const NR: u16 = 220;

/// `struct sembuf`: `sem_num`, `sem_op`, `sem_flg` (16 bits each), the
/// same on Linux and NetBSD.
const SEMBUF_SIZE: usize = 6;
const NSEC_PER_SEC: i64 = 1_000_000_000;

/// A relative timeout, as `struct timespec` (64-bit seconds, nanoseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Timeout {
    sec: i64,
    nsec: i64,
}

impl Timeout {
    fn read(addr: UserAddr) -> Result<Timeout, Errno> {
        let mut raw = [0u8; 16];
        addr.read_into(&mut raw)?;
        let (sec, nsec) = raw.split_at(8);
        let word = |b: &[u8]| b.try_into().map(i64::from_ne_bytes).unwrap_or(-1);
        Ok(Timeout {
            sec: word(sec),
            nsec: word(nsec),
        })
    }

    fn valid(self) -> bool {
        self.sec >= 0 && (0..NSEC_PER_SEC).contains(&self.nsec)
    }

    /// Clock ticks covering the timeout, rounded up.
    #[cfg_attr(netbsd_semtimedop, allow(dead_code))]
    fn ticks(self, hz: i64) -> u64 {
        let tick_ns = NSEC_PER_SEC / hz.clamp(1, NSEC_PER_SEC);
        let whole = (self.sec as u64).saturating_mul(hz as u64);
        whole.saturating_add((self.nsec as u64).div_ceil(tick_ns as u64))
    }
}

/// A signal ends the call with EINTR: Linux never restarts semop(2).
fn not_restarted(result: Result<(), Errno>) -> Result<register_t, Errno> {
    match result {
        Err(e) if e.get() == sys::ERESTART => Err(Errno::EINTR),
        other => other.map(|()| 0),
    }
}

/// The handler.
pub fn semtimedop(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let semid = args.int::<0>();
    let sops = args.u64::<1>();
    let nsops = args.uint::<2>();
    let timeout_addr = args.u64::<3>();
    let timeout = match timeout_addr {
        0 => None,
        addr => Some(Timeout::read(UserAddr::new(addr))?),
    };
    if nsops < 1 || semid < 0 {
        return Err(Errno::EINVAL);
    }
    // SAFETY: reads a kernel global through the shim.
    if i64::from(nsops) > i64::from(unsafe { sys::clrs_semopm() }) {
        return Err(Errno::E2BIG);
    }
    let mut ops = KernelBuf::new(nsops as usize * SEMBUF_SIZE)?;
    UserAddr::new(sops).read_into(ops.as_mut_slice())?;
    if timeout.is_some_and(|t| !t.valid()) {
        return Err(Errno::EINVAL);
    }
    not_restarted(semop(
        lwp,
        semid,
        sops,
        nsops,
        timeout,
        timeout_addr,
        ops.as_mut_slice(),
    ))
}

/// NetBSD 11: the native call.
#[cfg(netbsd_semtimedop)]
fn semop(
    lwp: &Lwp,
    semid: i32,
    sops: u64,
    nsops: u32,
    _: Option<Timeout>,
    timeout: u64,
    _: &mut [u8],
) -> Result<(), Errno> {
    let regs = [semid as u64, sops, nsops.into(), timeout, 0, 0].map(|r| r as register_t);
    let mut retval: [register_t; 2] = [0; 2];
    // SAFETY: the calling LWP, argument registers laid out as
    // sys_semtimedop_args (user pointers the callee copies in) and a
    // result slot.
    Errno::check(unsafe {
        sys::sys_semtimedop(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
    })
}

/// NetBSD 10: semop(2), polled with IPC_NOWAIT when there is a timeout.
#[cfg(not(netbsd_semtimedop))]
fn semop(
    lwp: &Lwp,
    semid: i32,
    sops: u64,
    nsops: u32,
    timeout: Option<Timeout>,
    _: u64,
    ops: &mut [u8],
) -> Result<(), Errno> {
    let call = |sops: u64| {
        let regs = [semid as u64, sops, nsops.into(), 0, 0, 0].map(|r| r as register_t);
        let mut retval: [register_t; 2] = [0; 2];
        // SAFETY: the calling LWP, argument registers laid out as
        // sys_semop_args (a user pointer the callee copies in) and a
        // result slot.
        Errno::check(unsafe {
            sys::sys_semop(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
        })
    };
    let Some(timeout) = timeout else {
        return call(sops);
    };

    let nowait = sys::IPC_NOWAIT as u16;
    let mut all_nowait = true;
    for op in ops.chunks_exact_mut(SEMBUF_SIZE) {
        let flags = u16::from_ne_bytes([op[4], op[5]]);
        all_nowait &= flags & nowait != 0;
        op[4..6].copy_from_slice(&(flags | nowait).to_ne_bytes());
    }
    // Below the 128-byte red zone of the amd64 ABI, 16-byte aligned.
    // SAFETY: reads the saved user stack pointer of the live calling LWP.
    let sp = unsafe { sys::clrs_lwp_user_sp(lwp.as_ptr()) } as u64;
    let scratch = sp.wrapping_sub(128 + ops.len() as u64) & !15;
    // SAFETY: copyout checks the user range itself, failing with EFAULT.
    Errno::check(unsafe {
        sys::copyout(ops.as_ptr().cast(), scratch as usize as *mut _, ops.len())
    })?;

    // SAFETY: reads the kernel's clock rate.
    let mut ticks = timeout.ticks(i64::from(unsafe { sys::hz }));
    let mut retry = false;
    loop {
        match call(scratch) {
            Err(e) if e == Errno::EAGAIN && ticks > 0 && !all_nowait => {}
            // The first try found the set; now it is gone.
            Err(e) if e == Errno::EINVAL && retry => return Err(Errno::EIDRM),
            result => return result,
        }
        retry = true;
        // SAFETY: an interruptible sleep of one tick, holding no lock.
        let slept = unsafe { sys::kpause(c"semtimedop".as_ptr(), true, 1, core::ptr::null_mut()) };
        if slept == sys::EINTR as i32 || slept == sys::ERESTART {
            return Err(Errno::EINTR);
        }
        ticks -= 1;
    }
}

#[cfg(test)]
#[path = "tests/semtimedop.rs"]
mod tests;
