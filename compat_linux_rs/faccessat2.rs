//! faccessat2(2): check a user's permissions for a file.
//!
//! Linux contract (`fs/open.c`, access(2)):
//! `int faccessat2(int dirfd, const char *pathname, int mode, int flags)`
//! - `mode` outside `F_OK | R_OK | W_OK | X_OK` → `EINVAL`; then `flags`
//!   outside `AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH` → `EINVAL`;
//! - without `AT_EACCESS` the check uses the real user and group IDs, with
//!   it the effective ones;
//! - an absolute `pathname` ignores `dirfd`, even a bad one; a relative one
//!   needs `dirfd` to be `AT_FDCWD` or an open directory (`EBADF`,
//!   `ENOTDIR`);
//! - an empty `pathname` fails with `ENOENT`, unless `AT_EMPTY_PATH` is given:
//!   then the check is on the file `dirfd` refers to (the working directory
//!   for `AT_FDCWD`);
//! - a `pathname` that cannot be read → `EFAULT`.
//!
//! On NetBSD a path goes to `do_sys_accessat` with the flags translated
//! (Linux's `AT_EACCESS` is 0x200, NetBSD's 0x100, where Linux has
//! `AT_SYMLINK_NOFOLLOW`), and `AT_FDCWD` for an absolute path, since
//! NetBSD 10's lookup checks the descriptor of an absolute path too. An
//! empty path with `AT_EMPTY_PATH` is a `VOP_ACCESS` on the vnode.
//!
//! Deviations: `W_OK` on a program being run fails with `ETXTBSY`, as
//! NetBSD's access(2) does, where Linux succeeds; `AT_EMPTY_PATH` on a
//! pipe or socket succeeds for every mode (Linux checks the pipe's owner).

use bitflags::bitflags;

use crate::args::SyscallArgs;
use crate::errno::Errno;
use crate::file::{Cwd, FileRef, Vnode};
use crate::lwp::Lwp;
use crate::sys::{self, register_t};
use crate::user::UserAddr;

/// Linux amd64 system call number.
pub const NR: u16 = 439;

bitflags! {
    /// The `AT_*` flags faccessat2 takes, Linux values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct AccessFlags: u32 {
        /// Do not follow a final symbolic link.
        const SYMLINK_NOFOLLOW = 0x100;
        /// Check with the effective IDs.
        const EACCESS = 0x200;
        /// An empty path means `dirfd` itself.
        const EMPTY_PATH = 0x1000;
    }
}

/// `R_OK | W_OK | X_OK`, the same numbers on Linux and NetBSD.
const MODE_BITS: i32 = 7;

/// The `VOP_ACCESS` mode for an access(2) mode.
fn accmode(mode: i32) -> u32 {
    [(4, sys::VREAD), (2, sys::VWRITE), (1, sys::VEXEC)]
        .iter()
        .filter(|(bit, _)| mode & bit != 0)
        .fold(0, |acc, (_, v)| acc | v)
}

fn check_vnode(lwp: &Lwp, vnode: &Vnode<'_>, mode: i32, flags: AccessFlags) -> Result<(), Errno> {
    if flags.contains(AccessFlags::EACCESS) {
        vnode.access(accmode(mode), lwp.cred())
    } else {
        let real = lwp.cred().with_real_ids();
        vnode.access(accmode(mode), real.cred())
    }
}

