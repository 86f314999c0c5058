//! pidfd_send_signal(2): send a signal to the process a pidfd refers to.
//!
//! Linux contract (`kernel/signal.c` of 6.x, pidfd_send_signal(2)):
//! `int pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
//! unsigned int flags)`, checked in this order:
//! 1. `flags` other than one of `PIDFD_SIGNAL_THREAD`,
//!    `PIDFD_SIGNAL_THREAD_GROUP` and `PIDFD_SIGNAL_PROCESS_GROUP` →
//!    `EINVAL`; they pick whom the signal goes to: the thread whose ID is
//!    the process's, the process (the default), or the process group
//!    whose ID is the process's;
//! 2. `pidfd` not open → `EBADF`; open but not a pidfd → `EBADF` (a
//!    `/proc/PID` directory is taken for its process, see below);
//!    `PIDFD_SELF_THREAD` (-10000) and `PIDFD_SELF_THREAD_GROUP` (-10001)
//!    stand for the calling thread and its process;
//! 3. with `info`: the first 48 bytes unreadable → `EFAULT`; an `si_code`
//!    whose layout Linux does not know with any of the other 80 bytes not
//!    zero → `E2BIG` (`EFAULT` if unreadable); `si_signo` other than
//!    `sig` → `EINVAL`; an `si_code` of 0 or above, or `SI_TKILL`, to
//!    anything but the calling thread itself (or its process, from the
//!    thread whose ID is the process's) → `EPERM`, since such codes say
//!    the kernel or kill(2) sent the signal;
//! 4. the process has been reaped → `ESRCH` (the process group: none
//!    left → `ESRCH`);
//! 5. `sig` outside 0 to 64 → `EINVAL`; no permission, as kill(2) →
//!    `EPERM`;
//! 6. `sig` 0 only checks; a zombie is not signalled, and that is success.
//!
//! Without `info` the target gets `SI_USER` (`SI_TKILL` for a thread),
//! the caller's process ID and real user ID.
//!
//! On NetBSD the permission is kauth(9)'s `KAUTH_PROCESS_SIGNAL`, which
//! kill(2) asks for, and the signal goes through kpsignal2 (kill1 in
//! `sys_sig.c`), with `proc_lock` and the process's `p_lock` held; a
//! process group's members are asked for and signalled one by one.
//!
//! Deviations: kill(2)'s permission is NetBSD's (secmodel_suser and the
//! signal listener of `kern_sig.c`): root, or a real or effective user ID
//! of the caller equal to the target's real or effective one (Linux
//! compares with the target's real and saved IDs), or `SIGCONT` within the
//! session. A `/proc/PID` directory descriptor is refused with `EBADF`:
//! NetBSD's procfs names a process by its ID alone, so such a descriptor
//! could signal a later process that took the ID. Linux signals 16
//! (`SIGSTKFLT`), 63 and 64, which NetBSD does not have, give `EINVAL`.
//! Of a siginfo, `si_errno` is kept only where the Linux and NetBSD
//! numbers agree (1 to 34, else 0); `SI_SIGIO` arrives as `SI_TKILL`, the
//! one Linux code NetBSD's Linux emulation cannot give back; kernel codes
//! (above 0, allowed to oneself) keep the fields NetBSD's siginfo has.

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::pidfd::{PidProc, PidfdRef, Status};
use crate::process::ProcTable;
use crate::sys::{self, register_t};
use crate::user::UserAddr;

/// Linux amd64 system call number.
pub const NR: u16 = 424;

/// `PIDFD_SIGNAL_*` of `include/uapi/linux/pidfd.h`.
const SIGNAL_THREAD: u32 = 1;
const SIGNAL_THREAD_GROUP: u32 = 2;
const SIGNAL_PROCESS_GROUP: u32 = 4;
/// `PIDFD_SELF_THREAD` and `PIDFD_SELF_THREAD_GROUP`.
const SELF_THREAD: i32 = -10000;
const SELF_THREAD_GROUP: i32 = -10001;

/// Linux's `_NSIG`: signals are 1 to 64.
const LINUX_NSIG: i32 = 64;

/// Linux's `si_code` values that matter here (`include/uapi/asm-generic/siginfo.h`).
const SI_USER: i32 = 0;
const SI_KERNEL: i32 = 0x80;
const SI_MESGQ: i32 = -3;
const SI_ASYNCIO: i32 = -4;
const SI_SIGIO: i32 = -5;
const SI_TKILL: i32 = -6;
const SI_DETHREAD: i32 = -7;
const SI_ASYNCNL: i32 = -60;

