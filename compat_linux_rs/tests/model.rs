//! Test helpers over the user-space kernel model (`ffi/model/`), which
//! stands in for the kernel under the handlers, shims and module glue.

use std::sync::{Mutex, MutexGuard, RwLock};

use crate::sys;

/// An LWP of the model, on `alllwp` while it lives.
pub struct ModelLwp(*mut sys::lwp);

impl ModelLwp {
    /// A fresh LWP running on CPU `cpu`.
    pub fn on_cpu(cpu: u32) -> ModelLwp {
        // SAFETY: the model allocates from its own pool.
        let l = unsafe { sys::model_lwp_new(cpu) };
        assert!(!l.is_null(), "model LWP pool exhausted");
        ModelLwp(l)
    }

    /// The pointer handlers receive.
    pub fn as_ptr(&self) -> *mut sys::lwp {
        self.0
    }

    /// Makes the LWP one of process `pid` named `comm` (0: the model's
    /// first process).
    pub fn set_process(&self, pid: i32, comm: &core::ffi::CStr) {
        // SAFETY: a live model LWP and a NUL-terminated name.
        unsafe { sys::model_lwp_set_process(self.0, pid, comm.as_ptr()) }
    }

    /// Marks the LWP as inside Linux system call `code` (0: none).
    pub fn in_syscall(&self, code: u16) {
        // SAFETY: a live model LWP.
        unsafe { sys::model_lwp_in_syscall(self.0, code.into()) }
    }

    /// Makes the LWP one of host process `pid` (the model's process that
    /// stands for it: its credential and memory are the host's).
    pub fn set_host_process(&self, pid: i32) {
        // SAFETY: a live model LWP.
        unsafe { sys::model_lwp_set_host_process(self.0, pid) }
    }

    /// Gives the LWP's credential the user and group IDs `uid` and `gid`,
    /// real, effective and saved, and no other group.
    pub fn set_ids(&self, uid: u32, gid: u32) {
        let ids = ids(uid, gid);
        // SAFETY: a live model LWP and a credential to copy.
        unsafe { sys::model_lwp_set_cred(self.0, &ids) }
    }
}

/// A credential of user `uid` and group `gid` (real, effective, saved).
pub fn ids(uid: u32, gid: u32) -> sys::host_cred {
    sys::host_cred {
        uid,
        euid: uid,
        suid: uid,
        gid,
        egid: gid,
        sgid: gid,
        ngroups: 0,
        groups: [0; 16],
    }
}

/// The unprivileged user the tests act as: nobody (Debian's 65534).
pub const NOBODY: u32 = 65534;

impl Drop for ModelLwp {
    fn drop(&mut self) {
        // SAFETY: allocated by model_lwp_new, freed once.
        unsafe { sys::model_lwp_free(self.0) }
    }
}

/// Serialises the tests that use the model's global state (the sysent
/// table, module properties).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Calls through the module's table in flight (read), or a module command
/// that must see none but its test's own (write): FINI counts the calls
/// inside the module's handlers, which other tests' calls would be.
static CALLS: RwLock<()> = RwLock::new(());