/// The handler.
pub fn faccessat2(lwp: &Lwp, args: &SyscallArgs) -> Result<register_t, Errno> {
    let dirfd = args.int::<0>();
    let path = UserAddr::new(args.u64::<1>());
    let mode = args.int::<2>();
    if mode & !MODE_BITS != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = AccessFlags::from_bits(args.int::<3>() as u32).ok_or(Errno::EINVAL)?;

    let mut first = [0u8; 1];
    path.read_into(&mut first)?;
    if first[0] == 0 {
        if !flags.contains(AccessFlags::EMPTY_PATH) {
            return Err(Errno::ENOENT);
        }
        if dirfd == sys::AT_FDCWD {
            let cwd = Cwd::of(lwp);
            check_vnode(lwp, &cwd.vnode(), mode, flags)?;
        } else if let Some(vnode) = FileRef::get(dirfd)?.vnode() {
            check_vnode(lwp, &vnode, mode, flags)?;
        }
        return Ok(0);
    }

    let dirfd = if first[0] == b'/' {
        sys::AT_FDCWD
    } else {
        dirfd
    };
    if dirfd != sys::AT_FDCWD {
        let dir = FileRef::get(dirfd)?;
        if dir.vnode().map(|v| v.vtype()) != Some(sys::vtype_VDIR) {
            return Err(Errno::ENOTDIR);
        }
    }
    let mut netbsd_flags = 0;
    if flags.contains(AccessFlags::EACCESS) {
        netbsd_flags |= sys::AT_EACCESS;
    }
    if flags.contains(AccessFlags::SYMLINK_NOFOLLOW) {
        netbsd_flags |= sys::AT_SYMLINK_NOFOLLOW;
    }
    // SAFETY: the calling LWP and a user path, which do_sys_accessat copies
    // in itself.
    Errno::check(unsafe {
        sys::do_sys_accessat(
            lwp.as_ptr(),
            dirfd,
            args.u64::<1>() as usize as *const _,
            mode,
            netbsd_flags as i32,
        )
    })?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;
    use std::fs::{self, File};
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::model::{
        self, CLOSED_FD, ModelLwp, Scratch, assert_balanced, same_as_host, trace, trace_reset,
    };

    const R: u64 = 4;
    const W: u64 = 2;
    const X: u64 = 1;
    const EACCESS: u64 = 0x200;
    const NOFOLLOW: u64 = 0x100;
    const EMPTY: u64 = 0x1000;

    fn run(dirfd: u64, path: &CString, mode: u64, flags: u64) -> i32 {
        let lwp = ModelLwp::on_cpu(0);
        trace_reset();
        let error = same_as_host(&lwp, NR, [dirfd, path.as_ptr() as u64, mode, flags, 0, 0]);
        assert_balanced();
        let t = trace();
        assert_eq!(
            (t.creds_held, t.vnodes_referenced),
            (0, 0),
            "credential or vnode leaked"
        );
        error
    }

    fn tree() -> (Scratch, File) {
        let s = Scratch::new("access", 10);
        fs::set_permissions(s.dir.join("file"), fs::Permissions::from_mode(0o640)).unwrap();
        fs::write(s.dir.join("exe"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(s.dir.join("exe"), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("missing", s.dir.join("dangling")).unwrap();
        let dir = File::open(&s.dir).unwrap();
        (s, dir)
    }

    fn c(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    #[test]
    fn modes_and_flags_match_linux() {
        let (s, dir) = tree();
        let fd = dir.as_raw_fd() as u64;
        for mode in [0, R, W, X, R | W, R | W | X] {
            for flags in [0, EACCESS, NOFOLLOW, EACCESS | NOFOLLOW] {
                run(fd, &c("file"), mode, flags);
                run(fd, &c("exe"), mode, flags);
            }
        }
        assert_eq!(
            run(fd, &c("file"), X, 0),
            sys::EACCES as i32,
            "root needs an x bit"
        );
        assert_eq!(run(fd, &c("dangling"), 0, 0), sys::ENOENT as i32);
        assert_eq!(run(fd, &c("dangling"), 0, NOFOLLOW), 0);
        assert_eq!(run(fd, &c("nothing"), 0, 0), sys::ENOENT as i32);
        let abs = c(s.dir.join("exe").to_str().unwrap());
        assert_eq!(
            run(model::CLOSED_FD, &abs, X, 0),
            0,
            "absolute paths ignore the descriptor"
        );
    }

    #[test]
    fn invalid_modes_and_flags_are_einval() {
        let (_s, dir) = tree();
        let fd = dir.as_raw_fd() as u64;
        for (mode, flags) in [
            (8, 0),
            (u32::MAX as u64, 0),
            (0, 1),
            (0, 0x400),
            (0, 0x800),
            (0, 0x1_0000_0000 | 0x2),
        ] {
            assert_eq!(
                run(fd, &c("file"), mode, flags),
                sys::EINVAL as i32,
                "mode {mode:x} flags {flags:x}"
            );
        }
        // Only the low 32 bits of flags count: an upper half is ignored.
        assert_eq!(run(fd, &c("file"), R, 0xdead_0000_0000 | EACCESS), 0);
    }

    #[test]
    fn directory_descriptors_are_checked() {
        let (s, _dir) = tree();
        let file = File::open(s.dir.join("file")).unwrap();
        assert_eq!(run(CLOSED_FD, &c("file"), 0, 0), sys::EBADF as i32);
        assert_eq!(run((-5i64) as u64, &c("file"), 0, 0), sys::EBADF as i32);
        assert_eq!(
            run(file.as_raw_fd() as u64, &c("file"), 0, 0),
            sys::ENOTDIR as i32
        );
        let (sock, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
        assert_eq!(
            run(sock.as_raw_fd() as u64, &c("file"), 0, 0),
            sys::ENOTDIR as i32
        );
    }

    #[test]
    fn empty_paths() {
        let (s, dir) = tree();
        let file = File::open(s.dir.join("file")).unwrap();
        assert_eq!(
            run(dir.as_raw_fd() as u64, &c(""), 0, 0),
            sys::ENOENT as i32
        );
        assert_eq!(run(file.as_raw_fd() as u64, &c(""), R | W, EMPTY), 0);
        assert_eq!(
            run(file.as_raw_fd() as u64, &c(""), X, EMPTY),
            sys::EACCES as i32
        );
        assert_eq!(
            run(dir.as_raw_fd() as u64, &c(""), R | X, EMPTY | EACCESS),
            0
        );
        assert_eq!(
            run(sys::AT_FDCWD as u64, &c(""), 0, EMPTY),
            0,
            "the working directory"
        );
        assert_eq!(run(CLOSED_FD, &c(""), 0, EMPTY), sys::EBADF as i32);
    }

    #[test]
    fn real_ids_unless_eaccess() {
        let (s, _dir) = tree();
        let file = File::open(s.dir.join("file")).unwrap();
        let lwp = ModelLwp::on_cpu(0);
        let empty = c("");
        for (flags, real) in [(EMPTY, true), (EMPTY | EACCESS, false)] {
            trace_reset();
            let (error, _) = model::call(
                &lwp,
                NR,
                [
                    file.as_raw_fd() as u64,
                    empty.as_ptr() as u64,
                    R,
                    flags,
                    0,
                    0,
                ],
            );
            assert_eq!(
                (error, trace().access_real_ids),
                (0, real),
                "flags {flags:x}"
            );
        }
    }

    /// In a child whose effective user is nobody and real user root, the
    /// module and the host answer alike: root may read a 0600 file, nobody
    /// may not, and AT_EACCESS decides which is asked.
    #[test]
    fn differing_real_and_effective_ids_match_linux() {
        let s = Scratch::new("access", 10);
        fs::set_permissions(s.dir.join("file"), fs::Permissions::from_mode(0o600)).unwrap();
        fs::set_permissions(&s.dir, fs::Permissions::from_mode(0o755)).unwrap();
        let path = c(s.dir.join("file").to_str().unwrap());
        let empty = c("");
        let file = File::open(s.dir.join("file")).unwrap();
        let agreed = model::in_child(|| {
            unsafe extern "C" {
                fn setresuid(r: u32, e: u32, s: u32) -> i32;
            }
            // SAFETY: changes this child's IDs only.
            if unsafe { setresuid(0, 65534, 0) } != 0 {
                return 100;
            }
            let lwp = ModelLwp::on_cpu(0);
            let cases = [
                ([sys::AT_FDCWD as u64, path.as_ptr() as u64, R, 0, 0, 0], 0),
                (
                    [sys::AT_FDCWD as u64, path.as_ptr() as u64, R, EACCESS, 0, 0],
                    sys::EACCES as i32,
                ),
                (
                    [
                        file.as_raw_fd() as u64,
                        empty.as_ptr() as u64,
                        R,
                        EMPTY,
                        0,
                        0,
                    ],
                    0,
                ),
                (
                    [
                        file.as_raw_fd() as u64,
                        empty.as_ptr() as u64,
                        R,
                        EMPTY | EACCESS,
                        0,
                        0,
                    ],
                    sys::EACCES as i32,
                ),
            ];
            for (i, (regs, expect)) in cases.into_iter().enumerate() {
                let (error, _) = model::call(&lwp, NR, regs);
                let host = model::host(NR, regs).err().unwrap_or(0);
                if error != expect || host != expect {
                    return 101 + i as i32;
                }
            }
            0
        });
        assert_eq!(
            agreed,
            0,
            "case {} disagreed (100: setresuid)",
            agreed - 101
        );
    }

    #[test]
    fn unreadable_paths_are_efault() {
        let lwp = ModelLwp::on_cpu(0);
        for flags in [0, EMPTY] {
            let regs = [sys::AT_FDCWD as u64, 8, 0, flags, 0, 0];
            assert_eq!(same_as_host(&lwp, NR, regs), sys::EFAULT as i32);
        }
    }
}