/// Linux signal numbers whose positive `si_code` values have a layout of
/// their own, and the highest such code (Linux 6.18's `NSIG*`).
const SIGNAL_CODES: [(i32, i32); 8] = [
    (4, 11),  // SIGILL, NSIGILL
    (8, 15),  // SIGFPE, NSIGFPE
    (11, 10), // SIGSEGV, NSIGSEGV
    (7, 5),   // SIGBUS, NSIGBUS
    (5, 6),   // SIGTRAP, NSIGTRAP
    (17, 6),  // SIGCHLD, NSIGCHLD
    (29, 6),  // SIGPOLL, NSIGPOLL
    (31, 2),  // SIGSYS, NSIGSYS
];
/// `NSIGPOLL`: the positive codes any other signal may have.
const NSIGPOLL: i32 = 6;

/// Linux's `siginfo_t` (128 bytes), of which the kernel keeps the first
/// 48 (`struct kernel_siginfo`).
const SIGINFO_SIZE: usize = 128;
const KERNEL_SIGINFO_SIZE: usize = 48;

/// A Linux siginfo as copied in.
pub struct LinuxSiginfo([u8; KERNEL_SIGINFO_SIZE]);

impl LinuxSiginfo {
    fn int(&self, at: usize) -> i32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.0[at..at + 4]);
        i32::from_ne_bytes(b)
    }

    fn long(&self, at: usize) -> i64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[at..at + 8]);
        i64::from_ne_bytes(b)
    }

    fn signo(&self) -> i32 {
        self.int(0)
    }

    fn code(&self) -> i32 {
        self.int(8)
    }

    /// Copies a siginfo in as `copy_siginfo_from_user` does.
    pub fn copy_in(addr: UserAddr) -> Result<LinuxSiginfo, Errno> {
        let mut info = LinuxSiginfo([0; KERNEL_SIGINFO_SIZE]);
        addr.read_into(&mut info.0)?;
        if !known_layout(info.signo(), info.code()) {
            let mut rest = [0u8; SIGINFO_SIZE - KERNEL_SIGINFO_SIZE];
            addr.offset(KERNEL_SIGINFO_SIZE).read_into(&mut rest)?;
            if rest.iter().any(|&b| b != 0) {
                return Err(Errno::E2BIG);
            }
        }
        Ok(info)
    }

    /// NetBSD's siginfo for it, to signal `native` (NetBSD's number).
    fn to_native(&self, native: i32) -> sys::_ksiginfo {
        let code = self.code();
        let errno = self.int(4);
        // SAFETY: plain data, for which zero is a valid value.
        let mut ksi: sys::_ksiginfo = unsafe { core::mem::zeroed() };
        ksi._signo = native;
        ksi._code = native_code(code);
        // NetBSD's Linux emulation looks the number up, unchecked, when
        // it hands the siginfo to a Linux handler; 1 to 34 agree.
        ksi._errno = if (1..=34).contains(&errno) { errno } else { 0 };
        if code > 0 && code != SI_KERNEL {
            match native as u32 {
                sys::SIGCHLD => {
                    ksi._reason._child._pid = self.int(16);
                    ksi._reason._child._uid = self.int(20) as u32;
                    ksi._reason._child._status = self.int(24);
                    ksi._reason._child._utime = self.long(32) as _;
                    ksi._reason._child._stime = self.long(40) as _;
                    return ksi;
                }
                sys::SIGILL | sys::SIGFPE | sys::SIGSEGV | sys::SIGBUS | sys::SIGTRAP => {
                    ksi._reason._fault._addr = self.long(16) as usize as *mut _;
                    return ksi;
                }
                sys::SIGIO => {
                    ksi._reason._poll._band = self.long(16);
                    ksi._reason._poll._fd = self.int(24);
                    return ksi;
                }
                _ => {}
            }
        }
        ksi._reason._rt._pid = self.int(16);
        ksi._reason._rt._uid = self.int(20) as u32;
        ksi._reason._rt._value.sival_ptr = self.long(24) as usize as *mut _;
        ksi
    }
}

/// Linux's `known_siginfo_layout`.
fn known_layout(signo: i32, code: i32) -> bool {
    if code == SI_KERNEL {
        return true;
    }
    if code > SI_USER {
        let limit = SIGNAL_CODES
            .iter()
            .find(|&&(s, _)| s == signo)
            .map_or(NSIGPOLL, |&(_, l)| l);
        return code <= limit;
    }
    code >= SI_DETHREAD || code == SI_ASYNCNL
}

/// NetBSD's `si_code` that NetBSD's Linux emulation turns back into Linux
/// `code` (`native_to_linux_si_code`, linux_signal.c).
fn native_code(code: i32) -> i32 {
    match code {
        SI_MESGQ => sys::SI_MESGQ,
        SI_ASYNCIO => sys::SI_ASYNCIO,
        SI_TKILL | SI_SIGIO => sys::SI_LWP,
        other => other,
    }
}