/// Set in a child of `in_child`: another process, whose calls no module
/// command of the tests can see, and where CALLS may have been copied
/// held by a thread that the child does not have.
static FORKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A read hold of CALLS, except in a forked child.
fn in_flight() -> Option<std::sync::RwLockReadGuard<'static, ()>> {
    if FORKED.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    Some(
        CALLS
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// Runs a module command (`MODULE_CMD_INIT`, `FINI`, ...) as modload and
/// modunload do, while no other test's call is inside the module.
pub fn modcmd(cmd: sys::modcmd_t, props: sys::prop_dictionary_t) -> i32 {
    let _no_calls = CALLS
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // SAFETY: the model's modcmd is the module's, found through the link set.
    unsafe { sys::model_modcmd(cmd, props.cast()) }
}

/// Calls Linux system call `nr` through the module's table entry, as
/// compat_linux's dispatcher does; returns the NetBSD errno and `retval[0]`.
pub fn call(lwp: &ModelLwp, nr: u16, regs: [u64; 6]) -> (i32, sys::register_t) {
    let _in_flight = in_flight();
    call_uncounted(lwp, nr, regs)
}

/// `call` without the test's own lock: for a call in flight while the
/// test runs a module command.
pub fn call_uncounted(lwp: &ModelLwp, nr: u16, regs: [u64; 6]) -> (i32, sys::register_t) {
    let entry = crate::table::clrs_syscalls
        .iter()
        .find(|cs| cs.cs_code == nr)
        .and_then(|cs| cs.cs_call)
        .expect("not in the table");
    let frame = regs.map(|r| r as sys::register_t);
    let mut retval: sys::register_t = -7;
    // SAFETY: a model LWP, six readable registers and a result slot; the
    // thread enters the model's kernel for the call and leaves it after.
    let error = unsafe {
        sys::model_kernel_enter();
        let error = entry(lwp.as_ptr(), frame.as_ptr().cast(), &mut retval);
        sys::model_kernel_exit();
        error
    };
    (error, retval)
}

/// Calls Linux system call `nr` through compat_linux's table, whatever its
/// slot holds, as the dispatcher does (`sy_call()` points `l_sysent` at the
/// slot); returns the NetBSD errno and `retval[0]`.
pub fn dispatch(lwp: &ModelLwp, nr: u16, regs: [u64; 6]) -> (i32, sys::register_t) {
    let _in_flight = in_flight();
    dispatch_uncounted(lwp, nr, regs)
}

/// `dispatch` without the test's own lock (see `call_uncounted`).
pub fn dispatch_uncounted(lwp: &ModelLwp, nr: u16, regs: [u64; 6]) -> (i32, sys::register_t) {
    let frame = regs.map(|r| r as sys::register_t);
    let mut retval: sys::register_t = -7;
    // SAFETY: a model LWP, six readable registers and a result slot; the
    // thread enters the model's kernel for the call and leaves it after.
    let error = unsafe {
        sys::model_kernel_enter();
        let error = sys::model_syscall(lwp.as_ptr(), nr.into(), frame.as_ptr(), &mut retval);
        sys::model_kernel_exit();
        error
    };
    (error, retval)
}

unsafe extern "C" {
    fn syscall(nr: i64, ...) -> i64;
}

/// The same call made to the host (Linux) kernel: the reference. Returns
/// the result or the Linux errno.
pub fn host(nr: u16, regs: [u64; 6]) -> Result<i64, i32> {
    // SAFETY: the tests pass only arguments that are safe for the host
    // kernel to act on (their own descriptors and buffers).
    let r = unsafe {
        syscall(
            nr.into(),
            regs[0],
            regs[1],
            regs[2],
            regs[3],
            regs[4],
            regs[5],
        )
    };
    if r == -1 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap())
    } else {
        Ok(r)
    }
}

/// The Linux errno compat_linux's dispatcher turns a NetBSD errno into,
/// for the errnos these tests meet: the two agree up to ERANGE (34).
pub fn linux_errno(netbsd: i32) -> i32 {
    match netbsd as u32 {
        1..=34 => netbsd,
        sys::EAGAIN => 11,
        sys::ENAMETOOLONG => 36,
        sys::ENOSYS => 38,
        sys::ENOTEMPTY => 39,
        sys::ELOOP => 40,
        sys::EOVERFLOW => 75,
        sys::EOPNOTSUPP => 95,
        _ => panic!("errno {netbsd} needs its mapping here"),
    }
}

/// What a call gives the program, as a Linux register: the result, or
/// minus the Linux errno.
pub fn linux_value(result: (i32, sys::register_t)) -> i64 {
    match result {
        (0, value) => value,
        (error, _) => -i64::from(linux_errno(error)),
    }
}

