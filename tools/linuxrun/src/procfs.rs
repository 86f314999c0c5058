//! What linuxrun reads of a traced thread in `/proc` (proc_pid_status(5),
//! proc_pid_stat(5), proc_pid_syscall(5), proc_pid_comm(5)).

use nix::sys::signal::Signal;
use nix::unistd::Pid;

use crate::model::{Cred, NGROUPS};

/// The lines of `/proc/TID/status` linuxrun needs.
#[derive(Debug, PartialEq, Eq)]
pub struct Status {
    /// The thread's process (thread group).
    pub tgid: Pid,
    /// Signals the process catches, and those it ignores (bit `n - 1`
    /// for signal `n`).
    pub caught: u64,
    pub ignored: u64,
    /// The thread's IDs and groups (NetBSD's first NGROUPS of them).
    pub cred: Cred,
}

impl Status {
    pub fn read(tid: Pid) -> Result<Status, String> {
        let path = format!("/proc/{tid}/status");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        Status::parse(&text).ok_or_else(|| format!("{path}: unreadable"))
    }

    fn parse(text: &str) -> Option<Status> {
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
        };
        let mask = |key: &str| u64::from_str_radix(field(key)?, 16).ok();
        // Real, effective, saved (and file system) IDs.
        let ids = |key: &str| -> Option<[u32; 3]> {
            let mut ids = field(key)?.split_whitespace().map(|v| v.parse().ok());
            Some([ids.next()??, ids.next()??, ids.next()??])
        };
        let mut cred = Cred {
            uid: ids("Uid:")?,
            gid: ids("Gid:")?,
            ..Cred::default()
        };
        for group in field("Groups:")?.split_whitespace().take(NGROUPS) {
            cred.groups[cred.ngroups as usize] = group.parse().ok()?;
            cred.ngroups += 1;
        }
        Some(Status {
            tgid: Pid::from_raw(field("Tgid:")?.parse().ok()?),
            caught: mask("SigCgt:")?,
            ignored: mask("SigIgn:")?,
            cred,
        })
    }

    /// Whether `sig` ends an interruptible sleep on NetBSD: one the
    /// process catches, or whose default action kills it. An ignored
    /// signal is discarded, and NetBSD's issignal() (kern_sig.c) stops
    /// the process for a stop signal and lets the sleep go on.
    pub fn ends_sleep(&self, sig: Signal) -> bool {
        let bit = 1u64 << (sig as i32 - 1);
        if self.caught & bit != 0 {
            return true;
        }
        use Signal::*;
        self.ignored & bit == 0
            && !matches!(
                sig,
                SIGCHLD | SIGURG | SIGWINCH | SIGCONT | SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU
            )
    }
}

/// The number of threads of process `pid` (the `Threads:` line).
pub fn threads(pid: Pid) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("Threads:"))?
        .trim()
        .parse()
        .ok()
}

/// The CPU thread `tid` last ran on.
pub fn last_cpu(tid: Pid) -> Result<u32, String> {
    // proc_pid_stat(5): field 39, counted after the command's ')'.
    let path = format!("/proc/{tid}/stat");
    let stat = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(36))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{path}: no processor"))
}

/// The name of process `pid` (proc_pid_comm(5)), as NetBSD's p_comm holds
/// the program's.
pub fn comm(pid: Pid) -> Result<std::ffi::CString, String> {
    let path = format!("/proc/{pid}/comm");
    let text = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
    let name = text.strip_suffix(b"\n").unwrap_or(&text);
    std::ffi::CString::new(name).map_err(|_| format!("{path}: a NUL in the name"))
}

/// The user stack pointer of thread `tid`, asleep in a system call
/// (`/proc/TID/syscall` reads "NR ARG1 .. ARG6 SP PC" then). `None` while
/// the thread runs: the kernel shows a thread's call only once it is off
/// the CPU in a state other than running (proc_pid_syscall and
/// task_current_syscall, Linux fs/proc/base.c and lib/syscall.c), which
/// is how a thread looks between queuing a seccomp notification and
/// falling asleep for its answer.
pub fn user_sp(tid: Pid) -> Result<Option<u64>, String> {
    let path = format!("/proc/{tid}/syscall");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    if text.trim() == "running" {
        return Ok(None);
    }
    text.split_whitespace()
        .nth(7)
        .and_then(|v| u64::from_str_radix(v.strip_prefix("0x")?, 16).ok())
        .map(Some)
        .ok_or_else(|| format!("{path}: not in a system call: {}", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_of_this_thread() {
        let tid = nix::unistd::gettid();
        let status = Status::read(tid).unwrap();
        assert_eq!(status.tgid, Pid::this());
        // SAFETY: getuid(2) and getgid(2) cannot fail.
        let ids = unsafe { (nix::libc::getuid(), nix::libc::getgid()) };
        assert_eq!((status.cred.uid[0], status.cred.gid[0]), ids);
        assert!(last_cpu(tid).is_ok());
        // Read while in read(2), below this frame on this thread's stack.
        let local = 0u8;
        let here = (&raw const local) as u64;
        let sp = user_sp(tid).unwrap().unwrap();
        assert!(sp < here && here - sp < 1 << 20, "{sp:#x} {here:#x}");
    }

    #[test]
    fn groups_past_netbsds_limit_are_dropped() {
        let groups: Vec<String> = (100..120).map(|g| g.to_string()).collect();
        let text = format!(
            "Tgid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t{} \nSigIgn:\t0\nSigCgt:\t0\n",
            groups.join(" ")
        );
        let cred = Status::parse(&text).unwrap().cred;
        assert_eq!(cred.ngroups as usize, NGROUPS);
        assert_eq!(cred.groups[..3], [100, 101, 102]);
        assert_eq!(cred.groups[NGROUPS - 1], 115);
    }

    #[test]
    fn which_signals_end_a_sleep() {
        // Caught: SIGINT (2), SIGUSR2 (12), SIGALRM (14); ignored: SIGPIPE (13).
        let text = "Name:\tx\nTgid:\t7\nUid:\t1\t2\t3\t2\nGid:\t4\t5\t6\t5\nGroups:\t\n\
                    SigIgn:\t0000000000001000\nSigCgt:\t0000000000002802\n";
        let status = Status::parse(text).unwrap();
        assert_eq!(status.tgid, Pid::from_raw(7));
        assert_eq!(
            status.cred,
            Cred {
                uid: [1, 2, 3],
                gid: [4, 5, 6],
                ..Cred::default()
            }
        );
        for sig in [Signal::SIGINT, Signal::SIGUSR2, Signal::SIGALRM] {
            assert!(status.ends_sleep(sig), "{sig}");
        }
        assert!(!status.ends_sleep(Signal::SIGPIPE));
        // Default actions: kill, or nothing, or stop.
        assert!(status.ends_sleep(Signal::SIGTERM));
        assert!(!status.ends_sleep(Signal::SIGCHLD));
        assert!(!status.ends_sleep(Signal::SIGTSTP));
    }
}
