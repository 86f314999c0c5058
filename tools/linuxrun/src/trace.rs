//! Runs a Linux program under ptrace and routes the system calls the
//! module installed through its sysent handlers, over the kernel model.
//!
//! A seccomp filter (`filter.rs`), installed in the child before it execs
//! PROGRAM and inherited by its threads and children, decides each call:
//! calls compat_linux has run on the host; calls it lacks fail with ENOSYS
//! in the kernel (or are counted and answered by linuxrun, for `--report`
//! and `--trace`); routed calls wait, asleep in the host kernel, for
//! linuxrun to answer them through the filter's listener (`notify.rs`).
//! Each runs on a worker thread (`Workers`) through the installed handler,
//! whose result, or minus the Linux errno compat_linux's dispatcher would
//! give, is the answer. clone3 instead stops the thread (ptrace), because
//! where the handler asks compat_linux to clone, the call becomes that
//! clone(2), which the thread then makes itself.
//!
//! A signal interrupts the wait as it interrupts any sleep in the host
//! kernel; ptrace stops the thread before the signal is delivered. If the
//! call is then running in the module, linuxrun tells from the signal's
//! disposition whether it ends the handler's sleeps as on NetBSD
//! (`procfs::Status::ends_sleep`). If it does, the thread stays stopped
//! until the handler is done and gets its result in its return register,
//! NetBSD's ERESTART as Linux's ERESTARTSYS (restarted after a handler with
//! SA_RESTART, EINTR after any other). If it does not (ignored, or a stop
//! signal), the thread takes the signal and makes the call again
//! (ERESTARTNOINTR), which waits, asleep, for the same run of the handler.
//! A call interrupted before linuxrun took it is made again too.
//!
//! Which call a signal interrupted is told by whether the worker's answer
//! went out (`Call::sent`, which the worker holds while it answers): if
//! not, the thread is still in the call linuxrun took; if so, it had the
//! answer and was interrupted in its next call, the same call again from
//! the same place as often as not. But the kernel drops an answer that
//! meets a signal the thread has just woken for (seccomp's "interrupted"
//! path in seccomp_do_user_notification), which no state of the thread's
//! tells from the next call. A signal the module sent came from a handler
//! before its answer, as a thread's own call signalling its process does
//! (SIGPIPE, kill, pidfd_send_signal): the call interrupted is the one
//! linuxrun took. Another signal that meets the answer has the call made
//! again and the handler run twice; a signal the module sent for another
//! thread's call that meets the next call gives it the last one's result.

use std::collections::{HashMap, HashSet};
use std::ffi::{CString, OsString, c_int};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use nix::errno::Errno;
use nix::libc;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::ptrace::{self, Event, Options};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, raise};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, execvp, fork};

use crate::filter::{self, Filter};
use crate::model::Cred;
use crate::notify::{self, Listener, Notification, Reply};
use crate::procfs::{self, Status};
use crate::report::Seen;
use crate::table::{self, Release};
use crate::{errno, model};

/// NetBSD's ERESTART (`ffi/kpi.h`): the dispatcher restarts the call.
const ERESTART: c_int = -3;
/// Linux's restart codes (`include/linux/errno.h`), which a system call
/// returns only to the kernel's signal delivery: restart if the handler
/// has SA_RESTART, else EINTR; restart always.
const ERESTARTSYS: i64 = 512;
const ERESTARTNOINTR: i64 = 513;

/// The calls that change a thread's IDs or groups (setuid, setgid,
/// setreuid, setregid, setgroups, setresuid, setresgid, setfsuid,
/// setfsgid): linuxrun is told of each and lets it run on the host, so that
/// it reads the thread's credential again before its next routed call.
/// Nothing else changes it: exec of a set-user-ID file does not under
/// no_new_privs, and user namespaces are not NetBSD's.
pub const CREDENTIAL_CALLS: &[u64] = &[105, 106, 113, 114, 116, 117, 119, 122, 123];

/// A Linux system call number no Linux has (the last of compat_linux's
/// table), which a thread makes only when linuxrun has it do so: to wait,
/// in a notification, while seccomp adds the descriptors a call made at a
/// ptrace stop gave its process (clone3's `CLONE_PIDFD`, see
/// `route_stop`).
pub const INSTALL_CALL: u64 = 511;
/// clone3 and clone(2), and `CLONE_PIDFD`.
const SYS_CLONE3: u64 = 435;
const CLONE_PIDFD: u64 = 0x1000;
/// NetBSD's ESRCH.
const NETBSD_ESRCH: c_int = 3;

/// How a routed call reaches linuxrun.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Seccomp user notification: the thread waits asleep.
    Notify,
    /// A ptrace stop, for a call that may become another (clone3).
    Stop,
}

/// A Linux system call to route: number, name, argument count, handler.
#[derive(Clone, Copy)]
pub struct Route {
    pub nr: u64,
    pub name: &'static str,
    pub narg: usize,
    pub call: model::SyCall,
    /// Whether the call can sleep (it then runs beside other calls).
    pub sleeps: bool,
    pub via: Via,
}

/// What linuxrun does with PROGRAM's system calls.
pub struct Plan {
    /// The calls the module installed.
    pub routes: Vec<Route>,
    /// What the kernel does with each number.
    pub filter: Filter,
    /// The module's entry in the slots compat_linux leaves empty, which
    /// records each call and answers ENOSYS (none: the slots stay empty).
    pub recorder: Option<model::SyCall>,
    /// The release whose compat_linux table applies.
    pub release: Release,
    /// Whether a call NetBSD lacks runs on the host rather than failing
    /// with ENOSYS.
    pub host_syscalls: bool,
    /// Whether each call linuxrun answers is shown on stderr.
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
    // The child says there which descriptor is the filter's listener.
    let (mut number_rx, number_tx) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;

