//! clone3(2): create a thread or process, with arguments in a structure.
//!
//! Linux contract (`kernel/fork.c`, clone(2)):
//! `long clone3(struct clone_args *args, size_t size)`
//! - `size` above a page → `E2BIG`, below 64 (`CLONE_ARGS_SIZE_VER0`) →
//!   `EINVAL`; bytes past the structure this kernel knows must be zero,
//!   else `E2BIG`; an unreadable structure → `EFAULT`; after the checks
//!   of `set_tid_size`, `exit_signal` and `cgroup` below, an unreadable
//!   `set_tid` array → `EFAULT`;
//! - `EINVAL` for: `set_tid_size` above 32 or not matching `set_tid`;
//!   `exit_signal` above 64 (`_NSIG`); `CLONE_INTO_CGROUP` with a cgroup
//!   above `INT_MAX` or a structure too short to hold it; flags outside the
//!   low 32 bits, `CLONE_CLEAR_SIGHAND` and `CLONE_INTO_CGROUP`;
//!   `CLONE_DETACHED` or a signal number in the flags; `CLONE_SIGHAND` with
//!   `CLONE_CLEAR_SIGHAND`; `exit_signal` with `CLONE_THREAD` or
//!   `CLONE_PARENT`; a `stack` without `stack_size` or the reverse, or a
//!   stack reaching past user space; `CLONE_NEWNS` or `CLONE_NEWUSER` with
//!   `CLONE_FS`; `CLONE_THREAD` without `CLONE_SIGHAND`, or with
//!   `CLONE_NEWUSER` or `CLONE_NEWPID`; `CLONE_SIGHAND` without `CLONE_VM`;
//!   `CLONE_PIDFD` with `CLONE_PARENT_SETTID` and the same address for both;
//! - otherwise as clone(2), with the stack given as its lowest address and
//!   size; returns the child's TID in the parent and 0 in the child.
//!
//! On NetBSD the call becomes compat_linux's clone(2) (`linux_sys_clone`)
//! with the stack's top, which serves glibc's pthread_create
//! (`CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|
//! CHILD_CLEARTID`) and posix_spawn (`CLONE_VM|CLONE_VFORK` with a stack).
//!
//! `CLONE_PIDFD` makes a pidfd of the child (`pidfd.rs`), close-on-exec,
//! and stores its number, an `int`, at `pidfd` before the child is made
//! (`EFAULT` there, and no child); the child's exit makes it readable.
//! The module reserves the descriptor, stores its number, has the child
//! made, then finds the child by its ID under `proc_lock` (a child that
//! has exited already gets a pidfd of its zombie, or, reaped by another
//! thread meanwhile, of a process gone) and installs the pidfd: the child
//! cannot be held before it exists, so the pidfd is attached to it just
//! after, waiting (uninterruptibly) while the child is in an exec.
//!
//! Not provided, and failing with `ENOSYS`: `set_tid`, `CLONE_PIDFD` with
//! `CLONE_THREAD` (a pidfd of a thread, Linux 6.9),
//! `CLONE_PARENT`, `CLONE_PTRACE`, `CLONE_CLEAR_SIGHAND`,
//! `CLONE_INTO_CGROUP`, `CLONE_NEWTIME` and the namespace flags; and
//! `CLONE_SETTLS` or `CLONE_CHILD_CLEARTID` without `CLONE_THREAD`, which
//! compat_linux's clone honours for a thread only (its fork path in
//! `linux_sched.c` leaves them out): the call fails rather than drop a
//! flag. `ENOSYS` because glibc's clone3 users fall back to clone(2) on
//! `ENOSYS` and only on it; any other errno would make pthread_create or
//! posix_spawn fail. `CLONE_PARENT_SETTID` without `CLONE_THREAD`, which
//! that fork path leaves out too, the module does itself once the clone
//! has returned; Linux stores the ID before the child first runs, so a
//! child that shares the memory may find it unset at first.
//!
//! Deviations: `CLONE_SYSVSEM` is accepted and dropped: threads share their
//! process's SysV undo list anyway, and separate processes cannot share one
//! on NetBSD. A namespace flag gives `ENOSYS` even in a combination Linux
//! refuses with `EINVAL` (`CLONE_NEWIPC` with `CLONE_SYSVSEM`, checked by
//! `copy_namespaces` after the flag's own privilege check). `CLONE_IO` and `CLONE_UNTRACED` are accepted and have no
//! effect, as on a Linux without I/O contexts or tracers.

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::lwp::Lwp;
use crate::pidfd::{PidProc, Slot};
use crate::process::{self, Identity, ProcTable, State};
use crate::sys::{self, register_t};
use crate::user::{UserAddr, UserPtr};

