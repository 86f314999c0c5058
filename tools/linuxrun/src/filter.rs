//! The seccomp filter PROGRAM runs under: what becomes of each Linux
//! system call number, decided in the kernel without a stop where it can be.
//!
//! The program (classic BPF, `Documentation/userspace-api/seccomp_filter`)
//! checks the architecture, loads the number and walks a balanced tree of
//! number ranges to the range's action. It reads nothing but the
//! architecture and the number, so the kernel's per-number cache of
//! allowed calls (Linux 5.11 and later) lets allowed calls skip it.

use std::os::fd::{FromRawFd, OwnedFd};

use nix::errno::Errno;
use nix::libc::{self, sock_filter, sock_fprog};

use crate::model::LINUX_NSYSENT;

/// What becomes of a system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// It runs on the host kernel.
    Host,
    /// It fails with ENOSYS at once, as compat_linux's `linux_sys_nosys`.
    Enosys,
    /// The thread waits in the kernel, asleep, for linuxrun to answer the
    /// call through the filter's listener (`notify.rs`).
    Notify,
    /// The thread stops for linuxrun (`PTRACE_EVENT_SECCOMP`), which can
    /// change the call it makes.
    Stop,
}

impl Action {
    fn seccomp(self) -> u32 {
        match self {
            Action::Host => libc::SECCOMP_RET_ALLOW,
            Action::Enosys => libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32,
            Action::Notify => libc::SECCOMP_RET_USER_NOTIF,
            Action::Stop => libc::SECCOMP_RET_TRACE,
        }
    }
}

/// `AUDIT_ARCH_X86_64` of `linux/audit.h`: EM_X86_64, 64-bit, little-endian.
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// Offsets in `struct seccomp_data`.
const NR_OFFSET: u32 = 0;
const ARCH_OFFSET: u32 = 4;

/// The action for every number below compat_linux's table size, one for
/// the numbers past it, and one for calls through another architecture's
/// ABI (i386's `int $0x80`), which a 64-bit Linux process on NetBSD does
/// not have.
pub struct Filter {
    actions: Vec<Action>,
    past: Action,
    foreign: Action,
}

impl Filter {
    /// A filter giving `action(nr)` for each number of compat_linux's
    /// table, `past` for larger numbers and `foreign` for other ABIs.
    pub fn new(action: impl Fn(u64) -> Action, past: Action, foreign: Action) -> Filter {
        Filter {
            actions: (0..LINUX_NSYSENT as u64).map(action).collect(),
            past,
            foreign,
        }
    }

    /// The BPF program.
    pub fn program(&self) -> Vec<sock_filter> {
        // Runs of numbers with one action, then everything above.
        let mut ranges: Vec<(u32, Action)> = Vec::new();
        for (nr, &action) in self.actions.iter().enumerate() {
            if ranges.last().is_none_or(|&(_, a)| a != action) {
                ranges.push((nr as u32, action));
            }
        }
        ranges.push((self.actions.len() as u32, self.past));
        let mut prog = vec![
            stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, ARCH_OFFSET),
            jump(libc::BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0),
            stmt(libc::BPF_RET | libc::BPF_K, self.foreign.seccomp()),
            stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, NR_OFFSET),
        ];
        tree(&ranges, &mut prog);
        prog
    }
}

/// A balanced tree over `ranges` (each from its number to the next one's):
/// `nr >= split` jumps over the lower half to the upper one.
fn tree(ranges: &[(u32, Action)], prog: &mut Vec<sock_filter>) {
    let [first, rest @ ..] = ranges else {
        return;
    };
    if rest.is_empty() {
        prog.push(stmt(libc::BPF_RET | libc::BPF_K, first.1.seccomp()));
        return;
    }
    let (lower, upper) = ranges.split_at(ranges.len() / 2);
    // jge: true to the `ja` over the lower half, false past it.
    prog.push(jump(libc::BPF_JGE, upper[0].0, 0, 1));
    let ja = prog.len();
    prog.push(stmt(libc::BPF_JMP | libc::BPF_JA, 0));
    let start = prog.len();
    tree(lower, prog);
    prog[ja].k = (prog.len() - start) as u32;
    tree(upper, prog);
}

fn stmt(code: u32, k: u32) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(op: u32, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter {
        code: (libc::BPF_JMP | op | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

/// Sets no_new_privs (which an unprivileged filter needs) and installs
/// `prog` on the calling thread, for it and everything it starts; returns
/// the filter's listener descriptor, through which `Notify` calls are
/// answered. Makes only system calls (for a child between fork and exec).
pub fn install(prog: &[sock_filter]) -> Result<OwnedFd, Errno> {
    let fprog = sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr().cast_mut(),
    };
    // SAFETY: prctl with integer arguments; seccomp reads `fprog` and the
    // instructions it points to, which outlive the call.
    let fd = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(Errno::last());
        }
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &raw const fprog,
        )
    };
    if fd < 0 {
        return Err(Errno::last());
    }
    // SAFETY: a descriptor seccomp just made, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the classic BPF subset the filter uses over `(nr, arch)`.
    fn run(prog: &[sock_filter], nr: u32, arch: u32) -> u32 {
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let insn = prog[pc];
            pc += 1;
            let code = u32::from(insn.code);
            match code {
                c if c == libc::BPF_LD | libc::BPF_W | libc::BPF_ABS => {
                    acc = if insn.k == NR_OFFSET { nr } else { arch };
                }
                c if c == libc::BPF_RET | libc::BPF_K => return insn.k,
                c if c == libc::BPF_JMP | libc::BPF_JA => pc += insn.k as usize,
                c if c == libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K => {
                    pc += usize::from(if acc == insn.k { insn.jt } else { insn.jf });
                }
                c if c == libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K => {
                    pc += usize::from(if acc >= insn.k { insn.jt } else { insn.jf });
                }
                _ => panic!("unexpected instruction {code:#x}"),
            }
        }
    }

    #[test]
    fn every_number_gets_its_action() {
        // Irregular runs, single numbers at both ends and an odd count.
        let pick = |nr: u64| match nr {
            0 | 511 => Action::Stop,
            n if n % 7 == 0 || (200..260).contains(&n) => Action::Enosys,
            n if n % 13 == 0 => Action::Stop,
            n if n % 11 == 0 => Action::Notify,
            _ => Action::Host,
        };
        let filter = Filter::new(pick, Action::Stop, Action::Enosys);
        let prog = filter.program();
        assert!(prog.len() < 4096, "BPF_MAXINSNS");
        for nr in (0..1024).chain([u32::MAX, 0x4000_0001]) {
            let want = if nr < 512 {
                pick(nr.into())
            } else {
                Action::Stop
            };
            assert_eq!(run(&prog, nr, AUDIT_ARCH_X86_64), want.seccomp(), "nr {nr}");
        }
        // i386's ABI (AUDIT_ARCH_I386).
        assert_eq!(run(&prog, 1, 0x4000_0003), Action::Enosys.seccomp());
    }

    #[test]
    fn one_action_for_all() {
        let prog = Filter::new(|_| Action::Host, Action::Host, Action::Host).program();
        for nr in [0, 300, 600] {
            assert_eq!(run(&prog, nr, AUDIT_ARCH_X86_64), libc::SECCOMP_RET_ALLOW);
        }
    }
}