/// Whom the signal goes to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// One thread of the process: LWP `lid`.
    Thread(i32),
    /// The process.
    Process,
    /// The process group whose ID is the process's.
    Group,
}

/// Whom `pidfd` names: a pidfd's process, or the caller's own.
enum Target {
    Pidfd(PidProc),
    Caller,
}

impl Target {
    /// Its process ID.
    fn pid(&self, lwp: &Lwp) -> i32 {
        match self {
            Target::Pidfd(pp) => pp.identity().pid,
            Target::Caller => lwp.process().pid,
        }
    }

    /// Whether it is the caller's process.
    fn is_caller(&self, lwp: &Lwp) -> bool {
        match self {
            Target::Pidfd(pp) => core::ptr::eq(pp.identity().proc, lwp.proc_ptr()),
            Target::Caller => true,
        }
    }

    /// What has become of it (`proc_lock` held).
    fn status<'t>(&self, lwp: &Lwp, table: &'t ProcTable) -> Status<'t> {
        match self {
            Target::Pidfd(pp) => pp.status(table),
            // The caller's process is alive while it makes the call.
            Target::Caller => table
                .find(lwp.process().pid)
                .map_or(Status::Reaped, Status::Live),
        }
    }
}

/// The handler.
pub fn pidfd_send_signal(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let pidfd = args.int::<0>();
    let sig = args.int::<1>();
    let info_addr = args.u64::<2>();
    let flags = args.uint::<3>();
    if flags & !(SIGNAL_THREAD | SIGNAL_THREAD_GROUP | SIGNAL_PROCESS_GROUP) != 0
        || flags.count_ones() > 1
    {
        return Err(Errno::EINVAL);
    }

    // The target and the scope its pidfd gives, then the flag's.
    let (target, scope) = match pidfd {
        SELF_THREAD => (Target::Caller, Scope::Thread(lwp.lid())),
        SELF_THREAD_GROUP => (Target::Caller, Scope::Process),
        _ => (
            Target::Pidfd(PidfdRef::get(pidfd)?.process()),
            Scope::Process,
        ),
    };
    let pid = target.pid(lwp);
    let scope = match flags {
        SIGNAL_THREAD => Scope::Thread(pid),
        SIGNAL_THREAD_GROUP => Scope::Process,
        SIGNAL_PROCESS_GROUP => Scope::Group,
        _ => scope,
    };

    let info = if info_addr != 0 {
        let info = LinuxSiginfo::copy_in(UserAddr::new(info_addr))?;
        if info.signo() != sig {
            return Err(Errno::EINVAL);
        }
        // Linux: whether the target's struct pid is the calling thread's.
        let to_itself = target.is_caller(lwp)
            && match scope {
                Scope::Thread(lid) => lid == lwp.lid(),
                Scope::Process => pid == lwp.lid(),
                Scope::Group => false,
            };
        if !to_itself && (info.code() >= 0 || info.code() == SI_TKILL) {
            return Err(Errno::EPERM);
        }
        Some(info)
    } else {
        None
    };

    let table = ProcTable::lock();
    let status = target.status(lwp, &table);
    let found = match scope {
        Scope::Group => table.group_exists(pid),
        _ => !matches!(status, Status::Reaped),
    };
    if !found {
        return Err(Errno::ESRCH);
    }
    if !(0..=LINUX_NSIG).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: compat_linux's table, bounds-checked by the shim.
    let native = unsafe { sys::clrs_linux_to_native_signo(sig) };
    if sig != 0 && native == 0 {
        return Err(Errno::EINVAL);
    }
    let ksi = match info {
        Some(info) => info.to_native(native),
        None => {
            // SAFETY: plain data, for which zero is a valid value.
            let mut ksi: sys::_ksiginfo = unsafe { core::mem::zeroed() };
            ksi._signo = native;
            ksi._code = if matches!(scope, Scope::Thread(_)) {
                sys::SI_LWP
            } else {
                sys::SI_USER as i32
            };
            ksi._reason._rt._pid = lwp.process().pid;
            ksi._reason._rt._uid = lwp.cred().uid();
            ksi
        }
    };
    let cred = lwp.cred();
    match (scope, status) {
        (Scope::Group, _) => table.signal_group(cred, pid, &ksi)?,
        (Scope::Thread(lid), Status::Live(p)) => p.signal(cred, &ksi, lid)?,
        (_, Status::Live(p)) => p.signal(cred, &ksi, 0)?,
        // A zombie takes no signal, but the permission is still asked.
        (_, Status::Zombie(p)) => p.may_signal(cred, native)?,
        (_, Status::Reaped) => return Err(Errno::ESRCH),
    }
    Ok(0)
}

#[cfg(test)]
#[path = "tests/pidfd_send_signal.rs"]
mod tests;