/// Linux amd64 system call number.
pub const NR: u16 = 435;

bitflags! {
    /// `CLONE_*` of `include/uapi/linux/sched.h`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct CloneFlags: u64 {
        /// New time namespace (shares its bit with the signal field).
        const NEWTIME = 0x80;
        /// Share the address space.
        const VM = 0x100;
        /// Share the root, working directory and umask.
        const FS = 0x200;
        /// Share the descriptor table.
        const FILES = 0x400;
        /// Share signal handlers.
        const SIGHAND = 0x800;
        /// Return a pidfd.
        const PIDFD = 0x1000;
        /// Trace the child as the parent is traced.
        const PTRACE = 0x2000;
        /// Suspend the parent until the child execs or exits.
        const VFORK = 0x4000;
        /// The child's parent is the caller's parent.
        const PARENT = 0x8000;
        /// A thread of the same process.
        const THREAD = 0x10000;
        /// New mount namespace.
        const NEWNS = 0x20000;
        /// Share SysV semaphore undo values.
        const SYSVSEM = 0x40000;
        /// Set the thread pointer to `tls`.
        const SETTLS = 0x80000;
        /// Store the child's TID at `parent_tid`.
        const PARENT_SETTID = 0x100000;
        /// Clear `child_tid` and wake a futex there when the child exits.
        const CHILD_CLEARTID = 0x200000;
        /// Obsolete; rejected by clone3.
        const DETACHED = 0x400000;
        /// A tracer cannot force CLONE_PTRACE.
        const UNTRACED = 0x800000;
        /// Store the child's TID at `child_tid` in the child.
        const CHILD_SETTID = 0x1000000;
        /// New cgroup namespace.
        const NEWCGROUP = 0x2000000;
        /// New UTS namespace.
        const NEWUTS = 0x4000000;
        /// New IPC namespace.
        const NEWIPC = 0x8000000;
        /// New user namespace.
        const NEWUSER = 0x10000000;
        /// New PID namespace.
        const NEWPID = 0x20000000;
        /// New network namespace.
        const NEWNET = 0x40000000;
        /// Share the I/O context.
        const IO = 0x80000000;
        /// Reset the child's signal handlers to the default.
        const CLEAR_SIGHAND = 1 << 32;
        /// Place the child in the cgroup `cgroup`.
        const INTO_CGROUP = 1 << 33;
    }
}

/// The bits of clone(2)'s flags word that carry the exit signal.
const CSIGNAL: u64 = 0xff;
/// Linux `_NSIG`: the highest valid signal number.
const NSIG: u64 = 64;
/// Linux `MAX_PID_NS_LEVEL`.
const MAX_PID_NS_LEVEL: u64 = 32;
/// Linux's highest user address on amd64 (`TASK_SIZE_MAX`).
const TASK_SIZE_MAX: u64 = (1 << 47) - 4096;

/// Flags clone(2) is given; the other accepted ones have no effect here.
const PASSED_ON: CloneFlags = CloneFlags::VM
    .union(CloneFlags::FS)
    .union(CloneFlags::FILES)
    .union(CloneFlags::SIGHAND)
    .union(CloneFlags::VFORK)
    .union(CloneFlags::THREAD)
    .union(CloneFlags::SETTLS)
    .union(CloneFlags::PARENT_SETTID)
    .union(CloneFlags::CHILD_CLEARTID)
    .union(CloneFlags::CHILD_SETTID);

/// Valid on Linux, but not provided: `ENOSYS` (see the module comment).
const NOT_PROVIDED: CloneFlags = CloneFlags::PARENT
    .union(CloneFlags::PTRACE)
    .union(CloneFlags::CLEAR_SIGHAND)
    .union(CloneFlags::INTO_CGROUP)
    .union(CloneFlags::NEWTIME)
    .union(CloneFlags::NEWNS)
    .union(CloneFlags::NEWCGROUP)
    .union(CloneFlags::NEWUTS)
    .union(CloneFlags::NEWIPC)
    .union(CloneFlags::NEWUSER)
    .union(CloneFlags::NEWPID)
    .union(CloneFlags::NEWNET);

/// What compat_linux's clone does for a thread only (`linux_clone_nptl`),
/// which its fork path would drop, and the module cannot do for it.
const THREAD_ONLY: CloneFlags = CloneFlags::SETTLS.union(CloneFlags::CHILD_CLEARTID);