    // SAFETY: linuxrun has one thread here; the child only makes system
    // calls (sigprocmask, ptrace, prctl, seccomp, write, kill, close,
    // execve) and exits.
    let child = match unsafe { fork() }.map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => exec_traced(&argv, &bpf, &old_mask, number_tx.as_raw_fd()),
        ForkResult::Parent { child } => child,
    };
    drop(number_tx);
    match waitpid(child, None) {
        Ok(WaitStatus::Stopped(_, Signal::SIGSTOP)) => {}
        other => return Err(format!("the child did not stop for tracing: {other:?}")),
    }
    let options = Options::PTRACE_O_TRACESECCOMP
        | Options::PTRACE_O_TRACECLONE
        | Options::PTRACE_O_TRACEFORK
        | Options::PTRACE_O_TRACEVFORK
        | Options::PTRACE_O_TRACEEXEC
        | Options::PTRACE_O_TRACESYSGOOD
        | Options::PTRACE_O_TRACEEXIT
        | Options::PTRACE_O_EXITKILL;
    ptrace::setoptions(child, options).map_err(|e| format!("ptrace options: {e}"))?;
    let mut number = [0u8; 4];
    number_rx
        .read_exact(&mut number)
        .map_err(|e| format!("the child's listener: {e}"))?;
    let listener = Listener::new(pidfd_getfd(
        &pidfd_open(child)?,
        i32::from_ne_bytes(number),
    )?);
    ptrace::cont(child, None).map_err(|e| format!("ptrace: {e}"))?;
    let (done_tx, done_rx) = mpsc::channel();
    // Processes are the host's; their exits and the program's pidfds are
    // followed by a thread of the model's (model::watch).
    model::host_processes();
    std::thread::Builder::new()
        .name("linuxrun-watch".into())
        .spawn(model::watch)
        .map_err(|e| format!("watch thread: {e}"))?;
    Tracer {
        routes: plan.routes.iter().map(|r| (r.nr, *r)).collect(),
        recorder: plan.recorder,
        release: plan.release,
        host_syscalls: plan.host_syscalls,
        trace: plan.trace,
        seen: Seen::default(),
        listener,
        listening: true,
        known: HashSet::from([child]),
        processes: HashMap::new(),
        creds: HashMap::new(),
        announced: HashMap::new(),
        held: HashSet::new(),
        cloning: HashMap::new(),
        installing: HashMap::new(),
        pidfds: HashMap::new(),
        main: child,
        status: 0,
        calls: HashMap::new(),
        waiting: HashMap::new(),
        workers: Workers {
            jobs: Vec::new(),
            idle: Vec::new(),
            done_tx,
            wake_tx,
        },
        done_rx,
    }
    .wait_all(&sigfd, wake_rx)
}

/// The child: takes the filter, tells the tracer its listener descriptor
/// on `number_fd` and stops for the tracer to set its options and take
/// the listener, then becomes PROGRAM.
fn exec_traced(argv: &[CString], bpf: &[libc::sock_filter], mask: &SigSet, number_fd: RawFd) -> ! {
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
    if ptrace::traceme().is_err() {
        fail(b"linuxrun: cannot be traced\n");
    }
    let Ok(listener) = filter::install(bpf) else {
        fail(b"linuxrun: cannot install the seccomp filter\n");
    };
    let number = listener.as_raw_fd().to_ne_bytes();
    // SAFETY: write(2) of a buffer we own.
    let told = unsafe { libc::write(number_fd, number.as_ptr().cast(), number.len()) };
    if told != number.len() as isize || raise(Signal::SIGSTOP).is_err() {
        fail(b"linuxrun: cannot be traced\n");
    }
    drop(listener);
    let _ = execvp(&argv[0], argv);
    fail(b"linuxrun: cannot execute PROGRAM\n")
}

/// A routed call in the module, from when linuxrun takes it until its
/// thread has the result.
struct Call {
    tid: Pid,
    pid: Pid,
    nr: u64,
    /// Set when a signal the thread took ends the call's sleeps.
    signalled: Arc<AtomicI32>,
    /// Whether the worker's answer went out, held while it answers: the
    /// thread, interrupted in a call after it, is in another call.
    sent: Arc<Mutex<bool>>,
    /// Where the thread is.
    thread: Thread,
    /// What the handler did, when it was done before the thread could
    /// have the result.
    outcome: Option<model::Outcome>,
}

/// Where the thread of a routed call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Thread {
    /// Waiting, asleep, in the notification with this ID.
    Waits(u64),
    /// Stopped to take this signal, which interrupted its wait and ends
    /// the call's sleeps: it gets the result where it is.
    Stopped(Signal),
    /// Taking a signal that does not end the call's sleeps, to make the
    /// call again.
    Again,
    /// Gone (killed): the result has nowhere to go.
    Gone,
}

