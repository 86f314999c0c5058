//! The kernel model (`ffi/model/`), as linuxrun sees it: the symbol table
//! the module is linked against, and the model's own interface.

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_int, c_uint, c_void};
use std::os::fd::{BorrowedFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::libc;
use std::sync::atomic::AtomicI32;
use std::sync::{Arc, Mutex};

use crate::table::{self, Release};

include!(concat!(env!("OUT_DIR"), "/kernel_symbols.rs"));

/// The kernel's symbol table: name to address.
pub fn symbol_table() -> HashMap<&'static str, u64> {
    kernel_symbols()
        .into_iter()
        .map(|(name, addr)| (name, addr as u64))
        .collect()
}

/// A sysent handler: `sy_call_t` of `sys/systm.h`.
pub type SyCall = unsafe extern "C" fn(*mut c_void, *const u64, *mut i64) -> c_int;

/// `struct sysent` (`ffi/kpi.h`, as `sys/systm.h`).
#[repr(C)]
pub struct Sysent {
    pub sy_narg: i16,
    pub sy_argsize: i16,
    pub sy_flags: c_int,
    pub sy_call: Option<SyCall>,
    pub sy_entry: u32,
    pub sy_return: u32,
}

/// `CLRS_LINUX_NSYSENT`: compat_linux's table size on amd64.
pub const LINUX_NSYSENT: usize = 512;

unsafe extern "C" {
    static mut linux_sysent: [Sysent; LINUX_NSYSENT];
    fn linux_sys_nosys(l: *mut c_void, uap: *const u64, retval: *mut i64) -> c_int;
    fn model_sysent_reset(native: c_uint);
    fn model_sysent_native(code: c_uint);
    fn model_native_syscall(l: *mut c_void, uap: *const u64, retval: *mut i64) -> c_int;
    fn model_lwp_set_process(l: *mut c_void, pid: c_int, comm: *const c_char);
    fn model_process_exec(pid: c_int);
    fn model_mlock_request(start: *mut u64, len: *mut usize) -> bool;
    fn model_sysctl(
        name: *const c_char,
        oldp: *mut c_void,
        oldlenp: *mut usize,
        newp: *const c_void,
        newlen: usize,
    ) -> c_int;
    fn model_lwp_new(cpu: c_uint) -> *mut c_void;
    fn model_lwp_free(l: *mut c_void);
    fn model_lwp_in_syscall(l: *mut c_void, code: c_uint);
    fn model_user_process(pid: c_int, pidfd: c_int, signalled: *const c_int);
    fn model_lwp_set_cred(l: *mut c_void, ids: *const Cred);
    fn model_lwp_set_user_sp(l: *mut c_void, sp: u64);
    fn model_kernel_enter();
    fn model_kernel_exit();
    static model_ncpu: c_uint;
    fn model_trace_reset();
    fn model_clone_request(args: *mut u64) -> bool;
    fn model_lwp_set_lid(l: *mut c_void, lid: c_int);
    fn model_user_fd_installer(
        installer: Option<unsafe extern "C" fn(*mut c_void, c_int, c_int, bool) -> c_int>,
        arg: *mut c_void,
    );
    fn model_clone_performer(
        performer: Option<unsafe extern "C" fn(*mut c_void, *const u64, *mut c_int) -> c_int>,
        arg: *mut c_void,
    );
    fn model_host_processes(host: bool);
    fn model_proc_sync();
    fn model_process_zombie(pid: c_int);
    fn model_process_pending();
    fn model_watch_wait() -> bool;
    fn model_watch_stop();
    fn model_signal_info(pid: c_int, tid: c_int, sig: c_int, lsi: *mut libc::siginfo_t) -> bool;
}

/// Fills compat_linux's table as `release` has it: one of compat_linux's
/// own handlers where it has the call, its empty entry elsewhere.
pub fn sysent_reset(release: Release) {
    // SAFETY: the model's table, not in use by any call.
    unsafe {
        model_sysent_reset(0);
        for nr in (0..LINUX_NSYSENT as u64).filter(|&nr| table::netbsd_has(release, nr)) {
            model_sysent_native(nr as c_uint);
        }
    }
}