/// `struct clone_args`: eleven `__aligned_u64` (`CLONE_ARGS_SIZE_VER2`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloneArgs {
    /// `flags`, `pidfd`, `child_tid`, `parent_tid`, `exit_signal`, `stack`,
    /// `stack_size`, `tls`, `set_tid`, `set_tid_size`, `cgroup`.
    pub fields: [u64; 11],
}

const SIZE_VER0: usize = 64;
const SIZE_VER2: usize = 88;
const PAGE_SIZE: usize = sys::PAGE_SIZE as usize;

impl CloneArgs {
    fn flags(&self) -> u64 {
        self.fields[0]
    }
    fn pidfd(&self) -> u64 {
        self.fields[1]
    }
    fn child_tid(&self) -> u64 {
        self.fields[2]
    }
    fn parent_tid(&self) -> u64 {
        self.fields[3]
    }
    fn exit_signal(&self) -> u64 {
        self.fields[4]
    }
    fn stack(&self) -> u64 {
        self.fields[5]
    }
    fn stack_size(&self) -> u64 {
        self.fields[6]
    }
    fn tls(&self) -> u64 {
        self.fields[7]
    }
    fn set_tid(&self) -> u64 {
        self.fields[8]
    }
    fn set_tid_size(&self) -> u64 {
        self.fields[9]
    }
    fn cgroup(&self) -> u64 {
        self.fields[10]
    }

    /// Copies `size` bytes of a `struct clone_args` in, as Linux's
    /// copy_struct_from_user: a shorter one is zero-extended, a longer one
    /// must be zero past what is known.
    pub fn copy_in(uargs: UserAddr, size: usize) -> Result<CloneArgs, Errno> {
        if size > PAGE_SIZE {
            return Err(Errno::E2BIG);
        }
        if size < SIZE_VER0 {
            return Err(Errno::EINVAL);
        }
        let mut chunk = [0u8; 64];
        let mut at = SIZE_VER2;
        while at < size {
            let n = chunk.len().min(size - at);
            uargs.offset(at).read_into(&mut chunk[..n])?;
            if chunk[..n].iter().any(|&b| b != 0) {
                return Err(Errno::E2BIG);
            }
            at += n;
        }
        let mut bytes = [0u8; SIZE_VER2];
        uargs.read_into(&mut bytes[..size.min(SIZE_VER2)])?;
        let mut args = CloneArgs::default();
        for (field, raw) in args.fields.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(raw);
            *field = u64::from_ne_bytes(word);
        }
        Ok(args)
    }

    /// Linux's checks, in its order (`copy_clone_args_from_user`, then
    /// `clone3_args_valid`); `size` is the structure's size.
    pub fn validate(&self, size: usize) -> Result<CloneFlags, Errno> {
        let einval = Err(Errno::EINVAL);
        if self.set_tid_size() > MAX_PID_NS_LEVEL
            || (self.set_tid() == 0) != (self.set_tid_size() == 0)
        {
            return einval;
        }
        if self.exit_signal() & !CSIGNAL != 0 || self.exit_signal() > NSIG {
            return einval;
        }
        if self.flags() & CloneFlags::INTO_CGROUP.bits() != 0
            && (self.cgroup() > i32::MAX as u64 || size < SIZE_VER2)
        {
            return einval;
        }
        if self.set_tid() != 0 {
            // Linux copies the array in here; its `pid_t`s are not used.
            let mut set_tid = [0u8; MAX_PID_NS_LEVEL as usize * 4];
            let len = self.set_tid_size() as usize * 4;
            UserAddr::new(self.set_tid()).read_into(set_tid.get_mut(..len).unwrap_or_default())?;
        }
        let flags = CloneFlags::from_bits(self.flags()).ok_or(Errno::EINVAL)?;
        if self.flags() & (CloneFlags::DETACHED.bits() | (CSIGNAL & !CloneFlags::NEWTIME.bits()))
            != 0
            || flags.contains(CloneFlags::SIGHAND | CloneFlags::CLEAR_SIGHAND)
            || (flags.intersects(CloneFlags::THREAD | CloneFlags::PARENT)
                && self.exit_signal() != 0)
            || !self.stack_valid()
        {
            return einval;
        }
        if flags.contains(CloneFlags::PIDFD | CloneFlags::PARENT_SETTID)
            && self.pidfd() == self.parent_tid()
        {
            return einval;
        }
        if flags.contains(CloneFlags::NEWNS | CloneFlags::FS)
            || flags.contains(CloneFlags::NEWUSER | CloneFlags::FS)
            || (flags.contains(CloneFlags::THREAD) && !flags.contains(CloneFlags::SIGHAND))
            || (flags.contains(CloneFlags::SIGHAND) && !flags.contains(CloneFlags::VM))
            || (flags.contains(CloneFlags::THREAD)
                && flags.intersects(CloneFlags::NEWUSER | CloneFlags::NEWPID))
        {
            return einval;
        }
        if flags.intersects(NOT_PROVIDED)
            || self.set_tid() != 0
            || (!flags.contains(CloneFlags::THREAD) && flags.intersects(THREAD_ONLY))
            || flags.contains(CloneFlags::PIDFD | CloneFlags::THREAD)
        {
            return Err(Errno::ENOSYS);
        }
        Ok(flags)
    }

    fn stack_valid(&self) -> bool {
        match (self.stack(), self.stack_size()) {
            (0, 0) => true,
            (0, _) | (_, 0) => false,
            (stack, size) => stack
                .checked_add(size)
                .is_some_and(|end| end <= TASK_SIZE_MAX),
        }
    }

    /// compat_linux's clone(2) arguments: flags with the exit signal,
    /// stack top, parent TID, child TID, TLS.
    pub fn clone_registers(&self, flags: CloneFlags) -> [register_t; 6] {
        let clone_flags = (flags & PASSED_ON).bits() | self.exit_signal();
        let stack_top = if self.stack() == 0 {
            0
        } else {
            self.stack() + self.stack_size()
        };
        [
            clone_flags,
            stack_top,
            self.parent_tid(),
            self.child_tid(),
            self.tls(),
            0,
        ]
        .map(|r| r as register_t)
    }
}

