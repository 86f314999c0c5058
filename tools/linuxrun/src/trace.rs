//! Runs a Linux program under ptrace and routes the system calls the
//! module installed through its sysent handlers, over the kernel model.
//!
//! A seccomp filter (`filter.rs`), installed in the child before it execs
//! PROGRAM and inherited by its threads and children, stops it
//! (SECCOMP_RET_TRACE) on the routed numbers; calls compat_linux has run
//! on the host; calls it lacks fail with ENOSYS in the kernel, or stop too
//! when linuxrun counts or shows them. At a stop for a routed call, the
//! call is skipped (`orig_rax` = -1) and `rax` receives the handler's
//! result, or minus the Linux errno compat_linux's dispatcher would give;
//! or, where the handler asked compat_linux to clone, the call becomes
//! that clone(2), which the thread then makes itself. A call NetBSD lacks
//! is skipped with ENOSYS, or left to run on the host (`--host-syscalls`).

use std::collections::{HashMap, HashSet};
use std::ffi::{CString, OsString, c_int};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::mpsc;

use nix::errno::Errno;
use nix::libc;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::ptrace::{self, Event, Options};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, raise};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, execvp, fork};

use crate::filter::{self, Filter};
use crate::report::Seen;
use crate::table::{self, Release};
use crate::{errno, model};

/// NetBSD's ERESTART (`ffi/kpi.h`): the dispatcher restarts the call.
const ERESTART: c_int = -3;

/// A Linux system call to route: number, name, argument count, handler.
#[derive(Clone, Copy)]
pub struct Route {
    pub nr: usize,
    pub name: &'static str,
    pub narg: usize,
    pub call: model::SyCall,
    /// Whether the call can sleep (it then runs on a worker thread).
    pub sleeps: bool,
}

/// What linuxrun does with PROGRAM's system calls.
pub struct Plan {
    /// The calls the module installed.
    pub routes: Vec<Route>,
    /// What the kernel does with each number (stops are linuxrun's).
    pub filter: Filter,
    /// The release whose compat_linux table applies.
    pub release: Release,
    /// Whether a call NetBSD lacks runs on the host rather than failing
    /// with ENOSYS.
    pub host_syscalls: bool,
    /// Whether each call linuxrun serves is shown on stderr.
    pub trace: bool,
}