/// The Linux system call numbers whose slot holds neither compat_linux's
/// empty entry nor one of its own: the module's entries, with their
/// argument counts.
pub fn installed() -> Vec<(usize, usize, SyCall)> {
    let nosys: SyCall = linux_sys_nosys;
    let native: SyCall = model_native_syscall;
    // SAFETY: the model's table, read between calls into the module,
    // which alone writes it.
    let table = unsafe {
        std::slice::from_raw_parts((&raw const linux_sysent).cast::<Sysent>(), LINUX_NSYSENT)
    };
    table
        .iter()
        .enumerate()
        .filter_map(|(nr, sy)| {
            let call = sy
                .sy_call
                .filter(|&c| !std::ptr::fn_addr_eq(c, nosys) && !std::ptr::fn_addr_eq(c, native))?;
            Some((nr, sy.sy_narg as usize, call))
        })
        .collect()
}

/// NetBSD's `NGROUPS`: a credential holds at most so many groups.
pub const NGROUPS: usize = 16;

/// A kauth credential's IDs (`struct host_cred` of `ffi/model/model.h`):
/// real, effective and saved user and group IDs, supplementary groups.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cred {
    pub uid: [u32; 3],
    pub gid: [u32; 3],
    pub ngroups: c_int,
    pub groups: [u32; NGROUPS],
}

/// A system call of a traced thread, as the dispatcher sees it.
pub struct UserCall {
    /// The Linux system call number.
    pub nr: usize,
    /// The calling thread's ID, its LWP's.
    pub tid: c_int,
    /// The process (thread group), a pidfd of it, and its name where
    /// linuxrun has read it (else the name the model has, if any).
    pub pid: c_int,
    pub pidfd: c_int,
    pub comm: Option<CString>,
    /// The thread's credential, which its LWP has.
    pub cred: Cred,
    /// The host CPU the thread last ran on.
    pub cpu: u32,
    /// Its user stack pointer and six argument registers.
    pub sp: u64,
    pub args: [u64; 6],
    /// Non-zero once a signal the thread took is to end the call's
    /// interruptible sleeps, as a signal pending for its LWP would
    /// (`sigispending`); none for a call linuxrun never interrupts.
    pub signalled: Option<Arc<AtomicI32>>,
}

/// Held by a call that must run alone in the model: the model's
/// descriptor table and process are shared by every traced process.
static ALONE: Mutex<()> = Mutex::new(());

/// A descriptor the module made for the calling process (`fd_affix`,
/// `fd_dup`): a host file to put at number `ufd` of the process.
pub struct Install {
    pub fd: OwnedFd,
    pub ufd: c_int,
    pub cloexec: bool,
}

/// How the descriptors the module makes reach the calling process: the
/// call's notification, through which seccomp adds them to the thread's
/// process (`SECCOMP_IOCTL_NOTIF_ADDFD`) while the thread waits in it; or,
/// for a call made at a ptrace stop, kept to be added through a
/// notification of the thread's later (see `trace.rs`).
pub enum Installer {
    Notification { listener: RawFd, id: u64 },
    Deferred(Vec<Install>),
}

impl Installer {
    /// Puts host descriptor `fd` at number `ufd` of the thread's process.
    fn install(&mut self, fd: RawFd, ufd: c_int, cloexec: bool) -> Result<(), Errno> {
        match self {
            Installer::Notification { listener, id } => {
                crate::notify::add_fd(*listener, *id, fd, ufd, cloexec)
            }
            Installer::Deferred(installs) => {
                // SAFETY: a descriptor the model lends for the call.
                let fd = unsafe { BorrowedFd::borrow_raw(fd) }
                    .try_clone_to_owned()
                    .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF)))?;
                installs.push(Install { fd, ufd, cloexec });
                Ok(())
            }
        }
    }
}