/// One `struct iovec` as the module reads it: base, length.
pub type Iov = [u64; 2];

pub fn iov(base: u64, len: usize) -> Iov {
    [base, len as u64]
}

/// Runs the call through the module and on the host, and checks that both
/// succeed or fail with the same Linux errno; returns the module's errno.
pub fn same_as_host(lwp: &ModelLwp, nr: u16, regs: [u64; 6]) -> i32 {
    let (error, retval) = call(lwp, nr, regs);
    let module = if error == 0 {
        Ok(retval)
    } else {
        Err(linux_errno(error))
    };
    assert_eq!(module, host(nr, regs), "module vs host for {nr} {regs:x?}");
    error
}

/// This thread's trace of the model, reset.
pub fn trace_reset() {
    // SAFETY: the trace is thread-local.
    unsafe { sys::model_trace_reset() }
}

/// This thread's trace of the model.
pub fn trace() -> sys::model_trace {
    // SAFETY: the trace is thread-local and plain data.
    unsafe { sys::model_trace().read() }
}

/// Checks that the last call released every file, lock and mount it took,
/// and broke none of the rules a DIAGNOSTIC kernel asserts.
pub fn assert_balanced() {
    let t = trace();
    assert_eq!(
        (t.files_held, t.vnodes_locked, t.mounts_locked),
        (0, 0, 0),
        "unbalanced"
    );
    assert_eq!(
        (t.rwlocks_held, t.vmspaces_held),
        (0, 0),
        "a process held or an address space referenced"
    );
    assert_eq!(t.violations, 0, "{}", violation(&t));
}

/// The last rule the model saw broken.
pub fn violation(t: &sys::model_trace) -> String {
    if t.violation.is_null() {
        return String::new();
    }
    // SAFETY: the model records static C strings.
    unsafe { std::ffi::CStr::from_ptr(t.violation) }
        .to_string_lossy()
        .into_owned()
}

/// A scratch file of `len` bytes in a fresh temporary folder.
pub struct Scratch {
    pub dir: std::path::PathBuf,
    pub file: std::fs::File,
}