/// Runs `program` to its end as `plan` says; returns its exit status (128
/// + the signal that killed it) and the calls linuxrun saw.
pub fn run(program: &[OsString], plan: &Plan) -> Result<(u8, Seen), String> {
    let bpf = plan.filter.program();
    let argv: Vec<CString> = program
        .iter()
        .map(|a| CString::new(a.as_bytes()).map_err(|_| "a NUL in an argument".to_string()))
        .collect::<Result<_, _>>()?;

    // SIGCHLD is read from a signalfd, so every thread of linuxrun blocks
    // it (workers inherit the mask); the child unblocks it before exec.
    let sigchld = SigSet::from(Signal::SIGCHLD);
    let old_mask = sigchld
        .thread_swap_mask(SigmaskHow::SIG_BLOCK)
        .map_err(|e| format!("sigprocmask: {e}"))?;
    let sigfd = SignalFd::with_flags(&sigchld, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
        .map_err(|e| format!("signalfd: {e}"))?;
    let (wake_rx, wake_tx) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;

    // SAFETY: linuxrun has one thread here; the child only makes system
    // calls (sigprocmask, ptrace, kill, prctl, seccomp, execve, write)
    // and exits.
    let child = match unsafe { fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => exec_traced(&argv, &bpf, &old_mask),
        ForkResult::Parent { child } => child,
    };
    match waitpid(child, None) {
        Ok(WaitStatus::Stopped(_, Signal::SIGSTOP)) => {}
        other => return Err(format!("the child did not stop for tracing: {other:?}")),
    }
    let options = Options::PTRACE_O_TRACESECCOMP
        | Options::PTRACE_O_TRACECLONE
        | Options::PTRACE_O_TRACEFORK
        | Options::PTRACE_O_TRACEVFORK
        | Options::PTRACE_O_TRACEEXEC
        | Options::PTRACE_O_EXITKILL;
    ptrace::setoptions(child, options).map_err(|e| format!("ptrace options: {e}"))?;
    ptrace::cont(child, None).map_err(|e| format!("ptrace: {e}"))?;
    let (done_tx, done_rx) = mpsc::channel();
    Tracer {
        routes: plan.routes.iter().map(|r| (r.nr, *r)).collect(),
        release: plan.release,
        host_syscalls: plan.host_syscalls,
        trace: plan.trace,
        seen: Seen::default(),
        known: HashSet::from([child]),
        processes: HashMap::new(),
        announced: HashMap::new(),
        held: HashSet::new(),
        cloning: HashMap::new(),
        pidfds: HashMap::new(),
        main: child,
        status: 0,
        workers: 0,
        done_tx,
        done_rx,
        wake_tx,
    }
    .wait_all(&sigfd, wake_rx)
}

/// The child: stops for the tracer to set its options, then takes the
/// filter and becomes PROGRAM.
fn exec_traced(argv: &[CString], bpf: &[libc::sock_filter], mask: &SigSet) -> ! {
    let fail = |what: &[u8]| -> ! {
        // SAFETY: write(2) of a buffer we own, then _exit(2).
        unsafe {
            libc::write(2, what.as_ptr().cast(), what.len());
            libc::_exit(127)
        }
    };
    if mask.thread_set_mask().is_err() {
        fail(b"linuxrun: cannot restore the signal mask\n");
    }
    if ptrace::traceme().is_err() || raise(Signal::SIGSTOP).is_err() {
        fail(b"linuxrun: cannot be traced\n");
    }
    if filter::install(bpf).is_err() {
        fail(b"linuxrun: cannot install the seccomp filter\n");
    }
    let _ = execvp(&argv[0], argv);
    fail(b"linuxrun: cannot execute PROGRAM\n")
}

/// A routed call that has run: what goes back into the thread.
struct Done {
    tid: Pid,
    regs: libc::user_regs_struct,
    route: Route,
    args: [u64; 6],
    outcome: model::Outcome,
}

struct Tracer {
    routes: HashMap<usize, Route>,
    release: Release,
    host_syscalls: bool,
    trace: bool,
    /// The calls seen, for `--report`.
    seen: Seen,
    /// Threads seen stopped at least once or announced by a clone event.
    known: HashSet<Pid>,
    /// New threads and children a clone event announced, before their
    /// first stop, with the registers to give back to them (see
    /// `perform_clone`).
    announced: HashMap<Pid, Option<ArgRegs>>,
    /// New ones stopped before their clone event, while a clone the
    /// module asked for is under way: held until the event names them.
    held: HashSet<Pid>,
    /// Threads performing a clone for the module: their own argument
    /// registers, to restore, and the clone's.
    cloning: HashMap<Pid, (ArgRegs, ArgRegs)>,
    /// The process (thread group) of each thread that made a routed call.
    processes: HashMap<Pid, Pid>,
    /// A pidfd of each traced process (thread group), for its descriptors.
    pidfds: HashMap<Pid, OwnedFd>,
    /// PROGRAM's process and its exit status.
    main: Pid,
    status: u8,
    /// Calls running on worker threads, which report on `done_*` and
    /// wake the tracer through `wake_tx`.
    workers: usize,
    done_tx: mpsc::Sender<Done>,
    done_rx: mpsc::Receiver<Done>,
    wake_tx: std::io::PipeWriter,
}

impl Tracer {
    /// Serves every tracee until none is left; PROGRAM's exit status.
    ///
    /// Only this thread may use ptrace (it is the tracer). Calls that can
    /// sleep (semtimedop) run on a worker thread while it goes on serving
    /// the others; it sleeps in poll(2) until a tracee changes state
    /// (SIGCHLD) or a worker is done.
    fn wait_all(
        mut self,
        sigfd: &SignalFd,
        mut wake_rx: std::io::PipeReader,
    ) -> Result<(u8, Seen), String> {
        loop {
            loop {
                match waitpid(None, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) => break,
                    Ok(event) => self.handle(event)?,
                    Err(Errno::EINTR) => {}
                    Err(Errno::ECHILD) => {
                        // Tracees killed inside a call: their workers end
                        // within a clock tick; the module is in use until.
                        for _ in 0..self.workers {
                            let _ = self.done_rx.recv();
                        }
                        return Ok((self.status, self.seen));
                    }
                    Err(e) => return Err(format!("waitpid: {e}")),
                }
            }
            while let Ok(done) = self.done_rx.try_recv() {
                self.workers -= 1;
                self.finish(done)?;
            }
            let mut fds = [
                PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
                PollFd::new(wake_rx.as_fd(), PollFlags::POLLIN),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(format!("poll: {e}")),
            }
            while let Ok(Some(_)) = sigfd.read_signal() {}
            if fds[1].any() == Some(true) {
                let mut buf = [0u8; 64];
                let _ = wake_rx.read(&mut buf);
            }
        }
    }

    fn handle(&mut self, event: WaitStatus) -> Result<(), String> {
        // A tracee may be gone (killed) by the time it is continued.
        let resumed = match event {
            WaitStatus::Exited(pid, code) => {
                if pid == self.main {
                    self.status = code as u8;
                }
                self.gone(pid);
                Ok(())
            }
            WaitStatus::Signaled(pid, sig, _) => {
                if pid == self.main {
                    self.status = 128 + sig as u8;
                }
                self.gone(pid);
                Ok(())
            }
            WaitStatus::PtraceEvent(pid, _, ev) if ev == Event::PTRACE_EVENT_SECCOMP as i32 => {
                return self.route(pid);
            }
            WaitStatus::PtraceEvent(pid, _, ev) => {
                let new_child = [
                    Event::PTRACE_EVENT_CLONE,
                    Event::PTRACE_EVENT_FORK,
                    Event::PTRACE_EVENT_VFORK,
                ]
                .iter()
                .any(|&e| e as i32 == ev);
                match ptrace::getevent(pid) {
                    Ok(new) if new_child => self
                        .new_child(pid, Pid::from_raw(new as i32))
                        .and_then(|()| ptrace::cont(pid, None)),
                    // A thread that is not the leader took its TID in exec.
                    Ok(former) if ev == Event::PTRACE_EVENT_EXEC as i32 => {
                        let former = Pid::from_raw(former as i32);
                        if former != pid {
                            self.known.remove(&former);
                            self.processes.remove(&former);
                        }
                        ptrace::cont(pid, None)
                    }
                    _ => ptrace::cont(pid, None),
                }
            }
            WaitStatus::Stopped(pid, Signal::SIGSTOP) if !self.known.contains(&pid) => {
                // The first stop of a new thread or child, not a signal;
                // it may come before or after the clone event.
                match self.announced.remove(&pid) {
                    Some(fix) => self.first_stop(pid, fix),
                    None if !self.cloning.is_empty() => {
                        self.held.insert(pid);
                        Ok(())
                    }
                    None => self.first_stop(pid, None),
                }
            }
            WaitStatus::Stopped(pid, sig) => ptrace::cont(pid, Some(sig)),
            _ => Ok(()),
        };
        match resumed {
            Ok(()) | Err(Errno::ESRCH) => Ok(()),
            Err(e) => Err(format!("ptrace: {e}")),
        }
    }

    fn gone(&mut self, pid: Pid) {
        self.known.remove(&pid);
        self.processes.remove(&pid);
        self.pidfds.remove(&pid);
        self.cloning.remove(&pid);
    }

    /// `parent`'s clone event for `child`: a clone performed for the
    /// module gets the parent's argument registers back, and the child
    /// gets them too once it stops.
    fn new_child(&mut self, parent: Pid, child: Pid) -> Result<(), Errno> {
        let mut fix = None;
        if let Some((saved, clone)) = self.cloning.remove(&parent) {
            // Ours, unless that clone failed (no event) and this is the
            // thread's own clone or fork since.
            let regs = ptrace::getregs(parent)?;
            if regs.orig_rax == libc::SYS_clone as u64 && arg_regs(&regs) == clone {
                set_arg_regs(parent, saved)?;
                fix = Some(saved);
            }
        }
        if self.held.remove(&child) {
            self.first_stop(child, fix)
        } else {
            self.announced.insert(child, fix);
            Ok(())
        }
    }

    fn first_stop(&mut self, pid: Pid, fix: Option<ArgRegs>) -> Result<(), Errno> {
        self.known.insert(pid);
        if let Some(saved) = fix {
            set_arg_regs(pid, saved)?;
        }
        ptrace::cont(pid, None)
    }

    /// Runs the call thread `tid` stopped at through the module: here, or
    /// on a worker thread if it can sleep.
    fn route(&mut self, tid: Pid) -> Result<(), String> {
        let regs = match ptrace::getregs(tid) {
            Ok(regs) => regs,
            Err(Errno::ESRCH) => return Ok(()),
            Err(e) => return Err(format!("ptrace getregs: {e}")),
        };
        let nr = regs.orig_rax as usize;
        let Some(route) = self.routes.get(&nr).copied() else {
            return self.lacking(tid, regs);
        };
        let pid = self.process(tid)?;
        self.seen.served.record(nr as u64, pid);
        let cpu = last_cpu(tid)?;
        let pidfd = match self.pidfds.get(&pid) {
            Some(fd) => fd.as_raw_fd(),
            None => {
                let fd = pidfd_open(pid)?;
                let raw = fd.as_raw_fd();
                self.pidfds.insert(pid, fd);
                raw
            }
        };
        let call = model::UserCall {
            nr,
            pid: pid.as_raw(),
            pidfd,
            tid: tid.as_raw(),
            cpu,
            sp: regs.rsp,
            args: [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9],
        };
        let run = move || Done {
            tid,
            regs,
            route,
            args: call.args,
            outcome: model::call(route.call, &call),
        };
        if !route.sleeps {
            return self.finish(run());
        }
        let done_tx = self.done_tx.clone();
        let mut wake_tx = self.wake_tx.try_clone().map_err(|e| format!("pipe: {e}"))?;
        std::thread::Builder::new()
            .name(format!("linuxrun-{tid}"))
            .spawn(move || {
                let _ = done_tx.send(run());
                let _ = wake_tx.write_all(b"x");
            })
            .map_err(|e| format!("worker thread: {e}"))?;
        self.workers += 1;
        Ok(())
    }

    /// Thread `tid`'s process (thread group). A thread keeps its process
    /// until it execs (when it takes the leader's TID, or it is the
    /// leader) or exits.
    fn process(&mut self, tid: Pid) -> Result<Pid, String> {
        if let Some(&pid) = self.processes.get(&tid) {
            return Ok(pid);
        }
        let pid = process_of(tid)?;
        self.processes.insert(tid, pid);
        Ok(pid)
    }

    /// A call NetBSD lacks, stopped at to be counted or shown: it fails
    /// with ENOSYS as there, or runs on the host (`--host-syscalls`).
    fn lacking(&mut self, tid: Pid, mut regs: libc::user_regs_struct) -> Result<(), String> {
        let nr = regs.orig_rax;
        let pid = self.process(tid)?;
        self.seen.unserved.record(nr, pid);
        let name = table::name(nr);
        if self.host_syscalls {
            if self.trace {
                eprintln!(
                    "linuxrun: [{tid}] {nr} {name}: {} lacks it, run on the host",
                    self.release
                );
            }
            return match ptrace::cont(tid, None) {
                Ok(()) | Err(Errno::ESRCH) => Ok(()),
                Err(e) => Err(format!("ptrace: {e}")),
            };
        }
        let result = -i64::from(libc::ENOSYS);
        if self.trace {
            eprintln!(
                "linuxrun: [{tid}] {nr} {name} = {}: {} lacks it",
                describe(result),
                self.release
            );
        }
        regs.orig_rax = u64::MAX;
        regs.rax = result as u64;
        resume(tid, regs)
    }

    /// Puts a call's result into its thread and lets the thread go on.
    fn finish(&mut self, done: Done) -> Result<(), String> {
        let Done {
            tid,
            mut regs,
            route,
            args,
            outcome,
        } = done;
        let shown: Vec<String> = args[..route.narg]
            .iter()
            .map(|a| format!("{a:#x}"))
            .collect();
        if let (0, Some(clone)) = (outcome.error, outcome.clone) {
            return self.perform_clone(tid, regs, &route, &shown, clone);
        }
        let result = match outcome.error {
            0 => outcome.value,
            // The calls routed so far are not restarted after a signal
            // (semtimedop gives EINTR itself).
            ERESTART => -i64::from(libc::EINTR),
            e => -i64::from(errno::to_linux(e)),
        };
        if self.trace {
            eprintln!(
                "linuxrun: [{tid}] {} {}({}) = {}",
                route.nr,
                route.name,
                shown.join(", "),
                describe(result)
            );
        }
        regs.orig_rax = u64::MAX;
        regs.rax = result as u64;
        resume(tid, regs)
    }

    /// The module asked compat_linux to clone: the thread performs that
    /// clone(2) itself, in place of the call it stopped at, so the host
    /// creates the thread or process (followed, as every clone is) and
    /// returns the child's TID, or 0 in the child. CLONE_UNTRACED, which
    /// the module accepts as having no effect, is dropped: the child must
    /// stay traced for its own routed calls.
    ///
    /// clone(2) takes its arguments in registers that clone3 leaves alone
    /// (glibc's child finds its function and argument in them), so at the
    /// clone event both parent and child get their own values back. Only
    /// a clone that fails (no event) returns with them changed; the
    /// thread's next clone event is then told apart by its arguments.
    fn perform_clone(
        &mut self,
        tid: Pid,
        mut regs: libc::user_regs_struct,
        route: &Route,
        shown: &[String],
        [flags, stack, ptid, ctid, tls]: [u64; 5],
    ) -> Result<(), String> {
        let flags = flags & !(libc::CLONE_UNTRACED as u64);
        if self.trace {
            eprintln!(
                "linuxrun: [{tid}] {} {}({}) = clone({flags:#x}, {stack:#x}, {ptid:#x}, \
                 {ctid:#x}, {tls:#x}) by the thread",
                route.nr,
                route.name,
                shown.join(", ")
            );
        }
        let saved = arg_regs(&regs);
        regs.orig_rax = libc::SYS_clone as u64;
        (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8) = (flags, stack, ptid, ctid, tls);
        self.cloning.insert(tid, (saved, arg_regs(&regs)));
        resume(tid, regs)
    }
}