/// The model's installer (`model_user_fd_installer`): 0 or a host errno.
unsafe extern "C" fn install_fd(arg: *mut c_void, fd: c_int, ufd: c_int, cloexec: bool) -> c_int {
    // SAFETY: the Installer `call` passed, alive for the call.
    let installer = unsafe { &mut *arg.cast::<Installer>() };
    match installer.install(fd, ufd, cloexec) {
        Ok(()) => 0,
        Err(e) => e as c_int,
    }
}

/// A clone the handler asks compat_linux for, made at once: the child's
/// TID, or a NetBSD errno.
pub type Performer<'a> = dyn FnMut([u64; 5]) -> Result<c_int, c_int> + 'a;

/// The model's performer (`model_clone_performer`).
unsafe extern "C" fn performer(arg: *mut c_void, args: *const u64, child: *mut c_int) -> c_int {
    // SAFETY: the Performer `call` passed, alive for the call; the model
    // passes five arguments and a place for the child's TID.
    unsafe {
        let perform = &mut *arg.cast::<&mut Performer>();
        let mut regs = [0u64; 5];
        regs.copy_from_slice(std::slice::from_raw_parts(args, 5));
        match perform(regs) {
            Ok(tid) => {
                *child = tid;
                0
            }
            Err(e) => e,
        }
    }
}

/// What a handler did: its NetBSD errno (0, or ERESTART), `retval[0]`,
/// the clone it asked compat_linux for, if any (flags, stack, parent
/// TID, child TID, TLS), and the range mlock(2) wired, if any (start,
/// length): the process is to lock it itself.
#[derive(Clone, Copy)]
pub struct Outcome {
    pub error: c_int,
    pub value: i64,
    pub clone: Option<[u64; 5]>,
    pub mlock: Option<(u64, usize)>,
}

/// Calls `handler` as compat_linux's dispatcher does, for `call`: the
/// traced process's memory, descriptors and working directory are user
/// space for it. Unless `sleeps` (semtimedop, which keeps no file), no
/// other call runs in the model meanwhile.
///
/// What the host did to processes and pidfds since the model last looked
/// is taken in first (a process reaped before the call is gone for it),
/// and the pidfds the call made are polled after it. `installer` puts the
/// descriptors it makes into the process; `perform`, if given, makes the
/// clone it asks compat_linux for at once.
pub fn call(
    handler: SyCall,
    call: &UserCall,
    sleeps: bool,
    installer: &mut Installer,
    mut perform: Option<&mut Performer>,
) -> Outcome {
    let _alone = (!sleeps).then(|| ALONE.lock().unwrap_or_else(|e| e.into_inner()));
    // SAFETY: no lock of the model is held between calls.
    unsafe { model_proc_sync() };
    let mut retval = [0i64; 2];
    let mut clone = [0u64; 5];
    let signalled = call
        .signalled
        .as_ref()
        .map_or(std::ptr::null(), |s| s.as_ptr().cast_const());
    // SAFETY: the model's LWP pool, this thread's trace and user process;
    // the handler gets what the dispatcher passes (an LWP, six argument
    // registers, a two-slot result) inside the model's kernel, and the
    // LWP and user process are given back after it.
    unsafe {
        // NetBSD numbers CPUs from 0; the model has model_ncpu of them.
        let l = model_lwp_new(call.cpu % model_ncpu);
        assert!(!l.is_null(), "model LWP pool exhausted");
        model_lwp_set_user_sp(l, call.sp);
        // As the dispatcher sets l_sysent: FINI sees the LWP inside.
        model_lwp_in_syscall(l, call.nr as c_uint);
        model_lwp_set_cred(l, &call.cred);
        model_lwp_set_lid(l, call.tid);
        // The user process first: the model's process for it is then a
        // host one (its credential, parent and memory the host's).
        model_user_process(call.pid, call.pidfd, signalled);
        let comm = call.comm.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        model_lwp_set_process(l, call.pid, comm);
        model_user_fd_installer(Some(install_fd), std::ptr::from_mut(installer).cast());
        // A thin pointer to the closure's (fat) one, for the model.
        match perform.as_mut() {
            Some(p) => model_clone_performer(Some(performer), std::ptr::from_mut(p).cast()),
            None => model_clone_performer(None, std::ptr::null_mut()),
        }
        model_trace_reset();
        model_kernel_enter();
        let error = handler(l, call.args.as_ptr(), retval.as_mut_ptr());
        model_kernel_exit();
        let cloned = model_clone_request(clone.as_mut_ptr());
        let (mut start, mut len) = (0, 0);
        let mlocked = model_mlock_request(&mut start, &mut len);
        model_clone_performer(None, std::ptr::null_mut());
        model_user_fd_installer(None, std::ptr::null_mut());
        model_user_process(0, -1, std::ptr::null());
        model_lwp_in_syscall(l, 0);
        model_lwp_free(l);
        model_process_pending();
        Outcome {
            error,
            value: retval[0],
            clone: cloned.then_some(clone),
            mlock: mlocked.then_some((start, len)),
        }
    }
}

