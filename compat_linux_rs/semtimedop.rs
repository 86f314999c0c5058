//! semtimedop(2): System V semaphore operations with a timeout.
//!
//! Linux contract (`ipc/sem.c` of 6.x, `ksys_semtimedop`, semop(2)):
//! `int semtimedop(int semid, struct sembuf *sops, unsigned nsops,
//! const struct timespec *timeout)`, checked in this order:
//! 1. an unreadable `timeout` → `EFAULT`;
//! 2. `nsops` above `SEMOPM` → `E2BIG`; `nsops` 0 → `EINVAL`;
//! 3. unreadable `sops` → `EFAULT`; a negative `semid` → `EINVAL`;
//! 4. a `timeout` with negative seconds or nanoseconds outside `[0, 1e9)`
//!    → `EINVAL`;
//! 5. then as semop(2): no such set → `EINVAL`, a removed one → `EIDRM`,
//!    `sem_num` out of range → `EFBIG`, no permission → `EACCES`, ...
//!
//! A NULL `timeout` blocks like semop(2); when the (relative) timeout
//! passes before the operations can be done → `EAGAIN`; so does an
//! operation with `IPC_NOWAIT` that would block. A signal → `EINTR`, never
//! restarted (`SA_RESTART` does not apply). A set removed while waiting →
//! `EIDRM`.
//!
//! On NetBSD 11 the call is NetBSD's own semtimedop(2). Its source of the
//! release could not be read (only the 2024 work in progress, which maps
//! the timeout's `EWOULDBLOCK` to `EAGAIN`), so the module decides after
//! the call: a sleep that ended without a signal pending is the timeout,
//! `EAGAIN`, and `ETIMEDOUT` is `EAGAIN` too.
//!
//! On NetBSD 10 the call is semop(2) with the caller's own arguments, and
//! a timeout ends its sleep from a callout (`clrs_semop_timed`, `ffi/shim.c`)
//! after the timeout rounded up to clock ticks plus one, as tvtohz(9)
//! rounds; the waiter queues with the other waiters, and nothing is written
//! to user memory. Ended by the timeout with no signal pending → `EAGAIN`.
//!
//! Deviations, NetBSD's semop(2) underneath: `SEMOPM` is NetBSD's
//! `kern.ipc.semopm` (100 by default, Linux 500); the permission check
//! comes before the `sem_num` check and always asks for write permission
//! (Linux asks for read permission when every operation waits for zero).
//! On NetBSD 10 the timeout is kept to the clock tick (10 ms at `HZ`=100),
//! and a timeout longer than 2^31-1 ticks (248 days at `HZ`=100) ends then.

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

    /// Clock ticks that cover the timeout, as tvtohz(9) counts them:
    /// rounded up, plus one for the tick under way; 0 for none.
    #[cfg_attr(netbsd_semtimedop, allow(dead_code))]
    fn ticks(self, hz: i64) -> i32 {
        if self.sec == 0 && self.nsec == 0 {
            return 0;
        }
        let tick_ns = (NSEC_PER_SEC / hz.clamp(1, NSEC_PER_SEC)) as u64;
        let whole = (self.sec as u64).saturating_mul(hz as u64);
        let ticks = whole
            .saturating_add((self.nsec as u64).div_ceil(tick_ns))
            .saturating_add(1);
        i32::try_from(ticks).unwrap_or(i32::MAX)
    }
}

/// The handler.
pub fn semtimedop(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let semid = args.int::<0>();
    let sops = args.u64::<1>();
    let nsops = args.uint::<2>();
    let timeout = match args.u64::<3>() {
        0 => None,
        addr => Some(Timeout::read(UserAddr::new(addr))?),
    };
    // SAFETY: reads a kernel global through the shim.
    if i64::from(nsops) > i64::from(unsafe { sys::clrs_semopm() }) {
        return Err(Errno::E2BIG);
    }
    if nsops < 1 {
        return Err(Errno::EINVAL);
    }
    // Only to fault where Linux does: semop(2) copies them in again.
    let mut ops = KernelBuf::new(nsops as usize * SEMBUF_SIZE)?;
    UserAddr::new(sops).read_into(ops.as_mut_slice())?;
    if semid < 0 || timeout.is_some_and(|t| !t.valid()) {
        return Err(Errno::EINVAL);
    }
    let regs = [semid as u64, sops, nsops.into(), args.u64::<3>(), 0, 0].map(|r| r as register_t);
    match semop(lwp, &regs, timeout) {
        Ok(()) => Ok(0),
        // Linux never restarts semop(2).
        Err(e) if e.get() == sys::ERESTART => Err(Errno::EINTR),
        Err(e) => Err(e),
    }
}

/// NetBSD 11: the native call; a wait it ended without a signal pending
/// was the timeout.
#[cfg(netbsd_semtimedop)]
fn semop(lwp: &Lwp, regs: &[register_t; 6], timeout: Option<Timeout>) -> Result<(), Errno> {
    let mut retval: [register_t; 2] = [0; 2];
    // SAFETY: the calling LWP, argument registers laid out as
    // sys_semtimedop_args (user pointers the callee copies in) and a
    // result slot.
    let result = Errno::check(unsafe {
        sys::sys_semtimedop(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
    });
    match result {
        Err(e) if timeout.is_some() && e == Errno::ETIMEDOUT => Err(Errno::EAGAIN),
        Err(e)
            if timeout.is_some()
                && (e == Errno::EINTR || e.get() == sys::ERESTART)
                && !lwp.signal_pending() =>
        {
            Err(Errno::EAGAIN)
        }
        other => other,
    }
}

/// NetBSD 10: semop(2), its sleep ended by a callout when there is a
/// timeout.
#[cfg(not(netbsd_semtimedop))]
fn semop(lwp: &Lwp, regs: &[register_t; 6], timeout: Option<Timeout>) -> Result<(), Errno> {
    let mut retval: [register_t; 2] = [0; 2];
    let Some(timeout) = timeout else {
        // SAFETY: the calling LWP, argument registers laid out as
        // sys_semop_args (a user pointer the callee copies in) and a result
        // slot.
        return Errno::check(unsafe {
            sys::sys_semop(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
        });
    };
    // SAFETY: reads the kernel's clock rate.
    let ticks = timeout.ticks(i64::from(unsafe { sys::hz }));
    let mut expired = false;
    // SAFETY: as above; the shim runs sys_semop for the calling LWP and
    // writes the flag.
    let result = Errno::check(unsafe {
        sys::clrs_semop_timed(
            lwp.as_ptr(),
            regs.as_ptr().cast(),
            retval.as_mut_ptr(),
            ticks,
            &mut expired,
        )
    });
    match result {
        Err(e)
            if expired
                && (e == Errno::EINTR || e.get() == sys::ERESTART)
                && !lwp.signal_pending() =>
        {
            Err(Errno::EAGAIN)
        }
        other => other,
    }
}

#[cfg(test)]
#[path = "tests/semtimedop.rs"]
mod tests;