/// rdi, rsi, rdx, r10, r8: what clone(2) takes its arguments in.
type ArgRegs = [u64; 5];

fn arg_regs(regs: &libc::user_regs_struct) -> ArgRegs {
    [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8]
}

/// Gives thread `tid` back its argument registers.
fn set_arg_regs(tid: Pid, [rdi, rsi, rdx, r10, r8]: ArgRegs) -> Result<(), Errno> {
    let mut regs = ptrace::getregs(tid)?;
    (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8) = (rdi, rsi, rdx, r10, r8);
    ptrace::setregs(tid, regs)
}

/// Sets thread `tid`'s registers and lets it go on.
fn resume(tid: Pid, regs: libc::user_regs_struct) -> Result<(), String> {
    match ptrace::setregs(tid, regs).and_then(|()| ptrace::cont(tid, None)) {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(e) => Err(format!("ptrace: {e}")),
    }
}

/// A result as strace shows it: the value, or -1 and the errno's name.
fn describe(result: i64) -> String {
    if (-4095..0).contains(&result) {
        let e = Errno::from_raw(-result as i32);
        format!("-1 {e:?} ({})", -result)
    } else {
        result.to_string()
    }
}

/// Thread `tid`'s process (thread group).
fn process_of(tid: Pid) -> Result<Pid, String> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status"))
        .map_err(|e| format!("/proc/{tid}/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
        .map(Pid::from_raw)
        .ok_or_else(|| format!("/proc/{tid}/status: no Tgid"))
}

/// The CPU thread `tid` last ran on.
fn last_cpu(tid: Pid) -> Result<u32, String> {
    // proc_pid_stat(5): field 39, counted after the command's ')'.
    let stat = std::fs::read_to_string(format!("/proc/{tid}/stat"))
        .map_err(|e| format!("/proc/{tid}/stat: {e}"))?;
    let cpu = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(36))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("/proc/{tid}/stat: no processor"))?;
    Ok(cpu)
}

fn pidfd_open(pid: Pid) -> Result<OwnedFd, String> {
    // SAFETY: pidfd_open(2) with no flags; it returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    if fd < 0 {
        return Err(format!("pidfd_open({pid}): {}", Errno::last()));
    }
    // SAFETY: a descriptor just opened, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as c_int) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_as_strace_shows_them() {
        assert_eq!(describe(5), "5");
        assert_eq!(describe(-18), "-1 EXDEV (18)");
        assert_eq!(describe(i64::MIN), i64::MIN.to_string());
    }

    #[test]
    fn this_thread_is_described() {
        assert_eq!(process_of(Pid::this()).unwrap(), Pid::this());
        assert!(last_cpu(Pid::this()).is_ok());
    }
}
