//! Seccomp user notification (`seccomp_unotify(2)`): a thread that makes a
//! call the filter gives `SECCOMP_RET_USER_NOTIF` waits in the host kernel,
//! asleep and interruptible by signals, while linuxrun, holding the
//! filter's listener descriptor, receives the call and answers it.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::libc;
use nix::unistd::Pid;

/// A call waiting for linuxrun's answer.
#[derive(Clone, Copy, Debug)]
pub struct Notification {
    /// The kernel's cookie for it.
    pub id: u64,
    /// The calling thread.
    pub tid: Pid,
    /// The Linux system call number and its six argument registers.
    pub nr: u64,
    pub args: [u64; 6],
}

/// An answer to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The call returns this: a value, or minus a Linux errno.
    Result(i64),
    /// The call runs on the host kernel as the thread made it.
    Continue,
}

/// The listener descriptor of the filter.
pub struct Listener(OwnedFd);

impl Listener {
    pub fn new(fd: OwnedFd) -> Listener {
        Listener(fd)
    }

    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    /// The next waiting call; `None` if the one that was waiting is gone
    /// (its thread was interrupted or killed first).
    pub fn receive(&self) -> Result<Option<Notification>, Errno> {
        // SAFETY: seccomp_notif is plain data; RECV wants it zeroed.
        let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: RECV fills the structure it is given.
        let r = unsafe { libc::ioctl(self.fd(), libc::SECCOMP_IOCTL_NOTIF_RECV, &raw mut req) };
        if r < 0 {
            return match Errno::last() {
                Errno::ENOENT | Errno::EINTR => Ok(None),
                e => Err(e),
            };
        }
        Ok(Some(Notification {
            id: req.id,
            tid: Pid::from_raw(req.pid as i32),
            nr: req.data.nr as u32 as u64,
            args: req.data.args,
        }))
    }

    /// Whether call `id` still waits: its thread is still in the call, so
    /// what was read of the thread since it was received was of it.
    pub fn waiting(&self, id: u64) -> bool {
        // SAFETY: ID_VALID reads the cookie.
        unsafe { libc::ioctl(self.fd(), libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &raw const id) == 0 }
    }
}

/// Answers call `id` through listener `fd` (from any thread); false if
/// the call no longer waits: its thread was interrupted or killed.
pub fn answer(fd: RawFd, id: u64, reply: Reply) -> bool {
    let mut resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: 0,
        flags: 0,
    };
    match reply {
        Reply::Continue => resp.flags = libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
        Reply::Result(r) if (-4095..0).contains(&r) => resp.error = r as i32,
        Reply::Result(r) => resp.val = r,
    }
    // SAFETY: SEND reads the response it is given.
    unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_SEND, &raw const resp) == 0 }
}

/// Puts a duplicate of linuxrun's descriptor `srcfd` at number `newfd` of
/// the process whose call `id` waits on listener `fd`
/// (`SECCOMP_IOCTL_NOTIF_ADDFD`, replacing what is there as dup2 would),
/// close-on-exec if asked: a descriptor the module made for the call.
pub fn add_fd(fd: RawFd, id: u64, srcfd: RawFd, newfd: i32, cloexec: bool) -> Result<(), Errno> {
    let addfd = libc::seccomp_notif_addfd {
        id,
        flags: libc::SECCOMP_ADDFD_FLAG_SETFD as u32,
        srcfd: srcfd as u32,
        newfd: newfd as u32,
        newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
    };
    // SAFETY: ADDFD reads the structure it is given.
    let r = unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_ADDFD, &raw const addfd) };
    if r < 0 { Err(Errno::last()) } else { Ok(()) }
}