impl Scratch {
    pub fn new(tag: &str, len: usize) -> Scratch {
        use std::sync::atomic::{AtomicU32, Ordering};
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "clrs-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("file");
        std::fs::write(&path, vec![b'x'; len]).unwrap();
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        Scratch { dir, file }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

unsafe extern "C" {
    fn semget(key: i32, nsems: i32, flags: i32) -> i32;
    fn semctl(semid: i32, semnum: i32, cmd: i32, ...) -> i32;
}
const IPC_PRIVATE: i32 = 0;
const IPC_RMID: i32 = 0;
const GETVAL: i32 = 12;
const SETVAL: i32 = 16;

/// A private System V set of semaphores on the host, removed on drop.
pub struct SemSet(pub i32);

impl SemSet {
    pub fn new(n: i32) -> SemSet {
        // SAFETY: plain System V calls on a private set.
        let id = unsafe { semget(IPC_PRIVATE, n, 0o600) };
        assert!(id >= 0, "semget");
        SemSet(id)
    }

    pub fn set(&self, num: i32, value: i32) {
        // SAFETY: as above.
        assert_eq!(unsafe { semctl(self.0, num, SETVAL, value) }, 0);
    }

    pub fn get(&self, num: i32) -> i32 {
        // SAFETY: as above.
        unsafe { semctl(self.0, num, GETVAL) }
    }

    /// Removes the set now (also while another thread waits on it).
    pub fn remove(&self) {
        // SAFETY: as above.
        assert_eq!(unsafe { semctl(self.0, 0, IPC_RMID) }, 0);
    }
}

impl Drop for SemSet {
    fn drop(&mut self) {
        // SAFETY: as above; a set already removed makes this fail harmlessly.
        unsafe { semctl(self.0, 0, IPC_RMID) };
    }
}

unsafe extern "C" {
    fn signal(sig: i32, handler: usize) -> usize;
}

/// Ignores signal `sig` in this process.
pub fn ignore_signal(sig: i32) {
    const SIG_IGN: usize = 1;
    // SAFETY: sets a disposition; no handler runs.
    unsafe { signal(sig, SIG_IGN) };
}

/// Catches signal `sig` with a handler that does nothing, installed by
/// glibc's signal(), so with `SA_RESTART`.
pub fn catch_signal(sig: i32) {
    extern "C" fn on_signal(_: i32) {}
    // SAFETY: a handler that does nothing.
    unsafe { signal(sig, on_signal as extern "C" fn(i32) as usize) };
}

/// A descriptor number that no test opens.
pub const CLOSED_FD: u64 = 999;

unsafe extern "C" {
    fn fork() -> i32;
    fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    fn _exit(status: i32) -> !;
    fn __errno_location() -> *mut i32;
}

/// Runs `f` in a child process and returns its result (0 to 255).
pub fn in_child(f: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child runs `f` (which must not depend on other threads
    // of the test process) and exits.
    let pid = unsafe { fork() };
    assert!(pid >= 0, "fork");
    if pid == 0 {
        FORKED.store(true, std::sync::atomic::Ordering::Relaxed);
        let code = f();
        // SAFETY: leaves the child at once, running no destructors.
        unsafe { _exit(code) }
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked.
    assert_eq!(unsafe { waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(
        status & 0x7f,
        0,
        "the child was killed by signal {}",
        status & 0x7f
    );
    (status >> 8) & 0xff
}

/// The host's answer to a call that is expected to fail, asked in a
/// throw-away child process, so that a call that unexpectedly succeeds
/// (clone3 creating a process) cannot disturb the tests. `Ok(0)` stands for
/// any success.
pub fn host_in_child(nr: u16, regs: [u64; 6]) -> Result<i64, i32> {
    // SAFETY: the child only makes the system call and exits.
    let pid = unsafe { fork() };
    assert!(pid >= 0, "fork");
    if pid == 0 {
        // SAFETY: async-signal-safe calls only, then _exit.
        unsafe {
            let r = syscall(
                nr.into(),
                regs[0],
                regs[1],
                regs[2],
                regs[3],
                regs[4],
                regs[5],
            );
            _exit(if r == -1 { *__errno_location() } else { 0 })
        }
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked.
    assert_eq!(unsafe { waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(
        status & 0x7f,
        0,
        "the child was killed by signal {}",
        status & 0x7f
    );
    match (status >> 8) & 0xff {
        0 => Ok(0),
        errno => Err(errno),
    }
}

unsafe extern "C" {
    fn unshare(flags: i32) -> i32;
    fn mount(
        source: *const i8,
        target: *const i8,
        fstype: *const i8,
        flags: u64,
        data: *const i8,
    ) -> i32;
}
const CLONE_NEWNS: i32 = 0x20000;
pub const MS_RDONLY: u64 = 1;
pub const MS_NOEXEC: u64 = 8;
const MS_REMOUNT: u64 = 32;
const MS_PRIVATE: u64 = 1 << 18;
const MS_REC: u64 = 1 << 14;

/// In a child with a mount namespace of its own, a tmpfs at `dir` holding
/// "file" (0755), "sub/" and a link to "file", remounted with `flags`;
/// then `check` in that child, whose result is the child's exit status.
pub fn on_mount(flags: u64, check: impl FnOnce(&std::path::Path) -> i32) -> i32 {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    let c = |s: &str| std::ffi::CString::new(s).unwrap();
    let s = Scratch::new("mnt", 0);
    let dir = s.dir.join("mnt");
    fs::create_dir(&dir).unwrap();
    in_child(|| {
        let target = c(dir.to_str().unwrap());
        let tmpfs = c("tmpfs");
        let root = c("/");
        // SAFETY: mount calls confined to this child's own namespace.
        unsafe {
            if unshare(CLONE_NEWNS) != 0
                || mount(
                    std::ptr::null(),
                    root.as_ptr(),
                    std::ptr::null(),
                    MS_REC | MS_PRIVATE,
                    std::ptr::null(),
                ) != 0
                || mount(
                    tmpfs.as_ptr(),
                    target.as_ptr(),
                    tmpfs.as_ptr(),
                    0,
                    std::ptr::null(),
                ) != 0
            {
                return 100;
            }
        }
        fs::write(dir.join("file"), b"#!/bin/sh\n").unwrap();
        fs::set_permissions(dir.join("file"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::create_dir(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink("file", dir.join("link")).unwrap();
        // SAFETY: as above.
        if unsafe {
            mount(
                tmpfs.as_ptr(),
                target.as_ptr(),
                tmpfs.as_ptr(),
                MS_REMOUNT | flags,
                std::ptr::null(),
            )
        } != 0
        {
            return 101;
        }
        check(&dir)
    })
}

unsafe extern "C" {
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut u8;
    fn munmap(addr: *mut u8, len: usize) -> i32;
    fn mprotect(addr: *mut u8, len: usize, prot: i32) -> i32;
}
pub const PROT_NONE: i32 = 0;
pub const PROT_READ: i32 = 1;
pub const PROT_RW: i32 = 3;
const MAP_PRIVATE_ANONYMOUS: i32 = 0x22;
pub const PAGE: usize = 4096;

/// Pages of this process's memory, each readable and writable, or
/// protected, or unmapped (a hole): partial transfers stop at them.
pub struct Pages {
    base: *mut u8,
    len: usize,
}

impl Pages {
    /// `n` pages, filled with the bytes 0, 1, 2, ... (mod 251).
    pub fn new(n: usize) -> Pages {
        let len = n * PAGE;
        // SAFETY: a fresh private anonymous mapping.
        let base = unsafe {
            mmap(
                core::ptr::null_mut(),
                len,
                PROT_RW,
                MAP_PRIVATE_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base as isize, -1, "mmap");
        let mut pages = Pages { base, len };
        for (i, b) in pages.bytes_mut().iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        pages
    }

    /// The address of byte `off`.
    pub fn at(&self, off: usize) -> u64 {
        self.base as u64 + off as u64
    }

    /// Gives page `i` protection `prot` (PROT_NONE, PROT_READ, ...).
    pub fn protect(&self, i: usize, prot: i32) {
        // SAFETY: a page of this mapping.
        assert_eq!(unsafe { mprotect(self.base.add(i * PAGE), PAGE, prot) }, 0);
    }

    /// Unmaps page `i`: a hole.
    pub fn unmap(&self, i: usize) {
        // SAFETY: a page of this mapping, which nothing else uses.
        assert_eq!(unsafe { munmap(self.base.add(i * PAGE), PAGE) }, 0);
    }

    /// The bytes (all pages must be readable and writable).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: the mapping, `len` bytes, alive while `self` is.
        unsafe { core::slice::from_raw_parts_mut(self.base, self.len) }
    }

    /// Writes `bytes` at offset `off` (into readable, writable pages).
    pub fn put(&self, off: usize, bytes: &[u8]) {
        assert!(off + bytes.len() <= self.len);
        // SAFETY: bytes of the mapping, which the caller left writable.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(off), bytes.len()) }
    }

    /// Byte `off`, which must be readable.
    pub fn get(&self, off: usize) -> u8 {
        assert!(off < self.len);
        // SAFETY: a readable byte of the mapping.
        unsafe { self.base.add(off).read_volatile() }
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        // SAFETY: the mapping (its holes included).
        unsafe { munmap(self.base, self.len) };
    }
}