struct Tracer {
    routes: HashMap<u64, Route>,
    recorder: Option<model::SyCall>,
    release: Release,
    host_syscalls: bool,
    trace: bool,
    /// The calls seen, for `--report`.
    seen: Seen,
    /// The filter's listener; `listening` until every thread under the
    /// filter is gone.
    listener: Listener,
    listening: bool,
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
    /// Threads whose clone3 made at a stop is done, with the descriptors
    /// it gave their process and its result (see `route_stop`).
    installing: HashMap<Pid, (Vec<model::Install>, i64)>,
    /// The process (thread group) of each thread that made a routed call,
    /// and its credential as of its last call (forgotten when it changes
    /// it).
    processes: HashMap<Pid, Pid>,
    creds: HashMap<Pid, Cred>,
    /// A pidfd of each traced process (thread group), for its descriptors.
    pidfds: HashMap<Pid, OwnedFd>,
    /// PROGRAM's process and its exit status.
    main: Pid,
    status: u8,
    /// Routed calls taken, by notification ID, and the one each thread
    /// waits in.
    calls: HashMap<u64, Call>,
    waiting: HashMap<Pid, u64>,
    workers: Workers,
    done_rx: mpsc::Receiver<Done>,
}

impl Tracer {
    /// Serves every tracee until none is left; PROGRAM's exit status.
    ///
    /// Only this thread may use ptrace (it is the tracer). It sleeps in
    /// poll(2) until a tracee changes state (SIGCHLD), a call waits for
    /// linuxrun, or a worker is done.
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
                    Err(Errno::ECHILD) => return self.end(),
                    Err(e) => return Err(format!("waitpid: {e}")),
                }
            }
            while let Ok(done) = self.done_rx.try_recv() {
                self.finished(done)?;
            }
            let listen = if self.listening {
                PollFlags::POLLIN
            } else {
                PollFlags::empty()
            };
            let listener = self.listener.fd();
            // SAFETY: the listener outlives this loop.
            let listener = unsafe { std::os::fd::BorrowedFd::borrow_raw(listener) };
            let mut fds = [
                PollFd::new(sigfd.as_fd(), PollFlags::POLLIN),
                PollFd::new(wake_rx.as_fd(), PollFlags::POLLIN),
                PollFd::new(listener, listen),
            ];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(format!("poll: {e}")),
            }
            let (woken, events) = (fds[1].any() == Some(true), fds[2].revents());
            while let Ok(Some(_)) = sigfd.read_signal() {}
            if woken {
                let mut buf = [0u8; 64];
                let _ = wake_rx.read(&mut buf);
            }
            let events = events.unwrap_or(PollFlags::empty());
            if events.contains(PollFlags::POLLIN) {
                self.notified()?;
            } else if events.intersects(PollFlags::POLLHUP | PollFlags::POLLERR) {
                self.listening = false;
            }
        }
    }

    /// Every tracee is gone: the calls still in the module end their
    /// sleeps (the module is in use until they are done).
    fn end(mut self) -> Result<(u8, Seen), String> {
        for call in self.calls.values_mut() {
            call.thread = Thread::Gone;
            call.signalled.store(1, Ordering::Release);
        }
        while self.workers.busy() > 0 {
            let done = self
                .done_rx
                .recv()
                .map_err(|_| "a worker thread died".to_string())?;
            self.finished(done)?;
        }
        Ok((self.status, self.seen))
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
                return self.route_stop(pid);
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
                    Ok(former) if ev == Event::PTRACE_EVENT_EXEC as i32 => {
                        self.exec(pid, Pid::from_raw(former as i32));
                        ptrace::cont(pid, None)
                    }
                    Ok(_) if ev == Event::PTRACE_EVENT_EXIT as i32 => {
                        self.exiting(pid);
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
            WaitStatus::Stopped(pid, sig) => self.signal_stop(pid, sig),
            WaitStatus::PtraceSyscall(pid) => self.syscall_exit(pid),
            _ => Ok(()),
        };
        match resumed {
            Ok(()) | Err(Errno::ESRCH) => Ok(()),
            Err(e) => Err(format!("ptrace: {e}")),
        }
    }

    /// Thread `tid` begins its exit (stopped at it): if it is the last
    /// of its process, the process exits in the model now (exit1: its
    /// pidfds poll readable), before its parent can learn of it; else the
    /// model learns of it from the host (model::watch).
    fn exiting(&mut self, tid: Pid) {
        if let Ok(pid) = self.process(tid)
            && procfs::threads(pid) == Some(1)
        {
            model::process_exits(pid.as_raw());
        }
    }

    /// Thread `tid` has exited (the model follows its process's exit and
    /// reaping through the host, see model::watch).
    fn gone(&mut self, tid: Pid) {
        self.known.remove(&tid);
        self.processes.remove(&tid);
        self.creds.remove(&tid);
        self.pidfds.remove(&tid);
        self.cloning.remove(&tid);
        self.installing.remove(&tid);
        self.abandon(tid);
    }

    /// Thread `tid` is gone: the call it waited in, if any, ends its
    /// sleeps, and its result has nowhere to go.
    fn abandon(&mut self, tid: Pid) {
        if let Some(id) = self.waiting.remove(&tid)
            && let Some(call) = self.calls.get_mut(&id)
        {
            call.thread = Thread::Gone;
            call.signalled.store(1, Ordering::Release);
            if call.outcome.is_some() {
                self.calls.remove(&id);
            }
        }
    }

    /// A thread of process `pid` execs: it takes the leader's TID
    /// (`former` was its own), and every other thread of the process,
    /// the former leader among them, is gone.
    fn exec(&mut self, pid: Pid, former: Pid) {
        model::process_exec(pid.as_raw());
        if former != pid {
            self.known.remove(&former);
            self.processes.remove(&former);
            self.creds.remove(&former);
            self.creds.remove(&pid);
        }
        let others: Vec<Pid> = self
            .calls
            .values()
            .filter(|c| c.pid == pid && c.tid != former)
            .map(|c| c.tid)
            .collect();
        for tid in others {
            self.abandon(tid);
        }
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

    /// Thread `tid` stopped to take signal `sig`. If that interrupted its
    /// wait for a call running in the module, it stays stopped until the
    /// handler is done (`finished`), or makes the call again (see the top
    /// of this file); if it interrupted the wait before linuxrun took the
    /// call, the call is made again after the signal.
    fn signal_stop(&mut self, tid: Pid, sig: Signal) -> Result<(), Errno> {
        let from_module = self.sender_of(tid, sig);
        let mut regs = ptrace::getregs(tid)?;
        let interrupted = regs.rax == (-ERESTARTSYS) as u64;
        if let Some(&id) = self.waiting.get(&tid)
            && let Some(call) = self.calls.get_mut(&id)
            && interrupted
            && regs.orig_rax == call.nr
        {
            if let Some(outcome) = call.outcome {
                return self.deliver(id, result_of(&outcome, true), sig);
            }
            if !from_module && *call.sent.lock().unwrap_or_else(PoisonError::into_inner) {
                // The thread had the answer and this is its next call,
                // interrupted before linuxrun took it (see the top of this
                // file).
                self.forget(id);
            } else if Status::read(tid).map_or(true, |s| s.ends_sleep(sig)) {
                call.signalled.store(1, Ordering::Release);
                call.thread = Thread::Stopped(sig);
                return Ok(());
            } else {
                call.thread = Thread::Again;
            }
        }
        if interrupted && self.answers(regs.orig_rax) {
            regs.rax = (-ERESTARTNOINTR) as u64;
            ptrace::setregs(tid, regs)?;
        }
        ptrace::cont(tid, Some(sig))
    }

    /// A signal the module sent (kpsignal2) as kill(2) or tgkill(2) send
    /// one comes from linuxrun for the host: its delivery gets the siginfo
    /// the module meant, with the sender's process and user. Whether the
    /// module sent it (from a handler, before that call's answer).
    fn sender_of(&mut self, tid: Pid, sig: Signal) -> bool {
        let Ok(info) = ptrace::getsiginfo(tid) else {
            return false;
        };
        // SAFETY: the kill(2) members of a siginfo that has them.
        let sender = unsafe { info.si_pid() };
        if sender != std::process::id() as i32 || (info.si_code != 0 && info.si_code != -6) {
            return false;
        }
        if let Ok(pid) = self.process(tid)
            && let Some(meant) = model::signal_info(pid.as_raw(), tid.as_raw(), sig as c_int)
        {
            let _ = ptrace::setsiginfo(tid, &meant);
        }
        true
    }

    /// Whether linuxrun, not the host, answers call `nr` when notified.
    fn answers(&self, nr: u64) -> bool {
        if nr == INSTALL_CALL {
            return true;
        }
        match self.routes.get(&nr) {
            Some(route) => route.via == Via::Notify,
            None => !self.host_syscalls && !table::netbsd_has(self.release, nr),
        }
    }

    /// Forgets call `id`, whose thread has its result or is gone.
    fn forget(&mut self, id: u64) -> Option<Call> {
        let call = self.calls.remove(&id)?;
        if self.waiting.get(&call.tid) == Some(&id) {
            self.waiting.remove(&call.tid);
        }
        Some(call)
    }

    /// Gives call `id`'s thread, stopped with `sig`, the handler's result,
    /// and lets it take the signal.
    fn deliver(&mut self, id: u64, result: i64, sig: Signal) -> Result<(), Errno> {
        let Some(call) = self.forget(id) else {
            return Ok(());
        };
        let mut regs = ptrace::getregs(call.tid)?;
        regs.rax = result as u64;
        ptrace::setregs(call.tid, regs)?;
        ptrace::cont(call.tid, Some(sig))
    }

    /// Takes the next call waiting for linuxrun: a routed one goes to a
    /// worker, unless its thread makes it again after a signal; one NetBSD
    /// lacks is counted and answered at once.
    fn notified(&mut self) -> Result<(), String> {
        let Some(n) = self
            .listener
            .receive()
            .map_err(|e| format!("seccomp notification: {e}"))?
        else {
            return Ok(());
        };
        if n.nr == INSTALL_CALL
            && let Some((installs, result)) = self.installing.remove(&n.tid)
        {
            for install in installs {
                let fd = install.fd.as_raw_fd();
                if let Err(e) =
                    notify::add_fd(self.listener.fd(), n.id, fd, install.ufd, install.cloexec)
                {
                    eprintln!("linuxrun: [{}] descriptor {}: {e}", n.tid, install.ufd);
                }
            }
            notify::answer(self.listener.fd(), n.id, Reply::Result(result));
            return Ok(());
        }
        if CREDENTIAL_CALLS.contains(&n.nr) {
            self.creds.remove(&n.tid);
            notify::answer(self.listener.fd(), n.id, Reply::Continue);
            return Ok(());
        }
        if let Some(&id) = self.waiting.get(&n.tid)
            && let Some(call) = self.calls.get_mut(&id)
            && call.thread == Thread::Again
            && call.nr == n.nr
        {
            match call.outcome {
                // Interrupted again, it stops with the result at hand.
                Some(outcome) => {
                    let reply = Reply::Result(result_of(&outcome, false));
                    if notify::answer(self.listener.fd(), n.id, reply) {
                        self.forget(id);
                    }
                }
                None => call.thread = Thread::Waits(n.id),
            }
            return Ok(());
        }
        match self.routes.get(&n.nr).copied() {
            Some(route) if route.via == Via::Notify => self.dispatch(n, route),
            _ => {
                self.lacking(n);
                Ok(())
            }
        }
    }

    /// A call NetBSD lacks: it goes through the module's recorder, which
    /// counts it, and fails with ENOSYS as there, or runs on the host
    /// (`--host-syscalls`).
    fn lacking(&mut self, n: Notification) {
        let pid = self.process(n.tid).unwrap_or(n.tid);
        if let Some(recorder) = self.recorder
            && n.nr < model::LINUX_NSYSENT as u64
        {
            let call = model::UserCall {
                nr: n.nr as usize,
                tid: n.tid.as_raw(),
                pid: pid.as_raw(),
                pidfd: -1,
                comm: procfs::comm(pid).ok(),
                cred: Cred::default(),
                cpu: 0,
                sp: 0,
                args: n.args,
                signalled: None,
            };
            // The record makes no descriptor.
            let mut none = model::Installer::Deferred(Vec::new());
            model::call(recorder, &call, false, &mut none, None);
        }
        let (tid, nr, name) = (n.tid, n.nr, table::name(n.nr));
        let reply = if self.host_syscalls {
            if self.trace {
                eprintln!(
                    "linuxrun: [{tid}] {nr} {name}: {} lacks it, run on the host",
                    self.release
                );
            }
            Reply::Continue
        } else {
            let result = -i64::from(libc::ENOSYS);
            if self.trace {
                eprintln!(
                    "linuxrun: [{tid}] {nr} {name} = {}: {} lacks it",
                    describe(result),
                    self.release
                );
            }
            Reply::Result(result)
        };
        // Interrupted meanwhile, the call is made again.
        notify::answer(self.listener.fd(), n.id, reply);
    }

    /// Hands routed call `n` to a worker, with what the model needs of
    /// its thread; a thread that stopped waiting meanwhile (interrupted,
    /// to make the call again, or killed) is left alone. A call received
    /// is answered or its thread stops waiting: one that still waits
    /// when its thread cannot be read is an error, never dropped.
    fn dispatch(&mut self, n: Notification, route: Route) -> Result<(), String> {
        let tid = n.tid;
        let read = (|| -> Result<_, String> {
            let (pid, cred) = self.identity(tid)?;
            let cpu = procfs::last_cpu(tid)?;
            Ok((pid, cred, cpu, self.user_sp(tid, n.id)?))
        })();
        // What was read is of this call only if the thread still waits in it.
        if !self.listener.waiting(n.id) {
            return Ok(());
        }
        let (pid, cred, cpu, sp) = match read {
            Ok((pid, cred, cpu, Some(sp))) => (pid, cred, cpu, sp),
            Ok((.., None)) => return Ok(()),
            Err(e) => return Err(format!("[{tid}] {}: {e}", route.name)),
        };
        let pidfd = self.pidfd(pid)?;
        self.seen.served.record(n.nr, pid);
        let signalled = Arc::new(AtomicI32::new(0));
        let sent = Arc::new(Mutex::new(false));
        self.calls.insert(
            n.id,
            Call {
                tid,
                pid,
                nr: n.nr,
                signalled: Arc::clone(&signalled),
                sent: Arc::clone(&sent),
                thread: Thread::Waits(n.id),
                outcome: None,
            },
        );
        self.waiting.insert(tid, n.id);
        self.workers.start(Job {
            id: n.id,
            tid,
            route,
            listener: self.listener.fd(),
            sent,
            call: model::UserCall {
                nr: n.nr as usize,
                tid: tid.as_raw(),
                pid: pid.as_raw(),
                pidfd,
                comm: None,
                cred,
                cpu,
                sp,
                args: n.args,
                signalled: Some(signalled),
            },
        })
    }

    /// The user stack pointer of thread `tid`, waiting in notification
    /// `id`, once it is asleep there; `None` if it stops waiting first.
    /// The notification can be received before its thread falls asleep
    /// (seccomp_do_user_notification wakes the listener first), and the
    /// kernel shows a thread's call only then (`procfs::user_sp`); a
    /// thread that still waits is about to sleep, or to leave the wait
    /// for a signal, as soon as it runs.
    fn user_sp(&self, tid: Pid, id: u64) -> Result<Option<u64>, String> {
        loop {
            match procfs::user_sp(tid)? {
                Some(sp) => return Ok(Some(sp)),
                None if self.listener.waiting(id) => std::thread::yield_now(),
                None => return Ok(None),
            }
        }
    }

    /// A worker is done with a call: its thread has the result, or, if
    /// interrupted, gets it now or at its signal stop.
    fn finished(&mut self, done: Done) -> Result<(), String> {
        self.workers.idle.push(done.worker);
        // As the thread gets it, at its signal stop if not answered.
        let result = result_of(&done.outcome, !done.answered);
        if self.trace {
            let shown: Vec<String> = done.args[..done.route.narg]
                .iter()
                .map(|a| format!("{a:#x}"))
                .collect();
            eprintln!(
                "linuxrun: [{}] {} {}({}) = {}{}",
                done.tid,
                done.route.nr,
                done.route.name,
                shown.join(", "),
                describe(result),
                if done.answered {
                    ""
                } else {
                    ", interrupted by a signal"
                }
            );
        }
        let Some(call) = self.calls.get_mut(&done.id) else {
            return Ok(());
        };
        match call.thread {
            Thread::Gone => {}
            // Interrupted, even if the answer went out: the kernel drops an
            // answer that meets a signal in the wait (seccomp's
            // "interrupted" path), and the thread gets it here.
            Thread::Stopped(sig) => {
                let result = result_of(&done.outcome, true);
                return match self.deliver(done.id, result, sig) {
                    Ok(()) | Err(Errno::ESRCH) => Ok(()),
                    Err(e) => Err(format!("ptrace: {e}")),
                };
            }
            // Answered in the wait the thread is in: the first, or another
            // it waits in again after a signal.
            Thread::Waits(id)
                if (id == done.id && done.answered)
                    || (id != done.id
                        && notify::answer(
                            self.listener.fd(),
                            id,
                            Reply::Result(result_of(&done.outcome, false)),
                        )) => {}
            // Interrupted, not yet stopped, or to make the call again: it
            // gets the result then.
            Thread::Waits(_) | Thread::Again => {
                call.outcome = Some(done.outcome);
                return Ok(());
            }
        }
        self.forget(done.id);
        Ok(())
    }

    /// Thread `tid`'s process (thread group). A thread keeps its process
    /// until it execs (when it takes the leader's TID, or it is the
    /// leader) or exits.
    fn process(&mut self, tid: Pid) -> Result<Pid, String> {
        if let Some(&pid) = self.processes.get(&tid) {
            return Ok(pid);
        }
        let pid = Status::read(tid)?.tgid;
        self.processes.insert(tid, pid);
        Ok(pid)
    }

    /// Thread `tid`'s process and credential, read from `/proc` when not
    /// known (the read is the costliest part of a routed call).
    fn identity(&mut self, tid: Pid) -> Result<(Pid, Cred), String> {
        if let (Some(&pid), Some(&cred)) = (self.processes.get(&tid), self.creds.get(&tid)) {
            return Ok((pid, cred));
        }
        let status = Status::read(tid)?;
        self.processes.insert(tid, status.tgid);
        self.creds.insert(tid, status.cred);
        Ok((status.tgid, status.cred))
    }

    /// A pidfd of process `pid`, kept while it lives.
    fn pidfd(&mut self, pid: Pid) -> Result<RawFd, String> {
        if let Some(fd) = self.pidfds.get(&pid) {
            return Ok(fd.as_raw_fd());
        }
        let fd = pidfd_open(pid)?;
        let raw = fd.as_raw_fd();
        self.pidfds.insert(pid, fd);
        Ok(raw)
    }

    /// Runs the call thread `tid` stopped at (clone3) through the module,
    /// here, and puts its result into the thread, or has the thread make
    /// the clone the handler asked for.
    ///
    /// With `CLONE_PIDFD` the handler needs the child as soon as
    /// compat_linux's clone(2) returns (it makes the child's pidfd): the
    /// thread makes the clone at once, while the handler waits
    /// (`clone_now`). The pidfd, made for the thread's process while it is
    /// at a ptrace stop, is added to the process through a notification
    /// the thread then waits in: it makes INSTALL_CALL where it would return
    /// from the clone (`syscall_exit`), which seccomp holds for linuxrun,
    /// which adds the descriptors and answers with the clone's result
    /// (`notified`). Another thread of the process could take the
    /// descriptor's number meanwhile: seccomp's ADDFD replaces what is
    /// there.
    fn route_stop(&mut self, tid: Pid) -> Result<(), String> {
        let mut regs = match ptrace::getregs(tid) {
            Ok(regs) => regs,
            Err(Errno::ESRCH) => return Ok(()),
            Err(e) => return Err(format!("ptrace getregs: {e}")),
        };
        let nr = regs.orig_rax;
        let Some(route) = self.routes.get(&nr).copied() else {
            return Err(format!("stopped on system call {nr}, which is not routed"));
        };
        let (pid, cred) = self.identity(tid)?;
        let pidfd = self.pidfd(pid)?;
        self.seen.served.record(nr, pid);
        let call = model::UserCall {
            nr: nr as usize,
            tid: tid.as_raw(),
            pid: pid.as_raw(),
            pidfd,
            comm: None,
            cred,
            cpu: procfs::last_cpu(tid)?,
            sp: regs.rsp,
            args: [regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9],
            signalled: None,
        };
        let now = nr == SYS_CLONE3 && clone_flags(tid, regs.rdi, regs.rsi) & CLONE_PIDFD != 0;
        let mut installer = model::Installer::Deferred(Vec::new());
        let mut made = false;
        let mut resumed = false;
        let outcome = if now {
            let mut perform = |args: [u64; 5]| {
                let result = self.clone_now(tid, regs, args, &mut resumed);
                made = result.is_ok();
                result
            };
            model::call(
                route.call,
                &call,
                route.sleeps,
                &mut installer,
                Some(&mut perform),
            )
        } else {
            model::call(route.call, &call, route.sleeps, &mut installer, None)
        };
        let shown: Vec<String> = call.args[..route.narg]
            .iter()
            .map(|a| format!("{a:#x}"))
            .collect();
        if let (0, Some(clone)) = (outcome.error, outcome.clone) {
            return self.perform_clone(tid, regs, &route, &shown, clone);
        }
        if let (0, Some((start, len))) = (outcome.error, outcome.mlock) {
            return self.perform_mlock(tid, regs, &route, &shown, start, len);
        }
        let result = result_of(&outcome, false);
        if self.trace {
            eprintln!(
                "linuxrun: [{tid}] {} {}({}) = {}{}",
                route.nr,
                route.name,
                shown.join(", "),
                describe(result),
                if made { ", cloned at once" } else { "" }
            );
        }
        if resumed {
            // Gone, or taking a signal, to make the call again after it.
            return Ok(());
        }
        if made {
            // At the clone's event stop: on to its return (syscall_exit).
            let model::Installer::Deferred(installs) = installer else {
                unreachable!("a stop's installer defers");
            };
            self.installing.insert(tid, (installs, result));
            return match ptrace::syscall(tid, None) {
                Ok(()) | Err(Errno::ESRCH) => Ok(()),
                Err(e) => Err(format!("ptrace: {e}")),
            };
        }
        regs.orig_rax = u64::MAX;
        regs.rax = result as u64;
        resume(tid, regs)
    }

    /// The clone the handler asked for, made by thread `tid` now, from
    /// the stop it is at (`regs`): its clone event names the child, and
    /// the thread stays stopped there. A signal that comes first makes the
    /// clone fail for now (Linux: ERESTARTNOINTR): the thread is set to
    /// make its clone3 again after the signal, and the handler gets
    /// ERESTART; a thread killed meanwhile is ESRCH. Either way the thread
    /// is no longer stopped for the call (`resumed`).
    fn clone_now(
        &mut self,
        tid: Pid,
        mut regs: libc::user_regs_struct,
        [flags, stack, ptid, ctid, tls]: [u64; 5],
        resumed: &mut bool,
    ) -> Result<c_int, c_int> {
        let saved = arg_regs(&regs);
        regs.orig_rax = libc::SYS_clone as u64;
        let flags = flags & !(libc::CLONE_UNTRACED as u64);
        (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8) = (flags, stack, ptid, ctid, tls);
        self.cloning.insert(tid, (saved, arg_regs(&regs)));
        if ptrace::setregs(tid, regs)
            .and_then(|()| ptrace::cont(tid, None))
            .is_err()
        {
            self.cloning.remove(&tid);
            *resumed = true;
            return Err(NETBSD_ESRCH);
        }
        loop {
            let event = match waitpid(tid, Some(WaitPidFlag::__WALL)) {
                Ok(event) => event,
                Err(Errno::EINTR) => continue,
                Err(_) => {
                    *resumed = true;
                    return Err(NETBSD_ESRCH);
                }
            };
            match event {
                WaitStatus::PtraceEvent(_, _, ev)
                    if [
                        Event::PTRACE_EVENT_CLONE,
                        Event::PTRACE_EVENT_FORK,
                        Event::PTRACE_EVENT_VFORK,
                    ]
                    .iter()
                    .any(|&e| e as i32 == ev) =>
                {
                    let child = ptrace::getevent(tid).map_err(|_| NETBSD_ESRCH)?;
                    let child = Pid::from_raw(child as i32);
                    self.new_child(tid, child).map_err(|_| NETBSD_ESRCH)?;
                    return Ok(child.as_raw());
                }
                WaitStatus::Stopped(_, sig) => {
                    self.cloning.remove(&tid);
                    *resumed = true;
                    let again = ptrace::getregs(tid).and_then(|mut regs| {
                        regs.orig_rax = SYS_CLONE3;
                        (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8) =
                            (saved[0], saved[1], saved[2], saved[3], saved[4]);
                        ptrace::setregs(tid, regs)?;
                        ptrace::cont(tid, Some(sig))
                    });
                    return Err(if again.is_ok() {
                        ERESTART
                    } else {
                        NETBSD_ESRCH
                    });
                }
                WaitStatus::Exited(..) | WaitStatus::Signaled(..) => {
                    *resumed = true;
                    let _ = self.handle(event);
                    return Err(NETBSD_ESRCH);
                }
                _ => {}
            }
        }
    }

    /// Thread `tid` returns from a clone made at once for the module
    /// (`route_stop`): with descriptors to add, it makes INSTALL_CALL in
    /// place of returning (the system call instruction again, with that
    /// number), else it gets the clone3's result.
    fn syscall_exit(&mut self, tid: Pid) -> Result<(), Errno> {
        let Some((installs, result)) = self.installing.get(&tid) else {
            return ptrace::cont(tid, None);
        };
        let mut regs = ptrace::getregs(tid)?;
        if installs.is_empty() {
            regs.rax = *result as u64;
            self.installing.remove(&tid);
        } else {
            // The two bytes of `syscall`.
            regs.rip -= 2;
            regs.rax = INSTALL_CALL;
        }
        ptrace::setregs(tid, regs)?;
        ptrace::cont(tid, None)
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

impl Tracer {
    /// The module's mlock(2) wired a range: the thread locks it itself, in
    /// place of the call it stopped at (mlock2), as only a process can lock
    /// its own pages on the host; the host's answer (0, or an errno of its
    /// own limits) is the call's.
    fn perform_mlock(
        &mut self,
        tid: Pid,
        mut regs: libc::user_regs_struct,
        route: &Route,
        shown: &[String],
        start: u64,
        len: usize,
    ) -> Result<(), String> {
        if self.trace {
            eprintln!(
                "linuxrun: [{tid}] {} {}({}) = mlock({start:#x}, {len:#x}) by the thread",
                route.nr,
                route.name,
                shown.join(", ")
            );
        }
        regs.orig_rax = libc::SYS_mlock as u64;
        (regs.rdi, regs.rsi) = (start, len as u64);
        resume(tid, regs)
    }
}

/// The flags of the `struct clone_args` of `size` bytes at `addr` in
/// thread `tid`'s memory (0 if unreadable: the handler says so).
fn clone_flags(tid: Pid, addr: u64, size: u64) -> u64 {
    let mut flags = 0u64;
    if size < 8 {
        return 0;
    }
    let local = libc::iovec {
        iov_base: (&raw mut flags).cast(),
        iov_len: 8,
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: 8,
    };
    // SAFETY: reads 8 bytes of another process into `flags`.
    let n = unsafe { libc::process_vm_readv(tid.as_raw(), &local, 1, &remote, 1, 0) };
    if n == 8 { flags } else { 0 }
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

/// The result a call's thread gets from `outcome`: the value, or minus
/// the Linux errno compat_linux's dispatcher gives. NetBSD's ERESTART
/// restarts the call; that is Linux's ERESTARTSYS for a thread that took
/// a signal (`interrupted`), and EINTR otherwise, where no signal
/// delivery would act on it. A clone the handler asked for outside a
/// stop cannot be made: ENOSYS, as for a clone3 compat_linux lacks.
fn result_of(outcome: &model::Outcome, interrupted: bool) -> i64 {
    match outcome.error {
        0 if outcome.clone.is_some() => -i64::from(libc::ENOSYS),
        0 => outcome.value,
        ERESTART if interrupted => -ERESTARTSYS,
        ERESTART => -i64::from(libc::EINTR),
        e => -i64::from(errno::to_linux(e)),
    }
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

/// A duplicate of descriptor `fd` of the process `pidfd` refers to.
fn pidfd_getfd(pidfd: &OwnedFd, fd: RawFd) -> Result<OwnedFd, String> {
    // SAFETY: pidfd_getfd(2) with no flags; it returns a new descriptor.
    let got = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    if got < 0 {
        return Err(format!("pidfd_getfd({fd}): {}", Errno::last()));
    }
    // SAFETY: a descriptor just made, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(got as c_int) })
}

/// A routed call for a worker to run and answer.
struct Job {
    id: u64,
    tid: Pid,
    route: Route,
    listener: RawFd,
    /// The call's `sent`.
    sent: Arc<Mutex<bool>>,
    call: model::UserCall,
}

/// A call a worker ran: whether its thread still waited for the answer.
struct Done {
    worker: usize,
    id: u64,
    tid: Pid,
    route: Route,
    args: [u64; 6],
    outcome: model::Outcome,
    answered: bool,
}

/// Threads that run routed calls in the model and answer them, so that
/// the tracer goes on serving signals, stops and other calls meanwhile;
/// one per call under way, kept for the next.
struct Workers {
    /// Each worker's job queue, and the idle ones.
    jobs: Vec<mpsc::Sender<Job>>,
    idle: Vec<usize>,
    /// Where workers report, and the pipe that wakes the tracer.
    done_tx: mpsc::Sender<Done>,
    wake_tx: std::io::PipeWriter,
}

impl Workers {
    fn start(&mut self, job: Job) -> Result<(), String> {
        let worker = match self.idle.pop() {
            Some(worker) => worker,
            None => self.spawn()?,
        };
        self.jobs[worker]
            .send(job)
            .map_err(|_| "a worker thread died".to_string())
    }

    fn spawn(&mut self) -> Result<usize, String> {
        let worker = self.jobs.len();
        let (tx, rx) = mpsc::channel::<Job>();
        let done_tx = self.done_tx.clone();
        let mut wake_tx = self.wake_tx.try_clone().map_err(|e| format!("pipe: {e}"))?;
        std::thread::Builder::new()
            .name(format!("linuxrun-{worker}"))
            .spawn(move || {
                for job in rx {
                    let mut installer = model::Installer::Notification {
                        listener: job.listener,
                        id: job.id,
                    };
                    let outcome = model::call(
                        job.route.call,
                        &job.call,
                        job.route.sleeps,
                        &mut installer,
                        None,
                    );
                    let reply = Reply::Result(result_of(&outcome, false));
                    let answered = {
                        let mut sent = job.sent.lock().unwrap_or_else(PoisonError::into_inner);
                        *sent = notify::answer(job.listener, job.id, reply);
                        *sent
                    };
                    let done = Done {
                        worker,
                        id: job.id,
                        tid: job.tid,
                        route: job.route,
                        args: job.call.args,
                        outcome,
                        answered,
                    };
                    if done_tx.send(done).is_err() {
                        break;
                    }
                    let _ = wake_tx.write_all(b"x");
                }
            })
            .map_err(|e| format!("worker thread: {e}"))?;
        self.jobs.push(tx);
        Ok(worker)
    }

    fn busy(&self) -> usize {
        self.jobs.len() - self.idle.len()
    }
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
    fn results_for_the_thread() {
        let outcome = |error, clone| model::Outcome {
            error,
            value: 7,
            clone,
            mlock: None,
        };
        assert_eq!(result_of(&outcome(0, None), false), 7);
        // NetBSD EAGAIN (35) is Linux's 11.
        assert_eq!(result_of(&outcome(35, None), true), -11);
        assert_eq!(result_of(&outcome(ERESTART, None), true), -ERESTARTSYS);
        assert_eq!(result_of(&outcome(ERESTART, None), false), -4);
        assert_eq!(result_of(&outcome(0, Some([0; 5])), false), -38);
    }
}