/// The siginfo the module meant for signal `sig`, which the host sent to
/// thread `tid` of process `pid` as kill(2) does, from linuxrun.
pub fn signal_info(pid: c_int, tid: c_int, sig: c_int) -> Option<libc::siginfo_t> {
    // SAFETY: plain data, filled by the model when it has one.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: a siginfo_t is the 128 bytes the model copies.
    unsafe { model_signal_info(pid, tid, sig, &mut info) }.then_some(info)
}

/// Process `pid` exits in the model (exit1), if the model has it; its
/// parent has not been told yet.
pub fn process_exits(pid: c_int) {
    // SAFETY: the model's process table; no lock held.
    unsafe {
        model_process_zombie(pid);
        model_process_pending();
    }
}

/// The model's processes are the host's, for every thread of linuxrun.
pub fn host_processes() {
    // SAFETY: a flag of the model's, set before any call.
    unsafe { model_host_processes(true) }
}

/// Follows what the host does to processes and pidfds until `stop`: a
/// thread of its own, so that a pidfd polls readable as soon as its
/// process exits, and is closed (fo_close) once the program has let go
/// of every descriptor of it.
pub fn watch() {
    // SAFETY: the model's own waits and work; no lock held between.
    unsafe {
        while model_watch_wait() {
            model_process_pending();
        }
    }
}

/// Ends `watch`, and takes in what the host did last (the program's
/// descriptors closed with its exit), for the module's unload.
pub fn settle() {
    // SAFETY: as above.
    unsafe {
        model_watch_stop();
        model_process_pending();
    }
}

/// Process `pid` has executed a program: the model runs the kernel's exec
/// hooks (the module's drops the process's membarrier registrations).
pub fn process_exec(pid: c_int) {
    // SAFETY: the model's process table and exec hooks, which take
    // proc_lock, exec_lock and the process's p_reflock.
    unsafe { model_process_exec(pid) }
}

/// The module's record of the calls compat_linux lacks, as
/// `sysctl emul.linux.compat_linux_rs.nosys` prints it; `None` without the
/// node (record_nosys false, or a module that has none).
pub fn nosys_record() -> Option<String> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = buf.len();
    // SAFETY: a writable buffer of `len` bytes and a NUL-terminated name;
    // the model serialises sysctl(2) with the module's own calls.
    let error = unsafe {
        model_sysctl(
            c"emul.linux.compat_linux_rs.nosys".as_ptr(),
            buf.as_mut_ptr().cast(),
            &mut len,
            std::ptr::null(),
            0,
        )
    };
    if error != 0 {
        return None;
    }
    buf.truncate(len.saturating_sub(1));
    String::from_utf8(buf).ok()
}