/// The handler.
pub fn clone3(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let size = usize::try_from(args.u64::<1>()).map_err(|_| Errno::E2BIG)?;
    let clone_args = CloneArgs::copy_in(UserAddr::new(args.u64::<0>()), size)?;
    let flags = clone_args.validate(size)?;
    // The pidfd's descriptor, reserved and its number stored before the
    // child is made, as Linux does; given back on any failure.
    let pidfd = if flags.contains(CloneFlags::PIDFD) {
        let slot = Slot::reserve(lwp)?;
        UserPtr::<u32>::new(clone_args.pidfd()).write(&(slot.fd() as u32))?;
        Some(slot)
    } else {
        None
    };
    let regs = clone_args.clone_registers(flags);
    let mut retval: [register_t; 2] = [0; 2];
    // SAFETY: six argument registers laid out as linux_sys_clone_args, the
    // calling LWP, and a result slot; compat_linux's handler follows the
    // sysent convention like ours.
    Errno::check(unsafe {
        sys::linux_sys_clone(lwp.as_ptr(), regs.as_ptr().cast(), retval.as_mut_ptr())
    })?;
    if let Some(slot) = pidfd {
        slot.install(lwp, child(lwp, retval[0] as i32)?, false);
    }
    if flags.contains(CloneFlags::PARENT_SETTID) && !flags.contains(CloneFlags::THREAD) {
        // As Linux's put_user in kernel_clone, a fault is not the call's
        // failure: the child exists.
        let _ = UserPtr::<u32>::new(clone_args.parent_tid()).write(&(retval[0] as u32));
    }
    Ok(retval[0])
}

/// The pidfd state of the child `pid` compat_linux's clone just made (or
/// of its zombie, or of a process gone if another thread reaped it), its
/// parent the caller's process, which tells it from a later process with
/// its ID.
fn child(lwp: &Lwp, pid: i32) -> Result<PidProc, Errno> {
    loop {
        let table = ProcTable::lock();
        let Some(p) = table.find(pid).filter(|p| p.is_child_of(lwp.proc_ptr())) else {
            drop(table);
            return PidProc::exited(&Identity::gone(pid));
        };
        let identity = p.identity();
        match p.state() {
            State::Exited => {
                drop(table);
                return PidProc::exited(&identity);
            }
            State::Live | State::Exiting | State::Embryo => {
                if let Some(held) = p.try_hold() {
                    drop(table);
                    return PidProc::attach(&held, &identity);
                }
            }
        }
        drop(table);
        // The child exists: the call cannot be made again.
        let _ = process::wait_a_tick(false);
    }
}

#[cfg(test)]
#[path = "tests/clone3.rs"]
mod tests;
